/* SPDX-License-Identifier: MIT */
/*
 * Building a cast (client/lib/ballots.c) from the voter's CONTEST=VALUE
 * specs: more specs than contests (one contest named again and again) are
 * refused with the counts, before anything is signed. The specs are not
 * bounded by the number of contests, so neither may the choices read from
 * them be: sized by the contests, they overflowed the heap here.
 */
#include "testutil.h"

#include <string.h>

#include "client/lib/ballots.h"
#include "common/err.h"
#include "proto/tdkt.pb-c.h"

static void test_contest_chosen_twice(void **state)
{
    char *candidates[] = {"VU16", "THANHTRA"};
    char *roll[] = {"THANHTRA", "VU16"};
    char *specs[] = {"LEADER=VU16", "LEADER=THANHTRA", "LEADER=VU16", "LEADER=-"};
    Tdkt__Contest c = TDKT__CONTEST__INIT;
    Tdkt__Contest *contests[] = {&c};
    Tdkt__BallotOpen b = TDKT__BALLOT_OPEN__INIT;
    Tdkt__BallotOpened o = TDKT__BALLOT_OPENED__INIT;
    struct ballots_cast cast;
    char why[256] = "";
    (void)state;

    c.code = "LEADER";
    c.purpose = TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_LEADER;
    c.title = "Khối trưởng";
    c.candidates = candidates;
    c.n_candidates = 2;
    c.seats = 1;
    c.method = TDKT__VOTE_METHOD__VOTE_METHOD_ONE_CHOICE;
    b.ballot_id = "K3-2023";
    b.year = 2023;
    b.cluster_code = "KHOI3";
    b.contests = contests;
    b.n_contests = 1;
    o.ballot = &b;
    o.roll = roll;
    o.n_roll = 2;
    assert_int_equal(ballots_cast_build(&o, "VU16", specs, 4, 0, "/nonexistent.key",
                                        "/nonexistent.crt", &cast, why, sizeof why),
                     TDKT_EINVAL);
    if (!strstr(why, "4 choices for 1 named contests"))
        fail_msg("why: %s", why);
    assert_null(cast.packed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contest_chosen_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
