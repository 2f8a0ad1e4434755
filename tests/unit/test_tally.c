/* SPDX-License-Identifier: MIT */
/*
 * Tally: thresholds are taken on the whole roll (VOTE-BASE), abstention is
 * never a yes, a tie at the last seat leaves it empty and says so, bad
 * ballots are set aside and counted, more ballots than voters is refused, and
 * a recount from the paper minutes reaches the same result as the ballots.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/domain/tally.h"

#define BALLOTS_MAX     200
#define RECOUNT_ROUNDS  3000
#define RECOUNT_ROLLMAX 40

static struct tally_contest contest(enum tally_method m, unsigned nc, unsigned seats, unsigned pct,
                                    unsigned roll)
{
    struct tally_contest k = {m, nc, seats, m == TALLY_APPROVE ? nc : 1, pct, roll};

    assert_int_equal(tally_contest_check(&k), 0);
    return k;
}

/* A ONE_CHOICE/APPROVE ballot marking the listed candidates (end with -1). */
static struct tally_ballot marked(int first, ...)
{
    struct tally_ballot b;
    va_list ap;

    memset(&b, 0, sizeof b);
    va_start(ap, first);
    for (int i = first; i >= 0; i = va_arg(ap, int))
        b.marks[i] = 1;
    va_end(ap);
    return b;
}

/* A YES_NO ballot: answers[i] for candidate i. */
static struct tally_ballot answered(const char *answers)
{
    struct tally_ballot b;

    memset(&b, 0, sizeof b);
    for (size_t i = 0; answers[i] != '\0'; i++)
        b.marks[i] = answers[i] == 'y' ? TALLY_YES : answers[i] == 'n' ? TALLY_NO : TALLY_ABSTAIN;
    return b;
}

/*
 * The whole count of the first nc candidates as one line, compared with
 * want: "B ballots K blank I invalid, E elected" (", tie" when a tie left a
 * seat empty), then ": yes/no/abstain" for each candidate, followed by "+"
 * when it passes and "*" when it is elected.
 */
static void expect_result(const struct tally_result *r, unsigned nc, const char *want)
{
    char got[1024];
    int at = snprintf(got, sizeof got, "%u ballots %u blank %u invalid, %u elected%s:", r->ballots,
                      r->blank, r->invalid, r->elected, r->tie ? ", tie" : "");

    for (unsigned i = 0; i < nc; i++) {
        const struct tally_candidate *c = &r->c[i];

        assert_true(at > 0 && (size_t)at < sizeof got);
        at += snprintf(got + at, sizeof got - (size_t)at, " %u/%u/%u%s%s", c->yes, c->no,
                       c->abstain, c->passes ? "+" : "", c->elected ? "*" : "");
    }
    assert_true(at > 0 && (size_t)at < sizeof got);
    assert_string_equal(got, want);
}

/* The one-candidate YES_NO vote of the VOTE-BASE examples: whether it
 * passes, and when why is not NULL, words of the sentence. */
struct yes_no_vote {
    unsigned roll, pct, yes, no, abstain;
    int passes;
    const char *why;
};

static void vote_yes_no(const struct yes_no_vote *v, struct tally_result *r)
{
    struct tally_contest k = contest(TALLY_YES_NO, 1, 1, v->pct, v->roll);
    struct tally_ballot b[BALLOTS_MAX];
    char want[128];
    size_t n = 0;

    for (unsigned j = 0; j < v->yes; j++)
        b[n++] = answered("y");
    for (unsigned j = 0; j < v->no; j++)
        b[n++] = answered("n");
    for (unsigned j = 0; j < v->abstain; j++)
        b[n++] = answered("a");
    assert_int_equal(tally_count(&k, b, n, r), 0);
    snprintf(want, sizeof want, "%u ballots 0 blank 0 invalid, %d elected: %u/%u/%u%s",
             v->yes + v->no + v->abstain, v->passes, v->yes, v->no, v->abstain,
             v->passes ? "+*" : "");
    expect_result(r, 1, want);
    if (v->why != NULL)
        assert_non_null(strstr(r->why, v->why));
}

