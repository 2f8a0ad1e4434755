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

#define HTXSNV    TDKT__RATING__RATING_EXCELLENT
#define HTTNV     TDKT__RATING__RATING_GOOD
#define HTNV      TDKT__RATING__RATING_COMPLETED
#define REPRIMAND TDKT__DISCIPLINE__DISCIPLINE_REPRIMAND
#define WARNING   TDKT__DISCIPLINE__DISCIPLINE_WARNING
#define T(name)   TDKT__TITLE__TITLE_##name
#define BIT(t)    (1u << (t))
#define NROWS(a)  (sizeof(a) / sizeof((a)[0]))

struct kv {
    const char *key;
    double value;
};

#define NO_KV ((struct kv){NULL, 0})

/*
 * A rule set: the values it has of its own, those it shares with the other
 * set, and for one judgement at a time one key it pretends not to have and
 * one override (judged_with sets and clears them).
 */
struct table {
    const struct kv *own;
    size_t n_own;
    const char *drop;
    struct kv extra;
};

/* The values both circulars give alike. */
static const struct kv shared[] = {
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

/* TT 01/2019: ten months for a recruit, and the legacy cluster vote. */
static const struct kv tt01[] = {
    {"ldtt.min_months_recruited", 10},
    {"vote.flag.threshold_pct", 80},
};

/* TT 02/2024: six months for a recruit, no legacy cluster vote. */
static const struct kv tt02[] = {
    {"ldtt.min_months_recruited", 6},
};

static int kv_find(const struct kv *kv, size_t n, const char *key, double *value)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].key, key) == 0) {
            *value = kv[i].value;
            return 0;
        }
    return TDKT_ENOTFOUND;
}

static int table_get(void *arg, const char *key, double *value)
{
    const struct table *t = arg;

    if (t->extra.key != NULL && strcmp(t->extra.key, key) == 0) {
        *value = t->extra.value;
        return 0;
    }
    if (t->drop != NULL && strcmp(t->drop, key) == 0)
        return TDKT_ENOTFOUND;
    if (t->own == NULL) /* the empty rule set */
        return TDKT_ENOTFOUND;
    if (kv_find(t->own, t->n_own, key, value) == 0)
        return 0;
    return kv_find(shared, NROWS(shared), key, value);
}

static struct table T01 = {tt01, NROWS(tt01), NULL, {NULL, 0}};
static struct table T02 = {tt02, NROWS(tt02), NULL, {NULL, 0}};
static const struct elig_rules R01 = {table_get, &T01};
static const struct elig_rules R02 = {table_get, &T02};

/* A good year of a person: evaluated, rated r, holding titles. */
static struct elig_person_year py(unsigned year, int r, uint32_t titles)
{
    return (struct elig_person_year){.year = year, .evaluated = 1, .rating = r, .titles = titles};
}

/* A unit year rated r with members and counts, plan exceeded, all 10 targets met. */
static struct elig_unit_year uy(unsigned year, int r, unsigned members, unsigned ldtt,
                                unsigned cstdcs)
{
    struct elig_unit_year y = {.year = year, .evaluated = 1, .rating = r, .exceeded_plan = 1};

    y.members = y.members_completed = members;
    y.members_ldtt = ldtt;
    y.members_cstdcs = cstdcs;
    y.targets_total = y.targets_met = 10;
    return y;
}

static struct elig_proposal person_prop(int title, unsigned year, const struct elig_person_year *h,
                                        size_t n)
{
    return (struct elig_proposal){.title = title, .year = year, .person = h, .n = n};
}

static struct elig_proposal unit_prop(int title, unsigned year, const struct elig_unit_year *h,
                                      size_t n)
{
    return (struct elig_proposal){
        .title = title, .year = year, .unit = h, .n = n, .ttldtt_units = 10};
}

/*
 * What a verdict must say: its outcome and rule id, words its reason holds
 * (NULL: any), and the key a policy question names (NULL: not checked).
 */
struct want {
    enum elig_outcome outcome;
    const char *rule;
    const char *words;
    const char *key;
};

