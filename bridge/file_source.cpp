#include "bridge/file_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace bridge {
namespace {

tic::Time now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace

std::string replay_file(const SourceSpec& source, Meter& meter) {
  const bool standard_input = source.kind == SourceSpec::Kind::Stdin;
  const int fd = standard_input ? STDIN_FILENO : ::open(source.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::strerror(errno);

  std::string error;
  std::array<std::uint8_t, 64 * 1024> buffer;
  for (;;) {
    const ssize_t size = ::read(fd, buffer.data(), buffer.size());
    if (size > 0) {
      meter.push(std::span{buffer.data(), static_cast<std::size_t>(size)}, now());
    } else if (size == 0) {
      break;
    } else if (errno != EINTR) {
      error = std::strerror(errno);
      break;
    }
  }
  meter.finish(now());
  if (!standard_input) ::close(fd);
  return error;
}

}  // namespace bridge
