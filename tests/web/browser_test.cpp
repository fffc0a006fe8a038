// The live page as a user sees it: the real teleinfo-bridge --http reading captures from
// pseudo-terminals, its page in Debian's headless Chromium driven through chromedriver, checked
// against the captures' last frames. Screenshots (phone and desktop) go to TELEINFO_TEST_ARTIFACTS.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/captures.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/mariadb.h"
#include "support/web_bridge.h"
#include "support/webdriver.h"
#include "web/page.h"

namespace {

const std::string kBridge = TELEINFO_BRIDGE;
const std::string kArtifacts = TELEINFO_TEST_ARTIFACTS;
const std::string kStandardCapture = "hallard_tinfo_replay_stand_base_long.txt";  // 100 frames
const std::string kTempoCapture = "gaetronik_teleinfo-nom_stream_standard_complete.txt";
const std::string kHistoricCapture = "hallard_tinfo_replay_histo_hc.txt";

// What the page must show of a capture's last frame.
struct LastFrame {
  std::string meter;
  std::size_t frames = 0;  // in the whole capture
  std::string power_label;
  std::uint64_t power = 0;
  std::vector<std::pair<std::string, std::uint64_t>> currents;
  std::string period;  // as the meter sends it, without the padding dots of historic names
  std::uint64_t index_wh = 0;
};

LastFrame last_frame_of(std::string_view bytes) {
  const std::vector<tic::Frame> frames = test::decode(bytes).frames;
  LastFrame shown;
  shown.frames = frames.size();
  if (frames.empty()) return shown;
  const tic::Frame& last = frames.back();
  shown.meter = std::string{last.address()};
  for (const char* label : {"SINSTS", "PAPP"}) {
    if (const auto power = test::number_of(last, label)) {
      shown.power_label = label;
      shown.power = *power;
      break;
    }
  }
  for (const char* label : {"IINST", "IINST1", "IINST2", "IINST3", "IRMS1", "IRMS2", "IRMS3"}) {
    if (const auto current = test::number_of(last, label)) {
      shown.currents.emplace_back(label, *current);
    }
  }
  for (const char* label : {"LTARF", "PTEC"}) {
    if (const std::optional<tic::Field> period = last.find(label)) {
      shown.period = std::string{period->text};
      while (shown.period.ends_with('.'))
        shown.period.pop_back();
      break;
    }
  }
  // EAST, or the sum of the historic consumption indexes.
  if (const auto east = test::number_of(last, "EAST")) {
    shown.index_wh = *east;
  } else {
    for (const char* label : {"BASE", "HCHC", "HCHP", "EJPHN", "EJPHPM", "BBRHCJB", "BBRHPJB",
                              "BBRHCJW", "BBRHPJW", "BBRHCJR", "BBRHPJR"}) {
      shown.index_wh += test::number_of(last, label).value_or(0);
    }
  }
  return shown;
}

// Kilowatt-hours as the page writes them: two decimals.
std::string kwh(std::uint64_t wh) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", static_cast<double>(wh) / 1000);
  return text;
}

// A JS (and JSON) string literal.
std::string js(std::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return buffer.GetString();
}

// The CSS selector of a meter's card.
std::string card(std::string_view key) {
  return "section.meter[data-meter=" + js(key) + "]";
}

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  return document;
}

// GET `path` of the bridge's API, parsed; a null document when the answer is not 200.
rapidjson::Document api(const test::WebBridge& bridge, const std::string& path) {
  const test::HttpResponse response = bridge.get(path);
  if (response.status != 200) return {};
  return parse(response.body);
}

// JS: true when the card of `shown.meter` shows its last frame, with `points` points charted.
std::string shows(const LastFrame& shown, std::size_t points) {
  std::string condition = "const m = document.querySelector(" + js(card(shown.meter)) +
                          ");\n"
                          "if (!m) return false;\n"
                          "const q = (s) => m.querySelector(s);\n"
                          "return q('.power-value').dataset.value === " +
                          js(std::to_string(shown.power)) +
                          " && q('.period-value').textContent === " + js(shown.period) +
                          " && q('canvas.chart').dataset.points === " + js(std::to_string(points));
  for (const auto& [label, value] : shown.currents) {
    condition += " && q('.current-value[data-label=" + js(label) +
                 "]').dataset.value === " + js(std::to_string(value));
  }
  return condition + ";";
}