#define PASSES                                                                                     \
    {                                                                                              \
        ELIG_ELIGIBLE, "", NULL, NULL                                                              \
    }

static void expect(const struct elig_verdict *v, const struct want *w)
{
    if (v->outcome != w->outcome || strcmp(v->rule, w->rule) != 0 ||
        (w->words != NULL && strstr(v->why.text, w->words) == NULL))
        print_error("verdict %s rule %s why \"%s\"\n", elig_outcome_name(v->outcome), v->rule,
                    v->why.text);
    assert_int_equal(v->outcome, w->outcome);
    assert_string_equal(v->rule, w->rule);
    if (w->words != NULL)
        assert_non_null(strstr(v->why.text, w->words));
    if (w->key != NULL)
        assert_string_equal(v->key, w->key);
}

/*
 * Judge p under r, with extra set and drop missing in r's table for this
 * judgement only; the judge must give a verdict, and the verdict must be w.
 * Returns the verdict for further checks.
 */
static struct elig_verdict judged_with(const struct elig_proposal *p, const struct elig_rules *r,
                                       struct kv extra, const char *drop, struct want w)
{
    struct table *t = r->arg;
    struct elig_verdict v;
    int rc;

    t->extra = extra;
    t->drop = drop;
    rc = elig_judge(p, r, &v);
    t->extra = NO_KV;
    t->drop = NULL;
    assert_int_equal(rc, 0);
    expect(&v, &w);
    return v;
}

static struct elig_verdict judged(const struct elig_proposal *p, const struct elig_rules *r,
                                  struct want w)
{
    return judged_with(p, r, NO_KV, NULL, w);
}

static struct elig_verdict eligible(const struct elig_proposal *p, const struct elig_rules *r)
{
    return judged(p, r, (struct want)PASSES);
}

static struct elig_verdict ineligible(const struct elig_proposal *p, const struct elig_rules *r,
                                      const char *rule, const char *words)
{
    return judged(p, r, (struct want){ELIG_INELIGIBLE, rule, words, NULL});
}

/* 8 months served: refused under TT 01/2019 (10), granted under TT 02/2024 (6). */
static void test_ldtt_rule_set_change(void **state)
{
    /* Recruited in 2025, under TT 02/2024. The boundary: 1 July is six
     * months, 2 July five. Recruited long ago, the recruitment key is not
     * even read. */
    static const struct {
        struct elig_date on;
        const char *drop;
        struct want want;
    } recruits[] = {
        {{2025, 5, 1}, NULL, PASSES},
        {{2025, 7, 1}, NULL, PASSES},
        {{2025, 7, 2}, NULL, {ELIG_INELIGIBLE, "LDTT", "5 full months", NULL}},
        {{2010, 3, 15}, "ldtt.min_months_recruited", PASSES},
    };
    struct elig_person_year h[1] = {py(2023, HTTNV, 0)};
    struct elig_proposal p = person_prop(T(LDTT), 2023, h, 1);
    struct elig_verdict v;

    (void)state;
    h[0].recruited_on = (struct elig_date){2023, 5, 1};
    v = ineligible(&p, &R01, "LDTT", "8 full months served in 2023, fewer than 10");
    assert_int_equal(v.year, 2023);

    h[0] = py(2025, HTTNV, 0);
    p.year = 2025;
    for (size_t i = 0; i < NROWS(recruits); i++) {
        h[0].recruited_on = recruits[i].on;
        judged_with(&p, &R02, NO_KV, recruits[i].drop, recruits[i].want);
    }
}

