#include "influx/influx_writer.h"

#include <curl/curl.h>
#include <rapidjson/document.h>
#include <zlib.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "influx/libcurl.h"
#include "influx/line_protocol.h"

namespace influx {
namespace {

constexpr std::size_t kMaxResponseBytes = 64 * 1024;  // more is not read: errors are short
constexpr std::size_t kMaxMessageBytes = 400;

std::size_t collect_response(char* data, std::size_t size, std::size_t count, void* user) {
  auto& response = *static_cast<std::string*>(user);
  const std::size_t bytes = size * count;
  response.append(
      data, std::min(bytes, kMaxResponseBytes - std::min(kMaxResponseBytes, response.size())));
  return bytes;
}

// `text` on one line (control characters as spaces, spaces squeezed, trimmed). A long text
// keeps its start and its end, where InfluxDB says why ("unable to parse '<the line>': <why>").
std::string one_line(std::string_view text) {
  std::string line;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ' ') {
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else {
      line += c;
    }
  }
  while (!line.empty() && line.back() == ' ')
    line.pop_back();
  if (line.size() > kMaxMessageBytes) {
    constexpr std::size_t kHead = kMaxMessageBytes / 3;
    line.replace(kHead, line.size() - kMaxMessageBytes, " ... ");
  }
  return line;
}

// What the server said: "error" (1.x: {"error":"..."}) or "message" (2.x: {"code":"...",
// "message":"..."}) of a JSON body, else the body itself.
std::string server_message(const std::string& body) {
  rapidjson::Document document;
  document.Parse(body.c_str(), body.size());
  if (!document.HasParseError() && document.IsObject()) {
    for (const char* key : {"error", "message"}) {
      const auto member = document.FindMember(key);
      if (member != document.MemberEnd() && member->value.IsString())
        return one_line({member->value.GetString(), member->value.GetStringLength()});
    }
  }
  return one_line(body);
}

void mask(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (std::size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
}

std::string_view reason(long status) {
  switch (status) {
    case 401:
      return " Unauthorized";
    case 403:
      return " Forbidden";
    case 404:
      return " Not Found";
    default:
      return "";
  }
}

// gzip (a deflate stream with the gzip header and trailer) of `input` into `output`.
bool gzip(std::string_view input, std::string& output) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return false;
  output.resize(deflateBound(&stream, static_cast<uLong>(input.size())));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(output.data());
  stream.avail_out = static_cast<uInt>(output.size());
  const int result = deflate(&stream, Z_FINISH);
  output.resize(stream.total_out);
  deflateEnd(&stream);
  return result == Z_STREAM_END;
}

}  // namespace

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    }
  }
  return out;
}

