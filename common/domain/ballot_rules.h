/* SPDX-License-Identifier: MIT */
/*
 * Ballot rules shared by the server, the client and the independent
 * verifier (docs/ballots.md): the shape of a ballot and of a paper
 * ballot, which both sides check alike, the validity of a voter's
 * choices, the hashes that bind sealed ballots (tracker, commitment, box
 * hash), and the count of a whole ballot through common/domain/tally.c. The
 * server counts with ballot_rules_tally() and `tdkt ballot verify` recounts with
 * the same function from the published box, so both read the rules alike.
 * Pure: no I/O; results are malloc'd protobuf messages the caller frees.
 */
#ifndef TDKT_COMMON_DOMAIN_BALLOT_RULES_H
#define TDKT_COMMON_DOMAIN_BALLOT_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "common/domain/records.h"
#include "common/domain/tally.h"
#include "proto/tdkt.pb-c.h"

#define BALLOT_CONTESTS_MAX  16
#define BALLOT_HASH_LEN      32
#define BALLOT_SALT_LEN      32
#define BALLOT_NONCE_LEN     16
#define BALLOT_DURATION_MAX  (90LL * 24 * 3600 * 1000) /* a ballot is open at most 90 days */
#define BALLOT_STATEMENT_MAX (64u * 1024u)             /* bytes of a signed statement */

/*
 * The shape of a ballot as opened: ids, contests, candidates, seats,
 * methods, max_choices, thresholds (0..100; 0 = from the rule set), times
 * (closing after the opening and at most BALLOT_DURATION_MAX after it; an
 * opening of 0, "when the server receives it", is not judged). What needs
 * the ledger or the server's clock is the server's (server/ballot/).
 *
 * The client runs it on the file of `tdkt ballot open` and the server on
 * every BallotOpen, so both refuse alike. A refusal names the field by its
 * path in the message: "ballot_id", "closes_ms", "contests[0].seats",
 * "contests[1].candidates[2]", with one sentence saying why.
 */
int ballot_rules_open_validate(const Tdkt__BallotOpen *m, struct fault *f);

/*
 * The times of a ballot as the server's clock reads them at now_ms: the
 * closing time is still ahead, and at most BALLOT_DURATION_MAX after the
 * opening (now_ms for an opening of 0). Refusals name "closes_ms".
 */
int ballot_rules_open_times(const Tdkt__BallotOpen *m, int64_t now_ms, struct fault *f);

/*
 * The shape of a paper ballot: its ids, the reference of its minutes, its
 * one contest (as a contest of ballot_rules_open_validate(), fields under
 * "contest."), and one count per candidate: yes always, no and abstain for
 * a yes_no contest (optional for the others, whose tally then checks
 * them). Whether the counts add up is tally_from_counts()'s, on the roll.
 */
int ballot_rules_paper_validate(const Tdkt__BallotPaper *m, struct fault *f);

/* Check choices against the ballot: exactly one choice for each contest
 * whose secret flag equals secret, none for the others, each a valid ballot
 * for its contest. field_prefix names the list in f ("statement.named"). */
int ballot_rules_choices_check(const Tdkt__BallotOpen *b, Tdkt__ContestChoice *const *choices,
                               size_t n, int secret, const char *field_prefix, struct fault *f);

/* The contest as the tally module sees it, with the roll's size. */
int ballot_rules_contest_tally(const Tdkt__Contest *c, unsigned roll, struct tally_contest *out);
/* A choice as a tally ballot; TDKT_EINVAL when it names an unknown candidate
 * or has the wrong number of answers. */
int ballot_rules_choice_tally(const Tdkt__Contest *c, const Tdkt__ContestChoice *ch,
                              struct tally_ballot *out);

/* tracker = SHA-256(bytes): a sealed ballot's, or a named-only statement's. */
void ballot_rules_tracker(const uint8_t *bytes, size_t len, uint8_t out[BALLOT_HASH_LEN]);
/* commitment = SHA-256("tdkt-commit-v1" || tracker || salt). */
void ballot_rules_commitment(const uint8_t tracker[BALLOT_HASH_LEN],
                             const uint8_t salt[BALLOT_SALT_LEN], uint8_t out[BALLOT_HASH_LEN]);
/* box hash = SHA-256 over the trackers in ascending byte order; trackers is
 * sorted in place (n * 32 bytes). */
void ballot_rules_box_hash(uint8_t (*trackers)[BALLOT_HASH_LEN], size_t n,
                           uint8_t out[BALLOT_HASH_LEN]);

/* 1 when the ballot has at least one secret contest. */
int ballot_rules_has_secret(const Tdkt__BallotOpen *b);

/*
 * Count a whole ballot: for every contest, the named choices of the final
 * statements (named contests) or the choices of the sealed ballots (secret
 * contests), on the roll of o. *out (n = contests) is malloc'd; free with
 * ballot_rules_results_free(). Elected candidates and ties are named by unit code
 * in each result's why.
 */
int ballot_rules_tally(const Tdkt__BallotOpened *o, Tdkt__BallotStatement *const *named,
                       size_t nnamed, Tdkt__SealedBallot *const *sealed, size_t nsealed,
                       Tdkt__ContestResult ***out, size_t *nout);
void ballot_rules_results_free(Tdkt__ContestResult **r, size_t n);
/* One result message from a tally (paper ballots count from the minutes),
 * candidates named by code; NULL when out of memory. */
Tdkt__ContestResult *ballot_result_new(const Tdkt__Contest *c, const struct tally_contest *k,
                                       const struct tally_result *t);

/* Compare two results field by field; 0 when equal, else 1 with why. */
int ballot_rules_results_differ(const Tdkt__ContestResult *a, const Tdkt__ContestResult *b,
                                char *why, size_t cap);

/* Purpose names for files and messages: "leader", "deputy", "flag", ... */
const char *ballot_rules_purpose_name(int purpose);
int ballot_rules_purpose_parse(const char *s);
const char *ballot_rules_method_name(int method);
int ballot_rules_method_parse(const char *s);

#endif
