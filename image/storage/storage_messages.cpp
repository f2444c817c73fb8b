#include "image/storage/storage_messages.h"

#include <mutex>

#include "bot/core/message_table.h"

namespace picbot::image {

void register_storage_messages() {
  static std::once_flag once;
  std::call_once(once, [] {
    MessageTable::instance().add({
        {"log.storage.cannot_delete", "无法删除{what} {path}：{reason}",
         "cannot delete {what} {path}: {reason}"},
        {"log.storage.expired_sidecar", "过期的附属文件", "expired sidecar"},
        {"log.storage.expired_image", "过期的图片", "expired image"},
        {"log.storage.stale_temp_file", "残留的临时文件", "stale temp file"},
        {"log.storage.cannot_list", "无法列出 {dir}：{reason}", "cannot list {dir}: {reason}"},
        {"log.storage.deleted_temp_file", "已删除残留的临时文件 {name}", "deleted stale temp file {name}"},
        {"log.storage.no_sidecar", "图片 {name} 没有可读的附属文件：列出时不带提示词",
         "image {name} has no readable sidecar: listed without its prompt"},
        {"log.storage.save_failed", "保存图片失败：{reason}", "saving image failed: {reason}"},
        {"log.storage.saved", "已保存图片 {id}（{bytes} 字节）为 {path}",
         "saved image {id} ({bytes} bytes) as {path}"},
        {"log.storage.deleted", "已删除图片 {name}", "deleted image {name}"},
        {"log.storage.expired", "已从 {dir} 删除 {count} 张过期图片",
         "deleted {count} expired image(s) from {dir}"},
        {"log.storage.listed_again", "重启前的 {count} 张图片已重新列出",
         "{count} image(s) from before the restart are listed again"},
        {"log.storage.listing_failed", "列出上次运行的图片失败：{reason}",
         "listing the images of the last run failed: {reason}"},
        {"log.storage.cleanup_failed", "清理图片失败：{reason}", "image cleanup failed: {reason}"},
        {"log.storage.recache_failed", "图片 {id} 已从存储桶取回，但无法再存到本地：{reason}",
         "image {id} was fetched from the bucket but could not be cached locally again: {reason}"},
        {"log.storage.remote_delete_failed", "无法删除存储桶中的对象 {key}：{reason}",
         "cannot delete bucket object {key}: {reason}"},
        {"log.storage.swept",
         "图片清理：{expired} 个本地副本过期，{evicted} 个因容量上限删除，{forgotten} 条记录移除",
         "image sweep: {expired} local copies expired, {evicted} deleted for the size cap, {forgotten} "
         "records removed"},
        {"log.storage.kept_for_upload", "本地缓存超过上限，但 {count} 个文件尚未上传，保留不删",
         "the local cache is over its cap, but {count} file(s) are not uploaded yet and are kept"},
        {"log.storage.imported", "已把旧目录结构中的 {count} 张图片导入图片目录",
         "imported {count} image(s) of the old layout into the image catalog"},
        {"log.storage.ttl_alias", "{key} 已弃用：请改用 storage.local.ttl_minutes（现按 {minutes} 分钟保留）",
         "{key} is deprecated: use storage.local.ttl_minutes (images are kept {minutes} minutes)"},
        {"log.storage.settings", "图片存储：{backend}，本机保留 {minutes} 分钟，缓存上限 {cap}",
         "image storage: {backend}, kept locally {minutes} minutes, cache cap {cap}"},
        {"log.storage.no_cap", "不限", "none"},
        {"log.storage.bucket", "图片同时存到存储桶 {bucket}（{endpoint}，前缀 {prefix}）",
         "images also go to bucket {bucket} ({endpoint}, prefix {prefix})"},
        {"log.storage.enqueue_failed", "图片 {id} 无法加入上传队列，只保留在本地：{reason}",
         "image {id} could not be queued for upload and stays local only: {reason}"},
        {"log.storage.mark_remote_failed", "无法记录内容 {sha256}… 已上传：{reason}",
         "cannot record that content {sha256}… is uploaded: {reason}"},
        {"log.storage.no_image_route", "图片不通过 HTTP 提供：{reason}",
         "images are not served over HTTP: {reason}"},
        {"log.storage.cannot_serve_image", "无法提供图片 {id}：{reason}",
         "cannot serve image {id}: {reason}"},
    });
  });
}

}  // namespace picbot::image
