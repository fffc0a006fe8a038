# 32-bit ARM: Debian's armhf, ARMv7 with VFPv3 (Raspberry Pi 2 and later on a 32-bit OS). Not the
# Pi Zero or Pi 1 (ARMv6): Raspberry Pi OS's armhf is a different port; build on the Pi itself.
set(CMAKE_SYSTEM_PROCESSOR arm)
set(TELEINFO_TRIPLET arm-linux-gnueabihf)
set(TELEINFO_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
# GCC notes, on every std::vector insertion, that the ABI of some arguments changed in GCC 7.1:
# it concerns linking with code built by GCC 6 or older, which nothing here is.
set(CMAKE_CXX_FLAGS_INIT -Wno-psabi)
