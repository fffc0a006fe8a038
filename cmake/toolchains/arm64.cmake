# 64-bit ARM (Raspberry Pi 3, 4, 5 and Zero 2 on a 64-bit OS): Debian's arm64.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(TELEINFO_TRIPLET aarch64-linux-gnu)
set(TELEINFO_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
