/* SPDX-License-Identifier: MIT */
/* The TTLĐXS quota over the ledger; see review_quota.h. */
#include "server/review/review_quota.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain/elig_quota.h"
#include "common/domain/facts.h"
#include "common/err.h"
#include "common/text/i18n.h"
#include "server/review/review_facts.h"

/* The year's standing under its rule set; ruleset gets the set's code. */
static int quota_read(struct ledger *l, uint32_t year, struct facts_quota *q,
                      char ruleset[RECORD_CODE_MAX + 1], struct fault *f)
{
    struct review_facts rf = {l, NULL};
    struct review_facts_rules fr = {l, year, ""};
    struct facts_reader rd;
    double pct;
    int rc = review_facts_rule_get(&fr, "ttldxs.quota_pct", &pct);

    snprintf(ruleset, RECORD_CODE_MAX + 1, "%s", fr.ruleset);
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, TDKT_ECONFLICT, "year",
                         "the rule set in force for %u gives no ttldxs.quota_pct: the TTLĐXS "
                         "quota is a policy decision to record first",
                         year);
    if (rc < 0)
        return rc;
    review_facts_reader(&rf, &rd);
    return facts_quota_read(&rd, year, pct, q);
}

int review_quota_approve_check(struct ledger *l, uint32_t year, const char *unit, struct fault *f)
{
    struct facts_quota q;
    char ruleset[RECORD_CODE_MAX + 1];
    const struct facts_quota_row *me = NULL;
    int rc = quota_read(l, year, &q, ruleset, f);

    if (rc < 0)
        return rc;
    for (size_t i = 0; i < q.n; i++)
        if (strcmp(q.rows[i].unit, unit) == 0)
            me = &q.rows[i];
            /* Each refusal names the quota, the count and the rounding, written out
             * whole so that each is one message of the catalogue. */
#define QUOTA_ARGS year, q.quota, q.pct, q.ttldtt_units, q.pct *q.ttldtt_units / 100.0
    if (me == NULL)
        rc = fault_set(f, TDKT_ECONFLICT, "proposal_id",
                       "'%s' has no TTLĐXS proposal in the year's standing", unit);
    else if (!me->c.within)
        rc = fault_set(f, TDKT_ECONFLICT, "proposal_id",
                       "TTLĐXS quota for %u: %u place(s), %g%% of %u unit(s) rated TTLĐTT = %.2f "
                       "rounded down (at least 1); '%s' ranks %u of %zu, past the cut%s (tdkt "
                       "review quota %u)",
                       QUOTA_ARGS, unit, me->c.position, q.n,
                       me->c.tied ? N_(", tied with a neighbour: the Council settles the tie") : "",
                       year);
    else if (q.granted >= q.quota)
        rc = fault_set(f, TDKT_ECONFLICT, "proposal_id",
                       "TTLĐXS quota for %u: %u place(s), %g%% of %u unit(s) rated TTLĐTT = %.2f "
                       "rounded down (at least 1); %u already approved or decided",
                       QUOTA_ARGS, q.granted);
#undef QUOTA_ARGS
    facts_quota_free(&q);
    return rc;
}

static int row_fill(struct ledger *l, const struct facts_quota_row *s, Tdkt__QuotaRow *r)
{
    struct registry_unit u;
    int rc = registry_unit_get(l, s->unit, &u);

    tdkt__quota_row__init(r);
    r->position = s->c.position;
    r->unit_code = strdup(s->unit);
    r->unit_name = strdup(rc == 0 ? u.name : "");
    r->state = (Tdkt__ProposalState)s->state;
    r->cluster_rank = s->c.cluster_rank;
    r->points = s->c.points;
    r->targets = s->c.targets;
    r->targets_exceeded = s->c.targets_exceeded;
    r->within = s->c.within;
    r->tied = s->c.tied;
    if (rc < 0 && rc != TDKT_ENOTFOUND)
        return rc;
    return r->unit_code && r->unit_name ? 0 : TDKT_ENOMEM;
}

int review_quota_get(struct ledger *l, const struct registry_unit *actor, uint32_t year,
                     Tdkt__QuotaReply **out, struct fault *f)
{
    struct facts_quota q;
    char ruleset[RECORD_CODE_MAX + 1];
    Tdkt__QuotaReply *r;
    int rc;

    (void)actor; /* the request table admits the central office only */
    *out = NULL;
    if (year == 0)
        return fault_set(f, TDKT_EINVAL, "quota_get.year", "the year is required");
    if ((rc = quota_read(l, year, &q, ruleset, f)) < 0)
        return rc;
    if (!(r = calloc(1, sizeof *r))) {
        facts_quota_free(&q);
        return TDKT_ENOMEM;
    }
    tdkt__quota_reply__init(r);
    r->year = year;
    r->ruleset = strdup(ruleset);
    r->quota_pct = q.pct;
    r->ttldtt_units = q.ttldtt_units;
    r->quota = q.quota;
    r->granted = q.granted;
    rc = r->ruleset ? 0 : TDKT_ENOMEM;
    if (rc == 0 && q.n > 0 && !(r->rows = calloc(q.n, sizeof *r->rows)))
        rc = TDKT_ENOMEM;
    for (size_t i = 0; rc == 0 && i < q.n; i++) {
        if (!(r->rows[i] = malloc(sizeof *r->rows[i]))) {
            rc = TDKT_ENOMEM;
            break;
        }
        r->n_rows = i + 1;
        rc = row_fill(l, &q.rows[i], r->rows[i]);
    }
    facts_quota_free(&q);
    if (rc < 0) {
        review_quota_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void review_quota_free(Tdkt__QuotaReply *r)
{
    /* Every part is malloc'd, as protobuf-c's own unpacking does. */
    if (r != NULL)
        protobuf_c_message_free_unpacked(&r->base, NULL);
}