static void test_eighty_percent_of_five(void **state)
{
    /* One member absent with no ballot: 4 of 5 members is 80%. */
    static const struct yes_no_vote absent = {5, 80, 4, 0, 0, 1, "elected: candidate 0 (4 votes)"};
    /* Everybody voted, two abstained: 3 of 5 is 60%, abstentions are not yes. */
    static const struct yes_no_vote abstained = {
        5, 80, 3, 0, 2, 0, "no candidate reached the threshold"};
    struct tally_result r;

    vote_yes_no(&absent, &r);
    vote_yes_no(&abstained, &r);
    assert_non_null(strstr(r.why, "80% of 5 members needs 4 votes"));
}

static void test_threshold_boundaries(void **state)
{
    static const struct yes_no_vote votes[] = {
        /* Roll 10 at 80%: 800 >= 800 passes, 700 < 800 fails. */
        {10, 80, 8, 2, 0, 1, NULL},
        {10, 80, 7, 0, 0, 0, NULL},
        /* Roll 7 at 70%: 500 >= 490 passes, 400 < 490 fails. */
        {7, 70, 5, 0, 0, 1, NULL},
        {7, 70, 4, 3, 0, 0, "70% of 7 members needs 5 votes"},
        /* The base is the roll, not the ballots: 4 yes of 4 ballots is not 80% of 10. */
        {10, 80, 4, 0, 0, 0, NULL},
        /* Threshold 0 still needs one yes. */
        {3, 0, 0, 2, 1, 0, NULL},
        {3, 0, 1, 2, 0, 1, NULL},
        /* 100% needs every member. */
        {6, 100, 5, 0, 0, 0, NULL},
        {6, 100, 6, 0, 0, 1, NULL},
    };

    struct tally_result r;

    for (size_t i = 0; i < sizeof votes / sizeof votes[0]; i++)
        vote_yes_no(&votes[i], &r);
}

static void test_abstention_never_yes(void **state)
{
    struct tally_contest k = contest(TALLY_YES_NO, 3, 3, 50, 4);
    struct tally_ballot b[4] = {answered("yaa"), answered("yna"), answered("aaa"), answered("ana")};
    struct tally_result r;

    /* Abstaining on everything is an answer, not a blank; unanimous
     * abstention elects nobody, even at 50%. */
    assert_int_equal(tally_count(&k, b, 4, &r), 0);
    expect_result(&r, 3, "4 ballots 0 blank 0 invalid, 1 elected: 2/0/2+* 0/2/2 0/0/4");

    /* One-choice: a blank ballot adds to every candidate's abstain, nobody's
     * yes; 1 of 4 members passes nothing, not 1 of 2 marked ballots. */
    k = contest(TALLY_ONE_CHOICE, 2, 1, 50, 4);
    b[0] = marked(0, -1);
    b[1] = marked(-1);
    b[2] = marked(-1);
    b[3] = marked(1, -1);
    assert_int_equal(tally_count(&k, b, 4, &r), 0);
    expect_result(&r, 2, "4 ballots 2 blank 0 invalid, 0 elected: 1/0/3 1/0/3");
}

/*
 * Count one-choice ballots cast as votes says: for each candidate in turn,
 * "candidate:ballots", a blank one as candidate -1 ("-1:3"). The ballots go
 * into b in that order; returns how many.
 */
static size_t cast(struct tally_ballot *b, size_t cap, const char *votes)
{
    size_t n = 0;
    int c, count, used;

    while (sscanf(votes, " %d:%d%n", &c, &count, &used) == 2) {
        for (int j = 0; j < count; j++) {
            assert_true(n < cap);
            b[n++] = marked(c, -1);
        }
        votes += used;
    }
    assert_int_equal(*votes, '\0');
    return n;
}

/*
 * Count the one-choice ballots that cast() makes of votes under k, compare
 * the result as expect_result does, and when why is not NULL, the whole
 * sentence.
 */
