/* SPDX-License-Identifier: MIT */
/*
 * The state-table check of `tdktd verify`: fold every ledger entry, in
 * order, into TEMP copies of the current-state tables (replay.c lists them;
 * each copy takes its columns from the real table) with rules written here
 * independently of the modules that maintain the real tables, then compare
 * both ways with EXCEPT. A row edited, added or removed in a
 * state table without its entry, or an entry whose effect is missing, shows
 * up as a difference. Read-only on the main database; the TEMP tables are
 * dropped before returning.
 */
#ifndef TDKT_SERVER_LEDGER_REPLAY_H
#define TDKT_SERVER_LEDGER_REPLAY_H

#include <stdint.h>

#include "server/ledger/ledger.h"

struct replay_report {
    uint64_t entries; /* entries folded */
    uint64_t rows;    /* state rows compared */
    char what[256];   /* the first difference, "" when none */
};

/* 0 when every state table equals the replay; TDKT_ECORRUPT with r->what. */
int replay_check(struct ledger *l, struct replay_report *r);

#endif
