#include "archive/archive_options.h"

#include <cmath>
#include <fstream>

#include "common/log.h"
#include "influx/influx_writer.h"
#include "sink/csv_writer.h"
#include "sink/threaded_sink.h"
#include "sql/mysql_writer.h"

namespace archive {
namespace po = boost::program_options;

namespace {

[[noreturn]] void bad(std::string_view option, std::string_view value, std::string_view why) {
  throw common::OptionError{"--" + std::string{option} + " " + std::string{value} + ": " +
                            std::string{why}};
}

}  // namespace

void add_archive_options(po::options_description& options) {
  // clang-format off
  options.add_options()
      ("mysql-url", po::value<std::string>()->value_name("URL"),
       "archive frames in MySQL/MariaDB: mysql://[USER@]HOST[:PORT]/DATABASE "
       "(?socket=PATH for a Unix socket)")
      ("mysql-password-file", po::value<std::string>()->value_name("FILE"),
       "file holding the database password (else TELEINFO_MYSQL_PASSWORD, or the systemd "
       "credential mysql_password)")
      ("mysql-tls", po::bool_switch(), "require TLS to the database")
      ("mysql-ca", po::value<std::string>()->value_name("FILE"),
       "TLS: CA certificates to check the database server with (implies --mysql-tls)")
      ("mysql-cert", po::value<std::string>()->value_name("FILE"), "TLS: client certificate")
      ("mysql-key", po::value<std::string>()->value_name("FILE"), "TLS: client private key")
      ("mysql-insecure", po::bool_switch(),
       "TLS: accept any database server certificate (tests and closed networks only)")
      ("influx-batch-size", po::value<std::size_t>()->default_value(1000)->value_name("FRAMES"),
       "InfluxDB: frames per write request at most")
      ("influx-flush-interval", po::value<double>()->default_value(1)->value_name("SECONDS"),
       "InfluxDB: a request waits this long for more frames (0: at once)")
      ("csv-file", po::value<std::string>()->value_name("PATH"),
       "archive frames in a CSV file, reopened on SIGHUP (logrotate)")
      ("archive-interval", po::value<double>()->default_value(0)->value_name("SECONDS"),
       "archive one frame per meter this often, plus every frame where the tariff period or STGE "
       "changes (0: every frame)")
      ("spool-dir", po::value<std::string>()->value_name("DIR"),
       "where frames wait while a database is away (default /var/lib/teleinfo/spool/bridge, "
       "or /var/lib/teleinfo/spool/CLIENT-ID for teleinfo-archive)")
      ("spool-size", po::value<std::size_t>()->default_value(100)->value_name("MB"),
       "the spool's limit per database, in MiB: the oldest frames are dropped beyond (counted)");
  // clang-format on
  influx::add_influx_options(options);
}

common::SecretSource mysql_password_source() {
  // MYSQL_PASSWORD is the seed project edgd1er/teleinfo's.
  return {"mysql-password-file", {"TELEINFO_MYSQL_PASSWORD", "MYSQL_PASSWORD"}, "mysql_password"};
}

ArchiveOptions read_archive_options(const po::variables_map& values,
                                    const common::Environment& environment,
                                    std::string default_spool) {
  ArchiveOptions result;
  if (values.count("mysql-url") != 0) {
    sql::MysqlSettings& mysql = result.mysql.emplace();
    sql::parse_mysql_url(values["mysql-url"].as<std::string>(), mysql);
    mysql.password = common::read_secret(values, environment, mysql_password_source(),
                                         result.mysql_password_origin);
    const auto readable = [&](const char* name, std::string& into) {
      if (values.count(name) == 0) return;
      into = values[name].as<std::string>();
      if (!std::ifstream{into}) bad(name, into, "cannot read the file");
    };
    readable("mysql-ca", mysql.ca_file);
    readable("mysql-cert", mysql.cert_file);
    readable("mysql-key", mysql.key_file);
    if (mysql.cert_file.empty() != mysql.key_file.empty()) {
      throw common::OptionError{"--mysql-cert and --mysql-key go together"};
    }
    mysql.insecure = values["mysql-insecure"].as<bool>();
    mysql.tls = values["mysql-tls"].as<bool>() || !mysql.ca_file.empty() ||
                !mysql.cert_file.empty() || mysql.insecure;
  } else {
    for (const char* name : {"mysql-password-file", "mysql-ca", "mysql-cert", "mysql-key"}) {
      if (values.count(name) != 0) {
        throw common::OptionError{"--" + std::string{name} + " needs --mysql-url"};
      }
    }
  }
  result.influx = influx::read_influx_options(values, environment, result.influx_secrets);
  const double flush = values["influx-flush-interval"].as<double>();
  if (!(flush >= 0 && flush <= 3600)) {
    bad("influx-flush-interval", common::text_of(flush), "expected 0 to 3600 seconds");
  }
  result.influx_flush = std::chrono::milliseconds{std::llround(flush * 1000)};
  result.influx_batch = values["influx-batch-size"].as<std::size_t>();
  if (result.influx_batch < 1 || result.influx_batch > 100'000) {
    bad("influx-batch-size", std::to_string(result.influx_batch), "expected 1 to 100000 frames");
  }

  if (values.count("csv-file") != 0) {
    result.csv_file = values["csv-file"].as<std::string>();
    if (result.csv_file.empty()) bad("csv-file", "''", "expected a file path");
  }
  const double interval = values["archive-interval"].as<double>();
  if (!(interval >= 0 && interval <= 86400)) {
    bad("archive-interval", common::text_of(interval), "expected 0 to 86400 seconds");
  }
  result.interval = std::chrono::milliseconds{std::llround(interval * 1000)};
  result.spool_dir = std::move(default_spool);
  if (values.count("spool-dir") != 0) {
    result.spool_dir = values["spool-dir"].as<std::string>();
    if (result.spool_dir.empty()) bad("spool-dir", "''", "expected a directory");
  }
  const std::size_t megabytes = values["spool-size"].as<std::size_t>();
  if (megabytes < 1 || megabytes > 1'000'000) {
    bad("spool-size", std::to_string(megabytes), "expected 1 to 1000000 MiB");
  }
  result.spool_bytes = std::uint64_t{megabytes} << 20;
  return result;
}

std::vector<std::string> secret_variables() {
  std::vector<std::string> variables = {"TELEINFO_MYSQL_PASSWORD"};
  for (std::string& variable : influx::secret_variables())
    variables.push_back(std::move(variable));
  return variables;
}

std::vector<common::SecretOrigin> secret_origins(const ArchiveOptions& options) {
  std::vector<common::SecretOrigin> secrets = {
      {"database password", options.mysql_password_origin}};
  secrets.insert(secrets.end(), options.influx_secrets.begin(), options.influx_secrets.end());
  return secrets;
}

std::vector<std::string> teleinfo_archive_only_options() {
  return {"mqtt-share"};
}

std::unique_ptr<sink::Archive> make_archive(const ArchiveOptions& options) {
  auto archive = std::make_unique<sink::Archive>(options.interval);
  if (options.mysql) {
    sink::ThreadedSinkSettings settings;
    settings.spool = sink::SpoolSettings{options.spool_dir, options.spool_bytes};
    archive->add(std::make_unique<sink::ThreadedSink>(
        std::make_unique<sql::MysqlWriter>(*options.mysql), settings));
  }
  if (options.influx) {
    sink::ThreadedSinkSettings settings;
    settings.spool = sink::SpoolSettings{options.spool_dir, options.spool_bytes};
    settings.batch_size = options.influx_batch;
    settings.linger = options.influx_flush;
    archive->add(std::make_unique<sink::ThreadedSink>(
        std::make_unique<influx::InfluxWriter>(*options.influx), settings));
  }
  if (!options.csv_file.empty()) {
    archive->add(std::make_unique<sink::ThreadedSink>(
        std::make_unique<sink::CsvWriter>(options.csv_file), sink::ThreadedSinkSettings{}));
  }
  return archive;
}

std::string status_line(const sink::Archive& archive) {
  std::string text;
  for (const sink::Health& health : archive.health()) {
    if (!text.empty()) text += "; ";
    text += health.name + (health.up ? ": up" : ": down (" + health.problem + ")");
    if (health.waiting != 0) text += ", " + std::to_string(health.waiting) + " waiting";
    if (health.spooled != 0) text += " (" + std::to_string(health.spooled) + " in the spool)";
  }
  return text;
}

void log_summary(const sink::Archive& archive) {
  for (const sink::Health& health : archive.health()) {
    LOG_INFO("%s: %llu frames written, %llu waiting (%llu in the spool), %llu dropped",
             health.name.c_str(), static_cast<unsigned long long>(health.written),
             static_cast<unsigned long long>(health.waiting),
             static_cast<unsigned long long>(health.spooled),
             static_cast<unsigned long long>(health.dropped));
  }
}

}  // namespace archive
