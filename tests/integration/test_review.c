/* SPDX-License-Identifier: MIT */
/*
 * Submissions and review (issue 5), end to end: the real tdktd and tdkt.
 * An office submits a dossier; the server judges every proposal under the
 * rule set in force; the central office receives, returns (the office
 * resubmits), approves, rejects, decides and annuls; invalid transitions
 * are refused with typed errors; history and the HTML report show the
 * outcome; tdktd verify replays it all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fixture.h"

static const char registry_json[] =
    "{\"rules\":[{\"code\":\"TEST\",\"name\":\"Bộ quy tắc thử\",\"effective_from\":\"2019-01-01\","
    "\"values\":[{\"key\":\"ttldtt.members_ldtt_pct\",\"value\":50},"
    "{\"key\":\"ttldtt.member_discipline_min\",\"value\":2},"
    "{\"key\":\"ldtt.min_months_recruited\",\"value\":6},"
    "{\"key\":\"ldtt.leave_months_min\",\"value\":3},{\"key\":\"ldtt.leave_months_max\",\"value\":"
    "6},"
    "{\"key\":\"ldtt.discipline_min\",\"value\":1},"
    "{\"key\":\"htxsnv.requires_exceeding\",\"value\":1},"
    "{\"key\":\"cstd_nganh.years\",\"value\":3}]}],"
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

static int setup(void **state)
{
    *state = tu_fx_new(registry_json, TU_FX_PLAIN, NULL);
    return 0;
}

static int tdkt(struct tu_fx *f, const char *unit, char *out, const char *a1, const char *a2,
                const char *a3, const char *a4, const char *a5, const char *a6)
{
    return tu_tdkt(f->dir, f->d.port, unit, out, a1, a2, a3, a4, a5, a6, NULL);
}

/* A command's exit status; out holds its output. */
#define MUST(st, want) TU_EXIT_IS(st, want, out)

/* VKSCC1 syncs, imports results and syncs again, then writes dossier into
 * dossier_path (dir/dossier.json), ready to submit. */
