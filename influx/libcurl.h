// libcurl's functions, from the library loaded when the first InfluxDB writer is made rather than
// when the program starts: a bridge that archives nothing maps none of it, nor the TLS, Kerberos,
// LDAP and SSH libraries it brings (common/shared_library.h says why). The types and constants are
// <curl/curl.h>'s; each pointer has the type of the function it declares.
#pragma once

#include <curl/curl.h>

namespace influx {

struct Libcurl {
  decltype(&::curl_global_init) curl_global_init;
  decltype(&::curl_easy_init) curl_easy_init;
  decltype(&::curl_easy_setopt) curl_easy_setopt;
  decltype(&::curl_easy_perform) curl_easy_perform;
  decltype(&::curl_easy_getinfo) curl_easy_getinfo;
  decltype(&::curl_easy_strerror) curl_easy_strerror;
  decltype(&::curl_easy_cleanup) curl_easy_cleanup;
  decltype(&::curl_slist_append) curl_slist_append;
  decltype(&::curl_slist_free_all) curl_slist_free_all;
};

// Loads libcurl the first time and calls curl_global_init; thread-safe. Throws
// common::LibraryError when it cannot: the writer's constructor, at start-up, says so.
const Libcurl& libcurl();

}  // namespace influx
