/* SPDX-License-Identifier: MIT */
/*
 * The ledger file's schema as its modules' steps build it
 * (server/ledger/ledger_schema.h). A new file gets exactly the released
 * schema pinned in data/ledger_schema_v<N>.txt, and a file an older tdktd
 * left at any earlier version migrates to that same schema: the steps of a
 * released version never change, and their order only decides what the
 * file holds, never whether an old file still opens.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/err.h"
#include "server/ledger/ledger.h"

#define SCHEMA_TEXT_MAX (64 * 1024) /* the pinned listing is about 5 KiB */
#define ERR_CAP         512

/* What a file at version v lacks of the next versions: undo[v] takes a
 * current file back to version v, as an older tdktd wrote it. Only a new
 * schema version adds a line here. */
static const char *const undo[LEDGER_SCHEMA_VERSION] = {
    [7] = "ALTER TABLE proposals DROP COLUMN why_detail;",
    [6] = "DROP TABLE person_certs; DROP TABLE council_pending; DROP TABLE council_voters;"
          "DROP TABLE council_roll; ALTER TABLE council_votes DROP COLUMN closed_seq;"
          "ALTER TABLE council_votes DROP COLUMN open;",
    [5] = "DROP TABLE council_counts; DROP TABLE council_votes; DROP TABLE council_members;"
          "DROP TABLE councils;",
    [4] = "DROP TABLE review_events; DROP TABLE proposals; DROP TABLE submissions;",
    [3] = "DROP TABLE ballot_pending; DROP TABLE ballot_voters; DROP TABLE ballots;"
          "DROP TABLE rule_values; DROP TABLE rule_sets;",
    [2] = "DROP TABLE merkle; DROP TABLE tree_heads;",
    [1] = "DROP TABLE results; DROP TABLE criteria; DROP TABLE cluster_members;"
          "DROP TABLE clusters; DROP TABLE periods; DROP TABLE persons;"
          "DROP INDEX units_parent; ALTER TABLE units DROP COLUMN kind;",
};

/* One directory for the whole run; each test makes its own files in it. */
static char dir[TU_PATH_MAX];

static int dir_make(void **state)
{
    (void)state;
    tu_mkdtemp(dir);
    return 0;
}

static int dir_remove(void **state)
{
    (void)state;
    tu_rm_rf(dir);
    return 0;
}

static void open_close(const char *path, int flags)
{
    struct ledger *l = NULL;
    char err[ERR_CAP] = "";
    int rc = ledger_open(path, flags, &l, err, sizeof err);

    if (rc != 0)
        fail_msg("ledger_open %s: %s (%s)", path, tdkt_strerror(rc), err);
    ledger_close(l);
}

/* The schema of the file at path, one sqlite_schema row a line, sorted. */
static void schema_list(const char *path, char *out, size_t cap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    size_t n = 0;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT type || ' ' || name || ' ON ' || tbl_name || ': '"
                                        " || coalesce(sql, '(automatic)')"
                                        " FROM sqlite_schema ORDER BY type, name",
                                        -1, &st, NULL),
                     SQLITE_OK);
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        int w = snprintf(out + n, cap - n, "%s\n", (const char *)sqlite3_column_text(st, 0));
        assert_true(w > 0 && (size_t)w < cap - n);
        n += (size_t)w;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* The pinned listing of version, without its # comment lines. */
static void schema_pinned(int version, char *out, size_t cap)
{
    char path[TU_PATH_MAX], line[1024];
    size_t n = 0;
    FILE *fp;

    tu_path(path, sizeof path, "%s/tests/unit/data/ledger_schema_v%d.txt", TDKT_SOURCE_DIR,
            version);
    fp = fopen(path, "r");
    if (!fp)
        fail_msg("%s is missing: a new schema version pins its listing there", path);
    out[0] = '\0';
    while (fgets(line, sizeof line, fp)) {
        size_t len = strlen(line);
        assert_true(len > 0 && line[len - 1] == '\n');
        if (line[0] == '#')
            continue;
        assert_true(n + len < cap);
        memcpy(out + n, line, len + 1);
        n += len;
    }
    fclose(fp);
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

static int raw_version(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int v = -1;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void test_new_file_has_the_pinned_schema(void **state)
{
    static char got[SCHEMA_TEXT_MAX], want[SCHEMA_TEXT_MAX];
    char path[TU_PATH_MAX];

    (void)state;
    tu_path(path, sizeof path, "%s/new.db", dir);
    open_close(path, LEDGER_OPEN_CREATE);
    assert_int_equal(raw_version(path), LEDGER_SCHEMA_VERSION);
    schema_list(path, got, sizeof got);
    schema_pinned(LEDGER_SCHEMA_VERSION, want, sizeof want);
    assert_string_equal(got, want);
}

static void test_every_older_version_migrates_to_it(void **state)
{
    static char got[SCHEMA_TEXT_MAX], want[SCHEMA_TEXT_MAX];
    char path[TU_PATH_MAX], sql[64];

    (void)state;
    schema_pinned(LEDGER_SCHEMA_VERSION, want, sizeof want);
    for (int v = LEDGER_SCHEMA_VERSION - 1; v >= 1; v--) {
        tu_path(path, sizeof path, "%s/v%d.db", dir, v);
        open_close(path, LEDGER_OPEN_CREATE);
        for (int u = LEDGER_SCHEMA_VERSION - 1; u >= v; u--) {
            assert_non_null(undo[u]);
            raw_exec(path, undo[u]);
        }
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
        raw_exec(path, sql);

        open_close(path, 0);
        assert_int_equal(raw_version(path), LEDGER_SCHEMA_VERSION);
        schema_list(path, got, sizeof got);
        if (strcmp(got, want) != 0)
            fail_msg("a file at version %d migrated to:\n%s\nnot the pinned:\n%s", v, got, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_file_has_the_pinned_schema),
        cmocka_unit_test(test_every_older_version_migrates_to_it),
    };
    return cmocka_run_group_tests(tests, dir_make, dir_remove);
}
