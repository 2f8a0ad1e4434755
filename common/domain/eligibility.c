/* SPDX-License-Identifier: MIT */
/*
 * Eligibility: the rules of domain.md §3 for one proposal, as written in
 * eligibility.h. Pure: no I/O, no allocation, no logging. Every check either
 * passes, fails (the first certain failure becomes the verdict at once), or
 * cannot be decided because a rule value is missing: that is remembered as a
 * pending policy question and the other checks go on, so that a certain
 * failure elsewhere still wins over it.
 */
#include "eligibility.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/domain/elig_keys.h"
#include "common/domain/elig_quota.h"
#include "common/err.h"
#include "common/wire/utf8.h"
#include "proto/tdkt.pb-c.h"

#define PASS 0
#define FAIL 1
#define HOLE 2 /* need(): the value is missing; a policy question is pending */

#define R_EXCELLENT  TDKT__RATING__RATING_EXCELLENT
#define R_GOOD       TDKT__RATING__RATING_GOOD
#define R_FAILED     TDKT__RATING__RATING_FAILED
#define D_NONE       TDKT__DISCIPLINE__DISCIPLINE_NONE
#define D_MAX        TDKT__DISCIPLINE__DISCIPLINE_DISMISSAL
#define T_LDTT       TDKT__TITLE__TITLE_LDTT
#define T_CSTDCS     TDKT__TITLE__TITLE_CSTDCS
#define T_CSTD_NGANH TDKT__TITLE__TITLE_CSTD_NGANH
#define T_CSTD_TQ    TDKT__TITLE__TITLE_CSTD_TQ
#define T_TTLDTT     TDKT__TITLE__TITLE_TTLDTT
#define T_TTLDXS     TDKT__TITLE__TITLE_TTLDXS
#define T_CO_NGANH   TDKT__TITLE__TITLE_CO_NGANH
#define T_CO_DDK     TDKT__TITLE__TITLE_CO_DAN_DAU_KHOI
#define T_CO_CP      TDKT__TITLE__TITLE_CO_CP
#define T_BK_VT      TDKT__TITLE__TITLE_BK_VT
#define T_BK_TTG     TDKT__TITLE__TITLE_BK_TTG
#define T_HCLD_1     TDKT__TITLE__TITLE_HCLD_1
#define T_HCLD_2     TDKT__TITLE__TITLE_HCLD_2
#define T_HCLD_3     TDKT__TITLE__TITLE_HCLD_3
#define T_LAST       T_HCLD_3

/* The rule id and the Vietnamese short name of each title, by proto value. */
static const struct {
    const char *rule, *name;
} titles[T_LAST + 1] = {
    [T_LDTT] = {"LDTT", "LĐTT"},
    [T_CSTDCS] = {"CSTDCS", "CSTĐCS"},
    [T_CSTD_NGANH] = {"CSTD-NGANH", "CSTĐ ngành"},
    [T_CSTD_TQ] = {"CSTD-TQ", "CSTĐ toàn quốc"},
    [T_TTLDTT] = {"TTLDTT", "TTLĐTT"},
    [T_TTLDXS] = {"TTLDXS", "TTLĐXS"},
    [T_CO_NGANH] = {"CO-NGANH", "Cờ thi đua ngành"},
    [T_CO_DDK] = {"CO-DAN-DAU-KHOI", "Cờ dẫn đầu khối"},
    [T_CO_CP] = {"CO-CP", "Cờ thi đua Chính phủ"},
    [T_BK_VT] = {"BK-VT", "Bằng khen Viện trưởng"},
    [T_BK_TTG] = {"BK-TTG", "Bằng khen Thủ tướng"},
    [T_HCLD_1] = {"HCLD-1", "HCLĐ hạng Nhất"},
    [T_HCLD_2] = {"HCLD-2", "HCLĐ hạng Nhì"},
    [T_HCLD_3] = {"HCLD-3", "HCLĐ hạng Ba"},
};

static const char *const rating_names[] = {"unrated", "HTXSNV", "HTTNV", "HTNV", "KHTNV"};
static const char *const discipline_names[] = {"none",   "khiển trách", "cảnh cáo",
                                               "hạ bậc", "cách chức",   "buộc thôi việc"};

struct judge {
    const struct elig_proposal *p;
    const struct elig_rules *r;
    struct elig_verdict *out;
    int title;               /* the title being judged: the proposed one or a lower one */
    int depth;               /* 0: the proposed title; >0: a lower title it needs in Y */
    const char *policy_rule; /* the first pending policy question, NULL if none */
    const char *policy_key;
    char policy_why[ELIG_WHY_MAX];
};

static int is_person_title(int t)
{
    return t == T_LDTT || t == T_CSTDCS || t == T_CSTD_NGANH || t == T_CSTD_TQ;
}

static int is_unit_title(int t)
{
    return t == T_TTLDTT || t == T_TTLDXS || t == T_CO_NGANH || t == T_CO_DDK || t == T_CO_CP;
}

static void verdict_set(struct elig_verdict *v, enum elig_outcome o, const char *rule,
                        const char *key, unsigned year)
{
    v->outcome = o;
    v->rule = rule;
    v->key = key;
    v->year = year;
}

__attribute__((format(printf, 3, 0))) static void why_vset(char *buf, size_t cap, const char *fmt,
                                                           va_list ap)
{
    int n = utf8_vformat(buf, cap, fmt, ap);

    if (n >= 0 && (size_t)n >= cap)
        utf8_ellipsize(buf, cap);
}

