#include "sql/schema.h"

#include <algorithm>
#include <string>

#include "tic/labels.h"

namespace sql {
namespace {

// MySQL's longest identifier.
constexpr std::size_t kMaxIdentifier = 64;

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

std::string varchar(std::size_t length) {
  return "VARCHAR(" + std::to_string(length == 0 ? kMaxTextLength : length) + ")";
}

// The value column's type and what it holds, from the dictionary entry (nullptr: unknown label).
Column value_column(std::string name, const tic::LabelInfo* info) {
  using tic::Unit;
  if (info == nullptr) return {std::move(name), varchar(0), Holds::Text};
  if (info->kind != tic::Kind::Number) return {std::move(name), varchar(info->length), Holds::Text};
  std::string type;
  if (info->is_index()) {
    type = "BIGINT UNSIGNED";
  } else if (info->unit == Unit::VA || info->unit == Unit::W || info->unit == Unit::kVA ||
             info->unit == Unit::A) {
    type = "INT UNSIGNED";
  } else if (info->unit == Unit::V) {
    type = "SMALLINT UNSIGNED";
  } else if (info->length == 0 || info->length > 9) {
    type = "BIGINT UNSIGNED";
  } else if (info->length <= 4) {
    type = "SMALLINT UNSIGNED";
  } else {
    type = "INT UNSIGNED";
  }
  return {std::move(name), std::move(type), Holds::Number};
}

// The old column, and the labels that give it in order of preference.
struct ViewColumn {
  std::string_view name;
  std::vector<std::string_view> sources;
};

const std::vector<ViewColumn>& view_columns() {
  static const std::vector<ViewColumn> columns = {
      {"timestamp", {kTimeColumn}},
      {"meter_identifier", {kMeterColumn}},
      {"subscription_type", {"OPTARIF"}},
      {"subscription_power_in_a", {"ISOUSC"}},
      {"total_base_index_in_wh", {"BASE", "EAST"}},
      {"current_pricing_period", {"PTEC"}},
      {"instantaneous_intensity_in_a", {"IINST", "IRMS1"}},
      {"intensity_max_in_a", {"IMAX"}},
      {"power_consumption_in_va", {"PAPP", "SINSTS"}},
      {"peak_off_peak_schedule", {"HHPHC"}},
      {"meter_state_code", {"MOTDETAT"}},
  };
  return columns;
}

}  // namespace

std::optional<std::string> column_name(std::string_view label) {
  if (label.empty()) return std::nullopt;
  std::string name;
  name.reserve(label.size() + 8);
  for (char c : label) {
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      name += c;
    } else if (c == '+') {
      name += "PLUS";
    } else if (c == '-') {
      name += "MIN";
    } else {
      return std::nullopt;
    }
    if (name.size() > kMaxColumnName) return std::nullopt;
  }
  if (same_name(name, kMeterColumn) || same_name(name, kTimeColumn)) return std::nullopt;
  return name;
}

std::vector<Column> columns_for(const tic::Field& field) {
  std::optional<std::string> name = column_name(field.label);
  if (!name) return {};
  const tic::LabelInfo* info = field.info;
  std::vector<Column> columns;
  // DATE: its data is empty by definition, the horodate is its value.
  if (info != nullptr && info->horodated && info->kind == tic::Kind::Text && info->length == 0) {
    columns.push_back({std::move(*name), "DATETIME", Holds::Horodate});
    return columns;
  }
  const bool dated = field.horodate.has_value() || (info != nullptr && info->horodated);
  std::string date_name = *name + "_DATE";
  if (dated && date_name.size() > kMaxIdentifier) return {};
  columns.push_back(value_column(std::move(*name), info));
  if (dated) columns.push_back({std::move(date_name), "DATETIME", Holds::Horodate});
  return columns;
}

std::string quoted(std::string_view identifier) {
  std::string text;
  text.reserve(identifier.size() + 2);
  text += '`';
  for (char c : identifier) {
    if (c == '`') text += '`';
    text += c;
  }
  text += '`';
  return text;
}

std::string create_table_statement() {
  return "CREATE TABLE IF NOT EXISTS " + quoted(kTable) + " (" + quoted(kMeterColumn) +
         " VARCHAR(14) NOT NULL, " + quoted(kTimeColumn) + " DATETIME(3) NOT NULL, PRIMARY KEY (" +
         quoted(kMeterColumn) + ", " + quoted(kTimeColumn) +
         ")) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
}

std::string add_columns_statement(std::span<const Column> columns) {
  std::string text = "ALTER TABLE " + quoted(kTable);
  const char* separator = " ";
  for (const Column& column : columns) {
    text += separator;
    text += "ADD COLUMN " + quoted(column.name) + " " + column.type + " NULL";
    separator = ", ";
  }
  return text;
}

std::string widen_column_statement(std::string_view name) {
  return "ALTER TABLE " + quoted(kTable) + " MODIFY COLUMN " + quoted(name) + " " +
         varchar(kMaxTextLength) + " NULL";
}

std::string view_statement(std::span<const std::string> columns) {
  const auto has = [&](std::string_view name) {
    return std::any_of(columns.begin(), columns.end(),
                       [&](const std::string& column) { return same_name(column, name); });
  };
  std::string text = "CREATE OR REPLACE VIEW " + quoted(kView) + " AS SELECT ";
  const char* separator = "";
  for (const ViewColumn& column : view_columns()) {
    std::vector<std::string_view> present;
    for (std::string_view source : column.sources) {
      if (has(source)) present.push_back(source);
    }
    text += separator;
    separator = ", ";
    if (present.empty()) {
      text += "NULL";
    } else if (present.size() == 1) {
      text += quoted(present[0]);
    } else {
      text += "COALESCE(";
      for (std::size_t i = 0; i < present.size(); ++i) {
        if (i != 0) text += ", ";
        text += quoted(present[i]);
      }
      text += ")";
    }
    text += " AS " + quoted(column.name);
  }
  text += " FROM " + quoted(kTable);
  return text;
}

std::string insert_statement(std::span<const std::string_view> columns, std::size_t rows) {
  std::string row = "(?,?";
  for (std::size_t i = 0; i < columns.size(); ++i)
    row += ",?";
  row += ")";
  std::string text =
      "INSERT INTO " + quoted(kTable) + " (" + quoted(kMeterColumn) + "," + quoted(kTimeColumn);
  for (std::string_view column : columns) {
    text += ",";
    text += quoted(column);
  }
  text.reserve(text.size() + rows * (row.size() + 1) + 64);
  text += ") VALUES ";
  for (std::size_t i = 0; i < rows; ++i) {
    if (i != 0) text += ",";
    text += row;
  }
  // A frame stored before stays as it is; bad values still fail (INSERT IGNORE would make them
  // warnings).
  text += " ON DUPLICATE KEY UPDATE " + quoted(kMeterColumn) + "=" + quoted(kMeterColumn);
  return text;
}

}  // namespace sql
