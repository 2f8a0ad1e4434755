/* SPDX-License-Identifier: MIT */
/*
 * How the ballot module reads what it stored: a ballot's row in the state
 * table `ballots`, its definition as opened (the `ballot.open` entry), its
 * final statements and its box. An entry's payload is read with
 * sql_entry_payload() (server/ledger/sql.h).
 * Shared by the steps of server/ballot/ (open, cast, seal and tally, paper,
 * reads), which are the only callers; nothing outside server/ballot/
 * includes this header.
 *
 * It owns no rule of the vote and writes nothing. It runs on the database
 * thread, like every caller. Ownership: every *out is
 * malloc'd (or unpacked by protobuf-c) and freed by the caller with the
 * function named beside it.
 */
#ifndef TDKT_SERVER_BALLOT_BALLOT_STORE_H
#define TDKT_SERVER_BALLOT_BALLOT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/domain/records.h"
#include "proto/tdkt.pb-c.h"
#include "server/ledger/ledger.h"

/* One row of `ballots`: the state machine of ballot.h and the seqs of the
 * entries that moved it. A seq is 0 until its step happened. */
struct ballot_row {
    char id[RECORD_CODE_MAX + 1];
    uint32_t year;
    char cluster[RECORD_CODE_MAX + 1];
    char opened_by[LEDGER_UNIT_MAX + 1];
    int64_t opens_ms, closes_ms;
    unsigned roll;
    char state[16]; /* open, sealed, tallied, published, paper */
    int flag;       /* holds a flag contest (CO-NGANH) */
    uint64_t seq, sealed_seq, tally_seq, published_seq;
};

/* The row of ballot id into *b; TDKT_ENOTFOUND when there is none. */
int ballot_row_get(struct ledger *l, const char *id, struct ballot_row *b);

/* The ballot as opened, with its roll; free with
 * tdkt__ballot_opened__free_unpacked(). TDKT_ENOTFOUND for a paper ballot,
 * which has no electronic definition. */
int ballot_opened_load(struct ledger *l, const struct ballot_row *b, Tdkt__BallotOpened **out);

/* 1 when unit is on the frozen roll of o. */
int ballot_on_roll(const Tdkt__BallotOpened *o, const char *unit);

/* What a ballot's voters left: the final statement of each voter (by
 * voter) and, once sealed, the boxed sealed ballots (in ledger order), as
 * stored; and the same unpacked for a count, leaving out any that does not
 * read. Every array holds at most BALLOT_VOTERS_MAX. */
struct ballot_box {
    Tdkt__BallotVoted **voted;
    size_t nvoted;
    Tdkt__BoxedBallot **box;
    size_t nbox;
    Tdkt__BallotStatement **statements; /* of voted[] */
    size_t nstatements;
    Tdkt__SealedBallot **sealed; /* of box[] */
    size_t nsealed;
};

/* Fill *x (cleared first); free with ballot_box_free(), also after a
 * failure. */
int ballot_box_load(struct ledger *l, const struct ballot_row *b, struct ballot_box *x);
void ballot_box_free(struct ballot_box *x);

#endif
