/* SPDX-License-Identifier: MIT */
/*
 * The integration fixture most end-to-end tests share: a fresh temporary
 * directory holding one sector (tu_sector_setup: a CA, the central office
 * and three regional offices with certificates), a registry imported with
 * the real `tdktd registry import`, and the real tdktd serving that ledger
 * on 127.0.0.1 over --plain or mutual TLS. It owns the directory and the
 * daemon; what a test writes into dir is the test's, and goes with dir.
 *
 * A fixture keeps the transport and the extra daemon arguments it was
 * served with (a test clock, say), so that every later start passes them
 * again; tu_fx_restart also keeps the port, so a client's --server and its
 * local store stay valid across a restart.
 *
 * tu_fx_init_bare makes the bare variant the raw-wire tests use: one unit,
 * no CA, a daemon over --plain only.
 *
 * Also the file, SQLite and --json helpers those tests share. Every helper
 * asserts: a test that gets past one may rely on what it did. A fixture of
 * tu_fx_new / tu_fx_new_bare is freed by either cmocka teardown; one the
 * test declares is its own, and tu_fx_teardown only empties it. JSON from
 * tu_json_parse is the caller's (json_decref).
 */
#ifndef TDKT_TESTS_FIXTURE_H
#define TDKT_TESTS_FIXTURE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "testutil.h"

#define TU_FX_ARGS_MAX 8 /* extra daemon arguments a fixture keeps */

enum tu_fx_transport {
    TU_FX_PLAIN, /* --plain: clients name their unit (tu_tdkt) */
    TU_FX_TLS,   /* --tls-dir tls: clients present dir/certs/CODE.{crt,key} */
};

struct tu_fx {
    char dir[TU_PATH_MAX];  /* the temporary tree; removed by tu_fx_teardown */
    char data[TU_PATH_MAX]; /* dir/data: the ledger, the daemon's log and port file */
    char db[TU_PATH_MAX];   /* data/ledger.db */
    char tls[TU_PATH_MAX];  /* dir/tls: ca.crt, server.crt, server.key */
    char ca[TU_PATH_MAX];   /* tls/ca.crt: what a TLS client trusts */
    /* How the next start serves. A test may switch it between a stop and
     * a start. */
    enum tu_fx_transport transport;
    char args[TU_FX_ARGS_MAX][TU_PATH_MAX]; /* passed to every start */
    int nargs;
    /* The daemon runs while d.pid > 0 (tu_daemon_stop clears it), so a test
     * may also stop and start it with tu_daemon_* directly. */
    struct tu_daemon d;
};

/*
 * All of it: tu_fx_init, tu_fx_import when registry_json is not NULL, then
 * tu_fx_serve(f, transport, extra).
 */
void tu_fx_setup(struct tu_fx *f, const char *registry_json, enum tu_fx_transport transport,
                 const char *const extra[]);
/* The directory, the sector and the paths; no daemon yet. For a test that
 * adds to the ledger (more units, say) before its registry is imported. */
void tu_fx_init(struct tu_fx *f);
/* Write registry_json to dir/registry.json and import it into the ledger
 * with `tdktd registry import`; a refusal fails the test with its output. */
void tu_fx_import(const struct tu_fx *f, const char *registry_json);
/* Keep transport and extra (NULL-terminated, or NULL) for every later start,
 * then tu_fx_start. */
void tu_fx_serve(struct tu_fx *f, enum tu_fx_transport transport, const char *const extra[]);
/* Start the daemon (not running) on a new port, as kept by tu_fx_serve. */
void tu_fx_start(struct tu_fx *f);
/* Stop the daemon if it runs (it must exit 0), and start it again on the
 * port it had, with the kept arguments followed by more (NULL-terminated, or
 * NULL) for this start only. */
void tu_fx_restart(struct tu_fx *f, const char *const more[]);
/* SIGTERM the daemon; it must exit 0. */
void tu_fx_stop(struct tu_fx *f);
/* Stop the daemon if it still runs (whatever its exit status) and remove
 * dir. f itself is the caller's. */
void tu_fx_teardown(struct tu_fx *f);

