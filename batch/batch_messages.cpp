#include "batch/batch_messages.h"

#include "bot/core/message_table.h"

namespace picbot::batch {

void register_batch_messages() {
  MessageTable::instance().add({
      {"batch.usage",
       "用法：picbot batch --input-dir DIR --prompt TEXT [选项]\n"
       "  --input-dir DIR                输入图片所在的文件夹（必需）\n"
       "  --prompt TEXT                  对每张图片使用的提示词（必需）\n"
       "  --output-dir DIR               结果输出目录（默认 ./output；环境变量 OUTPUT_DIR）\n"
       "  --max-concurrent N             最大并发请求数（默认 5；环境变量 MAX_CONCURRENT_REQUESTS）\n"
       "  --max-retries N                每张图片最多尝试次数（默认 5；环境变量 MAX_RETRIES）\n"
       "  --enable-prompt-optimization   "
       "同一张图片第二次被内容过滤或没有出图后，让对话模型（llm.*）改写提示词\n"
       "  --archive-format zip|tar|none  结束后把输出打包为 archive.zip 或 archive.tar（默认 none）\n"
       "  --dry-run                      不发出任何请求，只列出将发送的内容、跳过的文件和预计请求数\n"
       "  --provider NAME                使用的绘图服务（image_providers 中的名字，或 openrouter、gemini）\n"
       "  --size WxH | --ar W:H          输出尺寸或宽高比（二选一）\n"
       "  --recursive                    也处理子文件夹中的图片\n"
       "  --resume                       跳过 successful/ 中已有结果的图片\n"
       "  --config PATH                  配置文件（默认 config/picbot.yaml；不存在时只用环境变量）\n"
       "  --lang zh-CN|en                输出语言\n"
       "  --json                         每个事件在标准输出上输出一行 JSON\n"
       "  -h, --help                     显示本帮助\n"
       "退出码：0 全部成功，1 有图片失败，2 用法或配置错误，130 被 Ctrl-C/SIGTERM 中断。\n"
       "示例：picbot batch --input-dir ./photos --prompt \"将此转换为动漫风格\" --archive-format zip\n",
       "usage: picbot batch --input-dir DIR --prompt TEXT [options]\n"
       "  --input-dir DIR                folder of the input images (required)\n"
       "  --prompt TEXT                  the prompt used for every image (required)\n"
       "  --output-dir DIR               where results go (default ./output; env OUTPUT_DIR)\n"
       "  --max-concurrent N             requests at the same time (default 5; env MAX_CONCURRENT_REQUESTS)\n"
       "  --max-retries N                tries per image (default 5; env MAX_RETRIES)\n"
       "  --enable-prompt-optimization   after an image's second content-filter or no-image answer, ask the\n"
       "                                 chat model (llm.*) for a better prompt\n"
       "  --archive-format zip|tar|none  pack the output into archive.zip or archive.tar at the end (default "
       "none)\n"
       "  --dry-run                      send nothing: list what would be sent, the skipped files and the\n"
       "                                 estimated request count\n"
       "  --provider NAME                the image provider (a name from image_providers, or openrouter, "
       "gemini)\n"
       "  --size WxH | --ar W:H          output size or aspect ratio (one of them)\n"
       "  --recursive                    include images in subfolders\n"
       "  --resume                       skip images whose result is already in successful/\n"
       "  --config PATH                  config file (default config/picbot.yaml; without it, only the "
       "environment)\n"
       "  --lang zh-CN|en                output language\n"
       "  --json                         one JSON object per event on stdout\n"
       "  -h, --help                     show this help\n"
       "exit codes: 0 all done, 1 some failed, 2 usage or config error, 130 stopped by Ctrl-C/SIGTERM.\n"
       "example: picbot batch --input-dir ./photos --prompt \"anime style\" --archive-format zip\n"},
      {"batch.missing_option", "picbot batch：缺少 {option}", "picbot batch: {option} is required"},
      {"batch.bad_count", "picbot batch：{option} 应为 1 到 {max} 的整数，实际是 “{value}”",
       "picbot batch: {option} takes a whole number from 1 to {max}, got '{value}'"},
      {"batch.bad_archive_format", "picbot batch：--archive-format 只能是 zip、tar 或 none，实际是 “{value}”",
       "picbot batch: --archive-format takes zip, tar or none, got '{value}'"},
      {"batch.bad_size", "picbot batch：--size 应为 宽x高（如 1024x1024），实际是 “{value}”",
       "picbot batch: --size takes WxH (e.g. 1024x1024), got '{value}'"},
      {"batch.bad_ratio", "picbot batch：--ar 应为 宽:高（如 16:9），实际是 “{value}”",
       "picbot batch: --ar takes W:H (e.g. 16:9), got '{value}'"},
      {"batch.bad_input_dir", "picbot batch：无法读取输入文件夹 {path}：{reason}",
       "picbot batch: cannot read the input folder {path}: {reason}"},
      {"batch.bad_output_dir", "picbot batch：无法写入输出目录 {path}：{reason}",
       "picbot batch: cannot write the output folder {path}: {reason}"},
      {"batch.env_file_ignored", "picbot batch：.env 第 {line} 行不是 KEY=VALUE，已忽略",
       "picbot batch: .env line {line} is not KEY=VALUE, ignored"},
      {"batch.bad_env_file", "picbot batch：.env 无法使用：{reason}",
       "picbot batch: .env cannot be used: {reason}"},
      {"batch.no_provider",
       "picbot batch：没有可用的绘图服务：请在配置中设置 image_providers 或 plugins.gemini_pic_gen "
       "的密钥，或设置环境变量 "
       "GEMINI_API_KEY",
       "picbot batch: no image provider: configure image_providers or the keys of plugins.gemini_pic_gen, or "
       "set GEMINI_API_KEY"},
      {"batch.unknown_provider", "picbot batch：没有名为 “{name}” 的绘图服务（可用：{known}）",
       "picbot batch: no image provider named '{name}' (known: {known})"},
      {"batch.provider_problem", "picbot batch：绘图服务 {name} 无法使用：{reason}",
       "picbot batch: the image provider {name} cannot be used: {reason}"},
      {"batch.no_llm",
       "picbot batch：--enable-prompt-optimization 需要对话模型的密钥（llm.api_keys 或 PICBOT_LLM_API_KEYS）",
       "picbot batch: --enable-prompt-optimization needs the chat model's keys (llm.api_keys or "
       "PICBOT_LLM_API_KEYS)"},
      {"batch.error_log_failed", "无法写入 {image} 的错误日志：{reason}",
       "could not write the error log of {image}: {reason}"},
      {"batch.worker_failed", "一个批处理任务因异常结束", "a batch worker ended with an exception"},
      // skip reasons
      {"batch.skip.not_image", "不是 PNG、JPEG、WEBP 或 GIF 图片", "not a PNG, JPEG, WEBP or GIF image"},
      {"batch.skip.gif", "GIF 图片：绘图服务只接受 PNG、JPEG、WEBP",
       "a GIF: the providers take PNG, JPEG and WEBP"},
      {"batch.skip.empty", "空文件", "empty file"},
      {"batch.skip.too_large", "大于 {max_mb} MB", "larger than {max_mb} MB"},
      {"batch.skip.unreadable", "无法读取：{reason}", "cannot be read: {reason}"},
      {"batch.skip.done", "已完成（--resume）", "already done (--resume)"},
      // dry run
      {"batch.dry.header", "试运行：不会发出任何请求。", "Dry run: no request is sent."},
      {"batch.dry.settings", "提示词：{prompt}\n绘图服务：{provider}（模型 {model}）\n尺寸：{size}",
       "prompt: {prompt}\nprovider: {provider} (model {model})\nsize: {size}"},
      {"batch.dry.send", "将发送：{file}（{bytes} 字节）", "would send: {file} ({bytes} bytes)"},
      {"batch.dry.skip", "跳过：{file}：{reason}", "skipped: {file}: {reason}"},
      {"batch.dry.estimate", "共 {images} 张图片，预计 {requests} 次请求（最多 {max_requests} 次，含重试）。",
       "{images} images, an estimated {requests} requests ({max_requests} at most, with retries)."},
      {"batch.size_default", "绘图服务默认", "the provider's default"},
      // progress
      {"batch.progress",
       "完成 {done} / 失败 {failed} / 进行中 {running} / 排队 {queued} · {rate:.1f} 张/分钟 · 剩余约 "
       "{eta}{waits}",
       "done {done} / failed {failed} / running {running} / queued {queued} · {rate:.1f} img/min · ETA "
       "{eta}{waits}"},
      {"batch.progress_waits", " · 重试等待 {waits}", " · retry waits {waits}"},
      {"batch.stopping", "正在停止：不再开始新图片，进行中的最多再等 30 秒（再按 Ctrl-C 立即停止）……",
       "Stopping: no new images; the running ones get up to 30 s (Ctrl-C again stops at once)..."},
      {"batch.stopping_now", "再次收到 Ctrl-C：立即取消进行中的图片（它们下次 --resume 时重做）",
       "Ctrl-C again: the running images are cancelled now (--resume redoes them)"},
      {"batch.summary",
       "结束：成功 {done}，失败 {failed}，跳过 {skipped}，用时 {seconds:.1f} 秒。输出在 {output}",
       "Finished: {done} done, {failed} failed, {skipped} skipped in {seconds:.1f} s. Output in {output}"},
      {"batch.archive_written", "归档：{path}", "archive: {path}"},
      {"batch.archive_failed", "归档失败：{reason}", "archive failed: {reason}"},
      {"batch.metadata_failed", "无法写入元数据：{reason}", "cannot write the metadata: {reason}"},
      {"batch.optimization_failed", "提示词优化失败：{reason}", "prompt optimisation failed: {reason}"},
      // error_analysis.json advice, per failure class
      {"batch.advice.rate_limited",
       "降低 --max-concurrent，或在 image_providers 中设置 requests_per_second。",
       "Lower --max-concurrent, or set requests_per_second in image_providers."},
      {"batch.advice.bad_request", "检查提示词、尺寸（--size/--ar）和输入图片；这类错误不会重试。",
       "Check the prompt, the size (--size/--ar) and the input image; these are never retried."},
      {"batch.advice.content_filtered", "换一种说法，或使用 --enable-prompt-optimization。",
       "Rephrase the prompt, or use --enable-prompt-optimization."},
      {"batch.advice.transient", "上游或网络不稳定：稍后用 --resume 再跑一次。",
       "The upstream or the network is unstable: run again later with --resume."},
      {"batch.advice.deadline", "请求超时：提高 request_timeout_seconds，或降低 --max-concurrent。",
       "Requests timed out: raise request_timeout_seconds, or lower --max-concurrent."},
      {"batch.advice.invalid_key", "检查 API 密钥。", "Check the API keys."},
      {"batch.advice.other", "查看 failed/ 中的错误日志。", "Read the error logs in failed/."},
  });
}

}  // namespace picbot::batch
