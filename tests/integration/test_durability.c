/* SPDX-License-Identifier: MIT */
/*
 * Durability under kill -9: many clients write over TLS while the test kills
 * the real tdktd with SIGKILL and restarts it, again and again. Clients retry
 * every unacknowledged request with its original id. At the end every
 * acknowledged request id must be in the ledger exactly once, and the hash
 * chain and SQLite integrity must check. Bounded: DUR_KILLS cycles, DUR_WORKERS
 * clients writing until the last kill (at most DUR_PER_WORKER each), and a
 * deadline. The fault campaign (scripts/faults, docs/faults.md) runs it
 * longer through the environment: TDKT_DUR_KILLS, TDKT_DUR_WORKERS and
 * TDKT_DUR_DEADLINE_S override the defaults below.
 */
#include "util/testutil.h"

#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/lib/client.h"
#include "common/err.h"
#include "common/wire/envelope.h"

#define DUR_KILLS      20    /* SIGKILL + restart cycles */
#define DUR_WORKERS    16    /* concurrent clients, over 4 units */
#define DUR_PER_WORKER 20000 /* most writes one client attempts */
#define DUR_DEADLINE_S                                                                             \
    300                 /* a worker's whole run: a hang detector, never reached by a slow machine */
#define DUR_ACKS_MAX 40 /* between two kills, 1 to this many new acks (drawn at random) */
/* Under valgrind memcheck (TU_VALGRIND_ENV) every restart and every TLS
 * reconnect of the storm costs 20-50 times more, and 20 cycles of 16 clients
 * pass the deadline; memcheck needs the restart paths, not the load. The
 * environment still overrides these. */
#define DUR_KILLS_VALGRIND   4
#define DUR_WORKERS_VALGRIND 4

static int dur_kills = DUR_KILLS, dur_workers = DUR_WORKERS, dur_deadline_s = DUR_DEADLINE_S;

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    int n = v && *v ? atoi(v) : 0;
    return n > 0 ? n : dflt;
}

struct shared {
    char dir[TU_PATH_MAX];
    char ca[TU_PATH_MAX];
    atomic_int port;
    atomic_int stop;
    atomic_uint acked, replayed, retries;
    /* Signalled at each ack, each failed attempt and each worker's end: the
     * kill loop waits on these events, not on the clock. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running; /* workers not yet ended; under mu */
};

