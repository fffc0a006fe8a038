// The live page served at /: web/page/index.html, built into the program (a Pi is often offline:
// nothing comes from a CDN).
#pragma once

#include <string_view>

namespace web {

std::string_view index_html();

}  // namespace web
