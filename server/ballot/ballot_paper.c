/* SPDX-License-Identifier: MIT */
/*
 * Paper ballots: ballot_paper() records a cluster's vote from its minutes,
 * the transition "(nothing) -> paper" of ballot.h. The request table lets
 * only the central office send one. The contest passes the same rules as
 * an electronic one (its shape, ballot_rules_paper_validate(), then
 * ballot_contest_check() and CO-NGANH), the counts pass
 * tally_from_counts() on the cluster's roll, and then
 * "ballot.paper" (the message as sent) and "ballot.tally" (paper = true)
 * are appended and the ballot's row added, in state "paper".
 *
 * Refusals name fields inside the BallotPaper ("contest.seats", "yes");
 * ballot_requests.c puts "ballot_paper." in front. A refused paper ballot
 * writes nothing. There is no roll, statement or box
 * behind a paper ballot; nothing here reads or writes them.
 */
#include "server/ballot/ballot.h"

#include <stdlib.h>
#include <string.h>

#include "common/domain/ballot_rules.h"
#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "server/ballot/ballot_contest.h"
#include "server/ballot/ballot_store.h"
#include "server/ledger/sql.h"

/* Everything but whether the counts add up: the shape (with one count
 * per candidate), a new id, a registered cluster, the contest's rules.
 * Fills the roll (free with ballot_roll_free()) and whether the contest is
 * a flag. */
static int paper_check(struct ledger *l, Tdkt__BallotPaper *m, char ***roll, size_t *nroll,
                       int *flag, struct fault *f)
{
    char leader[LEDGER_UNIT_MAX + 1];
    int rc = ballot_rules_paper_validate(m, f);

    if (rc == 0)
        rc = ballot_roll_for_new(l, m->ballot_id, m->year, m->cluster_code, roll, nroll, leader, f);
    if (rc == 0)
        rc = ballot_contest_check(l, m->year, m->contest, *roll, *nroll, "contest", f);
    if (rc < 0)
        return rc;
    *flag = m->contest->purpose == TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG;
    return *flag ? ballot_flag_check(l, m->year, m->cluster_code, "contest", f) : 0;
}

/* The minutes' counts on the roll, as one result; *out is malloc'd (free
 * with ballot_rules_results_free()). ballot_rules_paper_validate() has
 * seen one count per candidate, so tally_from_counts() reads no count
 * that is not there; and t.why is read only after it refused, which
 * always writes the reason (tally.h). */
static int paper_count(const Tdkt__BallotPaper *m, size_t nroll, Tdkt__ContestResult ***out,
                       struct fault *f)
{
    struct tally_contest k;
    struct tally_result t;
    int rc;

    *out = NULL;
    if (ballot_rules_contest_tally(m->contest, (unsigned)nroll, &k) < 0)
        return TDKT_EINVAL; /* the shape and a roll of one or more were checked */
    rc = tally_from_counts(&k, m->ballots, m->yes, m->n_no ? m->no : NULL,
                           m->n_abstain ? m->abstain : NULL, &t);
    if (rc < 0)
        return fault_set(f, TDKT_EINVAL, "yes",
                         "the counts do not fit the contest and its %zu members: %s", nroll, t.why);
    *out = calloc(1, sizeof **out);
    if (*out)
        (*out)[0] = ballot_result_new(m->contest, &k, &t);
    return *out && (*out)[0] ? 0 : TDKT_ENOMEM;
}

int ballot_paper(struct ledger *l, int64_t now, const struct registry_unit *actor,
                 Tdkt__BallotPaper *m, struct fault *f)
{
    Tdkt__BallotTallied tl = TDKT__BALLOT_TALLIED__INIT;
    Tdkt__ContestResult **res = NULL;
    char **roll = NULL;
    size_t nroll = 0;
    uint64_t seq = 0, tseq = 0;
    int64_t at;
    int rc, flag = 0;

    rc = paper_check(l, m, &roll, &nroll, &flag, f);
    if (rc == 0)
        rc = paper_count(m, nroll, &res, f);
    if (rc < 0)
        goto out;
    tl.ballot_id = m->ballot_id;
    tl.results = res;
    tl.n_results = 1;
    tl.paper = 1;
    tl.minutes_ref = m->minutes_ref;
    rc = ledger_op_begin(l);
    if (rc < 0)
        goto out;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_PAPER, &m->base, &seq);
    /* The entry's own time (never before the previous entry's) dates it. */
    at = ledger_head_time(l);
    if (rc == 0)
        rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_TALLY, &tl.base, &tseq);
    if (rc == 0)
        rc = sql_exec(l, "storing a paper ballot",
                      "INSERT INTO ballots(id, year, cluster, opened_by, opens_ms, closes_ms, roll,"
                      " state, flag, seq, tally_seq, published_seq)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, 'paper', ?7, ?8, ?9, ?9)",
                      "tuttiiiii", m->ballot_id, m->year, m->cluster_code, actor->code, at,
                      (int64_t)nroll, (int64_t)flag, (int64_t)seq, (int64_t)tseq);
    rc = ledger_op_end(l, rc);
out:
    ballot_rules_results_free(res, res ? 1 : 0);
    ballot_roll_free(roll, nroll);
    return rc;
}