static void test_ldtt_rating_leave_discipline(void **state)
{
    /* Leave of 3 to under 6 months fails LĐTT, 6 or more asks the rule
     * set; maternity leave is working time: six months of it, two of sick
     * leave, pass. */
    static const struct {
        unsigned leave, maternity;
        struct want want;
    } leaves[] = {
        {2, 0, PASSES},
        {3, 0, {ELIG_INELIGIBLE, "LDTT", "on leave 3 months", NULL}},
        {5, 0, {ELIG_INELIGIBLE, "LDTT", "3 to under 6 months", NULL}},
        {6, 0, {ELIG_POLICY, "LDTT", "at or past", "ldtt.leave_months_max"}},
        {2, 6, PASSES},
    };
    struct elig_person_year h[1] = {py(2025, HTNV, 0)};
    struct elig_proposal p = person_prop(T(LDTT), 2025, h, 1);
    struct elig_verdict v;

    (void)state;
    ineligible(&p, &R02, "LDTT", "rated HTNV in 2025");

    h[0] = py(2025, HTTNV, 0);
    for (size_t i = 0; i < NROWS(leaves); i++) {
        h[0].leave_months = leaves[i].leave;
        h[0].maternity_months = leaves[i].maternity;
        judged(&p, &R02, leaves[i].want);
    }

    h[0] = py(2025, HTXSNV, 0);
    h[0].discipline = REPRIMAND;
    h[0].disciplined_on = (struct elig_date){2025, 3, 4};
    v = ineligible(&p, &R02, "LDTT", "khiển trách");
    assert_non_null(strstr(v.why.text, "04/03/2025"));
    /* The violation already denied LĐTT in 2024: not counted again in 2025. */
    h[0].discipline_counted_before = 1;
    eligible(&p, &R02);
}

static void test_cstdcs(void **state)
{
    static const struct kv cap15 = {"cstdcs.cap_pct", 15};
    struct elig_person_year h[1] = {py(2025, HTTNV, 0)};
    struct elig_proposal p = person_prop(T(CSTDCS), 2025, h, 1);

    (void)state;
    ineligible(&p, &R02, "CSTDCS", "none in 2025");
    /* An initiative, a research topic or an excellent rating is enough. */
    h[0].initiatives.base = 1;
    eligible(&p, &R02);
    h[0].initiatives.base = 0;
    h[0].research = 1;
    eligible(&p, &R02);
    h[0] = py(2025, HTXSNV, 0);
    eligible(&p, &R02);

    /* Failing LĐTT fails CSTĐCS under the LĐTT rule. */
    h[0].leave_months = 4;
    ineligible(&p, &R02, "LDTT", "CSTĐCS needs LĐTT in 2025");

    /* Legacy cap, off unless the rule set has it: 15% of 20 LĐTT = 3. */
    h[0].leave_months = 0;
    p.unit_ldtt = 20;
    p.unit_cstdcs_granted = 3;
    eligible(&p, &R02);
    judged_with(&p, &R02, cap15, NULL, (struct want){ELIG_INELIGIBLE, "CSTDCS", "cap", NULL});
    p.unit_cstdcs_granted = 2;
    judged_with(&p, &R02, cap15, NULL, (struct want)PASSES);
}

static void test_cstd_nganh_run(void **state)
{
    static const struct kv vote90 = {"cstd_nganh.vote_pct", 90};
    struct elig_person_year h[3] = {
        py(2019, HTXSNV, BIT(T(LDTT)) | BIT(T(CSTDCS))),
        py(2020, HTXSNV, BIT(T(LDTT)) | BIT(T(CSTDCS))),
        py(2021, HTXSNV, BIT(T(LDTT)) | BIT(T(CSTDCS))),
    };
    struct elig_proposal p = person_prop(T(CSTD_NGANH), 2021, h, 3);
    struct elig_verdict v;

    (void)state;
    h[1].initiatives.sector = 1;
    eligible(&p, &R01);

    /* A CSTĐCS decided for a year whose rating the ledger lacks (entered
     * from the central office's files) still counts: the decision proves
     * the year was evaluated. */
    h[1].evaluated = 0;
    h[1].rating = 0;
    eligible(&p, &R01);

    /* A year with no evaluation and no title breaks the run and is named. */
    h[1].titles = 0;
    v = ineligible(&p, &R01, "CSTD-NGANH", "breaks in 2020: not evaluated");
    assert_int_equal(v.year, 2020);

    /* A year without CSTĐCS breaks it too. */
    h[1] = py(2020, HTTNV, BIT(T(LDTT)));
    h[1].initiatives.sector = 1;
    ineligible(&p, &R01, "CSTD-NGANH", "breaks in 2020: no CSTĐCS");

    /* The proposal year's CSTĐCS may be met now rather than held... */
    h[1].titles |= BIT(T(CSTDCS));
    h[2].titles = 0;
    eligible(&p, &R01);
    /* ...and when it is not met, the lower rule says why. */
    h[2].rating = HTNV;
    v = ineligible(&p, &R01, "LDTT", "needs CSTĐCS in 2021");
    assert_non_null(strstr(v.why.text, "rated HTNV"));

    /* Only a base-scope initiative: not sector-wide. */
    h[2] = py(2021, HTXSNV, BIT(T(CSTDCS)));
    h[1].initiatives.sector = 0;
    h[1].initiatives.base = 2;
    ineligible(&p, &R01, "CSTD-NGANH", "sector-wide in 2019-2021");

    /* Legacy council vote at 90% of all members, when the set has it. */
    h[1].initiatives.sector = 1;
    p.ballot = (struct elig_ballot){1, 8, 10, NULL};
    judged_with(
        &p, &R01, vote90, NULL,
        (struct want){ELIG_INELIGIBLE, "CSTD-NGANH", "8 of the council's 10 members", NULL});
    p.ballot.yes = 9;
    judged_with(&p, &R01, vote90, NULL, (struct want)PASSES);
}

