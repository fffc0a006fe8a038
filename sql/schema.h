// The MySQL/MariaDB layout of archived frames (DESIGN.md, "Archiving"), as SQL text; no I/O.
//
// Table `frame`: one row per frame, primary key (`meter`, `TIME`), then one typed column per label,
// added when the label first appears. Column names follow the label, '+' spelt PLUS and '-' MIN
// (`SMAXSN-1` -> `SMAXSNMIN1`, `NJOURF+1` -> `NJOURFPLUS1`). A horodated label with data also has
// `<COLUMN>_DATE`, its horodate in UTC; DATE, whose data is empty, has one DATETIME column.
//
// View `teleinfoframes`: the older historic layout of jlesauce/TeleInfoMonitor, over the columns
// the table has.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tic/field.h"

namespace sql {

inline constexpr std::string_view kTable = "frame";
inline constexpr std::string_view kView = "teleinfoframes";
inline constexpr std::string_view kMeterColumn = "meter";
inline constexpr std::string_view kTimeColumn = "TIME";
// Longest column name made from a label, and longest text a column takes.
inline constexpr std::size_t kMaxColumnName = 60;
inline constexpr std::size_t kMaxTextLength = 255;

// Which part of a field a column holds, and so how its value is bound.
enum class Holds : std::uint8_t {
  Number,    // Field::number
  Text,      // Field::text: trimmed text, identifiers and registers as sent
  Horodate,  // Field::horodate, as DATETIME in UTC
};

struct Column {
  std::string name;  // unquoted: "SMAXSNMIN1"
  std::string type;  // "INT UNSIGNED", "VARCHAR(16)", "DATETIME"
  Holds holds = Holds::Text;
  friend bool operator==(const Column&, const Column&) = default;
};

// The column of a label: "SMAXSN-1" -> "SMAXSNMIN1". nullopt when the label cannot be one: empty,
// a character other than A-Z, 0-9, '+' and '-', longer than kMaxColumnName once mapped, or the
// name of `meter` or `TIME`.
std::optional<std::string> column_name(std::string_view label);

// The columns storing a field: its value, then `<COLUMN>_DATE` when it has a horodate; for DATE
// only the horodate. Empty when its label cannot be a column.
std::vector<Column> columns_for(const tic::Field& field);

// `name`, ready for SQL text.
std::string quoted(std::string_view identifier);

// CREATE TABLE IF NOT EXISTS `frame` with `meter` and `TIME` only (InnoDB, utf8mb4).
std::string create_table_statement();

// ALTER TABLE `frame` ADD COLUMN ..., one clause per column.
std::string add_columns_statement(std::span<const Column> columns);

// ALTER TABLE `frame` MODIFY COLUMN `name` VARCHAR(kMaxTextLength): for a text longer than the
// dictionary said, which meters may send.
std::string widen_column_statement(std::string_view name);

// CREATE OR REPLACE VIEW `teleinfoframes` over `columns`, the columns `frame` has: a column it
// lacks reads NULL, and a COALESCE keeps only those it has.
std::string view_statement(std::span<const std::string> columns);

// The columns of INSERT INTO `frame` for `rows` rows: `meter`, `TIME`, then `columns`; a frame
// stored before is left as it is.
std::string insert_statement(std::span<const std::string_view> columns, std::size_t rows);

}  // namespace sql
