/* SPDX-License-Identifier: MIT */
/*
 * The Council's electronic votes, their pure part
 * (common/domain/council_rules.c), which the client runs before it queues
 * and the server before it writes: an electronic vote opens without counts
 * and may do so before the minutes exist, a paper vote still needs both; a
 * member's cast names each contest at most once with yes, no or abstain and
 * a 16-byte nonce, and a refusal names the field; a contest the vote does
 * not have is refused listing the ones it has; the count adds each
 * member's last cast per contest, a contest left out counting for nobody.
 * Then the command line's form of a cast (client/lib/forms.c,
 * forms_council_cast): CONTEST=ANSWER arguments, a refusal quoting the
 * argument at fault.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/forms.h"
#include "common/domain/council_rules.h"
#include "common/err.h"

#define YES     TDKT__VOTE_ANSWER__VOTE_ANSWER_YES
#define NO      TDKT__VOTE_ANSWER__VOTE_ANSWER_NO
#define ABSTAIN TDKT__VOTE_ANSWER__VOTE_ANSWER_ABSTAIN

static const uint8_t nonce16[COUNCIL_NONCE_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};

/* A vote of two contests, "A" on person P1 and "B" on unit U1; everything
 * borrowed from this struct. */
struct vote_fx {
    Tdkt__CouncilVote v;
    Tdkt__CouncilContest c[2];
    Tdkt__CouncilContest *cp[2];
    Tdkt__CouncilSubject s[2];
    Tdkt__CouncilSubject *sp[2];
};

static void vote_init(struct vote_fx *x, int mode)
{
    static const char *const codes[] = {"A", "B"};

    memset(x, 0, sizeof *x);
    tdkt__council_vote__init(&x->v);
    x->v.vote_id = (char *)"E1";
    x->v.year = 2021;
    x->v.council_code = (char *)"HD-2021";
    x->v.mode = (Tdkt__VoteMode)mode;
    x->v.minutes_ref = (char *)"";
    x->v.held_on = (char *)"";
    for (int i = 0; i < 2; i++) {
        tdkt__council_contest__init(&x->c[i]);
        tdkt__council_subject__init(&x->s[i]);
        x->c[i].code = (char *)codes[i];
        x->sp[i] = &x->s[i];
        x->c[i].subjects = &x->sp[i];
        x->c[i].n_subjects = 1;
        x->cp[i] = &x->c[i];
    }
    x->s[0].person_id = (char *)"P1";
    x->s[0].unit_code = (char *)"";
    x->s[0].title = TDKT__TITLE__TITLE_CSTD_NGANH;
    x->s[1].person_id = (char *)"";
    x->s[1].unit_code = (char *)"U1";
    x->s[1].title = TDKT__TITLE__TITLE_CO_CP;
    x->v.contests = x->cp;
    x->v.n_contests = 2;
}

/* A cast of up to 4 choices; borrowed. */
struct cast_fx {
    Tdkt__CouncilCast m;
    Tdkt__CouncilChoice ch[4];
    Tdkt__CouncilChoice *chp[4];
};

static void cast_init(struct cast_fx *x, size_t n, const char *const contests[],
                      const int answers[])
{
    memset(x, 0, sizeof *x);
    tdkt__council_cast__init(&x->m);
    x->m.vote_id = (char *)"E1";
    x->m.nonce.data = (uint8_t *)nonce16;
    x->m.nonce.len = sizeof nonce16;
    for (size_t i = 0; i < n; i++) {
        tdkt__council_choice__init(&x->ch[i]);
        x->ch[i].contest = (char *)contests[i];
        x->ch[i].answer = (Tdkt__VoteAnswer)answers[i];
        x->chp[i] = &x->ch[i];
    }
    x->m.choices = x->chp;
    x->m.n_choices = n;
}

static void expect_fault(int rc, const struct fault *f, const char *field, const char *why)
{
    assert_int_equal(rc, TDKT_EINVAL);
    assert_string_equal(f->field, field);
    if (!strstr(f->why.text, why))
        fail_msg("%s: '%s' does not say '%s'", field, f->why.text, why);
}

