/* SPDX-License-Identifier: MIT */
/*
 * Nightly reconciliation and tamper evidence (issue 6), end to end: the real
 * tdktd on 127.0.0.1 with a temporary ledger and the real tdkt CLI. History
 * is rewritten the way an attacker with the database file would: rows
 * changed, removed or swapped, every hash and node recomputed to match, so
 * that only the signed heads (tdktd verify) and the office's pinned head
 * (tdkt reconcile) can tell.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/ledger/ledger.h"
#include "server/ledger/treelog.h"
#include "fixture.h"
#include "ledger_fixture.h"

static const char registry_json[] =
    "{\"periods\":[{\"year\":2020,\"state\":\"open\"},{\"year\":2021,\"state\":\"open\"}]}";

static int setup(void **state)
{
    *state = tu_fx_new(registry_json, TU_FX_PLAIN, NULL);
    return 0;
}

static void store_path(struct tu_fx *f, const char *unit, char *out, size_t cap)
{
    tu_path(out, cap, "%s/%s.store", f->dir, unit);
}

/* n targets T0001.. for unit and year, achieved = planned + bonus. */
static void import_targets(struct tu_fx *f, const char *unit, int year, int n, int bonus)
{
    char csv[TU_PATH_MAX], out[TU_OUT_MAX], y[8];
    FILE *fp;
    tu_path(csv, sizeof csv, "%s/%s-%d.csv", f->dir, unit, year);
    fp = fopen(csv, "w");
    assert_non_null(fp);
    fputs("code,name,planned,achieved\n", fp);
    for (int i = 1; i <= n; i++)
        fprintf(fp, "T%04d,Chỉ tiêu %d,100,%d\n", i, i, 100 + bonus);
    assert_int_equal(fclose(fp), 0);
    snprintf(y, sizeof y, "%d", year);
    assert_int_equal(
        tu_tdkt(f->dir, f->d.port, unit, out, "results", "import", csv, "--year", y, NULL), 0);
}

static int tdkt(struct tu_fx *f, const char *unit, char *out, const char *a1, const char *a2)
{
    return tu_tdkt(f->dir, f->d.port, unit, out, a1, a2, NULL, NULL, NULL, NULL);
}

static int64_t json_num(const char *out, const char *field)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", field);
    const char *p = strstr(out, pat);
    if (!p)
        fail_msg("no %s in %s", field, out);
    return strtoll(p + strlen(pat), NULL, 10);
}

/* Two offices with results, synced, and reconciled once (heads pinned). */
static void baseline(struct tu_fx *f, int n)
{
    char out[TU_OUT_MAX];
    assert_int_equal(tdkt(f, "VKSCC1", out, "sync", NULL), 0);
    assert_int_equal(tdkt(f, "VKSCC2", out, "sync", NULL), 0);
    import_targets(f, "VKSCC1", 2021, n, 1);
    import_targets(f, "VKSCC2", 2021, n, 2);
    assert_int_equal(tdkt(f, "VKSCC1", out, "sync", NULL), 0);
    assert_int_equal(tdkt(f, "VKSCC2", out, "sync", NULL), 0);
    assert_int_equal(tdkt(f, "VKSCC1", out, "reconcile", NULL), 0);
    assert_non_null(strstr(out, "in sync"));
    assert_int_equal(tdkt(f, "VKSCC2", out, "reconcile", NULL), 0);
}

/* --- tests ---------------------------------------------------------------- */

/* An office in sync: one request, under 1 KiB of requests and replies. */
static void test_in_sync_one_round_trip(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX];
    baseline(f, 200);
    /* Another office writes meanwhile: the head moves, proofs are needed. */
    import_targets(f, "VKSCC2", 2020, 30, 0);
    assert_int_equal(tdkt(f, "VKSCC2", out, "sync", NULL), 0);

    assert_int_equal(tdkt(f, "VKSCC1", out, "reconcile", "--json"), 0);
    assert_non_null(strstr(out, "\"verdict\":\"in_sync\""));
    assert_int_equal(json_num(out, "requests"), 1);
    assert_int_equal(json_num(out, "local_records"), 200);
    assert_int_equal(json_num(out, "ranges_matched"), 1);
    assert_int_equal(json_num(out, "fetched"), 0);
    /* Frames of the whole connection, Hello and Welcome included. */
    assert_true(json_num(out, "bytes_sent") + json_num(out, "bytes_received") < 1024);
    assert_true(json_num(out, "head") > json_num(out, "head_before"));
}

