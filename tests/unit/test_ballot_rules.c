/* SPDX-License-Identifier: MIT */
/*
 * Ballot rules (common/domain/ballot_rules.c), the part the server and the
 * independent verifier share: a ballot is opened only in the documented
 * shape, and a refusal names the offending field; a voter gives exactly one
 * valid choice per contest of the right kind; the tracker, commitment and
 * box hash are the documented SHA-256 constructions, recomputed here with
 * OpenSSL directly; a whole ballot is counted on the roll with missing
 * choices as invalid and a sentence naming units by code; and two results
 * are compared field by field.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/domain/ballot_rules.h"
#include "common/err.h"

#define T_OPENS  1700000000000LL
#define T_CLOSES (T_OPENS + 3600 * 1000)
#define WHY_CAP  256

/* ---- building ballots ---------------------------------------------------- */

/* A ballot with room for more contests and candidates than any limit, so
 * each test can push one field just past it. Everything is borrowed from
 * this struct: nothing is freed. */
struct fx {
    Tdkt__BallotOpen b;
    Tdkt__Contest c[BALLOT_CONTESTS_MAX + 1];
    Tdkt__Contest *cp[BALLOT_CONTESTS_MAX + 1];
    char codes[BALLOT_CONTESTS_MAX + 1][16];
    char names[TALLY_CANDIDATES_MAX + 1][16];
    char *cand[TALLY_CANDIDATES_MAX + 1];
};

static void contest_init(Tdkt__Contest *c, const char *code, Tdkt__ContestPurpose purpose,
                         char **cand, size_t n, unsigned seats, Tdkt__VoteMethod method,
                         unsigned pct, int secret)
{
    tdkt__contest__init(c);
    c->code = (char *)code;
    c->purpose = purpose;
    c->title = (char *)"Bầu cụm trưởng";
    c->candidates = cand;
    c->n_candidates = n;
    c->seats = seats;
    c->method = method;
    c->threshold_pct = pct;
    c->secret = secret;
}

/*
 * The good ballot: contest 0 "FLAG" (named, yes_no, two candidates, 80%),
 * contest 1 "LEADER" (secret, one_choice of three), contest 2 "ADV"
 * (secret, approve up to 2 of 3 for 2 seats).
 */
static void fx_init(struct fx *x)
{
    memset(x, 0, sizeof *x);
    for (size_t i = 0; i <= TALLY_CANDIDATES_MAX; i++) {
        snprintf(x->names[i], sizeof x->names[i], "U%zu", i + 1);
        x->cand[i] = x->names[i];
    }
    for (size_t i = 0; i <= BALLOT_CONTESTS_MAX; i++) {
        snprintf(x->codes[i], sizeof x->codes[i], "C%zu", i);
        x->cp[i] = &x->c[i];
    }
    tdkt__ballot_open__init(&x->b);
    x->b.ballot_id = (char *)"CUM1-2023-1";
    x->b.year = 2023;
    x->b.cluster_code = (char *)"CUM1";
    x->b.title = (char *)"Bình xét thi đua 2023";
    x->b.contests = x->cp;
    x->b.n_contests = 3;
    x->b.opens_ms = T_OPENS;
    x->b.closes_ms = T_CLOSES;
    contest_init(&x->c[0], "FLAG", TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG, x->cand, 2, 1,
                 TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO, 80, 0);
    contest_init(&x->c[1], "LEADER", TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_LEADER, x->cand,
                 3, 1, TDKT__VOTE_METHOD__VOTE_METHOD_ONE_CHOICE, 20, 1);
    contest_init(&x->c[2], "ADV", TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_COLLECTIVE_ADVANCED,
                 x->cand, 3, 2, TDKT__VOTE_METHOD__VOTE_METHOD_APPROVE, 50, 1);
    x->c[2].max_choices = 2;
}

static void valid(const Tdkt__BallotOpen *b)
{
    struct fault f;

    memset(&f, 0, sizeof f);
    if (ballot_rules_open_validate(b, &f) != 0)
        fail_msg("refused: %s: %s", f.field, f.why.text);
}

/* Refused with TDKT_EINVAL, naming exactly this field. */
static void refused(const Tdkt__BallotOpen *b, const char *field)
{
    struct fault f;

    memset(&f, 0, sizeof f);
    assert_int_equal(ballot_rules_open_validate(b, &f), TDKT_EINVAL);
    if (strcmp(f.field, field) != 0)
        fail_msg("field \"%s\" (%s), expected \"%s\"", f.field, f.why.text, field);
    assert_true(f.why.text[0] != '\0');
}

/* Refused naming field, with exactly this sentence: the words a person
 * reads, from the client's check or the server's alike. */
static void refused_why(const Tdkt__BallotOpen *b, const char *field, const char *why)
{
    struct fault f;

    refused(b, field);
    memset(&f, 0, sizeof f);
    ballot_rules_open_validate(b, &f);
    assert_string_equal(f.why.text, why);
}

/* ---- ballot_rules_open_validate ------------------------------------------------ */