static void count_cast(const struct tally_contest *k, const char *votes, const char *want,
                       const char *why)
{
    struct tally_ballot b[BALLOTS_MAX];
    size_t n = cast(b, BALLOTS_MAX, votes);
    struct tally_result r;

    assert_int_equal(tally_count(k, b, n, &r), 0);
    expect_result(&r, k->ncandidates, want);
    if (why != NULL)
        assert_string_equal(r.why, why);
}

static void test_tie_for_single_seat(void **state)
{
    /* Candidates 1 and 3 have 2 votes each on a roll of 5 with no threshold. */
    struct tally_contest k = contest(TALLY_ONE_CHOICE, 4, 1, 0, 5);

    count_cast(&k, "1:2 3:2 0:1",
               "5 ballots 0 blank 0 invalid, 0 elected, tie: 1/0/4+ 2/0/3+ 0/0/5 2/0/3+",
               "candidates 1 and 3 tie with 2 votes each for seat 1 of 1; no winner");
}

static void test_tie_below_first_seat(void **state)
{
    /* Two seats, 5/3/3: candidate 0 is elected, seat 2 stays empty. */
    struct tally_contest k = contest(TALLY_ONE_CHOICE, 3, 2, 20, 11);

    count_cast(&k, "0:5 1:3 2:3",
               "11 ballots 0 blank 0 invalid, 1 elected, tie: 5/0/6+* 3/0/8+ 3/0/8+",
               "elected: candidate 0 (5 votes); candidates 1 and 2 tie with 3 "
               "votes each for seat 2 of 2; no winner");

    /* A tie that fits in the seats is no tie: 5/3/3 with three seats. */
    k.seats = 3;
    count_cast(&k, "0:5 1:3 2:3",
               "11 ballots 0 blank 0 invalid, 3 elected: 5/0/6+* 3/0/8+* 3/0/8+*", NULL);

    /* Equal votes below the threshold are no tie: 5/2/2 at 50% of 10. */
    k = contest(TALLY_ONE_CHOICE, 3, 2, 50, 10);
    count_cast(&k, "2:5 0:2 1:2", "9 ballots 0 blank 0 invalid, 1 elected: 2/0/7 2/0/7 5/0/4+*",
               "elected: candidate 2 (5 votes); 1 of 2 seats filled; no other "
               "candidate reached 50% of 10 members (5 votes)");
}

static void test_tie_over_several_seats(void **state)
{
    /* Three seats, 5/3/3/3: the tie for seats 2 and 3 leaves both empty. */
    struct tally_contest k = contest(TALLY_APPROVE, 4, 3, 0, 5);
    struct tally_ballot b[5] = {marked(0, 1, 2, 3, -1), marked(0, 1, 2, 3, -1),
                                marked(0, 1, 2, 3, -1), marked(0, -1), marked(0, -1)};
    struct tally_result r;

    assert_int_equal(tally_count(&k, b, 5, &r), 0);
    expect_result(&r, 4,
                  "5 ballots 0 blank 0 invalid, 1 elected, tie: 5/0/0+* 3/0/2+ 3/0/2+ 3/0/2+");
    assert_string_equal(r.why, "elected: candidate 0 (5 votes); candidates 1, 2 and 3 tie with 3 "
                               "votes each for seats 2 to 3 of 3; no winner");
}

static void test_fewer_passing_than_seats(void **state)
{
    struct tally_contest k = contest(TALLY_APPROVE, 3, 2, 60, 5);
    struct tally_ballot b[5] = {marked(0, 1, -1), marked(0, -1), marked(0, 2, -1), marked(-1),
                                marked(1, -1)};
    struct tally_result r;

    assert_int_equal(tally_count(&k, b, 5, &r), 0);
    expect_result(&r, 3, "5 ballots 1 blank 0 invalid, 1 elected: 3/0/2+* 2/0/3 1/0/4");
    assert_string_equal(r.why, "elected: candidate 0 (3 votes); 1 of 2 seats filled; no other "
                               "candidate reached 60% of 5 members (3 votes)");
}

