/* SPDX-License-Identifier: MIT */
/*
 * What both facts readers (server/review/review_facts.c over the ledger,
 * client/lib/store_facts.c over the local store) do alike with a row they
 * fetched, so the two sides read their rows the same way: a stored result
 * record is unpacked, handed to the walk's callback and freed here. Pure: no
 * I/O, no SQL; the readers run the queries.
 */
#ifndef TDKT_COMMON_DOMAIN_FACTS_LOAD_H
#define TDKT_COMMON_DOMAIN_FACTS_LOAD_H

#include <stddef.h>

#include "common/domain/facts.h"

/*
 * Hand the packed ResultRecord bytes[0..len), filed under unit (NULL reads
 * as ""), to cb. A record that no longer unpacks counts as absent, on both
 * sides alike: cb is not called and 0 is returned (`tdktd verify` and `tdkt
 * reconcile` are what find a damaged ledger or store). Otherwise cb's return.
 */
int facts_load_record(const char *unit, const void *bytes, size_t len, facts_record_fn cb,
                      void *cb_arg);

#endif
