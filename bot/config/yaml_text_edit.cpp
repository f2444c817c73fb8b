#include "bot/config/yaml_text_edit.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <optional>
#include <sstream>
#include <vector>

#include "bot/config/config_loader.h"
#include "bot/config/config_writer.h"
#include "bot/core/text.h"

namespace picbot::config {
namespace {

using nlohmann::json;

// Mappings nested deeper than this are not edited (parse_yaml allows 64).
constexpr int kMaxEditDepth = 64;

Error refused(std::string why) { return Error::make("edit_refused", std::move(why)); }

struct TextLines {
  std::vector<std::string> lines;  // without their line endings
  std::string eol = "\n";
  bool final_newline = true;
};

Result<TextLines> split_lines(std::string_view text) {
  TextLines out;
  std::size_t crlf = 0;
  std::size_t lf = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      out.lines.emplace_back(text.substr(start));
      out.final_newline = false;
      break;
    }
    std::string_view line = text.substr(start, nl - start);
    if (line.ends_with('\r')) {
      ++crlf;
      line.remove_suffix(1);
    } else {
      ++lf;
    }
    out.lines.emplace_back(line);
    start = nl + 1;
  }
  if (crlf && lf) return refused("the file mixes CRLF and LF line endings");
  if (crlf) out.eol = "\r\n";
  for (const auto& line : out.lines) {
    const std::size_t content = line.find_first_not_of(" \t");
    if (line.substr(0, content).find('\t') != std::string::npos) return refused("a TAB in the indentation");
  }
  return out;
}

std::vector<std::string> split_rendered(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(std::move(line));
  return out;
}

// Anchors, aliases and documents, which a key-by-key text edit cannot keep.
class StructureCheck : public YAML::EventHandler {
 public:
  bool has_anchors = false;
  int documents = 0;

  void OnDocumentStart(const YAML::Mark&) override { ++documents; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { note(anchor); }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { has_anchors = true; }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor, const std::string&) override {
    note(anchor);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    note(anchor);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    note(anchor);
  }
  void OnMapEnd() override {}

 private:
  void note(YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) has_anchors = true;
  }
};

// Index just past a quoted scalar starting at text[i] (a quote), or npos.
std::size_t skip_quoted(std::string_view text, std::size_t i) {
  const char quote = text[i];
  for (++i; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;
      } else {
        return i + 1;
      }
    }
  }
  return std::string_view::npos;
}

// Position of the colon that ends the key starting at column col, or npos.
std::size_t key_colon(std::string_view line, std::size_t col) {
  if (col >= line.size() || line[col] == '?') return std::string_view::npos;
  std::size_t i = col;
  if (line[i] == '"' || line[i] == '\'') {
    i = skip_quoted(line, i);
    if (i == std::string_view::npos) return i;
    while (i < line.size() && line[i] == ' ') ++i;
    return i < line.size() && line[i] == ':' ? i : std::string_view::npos;
  }
  for (; i < line.size(); ++i) {
    if (line[i] == ':' && (i + 1 == line.size() || line[i + 1] == ' ')) return i;
  }
  return std::string_view::npos;
}

// [begin, end) of the value written on a key's line after its colon; the
// line from end on holds only spaces and a comment. begin == end when the
// value starts on the next line.
std::pair<std::size_t, std::size_t> inline_value(std::string_view line, std::size_t colon) {
  std::size_t begin = colon + 1;
  while (begin < line.size() && line[begin] == ' ') ++begin;
  if (begin == line.size() || line[begin] == '#') return {colon + 1, colon + 1};
  std::size_t end = begin;
  if (line[begin] == '"' || line[begin] == '\'') {
    end = skip_quoted(line, begin);
    if (end == std::string_view::npos) end = line.size();
  } else {
    const bool flow = line[begin] == '[' || line[begin] == '{';
    while (end < line.size() && !(line[end] == '#' && line[end - 1] == ' ')) {
      if (flow && (line[end] == '"' || line[end] == '\'')) {
        end = skip_quoted(line, end);
        if (end == std::string_view::npos) return {begin, line.size()};
        continue;
      }
      ++end;
    }
    while (end > begin && line[end - 1] == ' ') --end;
  }
  return {begin, end};
}

