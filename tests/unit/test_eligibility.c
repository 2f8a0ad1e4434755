/* SPDX-License-Identifier: MIT */
/*
 * Eligibility: every rule of domain.md §3 at its boundaries, judged under the
 * rule values passed in (TT 01/2019 or TT 02/2024 tables), with the verdict,
 * the rule id and the words of the reason checked: a broken run names the
 * year, 70% of members passes and just below fails, the TTLĐXS quota rounds
 * as the circular says, deferral and blocking win over failures, and a
 * missing rule value asks for a policy decision by its key.
 */
#include "testutil.h"

#include <string.h>

#include "common/err.h"
#include "common/domain/elig_quota.h"
#include "common/domain/eligibility.h"
#include "proto/tdkt.pb-c.h"

#define HTXSNV TDKT__RATING__RATING_EXCELLENT
#define HTTNV  TDKT__RATING__RATING_GOOD
#define HTNV   TDKT__RATING__RATING_COMPLETED
#define BIT(t) (1u << (t))

#define T_LDTT       TDKT__TITLE__TITLE_LDTT
#define T_CSTDCS     TDKT__TITLE__TITLE_CSTDCS
#define T_CSTD_NGANH TDKT__TITLE__TITLE_CSTD_NGANH
#define T_CSTD_TQ    TDKT__TITLE__TITLE_CSTD_TQ
#define T_TTLDTT     TDKT__TITLE__TITLE_TTLDTT
#define T_TTLDXS     TDKT__TITLE__TITLE_TTLDXS
#define T_CO_NGANH   TDKT__TITLE__TITLE_CO_NGANH
#define T_CO_CP      TDKT__TITLE__TITLE_CO_CP
#define T_BK_VT      TDKT__TITLE__TITLE_BK_VT
#define T_BK_TTG     TDKT__TITLE__TITLE_BK_TTG
#define T_HCLD_3     TDKT__TITLE__TITLE_HCLD_3

struct kv {
    const char *key;
    double value;
};

/* A rule set: its values, one key it pretends not to have, and one override. */
struct table {
    const struct kv *kv;
    size_t n;
    const char *drop;
    struct kv extra;
};

static const struct kv tt01[] = {
    {"ldtt.min_months_recruited", 10},
    {"ldtt.leave_months_min", 3},
    {"ldtt.leave_months_max", 6},
    {"ldtt.discipline_min", 1},
    {"cstd_nganh.years", 3},
    {"cstd_tq.times", 2},
    {"ttldtt.members_ldtt_pct", 50},
    {"ttldtt.member_discipline_min", 2},
    {"ttldxs.members_ldtt_pct", 70},
    {"ttldxs.members_completed_pct", 100},
    {"ttldxs.cstdcs_min", 1},
    {"ttldxs.quota_pct", 20},
    {"htxsnv.requires_exceeding", 1},
    {"co_nganh.per_cluster", 1},
    {"vote.flag.threshold_pct", 80},
    {"bk_vt.years", 2},
    {"bk_vt.initiatives", 2},
    {"bk_ttg.years", 5},
    {"bk_ttg.cstdcs", 3},
    {"bk_ttg.vote_pct", 80},
    {"hcld3.years", 5},
    {"hcld3.cstdcs", 3},
};

/* TT 02/2024: six months for a recruit, no legacy cluster vote. */
static const struct kv tt02[] = {
    {"ldtt.min_months_recruited", 6},
    {"ldtt.leave_months_min", 3},
    {"ldtt.leave_months_max", 6},
    {"ldtt.discipline_min", 1},
    {"cstd_nganh.years", 3},
    {"cstd_tq.times", 2},
    {"ttldtt.members_ldtt_pct", 50},
    {"ttldtt.member_discipline_min", 2},
    {"ttldxs.members_ldtt_pct", 70},
    {"ttldxs.members_completed_pct", 100},
    {"ttldxs.cstdcs_min", 1},
    {"ttldxs.quota_pct", 20},
    {"htxsnv.requires_exceeding", 1},
    {"co_nganh.per_cluster", 1},
    {"bk_vt.years", 2},
    {"bk_vt.initiatives", 2},
    {"bk_ttg.years", 5},
    {"bk_ttg.cstdcs", 3},
    {"bk_ttg.vote_pct", 80},
    {"hcld3.years", 5},
    {"hcld3.cstdcs", 3},
};

