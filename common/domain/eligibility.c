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
#include "elig_judge.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/domain/elig_keys.h"
#include "common/domain/elig_quota.h"
#include "common/err.h"
#include "common/wire/utf8.h"
#include "proto/tdkt.pb-c.h"

/* The rule id and the Vietnamese short name of each title, by proto value. */
const struct elig_title_name elig_titles[T_LAST + 1] = {
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

const char *const elig_rating_names[ELIG_RATINGS] = {"unrated", "HTXSNV", "HTTNV", "HTNV", "KHTNV"};
const char *const elig_discipline_names[ELIG_DISCIPLINES] = {
    "none", "khiển trách", "cảnh cáo", "hạ bậc", "cách chức", "buộc thôi việc"};

static int is_person_title(int t)
{
    return t == T_LDTT || t == T_CSTDCS || t == T_CSTD_NGANH || t == T_CSTD_TQ;
}

static int is_unit_title(int t)
{
    return t == T_TTLDTT || t == T_TTLDXS || t == T_CO_NGANH || t == T_CO_DDK || t == T_CO_CP;
}

void elig_verdict_set(struct elig_verdict *v, enum elig_outcome o, const char *rule,
                      const char *key, unsigned year)
{
    v->outcome = o;
    v->rule = rule;
    v->key = key;
    v->year = year;
}

__attribute__((format(printf, 4, 5))) int elig_refuse(struct elig_verdict *v, int rc,
                                                      const char *key, const char *fmt, ...)
{
    va_list ap;

    memset(v, 0, sizeof *v);
    elig_verdict_set(v, ELIG_INELIGIBLE, "", key, 0);
    va_start(ap, fmt);
    reason_vset(&v->why, fmt, ap);
    va_end(ap);
    return rc;
}

/* A certain failure of rule in year: the verdict, at once. */
__attribute__((format(printf, 4, 5))) int elig_fail(struct judge *j, const char *rule,
                                                    unsigned year, const char *fmt, ...)
{
    va_list ap;

    elig_verdict_set(j->out, ELIG_INELIGIBLE, rule, "", year);
    va_start(ap, fmt);
    reason_vset(&j->out->why, fmt, ap);
    j->out->cause.text[0] = '\0';
    j->out->cause.fmt[0] = '\0';
    va_end(ap);
    return FAIL;
}

/* Remember the first policy question; the judgement goes on. */
__attribute__((format(printf, 4, 5))) void elig_policy(struct judge *j, const char *rule,
                                                       const char *key, const char *fmt, ...)
{
    va_list ap;

    if (j->policy_rule != NULL)
        return;
    j->policy_rule = rule;
    j->policy_key = key;
    va_start(ap, fmt);
    reason_vset(&j->policy_why, fmt, ap);
    va_end(ap);
}

/*
 * Read key into *v. 0: found and in range; HOLE: missing: a policy question
 * is now pending for rule, unless elig_keys.h gives the key a reading when
 * absent (the caller applies it); TDKT_EINVAL for a value out of range; the
 * getter's error otherwise.
 */
int elig_need(struct judge *j, const char *rule, const char *key, double *v)
{
    const struct elig_key *k = elig_key_find(key);
    int rc;

    if (k == NULL)
        return elig_refuse(j->out, TDKT_EINVAL, key, "rule key %s is not in the key table", key);
    rc = j->r->get(j->r->arg, key, v);
    if (rc == TDKT_ENOTFOUND) {
        if (k->absent == NULL)
            elig_policy(j, rule, key,
                        "needs a policy decision: the rule set for %u has no value for %s",
                        j->p->year, key);
        return HOLE;
    }
    if (rc < 0)
        return elig_refuse(j->out, rc, key, "rule value %s could not be read", key);
    if (!elig_key_in_range(k->kind, *v))
        return elig_refuse(j->out, TDKT_EINVAL, key, "rule value %s = %g is out of its range", key,
                           *v);
    return 0;
}

/* A flag whose absence has a reading (elig_keys.h): the value, or that
   reading; < 0 on a failure. */
int elig_flag_or_default(struct judge *j, const char *rule, const char *key)
{
    double v;
    int rc = elig_need(j, rule, key, &v);

    if (rc < 0)
        return rc;
    if (rc == HOLE)
        return elig_key_find(key)->absent_value != 0;
    return v != 0;
}

/* n * 100 >= pct * of, the share test of every percentage rule. */
int elig_share_ok(unsigned n, unsigned of, double pct)
{
    return (double)n * 100.0 >= pct * (double)of;
}

const struct elig_person_year *elig_person_in(const struct elig_proposal *p, unsigned y)
{
    for (size_t i = 0; p->person != NULL && i < p->n; i++)
        if (p->person[i].year == y)
            return &p->person[i];
    return NULL;
}

const struct elig_unit_year *elig_unit_in(const struct elig_proposal *p, unsigned y)
{
    for (size_t i = 0; p->unit != NULL && i < p->n; i++)
        if (p->unit[i].year == y)
            return &p->unit[i];
    return NULL;
}

/* The subject's evaluation of year y: 1 evaluated (rating and titles set), 0 not. */
int elig_year_of(const struct elig_proposal *p, unsigned y, int *rating, uint32_t *held)
{
    const struct elig_person_year *py = elig_person_in(p, y);
    const struct elig_unit_year *uy = elig_unit_in(p, y);

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

/*
 * Does the subject hold title t in year y? Held titles count in any year; in
 * the proposal year a title not held yet counts when it is met now. Returns
 * 1 or 0 (sub gets the reason it is not met, when judged), or < 0.
 */
int elig_holds(struct judge *j, int t, unsigned y, struct elig_verdict *sub)
{
    int rating;
    uint32_t held;
    struct judge k;
    int rc;

    memset(sub, 0, sizeof *sub);
    sub->rule = "";
    sub->key = "";
    if (elig_year_of(j->p, y, &rating, &held) && (held & (1u << t)))
        return 1;
    if (y != j->p->year || j->depth > 3)
        return 0;
    k = *j;
    k.out = sub;
    k.depth = j->depth + 1;
    k.policy_rule = NULL;
    rc = elig_judge_title(&k, t);
    if (rc < 0) {
        *j->out = *sub;
        return rc;
    }
    if (rc == FAIL)
        return 0;
    if (k.policy_rule != NULL && j->policy_rule == NULL) {
        j->policy_rule = k.policy_rule;
        j->policy_key = k.policy_key;
        j->policy_why = k.policy_why;
    }
    return 1;
}

/* Fail rule because t is not held in y; the reason carries the lower title's own. */
int elig_fail_lower(struct judge *j, const char *rule, int t, unsigned y,
                    const struct elig_verdict *sub)
{
    if (sub->outcome == ELIG_INELIGIBLE) {
        struct reason cause = sub->why;

        elig_fail(j, sub->rule, y, "%s needs %s in %u: %s", elig_titles[j->title].name,
                  elig_titles[t].name, y, cause.text);
        j->out->cause = cause;
        return FAIL;
    }
    return elig_fail(j, rule, y, "%s needs %s in %u; not held", elig_titles[j->title].name,
                     elig_titles[t].name, y);
}

/*
 * The run of n years ending in the proposal year: each evaluated and holding
 * title t (t > 0) or rated at least min_rating (t == 0). 0 on a full run.
 */
int elig_run(struct judge *j, const char *rule, unsigned n, int t, int min_rating, const char *what)
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
        if (!elig_year_of(j->p, y, &rating, &held) ||
            (t == 0 && rating == 0 && min_rating < R_FAILED))
            return elig_fail(
                j, rule, y, "%s needs %u consecutive years %s; the run breaks in %u: not evaluated",
                elig_titles[j->title].name, n, what, y);
        if (t > 0) {
            rc = elig_holds(j, t, y, &sub);
            if (rc < 0)
                return rc;
            if (rc == 0)
                return sub.outcome == ELIG_INELIGIBLE
                           ? elig_fail_lower(j, rule, t, y, &sub)
                           : elig_fail(
                                 j, rule, y,
                                 "%s needs %u consecutive years %s; the run breaks in %u: no %s",
                                 elig_titles[j->title].name, n, what, y, elig_titles[t].name);
        } else if (rating > min_rating) {
            return elig_fail(j, rule, y,
                             "%s needs %u consecutive years %s; the run breaks in %u: rated %s",
                             elig_titles[j->title].name, n, what, y, elig_rating_names[rating]);
        }
    }
    return PASS;
}

