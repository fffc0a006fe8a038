# The ThreadSanitizer build's reports (tests/CMakeLists.txt): ACTION=clear empties REPORTS, the
# folder where every test and program writes them, before the tests; ACTION=check, after them,
# prints each report and fails if there is any.
if(ACTION STREQUAL "clear")
  file(REMOVE_RECURSE "${REPORTS}")
  file(MAKE_DIRECTORY "${REPORTS}")
  return()
endif()

file(GLOB reports "${REPORTS}/report.*")
if(NOT reports)
  message(STATUS "ThreadSanitizer: no report in ${REPORTS}")
  return()
endif()
list(LENGTH reports count)
foreach(report IN LISTS reports)
  file(READ "${report}" text)
  message("${report}:\n${text}")
endforeach()
message(FATAL_ERROR "ThreadSanitizer: ${count} programs reported (above, and in ${REPORTS})")