static void test_approve_up_to_k(void **state)
{
    struct tally_contest k = {TALLY_APPROVE, 5, 2, 2, 50, 6};
    struct tally_ballot b[6] = {
        marked(0, 1, -1), marked(0, 2, -1),    marked(0, -1), marked(1, 0, -1),
        marked(-1),       marked(2, 3, 4, -1), /* three approvals on an up-to-2 ballot */
    };
    struct tally_result r;

    assert_int_equal(tally_contest_check(&k), 0);
    assert_int_equal(tally_check_ballot(&k, &b[0]), 0);
    assert_int_equal(tally_check_ballot(&k, &b[4]), 0);
    assert_int_equal(tally_check_ballot(&k, &b[5]), TDKT_EINVAL);
    /* The refused ballot's marks count for nobody; 2 of 6 members is short of 50%. */
    assert_int_equal(tally_count(&k, b, 6, &r), 0);
    expect_result(&r, 5, "5 ballots 1 blank 1 invalid, 1 elected: 4/0/1+* 2/0/3 1/0/4 0/0/5 0/0/5");

    /* At the limit of k approvals the same ballot is good. */
    k.max_choices = 3;
    assert_int_equal(tally_check_ballot(&k, &b[5]), 0);
    assert_int_equal(tally_count(&k, b, 6, &r), 0);
    expect_result(&r, 5, "6 ballots 1 blank 0 invalid, 1 elected: 4/0/2+* 2/0/4 2/0/4 1/0/5 1/0/5");
}

static void test_one_choice_blank(void **state)
{
    struct tally_contest k = contest(TALLY_ONE_CHOICE, 3, 1, 50, 9);

    count_cast(&k, "2:5 0:1 -1:3", "9 ballots 3 blank 0 invalid, 1 elected: 1/0/8 0/0/9 5/0/4+*",
               "elected: candidate 2 (5 votes); 1 of 1 seat filled");

    /* With one more blank instead of a vote for 2, 4 of 9 is short of 50%. */
    count_cast(&k, "-1:1 2:4 0:1 -1:3", "9 ballots 4 blank 0 invalid, 0 elected: 1/0/8 0/0/9 4/0/5",
               NULL);
}

static void test_invalid_ballots(void **state)
{
    struct tally_contest one = contest(TALLY_ONE_CHOICE, 3, 1, 0, 10);
    struct tally_contest yn = contest(TALLY_YES_NO, 3, 1, 0, 10);
    struct tally_ballot b[6];
    struct tally_result r;

    b[0] = marked(0, 1, -1); /* two marks on a one-choice ballot */
    b[1] = marked(3, -1);    /* a mark past the three candidates */
    b[2] = marked(1, -1);
    b[2].marks[1] = 2; /* a mark that is not 0/1 */
    b[3] = marked(2, -1);
    b[4] = marked(TALLY_CANDIDATES_MAX - 1, -1);
    b[5] = marked(-1);
    for (int j = 0; j < 3; j++)
        assert_int_equal(tally_check_ballot(&one, &b[j]), TDKT_EINVAL);
    assert_int_equal(tally_check_ballot(&one, &b[3]), 0);
    assert_int_equal(tally_check_ballot(&one, &b[4]), TDKT_EINVAL);
    assert_int_equal(tally_check_ballot(&one, &b[5]), 0);
    assert_int_equal(tally_count(&one, b, 6, &r), 0);
    assert_int_equal(r.invalid, 4);
    assert_int_equal(r.ballots, 2);
    assert_int_equal(r.blank, 1);
    assert_int_equal(r.c[0].yes, 0);
    assert_int_equal(r.c[1].yes, 0);
    assert_int_equal(r.c[2].yes, 1);
    assert_int_equal(r.c[2].abstain, 1);
    assert_int_equal(r.c[0].abstain, 2);

    b[0] = answered("yna");
    b[1] = answered("yny");
    b[1].marks[2] = 3; /* an answer past TALLY_NO */
    b[2] = answered("nnny");
    b[2].marks[3] = TALLY_YES; /* an answer for a fourth candidate */
    assert_int_equal(tally_check_ballot(&yn, &b[0]), 0);
    assert_int_equal(tally_check_ballot(&yn, &b[1]), TDKT_EINVAL);
    assert_int_equal(tally_check_ballot(&yn, &b[2]), TDKT_EINVAL);
    assert_int_equal(tally_count(&yn, b, 3, &r), 0);
    assert_int_equal(r.invalid, 2);
    assert_int_equal(r.ballots, 1);
    assert_int_equal(r.c[0].yes, 1);
    assert_int_equal(r.c[1].no, 1);
    assert_int_equal(r.c[2].abstain, 1);

    /* A bad contest refuses every ballot. */
    one.seats = 0;
    assert_int_equal(tally_check_ballot(&one, &b[5]), TDKT_EINVAL);
    assert_int_equal(tally_check_ballot(NULL, &b[5]), TDKT_EINVAL);
}

