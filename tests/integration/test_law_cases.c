/* SPDX-License-Identifier: MIT */
/*
 * The law's multi-proposal limits and the ballot leak (issue 15), end to
 * end over mutual TLS with the real tdktd and tdkt, on the daemon's test
 * clock:
 *   - the TTLĐXS quota: 14 units rated TTLĐTT give floor(2.8) = 2 places;
 *     three candidates are ranked by their cluster standing, the third is
 *     refused past the cut with the quota's words, and `tdkt review quota`
 *     shows the ranking and the cut line;
 *   - one flag per cluster at submission: a second Cờ thi đua ngành in the
 *     cluster is judged ineligible, naming the first;
 *   - no leak: a dossier naming a tallied but unpublished secret ballot gets
 *     the same deferred verdict whether the count went for it or not.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define OPEN_S   "3600"
#define CLOSED_S 3601

/* Eleven more units make 14 with the three regional offices. */
static const char registry_json[] =
    "{\"rules\":[{\"code\":\"LAW\",\"name\":\"Bộ quy tắc thử\",\"effective_from\":\"2019-01-01\","
    "\"values\":[{\"key\":\"ttldxs.quota_pct\",\"value\":20},"
    "{\"key\":\"cstd_nganh.years\",\"value\":3},{\"key\":\"cstd_nganh.vote_pct\",\"value\":90},"
    "{\"key\":\"ldtt.discipline_min\",\"value\":1},"
    "{\"key\":\"co_nganh.per_cluster\",\"value\":1},"
    "{\"key\":\"vote.flag.threshold_pct\",\"value\":80},"
    "{\"key\":\"vote.collective_excellent.threshold_pct\",\"value\":80}]}],"
    "\"units\":["
    "{\"code\":\"DV01\",\"name\":\"Đơn vị 01\",\"kind\":\"department\",\"role\":\"regional\","
    "\"parent\":\"VKSTC\"},"
    "{\"code\":\"DV02\",\"name\":\"Đơn vị 02\",\"kind\":\"department\",\"role\":\"regional\","
    "\"parent\":\"VKSTC\"},"
    "{\"code\":\"DV03\",\"name\":\"Đơn vị 03\",\"kind\":\"department\",\"role\":\"regional\","
    "\"parent\":\"VKSTC\"},"
    "{\"code\":\"DV04\",\"name\":\"Đơn vị 04\",\"kind\":\"department\",\"role\":\"regional\","
    "\"parent\":\"VKSTC\"},"
    "{\"code\":\"DV05\",\"name\":\"Đơn vị 05\",\"kind\":\"department\",\"role\":\"regional\","
    "\"parent\":\"VKSTC\"},"
    "{\"code\":\"DV06\",\"name\":\"Đơn vị 06\",\"kind\":\"department\",\"role\":\"regional\","
    "\"parent\":\"VKSTC\"},"
    "{\"code\":\"DV07\",\"name\":\"Đơn vị 07\",\"kind\":\"department\",\"role\":\"regional\","
    "\"parent\":\"VKSTC\"},"
    "{\"code\":\"DV08\",\"name\":\"Đơn vị 08\",\"kind\":\"department\",\"role\":\"regional\","
    "\"parent\":\"VKSTC\"},"
    "{\"code\":\"DV09\",\"name\":\"Đơn vị 09\",\"kind\":\"department\",\"role\":\"regional\","
    "\"parent\":\"VKSTC\"},"
    "{\"code\":\"DV10\",\"name\":\"Đơn vị 10\",\"kind\":\"department\",\"role\":\"regional\","
    "\"parent\":\"VKSTC\"},"
    "{\"code\":\"DV11\",\"name\":\"Đơn vị 11\",\"kind\":\"department\",\"role\":\"regional\","
    "\"parent\":\"VKSTC\"}],"
    "\"persons\":[{\"id\":\"CC1-001\",\"name\":\"Nguyễn Văn An\",\"unit\":\"VKSCC1\"},"
    "{\"id\":\"TC-01\",\"name\":\"Thành viên 01\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"TC-02\",\"name\":\"Thành viên 02\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"TC-03\",\"name\":\"Thành viên 03\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"TC-04\",\"name\":\"Thành viên 04\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"TC-05\",\"name\":\"Thành viên 05\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"TC-06\",\"name\":\"Thành viên 06\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"TC-07\",\"name\":\"Thành viên 07\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"TC-08\",\"name\":\"Thành viên 08\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"TC-09\",\"name\":\"Thành viên 09\",\"unit\":\"VKSTC\"},"
    "{\"id\":\"TC-10\",\"name\":\"Thành viên 10\",\"unit\":\"VKSTC\"}],"
    "\"councils\":[{\"year\":2021,\"code\":\"HD-2021\",\"name\":\"Hội đồng Thi đua - Khen "
    "thưởng ngành năm 2021\",\"members\":[{\"person\":\"TC-01\",\"role\":\"chair\"},"
    "{\"person\":\"TC-02\",\"role\":\"vice_chair\"},{\"person\":\"TC-03\",\"role\":\"member\"},"
    "{\"person\":\"TC-04\",\"role\":\"member\"},{\"person\":\"TC-05\",\"role\":\"member\"},"
    "{\"person\":\"TC-06\",\"role\":\"member\"},{\"person\":\"TC-07\",\"role\":\"member\"},"
    "{\"person\":\"TC-08\",\"role\":\"member\"},{\"person\":\"TC-09\",\"role\":\"member\"},"
    "{\"person\":\"TC-10\",\"role\":\"member\"}]}],"
    "\"periods\":[{\"year\":2019,\"state\":\"open\"},{\"year\":2020,\"state\":\"open\"},"
    "{\"year\":2021,\"state\":\"open\"}],"
    "\"clusters\":[{\"year\":2020,\"code\":\"CUM1\",\"name\":\"Cụm thi đua số 1\","
    "\"kind\":\"cluster\",\"members\":[\"VKSCC1\",\"VKSCC2\",\"VKSCC3\"]},"
    "{\"year\":2021,\"code\":\"CUM1\",\"name\":\"Cụm thi đua số 1\","
    "\"kind\":\"cluster\",\"members\":[\"VKSCC1\",\"VKSCC2\",\"VKSCC3\"],\"leader\":\"VKSCC2\"}],"
    "\"criteria\":[{\"year\":2021,\"cluster\":\"CUM1\",\"criteria\":[{\"code\":\"TC1\","
    "\"name\":\"Công tác chuyên môn\",\"max_points\":100}]}]}";

