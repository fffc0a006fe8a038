// The web server's answers without a socket: requests read as HttpServer reads them, however
// their bytes arrive, answered by web::Router. What the HTTP fuzzer found is pinned here.
#include "web/router.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "support/byte_stream.h"
#include "web/live_state.h"

namespace {

namespace http = boost::beast::http;

const std::chrono::steady_clock::time_point kNow{std::chrono::hours{1000}};

// The responses to what a client sent on one connection, `chunk` bytes a read.
std::vector<web::HttpResponse> exchange(const web::Router& router, std::string_view bytes,
                                        std::size_t chunk) {
  std::vector<web::HttpResponse> responses;
  test::serve_connection(router, bytes, chunk, kNow,
                         [&](const web::RequestParser&, const boost::beast::error_code&,
                             std::variant<web::HttpResponse, web::HistoryQuery>& answer) {
                           EXPECT_TRUE(std::holds_alternative<web::HttpResponse>(answer));
                           if (!std::holds_alternative<web::HttpResponse>(answer)) return false;
                           responses.push_back(std::move(std::get<web::HttpResponse>(answer)));
                           return responses.back().keep_alive();
                         });
  return responses;
}

std::string header(const web::HttpResponse& response, std::string_view name) {
  const auto value = response[{name.data(), name.size()}];
  return {value.data(), value.size()};
}

class Router : public testing::Test {
 protected:
  Router() { live_.add_meter("sim:standard"); }

  web::LiveState live_{500};
  web::Router router_{live_, {.version = "test", .mqtt = {}, .archive = nullptr, .mysql = {}}};
};

// A short request line with 9 KB of cookies is refused for its headers (431), a 9 KB URI for
// itself (414), whether the head comes in one read, in TCP segments, or a few bytes at a time.
// (Beast parses the line early only when it comes whole in the first read: the server once told
// a request in segments that its one-character URI was too long.)
TEST_F(Router, HeadTooLargeRefusedForWhatIsTooLongHoweverItArrives) {
  const std::string cookies =
      "GET / HTTP/1.1\r\nHost: pi:8080\r\nCookie: " + std::string(9000, 'c') + "\r\n\r\n";
  const std::string uri = "GET /api/meters/" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n";
  for (const std::size_t chunk : {std::size_t{65536}, std::size_t{1460}, std::size_t{7}}) {
    const std::vector<web::HttpResponse> headers = exchange(router_, cookies, chunk);
    ASSERT_EQ(headers.size(), 1u) << chunk;
    EXPECT_EQ(headers[0].result_int(), 431u) << chunk;
    EXPECT_EQ(headers[0].body(), R"({"error":"request headers too large"})") << chunk;
    EXPECT_FALSE(headers[0].keep_alive()) << chunk;

    const std::vector<web::HttpResponse> line = exchange(router_, uri, chunk);
    ASSERT_EQ(line.size(), 1u) << chunk;
    EXPECT_EQ(line[0].result_int(), 414u) << chunk;
    EXPECT_EQ(line[0].body(), R"({"error":"URI too long"})") << chunk;
  }
}

// What a request names comes back in error messages; JSON is UTF-8 whatever the request's bytes.
TEST_F(Router, AnswersAreUtf8WhateverTheRequestSends) {
  const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD
  const std::vector<web::HttpResponse> responses =
      exchange(router_,
               "GET /api/meters/%FF%C3 HTTP/1.1\r\n\r\n"
               "GET /api/meters/caf%C3%A9 HTTP/1.1\r\n\r\n"
               "GET /api/history?meter=1&label=PAPP&d%E9but=1 HTTP/1.1\r\n\r\n"
               "GET /api/history?meter=%ED%A0%80&label=PAPP HTTP/1.1\r\nConnection: close\r\n\r\n",
               65536);
  ASSERT_EQ(responses.size(), 4u);
  EXPECT_EQ(responses[0].result_int(), 404u);
  EXPECT_EQ(responses[0].body(), R"({"error":"no meter )" + replacement + replacement + R"("})");
  EXPECT_EQ(responses[1].body(), "{\"error\":\"no meter caf\xC3\xA9\"}");
  EXPECT_EQ(responses[2].result_int(), 400u);
  EXPECT_EQ(responses[2].body(), R"({"error":"unknown parameter d)" + replacement + R"(but"})");
  // A UTF-16 surrogate (ED A0 80) is no UTF-8: three bytes, three replacements.
  EXPECT_EQ(responses[3].body(),
            R"({"error":"no meter )" + replacement + replacement + replacement + R"("})");
}

// The headers every answer carries, HEAD's length without the body, 405's Allow, the page's
// Content-Security-Policy.
TEST_F(Router, ResponsesCarryTheServersHeaders) {
  const std::vector<web::HttpResponse> responses = exchange(router_,
                                                            "GET /api/meters HTTP/1.1\r\n\r\n"
                                                            "HEAD /api/meters HTTP/1.1\r\n\r\n"
                                                            "HEAD / HTTP/1.1\r\n\r\n"
                                                            "DELETE /metrics HTTP/1.1\r\n\r\n",
                                                            65536);
  ASSERT_EQ(responses.size(), 4u);
  const web::HttpResponse& get = responses[0];
  EXPECT_EQ(get.result_int(), 200u);
  EXPECT_EQ(header(get, "Content-Type"), "application/json");
  EXPECT_EQ(header(get, "Cache-Control"), "no-store");
  EXPECT_EQ(header(get, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(get, "Content-Length"), std::to_string(get.body().size()));
  EXPECT_TRUE(get.keep_alive());

  const web::HttpResponse& head = responses[1];
  EXPECT_EQ(head.result_int(), 200u);
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(header(head, "Content-Length"), std::to_string(get.body().size()));
  EXPECT_EQ(header(head, "Content-Security-Policy"), "");

  const web::HttpResponse& page = responses[2];
  EXPECT_EQ(header(page, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(header(page, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);

  const web::HttpResponse& refused = responses[3];
  EXPECT_EQ(refused.result_int(), 405u);
  EXPECT_EQ(header(refused, "Allow"), "GET, HEAD");
  EXPECT_EQ(refused.body(), R"({"error":"only GET and HEAD"})");
}

}  // namespace
