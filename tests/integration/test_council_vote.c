/* SPDX-License-Identifier: MIT */
/*
 * Electronic Council voting (docs/council.md), end to end over mutual TLS
 * with the real tdktd and tdkt: person certificates issued with `tdktd cert
 * issue --person`, a vote opened by the central office, the members casting
 * with their own certificates, the close counting the casts:
 *   - while the vote is open the proposal it covers waits (VOTE-PENDING,
 *     naming the vote), and no other vote may cover it;
 *   - a secret vote's choices are nowhere in the ledger before the close
 *     (the cast entries say only who cast), then boxed apart from the
 *     members; a new cast replaces the member's last one;
 *   - a non-member, a unit, a bad contest or answer, a duplicate contest,
 *     an unknown or closed vote are refused naming the field, and change
 *     nothing; a person certificate does nothing but cast; a revoked one
 *     no longer connects;
 *   - the verdict names the vote and its counts, on the whole membership:
 *     4 of 5 at 80% is eligible, 3 of 5 is not;
 *   - tdktd verify replays it all, a vote still open included.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "fixture.h"
#include "proto/tdkt.pb-c.h"

/* Five members, so that 80% of the whole Council is 4. NM-01 is a person
 * of the central office who is not on the Council. */
static const char registry_json[] =
    "{\"rules\":[{\"code\":\"LAW\",\"name\":\"Bộ quy tắc thử\",\"effective_from\":\"2019-01-01\","
    "\"values\":[{\"key\":\"cstd_nganh.years\",\"value\":3},"
    "{\"key\":\"cstd_nganh.vote_pct\",\"value\":80},"
    "{\"key\":\"ldtt.discipline_min\",\"value\":1}]}],"
    "\"persons\":[{\"id\":\"CC1-001\",\"name\":\"Nguyễn Văn An\",\"unit\":\"VKSCC1\"},"
    "{\"id\":\"TC-01\",\"name\":\"Trần Thị Bình\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"TC-02\",\"name\":\"Lê Văn Cường\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"TC-03\",\"name\":\"Phạm Thị Dung\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"TC-04\",\"name\":\"Hoàng Văn Em\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"TC-05\",\"name\":\"Vũ Thị Giang\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"NM-01\",\"name\":\"Đỗ Văn Hải\",\"unit\":\"VKSTC\"}],"
    "\"councils\":[{\"year\":2021,\"code\":\"HD-2021\",\"name\":\"Hội đồng Thi đua - Khen "
    "thưởng ngành năm 2021\",\"members\":[{\"person\":\"TC-01\",\"role\":\"chair\"},"
    "{\"person\":\"TC-02\",\"role\":\"vice_chair\"},{\"person\":\"TC-03\",\"role\":\"member\"},"
    "{\"person\":\"TC-04\",\"role\":\"member\"},{\"person\":\"TC-05\",\"role\":\"member\"}]}],"
    "\"periods\":[{\"year\":2019,\"state\":\"open\"},{\"year\":2020,\"state\":\"open\"},"
    "{\"year\":2021,\"state\":\"open\"}]}";

static const char *const members[] = {"TC-01", "TC-02", "TC-03", "TC-04", "TC-05"};

/* Run tdkt as who (a unit or a person of the fixture's certs); the exit
 * status must be want. */
#define cv_cli(f, who, out, want, ...)                                                             \
    do {                                                                                           \
        int st_ = tu_cfx_tdkt((f), (who), (out), __VA_ARGS__);                                     \
        if (st_ != (want))                                                                         \
            fail_msg("%s: exit %d, want %d: %s", (who), st_, (want), (out));                       \
    } while (0)

/* Each of the NULL-terminated strings occurs in out. */
#define cv_has(out, ...)                                                                           \
    do {                                                                                           \
        const char *const want_[] = {__VA_ARGS__, NULL};                                           \
        tu_has_all((out), want_);                                                                  \
    } while (0)

static const char *cv_file(struct tu_cfx *f, const char *name, const char *text, char *path)
{
    tu_path(path, TU_PATH_MAX, "%s/%s", f->fx.dir, name);
    tu_write_file(path, text);
    return path;
}

/* A certificate of person id from the sector CA, issued while the daemon
 * serves, into dir/certs/ID.crt and .key. */
