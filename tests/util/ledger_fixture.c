/* SPDX-License-Identifier: MIT */
/*
 * The unit tests' ledger (see ledger_fixture.h): the production ledger,
 * signing key, registry and catalog modules, set up as tdktd init, unit add
 * and registry import set them up, and the database thread's batch order
 * without its thread.
 */
#include "ledger_fixture.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto/sth.h"
#include "common/domain/registry_json.h"
#include "common/err.h"
#include "server/registry/catalog.h"
#include "server/clock/clock.h"
#include "server/ledger/treelog.h"

#define TU_LEDGER_ACTOR "ADMIN" /* the actor tdktd's own subcommands record */

static void tu_ledger_unit(struct registry_unit *u, const char *code, const char *name, int role)
{
    memset(u, 0, sizeof *u);
    snprintf(u->code, sizeof u->code, "%s", code);
    snprintf(u->name, sizeof u->name, "%s", name);
    u->role = role;
}

void tu_ledger_open_empty(struct tu_ledger *t)
{
    char path[TU_PATH_MAX], err[512] = "";

    memset(t, 0, sizeof *t);
    tu_mkdtemp(t->dir);
    tu_path(path, sizeof path, "%s/ledger.db", t->dir);
    if (ledger_open(path, LEDGER_OPEN_CREATE, &t->l, err, sizeof err) < 0)
        fail_msg("ledger fixture: %s", err);
}

