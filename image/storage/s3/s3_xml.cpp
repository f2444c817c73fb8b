#include "image/storage/s3/s3_xml.h"

#include <expat.h>

#include <charconv>
#include <functional>

namespace picbot::image::s3 {
namespace {

// Walks a document and hands each element's path ("ListBucketResult",
// "Contents", "Key") and text to on_end when it closes.
class XmlWalker {
 public:
  using OnEnd = std::function<void(const std::vector<std::string>& path, std::string_view text)>;

  // Empty on success, else what stopped the walk.
  static std::string walk(std::string_view xml, const OnEnd& on_end) {
    if (xml.size() > kMaxXmlBytes) return "body over " + std::to_string(kMaxXmlBytes) + " bytes";
    XmlWalker walker(on_end);
    XML_Parser parser = XML_ParserCreate("UTF-8");
    if (parser == nullptr) return "out of memory";
    walker.parser_ = parser;
    XML_SetUserData(parser, &walker);
    XML_SetElementHandler(parser, &XmlWalker::on_start, &XmlWalker::on_close);
    XML_SetCharacterDataHandler(parser, &XmlWalker::on_text);
    XML_SetStartDoctypeDeclHandler(parser, &XmlWalker::on_doctype);
    const XML_Status status = XML_Parse(parser, xml.data(), static_cast<int>(xml.size()), XML_TRUE);
    std::string problem = walker.problem_;
    if (problem.empty() && status != XML_STATUS_OK) {
      problem = std::string("not XML: ") + XML_ErrorString(XML_GetErrorCode(parser));
    }
    XML_ParserFree(parser);
    return problem;
  }

 private:
  explicit XmlWalker(const OnEnd& on_end) : on_end_(on_end) {}

  void stop(std::string problem) {
    if (problem_.empty()) problem_ = std::move(problem);
    XML_StopParser(parser_, XML_FALSE);
  }

  static void on_start(void* user, const XML_Char* name, const XML_Char** /*attributes*/) {
    auto* self = static_cast<XmlWalker*>(user);
    if (!self->problem_.empty()) return;
    if (self->path_.size() >= static_cast<std::size_t>(kMaxXmlDepth)) {
      return self->stop("nested deeper than " + std::to_string(kMaxXmlDepth) + " levels");
    }
    self->path_.emplace_back(name);
    self->text_.clear();
  }

  static void on_close(void* user, const XML_Char* /*name*/) {
    auto* self = static_cast<XmlWalker*>(user);
    if (!self->problem_.empty() || self->path_.empty()) return;
    self->on_end_(self->path_, self->text_);
    self->path_.pop_back();
    self->text_.clear();
  }

  static void on_text(void* user, const XML_Char* text, int length) {
    auto* self = static_cast<XmlWalker*>(user);
    if (!self->problem_.empty()) return;
    if (self->text_.size() + static_cast<std::size_t>(length) > kMaxXmlText) {
      return self->stop("an element's text is over " + std::to_string(kMaxXmlText) + " bytes");
    }
    self->text_.append(text, static_cast<std::size_t>(length));
  }

  static void on_doctype(void* user, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    static_cast<XmlWalker*>(user)->stop("a DOCTYPE is not allowed");
  }

  const OnEnd& on_end_;
  XML_Parser parser_ = nullptr;
  std::vector<std::string> path_;
  std::string text_;  // of the innermost open element, since its last child closed
  std::string problem_;
};

bool is(const std::vector<std::string>& path, std::initializer_list<std::string_view> expected) {
  return path.size() == expected.size() && std::equal(path.begin(), path.end(), expected.begin());
}

}  // namespace

std::string unquoted_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

std::optional<S3ErrorBody> parse_error_body(std::string_view xml) {
  S3ErrorBody body;
  bool root_is_error = false;
  const std::string problem =
      XmlWalker::walk(xml, [&](const std::vector<std::string>& path, std::string_view text) {
        if (is(path, {"Error", "Code"})) body.code = text;
        if (is(path, {"Error", "Message"})) body.message = text;
        if (is(path, {"Error"})) root_is_error = true;
      });
  if (!problem.empty() || !root_is_error || body.code.empty()) return std::nullopt;
  return body;
}

Result<ListPage> parse_list_result(std::string_view xml) {
  ListPage page;
  bool root_seen = false;
  std::string key_problem;
  ObjectInfo current;
  bool has_key = false;
  const std::string problem =
      XmlWalker::walk(xml, [&](const std::vector<std::string>& path, std::string_view text) {
        if (!key_problem.empty()) return;
        if (is(path, {"ListBucketResult"})) {
          root_seen = true;
        } else if (is(path, {"ListBucketResult", "IsTruncated"})) {
          page.truncated = text == "true";
        } else if (is(path, {"ListBucketResult", "NextContinuationToken"})) {
          page.next_continuation_token = text;
        } else if (is(path, {"ListBucketResult", "Contents", "Key"})) {
          current.key = text;
          has_key = true;
        } else if (is(path, {"ListBucketResult", "Contents", "ETag"})) {
          current.etag = unquoted_etag(text);
        } else if (is(path, {"ListBucketResult", "Contents", "Size"})) {
          const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), current.size);
          if (ec != std::errc() || end != text.data() + text.size()) key_problem = "a Size is not a number";
        } else if (is(path, {"ListBucketResult", "Contents"})) {
          if (!has_key) key_problem = "a Contents has no Key";
          if (page.objects.size() >= kMaxListedObjects) {
            key_problem = "more than " + std::to_string(kMaxListedObjects) + " objects";
          }
          page.objects.push_back(std::move(current));
          current = ObjectInfo{};
          has_key = false;
        }
      });
  if (!problem.empty()) return Error::bad_request(problem);
  if (!key_problem.empty()) return Error::bad_request(key_problem);
  if (!root_seen) return Error::bad_request("not a ListBucketResult");
  if (page.truncated && page.next_continuation_token.empty()) {
    return Error::bad_request("truncated without a NextContinuationToken");
  }
  return page;
}

}  // namespace picbot::image::s3