static int table_get(void *arg, const char *key, double *value)
{
    const struct table *t = arg;

    if (t->extra.key != NULL && strcmp(t->extra.key, key) == 0) {
        *value = t->extra.value;
        return 0;
    }
    if (t->drop != NULL && strcmp(t->drop, key) == 0)
        return TDKT_ENOTFOUND;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->kv[i].key, key) == 0) {
            *value = t->kv[i].value;
            return 0;
        }
    return TDKT_ENOTFOUND;
}

static struct table T01 = {tt01, sizeof tt01 / sizeof tt01[0], NULL, {NULL, 0}};
static struct table T02 = {tt02, sizeof tt02 / sizeof tt02[0], NULL, {NULL, 0}};
static struct elig_rules R01 = {table_get, &T01};
static struct elig_rules R02 = {table_get, &T02};

/* A good year of a person: evaluated, rated r, holding titles. */
static struct elig_person_year py(unsigned year, int r, uint32_t titles)
{
    struct elig_person_year y;

    memset(&y, 0, sizeof y);
    y.year = year;
    y.evaluated = 1;
    y.rating = r;
    y.titles = titles;
    return y;
}

/* A unit year rated r with members and counts, plan exceeded, all 10 targets met. */
static struct elig_unit_year uy(unsigned year, int r, unsigned members, unsigned ldtt,
                                unsigned cstdcs)
{
    struct elig_unit_year y;

    memset(&y, 0, sizeof y);
    y.year = year;
    y.evaluated = 1;
    y.rating = r;
    y.members = members;
    y.members_completed = members;
    y.members_ldtt = ldtt;
    y.members_cstdcs = cstdcs;
    y.targets_total = 10;
    y.targets_met = 10;
    y.exceeded_plan = 1;
    return y;
}

static struct elig_proposal person_prop(int title, unsigned year, const struct elig_person_year *h,
                                        size_t n)
{
    struct elig_proposal p;

    memset(&p, 0, sizeof p);
    p.title = title;
    p.year = year;
    p.person = h;
    p.n = n;
    return p;
}

static struct elig_proposal unit_prop(int title, unsigned year, const struct elig_unit_year *h,
                                      size_t n)
{
    struct elig_proposal p;

    memset(&p, 0, sizeof p);
    p.title = title;
    p.year = year;
    p.unit = h;
    p.n = n;
    p.ttldtt_units = 10;
    return p;
}

static struct elig_verdict judge(const struct elig_proposal *p, const struct elig_rules *r)
{
    struct elig_verdict v;

    assert_int_equal(elig_judge(p, r, &v), 0);
    return v;
}

static void expect(const struct elig_verdict *v, enum elig_outcome o, const char *rule,
                   const char *words)
{
    if (v->outcome != o || strcmp(v->rule, rule) != 0 ||
        (words != NULL && strstr(v->why, words) == NULL))
        print_error("verdict %s rule %s why \"%s\"\n", elig_outcome_name(v->outcome), v->rule,
                    v->why);
    assert_int_equal(v->outcome, o);
    assert_string_equal(v->rule, rule);
    if (words != NULL)
        assert_non_null(strstr(v->why, words));
}

