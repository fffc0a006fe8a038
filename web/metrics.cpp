#include "web/metrics.h"

namespace web {

std::optional<ProcessMetrics> read_process_metrics() { return std::nullopt; }

void write_metrics(const MetricsSnapshot&, std::string&) {}

}  // namespace web