__attribute__((format(printf, 4, 5))) static int refuse(struct elig_verdict *v, int rc,
                                                        const char *key, const char *fmt, ...)
{
    va_list ap;

    memset(v, 0, sizeof *v);
    verdict_set(v, ELIG_INELIGIBLE, "", key, 0);
    va_start(ap, fmt);
    why_vset(v->why, sizeof v->why, fmt, ap);
    va_end(ap);
    return rc;
}

/* A certain failure of rule in year: the verdict, at once. */
__attribute__((format(printf, 4, 5))) static int fail(struct judge *j, const char *rule,
                                                      unsigned year, const char *fmt, ...)
{
    va_list ap;

    verdict_set(j->out, ELIG_INELIGIBLE, rule, "", year);
    va_start(ap, fmt);
    why_vset(j->out->why, sizeof j->out->why, fmt, ap);
    va_end(ap);
    return FAIL;
}

/* Remember the first policy question; the judgement goes on. */
__attribute__((format(printf, 4, 5))) static void policy(struct judge *j, const char *rule,
                                                         const char *key, const char *fmt, ...)
{
    va_list ap;

    if (j->policy_rule != NULL)
        return;
    j->policy_rule = rule;
    j->policy_key = key;
    va_start(ap, fmt);
    why_vset(j->policy_why, sizeof j->policy_why, fmt, ap);
    va_end(ap);
}

/*
 * Read key into *v. 0: found and in range; HOLE: missing: a policy question
 * is now pending for rule, unless elig_keys.h gives the key a reading when
 * absent (the caller applies it); TDKT_EINVAL for a value out of range; the
 * getter's error otherwise.
 */
static int need(struct judge *j, const char *rule, const char *key, double *v)
{
    const struct elig_key *k = elig_key_find(key);
    int rc;

    if (k == NULL)
        return refuse(j->out, TDKT_EINVAL, key, "rule key %s is not in the key table", key);
    rc = j->r->get(j->r->arg, key, v);
    if (rc == TDKT_ENOTFOUND) {
        if (k->absent == NULL)
            policy(j, rule, key, "needs a policy decision: the rule set for %u has no value for %s",
                   j->p->year, key);
        return HOLE;
    }
    if (rc < 0)
        return refuse(j->out, rc, key, "rule value %s could not be read", key);
    if (!elig_key_in_range(k->kind, *v))
        return refuse(j->out, TDKT_EINVAL, key, "rule value %s = %g is out of its range", key, *v);
    return 0;
}

/* A flag whose absence has a reading (elig_keys.h): the value, or that
   reading; < 0 on a failure. */
static int flag_or_default(struct judge *j, const char *rule, const char *key)
{
    double v;
    int rc = need(j, rule, key, &v);

    if (rc < 0)
        return rc;
    if (rc == HOLE)
        return elig_key_find(key)->absent_value != 0;
    return v != 0;
}

/* n * 100 >= pct * of, the share test of every percentage rule. */
static int share_ok(unsigned n, unsigned of, double pct)
{
    return (double)n * 100.0 >= pct * (double)of;
}

static const struct elig_person_year *person_in(const struct elig_proposal *p, unsigned y)
{
    for (size_t i = 0; p->person != NULL && i < p->n; i++)
        if (p->person[i].year == y)
            return &p->person[i];
    return NULL;
}

static const struct elig_unit_year *unit_in(const struct elig_proposal *p, unsigned y)
{
    for (size_t i = 0; p->unit != NULL && i < p->n; i++)
        if (p->unit[i].year == y)
            return &p->unit[i];
    return NULL;
}

/* The subject's evaluation of year y: 1 evaluated (rating and titles set), 0 not. */
static int year_of(const struct elig_proposal *p, unsigned y, int *rating, uint32_t *held)
{
    const struct elig_person_year *py = person_in(p, y);
    const struct elig_unit_year *uy = unit_in(p, y);

    *rating = 0;
    *held = 0;
    /* A title decided for the year proves the year was evaluated, even when
     * the rating itself is not in the ledger (a decision entered from the
     * central office's files): the year counts, its rating unknown (0). */
    if (py != NULL && (py->evaluated || py->titles)) {
        *rating = py->evaluated ? py->rating : 0;
        *held = py->titles;
        return 1;
    }
    if (uy != NULL && (uy->evaluated || uy->titles)) {
        *rating = uy->evaluated ? uy->rating : 0;
        *held = uy->titles;
        return 1;
    }
    return 0;
}

static int judge_title(struct judge *j, int title);

/*
 * Does the subject hold title t in year y? Held titles count in any year; in
 * the proposal year a title not held yet counts when it is met now. Returns
 * 1 or 0 (sub gets the reason it is not met, when judged), or < 0.
 */
static int holds(struct judge *j, int t, unsigned y, struct elig_verdict *sub)
{
    int rating;
    uint32_t held;
    struct judge k;
    int rc;

    memset(sub, 0, sizeof *sub);
    sub->rule = "";
    sub->key = "";
    if (year_of(j->p, y, &rating, &held) && (held & (1u << t)))
        return 1;
    if (y != j->p->year || j->depth > 3)
        return 0;
    k = *j;
    k.out = sub;
    k.depth = j->depth + 1;
    k.policy_rule = NULL;
    rc = judge_title(&k, t);
    if (rc < 0) {
        *j->out = *sub;
        return rc;
    }
    if (rc == FAIL)
        return 0;
    if (k.policy_rule != NULL)
        policy(j, k.policy_rule, k.policy_key, "%s", k.policy_why);
    return 1;
}

