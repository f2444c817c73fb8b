#include "bot/config/config_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "bot/core/text.h"

namespace picbot::config {
namespace {

using nlohmann::json;

bool is_plain_word(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  }
  return std::isalpha(static_cast<unsigned char>(text.front())) || text.front() == '_';
}

// Words a YAML 1.1 or 1.2 reader could take for a bool or null.
bool is_reserved_word(std::string_view text) {
  static const char* const kWords[] = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"};
  const std::string lower = to_lower(text);
  for (const char* word : kWords) {
    if (lower == word) return true;
  }
  return false;
}

std::string quoted(const std::string& text) {
  // A JSON string literal is a valid YAML double-quoted scalar.
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string render_key(const std::string& key) {
  return is_plain_word(key) && !is_reserved_word(key) ? key : quoted(key);
}

// A value on one line: quoted strings, plain enum words, numbers, flow lists.
std::string render_inline(const json& value, FieldType type) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (type == FieldType::kEnum && is_plain_word(text) && !is_reserved_word(text)) return text;
    return quoted(text);
  }
  if (value.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < value.size(); ++i) {
      out += (i ? ", " : "") + render_inline(value[i], type);
    }
    return out + "]";
  }
  if (value.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, item] : value.items()) {
      out += (first ? "" : ", ") + quoted(key) + ": " + render_inline(item, type);
      first = false;
    }
    return out + "}";
  }
  return value.dump();
}

// True when text reads back unchanged from a literal block scalar ("|" or "|-").
bool fits_literal_block(const std::string& text) {
  if (text.find('\n') == std::string::npos || text.front() == ' ' || text.front() == '\n') return false;
  if (text.size() >= 2 && text.ends_with("\n\n")) return false;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') return false;
  }
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.find_first_not_of(" \t") == std::string::npos) return false;
  }
  return true;
}

class YamlRenderer {
 public:
  // sparse: objects write only the keys their value has (no defaults filled in).
  explicit YamlRenderer(bool english, bool sparse = false) : english_(english), sparse_(sparse) {}

  std::string render(const Schema& schema, const json& values) {
    out_ += english_ ? "# picbot configuration (YAML), generated from the config schema.\n"
                       "# The comment above each key explains it; omitted keys take their defaults.\n"
                       "# Secrets can also come from the environment variables named in the comments.\n"
                     : "# picbot 配置文件（YAML），根据程序内的配置结构生成。\n"
                       "# 每一项上方的注释说明其含义；省略的项使用默认值。\n"
                       "# 密钥类配置也可以通过注释中给出的环境变量提供。\n";
    render_children(schema.root().children, values, 0, true);
    return std::move(out_);
  }

  // One key as render() documents it: comment, then "key:" and its value.
  std::string render_entry(const Field& field, const json& value, int indent) {
    comment(field, indent);
    render_field(field, value, indent, true);
    return std::move(out_);
  }

  // What follows "key:" for field's value at indent.
  std::string render_value(const Field& field, const json& value, int indent) {
    render_value_after(std::string(), field, value, indent, false);
    return std::move(out_);
  }

 private:
  void render_children(const std::vector<Field>& children, const json& values, int indent,
                       bool with_comments) {
    for (const Field& field : children) {
      const bool present = values.is_object() && values.contains(field.key);
      if ((field.only_when_present || sparse_) && !present) continue;
      const json& value = present ? values.at(field.key) : field.default_value;
      if (with_comments) {
        if (indent == 0 || field.type == FieldType::kObject) out_ += "\n";
        comment(field, indent);
      }
      render_field(field, value, indent, with_comments);
    }
  }

  void render_field(const Field& field, const json& value, int indent, bool with_comments) {
    render_value_after(std::string(indent, ' ') + render_key(field.key) + ":", field, value, indent,
                       with_comments);
  }