static void test_more_ballots_than_roll(void **state)
{
    struct tally_contest k = contest(TALLY_YES_NO, 1, 1, 80, 5);
    struct tally_ballot b[6];
    struct tally_result r;
    unsigned yes[1] = {6}, no[1] = {0}, abstain[1] = {0};

    for (int j = 0; j < 6; j++)
        b[j] = answered("y");
    assert_int_equal(tally_count(&k, b, 5, &r), 0);
    assert_int_equal(r.elected, 1);
    assert_int_equal(tally_count(&k, b, 6, &r), TDKT_EINVAL);
    assert_int_equal(r.elected, 0);
    assert_int_equal(r.ballots, 0);
    assert_false(r.c[0].passes);
    assert_non_null(strstr(r.why, "more ballots than voters"));

    /* Every ballot handed in came from a voter, a spoilt one too. */
    b[5].marks[0] = 7;
    assert_int_equal(tally_count(&k, b, 6, &r), TDKT_EINVAL);

    assert_int_equal(tally_from_counts(&k, 6, yes, no, abstain, &r), TDKT_EINVAL);
    assert_non_null(strstr(r.why, "more ballots than voters"));
    yes[0] = 5;
    assert_int_equal(tally_from_counts(&k, 5, yes, no, abstain, &r), 0);
    assert_int_equal(r.elected, 1);
}

static void test_impossible_counts(void **state)
{
    struct tally_contest yn = contest(TALLY_YES_NO, 2, 1, 50, 10);
    struct tally_contest one = contest(TALLY_ONE_CHOICE, 2, 1, 50, 10);
    struct tally_contest ap = {TALLY_APPROVE, 3, 1, 2, 50, 10};
    struct tally_result r;
    unsigned yes[3] = {4, 3, 0}, no[3] = {3, 3, 0}, abstain[3] = {1, 2, 0};

    assert_int_equal(tally_from_counts(&yn, 8, yes, no, abstain, &r), 0);
    abstain[0] = 2; /* 4 + 3 + 2 > 8 */
    assert_int_equal(tally_from_counts(&yn, 8, yes, no, abstain, &r), TDKT_EINVAL);
    abstain[0] = 0; /* 4 + 3 + 0 < 8: every ballot answers for every candidate */
    assert_int_equal(tally_from_counts(&yn, 8, yes, no, abstain, &r), TDKT_EINVAL);
    assert_int_equal(tally_from_counts(&yn, 8, yes, no, NULL, &r), TDKT_EINVAL);

    /* One choice: 4 + 3 choices on 6 ballots is impossible, on 7 it is not. */
    assert_int_equal(tally_from_counts(&one, 6, yes, NULL, NULL, &r), TDKT_EINVAL);
    assert_int_equal(tally_from_counts(&one, 7, yes, NULL, NULL, &r), 0);
    assert_int_equal(r.blank, 0);
    assert_int_equal(tally_from_counts(&one, 9, yes, NULL, NULL, &r), 0);
    assert_int_equal(r.blank, 2);
    assert_int_equal(r.c[0].abstain, 5);
    assert_int_equal(tally_from_counts(&one, 9, yes, no, NULL, &r), TDKT_EINVAL);   /* no votes */
    assert_int_equal(tally_from_counts(&one, 3, yes, NULL, NULL, &r), TDKT_EINVAL); /* 4 > 3 */

    /* Approve up to 2: 4 + 3 + 0 = 7 approvals need at least 4 ballots. */
    assert_int_equal(tally_from_counts(&ap, 4, yes, NULL, NULL, &r), 0);
    yes[2] = 2;
    assert_int_equal(tally_from_counts(&ap, 4, yes, NULL, NULL, &r), TDKT_EINVAL);
    assert_int_equal(tally_from_counts(&ap, 5, yes, NULL, NULL, &r), 0);
    abstain[0] = 1;
    abstain[1] = 2;
    abstain[2] = 3;
    assert_int_equal(tally_from_counts(&ap, 5, yes, NULL, abstain, &r), 0);
    abstain[2] = 2;
    assert_int_equal(tally_from_counts(&ap, 5, yes, NULL, abstain, &r), TDKT_EINVAL);
    assert_int_equal(tally_from_counts(&ap, 5, NULL, NULL, NULL, &r), TDKT_EINVAL);
    assert_int_equal(tally_from_counts(&ap, 5, yes, NULL, NULL, NULL), TDKT_EINVAL);
}

