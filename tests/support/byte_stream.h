// What a client sends on one connection, as a Beast SyncReadStream: reading requests the way
// web::HttpServer does (http::read with its buffer and parser), without a socket. For the router's
// tests and the HTTP fuzzer.
#pragma once

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/system_error.hpp>
#include <cstddef>
#include <string_view>

namespace test {

// The bytes arrive at most `chunk` bytes a read, as TCP segments would; then the client closes.
class ByteStream {
 public:
  ByteStream(std::string_view bytes, std::size_t chunk) : left_(bytes), chunk_(chunk) {}

  template <typename Buffers>
  std::size_t read_some(const Buffers& buffers, boost::beast::error_code& error) {
    error = {};
    if (left_.empty()) {
      error = boost::asio::error::eof;
      return 0;
    }
    const std::size_t size = boost::asio::buffer_copy(
        buffers, boost::asio::buffer(left_.data(), std::min(chunk_, left_.size())));
    left_.remove_prefix(size);
    return size;
  }

  template <typename Buffers>
  std::size_t read_some(const Buffers& buffers) {
    boost::beast::error_code error;
    const std::size_t size = read_some(buffers, error);
    if (error) throw boost::system::system_error{error};
    return size;
  }

 private:
  std::string_view left_;
  std::size_t chunk_;
};

}  // namespace test