static void shared_signal(struct shared *s)
{
    pthread_mutex_lock(&s->mu);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Wait until *counter reaches target, or every worker has ended. */
static void shared_wait(struct shared *s, atomic_uint *counter, unsigned target)
{
    pthread_mutex_lock(&s->mu);
    while (atomic_load(counter) < target && s->running > 0)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

struct worker {
    struct shared *s;
    int idx;
    uint8_t ids[DUR_PER_WORKER][16];
    int acked[DUR_PER_WORKER];
    uint64_t seq[DUR_PER_WORKER];
    int n; /* ids attempted; each of them must end acknowledged */
    char err[256];
};

static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void idhex(const uint8_t id[16], char out[33])
{
    for (int i = 0; i < 16; i++)
        sprintf(out + 2 * i, "%02x", id[i]);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    static const char *const codes[] = {"VKSCC1", "VKSCC2", "VKSCC3", "VKSTC"};
    const char *code = codes[w->idx % 4];
    char hex[33];
    struct tdkt_client *c = NULL;
    time_t deadline = time(NULL) + dur_deadline_s;
    int i = 0;

    for (int k = 0; k < DUR_PER_WORKER; k++)
        request_id_generate(w->ids[k]);

    for (;;) {
        /* Stop only between requests: an id once sent is retried until it
         * is acknowledged, so it must end up in the ledger exactly once. */
        if (i == w->n) {
            if (atomic_load(&w->s->stop) || i == DUR_PER_WORKER)
                break;
            w->n++;
        }
        if (time(NULL) > deadline) {
            snprintf(w->err, sizeof w->err, "deadline passed at write %d", i);
            break;
        }
        if (!c) {
            struct tu_client_tls t;

            tu_client_tls(&t, w->s->dir, atomic_load(&w->s->port), code);
            if (tdkt_client_connect(&t.o, &c) < 0) {
                tdkt_client_close(c);
                c = NULL;
                atomic_fetch_add(&w->s->retries, 1);
                shared_signal(w->s);
                nap(30); /* the client's backoff before reconnecting, not a wait */
                continue;
            }
        }
        struct tdkt_receipt r;
        idhex(w->ids[i], hex);
        int rc = tdkt_client_note_put(c, w->ids[i], hex, "durability", &r);
        if (rc == 0) {
            w->acked[i] = 1;
            w->seq[i] = r.seq;
            if (r.replayed)
                atomic_fetch_add(&w->s->replayed, 1);
            atomic_fetch_add(&w->s->acked, 1);
            shared_signal(w->s);
            i++;
            continue;
        }
        if (tdkt_client_last_error(c)->wire &&
            tdkt_client_last_error(c)->wire != TDKT__ERROR_CODE__ERROR_CODE_UNAVAILABLE &&
            tdkt_client_last_error(c)->wire != TDKT__ERROR_CODE__ERROR_CODE_STORAGE) {
            snprintf(w->err, sizeof w->err, "refused: %s", tdkt_client_errmsg(c));
            break;
        }
        /* Not acknowledged: retry the SAME id on a new connection. */
        tdkt_client_close(c);
        c = NULL;
        atomic_fetch_add(&w->s->retries, 1);
        shared_signal(w->s);
        nap(20); /* the client's backoff, not a wait */
    }
    tdkt_client_close(c);
    pthread_mutex_lock(&w->s->mu);
    w->s->running--;
    pthread_cond_broadcast(&w->s->cv);
    pthread_mutex_unlock(&w->s->mu);
    return NULL;
}

static void test_kill9_during_write_storm(void **state)
{
    (void)state;
    static struct shared s;
    struct worker *w;
    pthread_t *th;
    struct tu_daemon d;
    char data[TU_PATH_MAX], tls[TU_PATH_MAX], out[TU_OUT_MAX], path[TU_PATH_MAX];

    dur_kills = env_int("TDKT_DUR_KILLS", tu_valgrind_on() ? DUR_KILLS_VALGRIND : DUR_KILLS);
    dur_workers =
        env_int("TDKT_DUR_WORKERS", tu_valgrind_on() ? DUR_WORKERS_VALGRIND : DUR_WORKERS);
    dur_deadline_s = env_int("TDKT_DUR_DEADLINE_S", DUR_DEADLINE_S);
    w = calloc((size_t)dur_workers, sizeof *w);
    th = calloc((size_t)dur_workers, sizeof *th);
    unsigned *acked_at_kill = calloc((size_t)dur_kills, sizeof *acked_at_kill);
    assert_true(w && th && acked_at_kill);
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    s.running = dur_workers;
    tu_mkdtemp(s.dir);
    tu_sector_setup(s.dir);
    tu_path(data, sizeof data, "%s/data", s.dir);
    tu_path(tls, sizeof tls, "%s/tls", s.dir);
    tu_path(s.ca, sizeof s.ca, "%s/tls/ca.crt", s.dir);
    tu_daemon_start(&d, data, tls, NULL);
    atomic_store(&s.port, d.port);

    for (int i = 0; i < dur_workers; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].s = &s;
        w[i].idx = i;
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    srand(12345);
    int kills = 0;
    while (kills < dur_kills) {
        /* Kill after a random number of new acks, so every kill lands while
         * writes are being acknowledged, whatever the machine's speed. */
        shared_wait(&s, &s.acked, atomic_load(&s.acked) + 1 + (unsigned)(rand() % DUR_ACKS_MAX));
        acked_at_kill[kills] = atomic_load(&s.acked);
        assert_int_equal(tu_daemon_stop(&d, SIGKILL), 128 + SIGKILL);
        kills++;
        /* Down until some client has found it down (a failed attempt). */
        shared_wait(&s, &s.retries, atomic_load(&s.retries) + 1);
        tu_daemon_start(&d, data, tls, NULL);
        atomic_store(&s.port, d.port);
    }
    shared_wait(&s, &s.acked, atomic_load(&s.acked) + DUR_ACKS_MAX);
    atomic_store(&s.stop, 1);
    for (int i = 0; i < dur_workers; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(tu_daemon_stop(&d, SIGTERM), 0);

    /* Every id a worker sent was acknowledged in the end. */
    unsigned expected = 0;
    for (int i = 0; i < dur_workers; i++) {
        if (w[i].err[0])
            fail_msg("worker %d: %s", i, w[i].err);
        for (int k = 0; k < w[i].n; k++)
            assert_true(w[i].acked[k]);
        expected += (unsigned)w[i].n;
    }

    /* Check the database file directly, as an auditor would. */
    sqlite3 *db;
    sqlite3_stmt *st;
    tu_path(path, sizeof path, "%s/ledger.db", data);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM ledger WHERE kind='note.put' AND "
                                        "unit=?1 AND seq=?2",
                                        -1, &st, NULL),
                     SQLITE_OK);
    unsigned lost = 0;
    for (int i = 0; i < dur_workers; i++) {
        static const char *const codes[] = {"VKSCC1", "VKSCC2", "VKSCC3", "VKSTC"};
        for (int k = 0; k < w[i].n; k++) {
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, codes[i % 4], -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)w[i].seq[k]);
            assert_int_equal(sqlite3_step(st), SQLITE_ROW);
            if (sqlite3_column_int(st, 0) != 1)
                lost++;
        }
    }
    sqlite3_finalize(st);
    /* Exactly once: one note.put entry per acknowledged id, no more. */
    unsigned total = 0, distinct = 0, requests = 0;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT count(*) FROM ledger WHERE kind='note.put'", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    total = (unsigned)sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM notes", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    distinct = (unsigned)sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM requests", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    requests = (unsigned)sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    /* The whole file, not only the pages the counts touched. */
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int integrity_ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_finalize(st);
    sqlite3_close(db);

    print_message("kills: %d, acked: %u, lost: %u, duplicated: %u, replayed acks: %u, "
                  "client retries: %u, writers: %d, integrity_check: %s\n",
                  kills, atomic_load(&s.acked), lost, total - distinct, atomic_load(&s.replayed),
                  atomic_load(&s.retries), dur_workers, integrity_ok ? "ok" : "FAILED");
    assert_true(integrity_ok);
    assert_int_equal(lost, 0);
    assert_int_equal(total, expected);
    assert_int_equal(distinct, expected);
    assert_int_equal(requests, expected);
    /* The kills happened while writes were being acknowledged. */
    assert_int_equal(kills, dur_kills);
    for (int k = 1; k < dur_kills; k++)
        assert_true(acked_at_kill[k] < expected);

    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", data, NULL), 0);
    assert_non_null(strstr(out, "ledger verified"));
    tu_rm_rf(s.dir);
    free(acked_at_kill);
    free(th);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill9_during_write_storm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