/* xorshift32: a fixed sequence, so a failure can be replayed. */
static uint32_t rnd_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static unsigned rnd_below(uint32_t *s, unsigned n)
{
    return rnd_next(s) % n;
}

static struct tally_ballot random_ballot(uint32_t *s, const struct tally_contest *k)
{
    struct tally_ballot b;

    memset(&b, 0, sizeof b);
    if (rnd_below(s, 20) == 0) { /* now and then a ballot to refuse */
        b.marks[rnd_below(s, TALLY_CANDIDATES_MAX)] = (uint8_t)(1 + rnd_below(s, 4));
        b.marks[rnd_below(s, k->ncandidates)] = 1;
        return b;
    }
    switch (k->method) {
    case TALLY_ONE_CHOICE:
        if (rnd_below(s, 5) != 0)
            b.marks[rnd_below(s, k->ncandidates)] = 1;
        break;
    case TALLY_APPROVE:
        for (unsigned m = rnd_below(s, k->max_choices + 1); m > 0; m--)
            b.marks[rnd_below(s, k->ncandidates)] = 1;
        break;
    case TALLY_YES_NO:
        /* Lean towards yes so that many candidates pass and tie. */
        for (unsigned i = 0; i < k->ncandidates; i++)
            b.marks[i] = (uint8_t)(rnd_below(s, 5) < 3 ? TALLY_YES : rnd_below(s, 3));
        break;
    }
    return b;
}

/*
 * The election rule stated independently: a passing candidate is elected
 * when it and everyone passing with as many votes fit in the seats above the
 * candidates with more; a seat is lost to a tie when a passing group starts
 * inside the seats and ends past them.
 */
static void assert_election_rule(const struct tally_contest *k, const struct tally_result *r)
{
    unsigned elected = 0;
    int tie = 0;

    for (unsigned i = 0; i < k->ncandidates; i++) {
        unsigned above = 0, same = 0;
        int passes = r->c[i].yes >= 1 && r->c[i].yes * 100u >= k->threshold_pct * k->roll;

        assert_int_equal(r->c[i].passes, passes);
        for (unsigned j = 0; j < k->ncandidates; j++) {
            if (j == i || !r->c[j].passes)
                continue;
            above += r->c[j].yes > r->c[i].yes;
            same += r->c[j].yes == r->c[i].yes;
        }
        assert_int_equal(r->c[i].elected, passes && above + same + 1 <= k->seats);
        elected += r->c[i].elected;
        if (passes && above < k->seats && above + same + 1 > k->seats)
            tie = 1;
    }
    assert_int_equal(r->elected, elected);
    assert_int_equal(r->tie, tie);
    assert_true(r->elected <= k->seats);
    assert_true(strlen(r->why) > 0);
}

