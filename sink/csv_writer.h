// --csv-file PATH: archived frames as CSV (RFC 4180: ',' between fields, "\n" after each line, a
// field in double quotes when it holds ',', '"', CR or LF, its quotes doubled).
//
//   meter,TIME,ADSC,VTIC,DATE,...,SMAXSN,SMAXSN_DATE,...,NJOURF+1,PJOURF+1
//   064468368739,2023-03-01T08:18:35.000Z,064468368739,02,2023-03-01T08:18:34Z,...,1024,...
//
// `meter` is the frame's address, `TIME` when it was received (UTC, milliseconds), then a column
// per label, named as the label: the decoded value (a number's digits, text trimmed, identifiers
// and registers as sent). A horodated label with no data (DATE) has its horodate in UTC as its
// value; one with data (SMAXSN) has two columns, SMAXSN and SMAXSN_DATE. An empty field: the
// frame lacked that label.
//
// The columns are those of the first frame written. A frame with a label the header lacks gets a
// new header row before it, with every column so far plus the new ones at the end: the file reads
// line by line, the last header row before a line naming its columns. An existing file is
// continued with the columns of its last header row (a line starting "meter,TIME"), and the
// times of the lines at its end; a file that is new or empty (after a reopen, or emptied by
// logrotate's copytruncate) starts with a header row of its first frame's columns.
//
// A frame whose (meter, TIME) is not after the last line written for that meter is skipped: a
// spool replays frames after a restart, MQTT redelivers them. Each write() appends its lines with
// one write(2), so they are on disk (in the page cache) when it returns; if that fails the file is
// cut back to its size before, so a batch is in the file whole or not at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sink/writer.h"
#include "tic/frame.h"

namespace sink {

class CsvWriter final : public Writer {
 public:
  // Opens nothing yet: the file is opened (created 0640) by the first write().
  explicit CsvWriter(std::filesystem::path path);
  ~CsvWriter() override;
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  std::string_view name() const override { return "csv"; }
  // Unavailable, with a one-line reason naming the path, when the file cannot be opened or
  // written (disk full).
  WriteResult write(std::span<const tic::Frame> frames) override;
  // logrotate moved the file: the next write() opens the path again (a new file gets a header).
  void reopen() override;
  void close() override;

  const std::filesystem::path& path() const { return path_; }
  // The columns after meter and TIME, as in the current header row.
  const std::vector<std::string>& columns() const { return columns_; }
  // Frames skipped because their meter had a line as late or later.
  std::uint64_t duplicates() const { return duplicates_; }

 private:
  bool open(std::string& error);
  void read_existing(std::uint64_t size);
  void add_column(std::string column);
  void append_header(std::string& out) const;

  std::filesystem::path path_;
  int fd_ = -1;
  bool file_has_header_ = false;
  std::vector<std::string> columns_;
  std::unordered_map<std::string, std::size_t> column_index_;
  std::map<std::string, tic::Time, std::less<>> last_time_;  // per meter, of the last line
  std::uint64_t duplicates_ = 0;
};

}  // namespace sink
