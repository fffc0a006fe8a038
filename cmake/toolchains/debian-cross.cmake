# Shared by the per-architecture toolchain files: Debian's cross compiler for TELEINFO_TRIPLET,
# the libraries from a Debian sysroot (deploy/cross/make-sysroot), and qemu-user to run what is
# built (tests, gtest discovery) on this machine.
#
#   cmake -S . -B build/arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm64.cmake \
#     -DTELEINFO_SYSROOT=/path/to/sysroot

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${TELEINFO_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${TELEINFO_TRIPLET}-g++)

# try_compile() projects read this file again: pass the sysroot on to them.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES TELEINFO_SYSROOT)
if(NOT TELEINFO_SYSROOT)
  set(TELEINFO_SYSROOT $ENV{TELEINFO_SYSROOT})
endif()
if(NOT IS_DIRECTORY "${TELEINFO_SYSROOT}/usr/lib/${TELEINFO_TRIPLET}")
  message(FATAL_ERROR "TELEINFO_SYSROOT must be a ${TELEINFO_TRIPLET} Debian sysroot "
    "(deploy/cross/make-sysroot), not '${TELEINFO_SYSROOT}'")
endif()
set(CMAKE_SYSROOT ${TELEINFO_SYSROOT})

# Headers, libraries and CMake packages from the sysroot only; programs from this machine.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_SYSROOT_DIR} ${TELEINFO_SYSROOT})
set(ENV{PKG_CONFIG_LIBDIR}
  "${TELEINFO_SYSROOT}/usr/lib/${TELEINFO_TRIPLET}/pkgconfig:${TELEINFO_SYSROOT}/usr/share/pkgconfig")

# The dynamic loader and the libraries at run time come from the sysroot too.
set(CMAKE_CROSSCOMPILING_EMULATOR ${TELEINFO_QEMU} -L ${TELEINFO_SYSROOT})
