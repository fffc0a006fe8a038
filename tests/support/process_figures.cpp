#include "support/process_figures.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace test {

std::optional<ProcessFigures> process_figures(pid_t pid) {
  const std::filesystem::path process = "/proc/" + std::to_string(pid);
  std::ifstream status{process / "status"};
  if (!status) return std::nullopt;
  ProcessFigures figures;
  // "VmRSS:\t    4520 kB", "Threads:\t3"
  const auto value = [](const std::string& line, std::string_view key) {
    return std::stoull(line.substr(key.size()));
  };
  bool running = false;
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) figures.resident_bytes = value(line, "VmRSS:") * 1024;
    if (line.starts_with("VmHWM:")) figures.peak_resident_bytes = value(line, "VmHWM:") * 1024;
    if (line.starts_with("Threads:")) {
      figures.threads = static_cast<std::size_t>(value(line, "Threads:"));
    }
    if (line.starts_with("State:")) running = line.find("zombie") == std::string::npos;
  }
  if (!running) return std::nullopt;
  std::error_code error;
  for (std::filesystem::directory_iterator entry{process / "fd", error}, end;
       !error && entry != end; entry.increment(error)) {
    ++figures.open_fds;
  }
  if (error) return std::nullopt;
  return figures;
}

std::map<int, std::string> open_files(pid_t pid) {
  std::map<int, std::string> files;
  std::error_code error;
  const std::filesystem::path folder = "/proc/" + std::to_string(pid) + "/fd";
  for (std::filesystem::directory_iterator entry{folder, error}, end; !error && entry != end;
       entry.increment(error)) {
    std::error_code unreadable;
    const std::filesystem::path target = std::filesystem::read_symlink(entry->path(), unreadable);
    if (!unreadable) files[std::stoi(entry->path().filename().string())] = target.string();
  }
  return files;
}

}  // namespace test
