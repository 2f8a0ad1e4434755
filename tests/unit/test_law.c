/* SPDX-License-Identifier: MIT */
/*
 * The law's corners that are rule-set data, not code (issue 15): the
 * emulation year (calendar or the sector's 01/12-30/11) for months served and
 * a discipline "in the year", the paths that make a CSTĐCS or a BK Viện
 * trưởng (a draft amendment that requires an initiative is a rule set, not a
 * code change), the key table a rule set is checked against, and the ranking
 * that decides who is within the TTLĐXS quota. Each at its boundary.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "common/domain/elig_keys.h"
#include "common/domain/elig_period.h"
#include "common/domain/elig_quota.h"
#include "common/domain/eligibility.h"
#include "common/err.h"
#include "proto/tdkt.pb-c.h"

#define HTXSNV TDKT__RATING__RATING_EXCELLENT
#define HTTNV  TDKT__RATING__RATING_GOOD

/* Rule values as "key=value" texts; a key not listed is absent. */
struct law_rules {
    const char *const *kv;
};

static int law_get(void *arg, const char *key, double *value)
{
    const struct law_rules *r = arg;
    size_t n = strlen(key);

    for (const char *const *p = r->kv; *p != NULL; p++)
        if (strncmp(*p, key, n) == 0 && (*p)[n] == '=') {
            *value = strtod(*p + n + 1, NULL);
            return 0;
        }
    return TDKT_ENOTFOUND;
}

/* TT 02/2024's LĐTT and CSTĐCS values, plus whatever extra adds. */
#define LAW_BASE                                                                                   \
    "ldtt.min_months_recruited=6", "ldtt.leave_months_min=3", "ldtt.leave_months_max=6",           \
        "ldtt.discipline_min=1", "bk_vt.years=2", "bk_vt.initiatives=2"

static const char *const calendar[] = {LAW_BASE, NULL};
static const char *const sector[] = {LAW_BASE, "year.start_month=12", NULL};
static const char *const initiative_only[] = {LAW_BASE, "cstdcs.via_htxsnv=0",
                                              "cstdcs.via_research=0", NULL};
static const char *const requires_initiative[] = {LAW_BASE, "cstdcs.requires_initiative=1", NULL};
static const char *const bk_htxsnv_only[] = {LAW_BASE, "bk_vt.via_cstdcs=0", NULL};

/* Judge title for year over the person history h[0..n) under the rule texts kv. */
static struct elig_verdict law_judge(int title, unsigned year, const struct elig_person_year *h,
                                     size_t n, const char *const *kv)
{
    struct law_rules lr = {kv};
    struct elig_rules r = {law_get, &lr};
    struct elig_proposal p;
    struct elig_verdict v;

    memset(&p, 0, sizeof p);
    p.title = title;
    p.year = year;
    p.person = h;
    p.n = n;
    assert_int_equal(elig_judge(&p, &r, &v), 0);
    return v;
}

static void law_expect(const struct elig_verdict *v, enum elig_outcome o, const char *words)
{
    if (v->outcome != o || (words != NULL && strstr(v->why.text, words) == NULL))
        print_error("verdict %s rule %s why \"%s\"\n", elig_outcome_name(v->outcome), v->rule,
                    v->why.text);
    assert_int_equal(v->outcome, o);
    if (words != NULL)
        assert_non_null(strstr(v->why.text, words));
}

static struct elig_person_year law_year(unsigned year, int rating)
{
    struct elig_person_year y;

    memset(&y, 0, sizeof y);
    y.year = year;
    y.evaluated = 1;
    y.rating = rating;
    return y;
}

