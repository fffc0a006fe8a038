// Opening a MySQL/MariaDB connection the way every part of teleinfo does: timeouts, utf8mb4, TLS
// as the settings ask, TCP or a Unix socket.
#pragma once

#include <mysql.h>

#include <chrono>

#include "sql/mysql_settings.h"

namespace sql {

// Connects `mysql` (from mysql_init). False on failure: mysql_errno() and mysql_error() say why.
bool connect(MYSQL* mysql, const MysqlSettings& settings, unsigned connect_timeout_seconds,
             unsigned io_timeout_seconds);

// A DATETIME(3) parameter or result: `time` in UTC (sessions run with time_zone '+00:00').
MYSQL_TIME to_mysql_time(std::chrono::sys_time<std::chrono::milliseconds> time);

}  // namespace sql
