/* SPDX-License-Identifier: MIT */
/*
 * The database thread with a real libuv loop and a real ledger file: group
 * commit, per-job savepoints, acknowledgement only after the data is visible
 * to another connection, draining at stop, and the FAILED state after a
 * COMMIT error. Gate jobs hold the database thread at a known point so that
 * which jobs share a transaction is deterministic, not a matter of timing.
 */
#include "testutil.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <uv.h>

#include "common/err.h"
#include "server/db/dbthread.h"
#include "server/ledger/ledger.h"

#define N_JOBS   64
#define MAX_JOBS 128

/* Holds the database thread inside a job's run until the test opens it. */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int entered, open;
};

static void gate_init(struct gate *g)
{
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->entered = g->open = 0;
}

static void gate_destroy(struct gate *g)
{
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
}

static void gate_pass(struct gate *g) /* database thread */
{
    pthread_mutex_lock(&g->mu);
    g->entered = 1;
    pthread_cond_broadcast(&g->cv);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void gate_wait_entered(struct gate *g)
{
    pthread_mutex_lock(&g->mu);
    while (!g->entered)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void gate_open(struct gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->open = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

enum tjob_kind {
    TJ_APPEND, /* write: append one entry */
    TJ_FAIL,   /* write: append, then fail */
    TJ_FK,     /* write: append and leave a deferred foreign key violation */
    TJ_GATE,   /* read: wait at the gate */
    TJ_GATE_W, /* write: append, then wait at the gate */
    TJ_HEAD,   /* read: ledger height */
};

struct fx;

struct tjob {
    struct db_job job; /* first: a db_job* is a tjob* */
    struct fx *f;
    enum tjob_kind kind;
    int id;
    struct gate *gate;
    uint64_t seq;    /* written by run */
    uint64_t height; /* TJ_HEAD */
    int done_calls, status, order;
    int check_visible;
};

struct fx {
    char dir[TU_PATH_MAX];
    char path[TU_PATH_MAX];
    uv_loop_t loop;
    struct dbthread *d;
    int closed;
    int done_count;
    struct tjob jobs[MAX_JOBS];
    int njobs;
    void (*on_done)(struct fx *f, struct tjob *j); /* extra check per job */
};

static int tjob_run(struct db_job *job, struct ledger *l, int64_t now)
{
    struct tjob *j = (struct tjob *)job;
    char payload[32];
    int len, rc;

    switch (j->kind) {
    case TJ_GATE:
        gate_pass(j->gate);
        return 0;
    case TJ_HEAD:
        return ledger_head(l, &j->height, NULL);
    default:
        break;
    }
    len = snprintf(payload, sizeof payload, "job-%d", j->id);
    rc = ledger_append(l, 1000 + j->id, "UNIT1", "test.job", (const uint8_t *)payload, (size_t)len,
                       &j->seq, NULL);
    if (rc < 0)
        return rc;
    switch (j->kind) {
    case TJ_FAIL:
        return TDKT_EINVAL;
    case TJ_FK:
        /* The violation is only detected at COMMIT, failing the whole batch. */
        if (sqlite3_exec(ledger_db(l),
                         "PRAGMA defer_foreign_keys = ON;"
                         "INSERT INTO certs(serial, unit) VALUES ('aa', 'NOUNIT');",
                         NULL, NULL, NULL) != SQLITE_OK)
            return TDKT_EDB;
        return 0;
    case TJ_GATE_W:
        gate_pass(j->gate);
        return 0;
    default:
        return 0;
    }
}

static uint64_t file_height(const char *path, int verify)
{
    struct ledger *l = NULL;
    char err[256];
    uint64_t h = 0, bad = 0;
    int rc = ledger_open(path, LEDGER_OPEN_READONLY, &l, err, sizeof err);
    if (rc != 0)
        fail_msg("open read-only: %s", err);
    assert_int_equal(ledger_head(l, &h, NULL), 0);
    if (verify)
        assert_int_equal(ledger_verify_log(l, &bad), 0);
    ledger_close(l);
    return h;
}

static void tjob_done(struct db_job *job, int status)
{
    struct tjob *j = (struct tjob *)job;
    struct fx *f = j->f;

    j->done_calls++;
    j->status = status;
    j->order = f->done_count++;
    if (j->check_visible && status == 0) {
        /* Acknowledged means durable: another connection already sees it. */
        assert_true(file_height(f->path, 0) >= j->seq);
    }
    if (f->on_done)
        f->on_done(f, j);
}

static struct tjob *tjob_new(struct fx *f, enum tjob_kind kind, struct gate *g)
{
    assert_true(f->njobs < MAX_JOBS);
    struct tjob *j = &f->jobs[f->njobs];
    memset(j, 0, sizeof *j);
    j->f = f;
    j->kind = kind;
    j->id = f->njobs++;
    j->gate = g;
    j->job.write = kind != TJ_GATE && kind != TJ_HEAD;
    j->job.run = tjob_run;
    j->job.done = tjob_done;
    return j;
}

static int submit(struct fx *f, enum tjob_kind kind, struct gate *g)
{
    return dbthread_submit(f->d, &tjob_new(f, kind, g)->job);
}

static void on_closed(void *arg)
{
    struct fx *f = arg;
    f->closed++;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct ledger *l = NULL;
    char err[256];

    assert_non_null(f);
    tu_mkdtemp(f->dir);
    tu_path(f->path, sizeof f->path, "%s/ledger.db", f->dir);
    assert_int_equal(ledger_open(f->path, LEDGER_OPEN_CREATE, &l, err, sizeof err), 0);
    assert_int_equal(uv_loop_init(&f->loop), 0);
    assert_int_equal(dbthread_start(&f->loop, l, &f->d), 0);
    *state = f;
    return 0;
}

/* Stop the thread (if the test did not), run the loop until it is closed and
 * check that nothing was left on the loop. */
static void finish(struct fx *f)
{
    if (f->d && !f->closed) {
        dbthread_stop(f->d, on_closed, f);
        f->d = NULL;
    }
    assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(f->closed, 1);
    assert_int_equal(uv_loop_close(&f->loop), 0);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tu_rm_rf(f->dir);
    free(f);
    return 0;
}

static void test_group_commit(void **state)
{
    struct fx *f = *state;
    struct dbthread_stats st;
    struct gate g;

    gate_init(&g);
    assert_int_equal(submit(f, TJ_GATE, &g), 0);
    gate_wait_entered(&g);
    for (int i = 0; i < N_JOBS; i++)
        assert_int_equal(submit(f, TJ_APPEND, NULL), 0);
    gate_open(&g);
    while (f->done_count < N_JOBS + 1)
        uv_run(&f->loop, UV_RUN_ONCE);

    dbthread_stats(f->d, &st);
    assert_int_equal(st.batches, 1);
    assert_int_equal(st.write_jobs, N_JOBS);
    assert_int_equal(st.max_batch, N_JOBS);
    for (int i = 0; i < f->njobs; i++) {
        assert_int_equal(f->jobs[i].done_calls, 1);
        assert_int_equal(f->jobs[i].status, 0);
        assert_int_equal(f->jobs[i].order, i); /* FIFO */
        if (i > 0)
            assert_int_equal(f->jobs[i].seq, (uint64_t)i);
    }
    finish(f);
    assert_int_equal(file_height(f->path, 1), N_JOBS);
    gate_destroy(&g);
}

static void test_natural_batching(void **state)
{
    struct fx *f = *state;
    struct dbthread_stats st;

    /* Submitted in one loop tick without a gate: the thread picks up what is
     * queued whenever it is free, so fewer transactions than jobs. */
    for (int i = 0; i < N_JOBS; i++)
        assert_int_equal(submit(f, TJ_APPEND, NULL), 0);
    while (f->done_count < N_JOBS)
        uv_run(&f->loop, UV_RUN_ONCE);
    dbthread_stats(f->d, &st);
    print_message("%d jobs in %" PRIu64 " transactions\n", N_JOBS, st.batches);
    assert_true(st.batches < N_JOBS);
    assert_int_equal(st.write_jobs, N_JOBS);
    for (int i = 0; i < N_JOBS; i++)
        assert_int_equal(f->jobs[i].status, 0);
    finish(f);
    assert_int_equal(file_height(f->path, 1), N_JOBS);
}

static void test_failing_job_rolled_back_alone(void **state)
{
    struct fx *f = *state;
    struct dbthread_stats st;
    struct gate g;
    const int n = 10, bad = 5; /* job ids 1..n; id 0 is the gate */

    gate_init(&g);
    assert_int_equal(submit(f, TJ_GATE, &g), 0);
    gate_wait_entered(&g);
    for (int i = 1; i <= n; i++)
        assert_int_equal(submit(f, i == bad ? TJ_FAIL : TJ_APPEND, NULL), 0);
    gate_open(&g);
    while (f->done_count < n + 1)
        uv_run(&f->loop, UV_RUN_ONCE);

    dbthread_stats(f->d, &st);
    assert_int_equal(st.batches, 1);
    assert_int_equal(st.write_jobs, n - 1);
    for (int i = 1; i <= n; i++) {
        assert_int_equal(f->jobs[i].status, i == bad ? TDKT_EINVAL : 0);
        /* The neighbours chain on without a gap where the failure was. */
        if (i != bad)
            assert_int_equal(f->jobs[i].seq, (uint64_t)(i < bad ? i : i - 1));
    }
    finish(f);
    assert_int_equal(file_height(f->path, 1), n - 1);

    /* The failed job's entry is not there. */
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT count(*) FROM ledger WHERE payload = 'job-5'", -1, &q, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    gate_destroy(&g);
}

static void test_ack_after_commit(void **state)
{
    struct fx *f = *state;

    for (int i = 0; i < 20; i++) {
        struct tjob *j = tjob_new(f, TJ_APPEND, NULL);
        j->check_visible = 1;
        assert_int_equal(dbthread_submit(f->d, &j->job), 0);
    }
    while (f->done_count < 20)
        uv_run(&f->loop, UV_RUN_ONCE);
    for (int i = 0; i < 20; i++)
        assert_int_equal(f->jobs[i].status, 0);
    finish(f);
}

static void test_stop_drains_queue(void **state)
{
    struct fx *f = *state;
    struct gate g;
    const int n = 30;

    gate_init(&g);
    assert_int_equal(submit(f, TJ_GATE, &g), 0);
    gate_wait_entered(&g);
    for (int i = 0; i < n; i++)
        assert_int_equal(submit(f, i % 3 ? TJ_APPEND : TJ_HEAD, NULL), 0);
    dbthread_stop(f->d, on_closed, f);
    /* Stopping refuses new work at once, reads and writes alike. */
    assert_int_equal(submit(f, TJ_APPEND, NULL), TDKT_EUNAVAIL);
    assert_int_equal(submit(f, TJ_HEAD, NULL), TDKT_EUNAVAIL);
    f->njobs -= 2;
    gate_open(&g);
    f->d = NULL;
    finish(f);

    assert_int_equal(f->done_count, n + 1);
    for (int i = 0; i <= n; i++) {
        assert_int_equal(f->jobs[i].done_calls, 1);
        assert_int_equal(f->jobs[i].status, 0);
    }
    assert_int_equal(file_height(f->path, 1), (uint64_t)(n - n / 3));
    gate_destroy(&g);
}

/* After the failed batch and the queued write are answered: the state a
 * client would see next. */
static void after_failure(struct fx *f, struct tjob *j)
{
    if (j->kind != TJ_HEAD)
        return;
    assert_int_equal(dbthread_failed(f->d), 1);
    assert_int_equal(submit(f, TJ_APPEND, NULL), TDKT_EUNAVAIL);
    f->njobs--;
    assert_int_equal(j->status, 0); /* reads still work */
    assert_int_equal(j->height, 0); /* nothing of the batch is there */
    dbthread_stop(f->d, on_closed, f);
    f->d = NULL;
}

static void test_commit_failure_enters_failed(void **state)
{
    struct fx *f = *state;
    struct gate g1, g2;

    gate_init(&g1);
    gate_init(&g2);
    f->on_done = after_failure;
    assert_int_equal(submit(f, TJ_GATE, &g1), 0); /* 0 */
    gate_wait_entered(&g1);
    assert_int_equal(submit(f, TJ_APPEND, NULL), 0); /* 1 */
    assert_int_equal(submit(f, TJ_FK, NULL), 0);     /* 2 */
    assert_int_equal(submit(f, TJ_FAIL, NULL), 0);   /* 3: keeps its own error */
    assert_int_equal(submit(f, TJ_GATE_W, &g2), 0);  /* 4 */
    gate_open(&g1);
    /* Job 4 is running inside the doomed transaction: queue more behind it. */
    gate_wait_entered(&g2);
    assert_int_equal(dbthread_failed(f->d), 0);
    assert_int_equal(submit(f, TJ_APPEND, NULL), 0); /* 5: refused by done */
    assert_int_equal(submit(f, TJ_HEAD, NULL), 0);   /* 6: still served */
    gate_open(&g2);
    while (f->done_count < 7)
        uv_run(&f->loop, UV_RUN_ONCE);

    assert_int_equal(f->jobs[0].status, 0);
    assert_int_equal(f->jobs[1].status, TDKT_EDB);
    assert_int_equal(f->jobs[2].status, TDKT_EDB);
    assert_int_equal(f->jobs[3].status, TDKT_EINVAL);
    assert_int_equal(f->jobs[4].status, TDKT_EDB);
    assert_int_equal(f->jobs[5].status, TDKT_EUNAVAIL);
    assert_int_equal(f->jobs[6].status, 0);
    for (int i = 0; i < 7; i++)
        assert_int_equal(f->jobs[i].done_calls, 1);
    finish(f);

    assert_int_equal(file_height(f->path, 1), 0);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM certs", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    gate_destroy(&g1);
    gate_destroy(&g2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_natural_batching, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_job_rolled_back_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_after_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_drains_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_failure_enters_failed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