static void test_cstd_tq(void **state)
{
    struct elig_person_year h[6] = {0};
    struct elig_proposal p = person_prop(T(CSTD_TQ), 2021, h, 6);
    struct elig_verdict v;

    (void)state;
    for (unsigned i = 0; i < 6; i++)
        h[i] = py(2016 + i, HTXSNV, BIT(T(CSTDCS)));
    h[2].titles |= BIT(T(CSTD_NGANH));
    h[5].titles |= BIT(T(CSTD_NGANH));
    h[3].initiatives.national = 1;
    ineligible(&p, &R02, "CSTD-TQ", "needs the Council's secret-ballot result");
    p.secret_ballot = 1;
    eligible(&p, &R02);

    h[1].evaluated = 0;
    h[1].titles = 0;
    v = ineligible(&p, &R02, "CSTD-TQ", "breaks in 2017");
    assert_int_equal(v.year, 2017);

    h[1].evaluated = 1;
    h[1].titles = BIT(T(CSTDCS));
    h[2].titles = BIT(T(CSTDCS));
    ineligible(&p, &R02, "CSTD-TQ", "needs CSTĐ ngành in 2018");

    h[2].titles |= BIT(T(CSTD_NGANH));
    h[3].initiatives.national = 0;
    h[3].initiatives.sector = 3;
    ineligible(&p, &R02, "CSTD-TQ", "national scope");
}

/* A unit year of 10 members under TT 01/2019: half of them LĐTT passes, a
 * member's reprimand does not fail the unit, a warning does. */
static void test_ttldtt_half(void **state)
{
    static const struct {
        int rating;
        unsigned ldtt;
        int member_discipline;
        struct want want;
    } years[] = {
        {HTTNV, 5, 0, PASSES},
        {HTTNV, 4, 0, {ELIG_INELIGIBLE, "TTLDTT", "4 of 10 members LĐTT in 2023, below 50%", NULL}},
        {HTTNV, 5, REPRIMAND, PASSES},
        {HTTNV, 5, WARNING, {ELIG_INELIGIBLE, "TTLDTT", "cảnh cáo", NULL}},
        {HTNV, 10, 0, {ELIG_INELIGIBLE, "TTLDTT", "rated HTNV", NULL}},
    };
    struct elig_unit_year h[1] = {0};
    struct elig_proposal p = unit_prop(T(TTLDTT), 2023, h, 1);

    (void)state;
    for (size_t i = 0; i < NROWS(years); i++) {
        h[0] = uy(2023, years[i].rating, 10, years[i].ldtt, 0);
        h[0].member_discipline = years[i].member_discipline;
        judged(&p, &R01, years[i].want);
    }
}

/* TTLĐXS in 2025: 70% of members LĐTT passes and just below fails; every
 * member completed, one CSTĐCS and an HTXSNV rating are needed too. */
