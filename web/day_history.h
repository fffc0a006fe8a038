// /api/history?day=: a French legal day of one label from the MySQL/MariaDB archive (the `frame`
// table the MySQL sink writes), averaged per bucket in the database.
#pragma once

#include <mutex>

#include "sql/mysql_settings.h"
#include "web/api.h"

namespace web {

class DayHistory {
 public:
  explicit DayHistory(sql::MysqlSettings settings);

  // 200 with the points, 404 when the table has no such column, 503 when the database cannot be
  // reached or answer. One query at a time, each on a connection of its own: day views are rare,
  // and a connection left open would hold a server slot for nothing.
  Response query(const HistoryQuery& query) const;

 private:
  sql::MysqlSettings settings_;
  mutable std::mutex mutex_;
};

}  // namespace web
