# Every dependency comes from Debian's packages (see README, "Dependencies").

find_package(RapidJSON REQUIRED)  # rapidjson-dev: header-only, no imported target of its own
add_library(teleinfo_rapidjson INTERFACE)
add_library(teleinfo::rapidjson ALIAS teleinfo_rapidjson)
target_include_directories(teleinfo_rapidjson SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIRS})
# std::string support, and no assert() on malformed input: our reader checks types itself.
target_compile_definitions(teleinfo_rapidjson INTERFACE RAPIDJSON_HAS_STDSTRING=1)

# program_options, and Beast and Asio (header-only, in the same libboost1.74-dev): --http
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)

find_package(PkgConfig REQUIRED)
pkg_check_modules(MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)  # libmosquitto-dev
pkg_check_modules(MARIADB REQUIRED IMPORTED_TARGET libmariadb)  # libmariadb-dev
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)  # libcurl4-openssl-dev
find_package(ZLIB REQUIRED)  # zlib1g-dev: gzip request bodies (--influx-gzip)

# libmariadb and libcurl are not linked into the programs: the writers load them with dlopen() when
# they are made (common/shared_library.h), so that a bridge that archives nothing does not map them
# and the dozen libraries they bring. The programs take their headers, and the SONAME to load, read
# from the library pkg-config found (the sysroot's, when cross-building).
function(teleinfo_soname variable library)
  execute_process(COMMAND ${CMAKE_OBJDUMP} -p ${library}
    OUTPUT_VARIABLE headers RESULT_VARIABLE failed ERROR_QUIET)
  if(failed OR NOT headers MATCHES "SONAME +([^ \n]+)")
    message(FATAL_ERROR "no SONAME in ${library} (read with '${CMAKE_OBJDUMP} -p')")
  endif()
  set(${variable} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()

list(GET MARIADB_LINK_LIBRARIES 0 library)
teleinfo_soname(TELEINFO_LIBMARIADB_SONAME ${library})
add_library(teleinfo_libmariadb INTERFACE)
add_library(teleinfo::libmariadb ALIAS teleinfo_libmariadb)
target_include_directories(teleinfo_libmariadb SYSTEM INTERFACE ${MARIADB_INCLUDE_DIRS})
target_link_libraries(teleinfo_libmariadb INTERFACE ${CMAKE_DL_LIBS})

list(GET CURL_LINK_LIBRARIES 0 library)
teleinfo_soname(TELEINFO_LIBCURL_SONAME ${library})
add_library(teleinfo_libcurl INTERFACE)
add_library(teleinfo::libcurl ALIAS teleinfo_libcurl)
target_include_directories(teleinfo_libcurl SYSTEM INTERFACE ${CURL_INCLUDE_DIRS})
target_link_libraries(teleinfo_libcurl INTERFACE ${CMAKE_DL_LIBS})
message(STATUS "Loaded when a writer needs them: ${TELEINFO_LIBMARIADB_SONAME}, ${TELEINFO_LIBCURL_SONAME}")

find_package(Threads REQUIRED)