static const char *const units14[] = {"VKSCC1", "VKSCC2", "VKSCC3", "DV01", "DV02", "DV03", "DV04",
                                      "DV05",   "DV06",   "DV07",   "DV08", "DV09", "DV10", "DV11"};

static int setup(void **state)
{
    *state = tu_cfx_new(registry_json);
    return 0;
}

/* Run tdkt; the exit status must be want. */
#define law_cli(f, unit, out, want, ...)                                                           \
    do {                                                                                           \
        int st_ = tu_cfx_tdkt((f), (unit), (out), __VA_ARGS__);                                    \
        if (st_ != (want))                                                                         \
            fail_msg("%s: exit %d, want %d: %s", (unit), st_, (want), (out));                      \
    } while (0)

/* Write text to dir/name and give its path. */
static const char *law_file(struct tu_cfx *f, const char *name, const char *text, char *path)
{
    tu_path(path, TU_PATH_MAX, "%s/%s", f->fx.dir, name);
    tu_write_file(path, text);
    return path;
}

/* unit's results for 2021 with criteria points, and a dossier of one
 * proposal of title for the unit itself (ballot may be ""), submitted. */
static void law_submit(struct tu_cfx *f, const char *unit, int points, const char *title,
                       const char *ballot)
{
    char out[TU_OUT_MAX], path[TU_PATH_MAX], text[1024], name[64];

    snprintf(text, sizeof text,
             "{\"unit\":\"%s\",\"year\":2021,\"rating\":\"HTXSNV\","
             "\"scores\":[{\"criterion\":\"TC1\",\"points\":%d}],"
             "\"targets\":[{\"code\":\"T1\",\"name\":\"Tỷ lệ giải quyết án\",\"planned\":90,"
             "\"achieved\":95}]}",
             unit, points);
    snprintf(name, sizeof name, "results-%s.json", unit);
    law_cli(f, unit, out, 0, "results", "import", law_file(f, name, text, path), NULL);
    law_cli(f, unit, out, 0, "sync", NULL);
    snprintf(text, sizeof text,
             "{\"submission_id\":\"%s-%s\",\"year\":2021,\"proposals\":[{\"id\":\"P1\","
             "\"title\":\"%s\",\"unit\":\"%s\"%s%s%s}]}",
             unit, title, title, unit, *ballot ? ",\"ballot\":\"" : "", ballot,
             *ballot ? "\"" : "");
    snprintf(name, sizeof name, "dossier-%s-%s.json", unit, title);
    law_cli(f, unit, out, 0, "submit", law_file(f, name, text, path), NULL);
}