  // head is the key line up to its colon (empty for the value alone).
  void render_value_after(const std::string& head, const Field& field, const json& value, int indent,
                          bool with_comments) {
    const std::string pad(indent, ' ');
    switch (field.type) {
      case FieldType::kObject:
        if (!has_rendered_children(field, value)) {
          out_ += head + " {}\n";
        } else {
          out_ += head + "\n";
          render_children(field.children, value, indent + 2, with_comments);
        }
        return;
      case FieldType::kObjectList:
        if (!value.is_array() || value.empty()) {
          out_ += head + " []\n";
          return;
        }
        out_ += head + "\n";
        for (const json& item : value) list_item(field.children, item, indent + 2);
        return;
      case FieldType::kMap:
        if (field.item_type != FieldType::kObject || !value.is_object() || value.empty()) {
          if (!value.is_object() || value.empty()) {
            out_ += head + " {}\n";
            return;
          }
          out_ += head + "\n";
          for (const auto& [key, item] : value.items()) {
            scalar_line(pad + "  " + quoted(key) + ":", item, field.item_type, indent + 2);
          }
          return;
        }
        out_ += head + "\n";
        for (const auto& [key, item] : value.items()) {
          const Field entry = object_field(key, field.children, "", "");
          out_ += pad + "  " + quoted(key) + ":";
          if (!has_rendered_children(entry, item)) {
            out_ += " {}\n";
          } else {
            out_ += "\n";
            render_children(field.children, item, indent + 4, false);
          }
        }
        return;
      case FieldType::kList:
        out_ += head + " " + render_inline(value, field.item_type) + "\n";
        return;
      default:
        scalar_line(head, value, field.type, indent);
    }
  }

  // "- " replaces the indentation of the item's first key.
  void list_item(const std::vector<Field>& children, const json& item, int indent) {
    std::size_t start = out_.size();
    render_children(children, item, indent + 2, false);
    if (out_.size() == start) {
      out_ += std::string(indent, ' ') + "- {}\n";
      return;
    }
    out_.replace(start + indent, 2, "- ");
  }

  void scalar_line(const std::string& head, const json& value, FieldType type, int indent) {
    if (value.is_string() && fits_literal_block(value.get_ref<const std::string&>())) {
      const auto& text = value.get_ref<const std::string&>();
      out_ += head + (text.back() == '\n' ? " |\n" : " |-\n");
      std::istringstream lines(text);
      for (std::string line; std::getline(lines, line);) {
        out_ += line.empty() ? "\n" : std::string(indent + 2, ' ') + line + "\n";
      }
      return;
    }
    out_ += head + " " + render_inline(value, type) + "\n";
  }

  bool has_rendered_children(const Field& field, const json& value) const {
    for (const Field& child : field.children) {
      if ((!child.only_when_present && !sparse_) || (value.is_object() && value.contains(child.key)))
        return true;
    }
    return false;
  }

  void comment(const Field& field, int indent) {
    const std::string pad(indent, ' ');
    comment_lines(pad, english_ ? field.description_en : field.description_zh);
    if (std::string meta = meta_line(field); !meta.empty()) out_ += pad + "# " + meta + "\n";
    if (field.type == FieldType::kObjectList || (field.type == FieldType::kMap && !field.children.empty())) {
      out_ += pad + (english_ ? "# Keys of each entry:\n" : "# 每一项的键：\n");
      for (const Field& child : field.children) {
        std::string line = child.key + ": " + (english_ ? child.description_en : child.description_zh);
        if (std::string meta = meta_line(child); !meta.empty()) line += " (" + meta + ")";
        out_ += pad + "#   " + line + "\n";
      }
    }
  }

  void comment_lines(const std::string& pad, const std::string& text) {
    if (text.empty()) return;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) out_ += pad + "# " + line + "\n";
  }

  // "default: x | one of: a, b | range: 0 to 2 | env: X | restart required".
  std::string meta_line(const Field& field) const {
    std::vector<std::string> parts;
    const bool scalar_like = field.type != FieldType::kObject && field.type != FieldType::kObjectList &&
                             field.type != FieldType::kMap && field.type != FieldType::kText &&
                             field.type != FieldType::kSecret &&
                             !(field.type == FieldType::kList && field.item_type == FieldType::kSecret);
    if (scalar_like && !field.required && !field.default_value.is_null()) {
      parts.push_back((english_ ? "default: " : "默认: ") + render_inline(field.default_value, field.type));
    }
    if (field.type == FieldType::kEnum) {
      std::string values;
      for (const auto& value : field.enum_values) values += (values.empty() ? "" : ", ") + value;
      parts.push_back((english_ ? "one of: " : "可选: ") + values);
    }
    if (field.min || field.max) {
      // Whole bounds read better without ".0", whatever the field type.
      auto whole = [](double v) {
        return std::trunc(v) == v ? std::to_string(static_cast<long long>(v)) : json(v).dump();
      };
      std::string range;
      if (field.min && field.max) {
        range = whole(*field.min) + (english_ ? " to " : " ~ ") + whole(*field.max);
      } else if (field.min) {
        range = ">= " + whole(*field.min);
      } else {
        range = "<= " + whole(*field.max);
      }
      parts.push_back((english_ ? "range: " : "范围: ") + range);
    }
    if (!field.env.empty()) parts.push_back((english_ ? "env: " : "环境变量: ") + field.env);
    if (field.required) parts.push_back(english_ ? "required" : "必填");
    if (field.restart_required) parts.push_back(english_ ? "restart required" : "修改后需重启");
    std::string out;
    for (const auto& part : parts) out += (out.empty() ? "" : " | ") + part;
    return out;
  }

  bool english_;
  bool sparse_;
  std::string out_;
};

