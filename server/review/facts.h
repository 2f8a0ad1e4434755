/* SPDX-License-Identifier: MIT */
/*
 * The facts the eligibility engine (common/domain/eligibility.h) judges,
 * read from the ledger's state tables: ratings, person facts and
 * initiatives from the results, titles from decided proposals (annulled
 * ones left out), members from the registry. This module only reads; the
 * judgement is the engine's. docs/review.md lists where each fact comes
 * from and the readings made (e.g. "exceeded the plan").
 */
#ifndef TDKT_SERVER_REVIEW_FACTS_H
#define TDKT_SERVER_REVIEW_FACTS_H

#include <stdint.h>

#include "common/domain/eligibility.h"
#include "proto/tdkt.pb-c.h"
#include "server/ledger/ledger.h"

#define FACTS_HISTORY_YEARS 12 /* years of history judged (runs of 5 plus room) */

struct facts {
    struct elig_person_year person[FACTS_HISTORY_YEARS];
    struct elig_unit_year unit[FACTS_HISTORY_YEARS];
    size_t n;
    struct elig_proposal p;
};

/*
 * Fill f for a proposal of submission (year, office): the subject's
 * history up to year, and the context the title needs. The titles proposed
 * in the same submission with an eligible verdict count as held in year for
 * the members' counts of a unit's title (a dossier proposes both at once).
 * TDKT_ENOTFOUND when the subject is not registered.
 */
int facts_load(struct ledger *l, const char *submission, uint32_t year, const Tdkt__Proposal *prop,
               struct facts *f);

/* The rule-value getter over the rule set in force for year. */
struct facts_rules {
    struct ledger *l;
    uint32_t year;
    char ruleset[65];
};
int facts_rule_get(void *arg, const char *key, double *value);

#endif