/* 8 months served: refused under TT 01/2019 (10), granted under TT 02/2024 (6). */
static void test_ldtt_rule_set_change(void **state)
{
    struct elig_person_year h[1] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = py(2023, HTTNV, 0);
    h[0].recruited_on = (struct elig_date){2023, 5, 1};
    p = person_prop(T_LDTT, 2023, h, 1);
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "LDTT", "8 full months served in 2023, fewer than 10");
    assert_int_equal(v.year, 2023);

    h[0] = py(2025, HTTNV, 0);
    h[0].recruited_on = (struct elig_date){2025, 5, 1};
    p = person_prop(T_LDTT, 2025, h, 1);
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);

    /* The boundary under TT 02/2024: 1 July is six months, 2 July five. */
    h[0].recruited_on = (struct elig_date){2025, 7, 1};
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    h[0].recruited_on = (struct elig_date){2025, 7, 2};
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "LDTT", "5 full months");
    /* Recruited long ago: the recruitment key is not even read. */
    h[0].recruited_on = (struct elig_date){2010, 3, 15};
    T02.drop = "ldtt.min_months_recruited";
    v = judge(&p, &R02);
    T02.drop = NULL;
    expect(&v, ELIG_ELIGIBLE, "", NULL);
}

static void test_ldtt_rating_leave_discipline(void **state)
{
    struct elig_person_year h[1] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = py(2025, HTNV, 0);
    p = person_prop(T_LDTT, 2025, h, 1);
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "LDTT", "rated HTNV in 2025");

    h[0] = py(2025, HTTNV, 0);
    h[0].leave_months = 2;
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    h[0].leave_months = 3;
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "LDTT", "on leave 3 months");
    h[0].leave_months = 5;
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "LDTT", "3 to under 6 months");
    h[0].leave_months = 6;
    v = judge(&p, &R02);
    expect(&v, ELIG_POLICY, "LDTT", "at or past");
    assert_string_equal(v.key, "ldtt.leave_months_max");

    /* Maternity leave is working time: six months of it, two of sick leave. */
    h[0].leave_months = 2;
    h[0].maternity_months = 6;
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);

    h[0] = py(2025, HTXSNV, 0);
    h[0].discipline = TDKT__DISCIPLINE__DISCIPLINE_REPRIMAND;
    h[0].disciplined_on = (struct elig_date){2025, 3, 4};
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "LDTT", "khiển trách");
    assert_non_null(strstr(v.why, "04/03/2025"));
    /* The violation already denied LĐTT in 2024: not counted again in 2025. */
    h[0].discipline_counted_before = 1;
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
}

static void test_cstdcs(void **state)
{
    struct elig_person_year h[1] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = py(2025, HTTNV, 0);
    p = person_prop(T_CSTDCS, 2025, h, 1);
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "CSTDCS", "none in 2025");
    h[0].initiatives.base = 1;
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    h[0].initiatives.base = 0;
    h[0].research = 1;
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    h[0] = py(2025, HTXSNV, 0);
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);

    /* Failing LĐTT fails CSTĐCS under the LĐTT rule. */
    h[0].leave_months = 4;
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "LDTT", "CSTĐCS needs LĐTT in 2025");

    /* Legacy cap, off unless the rule set has it: 15% of 20 LĐTT = 3. */
    h[0].leave_months = 0;
    p.unit_ldtt = 20;
    p.unit_cstdcs_granted = 3;
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    T02.extra = (struct kv){"cstdcs.cap_pct", 15};
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "CSTDCS", "cap");
    p.unit_cstdcs_granted = 2;
    v = judge(&p, &R02);
    T02.extra = (struct kv){NULL, 0};
    expect(&v, ELIG_ELIGIBLE, "", NULL);
}

