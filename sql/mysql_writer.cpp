#include "sql/mysql_writer.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/log.h"
#include "sql/connection.h"
#include "sql/libmariadb.h"
#include "sql/schema.h"
#include "tic/field.h"
#include "tic/labels.h"

namespace sql {
namespace {

using sink::WriteResult;

constexpr unsigned kConnectTimeoutSeconds = 5;
constexpr unsigned kReadWriteTimeoutSeconds = 30;
constexpr std::size_t kMaxRowsPerStatement = 256;
constexpr std::size_t kMaxPlaceholders = 65535;  // the protocol counts them in 16 bits
constexpr std::size_t kStatementCacheSize = 16;
constexpr std::size_t kMaxUnknownLabels =
    256;                                      // column lists kept for labels not in the dictionary
constexpr std::size_t kMaxLabelsLogged = 64;  // skipped labels said once each, up to this many
constexpr std::uint32_t kNone = UINT32_MAX;

// STRICT_ALL_TABLES: a value that does not fit is an error, never clamped or cut.
constexpr const char* kSessionSetup =
    "SET time_zone='+00:00', sql_mode='STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

constexpr const char* kReadColumns =
    "SELECT COLUMN_NAME, CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS "
    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'frame'";

// Errors caused by a value of the batch: the same frames will never go in. Any other error is the
// server's or the connection's state (gone, access denied, lock timeout, deadlock, shutdown, disk
// full, a column dropped under us...): the frames wait and go in later, as they are.
bool is_data_error(unsigned code) {
  switch (code) {
    case ER_BAD_NULL_ERROR:
    case ER_DUP_ENTRY:
    case ER_WARN_NULL_TO_NOTNULL:
    case ER_WARN_DATA_OUT_OF_RANGE:
    case WARN_DATA_TRUNCATED:
    case ER_TRUNCATED_WRONG_VALUE:
    case ER_INVALID_CHARACTER_STRING:
    case ER_DIVISION_BY_ZERO:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
    case ER_DATA_TOO_LONG:
    case ER_WRONG_VALUE_FOR_TYPE:
    case ER_ROW_IS_REFERENCED_2:
    case ER_NO_REFERENCED_ROW_2:
    case ER_WRONG_VALUE:
    case ER_DUP_ENTRY_WITH_KEY_NAME:
    case ER_CONSTRAINT_FAILED:
      return true;
    default:
      return false;
  }
}

// The connection is gone: a connection that sat idle may have been closed by the server
// (wait_timeout, a restart), worth one new attempt at once.
bool is_connection_gone(unsigned code) {
  return code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST;
}

struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view name) const {
    return std::hash<std::string_view>{}(name);
  }
};

template <typename Value>
using NameMap = std::unordered_map<std::string, Value, NameHash, std::equal_to<>>;

}  // namespace

class MysqlWriter::Connection {
 public:
  explicit Connection(MysqlSettings settings)
      : settings_(std::move(settings)), where_("mysql " + describe(settings_)) {}
  ~Connection() { disconnect(); }

  WriteResult write(std::span<const tic::Frame> frames);
  void disconnect();
  bool connected() const { return mysql_ != nullptr; }
  const Counters& counters() const { return counters_; }

 private:
  // A column of the INSERT statements of a batch (after `meter` and `TIME`).
  struct Planned {
    std::string_view name;
    const Column* column;
    std::size_t longest_text = 0;
  };
  struct Statement {
    std::string key;
    MYSQL_STMT* statement = nullptr;
    std::uint64_t last_used = 0;
  };
  // What went wrong, as the server or the library said it.
  struct Failure {
    unsigned code = 0;
    std::string message;
  };

  bool connect();
  bool set_up_schema();
  bool read_columns();
  void replace_view();
  bool run(const std::string& sql);
  void fail_from_connection();
  void fail_from_statement(MYSQL_STMT* statement);
  WriteResult result_of_failure();

  std::optional<WriteResult> plan(std::span<const tic::Frame> frames);
  const std::vector<Column>& columns_of(const tic::Field& field);
  std::uint32_t position_of(const tic::Field& field, std::size_t which, const Column& column);
  bool alter_table();
  bool insert(std::span<const tic::Frame> frames);
  bool insert_chunk(std::span<const tic::Frame> frames);
  MYSQL_STMT* statement_for(std::size_t rows);
  void close_statements();
  std::string one_line(std::string_view message) const;

