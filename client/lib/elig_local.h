/* SPDX-License-Identifier: MIT */
/*
 * `tdkt eligibility check`: the eligibility engine over the office's local
 * store (its results and its copy of the registry and rule sets). A preview:
 * the server judges again at submission with everything the ledger holds.
 */
#ifndef TDKT_CLIENT_LIB_ELIG_LOCAL_H
#define TDKT_CLIENT_LIB_ELIG_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "client/lib/store.h"
#include "common/domain/eligibility.h"
#include "proto/tdkt.pb-c.h"

#define ELIG_LOCAL_YEARS 12 /* years of history judged, as the server's facts */

/* Judge n proposals of year into out[n]; ruleset gets the set in force.
 * Not reentrant (static history buffers): the CLI's one call. */
int elig_local_judge(struct store *s, uint32_t year, Tdkt__Proposal *const *props, size_t n,
                     struct elig_verdict *out, char ruleset[65]);

#endif