static void test_open_accepts_good_ballot(void **state)
{
    struct fx x;

    fx_init(&x);
    valid(&x.b);
    /* "0 = now" for the opening time; a threshold of 0 is taken from the
     * rule set later. */
    x.b.opens_ms = 0;
    x.c[0].threshold_pct = 0;
    valid(&x.b);

    /* The limits themselves pass: 16 contests, 64 candidates, 100%. */
    fx_init(&x);
    for (size_t i = 3; i < BALLOT_CONTESTS_MAX; i++)
        contest_init(&x.c[i], x.codes[i], TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_OTHER, x.cand, 1,
                     1, TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO, 50, 0);
    x.b.n_contests = BALLOT_CONTESTS_MAX;
    x.c[2].n_candidates = TALLY_CANDIDATES_MAX;
    x.c[2].seats = TALLY_CANDIDATES_MAX;
    x.c[2].max_choices = TALLY_CANDIDATES_MAX;
    x.c[1].threshold_pct = 100;
    x.b.year = RECORD_YEAR_MAX;
    valid(&x.b);
    assert_int_equal(ballot_rules_has_secret(&x.b), 1);
    x.c[1].secret = x.c[2].secret = 0;
    assert_int_equal(ballot_rules_has_secret(&x.b), 0);
}

static void test_open_refuses_bad_header(void **state)
{
    struct fx x;

    fx_init(&x);
    x.b.ballot_id = (char *)"CUM1 2023";
    refused(&x.b, "ballot_id");
    x.b.ballot_id = (char *)"";
    refused(&x.b, "ballot_id");

    fx_init(&x);
    x.b.year = RECORD_YEAR_MIN - 1;
    refused(&x.b, "year");
    x.b.year = RECORD_YEAR_MAX + 1;
    refused(&x.b, "year");

    fx_init(&x);
    x.b.n_contests = 0;
    refused(&x.b, "contests");
    fx_init(&x);
    for (size_t i = 3; i <= BALLOT_CONTESTS_MAX; i++)
        contest_init(&x.c[i], x.codes[i], TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_OTHER, x.cand, 1,
                     1, TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO, 50, 0);
    x.b.n_contests = BALLOT_CONTESTS_MAX + 1;
    refused(&x.b, "contests");

    /* Closing before, or at, the opening time; or never. */
    fx_init(&x);
    x.b.closes_ms = T_OPENS - 1;
    refused(&x.b, "closes_ms");
    x.b.closes_ms = T_OPENS;
    refused(&x.b, "closes_ms");
    x.b.opens_ms = 0;
    x.b.closes_ms = 0;
    refused(&x.b, "closes_ms");
    fx_init(&x);
    x.b.closes_ms = T_OPENS - 1000;
    refused_why(&x.b, "closes_ms", "the ballot must close after it opens");
    /* Open at most 90 days, when the opening is given. */
    fx_init(&x);
    x.b.closes_ms = T_OPENS + BALLOT_DURATION_MAX;
    valid(&x.b);
    x.b.closes_ms++;
    refused_why(&x.b, "closes_ms", "a ballot is open at most 90 days");
    x.b.opens_ms = 0;
    valid(&x.b);
}

/* What the server's clock adds: the closing time still ahead, and the 90
 * days counted from its "now" when the opening is left to it. */
static void test_open_times(void **state)
{
    struct fault f;
    struct fx x;

    fx_init(&x);
    memset(&f, 0, sizeof f);
    assert_int_equal(ballot_rules_open_times(&x.b, T_OPENS - 1, &f), 0);
    assert_int_equal(ballot_rules_open_times(&x.b, T_CLOSES, &f), TDKT_EINVAL);
    assert_string_equal(f.field, "closes_ms");
    assert_string_equal(f.why.text, "the closing time is already past");
    x.b.opens_ms = 0;
    x.b.closes_ms = T_OPENS + BALLOT_DURATION_MAX;
    assert_int_equal(ballot_rules_open_times(&x.b, T_OPENS, &f), 0);
    assert_int_equal(ballot_rules_open_times(&x.b, T_OPENS - 1, &f), TDKT_EINVAL);
    assert_string_equal(f.why.text, "a ballot is open at most 90 days");
}