Error io_error(const std::string& what, const std::filesystem::path& path, int error_number) {
  return Error::make("io", what + " " + path.string() + ": " + std::strerror(error_number));
}

Status sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory", dir, errno);
  int synced = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (synced != 0) return io_error("cannot sync directory", dir, saved);
  return {};
}

}  // namespace

Status replace_file(const std::filesystem::path& target, std::string_view data, mode_t mode) {
  std::string temp = (target.parent_path() / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return io_error("cannot create a temporary file for", target, errno);
  auto fail = [&](const char* what) {
    int saved = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    return io_error(what, target, saved);
  };
  if (::fchmod(fd, mode) != 0) return fail("cannot set the mode of");
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return fail("cannot write");
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  if (::fsync(fd) != 0) return fail("cannot sync");
  int closed = ::close(fd);
  fd = -1;
  if (closed != 0) return fail("cannot close");
  if (::rename(temp.c_str(), target.c_str()) != 0) return fail("cannot replace");
  return {};
}

std::string render_yaml(const Schema& schema, const nlohmann::json& values, std::string_view language) {
  return YamlRenderer(language.starts_with("en")).render(schema, values);
}

std::string render_entry_yaml(const Field& field, const nlohmann::json& value, int indent,
                              std::string_view language) {
  return YamlRenderer(language.starts_with("en"), true).render_entry(field, value, indent);
}

std::string render_value_yaml(const Field& field, const nlohmann::json& value, int indent) {
  return YamlRenderer(false, true).render_value(field, value, indent);
}

std::string render_example_yaml(const Schema& schema, std::string_view language) {
  return render_yaml(schema, schema.defaults(true), language);
}

std::vector<std::string> remove_stale_temp_files(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::path target = path;
  if (std::filesystem::is_symlink(path, ec)) target = std::filesystem::canonical(path, ec);
  if (ec) return {};
  const std::filesystem::path dir =
      target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
  // The names replace_file() gives its temporary files, for the file and its backup.
  const std::string name = target.filename().string();
  const std::string prefixes[] = {"." + name + ".tmp-", "." + name + ".bak.tmp-"};
  std::vector<std::string> removed;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    for (const auto& prefix : prefixes) {
      if (file.starts_with(prefix) && file.size() == prefix.size() + 6 && it->is_regular_file(ec)) {
        if (std::filesystem::remove(it->path(), ec)) removed.push_back(file);
        break;
      }
    }
  }
  return removed;
}

Status save_config_file(const std::filesystem::path& path, std::string_view yaml_text) {
  std::error_code ec;
  std::filesystem::path target = path;
  if (std::filesystem::is_symlink(path, ec)) {
    target = std::filesystem::canonical(path, ec);
    if (ec) return io_error("cannot resolve", path, ec.value());
  }
  if (target.parent_path().empty()) target = std::filesystem::path(".") / target;

  mode_t mode = 0600;
  struct stat info {};
  if (::stat(target.c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
    mode = info.st_mode & 07777;
    std::ifstream old(target, std::ios::binary);
    std::ostringstream previous;
    previous << old.rdbuf();
    if (!old) return io_error("cannot read", target, errno);
    std::filesystem::path backup = target;
    backup += ".bak";
    if (Status saved = replace_file(backup, previous.str(), mode); !saved.ok()) return saved;
  }
  if (Status saved = replace_file(target, yaml_text, mode); !saved.ok()) return saved;
  return sync_directory(target.parent_path());
}

}  // namespace picbot::config
