/* SPDX-License-Identifier: MIT */
/*
 * Results sync, offline-first (issue 3), end to end: the real tdktd with a
 * temporary ledger and the real tdkt CLI with its local store. Plain TCP on
 * loopback keeps most cases fast; the offline case runs over mutual TLS.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cutproxy.h"
#include "fixture.h"

/* Units, persons, periods and clusters the tests work against. Persons'
 * names are NFC here; tests type them in NFD. */
static const char registry_json[] =
    "{\"units\":["
    "{\"code\":\"VKSCC1-P1\",\"name\":\"Phòng Tham mưu tổng hợp\",\"kind\":\"division\","
    "\"role\":\"regional\",\"parent\":\"VKSCC1\"}],"
    "\"persons\":["
    "{\"id\":\"CC1-001\",\"name\":\"Nguyễn Văn An\",\"unit\":\"VKSCC1\"},"
    "{\"id\":\"CC1-002\",\"name\":\"Trần Thị Bình\",\"unit\":\"VKSCC1-P1\"},"
    "{\"id\":\"CC2-001\",\"name\":\"Lê Văn Cường\",\"unit\":\"VKSCC2\"}],"
    "\"periods\":[{\"year\":2020,\"state\":\"closed\",\"deadline\":\"2021-01-15\"},"
    "{\"year\":2021,\"state\":\"open\",\"deadline\":\"2022-01-15\"}],"
    "\"clusters\":[{\"year\":2020,\"code\":\"CUM1\",\"name\":\"Cụm thi đua số 1\","
    "\"kind\":\"cluster\",\"members\":[\"VKSCC1\",\"VKSCC2\",\"VKSCC3\"]},"
    "{\"year\":2021,\"code\":\"CUM1\",\"name\":\"Cụm thi đua số 1\","
    "\"kind\":\"cluster\",\"members\":[\"VKSCC1\",\"VKSCC2\",\"VKSCC3\"],"
    "\"leader\":\"VKSCC2\",\"deputy\":\"VKSCC1\"}],"
    "\"criteria\":[{\"year\":2021,\"cluster\":\"CUM1\",\"criteria\":["
    "{\"code\":\"TC1\",\"name\":\"Công tác chuyên môn\",\"max_points\":60},"
    "{\"code\":\"TC2\",\"name\":\"Xây dựng ngành\",\"max_points\":40}]}]}";

/* "Nguyễn Văn An" decomposed: u + combining horn + combining tilde, etc. */
static const char an_nfd[] = "Nguye\xcc\x82\xcc\x83n Va\xcc\x86n An";

static int setup(void **state)
{
    *state = tu_fx_new(registry_json, TU_FX_PLAIN, NULL);
    return 0;
}

static int64_t store_count(struct tu_fx *f, const char *unit, const char *sql)
{
    char db[TU_PATH_MAX];
    tu_path(db, sizeof db, "%s/%s.store", f->dir, unit);
    return tu_sql_int(db, sql);
}

/* A targets CSV of n rows with Vietnamese headers and a BOM. */
static void targets_csv(const char *path, int n, int achieved_bonus)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("\xef\xbb\xbfMã chỉ tiêu,Tên chỉ tiêu,Kế hoạch,Thực hiện\n", fp);
    for (int i = 1; i <= n; i++)
        fprintf(fp, "CT%05d,\"Chỉ tiêu số %d, tỷ lệ giải quyết\",%d,%d\n", i, i, 100,
                100 + (i % 3) - 1 + achieved_bonus);
    assert_int_equal(fclose(fp), 0);
}

/* --- tests ---------------------------------------------------------------- */

/* Edits made while the server is down wait in the outbox; the next sync
 * sends them, and the server holds exactly those records. Over TLS. */
static void test_offline_then_sync(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], csv[TU_PATH_MAX];

    /* Switch the fixture's daemon to TLS on a port we know. */
    tu_daemon_stop(&f->d, SIGTERM);
    f->transport = TU_FX_TLS;
    tu_fx_start(f);