/* A counted vote against pct of the whole membership (VOTE-BASE). */
int elig_vote(struct judge *j, const char *rule, double pct, const char *body)
{
    const struct elig_ballot *b = &j->p->ballot;

    if (!b->present || b->roll == 0)
        return elig_fail(j, rule, j->p->year, "%s needs the %s's vote; no result in the dossier",
                         elig_titles[j->title].name, body);
    if (!elig_share_ok(b->yes, b->roll, pct)) {
        if (b->ref == NULL || *b->ref == '\0')
            return elig_fail(j, rule, j->p->year,
                             "%u of the %s's %u members voted yes; %g%% of all members are needed",
                             b->yes, body, b->roll, pct);
        return elig_fail(
            j, rule, j->p->year,
            "%u of the %s's %u members voted yes in vote %s; %g%% of all members are needed",
            b->yes, body, b->roll, b->ref, pct);
    }
    j->vote_body = body;
    j->vote_pct = pct;
    return PASS;
}

unsigned elig_initiatives_in(const struct judge *j, unsigned n, int min_scope)
{
    unsigned c = 0;

    for (unsigned i = 0; i < n && i < j->p->year; i++) {
        const struct elig_person_year *py = elig_person_in(j->p, j->p->year - i);

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

int elig_judge_title(struct judge *j, int title)
{
    int person = j->p->person != NULL;

    j->title = title;
    switch (title) {
    case T_LDTT:
        return elig_judge_ldtt(j);
    case T_CSTDCS:
        return elig_judge_cstdcs(j);
    case T_CSTD_NGANH:
        return elig_judge_cstd_nganh(j);
    case T_CSTD_TQ:
        return elig_judge_cstd_tq(j);
    case T_TTLDTT:
        return elig_judge_ttldtt(j);
    case T_TTLDXS:
        return elig_judge_ttldxs(j);
    case T_CO_NGANH:
        return elig_judge_co_nganh(j);
    case T_CO_CP:
        return elig_judge_co_cp(j);
    case T_BK_VT:
    case T_BK_TTG:
    case T_HCLD_3:
        if (!person) {
            elig_policy(j, elig_titles[title].rule, "",
                        "needs a policy decision: domain rules give no criteria for a unit's %s",
                        elig_titles[title].name);
            return PASS;
        }
        if (title == T_BK_VT)
            return elig_judge_bk_vt(j);
        if (title == T_BK_TTG)
            return elig_judge_bk_ttg(j);
        return elig_judge_after_award(j, "HCLD-3", j->p->bk_ttg_year, "Bằng khen Thủ tướng",
                                      "hcld3.years", "hcld3.cstdcs");
    default:
        elig_policy(j, elig_titles[title].rule, "",
                    "needs a policy decision: domain rules give no criteria for %s",
                    elig_titles[title].name);
        return PASS;
    }
}

static int check_input(const struct elig_proposal *p, struct elig_verdict *out)
{
    int person = p->person != NULL;

    if ((p->person == NULL) == (p->unit == NULL))
        return elig_refuse(out, TDKT_EINVAL, "", "a proposal names exactly one person or one unit");
    if (p->n > ELIG_YEARS_MAX)
        return elig_refuse(out, TDKT_EINVAL, "", "history of %zu years; at most %d", p->n,
                           ELIG_YEARS_MAX);
    if (p->year < 1 || p->year > ELIG_YEAR_MAX)
        return elig_refuse(out, TDKT_EINVAL, "", "year %u is not a year", p->year);
    if (p->title < T_LDTT || p->title > T_LAST)
        return elig_refuse(out, TDKT_EINVAL, "", "title %d is not a title", p->title);
    if ((person && is_unit_title(p->title)) || (!person && is_person_title(p->title)))
        return elig_refuse(out, TDKT_EINVAL, "", "%s is not a title for a %s",
                           elig_titles[p->title].name, person ? N_("person") : N_("unit"));
    for (size_t i = 0; i < p->n; i++) {
        unsigned y = person ? p->person[i].year : p->unit[i].year;
        int ev = person ? p->person[i].evaluated : p->unit[i].evaluated;
        int rating = person ? p->person[i].rating : p->unit[i].rating;

        if (y < 1 || y > ELIG_YEAR_MAX)
            return elig_refuse(out, TDKT_EINVAL, "", "history year %u is not a year", y);
        for (size_t k = 0; k < i; k++)
            if ((person ? p->person[k].year : p->unit[k].year) == y)
                return elig_refuse(out, TDKT_EINVAL, "", "history has year %u twice", y);
        if (rating < 0 || rating > R_FAILED || (ev && rating == 0))
            return elig_refuse(out, TDKT_EINVAL, "", "%u: rating %d is not a rating", y, rating);
        if (person) {
            const struct elig_person_year *f = &p->person[i];

            if (f->leave_months > 12 || f->maternity_months > 12 ||
                f->leave_months + f->maternity_months > 12)
                return elig_refuse(out, TDKT_EINVAL, "", "%u: more than 12 months of leave", y);
            if (f->discipline < D_NONE || f->discipline > D_MAX)
                return elig_refuse(out, TDKT_EINVAL, "", "%u: discipline %d is not a level", y,
                                   f->discipline);
            if (!elig_date_valid(&f->recruited_on) || !elig_date_valid(&f->disciplined_on))
                return elig_refuse(out, TDKT_EINVAL, "", "%u: a date is not a calendar date", y);
        } else {
            const struct elig_unit_year *f = &p->unit[i];

            if (f->members_completed > f->members || f->members_ldtt > f->members ||
                f->members_cstdcs > f->members || f->targets_met > f->targets_total)
                return elig_refuse(out, TDKT_EINVAL, "", "%u: counts past the members or targets",
                                   y);
            if (f->member_discipline < D_NONE || f->member_discipline > D_MAX)
                return elig_refuse(out, TDKT_EINVAL, "", "%u: discipline %d is not a level", y,
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
        return elig_refuse(out, TDKT_EINVAL, "", "no proposal or no rule set");
    if ((rc = check_input(p, out)) != 0)
        return rc;
    memset(out, 0, sizeof *out);
    elig_verdict_set(out, ELIG_ELIGIBLE, "", "", 0);
    if (p->unit != NULL) {
        const struct elig_unit_year *f = elig_unit_in(p, p->year);

        if (f != NULL && f->dissolved) {
            elig_verdict_set(out, ELIG_BLOCKED, "DISSOLVED", "", p->year);
            reason_set(&out->why,
                       "the unit was dissolved in %u: no commendation for a dissolved unit",
                       p->year);
            return 0;
        }
        if (f != NULL && f->under_review) {
            elig_verdict_set(out, ELIG_DEFERRED, "DEFER", "", p->year);
            reason_set(&out->why,
                       "the unit is under review in %u; the proposal waits for its outcome",
                       p->year);
            return 0;
        }
    } else {
        const struct elig_person_year *f = elig_person_in(p, p->year);

        if (f != NULL && f->under_review) {
            elig_verdict_set(out, ELIG_DEFERRED, "DEFER", "", p->year);
            reason_set(&out->why,
                       "the person is under review in %u; the proposal waits for its outcome",
                       p->year);
            return 0;
        }
    }
    if (p->ballot_pending) {
        elig_verdict_set(out, ELIG_DEFERRED, "VOTE-PENDING", "", p->year);
        if (p->vote_open)
            reason_set(&out->why,
                       "the Council's electronic vote %s on it is still open; the proposal waits "
                       "for its close",
                       p->vote_open);
        else
            reason_set(&out->why,
                       "the ballot named in the dossier has no published result yet; the "
                       "proposal waits for its publication");
        return 0;
    }
    if (p->person != NULL && elig_person_in(p, p->year) != NULL)
        held = elig_person_in(p, p->year)->titles;
    if (p->unit != NULL && elig_unit_in(p, p->year) != NULL)
        held = elig_unit_in(p, p->year)->titles;
    if (p->already_awarded || (held & (1u << p->title))) {
        elig_verdict_set(out, ELIG_INELIGIBLE, "ONCE", "", p->year);
        reason_set(&out->why,
                   "%s for %u is already awarded; one achievement is "
                   "rewarded once",
                   elig_titles[p->title].name, p->year);
        return 0;
    }
    memset(&j, 0, sizeof j);
    j.p = p;
    j.r = r;
    j.out = out;
    rc = elig_judge_title(&j, p->title);
    if (rc < 0)
        return rc;
    if (rc == FAIL)
        return 0;
    if (j.policy_rule != NULL) {
        elig_verdict_set(out, ELIG_POLICY, j.policy_rule, j.policy_key, p->year);
        out->why = j.policy_why;
        return 0;
    }
    elig_verdict_set(out, ELIG_ELIGIBLE, "", "", 0);
    if (j.vote_body != NULL && p->ballot.ref != NULL && *p->ballot.ref != '\0')
        reason_set(&out->why,
                   "meets %s for %u (%u of the %s's %u members voted yes in vote %s, %g%% needed)",
                   elig_titles[p->title].name, p->year, p->ballot.yes, j.vote_body, p->ballot.roll,
                   p->ballot.ref, j.vote_pct);
    else if (j.vote_body != NULL)
        reason_set(&out->why, "meets %s for %u (%u of the %s's %u members voted yes, %g%% needed)",
                   elig_titles[p->title].name, p->year, p->ballot.yes, j.vote_body, p->ballot.roll,
                   j.vote_pct);
    else
        reason_set(&out->why, "meets %s for %u", elig_titles[p->title].name, p->year);
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
