// The writer's HTTP requests, seen by a recording HTTP server (support/http_recorder.h; no
// InfluxDB 2 is packaged in Debian): the v2 write API's target, token and body, the v1 API's
// basic auth and retention policy, gzip, a kept-alive connection, and every answer the server
// may give, scripted: 401, 400, 413, 404, 429, 500, and no server at all.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "influx/influx_options.h"
#include "influx/influx_writer.h"
#include "influx/line_protocol.h"
#include "support/captures.h"
#include "support/http_recorder.h"
#include "tic/frame.h"

namespace {

using sink::WriteResult;
using namespace std::chrono_literals;

constexpr std::string_view kStandard = "hallard_tinfo_replay_stand_base_long.txt";
constexpr std::string_view kToken = "tok-7fQx9-secret";

std::vector<tic::Frame> standard_frames(std::size_t count) {
  std::vector<tic::Frame> frames = test::decode(test::read_capture(kStandard)).frames;
  EXPECT_GE(frames.size(), count);
  frames.resize(count);
  return frames;
}

std::string lines_of(std::span<const tic::Frame> frames, std::string_view measurement) {
  std::string lines;
  influx::append_points(frames, measurement, lines);
  return lines;
}

std::string gunzip(const std::string& compressed) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);  // gzip header and trailer required
  std::string out(compressed.size() * 20 + 1024, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

class InfluxV2Test : public ::testing::Test {
 protected:
  InfluxV2Test() {
    settings_.url = recorder_.url();
    settings_.org = "home";
    settings_.bucket = "tic";
    settings_.token = kToken;
  }

  // The only request recorded.
  test::HttpRequest only_request() {
    EXPECT_TRUE(recorder_.wait_for_requests(1, 5s));
    const std::vector<test::HttpRequest> requests = recorder_.requests();
    EXPECT_EQ(requests.size(), 1u);
    return requests.empty() ? test::HttpRequest{} : requests.front();
  }

  WriteResult answered(int status, std::string body) {
    recorder_.respond(status, std::move(body));
    influx::InfluxWriter writer{settings_};
    return writer.write(standard_frames(2));
  }

  test::HttpRecorder recorder_;
  influx::InfluxSettings settings_;
};

TEST_F(InfluxV2Test, TargetTokenContentTypeAndBody) {
  const std::vector<tic::Frame> frames = standard_frames(3);
  influx::InfluxWriter writer{settings_};
  const WriteResult result = writer.write(frames);
  ASSERT_EQ(result.status, WriteResult::Status::Written) << result.error;
  EXPECT_EQ(writer.endpoint(), recorder_.url() + "/api/v2/write");

  const test::HttpRequest request = only_request();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/api/v2/write?org=home&bucket=tic&precision=ms");
  EXPECT_EQ(request.header("Authorization"), "Token " + std::string{kToken});
  EXPECT_EQ(request.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(request.header("Content-Encoding"), std::nullopt);
  EXPECT_EQ(request.header("Expect"), std::nullopt);
  EXPECT_EQ(request.body, lines_of(frames, "teleinfo"));
  EXPECT_TRUE(request.body.starts_with("teleinfo,meter=061961361253 ADSC=\"061961361253\","));
  EXPECT_EQ(std::count(request.body.begin(), request.body.end(), '\n'), 3);
}

TEST_F(InfluxV2Test, OddOrgAndBucketNamesAreUrlEncoded) {
  settings_.org = "my org&co";
  settings_.bucket = "tic/ré=1";
  influx::InfluxWriter writer{settings_};
  ASSERT_EQ(writer.write(standard_frames(1)).status, WriteResult::Status::Written);
  EXPECT_EQ(only_request().target,
            "/api/v2/write?org=my%20org%26co&bucket=tic%2Fr%C3%A9%3D1&precision=ms");
}

TEST_F(InfluxV2Test, OneConnectionKeptAlive) {
  const std::vector<tic::Frame> frames = standard_frames(6);
  influx::InfluxWriter writer{settings_};
  for (std::size_t i = 0; i < 3; ++i)
    ASSERT_EQ(writer.write(std::span{frames}.subspan(i * 2, 2)).status,
              WriteResult::Status::Written);
  ASSERT_TRUE(recorder_.wait_for_requests(3, 5s));
  const std::vector<test::HttpRequest> requests = recorder_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(recorder_.connections(), 1u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(requests[i].connection, 1u);
    EXPECT_EQ(requests[i].body, lines_of(std::span{frames}.subspan(i * 2, 2), "teleinfo"));
  }
  EXPECT_EQ(writer.counters().requests, 3u);
  EXPECT_EQ(writer.counters().frames_written, 6u);
}

TEST_F(InfluxV2Test, Gzip) {
  settings_.gzip = true;
  const std::vector<tic::Frame> frames = standard_frames(20);
  influx::InfluxWriter writer{settings_};
  ASSERT_EQ(writer.write(frames).status, WriteResult::Status::Written);
  const test::HttpRequest request = only_request();
  EXPECT_EQ(request.header("Content-Encoding"), "gzip");
  const std::string lines = lines_of(frames, "teleinfo");
  EXPECT_LT(request.body.size(), lines.size() / 4);
  EXPECT_EQ(gunzip(request.body), lines);
}

TEST_F(InfluxV2Test, UnauthorizedIsUnavailableAndSaysSoWithoutTheToken) {
  const WriteResult result =
      answered(401, R"({"code":"unauthorized","message":"unauthorized access"})");
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, "influx " + recorder_.url() +
                              "/api/v2/write: HTTP 401 Unauthorized: unauthorized access");
  EXPECT_EQ(result.error.find(kToken), std::string::npos);
}

TEST_F(InfluxV2Test, TokenEchoedByTheServerIsMasked) {
  const WriteResult result = answered(
      403, R"({"code":"forbidden","message":"token tok-7fQx9-secret may not write to tic"})");
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, "influx " + recorder_.url() +
                              "/api/v2/write: HTTP 403 Forbidden: token *** may not write to tic");
}