static void test_ttldxs_seventy(void **state)
{
    static const struct {
        int rating;
        unsigned members, ldtt, completed, cstdcs;
        struct want want;
    } years[] = {
        {HTXSNV, 10, 7, 10, 1, PASSES},
        {HTXSNV,
         100,
         69,
         100,
         1,
         {ELIG_INELIGIBLE, "TTLDXS", "69 of 100 members LĐTT in 2025, below 70%", NULL}},
        {HTXSNV, 100, 70, 100, 1, PASSES},
        {HTXSNV, 100, 70, 99, 1, {ELIG_INELIGIBLE, "TTLDXS", "99 of 100 members completed", NULL}},
        {HTXSNV, 100, 70, 100, 0, {ELIG_INELIGIBLE, "TTLDXS", "0 members CSTĐCS", NULL}},
        {HTTNV, 10, 10, 10, 1, {ELIG_INELIGIBLE, "TTLDXS", "needs HTXSNV; rated HTTNV", NULL}},
        /* Below TTLĐTT's 50%: fails as TTLĐTT, the title TTLĐXS is chosen from. */
        {HTXSNV, 10, 4, 10, 1, {ELIG_INELIGIBLE, "TTLDTT", "TTLĐXS needs TTLĐTT in 2025", NULL}},
    };
    struct elig_unit_year h[1] = {0};
    struct elig_proposal p = unit_prop(T(TTLDXS), 2025, h, 1);

    (void)state;
    for (size_t i = 0; i < NROWS(years); i++) {
        h[0] = uy(2025, years[i].rating, years[i].members, years[i].ldtt, years[i].cstdcs);
        h[0].members_completed = years[i].completed;
        judged(&p, &R02, years[i].want);
    }
}

/* Is 63 of 64 targets "exceeding"? The rule set must say. */
static void test_ttldxs_exceeding_is_policy(void **state)
{
    static const struct {
        struct kv extra;
        struct want want;
    } answers[] = {
        {{NULL, 0},
         {ELIG_POLICY, "TTLDXS", "exceeding.targets_met_pct", "exceeding.targets_met_pct"}},
        {{"exceeding.targets_met_pct", 98}, PASSES},
        {{"exceeding.targets_met_pct", 100},
         {ELIG_INELIGIBLE, "TTLDXS", "63 of 64 targets met in 2021", NULL}},
    };
    struct elig_unit_year h[1] = {uy(2021, HTXSNV, 10, 8, 2)};
    struct elig_proposal p = unit_prop(T(TTLDXS), 2021, h, 1);

    (void)state;
    h[0].targets_total = 64;
    h[0].targets_met = 63;
    for (size_t i = 0; i < NROWS(answers); i++)
        judged_with(&p, &R01, answers[i].extra, NULL, answers[i].want);

    /* Whether HTXSNV means exceeding at all is itself a policy value. */
    h[0].exceeded_plan = 0;
    judged_with(&p, &R01, NO_KV, "htxsnv.requires_exceeding",
                (struct want){ELIG_POLICY, "TTLDXS", NULL, "htxsnv.requires_exceeding"});
    /* A unit that exceeded everything does not need the answer. */
    h[0].exceeded_plan = 1;
    h[0].targets_met = 64;
    judged_with(&p, &R01, NO_KV, "htxsnv.requires_exceeding", (struct want)PASSES);
}