/* Records the office lost locally come back, exactly those. */
static void test_missed_records_fetched_exactly(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], store[TU_PATH_MAX];
    baseline(f, 500);
    store_path(f, "VKSCC1", store, sizeof store);
    tu_sql_exec(store, "DELETE FROM records WHERE key IN ('T0007', 'T0250', 'T0499')");
    assert_int_equal(tu_sql_int(store, "SELECT count(*) FROM records"), 497);

    assert_int_equal(tdkt(f, "VKSCC1", out, "reconcile", "--json"), 0);
    assert_non_null(strstr(out, "\"verdict\":\"repaired\""));
    assert_int_equal(json_num(out, "fetched"), 3);
    assert_int_equal(json_num(out, "added"), 3);
    assert_int_equal(json_num(out, "repaired"), 0);
    assert_true(json_num(out, "requests") > 1);
    assert_int_equal(tu_sql_int(store, "SELECT count(*) FROM records WHERE state = 'synced'"), 500);
    assert_int_equal(
        tu_sql_int(store, "SELECT count(*) FROM records WHERE key = 'T0250' AND seq > 0"), 1);
    /* And the next night is quiet again. */
    assert_int_equal(tdkt(f, "VKSCC1", out, "reconcile", "--json"), 0);
    assert_int_equal(json_num(out, "requests"), 1);
}

/* A diverged store: a stale synced copy is repaired; an edit refused because
 * the period closed, and a record the server never had, are reported. */
static void test_diverged_store_report(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], store[TU_PATH_MAX], reg[TU_PATH_MAX], report[TU_PATH_MAX];
    baseline(f, 100);
    store_path(f, "VKSCC1", store, sizeof store);
    /* Stale here: the local copy of T0010 is another record's bytes. */
    tu_sql_exec(store,
                "UPDATE records SET record = (SELECT record FROM records WHERE key = 'T0011')"
                " WHERE key = 'T0010'");
    /* The central office closes 2021; then VKSCC1 edits T0020. */
    tu_path(reg, sizeof reg, "%s/close.json", f->dir);
    tu_write_file(reg, "{\"periods\":[{\"year\":2021,\"state\":\"closed\"}]}");
    assert_int_equal(
        tu_tdkt(f->dir, f->d.port, "VKSTC", out, "registry", "import", reg, NULL, NULL, NULL), 0);
    {
        char csv[TU_PATH_MAX];
        tu_path(csv, sizeof csv, "%s/late.csv", f->dir);
        tu_write_file(csv, "code,name,planned,achieved\nT0020,Chỉ tiêu 20,100,150\n");
        assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "results", "import", csv,
                                 "--year", "2021", NULL),
                         0);
    }
    /* A record marked synced that the server never received. */
    tu_sql_exec(
        store, "INSERT INTO records(unit, year, kind, key, record, removed, state, seq, updated_ms)"
               " SELECT unit, year, kind, 'T9999', record, 0, 'synced', 3, 0 FROM records"
               " WHERE key = 'T0001'");
    tu_path(report, sizeof report, "%s/report.json", f->dir);
    int st = tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "reconcile", "--json", "--report", report,
                     NULL, NULL);
    assert_int_equal(st, 8);
    assert_non_null(strstr(out, "\"verdict\":\"differences\""));
    assert_int_equal(json_num(out, "push_refused"), 1);
    assert_int_equal(json_num(out, "repaired"), 1);
    assert_int_equal(json_num(out, "issues_total"), 2);
    assert_non_null(strstr(out, "\"kind\":\"refused_local\",\"unit\":\"VKSCC1\",\"year\":2021,"
                                "\"record_kind\":\"target\",\"key\":\"T0020\""));
    assert_non_null(strstr(out, "PERIOD_CLOSED"));
    assert_non_null(strstr(out, "\"kind\":\"missing_on_server\""));
    assert_non_null(strstr(out, "\"key\":\"T9999\""));
    /* The report file holds the same report. */
    FILE *fp = fopen(report, "r");
    assert_non_null(fp);
    char buf[TU_OUT_MAX];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    assert_string_equal(buf, out);
    /* The stale copy is now the server's. */
    assert_int_equal(tu_sql_int(store, "SELECT count(*) FROM records a JOIN records b"
                                       " ON a.key = 'T0010' AND b.key = 'T0011'"
                                       " WHERE a.record = b.record"),
                     0);
    /* The refused edit is kept locally, not overwritten. */
    assert_int_equal(tu_sql_int(store, "SELECT count(*) FROM records WHERE key = 'T0020'"
                                       " AND state = 'refused'"),
                     1);
}

