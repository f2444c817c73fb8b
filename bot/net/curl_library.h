// CurlLibrary: libcurl's entry points, loaded with dlopen on first use.
//
// picbot links no HTTP library at start-up: libcurl and its dependency tree
// (OpenSSL, nghttp2, krb5, ldap, ssh2, ...) cost ~3 MB of resident pages in a
// process that may never make an outbound call. load() maps libcurl.so.4 once,
// runs curl_global_init, and is thread-safe; every later call returns the same
// table. The table is complete when load() succeeds; a missing library or
// symbol is an error value naming what was missing.
#pragma once

#include <curl/curl.h>

#include <string>

#include "bot/core/result.h"

namespace picbot::net {

struct CurlLibrary {
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  void (*easy_reset)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  CURLcode (*easy_pause)(CURL*, int);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  CURLU* (*url)();
  CURLUcode (*url_set)(CURLU*, CURLUPart, const char*, unsigned int);
  CURLUcode (*url_get)(const CURLU*, CURLUPart, char**, unsigned int);
  void (*url_cleanup)(CURLU*);
  void (*free)(void*);
  CURLM* (*multi_init)();
  CURLMcode (*multi_cleanup)(CURLM*);
  CURLMcode (*multi_setopt)(CURLM*, CURLMoption, ...);
  CURLMcode (*multi_add_handle)(CURLM*, CURL*);
  CURLMcode (*multi_remove_handle)(CURLM*, CURL*);
  CURLMcode (*multi_assign)(CURLM*, curl_socket_t, void*);
  CURLMcode (*multi_socket_action)(CURLM*, curl_socket_t, int, int*);
  CURLMsg* (*multi_info_read)(CURLM*, int*);
  const char* (*multi_strerror)(CURLMcode);

  // The loaded table, or why libcurl could not be loaded (cached: a failed
  // load is not retried, so every request reports the same reason).
  static Result<const CurlLibrary*, std::string> load();
};

}  // namespace picbot::net
