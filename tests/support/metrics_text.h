// Reading one figure from the bridge's /metrics (Prometheus text): what the fault tests and the
// soak compare with what they sent. tests/web/metrics_test.cpp checks the format itself.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace test {

// The value of the first sample of `name` whose labels include `labels` (every one of them, with
// the same value); nullopt when there is none.
std::optional<double> metric_value(std::string_view text, std::string_view name,
                                   const std::map<std::string, std::string>& labels = {});

}  // namespace test
