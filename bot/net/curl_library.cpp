#include "bot/net/curl_library.h"

#include <dlfcn.h>

namespace picbot::net {
namespace {

struct Loaded {
  CurlLibrary table{};
  std::string error;
};

template <typename Fn>
bool resolve(void* handle, const char* name, Fn& slot, std::string& error) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    if (error.empty()) error = std::string("libcurl has no symbol ") + name;
    return false;
  }
  slot = reinterpret_cast<Fn>(symbol);
  return true;
}

Loaded open_library() {
  Loaded loaded;
  // The SONAME, so the runtime package (libcurl4) is enough; no -dev symlink.
  void* handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    loaded.error = std::string("cannot load libcurl.so.4: ") + (reason ? reason : "unknown error");
    return loaded;
  }
  CurlLibrary& t = loaded.table;
  std::string& e = loaded.error;
  CURLcode (*global_init)(long) = nullptr;
  const bool complete =
      resolve(handle, "curl_global_init", global_init, e) &
      resolve(handle, "curl_easy_init", t.easy_init, e) &
      resolve(handle, "curl_easy_cleanup", t.easy_cleanup, e) &
      resolve(handle, "curl_easy_reset", t.easy_reset, e) &
      resolve(handle, "curl_easy_setopt", t.easy_setopt, e) &
      resolve(handle, "curl_easy_getinfo", t.easy_getinfo, e) &
      resolve(handle, "curl_easy_strerror", t.easy_strerror, e) &
      resolve(handle, "curl_easy_pause", t.easy_pause, e) &
      resolve(handle, "curl_slist_append", t.slist_append, e) &
      resolve(handle, "curl_slist_free_all", t.slist_free_all, e) & resolve(handle, "curl_url", t.url, e) &
      resolve(handle, "curl_url_set", t.url_set, e) & resolve(handle, "curl_url_get", t.url_get, e) &
      resolve(handle, "curl_url_cleanup", t.url_cleanup, e) & resolve(handle, "curl_free", t.free, e) &
      resolve(handle, "curl_multi_init", t.multi_init, e) &
      resolve(handle, "curl_multi_cleanup", t.multi_cleanup, e) &
      resolve(handle, "curl_multi_setopt", t.multi_setopt, e) &
      resolve(handle, "curl_multi_add_handle", t.multi_add_handle, e) &
      resolve(handle, "curl_multi_remove_handle", t.multi_remove_handle, e) &
      resolve(handle, "curl_multi_assign", t.multi_assign, e) &
      resolve(handle, "curl_multi_socket_action", t.multi_socket_action, e) &
      resolve(handle, "curl_multi_info_read", t.multi_info_read, e) &
      resolve(handle, "curl_multi_strerror", t.multi_strerror, e);
  if (!complete) return loaded;
  if (const CURLcode rc = global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
    loaded.error = "curl_global_init failed with code " + std::to_string(static_cast<int>(rc));
  }
  // The handle is never closed: libcurl stays loaded for the process lifetime.
  return loaded;
}

}  // namespace

Result<const CurlLibrary*, std::string> CurlLibrary::load() {
  static const Loaded loaded = open_library();  // thread-safe, once
  if (!loaded.error.empty()) return loaded.error;
  return &loaded.table;
}

}  // namespace picbot::net
