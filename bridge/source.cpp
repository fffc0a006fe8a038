#include "bridge/source.h"

#include <charconv>

#include "common/options.h"

namespace bridge {
namespace {

[[noreturn]] void bad_source(std::string_view text, std::string_view why) {
  throw common::OptionError{"--source " + std::string{text} + ": " + std::string{why}};
}

}  // namespace

SourceSpec parse_source(std::string_view text) {
  SourceSpec spec{};
  spec.text = text;
  if (text == "-") {
    spec.kind = SourceSpec::Kind::Stdin;
  } else if (text.starts_with("file:")) {
    spec.kind = SourceSpec::Kind::File;
    spec.path = text.substr(5);
    if (spec.path.empty()) bad_source(text, "expected file:PATH");
  } else if (text.starts_with("serial:") || text.starts_with("/")) {
    spec.kind = SourceSpec::Kind::Serial;
    spec.path = text.starts_with("/") ? text : text.substr(7);
    if (spec.path.empty()) bad_source(text, "expected serial:/dev/DEVICE");
  } else if (text.starts_with("tcp://")) {
    spec.kind = SourceSpec::Kind::Tcp;
    const std::string_view address = text.substr(6);
    const std::size_t colon = address.rfind(':');
    if (colon == std::string_view::npos || colon == 0) bad_source(text, "expected tcp://HOST:PORT");
    spec.host = address.substr(0, colon);
    if (spec.host.size() > 2 && spec.host.front() == '[' && spec.host.back() == ']') {
      spec.host = spec.host.substr(1, spec.host.size() - 2);  // [::1]
    }
    const std::string_view port = address.substr(colon + 1);
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      bad_source(text, "the port must be a number from 1 to 65535");
    }
    spec.port = static_cast<std::uint16_t>(value);
  } else if (text == "sim:historic" || text == "sim:standard") {
    spec.kind = SourceSpec::Kind::Simulator;
    spec.simulated_mode = text == "sim:historic" ? tic::Mode::Historic : tic::Mode::Standard;
  } else {
    bad_source(text,
               "expected /dev/DEVICE, serial:/dev/DEVICE, tcp://HOST:PORT, file:PATH, - (standard "
               "input), sim:historic or sim:standard");
  }
  return spec;
}

}  // namespace bridge