/* Fail rule because t is not held in y; the reason carries the lower title's own. */
static int fail_lower(struct judge *j, const char *rule, int t, unsigned y,
                      const struct elig_verdict *sub)
{
    if (sub->outcome == ELIG_INELIGIBLE)
        return fail(j, sub->rule, y, "%s needs %s in %u: %s", titles[j->title].name, titles[t].name,
                    y, sub->why);
    return fail(j, rule, y, "%s needs %s in %u; not held", titles[j->title].name, titles[t].name,
                y);
}

/*
 * The run of n years ending in the proposal year: each evaluated and holding
 * title t (t > 0) or rated at least min_rating (t == 0). 0 on a full run.
 */
static int run(struct judge *j, const char *rule, unsigned n, int t, int min_rating,
               const char *what)
{
    unsigned y0 = j->p->year;

    if (n > y0)
        n = y0;
    for (unsigned i = 0; i < n; i++) {
        unsigned y = y0 - i;
        int rating, rc;
        uint32_t held;
        struct elig_verdict sub;

        /* A run of ratings above the lowest needs the rating itself: a year
         * known only by a decided title (rating 0) proves it was evaluated,
         * not how well. */
        if (!year_of(j->p, y, &rating, &held) || (t == 0 && rating == 0 && min_rating < R_FAILED))
            return fail(j, rule, y,
                        "%s needs %u consecutive years %s; the run breaks in %u: not evaluated",
                        titles[j->title].name, n, what, y);
        if (t > 0) {
            rc = holds(j, t, y, &sub);
            if (rc < 0)
                return rc;
            if (rc == 0)
                return sub.outcome == ELIG_INELIGIBLE
                           ? fail_lower(j, rule, t, y, &sub)
                           : fail(j, rule, y,
                                  "%s needs %u consecutive years %s; the run breaks in %u: no %s",
                                  titles[j->title].name, n, what, y, titles[t].name);
        } else if (rating > min_rating) {
            return fail(j, rule, y,
                        "%s needs %u consecutive years %s; the run breaks in %u: rated %s",
                        titles[j->title].name, n, what, y, rating_names[rating]);
        }
    }
    return PASS;
}

/* A counted vote against pct of the whole membership (VOTE-BASE). */
static int vote(struct judge *j, const char *rule, double pct, const char *body)
{
    const struct elig_ballot *b = &j->p->ballot;

    if (!b->present || b->roll == 0)
        return fail(j, rule, j->p->year, "%s needs the %s's vote; no result in the dossier",
                    titles[j->title].name, body);
    if (!share_ok(b->yes, b->roll, pct))
        return fail(j, rule, j->p->year,
                    "%u of the %s's %u members voted yes; %g%% of all members are needed", b->yes,
                    body, b->roll, pct);
    return PASS;
}

static unsigned initiatives_in(const struct judge *j, unsigned n, int min_scope)
{
    unsigned c = 0;

    for (unsigned i = 0; i < n && i < j->p->year; i++) {
        const struct elig_person_year *py = person_in(j->p, j->p->year - i);

        if (py == NULL)
            continue;
        c += py->initiatives.national;
        if (min_scope <= TDKT__SCOPE__SCOPE_SECTOR)
            c += py->initiatives.sector;
        if (min_scope <= TDKT__SCOPE__SCOPE_BASE)
            c += py->initiatives.base;
    }
    return c;
}

/* The emulation period of the proposal year (elig_period.h): the calendar
 * year unless the rule set gives year.start_month. */
static int period_get(struct judge *j, const char *rule, struct elig_period *out)
{
    double m = 1;
    int rc = need(j, rule, "year.start_month", &m);

    if (rc < 0)
        return rc;
    if (rc == HOLE)
        m = elig_key_find("year.start_month")->absent_value;
    if (elig_period_of(j->p->year, (unsigned)m, out) < 0)
        return refuse(j->out, TDKT_EINVAL, "year.start_month", "no emulation period for %u",
                      j->p->year);
    return 0;
}

/*
 * The person's discipline that counts in the period: a discipline dated within
 * it, on whichever year's facts it was filed, or one filed for the proposal
 * year without a date; NULL when none. One that already denied the title in
 * an earlier year is not counted again.
 */
static const struct elig_person_year *discipline_in(const struct judge *j,
                                                    const struct elig_period *pd)
{
    const struct elig_person_year *worst = NULL;

    for (size_t i = 0; i < j->p->n; i++) {
        const struct elig_person_year *f = &j->p->person[i];
        int in = f->disciplined_on.year != 0 ? elig_period_has(pd, &f->disciplined_on)
                                             : f->year == j->p->year;

        if (f->discipline != D_NONE && !f->discipline_counted_before && in &&
            (worst == NULL || f->discipline > worst->discipline))
            worst = f;
    }
    return worst;
}