// The schema field of key inside a mapping described by parent, if known.
std::optional<Field> child_field(const Field* parent, const std::string& key) {
  if (parent == nullptr) return std::nullopt;
  if (parent->type == FieldType::kObject) {
    for (const Field& child : parent->children) {
      if (child.key == key) return child;
    }
    return std::nullopt;
  }
  if (parent->type == FieldType::kMap) {
    if (parent->item_type == FieldType::kObject) return object_field(key, parent->children, "", "");
    Field item;
    item.key = key;
    item.type = parent->item_type;
    return item;
  }
  return std::nullopt;
}

// Keys of after missing from before: the schema's order first, then the rest.
std::vector<std::string> new_keys(const json& before, const json& after, const Field* parent) {
  std::vector<std::string> keys;
  if (parent != nullptr && parent->type == FieldType::kObject) {
    for (const Field& child : parent->children) {
      if (after.contains(child.key) && !before.contains(child.key)) keys.push_back(child.key);
    }
  }
  for (const auto& [key, value] : after.items()) {
    if (!before.contains(key) && std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  return keys;
}

class TextEditor {
 public:
  TextEditor(const std::vector<std::string>& lines, std::string_view language)
      : lines_(lines), language_(language) {}

  // Records the edits that turn the mapping node (whose parsed form is
  // before) into after.
  Status edit_mapping(const YAML::Node& node, const json& before, const json& after, const Field* parent,
                      int depth) {
    if (depth > kMaxEditDepth) return refused("the mapping is nested too deeply");
    if (!before.is_object() || !after.is_object()) return refused("a mapping is not an object");
    std::size_t child_col = std::string::npos;
    std::size_t mapping_end = 0;
    for (auto it = node.begin(); it != node.end(); ++it) {
      // Copies: yaml-cpp's iterator hands out a temporary pair, so a
      // reference to its members dangles (found by yaml_text_edit_fuzz).
      const YAML::Node key_node = it->first;
      const YAML::Node value = it->second;
      if (!key_node.IsScalar()) return refused("a complex key");
      const std::string key = key_node.Scalar();
      const std::size_t line = static_cast<std::size_t>(key_node.Mark().line);
      const std::size_t col = static_cast<std::size_t>(key_node.Mark().column);
      if (line >= lines_.size()) return refused("a key outside the text");
      if (child_col != std::string::npos && col != child_col)
        return refused("keys of one mapping not aligned");
      child_col = col;
      const std::string& text = lines_[line];
      const std::size_t colon = key_colon(text, col);
      if (colon == std::string::npos) return refused("cannot find the colon after key " + key);
      const auto [value_begin, value_end] = inline_value(text, colon);
      const bool block_scalar =
          value_begin < value_end && (text[value_begin] == '|' || text[value_begin] == '>');
      const bool indentless = value.IsSequence() && value.Style() != YAML::EmitterStyle::Flow &&
                              static_cast<std::size_t>(value.Mark().column) == col;
      const std::size_t end = entry_end(line, col, block_scalar, indentless);
      mapping_end = std::max(mapping_end, end);
      if (!before.contains(key)) return refused("key " + key + " is not in the parsed document");
      if (!after.contains(key)) {
        add_edit(line, end + 1, {}, depth);
        continue;
      }
      const json& was = before.at(key);
      const json& now = after.at(key);
      if (was == now) continue;
      const std::optional<Field> field = child_field(parent, key);
      if (was.is_object() && now.is_object() && !now.empty() && value.IsMap() &&
          value.Style() != YAML::EmitterStyle::Flow && value.size() > 0 &&
          static_cast<std::size_t>(value.Mark().line) > line) {
        if (Status s = edit_mapping(value, was, now, field ? &*field : nullptr, depth + 1); !s) return s;
        continue;
      }
      if (!field) return refused("key " + key + " is not in the schema");
      std::vector<std::string> rendered =
          split_rendered(render_value_yaml(*field, now, static_cast<int>(col)));
      if (rendered.empty()) return refused("nothing rendered for key " + key);
      rendered.front() = text.substr(0, colon + 1) + rendered.front() + text.substr(value_end);
      add_edit(line, end + 1, std::move(rendered), depth);
    }
    const std::vector<std::string> added = new_keys(before, after, parent);
    if (added.empty()) return {};
    if (child_col == std::string::npos) return refused("keys added to an empty mapping");
    std::vector<std::string> inserted;
    for (const std::string& key : added) {
      const std::optional<Field> field = child_field(parent, key);
      if (!field) return refused("key " + key + " is not in the schema");
      if (child_col == 0 || field->type == FieldType::kObject) inserted.emplace_back();
      for (auto& line :
           split_rendered(render_entry_yaml(*field, after.at(key), static_cast<int>(child_col), language_))) {
        inserted.push_back(std::move(line));
      }
    }
    add_edit(mapping_end + 1, mapping_end + 1, std::move(inserted), depth);
    return {};
  }

  std::vector<std::string> apply() && {
    // Bottom up, so earlier positions stay valid. At one position a
    // replacement goes before an insertion (which belongs in front of it), and
    // a shallower insertion before a deeper one (which ends up above it).
    std::stable_sort(edits_.begin(), edits_.end(), [](const Edit& a, const Edit& b) {
      if (a.first != b.first) return a.first > b.first;
      const bool a_inserts = a.first == a.last;
      const bool b_inserts = b.first == b.last;
      if (a_inserts != b_inserts) return !a_inserts;
      return a.depth < b.depth;
    });
    std::vector<std::string> out = lines_;
    for (auto& edit : edits_) {
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(edit.first),
                out.begin() + static_cast<std::ptrdiff_t>(edit.last));
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(edit.first),
                 std::make_move_iterator(edit.lines.begin()), std::make_move_iterator(edit.lines.end()));
    }
    return out;
  }

 private:
  struct Edit {
    std::size_t first;  // replaces lines [first, last)
    std::size_t last;
    std::vector<std::string> lines;
    int depth;
  };

  void add_edit(std::size_t first, std::size_t last, std::vector<std::string> lines, int depth) {
    edits_.push_back(Edit{first, last, std::move(lines), depth});
  }

  // Last line of the entry whose key is at (line, col): the lines below that
  // are indented deeper (or, for a sequence written at the key's own
  // indentation, start with "-"). Comment lines never end an entry, and end
  // one only inside a block scalar.
  std::size_t entry_end(std::size_t line, std::size_t col, bool block_scalar, bool indentless) const {
    std::size_t last = line;
    for (std::size_t i = line + 1; i < lines_.size(); ++i) {
      const std::string& text = lines_[i];
      const std::size_t indent = text.find_first_not_of(' ');
      if (indent == std::string::npos) continue;
      if (indent > col) {
        if (block_scalar || text[indent] != '#') last = i;
        continue;
      }
      if (text[indent] == '#') continue;
      if (indentless && indent == col && text[indent] == '-' &&
          (indent + 1 == text.size() || text[indent + 1] == ' ')) {
        last = i;
        continue;
      }
      break;
    }
    return last;
  }

  const std::vector<std::string>& lines_;
  std::string language_;
  std::vector<Edit> edits_;
};

}  // namespace

