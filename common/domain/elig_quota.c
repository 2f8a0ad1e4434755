/* SPDX-License-Identifier: MIT */
/* The TTLĐXS quota, its ranking, and one flag per cluster; see elig_quota.h. */
#include "elig_quota.h"
#include "elig_judge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#define UINT32_MAX_RANK 0xffffffffu /* no standing: after every rank */

unsigned elig_ttldxs_quota(unsigned ttldtt_units, double quota_pct)
{
    double q;

    if (ttldtt_units == 0 || !isfinite(quota_pct) || quota_pct <= 0)
        return 0;
    /* The small epsilon keeps 15 * 20 / 100 at 3 when a percentage like 20
       arrives as 19.999999999999996 from a decimal text. */
    q = floor((double)ttldtt_units * quota_pct / 100.0 + 1e-9);
    if (q < 1)
        return 1;
    if (q > ttldtt_units)
        return ttldtt_units;
    return (unsigned)q;
}

/* The order of keys 1-3 (elig_quota.h): < 0 when a ranks before b. */
static int rank_keys(const struct elig_quota_candidate *a, const struct elig_quota_candidate *b)
{
    unsigned ra = a->cluster_rank ? a->cluster_rank : UINT32_MAX_RANK;
    unsigned rb = b->cluster_rank ? b->cluster_rank : UINT32_MAX_RANK;
    /* Shares compared by cross-multiplication: exact, and 0 of 0 is 0. */
    double sa = (double)a->targets_exceeded * (double)(b->targets ? b->targets : 1);
    double sb = (double)b->targets_exceeded * (double)(a->targets ? a->targets : 1);

    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (sa != sb)
        return sa > sb ? -1 : 1;
    if (a->points != b->points)
        return a->points > b->points ? -1 : 1;
    return 0;
}

static int rank_cmp(const void *pa, const void *pb)
{
    const struct elig_quota_candidate *a = pa, *b = pb;
    int c = rank_keys(a, b);

    return c != 0 ? c : strcmp(a->unit, b->unit);
}

void elig_quota_rank(struct elig_quota_candidate *c, size_t n, unsigned quota)
{
    if (n == 0)
        return;
    qsort(c, n, sizeof *c, rank_cmp);
    for (size_t i = 0; i < n; i++) {
        c[i].position = (unsigned)i + 1;
        c[i].within = c[i].position <= quota;
        c[i].tied = (i > 0 && rank_keys(&c[i - 1], &c[i]) == 0) ||
                    (i + 1 < n && rank_keys(&c[i], &c[i + 1]) == 0);
    }
}

int elig_flag_check(unsigned flags_decided, const struct elig_rules *r, struct elig_verdict *out)
{
    double max;
    int rc;

    if (out == NULL)
        return TDKT_EINVAL;
    if (r == NULL || r->get == NULL)
        return elig_refuse(out, TDKT_EINVAL, "", "no rule set");
    memset(out, 0, sizeof *out);
    rc = r->get(r->arg, "co_nganh.per_cluster", &max);
    if (rc == TDKT_ENOTFOUND) {
        elig_verdict_set(out, ELIG_POLICY, "CO-NGANH", "co_nganh.per_cluster", 0);
        reason_set(&out->why,
                   "needs a policy decision: the rule set has no value for co_nganh.per_cluster");
        return 0;
    }
    if (rc < 0)
        return elig_refuse(out, rc, "co_nganh.per_cluster",
                           "rule value co_nganh.per_cluster could not be read");
    if (!isfinite(max) || max < 0 || max != floor(max))
        return elig_refuse(out, TDKT_EINVAL, "co_nganh.per_cluster",
                           "rule value co_nganh.per_cluster = %g is out of its range", max);
    if (flags_decided >= max) {
        elig_verdict_set(out, ELIG_INELIGIBLE, "CO-NGANH", "", 0);
        reason_set(&out->why,
                   "the cluster already has %u Cờ thi đua ngành for the year; at most %g",
                   flags_decided, max);
        return 0;
    }
    elig_verdict_set(out, ELIG_ELIGIBLE, "", "", 0);
    reason_set(&out->why, "the cluster has %u of %g Cờ thi đua ngành for the year", flags_decided,
               max);
    return 0;
}
