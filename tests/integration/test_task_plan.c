/* SPDX-License-Identifier: MIT */
/*
 * Key tasks against the plan's count (issue 15), on the sector's own data:
 * data/registry.json and Cục 3's data/results/2021/CUC3.json, whose
 * "tasks_planned": 8 is the seed's "14 nhiệm vụ trọng tâm được giao và 3
 * nhiệm vụ trọng tâm phát sinh (vượt 212,5% chỉ tiêu kế hoạch)". The figure
 * comes out of `tdkt results show` (local and --remote), the report's
 * standings (17 done of 8 planned) and the eligibility facts: with the plan
 * at 8 the 17 tasks done exceed it and Cục 3's TTLĐXS is eligible in the
 * office's preview; revised to 20, they do not, and it is not.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TASKS_LINE                                                                                 \
    "CUC3     2021 Nhiệm vụ trọng tâm: 14 được giao + 3 phát sinh / kế hoạch 8 = 212,5%\n"

static const char dossier_json[] =
    "{\"submission_id\": \"CUC3-2021\", \"year\": 2021, \"proposals\": ["
    "{\"id\": \"LDTT-1\", \"title\": \"LDTT\", \"person\": \"C3-006\"},"
    "{\"id\": \"LDTT-2\", \"title\": \"LDTT\", \"person\": \"C3-002\"},"
    "{\"id\": \"LDTT-3\", \"title\": \"LDTT\", \"person\": \"C3-003\"},"
    "{\"id\": \"LDTT-4\", \"title\": \"LDTT\", \"person\": \"C3-004\"},"
    "{\"id\": \"LDTT-5\", \"title\": \"LDTT\", \"person\": \"C3-005\"},"
    "{\"id\": \"CSTDCS-2\", \"title\": \"CSTDCS\", \"person\": \"C3-002\"},"
    "{\"id\": \"TTLDXS\", \"title\": \"TTLDXS\", \"unit\": \"CUC3\"}]}";

#define MUST(st, want) TU_EXIT_IS(st, want, out)

/* tdkt as unit, then the arguments. */
#define TDKT(f, unit, out, ...) tu_tdkt((f)->dir, (f)->d.port, unit, out, __VA_ARGS__, NULL)

/* The line of file that holds needle, copied into line; fails when there
 * is none. */
static void line_with(const char *path, const char *needle, char *line, size_t cap)
{
    FILE *fp = fopen(path, "r");

    assert_non_null(fp);
    while (fgets(line, (int)cap, fp))
        if (strstr(line, needle)) {
            fclose(fp);
            return;
        }
    fclose(fp);
    fail_msg("%s has no line with %s", path, needle);
}

static void test_plan_from_the_seed(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX], dir[TU_PATH_MAX], line[1024], csv[TU_PATH_MAX];

    MUST(TDKT(f, "CUC3", out, "sync"), 0);
    MUST(TDKT(f, "CUC3", out, "results", "import", TDKT_SOURCE_DIR "/data/results/2021/CUC3.json"),
         0);

    /* results show, from the office's store and from the server. */
    MUST(TDKT(f, "CUC3", out, "results", "show", "--unit", "CUC3", "--year", "2021"), 0);
    tu_has_row(
        out, (const char *const[]){"CUC3", "2021", "Kế hoạch nhiệm vụ", "plan 8 key tasks", NULL});
    assert_non_null(strstr(out, TASKS_LINE));
    MUST(TDKT(f, "CUC3", out, "sync"), 0);
    MUST(TDKT(f, "VKSTC", out, "results", "show", "--remote", "--unit", "CUC3", "--year", "2021"),
         0);
    tu_has_all(out, (const char *const[]){"plan 8 key tasks", TASKS_LINE, NULL});

    /* The report's standings: 17 done against the plan's 8. */
    tu_path(dir, sizeof dir, "%s/report-csv", f->dir);
    MUST(TDKT(f, "VKSTC", out, "report", "--year", "2021", "--format", "csv", "-o", dir), 0);
    tu_path(csv, sizeof csv, "%s/standings.csv", dir);
    line_with(csv, ",CUC3,", line, sizeof line);
    if (!strstr(line, ",17,8\r\n"))
        fail_msg("standings row of CUC3: %s", line);

    /* The eligibility facts: 17 done exceed a plan of 8, so the TTLĐXS that
     * needs the plan exceeded (htxsnv.requires_exceeding) is eligible. */
    tu_path(path, sizeof path, "%s/dossier.json", f->dir);
    tu_write_file(path, dossier_json);
    MUST(TDKT(f, "CUC3", out, "eligibility", "check", path), 0);
    tu_has_row(out,
               (const char *const[]){"TTLDXS", "Tập thể lao động xuất sắc",
                                     "Cục Kế hoạch - Tài chính (Cục 3) (CUC3)", "eligible", NULL});

    /* Revised to 20, the same 17 tasks do not exceed it. */
    tu_path(csv, sizeof csv, "%s/plan.csv", f->dir);
    tu_write_file(csv, "Loại,Số nhiệm vụ trọng tâm kế hoạch\nkế hoạch nhiệm vụ,20\n");
    MUST(TDKT(f, "CUC3", out, "results", "import", csv, "--unit", "CUC3", "--year", "2021"), 0);
    MUST(TDKT(f, "CUC3", out, "results", "show", "--unit", "CUC3", "--year", "2021"), 0);
    assert_non_null(
        strstr(out, "Nhiệm vụ trọng tâm: 14 được giao + 3 phát sinh / kế hoạch 20 = 85%\n"));
    MUST(TDKT(f, "CUC3", out, "eligibility", "check", path), 0);
    tu_has_row(out, (const char *const[]){"TTLDXS", "Cục Kế hoạch - Tài chính (Cục 3) (CUC3)",
                                          "ineligible (TTLDXS)", NULL});
    assert_non_null(strstr(out, "plan exceeded"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plan_from_the_seed, tu_fx_cmocka_setup_seed,
                                        tu_fx_cmocka_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