static void test_open_refuses_bad_contest(void **state)
{
    char *dup[] = {(char *)"U1", (char *)"U2", (char *)"U1"};
    struct fx x;

    fx_init(&x);
    x.c[2].code = (char *)"LEADER";
    refused_why(&x.b, "contests[2].code", "contest 'LEADER' is listed twice (also contests[1])");

    /* Candidates: each a unit code, none twice, named by its index. */
    fx_init(&x);
    x.c[1].candidates = dup;
    refused_why(&x.b, "contests[1].candidates[2]", "'U1' is listed twice (also candidates[0])");
    fx_init(&x);
    x.names[1][0] = '\0';
    refused_why(&x.b, "contests[0].candidates[1]",
                "not a unit code: an id is 1 to 64 letters, digits, '_', '.' or '-'");

    fx_init(&x);
    x.c[0].n_candidates = 0;
    refused(&x.b, "contests[0].candidates");
    fx_init(&x);
    x.c[2].n_candidates = TALLY_CANDIDATES_MAX + 1;
    refused(&x.b, "contests[2].candidates");

    /* Seats beyond the candidates, in a contest that may have several, or
     * none at all (the wire's default is not "one"). */
    fx_init(&x);
    x.c[2].seats = 4;
    refused_why(&x.b, "contests[2].seats",
                "a contest has 1 to 3 seats (its number of candidates), not 4");
    x.c[2].seats = 0;
    refused_why(&x.b, "contests[2].seats",
                "a contest has 1 to 3 seats (its number of candidates), not 0");

    /* CLUSTER-LEAD, CO-NGANH: a leader, deputy or flag has one seat. */
    fx_init(&x);
    x.c[1].seats = 2;
    refused(&x.b, "contests[1].seats");
    fx_init(&x);
    x.c[1].purpose = TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_DEPUTY;
    x.c[1].seats = 2;
    refused(&x.b, "contests[1].seats");
    fx_init(&x);
    x.c[0].seats = 2;
    refused(&x.b, "contests[0].seats");

    fx_init(&x);
    x.c[1].threshold_pct = 101;
    refused(&x.b, "contests[1].threshold_pct");

    fx_init(&x);
    x.c[0].method = TDKT__VOTE_METHOD__VOTE_METHOD_UNSPECIFIED;
    refused(&x.b, "contests[0].method");
    x.c[0].method = (Tdkt__VoteMethod)4;
    refused(&x.b, "contests[0].method");

    fx_init(&x);
    x.c[2].purpose = TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_UNSPECIFIED;
    refused(&x.b, "contests[2].purpose");
    x.c[2].purpose = (Tdkt__ContestPurpose)7;
    refused(&x.b, "contests[2].purpose");

    /* Approve: up to max_choices, which must be 1..candidates; the other
     * methods take none. */
    fx_init(&x);
    x.c[2].max_choices = 0;
    refused_why(&x.b, "contests[2].max_choices",
                "an approve contest lets a voter mark 1 to 3 candidates (its number of "
                "candidates), not 0");
    x.c[2].max_choices = 4;
    refused(&x.b, "contests[2].max_choices");
    fx_init(&x);
    x.c[1].max_choices = 1;
    refused_why(&x.b, "contests[1].max_choices",
                "only an approve contest takes max_choices; this one is one_choice");
}

/* ---- ballot_rules_paper_validate ----------------------------------------------- */

/* A paper ballot of one yes_no contest on two candidates, every column
 * given. Borrowed from the caller's storage. */
struct paper {
    Tdkt__BallotPaper p;
    Tdkt__Contest c;
    char *cand[2];
    uint32_t yes[2], no[2], abstain[2];
};

static void paper_init(struct paper *x)
{
    memset(x, 0, sizeof *x);
    x->cand[0] = (char *)"VKSCC1";
    x->cand[1] = (char *)"VKSCC2";
    contest_init(&x->c, "CO", TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_OTHER, x->cand, 2, 1,
                 TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO, 50, 0);
    tdkt__ballot_paper__init(&x->p);
    x->p.ballot_id = (char *)"CUM1-2021-GIAY";
    x->p.year = 2021;
    x->p.cluster_code = (char *)"CUM1";
    x->p.minutes_ref = (char *)"Biên bản số 12/BB-C1";
    x->p.contest = &x->c;
    x->p.ballots = 3;
    x->p.yes = x->yes;
    x->p.no = x->no;
    x->p.abstain = x->abstain;
    x->p.n_yes = x->p.n_no = x->p.n_abstain = 2;
}

static void paper_refused(const Tdkt__BallotPaper *p, const char *field, const char *why)
{
    struct fault f;

    memset(&f, 0, sizeof f);
    assert_int_equal(ballot_rules_paper_validate(p, &f), TDKT_EINVAL);
    assert_string_equal(f.field, field);
    if (why)
        assert_string_equal(f.why.text, why);
}

static void test_paper_shape(void **state)
{
    struct fault f;
    struct paper x;

    paper_init(&x);
    assert_int_equal(ballot_rules_paper_validate(&x.p, &f), 0);
    /* One count per candidate: the server reads no count that is not
     * there, and says which column is short. */
    x.p.n_yes = 1;
    paper_refused(&x.p, "yes",
                  "1 yes count for 2 candidates: give one count per candidate, in the order of "
                  "contest.candidates");
    paper_init(&x);
    x.p.n_abstain = 0;
    paper_refused(&x.p, "abstain", NULL);
    /* Only yes_no needs no and abstain; the others may leave them out. */
    x.c.method = TDKT__VOTE_METHOD__VOTE_METHOD_ONE_CHOICE;
    x.p.n_no = 0;
    assert_int_equal(ballot_rules_paper_validate(&x.p, &f), 0);
    x.p.n_no = 3;
    paper_refused(&x.p, "no", NULL);

    /* The contest is judged as in a ballot, under "contest.". */
    paper_init(&x);
    x.c.seats = 0;
    paper_refused(&x.p, "contest.seats",
                  "a contest has 1 to 2 seats (its number of candidates), not 0");
    paper_init(&x);
    x.cand[1] = (char *)"VKSCC1";
    paper_refused(&x.p, "contest.candidates[1]", "'VKSCC1' is listed twice (also candidates[0])");
    paper_init(&x);
    x.p.contest = NULL;
    paper_refused(&x.p, "contest", "the contest is missing");
    paper_init(&x);
    x.p.minutes_ref = (char *)"";
    paper_refused(&x.p, "minutes_ref", NULL);
    paper_init(&x);
    x.p.cluster_code = (char *)"";
    paper_refused(&x.p, "cluster_code", NULL);
}