static int judge_ldtt(struct judge *j)
{
    unsigned y = j->p->year;
    const struct elig_person_year *f = person_in(j->p, y), *dis;
    struct elig_period pd;
    char first[ELIG_DATE_TEXT], last[ELIG_DATE_TEXT];
    double v, lo, hi;
    int rc, rc2;

    if (f == NULL || !f->evaluated)
        return fail(j, "LDTT", y, "LĐTT needs an evaluation in %u; none", y);
    if (f->rating != R_EXCELLENT && f->rating != R_GOOD)
        return fail(j, "LDTT", y, "LĐTT needs HTTNV or better; rated %s in %u",
                    rating_names[f->rating], y);
    if ((rc = period_get(j, "LDTT", &pd)) < 0)
        return rc;
    elig_date_text(&pd.first, first);
    elig_date_text(&pd.last, last);
    if (f->recruited_on.year != 0 && elig_date_cmp(&f->recruited_on, &pd.first) >= 0) {
        unsigned served = elig_period_served(&f->recruited_on, &pd);
        char d[ELIG_DATE_TEXT];

        rc = need(j, "LDTT", "ldtt.min_months_recruited", &v);
        if (rc < 0)
            return rc;
        elig_date_text(&f->recruited_on, d);
        if (rc == 0 && served < v)
            return fail(
                j, "LDTT", y,
                "recruited on %s: %u full months served in %u, fewer than %g (period %s-%s)", d,
                served, y, v, first, last);
    }
    if (f->leave_months > 0) {
        rc = need(j, "LDTT", "ldtt.leave_months_min", &lo);
        rc2 = need(j, "LDTT", "ldtt.leave_months_max", &hi);
        if (rc < 0)
            return rc;
        if (rc2 < 0)
            return rc2;
        if (rc == 0 && rc2 == 0 && f->leave_months >= lo && f->leave_months < hi)
            return fail(j, "LDTT", y,
                        "on leave %u months in %u (maternity not counted); %g to under %g months "
                        "bars LĐTT",
                        f->leave_months, y, lo, hi);
        if (rc == 0 && rc2 == 0 && f->leave_months >= hi)
            policy(j, "LDTT", "ldtt.leave_months_max",
                   "needs a policy decision: on leave %u months in %u, at or past "
                   "ldtt.leave_months_max (%g), which the rule set does not cover",
                   f->leave_months, y, hi);
    }
    if ((dis = discipline_in(j, &pd)) != NULL) {
        char d[ELIG_DATE_TEXT];

        rc = need(j, "LDTT", "ldtt.discipline_min", &v);
        if (rc < 0)
            return rc;
        elig_date_text(&dis->disciplined_on, d);
        if (rc == 0 && dis->discipline >= v)
            return fail(j, "LDTT", y, "disciplined (%s) on %s, within %u (%s-%s); bars LĐTT",
                        discipline_names[dis->discipline], d, y, first, last);
    }
    return PASS;
}

/*
 * The paths that make a CSTĐCS (Law art. 23), as the rule set gives them:
 * cstdcs.via_htxsnv, cstdcs.via_initiative and cstdcs.via_research say which
 * of rated HTXSNV, an initiative recognised at base scope or wider, and an
 * accepted research topic is enough on its own (each the Law's path when
 * absent); cstdcs.requires_initiative = 1 asks for an initiative whatever the
 * path (a draft amendment). PASS, FAIL or < 0.
 */
static int cstdcs_path(struct judge *j, const struct elig_person_year *f)
{
    static const char *const keys[] = {"cstdcs.via_htxsnv", "cstdcs.via_initiative",
                                       "cstdcs.via_research", "cstdcs.requires_initiative"};
    static const char *const names[] = {"rated HTXSNV", "an initiative recognised at base scope",
                                        "an accepted research topic"};
    unsigned y = j->p->year;
    int initiative = f->initiatives.base + f->initiatives.sector + f->initiatives.national > 0;
    int met[3] = {f->rating == R_EXCELLENT, initiative, f->research != 0};
    int on[4], any = 0;
    char paths[ELIG_WHY_MAX] = "";

    for (int i = 0; i < 4; i++)
        if ((on[i] = flag_or_default(j, "CSTDCS", keys[i])) < 0)
            return on[i];
    if (on[3] && !initiative)
        return fail(j, "CSTDCS", y,
                    "CSTĐCS needs an initiative recognised at base scope or wider in %u "
                    "(cstdcs.requires_initiative); none",
                    y);
    for (int i = 0; i < 3; i++) {
        if (!on[i])
            continue;
        if (met[i])
            return PASS;
        any = 1;
        snprintf(paths + strlen(paths), sizeof paths - strlen(paths), "%s%s", *paths ? ", " : "",
                 names[i]);
    }
    if (!any)
        return on[3] ? PASS
                     : fail(j, "CSTDCS", y, "the rule set for %u opens no path to CSTĐCS", y);
    return fail(j, "CSTDCS", y, "CSTĐCS needs one of: %s; none in %u (rated %s)", paths, y,
                rating_names[f->rating]);
}

static int judge_cstdcs(struct judge *j)
{
    unsigned y = j->p->year;
    const struct elig_person_year *f;
    struct elig_verdict sub;
    double cap;
    int rc = holds(j, T_LDTT, y, &sub);

    if (rc < 0)
        return rc;
    if (rc == 0)
        return fail_lower(j, "CSTDCS", T_LDTT, y, &sub);
    f = person_in(j->p, y);
    if (f == NULL || !f->evaluated)
        return fail(j, "CSTDCS", y, "CSTĐCS needs an evaluation in %u; none", y);
    if ((rc = cstdcs_path(j, f)) != PASS)
        return rc;
    rc = need(j, "CSTDCS", "cstdcs.cap_pct", &cap);
    if (rc < 0)
        return rc;
    if (rc == 0 && (double)(j->p->unit_cstdcs_granted + 1) * 100.0 > cap * (double)j->p->unit_ldtt)
        return fail(j, "CSTDCS", y,
                    "cap: %u CSTĐCS already granted of the unit's %u LĐTT; at most %g%%",
                    j->p->unit_cstdcs_granted, j->p->unit_ldtt, cap);
    return PASS;
}

