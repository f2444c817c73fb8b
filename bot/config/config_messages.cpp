#include "bot/config/config_messages.h"

#include <mutex>

#include "bot/core/message_table.h"

namespace picbot::config {

void register_config_messages() {
  static std::once_flag once;
  std::call_once(once, [] {
    MessageTable::instance().add({
        {"config.unknown_key", "未知的键，已忽略", "unknown key, ignored"},
        {"config.unknown_key_refused",
         "未知的键：此节不接受未知的键（这里写错一个键名可能会悄悄关掉安全设置）",
         "unknown key: this section accepts no unknown keys (a misspelt key here can silently switch off "
         "a security setting)"},
        {"config.did_you_mean", "（是不是想写 `{key}`？）", " (did you mean `{key}`?)"},
        {"config.yaml_syntax", "YAML 语法错误，第 {line} 行第 {column} 列：{explanation}",
         "YAML syntax error at line {line}, column {column}: {explanation}"},
        {"config.yaml_tab", "第 {line} 行的缩进里有 TAB 字符；YAML 只能用空格缩进，请把 TAB 换成空格",
         "line {line} has a TAB character in its indentation; YAML indents with spaces only, replace the "
         "TAB with spaces"},
        {"config.yaml_map_value",
         "这里不能出现冒号 “:”；请检查这一行的缩进是否与上下文对齐，或给含有 “: ” 的文字加上引号",
         "a ':' cannot appear here; check that this line is indented like its neighbours, or put quotes "
         "around text that contains ': '"},
        {"config.yaml_block_end", "缩进不一致：这一行的缩进与上面的行对不上",
         "inconsistent indentation: this line does not line up with the lines above it"},
        {"config.yaml_block_entry", "这里不能出现列表项 “- ”；请检查它的缩进",
         "a '- ' list item cannot appear here; check its indentation"},
        {"config.yaml_flow_seq", "用 “[” 开始的列表没有以 “]” 结束",
         "a list opened with '[' is not closed with ']'"},
        // No arguments: the template is shown as written, so single braces.
        {"config.yaml_flow_map", "用 “{” 开始的映射没有以 “}” 结束",
         "a mapping opened with '{' is not closed with '}'"},
        {"config.yaml_quote", "引号没有闭合：缺少配对的 \" 或 '",
         "a quoted text is not closed: a matching \" or ' is missing"},
        {"config.yaml_other", "{detail}", "{detail}"},
        {"config.not_a_mapping", "文件顶层应当是各个配置节的映射（如 onebot:、web:），实际是 {found}",
         "expected a mapping of sections at the top level (onebot:, web:, ...), got {found}"},
        {"config.missing_file",
         "找不到配置文件 {path}。可以先生成一份带注释的示例配置：picbot --print-example-config > {path}",
         "config file {path} not found. Start from the documented example: picbot --print-example-config > "
         "{path}"},
        {"config.secret_needs_value", "null 会清空这个密钥：要清空请填写空字符串 \"\"",
         "null would reset a secret: send \"\" to empty it"},
        // The validator's type errors. {type} is one of the config.type_*
        // entries, {found} what the file holds (secrets masked).
        {"config.expected", "应为{type}，实际是 {found}", "expected {type}, got {found}"},
        {"config.expected_in_range", "应为 {min} 到 {max} 之间的{type}，实际是 {found}",
         "expected {type} in [{min}, {max}], got {found}"},
        {"config.expected_at_least", "应为不小于 {min} 的{type}，实际是 {found}",
         "expected {type} >= {min}, got {found}"},
        {"config.expected_at_most", "应为不大于 {max} 的{type}，实际是 {found}",
         "expected {type} <= {max}, got {found}"},
        {"config.required_missing", "缺少必填项（{type}）", "required {type} is missing"},
        {"config.required_empty", "必填项（{type}）不能为空", "required {type} is empty"},
        {"config.from_env", "（来自环境变量 {env}）", " (from environment variable {env})"},
        {"config.type_integer", "整数", "integer"},
        {"config.type_number", "数字", "number"},
        {"config.type_boolean", "布尔值（true/false）", "boolean (true/false)"},
        {"config.type_one_of", "以下之一 [{values}]", "one of [{values}]"},
        {"config.type_string", "字符串", "string"},
        {"config.type_list_of", "列表（每项为{item}）", "list of {item}"},
        {"config.type_mapping", "映射", "mapping"},
        {"config.type_list_of_mappings", "映射的列表", "list of mappings"},
        {"config.type_mapping_of_mappings", "映射（每项为映射）", "mapping of mappings"},
        {"config.type_mapping_of", "映射（每项为{item}）", "mapping of {item}"},
        {"config.found_nothing", "空值", "nothing"},
        {"config.found_mapping", "一个映射", "a mapping"},
        {"config.found_list", "一个列表", "a list"},
        {"config.mark", "第 {line} 行第 {column} 列", "line {line}, column {column}"},
        {"config.issue_line", "{path}（第 {line} 行）：{message}", "{path} (line {line}): {message}"},
        {"config.key_not_text", "键必须是普通文本（{where}）", "keys must be plain text ({where})"},
        {"config.duplicate_key", "重复的键（{where}）", "duplicate key ({where})"},
        {"config.too_deep", "嵌套超过 {depth} 层或超过 {values} 个值（是否有递归或重复的别名？）",
         "nested deeper than {depth} levels or more than {values} values (a recursive or repeated alias?)"},
        {"config.cannot_parse", "无法解析 YAML：{detail}", "cannot parse YAML: {detail}"},
        {"config.cannot_read", "无法读取配置文件 {path}：{reason}",
         "cannot read config file {path}: {reason}"},
    });
  });
}

}  // namespace picbot::config
