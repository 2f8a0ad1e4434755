/* SPDX-License-Identifier: MIT */
/*
 * The rule of each title (domain.md §3, as eligibility.h writes them):
 * LĐTT within the emulation period, the CSTĐCS and BK Viện trưởng paths the
 * rule set opens, the runs of CSTĐ ngành and toàn quốc, the unit titles with
 * their member shares and the plan exceeded, the flags, and the awards that
 * follow an earlier one. Each reads the facts and rule values through
 * elig_judge.h's helpers and returns PASS, FAIL or a negative code; the
 * machinery, the precedence of verdicts and the input check are
 * eligibility.c's. Pure.
 */
#include "elig_judge.h"

#include <stdio.h>
#include <string.h>

#include "common/domain/elig_keys.h"
#include "common/domain/elig_period.h"
#include "common/domain/elig_quota.h"
#include "common/err.h"

/* The emulation period of the proposal year (elig_period.h): the calendar
 * year unless the rule set gives year.start_month. */
static int period_get(struct judge *j, const char *rule, struct elig_period *out)
{
    double m = 1;
    int rc = elig_need(j, rule, "year.start_month", &m);

    if (rc < 0)
        return rc;
    if (rc == HOLE)
        m = elig_key_find("year.start_month")->absent_value;
    if (elig_period_of(j->p->year, (unsigned)m, out) < 0)
        return elig_refuse(j->out, TDKT_EINVAL, "year.start_month", "no emulation period for %u",
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

int elig_judge_ldtt(struct judge *j)
{
    unsigned y = j->p->year;
    const struct elig_person_year *f = elig_person_in(j->p, y), *dis;
    struct elig_period pd;
    char first[ELIG_DATE_TEXT], last[ELIG_DATE_TEXT];
    double v, lo, hi;
    int rc, rc2;

    if (f == NULL || !f->evaluated)
        return elig_fail(j, "LDTT", y, "LĐTT needs an evaluation in %u; none", y);
    if (f->rating != R_EXCELLENT && f->rating != R_GOOD)
        return elig_fail(j, "LDTT", y, "LĐTT needs HTTNV or better; rated %s in %u",
                         elig_rating_names[f->rating], y);
    if ((rc = period_get(j, "LDTT", &pd)) < 0)
        return rc;
    elig_date_text(&pd.first, first);
    elig_date_text(&pd.last, last);
    if (f->recruited_on.year != 0 && elig_date_cmp(&f->recruited_on, &pd.first) >= 0) {
        unsigned served = elig_period_served(&f->recruited_on, &pd);
        char d[ELIG_DATE_TEXT];

        rc = elig_need(j, "LDTT", "ldtt.min_months_recruited", &v);
        if (rc < 0)
            return rc;
        elig_date_text(&f->recruited_on, d);
        if (rc == 0 && served < v)
            return elig_fail(
                j, "LDTT", y,
                "recruited on %s: %u full months served in %u, fewer than %g (period %s-%s)", d,
                served, y, v, first, last);
    }
    if (f->leave_months > 0) {
        rc = elig_need(j, "LDTT", "ldtt.leave_months_min", &lo);
        rc2 = elig_need(j, "LDTT", "ldtt.leave_months_max", &hi);
        if (rc < 0)
            return rc;
        if (rc2 < 0)
            return rc2;
        if (rc == 0 && rc2 == 0 && f->leave_months >= lo && f->leave_months < hi)
            return elig_fail(
                j, "LDTT", y,
                "on leave %u months in %u (maternity not counted); %g to under %g months "
                "bars LĐTT",
                f->leave_months, y, lo, hi);
        if (rc == 0 && rc2 == 0 && f->leave_months >= hi)
            elig_policy(j, "LDTT", "ldtt.leave_months_max",
                        "needs a policy decision: on leave %u months in %u, at or past "
                        "ldtt.leave_months_max (%g), which the rule set does not cover",
                        f->leave_months, y, hi);
    }
    if ((dis = discipline_in(j, &pd)) != NULL) {
        char d[ELIG_DATE_TEXT];

        rc = elig_need(j, "LDTT", "ldtt.discipline_min", &v);
        if (rc < 0)
            return rc;
        elig_date_text(&dis->disciplined_on, d);
        if (rc == 0 && dis->discipline >= v)
            return elig_fail(j, "LDTT", y, "disciplined (%s) on %s, within %u (%s-%s); bars LĐTT",
                             elig_discipline_names[dis->discipline], d, y, first, last);
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
    /* Each a message of its own, so a reader sees the paths in their language. */
    static const char *const names[] = {N_("rated HTXSNV"),
                                        N_("an initiative recognised at base scope"),
                                        N_("an accepted research topic")};
    unsigned y = j->p->year;
    int initiative = f->initiatives.base + f->initiatives.sector + f->initiatives.national > 0;
    int met[3] = {f->rating == R_EXCELLENT, initiative, f->research != 0};
    int on[4], any = 0;
    const char *open[3];
    size_t nopen = 0;

    for (int i = 0; i < 4; i++)
        if ((on[i] = elig_flag_or_default(j, "CSTDCS", keys[i])) < 0)
            return on[i];
    if (on[3] && !initiative)
        return elig_fail(j, "CSTDCS", y,
                         "CSTĐCS needs an initiative recognised at base scope or wider in %u "
                         "(cstdcs.requires_initiative); none",
                         y);
    for (int i = 0; i < 3; i++) {
        if (!on[i])
            continue;
        if (met[i])
            return PASS;
        any = 1;
        open[nopen++] = names[i];
    }
    if (!any)
        return on[3] ? PASS
                     : elig_fail(j, "CSTDCS", y, "the rule set for %u opens no path to CSTĐCS", y);
    /* One template per number of paths: each path is a value of its own. */
    if (nopen == 1)
        return elig_fail(j, "CSTDCS", y, "CSTĐCS needs one of: %s; none in %u (rated %s)", open[0],
                         y, elig_rating_names[f->rating]);
    if (nopen == 2)
        return elig_fail(j, "CSTDCS", y, "CSTĐCS needs one of: %s, %s; none in %u (rated %s)",
                         open[0], open[1], y, elig_rating_names[f->rating]);
    return elig_fail(j, "CSTDCS", y, "CSTĐCS needs one of: %s, %s, %s; none in %u (rated %s)",
                     open[0], open[1], open[2], y, elig_rating_names[f->rating]);
}

int elig_judge_cstdcs(struct judge *j)
{
    unsigned y = j->p->year;
    const struct elig_person_year *f;
    struct elig_verdict sub;
    double cap;
    int rc = elig_holds(j, T_LDTT, y, &sub);

    if (rc < 0)
        return rc;
    if (rc == 0)
        return elig_fail_lower(j, "CSTDCS", T_LDTT, y, &sub);
    f = elig_person_in(j->p, y);
    if (f == NULL || !f->evaluated)
        return elig_fail(j, "CSTDCS", y, "CSTĐCS needs an evaluation in %u; none", y);
    if ((rc = cstdcs_path(j, f)) != PASS)
        return rc;
    rc = elig_need(j, "CSTDCS", "cstdcs.cap_pct", &cap);
    if (rc < 0)
        return rc;
    if (rc == 0 && (double)(j->p->unit_cstdcs_granted + 1) * 100.0 > cap * (double)j->p->unit_ldtt)
        return elig_fail(j, "CSTDCS", y,
                         "cap: %u CSTĐCS already granted of the unit's %u LĐTT; at most %g%%",
                         j->p->unit_cstdcs_granted, j->p->unit_ldtt, cap);
    return PASS;
}

int elig_judge_cstd_nganh(struct judge *j)
{
    unsigned y = j->p->year;
    double n, pct;
    int rc = elig_need(j, "CSTD-NGANH", "cstd_nganh.years", &n);

    if (rc < 0)
        return rc;
    if (rc == HOLE)
        return PASS;
    if ((rc = elig_run(j, "CSTD-NGANH", (unsigned)n, T_CSTDCS, 0, "CSTĐCS")) != PASS)
        return rc;
    if (elig_initiatives_in(j, (unsigned)n, TDKT__SCOPE__SCOPE_SECTOR) == 0)
        return elig_fail(j, "CSTD-NGANH", y,
                         "CSTĐ ngành needs an initiative recognised sector-wide in %u-%u; none",
                         y - (unsigned)n + 1, y);
    rc = elig_need(j, "CSTD-NGANH", "cstd_nganh.vote_pct", &pct);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return elig_vote(j, "CSTD-NGANH", pct, N_("council"));
    return PASS;
}

int elig_judge_cstd_tq(struct judge *j)
{
    unsigned y = j->p->year;
    double n, times;
    unsigned span;
    int rc = elig_need(j, "CSTD-TQ", "cstd_nganh.years", &n);
    int rc2 = elig_need(j, "CSTD-TQ", "cstd_tq.times", &times);

    if (rc < 0)
        return rc;
    if (rc2 < 0)
        return rc2;
    if (rc == HOLE || rc2 == HOLE)
        return PASS;
    span = (unsigned)n * (unsigned)times;
    if ((rc = elig_run(j, "CSTD-TQ", span, 0, R_FAILED, N_("evaluated"))) != PASS)
        return rc;
    for (unsigned i = 0; i < (unsigned)times && i * (unsigned)n < y; i++) {
        unsigned t = y - i * (unsigned)n;
        struct elig_verdict sub;

        rc = elig_holds(j, T_CSTD_NGANH, t, &sub);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return elig_fail_lower(j, "CSTD-TQ", T_CSTD_NGANH, t, &sub);
    }
    if (elig_initiatives_in(j, span, TDKT__SCOPE__SCOPE_NATIONAL) == 0)
        return elig_fail(j, "CSTD-TQ", y,
                         "CSTĐ toàn quốc needs an initiative of national scope in %u-%u; none",
                         y - span + 1, y);
    if (!j->p->secret_ballot)
        return elig_fail(j, "CSTD-TQ", y,
                         "CSTĐ toàn quốc needs the Council's secret-ballot result in the dossier");
    return PASS;
}

/* Is the unit's plan exceeded? PASS (also while a value is missing: the
   policy question is pending) or FAIL with the reason set for rule. */
static int exceeding(struct judge *j, const char *rule, const struct elig_unit_year *f)
{
    double pct;
    int rc;

    if (!f->exceeded_plan)
        return elig_fail(j, rule, f->year, "%s needs the plan exceeded in %u; it was not",
                         elig_titles[j->title].name, f->year);
    if (f->targets_met == f->targets_total)
        return PASS;
    rc = elig_need(j, rule, "exceeding.targets_met_pct", &pct);
    if (rc < 0)
        return rc;
    if (rc == HOLE)
        return PASS;
    if (!elig_share_ok(f->targets_met, f->targets_total, pct))
        return elig_fail(
            j, rule, f->year, "%s needs the plan exceeded; %u of %u targets met in %u, below %g%%",
            elig_titles[j->title].name, f->targets_met, f->targets_total, f->year, pct);
    return PASS;
}

int elig_judge_ttldtt(struct judge *j)
{
    unsigned y = j->p->year;
    const struct elig_unit_year *f = elig_unit_in(j->p, y);
    double pct, dmin;
    int rc;

    if (f == NULL || !f->evaluated)
        return elig_fail(j, "TTLDTT", y, "TTLĐTT needs an evaluation in %u; none", y);
    if (f->rating != R_EXCELLENT && f->rating != R_GOOD)
        return elig_fail(j, "TTLDTT", y, "TTLĐTT needs HTTNV or better; rated %s in %u",
                         elig_rating_names[f->rating], y);
    if (f->members == 0)
        return elig_fail(j, "TTLDTT", y, "the unit reports no members in %u", y);
    rc = elig_need(j, "TTLDTT", "ttldtt.members_ldtt_pct", &pct);
    if (rc < 0)
        return rc;
    if (rc == 0 && !elig_share_ok(f->members_ldtt, f->members, pct))
        return elig_fail(j, "TTLDTT", y, "%u of %u members LĐTT in %u, below %g%%", f->members_ldtt,
                         f->members, y, pct);
    if (f->member_discipline != D_NONE) {
        rc = elig_need(j, "TTLDTT", "ttldtt.member_discipline_min", &dmin);
        if (rc < 0)
            return rc;
        if (rc == 0 && f->member_discipline >= dmin)
            return elig_fail(j, "TTLDTT", y, "a member was disciplined (%s) in %u",
                             elig_discipline_names[f->member_discipline], y);
    }
    return PASS;
}

int elig_judge_ttldxs(struct judge *j)
{
    unsigned y = j->p->year;
    const struct elig_unit_year *f;
    struct elig_verdict sub;
    double v;
    int rc = elig_holds(j, T_TTLDTT, y, &sub);

    if (rc < 0)
        return rc;
    if (rc == 0)
        return elig_fail_lower(j, "TTLDXS", T_TTLDTT, y, &sub);
    f = elig_unit_in(j->p, y);
    if (f == NULL || !f->evaluated)
        return elig_fail(j, "TTLDXS", y, "TTLĐXS needs an evaluation in %u; none", y);
    if (f->rating != R_EXCELLENT)
        return elig_fail(j, "TTLDXS", y, "TTLĐXS needs HTXSNV; rated %s in %u",
                         elig_rating_names[f->rating], y);
    if (!f->exceeded_plan || f->targets_met < f->targets_total) {
        rc = elig_need(j, "TTLDXS", "htxsnv.requires_exceeding", &v);
        if (rc < 0)
            return rc;
        if (rc == 0 && v == 1 && (rc = exceeding(j, "TTLDXS", f)) != PASS)
            return rc;
    }
    if (f->members == 0)
        return elig_fail(j, "TTLDXS", y, "the unit reports no members in %u", y);
    rc = elig_need(j, "TTLDXS", "ttldxs.members_completed_pct", &v);
    if (rc < 0)
        return rc;
    if (rc == 0 && !elig_share_ok(f->members_completed, f->members, v))
        return elig_fail(j, "TTLDXS", y,
                         "%u of %u members completed their duties in %u, below %g%%",
                         f->members_completed, f->members, y, v);
    rc = elig_need(j, "TTLDXS", "ttldxs.members_ldtt_pct", &v);
    if (rc < 0)
        return rc;
    if (rc == 0 && !elig_share_ok(f->members_ldtt, f->members, v))
        return elig_fail(j, "TTLDXS", y, "%u of %u members LĐTT in %u, below %g%%", f->members_ldtt,
                         f->members, y, v);
    rc = elig_need(j, "TTLDXS", "ttldxs.cstdcs_min", &v);
    if (rc < 0)
        return rc;
    if (rc == 0 && f->members_cstdcs < v)
        return elig_fail(j, "TTLDXS", y, "%u members CSTĐCS in %u, fewer than %g",
                         f->members_cstdcs, y, v);
    rc = elig_need(j, "TTLDXS", "ttldxs.quota_pct", &v);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        unsigned q = elig_ttldxs_quota(j->p->ttldtt_units, v);

        if (j->p->ttldxs_granted >= q)
            return elig_fail(j, "TTLDXS", y,
                             "quota: %u TTLĐXS of %u allowed (%g%% of %u TTLĐTT units) already "
                             "granted in %u",
                             j->p->ttldxs_granted, q, v, j->p->ttldtt_units, y);
    }
    return PASS;
}

int elig_judge_co_nganh(struct judge *j)
{
    unsigned y = j->p->year;
    const struct elig_unit_year *f;
    struct elig_verdict sub;
    double pct;
    int rc;

    /* A second claim on the cluster's flag fails whatever else holds. */
    if (j->p->cluster_flags > 0) {
        rc = elig_need(j, "CO-NGANH", "co_nganh.per_cluster", &pct);
        if (rc < 0)
            return rc;
        if (rc == 0 && j->p->cluster_flags >= pct)
            return elig_fail(
                j, "CO-NGANH", y,
                "the cluster already has a Cờ thi đua ngành proposed or decided for %u "
                "(%s); at most %g per cluster",
                y, j->p->cluster_flag_unit ? j->p->cluster_flag_unit : "another unit", pct);
    }
    rc = elig_holds(j, T_TTLDXS, y, &sub);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return elig_fail_lower(j, "CO-NGANH", T_TTLDXS, y, &sub);
    f = elig_unit_in(j->p, y);
    if (f == NULL || !f->evaluated)
        return elig_fail(j, "CO-NGANH", y, "Cờ thi đua ngành needs an evaluation in %u; none", y);
    if ((rc = exceeding(j, "CO-NGANH", f)) < 0 || rc == FAIL)
        return rc;
    if (!j->p->leads_cluster)
        return elig_fail(j, "CO-NGANH", y,
                         "Cờ thi đua ngành goes to the unit leading its cluster in %u", y);
    rc = elig_need(j, "CO-NGANH", "vote.flag.threshold_pct", &pct);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return elig_vote(j, "CO-NGANH", pct, N_("cluster"));
    return PASS;
}

int elig_judge_co_cp(struct judge *j)
{
    unsigned y = j->p->year;

    if (!j->p->leads_cluster)
        return elig_fail(j, "CO-CP", y,
                         "Cờ thi đua Chính phủ goes to a unit leading its cluster in %u", y);
    if (!j->p->secret_ballot)
        return elig_fail(
            j, "CO-CP", y,
            "Cờ thi đua Chính phủ needs the council's secret-ballot result in the dossier");
    return PASS;
}

/* BK-VT's HTXSNV path: n years rated HTXSNV with bk_vt.initiatives among them. */
static int bk_vt_htxsnv(struct judge *j, unsigned n)
{
    unsigned y = j->p->year, got;
    double k;
    int rc = elig_run(j, "BK-VT", n, 0, R_EXCELLENT, "HTXSNV");

    if (rc != PASS)
        return rc;
    rc = elig_need(j, "BK-VT", "bk_vt.initiatives", &k);
    if (rc < 0)
        return rc;
    if (rc == HOLE)
        return PASS;
    got = elig_initiatives_in(j, n, TDKT__SCOPE__SCOPE_BASE);
    if (got >= k)
        return PASS;
    return elig_fail(j, "BK-VT", y,
                     "%g initiatives needed in %u-%u on the HTXSNV path; %u recognised", k,
                     y - n + 1, y, got);
}

/* BK-VT (Law art. 74): the CSTĐCS path, or the HTXSNV path, each open unless
 * the rule set closes it (bk_vt.via_cstdcs, bk_vt.via_htxsnv). */
int elig_judge_bk_vt(struct judge *j)
{
    unsigned y = j->p->year;
    struct reason why_a;
    unsigned year_a;
    double n;
    int rc = elig_need(j, "BK-VT", "bk_vt.years", &n);
    int via_a = elig_flag_or_default(j, "BK-VT", "bk_vt.via_cstdcs");
    int via_b = elig_flag_or_default(j, "BK-VT", "bk_vt.via_htxsnv");

    if (rc < 0)
        return rc;
    if (via_a < 0)
        return via_a;
    if (via_b < 0)
        return via_b;
    if (rc == HOLE)
        return PASS;
    if (!via_a && !via_b)
        return elig_fail(j, "BK-VT", y, "the rule set for %u opens no path to BK Viện trưởng", y);
    if (!via_a)
        return bk_vt_htxsnv(j, (unsigned)n);
    rc = elig_run(j, "BK-VT", (unsigned)n, T_CSTDCS, 0, "CSTĐCS");
    if (rc != FAIL || !via_b)
        return rc;
    /* Path A failed: keep its reason and try the HTXSNV path. */
    why_a = j->out->why;
    year_a = j->out->year;
    rc = bk_vt_htxsnv(j, (unsigned)n);
    if (rc != FAIL)
        return rc;
    /* Both paths failed: the HTXSNV path's reason is the cause. */
    {
        struct reason why_b = j->out->why;

        elig_fail(j, "BK-VT", year_a, "%s; nor on the HTXSNV path: %s", why_a.text, why_b.text);
        j->out->cause = why_b;
    }
    return FAIL;
}

/* BK-TTG and HCLD-3: years after a prior award, rated HTTNV or better, with c CSTĐCS. */
int elig_judge_after_award(struct judge *j, const char *rule, unsigned since, const char *award,
                           const char *years_key, const char *cstdcs_key)
{
    unsigned y = j->p->year, got = 0;
    double n, c;
    int rc = elig_need(j, rule, years_key, &n);
    int rc2 = elig_need(j, rule, cstdcs_key, &c);

    if (rc < 0)
        return rc;
    if (rc2 < 0)
        return rc2;
    if (since == 0)
        return elig_fail(j, rule, y, "%s needs a prior %s; none held", elig_titles[j->title].name,
                         award);
    if (rc == HOLE)
        return PASS;
    if (since + (unsigned)n > y)
        return elig_fail(j, rule, y, "%s needs %g years after the %s of %u; only %u by %u",
                         elig_titles[j->title].name, n, award, since, y > since ? y - since : 0, y);
    if ((rc = elig_run(j, rule, (unsigned)n, 0, R_GOOD, N_("rated HTTNV or better"))) != PASS)
        return rc;
    if (rc2 == HOLE)
        return PASS;
    for (unsigned i = 0; i < (unsigned)n; i++) {
        struct elig_verdict sub;

        rc = elig_holds(j, T_CSTDCS, y - i, &sub);
        if (rc < 0)
            return rc;
        got += (unsigned)rc;
    }
    if (got < c)
        return elig_fail(j, rule, y, "%s needs %g CSTĐCS in %u-%u; %u", elig_titles[j->title].name,
                         c, y - (unsigned)n + 1, y, got);
    return PASS;
}

int elig_judge_bk_ttg(struct judge *j)
{
    double pct;
    int rc = elig_judge_after_award(j, "BK-TTG", j->p->bk_sector_year, "sector Bằng khen",
                                    "bk_ttg.years", "bk_ttg.cstdcs");

    if (rc != PASS)
        return rc;
    rc = elig_need(j, "BK-TTG", "bk_ttg.vote_pct", &pct);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return elig_vote(j, "BK-TTG", pct, N_("council"));
    return PASS;
}
