#include "influx/libcurl.h"

#include "common/shared_library.h"

namespace influx {
namespace {

Libcurl load() {
  // TELEINFO_LIBCURL: the SONAME of the library CMake found ("libcurl.so.4").
  const common::SharedLibrary library{TELEINFO_LIBCURL, "libcurl4"};
  Libcurl functions{};
  library.bind(functions.curl_global_init, "curl_global_init");
  library.bind(functions.curl_easy_init, "curl_easy_init");
  library.bind(functions.curl_easy_setopt, "curl_easy_setopt");
  library.bind(functions.curl_easy_perform, "curl_easy_perform");
  library.bind(functions.curl_easy_getinfo, "curl_easy_getinfo");
  library.bind(functions.curl_easy_strerror, "curl_easy_strerror");
  library.bind(functions.curl_easy_cleanup, "curl_easy_cleanup");
  library.bind(functions.curl_slist_append, "curl_slist_append");
  library.bind(functions.curl_slist_free_all, "curl_slist_free_all");
  // Not thread-safe: once, here, before any writer's thread uses the library.
  if (functions.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    throw common::LibraryError{library.soname() + ": curl_global_init failed"};
  }
  return functions;
}

}  // namespace

const Libcurl& libcurl() {
  static const Libcurl functions = load();
  return functions;
}

}  // namespace influx
