// What a client sends on one connection, as a Beast SyncReadStream, and the requests read from it
// the way web::HttpServer reads them (http::read with its buffer and parser) and answered by
// web::Router, without a socket. For the router's tests and the HTTP fuzzer.
#pragma once

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <cstddef>
#include <string_view>
#include <variant>

#include "web/router.h"

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

// Reads the requests of one connection from `bytes`, `chunk` bytes a read, and gives each to
// `on_answer` with the read's error and the router's answer: on_answer(parser, error, answer)
// returns whether the connection stays open. Also ends when the client closes between requests.
template <typename OnAnswer>
void serve_connection(const web::Router& router, std::string_view bytes, std::size_t chunk,
                      std::chrono::steady_clock::time_point now, OnAnswer on_answer) {
  ByteStream stream{bytes, chunk};
  boost::beast::flat_buffer buffer{web::kHeaderLimit};
  for (;;) {
    web::RequestParser parser;
    web::set_server_limits(parser);
    boost::beast::error_code error;
    boost::beast::http::read(stream, buffer, parser, error);
    if (error == boost::beast::http::error::end_of_stream) return;
    const std::string_view unread{static_cast<const char*>(buffer.data().data()), buffer.size()};
    std::variant<web::HttpResponse, web::HistoryQuery> answer =
        router.answer(parser, unread, error, now);
    if (!on_answer(parser, error, answer)) return;
  }
}

}  // namespace test
