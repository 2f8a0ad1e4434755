/* SPDX-License-Identifier: MIT */
/*
 * tdkt-bench-sqlite: the raw SQLite reference for scripts/bench. It inserts
 * the rows tdkt-bench uploads straight into a SQLite file from one thread,
 * with the durability tdktd's ledger uses (journal_mode=WAL,
 * synchronous=FULL), and no network, TLS, protobuf, hash chain or
 * idempotency bookkeeping: what a program that wrote its own file would get.
 *
 *   single  one note row (unit, key, text, time) per transaction, as
 *           NotePut sends one record per request;
 *   batch   --batch target rows (unit, year, code, name, planned, achieved,
 *           time) per transaction, as one ResultsPut carries them. Every
 *           transaction revises the same codes with new values and appends
 *           rows (the ledger appends too), with an index on the key.
 *
 * It writes FILE (which must not exist) and nothing else; errors follow
 * common/err.h (0 or a negative TDKT_E* code) and a failed statement ends
 * the run with SQLite's message. Output: a report and one "RESULT" line.
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "common/err.h"

#define REF_SECONDS_MAX     600
#define REF_BATCH_MAX       20000
#define REF_SAMPLES_MAX     (4u << 20) /* transaction latencies kept */
#define REF_UNIT            "BENCH01"
#define REF_YEAR            2030
#define REF_CODE_MAX        16
#define REF_NAME_MAX        48
#define REF_KEY_MAX         64
#define REF_BUSY_TIMEOUT_MS 5000

/* The same text tdkt-bench sends in every NotePut. */
static const char ref_note_text[] =
    "Thông báo rút kinh nghiệm: hồ sơ vụ án đã được kiểm sát đúng hạn, đủ thủ tục.";