static void test_electronic_vote_shape(void **state)
{
    struct vote_fx x;
    struct fault f;

    (void)state;
    /* Electronic, no counts, no minutes yet: accepted. */
    vote_init(&x, TDKT__VOTE_MODE__VOTE_MODE_ELECTRONIC);
    memset(&f, 0, sizeof f);
    assert_int_equal(council_rules_vote_validate(&x.v, &f), 0);
    /* Counts belong to the members' casts, not to the opening. */
    x.c[1].abstain = 1;
    memset(&f, 0, sizeof f);
    expect_fault(council_rules_vote_validate(&x.v, &f), &f, "council_vote.contests[1].yes",
                 "an electronic vote is opened without counts (0 yes, 0 no, 1 abstain given)");
    /* A paper vote still needs the minutes. */
    vote_init(&x, TDKT__VOTE_MODE__VOTE_MODE_PAPER);
    x.c[0].yes = 3;
    memset(&f, 0, sizeof f);
    expect_fault(council_rules_vote_validate(&x.v, &f), &f, "council_vote.minutes_ref",
                 "the minutes' reference");
    x.v.minutes_ref = (char *)"Biên bản số 05";
    memset(&f, 0, sizeof f);
    assert_int_equal(council_rules_vote_validate(&x.v, &f), 0);
    /* No mode is no vote. */
    x.v.mode = TDKT__VOTE_MODE__VOTE_MODE_UNSPECIFIED;
    memset(&f, 0, sizeof f);
    expect_fault(council_rules_vote_validate(&x.v, &f), &f, "council_vote.mode",
                 "paper (the counts from the minutes) or electronic");
}

static void test_cast_shape(void **state)
{
    static const char *const two[] = {"A", "B"}, *const twice[] = {"A", "A"},
                             *const bad[] = {"A", "B C"};
    static const int yes_no[] = {YES, NO}, odd[] = {YES, 7};
    struct cast_fx x;
    struct fault f;

    (void)state;
    cast_init(&x, 2, two, yes_no);
    memset(&f, 0, sizeof f);
    assert_int_equal(council_rules_cast_validate(&x.m, &f), 0);

    x.m.vote_id = (char *)"";
    memset(&f, 0, sizeof f);
    expect_fault(council_rules_cast_validate(&x.m, &f), &f, "council_cast.vote_id", "a vote id");

    cast_init(&x, 0, two, yes_no);
    memset(&f, 0, sizeof f);
    expect_fault(council_rules_cast_validate(&x.m, &f), &f, "council_cast.choices",
                 "a cast answers 1 to 500 contests, not 0");

    cast_init(&x, 2, twice, yes_no);
    memset(&f, 0, sizeof f);
    expect_fault(council_rules_cast_validate(&x.m, &f), &f, "council_cast.choices[1].contest",
                 "contest 'A' is answered twice (also choices[0])");

    cast_init(&x, 2, bad, yes_no);
    memset(&f, 0, sizeof f);
    expect_fault(council_rules_cast_validate(&x.m, &f), &f, "council_cast.choices[1].contest",
                 "a contest code");

    cast_init(&x, 2, two, odd);
    memset(&f, 0, sizeof f);
    expect_fault(council_rules_cast_validate(&x.m, &f), &f, "council_cast.choices[1].answer",
                 "answer 7 is not yes (1), no (2) or abstain (0)");

    cast_init(&x, 2, two, yes_no);
    x.m.nonce.len = 8;
    memset(&f, 0, sizeof f);
    expect_fault(council_rules_cast_validate(&x.m, &f), &f, "council_cast.nonce",
                 "16 random bytes are required, not 8");
}

static void test_cast_fits_the_vote(void **state)
{
    static const char *const ok[] = {"B"}, *const unknown[] = {"B", "Z"};
    static const int ans[] = {YES, NO};
    struct vote_fx v;
    struct cast_fx x;
    struct fault f;

    (void)state;
    vote_init(&v, TDKT__VOTE_MODE__VOTE_MODE_ELECTRONIC);
    cast_init(&x, 1, ok, ans);
    memset(&f, 0, sizeof f);
    assert_int_equal(council_rules_cast_fits(&v.v, x.m.choices, x.m.n_choices, &f), 0);
    cast_init(&x, 2, unknown, ans);
    memset(&f, 0, sizeof f);
    expect_fault(council_rules_cast_fits(&v.v, x.m.choices, x.m.n_choices, &f), &f,
                 "council_cast.choices[1].contest",
                 "vote 'E1' has no contest 'Z' (its contests: A, B)");
}

/* Three members: A yes/no/abstain; B only by the first two; a stray
 * contest is not counted and is reported. */