/*
 * After the baseline, with the daemon stopped, sql rewrites the ledger file
 * and every hash and node is recomputed to match (tu_ledger_file_rehash).
 * Then tdktd verify reports it against the signed heads and tdktd serve
 * refuses to start on it, saying words; an attacker who also deletes the
 * heads gets the daemon to start, and the office's pinned head catches it,
 * saying the same words.
 */
static void expect_tamper(struct tu_fx *f, const char *sql, const char *words)
{
    char out[TU_OUT_MAX], port[16];
    int st;

    baseline(f, 50);
    tu_fx_stop(f);
    tu_sql_exec(f->db, sql);
    tu_ledger_file_rehash(f->db);

    st = tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", f->data, NULL);
    assert_int_equal(st, 1);
    if (!strstr(out, "tree head"))
        fail_msg("verify: %s", out);

    snprintf(port, sizeof port, "127.0.0.1:%d", f->d.port);
    st = tu_runf(out, sizeof out, TDKTD_BIN, "serve", "--data", f->data, "--plain", "--listen",
                 port, NULL);
    assert_int_not_equal(st, 0);
    if (!strstr(out, words))
        fail_msg("serve: want \"%s\" in: %s", words, out);

    tu_sql_exec(f->db, "DROP TRIGGER tree_heads_no_delete; DELETE FROM tree_heads;");
    tu_fx_restart(f, NULL);
    st = tdkt(f, "VKSCC1", out, "reconcile", NULL);
    if (st != 9)
        fail_msg("reconcile exit %d, want 9: %s", st, out);
    assert_non_null(strstr(out, "TAMPER EVIDENCE"));
    if (!strstr(out, words))
        fail_msg("reconcile: want \"%s\" in: %s", words, out);
}

/* A row changed. */
static void test_changed_row_detected(void **state)
{
    expect_tamper(*state,
                  "DROP TRIGGER ledger_no_update;"
                  "UPDATE ledger SET payload = (SELECT payload FROM ledger WHERE seq = 60)"
                  " WHERE seq = 40",
                  "history was rewritten");
}

/* Two rows swapped. */
static void test_reordered_rows_detected(void **state)
{
    expect_tamper(*state,
                  "DROP TRIGGER ledger_no_update;"
                  "CREATE TEMP TABLE t AS SELECT * FROM ledger WHERE seq IN (30, 31);"
                  "UPDATE ledger SET (time_ms, unit, kind, payload) ="
                  " (SELECT time_ms, unit, kind, payload FROM t WHERE t.seq = 61 - ledger.seq)"
                  " WHERE seq IN (30, 31);",
                  "history was rewritten");
}

/* The newest five entries deleted. */
static void test_deleted_rows_detected(void **state)
{
    expect_tamper(*state,
                  "DROP TRIGGER ledger_no_delete;"
                  "DELETE FROM ledger WHERE seq > (SELECT max(seq) - 5 FROM ledger);",
                  "entries were removed");
}

/* tdktd backup of the running daemon's ledger into copy, dir/name. */
static void backup(struct tu_fx *f, const char *name, char copy[TU_PATH_MAX])
{
    char out[TU_OUT_MAX];

    tu_path(copy, TU_PATH_MAX, "%s/%s", f->dir, name);
    TU_EXIT_IS(
        tu_runf(out, sizeof out, TDKTD_BIN, "backup", "--data", f->data, "--out", copy, NULL), 0,
        out);
}

/* Stop the daemon and restore the backup at copy: it replaces the ledger
 * and its WAL (docs/admin.md §5); the key file stays where it is. */
static void restore(struct tu_fx *f, const char *copy)
{
    char out[TU_OUT_MAX], side[TU_PATH_MAX];

    tu_fx_stop(f);
    unlink(f->db);
    tu_path(side, sizeof side, "%s-wal", f->db);
    unlink(side);
    tu_path(side, sizeof side, "%s-shm", f->db);
    unlink(side);
    assert_int_equal(tu_runf(out, sizeof out, "/bin/cp", copy, f->db, NULL), 0);
}

/* Backup, restore into a new data directory, verify, and reconcile: the
 * office sees the same signed history. */
static void test_backup_restore_reconciles(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], copy[TU_PATH_MAX];
    baseline(f, 80);
    backup(f, "nightly.db", copy);
    restore(f, copy);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", f->data, NULL), 0);
    assert_non_null(strstr(out, "signed tree heads"));
    assert_non_null(strstr(out, "equal a replay"));
    tu_fx_restart(f, NULL);
    assert_int_equal(tdkt(f, "VKSCC1", out, "reconcile", "--json"), 0);
    assert_non_null(strstr(out, "\"verdict\":\"in_sync\""));
    assert_int_equal(json_num(out, "requests"), 1);
}

