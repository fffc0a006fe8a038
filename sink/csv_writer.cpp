#include "sink/csv_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>
#include <system_error>
#include <utility>

#include "common/log.h"
#include "tic/horodate.h"

namespace sink {
namespace {

constexpr std::string_view kHeaderStart = "meter,TIME";
constexpr std::string_view kDateSuffix = "_DATE";
// The end of an existing file read for each meter's last TIME.
constexpr std::uint64_t kTailBytes = 4 * 1024 * 1024;
// Blocks read backwards looking for the last header row.
constexpr std::uint64_t kSearchBlock = 64 * 1024;

std::string errno_text(int error) {
  return std::generic_category().message(error);
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// Reads [offset, offset + size) of the file, or less at its end; empty on an error.
std::string read_at(int fd, std::uint64_t offset, std::uint64_t size) {
  std::string bytes(static_cast<std::size_t>(size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n =
        ::pread(fd, bytes.data() + got, bytes.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  return bytes;
}

void append_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// The fields of one line (RFC 4180, quotes undone).
std::vector<std::string> split_line(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

bool is_header(std::string_view line) {
  return line.substr(0, kHeaderStart.size()) == kHeaderStart &&
         (line.size() == kHeaderStart.size() || line[kHeaderStart.size()] == ',' ||
          line[kHeaderStart.size()] == '\r');
}

// The `count` decimal digits at `at` of `text`, or -1.
int digits(std::string_view text, std::size_t at, std::size_t count) {
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// "2025-06-03T09:00:52.123Z", as tic::format_utc writes TIME.
std::optional<tic::Time> parse_time(std::string_view text) {
  if (text.size() != 24 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != '.' || text[23] != 'Z') {
    return std::nullopt;
  }
  const int year = digits(text, 0, 4);
  const int month = digits(text, 5, 2);
  const int day = digits(text, 8, 2);
  const int hour = digits(text, 11, 2);
  const int minute = digits(text, 14, 2);
  const int second = digits(text, 17, 2);
  const int millisecond = digits(text, 20, 3);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 59 || millisecond < 0) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  return tic::Time{std::chrono::sys_days{date}.time_since_epoch() + std::chrono::hours{hour} +
                   std::chrono::minutes{minute} + std::chrono::seconds{second} +
                   std::chrono::milliseconds{millisecond}};
}

std::string value_of(const tic::Field& field) {
  return field.number ? std::to_string(*field.number) : std::string{field.text};
}

// The columns of a frame after meter and TIME, with their values, in the frame's order.
std::vector<std::pair<std::string, std::string>> cells_of(const tic::Frame& frame) {
  std::vector<std::pair<std::string, std::string>> cells;
  cells.reserve(frame.size() + 8);
  for (const tic::Field field : frame) {
    if (!field.horodate) {
      cells.emplace_back(std::string{field.label}, value_of(field));
      continue;
    }
    std::string date{tic::format_utc(field.horodate->utc()).view()};
    const bool no_data = field.info != nullptr ? field.info->length == 0 : field.raw.empty();
    if (no_data) {
      cells.emplace_back(std::string{field.label}, std::move(date));
    } else {
      cells.emplace_back(std::string{field.label}, value_of(field));
      cells.emplace_back(std::string{field.label} + std::string{kDateSuffix}, std::move(date));
    }
  }
  return cells;
}

}  // namespace

CsvWriter::CsvWriter(std::filesystem::path path) : path_(std::move(path)) {}

CsvWriter::~CsvWriter() {
  close();
}

void CsvWriter::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void CsvWriter::reopen() {
  close();
}

void CsvWriter::add_column(std::string column) {
  column_index_.emplace(column, columns_.size());
  columns_.push_back(std::move(column));
}

void CsvWriter::append_header(std::string& out) const {
  out += kHeaderStart;
  for (const std::string& column : columns_) {
    out += ',';
    append_field(out, column);
  }
  out += '\n';
}

bool CsvWriter::open(std::string& error) {
  const int fd =
      ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, S_IRUSR | S_IWUSR | S_IRGRP);
  if (fd < 0) {
    error = "cannot open " + path_.string() + ": " + errno_text(errno);
    return false;
  }
  fd_ = fd;
  struct stat status {};
  if (::fstat(fd_, &status) != 0) {
    error = "cannot read " + path_.string() + ": " + errno_text(errno);
    close();
    return false;
  }
  file_has_header_ = false;
  if (status.st_size > 0) read_existing(static_cast<std::uint64_t>(status.st_size));
  return true;
}

// Picks up an existing file: the columns of its last header row, each meter's last TIME in the
// lines at its end, and a last line cut short by a crash ended so that ours start on a line.
void CsvWriter::read_existing(std::uint64_t size) {
  const std::uint64_t tail_start = size > kTailBytes ? size - kTailBytes : 0;
  const std::string tail = read_at(fd_, tail_start, size - tail_start);
  if (tail.size() != size - tail_start) {
    LOG_WARNING("csv %s: cannot read its end; continuing it as a new file", path_.c_str());
    return;
  }
  if (tail.back() != '\n') {
    LOG_WARNING("csv %s: its last line was cut short; ended it", path_.c_str());
    if (!write_all(fd_, "\n")) {
      LOG_WARNING("csv %s: cannot end its last line: %s", path_.c_str(), errno_text(errno).c_str());
    }
  }

  // The lines of the tail, the first one only if it starts at the file's start.
  std::optional<std::string_view> header;
  std::string_view lines{tail};
  if (tail_start > 0) {
    const std::size_t first_end = lines.find('\n');
    lines.remove_prefix(first_end == std::string_view::npos ? lines.size() : first_end + 1);
  }
  while (!lines.empty()) {
    const std::size_t end = lines.find('\n');
    const std::string_view line = lines.substr(0, end);
    lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 1);
    if (is_header(line)) {
      header = line;
      continue;
    }
    const std::vector<std::string> fields = split_line(line.substr(0, 64));
    if (fields.size() < 2) continue;
    const std::optional<tic::Time> time = parse_time(fields[1]);
    if (!time) continue;
    auto [at, added] = last_time_.emplace(fields[0], *time);
    if (!added && at->second < *time) at->second = *time;
  }

  std::string header_line;
  if (header) {
    header_line = std::string{*header};
  } else if (tail_start > 0) {
    // Further back: the last "\nmeter,TIME" before the tail, or the file's first line.
    const std::string needle = "\n" + std::string{kHeaderStart};
    std::optional<std::uint64_t> found;
    for (std::uint64_t end = tail_start; end > 0 && !found;) {
      const std::uint64_t start = end > kSearchBlock ? end - kSearchBlock : 0;
      const std::string block = read_at(fd_, start, end - start + needle.size());
      for (std::size_t at = block.rfind(needle); at != std::string::npos && !found;
           at = at == 0 ? std::string::npos : block.rfind(needle, at - 1)) {
        if (is_header(std::string_view{block}.substr(at + 1))) found = start + at + 1;
      }
      end = start;
    }
    if (!found && is_header(read_at(fd_, 0, kHeaderStart.size() + 1))) found = 0;
    if (found) {
      const std::string from = read_at(fd_, *found, kSearchBlock);
      header_line = from.substr(0, from.find('\n'));
      header = header_line;
    }
  }
  if (!header) {
    LOG_WARNING("csv %s: no header row found; writing one", path_.c_str());
    return;
  }
  const std::vector<std::string> fields = split_line(header_line);
  columns_.clear();
  column_index_.clear();
  for (std::size_t i = 2; i < fields.size(); ++i) {
    if (!column_index_.contains(fields[i])) add_column(fields[i]);
  }
  file_has_header_ = true;
}

WriteResult CsvWriter::write(std::span<const tic::Frame> frames) {
  std::string error;
  if (fd_ < 0 && !open(error)) return WriteResult::unavailable(error);
  struct stat status {};
  if (::fstat(fd_, &status) != 0) {
    error = "cannot read " + path_.string() + ": " + errno_text(errno);
    close();
    return WriteResult::unavailable(error);
  }
  // A new file (after a reopen), or one emptied under us (logrotate's copytruncate): it starts
  // again with a header row of its first frame's columns.
  if (status.st_size == 0) {
    file_has_header_ = false;
    columns_.clear();
    column_index_.clear();
  }

  const std::size_t columns_before = columns_.size();
  const bool had_header = file_has_header_;
  std::map<std::string, tic::Time, std::less<>> times;  // this batch's lines, per meter
  std::vector<std::string> added;                       // columns this batch added
  std::uint64_t duplicates = 0;
  std::string out;
  std::vector<const std::string*> row;
  for (const tic::Frame& frame : frames) {
    const std::string_view meter = frame.address();
    if (meter.empty()) continue;
    std::optional<tic::Time> last;
    if (auto at = times.find(meter); at != times.end()) {
      last = at->second;
    } else if (auto before = last_time_.find(meter); before != last_time_.end()) {
      last = before->second;
    }
    if (last && frame.time() <= *last) {
      ++duplicates;
      continue;
    }
    const std::vector<std::pair<std::string, std::string>> cells = cells_of(frame);
    const bool first_header = columns_.empty() && !file_has_header_;
    bool new_columns = false;
    for (const auto& [column, value] : cells) {
      if (column_index_.contains(column)) continue;
      if (!first_header) added.push_back(column);
      add_column(column);
      new_columns = true;
    }
    if (!file_has_header_ || new_columns) {
      append_header(out);
      file_has_header_ = true;
    }
    row.assign(columns_.size(), nullptr);
    for (const auto& [column, value] : cells)
      row[column_index_.at(column)] = &value;
    append_field(out, meter);
    out += ',';
    out += tic::format_utc(frame.time()).view();
    for (const std::string* value : row) {
      out += ',';
      if (value != nullptr) append_field(out, *value);
    }
    out += '\n';
    times.insert_or_assign(std::string{meter}, frame.time());
  }
  duplicates_ += duplicates;
  if (duplicates > 0) {
    LOG_DEBUG("csv %s: %llu frames skipped: their meter has a line as late", path_.c_str(),
              static_cast<unsigned long long>(duplicates));
  }
  if (out.empty()) return WriteResult::written();

  if (!write_all(fd_, out)) {
    const int code = errno;
    // Cut back what went in, so that the batch is written whole when it is tried again.
    if (::ftruncate(fd_, status.st_size) != 0) close();
    for (std::size_t i = columns_before; i < columns_.size(); ++i)
      column_index_.erase(columns_[i]);
    columns_.resize(columns_before);
    file_has_header_ = had_header;
    return WriteResult::unavailable("cannot write " + path_.string() + ": " + errno_text(code));
  }
  for (auto& [meter, time] : times)
    last_time_.insert_or_assign(meter, time);
  if (!added.empty()) {
    std::string names;
    for (const std::string& column : added) {
      if (!names.empty()) names += ' ';
      names += column;
    }
    LOG_INFO("csv %s: new columns %s: a new header row", path_.c_str(), names.c_str());
  }
  return WriteResult::written();
}

}  // namespace sink