static const char ref_schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE notes(id INTEGER PRIMARY KEY, unit TEXT NOT NULL, key TEXT NOT NULL,"
    " text TEXT NOT NULL, time_ms INTEGER NOT NULL, UNIQUE(unit, key));"
    "CREATE TABLE targets(id INTEGER PRIMARY KEY, unit TEXT NOT NULL, year INTEGER NOT NULL,"
    " code TEXT NOT NULL, name TEXT NOT NULL, planned REAL NOT NULL, achieved REAL NOT NULL,"
    " time_ms INTEGER NOT NULL);"
    "CREATE INDEX targets_key ON targets(unit, year, code);";

struct ref {
    sqlite3 *db;
    sqlite3_stmt *begin, *commit, *ins;
    uint32_t *lat_us;
    size_t nlat;
};

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int db_fail(struct ref *r, const char *what)
{
    fprintf(stderr, "tdkt-bench-sqlite: %s: %s\n", what, sqlite3_errmsg(r->db));
    return TDKT_EDB;
}

static int step_reset(struct ref *r, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_fail(r, what);
}

static int ref_open(struct ref *r, const char *path, int batch)
{
    const char *ins =
        batch ? "INSERT INTO targets(unit, year, code, name, planned, achieved, time_ms)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
              : "INSERT INTO notes(unit, key, text, time_ms) VALUES (?1, ?2, ?3, ?4)";
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        return db_fail(r, "open");
    sqlite3_busy_timeout(r->db, REF_BUSY_TIMEOUT_MS);
    if (sqlite3_exec(r->db, ref_schema, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(r, "schema");
    if (sqlite3_prepare_v2(r->db, "BEGIN IMMEDIATE", -1, &r->begin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db, "COMMIT", -1, &r->commit, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db, ins, -1, &r->ins, NULL) != SQLITE_OK)
        return db_fail(r, "prepare");
    r->lat_us = malloc(REF_SAMPLES_MAX * sizeof *r->lat_us);
    return r->lat_us ? 0 : TDKT_ENOMEM;
}

static void ref_close(struct ref *r)
{
    sqlite3_finalize(r->begin);
    sqlite3_finalize(r->commit);
    sqlite3_finalize(r->ins);
    sqlite3_close(r->db);
    free(r->lat_us);
}

/* One transaction: rows rows, numbered from n (batch) or one note n. */
static int ref_txn(struct ref *r, int batch, int rows, uint64_t n)
{
    char key[REF_KEY_MAX], code[REF_CODE_MAX], name[REF_NAME_MAX];
    int rc = step_reset(r, r->begin, "BEGIN");
    for (int i = 0; rc == 0 && i < rows; i++) {
        if (batch) {
            snprintf(code, sizeof code, "CT%05d", i + 1);
            snprintf(name, sizeof name, "Chỉ tiêu công tác số %d", i + 1);
            sqlite3_bind_text(r->ins, 1, REF_UNIT, -1, SQLITE_STATIC);
            sqlite3_bind_int(r->ins, 2, REF_YEAR);
            sqlite3_bind_text(r->ins, 3, code, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(r->ins, 4, name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_double(r->ins, 5, 100);
            sqlite3_bind_double(r->ins, 6, (double)n + i / 8.0);
            sqlite3_bind_int64(r->ins, 7, wall_ms());
        } else {
            snprintf(key, sizeof key, "bench/0/%" PRIu64, n);
            sqlite3_bind_text(r->ins, 1, REF_UNIT, -1, SQLITE_STATIC);
            sqlite3_bind_text(r->ins, 2, key, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(r->ins, 3, ref_note_text, -1, SQLITE_STATIC);
            sqlite3_bind_int64(r->ins, 4, wall_ms());
        }
        rc = step_reset(r, r->ins, "INSERT");
    }
    if (rc == 0)
        rc = step_reset(r, r->commit, "COMMIT");
    return rc;
}

int main(int argc, char **argv)
{
    struct ref r = {0};
    int seconds = 0, rows = 1, batch, rc;
    uint64_t txns = 0;

    if (argc != 5 || (strcmp(argv[1], "single") != 0 && strcmp(argv[1], "batch") != 0) ||
        bench_parse_int(argv[3], 1, REF_SECONDS_MAX, &seconds) < 0 ||
        bench_parse_int(argv[4], 1, REF_BATCH_MAX, &rows) < 0) {
        fprintf(stderr, "usage: tdkt-bench-sqlite single|batch FILE SECONDS ROWS_PER_TXN\n");
        return 2;
    }
    batch = strcmp(argv[1], "batch") == 0;
    rc = ref_open(&r, argv[2], batch);
    int64_t t0 = bench_mono_us(), end = t0 + (int64_t)seconds * 1000000;
    while (rc == 0 && bench_mono_us() < end) {
        int64_t s = bench_mono_us();
        rc = ref_txn(&r, batch, rows, txns);
        if (rc == 0 && r.nlat < REF_SAMPLES_MAX)
            r.lat_us[r.nlat++] = (uint32_t)(bench_mono_us() - s);
        txns += rc == 0;
    }
    double secs = (double)(bench_mono_us() - t0) / 1e6;
    if (rc == 0) {
        bench_sort_us(r.lat_us, r.nlat);
        double tps = (double)txns / secs;
        printf("sqlite %s: %d row(s) per transaction, WAL, synchronous=FULL, one thread\n", argv[1],
               rows);
        printf("  committed   %" PRIu64 " transactions in %.2f s: %.1f txn/s, %.1f rows/s\n", txns,
               secs, tps, tps * rows);
        printf("  commit ms   p50 %.3f  p99 %.3f  max %.3f\n", bench_pct_ms(r.lat_us, r.nlat, 50),
               bench_pct_ms(r.lat_us, r.nlat, 99), r.nlat ? r.lat_us[r.nlat - 1] / 1000.0 : 0);
        printf("RESULT scenario=sqlite_%s rows_per_txn=%d seconds=%.3f txns=%" PRIu64
               " tps=%.1f rows_per_s=%.1f p50_ms=%.3f p99_ms=%.3f\n",
               argv[1], rows, secs, txns, tps, tps * rows, bench_pct_ms(r.lat_us, r.nlat, 50),
               bench_pct_ms(r.lat_us, r.nlat, 99));
    }
    ref_close(&r);
    return rc == 0 ? 0 : 1;
}
