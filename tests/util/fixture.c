/* SPDX-License-Identifier: MIT */
/*
 * The shared integration fixture and its file and SQLite helpers (see
 * fixture.h). Everything here drives the real binaries; nothing is mocked.
 */
#include "fixture.h"

#include <stdarg.h>

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TU_FX_START_ARGS (TU_FX_ARGS_MAX + 8) /* kept, --listen and a restart's own */
#define TU_FX_TDKT_ARGS  48                   /* a tdkt command line */

void tu_fx_init(struct tu_fx *f)
{
    memset(f, 0, sizeof *f);
    tu_mkdtemp(f->dir);
    tu_sector_setup(f->dir);
    tu_path(f->data, sizeof f->data, "%s/data", f->dir);
    tu_path(f->db, sizeof f->db, "%s/ledger.db", f->data);
    tu_path(f->tls, sizeof f->tls, "%s/tls", f->dir);
    tu_path(f->ca, sizeof f->ca, "%s/ca.crt", f->tls);
}

void tu_fx_init_bare(struct tu_fx *f)
{
    char out[TU_OUT_MAX];

    memset(f, 0, sizeof *f);
    tu_mkdtemp(f->dir);
    tu_path(f->data, sizeof f->data, "%s/data", f->dir);
    tu_path(f->db, sizeof f->db, "%s/ledger.db", f->data);
    if (tu_runf(out, sizeof out, TDKTD_BIN, "init", "--data", f->data, NULL))
        fail_msg("tdktd init: %s", out);
    if (tu_runf(out, sizeof out, TDKTD_BIN, "unit", "add", "--data", f->data, "--code", "VKSCC2",
                "--name", "Viện kiểm sát nhân dân cấp cao tại Đà Nẵng", "--role", "regional", NULL))
        fail_msg("tdktd unit add: %s", out);
}

void tu_fx_import(const struct tu_fx *f, const char *registry_json)
{
    char reg[TU_PATH_MAX], out[TU_OUT_MAX];

    tu_path(reg, sizeof reg, "%s/registry.json", f->dir);
    tu_write_file(reg, registry_json);
    if (tu_runf(out, sizeof out, TDKTD_BIN, "registry", "import", "--data", f->data, reg, NULL))
        fail_msg("registry import: %s", out);
}

/* Start with the kept arguments, then listen (NULL: a new port), then more. */
static void tu_fx_launch(struct tu_fx *f, const char *listen, const char *const more[])
{
    const char *argv[TU_FX_START_ARGS + 1];
    int n = 0;

    for (int i = 0; i < f->nargs; i++)
        argv[n++] = f->args[i];
    if (listen) {
        argv[n++] = "--listen";
        argv[n++] = listen;
    }
    for (int i = 0; more && more[i]; i++) {
        assert_true(n < TU_FX_START_ARGS);
        argv[n++] = more[i];
    }
    argv[n] = NULL;
    tu_daemon_start(&f->d, f->data, f->transport == TU_FX_TLS ? f->tls : NULL, argv);
}

void tu_fx_serve(struct tu_fx *f, enum tu_fx_transport transport, const char *const extra[])
{
    f->transport = transport;
    f->nargs = 0;
    for (int i = 0; extra && extra[i]; i++) {
        assert_true(f->nargs < TU_FX_ARGS_MAX);
        tu_path(f->args[f->nargs++], TU_PATH_MAX, "%s", extra[i]);
    }
    tu_fx_start(f);
}

void tu_fx_start(struct tu_fx *f)
{
    tu_fx_launch(f, NULL, NULL);
}

void tu_fx_restart(struct tu_fx *f, const char *const more[])
{
    char listen[64];

    /* tu_daemon_start clears d, the port with it: take it first. */
    assert_true(f->d.port > 0);
    snprintf(listen, sizeof listen, "127.0.0.1:%d", f->d.port);
    if (f->d.pid > 0)
        tu_fx_stop(f);
    tu_fx_launch(f, listen, more);
}

void tu_fx_stop(struct tu_fx *f)
{
    assert_int_equal(tu_daemon_stop(&f->d, SIGTERM), 0);
}

void tu_fx_setup(struct tu_fx *f, const char *registry_json, enum tu_fx_transport transport,
                 const char *const extra[])
{
    tu_fx_init(f);
    if (registry_json)
        tu_fx_import(f, registry_json);
    tu_fx_serve(f, transport, extra);
}

void tu_fx_teardown(struct tu_fx *f)
{
    if (f->d.pid > 0)
        tu_daemon_stop(&f->d, SIGTERM);
    tu_rm_rf(f->dir);
}

