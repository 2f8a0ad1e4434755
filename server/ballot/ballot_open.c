/* SPDX-License-Identifier: MIT */
/*
 * Opening an electronic ballot: the transition "(nothing) -> open" of
 * ballot.h, performed by ballot_open(). It checks the ballot's shape with
 * ballot_rules_open_validate() (the client runs the same function), then
 * what needs the ledger and the clock: the closing time is ahead, the id
 * is new, the cluster exists that year and has members, the opener is the
 * central office or the cluster's leader,
 * and every contest passes ballot_contest_check() and CO-NGANH. Only then
 * does it append "ballot.open", with the roll frozen and the thresholds
 * resolved, and add the ballot's row.
 *
 * It must not write anything for a ballot it refuses, and it does not cast,
 * seal or count.
 */
#include "server/ballot/ballot.h"

#include <stdio.h>
#include <string.h>

#include "common/domain/ballot_rules.h"
#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "server/ballot/ballot_contest.h"
#include "server/ballot/ballot_store.h"
#include "server/ledger/sql.h"

/* What the ballot's header needs of the ledger and the clock: times that
 * fit the server's clock, a new id, a registered cluster with members, an
 * opener allowed to open for it. Fills the roll (free with
 * ballot_roll_free()). */
static int open_header(struct ledger *l, int64_t now, const struct registry_unit *actor,
                       const Tdkt__BallotOpen *m, char ***roll, size_t *nroll, struct fault *f)
{
    char leader[LEDGER_UNIT_MAX + 1];
    int rc;

    rc = ballot_rules_open_times(m, now, f);
    if (rc == 0)
        rc = ballot_roll_for_new(l, m->ballot_id, m->year, m->cluster_code, roll, nroll, leader, f);
    if (rc < 0)
        return rc;
    if (actor->role != REGISTRY_ROLE_CENTRAL && strcmp(actor->code, leader) != 0)
        return fault_set(f, TDKT_EPERM, "cluster_code",
                         "only the central office or the leader of '%s' in %u ('%s') opens its "
                         "ballots",
                         m->cluster_code, m->year, leader[0] ? leader : "none");
    return 0;
}

/* Every contest against the ledger; *flag says whether the ballot holds
 * the (one) flag contest, which CO-NGANH then allows or not. */
static int open_contests(struct ledger *l, Tdkt__BallotOpen *m, char **roll, size_t nroll,
                         int *flag, struct fault *f)
{
    char prefix[32];
    int rc;

    *flag = 0;
    for (size_t i = 0; i < m->n_contests; i++) {
        snprintf(prefix, sizeof prefix, "contests[%zu]", i);
        rc = ballot_contest_check(l, m->year, m->contests[i], roll, nroll, prefix, f);
        if (rc < 0)
            return rc;
        if (m->contests[i]->purpose != TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG)
            continue;
        if (*flag)
            return fault_set(f, TDKT_EINVAL, "contests",
                             "a ballot holds at most one flag contest (CO-NGANH)");
        *flag = 1;
    }
    return *flag ? ballot_flag_check(l, m->year, m->cluster_code, "contests", f) : 0;
}

int ballot_open(struct ledger *l, int64_t now, const struct registry_unit *actor,
                Tdkt__BallotOpen *m, struct fault *f)
{
    Tdkt__BallotOpened o = TDKT__BALLOT_OPENED__INIT;
    char **roll = NULL;
    size_t nroll = 0;
    uint64_t seq = 0;
    int rc, flag = 0;

    rc = ballot_rules_open_validate(m, f);
    if (rc == 0)
        rc = open_header(l, now, actor, m, &roll, &nroll, f);
    /* An opening of 0 is when the server receives the ballot. */
    if (rc == 0 && m->opens_ms == 0)
        m->opens_ms = now;
    if (rc == 0)
        rc = open_contests(l, m, roll, nroll, &flag, f);
    if (rc < 0)
        goto out;
    o.ballot = m;
    o.roll = roll;
    o.n_roll = nroll;
    o.opened_by = (char *)actor->code;
    rc = ledger_op_begin(l);
    if (rc < 0)
        goto out;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_OPEN, &o.base, &seq);
    if (rc == 0)
        rc = sql_exec(l, "storing a ballot",
                      "INSERT INTO ballots(id, year, cluster, opened_by, opens_ms, closes_ms, roll,"
                      " state, flag, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8, ?9)",
                      "tuttiiiii", m->ballot_id, m->year, m->cluster_code, actor->code, m->opens_ms,
                      m->closes_ms, (int64_t)nroll, (int64_t)flag, (int64_t)seq);
    rc = ledger_op_end(l, rc);
out:
    ballot_roll_free(roll, nroll);
    return rc;
}
