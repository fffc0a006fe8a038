// A browser for tests: Debian's chromedriver (/usr/bin/chromedriver) on a free loopback port,
// driving Debian's headless chromium (/usr/bin/chromium) with a fresh profile, through a small
// W3C WebDriver client over libcurl.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "support/broker.h"

namespace test {

// A viewport in CSS pixels. A mobile one is emulated (chromium's windows are 500 pixels wide at
// least): the page's viewport meta applies, as on a phone.
struct WindowSize {
  int width = 0;
  int height = 0;
  bool mobile = false;
};
inline constexpr WindowSize kPhoneWindow{412, 915, true};
inline constexpr WindowSize kDesktopWindow{1280, 900, false};

// Starts chromedriver and opens a session (chromium starts) at construction; throws
// std::runtime_error when either fails. Every call throws std::runtime_error with WebDriver's
// error and message when the browser refuses it. The session is deleted (chromium ends) and
// chromedriver killed at destruction; chromedriver is also killed when the thread that started it
// ends (the test's, normally), even if the test is killed.
class Browser {
 public:
  explicit Browser(WindowSize window = kPhoneWindow);
  ~Browser();
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  // Loads `url` and returns when its load event fired.
  void navigate(const std::string& url);
  void set_window_size(WindowSize window);

  // Runs `script`, the body of a function ("return document.title;"), in the page: what it
  // returns as JSON text ("\"teleinfo\"", "12", "null", "{...}").
  std::string execute(std::string_view script);
  // Runs `condition`, a function body returning a boolean, in the page again and again (every
  // 50 ms, in the browser) until it returns true: true then, false when `timeout` passed first.
  // A condition that throws counts as false (the element it reads may not be there yet).
  bool wait_until(std::string_view condition,
                  std::chrono::milliseconds timeout = std::chrono::seconds{20});

  // A Chrome DevTools Protocol command ("Emulation.setEmulatedMedia") with its parameters as a
  // JSON object: the result as JSON text.
  std::string devtools(std::string_view method, std::string_view parameters = "{}");

  // The rendered text of the first element matching the CSS `selector` (what a user sees: hidden
  // elements have none). Throws when no element matches.
  std::string text(std::string_view selector);

  // Saves a PNG of the page's viewport at `path`.
  void screenshot(const std::string& path);

  // What chromedriver wrote on its standard output and error.
  std::string log() const;

 private:
  struct Reply {
    long status = 0;  // 0: no answer
    std::string body;
  };
  bool launch_driver();  // false when chromedriver ended before it listened
  void stop_driver();
  void start_session(WindowSize window);
  // An HTTP request to chromedriver; `body` is JSON (empty for GET and DELETE).
  Reply request(const char* method, const std::string& path, const std::string& body = {},
                std::chrono::milliseconds timeout = std::chrono::seconds{60}) const;
  // A command of the session: its reply's "value" as JSON text; throws on a WebDriver error.
  std::string command(const char* method, const std::string& path, const std::string& body = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds{60});

  TemporaryDirectory directory_{"teleinfo-chromium"};  // chromium's profile and home
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::string session_;
  std::thread reader_;  // copies chromedriver's output into log_
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::string log_;
  bool output_ended_ = true;
};

}  // namespace test
