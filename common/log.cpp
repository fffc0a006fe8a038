#include "common/log.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace common::log {
namespace {

struct Settings {
  std::string program = "teleinfo";
  Level level = Level::Info;
  // journald sets JOURNAL_STREAM for the services whose stderr it reads.
  bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
  std::mutex mutex;
};

Settings& settings() {
  static Settings instance;
  return instance;
}

}  // namespace

void set_program(std::string_view name) {
  settings().program = name;
}
void set_level(Level level) {
  settings().level = level;
}
bool enabled(Level level) {
  return level >= settings().level;
}

std::optional<Level> parse_level(std::string_view text) {
  if (text == "debug") return Level::Debug;
  if (text == "info") return Level::Info;
  if (text == "warning") return Level::Warning;
  if (text == "error") return Level::Error;
  return std::nullopt;
}

void write(Level level, std::string_view message) {
  if (!enabled(level) && level != Level::Error) return;
  Settings& s = settings();
  std::string line;
  if (s.journal) {
    static constexpr const char* kPriority[] = {"<7>", "<6>", "<4>", "<3>"};
    line = kPriority[static_cast<int>(level)];
  } else {
    static constexpr const char* kWord[] = {"debug: ", "", "warning: ", "error: "};
    line = s.program + ": " + kWord[static_cast<int>(level)];
  }
  line += message;
  line += '\n';
  const std::lock_guard lock{s.mutex};
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void print(Level level, const char* format, ...) {
  char buffer[1024];
  va_list arguments;
  va_start(arguments, format);
  const int size = std::vsnprintf(buffer, sizeof buffer, format, arguments);
  va_end(arguments);
  if (size < 0) return;
  write(level,
        std::string_view{buffer, std::min(static_cast<std::size_t>(size), sizeof buffer - 1)});
}

}  // namespace common::log