static void recount_method(enum tally_method m)
{
    uint32_t s = 0x7d1c0u + (uint32_t)m;
    unsigned ties = 0, elections = 0;

    for (int round = 0; round < RECOUNT_ROUNDS; round++) {
        struct tally_contest k;
        struct tally_ballot b[RECOUNT_ROLLMAX];
        struct tally_result from_ballots, from_counts;
        unsigned yes[TALLY_CANDIDATES_MAX] = {0}, no[TALLY_CANDIDATES_MAX] = {0},
                 abstain[TALLY_CANDIDATES_MAX] = {0}, counted = 0, blank = 0, n;

        memset(&k, 0, sizeof k);
        k.method = m;
        k.ncandidates = round % 50 == 0 ? TALLY_CANDIDATES_MAX : 1 + rnd_below(&s, 6);
        k.seats = 1 + rnd_below(&s, k.ncandidates < 3 ? k.ncandidates : 3);
        k.max_choices = m == TALLY_APPROVE ? 1 + rnd_below(&s, k.ncandidates) : 1;
        k.threshold_pct = rnd_below(&s, 4) == 0 ? 0 : rnd_below(&s, 101);
        k.roll = 1 + rnd_below(&s, RECOUNT_ROLLMAX);
        assert_int_equal(tally_contest_check(&k), 0);
        n = rnd_below(&s, k.roll + 1);
        for (unsigned j = 0; j < n; j++)
            b[j] = random_ballot(&s, &k);

        /* The minutes, written by hand from the same ballots. */
        for (unsigned j = 0; j < n; j++) {
            unsigned marks = 0;

            if (tally_check_ballot(&k, &b[j]) != 0)
                continue;
            counted++;
            for (unsigned i = 0; i < k.ncandidates; i++) {
                if (m != TALLY_YES_NO) {
                    yes[i] += b[j].marks[i];
                    abstain[i] += !b[j].marks[i];
                    marks += b[j].marks[i];
                } else if (b[j].marks[i] == TALLY_YES) {
                    yes[i]++;
                } else if (b[j].marks[i] == TALLY_NO) {
                    no[i]++;
                } else {
                    abstain[i]++;
                }
            }
            blank += m != TALLY_YES_NO && marks == 0;
        }

        assert_int_equal(tally_count(&k, b, n, &from_ballots), 0);
        assert_int_equal(from_ballots.ballots, counted);
        assert_int_equal(from_ballots.invalid, n - counted);
        assert_int_equal(from_ballots.blank, blank);
        assert_election_rule(&k, &from_ballots);

        assert_int_equal(tally_from_counts(&k, counted, yes, no, abstain, &from_counts), 0);
        assert_int_equal(from_counts.ballots, from_ballots.ballots);
        assert_int_equal(from_counts.invalid, 0);
        assert_int_equal(from_counts.blank, m == TALLY_APPROVE ? 0 : from_ballots.blank);
        for (unsigned i = 0; i < TALLY_CANDIDATES_MAX; i++) {
            assert_int_equal(from_counts.c[i].yes, from_ballots.c[i].yes);
            assert_int_equal(from_counts.c[i].no, from_ballots.c[i].no);
            assert_int_equal(from_counts.c[i].abstain, from_ballots.c[i].abstain);
            assert_int_equal(from_counts.c[i].passes, from_ballots.c[i].passes);
            assert_int_equal(from_counts.c[i].elected, from_ballots.c[i].elected);
            assert_int_equal(from_counts.c[i].yes, yes[i]);
        }
        assert_int_equal(from_counts.elected, from_ballots.elected);
        assert_int_equal(from_counts.tie, from_ballots.tie);
        assert_string_equal(from_counts.why, from_ballots.why);
        ties += from_ballots.tie;
        elections += from_ballots.elected > 0;
    }
    /* The loop must have met the interesting cases, or it proves little. */
    assert_true(ties > RECOUNT_ROUNDS / 50);
    assert_true(elections > RECOUNT_ROUNDS / 10);
}

static void test_recount_one_choice(void **state)
{
    recount_method(TALLY_ONE_CHOICE);
}

static void test_recount_approve(void **state)
{
    recount_method(TALLY_APPROVE);
}

static void test_recount_yes_no(void **state)
{
    recount_method(TALLY_YES_NO);
}