Result<std::string> apply_changes(std::string_view original_text, const json& before, const json& after,
                                  const Schema& schema, std::string_view language) {
  if (original_text.size() > kMaxEditedYamlBytes) return refused("the file is too large to edit in place");
  if (!after.is_object()) return refused("the new document is not a mapping");
  auto split = split_lines(original_text);
  if (!split) return split.error();
  YAML::Node root;
  try {
    std::stringstream in{std::string(original_text)};
    YAML::Parser parser(in);
    StructureCheck check;
    // Two documents are enough to refuse; yaml-cpp 0.7 can also report
    // documents without end on some input (found by yaml_text_edit_fuzz).
    while (check.documents < 2 && parser.HandleNextDocument(check)) {
    }
    if (check.has_anchors) return refused("the file uses anchors or aliases");
    if (check.documents != 1) return refused("the file does not hold exactly one document");
    root = YAML::Load(std::string(original_text));
  } catch (const YAML::Exception& e) {
    return refused(std::string("the file does not parse: ") + e.what());
  }
  if (!root.IsMap() || root.size() == 0) return refused("the document is not a non-empty mapping");
  if (root.Style() == YAML::EmitterStyle::Flow) return refused("the document is a flow mapping");

  TextEditor editor(split->lines, language);
  try {
    if (Status s = editor.edit_mapping(root, before, after, &schema.root(), 0); !s) return s.error();
  } catch (const YAML::Exception& e) {
    return refused(std::string("cannot read the file's structure: ") + e.what());
  }
  const std::vector<std::string> edited = std::move(editor).apply();
  std::string text;
  for (std::size_t i = 0; i < edited.size(); ++i) {
    text += edited[i];
    if (i + 1 < edited.size() || split->final_newline) text += split->eol;
  }
  auto reread = parse_yaml(text, language);
  if (!reread || *reread != after) return refused("the edited text does not read back as intended");
  return text;
}