int tu_fx_tdkt_tls(const struct tu_fx *f, const char *unit, char *out, size_t cap,
                   const char *const args[])
{
    char server[64], crt[TU_PATH_MAX], key[TU_PATH_MAX], store[TU_PATH_MAX];
    const char *argv[TU_FX_TDKT_ARGS + 1];
    int n = 0;

    snprintf(server, sizeof server, "127.0.0.1:%d", f->d.port);
    tu_cert(crt, sizeof crt, f->dir, unit, "crt");
    tu_cert(key, sizeof key, f->dir, unit, "key");
    tu_path(store, sizeof store, "%s/%s.store", f->dir, unit);
    argv[n++] = TDKT_BIN;
    argv[n++] = "--server";
    argv[n++] = server;
    argv[n++] = "--ca";
    argv[n++] = f->ca;
    argv[n++] = "--cert";
    argv[n++] = crt;
    argv[n++] = "--key";
    argv[n++] = key;
    argv[n++] = "--store";
    argv[n++] = store;
    argv[n++] = "--timeout"; /* a hang detector, also under valgrind */
    argv[n++] = TU_CLIENT_TIMEOUT_ARG;
    for (int i = 0; args[i]; i++) {
        assert_true(n < TU_FX_TDKT_ARGS);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    return tu_run(out, cap, argv);
}

struct tu_fx *tu_fx_new(const char *registry_json, enum tu_fx_transport transport,
                        const char *const extra[])
{
    struct tu_fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    tu_fx_setup(f, registry_json, transport, extra);
    return f;
}

int tu_fx_cmocka_teardown(void **state)
{
    tu_fx_teardown(*state);
    free(*state);
    return 0;
}

struct tu_fx *tu_fx_new_bare(int serve, const char *const extra[])
{
    struct tu_fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    tu_fx_init_bare(f);
    if (serve)
        tu_fx_serve(f, TU_FX_PLAIN, extra);
    return f;
}

int tu_fx_cmocka_setup_seed(void **state)
{
    struct tu_fx *f = calloc(1, sizeof *f);
    char out[TU_OUT_MAX];
    int st;

    assert_non_null(f);
    tu_fx_init(f);
    st = tu_runf(out, sizeof out, TDKTD_BIN, "registry", "import", "--data", f->data,
                 TDKT_SOURCE_DIR "/data/registry.json", NULL);
    TU_EXIT_IS(st, 0, out);
    tu_fx_serve(f, TU_FX_PLAIN, NULL);
    *state = f;
    return 0;
}

int tu_fx_cmocka_setup_bare(void **state)
{
    *state = tu_fx_new_bare(0, NULL);
    return 0;
}

int tu_fx_cmocka_teardown_clean(void **state)
{
    struct tu_fx *f = *state;

    if (f->d.pid > 0)
        assert_int_equal(tu_daemon_stop(&f->d, SIGTERM), 0);
    return tu_fx_cmocka_teardown(state);
}

json_t *tu_json_parse(const char *what, const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);

    if (!j)
        fail_msg("%s: %s: %s", what, je.text, text);
    return j;
}

json_t *tu_json_proposal(json_t *doc, const char *id)
{
    json_t *p;
    size_t i;

    json_array_foreach(json_object_get(doc, "proposals"), i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "id")), id) == 0)
            return p;
    }
    fail_msg("no proposal %s", id);
    return NULL;
}

void tu_write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
}

int64_t tu_sql_int(const char *db, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    int64_t n = -1;

    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

void tu_sql_exec(const char *db, const char *sql)
{
    sqlite3 *h;
    char *msg = NULL;

    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("sql failed: %s", msg ? msg : "?");
    sqlite3_close(h);
}

void tu_cfx_serve(struct tu_cfx *f)
{
    tu_path(f->clock, sizeof f->clock, "%s/clock", f->fx.dir);
    f->clock_s = 0;
    tu_clock_set(f->clock, 0);
    const char *on_test_clock[] = {"--test-clock", f->clock, NULL};
    tu_fx_serve(&f->fx, TU_FX_TLS, on_test_clock);
}

struct tu_cfx *tu_cfx_new(const char *registry_json)
{
    struct tu_cfx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    tu_fx_init(&f->fx);
    tu_fx_import(&f->fx, registry_json);
    tu_cfx_serve(f);
    return f;
}

int tu_cfx_cmocka_teardown(void **state)
{
    struct tu_cfx *f = *state;

    tu_fx_teardown(&f->fx);
    free(f);
    return 0;
}

void tu_cfx_advance(struct tu_cfx *f, long long seconds)
{
    f->clock_s += seconds;
    tu_clock_set(f->clock, f->clock_s);
}

int tu_cfx_tdkt(struct tu_cfx *f, const char *unit, char *out, ...)
{
    const char *args[TU_FX_TDKT_ARGS] = {"--timeout", TU_CLIENT_TIMEOUT_ARG, "--retries", "0"};
    int n = 4;
    va_list ap;

    va_start(ap, out);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
        assert_true(n < TU_FX_TDKT_ARGS - 1);
        args[n++] = a;
    }
    va_end(ap);
    args[n] = NULL;
    return tu_fx_tdkt_tls(&f->fx, unit, out, TU_OUT_MAX, args);
}