  const Libmariadb& api_ = libmariadb();  // loaded when the writer is made, at start-up
  MysqlSettings settings_;
  std::string where_;  // "mysql 127.0.0.1:3306/teleinfo"
  MYSQL* mysql_ = nullptr;
  Counters counters_;
  Failure failure_;
  bool answered_ = false;  // a statement of the current attempt went through

  // The columns of `frame` as the server last told, with the width of text columns (0: others).
  NameMap<std::size_t> table_;
  // columns_for() of each dictionary label, worked out once; and of labels the dictionary lacks.
  std::array<std::vector<Column>, 128> dictionary_columns_;
  std::bitset<128> dictionary_ready_;
  NameMap<std::vector<Column>> unknown_columns_;
  std::unordered_set<std::string> labels_logged_;
  std::vector<Statement> statements_;
  std::uint64_t statement_uses_ = 0;

  // The batch being written; kept between batches for their capacity.
  std::vector<Planned> planned_;
  std::unordered_map<std::string_view, std::uint32_t> position_;
  std::array<std::array<std::uint32_t, 2>, 128> dictionary_position_{};
  std::vector<MYSQL_BIND> binds_;
  std::vector<unsigned long long> numbers_;
  std::vector<MYSQL_TIME> times_;
  std::vector<unsigned long> lengths_;
  std::vector<std::string_view> names_;
  std::string key_;
};

void MysqlWriter::Connection::fail_from_connection() {
  const unsigned code = api_.mysql_errno(mysql_);
  std::string_view message = api_.mysql_error(mysql_);
  // With a connect timeout libmariadb connects without blocking, and its message ends with the
  // errno of that connect(), EINPROGRESS, whatever the cause was: a number that would mislead.
  static const std::string in_progress = " (" + std::to_string(EINPROGRESS) + ")";
  if ((code == CR_CONN_HOST_ERROR || code == CR_CONNECTION_ERROR) &&
      message.ends_with(in_progress)) {
    message.remove_suffix(in_progress.size());
  }
  failure_ = {code, one_line(message)};
}

void MysqlWriter::Connection::fail_from_statement(MYSQL_STMT* statement) {
  failure_ = {api_.mysql_stmt_errno(statement), one_line(api_.mysql_stmt_error(statement))};
}

