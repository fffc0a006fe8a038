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

add_library(teleinfo_warnings INTERFACE)
add_library(teleinfo::warnings ALIAS teleinfo_warnings)
target_compile_options(teleinfo_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-align -Wformat=2 -Wimplicit-fallthrough
  -Wmisleading-indentation -Wunused
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wlogical-op>
  $<$<BOOL:${TELEINFO_WERROR}>:-Werror>)