/* ---- ballot_rules_choices_check ------------------------------------------------ */

static Tdkt__ContestChoice marks_choice(const char *contest, char **marks, size_t n)
{
    Tdkt__ContestChoice ch;

    tdkt__contest_choice__init(&ch);
    ch.contest = (char *)contest;
    ch.marks = marks;
    ch.n_marks = n;
    return ch;
}

static Tdkt__ContestChoice answers_choice(const char *contest, Tdkt__VoteAnswer *answers, size_t n)
{
    Tdkt__ContestChoice ch;

    tdkt__contest_choice__init(&ch);
    ch.contest = (char *)contest;
    ch.answers = answers;
    ch.n_answers = n;
    return ch;
}

static void choices_ok(const Tdkt__BallotOpen *b, Tdkt__ContestChoice **chs, size_t n, int secret)
{
    struct fault f;

    memset(&f, 0, sizeof f);
    if (ballot_rules_choices_check(b, chs, n, secret, secret ? "sealed.choices" : "statement.named",
                                   &f) != 0)
        fail_msg("refused: %s: %s", f.field, f.why.text);
}

static void choices_refused(const Tdkt__BallotOpen *b, Tdkt__ContestChoice **chs, size_t n,
                            int secret, const char *field)
{
    struct fault f;

    memset(&f, 0, sizeof f);
    assert_int_equal(ballot_rules_choices_check(b, chs, n, secret,
                                                secret ? "sealed.choices" : "statement.named", &f),
                     TDKT_EINVAL);
    if (strcmp(f.field, field) != 0)
        fail_msg("field \"%s\" (%s), expected \"%s\"", f.field, f.why.text, field);
}

static void test_choices_one_per_contest(void **state)
{
    char *u1[] = {(char *)"U1"}, *u12[] = {(char *)"U1", (char *)"U2"},
         *u123[] = {(char *)"U1", (char *)"U2", (char *)"U3"}, *zz[] = {(char *)"ZZ"};
    Tdkt__VoteAnswer yn[] = {TDKT__VOTE_ANSWER__VOTE_ANSWER_YES, TDKT__VOTE_ANSWER__VOTE_ANSWER_NO};
    Tdkt__VoteAnswer y[] = {TDKT__VOTE_ANSWER__VOTE_ANSWER_YES};
    Tdkt__VoteAnswer y3[] = {TDKT__VOTE_ANSWER__VOTE_ANSWER_YES, TDKT__VOTE_ANSWER__VOTE_ANSWER_YES,
                             TDKT__VOTE_ANSWER__VOTE_ANSWER_YES};
    Tdkt__ContestChoice flag = answers_choice("FLAG", yn, 2),
                        leader = marks_choice("LEADER", u1, 1), adv = marks_choice("ADV", u12, 2),
                        blank = marks_choice("LEADER", NULL, 0);
    Tdkt__ContestChoice bad;
    Tdkt__ContestChoice *chs[3];
    struct fx x;

    fx_init(&x);

    /* Named: the one named contest. Secret: the two secret ones, any order,
     * a blank one-choice ballot included. */
    chs[0] = &flag;
    choices_ok(&x.b, chs, 1, 0);
    chs[0] = &adv;
    chs[1] = &leader;
    choices_ok(&x.b, chs, 2, 1);
    chs[1] = &blank;
    choices_ok(&x.b, chs, 2, 1);

    /* A missing choice, or one too many: the list itself is named. */
    chs[0] = &leader;
    choices_refused(&x.b, chs, 1, 1, "sealed.choices");
    choices_refused(&x.b, chs, 0, 0, "statement.named");
    chs[0] = &flag;
    chs[1] = &flag;
    choices_refused(&x.b, chs, 2, 0, "statement.named");

    /* A choice for a contest of the other kind, or of no contest. */
    chs[0] = &leader;
    choices_refused(&x.b, chs, 1, 0, "statement.named[0]");
    chs[0] = &adv;
    chs[1] = &flag;
    choices_refused(&x.b, chs, 2, 1, "sealed.choices[1]");
    bad = marks_choice("NOPE", u1, 1);
    chs[1] = &bad;
    choices_refused(&x.b, chs, 2, 1, "sealed.choices[1]");
    bad = marks_choice(NULL, u1, 1);
    choices_refused(&x.b, chs, 2, 1, "sealed.choices[1]");

    /* The same contest twice, which also leaves the other one out. */
    chs[0] = &leader;
    chs[1] = &blank;
    choices_refused(&x.b, chs, 2, 1, "sealed.choices[1]");

    /* Marks that are not candidates, too many marks, a candidate twice. */
    chs[0] = &adv;
    bad = marks_choice("LEADER", zz, 1);
    chs[1] = &bad;
    choices_refused(&x.b, chs, 2, 1, "sealed.choices[1]");
    bad = marks_choice("LEADER", u12, 2);
    choices_refused(&x.b, chs, 2, 1, "sealed.choices[1]");
    chs[0] = &leader;
    bad = marks_choice("ADV", u123, 3);
    chs[1] = &bad;
    choices_refused(&x.b, chs, 2, 1, "sealed.choices[1]");
    u12[1] = (char *)"U1";
    bad = marks_choice("ADV", u12, 2);
    choices_refused(&x.b, chs, 2, 1, "sealed.choices[1]");
    /* Answers in a contest of marks. */
    bad = answers_choice("ADV", y, 1);
    choices_refused(&x.b, chs, 2, 1, "sealed.choices[1]");

    /* Yes/no: exactly one answer per candidate, and no marks. */
    bad = answers_choice("FLAG", y, 1);
    chs[0] = &bad;
    choices_refused(&x.b, chs, 1, 0, "statement.named[0]");
    bad = answers_choice("FLAG", y3, 3);
    choices_refused(&x.b, chs, 1, 0, "statement.named[0]");
    bad = answers_choice("FLAG", NULL, 0);
    choices_refused(&x.b, chs, 1, 0, "statement.named[0]");
    bad = answers_choice("FLAG", yn, 2);
    bad.marks = u1;
    bad.n_marks = 1;
    choices_refused(&x.b, chs, 1, 0, "statement.named[0]");
    yn[1] = (Tdkt__VoteAnswer)3;
    bad = answers_choice("FLAG", yn, 2);
    choices_refused(&x.b, chs, 1, 0, "statement.named[0]");
}

