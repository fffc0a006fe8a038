// SharedLibrary (common/shared_library.h): a function bound from a library that is there and
// called; the one-line errors for a library that is not there and a function it lacks.
#include "common/shared_library.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

namespace {

using common::LibraryError;
using common::SharedLibrary;

// The message of the LibraryError `action` throws; empty (and a failure) when it throws none.
template <typename Action>
std::string error_of(Action action) {
  try {
    action();
  } catch (const LibraryError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no LibraryError";
  return {};
}

TEST(SharedLibrary, BindsAFunctionOfALibraryThatIsThere) {
  const SharedLibrary library{"libc.so.6", "libc6"};
  EXPECT_EQ(library.soname(), "libc.so.6");
  std::size_t (*length)(const char*) = nullptr;
  library.bind(length, "strlen");
  ASSERT_NE(length, nullptr);
  EXPECT_EQ(length("teleinfo"), 8u);
}

TEST(SharedLibrary, SaysWhichLibraryIsMissingAndWhatInstallsIt) {
  const std::string message = error_of([] {
    SharedLibrary{"libteleinfo-missing.so.7", "libteleinfo-missing7"};
  });
  EXPECT_EQ(message.find("cannot load libteleinfo-missing.so.7 ("), 0u) << message;
  EXPECT_NE(message.find("cannot open shared object file"), std::string::npos) << message;
  EXPECT_TRUE(message.ends_with("): is libteleinfo-missing7 installed?")) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(SharedLibrary, SaysWhichFunctionIsMissing) {
  const SharedLibrary library{"libc.so.6", "libc6"};
  int (*missing)() = nullptr;
  const std::string message = error_of([&] { library.bind(missing, "teleinfo_no_such_function"); });
  EXPECT_EQ(message.find("libc.so.6 has no teleinfo_no_such_function ("), 0u) << message;
  EXPECT_TRUE(message.ends_with("): libc6 too old?")) << message;
  EXPECT_EQ(missing, nullptr);
}

}  // namespace
