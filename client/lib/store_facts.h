/* SPDX-License-Identifier: MIT */
/*
 * The store's side of the eligibility facts: a facts_reader
 * (common/domain/facts.h) over the local store's tables, the office's own
 * results (store_records.h) and its copy of the registry (store_registry.h).
 * It owns only the SQL that fetches rows; every reading that bears on a
 * verdict is common/domain/facts.c's, and it must not make one of its own.
 * The store holds no proposals or decisions (the central office's are not
 * sent to offices), no other office's results and no ballot tallies: the
 * reader returns none, and facts.c counts them as absent. Read-only.
 */
#ifndef TDKT_CLIENT_LIB_STORE_FACTS_H
#define TDKT_CLIENT_LIB_STORE_FACTS_H

#include "client/lib/store.h"
#include "common/domain/facts.h"

/* Fill rd with the reader over s (which must outlive it). */
void store_facts_reader(struct store *s, struct facts_reader *rd);

#endif
