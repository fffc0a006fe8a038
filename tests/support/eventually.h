// Waiting for an event a test cannot be told of directly (rows in a table, a counter on a web
// page): the condition is checked again every few milliseconds until it holds or the failsafe
// passes. What it waits for is the event, not an amount of time.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace test {

inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::seconds failsafe = std::chrono::seconds{20}) {
  const auto deadline = std::chrono::steady_clock::now() + failsafe;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return true;
}

}  // namespace test