/* The verdict line of submission id's proposal P1, as the central office reads it. */
static void law_show(struct tu_cfx *f, const char *id, char *out)
{
    law_cli(f, "VKSTC", out, 0, "review", "show", id, NULL);
}

static void test_ttldxs_quota_cut(void **state)
{
    struct tu_cfx *f = *state;
    char out[TU_OUT_MAX], id[32];
    static const int points[] = {70, 90, 80}; /* VKSCC2 first, VKSCC3, then VKSCC1 */

    /* 14 units hold TTLĐTT for 2021, decided before the ledger. */
    for (size_t i = 0; i < 14; i++) {
        snprintf(id, sizeof id, "R-%s", units14[i]);
        law_cli(f, "VKSTC", out, 0, "--year", "2021", "--unit", units14[i], "--decision-no",
                "88/QĐ-VKSTC", "--decision-date", "2021-12-20", "--signer", "Viện trưởng",
                "--source", "Hồ sơ lưu", "review", "record", id, "TTLDTT", NULL);
    }
    for (int i = 0; i < 3; i++)
        law_submit(f, units14[i], points[i], "TTLDXS", "");
    law_cli(f, "VKSTC", out, 0, "review", "quota", "2021", NULL);
    assert_non_null(strstr(out, "Chỉ tiêu: 2 suất = 20% của 14 tập thể đạt TTLĐTT (2.80"));
    /* Ranked by cluster standing: VKSCC2 (90), VKSCC3 (80), cut, VKSCC1. */
    char *a = strstr(out, "VKSCC2"), *b = strstr(out, "VKSCC3"), *cut = strstr(out, "hết chỉ tiêu"),
         *c = strstr(out, "VKSCC1");
    assert_true(a && b && cut && c && a < b && b < cut && cut < c);
    law_cli(f, "VKSTC", out, 0, "--json", "review", "quota", "2021", NULL);
    assert_non_null(strstr(out, "\"quota\":2"));
    assert_non_null(strstr(out, "\"ttldtt_units\":14"));
    /* Only the central office reads the standing. */
    law_cli(f, "VKSCC1", out, 6, "review", "quota", "2021", NULL);
    assert_non_null(strstr(out, "FORBIDDEN"));

    for (int i = 0; i < 3; i++) {
        snprintf(id, sizeof id, "%s-TTLDXS", units14[i]);
        law_cli(f, "VKSTC", out, 0, "review", "receive", id, NULL);
    }
    /* The third ranked is refused even while places are free. */
    law_cli(f, "VKSTC", out, 6, "--reason", "Hội đồng nhất trí", "review", "approve",
            "VKSCC1-TTLDXS", "P1", NULL);
    assert_non_null(strstr(out, "2 place(s), 20% of 14 unit(s) rated TTLĐTT = 2.80 rounded down"));
    assert_non_null(strstr(out, "'VKSCC1' ranks 3 of 3, past the cut"));
    law_cli(f, "VKSTC", out, 0, "--reason", "Hội đồng nhất trí", "review", "approve",
            "VKSCC2-TTLDXS", "P1", NULL);
    law_cli(f, "VKSTC", out, 0, "--reason", "Hội đồng nhất trí", "review", "approve",
            "VKSCC3-TTLDXS", "P1", NULL);
    law_cli(f, "VKSTC", out, 6, "--reason", "Hội đồng nhất trí", "review", "approve",
            "VKSCC1-TTLDXS", "P1", NULL);
    /* With the first two approved, 2 of 2 places are taken. */
    law_cli(f, "VKSTC", out, 0, "--json", "review", "quota", "2021", NULL);
    assert_non_null(strstr(out, "\"granted\":2"));
    assert_int_equal(tu_sql_int(f->fx.db, "SELECT count(*) FROM proposals WHERE title = 6 AND"
                                          " state = 2"),
                     2);
}

