/* SPDX-License-Identifier: MIT */
/*
 * What the steps of a Council vote share (server/council/: council.c enters
 * or opens a vote, council_cast.c takes a member's cast, council_close.c
 * counts): a vote's row in council_votes, its definition (the council.vote
 * entry), who is on its roll, and judging again the dossiers it covers.
 * Nothing outside server/council/ includes this header.
 *
 * It owns no rule of the vote (council.h says the order of things,
 * common/domain/council_rules.h the shapes and the count). It runs on the
 * database thread, inside the request's transaction. Ownership: *out
 * messages are unpacked by protobuf-c; free them with
 * tdkt__council_vote__free_unpacked().
 */
#ifndef TDKT_SERVER_COUNCIL_COUNCIL_STORE_H
#define TDKT_SERVER_COUNCIL_COUNCIL_STORE_H

#include <stdint.h>

#include "common/domain/records.h"
#include "proto/tdkt.pb-c.h"
#include "server/ledger/ledger.h"

/* One row of council_votes. An electronic vote is open until its close
 * (closed_seq then names the council.close entry; 0 before). */
struct council_row {
    char id[RECORD_CODE_MAX + 1];
    uint32_t year;
    char council[RECORD_CODE_MAX + 1];
    int secret;
    int mode; /* Tdkt__VoteMode */
    unsigned roll;
    uint64_t seq, closed_seq;
    int open;
};

/* The row of vote id into *v; TDKT_ENOTFOUND when there is none. */
int council_row_get(struct ledger *l, const char *id, struct council_row *v);

/* The vote as entered (its council.vote entry). */
int council_vote_load(struct ledger *l, const struct council_row *v, Tdkt__CouncilVote **out);

/* 1 when person is on the roll of electronic vote id (the Council's members
 * when it opened), 0 when not, or a negative code. */
int council_on_roll(struct ledger *l, const char *id, const char *person);

/* Judge again every submission of v's year with a proposal v covers
 * (review_rejudge), so that its verdict reads the vote as it now stands. */
int council_rejudge(struct ledger *l, int64_t now, const Tdkt__CouncilVote *v);

#endif
