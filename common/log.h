// Logging for both programs: one line per event on standard error. Under systemd (journald
// reading stderr) each line starts with its syslog priority, "<3>", "<4>", "<6>" or "<7>", so the
// journal keeps levels and adds the time itself; on a terminal the line says the program.
#pragma once

#include <optional>
#include <string_view>

namespace common::log {

enum class Level { Debug, Info, Warning, Error };

void set_program(std::string_view name);
void set_level(Level level);
bool enabled(Level level);

// "debug", "info", "warning", "error".
std::optional<Level> parse_level(std::string_view text);

void write(Level level, std::string_view message);

[[gnu::format(printf, 2, 3)]] void print(Level level, const char* format, ...);

}  // namespace common::log

// printf-style, formatting only when the level is enabled.
#define LOG_DEBUG(...)                                                  \
  (::common::log::enabled(::common::log::Level::Debug)                  \
       ? ::common::log::print(::common::log::Level::Debug, __VA_ARGS__) \
       : void(0))
#define LOG_INFO(...)                                                  \
  (::common::log::enabled(::common::log::Level::Info)                  \
       ? ::common::log::print(::common::log::Level::Info, __VA_ARGS__) \
       : void(0))
#define LOG_WARNING(...)                                                  \
  (::common::log::enabled(::common::log::Level::Warning)                  \
       ? ::common::log::print(::common::log::Level::Warning, __VA_ARGS__) \
       : void(0))
#define LOG_ERROR(...) ::common::log::print(::common::log::Level::Error, __VA_ARGS__)