#define TLS_CLI(...)                                                                               \
    tu_fx_tdkt_tls(f, "VKSCC2", out, sizeof out,                                                   \
                   (const char *const[]){"--timeout", TU_CLIENT_TIMEOUT_ARG, "--backoff-ms", "10", \
                                         __VA_ARGS__, NULL})

    /* First contact: pull the registry (persons, periods). */
    assert_int_equal(TLS_CLI("sync"), 0);
    assert_non_null(strstr(out, "sync: pushed 0"));
    assert_int_equal(TLS_CLI("registry", "show", "--json"), 0);
    assert_non_null(strstr(out, "\"persons\":3"));

    /* Offline: the daemon is stopped. */
    tu_fx_stop(f);
    tu_path(csv, sizeof csv, "%s/cc2.csv", f->dir);
    targets_csv(csv, 64, 0);
    assert_int_equal(TLS_CLI("results", "import", csv, "--year", "2021"), 0);
    assert_non_null(strstr(out, "64 records, 64 new or changed"));
    assert_int_equal(TLS_CLI("sync", "--retries", "2"), 7); /* queued */
    assert_non_null(strstr(out, "3 attempts"));
    assert_int_equal(store_count(f, "VKSCC2", "SELECT count(*) FROM records WHERE state='pending'"),
                     64);

    /* Back online on the same port: the outbox goes, the records are synced. */
    tu_fx_restart(f, NULL);
    assert_int_equal(TLS_CLI("sync"), 0);
    assert_non_null(strstr(out, "pushed 1 batch"));
    assert_int_equal(store_count(f, "VKSCC2", "SELECT count(*) FROM records WHERE state='synced'"),
                     64);
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM results WHERE unit='VKSCC2'"), 64);
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM ledger WHERE kind='result.put'"), 64);

    /* A second sync has nothing to send and changes nothing. */
    assert_int_equal(TLS_CLI("sync"), 0);
    assert_non_null(strstr(out, "pushed 0"));
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM ledger WHERE kind='result.put'"), 64);

    /* A revision: one target changes; only it travels, and both revisions
     * stay in the ledger. */
    tu_write_file(csv, "code,name,planned,achieved\nCT00001,\"Chỉ tiêu số 1, tỷ lệ giải quyết\","
                       "100,120\n");
    assert_int_equal(TLS_CLI("results", "import", csv, "--year", "2021"), 0);
    assert_int_equal(TLS_CLI("sync"), 0);
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM ledger WHERE kind='result.put'"), 65);
    assert_int_equal(
        tu_sql_int(f->db, "SELECT revision FROM results WHERE unit='VKSCC2' AND key='CT00001'"), 2);
#undef TLS_CLI
}

/* A sync cut at random byte offsets, in both directions, resumes and leaves
 * every record exactly once. */
static void test_cut_sync_resumes(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], csv[TU_PATH_MAX];
    struct cutproxy *px = NULL;
    const int rows = 25000; /* > one batch: several frames, several cuts */

    tu_path(csv, sizeof csv, "%s/big.csv", f->dir);
    targets_csv(csv, rows, 0);
    assert_int_equal(
        tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(
        tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "results", "import", csv, "--year", "2021", NULL),
        0);
    int64_t batches = store_count(f, "VKSCC1", "SELECT count(*) FROM outbox");
    assert_true(batches >= 2);

    assert_int_equal(cutproxy_start(&px, f->d.port, NULL, NULL), 0);
    srand(20211231);
    int ok = 0, failed = 0;
    for (int round = 0; round < 40 && !ok; round++) {
        /* The first rounds are cut inside the traffic (about 2 MB up: three
         * batches; replies and the pulled entries down), at a random byte,
         * either way, by FIN or RST; later rounds pass, so the test ends. */
        if (round < 8) {
            struct cutproxy_cut cut = {.enabled = 1};
            int64_t pending = store_count(
                f, "VKSCC1",
                "SELECT coalesce(sum(length(body)), 0) FROM outbox WHERE state='pending'");
            cut.dir = pending > 0 && rand() % 3 ? CUTPROXY_C2S : CUTPROXY_S2C;
            if (cut.dir == CUTPROXY_C2S)
                cut.after = 1 + (uint64_t)rand() % (uint64_t)pending;
            else
                cut.after = 1 + (uint64_t)rand() % 400u;
            cut.how = rand() % 2 ? CUTPROXY_CLOSE_RST : CUTPROXY_CLOSE_FIN;
            cutproxy_cut_next(px, &cut);
        }
        int st = tu_tdkt(f->dir, cutproxy_port(px), "VKSCC1", out, "sync", "--retries", "0", NULL);
        ok = st == 0;
        if (!ok) {
            /* 7: batches still queued; 4: all pushed, the pull was cut.
             * Never refused (6) or anything else. */
            assert_true(st == 7 || st == 4);
            failed++;
        }
    }
    struct cutproxy_stats ps;
    cutproxy_stats(px, &ps);
    cutproxy_stop(px);
    print_message("cut sync: %d interrupted syncs, %llu cuts, %llu bytes up, then success\n",
                  failed, (unsigned long long)ps.cuts, (unsigned long long)ps.bytes_c2s);
    assert_true(ok);
    assert_true(ps.cuts >= 1);
    assert_true(failed >= 1);
    assert_int_equal(store_count(f, "VKSCC1", "SELECT count(*) FROM outbox WHERE state!='acked'"),
                     0);
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM results WHERE unit='VKSCC1'"), rows);
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM ledger WHERE kind='result.put'"),
                     rows);
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM results WHERE revision != 1"), 0);
}

