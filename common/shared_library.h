// A shared library opened with dlopen() when a feature first needs it, rather than by the dynamic
// loader when the program starts. libmariadb and libcurl come this way (sql/libmariadb.h,
// influx/libcurl.h): linked, they and the libraries they bring (GnuTLS, Kerberos, LDAP, SSH...)
// were mapped and relocated in every bridge, 4.3 MB of its 12 MB resident, archiving or not
// (bench/README.md, "The bridge's memory").
#pragma once

#include <cstring>
#include <stdexcept>
#include <string>

namespace common {

// A library that cannot be opened, or lacks a function: the message names both and the Debian
// package that holds the library.
class LibraryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The library stays loaded until the process ends: it is never closed.
class SharedLibrary {
 public:
  // Opens `soname` ("libcurl.so.4"), binding every symbol now (RTLD_NOW) and keeping them out of
  // the global namespace (RTLD_LOCAL). `package` is what installs it ("libcurl4"), for the error.
  // Throws LibraryError.
  SharedLibrary(std::string soname, std::string package);

  // Sets `function` to the library's function `name`. Throws LibraryError when it has none.
  template <typename Function>
  void bind(Function*& function, const char* name) const {
    static_assert(sizeof function == sizeof(void*));
    void* const address = symbol(name);
    std::memcpy(&function, &address, sizeof function);  // POSIX: dlsym's pointer is callable
  }

  const std::string& soname() const { return soname_; }

 private:
  void* symbol(const char* name) const;

  std::string soname_;
  std::string package_;
  void* handle_ = nullptr;
};

}  // namespace common