static void test_period_bounds(void **state)
{
    struct elig_period p;
    struct elig_date d;

    (void)state;
    assert_int_equal(elig_period_of(2025, 1, &p), 0);
    assert_true(p.first.year == 2025 && p.first.month == 1 && p.first.day == 1);
    assert_true(p.last.year == 2025 && p.last.month == 12 && p.last.day == 31);
    assert_int_equal(elig_period_of(2025, 12, &p), 0);
    assert_true(p.first.year == 2024 && p.first.month == 12 && p.first.day == 1);
    assert_true(p.last.year == 2025 && p.last.month == 11 && p.last.day == 30);
    /* A period ending in February ends on the 29th in a leap year. */
    assert_int_equal(elig_period_of(2024, 3, &p), 0);
    assert_true(p.last.month == 2 && p.last.day == 29);
    assert_int_equal(elig_period_of(2025, 3, &p), 0);
    assert_true(p.last.month == 2 && p.last.day == 28);
    assert_int_equal(elig_period_of(2025, 0, &p), TDKT_EINVAL);
    assert_int_equal(elig_period_of(2025, 13, &p), TDKT_EINVAL);
    /* The first and last days are inside, the days around them are not. */
    assert_int_equal(elig_period_of(2025, 12, &p), 0);
    d = (struct elig_date){2024, 12, 1};
    assert_true(elig_period_has(&p, &d));
    d = (struct elig_date){2024, 11, 30};
    assert_false(elig_period_has(&p, &d));
    d = (struct elig_date){2025, 11, 30};
    assert_true(elig_period_has(&p, &d));
    d = (struct elig_date){2025, 12, 1};
    assert_false(elig_period_has(&p, &d));
    /* Months served: from a 1st the month counts, from a 2nd it does not. */
    d = (struct elig_date){2025, 6, 1};
    assert_int_equal(elig_period_served(&d, &p), 6);
    d = (struct elig_date){2025, 6, 2};
    assert_int_equal(elig_period_served(&d, &p), 5);
    d = (struct elig_date){2024, 12, 1};
    assert_int_equal(elig_period_served(&d, &p), 12);
    d = (struct elig_date){2025, 12, 1};
    assert_int_equal(elig_period_served(&d, &p), 0);
    assert_int_equal(elig_period_of(2025, 1, &p), 0);
    assert_int_equal(elig_period_served(&(struct elig_date){2025, 6, 2}, &p), 6);
}

/* Recruited 02/06/2025, 6 months needed: the calendar year gives 6, the
 * sector's year (to 30/11) gives 5; recruited on the 1st, both give enough. */
static void test_period_recruited(void **state)
{
    struct elig_person_year h = law_year(2025, HTTNV);
    struct elig_verdict v;

    (void)state;
    h.recruited_on = (struct elig_date){2025, 6, 2};
    v = law_judge(TDKT__TITLE__TITLE_LDTT, 2025, &h, 1, calendar);
    law_expect(&v, ELIG_ELIGIBLE, NULL);
    v = law_judge(TDKT__TITLE__TITLE_LDTT, 2025, &h, 1, sector);
    law_expect(&v, ELIG_INELIGIBLE,
               "5 full months served in 2025, fewer than 6 (period "
               "01/12/2024-30/11/2025)");
    h.recruited_on = (struct elig_date){2025, 6, 1};
    v = law_judge(TDKT__TITLE__TITLE_LDTT, 2025, &h, 1, sector);
    law_expect(&v, ELIG_ELIGIBLE, NULL);
    /* Recruited on 15/12/2024: before the calendar year 2025 (a full year),
     * inside the sector's (11 months from 01/01/2025). */
    h.recruited_on = (struct elig_date){2024, 12, 15};
    v = law_judge(TDKT__TITLE__TITLE_LDTT, 2025, &h, 1, calendar);
    law_expect(&v, ELIG_ELIGIBLE, NULL);
    v = law_judge(TDKT__TITLE__TITLE_LDTT, 2025, &h, 1, sector);
    law_expect(&v, ELIG_ELIGIBLE, NULL);
}

/* A reprimand on 15/12/2024, filed with the 2024 facts: in the calendar
 * reading it bars 2024 and not 2025; in the sector's it bars 2025 and not 2024. */
static void test_period_discipline(void **state)
{
    struct elig_person_year h[2] = {law_year(2024, HTTNV), law_year(2025, HTTNV)};
    struct elig_verdict v;

    (void)state;
    h[0].discipline = TDKT__DISCIPLINE__DISCIPLINE_REPRIMAND;
    h[0].disciplined_on = (struct elig_date){2024, 12, 15};
    v = law_judge(TDKT__TITLE__TITLE_LDTT, 2024, h, 2, calendar);
    law_expect(&v, ELIG_INELIGIBLE, "on 15/12/2024, within 2024");
    v = law_judge(TDKT__TITLE__TITLE_LDTT, 2025, h, 2, calendar);
    law_expect(&v, ELIG_ELIGIBLE, NULL);
    v = law_judge(TDKT__TITLE__TITLE_LDTT, 2024, h, 2, sector);
    law_expect(&v, ELIG_ELIGIBLE, NULL);
    v = law_judge(TDKT__TITLE__TITLE_LDTT, 2025, h, 2, sector);
    law_expect(&v, ELIG_INELIGIBLE, "within 2025 (01/12/2024-30/11/2025)");
    /* Without a date it counts in the year it is filed for. */
    h[0].disciplined_on = (struct elig_date){0, 0, 0};
    v = law_judge(TDKT__TITLE__TITLE_LDTT, 2024, h, 2, sector);
    law_expect(&v, ELIG_INELIGIBLE, "an unknown date");
    v = law_judge(TDKT__TITLE__TITLE_LDTT, 2025, h, 2, sector);
    law_expect(&v, ELIG_ELIGIBLE, NULL);
}