static void test_contest_check(void **state)
{
    const struct tally_contest good = {TALLY_APPROVE, 5, 2, 3, 80, 9};
    struct tally_contest k;
    struct tally_ballot b[1] = {{{0}}};
    struct tally_result r;

    assert_int_equal(tally_contest_check(&good), 0);
    assert_int_equal(tally_contest_check(NULL), TDKT_EINVAL);

#define REFUSED(field, value)                                                                      \
    do {                                                                                           \
        k = good;                                                                                  \
        k.field = value;                                                                           \
        assert_int_equal(tally_contest_check(&k), TDKT_EINVAL);                                    \
        assert_int_equal(tally_count(&k, b, 1, &r), TDKT_EINVAL);                                  \
        assert_int_equal(r.elected, 0);                                                            \
    } while (0)

    REFUSED(seats, 0);
    REFUSED(seats, 6);
    REFUSED(threshold_pct, 101);
    REFUSED(roll, 0);
    REFUSED(ncandidates, 0);
    REFUSED(ncandidates, TALLY_CANDIDATES_MAX + 1);
    REFUSED(max_choices, 0);
    REFUSED(max_choices, 6);
    REFUSED(method, (enum tally_method)0);
    REFUSED(method, (enum tally_method)4);
    REFUSED(method, TALLY_ONE_CHOICE); /* one choice with max_choices 3 */
#undef REFUSED

    /* The edges that are allowed. */
    k = good;
    k.seats = k.ncandidates;
    k.max_choices = k.ncandidates;
    k.threshold_pct = 100;
    k.roll = 1;
    assert_int_equal(tally_contest_check(&k), 0);
    k.ncandidates = TALLY_CANDIDATES_MAX;
    k.method = TALLY_YES_NO;
    k.max_choices = 0; /* ignored for yes/no */
    assert_int_equal(tally_contest_check(&k), 0);
    k.threshold_pct = 0;
    assert_int_equal(tally_contest_check(&k), 0);

    /* Other misuse of the API. */
    assert_int_equal(tally_count(&good, NULL, 1, &r), TDKT_EINVAL);
    assert_int_equal(tally_count(&good, b, 1, NULL), TDKT_EINVAL);
    assert_int_equal(tally_count(&good, NULL, 0, &r), 0);
    assert_int_equal(r.ballots, 0);
    assert_int_equal(r.elected, 0);
    assert_non_null(strstr(r.why, "no candidate reached the threshold"));
}

static void test_why_fits(void **state)
{
    /* 64 seats, all elected: the sentence is cut with "..." and stays terminated. */
    struct tally_contest k =
        contest(TALLY_YES_NO, TALLY_CANDIDATES_MAX, TALLY_CANDIDATES_MAX, 0, 3);
    struct tally_ballot b[1];
    struct tally_result r;

    memset(b, TALLY_YES, sizeof b);
    assert_int_equal(tally_count(&k, b, 1, &r), 0);
    assert_int_equal(r.elected, TALLY_CANDIDATES_MAX);
    assert_int_equal(strlen(r.why), sizeof r.why - 1);
    assert_string_equal(r.why + sizeof r.why - 4, "...");
    assert_memory_equal(r.why, "elected: candidates 0 (1 vote), 1 (1 vote)", 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eighty_percent_of_five),
        cmocka_unit_test(test_threshold_boundaries),
        cmocka_unit_test(test_abstention_never_yes),
        cmocka_unit_test(test_tie_for_single_seat),
        cmocka_unit_test(test_tie_below_first_seat),
        cmocka_unit_test(test_tie_over_several_seats),
        cmocka_unit_test(test_fewer_passing_than_seats),
        cmocka_unit_test(test_approve_up_to_k),
        cmocka_unit_test(test_one_choice_blank),
        cmocka_unit_test(test_invalid_ballots),
        cmocka_unit_test(test_more_ballots_than_roll),
        cmocka_unit_test(test_impossible_counts),
        cmocka_unit_test(test_recount_one_choice),
        cmocka_unit_test(test_recount_approve),
        cmocka_unit_test(test_recount_yes_no),
        cmocka_unit_test(test_contest_check),
        cmocka_unit_test(test_why_fits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