static void cv_person_cert(struct tu_cfx *f, const char *id)
{
    char out[TU_OUT_MAX], ca[TU_PATH_MAX], certs[TU_PATH_MAX];
    int st;

    tu_path(ca, sizeof ca, "%s/ca", f->fx.dir);
    tu_path(certs, sizeof certs, "%s/certs", f->fx.dir);
    st = tu_runf(out, sizeof out, TDKTD_BIN, "cert", "issue", "--data", f->fx.data, "--ca", ca,
                 "--person", id, "--out", certs, NULL);
    TU_EXIT_IS(st, 0, out);
    cv_has(out, "who casts the Council's electronic votes");
}

/* CC1-001 holds CSTĐCS for 2019 and 2020 and is rated HTXSNV with a
 * sector initiative in 2021: CSTĐ ngành waits only for the Council. Its
 * office submits dossier CC1-N. */
static void cv_candidate(struct tu_cfx *f)
{
    char out[TU_OUT_MAX], path[TU_PATH_MAX];
    static const char *const years[] = {"2019", "2020"};

    for (int i = 0; i < 2; i++) {
        char id[32];
        snprintf(id, sizeof id, "R-CSTDCS-%s", years[i]);
        cv_cli(f, "VKSTC", out, 0, "--year", years[i], "--person", "CC1-001", "--decision-no",
               "12/QĐ-VKSTC", "--decision-date", "2021-01-05", "--signer", "Viện trưởng",
               "--source", "Hồ sơ lưu", "review", "record", id, "CSTDCS", NULL);
    }
    cv_cli(f, "VKSCC1", out, 0, "sync", NULL);
    cv_cli(f, "VKSCC1", out, 0, "results", "import",
           cv_file(f, "cc1.json",
                   "{\"unit\":\"VKSCC1\",\"year\":2021,\"person_ratings\":[{\"person\":"
                   "\"CC1-001\",\"rating\":\"HTXSNV\"}],\"initiatives\":[{\"code\":\"SK1\","
                   "\"title\":\"Sáng kiến\",\"authors\":[\"CC1-001\"],\"scope\":\"nganh\"}]}",
                   path),
           NULL);
    cv_cli(f, "VKSCC1", out, 0, "submit",
           cv_file(f, "cc1-dossier.json",
                   "{\"submission_id\":\"CC1-N\",\"year\":2021,\"proposals\":[{\"id\":\"N1\","
                   "\"title\":\"CSTD_NGANH\",\"person\":\"CC1-001\"}]}",
                   path),
           NULL);
}

/* A Council vote file on CC1-001's CSTĐ ngành, contest "1": electronic (no
 * counts) unless counts is given. */
static const char *cv_vote_file(struct tu_cfx *f, const char *id, int secret, const char *counts,
                                char *path)
{
    char text[1024], name[64];

    snprintf(text, sizeof text,
             "{\"vote_id\":\"%s\",\"year\":2021,\"council\":\"HD-2021\",\"secret\":%s,"
             "\"mode\":\"%s\",\"minutes_ref\":\"Phiên họp ngày 20/12/2021\","
             "\"contests\":[{\"code\":\"1\",\"subjects\":[{\"person\":\"CC1-001\","
             "\"title\":\"CSTD_NGANH\"}]%s%s}]}",
             id, secret ? "true" : "false", counts ? "paper" : "electronic", counts ? "," : "",
             counts ? counts : "");
    snprintf(name, sizeof name, "vote-%s.json", id);
    return cv_file(f, name, text, path);
}

/* Open electronic vote id (the central office). */
static void cv_open(struct tu_cfx *f, const char *id, int secret)
{
    char out[TU_OUT_MAX], path[TU_PATH_MAX];

    cv_cli(f, "VKSTC", out, 0, "council", "vote", cv_vote_file(f, id, secret, NULL, path), NULL);
    cv_has(out, "is open", "tdkt council cast");
}

/* The choices of every council.cast entry of vote id, counted: how many
 * entries there are and how many choices they hold in all. */