/* 10,000 rows from one CSV go up in one sync. */
static void test_ten_thousand_rows(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], csv[TU_PATH_MAX];
    tu_path(csv, sizeof csv, "%s/10k.csv", f->dir);
    targets_csv(csv, 10000, 1);
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC3", out, "results", "import", csv, "--unit",
                             "VKSCC3", "--year", "2021", NULL),
                     0);
    assert_non_null(strstr(out, "10000 records, 10000 new or changed"));
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC3", out, "sync", NULL), 0);
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM results WHERE unit='VKSCC3'"), 10000);
    /* The office's pull brings its own results back: all synced locally. */
    assert_int_equal(store_count(f, "VKSCC3", "SELECT count(*) FROM records WHERE state='synced'"),
                     10000);
    /* Export gives back what was imported: 10,000 targets as CSV. */
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC3", out, "results", "export", "--format",
                             "csv", "--kind", "target", "-o", csv, NULL),
                     0);
    assert_int_equal(
        tu_tdkt(f->dir, f->d.port, "VKSCC3", out, "results", "import", csv, "--dry-run", NULL), 0);
    assert_non_null(strstr(out, "10000 records"));
}

/* After the period closes an upload is refused PERIOD_CLOSED; the local copy
 * stays, marked with the reason. An office whose copy of the registry
 * already knows the period closed is refused at import, before queueing. */
static void test_closed_period_refused(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], csv[TU_PATH_MAX];
    tu_path(csv, sizeof csv, "%s/2020.csv", f->dir);
    tu_write_file(csv, "kind,code,name,count\nproduct,KN,Kiến nghị,69\n");
    /* Not synced yet: the store does not know 2020 is closed; the server does. */
    assert_int_equal(
        tu_tdkt(f->dir, f->d.port, "VKSCC2", out, "results", "import", csv, "--year", "2020", NULL),
        0);
    int64_t before = tu_sql_int(f->db, "SELECT count(*) FROM ledger");
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC2", out, "sync", NULL), 6);
    assert_non_null(strstr(out, "PERIOD_CLOSED"));
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM ledger"), before);
    assert_int_equal(
        tu_tdkt(f->dir, f->d.port, "VKSCC2", out, "results", "show", "--year", "2020", NULL), 0);
    assert_non_null(strstr(out, "refused"));
    assert_non_null(strstr(out, "closed"));
    assert_int_equal(store_count(f, "VKSCC2", "SELECT count(*) FROM records WHERE year=2020"), 1);
    /* Now the copy knows: the same import is refused before anything is queued. */
    assert_int_equal(
        tu_tdkt(f->dir, f->d.port, "VKSCC2", out, "results", "import", csv, "--year", "2020", NULL),
        2);
    assert_non_null(strstr(out, "the emulation period 2020 is closed"));
}

/* The same person typed composed and decomposed is one person, in results
 * and in the registry. */
