#include "web/day_history.h"

#include <mysql.h>
#include <mysqld_error.h>

#include <array>
#include <memory>

#include "common/log.h"
#include "sql/connection.h"
#include "sql/libmariadb.h"
#include "sql/schema.h"

namespace web {

namespace {

constexpr unsigned kConnectTimeoutSeconds = 3;
constexpr unsigned kQueryTimeoutSeconds = 20;
constexpr std::size_t kDefaultPoints = 500;
constexpr std::size_t kMaxPoints = 5000;

struct CloseConnection {
  void operator()(MYSQL* mysql) const { sql::libmariadb().mysql_close(mysql); }
};
struct CloseStatement {
  void operator()(MYSQL_STMT* statement) const { sql::libmariadb().mysql_stmt_close(statement); }
};

// Buckets of `bucket` seconds from the start of the day: the mean of the column in each.
std::string bucket_statement(const std::string& column) {
  using sql::quoted;
  return "SELECT TIMESTAMPDIFF(SECOND, ?, " + quoted(sql::kTimeColumn) + ") DIV ? AS bucket, AVG(" +
         column + ") FROM " + quoted(sql::kTable) + " WHERE " + quoted(sql::kMeterColumn) +
         " = ? AND " + quoted(sql::kTimeColumn) + " >= ? AND " + quoted(sql::kTimeColumn) +
         " < ? AND " + column + " IS NOT NULL GROUP BY bucket ORDER BY bucket";
}

Response database_error(unsigned code, std::string_view message, std::string_view label) {
  if (code == ER_BAD_FIELD_ERROR || code == ER_NO_SUCH_TABLE) {
    return error_response(404, "label: the archive holds no " + std::string{label});
  }
  LOG_WARNING("web: day history: %.*s", static_cast<int>(message.size()), message.data());
  return error_response(503, "the database cannot answer: " + std::string{message});
}

}  // namespace

DayHistory::DayHistory(sql::MysqlSettings settings) : settings_(std::move(settings)) {
  sql::libmariadb();  // loaded now, at start-up: a missing library is said at once
}

Response DayHistory::query(const HistoryQuery& query) const {
  // Only numbers have a mean; the dictionary says which labels are numbers.
  const tic::LabelInfo* info = tic::find_label(query.label);
  if (info == nullptr || info->kind != tic::Kind::Number) {
    return error_response(404, "label: " + query.label + " is not a number the archive keeps");
  }
  const std::optional<std::string> column_name = sql::column_name(query.label);
  if (!column_name) return error_response(404, "label: the archive holds no " + query.label);
  const std::string column = sql::quoted(*column_name);

  const tic::Time start = french_midnight(*query.day);
  const tic::Time end = french_midnight(*query.day + std::chrono::days{1});
  const std::size_t points = std::min(query.points > 0 ? query.points : kDefaultPoints, kMaxPoints);
  const auto length = std::chrono::duration_cast<std::chrono::seconds>(end - start).count();
  const long long bucket = std::max<long long>(
      1, (length + static_cast<long long>(points) - 1) / static_cast<long long>(points));

  const std::lock_guard lock{mutex_};
  const sql::Libmariadb& api = sql::libmariadb();
  std::unique_ptr<MYSQL, CloseConnection> mysql{api.mysql_init(nullptr)};
  if (!mysql) return error_response(503, "out of memory");
  if (!sql::connect(mysql.get(), settings_, kConnectTimeoutSeconds, kQueryTimeoutSeconds) ||
      api.mysql_query(mysql.get(), "SET time_zone='+00:00'") != 0) {
    return database_error(api.mysql_errno(mysql.get()), api.mysql_error(mysql.get()), query.label);
  }
  std::unique_ptr<MYSQL_STMT, CloseStatement> statement{api.mysql_stmt_init(mysql.get())};
  const std::string text = bucket_statement(column);
  if (!statement || api.mysql_stmt_prepare(statement.get(), text.data(), text.size()) != 0) {
    return database_error(api.mysql_errno(mysql.get()), api.mysql_error(mysql.get()), query.label);
  }

  MYSQL_TIME start_time = sql::to_mysql_time(start);
  MYSQL_TIME end_time = sql::to_mysql_time(end);
  long long bucket_seconds = bucket;
  unsigned long meter_length = query.meter.size();
  std::array<MYSQL_BIND, 5> parameters{};
  parameters[0].buffer_type = MYSQL_TYPE_DATETIME;
  parameters[0].buffer = &start_time;
  parameters[1].buffer_type = MYSQL_TYPE_LONGLONG;
  parameters[1].buffer = &bucket_seconds;
  parameters[2].buffer_type = MYSQL_TYPE_STRING;
  parameters[2].buffer = const_cast<char*>(query.meter.data());
  parameters[2].buffer_length = meter_length;
  parameters[2].length = &meter_length;
  parameters[3].buffer_type = MYSQL_TYPE_DATETIME;
  parameters[3].buffer = &start_time;
  parameters[4].buffer_type = MYSQL_TYPE_DATETIME;
  parameters[4].buffer = &end_time;

  long long bucket_index = 0;
  double mean = 0;
  my_bool mean_null = 0;
  std::array<MYSQL_BIND, 2> results{};
  results[0].buffer_type = MYSQL_TYPE_LONGLONG;
  results[0].buffer = &bucket_index;
  results[1].buffer_type = MYSQL_TYPE_DOUBLE;
  results[1].buffer = &mean;
  results[1].is_null = &mean_null;
  if (api.mysql_stmt_bind_param(statement.get(), parameters.data()) != 0 ||
      api.mysql_stmt_execute(statement.get()) != 0 ||
      api.mysql_stmt_bind_result(statement.get(), results.data()) != 0) {
    return database_error(api.mysql_stmt_errno(statement.get()),
                          api.mysql_stmt_error(statement.get()), query.label);
  }
  std::vector<Point> series;
  const std::int64_t start_ms = start.time_since_epoch().count();
  int fetched = 0;
  while ((fetched = api.mysql_stmt_fetch(statement.get())) == 0 ||
         fetched == MYSQL_DATA_TRUNCATED) {
    if (mean_null || mean < 0) continue;
    // Each point at the middle of its bucket.
    series.push_back({start_ms + (bucket_index * bucket_seconds * 1000) + bucket_seconds * 500,
                      static_cast<std::uint64_t>(mean + 0.5)});
  }
  if (fetched == 1) {
    return database_error(api.mysql_stmt_errno(statement.get()),
                          api.mysql_stmt_error(statement.get()), query.label);
  }

  return history_response({.meter = query.meter,
                           .label = query.label,
                           .unit = tic::to_string(info->unit),
                           .source = "mysql",
                           .day = query.day,
                           .bucket_seconds = bucket_seconds,
                           .points = series});
}

}  // namespace web
