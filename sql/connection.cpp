#include "sql/connection.h"

#include "sql/libmariadb.h"

namespace sql {

bool connect(MYSQL* mysql, const MysqlSettings& settings, unsigned connect_timeout_seconds,
             unsigned io_timeout_seconds) {
  const Libmariadb& api = libmariadb();
  api.mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout_seconds);
  api.mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &io_timeout_seconds);
  api.mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout_seconds);
  api.mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (settings.tls) {
    const my_bool enforce = 1;
    const my_bool verify = settings.insecure ? 0 : 1;
    const auto file = [](const std::string& path) { return path.empty() ? nullptr : path.c_str(); };
    api.mysql_options(mysql, MYSQL_OPT_SSL_ENFORCE, &enforce);
    api.mysql_ssl_set(mysql, file(settings.key_file), file(settings.cert_file),
                      file(settings.ca_file), nullptr, nullptr);
    api.mysql_options(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
  }
  const bool by_socket = !settings.socket.empty();
  const char* user = settings.user.empty() ? nullptr : settings.user.c_str();
  return api.mysql_real_connect(mysql, by_socket ? "localhost" : settings.host.c_str(), user,
                                settings.password.c_str(), settings.database.c_str(),
                                by_socket ? 0 : settings.port,
                                by_socket ? settings.socket.c_str() : nullptr, 0) != nullptr;
}

MYSQL_TIME to_mysql_time(std::chrono::sys_time<std::chrono::milliseconds> time) {
  using namespace std::chrono;
  const sys_days day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{time - day};
  MYSQL_TIME out{};
  out.year = static_cast<unsigned>(static_cast<int>(date.year()));
  out.month = static_cast<unsigned>(date.month());
  out.day = static_cast<unsigned>(date.day());
  out.hour = static_cast<unsigned>(clock.hours().count());
  out.minute = static_cast<unsigned>(clock.minutes().count());
  out.second = static_cast<unsigned>(clock.seconds().count());
  out.second_part = static_cast<unsigned long>(clock.subseconds().count()) * 1000;
  out.time_type = MYSQL_TIMESTAMP_DATETIME;
  return out;
}

}  // namespace sql