static void test_ttldxs_quota(void **state)
{
    /* 20% of the TTLĐTT units, rounded as the circular says. */
    static const unsigned quota[][2] = {{0, 0},  {1, 1},  {4, 1},  {5, 1},  {9, 1},
                                        {10, 2}, {14, 2}, {15, 3}, {20, 4}, {100, 20}};
    static const struct {
        unsigned ttldtt_units, ttldxs_granted;
        struct want want;
    } grants[] = {
        {14, 1, PASSES},
        {14, 2, {ELIG_INELIGIBLE, "TTLDXS", "quota: 2 TTLĐXS of 2 allowed", NULL}},
        {15, 2, PASSES},
        {4, 0, PASSES},
    };
    struct elig_unit_year h[1] = {uy(2025, HTXSNV, 10, 8, 1)};
    struct elig_proposal p = unit_prop(T(TTLDXS), 2025, h, 1);

    (void)state;
    for (size_t i = 0; i < NROWS(quota); i++)
        assert_int_equal(elig_ttldxs_quota(quota[i][0], 20), quota[i][1]);
    assert_int_equal(elig_ttldxs_quota(14, 0), 0);

    for (size_t i = 0; i < NROWS(grants); i++) {
        p.ttldtt_units = grants[i].ttldtt_units;
        p.ttldxs_granted = grants[i].ttldxs_granted;
        judged(&p, &R02, grants[i].want);
    }
}

static void test_co_nganh(void **state)
{
    struct elig_unit_year h[1] = {uy(2025, HTXSNV, 10, 9, 2)};
    struct elig_proposal p = unit_prop(T(CO_NGANH), 2025, h, 1);
    struct elig_verdict v;

    (void)state;
    h[0].titles = BIT(T(TTLDTT)) | BIT(T(TTLDXS));
    p.leads_cluster = 1;
    eligible(&p, &R02);

    p.leads_cluster = 0;
    ineligible(&p, &R02, "CO-NGANH", "leading its cluster");
    p.leads_cluster = 1;
    h[0].exceeded_plan = 0;
    ineligible(&p, &R02, "CO-NGANH", "plan exceeded");
    /* Not TTLĐXS and cannot be: 60% LĐTT. */
    h[0] = uy(2025, HTXSNV, 10, 6, 2);
    ineligible(&p, &R02, "TTLDXS", "needs TTLĐXS in 2025");

    /* Legacy: 80% of the cluster's members agree (TT 01/2019). */
    h[0] = uy(2023, HTXSNV, 10, 9, 2);
    h[0].titles = BIT(T(TTLDXS));
    p.year = 2023;
    p.ballot = (struct elig_ballot){1, 3, 5, NULL};
    ineligible(&p, &R01, "CO-NGANH", "3 of the cluster's 5 members");
    p.ballot.yes = 4;
    eligible(&p, &R01);

    /* One flag per cluster per year. */
    assert_int_equal(elig_flag_check(0, &R02, &v), 0);
    expect(&v, &(struct want)PASSES);
    assert_int_equal(elig_flag_check(1, &R02, &v), 0);
    expect(&v, &(struct want){ELIG_INELIGIBLE, "CO-NGANH", "already has 1", NULL});
    T02.drop = "co_nganh.per_cluster";
    assert_int_equal(elig_flag_check(0, &R02, &v), 0);
    T02.drop = NULL;
    expect(&v, &(struct want){ELIG_POLICY, "CO-NGANH", NULL, "co_nganh.per_cluster"});
}

/* The government's flag needs the cluster's lead and a secret ballot. */
static void test_co_cp(void **state)
{
    static const struct {
        int leads_cluster, secret_ballot;
        struct want want;
    } cases[] = {
        {1, 1, PASSES},
        {1, 0, {ELIG_INELIGIBLE, "CO-CP", "secret-ballot", NULL}},
        {0, 1, {ELIG_INELIGIBLE, "CO-CP", "leading its cluster", NULL}},
    };
    struct elig_unit_year h[1] = {uy(2020, HTXSNV, 10, 9, 2)};
    struct elig_proposal p = unit_prop(T(CO_CP), 2020, h, 1);

    (void)state;
    for (size_t i = 0; i < NROWS(cases); i++) {
        p.leads_cluster = cases[i].leads_cluster;
        p.secret_ballot = cases[i].secret_ballot;
        judged(&p, &R01, cases[i].want);
    }
}

