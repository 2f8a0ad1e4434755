/* SPDX-License-Identifier: MIT */
/*
 * Tally: counts the ballots of one contest of an emulation-cluster (or
 * council) vote and says who passes the threshold and who is elected. It owns
 * the counting rules below and nothing else: it does no I/O, no allocation and
 * no logging, and keeps no state between calls. Who may vote (the frozen
 * roll), which units may stand (CLUSTER-LEAD: a unit not considered for
 * emulation in the previous year may not be leader or deputy; CO-NGANH: only
 * TTLĐXS units that exceeded their targets) and storing the result are the
 * caller's job; this module only sees candidate indexes 0..ncandidates-1.
 *
 * Rules, by their ids in the domain rules (domain.md §3):
 *
 * VOTE-BASE  The threshold is a percentage of the ROLL (every member of the
 *            voting body), never of the ballots cast: a candidate passes when
 *            yes * 100 >= threshold_pct * roll and yes >= 1, in integer
 *            arithmetic. An absent member who sent a written vote is a ballot
 *            like any other (the caller includes it); an absent member who
 *            sent nothing simply has no ballot, which works against every
 *            candidate. Abstentions are counted and shown, never as yes.
 *            Roll 5, threshold 80: 4 yes passes, 3 yes fails.
 * CO-NGANH   The legacy "≥ 80% of the cluster's members agree" is a contest
 *            with threshold_pct = 80, roll = the cluster's members and
 *            seats = 1 (at most one banner per cluster per year). The
 *            percentage is configuration, not a constant here.
 * CLUSTER-LEAD  Electing a leader or deputy is a seats = 1 contest; the
 *            eligibility of the candidates is checked before the vote.
 *
 * Counting:
 * - ONE_CHOICE, APPROVE: yes = ballots marking the candidate; no stays 0;
 *   abstain = counted ballots that did not mark the candidate (blank ballots
 *   included). A ballot with no mark is a blank ballot, counted in `ballots`
 *   and in `blank`.
 * - YES_NO: every answer is counted as given; a ballot answers for every
 *   candidate, so yes + no + abstain = ballots for each candidate. `blank`
 *   stays 0 (ABSTAIN is an explicit answer, not a blank).
 * - A ballot refused by tally_check_ballot() is counted in `invalid` only.
 *   More ballots than members on the roll is impossible: tally_count()
 *   refuses it (it compares every ballot handed in, invalid ones included,
 *   since each came from one voter).
 *
 * Election: the passing candidates, ordered by yes (descending), fill the
 * seats. When the last seats to fill would go to some but not all of a group
 * with equal yes (a tie at the boundary), nobody in that group is elected:
 * `tie` = 1, `elected` counts only the candidates ranked strictly above the
 * group, and `why` names the group. A tie that fits entirely within the seats
 * is no tie (seats 2, yes 4 and 4: both elected).
 *
 * `why` names candidates by their 0-based index, the index of c[] and marks[],
 * and seats 1-based: "candidates 1 and 3 tie with 2 votes each for seat 1 of
 * 1; no winner". It never mentions blank ballots, so a recount from paper
 * counts gives the same sentence as the count of the same ballots.
 */
#ifndef TDKT_COMMON_DOMAIN_TALLY_H
#define TDKT_COMMON_DOMAIN_TALLY_H

#include <stddef.h>
#include <stdint.h>

#define TALLY_CANDIDATES_MAX 64
#define TALLY_PCT_MAX        100
#define TALLY_WHY_MAX        200

enum tally_method { TALLY_ONE_CHOICE = 1, TALLY_APPROVE = 2, TALLY_YES_NO = 3 };
enum tally_answer { TALLY_ABSTAIN = 0, TALLY_YES = 1, TALLY_NO = 2 };

