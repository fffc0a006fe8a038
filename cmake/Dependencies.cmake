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

find_package(Threads REQUIRED)
