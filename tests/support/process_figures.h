// What /proc says of another process (the bridge a test or a soak runs): its resident memory, its
// open file descriptors and its threads, read as `ps` and `ls /proc/<pid>/fd` would.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace test {

struct ProcessFigures {
  std::uint64_t resident_bytes = 0;       // VmRSS
  std::uint64_t peak_resident_bytes = 0;  // VmHWM
  std::size_t open_fds = 0;               // entries of /proc/<pid>/fd
  std::size_t threads = 0;
};

// nullopt when the process is gone.
std::optional<ProcessFigures> process_figures(pid_t pid);

// What each of its descriptors is, by number: "/dev/pts/3", "socket:[123]", "anon_inode:[eventfd]".
std::map<int, std::string> open_files(pid_t pid);

}  // namespace test