// The figures of `shown.meter`'s card, as a user reads them.
void expect_figures(test::Browser& browser, const LastFrame& shown) {
  const std::string meter = card(shown.meter);
  EXPECT_EQ(browser.text(meter + " .power-value"), std::to_string(shown.power));
  EXPECT_EQ(browser.text(meter + " .power-value + .unit"), "VA");
  for (const auto& [label, value] : shown.currents) {
    EXPECT_EQ(browser.text(meter + " .current-value[data-label=" + js(label) + "]"),
              std::to_string(value))
        << label;
  }
  EXPECT_EQ(browser.execute("return document.querySelectorAll(" + js(meter + " .current-value") +
                            ").length;"),
            std::to_string(shown.currents.size()));
  EXPECT_EQ(browser.execute("return document.querySelector(" + js(meter + " .period-value") +
                            ").textContent;"),
            js(shown.period));
  EXPECT_EQ(browser.text(meter + " .meter-status"), "online");
  EXPECT_EQ(browser.text(meter + " .energy-index"), std::to_string(shown.index_wh / 1000));
  EXPECT_EQ(browser.execute("return document.querySelector(" + js(meter + " .energy-index") +
                            ").dataset.wh;"),
            js(std::to_string(shown.index_wh)));
}

// Every request the page made went to the bridge, and no JS error happened.
void expect_only_the_bridge(test::Browser& browser, const std::string& origin) {
  const rapidjson::Document resources = parse(
      browser.execute("return performance.getEntriesByType('navigation').concat("
                      "performance.getEntriesByType('resource')).map((entry) => entry.name);"));
  ASSERT_TRUE(resources.IsArray());
  EXPECT_GE(resources.Size(), 4u);  // the page, /api/meters, /api/meters/<id>, /api/history
  for (const auto& name : resources.GetArray()) {
    EXPECT_TRUE(std::string_view{name.GetString()}.starts_with(origin + "/")) << name.GetString();
  }
  EXPECT_EQ(browser.execute("return window.teleinfoErrors;"), "[]");
}

// The width and height of a PNG file (its IHDR chunk); nullopt when it is no PNG.
std::optional<std::pair<std::uint32_t, std::uint32_t>> png_size(const std::string& path) {
  std::ifstream file{path, std::ios::binary};
  std::string head(24, '\0');
  if (!file.read(head.data(), static_cast<std::streamsize>(head.size()))) return std::nullopt;
  if (head.substr(0, 8) != "\x89PNG\r\n\x1a\n" || head.substr(12, 4) != "IHDR") return std::nullopt;
  const auto big_endian = [&](std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      value = (value << 8) | static_cast<unsigned char>(head[at + i]);
    }
    return value;
  };
  return std::pair{big_endian(16), big_endian(20)};
}

// Saves a screenshot as TELEINFO_TEST_ARTIFACTS/`name` and checks it is a PNG `width` wide.
void save_screenshot(test::Browser& browser, const std::string& name, std::uint32_t width) {
  std::filesystem::create_directories(kArtifacts);
  const std::string path = kArtifacts + "/" + name;
  std::filesystem::remove(path);
  browser.screenshot(path);
  const auto size = png_size(path);
  ASSERT_TRUE(size.has_value()) << path;
  EXPECT_EQ(size->first, width) << path;
  EXPECT_GT(std::filesystem::file_size(path), 5000u) << path;  // more than a blank page
}

// Resizes the window and waits until the charts were drawn again at the new width.
void resize(test::Browser& browser, test::WindowSize window) {
  browser.set_window_size(window);
  ASSERT_TRUE(browser.wait_until("return window.innerWidth === " + std::to_string(window.width) +
                                 " && [...document.querySelectorAll('canvas.chart')].every((c) => "
                                 "c.width === Math.round(c.clientWidth * devicePixelRatio));"));
}

const char* const kConnectionOk =
    "return document.getElementById('connection').dataset.state === 'ok';";

}  // namespace