static void test_cstd_nganh_run(void **state)
{
    struct elig_person_year h[3] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = py(2019, HTXSNV, BIT(T_LDTT) | BIT(T_CSTDCS));
    h[1] = py(2020, HTXSNV, BIT(T_LDTT) | BIT(T_CSTDCS));
    h[2] = py(2021, HTXSNV, BIT(T_LDTT) | BIT(T_CSTDCS));
    h[1].initiatives.sector = 1;
    p = person_prop(T_CSTD_NGANH, 2021, h, 3);
    v = judge(&p, &R01);
    expect(&v, ELIG_ELIGIBLE, "", NULL);

    /* A CSTĐCS decided for a year whose rating the ledger lacks (entered
     * from the central office's files) still counts: the decision proves
     * the year was evaluated. */
    h[1].evaluated = 0;
    h[1].rating = 0;
    v = judge(&p, &R01);
    expect(&v, ELIG_ELIGIBLE, "", NULL);

    /* A year with no evaluation and no title breaks the run and is named. */
    h[1].titles = 0;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "CSTD-NGANH", "breaks in 2020: not evaluated");
    assert_int_equal(v.year, 2020);

    /* A year without CSTĐCS breaks it too. */
    h[1] = py(2020, HTTNV, BIT(T_LDTT));
    h[1].initiatives.sector = 1;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "CSTD-NGANH", "breaks in 2020: no CSTĐCS");

    /* The proposal year's CSTĐCS may be met now rather than held... */
    h[1].titles |= BIT(T_CSTDCS);
    h[2].titles = 0;
    v = judge(&p, &R01);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    /* ...and when it is not met, the lower rule says why. */
    h[2].rating = HTNV;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "LDTT", "needs CSTĐCS in 2021");
    assert_non_null(strstr(v.why, "rated HTNV"));

    /* Only a base-scope initiative: not sector-wide. */
    h[2] = py(2021, HTXSNV, BIT(T_CSTDCS));
    h[1].initiatives.sector = 0;
    h[1].initiatives.base = 2;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "CSTD-NGANH", "sector-wide in 2019-2021");

    /* Legacy council vote at 90% of all members, when the set has it. */
    h[1].initiatives.sector = 1;
    T01.extra = (struct kv){"cstd_nganh.vote_pct", 90};
    p.ballot = (struct elig_ballot){1, 8, 10};
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "CSTD-NGANH", "8 of the council's 10 members");
    p.ballot.yes = 9;
    v = judge(&p, &R01);
    T01.extra = (struct kv){NULL, 0};
    expect(&v, ELIG_ELIGIBLE, "", NULL);
}

static void test_cstd_tq(void **state)
{
    struct elig_person_year h[6] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    for (unsigned i = 0; i < 6; i++)
        h[i] = py(2016 + i, HTXSNV, BIT(T_CSTDCS));
    h[2].titles |= BIT(T_CSTD_NGANH);
    h[5].titles |= BIT(T_CSTD_NGANH);
    h[3].initiatives.national = 1;
    p = person_prop(T_CSTD_TQ, 2021, h, 6);
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);

    h[1].evaluated = 0;
    h[1].titles = 0;
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "CSTD-TQ", "breaks in 2017");
    assert_int_equal(v.year, 2017);

    h[1].evaluated = 1;
    h[1].titles = BIT(T_CSTDCS);
    h[2].titles = BIT(T_CSTDCS);
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "CSTD-TQ", "needs CSTĐ ngành in 2018");

    h[2].titles |= BIT(T_CSTD_NGANH);
    h[3].initiatives.national = 0;
    h[3].initiatives.sector = 3;
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "CSTD-TQ", "national scope");
}

static void test_ttldtt_half(void **state)
{
    struct elig_unit_year h[1] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = uy(2023, HTTNV, 10, 5, 0);
    p = unit_prop(T_TTLDTT, 2023, h, 1);
    v = judge(&p, &R01);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    h[0].members_ldtt = 4;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "TTLDTT", "4 of 10 members LĐTT in 2023, below 50%");

    h[0].members_ldtt = 5;
    h[0].member_discipline = TDKT__DISCIPLINE__DISCIPLINE_REPRIMAND;
    v = judge(&p, &R01);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    h[0].member_discipline = TDKT__DISCIPLINE__DISCIPLINE_WARNING;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "TTLDTT", "cảnh cáo");

    h[0] = uy(2023, HTNV, 10, 10, 0);
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "TTLDTT", "rated HTNV");
}