static int judge_cstd_nganh(struct judge *j)
{
    unsigned y = j->p->year;
    double n, pct;
    int rc = need(j, "CSTD-NGANH", "cstd_nganh.years", &n);

    if (rc < 0)
        return rc;
    if (rc == HOLE)
        return PASS;
    if ((rc = run(j, "CSTD-NGANH", (unsigned)n, T_CSTDCS, 0, "CSTĐCS")) != PASS)
        return rc;
    if (initiatives_in(j, (unsigned)n, TDKT__SCOPE__SCOPE_SECTOR) == 0)
        return fail(j, "CSTD-NGANH", y,
                    "CSTĐ ngành needs an initiative recognised sector-wide in %u-%u; none",
                    y - (unsigned)n + 1, y);
    rc = need(j, "CSTD-NGANH", "cstd_nganh.vote_pct", &pct);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return vote(j, "CSTD-NGANH", pct, "council");
    return PASS;
}

static int judge_cstd_tq(struct judge *j)
{
    unsigned y = j->p->year;
    double n, times;
    unsigned span;
    int rc = need(j, "CSTD-TQ", "cstd_nganh.years", &n);
    int rc2 = need(j, "CSTD-TQ", "cstd_tq.times", &times);

    if (rc < 0)
        return rc;
    if (rc2 < 0)
        return rc2;
    if (rc == HOLE || rc2 == HOLE)
        return PASS;
    span = (unsigned)n * (unsigned)times;
    if ((rc = run(j, "CSTD-TQ", span, 0, R_FAILED, "evaluated")) != PASS)
        return rc;
    for (unsigned i = 0; i < (unsigned)times && i * (unsigned)n < y; i++) {
        unsigned t = y - i * (unsigned)n;
        struct elig_verdict sub;

        rc = holds(j, T_CSTD_NGANH, t, &sub);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return fail_lower(j, "CSTD-TQ", T_CSTD_NGANH, t, &sub);
    }
    if (initiatives_in(j, span, TDKT__SCOPE__SCOPE_NATIONAL) == 0)
        return fail(j, "CSTD-TQ", y,
                    "CSTĐ toàn quốc needs an initiative of national scope in %u-%u; none",
                    y - span + 1, y);
    return PASS;
}

/* Is the unit's plan exceeded? PASS (also while a value is missing: the
   policy question is pending) or FAIL with the reason set for rule. */
static int exceeding(struct judge *j, const char *rule, const struct elig_unit_year *f)
{
    double pct;
    int rc;

    if (!f->exceeded_plan)
        return fail(j, rule, f->year, "%s needs the plan exceeded in %u; it was not",
                    titles[j->title].name, f->year);
    if (f->targets_met == f->targets_total)
        return PASS;
    rc = need(j, rule, "exceeding.targets_met_pct", &pct);
    if (rc < 0)
        return rc;
    if (rc == HOLE)
        return PASS;
    if (!share_ok(f->targets_met, f->targets_total, pct))
        return fail(j, rule, f->year,
                    "%s needs the plan exceeded; %u of %u targets met in %u, below %g%%",
                    titles[j->title].name, f->targets_met, f->targets_total, f->year, pct);
    return PASS;
}

static int judge_ttldtt(struct judge *j)
{
    unsigned y = j->p->year;
    const struct elig_unit_year *f = unit_in(j->p, y);
    double pct, dmin;
    int rc;

    if (f == NULL || !f->evaluated)
        return fail(j, "TTLDTT", y, "TTLĐTT needs an evaluation in %u; none", y);
    if (f->rating != R_EXCELLENT && f->rating != R_GOOD)
        return fail(j, "TTLDTT", y, "TTLĐTT needs HTTNV or better; rated %s in %u",
                    rating_names[f->rating], y);
    if (f->members == 0)
        return fail(j, "TTLDTT", y, "the unit reports no members in %u", y);
    rc = need(j, "TTLDTT", "ttldtt.members_ldtt_pct", &pct);
    if (rc < 0)
        return rc;
    if (rc == 0 && !share_ok(f->members_ldtt, f->members, pct))
        return fail(j, "TTLDTT", y, "%u of %u members LĐTT in %u, below %g%%", f->members_ldtt,
                    f->members, y, pct);
    if (f->member_discipline != D_NONE) {
        rc = need(j, "TTLDTT", "ttldtt.member_discipline_min", &dmin);
        if (rc < 0)
            return rc;
        if (rc == 0 && f->member_discipline >= dmin)
            return fail(j, "TTLDTT", y, "a member was disciplined (%s) in %u",
                        discipline_names[f->member_discipline], y);
    }
    return PASS;
}

