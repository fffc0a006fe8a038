# Build settings as interface targets that each target links privately: no global flags.

add_library(teleinfo_options INTERFACE)
add_library(teleinfo::options ALIAS teleinfo_options)
target_compile_features(teleinfo_options INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)

if(TELEINFO_SANITIZE)
  target_compile_options(teleinfo_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(teleinfo_options INTERFACE -fsanitize=address,undefined)
endif()

# ThreadSanitizer keeps its own shadow memory where ASan keeps its own: one or the other. GCC's
# runtime is libtsan2, which g++-12 already depends on; how the tests run under it is in
# tests/CMakeLists.txt.
if(TELEINFO_SANITIZE_THREAD)
  if(TELEINFO_SANITIZE)
    message(FATAL_ERROR "TELEINFO_SANITIZE_THREAD and TELEINFO_SANITIZE cannot be on together: "
      "ThreadSanitizer cannot run with AddressSanitizer. Use one build folder for each.")
  endif()
  target_compile_options(teleinfo_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(teleinfo_options INTERFACE -fsanitize=thread)
  # TSan does not model fences (GCC warns, -Wtsan): Asio's handler fences go, as it allows. TSan
  # sees what orders handlers between threads: the mutex of Asio's scheduler.
  target_compile_definitions(teleinfo_options INTERFACE BOOST_ASIO_DISABLE_FENCED_BLOCK)
endif()

add_library(teleinfo_warnings INTERFACE)
add_library(teleinfo::warnings ALIAS teleinfo_warnings)
target_compile_options(teleinfo_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-align -Wformat=2 -Wimplicit-fallthrough
  -Wmisleading-indentation -Wunused
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wlogical-op>
  $<$<BOOL:${TELEINFO_WERROR}>:-Werror>)
