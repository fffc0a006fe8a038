// Where the MySQL/MariaDB archive is and how to log in (README, "Archiving"), and the
// --mysql-url syntax.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sql {

struct MysqlSettings {
  std::string host = "localhost";
  std::uint16_t port = 3306;
  std::string socket{};  // a Unix socket path instead of TCP (URL query ?socket=PATH)
  std::string database = "teleinfo";
  std::string user{};
  std::string password{};  // never logged, never in an error message
  bool tls = false;        // require TLS
  std::string ca_file{}, cert_file{}, key_file{};
  bool insecure = false;  // TLS without checking the server certificate
};

// "mysql://[USER@]HOST[:PORT][/DATABASE][?socket=PATH]" (also "mariadb://") into `settings`:
// host, port (3306 when absent), socket (none when absent), database ("teleinfo" when absent) and
// the user when given. HOST may be "[::1]", and may be left out when a socket is given. Throws
// common::OptionError with one line naming --mysql-url; a password in the URL ("user:pw@") is
// refused, since it would show in `ps`. No message repeats the URL.
void parse_mysql_url(std::string_view url, MysqlSettings& settings);

// For logs and error messages, never the password: "127.0.0.1:3306/teleinfo", "[::1]:3306/db",
// "unix:/run/mysqld/mysqld.sock/teleinfo".
std::string describe(const MysqlSettings& settings);

}  // namespace sql