/* A state row edited without an entry is caught by the replay check. */
static void test_state_edit_caught_by_replay(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX];
    baseline(f, 20);
    tu_fx_stop(f);
    tu_sql_exec(f->db, "UPDATE results SET removed = 1 WHERE key = 'T0005' AND unit = 'VKSCC1'");
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", f->data, NULL), 1);
    assert_non_null(strstr(out, "table results"));
}

/* A lost or swapped ledger key: tdktd serve refuses to start rather than
 * sign with a key the offices did not pin. */
static void test_serve_refuses_other_key(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], key[TU_PATH_MAX], saved[TU_PATH_MAX], other[TU_PATH_MAX], port[32];
    baseline(f, 5);
    tu_fx_stop(f);
    snprintf(port, sizeof port, "127.0.0.1:%d", f->d.port);
    tu_path(key, sizeof key, "%s/ledger.key", f->data);
    tu_path(saved, sizeof saved, "%s/ledger.key.saved", f->dir);
    assert_int_equal(rename(key, saved), 0);
    int st = tu_runf(out, sizeof out, TDKTD_BIN, "serve", "--data", f->data, "--plain", "--listen",
                     port, NULL);
    assert_int_not_equal(st, 0);
    assert_non_null(strstr(out, "restore ledger.key"));
    assert_int_equal(access(key, F_OK), -1); /* no new key was made */

    tu_path(other, sizeof other, "%s/other", f->dir);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "init", "--data", other, NULL), 0);
    tu_path(other, sizeof other, "%s/other/ledger.key", f->dir);
    st = tu_runf(out, sizeof out, TDKTD_BIN, "serve", "--data", f->data, "--plain", "--listen",
                 port, "--ledger-key", other, NULL);
    assert_int_not_equal(st, 0);
    assert_non_null(strstr(out, "not the key this ledger is signed with"));

    assert_int_equal(rename(saved, key), 0);
    tu_fx_restart(f, NULL);
    assert_int_equal(tdkt(f, "VKSCC1", out, "reconcile", NULL), 0);
}

/* The central office pulls every unit's entries but keeps and reconciles
 * only its own records: no false alarms about other offices' results. */
static void test_central_reconciles_own_records(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], store[TU_PATH_MAX];
    baseline(f, 30);
    assert_int_equal(tdkt(f, "VKSTC", out, "sync", NULL), 0);
    import_targets(f, "VKSTC", 2021, 4, 0);
    assert_int_equal(tdkt(f, "VKSTC", out, "sync", NULL), 0);
    store_path(f, "VKSTC", store, sizeof store);
    assert_int_equal(tu_sql_int(store, "SELECT count(*) FROM records"), 4);
    assert_int_equal(tdkt(f, "VKSTC", out, "reconcile", "--json"), 0);
    assert_non_null(strstr(out, "\"verdict\":\"in_sync\""));
    assert_int_equal(json_num(out, "local_records"), 4);
}

/* The centre restores an older backup: offices that verified a newer head
 * report it (exit 9) until told to forget that head; then they report the
 * records the restored ledger lacks (exit 8). */
static void test_restore_older_backup(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], copy[TU_PATH_MAX];
    baseline(f, 20);
    backup(f, "older.db", copy);
    import_targets(f, "VKSCC1", 2020, 3, 0);
    assert_int_equal(tdkt(f, "VKSCC1", out, "sync", NULL), 0);
    assert_int_equal(tdkt(f, "VKSCC1", out, "reconcile", NULL), 0);
    restore(f, copy);
    tu_fx_restart(f, NULL);
    assert_int_equal(tdkt(f, "VKSCC1", out, "reconcile", NULL), 9);
    assert_non_null(strstr(out, "entries were removed"));
    assert_int_equal(tdkt(f, "VKSCC1", out, "reconcile", "--forget-head"), 8);
    assert_non_null(strstr(out, "missing on the server"));
    assert_non_null(strstr(out, "2020 target T0003"));
}

int main(void)
{
    /* Every case on a fixture of its own. */
#define T(test) cmocka_unit_test_setup_teardown(test, setup, tu_fx_cmocka_teardown)
    const struct CMUnitTest tests[] = {
        T(test_in_sync_one_round_trip),    T(test_missed_records_fetched_exactly),
        T(test_diverged_store_report),     T(test_changed_row_detected),
        T(test_reordered_rows_detected),   T(test_deleted_rows_detected),
        T(test_backup_restore_reconciles), T(test_state_edit_caught_by_replay),
        T(test_serve_refuses_other_key),   T(test_central_reconciles_own_records),
        T(test_restore_older_backup),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
