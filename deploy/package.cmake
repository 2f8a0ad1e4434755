# SPDX-License-Identifier: MIT
# The Debian package (issue 16): `cpack -G DEB` in a build directory makes
# tdkt_VERSION-1_ARCH.deb from what `cmake --install` installs, under /usr.
# Included from the top-level CMakeLists.txt (CPack reads its variables in
# that scope). scripts/check-package builds it, unpacks it into a scratch
# root and runs the programs and checks from there.

set(CPACK_PACKAGE_NAME tdkt)
set(CPACK_PACKAGE_VENDOR "tdkt")
set(CPACK_PACKAGE_CONTACT "${TDKT_DEB_MAINTAINER}") # deploy/CMakeLists.txt
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "award ledger of Vietnam's People's Procuracy (thi đua - khen thưởng)")
# The long description; CPack puts the summary above it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "tdkt keeps the emulation and commendation records of the People's
Procuracy: units' results, proposals of titles and awards, their review and
decisions, and cluster ballots, in an append-only ledger whose Merkle tree
heads are signed.
.
This package holds both sides: tdktd, the central daemon with its
administration commands and systemd units (the daemon, a nightly verify and
backup), and tdkt, the offices' command line with its nightly reconcile
unit. No unit is enabled on installation; enable those of the machine's
role (/usr/share/doc/tdkt/deploy/README.md).")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The libraries' packages (libuv1, libprotobuf-c1, libsqlite3-0, libssl3,
# libicu72, libjansson4, libxlsxwriter4, ...) come from dpkg-shlibdeps on the
# installed binaries, so the list follows what they really link; adduser is
# what postinst creates the system user with.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/postinst
    ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/prerm
    ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
