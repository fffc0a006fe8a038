// The `frame` table's columns and the SQL text made from them, without a server: column names,
// types for each kind and unit of label, horodate columns, names refused, and the view over the
// columns the table has.
#include "sql/schema.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tic/field.h"
#include "tic/labels.h"

namespace {

using sql::Column;
using sql::Holds;

// The columns of a field decoded as the decoder would (views into string literals).
std::vector<Column> columns(std::string_view label, std::string_view data,
                            std::optional<std::string_view> horodate = std::nullopt) {
  tic::Field field;
  EXPECT_EQ(tic::decode_field(label, horodate, data, field), tic::FieldError::None) << label;
  return sql::columns_for(field);
}

// The columns of a number label made up for the test: a kind, unit and length the dictionary
// may not have.
std::vector<Column> number_columns(tic::Unit unit, std::uint8_t length) {
  static std::vector<tic::LabelInfo> infos;
  infos.reserve(16);
  infos.push_back({"XNUM", tic::Mode::Standard, tic::Kind::Number, unit, length, false,
                   tic::Scope::All, "made up"});
  tic::Field field;
  field.label = "XNUM";
  field.info = &infos.back();
  field.number = 1;
  return sql::columns_for(field);
}

TEST(SqlColumnName, MapsPlusAndMinus) {
  EXPECT_EQ(sql::column_name("SMAXSN-1"), "SMAXSNMIN1");
  EXPECT_EQ(sql::column_name("NJOURF+1"), "NJOURFPLUS1");
  EXPECT_EQ(sql::column_name("PJOURF+1"), "PJOURFPLUS1");
  EXPECT_EQ(sql::column_name("SMAXSN1-1"), "SMAXSN1MIN1");
  EXPECT_EQ(sql::column_name("EAST"), "EAST");
  EXPECT_EQ(sql::column_name("ADCO"), "ADCO");
}

TEST(SqlColumnName, RefusesWhatCannotBeAColumn) {
  EXPECT_EQ(sql::column_name(""), std::nullopt);
  EXPECT_EQ(sql::column_name("east"), std::nullopt);
  EXPECT_EQ(sql::column_name("EA ST"), std::nullopt);
  EXPECT_EQ(sql::column_name("EAST_DATE"), std::nullopt);
  EXPECT_EQ(sql::column_name("EA`ST"), std::nullopt);
  EXPECT_EQ(sql::column_name("EAST;DROP"), std::nullopt);
  EXPECT_EQ(sql::column_name("\xc3\x89TAT"), std::nullopt);
  // The two columns every row has.
  EXPECT_EQ(sql::column_name("TIME"), std::nullopt);
  EXPECT_EQ(sql::column_name("METER"), std::nullopt);
  // 60 characters once mapped is the longest.
  std::string fifteen_plus;
  for (int i = 0; i < 15; ++i)
    fifteen_plus += "PLUS";
  EXPECT_EQ(sql::column_name(std::string(15, '+')), fifteen_plus);
  EXPECT_EQ(sql::column_name("A" + std::string(15, '+')), std::nullopt);  // 61
  EXPECT_EQ(sql::column_name(std::string(60, 'A')), std::string(60, 'A'));
  EXPECT_EQ(sql::column_name(std::string(61, 'A')), std::nullopt);
}

TEST(SqlColumns, IndexesAreBigint) {
  EXPECT_EQ(columns("EAST", "002188830"),
            (std::vector<Column>{{"EAST", "BIGINT UNSIGNED", Holds::Number}}));
  EXPECT_EQ(columns("BASE", "008735124"),
            (std::vector<Column>{{"BASE", "BIGINT UNSIGNED", Holds::Number}}));
  EXPECT_EQ(columns("ERQ1", "000000012"),
            (std::vector<Column>{{"ERQ1", "BIGINT UNSIGNED", Holds::Number}}));
  EXPECT_EQ(columns("GAZ", "0001234"),
            (std::vector<Column>{{"GAZ", "BIGINT UNSIGNED", Holds::Number}}));
}

TEST(SqlColumns, NumbersByUnitAndLength) {
  EXPECT_EQ(columns("SINSTS", "00394"),
            (std::vector<Column>{{"SINSTS", "INT UNSIGNED", Holds::Number}}));
  EXPECT_EQ(columns("PAPP", "02380"),
            (std::vector<Column>{{"PAPP", "INT UNSIGNED", Holds::Number}}));
  EXPECT_EQ(columns("PMAX", "12000"),
            (std::vector<Column>{{"PMAX", "INT UNSIGNED", Holds::Number}}));
  EXPECT_EQ(columns("PREF", "06"), (std::vector<Column>{{"PREF", "INT UNSIGNED", Holds::Number}}));
  EXPECT_EQ(columns("IRMS1", "002"),
            (std::vector<Column>{{"IRMS1", "INT UNSIGNED", Holds::Number}}));
  EXPECT_EQ(columns("ISOUSC", "45"),
            (std::vector<Column>{{"ISOUSC", "INT UNSIGNED", Holds::Number}}));
  EXPECT_EQ(columns("URMS1", "221"),
            (std::vector<Column>{{"URMS1", "SMALLINT UNSIGNED", Holds::Number}}));
  EXPECT_EQ(columns("NTARF", "01"),
            (std::vector<Column>{{"NTARF", "SMALLINT UNSIGNED", Holds::Number}}));
  EXPECT_EQ(columns("RELAIS", "000"),
            (std::vector<Column>{{"RELAIS", "SMALLINT UNSIGNED", Holds::Number}}));
  EXPECT_EQ(columns("NJOURF+1", "00"),
            (std::vector<Column>{{"NJOURFPLUS1", "SMALLINT UNSIGNED", Holds::Number}}));
  EXPECT_EQ(columns("PEJP", "30"),
            (std::vector<Column>{{"PEJP", "SMALLINT UNSIGNED", Holds::Number}}));
  // Other numbers by their length.
  EXPECT_EQ(number_columns(tic::Unit::None, 4)[0].type, "SMALLINT UNSIGNED");
  EXPECT_EQ(number_columns(tic::Unit::None, 5)[0].type, "INT UNSIGNED");
  EXPECT_EQ(number_columns(tic::Unit::Minute, 9)[0].type, "INT UNSIGNED");
  EXPECT_EQ(number_columns(tic::Unit::None, 10)[0].type, "BIGINT UNSIGNED");
  EXPECT_EQ(number_columns(tic::Unit::None, 0)[0].type, "BIGINT UNSIGNED");
}

TEST(SqlColumns, TextsAreVarcharOfTheirLength) {
  EXPECT_EQ(columns("LTARF", "      BASE      "),
            (std::vector<Column>{{"LTARF", "VARCHAR(16)", Holds::Text}}));
  EXPECT_EQ(columns("ADSC", "061961361253"),
            (std::vector<Column>{{"ADSC", "VARCHAR(12)", Holds::Text}}));
  EXPECT_EQ(columns("PRM", "06467293757928"),
            (std::vector<Column>{{"PRM", "VARCHAR(14)", Holds::Text}}));
  EXPECT_EQ(columns("STGE", "003A0001"),
            (std::vector<Column>{{"STGE", "VARCHAR(8)", Holds::Text}}));
  EXPECT_EQ(columns("MSG1", "PAS DE MESSAGE"),
            (std::vector<Column>{{"MSG1", "VARCHAR(32)", Holds::Text}}));
  EXPECT_EQ(columns("PJOURF+1", "00008001 NONUTILE"),
            (std::vector<Column>{{"PJOURFPLUS1", "VARCHAR(98)", Holds::Text}}));
  EXPECT_EQ(columns("OPTARIF", "BASE"),
            (std::vector<Column>{{"OPTARIF", "VARCHAR(4)", Holds::Text}}));
  EXPECT_EQ(columns("PPOT", "00"), (std::vector<Column>{{"PPOT", "VARCHAR(2)", Holds::Text}}));
}

TEST(SqlColumns, UnknownLabelsAreText) {
  EXPECT_EQ(columns("XYZ1", "hello"), (std::vector<Column>{{"XYZ1", "VARCHAR(255)", Holds::Text}}));
  EXPECT_EQ(columns("NEW+2", "00"),
            (std::vector<Column>{{"NEWPLUS2", "VARCHAR(255)", Holds::Text}}));
  // With a horodate, kept too.
  EXPECT_EQ(columns("XYZ2", "12", "E250603090050"),
            (std::vector<Column>{{"XYZ2", "VARCHAR(255)", Holds::Text},
                                 {"XYZ2_DATE", "DATETIME", Holds::Horodate}}));
}

TEST(SqlColumns, HorodatedLabels) {
  // DATE has no data: its one column is the horodate.
  EXPECT_EQ(columns("DATE", "", "E210423054022"),
            (std::vector<Column>{{"DATE", "DATETIME", Holds::Horodate}}));
  EXPECT_EQ(columns("SMAXSN", "00924", "E210423051903"),
            (std::vector<Column>{{"SMAXSN", "INT UNSIGNED", Holds::Number},
                                 {"SMAXSN_DATE", "DATETIME", Holds::Horodate}}));
  EXPECT_EQ(columns("SMAXSN-1", "01952", "E210422183457"),
            (std::vector<Column>{{"SMAXSNMIN1", "INT UNSIGNED", Holds::Number},
                                 {"SMAXSNMIN1_DATE", "DATETIME", Holds::Horodate}}));
  EXPECT_EQ(columns("CCASN-1", "00300", "E210423050000"),
            (std::vector<Column>{{"CCASNMIN1", "INT UNSIGNED", Holds::Number},
                                 {"CCASNMIN1_DATE", "DATETIME", Holds::Horodate}}));
  EXPECT_EQ(columns("UMOY1", "220", "E210423054000"),
            (std::vector<Column>{{"UMOY1", "SMALLINT UNSIGNED", Holds::Number},
                                 {"UMOY1_DATE", "DATETIME", Holds::Horodate}}));
  EXPECT_EQ(columns("DPM1", "01", " 250110060000"),
            (std::vector<Column>{{"DPM1", "SMALLINT UNSIGNED", Holds::Number},
                                 {"DPM1_DATE", "DATETIME", Holds::Horodate}}));
}

TEST(SqlColumns, LabelsThatCannotBeColumnsHaveNone) {
  EXPECT_TRUE(columns("TIME", "12:00").empty());
  tic::Field field;
  field.label = "EAST`; DROP TABLE frame; --";
  field.text = "1";
  EXPECT_TRUE(sql::columns_for(field).empty());
  // 60 characters fit, but not with "_DATE" after them (MySQL takes 64).
  const std::string long_label(15, '+');
  field.label = long_label;
  EXPECT_EQ(sql::columns_for(field).size(), 1u);
  field.horodate = tic::parse_horodate("E250603090050");
  EXPECT_TRUE(sql::columns_for(field).empty());
}

TEST(SqlStatements, Quoting) {
  EXPECT_EQ(sql::quoted("EAST"), "`EAST`");
  EXPECT_EQ(sql::quoted("a`b"), "`a``b`");
}

TEST(SqlStatements, CreateAndAlter) {
  EXPECT_EQ(sql::create_table_statement(),
            "CREATE TABLE IF NOT EXISTS `frame` (`meter` VARCHAR(14) NOT NULL, `TIME` DATETIME(3) "
            "NOT NULL, PRIMARY KEY (`meter`, `TIME`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  const std::vector<Column> added = {{"SMAXSN", "INT UNSIGNED", Holds::Number},
                                     {"SMAXSN_DATE", "DATETIME", Holds::Horodate}};
  EXPECT_EQ(sql::add_columns_statement(added),
            "ALTER TABLE `frame` ADD COLUMN `SMAXSN` INT UNSIGNED NULL, ADD COLUMN `SMAXSN_DATE` "
            "DATETIME NULL");
  EXPECT_EQ(sql::widen_column_statement("LTARF"),
            "ALTER TABLE `frame` MODIFY COLUMN `LTARF` VARCHAR(255) NULL");
}

TEST(SqlStatements, Insert) {
  const std::vector<std::string_view> columns = {"EAST", "NJOURFPLUS1"};
  EXPECT_EQ(sql::insert_statement(columns, 2),
            "INSERT INTO `frame` (`meter`,`TIME`,`EAST`,`NJOURFPLUS1`) VALUES "
            "(?,?,?,?),(?,?,?,?) ON DUPLICATE KEY UPDATE `meter`=`meter`");
  EXPECT_EQ(sql::insert_statement({}, 1),
            "INSERT INTO `frame` (`meter`,`TIME`) VALUES (?,?) ON DUPLICATE KEY UPDATE "
            "`meter`=`meter`");
}

TEST(SqlView, OnlyTheColumnsTheTableHas) {
  EXPECT_EQ(sql::view_statement(std::vector<std::string>{"meter", "TIME"}),
            "CREATE OR REPLACE VIEW `teleinfoframes` AS SELECT `TIME` AS `timestamp`, `meter` AS "
            "`meter_identifier`, NULL AS `subscription_type`, NULL AS `subscription_power_in_a`, "
            "NULL AS `total_base_index_in_wh`, NULL AS `current_pricing_period`, NULL AS "
            "`instantaneous_intensity_in_a`, NULL AS `intensity_max_in_a`, NULL AS "
            "`power_consumption_in_va`, NULL AS `peak_off_peak_schedule`, NULL AS "
            "`meter_state_code` FROM `frame`");
}

TEST(SqlView, HistoricColumns) {
  const std::vector<std::string> historic = {"meter",  "TIME", "ADCO",  "OPTARIF",
                                             "ISOUSC", "BASE", "PTEC",  "IINST",
                                             "IMAX",   "PAPP", "HHPHC", "MOTDETAT"};
  EXPECT_EQ(sql::view_statement(historic),
            "CREATE OR REPLACE VIEW `teleinfoframes` AS SELECT `TIME` AS `timestamp`, `meter` AS "
            "`meter_identifier`, `OPTARIF` AS `subscription_type`, `ISOUSC` AS "
            "`subscription_power_in_a`, `BASE` AS `total_base_index_in_wh`, `PTEC` AS "
            "`current_pricing_period`, `IINST` AS `instantaneous_intensity_in_a`, `IMAX` AS "
            "`intensity_max_in_a`, `PAPP` AS `power_consumption_in_va`, `HHPHC` AS "
            "`peak_off_peak_schedule`, `MOTDETAT` AS `meter_state_code` FROM `frame`");
}

TEST(SqlView, StandardColumnsStandIn) {
  const std::vector<std::string> standard = {"TIME", "meter", "ADSC", "EAST", "IRMS1", "SINSTS"};
  EXPECT_EQ(sql::view_statement(standard),
            "CREATE OR REPLACE VIEW `teleinfoframes` AS SELECT `TIME` AS `timestamp`, `meter` AS "
            "`meter_identifier`, NULL AS `subscription_type`, NULL AS `subscription_power_in_a`, "
            "`EAST` AS `total_base_index_in_wh`, NULL AS `current_pricing_period`, `IRMS1` AS "
            "`instantaneous_intensity_in_a`, NULL AS `intensity_max_in_a`, `SINSTS` AS "
            "`power_consumption_in_va`, NULL AS `peak_off_peak_schedule`, NULL AS "
            "`meter_state_code` FROM `frame`");
  // Both kinds of meter in one table: the historic label first.
  const std::vector<std::string> both = {"TIME",  "meter", "BASE",   "EAST", "IINST",
                                         "IRMS1", "PAPP",  "SINSTS", "PTEC"};
  EXPECT_EQ(sql::view_statement(both),
            "CREATE OR REPLACE VIEW `teleinfoframes` AS SELECT `TIME` AS `timestamp`, `meter` AS "
            "`meter_identifier`, NULL AS `subscription_type`, NULL AS `subscription_power_in_a`, "
            "COALESCE(`BASE`, `EAST`) AS `total_base_index_in_wh`, `PTEC` AS "
            "`current_pricing_period`, COALESCE(`IINST`, `IRMS1`) AS "
            "`instantaneous_intensity_in_a`, NULL AS `intensity_max_in_a`, COALESCE(`PAPP`, "
            "`SINSTS`) AS `power_consumption_in_va`, NULL AS `peak_off_peak_schedule`, NULL AS "
            "`meter_state_code` FROM `frame`");
}

}  // namespace