// The page is self-contained: nothing from elsewhere, small enough for a Pi.
TEST(BrowserPage, IsSelfContained) {
  const std::string_view page = web::index_html();
  EXPECT_TRUE(page.starts_with("<!doctype html>"));
  EXPECT_LT(page.size(), 30'000u);
  for (const char* external : {"://", "url(", " src=", "@import", "<link rel=\"stylesheet\""}) {
    EXPECT_EQ(page.find(external), std::string_view::npos) << external;
  }
  EXPECT_NE(page.find("<meta name=\"viewport\""), std::string_view::npos);
  EXPECT_NE(page.find("prefers-color-scheme: dark"), std::string_view::npos);
}

// A standard meter (Linky, BASE, single-phase), from before its first frame to its 100th: the
// figures of the last frame, a chart that grew by the new points only, on a phone and a desktop.
TEST(BrowserPage, StandardMeterFromBeforeItsFirstFrameToItsLast) {
  const std::string capture = test::read_capture(kStandardCapture);
  const LastFrame last = last_frame_of(capture);
  ASSERT_EQ(last.frames, 100u);
  ASSERT_EQ(last.meter, "061961361253");
  ASSERT_EQ(last.power_label, "SINSTS");
  ASSERT_EQ(last.power, 395u);
  ASSERT_EQ(last.currents, (decltype(last.currents){{"IRMS1", 2}}));
  ASSERT_EQ(last.period, "BASE");
  // The first half, and a part of the next frame: the frames it completes, and the last of them.
  const std::string first_half = capture.substr(0, capture.size() / 2 + 100);
  const LastFrame halfway = last_frame_of(first_half);
  ASSERT_EQ(halfway.frames, 50u);

  test::WebBridge bridge{kBridge, {"standard"}};
  test::Browser browser{test::kPhoneWindow};
  browser.navigate(bridge.url("/"));

  // Before the first frame the source is there, without a meter address.
  const std::string waiting = card("source:" + bridge.line(0));
  ASSERT_TRUE(browser.wait_until(kConnectionOk)) << bridge.err();
  ASSERT_TRUE(browser.wait_until("return document.querySelector(" + js(waiting) + ") !== null;"))
      << bridge.err();
  EXPECT_EQ(browser.text("#connection"), "live");
  EXPECT_EQ(browser.text(waiting + " .meter-status"), "offline");
  EXPECT_EQ(browser.text(waiting + " .source-state"), "reading " + bridge.line(0) + " at 9600 Bd");
  EXPECT_EQ(browser.text(waiting + " .power-value"), "—");

  bridge.send(0, first_half);
  ASSERT_TRUE(browser.wait_until(shows(halfway, halfway.frames))) << bridge.err();
  bridge.send(0, capture.substr(first_half.size()));
  ASSERT_TRUE(browser.wait_until(shows(last, last.frames))) << bridge.err();

  const std::string meter = card(last.meter);
  expect_figures(browser, last);
  EXPECT_EQ(browser.execute("return document.querySelectorAll('section.meter').length;"), "1");
  EXPECT_EQ(browser.text(meter + " .meter-id"), "061961361253");
  EXPECT_EQ(browser.text(meter + " .mode"), "standard");
  EXPECT_EQ(browser.text(meter + " .source-state"), "reading " + bridge.line(0) + " at 9600 Bd");
  EXPECT_EQ(browser.text(meter + " .period-value"), "BASE");
  // Not a Tempo contract, no alert, no database: neither chips, warnings nor day view.
  EXPECT_EQ(browser.execute("const m = document.querySelector(" + js(meter) +
                            ");\n"
                            "return [m.querySelector('.tempo').hidden, "
                            "m.querySelector('.warnings').hidden, "
                            "m.querySelector('.warnings').children.length, "
                            "m.querySelector('.day-controls').hidden];"),
            "[true,true,0,true]");
  // The bridge saw yesterday begin and end nowhere; today began with the first frame.
  EXPECT_EQ(browser.text(meter + " .energy-yesterday"), "—");
  const rapidjson::Document detail = api(bridge, "/api/meters/" + last.meter);
  ASSERT_TRUE(detail.IsObject()) << bridge.err();
  const auto& energy = detail["live"]["energy"];
  ASSERT_TRUE(energy["today_wh"].IsUint64());
  EXPECT_EQ(browser.text(meter + " .energy-today"), kwh(energy["today_wh"].GetUint64()));
  EXPECT_FALSE(energy["today_complete"].GetBool());
  const std::string since = browser.text(meter + " .energy-since");
  EXPECT_TRUE(since.size() == 11 && since.starts_with("since ") && since[8] == ':') << since;
  // The chart holds exactly the bridge's points, oldest first: no point twice, none missed.
  const rapidjson::Document history =
      api(bridge, "/api/history?meter=" + last.meter + "&label=SINSTS");
  ASSERT_TRUE(history.IsObject());
  EXPECT_EQ(history["points"].Size(), last.frames);
  EXPECT_EQ(browser.execute("return document.querySelector(" + js(meter + " canvas.chart") +
                            ").dataset.view;"),
            "\"live\"");
  EXPECT_EQ(browser.execute("return document.title;"), "\"395 VA · teleinfo\"");

  save_screenshot(browser, "web-standard-phone.png", test::kPhoneWindow.width);
  resize(browser, test::kDesktopWindow);
  save_screenshot(browser, "web-standard-desktop.png", test::kDesktopWindow.width);
  expect_only_the_bridge(browser, bridge.url(""));
  EXPECT_EQ(bridge.stop(), 0) << bridge.err();
}

// Two meters on one bridge: a three-phase Linky on Tempo (its colours from STGE) and a historic
// meter on off-peak hours, in dark mode.
TEST(BrowserPage, TempoAndHistoricMetersInDarkMode) {
  const std::string tempo_capture = test::read_capture(kTempoCapture);
  const std::string historic_capture = test::read_capture(kHistoricCapture);
  const LastFrame tempo = last_frame_of(tempo_capture);
  const LastFrame historic = last_frame_of(historic_capture);
  ASSERT_EQ(tempo.meter, "041776199277");
  ASSERT_EQ(tempo.frames, 1u);
  ASSERT_EQ(tempo.power, 2700u);
  ASSERT_EQ(tempo.currents, (decltype(tempo.currents){{"IRMS1", 3}, {"IRMS2", 6}, {"IRMS3", 3}}));
  ASSERT_EQ(tempo.period, "HC  BLANC");
  ASSERT_EQ(historic.meter, "021528603314");
  ASSERT_EQ(historic.frames, 5u);
  ASSERT_EQ(historic.power_label, "PAPP");
  ASSERT_EQ(historic.power, 210u);
  ASSERT_EQ(historic.currents, (decltype(historic.currents){{"IINST", 1}}));
  ASSERT_EQ(historic.period, "HP");
  ASSERT_EQ(historic.index_wh, 837362u + 2035628u);  // HCHC + HCHP

  test::WebBridge bridge{kBridge, {"standard", "historic"}};
  test::Browser browser{test::kPhoneWindow};
  browser.devtools("Emulation.setEmulatedMedia",
                   R"({"features":[{"name":"prefers-color-scheme","value":"dark"}]})");
  browser.navigate(bridge.url("/"));
  bridge.send(0, tempo_capture);
  bridge.send(1, historic_capture);
  ASSERT_TRUE(browser.wait_until(shows(tempo, tempo.frames))) << bridge.err();
  ASSERT_TRUE(browser.wait_until(shows(historic, historic.frames))) << bridge.err();

  expect_figures(browser, tempo);
  expect_figures(browser, historic);
  // The cards in the order of the sources.
  EXPECT_EQ(browser.execute("return [...document.querySelectorAll('section.meter')]"
                            ".map((m) => m.dataset.meter);"),
            R"(["041776199277","021528603314"])");
  const std::string linky = card(tempo.meter), old = card(historic.meter);
  EXPECT_EQ(browser.text(linky + " .period-value"), "HC BLANC");  // as rendered: spaces collapse
  EXPECT_EQ(browser.text(old + " .mode"), "historic");
  EXPECT_EQ(browser.text(old + " .source-state"), "reading " + bridge.line(1) + " at 1200 Bd");
  // Tempo: white today, blue tomorrow (STGE 463A0800), as coloured chips.
  EXPECT_EQ(browser.execute("const m = document.querySelector(" + js(linky) +
                            ");\n"
                            "return [m.querySelector('.tempo').hidden, "
                            "m.querySelector('.tempo-today').dataset.color, "
                            "m.querySelector('.tempo-tomorrow').dataset.color];"),
            R"([false,"white","blue"])");
  EXPECT_EQ(browser.text(linky + " .tempo-today"), "today\nwhite");
  EXPECT_EQ(browser.text(linky + " .tempo-tomorrow"), "tomorrow\nblue");
  EXPECT_EQ(browser.execute("return getComputedStyle(document.querySelector(" +
                            js(linky + " .tempo-tomorrow") + ")).backgroundColor;"),
            js("rgb(28, 126, 214)"));
  EXPECT_EQ(browser.execute("return document.querySelector(" + js(old + " .tempo") + ").hidden;"),
            "true");
  // Dark mode: the page's dark background.
  EXPECT_EQ(browser.execute("return getComputedStyle(document.body).backgroundColor;"),
            js("rgb(16, 19, 23)"));

  save_screenshot(browser, "web-tempo-historic-phone-dark.png", test::kPhoneWindow.width);
  resize(browser, test::kDesktopWindow);
  save_screenshot(browser, "web-tempo-historic-desktop-dark.png", test::kDesktopWindow.width);
  expect_only_the_bridge(browser, bridge.url(""));
}

// The bridge stops: the page says the connection is lost and keeps asking; the bridge comes back
// (same port) and the page shows its meter again by itself.
TEST(BrowserPage, ConnectionLostThenBack) {
  const std::string capture = test::read_capture(kStandardCapture);
  const LastFrame last = last_frame_of(capture);
  test::WebBridge bridge{kBridge, {"standard"}};
  test::Browser browser{test::kPhoneWindow};
  browser.navigate(bridge.url("/"));
  bridge.send(0, capture);
  ASSERT_TRUE(browser.wait_until(shows(last, last.frames))) << bridge.err();
  ASSERT_TRUE(browser.wait_until(kConnectionOk));

  ASSERT_EQ(bridge.stop(), 0) << bridge.err();
  ASSERT_TRUE(
      browser.wait_until("return document.getElementById('connection').dataset.state === 'lost';"));
  EXPECT_EQ(browser.text("#connection"), "connection lost, retrying…");
  // The last figures stay, marked stale.
  EXPECT_EQ(browser.execute("return document.querySelector(" + js(card(last.meter)) +
                            ").classList.contains('stale');"),
            "true");
  EXPECT_EQ(browser.text(card(last.meter) + " .power-value"), "395");
  save_screenshot(browser, "web-connection-lost-phone.png", test::kPhoneWindow.width);

  bridge.start();
  bridge.send(0, capture);
  ASSERT_TRUE(browser.wait_until(
      std::string{"return document.getElementById('connection').dataset.state === 'ok' && "} +
      "document.querySelector(" + js(card(last.meter) + " .power-value") +
      ")?.dataset.value === '395' && !document.querySelector(" + js(card(last.meter)) +
      ").classList.contains('stale');"))
      << bridge.err();
  EXPECT_EQ(browser.text("#connection"), "live");
  // Failed requests are no JS errors.
  EXPECT_EQ(browser.execute("return window.teleinfoErrors;"), "[]");
}

// With a database, the page offers a day view: a day of the MariaDB archive, averaged by the
// bridge, then back to the live chart.
TEST(BrowserPage, DayViewFromTheDatabase) {
  const std::string capture = test::read_capture(kStandardCapture);
  const LastFrame last = last_frame_of(capture);
  test::MariaDb server;
  const std::string database = "browser_day_view";
  const std::string password = server.create_database(database);
  const test::TemporaryDirectory spool{"teleinfo-browser-spool"};
  test::WebBridge bridge{kBridge,
                         {"standard"},
                         {"--mysql-url", server.url(database), "--spool-dir", spool.path()},
                         {{"TELEINFO_MYSQL_PASSWORD", password}}};
  test::Browser browser{test::kDesktopWindow};
  browser.navigate(bridge.url("/"));
  bridge.send(0, capture);
  ASSERT_TRUE(browser.wait_until(shows(last, last.frames))) << bridge.err();
  const std::string meter = card(last.meter);
  EXPECT_EQ(browser.execute("return document.querySelector(" + js(meter + " .day-controls") +
                            ").hidden;"),
            "false");

  // The French day of the frames, as the bridge's days are.
  const rapidjson::Document meters = api(bridge, "/api/meters");
  ASSERT_TRUE(meters.IsObject());
  EXPECT_TRUE(meters["day_history"].GetBool());
  const std::string last_frame = meters["meters"][0]["last_frame"].GetString();
  const rapidjson::Document day_json = parse(browser.execute(
      "return new Intl.DateTimeFormat('en-CA', {timeZone: 'Europe/Paris'}).format(new Date(" +
      js(last_frame) + "));"));
  ASSERT_TRUE(day_json.IsString());
  const std::string day = day_json.GetString();
  ASSERT_EQ(day.size(), 10u) << day;
  // Every frame archived: then the day's buckets hold them all.
  const std::string day_query = "/api/history?meter=" + last.meter + "&label=SINSTS&day=" + day;
  ASSERT_TRUE(test::eventually([&] {
    try {
      const auto rows = server.query("SELECT COUNT(*) FROM frame", database);
      return rows.size() == 1 && rows[0][0] == std::to_string(last.frames);
    } catch (const std::exception&) {
      return false;  // the table is not there yet
    }
  })) << bridge.err();
  const rapidjson::Document archived = api(bridge, day_query + "&points=500");
  ASSERT_TRUE(archived.IsObject());
  const std::size_t buckets = archived["points"].Size();
  ASSERT_GE(buckets, 1u);
  ASSERT_LE(buckets, 2u);  // 100 frames in a fraction of a second: one bucket, or two
  // The averages lie within the frames' powers.
  std::uint64_t lowest = UINT64_MAX, highest = 0;
  for (const tic::Frame& frame : test::decode(capture).frames) {
    lowest = std::min(lowest, test::number_of(frame, "SINSTS").value_or(UINT64_MAX));
    highest = std::max(highest, test::number_of(frame, "SINSTS").value_or(0));
  }
  ASSERT_LT(lowest, highest);
  for (const auto& point : archived["points"].GetArray()) {
    EXPECT_GE(point[1].GetUint64(), lowest);
    EXPECT_LE(point[1].GetUint64(), highest);
  }

  const std::string chart = "document.querySelector(" + js(meter + " canvas.chart") + ")";
  const std::string input = "document.querySelector(" + js(meter + " .day-input") + ")";
  browser.execute(input + ".value = " + js(day) + "; " + input +
                  ".dispatchEvent(new Event('change')); return true;");
  ASSERT_TRUE(browser.wait_until("return " + chart + ".dataset.view === 'day';"));
  EXPECT_EQ(browser.execute("return [" + chart + ".dataset.day, " + chart + ".dataset.points];"),
            "[" + js(day) + "," + js(std::to_string(buckets)) + "]");
  EXPECT_EQ(browser.text(meter + " .day-status"), day);
  EXPECT_EQ(browser.text(meter + " .live-button"), "Live");
  // The figures stay live meanwhile.
  EXPECT_EQ(browser.text(meter + " .power-value"), "395");
  save_screenshot(browser, "web-day-desktop.png", test::kDesktopWindow.width);

  // A day without frames.
  browser.execute(input + ".value = '2001-01-01'; " + input +
                  ".dispatchEvent(new Event('change')); return true;");
  ASSERT_TRUE(browser.wait_until("return " + chart + ".dataset.day === '2001-01-01';"));
  EXPECT_EQ(browser.execute("return " + chart + ".dataset.points;"), "\"0\"");
  EXPECT_EQ(browser.text(meter + " .day-status"), "2001-01-01: nothing recorded");

  // Back to live.
  browser.execute("document.querySelector(" + js(meter + " .live-button") +
                  ").click(); return true;");
  ASSERT_TRUE(browser.wait_until("return " + chart + ".dataset.view === 'live' && " + chart +
                                 ".dataset.points === " + js(std::to_string(last.frames)) + ";"));
  EXPECT_EQ(
      browser.execute("return document.querySelector(" + js(meter + " .live-button") + ").hidden;"),
      "true");
  expect_only_the_bridge(browser, bridge.url(""));
}
