// libFuzzer target for the options of teleinfo-bridge and teleinfo-archive: a config file's text,
// environment variables and arguments, read by both programs' own parsers (bridge::parse_options,
// archive::parse_program_options: common::read_options and every check after it). Each program
// must start, exit at once (--help...), or refuse with one common::OptionError of one line; never
// another exception. When the input is a config file alone and a program starts, what it reads
// must be what the text says (text, list, whole-number and boolean options), and its
// --print-config output, read back as the config file, must give the same output again.
//
//   CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DTELEINFO_FUZZ=ON -DTELEINFO_SANITIZE=ON ...
//   cmake --build build-fuzz --target fuzzers && tests/fuzz/run build-fuzz 60
//
// Input: the config file's text up to the first NUL byte; after it, NUL-separated items: NAME=VALUE
// (NAME not starting with '-') is an environment variable, anything else a command-line argument.
// The programs read the text through --config from a memfd (/proc/self/fd/N), as they read any
// file, and nothing touches the disk. Seeds: deploy/teleinfo.conf and tests/fuzz/config/*.conf.
#include <sys/mman.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "archive/options.h"
#include "bridge/options.h"
#include "common/options.h"

namespace {

void check(bool condition) {
  if (!condition) __builtin_trap();
}

// The config text, and where the programs read it.
class ConfigFile {
 public:
  ConfigFile() : fd_(memfd_create("teleinfo.conf", MFD_CLOEXEC)) {
    check(fd_ >= 0);
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  void write(std::string_view text) const {
    check(ftruncate(fd_, 0) == 0);
    check(pwrite(fd_, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()));
  }
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
};

struct Input {
  std::string config;
  common::Environment environment;
  std::vector<std::string> arguments;
};

Input split(std::string_view data) {
  Input input;
  const std::size_t end = data.find('\0');
  input.config = data.substr(0, end);
  if (end == std::string_view::npos) return input;
  data.remove_prefix(end + 1);
  for (;;) {
    const std::size_t next = data.find('\0');
    const std::string_view item = data.substr(0, next);
    const std::size_t equals = item.find('=');
    if (equals != std::string_view::npos && !item.starts_with('-')) {
      input.environment.insert_or_assign(std::string{item.substr(0, equals)},
                                         std::string{item.substr(equals + 1)});
    } else {
      input.arguments.emplace_back(item);
    }
    if (next == std::string_view::npos) break;
    data.remove_prefix(next + 1);
  }
  return input;
}

// Spaces, tabs, CR and LF around a config file's names and values: what Boost trims.
std::string_view trimmed(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// The `name = value` lines of a config file as Boost 1.74 reads them (libs/program_options,
// config_file.cpp): '#' starts a comment anywhere, a line starting with ';' is one. nullopt for
// text that has a section header `[...]` (its names get a prefix) or a line that is not an option.
std::optional<std::vector<std::pair<std::string, std::string>>> config_lines(
    std::string_view text) {
  std::vector<std::pair<std::string, std::string>> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    line = line.substr(0, line.find('#'));
    if (line.starts_with(';')) continue;
    line = trimmed(line);
    if (line.empty()) continue;
    const std::size_t equals = line.find('=');
    if (line.starts_with('[') || equals == std::string_view::npos) return std::nullopt;
    lines.emplace_back(trimmed(line.substr(0, equals)), trimmed(line.substr(equals + 1)));
  }
  return lines;
}

// Every text of the input that may name a file.
std::vector<std::string> paths(const Input& input) {
  std::vector<std::string> paths;
  std::string_view text = input.config;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    line = line.substr(0, line.find('#'));
    if (const std::size_t equals = line.find('='); equals != std::string_view::npos) {
      paths.emplace_back(trimmed(line.substr(equals + 1)));
    }
  }
  for (const auto& [name, value] : input.environment)
    paths.push_back(value);
  for (const std::string& argument : input.arguments) {
    paths.push_back(argument);
    if (const std::size_t equals = argument.find('='); equals != std::string::npos) {
      paths.push_back(argument.substr(equals + 1));
    }
  }
  return paths;
}

// Whether reading `path` could block or never end: a device, a FIFO, /proc, /sys. The programs
// read the files some options name (passwords, certificates) as they start: /dev/zero would be
// a config mistake, not a bug, and would only stop the fuzzer.
bool endless(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (path.empty() || !fs::exists(path, error)) return false;
  const fs::path real = fs::weakly_canonical(path, error);
  if (error) return true;
  const std::string text = real.string();
  for (const std::string_view root : {"/dev", "/proc", "/sys", "/run"}) {
    if (text.starts_with(root)) return true;
  }
  const fs::file_status status = fs::status(real, error);
  return error || !(fs::is_regular_file(status) || fs::is_directory(status));
}

enum class Program { Bridge, Archive };

struct Outcome {
  enum class Kind { Started, Exit, Refused } kind = Kind::Refused;
  std::string text;  // ExitNow's text, or the error
};

Outcome run(Program program, const ConfigFile& file, const std::vector<std::string>& arguments,
            const common::Environment& environment) {
  std::vector<const char*> argv = {
      program == Program::Bridge ? "teleinfo-bridge" : "teleinfo-archive", "--config",
      file.path().c_str()};
  for (const std::string& argument : arguments)
    argv.push_back(argument.c_str());
  const int argc = static_cast<int>(argv.size());
  argv.push_back(nullptr);
  try {
    std::optional<bridge::ExitNow> exit_now;
    if (program == Program::Bridge) {
      auto parsed = bridge::parse_options(argc, argv.data(), environment);
      if (auto* exit = std::get_if<bridge::ExitNow>(&parsed)) exit_now = std::move(*exit);
    } else {
      auto parsed = archive::parse_program_options(argc, argv.data(), environment);
      if (auto* exit = std::get_if<bridge::ExitNow>(&parsed)) exit_now = std::move(*exit);
    }
    if (exit_now) return {Outcome::Kind::Exit, std::move(exit_now->text)};
    return {Outcome::Kind::Started, {}};
  } catch (const common::OptionError& error) {
    // Any other exception ends the fuzzer: the option readers promise this one only.
    const std::string message = error.what();
    check(!message.empty() && message.find_first_of("\n\r") == std::string::npos);
    return {Outcome::Kind::Refused, message};
  }
}

// How an option's value reads; its name is fixed by DESIGN.md.
enum class Kind { Text, List, Whole, Count, Boolean };

const std::map<std::string, Kind, std::less<>>& option_kinds() {
  static const std::map<std::string, Kind, std::less<>> kinds = [] {
    std::map<std::string, Kind, std::less<>> kinds;
    for (const char* name : {"mode",
                             "mqtt-url",
                             "mqtt-user",
                             "mqtt-password-file",
                             "mqtt-ca",
                             "mqtt-cert",
                             "mqtt-key",
                             "mqtt-client-id",
                             "mqtt-version",
                             "mqtt-base",
                             "mqtt-share",
                             "ha-prefix",
                             "http",
                             "log-level",
                             "mysql-url",
                             "mysql-password-file",
                             "mysql-ca",
                             "mysql-cert",
                             "mysql-key",
                             "csv-file",
                             "spool-dir",
                             "influx-url",
                             "influx-db",
                             "influx-user",
                             "influx-password-file",
                             "influx-retention-policy",
                             "influx-org",
                             "influx-bucket",
                             "influx-token-file",
                             "influx-measurement",
                             "influx-ca"}) {
      kinds[name] = Kind::Text;
    }
    for (const char* name : {"source", "labels", "no-checksum"})
      kinds[name] = Kind::List;
    for (const char* name : {"mqtt-qos", "refresh", "meter-timeout"})
      kinds[name] = Kind::Whole;
    for (const char* name : {"mqtt-backlog", "http-points", "influx-batch-size", "spool-size"})
      kinds[name] = Kind::Count;
    for (const char* name :
         {"dry-run", "mqtt-retain", "jeedom", "jeedom-tasmota", "ha-discovery", "mqtt-insecure",
          "mysql-tls", "mysql-insecure", "influx-insecure", "influx-gzip"}) {
      kinds[name] = Kind::Boolean;
    }
    return kinds;
  }();
  return kinds;
}

// A whole number as written: digits after an optional sign, within range.
template <typename Number>
std::optional<Number> whole_number(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// What --print-config must say for an option set once (or a list) by the config file; nullopt
// when the value is bad, and the program should not have started.
std::optional<std::string> printed(Kind kind, std::string_view value) {
  switch (kind) {
    case Kind::Text:
    case Kind::List:
      return std::string{value};
    case Kind::Whole:
      if (const auto number = whole_number<int>(value)) return std::to_string(*number);
      return std::nullopt;
    case Kind::Count:
      if (const auto number = whole_number<std::size_t>(value)) return std::to_string(*number);
      return std::nullopt;
    case Kind::Boolean:
      if (const std::optional<bool> flag = common::parse_bool(value)) {
        return *flag ? "true" : "false";
      }
      return std::nullopt;
  }
  return std::nullopt;
}

// The values --print-config shows for `name`, one per line "name = value"; empty when none.
std::vector<std::string> shown(std::string_view print, std::string_view name) {
  std::vector<std::string> values;
  const std::string prefix = std::string{name} + " = ";
  while (!print.empty()) {
    const std::size_t end = print.find('\n');
    const std::string_view line = print.substr(0, end);
    print.remove_prefix(end == std::string_view::npos ? print.size() : end + 1);
    if (line.starts_with(prefix)) values.emplace_back(line.substr(prefix.size()));
  }
  return values;
}

// Whether `print` has a line for `name`, set or not: the program takes that option.
bool takes(std::string_view print, std::string_view name) {
  const std::string unset = "# " + std::string{name} + " =";
  return !shown(print, name).empty() || print.find("\n" + unset + "\n") != std::string_view::npos;
}

// A program that accepted a config file alone, and printed the configuration in effect: what it
// read is what the text says, and what it printed reads back the same.
void check_printed(Program program, const ConfigFile& file, const std::string& config,
                   const Outcome& print) {
  if (const auto lines = config_lines(config)) {
    std::map<std::string, std::vector<std::string>, std::less<>> values;
    for (const auto& [name, value] : *lines)
      values[name].push_back(value);
    for (const auto& [name, given] : values) {
      const auto kind = option_kinds().find(name);
      if (kind == option_kinds().end() || !takes(print.text, name)) continue;
      if (kind->second != Kind::List && given.size() != 1) continue;
      std::vector<std::string> expected;
      for (const std::string& value : given) {
        const std::optional<std::string> text = printed(kind->second, value);
        check(text.has_value());  // a bad value, taken
        expected.push_back(*text);
      }
      check(shown(print.text, name) == expected);
    }
  }

  file.write(print.text);
  const Outcome again = run(program, file, {"--print-config"}, {});
  check(again.kind == Outcome::Kind::Exit && again.text == print.text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ConfigFile file;
  const Input input = split({reinterpret_cast<const char*>(data), size});
  for (const std::string& path : paths(input)) {
    if (endless(path)) return -1;
  }
  const bool config_alone = input.environment.empty() && input.arguments.empty();
  for (const Program program : {Program::Bridge, Program::Archive}) {
    file.write(input.config);
    if (!config_alone) {
      run(program, file, input.arguments, input.environment);
      continue;
    }
    // --print-config prints once every check passed: where the program would start.
    const Outcome outcome = run(program, file, {"--print-config"}, {});
    if (outcome.kind == Outcome::Kind::Exit && outcome.text.starts_with("# ")) {
      check_printed(program, file, input.config, outcome);
    }
  }
  return 0;
}