/* CSTĐCS: rated HTXSNV is enough under the Law; under an amendment that
 * keeps only the initiative path, or that requires an initiative on top,
 * it is not, and an initiative makes it. */
static void test_cstdcs_paths(void **state)
{
    struct elig_person_year h = law_year(2025, HTXSNV);
    struct elig_verdict v;

    (void)state;
    v = law_judge(TDKT__TITLE__TITLE_CSTDCS, 2025, &h, 1, calendar);
    law_expect(&v, ELIG_ELIGIBLE, NULL);
    v = law_judge(TDKT__TITLE__TITLE_CSTDCS, 2025, &h, 1, initiative_only);
    law_expect(&v, ELIG_INELIGIBLE,
               "CSTĐCS needs one of: an initiative recognised at base scope; none in 2025");
    v = law_judge(TDKT__TITLE__TITLE_CSTDCS, 2025, &h, 1, requires_initiative);
    law_expect(&v, ELIG_INELIGIBLE, "cstdcs.requires_initiative");
    h.research = 1;
    v = law_judge(TDKT__TITLE__TITLE_CSTDCS, 2025, &h, 1, initiative_only);
    law_expect(&v, ELIG_INELIGIBLE, "none in 2025");
    h.initiatives.base = 1;
    v = law_judge(TDKT__TITLE__TITLE_CSTDCS, 2025, &h, 1, initiative_only);
    law_expect(&v, ELIG_ELIGIBLE, NULL);
    v = law_judge(TDKT__TITLE__TITLE_CSTDCS, 2025, &h, 1, requires_initiative);
    law_expect(&v, ELIG_ELIGIBLE, NULL);
    /* HTTNV with research: the Law's research path. */
    h = law_year(2025, HTTNV);
    h.research = 1;
    v = law_judge(TDKT__TITLE__TITLE_CSTDCS, 2025, &h, 1, calendar);
    law_expect(&v, ELIG_ELIGIBLE, NULL);
}

/* BK Viện trưởng with the CSTĐCS path closed: two CSTĐCS years are not
 * enough any more; two HTXSNV years with two initiatives are. */
static void test_bk_vt_paths(void **state)
{
    uint32_t cstdcs = 1u << TDKT__TITLE__TITLE_CSTDCS;
    struct elig_person_year h[2] = {law_year(2024, HTTNV), law_year(2025, HTTNV)};
    struct elig_verdict v;

    (void)state;
    h[0].titles = h[1].titles = cstdcs;
    v = law_judge(TDKT__TITLE__TITLE_BK_VT, 2025, h, 2, calendar);
    law_expect(&v, ELIG_ELIGIBLE, NULL);
    v = law_judge(TDKT__TITLE__TITLE_BK_VT, 2025, h, 2, bk_htxsnv_only);
    law_expect(&v, ELIG_INELIGIBLE, "rated HTTNV");
    h[0].rating = h[1].rating = HTXSNV;
    h[0].initiatives.base = h[1].initiatives.base = 1;
    v = law_judge(TDKT__TITLE__TITLE_BK_VT, 2025, h, 2, bk_htxsnv_only);
    law_expect(&v, ELIG_ELIGIBLE, NULL);
}

/* VOTE-BASE at the boundary: CSTĐ ngành under a 90% Council vote of 10
 * members passes at 9 yes and fails at 8, abstentions not being yes; the
 * verdict names the vote and its counts. */
static void test_council_threshold(void **state)
{
    static const char *const voted[] = {LAW_BASE, "cstd_nganh.years=1", "cstd_nganh.vote_pct=90",
                                        NULL};
    uint32_t cstdcs = 1u << TDKT__TITLE__TITLE_CSTDCS;
    struct elig_person_year h = law_year(2025, HTXSNV);
    struct law_rules lr = {voted};
    struct elig_rules r = {law_get, &lr};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h.titles = cstdcs;
    h.initiatives.sector = 1;
    memset(&p, 0, sizeof p);
    p.title = TDKT__TITLE__TITLE_CSTD_NGANH;
    p.year = 2025;
    p.person = &h;
    p.n = 1;
    assert_int_equal(elig_judge(&p, &r, &v), 0);
    law_expect(&v, ELIG_INELIGIBLE, "needs the council's vote; no result in the dossier");
    p.ballot = (struct elig_ballot){1, 9, 10, "HD-2025-01"};
    assert_int_equal(elig_judge(&p, &r, &v), 0);
    law_expect(&v, ELIG_ELIGIBLE,
               "9 of the council's 10 members voted yes in vote HD-2025-01, 90% needed");
    /* 8 yes and 2 abstentions: abstaining is not yes. */
    p.ballot = (struct elig_ballot){1, 8, 10, "HD-2025-02"};
    assert_int_equal(elig_judge(&p, &r, &v), 0);
    law_expect(&v, ELIG_INELIGIBLE,
               "8 of the council's 10 members voted yes in vote HD-2025-02; 90% of all members");
}

