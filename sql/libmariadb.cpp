#include "sql/libmariadb.h"

#include "common/shared_library.h"

namespace sql {
namespace {

Libmariadb load() {
  // TELEINFO_LIBMARIADB: the SONAME of the library CMake found ("libmariadb.so.3").
  const common::SharedLibrary library{TELEINFO_LIBMARIADB, "libmariadb3"};
  Libmariadb functions{};
  library.bind(functions.mysql_server_init, "mysql_server_init");
  library.bind(functions.mysql_init, "mysql_init");
  library.bind(functions.mysql_options, "mysql_options");
  library.bind(functions.mysql_ssl_set, "mysql_ssl_set");
  library.bind(functions.mysql_real_connect, "mysql_real_connect");
  library.bind(functions.mysql_close, "mysql_close");
  library.bind(functions.mysql_errno, "mysql_errno");
  library.bind(functions.mysql_error, "mysql_error");
  library.bind(functions.mysql_query, "mysql_query");
  library.bind(functions.mysql_real_query, "mysql_real_query");
  library.bind(functions.mysql_store_result, "mysql_store_result");
  library.bind(functions.mysql_fetch_row, "mysql_fetch_row");
  library.bind(functions.mysql_free_result, "mysql_free_result");
  library.bind(functions.mysql_stmt_init, "mysql_stmt_init");
  library.bind(functions.mysql_stmt_prepare, "mysql_stmt_prepare");
  library.bind(functions.mysql_stmt_bind_param, "mysql_stmt_bind_param");
  library.bind(functions.mysql_stmt_bind_result, "mysql_stmt_bind_result");
  library.bind(functions.mysql_stmt_execute, "mysql_stmt_execute");
  library.bind(functions.mysql_stmt_fetch, "mysql_stmt_fetch");
  library.bind(functions.mysql_stmt_affected_rows, "mysql_stmt_affected_rows");
  library.bind(functions.mysql_stmt_errno, "mysql_stmt_errno");
  library.bind(functions.mysql_stmt_error, "mysql_stmt_error");
  library.bind(functions.mysql_stmt_close, "mysql_stmt_close");
  // Not thread-safe, and mysql_init would call it anyway: once, here, before any thread uses it.
  functions.mysql_server_init(0, nullptr, nullptr);
  return functions;
}

}  // namespace

const Libmariadb& libmariadb() {
  static const Libmariadb functions = load();
  return functions;
}

}  // namespace sql