void tu_ledger_open(struct tu_ledger *t)
{
    char key[TU_PATH_MAX], err[512] = "";

    tu_ledger_open_empty(t);
    tu_path(key, sizeof key, "%s/ledger.key", t->dir);
    if (sth_key_load(key, 1, &t->signer, err, sizeof err) < 0)
        fail_msg("ledger fixture: %s", err);
    ledger_set_signer(t->l, t->signer);
    tu_ledger_unit(&t->central, "VKSTC", "Viện kiểm sát nhân dân tối cao", REGISTRY_ROLE_CENTRAL);
    tu_ledger_unit(&t->regional[0], "VKSCC1", "Viện kiểm sát nhân dân cấp cao tại Hà Nội",
                   REGISTRY_ROLE_REGIONAL);
    tu_ledger_unit(&t->regional[1], "VKSCC2", "Viện kiểm sát nhân dân cấp cao tại Đà Nẵng",
                   REGISTRY_ROLE_REGIONAL);
    tu_ledger_unit(&t->regional[2], "VKSCC3",
                   "Viện kiểm sát nhân dân cấp cao tại Thành phố Hồ Chí Minh",
                   REGISTRY_ROLE_REGIONAL);
    assert_int_equal(ledger_begin(t->l), 0);
    assert_int_equal(registry_unit_register(t->l, TU_LEDGER_T0, TU_LEDGER_ACTOR, &t->central), 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(
            registry_unit_register(t->l, TU_LEDGER_T0, TU_LEDGER_ACTOR, &t->regional[i]), 0);
    assert_int_equal(ledger_commit(t->l), 0);
}

void tu_ledger_close(struct tu_ledger *t)
{
    ledger_close(t->l);
    sth_key_free(t->signer);
    t->l = NULL;
    t->signer = NULL;
    tu_rm_rf(t->dir);
}

int tu_ledger_apply(struct tu_ledger *t, const char *registry_json, int *appended, struct fault *f)
{
    Tdkt__RegistryRecord **recs = NULL;
    size_t n = 0;
    char err[REGISTRY_JSON_ERR_MIN];
    int rc = 0, one;

    if (registry_json_parse(registry_json, strlen(registry_json), &recs, &n, err, sizeof err) < 0)
        fail_msg("registry JSON: %s", err);
    *appended = 0;
    assert_int_equal(ledger_begin(t->l), 0);
    for (size_t i = 0; i < n && rc == 0; i++) {
        memset(f, 0, sizeof *f);
        one = 0;
        rc = catalog_apply(t->l, TU_LEDGER_T0, TU_LEDGER_ACTOR, recs[i], &one, f);
        *appended += one;
    }
    registry_records_free(recs, n);
    if (rc == 0)
        assert_int_equal(ledger_commit(t->l), 0);
    else
        assert_int_equal(ledger_rollback(t->l), 0);
    return rc;
}

void tu_ledger_import(struct tu_ledger *t, const char *registry_json)
{
    struct fault f;
    int appended, rc = tu_ledger_apply(t, registry_json, &appended, &f);

    if (rc < 0)
        fail_msg("registry record refused: %s: %s (%s)", f.field, f.why.text, tdkt_strerror(rc));
}

int tu_ledger_cmocka_setup(void **state)
{
    struct tu_ledger *t = calloc(1, sizeof *t);

    assert_non_null(t);
    tu_ledger_open(t);
    *state = t;
    return 0;
}

int tu_ledger_cmocka_setup_empty(void **state)
{
    struct tu_ledger *t = calloc(1, sizeof *t);

    assert_non_null(t);
    tu_ledger_open_empty(t);
    *state = t;
    return 0;
}

int tu_ledger_cmocka_teardown(void **state)
{
    tu_ledger_close(*state);
    free(*state);
    return 0;
}

/* One write in its own savepoint, as dbthread_run_write runs it. */
static int tu_ledger_run_write(struct tu_ledger *t, struct db_job *job, int64_t now)
{
    int rc = ledger_savepoint(t->l);

    if (rc < 0)
        return rc;
    rc = job->run(job, t->l, now);
    if (rc < 0) {
        (void)ledger_rollback_to(t->l);
        return rc;
    }
    int rel = ledger_release(t->l);
    return rel < 0 ? rel : rc;
}

/* The writes of a batch, as dbthread_run_writes applies them; 0 when they
 * committed (or there were none). */
static int tu_ledger_run_writes(struct tu_ledger *t, struct db_job *const jobs[], size_t n,
                                int status[], int64_t now)
{
    size_t writes = 0;
    int rc;

    for (size_t i = 0; i < n; i++)
        writes += jobs[i]->write != 0;
    if (writes == 0)
        return 0;
    if ((rc = ledger_begin(t->l)) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (jobs[i]->write)
            status[i] = tu_ledger_run_write(t, jobs[i], now);
    /* The finish steps run after every job of the batch, in job order, so a
     * retry finds its original completed (server/dispatch/receipt.h). */
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (jobs[i]->write && status[i] >= 0 && jobs[i]->finish)
            rc = jobs[i]->finish(jobs[i], t->l, now);
    if (rc < 0)
        ledger_rollback(t->l);
    else
        rc = ledger_commit(t->l);
out:
    for (size_t i = 0; rc < 0 && i < n; i++)
        if (jobs[i]->write && status[i] >= 0)
            status[i] = rc;
    return rc;
}

int tu_ledger_batch(struct tu_ledger *t, struct db_job *const jobs[], size_t n, int status[])
{
    /* One time for the whole batch, read once, as the database thread does. */
    int64_t now = clock_now_ms();
    for (size_t i = 0; i < n; i++)
        status[i] = 0;
    int rc = tu_ledger_run_writes(t, jobs, n, status, now);
    /* Reads run after the COMMIT and see the batch's writes. */
    for (size_t i = 0; i < n; i++)
        if (!jobs[i]->write)
            status[i] = jobs[i]->run(jobs[i], t->l, now);
    return rc;
}

uint64_t tu_ledger_height(struct tu_ledger *t)
{
    uint64_t h = 0;

    assert_int_equal(ledger_head(t->l, &h, NULL), 0);
    return h;
}

sqlite3_stmt *tu_ledger_row(struct tu_ledger *t, const char *sql)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(ledger_db(t->l), sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(ledger_db(t->l)));
    if (sqlite3_step(st) != SQLITE_ROW)
        fail_msg("%s: no row", sql);
    return st;
}

int64_t tu_ledger_sql_int(struct tu_ledger *t, const char *sql)
{
    sqlite3_stmt *st = tu_ledger_row(t, sql);
    int64_t n = sqlite3_column_int64(st, 0);

    sqlite3_finalize(st);
    return n;
}

/* One node of the frontier into the merkle table (put: its INSERT). */
static int tu_ledger_put_node(void *arg, unsigned level, uint64_t idx, const uint8_t hash[32])
{
    sqlite3_stmt *put = arg;
    sqlite3_bind_int(put, 1, (int)level);
    sqlite3_bind_int64(put, 2, (sqlite3_int64)idx);
    sqlite3_bind_blob(put, 3, hash, 32, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(put), SQLITE_DONE);
    sqlite3_reset(put);
    return 0;
}

void tu_ledger_file_rehash(const char *db_path)
{
    struct treelog_frontier fr;
    sqlite3 *db;
    sqlite3_stmt *scan, *upd, *put;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TRIGGER IF EXISTS ledger_no_update;"
                                  "DROP TRIGGER IF EXISTS merkle_no_delete;"
                                  "DELETE FROM merkle;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT seq, time_ms, unit, kind, payload FROM ledger"
                                        " ORDER BY seq",
                                        -1, &scan, NULL),
                     SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "UPDATE ledger SET hash = ?1 WHERE seq = ?2", -1, &upd, NULL),
        SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "INSERT INTO merkle VALUES (?1, ?2, ?3)", -1, &put, NULL),
        SQLITE_OK);
    treelog_frontier_init(&fr);
    while (sqlite3_step(scan) == SQLITE_ROW) {
        uint8_t leaf[32];
        int64_t seq = sqlite3_column_int64(scan, 0);
        assert_int_equal(ledger_leaf_hash((uint64_t)seq, sqlite3_column_int64(scan, 1),
                                          (const char *)sqlite3_column_text(scan, 2),
                                          (const char *)sqlite3_column_text(scan, 3),
                                          sqlite3_column_blob(scan, 4),
                                          (size_t)sqlite3_column_bytes(scan, 4), leaf),
                         0);
        sqlite3_bind_blob(upd, 1, leaf, 32, SQLITE_STATIC);
        sqlite3_bind_int64(upd, 2, seq);
        assert_int_equal(sqlite3_step(upd), SQLITE_DONE);
        sqlite3_reset(upd);
        assert_int_equal(treelog_frontier_add(&fr, leaf, tu_ledger_put_node, put), 0);
    }
    sqlite3_finalize(scan);
    sqlite3_finalize(upd);
    sqlite3_finalize(put);
    sqlite3_close(db);
}
