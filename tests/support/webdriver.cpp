#include "support/webdriver.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace test {
namespace {

constexpr const char* kChromedriver = "/usr/bin/chromedriver";
constexpr const char* kChromium = "/usr/bin/chromium";
// W3C WebDriver's key of an element reference in JSON.
constexpr const char* kElementKey = "element-6066-11e4-a52e-4f735466cecf";
constexpr std::chrono::seconds kStartFailsafe{30};

// JSON text of a string: quoted and escaped.
std::string json_string(std::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return {buffer.GetString(), buffer.GetSize()};
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// RFC 4648 base64, as WebDriver sends screenshots; characters outside the alphabet (line breaks,
// '=' padding) are skipped.
std::string base64_decode(std::string_view text) {
  std::array<int, 256> values{};
  values.fill(-1);
  const std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    values[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  }
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  unsigned bits = 0;  // the undecoded bits, in the low `count` bits
  int count = 0;
  for (const char c : text) {
    const int value = values[static_cast<unsigned char>(c)];
    if (value < 0) continue;
    bits = (bits << 6) | static_cast<unsigned>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      bytes.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return bytes;
}

}  // namespace

Browser::Browser(WindowSize window) {
  // Another program may take the free port first: then try another.
  bool listening = false;
  for (int attempt = 0; attempt < 5 && !listening; ++attempt) {
    port_ = free_loopback_port();
    listening = launch_driver();
  }
  if (!listening) throw std::runtime_error("chromedriver did not start:\n" + log());
  try {
    start_session(window);
  } catch (...) {
    stop_driver();
    throw;
  }
}

Browser::~Browser() {
  if (!session_.empty()) {
    // Chromium ends with its session; a failure here leaves it to the process group's kill.
    request("DELETE", "/session/" + session_, {}, std::chrono::seconds{20});
  }
  stop_driver();
}

bool Browser::launch_driver() {
  int output[2];
  if (::pipe2(output, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");

  std::string program = kChromedriver, port = "--port=" + std::to_string(port_);
  char* argv[] = {program.data(), port.data(), nullptr};
  // Our environment, but a home of its own: chromium writes there (crash reports, dconf).
  std::vector<std::string> variables;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    const std::string_view text{*variable};
    if (!text.starts_with("HOME=") && !text.starts_with("XDG_CONFIG_HOME=") &&
        !text.starts_with("XDG_CACHE_HOME=")) {
      variables.emplace_back(text);
    }
  }
  const std::string home = directory_.file("home");
  std::filesystem::create_directories(home);
  variables.push_back("HOME=" + home);
  variables.push_back("XDG_CONFIG_HOME=" + home + "/.config");
  variables.push_back("XDG_CACHE_HOME=" + home + "/.cache");
  std::vector<char*> envp;
  for (std::string& variable : variables)
    envp.push_back(variable.data());
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(output[0]);
    ::close(output[1]);
    throw std::runtime_error(std::string{"fork: "} + std::strerror(errno));
  }
  if (pid == 0) {
    // Only async-signal-safe calls here. chromedriver and the chromium it starts get a process
    // group of their own, so that one kill ends them all; chromedriver ends with the test.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int input = ::open("/dev/null", O_RDONLY);
    ::dup2(input, STDIN_FILENO);
    ::dup2(output[1], STDOUT_FILENO);
    ::dup2(output[1], STDERR_FILENO);
    ::close_range(STDERR_FILENO + 1, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(kChromedriver, argv, envp.data());
    ::_exit(127);
  }
  ::close(output[1]);
  pid_ = pid;
  std::size_t from = 0;
  {
    const std::lock_guard lock{mutex_};
    from = log_.size();
    output_ended_ = false;
  }
  reader_ = std::thread([this, fd = output[0]] {
    char buffer[4096];
    for (;;) {
      const ssize_t size = ::read(fd, buffer, sizeof buffer);
      if (size < 0 && errno == EINTR) continue;
      if (size <= 0) break;
      const std::lock_guard lock{mutex_};
      log_.append(buffer, static_cast<std::size_t>(size));
      changed_.notify_all();
    }
    ::close(fd);
    const std::lock_guard lock{mutex_};
    output_ended_ = true;
    changed_.notify_all();
  });

  // "ChromeDriver was started successfully on port 41234.": it listens.
  bool started = false;
  {
    std::unique_lock lock{mutex_};
    changed_.wait_for(lock, kStartFailsafe, [&] {
      started = log_.find("started successfully", from) != std::string::npos;
      return started || output_ended_;
    });
  }
  if (started) {
    const Reply status = request("GET", "/status", {}, std::chrono::seconds{10});
    rapidjson::Document document;
    document.Parse(status.body.c_str());
    started = status.status == 200 && !document.HasParseError() && document.IsObject() &&
              document.HasMember("value") && document["value"].IsObject() &&
              document["value"].HasMember("ready") && document["value"]["ready"].IsBool() &&
              document["value"]["ready"].GetBool();
  }
  if (!started) stop_driver();
  return started;
}

void Browser::stop_driver() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  // The output ends when chromedriver and every chromium process holding it ended.
  {
    std::unique_lock lock{mutex_};
    if (!changed_.wait_for(lock, std::chrono::seconds{10}, [this] { return output_ended_; })) {
      ::kill(-pid_, SIGKILL);
      changed_.wait_for(lock, std::chrono::seconds{10}, [this] { return output_ended_; });
    }
  }
  // Chromium's processes are in the group too and may outlive chromedriver's SIGTERM. Before
  // the reaping, while the group's id cannot belong to another group.
  ::kill(-pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  if (reader_.joinable()) reader_.join();
  pid_ = -1;
}

void Browser::start_session(WindowSize window) {
  std::string arguments;
  for (const std::string& argument :
       {std::string{"--headless=new"}, std::string{"--no-sandbox"}, std::string{"--disable-gpu"},
        std::string{"--disable-dev-shm-usage"}, std::string{"--disable-quic"},
        std::string{"--no-first-run"}, std::string{"--disable-background-networking"},
        std::string{"--disable-component-update"}, std::string{"--disable-sync"},
        "--user-data-dir=" + directory_.file("profile"),
        "--window-size=" + std::to_string(window.width) + "," + std::to_string(window.height)}) {
    arguments += (arguments.empty() ? "" : ",") + json_string(argument);
  }
  // A long script timeout: wait_until's scripts bound themselves.
  const std::string body =
      std::string{R"({"capabilities":{"alwaysMatch":{"browserName":"chrome",)"} +
      R"("timeouts":{"script":600000,"pageLoad":30000,"implicit":0},)" +
      R"("goog:chromeOptions":{"binary":)" + json_string(kChromium) + R"(,"args":[)" + arguments +
      "]}}}}";
  const Reply reply = request("POST", "/session", body);
  rapidjson::Document document;
  document.Parse(reply.body.c_str());
  if (reply.status != 200 || document.HasParseError() || !document.IsObject() ||
      !document.HasMember("value") || !document["value"].IsObject() ||
      !document["value"].HasMember("sessionId") || !document["value"]["sessionId"].IsString()) {
    throw std::runtime_error("chromedriver made no session (HTTP " + std::to_string(reply.status) +
                             "): " + reply.body);
  }
  session_ = document["value"]["sessionId"].GetString();
  set_window_size(window);
}

Browser::Reply Browser::request(const char* method, const std::string& path,
                                const std::string& body, std::chrono::milliseconds timeout) const {
  Reply reply;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
  const std::string url = "http://127.0.0.1:" + std::to_string(port_) + path;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  if (std::strcmp(method, "POST") == 0) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return reply;
}

std::string Browser::command(const char* method, const std::string& path, const std::string& body,
                             std::chrono::milliseconds timeout) {
  const Reply reply = request(method, "/session/" + session_ + path, body, timeout);
  if (reply.status == 0) {
    throw std::runtime_error(std::string{method} + " " + path + ": no answer from chromedriver");
  }
  rapidjson::Document document;
  document.Parse(reply.body.c_str());
  if (document.HasParseError() || !document.IsObject() || !document.HasMember("value")) {
    throw std::runtime_error(std::string{method} + " " + path + ": not WebDriver's JSON (HTTP " +
                             std::to_string(reply.status) + "): " + reply.body);
  }
  const rapidjson::Value& value = document["value"];
  // {"value":{"error":"no such element","message":"...","stacktrace":"..."}}
  if (reply.status != 200) {
    std::string error = "HTTP " + std::to_string(reply.status);
    if (value.IsObject() && value.HasMember("error") && value["error"].IsString()) {
      error = value["error"].GetString();
    }
    if (value.IsObject() && value.HasMember("message") && value["message"].IsString()) {
      error += std::string{": "} + value["message"].GetString();
    }
    throw std::runtime_error(std::string{method} + " " + path + ": " + error);
  }
  return to_json(value);
}

void Browser::navigate(const std::string& url) {
  command("POST", "/url", R"({"url":)" + json_string(url) + "}");
}

void Browser::set_window_size(WindowSize window) {
  const std::string width = std::to_string(window.width), height = std::to_string(window.height);
  command("POST", "/window/rect", R"({"width":)" + width + R"(,"height":)" + height + "}");
  if (window.mobile) {
    devtools("Emulation.setDeviceMetricsOverride", R"({"width":)" + width + R"(,"height":)" +
                                                       height +
                                                       R"(,"deviceScaleFactor":1,"mobile":true})");
  } else {
    devtools("Emulation.clearDeviceMetricsOverride");
  }
}

std::string Browser::devtools(std::string_view method, std::string_view parameters) {
  // chromedriver's own endpoint for DevTools commands.
  return command(
      "POST", "/goog/cdp/execute",
      R"({"cmd":)" + json_string(method) + R"(,"params":)" + std::string{parameters} + "}");
}

std::string Browser::execute(std::string_view script) {
  return command("POST", "/execute/sync", R"({"script":)" + json_string(script) + R"(,"args":[]})");
}

bool Browser::wait_until(std::string_view condition, std::chrono::milliseconds timeout) {
  // The browser polls the condition and answers once: the last argument of an asynchronous
  // script is the function that ends it.
  const std::string script =
      "const done = arguments[arguments.length - 1];\n"
      "const deadline = Date.now() + " +
      std::to_string(timeout.count()) +
      ";\n"
      "const condition = function () {\n" +
      std::string{condition} +
      "\n};\n"
      "const check = () => {\n"
      "  let ok = false;\n"
      "  try { ok = condition() === true; } catch (error) { ok = false; }\n"
      "  if (ok || Date.now() >= deadline) done(ok); else setTimeout(check, 50);\n"
      "};\n"
      "check();\n";
  const std::string result =
      command("POST", "/execute/async", R"({"script":)" + json_string(script) + R"(,"args":[]})",
              timeout + std::chrono::seconds{30});
  return result == "true";
}

std::string Browser::text(std::string_view selector) {
  const std::string found = command(
      "POST", "/element", R"({"using":"css selector","value":)" + json_string(selector) + "}");
  rapidjson::Document element;
  element.Parse(found.c_str());
  if (element.HasParseError() || !element.IsObject() || !element.HasMember(kElementKey) ||
      !element[kElementKey].IsString()) {
    throw std::runtime_error("no element reference for " + std::string{selector} + ": " + found);
  }
  const std::string text =
      command("GET", std::string{"/element/"} + element[kElementKey].GetString() + "/text");
  rapidjson::Document value;
  value.Parse(text.c_str());
  if (value.HasParseError() || !value.IsString()) {
    throw std::runtime_error("no text for " + std::string{selector} + ": " + text);
  }
  return {value.GetString(), value.GetStringLength()};
}

void Browser::screenshot(const std::string& path) {
  const std::string encoded = command("GET", "/screenshot");  // a JSON string of base64
  rapidjson::Document value;
  value.Parse(encoded.c_str());
  if (value.HasParseError() || !value.IsString()) {
    throw std::runtime_error("the screenshot is not a string");
  }
  const std::string png = base64_decode({value.GetString(), value.GetStringLength()});
  std::ofstream file{path, std::ios::binary | std::ios::trunc};
  file.write(png.data(), static_cast<std::streamsize>(png.size()));
  if (!file.flush()) throw std::runtime_error("cannot write " + path);
}

std::string Browser::log() const {
  const std::lock_guard lock{mutex_};
  return log_;
}

}  // namespace test
