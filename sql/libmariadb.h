// libmariadb's functions, from the library loaded when the first MySQL/MariaDB writer or day view
// is made rather than when the program starts: a bridge that archives nothing maps none of it
// (common/shared_library.h says why). The types and constants are <mysql.h>'s, as linked code
// uses them; each pointer has the type of the function <mysql.h> declares.
#pragma once

#include <mysql.h>

namespace sql {

struct Libmariadb {
  decltype(&::mysql_server_init) mysql_server_init;  // mysql_library_init is a macro for it
  decltype(&::mysql_init) mysql_init;
  decltype(&::mysql_options) mysql_options;
  decltype(&::mysql_ssl_set) mysql_ssl_set;
  decltype(&::mysql_real_connect) mysql_real_connect;
  decltype(&::mysql_close) mysql_close;
  decltype(&::mysql_errno) mysql_errno;
  decltype(&::mysql_error) mysql_error;
  decltype(&::mysql_query) mysql_query;
  decltype(&::mysql_real_query) mysql_real_query;
  decltype(&::mysql_store_result) mysql_store_result;
  decltype(&::mysql_fetch_row) mysql_fetch_row;
  decltype(&::mysql_free_result) mysql_free_result;
  decltype(&::mysql_stmt_init) mysql_stmt_init;
  decltype(&::mysql_stmt_prepare) mysql_stmt_prepare;
  decltype(&::mysql_stmt_bind_param) mysql_stmt_bind_param;
  decltype(&::mysql_stmt_bind_result) mysql_stmt_bind_result;
  decltype(&::mysql_stmt_execute) mysql_stmt_execute;
  decltype(&::mysql_stmt_fetch) mysql_stmt_fetch;
  decltype(&::mysql_stmt_affected_rows) mysql_stmt_affected_rows;
  decltype(&::mysql_stmt_errno) mysql_stmt_errno;
  decltype(&::mysql_stmt_error) mysql_stmt_error;
  decltype(&::mysql_stmt_close) mysql_stmt_close;
};

// Loads libmariadb the first time (and calls mysql_library_init); thread-safe. Throws
// common::LibraryError when it cannot: the caller's constructor, at start-up, says so.
const Libmariadb& libmariadb();

}  // namespace sql
