// libmariadb loaded on demand (sql/libmariadb.h): the library CMake named is there, every function
// is bound, and they work together: a connection to a loopback port where nothing listens fails
// with the client library's own error. This program does not link libmariadb itself.
#include "sql/libmariadb.h"

#include <errmsg.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "sql/connection.h"

namespace {

// A loopback port nothing listens on: bound, then closed.
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  socklen_t size = sizeof address;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST(Libmariadb, BindsEveryFunctionOnce) {
  const sql::Libmariadb& api = sql::libmariadb();
  EXPECT_EQ(&api, &sql::libmariadb());
  EXPECT_NE(api.mysql_server_init, nullptr);
  EXPECT_NE(api.mysql_init, nullptr);
  EXPECT_NE(api.mysql_options, nullptr);
  EXPECT_NE(api.mysql_ssl_set, nullptr);
  EXPECT_NE(api.mysql_real_connect, nullptr);
  EXPECT_NE(api.mysql_close, nullptr);
  EXPECT_NE(api.mysql_errno, nullptr);
  EXPECT_NE(api.mysql_error, nullptr);
  EXPECT_NE(api.mysql_query, nullptr);
  EXPECT_NE(api.mysql_real_query, nullptr);
  EXPECT_NE(api.mysql_store_result, nullptr);
  EXPECT_NE(api.mysql_fetch_row, nullptr);
  EXPECT_NE(api.mysql_free_result, nullptr);
  EXPECT_NE(api.mysql_stmt_init, nullptr);
  EXPECT_NE(api.mysql_stmt_prepare, nullptr);
  EXPECT_NE(api.mysql_stmt_bind_param, nullptr);
  EXPECT_NE(api.mysql_stmt_bind_result, nullptr);
  EXPECT_NE(api.mysql_stmt_execute, nullptr);
  EXPECT_NE(api.mysql_stmt_fetch, nullptr);
  EXPECT_NE(api.mysql_stmt_affected_rows, nullptr);
  EXPECT_NE(api.mysql_stmt_errno, nullptr);
  EXPECT_NE(api.mysql_stmt_error, nullptr);
  EXPECT_NE(api.mysql_stmt_close, nullptr);
}

TEST(Libmariadb, ConnectingWhereNothingListensGivesTheLibrarysError) {
  const sql::Libmariadb& api = sql::libmariadb();
  sql::MysqlSettings settings;
  settings.host = "127.0.0.1";
  settings.port = closed_port();
  settings.user = "teleinfo";
  settings.database = "teleinfo";
  MYSQL* mysql = api.mysql_init(nullptr);
  ASSERT_NE(mysql, nullptr);
  EXPECT_EQ(api.mysql_errno(mysql), 0u);
  EXPECT_FALSE(sql::connect(mysql, settings, 2, 2));
  EXPECT_EQ(api.mysql_errno(mysql), static_cast<unsigned>(CR_CONNECTION_ERROR));
  const std::string message = api.mysql_error(mysql);
  EXPECT_EQ(message.find("Can't connect to server on '127.0.0.1'"), 0u) << message;
  api.mysql_close(mysql);
}

}  // namespace