static void test_bk_vt(void **state)
{
    struct elig_person_year h[2] = {py(2020, HTTNV, BIT(T(CSTDCS))),
                                    py(2021, HTTNV, BIT(T(CSTDCS)))};
    struct elig_proposal p = person_prop(T(BK_VT), 2021, h, 2);

    (void)state;
    eligible(&p, &R01);

    /* The HTXSNV path: two excellent years and two initiatives. */
    h[0] = py(2020, HTXSNV, 0);
    h[1] = py(2021, HTXSNV, 0);
    h[0].initiatives.base = 1;
    h[1].initiatives.base = 1;
    eligible(&p, &R01);
    h[1].initiatives.base = 0;
    ineligible(&p, &R01, "BK-VT", "nor on the HTXSNV path: 2 initiatives needed in 2020-2021");

    h[0] = py(2020, HTTNV, 0);
    ineligible(&p, &R01, "BK-VT", "breaks in 2020: rated HTTNV");
}

static void test_bk_ttg_and_hcld3(void **state)
{
    struct elig_person_year h[5] = {0};
    struct elig_proposal p = person_prop(T(BK_TTG), 2020, h, 5);
    struct elig_verdict v;

    (void)state;
    for (unsigned i = 0; i < 5; i++)
        h[i] = py(2016 + i, HTTNV, i % 2 == 0 ? BIT(T(CSTDCS)) : 0);
    p.bk_sector_year = 2015;
    p.ballot = (struct elig_ballot){1, 8, 10, NULL};
    eligible(&p, &R01);

    p.ballot.yes = 7;
    ineligible(&p, &R01, "BK-TTG", "7 of the council's 10 members");
    p.ballot.yes = 8;

    h[2].rating = HTNV;
    v = ineligible(&p, &R01, "BK-TTG", "breaks in 2018: rated HTNV");
    assert_int_equal(v.year, 2018);
    h[2].rating = HTTNV;

    /* A year known only by a decided title (a decision on record, no rating
     * in the ledger) proves no rating: a run of ratings breaks there. */
    h[2].evaluated = 0;
    h[2].rating = 0;
    ineligible(&p, &R01, "BK-TTG", "breaks in 2018: not evaluated");
    h[2].evaluated = 1;
    h[2].rating = HTTNV;

    h[4].titles = 0;
    h[4].rating = HTTNV; /* not CSTĐCS in 2020 and cannot be met now */
    ineligible(&p, &R01, "BK-TTG", "needs 3 CSTĐCS in 2016-2020; 2");
    h[4].titles = BIT(T(CSTDCS));

    p.bk_sector_year = 2016;
    ineligible(&p, &R01, "BK-TTG", "after the sector Bằng khen of 2016");
    p.bk_sector_year = 0;
    ineligible(&p, &R01, "BK-TTG", "none held");

    p.title = T(HCLD_3);
    p.bk_ttg_year = 2015;
    eligible(&p, &R01);
    p.bk_ttg_year = 2017;
    ineligible(&p, &R01, "HCLD-3", "after the Bằng khen Thủ tướng of 2017");
}

/* Under review: deferred even though it would fail on every other count. */
static void test_defer_wins(void **state)
{
    struct elig_person_year h[1] = {py(2025, TDKT__RATING__RATING_FAILED, BIT(T(CSTDCS)))};
    struct elig_proposal p = person_prop(T(CSTDCS), 2025, h, 1);

    (void)state;
    h[0].under_review = 1;
    h[0].discipline = WARNING;
    p.already_awarded = 1;
    judged(&p, &R02, (struct want){ELIG_DEFERRED, "DEFER", "under review in 2025", NULL});
    h[0].under_review = 0;
    ineligible(&p, &R02, "ONCE", "already awarded");
}

static void test_dissolved_blocked(void **state)
{
    struct elig_unit_year h[1] = {uy(2025, HTXSNV, 10, 10, 3)};
    struct elig_proposal p = unit_prop(T(TTLDXS), 2025, h, 1);

    (void)state;
    h[0].dissolved = 1;
    h[0].under_review = 1;
    judged(&p, &R02, (struct want){ELIG_BLOCKED, "DISSOLVED", "dissolved in 2025", NULL});
    h[0].dissolved = 0;
    judged(&p, &R02, (struct want){ELIG_DEFERRED, "DEFER", NULL, NULL});
}

