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

#define MUST(st, want)                                                                             \
    do {                                                                                           \
        int st_ = (st);                                                                            \
        if (st_ != (want))                                                                         \
            fail_msg("exit %d, want %d: %s", st_, (want), out);                                    \
    } while (0)

static void office_submits(struct tu_fx *f, char *out)
{
    char path[TU_PATH_MAX];
    MUST(tdkt(f, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    tu_path(path, sizeof path, "%s/results.json", f->dir);
    tu_write_file(path, results_json);
    MUST(tdkt(f, "VKSCC1", out, "results", "import", path, NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    tu_path(path, sizeof path, "%s/dossier.json", f->dir);
    tu_write_file(path, dossier_json);
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

    /* --json: one JSON document per command, with the same facts. */
    {
        json_error_t je;
        json_t *j;
        MUST(tdkt(f, "VKSTC", out, "--json", "review", "list", NULL, NULL, NULL), 0);
        j = json_loads(out, 0, &je);
        if (!j)
            fail_msg("review list --json: %s: %s", je.text, out);
        json_t *sub = json_array_get(json_object_get(j, "submissions"), 0);
        assert_string_equal(json_string_value(json_object_get(sub, "submission")), "CC1-2021");
        assert_string_equal(json_string_value(json_object_get(sub, "state")), "received");
        assert_int_equal(json_integer_value(json_object_get(sub, "proposals")), 4);
        json_decref(j);
        MUST(tdkt(f, "VKSTC", out, "--json", "review", "show", "CC1-2021", NULL, NULL), 0);
        j = json_loads(out, 0, &je);
        if (!j)
            fail_msg("review show --json: %s: %s", je.text, out);
        assert_string_equal(json_string_value(json_object_get(j, "unit")), "VKSCC1");
        json_t *p1 = NULL, *pa;
        size_t k;
        json_array_foreach(json_object_get(j, "proposals"), k, pa)
        {
            if (strcmp(json_string_value(json_object_get(pa, "id")), "P1") == 0)
                p1 = pa;
        }
        assert_non_null(p1);
        assert_string_equal(json_string_value(json_object_get(p1, "state")), "annulled");
        assert_string_equal(json_string_value(json_object_get(p1, "decision_no")), "123/QĐ-VKSTC");
        assert_true(json_array_size(json_object_get(j, "history")) >= 8);
        json_decref(j);
        MUST(tdkt(f, "VKSCC1", out, "--json", "history", "--person", "CC1-001", NULL, NULL), 0);
        j = json_loads(out, 0, &je);
        if (!j)
            fail_msg("history --json: %s: %s", je.text, out);
        assert_string_equal(json_string_value(json_object_get(j, "name")), "Nguyễn Văn An");
        assert_true(json_array_size(json_object_get(j, "items")) >= 2);
        json_decref(j);
    }

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
    tu_fx_stop(f);
    MUST(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", f->data, NULL), 0);
}

/* Bad dossiers are refused whole. */
static void test_bad_dossiers(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];
    MUST(tdkt(f, "VKSCC2", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    tu_path(path, sizeof path, "%s/bad.json", f->dir);
    /* Another office's person. */
    tu_write_file(path, "{\"submission_id\":\"B1\",\"year\":2021,\"proposals\":["
                        "{\"id\":\"P1\",\"title\":\"LDTT\",\"person\":\"CC1-001\"}]}");
    MUST(tdkt(f, "VKSCC2", out, "submit", path, NULL, NULL, NULL, NULL), 6);
    assert_non_null(strstr(out, "belongs to 'VKSCC1'"));
    /* A unit title for a person. */
    tu_write_file(path, "{\"submission_id\":\"B2\",\"year\":2021,\"proposals\":["
                        "{\"id\":\"P1\",\"title\":\"TTLDXS\",\"person\":\"CC1-001\"}]}");
    MUST(tdkt(f, "VKSCC2", out, "submit", path, NULL, NULL, NULL, NULL), 6);
    /* No period for the year. */
    tu_write_file(path, "{\"submission_id\":\"B3\",\"year\":2030,\"proposals\":["
                        "{\"id\":\"P1\",\"title\":\"TTLDTT\",\"unit\":\"VKSCC2\"}]}");
    MUST(tdkt(f, "VKSCC2", out, "submit", path, NULL, NULL, NULL, NULL), 6);
    assert_non_null(strstr(out, "no emulation period"));
    /* A closed period takes no more dossiers: PERIOD_CLOSED. */
    tu_write_file(path, "{\"submission_id\":\"B5\",\"year\":2020,\"proposals\":["
                        "{\"id\":\"P1\",\"title\":\"TTLDTT\",\"unit\":\"VKSCC2\"}]}");
    MUST(tdkt(f, "VKSCC2", out, "submit", path, NULL, NULL, NULL, NULL), 6);
    assert_non_null(strstr(out, "PERIOD_CLOSED"));
    assert_non_null(strstr(out, "2020 emulation period is closed"));
    /* A misspelt key. */
    tu_write_file(path, "{\"submission_id\":\"B4\",\"year\":2021,\"proposals\":["
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

    MUST(tdkt(f, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    tu_path(path, sizeof path, "%s/results.json", f->dir);
    tu_write_file(path, results_missed_json);
    MUST(tdkt(f, "VKSCC1", out, "results", "import", path, NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    tu_path(path, sizeof path, "%s/dossier.json", f->dir);
    tu_write_file(path, dossier_missed_json);
    MUST(tdkt(f, "VKSCC1", out, "eligibility", "check", path, NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "P5       TTLDXS     VKSCC1     policy"));
    assert_non_null(strstr(out, "exceeding.targets_met_pct"));
    assert_null(strstr(out, "needs the plan exceeded"));
    /* CC1-002, rated HTTNV with no initiative, meets CSTĐCS by an accepted
     * research topic (facts.research). */
    assert_non_null(strstr(out, "P6       CSTDCS     CC1-002    eligible"));
    assert_non_null(strstr(out, "P7       CSTDCS     CC1-003    ineligible (CSTDCS)"));
    /* CC1-003's reprimand already denied a title in an earlier year
     * (facts.discipline_counted_before): it does not deny LĐTT again. */
    assert_non_null(strstr(out, "P3       LDTT       CC1-003    eligible"));
    MUST(tdkt(f, "VKSCC1", out, "submit", path, NULL, NULL, NULL, NULL), 0);
    MUST(tdkt(f, "VKSCC1", out, "review", "show", "CC1-2021-XS", NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "verdict policy (exceeding.targets_met_pct)"));
    assert_non_null(strstr(out, "P4     TTLDTT"));
    /* The server reads the same facts. */
    assert_non_null(strstr(out, "meets CSTĐCS for 2021"));
    assert_null(strstr(out, "needs the plan exceeded"));
}

/* Decisions from the central office's files: only the central office
 * records them, each once, with a source; they count as titles held (a
 * CSTĐ ngành run of 2019-2021 is whole though the ledger has no rating for
 * those years), show in history, can be annulled, and tdktd verify replays
 * them. */
static void test_decisions_on_record(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];
    static const char *const years[] = {"2019", "2020", "2021"};

    MUST(tdkt(f, "VKSCC1", out, "sync", NULL, NULL, NULL, NULL, NULL), 0);
    /* An office may not record decisions. */
    MUST(tu_tdkt(f->dir, f->d.port, "VKSCC1", out, "--year", "2019", "--person", "CC1-001",
                 "--decision-no", "45/QĐ-VKSTC", "--decision-date", "2019-12-20", "--signer",
                 "Viện trưởng", "--source", "Hồ sơ lưu", "review", "record", "R-2019", "CSTDCS",
                 NULL),
         6);
    assert_non_null(strstr(out, "FORBIDDEN"));
    /* The source is required. */
    MUST(tu_tdkt(f->dir, f->d.port, "VKSTC", out, "--year", "2019", "--person", "CC1-001",
                 "--decision-no", "45/QĐ-VKSTC", "--decision-date", "2019-12-20", "--signer",
                 "Viện trưởng", "review", "record", "R-2019", "CSTDCS", NULL),
         6);
    assert_non_null(strstr(out, "decision_record.source"));
    /* A unit title for a person is refused. */
    MUST(tu_tdkt(f->dir, f->d.port, "VKSTC", out, "--year", "2019", "--person", "CC1-001",
                 "--decision-no", "45/QĐ-VKSTC", "--decision-date", "2019-12-20", "--signer",
                 "Viện trưởng", "--source", "Hồ sơ lưu", "review", "record", "R-X", "TTLDXS", NULL),
         6);
    for (int i = 0; i < 3; i++) {
        char id[32], date[16];
        snprintf(id, sizeof id, "R-%s", years[i]);
        snprintf(date, sizeof date, "%s-12-20", years[i]);
        MUST(tu_tdkt(f->dir, f->d.port, "VKSTC", out, "--year", years[i], "--person", "CC1-001",
                     "--decision-no", "45/QĐ-VKSTC", "--decision-date", date, "--signer",
                     "Viện trưởng", "--source", "Hồ sơ lưu của Vụ 16, hộp 3", "review", "record",
                     id, "CSTDCS", NULL),
             0);
    }
    /* Once: the same title, person and year under another id. */
    MUST(tu_tdkt(f->dir, f->d.port, "VKSTC", out, "--year", "2020", "--person", "CC1-001",
                 "--decision-no", "46/QĐ-VKSTC", "--decision-date", "2020-12-21", "--signer",
                 "Viện trưởng", "--source", "Hồ sơ lưu", "review", "record", "R-2020-BIS", "CSTDCS",
                 NULL),
         6);
    assert_non_null(strstr(out, "CONFLICT"));
    assert_non_null(strstr(out, "already holds that title for 2020"));
    /* The id is taken. */
    MUST(tu_tdkt(f->dir, f->d.port, "VKSTC", out, "--year", "2018", "--person", "CC1-001",
                 "--decision-no", "47/QĐ-VKSTC", "--decision-date", "2018-12-21", "--signer",
                 "Viện trưởng", "--source", "Hồ sơ lưu", "review", "record", "R-2019", "CSTDCS",
                 NULL),
         6);
    assert_non_null(strstr(out, "already a submission or a record"));
    MUST(tdkt(f, "VKSCC1", out, "history", "--person", "CC1-001", NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "2019  title    CSTDCS     Quyết định số 45/QĐ-VKSTC"));
    assert_non_null(strstr(out, "2021  title    CSTDCS"));

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
    char *n1 = strstr(out, "N1 "), *n2 = strstr(out, "N2 ");
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
    assert_non_null(strstr(out, "submission R-2020 of VKSCC1 for 2020"));

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
    assert_non_null(strstr(out, "2019  annulled CSTDCS"));

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