/*
 * Run the real tdkt as unit over TLS to f's daemon: --server on its port
 * (kept while it is down, so a client may find it down), --ca, the unit's
 * --cert and --key, and its own local store dir/UNIT.store; then args
 * (NULL-terminated). Output into out (cap bytes); returns the exit status
 * as tu_run does.
 */
int tu_fx_tdkt_tls(const struct tu_fx *f, const char *unit, char *out, size_t cap,
                   const char *const args[]);

/*
 * The bare fixture of the tests that speak raw frames (util/rawwire.h):
 * dir, and dir/data holding a ledger made by `tdktd init` with one unit,
 * VKSCC2 (regional), and no CA or certificates (tls and ca are ""): its
 * daemon serves --plain. No daemon yet; a test starts it with tu_fx_serve
 * (TU_FX_PLAIN) or with tu_daemon_start on f->d and its own arguments.
 */
void tu_fx_init_bare(struct tu_fx *f);

/* For cmocka: tu_fx_setup on a fixture of its own, which
 * tu_fx_cmocka_teardown (a cmocka teardown) tears down and frees. */
struct tu_fx *tu_fx_new(const char *registry_json, enum tu_fx_transport transport,
                        const char *const extra[]);
int tu_fx_cmocka_teardown(void **state);
/* For cmocka: a bare fixture of its own (tu_fx_init_bare), served --plain
 * with extra when serve is set; freed by either teardown. */
struct tu_fx *tu_fx_new_bare(int serve, const char *const extra[]);
/* A cmocka setup: a fixture with the sector's seed registry
 * (data/registry.json) imported by `tdktd registry import`, as the central
 * office does, and served --plain. */
int tu_fx_cmocka_setup_seed(void **state);
/* A cmocka setup: tu_fx_new_bare(0, NULL). */
int tu_fx_cmocka_setup_bare(void **state);
/* A cmocka teardown as tu_fx_cmocka_teardown, except that a daemon still
 * running must exit 0 on SIGTERM: for tests where a clean shutdown is part
 * of what every case proves. */
int tu_fx_cmocka_teardown_clean(void **state);

/* text as one JSON document (the --json output of a tdkt command, what);
 * a parse error fails the test naming what and quoting text. The caller
 * json_decref's the result. */
json_t *tu_json_parse(const char *what, const char *text);
/* The element of doc's "proposals" array (a dossier as tdkt --json shows
 * it) whose "id" is id; doc keeps owning it. Fails when there is none. */
json_t *tu_json_proposal(json_t *doc, const char *id);

/*
 * A fixture over mutual TLS on the daemon's test clock (tdktd serve
 * --test-clock): a test that needs time to pass (a ballot to close) moves
 * the clock instead of waiting. tu_cfx_serve takes an initialised fixture
 * (tu_fx_init, and tu_fx_import when it has a registry), sets the clock to 0
 * and serves.
 */
struct tu_cfx {
    struct tu_fx fx;
    char clock[TU_PATH_MAX]; /* the daemon's --test-clock file */
    long long clock_s;       /* the offset in it, seconds */
};
void tu_cfx_serve(struct tu_cfx *f);
/* For cmocka: a clocked fixture of its own (tu_fx_init, tu_fx_import of
 * registry_json, tu_cfx_serve), torn down and freed by
 * tu_cfx_cmocka_teardown. */
struct tu_cfx *tu_cfx_new(const char *registry_json);
int tu_cfx_cmocka_teardown(void **state);
/* Move the daemon's clock seconds forward. */
void tu_cfx_advance(struct tu_cfx *f, long long seconds);
/* Run tdkt as unit over TLS, without retries and with the test timeout,
 * then the NULL-terminated args; returns the exit status, output in out
 * (TU_OUT_MAX bytes). */
int tu_cfx_tdkt(struct tu_cfx *f, const char *unit, char *out, ...);

/* Create or replace path with text. */
void tu_write_file(const char *path, const char *text);
/* The first column of the first row of sql on the SQLite file db, opened
 * read-only; -1 when there is no row. */
int64_t tu_sql_int(const char *db, const char *sql);
/* Run sql on the SQLite file db, as an operator with the sqlite3 shell
 * would, past the daemon; a failure fails the test with SQLite's message. */
void tu_sql_exec(const char *db, const char *sql);

#endif