static int judge_ttldxs(struct judge *j)
{
    unsigned y = j->p->year;
    const struct elig_unit_year *f;
    struct elig_verdict sub;
    double v;
    int rc = holds(j, T_TTLDTT, y, &sub);

    if (rc < 0)
        return rc;
    if (rc == 0)
        return fail_lower(j, "TTLDXS", T_TTLDTT, y, &sub);
    f = unit_in(j->p, y);
    if (f == NULL || !f->evaluated)
        return fail(j, "TTLDXS", y, "TTLĐXS needs an evaluation in %u; none", y);
    if (f->rating != R_EXCELLENT)
        return fail(j, "TTLDXS", y, "TTLĐXS needs HTXSNV; rated %s in %u", rating_names[f->rating],
                    y);
    if (!f->exceeded_plan || f->targets_met < f->targets_total) {
        rc = need(j, "TTLDXS", "htxsnv.requires_exceeding", &v);
        if (rc < 0)
            return rc;
        if (rc == 0 && v == 1 && (rc = exceeding(j, "TTLDXS", f)) != PASS)
            return rc;
    }
    if (f->members == 0)
        return fail(j, "TTLDXS", y, "the unit reports no members in %u", y);
    rc = need(j, "TTLDXS", "ttldxs.members_completed_pct", &v);
    if (rc < 0)
        return rc;
    if (rc == 0 && !share_ok(f->members_completed, f->members, v))
        return fail(j, "TTLDXS", y, "%u of %u members completed their duties in %u, below %g%%",
                    f->members_completed, f->members, y, v);
    rc = need(j, "TTLDXS", "ttldxs.members_ldtt_pct", &v);
    if (rc < 0)
        return rc;
    if (rc == 0 && !share_ok(f->members_ldtt, f->members, v))
        return fail(j, "TTLDXS", y, "%u of %u members LĐTT in %u, below %g%%", f->members_ldtt,
                    f->members, y, v);
    rc = need(j, "TTLDXS", "ttldxs.cstdcs_min", &v);
    if (rc < 0)
        return rc;
    if (rc == 0 && f->members_cstdcs < v)
        return fail(j, "TTLDXS", y, "%u members CSTĐCS in %u, fewer than %g", f->members_cstdcs, y,
                    v);
    rc = need(j, "TTLDXS", "ttldxs.quota_pct", &v);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        unsigned q = elig_ttldxs_quota(j->p->ttldtt_units, v);

        if (j->p->ttldxs_granted >= q)
            return fail(j, "TTLDXS", y,
                        "quota: %u TTLĐXS of %u allowed (%g%% of %u TTLĐTT units) already "
                        "granted in %u",
                        j->p->ttldxs_granted, q, v, j->p->ttldtt_units, y);
    }
    return PASS;
}

static int judge_co_nganh(struct judge *j)
{
    unsigned y = j->p->year;
    const struct elig_unit_year *f;
    struct elig_verdict sub;
    double pct;
    int rc;

    /* A second claim on the cluster's flag fails whatever else holds. */
    if (j->p->cluster_flags > 0) {
        rc = need(j, "CO-NGANH", "co_nganh.per_cluster", &pct);
        if (rc < 0)
            return rc;
        if (rc == 0 && j->p->cluster_flags >= pct)
            return fail(j, "CO-NGANH", y,
                        "the cluster already has a Cờ thi đua ngành proposed or decided for %u "
                        "(%s); at most %g per cluster",
                        y, j->p->cluster_flag_unit ? j->p->cluster_flag_unit : "another unit", pct);
    }
    rc = holds(j, T_TTLDXS, y, &sub);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return fail_lower(j, "CO-NGANH", T_TTLDXS, y, &sub);
    f = unit_in(j->p, y);
    if (f == NULL || !f->evaluated)
        return fail(j, "CO-NGANH", y, "Cờ thi đua ngành needs an evaluation in %u; none", y);
    if ((rc = exceeding(j, "CO-NGANH", f)) < 0 || rc == FAIL)
        return rc;
    if (!j->p->leads_cluster)
        return fail(j, "CO-NGANH", y, "Cờ thi đua ngành goes to the unit leading its cluster in %u",
                    y);
    rc = need(j, "CO-NGANH", "vote.flag.threshold_pct", &pct);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return vote(j, "CO-NGANH", pct, "cluster");
    return PASS;
}

static int judge_co_cp(struct judge *j)
{
    unsigned y = j->p->year;

    if (!j->p->leads_cluster)
        return fail(j, "CO-CP", y, "Cờ thi đua Chính phủ goes to a unit leading its cluster in %u",
                    y);
    if (!j->p->secret_ballot)
        return fail(j, "CO-CP", y,
                    "Cờ thi đua Chính phủ needs the council's secret-ballot result in the dossier");
    return PASS;
}

/* BK-VT's HTXSNV path: n years rated HTXSNV with bk_vt.initiatives among them. */
static int bk_vt_htxsnv(struct judge *j, unsigned n)
{
    unsigned y = j->p->year, got;
    double k;
    int rc = run(j, "BK-VT", n, 0, R_EXCELLENT, "HTXSNV");

    if (rc != PASS)
        return rc;
    rc = need(j, "BK-VT", "bk_vt.initiatives", &k);
    if (rc < 0)
        return rc;
    if (rc == HOLE)
        return PASS;
    got = initiatives_in(j, n, TDKT__SCOPE__SCOPE_BASE);
    if (got >= k)
        return PASS;
    return fail(j, "BK-VT", y, "%g initiatives needed in %u-%u on the HTXSNV path; %u recognised",
                k, y - n + 1, y, got);
}

/* BK-VT (Law art. 74): the CSTĐCS path, or the HTXSNV path, each open unless
 * the rule set closes it (bk_vt.via_cstdcs, bk_vt.via_htxsnv). */
