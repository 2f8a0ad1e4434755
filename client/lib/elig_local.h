/* SPDX-License-Identifier: MIT */
/*
 * `tdkt eligibility check`: the office's preview of a dossier's verdicts,
 * judged as the server judges at submission (facts_judge_dossier over
 * common/domain/facts.c) but over the local store, through its reader
 * (store_facts.h), under the rule set in force in the store's copy of the
 * registry. It makes no reading of its own. What the store does not hold
 * (decisions, other offices' results, ballot tallies) counts as absent, so a
 * verdict that needs them can differ from the server's, which is the one
 * recorded at submission (docs/review.md §3.4). Read-only.
 */
#ifndef TDKT_CLIENT_LIB_ELIG_LOCAL_H
#define TDKT_CLIENT_LIB_ELIG_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "client/lib/store.h"
#include "common/domain/eligibility.h"
#include "common/domain/records.h"
#include "proto/tdkt.pb-c.h"

/*
 * Judge the n proposals of a dossier for year into out[n], as the server
 * would at submission; ruleset gets the code of the rule set in force ("" when
 * none was consulted). Returns 0, or facts_judge_dossier's failure with
 * *failed the index of the proposal it concerns (TDKT_ENOTFOUND: out[*failed]
 * names the subject that is not registered).
 */
int elig_local_judge(struct store *s, uint32_t year, Tdkt__Proposal *const *props, size_t n,
                     struct elig_verdict *out, char ruleset[RECORD_CODE_MAX + 1], size_t *failed);

#endif
