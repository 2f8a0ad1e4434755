/* SPDX-License-Identifier: MIT */
/*
 * Online backup and restore of the ledger (issue 6), end to end: the real
 * tdktd serves over plain TCP on loopback while the real tdkt writes notes;
 * `tdktd backup` copies the ledger meanwhile, the copy verifies as the ledger
 * does, has the same height, is never overwritten, and a restored copy is
 * served again. A copy whose entry was changed behind the ledger's back
 * fails `tdktd verify`, and `tdktd backup` refuses to produce one from it.
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

#define BK_NOTES 8 /* notes written before the backup */

static int setup(void **state)
{
    *state = tu_fx_new(NULL, TU_FX_PLAIN, NULL);
    return 0;
}

static void put_notes(struct tu_fx *f, const char *prefix, int count)
{
    char out[TU_OUT_MAX], key[64], text[64];
    for (int i = 0; i < count; i++) {
        snprintf(key, sizeof key, "%s-%d", prefix, i);
        snprintf(text, sizeof text, "ghi chú %s số %d", prefix, i);
        int st = tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "note", "put", key, text, NULL);
        if (st != 0)
            fprintf(stderr, "%s\n", out);
        assert_int_equal(st, 0);
    }
}

/* Height of the ledger in dir, from `tdktd status --data dir --json`. */
static unsigned long long height_of(const char *dir)
{
    char out[TU_OUT_MAX];
    int st = tu_runf(out, sizeof out, TDKTD_BIN, "status", "--data", dir, "--json", NULL);
    if (st != 0)
        fprintf(stderr, "%s\n", out);
    assert_int_equal(st, 0);
    const char *p = strstr(out, "\"height\":");
    assert_non_null(p);
    return strtoull(p + strlen("\"height\":"), NULL, 10);
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void copy_file(const char *from, const char *to)
{
    char buf[65536];
    size_t n;
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* Take a backup of f->data into file (must succeed) and return its output. */
static void backup_to(struct tu_fx *f, const char *file, char *out)
{
    int st = tu_runf(out, TU_OUT_MAX, TDKTD_BIN, "backup", "--data", f->data, "--out", file, NULL);
    if (st != 0)
        fprintf(stderr, "%s\n", out);
    assert_int_equal(st, 0);
    assert_non_null(strstr(out, "verified"));
}

/* A backup taken while tdktd serves verifies, has the ledger's height, and
 * the same FILE is never overwritten. */
static void test_backup_while_serving(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], file[TU_PATH_MAX], rdir[TU_PATH_MAX], rdb[TU_PATH_MAX];
    struct stat before, after;

    put_notes(f, "a", BK_NOTES);
    tu_path(file, sizeof file, "%s/ledger-backup.db", f->dir);
    backup_to(f, file, out);
    /* Nothing was written after the notes, so the copy is the live height. */
    unsigned long long h = height_of(f->data);
    assert_true(h >= BK_NOTES);
    char want[64];
    snprintf(want, sizeof want, "%llu entries", h);
    assert_non_null(strstr(out, want));

    tu_path(rdir, sizeof rdir, "%s/check", f->dir);
    assert_int_equal(mkdir(rdir, 0700), 0);
    tu_path(rdb, sizeof rdb, "%s/ledger.db", rdir);
    copy_file(file, rdb);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", rdir, NULL), 0);
    assert_int_equal(height_of(rdir), h);

    /* The daemon still serves after the backup. */
    put_notes(f, "b", 2);
    assert_int_equal(height_of(f->data), h + 2);

    assert_int_equal(stat(file, &before), 0);
    int st = tu_runf(out, sizeof out, TDKTD_BIN, "backup", "--data", f->data, "--out", file, NULL);
    assert_int_equal(st, 1);
    assert_non_null(strstr(out, "already exists"));
    assert_int_equal(stat(file, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_int_equal(before.st_mtime, after.st_mtime);
}

/* Restore as docs/admin.md says: stop, verify the copy, move it into place
 * without stale -wal/-shm, start; the daemon serves the restored ledger. */
static void test_restore_serves(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], file[TU_PATH_MAX], live[TU_PATH_MAX], side[TU_PATH_MAX];

    put_notes(f, "c", BK_NOTES);
    tu_path(file, sizeof file, "%s/ledger-restore.db", f->dir);
    backup_to(f, file, out);
    unsigned long long h = height_of(f->data);
    /* Entries after the backup are lost by the restore: the restored ledger
     * is the backup's. */
    put_notes(f, "lost", 2);

    tu_fx_stop(f);
    tu_path(live, sizeof live, "%s/ledger.db", f->data);
    assert_int_equal(rename(file, live), 0);
    tu_path(side, sizeof side, "%s-wal", live);
    unlink(side);
    tu_path(side, sizeof side, "%s-shm", live);
    unlink(side);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", f->data, NULL), 0);
    assert_int_equal(height_of(f->data), h);

    tu_fx_start(f);
    int st = tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "status", "--json", NULL);
    if (st != 0)
        fprintf(stderr, "%s\n", out);
    assert_int_equal(st, 0);
    char want[64];
    snprintf(want, sizeof want, "%llu", h);
    assert_non_null(strstr(out, want));
    put_notes(f, "d", 1);
    assert_int_equal(height_of(f->data), h + 1);
}

/* Flip one byte of entry seq's payload in the database at path, past the
 * append-only trigger, as someone editing the file directly would. */
static void tamper_payload(const char *path, int64_t seq)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP TRIGGER ledger_no_update", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT payload FROM ledger WHERE seq = ?", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(st, 1, seq);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_bytes(st, 0);
    assert_true(n > 0);
    unsigned char *p = malloc((size_t)n);
    assert_non_null(p);
    memcpy(p, sqlite3_column_blob(st, 0), (size_t)n);
    sqlite3_finalize(st);
    p[n / 2] ^= 0x5a;
    assert_int_equal(
        sqlite3_prepare_v2(db, "UPDATE ledger SET payload = ? WHERE seq = ?", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_blob(st, 1, p, n, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, seq);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_finalize(st);
    free(p);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* A copy changed behind the ledger's back fails verify, and a backup of it
 * is refused with no file left behind. */
static void test_corrupted_copy_fails(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], file[TU_PATH_MAX], cdir[TU_PATH_MAX], cdb[TU_PATH_MAX];
    char again[TU_PATH_MAX];

    put_notes(f, "e", BK_NOTES);
    tu_path(file, sizeof file, "%s/ledger-good.db", f->dir);
    backup_to(f, file, out);
    unsigned long long h = height_of(f->data);

    tu_path(cdir, sizeof cdir, "%s/corrupt", f->dir);
    assert_int_equal(mkdir(cdir, 0700), 0);
    tu_path(cdb, sizeof cdb, "%s/ledger.db", cdir);
    copy_file(file, cdb);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", cdir, NULL), 0);
    tamper_payload(cdb, (int64_t)h - 1);

    int st = tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", cdir, NULL);
    assert_int_equal(st, 1);
    char want[64];
    snprintf(want, sizeof want, "entry %llu does not match its stored hash", h - 1);
    assert_non_null(strstr(out, want));

    tu_path(again, sizeof again, "%s/ledger-bad.db", f->dir);
    st = tu_runf(out, sizeof out, TDKTD_BIN, "backup", "--data", cdir, "--out", again, NULL);
    assert_int_equal(st, 1);
    assert_non_null(strstr(out, "does not match its stored hash"));
    assert_false(file_exists(again));

    /* The original backup is untouched and still verifies. */
    assert_int_equal(unlink(cdb), 0);
    copy_file(file, cdb);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", cdir, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_backup_while_serving, setup, tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_restore_serves, setup, tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_corrupted_copy_fails, setup, tu_fx_cmocka_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
