/* SPDX-License-Identifier: MIT */
/*
 * The rules of a contest that need the ledger, which an electronic ballot
 * (ballot_open) and a paper ballot (ballot_paper) both pass before anything
 * is written (docs/ballots.md §2): the roll is the cluster's members that
 * year; every candidate is on it; a leader or deputy was considered for
 * emulation the year before (CLUSTER-LEAD); a threshold left at 0 comes
 * from the rule set in force (§2.4); a cluster gives at most one flag
 * nominee a year (CO-NGANH).
 *
 * The shape of a contest (codes, seats, methods, ranges) is not here: it is
 * common/domain/ballot_rules.c's, which the client runs too. Nothing here
 * appends an entry; ballot_contest_check() only fills in the contest's
 * threshold and rule.
 */
#ifndef TDKT_SERVER_BALLOT_BALLOT_CONTEST_H
#define TDKT_SERVER_BALLOT_BALLOT_CONTEST_H

#include <stddef.h>
#include <stdint.h>

#include "common/domain/records.h"
#include "proto/tdkt.pb-c.h"
#include "server/ledger/ledger.h"

/* The roll of cluster in year, sorted, malloc'd into *roll (free with
 * ballot_roll_free(), also after a failure), and its leader ("" for none).
 * TDKT_ENOTFOUND when the cluster is not registered that year. */
int ballot_roll_load(struct ledger *l, uint32_t year, const char *cluster, char ***roll, size_t *n,
                     char leader[LEDGER_UNIT_MAX + 1]);
void ballot_roll_free(char **roll, size_t n);

/* For a new ballot: its id is not in use ("ballot_id", TDKT_EEXIST), its
 * cluster is registered in year ("cluster_code", TDKT_ENOTFOUND) and has
 * members. Then the roll and leader as ballot_roll_load() gives them. */
int ballot_roll_for_new(struct ledger *l, const char *id, uint32_t year, const char *cluster,
                        char ***roll, size_t *n, char leader[LEDGER_UNIT_MAX + 1], struct fault *f);

/* Candidates on the roll, CLUSTER-LEAD, and the threshold: a contest left
 * at 0 takes the rule set's value. Sets c->threshold_pct and c->rule
 * (malloc'd, replacing what c held: c must be unpacked by protobuf-c).
 * Refusals name fields under prefix ("contests[2]", "contest"). */
int ballot_contest_check(struct ledger *l, uint32_t year, Tdkt__Contest *c, char **roll,
                         size_t nroll, const char *prefix, struct fault *f);

/* CO-NGANH, for a new ballot with a flag contest: refused TDKT_ECONFLICT,
 * naming field, when a flag ballot of cluster and year chose a unit or is
 * still under way (not tallied); 0 when none did (none, or every earlier
 * one elected nobody). */
int ballot_flag_check(struct ledger *l, uint32_t year, const char *cluster, const char *field,
                      struct fault *f);

#endif