static void test_one_flag_per_cluster_at_submission(void **state)
{
    struct tu_cfx *f = *state;
    char out[TU_OUT_MAX];

    law_submit(f, "VKSCC2", 90, "CO_NGANH", "");
    law_show(f, "VKSCC2-CO_NGANH", out);
    assert_null(strstr(out, "already has a Cờ thi đua ngành"));
    law_submit(f, "VKSCC3", 80, "CO_NGANH", "");
    law_show(f, "VKSCC3-CO_NGANH", out);
    assert_non_null(strstr(out, "  ineligible (CO-NGANH)"));
    assert_non_null(
        strstr(out, "the cluster already has a Cờ thi đua ngành proposed or decided for 2021 "
                    "(VKSCC2)"));
}

/* Open a secret ballot of purpose for candidate, and let votes yes of the
 * cluster vote yes, the others no. */
static void law_ballot(struct tu_cfx *f, const char *id, const char *purpose, const char *candidate,
                       int yes)
{
    char out[TU_OUT_MAX], path[TU_PATH_MAX], text[1024], name[64];
    static const char *const roll[] = {"VKSCC1", "VKSCC2", "VKSCC3"};

    snprintf(text, sizeof text,
             "{\"ballot_id\":\"%s\",\"year\":2021,\"cluster\":\"CUM1\",\"title\":\"Suy tôn\","
             "\"closes_in_seconds\":" OPEN_S ",\"contests\":[{\"code\":\"CO\",\"purpose\":"
             "\"%s\",\"title\":\"Suy tôn\",\"candidates\":[\"%s\"],\"method\":"
             "\"yes_no\",\"secret\":true}]}",
             id, purpose, candidate);
    snprintf(name, sizeof name, "ballot-%s.json", id);
    law_cli(f, "VKSCC2", out, 0, "ballot", "open", law_file(f, name, text, path), NULL);
    for (int i = 0; i < 3; i++)
        law_cli(f, roll[i], out, 0, "ballot", "cast", id, i < yes ? "CO=yes" : "CO=no", NULL);
}

/* Close every open ballot (the daemon's clock past their close), then seal
 * and tally each of ids, leaving them unpublished. */
static void law_close(struct tu_cfx *f, const char *const ids[], size_t n)
{
    char out[TU_OUT_MAX];

    tu_cfx_advance(f, CLOSED_S);
    for (size_t i = 0; i < n; i++) {
        law_cli(f, "VKSCC2", out, 0, "ballot", "seal", ids[i], NULL);
        law_cli(f, "VKSCC2", out, 0, "ballot", "tally", ids[i], NULL);
    }
}

