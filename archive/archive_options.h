// The archiving options both programs take (DESIGN.md, "Archiving"; README, "Archiving"): the
// MySQL/MariaDB database, the CSV file, how often a frame is kept, and the spool that holds frames
// while a database is away. And the sinks they make.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/options.h"
#include "influx/influx_options.h"
#include "sink/archive.h"
#include "sql/mysql_settings.h"

namespace archive {

struct ArchiveOptions {
  std::optional<sql::MysqlSettings> mysql;           // --mysql-url
  std::string mysql_password_origin;                 // where its password came from; empty: none
  std::optional<influx::InfluxSettings> influx;      // --influx-url
  std::vector<common::SecretOrigin> influx_secrets;  // for --print-config
  std::chrono::milliseconds influx_flush{1000};      // --influx-flush-interval
  std::size_t influx_batch = 1000;                   // --influx-batch-size
  std::string csv_file;                              // --csv-file; empty: none
  std::chrono::milliseconds interval{0};             // --archive-interval; 0: every frame
  std::string spool_dir;  // --spool-dir; the program's default when not given
  std::uint64_t spool_bytes = 100ull << 20;

  std::size_t sinks() const {
    return (mysql ? 1u : 0u) + (influx ? 1u : 0u) + (csv_file.empty() ? 0u : 1u);
  }
};

// Declares --mysql-url, --mysql-password-file, --mysql-ca, --mysql-cert, --mysql-key,
// --mysql-insecure, the --influx-... options, --csv-file, --archive-interval, --spool-dir and
// --spool-size.
void add_archive_options(boost::program_options::options_description& options);

// Where the database password comes from (never a flag).
common::SecretSource mysql_password_source();

// The environment variables that hold secrets (TELEINFO_MYSQL_PASSWORD...): read as secrets, not
// as options.
std::vector<std::string> secret_variables();

// --print-config's lines about the archive's secrets.
std::vector<common::SecretOrigin> secret_origins(const ArchiveOptions& options);

// Where spools go by default: one folder per program and MQTT session, so that a bridge and
// archivers on one host never share one (a spool belongs to one process at a time).
inline constexpr std::string_view kSpoolRoot = "/var/lib/teleinfo/spool/";

// Reads what add_archive_options declared; `default_spool` is the program's spool folder when
// --spool-dir is not given. Throws common::OptionError.
ArchiveOptions read_archive_options(const boost::program_options::variables_map& values,
                                    const common::Environment& environment,
                                    std::string default_spool);

// The options of teleinfo-archive that teleinfo-bridge does not take (it ignores them in the
// shared config file and environment).
std::vector<std::string> teleinfo_archive_only_options();

// The sinks the options name, started. Empty when they name none.
std::unique_ptr<sink::Archive> make_archive(const ArchiveOptions& options);

// For systemd's status line: "mysql: up, 3 waiting; csv: up".
std::string status_line(const sink::Archive& archive);
// One log line per sink: what it wrote, what waits, what it dropped.
void log_summary(const sink::Archive& archive);

}  // namespace archive