static void test_ttldxs_seventy(void **state)
{
    struct elig_unit_year h[1] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = uy(2025, HTXSNV, 10, 7, 1);
    p = unit_prop(T_TTLDXS, 2025, h, 1);
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    h[0] = uy(2025, HTXSNV, 100, 69, 1);
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "TTLDXS", "69 of 100 members LĐTT in 2025, below 70%");
    h[0] = uy(2025, HTXSNV, 100, 70, 1);
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);

    h[0].members_completed = 99;
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "TTLDXS", "99 of 100 members completed");
    h[0].members_completed = 100;
    h[0].members_cstdcs = 0;
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "TTLDXS", "0 members CSTĐCS");
    h[0] = uy(2025, HTTNV, 10, 10, 1);
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "TTLDXS", "needs HTXSNV; rated HTTNV");
    /* Below TTLĐTT's 50%: fails as TTLĐTT, the title TTLĐXS is chosen from. */
    h[0] = uy(2025, HTXSNV, 10, 4, 1);
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "TTLDTT", "TTLĐXS needs TTLĐTT in 2025");
}

/* Is 63 of 64 targets "exceeding"? The rule set must say. */
static void test_ttldxs_exceeding_is_policy(void **state)
{
    struct elig_unit_year h[1] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = uy(2021, HTXSNV, 10, 8, 2);
    h[0].targets_total = 64;
    h[0].targets_met = 63;
    p = unit_prop(T_TTLDXS, 2021, h, 1);
    v = judge(&p, &R01);
    expect(&v, ELIG_POLICY, "TTLDXS", "exceeding.targets_met_pct");
    assert_string_equal(v.key, "exceeding.targets_met_pct");
    T01.extra = (struct kv){"exceeding.targets_met_pct", 98};
    v = judge(&p, &R01);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    T01.extra = (struct kv){"exceeding.targets_met_pct", 100};
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "TTLDXS", "63 of 64 targets met in 2021");
    T01.extra = (struct kv){NULL, 0};

    /* Whether HTXSNV means exceeding at all is itself a policy value. */
    T01.drop = "htxsnv.requires_exceeding";
    h[0].exceeded_plan = 0;
    v = judge(&p, &R01);
    expect(&v, ELIG_POLICY, "TTLDXS", NULL);
    assert_string_equal(v.key, "htxsnv.requires_exceeding");
    /* A unit that exceeded everything does not need the answer. */
    h[0].exceeded_plan = 1;
    h[0].targets_met = 64;
    v = judge(&p, &R01);
    T01.drop = NULL;
    expect(&v, ELIG_ELIGIBLE, "", NULL);
}

static void test_ttldxs_quota(void **state)
{
    static const unsigned table[][2] = {{0, 0},  {1, 1},  {4, 1},  {5, 1},  {9, 1},
                                        {10, 2}, {14, 2}, {15, 3}, {20, 4}, {100, 20}};
    struct elig_unit_year h[1] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        assert_int_equal(elig_ttldxs_quota(table[i][0], 20), table[i][1]);
    assert_int_equal(elig_ttldxs_quota(14, 0), 0);

    h[0] = uy(2025, HTXSNV, 10, 8, 1);
    p = unit_prop(T_TTLDXS, 2025, h, 1);
    p.ttldtt_units = 14;
    p.ttldxs_granted = 1;
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    p.ttldxs_granted = 2;
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "TTLDXS", "quota: 2 TTLĐXS of 2 allowed");
    p.ttldtt_units = 15;
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    p.ttldtt_units = 4;
    p.ttldxs_granted = 0;
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
}

