# Runs teleinfo-bridge --dry-run --jeedom on a capture and compares what it prints with a golden
# file, the frames' TIME (when they were read) masked. On a cross build the program runs under
# qemu-user (EMULATOR), so the same goldens check the arm64 and armhf programs end to end.
#
#   cmake [-DEMULATOR=...] -DBRIDGE=... -DCAPTURE=... -DGOLDEN=... -DACTUAL=... -P dry_run_golden.cmake
# A different output is written to ACTUAL. -DUPDATE=ON writes the golden instead: review its diff.
execute_process(
  COMMAND ${EMULATOR} ${BRIDGE} --dry-run --jeedom --source file:${CAPTURE}
  OUTPUT_VARIABLE output ERROR_VARIABLE errors RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "teleinfo-bridge exited with ${status}: ${errors}")
endif()
# In the frame stream's payload: \"TIME\":{\"raw\":\"2026-11-22T19:38:41.638Z\",\"value\":1795376321638}
string(REGEX REPLACE [[\\"TIME\\":{\\"raw\\":\\"[-0-9T:.Z]+\\",\\"value\\":[0-9]+}]]
  [[\\"TIME\\":{\\"raw\\":\\"(read time)\\",\\"value\\":0}]] output "${output}")

if(UPDATE)
  file(WRITE ${GOLDEN} "${output}")
  return()
endif()
file(READ ${GOLDEN} expected)
if(NOT output STREQUAL expected)
  file(WRITE ${ACTUAL} "${output}")
  message(FATAL_ERROR "the output differs from the golden: diff ${GOLDEN} ${ACTUAL}")
endif()
