/* SPDX-License-Identifier: MIT */
/*
 * The yearly registry the central office maintains (docs/registry.md):
 * units (upserted), persons, emulation periods, clusters and blocs with their
 * members, leader and deputy (CLUSTER-LEAD checked), and each cluster's
 * criteria sheet. Like
 * registry.c (units and certificates), each change is one ledger entry whose
 * payload is the record's own message, and the current-state tables are
 * derived in the same ledger operation; nothing is ever deleted.
 *
 * catalog_apply() is the only writer. A record equal to the current state
 * appends nothing (*appended = 0). Inside a transaction only.
 *
 * Person identity: a person is (id); a record without an id names the person
 * of its unit whose NFC name is equal, or, when there is none, a new person
 * with the id "<UNIT>-<n>". The id is written into the record before it is
 * appended, so replaying the ledger needs no lookup. Two persons of one unit
 * with the same name must be given ids.
 *
 * Errors: TDKT_EINVAL (field), TDKT_ENOTFOUND (a unit, member, cluster is not
 * registered), TDKT_EREVOKED (a revoked unit), TDKT_EEXIST (a unit in two
 * clusters of one year, an ambiguous person name, a parent cycle), with f
 * naming the field relative to the record ("cluster.members[2]").
 */
#ifndef TDKT_SERVER_LEDGER_CATALOG_H
#define TDKT_SERVER_LEDGER_CATALOG_H

#include <stdint.h>

#include "common/domain/records.h"
#include "server/ledger/ledger.h"

int catalog_apply(struct ledger *l, int64_t time_ms, const char *actor, Tdkt__RegistryRecord *r,
                  int *appended, struct fault *f);

/* The walks of common/domain/unit_tree.h over the ledger's units. */
/* 1 if unit is ancestor or lies below it, 0 if not, <0 on error. */
int catalog_unit_within(struct ledger *l, const char *unit, const char *ancestor);
/* The office a unit belongs to: the unit itself, or for a division
 * (UNIT_KIND_DIVISION) the nearest ancestor that is not one. This office is
 * the only one that writes the unit's results. TDKT_ENOTFOUND. */
int catalog_unit_owner(struct ledger *l, const char *unit, char owner[LEDGER_UNIT_MAX + 1]);
/* The period's state (Tdkt__PeriodState); TDKT_ENOTFOUND if none. */
int catalog_period_state(struct ledger *l, uint32_t year, int *state);
/* The unit a person works in; TDKT_ENOTFOUND. */
int catalog_person_unit(struct ledger *l, const char *id, char unit[LEDGER_UNIT_MAX + 1]);
/* The cluster unit belongs to in year; TDKT_ENOTFOUND. */
int catalog_unit_cluster(struct ledger *l, uint32_t year, const char *unit,
                         char cluster[RECORD_CODE_MAX + 1]);
/*
 * CLUSTER-LEAD (domain.md §3), the one check of it: may unit be leader or
 * deputy of a cluster in year? Only if it was considered for emulation in
 * year - 1, which the ledger reads as a member of some cluster that year
 * (docs/ballots.md §2.3). When no cluster at all is registered for year - 1
 * (the first year the ledger holds), the ledger cannot tell, and the answer
 * is no as well, with a refusal saying so (docs/registry.md, "Leader and
 * deputy"). 0 when it may; TDKT_EINVAL naming field, with who ("candidate",
 * "the leader") opening the sentence, when it may not. The registry
 * (ClusterSet) and the ballot (ballot_contest.c) both call it.
 */
int catalog_cluster_lead_check(struct ledger *l, uint32_t year, const char *unit, const char *who,
                               const char *field, struct fault *f);
/* A criterion's maximum points; TDKT_ENOTFOUND. */
int catalog_criterion_max(struct ledger *l, uint32_t year, const char *cluster, const char *code,
                          double *max);

/*
 * The value of a rule for a year: from the rule set in force on 31 December
 * of that year (the latest effective_from not after it). TDKT_ENOTFOUND when
 * no rule set is in force or it has no such key: a policy decision is needed.
 * ruleset gets the code of the set consulted ("" when none).
 */
int catalog_rule_value(struct ledger *l, uint32_t year, const char *key, double *value,
                       char ruleset[RECORD_CODE_MAX + 1]);

#endif
