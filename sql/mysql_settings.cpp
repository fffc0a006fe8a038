#include "sql/mysql_settings.h"

#include <charconv>
#include <string>
#include <system_error>

#include "common/options.h"

namespace sql {
namespace {

constexpr std::string_view kSyntax = "mysql://[USER@]HOST[:PORT][/DATABASE][?socket=PATH]";

[[noreturn]] void bad(std::string_view why) {
  throw common::OptionError{"--mysql-url: " + std::string{why}};
}

bool is_database_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$';
}

std::uint16_t parse_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value == 0 ||
      value > 65535) {
    bad("the port must be a number from 1 to 65535");
  }
  return static_cast<std::uint16_t>(value);
}

void parse_query(std::string_view query, MysqlSettings& settings) {
  constexpr std::string_view kSocket = "socket=";
  if (!query.starts_with(kSocket) || query.find('&') != std::string_view::npos) {
    bad("the only query it takes is ?socket=PATH");
  }
  const std::string_view path = query.substr(kSocket.size());
  if (!path.starts_with('/'))
    bad("?socket= takes an absolute path, such as /run/mysqld/mysqld.sock");
  settings.socket = path;
}

void parse_database(std::string_view database, MysqlSettings& settings) {
  if (database.empty()) return;
  if (database.size() > 64) bad("the database name has more than 64 characters");
  for (char c : database) {
    if (!is_database_character(c)) {
      bad("the database name may hold only letters, digits, '_' and '$'");
    }
  }
  settings.database = database;
}

}  // namespace

void parse_mysql_url(std::string_view url, MysqlSettings& settings) {
  std::string_view rest;
  if (url.starts_with("mysql://")) {
    rest = url.substr(8);
  } else if (url.starts_with("mariadb://")) {
    rest = url.substr(10);
  } else {
    bad("expected " + std::string{kSyntax});
  }

  // The user first, up to the last '@' before any query: a password ("user:pw@", which may hold
  // '/' or ':') must not be taken for another part. No message repeats a part of the URL.
  std::string_view user;
  if (const std::size_t at = rest.substr(0, rest.find('?')).rfind('@');
      at != std::string_view::npos) {
    user = rest.substr(0, at);
    if (user.find(':') != std::string_view::npos) {
      bad("a password in the URL would show in the process list; use --mysql-password-file or "
          "TELEINFO_MYSQL_PASSWORD");
    }
    rest.remove_prefix(at + 1);
  }
  const std::size_t authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

  MysqlSettings parsed = settings;
  parsed.host = "localhost";
  parsed.port = 3306;
  parsed.socket.clear();
  parsed.database = "teleinfo";
  if (!user.empty()) parsed.user = user;

  std::string_view host = authority;
  if (authority.starts_with('[')) {  // [::1]:3306
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) bad("unclosed '[' in the host");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) bad("expected :PORT after the host");
      parsed.port = parse_port(after.substr(1));
    }
    if (host.empty()) bad("empty host between '[' and ']'");
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    parsed.port = parse_port(authority.substr(colon + 1));
  }

  std::string_view query;
  if (const std::size_t mark = rest.find('?'); mark != std::string_view::npos) {
    query = rest.substr(mark + 1);
    rest = rest.substr(0, mark);
  }
  if (rest.starts_with('/')) rest.remove_prefix(1);
  if (rest.find('/') != std::string_view::npos) bad("expected " + std::string{kSyntax});
  parse_database(rest, parsed);
  if (!query.empty()) parse_query(query, parsed);

  if (!host.empty()) {
    parsed.host = host;
  } else if (parsed.socket.empty()) {
    bad("no host: expected " + std::string{kSyntax});
  }
  settings = std::move(parsed);
}

std::string describe(const MysqlSettings& settings) {
  if (!settings.socket.empty()) return "unix:" + settings.socket + "/" + settings.database;
  const bool ipv6 = settings.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + settings.host + "]" : settings.host) + ":" + std::to_string(settings.port) +
         "/" + settings.database;
}

}  // namespace sql
