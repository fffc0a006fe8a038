// Which shared libraries a running teleinfo-bridge maps (its /proc/<pid>/maps): libmariadb and
// libcurl, and what they bring (GnuTLS, Kerberos, LDAP...), only when a writer needs them
// (common/shared_library.h). No broker: --mqtt-url none and an archive sink keep the bridge alive.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/broker.h"
#include "support/daemon.h"

namespace {

const std::string kBridge = TELEINFO_BRIDGE;

// Libraries that come with libcurl (OpenSSL flavour) or libmariadb and with nothing else the
// bridge links: libmosquitto brings libssl and libcrypto, which stay.
const std::vector<std::string> kCurlOnly = {"/libcurl.so", "/libgnutls.so", "/libkrb5.so",
                                            "/libldap-",   "/libssh2.so",   "/libnghttp2.so"};
constexpr const char* kMariadb = "/libmariadb.so";

class Libraries : public ::testing::Test {
 protected:
  // The file names mapped by a bridge started with `arguments` once a simulated meter's first
  // frame came; the bridge is then stopped and must end with status 0.
  std::string maps_of(std::vector<std::string> arguments) {
    const std::vector<std::string> common = {"--source", "sim:standard", "--mqtt-url",
                                             "none",     "--spool-dir",  directory_.file("spool")};
    arguments.insert(arguments.begin(), common.begin(), common.end());
    test::Daemon bridge{
        kBridge, arguments, {{"TELEINFO_CONFIG", config_}, {"TELEINFO_MYSQL_PASSWORD", "secret"}}};
    EXPECT_TRUE(bridge.wait_for_err("online")) << bridge.err();
    std::ifstream file{"/proc/" + std::to_string(bridge.pid()) + "/maps"};
    std::ostringstream maps;
    maps << file.rdbuf();
    EXPECT_EQ(bridge.stop(SIGTERM), 0) << bridge.err();
    EXPECT_NE(maps.str().find("/libmosquitto.so"), std::string::npos) << maps.str();
    return maps.str();
  }

  // A URL's port where nothing listens: the writers try, fail and wait, which is all we need.
  std::string closed_port() const { return std::to_string(test::free_loopback_port()); }

  test::TemporaryDirectory directory_{"teleinfo-libraries-test"};
  std::string config_ = [this] {
    const std::string path = directory_.file("empty.conf");
    std::ofstream{path};
    return path;
  }();
};

TEST_F(Libraries, NoDatabaseLoadsNeitherLibmariadbNorLibcurl) {
  const std::string maps = maps_of({"--csv-file", directory_.file("frames.csv")});
  EXPECT_EQ(maps.find(kMariadb), std::string::npos) << maps;
  for (const std::string& library : kCurlOnly)
    EXPECT_EQ(maps.find(library), std::string::npos) << library << "\n" << maps;
}

TEST_F(Libraries, MysqlLoadsLibmariadbOnly) {
  const std::string maps =
      maps_of({"--mysql-url", "mysql://teleinfo@127.0.0.1:" + closed_port() + "/teleinfo"});
  EXPECT_NE(maps.find(kMariadb), std::string::npos) << maps;
  EXPECT_EQ(maps.find("/libcurl.so"), std::string::npos) << maps;
}

TEST_F(Libraries, InfluxdbLoadsLibcurlOnly) {
  const std::string maps =
      maps_of({"--influx-url", "http://127.0.0.1:" + closed_port(), "--influx-db", "teleinfo"});
  EXPECT_NE(maps.find("/libcurl.so"), std::string::npos) << maps;
  EXPECT_EQ(maps.find(kMariadb), std::string::npos) << maps;
}

}  // namespace