static void test_co_nganh(void **state)
{
    struct elig_unit_year h[1] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = uy(2025, HTXSNV, 10, 9, 2);
    h[0].titles = BIT(T_TTLDTT) | BIT(T_TTLDXS);
    p = unit_prop(T_CO_NGANH, 2025, h, 1);
    p.leads_cluster = 1;
    v = judge(&p, &R02);
    expect(&v, ELIG_ELIGIBLE, "", NULL);

    p.leads_cluster = 0;
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "CO-NGANH", "leading its cluster");
    p.leads_cluster = 1;
    h[0].exceeded_plan = 0;
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "CO-NGANH", "plan exceeded");
    /* Not TTLĐXS and cannot be: 60% LĐTT. */
    h[0] = uy(2025, HTXSNV, 10, 6, 2);
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "TTLDXS", "needs TTLĐXS in 2025");

    /* Legacy: 80% of the cluster's members agree (TT 01/2019). */
    h[0] = uy(2023, HTXSNV, 10, 9, 2);
    h[0].titles = BIT(T_TTLDXS);
    p.year = 2023;
    p.ballot = (struct elig_ballot){1, 3, 5};
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "CO-NGANH", "3 of the cluster's 5 members");
    p.ballot.yes = 4;
    v = judge(&p, &R01);
    expect(&v, ELIG_ELIGIBLE, "", NULL);

    /* One flag per cluster per year. */
    assert_int_equal(elig_flag_check(0, &R02, &v), 0);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    assert_int_equal(elig_flag_check(1, &R02, &v), 0);
    expect(&v, ELIG_INELIGIBLE, "CO-NGANH", "already has 1");
    T02.drop = "co_nganh.per_cluster";
    assert_int_equal(elig_flag_check(0, &R02, &v), 0);
    T02.drop = NULL;
    expect(&v, ELIG_POLICY, "CO-NGANH", NULL);
    assert_string_equal(v.key, "co_nganh.per_cluster");
}

static void test_co_cp(void **state)
{
    struct elig_unit_year h[1] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = uy(2020, HTXSNV, 10, 9, 2);
    p = unit_prop(T_CO_CP, 2020, h, 1);
    p.leads_cluster = 1;
    p.secret_ballot = 1;
    v = judge(&p, &R01);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    p.secret_ballot = 0;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "CO-CP", "secret-ballot");
    p.secret_ballot = 1;
    p.leads_cluster = 0;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "CO-CP", "leading its cluster");
}

static void test_bk_vt(void **state)
{
    struct elig_person_year h[2] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = py(2020, HTTNV, BIT(T_CSTDCS));
    h[1] = py(2021, HTTNV, BIT(T_CSTDCS));
    p = person_prop(T_BK_VT, 2021, h, 2);
    v = judge(&p, &R01);
    expect(&v, ELIG_ELIGIBLE, "", NULL);

    /* The HTXSNV path: two excellent years and two initiatives. */
    h[0] = py(2020, HTXSNV, 0);
    h[1] = py(2021, HTXSNV, 0);
    h[0].initiatives.base = 1;
    h[1].initiatives.base = 1;
    v = judge(&p, &R01);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    h[1].initiatives.base = 0;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "BK-VT", "nor on the HTXSNV path: 2 initiatives needed in 2020-2021");

    h[0] = py(2020, HTTNV, 0);
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "BK-VT", "breaks in 2020: rated HTTNV");
}

