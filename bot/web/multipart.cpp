#include "bot/web/multipart.h"

#include "bot/core/text.h"

namespace picbot::web {
namespace {

// The value of parameter `name` in a header value ("form-data; name=\"a\""),
// unquoted (backslash escapes kept literal but for \" and \\); "" when absent.
std::string header_parameter(std::string_view value, std::string_view name) {
  std::size_t at = value.find(';');
  while (at != std::string_view::npos) {
    std::string_view rest = trim(value.substr(at + 1));
    const std::size_t eq = rest.find('=');
    if (eq == std::string_view::npos) return {};
    const std::string key = to_lower(trim(rest.substr(0, eq)));
    rest = trim(rest.substr(eq + 1));
    std::string parsed;
    std::size_t consumed = 0;
    if (!rest.empty() && rest.front() == '"') {
      std::size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size() && (rest[i + 1] == '"' || rest[i + 1] == '\\')) ++i;
        parsed += rest[i];
      }
      consumed = i + 1;
    } else {
      consumed = rest.find(';');
      parsed = std::string(trim(rest.substr(0, consumed)));
    }
    if (key == name) return parsed;
    if (consumed >= rest.size()) return {};
    const std::size_t next = rest.find(';', consumed);
    if (next == std::string_view::npos) return {};
    value = rest;
    at = next;
  }
  return {};
}

Status parse_part_header(std::string_view block, MultipartPart& part) {
  while (!block.empty()) {
    const std::size_t eol = block.find("\r\n");
    const std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      return Error::bad_request("multipart: a part header line has no ':'");
    const std::string name = to_lower(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      part.name = header_parameter(value, "name");
      part.filename = header_parameter(value, "filename");
    } else if (name == "content-type") {
      part.content_type = std::string(value);
    }
  }
  return {};
}

}  // namespace

Result<std::string> multipart_boundary(std::string_view content_type) {
  const std::size_t semicolon = content_type.find(';');
  if (to_lower(trim(content_type.substr(0, semicolon))) != "multipart/form-data")
    return Error::bad_request("not multipart/form-data");
  std::string boundary = header_parameter(content_type, "boundary");
  if (boundary.empty()) return Error::bad_request("multipart/form-data without a boundary");
  if (boundary.size() > 70) return Error::bad_request("multipart boundary longer than 70 characters");
  return boundary;
}

Result<std::vector<MultipartPart>> parse_multipart(std::string_view body, std::string_view boundary,
                                                   const MultipartLimits& limits) {
  if (boundary.empty()) return Error::bad_request("multipart: empty boundary");
  const std::string delimiter = "--" + std::string(boundary);
  const std::string inner = "\r\n" + delimiter;
  // The first delimiter may follow a preamble, or open the body.
  std::size_t at = body.starts_with(delimiter) ? 0 : body.find(inner);
  if (at == std::string_view::npos) return Error::bad_request("multipart: no opening boundary");
  at += body.starts_with(delimiter) && at == 0 ? delimiter.size() : inner.size();
  std::vector<MultipartPart> parts;
  for (;;) {
    std::string_view rest = body.substr(at);
    if (rest.starts_with("--")) return parts;  // the closing delimiter; an epilogue may follow
    // Transport padding (spaces, tabs) may sit before the line's CRLF.
    std::size_t line_end = 0;
    while (line_end < rest.size() && (rest[line_end] == ' ' || rest[line_end] == '\t')) ++line_end;
    if (rest.substr(line_end, 2) != "\r\n") return Error::bad_request("multipart: malformed boundary line");
    at += line_end + 2;
    rest = body.substr(at);
    if (parts.size() >= limits.max_parts)
      return Error::bad_request("multipart: more than " + std::to_string(limits.max_parts) + " parts");
    MultipartPart part;
    std::size_t data_start = 0;
    if (rest.starts_with("\r\n")) {
      data_start = 2;  // no header lines
    } else {
      const std::size_t header_end = rest.substr(0, limits.max_part_header_bytes + 4).find("\r\n\r\n");
      if (header_end == std::string_view::npos) {
        return Error::bad_request(rest.size() > limits.max_part_header_bytes
                                      ? "multipart: a part's header is too large"
                                      : "multipart: a part's header does not end");
      }
      if (Status s = parse_part_header(rest.substr(0, header_end), part); !s) return s.error();
      data_start = header_end + 4;
    }
    const std::size_t data_end = rest.find(inner, data_start);
    if (data_end == std::string_view::npos) return Error::bad_request("multipart: no closing boundary");
    part.data = rest.substr(data_start, data_end - data_start);
    parts.push_back(std::move(part));
    at += data_end + inner.size();
  }
}

}  // namespace picbot::web