static int judge_bk_vt(struct judge *j)
{
    unsigned y = j->p->year;
    char why_a[ELIG_WHY_MAX], why_b[ELIG_WHY_MAX];
    unsigned year_a;
    double n;
    int rc = need(j, "BK-VT", "bk_vt.years", &n);
    int via_a = flag_or_default(j, "BK-VT", "bk_vt.via_cstdcs");
    int via_b = flag_or_default(j, "BK-VT", "bk_vt.via_htxsnv");

    if (rc < 0)
        return rc;
    if (via_a < 0)
        return via_a;
    if (via_b < 0)
        return via_b;
    if (rc == HOLE)
        return PASS;
    if (!via_a && !via_b)
        return fail(j, "BK-VT", y, "the rule set for %u opens no path to BK Viện trưởng", y);
    if (!via_a)
        return bk_vt_htxsnv(j, (unsigned)n);
    rc = run(j, "BK-VT", (unsigned)n, T_CSTDCS, 0, "CSTĐCS");
    if (rc != FAIL || !via_b)
        return rc;
    /* Path A failed: keep its reason and try the HTXSNV path. */
    snprintf(why_a, sizeof why_a, "%s", j->out->why);
    year_a = j->out->year;
    rc = bk_vt_htxsnv(j, (unsigned)n);
    if (rc != FAIL)
        return rc;
    snprintf(why_b, sizeof why_b, "%s", j->out->why);
    return fail(j, "BK-VT", year_a, "%s; nor on the HTXSNV path: %s", why_a, why_b);
}

/* BK-TTG and HCLD-3: years after a prior award, rated HTTNV or better, with c CSTĐCS. */
static int judge_after_award(struct judge *j, const char *rule, unsigned since, const char *award,
                             const char *years_key, const char *cstdcs_key)
{
    unsigned y = j->p->year, got = 0;
    double n, c;
    int rc = need(j, rule, years_key, &n);
    int rc2 = need(j, rule, cstdcs_key, &c);

    if (rc < 0)
        return rc;
    if (rc2 < 0)
        return rc2;
    if (since == 0)
        return fail(j, rule, y, "%s needs a prior %s; none held", titles[j->title].name, award);
    if (rc == HOLE)
        return PASS;
    if (since + (unsigned)n > y)
        return fail(j, rule, y, "%s needs %g years after the %s of %u; only %u by %u",
                    titles[j->title].name, n, award, since, y > since ? y - since : 0, y);
    if ((rc = run(j, rule, (unsigned)n, 0, R_GOOD, "rated HTTNV or better")) != PASS)
        return rc;
    if (rc2 == HOLE)
        return PASS;
    for (unsigned i = 0; i < (unsigned)n; i++) {
        struct elig_verdict sub;

        rc = holds(j, T_CSTDCS, y - i, &sub);
        if (rc < 0)
            return rc;
        got += (unsigned)rc;
    }
    if (got < c)
        return fail(j, rule, y, "%s needs %g CSTĐCS in %u-%u; %u", titles[j->title].name, c,
                    y - (unsigned)n + 1, y, got);
    return PASS;
}

static int judge_bk_ttg(struct judge *j)
{
    double pct;
    int rc = judge_after_award(j, "BK-TTG", j->p->bk_sector_year, "sector Bằng khen",
                               "bk_ttg.years", "bk_ttg.cstdcs");

    if (rc != PASS)
        return rc;
    rc = need(j, "BK-TTG", "bk_ttg.vote_pct", &pct);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return vote(j, "BK-TTG", pct, "council");
    return PASS;
}

static int judge_title(struct judge *j, int title)
{
    int person = j->p->person != NULL;

    j->title = title;
    switch (title) {
    case T_LDTT:
        return judge_ldtt(j);
    case T_CSTDCS:
        return judge_cstdcs(j);
    case T_CSTD_NGANH:
        return judge_cstd_nganh(j);
    case T_CSTD_TQ:
        return judge_cstd_tq(j);
    case T_TTLDTT:
        return judge_ttldtt(j);
    case T_TTLDXS:
        return judge_ttldxs(j);
    case T_CO_NGANH:
        return judge_co_nganh(j);
    case T_CO_CP:
        return judge_co_cp(j);
    case T_BK_VT:
    case T_BK_TTG:
    case T_HCLD_3:
        if (!person) {
            policy(j, titles[title].rule, "",
                   "needs a policy decision: domain rules give no criteria for a unit's %s",
                   titles[title].name);
            return PASS;
        }
        if (title == T_BK_VT)
            return judge_bk_vt(j);
        if (title == T_BK_TTG)
            return judge_bk_ttg(j);
        return judge_after_award(j, "HCLD-3", j->p->bk_ttg_year, "Bằng khen Thủ tướng",
                                 "hcld3.years", "hcld3.cstdcs");
    default:
        policy(j, titles[title].rule, "",
               "needs a policy decision: domain rules give no criteria for %s", titles[title].name);
        return PASS;
    }
}

