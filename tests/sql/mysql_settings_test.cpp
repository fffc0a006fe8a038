// --mysql-url: what it sets, what it refuses, and that no message shows a password.
#include "sql/mysql_settings.h"

#include <gtest/gtest.h>

#include <string>

#include "common/options.h"

namespace {

sql::MysqlSettings parsed(const std::string& url) {
  sql::MysqlSettings settings;
  sql::parse_mysql_url(url, settings);
  return settings;
}

// The message of the OptionError parse_mysql_url throws; the settings must stay as they were.
std::string refusal(const std::string& url) {
  sql::MysqlSettings settings;
  settings.host = "before";
  try {
    sql::parse_mysql_url(url, settings);
  } catch (const common::OptionError& error) {
    EXPECT_EQ(settings.host, "before");
    return error.what();
  }
  ADD_FAILURE() << url << " was taken";
  return {};
}

TEST(MysqlUrl, EveryPart) {
  const sql::MysqlSettings settings = parsed("mysql://archiver@db.lan:3307/energy_2025");
  EXPECT_EQ(settings.host, "db.lan");
  EXPECT_EQ(settings.port, 3307);
  EXPECT_EQ(settings.user, "archiver");
  EXPECT_EQ(settings.database, "energy_2025");
  EXPECT_EQ(settings.socket, "");
  EXPECT_EQ(sql::describe(settings), "db.lan:3307/energy_2025");
}

TEST(MysqlUrl, Defaults) {
  sql::MysqlSettings settings;
  settings.user = "from-option";
  settings.password = "kept";
  sql::parse_mysql_url("mariadb://127.0.0.1", settings);
  EXPECT_EQ(settings.host, "127.0.0.1");
  EXPECT_EQ(settings.port, 3306);
  EXPECT_EQ(settings.database, "teleinfo");
  EXPECT_EQ(settings.user, "from-option");
  EXPECT_EQ(settings.password, "kept");
  EXPECT_EQ(sql::describe(settings), "127.0.0.1:3306/teleinfo");
  EXPECT_EQ(parsed("mysql://localhost/").database, "teleinfo");
  EXPECT_EQ(parsed("mysql://h/db$1").database, "db$1");
  EXPECT_EQ(parsed("mysql://h/" + std::string(64, 'd')).database, std::string(64, 'd'));
}

TEST(MysqlUrl, Ipv6) {
  const sql::MysqlSettings settings = parsed("mysql://[::1]:3310/x");
  EXPECT_EQ(settings.host, "::1");
  EXPECT_EQ(settings.port, 3310);
  EXPECT_EQ(settings.database, "x");
  EXPECT_EQ(sql::describe(settings), "[::1]:3310/x");
  EXPECT_EQ(parsed("mysql://[fe80::1]").port, 3306);
}

TEST(MysqlUrl, Socket) {
  const sql::MysqlSettings settings =
      parsed("mysql://teleinfo@/archive?socket=/run/mysqld/mysqld.sock");
  EXPECT_EQ(settings.socket, "/run/mysqld/mysqld.sock");
  EXPECT_EQ(settings.host, "localhost");
  EXPECT_EQ(settings.user, "teleinfo");
  EXPECT_EQ(settings.database, "archive");
  EXPECT_EQ(sql::describe(settings), "unix:/run/mysqld/mysqld.sock/archive");
  EXPECT_EQ(parsed("mysql://?socket=/tmp/s").socket, "/tmp/s");
  EXPECT_EQ(parsed("mysql://?socket=/tmp/s").database, "teleinfo");
}

TEST(MysqlUrl, BadUrls) {
  const std::string syntax = "mysql://[USER@]HOST[:PORT][/DATABASE][?socket=PATH]";
  EXPECT_EQ(refusal("http://db"), "--mysql-url: expected " + syntax);
  EXPECT_EQ(refusal("db.lan"), "--mysql-url: expected " + syntax);
  EXPECT_EQ(refusal("mysql://"), "--mysql-url: no host: expected " + syntax);
  EXPECT_EQ(refusal("mysql:///teleinfo"), "--mysql-url: no host: expected " + syntax);
  EXPECT_EQ(refusal("mysql://h/a/b"), "--mysql-url: expected " + syntax);
  const std::string port = "--mysql-url: the port must be a number from 1 to 65535";
  EXPECT_EQ(refusal("mysql://h:0"), port);
  EXPECT_EQ(refusal("mysql://h:65536"), port);
  EXPECT_EQ(refusal("mysql://h:"), port);
  EXPECT_EQ(refusal("mysql://h:33o6"), port);
  EXPECT_EQ(refusal("mysql://h:-1"), port);
  EXPECT_EQ(refusal("mysql://[::1]:99999"), port);
  const std::string name =
      "--mysql-url: the database name may hold only letters, digits, '_' and '$'";
  EXPECT_EQ(refusal("mysql://h/tele-info"), name);
  EXPECT_EQ(refusal("mysql://h/tele`info"), name);
  EXPECT_EQ(refusal("mysql://h/t%20i"), name);
  EXPECT_EQ(refusal("mysql://h/" + std::string(65, 'd')),
            "--mysql-url: the database name has more than 64 characters");
  EXPECT_EQ(refusal("mysql://h?user=x"), "--mysql-url: the only query it takes is ?socket=PATH");
  EXPECT_EQ(refusal("mysql://h?socket=/a&b=c"),
            "--mysql-url: the only query it takes is ?socket=PATH");
  EXPECT_EQ(refusal("mysql://h?socket=run/mysqld.sock"),
            "--mysql-url: ?socket= takes an absolute path, such as /run/mysqld/mysqld.sock");
  EXPECT_EQ(refusal("mysql://[::1"), "--mysql-url: unclosed '[' in the host");
  EXPECT_EQ(refusal("mysql://[::1]3306"), "--mysql-url: expected :PORT after the host");
  EXPECT_EQ(refusal("mysql://[]:3306"), "--mysql-url: empty host between '[' and ']'");
}

TEST(MysqlUrl, PasswordRefusedAndNeverShown) {
  const std::string message =
      "--mysql-url: a password in the URL would show in the process list; use "
      "--mysql-password-file or TELEINFO_MYSQL_PASSWORD";
  for (const std::string url :
       {"mysql://teleinfo:s3cret@db.lan/teleinfo", "mysql://teleinfo:s3cret@db.lan:99999/bad-db",
        "mysql://teleinfo:s3/cret@db.lan", "mariadb://:s3cret@db.lan",
        "mysql://u:s3cret@?socket=/tmp/s"}) {
    SCOPED_TRACE(url);
    const std::string error = refusal(url);
    EXPECT_EQ(error, message);
    EXPECT_EQ(error.find("s3"), std::string::npos);
  }
  // A password that hides its '@' behind a '?': no message repeats any part of the URL.
  const std::string error = refusal("mysql://u:s3?cret@db.lan");
  EXPECT_EQ(error.find("s3"), std::string::npos) << error;
  EXPECT_EQ(error.find("cret"), std::string::npos) << error;
}

}  // namespace
