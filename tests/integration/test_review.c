/* SPDX-License-Identifier: MIT */
/*
 * Submissions and review (issue 5), end to end: the real tdktd and tdkt.
 * An office submits a dossier; the server judges every proposal under the
 * rule set in force; the central office receives, returns (the office
 * resubmits), approves, rejects, decides and annuls; invalid transitions
 * are refused with typed errors; history and the HTML report show the
 * outcome; tdktd verify replays it all.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char registry_json[] =
    "{\"rules\":[{\"code\":\"TEST\",\"name\":\"Bộ quy tắc thử\",\"effective_from\":\"2019-01-01\","
    "\"values\":[{\"key\":\"ttldtt.members_ldtt_pct\",\"value\":50},"
    "{\"key\":\"ttldtt.member_discipline_min\",\"value\":2},"
    "{\"key\":\"ldtt.min_months_recruited\",\"value\":6},"
    "{\"key\":\"ldtt.leave_months_min\",\"value\":3},{\"key\":\"ldtt.leave_months_max\",\"value\":"
    "6},"
    "{\"key\":\"ldtt.discipline_min\",\"value\":1},"
    "{\"key\":\"htxsnv.requires_exceeding\",\"value\":1}]}],"
    "\"persons\":[{\"id\":\"CC1-001\",\"name\":\"Nguyễn Văn An\",\"unit\":\"VKSCC1\"},"
    "{\"id\":\"CC1-002\",\"name\":\"Trần Thị Bình\",\"unit\":\"VKSCC1\"},"
    "{\"id\":\"CC1-003\",\"name\":\"Lê Văn Chung\",\"unit\":\"VKSCC1\"}],"
    "\"periods\":[{\"year\":2020,\"state\":\"closed\"},{\"year\":2021,\"state\":\"open\"}],"
    "\"clusters\":[{\"year\":2021,\"code\":\"CUM1\",\"name\":\"Cụm thi đua số 1\","
    "\"kind\":\"cluster\",\"members\":[\"VKSCC1\",\"VKSCC2\",\"VKSCC3\"]}],"
    "\"criteria\":[{\"year\":2021,\"cluster\":\"CUM1\",\"criteria\":[{\"code\":\"TC1\","
    "\"name\":\"Công tác chuyên môn\",\"max_points\":100}]}]}";

/* Ratings: two rated well, one failed duties. */
static const char results_json[] =
    "{\"unit\":\"VKSCC1\",\"year\":2021,\"rating\":\"HTTNV\","
    "\"scores\":[{\"criterion\":\"TC1\",\"points\":87.5}],"
    "\"targets\":[{\"code\":\"T1\",\"name\":\"Tỷ lệ giải quyết "
    "án\",\"planned\":90,\"achieved\":95}],"
    "\"person_ratings\":[{\"person\":\"CC1-001\",\"rating\":\"HTXSNV\"},"
    "{\"person\":\"CC1-002\",\"rating\":\"HTTNV\"},{\"person\":\"CC1-003\",\"rating\":\"KHTNV\"}]}";

static const char dossier_json[] =
    "{\"submission_id\":\"CC1-2021\",\"year\":2021,\"note\":\"Hồ sơ năm 2021\",\"proposals\":["
    "{\"id\":\"P1\",\"title\":\"LDTT\",\"person\":\"CC1-001\"},"
    "{\"id\":\"P2\",\"title\":\"LDTT\",\"person\":\"CC1-002\"},"
    "{\"id\":\"P3\",\"title\":\"LDTT\",\"person\":\"CC1-003\"},"
    "{\"id\":\"P4\",\"title\":\"TTLDTT\",\"unit\":\"VKSCC1\"}]}";

struct fx {
    char dir[TU_PATH_MAX], data[TU_PATH_MAX];
    struct tu_daemon d;
    int up;
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char reg[TU_PATH_MAX], out[TU_OUT_MAX];
    tu_mkdtemp(f->dir);
    tu_sector_setup(f->dir);
    tu_path(f->data, sizeof f->data, "%s/data", f->dir);
    tu_path(reg, sizeof reg, "%s/registry.json", f->dir);
    write_file(reg, registry_json);
    if (tu_runf(out, sizeof out, TDKTD_BIN, "registry", "import", "--data", f->data, reg, NULL))
        fail_msg("registry import: %s", out);
    tu_daemon_start(&f->d, f->data, NULL, NULL);
    f->up = 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f->up)
        tu_daemon_stop(&f->d, SIGTERM);
    tu_rm_rf(f->dir);
    free(f);
    return 0;
}