struct tally_contest {
    enum tally_method method;
    unsigned ncandidates;   /* 1..TALLY_CANDIDATES_MAX */
    unsigned seats;         /* 1..ncandidates */
    unsigned max_choices;   /* APPROVE: 1..ncandidates (approve up to k); ONE_CHOICE: must be 1;
                               YES_NO: ignored */
    unsigned threshold_pct; /* 0..100 of the ROLL (total membership), not of votes cast */
    unsigned roll;          /* members on the frozen voter roll, >= 1 */
};

/*
 * One ballot for this contest. ONE_CHOICE: marks[i] = 1 for the one chosen
 * candidate, no mark = a blank ballot (explicit abstention). APPROVE:
 * marks[i] = 1 for each approved candidate (at most max_choices); none =
 * blank. YES_NO: marks[i] is an enum tally_answer for candidate i (every
 * candidate gets an answer; ABSTAIN is explicit). Entries at and past
 * ncandidates must be 0.
 */
struct tally_ballot {
    uint8_t marks[TALLY_CANDIDATES_MAX];
};

struct tally_candidate {
    unsigned yes, no, abstain;
    int passes;  /* VOTE-BASE threshold reached */
    int elected; /* given a seat */
};

struct tally_result {
    unsigned ballots; /* counted */
    unsigned blank; /* ONE_CHOICE/APPROVE ballots with no mark; see tally_from_counts for APPROVE */
    unsigned invalid; /* ballots refused by tally_check_ballot, not counted */
    struct tally_candidate c[TALLY_CANDIDATES_MAX]; /* entries past ncandidates are zero */
    unsigned elected;                               /* seats filled */
    int tie;                                        /* a tie at the boundary left a seat unfilled */
    char why[TALLY_WHY_MAX];                        /* a sentence: who was elected, or why not */
};

/*
 * 0 when the contest is well formed, TDKT_EINVAL otherwise (also for NULL),
 * with nothing else done.
 */
int tally_contest_check(const struct tally_contest *k);

/*
 * 0 when b is a valid ballot for the well-formed contest k; TDKT_EINVAL for:
 * ONE_CHOICE with more than one mark, APPROVE with more than max_choices
 * marks, a mark other than 0/1 (ONE_CHOICE, APPROVE) or an answer > TALLY_NO
 * (YES_NO), any non-zero entry at or past ncandidates, or a bad contest.
 */
int tally_check_ballot(const struct tally_contest *k, const struct tally_ballot *b);

/*
 * Count the n ballots b[] of contest k into *out. Returns TDKT_EINVAL, with
 * *out cleared and out->why saying why, for a bad contest, NULL arguments
 * (b may be NULL when n is 0) or n > k->roll. Invalid ballots are not an
 * error: they are counted in out->invalid and ignored.
 */
int tally_count(const struct tally_contest *k, const struct tally_ballot *b, size_t n,
                struct tally_result *out);

/*
 * Paper ballots: the minutes give `ballots` (counted, valid) and per-candidate
 * counts yes[i], no[i], abstain[i] for i < ncandidates; the same rules apply.
 * ONE_CHOICE/APPROVE: no and abstain may be NULL; if given, no[i] must be 0
 * and abstain[i] must be ballots - yes[i]. YES_NO: all three are required and
 * yes[i] + no[i] + abstain[i] must equal ballots. TDKT_EINVAL (with *out
 * cleared and out->why saying why) when a count is impossible: ballots >
 * roll, yes[i] > ballots, ONE_CHOICE yes summing past ballots, APPROVE yes
 * summing past ballots * max_choices, or the sums above.
 *
 * out->invalid is 0. out->blank is ballots - sum(yes) for ONE_CHOICE; for
 * APPROVE it cannot be known from per-candidate totals (one ballot may mark
 * several candidates) and is reported as 0; for YES_NO it is 0.
 */
int tally_from_counts(const struct tally_contest *k, unsigned ballots, const unsigned yes[],
                      const unsigned no[], const unsigned abstain[], struct tally_result *out);

#endif
