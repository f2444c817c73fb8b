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
        {"log.storage.no_image_route", "图片不通过 HTTP 提供：{reason}",
         "images are not served over HTTP: {reason}"},
        {"log.storage.cannot_serve_image", "无法提供图片 {id}：{reason}",
         "cannot serve image {id}: {reason}"},
    });
  });
}

}  // namespace picbot::image