static int tdkt(struct fx *f, const char *unit, char *out, const char *a1, const char *a2,
                const char *a3, const char *a4, const char *a5, const char *a6)
{
    return tu_tdkt(f->dir, f->d.port, unit, out, a1, a2, a3, a4, a5, a6, NULL);
}

#define MUST(st, want)                                                                             \
    do {                                                                                           \
        int st_ = (st);                                                                            \
        if (st_ != (want))                                                                         \
            fail_msg("exit %d, want %d: %s", st_, (want), out);                                    \
    } while (0)

static void office_submits(struct fx *f, char *out)
{
    char path[TU_PATH_MAX];
    MUST(tdkt(f, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    tu_path(path, sizeof path, "%s/results.json", f->dir);
    write_file(path, results_json);
    MUST(tdkt(f, "VKSCC1", out, "results", "import", path, NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    tu_path(path, sizeof path, "%s/dossier.json", f->dir);
    write_file(path, dossier_json);
    MUST(tdkt(f, "VKSCC1", out, "submit", path, NULL, NULL, NULL, NULL), 0);
}

/* The whole workflow, with the server's verdicts. */
static void test_workflow(void **state)
{
    struct fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];

    office_submits(f, out);
    /* The office's own preview agrees with the server on what it holds. */
    tu_path(path, sizeof path, "%s/dossier.json", f->dir);
    MUST(tdkt(f, "VKSCC1", out, "eligibility", "check", path, NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "rule set TEST"));
    assert_non_null(strstr(out, "P1       LDTT       CC1-001    eligible"));
    assert_non_null(strstr(out, "P3       LDTT       CC1-003    ineligible (LDTT)"));
    assert_non_null(strstr(out, "P4       TTLDTT     VKSCC1     eligible"));
    MUST(tdkt(f, "VKSCC1", out, "review", "show", "CC1-2021", NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "submitted, revision 1"));
    /* CC1-003 failed its duties: not LĐTT. The unit has 2 of 3 members
     * LĐTT (67% >= 50%): TTLĐTT eligible. */
    assert_non_null(strstr(out, "P1     LDTT"));
    assert_non_null(strstr(out, "P3     LDTT       Lê Văn Chung"));
    assert_non_null(strstr(out, "verdict ineligible (LDTT)"));
    assert_non_null(strstr(out, "P4     TTLDTT"));

    /* Only the central office reviews. */
    MUST(tdkt(f, "VKSCC2", out, "review", "receive", "CC1-2021", NULL, NULL, NULL), 6);
    assert_non_null(strstr(out, "FORBIDDEN"));
    /* Proposals wait for the dossier to be received. */
    MUST(tdkt(f, "VKSTC", out, "review", "approve", "CC1-2021", "P1", NULL, NULL), 6);
    assert_non_null(strstr(out, "CONFLICT"));
    /* A return needs a reason; then the office revises. */
    MUST(tdkt(f, "VKSTC", out, "review", "return", "CC1-2021", NULL, NULL, NULL), 6);
    assert_non_null(strstr(out, "reason"));
    MUST(tdkt(f, "VKSTC", out, "--reason", "Thiếu bảng điểm tự chấm", "review", "return",
              "CC1-2021", NULL),
         0);
    MUST(tdkt(f, "VKSTC", out, "review", "list", NULL, NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "CC1-2021"));
    assert_non_null(strstr(out, "returned"));
    tu_path(path, sizeof path, "%s/dossier.json", f->dir);
    MUST(tdkt(f, "VKSCC1", out, "submit", path, NULL, NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSCC1", out, "review", "show", "CC1-2021", NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "submitted, revision 2"));
    assert_non_null(strstr(out, "returned: Thiếu bảng điểm tự chấm"));
    /* A submitted dossier cannot be changed until returned. */
    MUST(tdkt(f, "VKSCC1", out, "submit", path, NULL, NULL, NULL, NULL), 6);

    MUST(tdkt(f, "VKSTC", out, "review", "receive", "CC1-2021", NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSTC", out, "review", "approve", "CC1-2021", "P1", NULL, NULL), 0);
    MUST(tdkt(f, "VKSTC", out, "review", "approve", "CC1-2021", "P2", NULL, NULL), 0);
    /* Approving against an ineligible verdict needs a reason. */
    MUST(tdkt(f, "VKSTC", out, "review", "approve", "CC1-2021", "P3", NULL, NULL), 6);
    assert_non_null(strstr(out, "ineligible"));
    MUST(tdkt(f, "VKSTC", out, "review", "reject", "CC1-2021", "P3", NULL, NULL), 6);
    MUST(tdkt(f, "VKSTC", out, "--reason", "Không hoàn thành nhiệm vụ", "review", "reject",
              "CC1-2021", "P3"),
         0);
    /* A rejected proposal cannot be decided; a pending one neither. */
    MUST(tdkt(f, "VKSTC", out, "review", "decide", "CC1-2021", "P3", NULL, NULL), 6);
    assert_non_null(strstr(out, "rejected"));
    MUST(tdkt(f, "VKSTC", out, "review", "decide", "CC1-2021", "P4", NULL, NULL), 6);
    /* A decision needs its number, date and signer. */
    MUST(tdkt(f, "VKSTC", out, "review", "decide", "CC1-2021", "P1", NULL, NULL), 6);
    MUST(tu_tdkt(f->dir, f->d.port, "VKSTC", out, "--decision-no", "123/QĐ-VKSTC",
                 "--decision-date", "2021-12-30", "--signer", "Viện trưởng", "review", "decide",
                 "CC1-2021", "P1", NULL),
         0);
    /* Cancel an approval, approve again. */
    MUST(tdkt(f, "VKSTC", out, "review", "cancel", "CC1-2021", "P2", NULL, NULL), 0);
    MUST(tdkt(f, "VKSTC", out, "review", "approve", "CC1-2021", "P2", NULL, NULL), 0);
    /* Annul the decision: a new entry, nothing deleted. */
    MUST(tdkt(f, "VKSTC", out, "review", "annul", "CC1-2021", "P1", NULL, NULL), 6);
    MUST(tdkt(f, "VKSTC", out, "--reason", "Hồ sơ không trung thực", "review", "annul", "CC1-2021",
              "P1"),
         0);
    MUST(tdkt(f, "VKSTC", out, "review", "show", "CC1-2021", NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "P1     LDTT       Nguyễn Văn An"));
    assert_non_null(strstr(out, "annulled"));
    assert_non_null(strstr(out, "Quyết định số 123/QĐ-VKSTC, 2021-12-30, Viện trưởng"));
    assert_non_null(strstr(out, "annulled P1: Hồ sơ không trung thực"));

    /* History: the annulled title shows as such. */
    MUST(tdkt(f, "VKSCC1", out, "history", "--person", "CC1-001", NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "2021  rating   HTXSNV"));
    assert_non_null(strstr(out, "2021  annulled LDTT"));
    MUST(tdkt(f, "VKSCC2", out, "history", "--person", "CC1-001", NULL, NULL, NULL), 6);

    /* The report, as one HTML page. */
    tu_path(path, sizeof path, "%s/report-2021.html", f->dir);
    MUST(tdkt(f, "VKSTC", out, "report", "--year", "2021", "-o", path, NULL), 0);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char *html = calloc(1, 1 << 20);
    size_t n = fread(html, 1, (1 << 20) - 1, fp);
    fclose(fp);
    assert_true(n > 1000);
    assert_non_null(strstr(html, "Cụm thi đua số 1"));
    assert_non_null(strstr(html, "Nguyễn Văn An"));
    assert_non_null(strstr(html, "123/QĐ-VKSTC"));
    /* The author is the unit that asked; a pending proposal of a received
     * dossier says so; a rejection shows the verdict and the council. */
    assert_non_null(strstr(html, "Đơn vị lập: VKSTC</p>"));
    assert_non_null(strstr(html, "Đã tiếp nhận"));
    assert_null(strstr(html, "Đã gửi"));
    assert_non_null(strstr(html, " — Hội đồng: Không hoàn thành nhiệm vụ"));
    free(html);
    MUST(tdkt(f, "VKSCC1", out, "report", "--year", "2021", "-o", path, NULL), 6);

    /* tdktd verify replays submissions and proposals too. */
    assert_int_equal(tu_daemon_stop(&f->d, SIGTERM), 0);
    f->up = 0;
    MUST(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", f->data, NULL), 0);
}

/* Bad dossiers are refused whole. */
static void test_bad_dossiers(void **state)
{
    struct fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];
    MUST(tdkt(f, "VKSCC2", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    tu_path(path, sizeof path, "%s/bad.json", f->dir);
    /* Another office's person. */
    write_file(path, "{\"submission_id\":\"B1\",\"year\":2021,\"proposals\":["
                     "{\"id\":\"P1\",\"title\":\"LDTT\",\"person\":\"CC1-001\"}]}");
    MUST(tdkt(f, "VKSCC2", out, "submit", path, NULL, NULL, NULL, NULL), 6);
    assert_non_null(strstr(out, "belongs to 'VKSCC1'"));
    /* A unit title for a person. */
    write_file(path, "{\"submission_id\":\"B2\",\"year\":2021,\"proposals\":["
                     "{\"id\":\"P1\",\"title\":\"TTLDXS\",\"person\":\"CC1-001\"}]}");
    MUST(tdkt(f, "VKSCC2", out, "submit", path, NULL, NULL, NULL, NULL), 6);
    /* No period for the year. */
    write_file(path, "{\"submission_id\":\"B3\",\"year\":2030,\"proposals\":["
                     "{\"id\":\"P1\",\"title\":\"TTLDTT\",\"unit\":\"VKSCC2\"}]}");
    MUST(tdkt(f, "VKSCC2", out, "submit", path, NULL, NULL, NULL, NULL), 6);
    assert_non_null(strstr(out, "no emulation period"));
    /* A closed period takes no more dossiers: PERIOD_CLOSED. */
    write_file(path, "{\"submission_id\":\"B5\",\"year\":2020,\"proposals\":["
                     "{\"id\":\"P1\",\"title\":\"TTLDTT\",\"unit\":\"VKSCC2\"}]}");
    MUST(tdkt(f, "VKSCC2", out, "submit", path, NULL, NULL, NULL, NULL), 6);
    assert_non_null(strstr(out, "PERIOD_CLOSED"));
    assert_non_null(strstr(out, "2020 emulation period is closed"));
    /* A misspelt key. */
    write_file(path, "{\"submission_id\":\"B4\",\"year\":2021,\"proposals\":["
                     "{\"id\":\"P1\",\"titel\":\"TTLDTT\",\"unit\":\"VKSCC2\"}]}");
    MUST(tdkt(f, "VKSCC2", out, "submit", path, NULL, NULL, NULL, NULL), 2);
    MUST(tdkt(f, "VKSTC", out, "review", "list", NULL, NULL, NULL, NULL), 0);
    assert_null(strstr(out, "B1"));
}

/* A plan exceeded with one target missed: whether that still counts is the
 * rule set's exceeding.targets_met_pct. This rule set has no value for it,
 * so TTLĐXS needs a policy decision naming that key (not "ineligible"), on
 * the server and in the office's preview alike. */
static const char results_missed_json[] =
    "{\"unit\":\"VKSCC1\",\"year\":2021,\"rating\":\"HTXSNV\","
    "\"targets\":[{\"code\":\"T1\",\"name\":\"Tỷ lệ giải quyết án\",\"planned\":90,"
    "\"achieved\":95},{\"code\":\"T2\",\"name\":\"Tỷ lệ kháng nghị\",\"planned\":10,"
    "\"achieved\":8}],"
    "\"person_ratings\":[{\"person\":\"CC1-001\",\"rating\":\"HTXSNV\"},"
    "{\"person\":\"CC1-002\",\"rating\":\"HTTNV\"},{\"person\":\"CC1-003\",\"rating\":\"HTTNV\"}]}";

static const char dossier_missed_json[] =
    "{\"submission_id\":\"CC1-2021-XS\",\"year\":2021,\"proposals\":["
    "{\"id\":\"P1\",\"title\":\"LDTT\",\"person\":\"CC1-001\"},"
    "{\"id\":\"P2\",\"title\":\"LDTT\",\"person\":\"CC1-002\"},"
    "{\"id\":\"P3\",\"title\":\"LDTT\",\"person\":\"CC1-003\"},"
    "{\"id\":\"P4\",\"title\":\"TTLDTT\",\"unit\":\"VKSCC1\"},"
    "{\"id\":\"P5\",\"title\":\"TTLDXS\",\"unit\":\"VKSCC1\"}]}";

static void test_missed_target_is_a_policy_question(void **state)
{
    struct fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];

    MUST(tdkt(f, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    tu_path(path, sizeof path, "%s/results.json", f->dir);
    write_file(path, results_missed_json);
    MUST(tdkt(f, "VKSCC1", out, "results", "import", path, NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    tu_path(path, sizeof path, "%s/dossier.json", f->dir);
    write_file(path, dossier_missed_json);
    MUST(tdkt(f, "VKSCC1", out, "eligibility", "check", path, NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "P5       TTLDXS     VKSCC1     policy"));
    assert_non_null(strstr(out, "exceeding.targets_met_pct"));
    assert_null(strstr(out, "needs the plan exceeded"));
    MUST(tdkt(f, "VKSCC1", out, "submit", path, NULL, NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSCC1", out, "review", "show", "CC1-2021-XS", NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "verdict policy (exceeding.targets_met_pct)"));
    assert_non_null(strstr(out, "P4     TTLDTT"));
    assert_null(strstr(out, "needs the plan exceeded"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_workflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_dossiers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missed_target_is_a_policy_question, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