namespace {

// raw_after_changes below the object described by parent (nullptr: unknown).
json raw_after_changes_in(const Field* parent, const json& raw, const json& values_before,
                          const json& values_after) {
  if (!values_before.is_object() || !values_after.is_object()) return values_after;
  json out = raw.is_object() ? raw : json::object();
  for (auto it = out.begin(); it != out.end();) {
    it = values_before.contains(it.key()) ? std::next(it) : out.erase(it);
  }
  for (const auto& [key, now] : values_after.items()) {
    const bool had = values_before.contains(key);
    const std::optional<Field> field = child_field(parent, key);
    // Only an object's keys take their defaults one by one; a map (free keys)
    // the file lacks is its whole default, so a change writes it whole.
    const bool merges = field && field->type == FieldType::kObject;
    if (had && merges && values_before[key].is_object() && now.is_object()) {
      if (out.contains(key) && out[key].is_object()) {
        out[key] = raw_after_changes_in(&*field, out[key], values_before[key], now);
      } else if (values_before[key] != now) {
        out[key] = raw_after_changes_in(&*field, json::object(), values_before[key], now);
      }
    } else if (had && values_before[key] == now) {
      // unchanged: the file's own form stays (or stays absent)
    } else if (had && field && field->type == FieldType::kMap && out.contains(key) && out[key].is_object() &&
               now.is_object()) {
      // A map the file has: entries compared one by one, so untouched ones keep their form.
      json entries = out[key];
      for (auto it = entries.begin(); it != entries.end();) {
        it = now.contains(it.key()) ? std::next(it) : entries.erase(it);
      }
      // An entry that is an object (image_providers.<name>) is edited key by
      // key too, so saving one field does not write its defaults.
      const std::optional<Field> entry_field =
          field->item_type == FieldType::kObject ? child_field(&*field, key) : std::nullopt;
      for (const auto& [name, item] : now.items()) {
        const json* was = values_before[key].contains(name) ? &values_before[key][name] : nullptr;
        if (was && entry_field && *was != item && entries.contains(name) && entries[name].is_object()) {
          entries[name] = raw_after_changes_in(&*entry_field, entries[name], *was, item);
        } else if (!was || *was != item || !entries.contains(name)) {
          entries[name] = item;
        }
      }
      out[key] = std::move(entries);
    } else {
      out[key] = now;
    }
  }
  for (const auto& [key, was] : values_before.items()) {
    if (!values_after.contains(key)) out.erase(key);
  }
  return out;
}

}  // namespace

json raw_after_changes(const Schema& schema, const json& raw, const json& values_before,
                       const json& values_after) {
  return raw_after_changes_in(&schema.root(), raw, values_before, values_after);
}

ConfigText config_text_for(std::string_view current_text, const Schema& schema, const json& values_after,
                           std::string_view language) {
  auto full = [&](std::string why) {
    return ConfigText{render_yaml(schema, values_after, language), std::move(why)};
  };
  if (trim(current_text).empty()) return full("the file is empty");
  auto raw = parse_yaml(current_text, language);
  if (!raw) return full("the file does not parse");
  auto loaded = validate_config(schema, *raw, Environment{}, language);
  if (!loaded) return full("the file does not validate");
  const json raw_after = raw_after_changes(schema, *raw, loaded->values, values_after);
  // The edit is checked against raw_after; raw_after must load as asked.
  auto reloaded = validate_config(schema, raw_after, Environment{}, language);
  if (!reloaded || reloaded->values != values_after)
    return full("the edited document would load differently");
  auto edited = apply_changes(current_text, *raw, raw_after, schema, language);
  if (!edited) return full(edited.error().message);
  return ConfigText{std::move(*edited), {}};
}

}  // namespace picbot::config
