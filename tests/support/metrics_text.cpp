#include "support/metrics_text.h"

#include <charconv>

namespace test {
namespace {

// `name="value",...}` after a sample's '{', into `labels`; the rest of the line after the '}'.
// nullopt when it is misshapen.
std::optional<std::string_view> read_labels(std::string_view text,
                                            std::map<std::string, std::string>& labels) {
  for (;;) {
    if (text.starts_with('}')) return text.substr(1);
    if (text.starts_with(',')) text.remove_prefix(1);
    const std::size_t equals = text.find("=\"");
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string name{text.substr(0, equals)};
    text.remove_prefix(equals + 2);
    std::string value;
    std::size_t at = 0;
    for (; at < text.size() && text[at] != '"'; ++at) {
      if (text[at] == '\\' && at + 1 < text.size()) {
        ++at;
        value += text[at] == 'n' ? '\n' : text[at];
      } else {
        value += text[at];
      }
    }
    if (at == text.size()) return std::nullopt;
    labels[name] = std::move(value);
    text.remove_prefix(at + 1);
  }
}

}  // namespace

std::optional<double> metric_value(std::string_view text, std::string_view name,
                                   const std::map<std::string, std::string>& labels) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.starts_with(name) || line.size() == name.size()) continue;
    line.remove_prefix(name.size());
    std::map<std::string, std::string> found;
    if (line.front() == '{') {
      const std::optional<std::string_view> rest = read_labels(line.substr(1), found);
      if (!rest) continue;
      line = *rest;
    }
    if (!line.starts_with(' ')) continue;  // a longer name that starts with this one
    bool matches = true;
    for (const auto& [label, value] : labels) {
      const auto it = found.find(label);
      matches = matches && it != found.end() && it->second == value;
    }
    if (!matches) continue;
    line.remove_prefix(1);
    line = line.substr(0, line.find(' '));  // a timestamp may follow
    double value = 0;
    const auto result = std::from_chars(line.data(), line.data() + line.size(), value);
    if (result.ec == std::errc{}) return value;
  }
  return std::nullopt;
}

}  // namespace test
