// The MySQL/MariaDB writer (DESIGN.md, "Archiving"): frames into the table `frame` (schema.h), one
// row per frame, columns added as labels appear, the view `teleinfoframes` kept in step.
//
// Each write() is one transaction of multi-row prepared INSERTs; a frame stored before is left as
// it is, so a batch written twice is stored once. The connection is made on the first write and
// again after it is lost; nothing is done in the constructor.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "sink/writer.h"
#include "sql/mysql_settings.h"
#include "tic/frame.h"

namespace sql {

class MysqlWriter : public sink::Writer {
 public:
  struct Counters {
    std::uint64_t frames_written = 0;  // frames of the batches write() said Written
    std::uint64_t rows_inserted = 0;   // new rows: a frame stored before adds none
    std::uint64_t columns_added = 0;   // by this writer (not those another archiver added first)
    std::uint64_t labels_skipped = 0;  // fields not stored: their label cannot be a column name
    std::uint64_t connections = 0;     // connections made
  };

  explicit MysqlWriter(MysqlSettings settings);
  ~MysqlWriter() override;
  MysqlWriter(const MysqlWriter&) = delete;
  MysqlWriter& operator=(const MysqlWriter&) = delete;

  std::string_view name() const override { return "mysql"; }
  // Written; Unavailable when the server cannot be reached or is not able to take the batch now
  // (lost connection, access denied, lock timeout, deadlock, shutting down, disk full...), after
  // which the connection is closed and the next write makes a new one; Refused when the server
  // rejects a value of the batch. The error is one line: "mysql HOST:PORT/DB: what the server
  // said", never the password.
  sink::WriteResult write(std::span<const tic::Frame> frames) override;
  void close() override;

  bool connected() const;
  const Counters& counters() const;

 private:
  class Connection;
  std::unique_ptr<Connection> connection_;
};

}  // namespace sql