static void test_bk_ttg_and_hcld3(void **state)
{
    struct elig_person_year h[5] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    for (unsigned i = 0; i < 5; i++)
        h[i] = py(2016 + i, HTTNV, i % 2 == 0 ? BIT(T_CSTDCS) : 0);
    p = person_prop(T_BK_TTG, 2020, h, 5);
    p.bk_sector_year = 2015;
    p.ballot = (struct elig_ballot){1, 8, 10};
    v = judge(&p, &R01);
    expect(&v, ELIG_ELIGIBLE, "", NULL);

    p.ballot.yes = 7;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "BK-TTG", "7 of the council's 10 members");
    p.ballot.yes = 8;

    h[2].rating = HTNV;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "BK-TTG", "breaks in 2018: rated HTNV");
    assert_int_equal(v.year, 2018);
    h[2].rating = HTTNV;

    /* A year known only by a decided title (a decision on record, no rating
     * in the ledger) proves no rating: a run of ratings breaks there. */
    h[2].evaluated = 0;
    h[2].rating = 0;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "BK-TTG", "breaks in 2018: not evaluated");
    h[2].evaluated = 1;
    h[2].rating = HTTNV;

    h[4].titles = 0;
    h[4].rating = HTTNV; /* not CSTĐCS in 2020 and cannot be met now */
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "BK-TTG", "needs 3 CSTĐCS in 2016-2020; 2");
    h[4].titles = BIT(T_CSTDCS);

    p.bk_sector_year = 2016;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "BK-TTG", "after the sector Bằng khen of 2016");
    p.bk_sector_year = 0;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "BK-TTG", "none held");

    p.title = T_HCLD_3;
    p.bk_ttg_year = 2015;
    v = judge(&p, &R01);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    p.bk_ttg_year = 2017;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "HCLD-3", "after the Bằng khen Thủ tướng of 2017");
}

/* Under review: deferred even though it would fail on every other count. */
static void test_defer_wins(void **state)
{
    struct elig_person_year h[1] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = py(2025, TDKT__RATING__RATING_FAILED, BIT(T_CSTDCS));
    h[0].under_review = 1;
    h[0].discipline = TDKT__DISCIPLINE__DISCIPLINE_WARNING;
    p = person_prop(T_CSTDCS, 2025, h, 1);
    p.already_awarded = 1;
    v = judge(&p, &R02);
    expect(&v, ELIG_DEFERRED, "DEFER", "under review in 2025");
    h[0].under_review = 0;
    v = judge(&p, &R02);
    expect(&v, ELIG_INELIGIBLE, "ONCE", "already awarded");
}

static void test_dissolved_blocked(void **state)
{
    struct elig_unit_year h[1] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = uy(2025, HTXSNV, 10, 10, 3);
    h[0].dissolved = 1;
    h[0].under_review = 1;
    p = unit_prop(T_TTLDXS, 2025, h, 1);
    v = judge(&p, &R02);
    expect(&v, ELIG_BLOCKED, "DISSOLVED", "dissolved in 2025");
    h[0].dissolved = 0;
    v = judge(&p, &R02);
    expect(&v, ELIG_DEFERRED, "DEFER", NULL);
}

static void test_missing_value_is_policy(void **state)
{
    struct elig_unit_year h[1] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = uy(2025, HTXSNV, 10, 8, 1);
    T02.drop = "ttldxs.members_ldtt_pct";
    p = unit_prop(T_TTLDXS, 2025, h, 1);
    v = judge(&p, &R02);
    expect(&v, ELIG_POLICY, "TTLDXS", "has no value for ttldxs.members_ldtt_pct");
    assert_string_equal(v.key, "ttldxs.members_ldtt_pct");
    /* A failure the missing value cannot change wins over the question. */
    h[0].members_cstdcs = 0;
    v = judge(&p, &R02);
    T02.drop = NULL;
    expect(&v, ELIG_INELIGIBLE, "TTLDXS", "0 members CSTĐCS");

    /* An empty rule set: the first value the rule needs is named. */
    struct table none = {NULL, 0, NULL, {NULL, 0}};
    struct elig_rules rnone = {table_get, &none};
    struct elig_person_year ph[1] = {py(2025, HTTNV, 0)};
    struct elig_proposal pp = person_prop(T_CSTD_NGANH, 2025, ph, 1);

    v = judge(&pp, &rnone);
    expect(&v, ELIG_POLICY, "CSTD-NGANH", NULL);
    assert_string_equal(v.key, "cstd_nganh.years");

    /* Titles §3 gives no criteria for: a question left open, key "". */
    pp.title = TDKT__TITLE__TITLE_HCLD_1;
    v = judge(&pp, &R02);
    expect(&v, ELIG_POLICY, "HCLD-1", "no criteria");
    assert_string_equal(v.key, "");
}

