// libcurl loaded on demand (influx/libcurl.h): the library CMake named is the one this test
// program links (the same functions), and an easy handle made through it works.
#include "influx/libcurl.h"

#include <gtest/gtest.h>

#include <string>

namespace {

TEST(Libcurl, IsTheLibraryTheHeadersBelongTo) {
  const influx::Libcurl& api = influx::libcurl();
  EXPECT_EQ(&api, &influx::libcurl());
  EXPECT_EQ(api.curl_global_init, &::curl_global_init);
  EXPECT_EQ(api.curl_easy_init, &::curl_easy_init);
  EXPECT_EQ(api.curl_easy_setopt, &::curl_easy_setopt);
  EXPECT_EQ(api.curl_easy_perform, &::curl_easy_perform);
  EXPECT_EQ(api.curl_easy_getinfo, &::curl_easy_getinfo);
  EXPECT_EQ(api.curl_easy_strerror, &::curl_easy_strerror);
  EXPECT_EQ(api.curl_easy_cleanup, &::curl_easy_cleanup);
  EXPECT_EQ(api.curl_slist_append, &::curl_slist_append);
  EXPECT_EQ(api.curl_slist_free_all, &::curl_slist_free_all);
}

TEST(Libcurl, MakesAndSetsUpAnEasyHandle) {
  const influx::Libcurl& api = influx::libcurl();
  EXPECT_EQ(std::string{api.curl_easy_strerror(CURLE_COULDNT_CONNECT)},
            "Couldn't connect to server");
  CURL* curl = api.curl_easy_init();
  ASSERT_NE(curl, nullptr);
  curl_slist* headers = api.curl_slist_append(nullptr, "Expect:");
  ASSERT_NE(headers, nullptr);
  EXPECT_EQ(api.curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers), CURLE_OK);
  EXPECT_EQ(api.curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https"), CURLE_OK);
  EXPECT_EQ(api.curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "gopher-over-pigeons"),
            CURLE_UNSUPPORTED_PROTOCOL);
  long status = -1;
  EXPECT_EQ(api.curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status), CURLE_OK);
  EXPECT_EQ(status, 0);
  api.curl_easy_cleanup(curl);
  api.curl_slist_free_all(headers);
}

}  // namespace
