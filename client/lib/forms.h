/* SPDX-License-Identifier: MIT */
/*
 * The JSON files a person fills in for the command line: the ballot of
 * `tdkt ballot open` and the paper ballot of `tdkt ballot paper`
 * (docs/ballots.md, 1.3 and 1.7) and the dossier of `tdkt submit` and
 * `tdkt eligibility check` (docs/review.md, 2). Each becomes the message the
 * command sends. They are read here and not in client/cli so that the
 * parsing can be tested and fuzzed on bytes, without a store or a server.
 *
 * Every key the format does not have is refused, at the top and in each
 * object, and so are duplicate keys: a misspelt "secret" must not be
 * silently dropped. In the ballot and paper ballot files every value must
 * also be of the JSON type its key has, and a time a real one: "secret":
 * "true" is refused, not read as false; a candidate 2 is refused, not
 * dropped; 2027-02-31 is refused, not moved to March. Then the shape is
 * judged by the rules the server runs (ballot_rules_open_validate(),
 * ballot_rules_paper_validate()), so a file the server would refuse is
 * refused here, before anything is queued.
 *
 * The messages are built the way protobuf-c unpacks (malloc'd, every
 * string owned), so the caller frees one with
 * tdkt__ballot_open__free_unpacked(m, NULL) and the like. A refusal fills
 * why (cap bytes; FORMS_WHY_MAX holds every message whole) with one
 * sentence of UTF-8 naming the line and column of a syntax error, or the
 * place at fault as a path in the file ("contests[0].seats: ...",
 * "counts.VKSCC2.yes: ...", "the ballot: unknown key 'x'"); the caller puts
 * the file's name in front.
 *
 * No I/O but forms_read_file().
 */
#ifndef TDKT_CLIENT_LIB_FORMS_H
#define TDKT_CLIENT_LIB_FORMS_H

#include <stddef.h>
#include <stdint.h>

#include "common/domain/council_rules.h"
#include "proto/tdkt.pb-c.h"

#define FORMS_BALLOT_MAX  (256 * 1024)      /* bytes of a ballot or paper ballot file */
#define FORMS_DOSSIER_MAX (4 * 1024 * 1024) /* bytes of a dossier: 500 proposals, notes */
#define FORMS_WHY_MAX     320               /* a why buffer this big holds every refusal */

/*
 * The whole file at path, malloc'd and NUL-terminated, into *data and *len.
 * TDKT_ETOOBIG above max bytes ("N bytes; a <what> file holds at most
 * MAX"), TDKT_EIO when it cannot be read, TDKT_ENOMEM; why says which.
 */
int forms_read_file(const char *path, size_t max, const char *what, char **data, size_t *len,
                    char *why, size_t cap);

/*
 * The ballot of `tdkt ballot open`, checked with ballot_rules_open_validate() as
 * the server checks it. now_ms is when the command runs ("closes_in_seconds"
 * counts from it). Times are of the years 1970 to 2100. 0 with *out set;
 * TDKT_EINVAL, TDKT_ETOOBIG (above FORMS_BALLOT_MAX bytes) or TDKT_ENOMEM
 * with *out NULL and why filled.
 */
int forms_ballot_open(const char *data, size_t len, int64_t now_ms, Tdkt__BallotOpen **out,
                      char *why, size_t cap);

/* The paper ballot of `tdkt ballot paper`, checked with
 * ballot_rules_paper_validate(): a count for every candidate of the
 * contest and for no other ("yes"; "no" and "abstain" too for a yes_no
 * contest, and only there). Whether the counts add up on the roll is the
 * server's. Returns as forms_ballot_open(). */
int forms_ballot_paper(const char *data, size_t len, Tdkt__BallotPaper **out, char *why,
                       size_t cap);

/*
 * The dossier of `tdkt submit`, every proposal with a title code. unit_code
 * is left empty: the submitting unit is the store's, which the caller sets.
 * Returns as forms_ballot_open(), TDKT_ETOOBIG above FORMS_DOSSIER_MAX.
 */
int forms_dossier(const char *data, size_t len, Tdkt__SubmissionPut **out, char *why, size_t cap);

/* The Council vote of `tdkt council vote` (docs/council.md): vote_id, year,
 * council, secret, mode ("paper", the default, or "electronic"),
 * minutes_ref, held_on, contests [{code, subjects [{person | unit, title}],
 * yes, no, abstain}], typed as the ballot files are and judged by
 * council_rules_vote_validate(): an electronic vote has no counts. */
int forms_council_vote(const char *data, size_t len, Tdkt__CouncilVote **out, char *why,
                       size_t cap);

/* A member's cast of `tdkt council cast VOTE_ID CONTEST=yes|no|abstain ...`:
 * the n arguments in specs, with nonce (COUNCIL_NONCE_LEN random bytes the
 * caller draws), judged by council_rules_cast_validate(); a refusal quotes
 * the argument at fault. Whether the vote has those contests is the
 * server's. Returns as forms_ballot_open(); free *out with
 * tdkt__council_cast__free_unpacked(). */
int forms_council_cast(const char *vote_id, char *const *specs, size_t n,
                       const uint8_t nonce[COUNCIL_NONCE_LEN], Tdkt__CouncilCast **out, char *why,
                       size_t cap);

#endif
