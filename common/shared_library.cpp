#include "common/shared_library.h"

#include <dlfcn.h>

#include <utility>

namespace common {

SharedLibrary::SharedLibrary(std::string soname, std::string package)
    : soname_(std::move(soname)), package_(std::move(package)) {
  handle_ = ::dlopen(soname_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    const char* why = ::dlerror();
    throw LibraryError{"cannot load " + soname_ + " (" + (why != nullptr ? why : "no reason") +
                       "): is " + package_ + " installed?"};
  }
}

void* SharedLibrary::symbol(const char* name) const {
  ::dlerror();  // clear an older error: a symbol's address may be null
  void* const address = ::dlsym(handle_, name);
  if (address == nullptr) {
    const char* why = ::dlerror();
    throw LibraryError{soname_ + " has no " + name + " (" + (why != nullptr ? why : "null") +
                       "): " + package_ + " too old?"};
  }
  return address;
}

}  // namespace common