static void test_unpublished_ballot_does_not_leak(void **state)
{
    struct tu_cfx *f = *state;
    char won[TU_OUT_MAX], lost[TU_OUT_MAX], out[TU_OUT_MAX], path[TU_PATH_MAX];
    static const char *const ids[] = {"B-WON", "B-LOST"};
    const char *w, *l;

    /* One ballot the candidate won (3 of 3), one it lost (1 of 3). */
    law_ballot(f, "B-WON", "flag", "VKSCC1", 3);
    law_ballot(f, "B-LOST", "collective_excellent", "VKSCC3", 1);
    law_close(f, ids, 2);
    law_submit(f, "VKSCC1", 90, "CO_CP", "B-WON");
    law_submit(f, "VKSCC3", 80, "CO_CP", "B-LOST");
    law_show(f, "VKSCC1-CO_CP", won);
    law_show(f, "VKSCC3-CO_CP", lost);
    /* The verdict's reason, the line after the table. */
    w = strstr(won, "\n  P1: ");
    l = strstr(lost, "\n  P1: ");
    assert_non_null(w);
    assert_non_null(l);
    /* The same words for both: the count is not in the verdict. */
    assert_non_null(strstr(won, "  deferred (VOTE-PENDING)"));
    assert_non_null(strstr(lost, "  deferred (VOTE-PENDING)"));
    assert_memory_equal(w, l, strcspn(w, "\n"));
    /* Once published, a resubmission reads the count. */
    law_cli(f, "VKSCC2", out, 0, "ballot", "publish", "B-WON", NULL);
    law_cli(f, "VKSTC", out, 0, "--reason", "Bổ sung kết quả bỏ phiếu", "review", "return",
            "VKSCC1-CO_CP", NULL);
    tu_path(path, sizeof path, "%s/dossier-VKSCC1-CO_CP.json", f->fx.dir);
    law_cli(f, "VKSCC1", out, 0, "submit", path, NULL);
    law_show(f, "VKSCC1-CO_CP", out);
    assert_null(strstr(out, "VOTE-PENDING"));
    assert_non_null(strstr(out, "  eligible"));
}

/* A Council vote for CC1-001's CSTĐ ngành (three CSTĐCS years, a sector
 * initiative, a 90% Council vote): counts in \"yes\" of the whole Council. */
static void law_council_file(struct tu_cfx *f, const char *id, int yes, int no, int abstain,
                             char *path)
{
    char text[1024], name[64];

    snprintf(text, sizeof text,
             "{\"vote_id\":\"%s\",\"year\":2021,\"council\":\"HD-2021\",\"secret\":true,"
             "\"minutes_ref\":\"Biên bản số 05/BB-HĐTĐKT ngày 20/12/2021\",\"held_on\":"
             "\"2021-12-20\",\"contests\":[{\"code\":\"1\",\"subjects\":[{\"person\":"
             "\"CC1-001\",\"title\":\"CSTD_NGANH\"}],\"yes\":%d,\"no\":%d,\"abstain\":%d}]}",
             id, yes, no, abstain);
    snprintf(name, sizeof name, "council-%s.json", id);
    law_file(f, name, text, path);
}