static int check_input(const struct elig_proposal *p, struct elig_verdict *out)
{
    int person = p->person != NULL;

    if ((p->person == NULL) == (p->unit == NULL))
        return refuse(out, TDKT_EINVAL, "", "a proposal names exactly one person or one unit");
    if (p->n > ELIG_YEARS_MAX)
        return refuse(out, TDKT_EINVAL, "", "history of %zu years; at most %d", p->n,
                      ELIG_YEARS_MAX);
    if (p->year < 1 || p->year > ELIG_YEAR_MAX)
        return refuse(out, TDKT_EINVAL, "", "year %u is not a year", p->year);
    if (p->title < T_LDTT || p->title > T_LAST)
        return refuse(out, TDKT_EINVAL, "", "title %d is not a title", p->title);
    if ((person && is_unit_title(p->title)) || (!person && is_person_title(p->title)))
        return refuse(out, TDKT_EINVAL, "", "%s is not a title for a %s", titles[p->title].name,
                      person ? "person" : "unit");
    for (size_t i = 0; i < p->n; i++) {
        unsigned y = person ? p->person[i].year : p->unit[i].year;
        int ev = person ? p->person[i].evaluated : p->unit[i].evaluated;
        int rating = person ? p->person[i].rating : p->unit[i].rating;

        if (y < 1 || y > ELIG_YEAR_MAX)
            return refuse(out, TDKT_EINVAL, "", "history year %u is not a year", y);
        for (size_t k = 0; k < i; k++)
            if ((person ? p->person[k].year : p->unit[k].year) == y)
                return refuse(out, TDKT_EINVAL, "", "history has year %u twice", y);
        if (rating < 0 || rating > R_FAILED || (ev && rating == 0))
            return refuse(out, TDKT_EINVAL, "", "%u: rating %d is not a rating", y, rating);
        if (person) {
            const struct elig_person_year *f = &p->person[i];

            if (f->leave_months > 12 || f->maternity_months > 12 ||
                f->leave_months + f->maternity_months > 12)
                return refuse(out, TDKT_EINVAL, "", "%u: more than 12 months of leave", y);
            if (f->discipline < D_NONE || f->discipline > D_MAX)
                return refuse(out, TDKT_EINVAL, "", "%u: discipline %d is not a level", y,
                              f->discipline);
            if (!elig_date_valid(&f->recruited_on) || !elig_date_valid(&f->disciplined_on))
                return refuse(out, TDKT_EINVAL, "", "%u: a date is not a calendar date", y);
        } else {
            const struct elig_unit_year *f = &p->unit[i];

            if (f->members_completed > f->members || f->members_ldtt > f->members ||
                f->members_cstdcs > f->members || f->targets_met > f->targets_total)
                return refuse(out, TDKT_EINVAL, "", "%u: counts past the members or targets", y);
            if (f->member_discipline < D_NONE || f->member_discipline > D_MAX)
                return refuse(out, TDKT_EINVAL, "", "%u: discipline %d is not a level", y,
                              f->member_discipline);
        }
    }
    return 0;
}

int elig_judge(const struct elig_proposal *p, const struct elig_rules *r, struct elig_verdict *out)
{
    struct judge j;
    uint32_t held = 0;
    int rc;

    if (out == NULL)
        return TDKT_EINVAL;
    if (p == NULL || r == NULL || r->get == NULL)
        return refuse(out, TDKT_EINVAL, "", "no proposal or no rule set");
    if ((rc = check_input(p, out)) != 0)
        return rc;
    memset(out, 0, sizeof *out);
    verdict_set(out, ELIG_ELIGIBLE, "", "", 0);
    if (p->unit != NULL) {
        const struct elig_unit_year *f = unit_in(p, p->year);

        if (f != NULL && f->dissolved) {
            verdict_set(out, ELIG_BLOCKED, "DISSOLVED", "", p->year);
            snprintf(out->why, sizeof out->why,
                     "the unit was dissolved in %u: no commendation for a dissolved unit", p->year);
            return 0;
        }
        if (f != NULL && f->under_review) {
            verdict_set(out, ELIG_DEFERRED, "DEFER", "", p->year);
            snprintf(out->why, sizeof out->why,
                     "the unit is under review in %u; the proposal waits for its outcome", p->year);
            return 0;
        }
    } else {
        const struct elig_person_year *f = person_in(p, p->year);

        if (f != NULL && f->under_review) {
            verdict_set(out, ELIG_DEFERRED, "DEFER", "", p->year);
            snprintf(out->why, sizeof out->why,
                     "the person is under review in %u; the proposal waits for its outcome",
                     p->year);
            return 0;
        }
    }
    if (p->ballot_pending) {
        verdict_set(out, ELIG_DEFERRED, "VOTE-PENDING", "", p->year);
        snprintf(out->why, sizeof out->why,
                 "the ballot named in the dossier has no published result yet; the proposal "
                 "waits for its publication");
        return 0;
    }
    if (p->person != NULL && person_in(p, p->year) != NULL)
        held = person_in(p, p->year)->titles;
    if (p->unit != NULL && unit_in(p, p->year) != NULL)
        held = unit_in(p, p->year)->titles;
    if (p->already_awarded || (held & (1u << p->title))) {
        verdict_set(out, ELIG_INELIGIBLE, "ONCE", "", p->year);
        snprintf(out->why, sizeof out->why,
                 "%s for %u is already awarded; one achievement is "
                 "rewarded once",
                 titles[p->title].name, p->year);
        return 0;
    }
    memset(&j, 0, sizeof j);
    j.p = p;
    j.r = r;
    j.out = out;
    rc = judge_title(&j, p->title);
    if (rc < 0)
        return rc;
    if (rc == FAIL)
        return 0;
    if (j.policy_rule != NULL) {
        verdict_set(out, ELIG_POLICY, j.policy_rule, j.policy_key, p->year);
        snprintf(out->why, sizeof out->why, "%s", j.policy_why);
        return 0;
    }
    verdict_set(out, ELIG_ELIGIBLE, "", "", 0);
    snprintf(out->why, sizeof out->why, "meets %s for %u", titles[p->title].name, p->year);
    return 0;
}

const char *elig_outcome_name(enum elig_outcome o)
{
    switch (o) {
    case ELIG_ELIGIBLE:
        return "eligible";
    case ELIG_INELIGIBLE:
        return "ineligible";
    case ELIG_DEFERRED:
        return "deferred";
    case ELIG_BLOCKED:
        return "blocked";
    case ELIG_POLICY:
        return "policy";
    }
    return "unknown";
}
