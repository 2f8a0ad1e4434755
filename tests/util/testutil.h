/* SPDX-License-Identifier: MIT */
/*
 * Test helpers shared by unit and integration tests: temporary directories
 * and paths, running programs, checking their output, and protobuf-c
 * messages by field name; for integration tests, the sector fixture's files
 * (tu_sector_setup), starting the real tdktd and running the real tdkt, and
 * waiting on what the daemon writes. Nothing here mocks a tdkt component.
 *
 * Ownership: what a helper returns in a caller's buffer is the caller's; a
 * daemon started with tu_daemon_start is stopped (and reaped) by
 * tu_daemon_stop, a child of tu_spawn by the caller; a directory made by
 * tu_mkdtemp is removed by tu_rm_rf, and a tu_tmp_new struct by
 * tu_tmp_cmocka_teardown. Helpers fail the test themselves (cmocka) on
 * what they cannot do, except tu_client_tls, which threads may call.
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
/*
 * For cmocka setups: a zeroed struct of size bytes whose first member is a
 * char[TU_PATH_MAX], given a fresh directory (tu_mkdtemp). The struct is
 * the test's; tu_tmp_cmocka_teardown removes the directory and frees it.
 */
void *tu_tmp_new(size_t size);
int tu_tmp_cmocka_teardown(void **state);
/* snprintf into buf and assert it fitted. */
void tu_path(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * protobuf-c messages by their field names, through the message's
 * descriptor, for tests that choose a field from a table of names rather
 * than by a switch over every case. The message keeps owning what it holds:
 * tu_pb_oneof_set stores value's address, not a copy.
 */
#include <protobuf-c/protobuf-c.h>
/* Make value the member named field of m's oneof and set the oneof's case;
 * field must be a oneof member of m. */
void tu_pb_oneof_set(ProtobufCMessage *m, const char *field, ProtobufCMessage *value);
/* The string field named name of m. */
const char *tu_pb_string(const ProtobufCMessage *m, const char *name);

#include <sys/types.h>

#define TU_OUT_MAX 65536

/*
 * Run a program (argv NULL-terminated) to completion; capture stdout and
 * stderr (interleaved, truncated to cap) into out. Returns the exit status
 * (0..255), or 128+signal if it was killed.
 */
int tu_run(char *out, size_t cap, const char *const argv[]);
/* Put at argv[n] the start of a test daemon's command line, `bin serve
 * --data data --listen 127.0.0.1:0 --port-file portfile
 * --handshake-timeout TU_HANDSHAKE_TIMEOUT_ARG` (a free port, written to
 * portfile once it listens); returns the new n. argv needs 10 free places. */
int tu_serve_args(const char *argv[], int n, const char *bin, const char *data,
                  const char *portfile);
/* Start argv (NULL-terminated) in a child process without waiting for it,
 * its stdout and stderr appended to log. With envp (NULL-terminated) it is
 * the child's whole environment and argv[0] must be a path; without, the
 * child inherits ours and argv[0] is looked up in PATH. Returns the child's
 * pid; the caller reaps it. */
pid_t tu_spawn(const char *const argv[], const char *log, const char *const envp[]);
/* The port a daemon wrote to portfile (tdktd serve --port-file), or 0 while
 * the file is not there or not complete. */
int tu_port_read(const char *portfile);
int tu_runf(char *out, size_t cap, const char *prog, ...); /* args end with NULL */

/* A tdktd started by a test: real binary, temporary data directory. */
struct tu_daemon {
    pid_t pid;
    int port;
    char data[TU_PATH_MAX];
    char tls[TU_PATH_MAX]; /* "" for --plain */
    char log[TU_PATH_MAX];
    int valgrind; /* started under valgrind memcheck (TU_VALGRIND_ENV) */
};

/*
 * Valgrind memcheck around the daemon (docs/testing.md). With TDKT_VALGRIND
 * set to anything but "" or "0", tu_daemon_start runs tdktd under
 * TU_VALGRIND_ARGV, its report in DATA/valgrind-PID.log, with
 * --handshake-timeout TU_VALGRIND_HANDSHAKE_S. tu_daemon_stop then
 * fails the test itself, whether or not the caller checks the status, when
 * memcheck found an error: the daemon exited TU_VALGRIND_EXIT (an error, or a
 * definite leak), or it was killed and its report names an error. The report
 * is copied to stderr first, so that ctest --output-on-failure shows it.
 */
#define TU_VALGRIND_ENV  "TDKT_VALGRIND"
#define TU_VALGRIND_EXIT 99
/* tdktd serve --handshake-timeout under valgrind: one TLS handshake of a
 * daemon under memcheck has been seen to take the whole default 10 s on a
 * busy machine (the first one translates all of OpenSSL's handshake code).
 * Like TU_CLIENT_TIMEOUT_MS, a hang detector. */
#define TU_VALGRIND_HANDSHAKE_S "120"
#define TU_VALGRIND_ARGV                                                                           \
    "valgrind", "--tool=memcheck", "--error-exitcode=99", "--track-origins=yes",                   \
        "--leak-check=full", "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",     \
        "--num-callers=30", "--vgdb=no"
int tu_valgrind_on(void);

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
/* Send sig and wait; returns the exit status as tu_run does. Under valgrind,
 * fails the test on a memcheck error (above). */
int tu_daemon_stop(struct tu_daemon *d, int sig);
/*
 * Run the real tdkt as unit over plain TCP to 127.0.0.1:port, with the
 * unit's own local store dir/UNIT.store, a 5 s step timeout and a 20 ms
 * backoff base; further arguments end with NULL. Output into out
 * (TU_OUT_MAX bytes); returns the exit status as tu_run does.
 */
int tu_tdkt(const char *dir, int port, const char *unit, char *out, ...);

/* The exit status st (as tu_run returns it) must be want; otherwise the
 * test fails at the caller's line, quoting out, the command's output. */
#define TU_EXIT_IS(st, want, out)                                                                  \
    do {                                                                                           \
        int st_ = (st);                                                                            \
        if (st_ != (want))                                                                         \
            fail_msg("exit %d, want %d: %s", st_, (want), (out));                                  \
    } while (0)

/* Each of the strings of want (NULL-terminated) occurs in text; the first
 * that does not fails the test, quoting it and the text. */
void tu_has_all(const char *text, const char *const want[]);
/* The whole file at path, malloc'd and NUL-terminated (the caller frees), its
 * size in *len; fails the test when it cannot be read. */
char *tu_read_file(const char *path, size_t *len);
/* Fail unless one line of text holds the cells of row (NULL-ended) in order,
 * each a whole column of an aligned table (two spaces or the line's ends
 * around it), whatever the columns' widths. */
void tu_has_row(const char *text, const char *const row[]);
/* None of the strings of bad (NULL-terminated) occurs in text. */
void tu_has_none(const char *text, const char *const bad[]);

/* Path helpers into the fixture. */
void tu_cert(char *buf, size_t cap, const char *dir, const char *code, const char *ext);

/*
 * How a unit of the sector fixture in dir connects with the client library:
 * over TLS to 127.0.0.1:port, pinning dir/tls/ca.crt, presenting
 * dir/certs/UNIT.crt and .key, with the tests' hang-detector timeout. The
 * options point into *c, which must outlive them. It only formats and never
 * asserts, so that a writer thread may call it (a path too long is cut, and
 * the connection then fails).
 */
#include "client/lib/client.h"
struct tu_client_tls {
    char ca[TU_PATH_MAX + 16];
    char crt[TU_PATH_MAX + 64];
    char key[TU_PATH_MAX + 64];
    struct tdkt_client_opts o;
};
void tu_client_tls(struct tu_client_tls *c, const char *dir, int port, const char *unit);

/*
 * Waiting on events, never on the clock (docs/testing.md). Each wait below
 * returns as soon as what it waits for has happened. Its only deadline,
 * TU_HANG_MS, is a generous upper bound that a hung daemon reaches and a
 * slow machine does not; a wait also fails at once when the daemon has
 * exited. The waits sleep on inotify, not in a loop of naps.
 */
#define TU_HANG_MS (10 * 60 * 1000)
/* The client's timeout for one request in tests (tdkt --timeout, or
 * tdkt_client_opts.timeout_ms): a hang detector, never reached by a slow
 * answer. Tests of the timeout itself set their own. */
#define TU_CLIENT_TIMEOUT_MS  120000
#define TU_CLIENT_TIMEOUT_ARG "120000"
/* The daemon's handshake timeout in tests (tdktd serve --handshake-timeout,
 * seconds): 200 TLS handshakes at once on a loaded machine may take longer
 * than the 10 s default, and no test is about that limit. */
#define TU_HANDSHAKE_TIMEOUT_ARG "600"

/* Milliseconds on the monotonic clock: for a wait's hang deadline, never
 * for the wait itself. */
uint64_t tu_mono_ms(void);

/* Lines of the daemon's log containing marker. */
int tu_log_count(const struct tu_daemon *d, const char *marker);
/* Wait until the daemon's log has count lines containing marker. */
void tu_log_wait(const struct tu_daemon *d, const char *marker, int count);
/* Whether some log line has marker followed by a number n with
 * above ? n > limit : n < limit. */
int tu_log_has_number(const struct tu_daemon *d, const char *marker, int above,
                      unsigned long long limit);
/* Wait until tu_log_has_number(d, marker, above, limit). */
void tu_log_wait_number(const struct tu_daemon *d, const char *marker, int above,
                        unsigned long long limit);
/* Block until something in dir changes (a file written, created or renamed
 * into it) or ms pass; returns 1 on a change, 0 on the timeout. For loops
 * that re-check a condition the daemon makes true by writing a file. */
int tu_wait_dir_change(const char *dir, int ms);
/* Set the test clock file of `tdktd serve --test-clock` to seconds: written
 * beside it and renamed over it, so the daemon never reads half a number. */
void tu_clock_set(const char *file, long long seconds);

#endif
