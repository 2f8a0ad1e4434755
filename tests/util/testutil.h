/* SPDX-License-Identifier: MIT */
/*
 * Test helpers shared by unit and integration tests: temporary directories
 * and, for integration tests, starting the real tdktd and running the real
 * tdkt. Nothing here mocks a tdkt component.
 */
#ifndef TDKT_TESTS_TESTUTIL_H
#define TDKT_TESTS_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define TU_PATH_MAX 512

/* Make a fresh directory under $TMPDIR (or /tmp); path gets its name. */
void tu_mkdtemp(char path[TU_PATH_MAX]);
/* Remove a directory tree made by tu_mkdtemp. */
void tu_rm_rf(const char *path);
/* snprintf into buf and assert it fitted. */
void tu_path(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#include <sys/types.h>

#define TU_OUT_MAX 65536

/*
 * Run a program (argv NULL-terminated) to completion; capture stdout and
 * stderr (interleaved, truncated to cap) into out. Returns the exit status
 * (0..255), or 128+signal if it was killed.
 */
int tu_run(char *out, size_t cap, const char *const argv[]);
int tu_runf(char *out, size_t cap, const char *prog, ...); /* args end with NULL */

/* A tdktd started by a test: real binary, temporary data directory. */
struct tu_daemon {
    pid_t pid;
    int port;
    char data[TU_PATH_MAX];
    char tls[TU_PATH_MAX]; /* "" for --plain */
    char log[TU_PATH_MAX];
};

/*
 * The sector fixture: in dir, a CA, a server certificate for 127.0.0.1, a
 * ledger with units VKSTC (central) and VKSCC1..3 (regional, the three
 * high-level procuracies) and a certificate for each, in dir/certs/CODE.crt
 * and .key. dir/tls has ca.crt, server.crt, server.key for tdktd.
 */
void tu_sector_setup(const char *dir);
/* Start tdktd serve on 127.0.0.1 with a free port; wait until it listens.
 * tls_dir NULL means --plain. extra: more arguments (NULL-terminated) or NULL. */
void tu_daemon_start(struct tu_daemon *d, const char *data, const char *tls_dir,
                     const char *const extra[]);
/* Send sig and wait; returns the exit status as tu_run does. */
int tu_daemon_stop(struct tu_daemon *d, int sig);
/*
 * Run the real tdkt as unit over plain TCP to 127.0.0.1:port, with the
 * unit's own local store dir/UNIT.store, a 5 s step timeout and a 20 ms
 * backoff base; further arguments end with NULL. Output into out
 * (TU_OUT_MAX bytes); returns the exit status as tu_run does.
 */
int tu_tdkt(const char *dir, int port, const char *unit, char *out, ...);

/* Path helpers into the fixture. */
void tu_cert(char *buf, size_t cap, const char *dir, const char *code, const char *ext);

#endif