static void test_nfc_nfd_one_person(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], csv[TU_PATH_MAX], reg[TU_PATH_MAX], text[512];
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "sync", NULL), 0);
    tu_path(csv, sizeof csv, "%s/ratings.csv", f->dir);
    snprintf(text, sizeof text,
             "Họ và tên,Xếp loại\n%s,HTXSNV\nNguyễn Văn An,Hoàn thành xuất sắc nhiệm vụ\n", an_nfd);
    tu_write_file(csv, text);
    /* Both rows are one person: the file is refused for a duplicate key. */
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "results", "import", csv, "--year",
                             "2021", "--kind", "person_rating", NULL),
                     2);
    assert_non_null(strstr(out, ":3:"));
    snprintf(text, sizeof text, "Họ và tên,Xếp loại\n%s,HTXSNV\n", an_nfd);
    tu_write_file(csv, text);
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "results", "import", csv, "--year",
                             "2021", "--kind", "person_rating", NULL),
                     0);
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "sync", NULL), 0);
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM results WHERE kind='person_rating'"
                                       " AND key='CC1-001'"),
                     1);

    /* Registry: the NFD spelling without an id names the existing person. */
    int64_t persons = tu_sql_int(f->db, "SELECT count(*) FROM persons");
    tu_path(reg, sizeof reg, "%s/nfd.json", f->dir);
    snprintf(text, sizeof text, "{\"persons\":[{\"name\":\"%s\",\"unit\":\"VKSCC1\"}]}", an_nfd);
    tu_write_file(reg, text);
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSTC", out, "registry", "import", reg, NULL), 0);
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM persons"), persons);
}

/* A CSV with bad rows is refused whole, naming every line and column. */
static void test_bad_csv_refused(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], csv[TU_PATH_MAX];
    tu_path(csv, sizeof csv, "%s/bad.csv", f->dir);
    tu_write_file(csv, "code,name,planned,achieved\n"
                       "CT1,Chỉ tiêu một,100,98\n"
                       "CT2,Chỉ tiêu hai,abc,98\n"
                       "CT3,Chỉ tiêu ba,100,-5\n"
                       "CT 4,Chỉ tiêu bốn,100,100\n");
    assert_int_equal(
        tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "results", "import", csv, "--year", "2021", NULL),
        2);
    assert_non_null(strstr(out, "bad.csv:3:"));
    assert_non_null(strstr(out, "bad.csv:4:"));
    assert_non_null(strstr(out, "bad.csv:5:"));
    assert_null(strstr(out, "bad.csv:2:"));
    assert_non_null(strstr(out, "nothing was imported"));
    assert_int_equal(store_count(f, "VKSCC1", "SELECT count(*) FROM records"), 0);
    assert_int_equal(store_count(f, "VKSCC1", "SELECT count(*) FROM outbox"), 0);
}

/* An office writes and reads only its own unit (and divisions); the central
 * office reads all. */
static void test_other_office_refused(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], csv[TU_PATH_MAX], reg[TU_PATH_MAX];
    tu_path(csv, sizeof csv, "%s/x.csv", f->dir);
    tu_write_file(csv, "code,name,count\nKN,Kiến nghị,69\n");
    /* VKSCC1 writes for its division: fine. */
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "results", "import", csv, "--unit",
                             "VKSCC1-P1", "--year", "2021", NULL),
                     0);
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "sync", NULL), 0);
    /* VKSCC1 writes for VKSCC2: FORBIDDEN, nothing written. */
    int64_t before = tu_sql_int(f->db, "SELECT count(*) FROM ledger");
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "results", "import", csv, "--unit",
                             "VKSCC2", "--year", "2021", NULL),
                     0);
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "sync", NULL), 6);
    assert_non_null(strstr(out, "FORBIDDEN"));
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM ledger"), before);
    /* Reading: VKSCC2's results are closed to VKSCC1, open to the centre. */
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "results", "show", "--remote",
                             "--unit", "VKSCC2", "--year", "2021", NULL),
                     6);
    assert_non_null(strstr(out, "FORBIDDEN"));
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSTC", out, "results", "show", "--remote",
                             "--unit", "VKSCC1-P1", "--year", "2021", NULL),
                     0);
    assert_non_null(strstr(out, "KN"));
    /* A regional office cannot change the registry. */
    tu_path(reg, sizeof reg, "%s/r.json", f->dir);
    tu_write_file(reg, "{\"periods\":[{\"year\":2021,\"state\":\"closed\"}]}");
    assert_int_equal(tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "registry", "import", reg, NULL), 6);
    assert_non_null(strstr(out, "FORBIDDEN"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_offline_then_sync, setup, tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_cut_sync_resumes, setup, tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_ten_thousand_rows, setup, tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_closed_period_refused, setup, tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_nfc_nfd_one_person, setup, tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_bad_csv_refused, setup, tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_other_office_refused, setup, tu_fx_cmocka_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