static void office_prepares(struct tu_fx *f, char *out, const char *results, const char *dossier,
                            char dossier_path[TU_PATH_MAX])
{
    char path[TU_PATH_MAX];

    MUST(tdkt(f, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    tu_path(path, sizeof path, "%s/results.json", f->dir);
    tu_write_file(path, results);
    MUST(tdkt(f, "VKSCC1", out, "results", "import", path, NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    tu_path(dossier_path, TU_PATH_MAX, "%s/dossier.json", f->dir);
    tu_write_file(dossier_path, dossier);
}

/* The dossier of the workflow, prepared and submitted. */
static void office_submits(struct tu_fx *f, char *out)
{
    char path[TU_PATH_MAX];

    office_prepares(f, out, results_json, dossier_json, path);
    MUST(tdkt(f, "VKSCC1", out, "submit", path, NULL, NULL, NULL, NULL), 0);
}

/* The whole workflow, with the server's verdicts. */
static void test_workflow(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];

    office_submits(f, out);
    /* The office's own preview agrees with the server on what it holds. */
    tu_path(path, sizeof path, "%s/dossier.json", f->dir);
    MUST(tdkt(f, "VKSCC1", out, "eligibility", "check", path, NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "rule set TEST"));
    tu_has_row(out, (const char *const[]){"P1", "Lao động tiên tiến", "Nguyễn Văn An (CC1-001)",
                                          "eligible", NULL});
    tu_has_row(out,
               (const char *const[]){"P3", "Lê Văn Chung (CC1-003)", "ineligible (LDTT)", NULL});
    tu_has_row(out, (const char *const[]){"P4", "Tập thể lao động tiên tiến", "eligible", NULL});
    MUST(tdkt(f, "VKSCC1", out, "review", "show", "CC1-2021", NULL, NULL, NULL), 0);
    assert_non_null(strstr(
        out, "Submission CC1-2021 of Viện kiểm sát nhân dân cấp cao tại Hà Nội (VKSCC1) for 2021: "
             "submitted, revision 1"));
    /* CC1-003 failed its duties: not LĐTT. The unit has 2 of 3 members
     * LĐTT (67% >= 50%): TTLĐTT eligible. */
    tu_has_row(out, (const char *const[]){"P1", "Lao động tiên tiến", NULL});
    tu_has_row(out, (const char *const[]){"P3", "Lao động tiên tiến", "Lê Văn Chung (CC1-003)",
                                          "pending", "ineligible (LDTT)", NULL});
    tu_has_row(out, (const char *const[]){"P4", "Tập thể lao động tiên tiến", NULL});

    /* Only the central office reviews. */
    MUST(tdkt(f, "VKSCC2", out, "review", "receive", "CC1-2021", NULL, NULL, NULL), 6);
    assert_non_null(strstr(out, "FORBIDDEN"));
    /* Proposals wait for the dossier to be received: refused before queueing. */
    MUST(tdkt(f, "VKSTC", out, "review", "approve", "CC1-2021", "P1", NULL, NULL), 2);
    assert_non_null(strstr(out, "is submitted, not received: receive it first"));
    /* A return needs a reason, refused before anything is queued; then the
     * office revises. A decision date must be a day, in either format. */
    MUST(tdkt(f, "VKSTC", out, "review", "return", "CC1-2021", NULL, NULL, NULL), 2);
    assert_non_null(strstr(out, "--reason is required"));
    MUST(tdkt(f, "VKSTC", out, "--decision-date", "31/02/2021", "review", "decide", "CC1-2021",
              "P1"),
         2);
    assert_non_null(strstr(out, "write the date as dd/mm/yyyy"));
    MUST(tdkt(f, "VKSTC", out, "outbox", "--state", "pending", NULL, NULL, NULL), 0);
    assert_null(strstr(out, "review.step"));
    MUST(tdkt(f, "VKSTC", out, "--reason", "Thiếu bảng điểm tự chấm", "review", "return",
              "CC1-2021", NULL),
         0);
    MUST(tdkt(f, "VKSTC", out, "review", "list", NULL, NULL, NULL, NULL), 0);
    tu_has_all(out, (const char *const[]){"CC1-2021", "returned", NULL});
    tu_path(path, sizeof path, "%s/dossier.json", f->dir);
    MUST(tdkt(f, "VKSCC1", out, "submit", path, NULL, NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSCC1", out, "review", "show", "CC1-2021", NULL, NULL, NULL), 0);
    tu_has_all(out, (const char *const[]){"submitted, revision 2",
                                          "returned: Thiếu bảng điểm tự chấm", NULL});
    /* A submitted dossier cannot be changed until returned. */
    MUST(tdkt(f, "VKSCC1", out, "submit", path, NULL, NULL, NULL, NULL), 6);

    MUST(tdkt(f, "VKSTC", out, "review", "receive", "CC1-2021", NULL, NULL, NULL), 0);
    /* Several proposals in one command: a summary, each its own ledger entry. */
    {
        int64_t before =
            tu_sql_int(f->db, "SELECT count(*) FROM ledger WHERE kind = 'review.step'");

        MUST(tdkt(f, "VKSTC", out, "review", "approve", "CC1-2021", "P1", "P2", NULL), 0);
        tu_has_all(out, (const char *const[]){"approve 2 proposals of CC1-2021: P1 P2",
                                              "approve CC1-2021 P1: recorded",
                                              "approve CC1-2021 P2: recorded", NULL});
        assert_int_equal(
            tu_sql_int(f->db, "SELECT count(*) FROM ledger WHERE kind = 'review.step'"),
            before + 2);
    }
    /* Approving against an ineligible verdict needs a reason. */
    MUST(tdkt(f, "VKSTC", out, "review", "approve", "CC1-2021", "P3", NULL, NULL), 6);
    assert_non_null(strstr(out, "ineligible"));
    MUST(tdkt(f, "VKSTC", out, "review", "reject", "CC1-2021", "P3", NULL, NULL), 2);
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
    MUST(tdkt(f, "VKSTC", out, "review", "annul", "CC1-2021", "P1", NULL, NULL), 2);
    MUST(tdkt(f, "VKSTC", out, "--reason", "Hồ sơ không trung thực", "review", "annul", "CC1-2021",
              "P1"),
         0);
    MUST(tdkt(f, "VKSTC", out, "review", "show", "CC1-2021", NULL, NULL, NULL), 0);
    tu_has_row(out, (const char *const[]){"P1", "Lao động tiên tiến", "Nguyễn Văn An (CC1-001)",
                                          "annulled", NULL});
    tu_has_all(out, (const char *const[]){
                        "P1: Decision No. 123/QĐ-VKSTC of 30/12/2021, signed by Viện trưởng",
                        "annulled P1: Hồ sơ không trung thực", NULL});

    /* --json: one JSON document per command, with the same facts. */
    {
        json_t *j;

        MUST(tdkt(f, "VKSTC", out, "--json", "review", "list", NULL, NULL, NULL), 0);
        j = tu_json_parse("review list --json", out);
        json_t *sub = json_array_get(json_object_get(j, "submissions"), 0);
        assert_string_equal(json_string_value(json_object_get(sub, "submission")), "CC1-2021");
        assert_string_equal(json_string_value(json_object_get(sub, "state")), "received");
        assert_int_equal(json_integer_value(json_object_get(sub, "proposals")), 4);
        json_decref(j);
        MUST(tdkt(f, "VKSTC", out, "--json", "review", "show", "CC1-2021", NULL, NULL), 0);
        j = tu_json_parse("review show --json", out);
        assert_string_equal(json_string_value(json_object_get(j, "unit")), "VKSCC1");
        json_t *p1 = tu_json_proposal(j, "P1");
        assert_string_equal(json_string_value(json_object_get(p1, "state")), "annulled");
        /* Codes for programs, and the names a person reads beside them. */
        assert_string_equal(json_string_value(json_object_get(p1, "title")), "LDTT");
        assert_string_equal(json_string_value(json_object_get(p1, "title_name")),
                            "Lao động tiên tiến");
        assert_string_equal(json_string_value(json_object_get(p1, "subject_name")),
                            "Nguyễn Văn An");
        assert_string_equal(json_string_value(json_object_get(p1, "decision_no")), "123/QĐ-VKSTC");
        assert_true(json_array_size(json_object_get(j, "history")) >= 8);
        json_decref(j);
        MUST(tdkt(f, "VKSCC1", out, "--json", "history", "--person", "CC1-001", NULL, NULL), 0);
        j = tu_json_parse("history --json", out);
        assert_string_equal(json_string_value(json_object_get(j, "name")), "Nguyễn Văn An");
        assert_true(json_array_size(json_object_get(j, "items")) >= 2);
        json_decref(j);
    }

    /* History: the annulled title shows as such. */
    MUST(tdkt(f, "VKSCC1", out, "history", "--person", "CC1-001", NULL, NULL, NULL), 0);
    tu_has_row(out, (const char *const[]){"2021", "rating", "HTXSNV", NULL});
    tu_has_row(out, (const char *const[]){
                        "2021", "annulled title", "Lao động tiên tiến",
                        "No. 123/QĐ-VKSTC of 30/12/2021; annulled: Hồ sơ không trung thực", NULL});
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
    tu_has_all(html,
               (const char *const[]){"Cụm thi đua số 1", "Nguyễn Văn An", "123/QĐ-VKSTC", NULL});
    /* The author is the unit that asked; a pending proposal of a received
     * dossier says so; a rejection shows the verdict and the council. */
    tu_has_all(html, (const char *const[]){"Đơn vị lập: VKSTC</p>", "Đã tiếp nhận", NULL});
    assert_null(strstr(html, "Đã gửi"));
    assert_non_null(strstr(html, " — Hội đồng: Không hoàn thành nhiệm vụ"));
    free(html);
    MUST(tdkt(f, "VKSCC1", out, "report", "--year", "2021", "-o", path, NULL), 6);

    /* tdktd verify replays submissions and proposals too. */
    tu_fx_stop(f);
    MUST(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", f->data, NULL), 0);
}

/* Bad dossiers are refused whole. */
static void test_bad_dossiers(void **state)
{
    static const struct {
        const char *dossier;
        int status;
        const char *words[3]; /* in the output */
    } bad[] = {
        /* Another office's person. */
        {"{\"submission_id\":\"B1\",\"year\":2021,\"proposals\":["
         "{\"id\":\"P1\",\"title\":\"LDTT\",\"person\":\"CC1-001\"}]}",
         6,
         {"belongs to 'VKSCC1'"}},
        /* A unit title for a person. */
        {"{\"submission_id\":\"B2\",\"year\":2021,\"proposals\":["
         "{\"id\":\"P1\",\"title\":\"TTLDXS\",\"person\":\"CC1-001\"}]}",
         6,
         {NULL}},
        /* No period for the year. */
        {"{\"submission_id\":\"B3\",\"year\":2030,\"proposals\":["
         "{\"id\":\"P1\",\"title\":\"TTLDTT\",\"unit\":\"VKSCC2\"}]}",
         6,
         {"no emulation period"}},
        /* A closed period takes no more dossiers: PERIOD_CLOSED. */
        {"{\"submission_id\":\"B5\",\"year\":2020,\"proposals\":["
         "{\"id\":\"P1\",\"title\":\"TTLDTT\",\"unit\":\"VKSCC2\"}]}",
         6,
         {"PERIOD_CLOSED", "2020 emulation period is closed"}},
        /* A misspelt key. */
        {"{\"submission_id\":\"B4\",\"year\":2021,\"proposals\":["
         "{\"id\":\"P1\",\"titel\":\"TTLDTT\",\"unit\":\"VKSCC2\"}]}",
         2,
         {NULL}},
    };
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];

    MUST(tdkt(f, "VKSCC2", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);

    tu_path(path, sizeof path, "%s/bad.json", f->dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tu_write_file(path, bad[i].dossier);
        MUST(tdkt(f, "VKSCC2", out, "submit", path, NULL, NULL, NULL, NULL), bad[i].status);
        tu_has_all(out, bad[i].words);
    }
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
    "{\"person\":\"CC1-002\",\"rating\":\"HTTNV\"},{\"person\":\"CC1-003\",\"rating\":\"HTTNV\"}],"
    "\"facts\":[{\"person\":\"CC1-002\",\"research\":true},"
    "{\"person\":\"CC1-003\",\"discipline\":\"reprimand\",\"disciplined_on\":\"2021-03-01\","
    "\"discipline_counted_before\":true}]}";

static const char dossier_missed_json[] =
    "{\"submission_id\":\"CC1-2021-XS\",\"year\":2021,\"proposals\":["
    "{\"id\":\"P1\",\"title\":\"LDTT\",\"person\":\"CC1-001\"},"
    "{\"id\":\"P2\",\"title\":\"LDTT\",\"person\":\"CC1-002\"},"
    "{\"id\":\"P3\",\"title\":\"LDTT\",\"person\":\"CC1-003\"},"
    "{\"id\":\"P4\",\"title\":\"TTLDTT\",\"unit\":\"VKSCC1\"},"
    "{\"id\":\"P5\",\"title\":\"TTLDXS\",\"unit\":\"VKSCC1\"},"
    "{\"id\":\"P6\",\"title\":\"CSTDCS\",\"person\":\"CC1-002\"},"
    "{\"id\":\"P7\",\"title\":\"CSTDCS\",\"person\":\"CC1-003\"}]}";

static void test_missed_target_is_a_policy_question(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];

    office_prepares(f, out, results_missed_json, dossier_missed_json, path);
    MUST(tdkt(f, "VKSCC1", out, "eligibility", "check", path, NULL, NULL, NULL), 0);
    tu_has_row(out,
               (const char *const[]){"P5", "Tập thể lao động xuất sắc",
                                     "needs a policy decision (exceeding.targets_met_pct)", NULL});
    assert_null(strstr(out, "needs the plan exceeded"));
    /* CC1-002, rated HTTNV with no initiative, meets CSTĐCS by an accepted
     * research topic (facts.research). */
    tu_has_row(out, (const char *const[]){"P6", "Chiến sĩ thi đua cơ sở", "Trần Thị Bình (CC1-002)",
                                          "eligible", NULL});
    tu_has_row(out, (const char *const[]){"P7", "Chiến sĩ thi đua cơ sở", "Lê Văn Chung (CC1-003)",
                                          "ineligible (CSTDCS)", NULL});
    /* CC1-003's reprimand already denied a title in an earlier year
     * (facts.discipline_counted_before): it does not deny LĐTT again. */
    tu_has_row(out, (const char *const[]){"P3", "Lao động tiên tiến", "Lê Văn Chung (CC1-003)",
                                          "eligible", NULL});
    MUST(tdkt(f, "VKSCC1", out, "submit", path, NULL, NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSCC1", out, "review", "show", "CC1-2021-XS", NULL, NULL, NULL), 0);
    tu_has_row(out,
               (const char *const[]){"P5", "Tập thể lao động xuất sắc", "pending",
                                     "needs a policy decision (exceeding.targets_met_pct)", NULL});
    tu_has_row(out, (const char *const[]){"P4", "Tập thể lao động tiên tiến", NULL});
    /* The server reads the same facts. */
    assert_non_null(strstr(out, "meets CSTĐCS for 2021"));
    assert_null(strstr(out, "needs the plan exceeded"));

    /* --all approves every eligible pending proposal, and only those: the
     * policy question (P5) and the ineligible one (P7) stay pending. */
    MUST(tdkt(f, "VKSTC", out, "review", "receive", "CC1-2021-XS", NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSTC", out, "--all", "review", "approve", "CC1-2021-XS", NULL, NULL), 0);
    assert_non_null(strstr(out, "approve CC1-2021-XS P6: recorded"));
    MUST(tdkt(f, "VKSTC", out, "review", "show", "CC1-2021-XS", NULL, NULL, NULL), 0);
    tu_has_row(out, (const char *const[]){"P5", "Tập thể lao động xuất sắc", "pending", NULL});
    tu_has_row(out, (const char *const[]){"P6", "Chiến sĩ thi đua cơ sở", "Trần Thị Bình (CC1-002)",
                                          "approved", "eligible", NULL});
    tu_has_row(out, (const char *const[]){"P7", "Chiến sĩ thi đua cơ sở", "Lê Văn Chung (CC1-003)",
                                          "pending", "ineligible (CSTDCS)", NULL});
    /* --all is for approve and decide only. */
    MUST(tu_tdkt(f->dir, f->d.port, "VKSTC", out, "--all", "--reason", "x", "review", "reject",
                 "CC1-2021-XS", NULL),
         2);
}

/* As unit, `tdkt review record id title` for CC1-001 in year: decision no
 * of date, signed by the Viện trưởng, from source (NULL: no --source, which
 * goes last, after the operands). Returns the exit status; the output is in
 * out. */
static int record(struct tu_fx *f, const char *unit, const char *year, const char *no,
                  const char *date, const char *id, const char *title, const char *source,
                  char *out)
{
    return tu_tdkt(f->dir, f->d.port, unit, out, "--year", year, "--person", "CC1-001",
                   "--decision-no", no, "--decision-date", date, "--signer", "Viện trưởng",
                   "review", "record", id, title, source ? "--source" : NULL, source, NULL);
}

static void test_decisions_on_record(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];
    static const char *const years[] = {"2019", "2020", "2021"};

    MUST(tdkt(f, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    /* An office may not record decisions. */
    MUST(record(f, "VKSCC1", "2019", "45/QĐ-VKSTC", "2019-12-20", "R-2019", "CSTDCS", "Hồ sơ lưu",
                out),
         6);
    assert_non_null(strstr(out, "FORBIDDEN"));
    /* The source is required. */
    MUST(record(f, "VKSTC", "2019", "45/QĐ-VKSTC", "2019-12-20", "R-2019", "CSTDCS", NULL, out), 6);
    assert_non_null(strstr(out, "decision_record.source"));
    /* A unit title for a person is refused. */
    MUST(record(f, "VKSTC", "2019", "45/QĐ-VKSTC", "2019-12-20", "R-X", "TTLDXS", "Hồ sơ lưu", out),
         6);
    for (int i = 0; i < 3; i++) {
        char id[32], date[16];

        snprintf(id, sizeof id, "R-%s", years[i]);
        snprintf(date, sizeof date, "%s-12-20", years[i]);
        MUST(record(f, "VKSTC", years[i], "45/QĐ-VKSTC", date, id, "CSTDCS",
                    "Hồ sơ lưu của Vụ 16, hộp 3", out),
             0);
    }
    /* Once: the same title, person and year under another id. */
    MUST(record(f, "VKSTC", "2020", "46/QĐ-VKSTC", "2020-12-21", "R-2020-BIS", "CSTDCS",
                "Hồ sơ lưu", out),
         6);
    tu_has_all(out, (const char *const[]){"CONFLICT", "already holds that title for 2020", NULL});
    /* The id is taken. */
    MUST(record(f, "VKSTC", "2018", "47/QĐ-VKSTC", "2018-12-21", "R-2019", "CSTDCS", "Hồ sơ lưu",
                out),
         6);
    assert_non_null(strstr(out, "already a submission or a record"));
    MUST(tdkt(f, "VKSCC1", out, "history", "--person", "CC1-001", NULL, NULL, NULL), 0);
    tu_has_row(out, (const char *const[]){"2019", "title", "Chiến sĩ thi đua cơ sở",
                                          "No. 45/QĐ-VKSTC of 20/12/2019", NULL});
    tu_has_row(out, (const char *const[]){"2021", "title", "Chiến sĩ thi đua cơ sở", NULL});

    /* CSTĐ ngành 2021: CC1-001's run 2019-2021 is whole; CC1-002 has none. */
    tu_path(path, sizeof path, "%s/results.json", f->dir);
    tu_write_file(path, results_json);
    MUST(tdkt(f, "VKSCC1", out, "results", "import", path, NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    tu_path(path, sizeof path, "%s/dossier.json", f->dir);
    tu_write_file(path, "{\"submission_id\":\"CSTDN-2021\",\"year\":2021,\"proposals\":["
                        "{\"id\":\"N1\",\"title\":\"CSTD_NGANH\",\"person\":\"CC1-001\"},"
                        "{\"id\":\"N2\",\"title\":\"CSTD_NGANH\",\"person\":\"CC1-002\"}]}");
    MUST(tdkt(f, "VKSCC1", out, "submit", path, NULL, NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSTC", out, "review", "show", "CSTDN-2021", NULL, NULL, NULL), 0);
    /* Each proposal's reason is its own line after the table. */
    char *n1 = strstr(out, "\n  N1: "), *n2 = strstr(out, "\n  N2: ");
    assert_non_null(n1);
    assert_non_null(n2);
    assert_true(n1 < n2);
    *n2 = '\0';
    /* N1 passes the run and stops at the next condition; N2 lacks 2021. */
    assert_null(strstr(n1, "run breaks"));
    assert_non_null(strstr(n1, "needs an initiative recognised sector-wide in 2019-2021"));
    assert_non_null(strstr(n2 + 1, "CSTĐ ngành needs CSTĐCS in 2021"));

    /* A record shows whose it is and for when. */
    MUST(tdkt(f, "VKSTC", out, "review", "show", "R-2020", NULL, NULL, NULL), 0);
    /* The unit by name when this office's registry copy has it, else by code. */
    tu_has_all(out, (const char *const[]){"Submission R-2020 of ", "VKSCC1", " for 2020", NULL});

    /* ONCE at decision time too: CSTĐCS 2021 is on record for CC1-001. */
    tu_write_file(path, "{\"submission_id\":\"CSTDCS-2021\",\"year\":2021,\"proposals\":["
                        "{\"id\":\"C1\",\"title\":\"CSTDCS\",\"person\":\"CC1-001\"}]}");
    MUST(tdkt(f, "VKSCC1", out, "submit", path, NULL, NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSTC", out, "review", "receive", "CSTDCS-2021", NULL, NULL, NULL), 0);
    MUST(tu_tdkt(f->dir, f->d.port, "VKSTC", out, "--reason", "Hội đồng xét", "review", "approve",
                 "CSTDCS-2021", "C1", NULL),
         0);
    MUST(tu_tdkt(f->dir, f->d.port, "VKSTC", out, "--decision-no", "200/QĐ-VKSTC",
                 "--decision-date", "2021-12-30", "--signer", "Viện trưởng", "review", "decide",
                 "CSTDCS-2021", "C1", NULL),
         6);
    assert_non_null(strstr(out, "already holds that title for 2021"));

    /* A record is annulled like any decision: a new entry. */
    MUST(tu_tdkt(f->dir, f->d.port, "VKSTC", out, "--reason", "Nhập nhầm năm", "review", "annul",
                 "R-2019", "CSTDCS", NULL),
         0);
    MUST(tdkt(f, "VKSCC1", out, "history", "--person", "CC1-001", NULL, NULL, NULL), 0);
    tu_has_row(out,
               (const char *const[]){"2019", "annulled title", "Chiến sĩ thi đua cơ sở", NULL});

    tu_fx_stop(f);
    MUST(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", f->data, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_workflow, setup, tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_bad_dossiers, setup, tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_missed_target_is_a_policy_question, setup,
                                        tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_decisions_on_record, setup, tu_fx_cmocka_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
