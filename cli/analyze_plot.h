// `fastinit analyze plot`: the whole boot as one SVG picture, like
// systemd-analyze plot but from the kernel's start: the kernel, the
// initramfs with its device phase (cache hit or probe, modules), the switch
// to the root, stage 2's devices, and every unit as a bar — a pale part
// from queued to started (waiting for its dependencies) and a solid part
// from started to ready (or to its end), coloured by how it ended.
//
// Rule: the picture is built only from the reports (the same inputs as the
// metrics, cli/analyze_prometheus.h), and every text in it is escaped and
// made valid UTF-8 and XML, whatever the reports hold.
#pragma once

#include <string>
#include <string_view>

#include "cli/analyze_prometheus.h"

namespace fastinit {

std::string format_plot_svg(const BootMetrics& boot);

// Text for an SVG/XML text node or attribute: & < > " ' escaped, bytes that
// are not UTF-8 and characters XML 1.0 forbids (most control characters)
// replaced.
std::string xml_text(std::string_view text);

}  // namespace fastinit
