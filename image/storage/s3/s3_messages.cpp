#include "image/storage/s3/s3_messages.h"

#include <mutex>

#include "bot/core/message_table.h"

namespace picbot::image::s3 {

void register_messages() {
  static std::once_flag once;
  std::call_once(once, [] {
    MessageTable::instance().add({
        // What the server refused, in plain words (S3Client's errors).
        {"s3.error.access_denied",
         "存储桶拒绝访问（AccessDenied）：access_key_id 没有操作存储桶 {bucket} 的权限",
         "the bucket refused access (AccessDenied): access_key_id may not use bucket {bucket}"},
        {"s3.error.signature", "签名不匹配（SignatureDoesNotMatch）：secret_access_key 可能有误",
         "the signature does not match (SignatureDoesNotMatch): check secret_access_key"},
        {"s3.error.invalid_key",
         "存储服务不认识 access_key_id {key}（InvalidAccessKeyId）：检查 access_key_id",
         "the server does not know access_key_id {key} (InvalidAccessKeyId): check access_key_id"},
        {"s3.error.no_such_bucket", "存储桶 {bucket} 不存在（NoSuchBucket）：检查 bucket 与 endpoint",
         "bucket {bucket} does not exist (NoSuchBucket): check bucket and endpoint"},
        {"s3.error.time_skewed", "本机时钟与存储服务相差太多（RequestTimeTooSkewed）：请校准系统时间",
         "this machine's clock is too far from the server's (RequestTimeTooSkewed): set the system time "
         "right"},
        {"s3.error.redirect",
         "存储桶 {bucket} 在另一个区域或端点（HTTP {status} {code}）：检查 endpoint、region 与 path_style",
         "bucket {bucket} lives at another region or endpoint (HTTP {status} {code}): check endpoint, region "
         "and "
         "path_style"},
        {"s3.error.not_found", "存储桶里没有对象 {key}", "no object {key} in the bucket"},
        {"s3.error.too_large", "对象 {key} 超过 {limit} 字节", "object {key} is over {limit} bytes"},
        {"s3.error.server", "存储服务暂时出错（HTTP {status} {code}）：{message}",
         "the storage server failed for now (HTTP {status} {code}): {message}"},
        {"s3.error.refused", "存储服务拒绝了请求（HTTP {status} {code}）：{message}",
         "the storage server refused the request (HTTP {status} {code}): {message}"},
        {"s3.error.network", "无法连接存储服务 {endpoint}（{kind}）：{reason}",
         "cannot reach the storage server {endpoint} ({kind}): {reason}"},
        {"s3.error.bad_listing", "存储服务的列表回复无法读取：{reason}",
         "the storage server's listing could not be read: {reason}"},
        // The console's "test connection" (S3Client::probe).
        {"s3.probe.ok", "连接正常：列出对象、上传并删除测试对象 {key} 都成功（{ms} 毫秒）",
         "the connection works: listing objects, uploading and deleting probe object {key} all succeeded "
         "({ms} "
         "ms)"},
        {"s3.probe.list_failed", "列出对象失败：{reason}", "listing objects failed: {reason}"},
        {"s3.probe.put_failed", "上传测试对象 {key} 失败：{reason}",
         "uploading probe object {key} failed: {reason}"},
        {"s3.probe.delete_failed", "删除测试对象 {key} 失败：{reason}",
         "deleting probe object {key} failed: {reason}"},
        // S3Settings::validate (after "storage.s3.<field>: ").
        {"s3.config.endpoint", "应为 http(s)://主机[:端口]，不带路径（现为 \"{value}\"）",
         "should be http(s)://host[:port] without a path (is \"{value}\")"},
        {"s3.config.region", "不能为空（R2 填 auto，MinIO 常用 us-east-1）",
         "must not be empty (auto for R2, usually us-east-1 for MinIO)"},
        {"s3.config.bucket", "\"{value}\" 不是合法的存储桶名（3 到 63 个小写字母、数字、'.' 或 '-'）",
         "\"{value}\" is not a valid bucket name (3 to 63 lower-case letters, digits, '.' or '-')"},
        {"s3.config.access_key_id", "不能为空", "must not be empty"},
        {"s3.config.secret_access_key", "不能为空（也可用环境变量 PICBOT_S3_SECRET_ACCESS_KEY）",
         "must not be empty (or set the environment variable PICBOT_S3_SECRET_ACCESS_KEY)"},
        {"s3.config.oss_path_style", "阿里云 OSS 只支持虚拟主机方式：设 path_style: false",
         "Aliyun OSS supports virtual-hosted addressing only: set path_style: false"},
        {"s3.config.virtual_needs_name",
         "虚拟主机方式要在主机名前加存储桶名，{value} 是 IP 地址：设 path_style: true",
         "virtual-hosted addressing puts the bucket in front of the host name, and {value} is an IP address: "
         "set "
         "path_style: true"},
        {"s3.config.dotted_bucket",
         "存储桶名 \"{value}\" 含 '.'，虚拟主机方式下 HTTPS 证书对不上：设 path_style: true",
         "bucket name \"{value}\" has a '.', which breaks HTTPS certificates with virtual-hosted addressing: "
         "set "
         "path_style: true"},
        {"s3.config.public_base_url", "应为 http(s):// 开头的网址（现为 \"{value}\"）",
         "should be a URL starting with http(s):// (is \"{value}\")"},
        {"s3.config.key_prefix", "不能以 '/' 开头，也不能含 '..'（现为 \"{value}\"）",
         "must not start with '/' or hold '..' (is \"{value}\")"},
        {"s3.config.presign_seconds", "应在 1 到 604800（7 天）之间（现为 {value}）",
         "should be 1 to 604800 (7 days) (is {value})"},
        {"s3.config.max_parallel_uploads", "应在 1 到 64 之间（现为 {value}）",
         "should be 1 to 64 (is {value})"},
    });
  });
}

}  // namespace picbot::image::s3
