/* SPDX-License-Identifier: MIT */
/*
 * `tdkt eligibility check`: the office's side of the eligibility facts. A
 * facts_reader (common/domain/facts.h) over the local store (its own
 * results, its copy of the registry and rule sets) and the preview that
 * judges a dossier with it, through the same facts_judge_dossier as the
 * server. This module owns only the SQL that fetches the store's rows; every
 * reading that bears on a verdict is common/domain/facts.c's, and it must not
 * make one of its own. The store holds no decisions, no other office's
 * results and no ballot tallies: they count as absent, so a verdict that
 * needs them can differ from the server's, which is the one recorded at
 * submission (docs/review.md §3.4). Read-only.
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