std::string MysqlWriter::Connection::one_line(std::string_view message) const {
  std::string line = where_ + ": " + std::string{message};
  std::replace_if(
      line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  // No server message holds the password; should one ever, it does not go further.
  if (!settings_.password.empty()) {
    constexpr std::string_view kMask = "***";
    for (std::size_t at = line.find(settings_.password); at != std::string::npos;
         at = line.find(settings_.password, at + kMask.size())) {
      line.replace(at, settings_.password.size(), kMask);
    }
  }
  return line;
}

WriteResult MysqlWriter::Connection::result_of_failure() {
  std::string message = std::move(failure_.message);
  if (is_data_error(failure_.code)) {
    if (!run("ROLLBACK")) disconnect();
    return WriteResult::refused(std::move(message));
  }
  disconnect();
  return WriteResult::unavailable(std::move(message));
}

bool MysqlWriter::Connection::run(const std::string& sql) {
  if (api_.mysql_real_query(mysql_, sql.data(), sql.size()) != 0) {
    fail_from_connection();
    return false;
  }
  // Statements run here return no rows, but a result must be read to keep the protocol in step.
  if (MYSQL_RES* result = api_.mysql_store_result(mysql_); result != nullptr)
    api_.mysql_free_result(result);
  answered_ = true;
  return true;
}

bool MysqlWriter::Connection::connect() {
  mysql_ = api_.mysql_init(nullptr);
  if (mysql_ == nullptr) {
    failure_ = {CR_OUT_OF_MEMORY, where_ + ": out of memory"};
    return false;
  }
  if (!sql::connect(mysql_, settings_, kConnectTimeoutSeconds, kReadWriteTimeoutSeconds)) {
    fail_from_connection();
    api_.mysql_close(mysql_);
    mysql_ = nullptr;
    return false;
  }
  if (!run(kSessionSetup) || !set_up_schema()) {
    disconnect();
    return false;
  }
  ++counters_.connections;
  LOG_INFO("%s: connected, table `frame` has %zu columns", where_.c_str(), table_.size());
  return true;
}

// Done on every new connection: the table may have been dropped or changed meanwhile.
bool MysqlWriter::Connection::set_up_schema() {
  if (!run(create_table_statement()) || !read_columns()) return false;
  replace_view();
  return true;
}

bool MysqlWriter::Connection::read_columns() {
  if (api_.mysql_real_query(mysql_, kReadColumns, std::char_traits<char>::length(kReadColumns)) !=
      0) {
    fail_from_connection();
    return false;
  }
  MYSQL_RES* result = api_.mysql_store_result(mysql_);
  if (result == nullptr) {
    fail_from_connection();
    return false;
  }
  table_.clear();
  while (MYSQL_ROW row = api_.mysql_fetch_row(result)) {
    if (row[0] == nullptr) continue;
    const std::size_t width = row[1] == nullptr ? 0 : std::stoul(row[1]);
    table_.emplace(row[0], width);
  }
  api_.mysql_free_result(result);
  return true;
}

// The view is a convenience: a user without the CREATE VIEW privilege still gets frames archived.
void MysqlWriter::Connection::replace_view() {
  std::vector<std::string> columns;
  columns.reserve(table_.size());
  for (const auto& [name, width] : table_)
    columns.push_back(name);
  if (!run(view_statement(columns))) {
    LOG_WARNING("%s: view `teleinfoframes` not made: %s", where_.c_str(), failure_.message.c_str());
  }
}

void MysqlWriter::Connection::close_statements() {
  for (Statement& statement : statements_)
    api_.mysql_stmt_close(statement.statement);
  statements_.clear();
}

void MysqlWriter::Connection::disconnect() {
  if (mysql_ == nullptr) return;
  close_statements();
  api_.mysql_close(mysql_);
  mysql_ = nullptr;
}

const std::vector<Column>& MysqlWriter::Connection::columns_of(const tic::Field& field) {
  // A dictionary label has a horodate exactly when the dictionary says (decode_field checks it),
  // so its columns depend on the label alone.
  if (field.info != nullptr) {
    const std::size_t index = tic::label_index(*field.info);
    if (!dictionary_ready_[index]) {
      dictionary_columns_[index] = columns_for(field);
      dictionary_ready_[index] = true;
    }
    return dictionary_columns_[index];
  }
  std::string key{field.label};
  if (field.horodate) key += " dated";
  auto found = unknown_columns_.find(key);
  if (found == unknown_columns_.end())
    found = unknown_columns_.emplace(std::move(key), columns_for(field)).first;
  return found->second;
}

// Where column `which` of the field's columns sits in the batch's statements; kNone when it is
// not planned yet.
std::uint32_t MysqlWriter::Connection::position_of(const tic::Field& field, std::size_t which,
                                                   const Column& column) {
  if (field.info != nullptr) return dictionary_position_[tic::label_index(*field.info)][which];
  const auto found = position_.find(column.name);
  return found == position_.end() ? kNone : found->second;
}

// Works out the columns of the batch's statements. A Refused result when the batch cannot go in.
std::optional<WriteResult> MysqlWriter::Connection::plan(std::span<const tic::Frame> frames) {
  if (unknown_columns_.size() > kMaxUnknownLabels) unknown_columns_.clear();
  planned_.clear();
  position_.clear();
  for (auto& positions : dictionary_position_)
    positions = {kNone, kNone};

  for (const tic::Frame& frame : frames) {
    if (frame.address().empty()) {
      return WriteResult::refused(where_ + ": a frame without a meter address (ADCO or ADSC) at " +
                                  std::string{tic::format_utc(frame.time()).view()});
    }
    for (const tic::Field field : frame) {
      const std::vector<Column>& columns = columns_of(field);
      if (columns.empty()) {
        ++counters_.labels_skipped;
        if (labels_logged_.size() < kMaxLabelsLogged &&
            labels_logged_.emplace(field.label).second) {
          LOG_WARNING("%s: label %.*s cannot be a column name: not stored", where_.c_str(),
                      static_cast<int>(field.label.size()), field.label.data());
        }
        continue;
      }
      for (std::size_t which = 0; which < columns.size(); ++which) {
        const Column& column = columns[which];
        std::uint32_t position = position_of(field, which, column);
        if (position == kNone) {
          // A column another label of the batch already gave keeps its place.
          const auto [found, added] =
              position_.emplace(column.name, static_cast<std::uint32_t>(planned_.size()));
          if (added) planned_.push_back({column.name, &column});
          position = found->second;
          if (field.info != nullptr)
            dictionary_position_[tic::label_index(*field.info)][which] = position;
        }
        if (column.holds == Holds::Text) {
          Planned& planned = planned_[position];
          planned.longest_text = std::max(planned.longest_text, field.text.size());
        }
      }
    }
  }
  return std::nullopt;
}

// Adds the columns the batch needs and the table lacks, and widens text columns too narrow for
// the batch's texts.
bool MysqlWriter::Connection::alter_table() {
  std::vector<Column> missing;
  for (const Planned& planned : planned_) {
    if (table_.find(planned.name) == table_.end()) missing.push_back(*planned.column);
  }
  if (!missing.empty()) {
    std::uint64_t added = 0;
    if (run(add_columns_statement(missing))) {
      added = missing.size();
    } else if (failure_.code == ER_DUP_FIELDNAME) {
      // Another archiver added some first: add the others one by one.
      for (const Column& column : missing) {
        if (run(add_columns_statement(std::span{&column, 1}))) {
          ++added;
        } else if (failure_.code != ER_DUP_FIELDNAME) {
          return false;
        }
      }
    } else {
      return false;
    }
    counters_.columns_added += added;
    if (added != 0)
      LOG_INFO("%s: added %llu columns", where_.c_str(), static_cast<unsigned long long>(added));
    if (!read_columns()) return false;
    replace_view();
  }
  for (const Planned& planned : planned_) {
    const auto found = table_.find(planned.name);
    if (found == table_.end() || found->second == 0 || planned.longest_text <= found->second ||
        planned.longest_text > kMaxTextLength) {
      continue;
    }
    if (!run(widen_column_statement(planned.name))) return false;
    LOG_INFO("%s: column %s widened to %zu characters for a text of %zu", where_.c_str(),
             std::string{planned.name}.c_str(), kMaxTextLength, planned.longest_text);
    found->second = kMaxTextLength;
  }
  return true;
}

MYSQL_STMT* MysqlWriter::Connection::statement_for(std::size_t rows) {
  key_ = std::to_string(rows);
  for (const Planned& planned : planned_) {
    key_ += ',';
    key_ += planned.name;
  }
  ++statement_uses_;
  for (Statement& cached : statements_) {
    if (cached.key == key_) {
      cached.last_used = statement_uses_;
      return cached.statement;
    }
  }
  MYSQL_STMT* statement = api_.mysql_stmt_init(mysql_);
  if (statement == nullptr) {
    fail_from_connection();
    return nullptr;
  }
  names_.clear();
  for (const Planned& planned : planned_)
    names_.push_back(planned.name);
  const std::string sql = insert_statement(names_, rows);
  if (api_.mysql_stmt_prepare(statement, sql.data(), sql.size()) != 0) {
    fail_from_statement(statement);
    api_.mysql_stmt_close(statement);
    return nullptr;
  }
  if (statements_.size() >= kStatementCacheSize) {
    const auto oldest = std::min_element(
        statements_.begin(), statements_.end(),
        [](const Statement& a, const Statement& b) { return a.last_used < b.last_used; });
    api_.mysql_stmt_close(oldest->statement);
    statements_.erase(oldest);
  }
  statements_.push_back({key_, statement, statement_uses_});
  return statement;
}

bool MysqlWriter::Connection::insert_chunk(std::span<const tic::Frame> frames) {
  const std::size_t width = 2 + planned_.size();
  MYSQL_BIND null{};
  null.buffer_type = MYSQL_TYPE_NULL;
  binds_.assign(frames.size() * width, null);
  // Reserved once: the binds point into these vectors, which must not move.
  numbers_.clear();
  numbers_.reserve(binds_.size());
  times_.clear();
  times_.reserve(binds_.size());
  lengths_.clear();
  lengths_.reserve(binds_.size());

  // Texts are sent from the frames' own bytes.
  const auto bind_text = [this](MYSQL_BIND& bind, std::string_view text) {
    lengths_.push_back(static_cast<unsigned long>(text.size()));
    bind.buffer_type = MYSQL_TYPE_STRING;
    bind.buffer = const_cast<char*>(text.data());
    bind.buffer_length = lengths_.back();
    bind.length = &lengths_.back();
  };
  const auto bind_time = [this](MYSQL_BIND& bind, tic::Time time) {
    times_.push_back(to_mysql_time(time));
    bind.buffer_type = MYSQL_TYPE_DATETIME;
    bind.buffer = &times_.back();
  };

  MYSQL_BIND* row = binds_.data();
  for (const tic::Frame& frame : frames) {
    bind_text(row[0], frame.address());
    bind_time(row[1], frame.time());
    for (const tic::Field field : frame) {
      const std::vector<Column>& columns = columns_of(field);
      for (std::size_t which = 0; which < columns.size(); ++which) {
        const Column& column = columns[which];
        MYSQL_BIND& bind = row[2 + position_of(field, which, column)];
        if (bind.buffer_type != MYSQL_TYPE_NULL) {  // two labels of one frame named alike
          ++counters_.labels_skipped;
          continue;
        }
        switch (column.holds) {
          case Holds::Number:
            if (!field.number) break;
            numbers_.push_back(*field.number);
            bind.buffer_type = MYSQL_TYPE_LONGLONG;
            bind.buffer = &numbers_.back();
            bind.is_unsigned = 1;
            break;
          case Holds::Text:
            bind_text(bind, field.text);
            break;
          case Holds::Horodate:
            if (field.horodate) bind_time(bind, tic::Time{field.horodate->utc()});
            break;
        }
      }
    }
    row += width;
  }

  MYSQL_STMT* statement = statement_for(frames.size());
  if (statement == nullptr) return false;
  if (api_.mysql_stmt_bind_param(statement, binds_.data()) != 0 ||
      api_.mysql_stmt_execute(statement) != 0) {
    fail_from_statement(statement);
    return false;
  }
  counters_.rows_inserted += api_.mysql_stmt_affected_rows(statement);
  answered_ = true;
  return true;
}

bool MysqlWriter::Connection::insert(std::span<const tic::Frame> frames) {
  const std::size_t width = 2 + planned_.size();
  const std::size_t rows_per_statement = std::min(kMaxRowsPerStatement, kMaxPlaceholders / width);
  if (!run("START TRANSACTION")) return false;
  for (std::size_t at = 0; at < frames.size(); at += rows_per_statement) {
    if (!insert_chunk(frames.subspan(at, std::min(rows_per_statement, frames.size() - at))))
      return false;
  }
  return run("COMMIT");
}

WriteResult MysqlWriter::Connection::write(std::span<const tic::Frame> frames) {
  if (frames.empty()) return WriteResult::written();
  if (std::optional<WriteResult> refused = plan(frames)) return *refused;

  const std::uint64_t inserted_before = counters_.rows_inserted;
  for (int attempt = 0;; ++attempt) {
    const bool fresh = mysql_ == nullptr;
    if (fresh && !connect()) return WriteResult::unavailable(failure_.message);
    answered_ = false;
    if (alter_table() && insert(frames)) break;
    // A connection that sat idle may have been closed by the server (wait_timeout, a restart):
    // when it is found gone at the first statement, once more on a new one. Not after a statement
    // went through: the server may be stuck, and a read timeout must not be waited twice.
    if (!fresh && attempt == 0 && !answered_ && is_connection_gone(failure_.code)) {
      disconnect();
      counters_.rows_inserted = inserted_before;
      continue;
    }
    counters_.rows_inserted = inserted_before;
    return result_of_failure();
  }
  counters_.frames_written += frames.size();
  return WriteResult::written();
}

MysqlWriter::MysqlWriter(MysqlSettings settings)
    : connection_(std::make_unique<Connection>(std::move(settings))) {}

MysqlWriter::~MysqlWriter() = default;

sink::WriteResult MysqlWriter::write(std::span<const tic::Frame> frames) {
  return connection_->write(frames);
}

void MysqlWriter::close() {
  connection_->disconnect();
}

bool MysqlWriter::connected() const {
  return connection_->connected();
}

const MysqlWriter::Counters& MysqlWriter::counters() const {
  return connection_->counters();
}

}  // namespace sql