static void test_count(void **state)
{
    static const char *const ab[] = {"A", "B"}, *const a[] = {"A"}, *const az[] = {"A", "Z"};
    static const int m1[] = {YES, YES}, m2[] = {NO, YES}, m3[] = {ABSTAIN};
    struct council_tally t[2];
    struct vote_fx v;
    struct cast_fx x;

    (void)state;
    vote_init(&v, TDKT__VOTE_MODE__VOTE_MODE_ELECTRONIC);
    memset(t, 0, sizeof t);
    cast_init(&x, 2, ab, m1);
    assert_int_equal(council_rules_count_add(&v.v, x.m.choices, x.m.n_choices, t), 0);
    cast_init(&x, 2, ab, m2);
    assert_int_equal(council_rules_count_add(&v.v, x.m.choices, x.m.n_choices, t), 0);
    cast_init(&x, 1, a, m3);
    assert_int_equal(council_rules_count_add(&v.v, x.m.choices, x.m.n_choices, t), 0);
    assert_int_equal(t[0].yes, 1);
    assert_int_equal(t[0].no, 1);
    assert_int_equal(t[0].abstain, 1);
    assert_int_equal(t[1].yes, 2);
    assert_int_equal(t[1].no + t[1].abstain, 0);
    cast_init(&x, 2, az, m1);
    assert_int_equal(council_rules_count_add(&v.v, x.m.choices, x.m.n_choices, t), 1);
    assert_int_equal(t[0].yes, 2);
    assert_string_equal(council_rules_answer_name(YES), "yes");
    assert_string_equal(council_rules_answer_name(NO), "no");
    assert_string_equal(council_rules_answer_name(ABSTAIN), "abstain");
}

/* The command line's cast: each argument becomes a choice in order; a
 * refusal quotes the argument at fault, and nothing is built. */
static void test_cast_arguments(void **state)
{
    char *ok[] = {"CSTDN=yes", "BKTTG=abstain", "CO=no"};
    char *noeq[] = {"CSTDN"}, *maybe[] = {"CSTDN=maybe"}, *dup[] = {"CSTDN=yes", "CSTDN=no"};
    char why[FORMS_WHY_MAX];
    Tdkt__CouncilCast *m = NULL;

    (void)state;
    assert_int_equal(forms_council_cast("E1", ok, 3, nonce16, &m, why, sizeof why), 0);
    assert_non_null(m);
    assert_string_equal(m->vote_id, "E1");
    assert_int_equal(m->n_choices, 3);
    assert_string_equal(m->choices[1]->contest, "BKTTG");
    assert_int_equal(m->choices[0]->answer, YES);
    assert_int_equal(m->choices[1]->answer, ABSTAIN);
    assert_int_equal(m->choices[2]->answer, NO);
    assert_int_equal(m->nonce.len, COUNCIL_NONCE_LEN);
    assert_memory_equal(m->nonce.data, nonce16, COUNCIL_NONCE_LEN);
    tdkt__council_cast__free_unpacked(m, NULL);

    assert_int_equal(forms_council_cast("E1", noeq, 1, nonce16, &m, why, sizeof why), TDKT_EINVAL);
    assert_null(m);
    assert_non_null(strstr(why, "'CSTDN': write CONTEST=yes, CONTEST=no or CONTEST=abstain"));
    assert_int_equal(forms_council_cast("E1", maybe, 1, nonce16, &m, why, sizeof why), TDKT_EINVAL);
    assert_null(m);
    assert_non_null(
        strstr(why, "the answer to contest 'CSTDN' is yes, no or abstain, not 'maybe'"));
    assert_int_equal(forms_council_cast("E1", dup, 2, nonce16, &m, why, sizeof why), TDKT_EINVAL);
    assert_null(m);
    assert_non_null(strstr(why, "'CSTDN=no': contest 'CSTDN' is answered twice"));
    assert_int_equal(forms_council_cast("bad id", ok, 1, nonce16, &m, why, sizeof why),
                     TDKT_EINVAL);
    assert_null(m);
    assert_non_null(strstr(why, "VOTE_ID: "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_electronic_vote_shape), cmocka_unit_test(test_cast_shape),
        cmocka_unit_test(test_cast_fits_the_vote),    cmocka_unit_test(test_count),
        cmocka_unit_test(test_cast_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