static void cv_cast_entries(struct tu_cfx *f, const char *id, int *entries, int *choices)
{
    sqlite3 *db;
    sqlite3_stmt *st;

    *entries = *choices = 0;
    assert_int_equal(sqlite3_open_v2(f->fx.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT payload FROM ledger WHERE kind = 'council.cast'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        Tdkt__CouncilCastRecord *r = tdkt__council_cast_record__unpack(
            NULL, (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 0));
        assert_non_null(r);
        if (strcmp(r->vote_id, id) == 0) {
            (*entries)++;
            *choices += (int)r->n_choices;
        }
        tdkt__council_cast_record__free_unpacked(r, NULL);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static int setup(void **state)
{
    struct tu_cfx *f = tu_cfx_new(registry_json);

    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
        cv_person_cert(f, members[i]);
    cv_person_cert(f, "NM-01");
    cv_candidate(f);
    *state = f;
    return 0;
}

/* A secret vote at the threshold: 4 of the 5 members yes, one who changed
 * their mind to abstain. */
static void test_secret_vote_at_the_threshold(void **state)
{
    struct tu_cfx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];
    int entries, choices;
    int64_t height;

    cv_open(f, "E1", 1);
    /* Open, the vote makes the proposal wait, naming it. */
    cv_cli(f, "VKSTC", out, 0, "review", "show", "CC1-N", NULL);
    cv_has(out, "  deferred (VOTE-PENDING)",
           "the Council's electronic vote E1 on it is still open");
    /* No other vote covers it meanwhile, not even the minutes' counts. */
    cv_cli(f, "VKSTC", out, 6, "council", "vote",
           cv_vote_file(f, "P1", 1, "\"yes\":5,\"no\":0,\"abstain\":0", path), NULL);
    cv_has(out, "CONFLICT", "council_vote.contests[0].subjects[0]",
           "electronic vote 'E1', still open");

    for (int i = 0; i < 4; i++) {
        cv_cli(f, members[i], out, 0, "council", "cast", "E1", "1=yes", NULL);
        cv_has(out, "your cast on vote E1 is recorded: 1=yes");
    }
    /* A member changes their mind: the last cast counts. */
    cv_cli(f, "TC-05", out, 0, "council", "cast", "E1", "1=no", NULL);
    cv_cli(f, "TC-05", out, 0, "council", "cast", "E1", "1=abstain", NULL);
    assert_int_equal(
        tu_sql_int(f->fx.db, "SELECT cast_no FROM council_voters WHERE person = 'TC-05'"), 2);

    /* Refused, naming what is wrong, and nothing written. */
    height = tu_sql_int(f->fx.db, "SELECT max(seq) FROM ledger");
    cv_cli(f, "NM-01", out, 6, "council", "cast", "E1", "1=yes", NULL);
    cv_has(out, "FORBIDDEN", "Đỗ Văn Hải (NM-01) is not a member of Council 'HD-2021' of 2021");
    cv_cli(f, "VKSCC1", out, 6, "council", "cast", "E1", "1=yes", NULL);
    cv_has(out, "FORBIDDEN", "council_cast", "only a member of the Council",
           "unit 'VKSCC1' is an office");
    cv_cli(f, "TC-01", out, 6, "council", "cast", "E1", "X=yes", NULL);
    cv_has(out, "council_cast.choices[0].contest", "vote 'E1' has no contest 'X'");
    cv_cli(f, "TC-01", out, 6, "council", "cast", "E9", "1=yes", NULL);
    cv_has(out, "NOT_FOUND", "vote 'E9' does not exist");
    cv_cli(f, "TC-01", out, 2, "council", "cast", "E1", "1=maybe", NULL);
    cv_has(out, "'1=maybe'", "yes, no or abstain");
    cv_cli(f, "TC-01", out, 2, "council", "cast", "E1", "1=yes", "1=no", NULL);
    cv_has(out, "'1=no'", "answered twice");
    /* A person certificate does nothing but cast. */
    cv_cli(f, "TC-01", out, 6, "status", NULL);
    cv_has(out, "FORBIDDEN", "Trần Thị Bình (TC-01) is connected with a person certificate");
    cv_cli(f, "TC-01", out, 6, "council", "close", "E1", NULL);
    cv_has(out, "FORBIDDEN", "person certificate");
    cv_cli(f, "VKSCC1", out, 6, "council", "close", "E1", NULL);
    cv_has(out, "FORBIDDEN", "only the central office closes");
    assert_int_equal(tu_sql_int(f->fx.db, "SELECT max(seq) FROM ledger"), height);

    /* Secret: before the close the ledger says who cast, never what. */
    cv_cast_entries(f, "E1", &entries, &choices);
    assert_int_equal(entries, 6);
    assert_int_equal(choices, 0);
    assert_int_equal(tu_sql_int(f->fx.db, "SELECT count(*) FROM ledger WHERE kind = 'council.box'"),
                     0);
    assert_int_equal(tu_sql_int(f->fx.db, "SELECT yes + no + abstain FROM council_counts"
                                          " WHERE vote = 'E1'"),
                     0);
    cv_cli(f, "VKSTC", out, 0, "review", "show", "CC1-N", NULL);
    cv_has(out, "VOTE-PENDING");

    cv_cli(f, "VKSTC", out, 0, "council", "close", "E1", NULL);
    cv_has(out, "closed and counted");
    /* Boxed, one ballot a member, apart from who cast them. */
    assert_int_equal(tu_sql_int(f->fx.db, "SELECT count(*) FROM ledger WHERE kind = 'council.box'"),
                     5);
    assert_int_equal(tu_sql_int(f->fx.db, "SELECT count(*) FROM council_pending"), 0);
    assert_int_equal(tu_sql_int(f->fx.db, "SELECT count(*) FROM ledger WHERE kind = 'council.box'"
                                          " AND unit LIKE 'TC-%'"),
                     0);
    assert_int_equal(tu_sql_int(f->fx.db, "SELECT yes * 100 + no * 10 + abstain FROM"
                                          " council_counts WHERE vote = 'E1'"),
                     401);
    /* Exactly at the threshold: eligible, the verdict naming the vote. */
    cv_cli(f, "VKSTC", out, 0, "review", "show", "CC1-N", NULL);
    cv_has(out, "  eligible", "4 of the council's 5 members voted yes in vote E1, 80% needed");

    /* Closed: no more casts, no second close. */
    cv_cli(f, "TC-01", out, 6, "council", "cast", "E1", "1=no", NULL);
    cv_has(out, "PERIOD_CLOSED", "vote 'E1' is closed");
    cv_cli(f, "VKSTC", out, 6, "council", "close", "E1", NULL);
    cv_has(out, "CONFLICT", "already closed");
}

/* An open (named) vote one below the threshold; a revoked certificate no
 * longer casts; verify replays everything, a vote still open included. */
static void test_open_vote_one_below_and_revoked(void **state)
{
    struct tu_cfx *f = *state;
    char out[TU_OUT_MAX], crt[TU_PATH_MAX];
    int entries, choices;

    cv_open(f, "E2", 0);
    for (int i = 0; i < 3; i++)
        cv_cli(f, members[i], out, 0, "council", "cast", "E2", "1=yes", NULL);
    cv_cli(f, "TC-04", out, 0, "council", "cast", "E2", "1=no", NULL);
    /* An open vote: each cast entry holds its choices. */
    cv_cast_entries(f, "E2", &entries, &choices);
    assert_int_equal(entries, 4);
    assert_int_equal(choices, 4);

    /* TC-05's certificate is revoked: the handshake refuses it. */
    tu_cert(crt, sizeof crt, f->fx.dir, "TC-05", "crt");
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "cert", "revoke", "--data", f->fx.data,
                             "--cert", crt, "--reason", "key lost", NULL),
                     0);
    cv_has(out, "of person TC-05 revoked");
    cv_cli(f, "TC-05", out, 5, "council", "cast", "E2", "1=yes", NULL);
    cv_has(out, "revoked", "Vũ Thị Giang (TC-05)");
    assert_int_equal(tu_sql_int(f->fx.db, "SELECT count(*) FROM council_voters WHERE vote = 'E2'"),
                     4);

    cv_cli(f, "VKSTC", out, 0, "council", "close", "E2", NULL);
    assert_int_equal(tu_sql_int(f->fx.db, "SELECT count(*) FROM ledger WHERE kind = 'council.box'"),
                     0);
    /* One below the threshold, on the whole membership: ineligible. */
    cv_cli(f, "VKSTC", out, 0, "review", "show", "CC1-N", NULL);
    cv_has(out, "  ineligible (CSTD-NGANH)", "3 of the council's 5 members voted yes in vote E2");

    /* A secret vote left open: verify replays it too (its pending choices
     * are in no entry, and no replay looks for them). */
    cv_open(f, "E3", 1);
    cv_cli(f, "TC-01", out, 0, "council", "cast", "E3", "1=yes", NULL);
    assert_int_equal(tu_sql_int(f->fx.db, "SELECT count(*) FROM council_pending"), 1);
    tu_fx_stop(&f->fx);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", f->fx.data, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_secret_vote_at_the_threshold, setup,
                                        tu_cfx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_open_vote_one_below_and_revoked, setup,
                                        tu_cfx_cmocka_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