static void test_council_vote_is_a_fact(void **state)
{
    struct tu_cfx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];
    static const char *const years[] = {"2019", "2020"};

    for (int i = 0; i < 2; i++) {
        char id[32];
        snprintf(id, sizeof id, "R-CSTDCS-%s", years[i]);
        law_cli(f, "VKSTC", out, 0, "--year", years[i], "--person", "CC1-001", "--decision-no",
                "12/QĐ-VKSTC", "--decision-date", "2021-01-05", "--signer", "Viện trưởng",
                "--source", "Hồ sơ lưu", "review", "record", id, "CSTDCS", NULL);
    }
    law_cli(f, "VKSCC1", out, 0, "sync", NULL);
    law_cli(f, "VKSCC1", out, 0, "results", "import",
            law_file(f, "cc1.json",
                     "{\"unit\":\"VKSCC1\",\"year\":2021,\"person_ratings\":[{\"person\":"
                     "\"CC1-001\",\"rating\":\"HTXSNV\"}],\"initiatives\":[{\"code\":\"SK1\","
                     "\"title\":\"Sáng kiến\",\"authors\":[\"CC1-001\"],\"scope\":\"nganh\"}]}",
                     path),
            NULL);
    law_cli(f, "VKSCC1", out, 0, "submit",
            law_file(f, "cc1-dossier.json",
                     "{\"submission_id\":\"CC1-N\",\"year\":2021,\"proposals\":[{\"id\":\"N1\","
                     "\"title\":\"CSTD_NGANH\",\"person\":\"CC1-001\"}]}",
                     path),
            NULL);
    law_show(f, "CC1-N", out);
    assert_non_null(strstr(out, "needs the council's vote; no result in the dossier"));

    /* Only the central office enters the Council's votes. */
    law_council_file(f, "V1", 9, 1, 0, path);
    law_cli(f, "VKSCC1", out, 6, "council", "vote", path, NULL);
    assert_non_null(strstr(out, "FORBIDDEN"));
    /* More ballots than members; a subject with no proposal; a string count. */
    law_council_file(f, "V0", 9, 2, 0, path);
    law_cli(f, "VKSTC", out, 6, "council", "vote", path, NULL);
    assert_non_null(
        strstr(out, "9 yes + 2 no + 0 abstain = 11 ballots, more than the Council's 10 members"));
    assert_non_null(strstr(out, "council_vote.contests[0]"));
    law_cli(f, "VKSTC", out, 2, "council", "vote",
            law_file(f, "bad.json",
                     "{\"vote_id\":\"VX\",\"year\":2021,\"council\":\"HD-2021\","
                     "\"minutes_ref\":\"BB\",\"contests\":[{\"code\":\"1\",\"subjects\":"
                     "[{\"person\":\"CC1-001\",\"title\":\"CSTD_NGANH\"}],\"yes\":\"9\"}]}",
                     path),
            NULL);
    assert_non_null(strstr(out, "contests[0].yes: must be a whole number, not a string"));
    assert_int_equal(tu_sql_int(f->fx.db, "SELECT count(*) FROM council_votes"), 0);

    /* 9 of 10 at 90%: eligible, and the verdict names the vote. */
    law_council_file(f, "V1", 9, 1, 0, path);
    law_cli(f, "VKSTC", out, 0, "council", "vote", path, NULL);
    law_show(f, "CC1-N", out);
    assert_non_null(strstr(out, "  eligible"));
    assert_non_null(strstr(out, "9 of the council's 10 members voted yes in vote V1, 90% needed"));
    /* A correction: 8 yes, 2 abstain is one below; abstaining is not yes. */
    law_council_file(f, "V2", 8, 0, 2, path);
    law_cli(f, "VKSTC", out, 0, "council", "vote", path, NULL);
    law_show(f, "CC1-N", out);
    assert_non_null(strstr(out, "  ineligible (CSTD-NGANH)"));
    assert_non_null(strstr(out, "8 of the council's 10 members voted yes in vote V2"));
    /* The same vote id again is refused: a correction has its own id. */
    law_cli(f, "VKSTC", out, 6, "council", "vote", path, NULL);
    assert_non_null(strstr(out, "already entered"));
    /* Replay agrees with the state the votes left. */
    tu_fx_stop(&f->fx);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", f->fx.data, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ttldxs_quota_cut, setup, tu_cfx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_one_flag_per_cluster_at_submission, setup,
                                        tu_cfx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_council_vote_is_a_fact, setup, tu_cfx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_unpublished_ballot_does_not_leak, setup,
                                        tu_cfx_cmocka_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