/* Every key has a kind and a range; a key no rule reads is not in the table. */
static void test_key_table(void **state)
{
    const struct elig_key *k;
    size_t n = 0;

    (void)state;
    while ((k = elig_key_at(n)) != NULL) {
        assert_ptr_equal(elig_key_find(k->name), k);
        n++;
    }
    assert_true(n >= 30);
    assert_null(elig_key_find("ttldxs.quota"));
    assert_null(elig_key_find("ldtt.min_months_recruted"));
    k = elig_key_find("year.start_month");
    assert_non_null(k);
    assert_int_equal(k->kind, ELIG_KEY_MONTH);
    assert_true(elig_key_in_range(ELIG_KEY_MONTH, 12));
    assert_false(elig_key_in_range(ELIG_KEY_MONTH, 0));
    assert_false(elig_key_in_range(ELIG_KEY_MONTH, 13));
    assert_false(elig_key_in_range(ELIG_KEY_MONTH, 1.5));
    assert_true(elig_key_in_range(ELIG_KEY_PCT, 100));
    assert_false(elig_key_in_range(ELIG_KEY_PCT, 100.5));
    assert_false(elig_key_in_range(ELIG_KEY_FLAG, 2));
    assert_false(elig_key_in_range(ELIG_KEY_COUNT, -1));
    /* A rule set with an out-of-range period is refused by the judge. */
    {
        static const char *const bad[] = {LAW_BASE, "year.start_month=13", NULL};
        struct law_rules lr = {bad};
        struct elig_rules r = {law_get, &lr};
        struct elig_person_year h = law_year(2025, HTTNV);
        struct elig_proposal p;
        struct elig_verdict v;

        memset(&p, 0, sizeof p);
        p.title = TDKT__TITLE__TITLE_LDTT;
        p.year = 2025;
        p.person = &h;
        p.n = 1;
        assert_int_equal(elig_judge(&p, &r, &v), TDKT_EINVAL);
        assert_string_equal(v.key, "year.start_month");
    }
}

/* The TTLĐXS ranking: cluster rank, then the share of targets exceeded,
 * then points, then the code; 14 TTLĐTT units at 20% leave 2 places. */
static void test_quota_rank(void **state)
{
    struct elig_quota_candidate c[5] = {
        {.unit = "E", .cluster_rank = 0, .targets = 10, .targets_exceeded = 10, .points = 99},
        {.unit = "D", .cluster_rank = 2, .targets = 10, .targets_exceeded = 9, .points = 90},
        {.unit = "C", .cluster_rank = 1, .targets = 8, .targets_exceeded = 4, .points = 80},
        {.unit = "B", .cluster_rank = 1, .targets = 10, .targets_exceeded = 5, .points = 80},
        {.unit = "A", .cluster_rank = 1, .targets = 10, .targets_exceeded = 6, .points = 70},
    };
    unsigned quota = elig_ttldxs_quota(14, 20);

    (void)state;
    assert_int_equal(quota, 2);
    elig_quota_rank(c, 5, quota);
    /* A (60%) before B and C (50% each, equal points: tied, B by code). */
    assert_string_equal(c[0].unit, "A");
    assert_string_equal(c[1].unit, "B");
    assert_string_equal(c[2].unit, "C");
    assert_string_equal(c[3].unit, "D");
    assert_string_equal(c[4].unit, "E");
    assert_true(c[0].within && c[1].within && !c[2].within);
    assert_false(c[0].tied);
    assert_true(c[1].tied && c[2].tied);
    assert_false(c[3].tied || c[4].tied);
    assert_int_equal(c[4].position, 5);
    assert_int_equal(elig_ttldxs_quota(15, 20), 3);
    assert_int_equal(elig_ttldxs_quota(4, 20), 1);
    assert_int_equal(elig_ttldxs_quota(0, 20), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_period_bounds),     cmocka_unit_test(test_period_recruited),
        cmocka_unit_test(test_period_discipline), cmocka_unit_test(test_cstdcs_paths),
        cmocka_unit_test(test_bk_vt_paths),       cmocka_unit_test(test_key_table),
        cmocka_unit_test(test_quota_rank),        cmocka_unit_test(test_council_threshold),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