static void test_missing_value_is_policy(void **state)
{
    struct elig_unit_year h[1] = {uy(2025, HTXSNV, 10, 8, 1)};
    struct elig_proposal p = unit_prop(T(TTLDXS), 2025, h, 1);
    /* An empty rule set. */
    struct table none = {NULL, 0, NULL, {NULL, 0}};
    struct elig_rules rnone = {table_get, &none};
    struct elig_person_year ph[1] = {py(2025, HTTNV, 0)};
    struct elig_proposal pp = person_prop(T(CSTD_NGANH), 2025, ph, 1);

    (void)state;
    judged_with(&p, &R02, NO_KV, "ttldxs.members_ldtt_pct",
                (struct want){ELIG_POLICY, "TTLDXS", "has no value for ttldxs.members_ldtt_pct",
                              "ttldxs.members_ldtt_pct"});
    /* A failure the missing value cannot change wins over the question. */
    h[0].members_cstdcs = 0;
    judged_with(&p, &R02, NO_KV, "ttldxs.members_ldtt_pct",
                (struct want){ELIG_INELIGIBLE, "TTLDXS", "0 members CSTĐCS", NULL});

    /* An empty rule set: the first value the rule needs is named. */
    judged(&pp, &rnone, (struct want){ELIG_POLICY, "CSTD-NGANH", NULL, "cstd_nganh.years"});

    /* Titles §3 gives no criteria for: a question left open, key "". */
    pp.title = T(HCLD_1);
    judged(&pp, &R02, (struct want){ELIG_POLICY, "HCLD-1", "no criteria", ""});
}

static void test_once(void **state)
{
    struct elig_unit_year h[1] = {uy(2021, HTTNV, 10, 10, 0)};
    struct elig_proposal p = unit_prop(T(TTLDTT), 2021, h, 1);

    (void)state;
    eligible(&p, &R01);
    h[0].titles = BIT(T(TTLDTT));
    ineligible(&p, &R01, "ONCE", "TTLĐTT for 2021 is already awarded");
    h[0].titles = 0;
    p.already_awarded = 1;
    ineligible(&p, &R01, "ONCE", NULL);
}

static void test_bad_input(void **state)
{
    struct elig_unit_year h[2] = {uy(2021, HTTNV, 10, 10, 0), uy(2021, HTTNV, 10, 10, 0)};
    struct elig_proposal p = unit_prop(T(CSTDCS), 2021, h, 1);
    struct elig_verdict v;
    struct elig_date d;

    (void)state;
    assert_int_equal(elig_judge(&p, &R01, &v), TDKT_EINVAL);
    assert_non_null(strstr(v.why.text, "not a title for a unit"));
    p.title = T(TTLDTT);
    p.n = 2;
    assert_int_equal(elig_judge(&p, &R01, &v), TDKT_EINVAL);
    assert_non_null(strstr(v.why.text, "year 2021 twice"));
    p.n = 1;
    h[0].members_ldtt = 11;
    assert_int_equal(elig_judge(&p, &R01, &v), TDKT_EINVAL);
    h[0].members_ldtt = 10;
    T01.extra = (struct kv){"ttldtt.members_ldtt_pct", 150};
    assert_int_equal(elig_judge(&p, &R01, &v), TDKT_EINVAL);
    T01.extra = NO_KV;
    assert_non_null(strstr(v.why.text, "ttldtt.members_ldtt_pct"));
    assert_int_equal(elig_judge(NULL, &R01, &v), TDKT_EINVAL);

    assert_int_equal(elig_parse_date("2024-10-01", &d), 0);
    assert_int_equal(d.year, 2024);
    assert_int_equal(d.month, 10);
    {
        struct elig_period y2023, y2024, y2025;

        assert_int_equal(elig_period_of(2023, 1, &y2023), 0);
        assert_int_equal(elig_period_of(2024, 1, &y2024), 0);
        assert_int_equal(elig_period_of(2025, 1, &y2025), 0);
        assert_int_equal(elig_period_served(&d, &y2024), 3);
        assert_int_equal(elig_period_served(&d, &y2025), 12);
        assert_int_equal(elig_period_served(&d, &y2023), 0);
    }
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