// One libcurl easy handle, set up once: libcurl keeps its connection open between requests.
class InfluxWriter::Connection {
 public:
  explicit Connection(const InfluxSettings& settings, const std::string& target) {
    curl_ = api_.curl_easy_init();
    if (curl_ == nullptr) throw std::runtime_error("influx: curl_easy_init failed");
    headers_ = api_.curl_slist_append(headers_, "Content-Type: text/plain; charset=utf-8");
    headers_ = api_.curl_slist_append(headers_, "Expect:");  // no 100-continue round trip
    if (settings.gzip) headers_ = api_.curl_slist_append(headers_, "Content-Encoding: gzip");
    if (settings.v2()) {
      const std::string authorization = "Authorization: Token " + settings.token;
      headers_ = api_.curl_slist_append(headers_, authorization.c_str());
    }
    api_.curl_easy_setopt(curl_, CURLOPT_URL, target.c_str());
    api_.curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
    api_.curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    api_.curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    api_.curl_easy_setopt(curl_, CURLOPT_USERAGENT, "teleinfo");
    api_.curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    api_.curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
    api_.curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS,
                          static_cast<long>(settings.connect_timeout.count()));
    api_.curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(settings.timeout.count()));
    api_.curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_);
    api_.curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, collect_response);
    api_.curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response_);
    if (!settings.v2() && !settings.user.empty()) {
      api_.curl_easy_setopt(curl_, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      api_.curl_easy_setopt(curl_, CURLOPT_USERNAME, settings.user.c_str());
      api_.curl_easy_setopt(curl_, CURLOPT_PASSWORD, settings.password.c_str());
    }
    if (!settings.ca_file.empty())
      api_.curl_easy_setopt(curl_, CURLOPT_CAINFO, settings.ca_file.c_str());
    if (settings.insecure) {
      api_.curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 0L);
      api_.curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  }
  ~Connection() {
    api_.curl_easy_cleanup(curl_);
    api_.curl_slist_free_all(headers_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  struct Answer {
    CURLcode code = CURLE_OK;
    long status = 0;
    std::string_view error;  // libcurl's, when code is not CURLE_OK
    const std::string* body = nullptr;
  };

  Answer post(std::string_view body) {
    response_.clear();
    error_[0] = '\0';
    api_.curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    api_.curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    Answer answer;
    answer.code = api_.curl_easy_perform(curl_);
    answer.body = &response_;
    if (answer.code != CURLE_OK) {
      answer.error =
          error_[0] != '\0' ? std::string_view{error_} : api_.curl_easy_strerror(answer.code);
      return answer;
    }
    api_.curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &answer.status);
    return answer;
  }

 private:
  const Libcurl& api_ = libcurl();
  CURL* curl_ = nullptr;
  curl_slist* headers_ = nullptr;
  std::string response_;
  char error_[CURL_ERROR_SIZE];
};

InfluxWriter::InfluxWriter(InfluxSettings settings) : settings_(std::move(settings)) {
  libcurl();  // loaded now, at start-up: a missing library is said at once
  if (settings_.v2()) {
    endpoint_ = settings_.url + "/api/v2/write";
    target_ = endpoint_ + "?org=" + url_encode(settings_.org) +
              "&bucket=" + url_encode(settings_.bucket) + "&precision=ms";
  } else {
    endpoint_ = settings_.url + "/write";
    target_ = endpoint_ + "?db=" + url_encode(settings_.database) + "&precision=ms";
    if (!settings_.retention_policy.empty())
      target_ += "&rp=" + url_encode(settings_.retention_policy);
  }
}

InfluxWriter::~InfluxWriter() = default;

void InfluxWriter::close() {
  connection_.reset();
}

sink::WriteResult InfluxWriter::write(std::span<const tic::Frame> frames) {
  body_.clear();
  append_points(frames, settings_.measurement, body_);
  if (body_.empty()) {
    counters_.frames_written += frames.size();
    return sink::WriteResult::written();
  }
  std::string_view payload = body_;
  if (settings_.gzip) {
    if (!gzip(body_, compressed_))
      return sink::WriteResult::unavailable("influx " + endpoint_ + ": gzip failed");
    payload = compressed_;
  }
  if (!connection_) connection_ = std::make_unique<Connection>(settings_, target_);
  const Connection::Answer answer = connection_->post(payload);
  ++counters_.requests;
  counters_.body_bytes += body_.size();

  const auto failure = [&](std::string what) {
    std::string message = "influx " + endpoint_ + ": " + std::move(what);
    mask(message, settings_.password);
    mask(message, settings_.token);
    return message;
  };
  if (answer.code != CURLE_OK)
    return sink::WriteResult::unavailable(failure(one_line(answer.error)));
  const long status = answer.status;
  if (status >= 200 && status < 300) {
    counters_.frames_written += frames.size();
    return sink::WriteResult::written();
  }
  std::string what = "HTTP " + std::to_string(status) + std::string{reason(status)};
  if (const std::string message = server_message(*answer.body); !message.empty())
    what += ": " + message;
  if (status == 400 || status == 413 || status == 422)
    return sink::WriteResult::refused(failure(std::move(what)));
  return sink::WriteResult::unavailable(failure(std::move(what)));
}

}  // namespace influx