/* ---- hashes -------------------------------------------------------------- */

static void sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 32;

    assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha256(), NULL), 1);
    assert_int_equal(n, 32);
}

static void hex32(const char *hex, uint8_t out[32])
{
    for (size_t i = 0; i < 32; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void test_tracker_is_sha256(void **state)
{
    uint8_t got[BALLOT_HASH_LEN], want[BALLOT_HASH_LEN], sealed[300];

    /* The FIPS 180-2 vectors, so the test does not only agree with itself. */
    ballot_rules_tracker((const uint8_t *)"abc", 3, got);
    hex32("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want);
    assert_memory_equal(got, want, 32);
    ballot_rules_tracker(NULL, 0, got);
    hex32("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want);
    assert_memory_equal(got, want, 32);

    for (size_t i = 0; i < sizeof sealed; i++)
        sealed[i] = (uint8_t)(i * 7 + 3);
    ballot_rules_tracker(sealed, sizeof sealed, got);
    sha256(sealed, sizeof sealed, want);
    assert_memory_equal(got, want, 32);
}

static void test_commitment_binds_tracker_and_salt(void **state)
{
    uint8_t tracker[BALLOT_HASH_LEN], salt[BALLOT_SALT_LEN], buf[14 + 32 + 32];
    uint8_t got[BALLOT_HASH_LEN], want[BALLOT_HASH_LEN], other[BALLOT_HASH_LEN];

    for (size_t i = 0; i < 32; i++) {
        tracker[i] = (uint8_t)(0xa0 + i);
        salt[i] = (uint8_t)(0x11 * i);
    }
    memcpy(buf, "tdkt-commit-v1", 14);
    memcpy(buf + 14, tracker, 32);
    memcpy(buf + 46, salt, 32);
    sha256(buf, sizeof buf, want);
    ballot_rules_commitment(tracker, salt, got);
    assert_memory_equal(got, want, 32);

    /* Another salt hides the same ballot differently. */
    salt[31] ^= 1;
    ballot_rules_commitment(tracker, salt, other);
    assert_memory_not_equal(other, got, 32);
}

static void test_box_hash_over_sorted_trackers(void **state)
{
    /* Three trackers whose sorted order is b, c, a (bytewise: 0x10.., 0x10..ff
     * beats 0x10..00 only in the last byte, 0xf0..). */
    uint8_t a[32], b[32], c[32], cat[3 * 32], want[32], got[32];
    uint8_t box[3][BALLOT_HASH_LEN];
    static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                     {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

    memset(a, 0xf0, 32);
    memset(b, 0x10, 32);
    memset(c, 0x10, 32);
    c[31] = 0xff;
    memcpy(cat, b, 32);
    memcpy(cat + 32, c, 32);
    memcpy(cat + 64, a, 32);
    sha256(cat, sizeof cat, want);

    for (size_t k = 0; k < 6; k++) {
        const uint8_t *in[3] = {a, b, c};
        for (size_t i = 0; i < 3; i++)
            memcpy(box[i], in[orders[k][i]], 32);
        ballot_rules_box_hash(box, 3, got);
        assert_memory_equal(got, want, 32);
        /* Sorted in place, as documented. */
        assert_memory_equal(box[0], b, 32);
        assert_memory_equal(box[1], c, 32);
        assert_memory_equal(box[2], a, 32);
    }

    /* An empty box is the hash of nothing; one ballot, the hash of its
     * tracker. */
    ballot_rules_box_hash(NULL, 0, got);
    sha256("", 0, want);
    assert_memory_equal(got, want, 32);
    memcpy(box[0], a, 32);
    ballot_rules_box_hash(box, 1, got);
    sha256(a, 32, want);
    assert_memory_equal(got, want, 32);
}

/* ---- ballot_rules_tally -------------------------------------------------------- */

/*
 * A cluster of five: "FLAG" is a named yes/no vote on U1 at 80% (CO-NGANH),
 * "LEADER" a secret one-choice vote among U1..U3 at 20% (one vote).
 */
struct tfx {
    char *fcand[1], *lcand[3], *roll[5];
    Tdkt__Contest flag, leader, *cp[2];
    Tdkt__BallotOpen b;
    Tdkt__BallotOpened o;
};

static void tfx_init(struct tfx *t)
{
    static const char *const units[] = {"U1", "U2", "U3", "U4", "U5"};

    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < 5; i++)
        t->roll[i] = (char *)units[i];
    t->fcand[0] = (char *)"U1";
    for (size_t i = 0; i < 3; i++)
        t->lcand[i] = (char *)units[i];
    contest_init(&t->flag, "FLAG", TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG, t->fcand, 1, 1,
                 TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO, 80, 0);
    contest_init(&t->leader, "LEADER", TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_LEADER,
                 t->lcand, 3, 1, TDKT__VOTE_METHOD__VOTE_METHOD_ONE_CHOICE, 20, 1);
    t->cp[0] = &t->flag;
    t->cp[1] = &t->leader;
    tdkt__ballot_open__init(&t->b);
    t->b.ballot_id = (char *)"CUM1-2023-1";
    t->b.year = 2023;
    t->b.cluster_code = (char *)"CUM1";
    t->b.title = (char *)"Bình xét";
    t->b.contests = t->cp;
    t->b.n_contests = 2;
    t->b.opens_ms = T_OPENS;
    t->b.closes_ms = T_CLOSES;
    valid(&t->b);
    tdkt__ballot_opened__init(&t->o);
    t->o.ballot = &t->b;
    t->o.roll = t->roll;
    t->o.n_roll = 5;
    t->o.opened_by = (char *)"VKSTC";
}

/* Five named statements; answers "yyna-" give U1 yes, yes, no, abstain and
 * one statement with no FLAG choice at all. */
struct named {
    Tdkt__VoteAnswer ans[5][1];
    Tdkt__ContestChoice ch[5], *chp[5];
    Tdkt__BallotStatement st[5], *stp[5];
};

static void named_init(struct named *n, const char *answers)
{
    static const char *const voters[] = {"U1", "U2", "U3", "U4", "U5"};

    memset(n, 0, sizeof *n);
    for (size_t v = 0; v < strlen(answers); v++) {
        tdkt__ballot_statement__init(&n->st[v]);
        n->st[v].ballot_id = (char *)"CUM1-2023-1";
        n->st[v].voter = (char *)voters[v];
        n->stp[v] = &n->st[v];
        if (answers[v] == '-')
            continue;
        n->ans[v][0] = answers[v] == 'y'   ? TDKT__VOTE_ANSWER__VOTE_ANSWER_YES
                       : answers[v] == 'n' ? TDKT__VOTE_ANSWER__VOTE_ANSWER_NO
                                           : TDKT__VOTE_ANSWER__VOTE_ANSWER_ABSTAIN;
        n->ch[v] = answers_choice("FLAG", n->ans[v], 1);
        n->chp[v] = &n->ch[v];
        n->st[v].named = &n->chp[v];
        n->st[v].n_named = 1;
    }
}

/* Four sealed ballots: U1, U2, blank, and a mark for a unit not standing. */
struct sealed {
    char *marks[4][1];
    Tdkt__ContestChoice ch[4], *chp[4];
    Tdkt__SealedBallot sb[4], *sbp[4];
};

static void sealed_init(struct sealed *s)
{
    static const char *const picks[] = {"U1", "U2", NULL, "U9"};

    memset(s, 0, sizeof *s);
    for (size_t v = 0; v < 4; v++) {
        s->marks[v][0] = (char *)picks[v];
        s->ch[v] = marks_choice("LEADER", s->marks[v], picks[v] ? 1 : 0);
        s->chp[v] = &s->ch[v];
        tdkt__sealed_ballot__init(&s->sb[v]);
        s->sb[v].ballot_id = (char *)"CUM1-2023-1";
        s->sb[v].choices = &s->chp[v];
        s->sb[v].n_choices = 1;
        s->sbp[v] = &s->sb[v];
    }
}

static void test_tally_whole_ballot(void **state)
{
    Tdkt__ContestResult **r = NULL;
    struct tfx t;
    struct named n;
    struct sealed s;
    size_t nr = 0;

    tfx_init(&t);
    named_init(&n, "yyna-");
    sealed_init(&s);
    assert_int_equal(ballot_rules_tally(&t.o, n.stp, 5, s.sbp, 4, &r, &nr), 0);
    assert_int_equal(nr, 2);

    /* FLAG: two yes of five members is short of 80%; the statement without
     * a FLAG choice is invalid, not a blank or an abstention. */
    assert_string_equal(r[0]->contest, "FLAG");
    assert_int_equal(r[0]->n_candidates, 1);
    assert_string_equal(r[0]->candidates[0], "U1");
    assert_int_equal(r[0]->yes[0], 2);
    assert_int_equal(r[0]->no[0], 1);
    assert_int_equal(r[0]->abstain[0], 1);
    assert_int_equal(r[0]->ballots, 4);
    assert_int_equal(r[0]->blank, 0);
    assert_int_equal(r[0]->invalid, 1);
    assert_int_equal(r[0]->roll, 5);
    assert_int_equal(r[0]->threshold_pct, 80);
    assert_int_equal(r[0]->n_elected, 0);
    assert_false(r[0]->tie);
    assert_string_equal(r[0]->why, "no candidate reached 80% of the 5 members");

    /* LEADER: U1 and U2 both pass with one vote and tie for the one seat;
     * the blank ballot is counted, the mark for U9 is invalid. */
    assert_string_equal(r[1]->contest, "LEADER");
    assert_int_equal(r[1]->n_candidates, 3);
    assert_int_equal(r[1]->yes[0], 1);
    assert_int_equal(r[1]->yes[1], 1);
    assert_int_equal(r[1]->yes[2], 0);
    assert_int_equal(r[1]->no[0], 0);
    assert_int_equal(r[1]->abstain[0], 2);
    assert_int_equal(r[1]->abstain[2], 3);
    assert_int_equal(r[1]->ballots, 3);
    assert_int_equal(r[1]->blank, 1);
    assert_int_equal(r[1]->invalid, 1);
    assert_int_equal(r[1]->roll, 5);
    assert_int_equal(r[1]->threshold_pct, 20);
    assert_int_equal(r[1]->n_elected, 0);
    assert_true(r[1]->tie);
    assert_string_equal(r[1]->why, "tie between U1 U2 with 1 votes each: no winner for that seat");
    ballot_rules_results_free(r, nr);

    /* Four yes of five is 80%: U1 gets the flag. Without sealed ballots the
     * secret contest has no ballots and nobody passes. */
    named_init(&n, "yyyny");
    assert_int_equal(ballot_rules_tally(&t.o, n.stp, 5, NULL, 0, &r, &nr), 0);
    assert_int_equal(nr, 2);
    assert_int_equal(r[0]->yes[0], 4);
    assert_int_equal(r[0]->no[0], 1);
    assert_int_equal(r[0]->invalid, 0);
    assert_int_equal(r[0]->n_elected, 1);
    assert_string_equal(r[0]->elected[0], "U1");
    assert_string_equal(r[0]->why, "elected: U1");
    assert_int_equal(r[1]->ballots, 0);
    assert_string_equal(r[1]->why, "no candidate reached 20% of the 5 members");
    ballot_rules_results_free(r, nr);

    /* A secret choice that breaks the tie elects its candidate. */
    s.marks[2][0] = (char *)"U2";
    s.ch[2].n_marks = 1;
    named_init(&n, "yyna-");
    assert_int_equal(ballot_rules_tally(&t.o, n.stp, 5, s.sbp, 4, &r, &nr), 0);
    assert_int_equal(r[1]->yes[1], 2);
    assert_int_equal(r[1]->blank, 0);
    assert_false(r[1]->tie);
    assert_int_equal(r[1]->n_elected, 1);
    assert_string_equal(r[1]->elected[0], "U2");
    assert_string_equal(r[1]->why, "elected: U2");
    ballot_rules_results_free(r, nr);
}

static void test_tally_refuses_more_ballots_than_roll(void **state)
{
    Tdkt__ContestResult **r = (Tdkt__ContestResult **)1;
    struct tfx t;
    struct named n;
    size_t nr = 7;

    tfx_init(&t);
    named_init(&n, "yyyyy");
    t.o.n_roll = 4;
    assert_int_equal(ballot_rules_tally(&t.o, n.stp, 5, NULL, 0, &r, &nr), TDKT_EINVAL);
    assert_null(r);
    assert_int_equal(nr, 0);
}

static void test_results_differ(void **state)
{
    Tdkt__ContestResult **a = NULL, **b = NULL;
    char why[WHY_CAP];
    struct tfx t;
    struct named n;
    struct sealed s;
    size_t na = 0, nb = 0;

    tfx_init(&t);
    named_init(&n, "yyna-");
    sealed_init(&s);
    assert_int_equal(ballot_rules_tally(&t.o, n.stp, 5, s.sbp, 4, &a, &na), 0);
    assert_int_equal(ballot_rules_tally(&t.o, n.stp, 5, s.sbp, 4, &b, &nb), 0);
    assert_int_equal(nb, na);

    /* A recount of the same ballots agrees, contest by contest. */
    for (size_t i = 0; i < na; i++) {
        why[0] = '\0';
        assert_int_equal(ballot_rules_results_differ(a[i], b[i], why, sizeof why), 0);
    }

    /* One changed count is found and named. */
    b[1]->yes[1]++;
    assert_int_equal(ballot_rules_results_differ(a[1], b[1], why, sizeof why), 1);
    assert_non_null(strstr(why, "LEADER"));
    assert_non_null(strstr(why, "U2"));
    b[1]->yes[1]--;
    b[0]->invalid = 0;
    assert_int_equal(ballot_rules_results_differ(a[0], b[0], why, sizeof why), 1);
    assert_non_null(strstr(why, "FLAG"));
    b[0]->invalid = a[0]->invalid;
    b[0]->no[0]++;
    assert_int_equal(ballot_rules_results_differ(a[0], b[0], why, sizeof why), 1);
    b[0]->no[0]--;
    /* Results of different contests never compare equal. */
    assert_int_equal(ballot_rules_results_differ(a[0], b[1], why, sizeof why), 1);
    assert_int_equal(ballot_rules_results_differ(a[0], b[0], why, sizeof why), 0);

    ballot_rules_results_free(a, na);
    ballot_rules_results_free(b, nb);
    ballot_rules_results_free(NULL, 0);
}

/* ---- names --------------------------------------------------------------- */

static void test_names_round_trip(void **state)
{
    for (int p = TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_LEADER;
         p <= TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_OTHER; p++) {
        assert_string_not_equal(ballot_rules_purpose_name(p), "?");
        assert_int_equal(ballot_rules_purpose_parse(ballot_rules_purpose_name(p)), p);
    }
    for (int m = TDKT__VOTE_METHOD__VOTE_METHOD_ONE_CHOICE;
         m <= TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO; m++) {
        assert_string_not_equal(ballot_rules_method_name(m), "?");
        assert_int_equal(ballot_rules_method_parse(ballot_rules_method_name(m)), m);
    }
    assert_string_equal(
        ballot_rules_purpose_name(TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_LEADER), "leader");
    assert_string_equal(
        ballot_rules_purpose_name(TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_DEPUTY), "deputy");
    assert_string_equal(ballot_rules_purpose_name(TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG),
                        "flag");
    assert_int_equal(ballot_rules_purpose_parse("collective_excellent"),
                     TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_COLLECTIVE_EXCELLENT);
    assert_int_equal(ballot_rules_purpose_parse("collective_advanced"),
                     TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_COLLECTIVE_ADVANCED);
    assert_int_equal(ballot_rules_method_parse("one_choice"),
                     TDKT__VOTE_METHOD__VOTE_METHOD_ONE_CHOICE);
    assert_int_equal(ballot_rules_method_parse("approve"), TDKT__VOTE_METHOD__VOTE_METHOD_APPROVE);
    assert_int_equal(ballot_rules_method_parse("yes_no"), TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO);

    /* Unknown values and spellings. */
    assert_string_equal(ballot_rules_purpose_name(0), "?");
    assert_string_equal(ballot_rules_purpose_name(7), "?");
    assert_string_equal(ballot_rules_purpose_name(-1), "?");
    assert_string_equal(ballot_rules_method_name(0), "?");
    assert_string_equal(ballot_rules_method_name(4), "?");
    assert_int_equal(ballot_rules_purpose_parse("Leader"), 0);
    assert_int_equal(ballot_rules_purpose_parse("?"), 0);
    assert_int_equal(ballot_rules_purpose_parse(""), 0);
    assert_int_equal(ballot_rules_purpose_parse(NULL), 0);
    assert_int_equal(ballot_rules_method_parse("yes-no"), 0);
    assert_int_equal(ballot_rules_method_parse(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_accepts_good_ballot),
        cmocka_unit_test(test_open_refuses_bad_header),
        cmocka_unit_test(test_open_refuses_bad_contest),
        cmocka_unit_test(test_open_times),
        cmocka_unit_test(test_paper_shape),
        cmocka_unit_test(test_choices_one_per_contest),
        cmocka_unit_test(test_tracker_is_sha256),
        cmocka_unit_test(test_commitment_binds_tracker_and_salt),
        cmocka_unit_test(test_box_hash_over_sorted_trackers),
        cmocka_unit_test(test_tally_whole_ballot),
        cmocka_unit_test(test_tally_refuses_more_ballots_than_roll),
        cmocka_unit_test(test_results_differ),
        cmocka_unit_test(test_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
