/* SPDX-License-Identifier: MIT */
/*
 * The ledger's side of the eligibility facts: a facts_reader
 * (common/domain/facts.h) over the server's state tables, and the rule-value
 * getter over the catalog's rule sets. It owns only the SQL that fetches
 * rows: result records, registered units and persons, proposals and
 * decisions on record, cluster members and ballot tallies. Every reading of
 * those rows that bears on a verdict (which states are held, who the members
 * are, what a revoked unit means...) is common/domain/facts.c's, shared with
 * the office's preview; this module must not make one. It only reads.
 */
#ifndef TDKT_SERVER_REVIEW_REVIEW_FACTS_H
#define TDKT_SERVER_REVIEW_REVIEW_FACTS_H

#include <stdint.h>

#include "common/domain/facts.h"
#include "common/domain/records.h"
#include "server/ledger/ledger.h"

/* The reader's state; submission (borrowed) is the dossier being judged,
 * whose rows the reader leaves out: facts_judge_dossier has them with their
 * verdicts so far. NULL leaves nothing out. */
struct review_facts {
    struct ledger *l;
    const char *submission;
};

/* Fill rd with the ledger's reader over rf (which must outlive it). */
void review_facts_reader(struct review_facts *rf, struct facts_reader *rd);

/* The rule-value getter (elig_rules.get) over the rule set in force for
 * year; ruleset gets the code of the set consulted. */
struct review_facts_rules {
    struct ledger *l;
    uint32_t year;
    char ruleset[RECORD_CODE_MAX + 1];
};
int review_facts_rule_get(void *arg, const char *key, double *value);

#endif
