# Turns web/page/index.html into a C++ source: cmake -DINPUT=... -DOUTPUT=... -P embed.cmake
file(READ "${INPUT}" PAGE)
file(WRITE "${OUTPUT}"
  "// Generated from web/page/index.html by web/page/embed.cmake: edit the page, not this file.\n"
  "#include \"web/page.h\"\n\n"
  "namespace web {\n\n"
  "std::string_view index_html() {\n"
  "  static constexpr std::string_view kPage = R\"teleinfo_page(${PAGE})teleinfo_page\";\n"
  "  return kPage;\n"
  "}\n\n"
  "}  // namespace web\n")
