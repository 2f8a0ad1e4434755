/* SPDX-License-Identifier: MIT */
/*
 * The voter's and the verifier's side of ballots (docs/ballots.md).
 *
 * ballots_cast_build() turns a voter's choices into a BallotCast: the named
 * choices go into a statement signed with the unit's certificate key; the
 * secret ones into a sealed ballot with a fresh nonce, committed to in the
 * statement with a fresh salt. The tracker and salt stay with the voter.
 *
 * ballots_verify() is the independent check anyone holding the published
 * ballot can run: every final statement signed by a roll member's
 * certificate issued by the sector CA, one per voter; the box equal to the
 * seal's hash and count; every sealed ballot well formed; the recount equal
 * to the server's tally; and, for the voter, its own tracker in the box and
 * its commitment in its statement.
 */
#ifndef TDKT_CLIENT_LIB_BALLOTS_H
#define TDKT_CLIENT_LIB_BALLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/domain/ballot_rules.h"
#include "proto/tdkt.pb-c.h"

/* What the voter keeps of a cast. */
struct ballots_cast {
    uint8_t *packed; /* packed BallotCast, malloc'd */
    size_t packed_len;
    uint8_t tracker[BALLOT_HASH_LEN];
    uint8_t salt[BALLOT_SALT_LEN];
    int has_secret;
    uint8_t *statement; /* malloc'd */
    size_t statement_len;
    uint8_t *sealed; /* malloc'd, NULL without secret contests */
    size_t sealed_len;
};

/*
 * specs: n strings "CONTEST=VALUE" (one_choice: a unit code or "-" for a
 * blank ballot; approve: codes separated by commas, or "-"; yes_no:
 * "CODE:yes,CODE:no" with unlisted candidates abstaining, or just
 * yes/no/abstain when there is one candidate). Every contest needs one.
 * why gets the reason of a refusal.
 */
int ballots_cast_build(const Tdkt__BallotOpened *o, const char *voter, char *const *specs, size_t n,
                       int64_t now_ms, const char *key_path, const char *cert_path,
                       struct ballots_cast *out, char *why, size_t cap);
void ballots_cast_free(struct ballots_cast *c);

struct ballots_mine {
    int have;
    uint8_t tracker[BALLOT_HASH_LEN];
    const uint8_t *salt; /* NULL without secret contests */
    size_t salt_len;
    const uint8_t *statement;
    size_t statement_len;
};

struct ballots_verify_report {
    unsigned roll, voters, signatures_ok, box, contests;
    int box_hash_ok, recount_ok, mine_found;
    int failed;
    char why[400];
};

int ballots_verify(const Tdkt__BallotInfo *info, const char *ca_path,
                   const struct ballots_mine *mine, struct ballots_verify_report *r);

#endif