TEST_F(InfluxV2Test, BadRequestIsRefusedWithTheServersMessage) {
  const WriteResult result = answered(
      400,
      R"({"code":"invalid","message":"partial write error (1 written): field type conflict\n"})");
  EXPECT_EQ(result.status, WriteResult::Status::Refused);
  EXPECT_EQ(result.error, "influx " + recorder_.url() +
                              "/api/v2/write: HTTP 400: partial write error (1 written): field "
                              "type conflict");
}

TEST_F(InfluxV2Test, TooLargeAndUnprocessableAreRefused) {
  WriteResult result = answered(413, R"({"code":"request too large","message":"too big"})");
  EXPECT_EQ(result.status, WriteResult::Status::Refused);
  EXPECT_EQ(result.error, "influx " + recorder_.url() + "/api/v2/write: HTTP 413: too big");
  result = answered(422, R"({"code":"unprocessable entity","message":"points beyond retention"})");
  EXPECT_EQ(result.status, WriteResult::Status::Refused);
  EXPECT_EQ(result.error,
            "influx " + recorder_.url() + "/api/v2/write: HTTP 422: points beyond retention");
}

TEST_F(InfluxV2Test, ServerTroubleIsUnavailable) {
  WriteResult result = answered(500, R"({"code":"internal error","message":"engine: disk full"})");
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error,
            "influx " + recorder_.url() + "/api/v2/write: HTTP 500: engine: disk full");
  result = answered(429, "");
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, "influx " + recorder_.url() + "/api/v2/write: HTTP 429");
  result = answered(404, R"({"code":"not found","message":"bucket \"tic\" not found"})");
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, "influx " + recorder_.url() +
                              "/api/v2/write: HTTP 404 Not Found: bucket \"tic\" not found");
  result = answered(503, "<html>\n<body>maintenance</body>\n</html>\n");
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, "influx " + recorder_.url() +
                              "/api/v2/write: HTTP 503: <html> <body>maintenance</body> </html>");
}

TEST_F(InfluxV2Test, NoServerIsUnavailable) {
  std::string url;
  {
    test::HttpRecorder gone;
    url = gone.url();
  }
  settings_.url = url;
  influx::InfluxWriter writer{settings_};
  const WriteResult result = writer.write(standard_frames(1));
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_TRUE(result.error.starts_with("influx " + url + "/api/v2/write: ")) << result.error;
  EXPECT_NE(result.error.find("onnect"), std::string::npos) << result.error;
}

TEST_F(InfluxV2Test, Version1BasicAuthRetentionPolicyAndMaskedPassword) {
  settings_.org = settings_.bucket = settings_.token = "";
  settings_.database = "energy";
  settings_.retention_policy = "one year";
  settings_.user = "writer";
  settings_.password = "pw-Zr8!";
  settings_.measurement = "linky";
  const std::vector<tic::Frame> frames = standard_frames(2);
  influx::InfluxWriter writer{settings_};
  ASSERT_EQ(writer.write(frames).status, WriteResult::Status::Written);
  const test::HttpRequest request = only_request();
  EXPECT_EQ(request.target, "/write?db=energy&precision=ms&rp=one%20year");
  // base64("writer:pw-Zr8!")
  EXPECT_EQ(request.header("Authorization"), "Basic d3JpdGVyOnB3LVpyOCE=");
  EXPECT_EQ(request.body, lines_of(frames, "linky"));

  recorder_.respond(401, R"({"error":"authorization failed for writer:pw-Zr8!"})");
  const WriteResult result = writer.write(frames);
  EXPECT_EQ(result.status, WriteResult::Status::Unavailable);
  EXPECT_EQ(result.error, "influx " + recorder_.url() +
                              "/write: HTTP 401 Unauthorized: authorization failed for writer:***");
}

TEST(UrlEncode, KeepsUnreservedCharactersOnly) {
  EXPECT_EQ(influx::url_encode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(influx::url_encode("a b&c=d/e?f#g+h%"), "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25");
  EXPECT_EQ(influx::url_encode("é"), "%C3%A9");
}

}  // namespace