static void test_once(void **state)
{
    struct elig_unit_year h[1] = {0};
    struct elig_proposal p;
    struct elig_verdict v;

    (void)state;
    h[0] = uy(2021, HTTNV, 10, 10, 0);
    p = unit_prop(T_TTLDTT, 2021, h, 1);
    v = judge(&p, &R01);
    expect(&v, ELIG_ELIGIBLE, "", NULL);
    h[0].titles = BIT(T_TTLDTT);
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "ONCE", "TTLĐTT for 2021 is already awarded");
    h[0].titles = 0;
    p.already_awarded = 1;
    v = judge(&p, &R01);
    expect(&v, ELIG_INELIGIBLE, "ONCE", NULL);
}

static void test_bad_input(void **state)
{
    struct elig_unit_year h[2] = {0};
    struct elig_proposal p;
    struct elig_verdict v;
    struct elig_date d;

    (void)state;
    h[0] = uy(2021, HTTNV, 10, 10, 0);
    h[1] = uy(2021, HTTNV, 10, 10, 0);
    p = unit_prop(T_CSTDCS, 2021, h, 1);
    assert_int_equal(elig_judge(&p, &R01, &v), TDKT_EINVAL);
    assert_non_null(strstr(v.why, "not a title for a unit"));
    p.title = T_TTLDTT;
    p.n = 2;
    assert_int_equal(elig_judge(&p, &R01, &v), TDKT_EINVAL);
    assert_non_null(strstr(v.why, "year 2021 twice"));
    p.n = 1;
    h[0].members_ldtt = 11;
    assert_int_equal(elig_judge(&p, &R01, &v), TDKT_EINVAL);
    h[0].members_ldtt = 10;
    T01.extra = (struct kv){"ttldtt.members_ldtt_pct", 150};
    assert_int_equal(elig_judge(&p, &R01, &v), TDKT_EINVAL);
    T01.extra = (struct kv){NULL, 0};
    assert_non_null(strstr(v.why, "ttldtt.members_ldtt_pct"));
    assert_int_equal(elig_judge(NULL, &R01, &v), TDKT_EINVAL);

    assert_int_equal(elig_parse_date("2024-10-01", &d), 0);
    assert_int_equal(d.year, 2024);
    assert_int_equal(d.month, 10);
    assert_int_equal(elig_months_served(&d, 2024), 3);
    assert_int_equal(elig_months_served(&d, 2025), 12);
    assert_int_equal(elig_months_served(&d, 2023), 0);
    assert_int_equal(elig_parse_date("2023-02-29", &d), TDKT_EINVAL);
    assert_int_equal(elig_parse_date("2024-02-29", &d), 0);
    assert_int_equal(elig_parse_date("2024-1-01", &d), TDKT_EINVAL);
    assert_int_equal(elig_parse_date("", &d), 0);
    assert_int_equal(d.year, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ldtt_rule_set_change),
        cmocka_unit_test(test_ldtt_rating_leave_discipline),
        cmocka_unit_test(test_cstdcs),
        cmocka_unit_test(test_cstd_nganh_run),
        cmocka_unit_test(test_cstd_tq),
        cmocka_unit_test(test_ttldtt_half),
        cmocka_unit_test(test_ttldxs_seventy),
        cmocka_unit_test(test_ttldxs_exceeding_is_policy),
        cmocka_unit_test(test_ttldxs_quota),
        cmocka_unit_test(test_co_nganh),
        cmocka_unit_test(test_co_cp),
        cmocka_unit_test(test_bk_vt),
        cmocka_unit_test(test_bk_ttg_and_hcld3),
        cmocka_unit_test(test_defer_wins),
        cmocka_unit_test(test_dissolved_blocked),
        cmocka_unit_test(test_missing_value_is_policy),
        cmocka_unit_test(test_once),
        cmocka_unit_test(test_bad_input),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
