/* SPDX-License-Identifier: MIT */
/*
 * The tdktd command line: every subcommand (init, serve, verify, backup,
 * units, certificates, registry). server/main.c is only main() calling it,
 * so that test builds (tests/fault) can run the same daemon with a fault
 * injecting SQLite VFS registered first.
 */
#ifndef TDKT_SERVER_ADMIN_TDKTD_H
#define TDKT_SERVER_ADMIN_TDKTD_H

int tdktd_main(int argc, char **argv);

#endif
