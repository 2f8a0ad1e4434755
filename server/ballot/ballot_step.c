/* SPDX-License-Identifier: MIT */
/*
 * The steps after the vote, each one transition of ballot.h performed by
 * ballot_step() for the opener or the central office, in this order only:
 *
 *   open (closed) --SEAL: seal()--> sealed --TALLY: tally()--> tallied
 *        --PUBLISH: publish()--> published
 *
 * SEAL moves the pending sealed ballots into the ledger as "ballot.box"
 * entries in tracker order, records their hash in "ballot.seal" and empties
 * ballot_pending; TALLY counts with ballot_rules_tally() (the verifier's
 * function too) into "ballot.tally"; PUBLISH appends "ballot.publish".
 * ballot_seal_due() is the daemon's own SEAL of a box left open.
 *
 * A step out of order is refused and writes nothing. Nothing here decides
 * who may see what (ballot_read.c) or judges a cast (ballot_cast.c).
 */
#include "server/ballot/ballot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/ballot_rules.h"
#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "server/ballot/ballot_store.h"
#include "server/ledger/sql.h"

/* --- seal ----------------------------------------------------------------------- */

/* A sealed ballot waiting in ballot_pending, with its tracker. */
struct pending {
    uint8_t tracker[BALLOT_HASH_LEN];
    uint8_t *sealed;
    size_t len;
};

static int pending_cmp(const void *a, const void *b)
{
    return memcmp(((const struct pending *)a)->tracker, ((const struct pending *)b)->tracker,
                  BALLOT_HASH_LEN);
}

/* The pending box of ballot id into p[] (room for BALLOT_VOTERS_MAX),
 * sorted by tracker: the order of the box then says nothing of who voted
 * when. */
static int pending_load(struct ledger *l, const char *id, struct pending *p, size_t *n)
{
    sqlite3_stmt *st;
    int rc = sql_query(l, &st, "SELECT sealed FROM ballot_pending WHERE ballot = ?1", "t", id);

    while (rc >= 0 && (rc = sql_step(l, st, "reading sealed ballots")) == 1 &&
           *n < BALLOT_VOTERS_MAX) {
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        p[*n].sealed = malloc(len ? len : 1);
        if (!p[*n].sealed) {
            rc = TDKT_ENOMEM;
            break;
        }
        if (len)
            memcpy(p[*n].sealed, sqlite3_column_blob(st, 0), len);
        p[*n].len = len;
        ballot_rules_tracker(p[*n].sealed, len, p[*n].tracker);
        (*n)++;
    }
    sql_done(st);
    if (rc < 0)
        return rc;
    qsort(p, *n, sizeof *p, pending_cmp);
    return 0;
}

/* The trackers of the final statements into trackers[] (the box of a
 * named-only ballot), and how many voters there are. */
static int voter_trackers(struct ledger *l, const char *id, uint8_t (*trackers)[BALLOT_HASH_LEN],
                          size_t *voters)
{
    sqlite3_stmt *st;
    int rc = sql_query(l, &st, "SELECT seq FROM ballot_voters WHERE ballot = ?1", "t", id);

    while (rc >= 0 && (rc = sql_step(l, st, "reading voters")) == 1) {
        if (*voters < BALLOT_VOTERS_MAX) {
            Tdkt__BallotVoted *v;
            uint8_t *pl;
            size_t len;
            int r2 = sql_entry_payload(l, (uint64_t)sqlite3_column_int64(st, 0), ENTRY_BALLOT_VOTED,
                                       &pl, &len);
            if (r2 < 0) {
                rc = r2;
                break;
            }
            v = tdkt__ballot_voted__unpack(NULL, len, pl);
            free(pl);
            if (!v) {
                rc = TDKT_ECORRUPT;
                break;
            }
            ballot_rules_tracker(v->statement.data, v->statement.len, trackers[*voters]);
            tdkt__ballot_voted__free_unpacked(v, NULL);
        }
        (*voters)++;
    }
    sql_done(st);
    return rc < 0 ? rc : 0;
}

/* The box entries, "ballot.seal" with the box hash, then the voter link
 * goes: secure_delete overwrites the pages it was in. */
static int seal_write(struct ledger *l, int64_t now, const struct registry_unit *actor,
                      const struct ballot_row *b, const struct pending *p, size_t n,
                      uint8_t (*trackers)[BALLOT_HASH_LEN], size_t voters)
{
    Tdkt__BallotSealed sealed = TDKT__BALLOT_SEALED__INIT;
    uint8_t box_hash[BALLOT_HASH_LEN];
    uint64_t seq = 0;
    int rc = 0;

    for (size_t i = 0; rc >= 0 && i < n; i++) {
        Tdkt__BoxedBallot bb = TDKT__BOXED_BALLOT__INIT;
        bb.ballot_id = (char *)b->id;
        bb.sealed.data = p[i].sealed;
        bb.sealed.len = p[i].len;
        rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_BOX, &bb.base, NULL);
        memcpy(trackers[i], p[i].tracker, BALLOT_HASH_LEN);
    }
    if (rc < 0)
        return rc;
    ballot_rules_box_hash(trackers, n ? n : voters, box_hash);
    sealed.ballot_id = (char *)b->id;
    sealed.ballots = (uint32_t)n;
    sealed.voters = (uint32_t)voters;
    sealed.box_hash.data = box_hash;
    sealed.box_hash.len = BALLOT_HASH_LEN;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_SEAL, &sealed.base, &seq);
    if (rc == 0)
        rc = sql_secure_delete(l);
    if (rc == 0)
        rc = sql_exec(l, "emptying the pending box", "DELETE FROM ballot_pending WHERE ballot = ?1",
                      "t", b->id);
    if (rc == 0)
        rc = sql_exec(l, "sealing a ballot",
                      "UPDATE ballots SET state = 'sealed', sealed_seq = ?2 WHERE id = ?1", "ti",
                      b->id, (int64_t)seq);
    return rc;
}

static int seal(struct ledger *l, int64_t now, const struct registry_unit *actor,
                const struct ballot_row *b)
{
    struct pending *p = calloc(BALLOT_VOTERS_MAX, sizeof *p);
    uint8_t(*trackers)[BALLOT_HASH_LEN] = calloc(BALLOT_VOTERS_MAX, BALLOT_HASH_LEN);
    size_t n = 0, voters = 0;
    int rc = p && trackers ? 0 : TDKT_ENOMEM;

    if (rc == 0)
        rc = pending_load(l, b->id, p, &n);
    if (rc == 0)
        rc = voter_trackers(l, b->id, trackers, &voters);
    if (rc == 0)
        rc = seal_write(l, now, actor, b, p, n, trackers, voters);
    for (size_t i = 0; p && i < n; i++)
        free(p[i].sealed);
    free(p);
    free(trackers);
    return rc;
}

/* --- tally, publish --------------------------------------------------------------- */

static int tally(struct ledger *l, int64_t now, const struct registry_unit *actor,
                 const struct ballot_row *b)
{
    Tdkt__BallotTallied t = TDKT__BALLOT_TALLIED__INIT;
    Tdkt__ContestResult **res = NULL;
    Tdkt__BallotOpened *o = NULL;
    struct ballot_box x = {0};
    size_t nres = 0;
    uint64_t seq = 0;
    int rc = ballot_opened_load(l, b, &o);

    if (rc == 0)
        rc = ballot_box_load(l, b, &x);
    if (rc == 0)
        rc = ballot_rules_tally(o, x.statements, x.nstatements, x.sealed, x.nsealed, &res, &nres);
    if (rc < 0)
        goto out;
    t.ballot_id = (char *)b->id;
    t.results = res;
    t.n_results = nres;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_TALLY, &t.base, &seq);
    if (rc == 0)
        rc = sql_exec(l, "recording a tally",
                      "UPDATE ballots SET state = 'tallied', tally_seq = ?2 WHERE id = ?1", "ti",
                      b->id, (int64_t)seq);
out:
    ballot_rules_results_free(res, nres);
    ballot_box_free(&x);
    if (o)
        tdkt__ballot_opened__free_unpacked(o, NULL);
    return rc;
}

static int publish(struct ledger *l, int64_t now, const struct registry_unit *actor,
                   const struct ballot_row *b)
{
    Tdkt__BallotAction a = TDKT__BALLOT_ACTION__INIT;
    uint64_t seq = 0;
    int rc;

    a.ballot_id = (char *)b->id;
    a.step = TDKT__BALLOT_STEP__BALLOT_STEP_PUBLISH;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_PUBLISH, &a.base, &seq);
    if (rc == 0)
        rc = sql_exec(l, "publishing a ballot",
                      "UPDATE ballots SET state = 'published', published_seq = ?2 WHERE id = ?1",
                      "ti", b->id, (int64_t)seq);
    return rc;
}

/* --- the step ------------------------------------------------------------------- */

/* The steps, each with the state it follows and what a unit is told when
 * the ballot is not in that state. */
static const struct step {
    int step;
    const char *from;
    const char *rule;
    int (*run)(struct ledger *l, int64_t now, const struct registry_unit *actor,
               const struct ballot_row *b);
} steps[] = {
    {TDKT__BALLOT_STEP__BALLOT_STEP_SEAL, "open", "only an open ballot is sealed", seal},
    {TDKT__BALLOT_STEP__BALLOT_STEP_TALLY, "sealed", "the box must be sealed before the tally",
     tally},
    {TDKT__BALLOT_STEP__BALLOT_STEP_PUBLISH, "tallied", "only a tallied ballot is published",
     publish},
};

/* The step, if the ballot is in the state it follows. */
static int step_run(struct ledger *l, int64_t now, const struct registry_unit *actor,
                    const struct ballot_row *b, int step, struct fault *f)
{
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        const struct step *s = &steps[i];

        if (s->step != step)
            continue;
        if (strcmp(b->state, s->from) != 0)
            return fault_set(f, TDKT_ECONFLICT, "ballot_action.step", "ballot '%s' is %s; %s",
                             b->id, b->state, s->rule);
        /* A box is sealed only once nobody can cast into it any more. */
        if (step == TDKT__BALLOT_STEP__BALLOT_STEP_SEAL && now < b->closes_ms)
            return fault_set(f, TDKT_ECONFLICT, "ballot_action.step",
                             "ballot '%s' is still open; it can be sealed after it closes", b->id);
        return s->run(l, now, actor, b);
    }
    return fault_set(f, TDKT_EINVAL, "ballot_action.step", "step must be seal, tally or publish");
}

int ballot_step(struct ledger *l, int64_t now, const struct registry_unit *actor,
                const char *ballot_id, int step, struct fault *f)
{
    struct ballot_row b;
    int rc;

    if (!ballot_id || !record_code_valid(ballot_id))
        return fault_set(f, TDKT_EINVAL, "ballot_action.ballot_id", RECORD_CODE_RULE,
                         "a ballot id");
    rc = ballot_row_get(l, ballot_id, &b);
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, TDKT_ENOTFOUND, "ballot_action.ballot_id", "ballot '%s' does not exist",
                         ballot_id);
    if (rc < 0)
        return rc;
    if (actor->role != REGISTRY_ROLE_CENTRAL && strcmp(actor->code, b.opened_by) != 0)
        return fault_set(f, TDKT_EPERM, "ballot_action",
                         "only the opener ('%s') or the central office seals, tallies and "
                         "publishes ballot '%s'",
                         b.opened_by, b.id);
    rc = ledger_op_begin(l);
    if (rc < 0)
        return rc;
    return ledger_op_end(l, step_run(l, now, actor, &b, step, f));
}

int ballot_seal_due(struct ledger *l, int64_t now, int64_t grace_ms, unsigned max, unsigned *sealed)
{
    struct registry_unit self;
    struct fault f;
    char ids[BALLOT_SEAL_BATCH][LEDGER_UNIT_MAX + 1];
    sqlite3_stmt *st;
    unsigned n = 0;
    int rc;

    *sealed = 0;
    if (max > BALLOT_SEAL_BATCH)
        max = BALLOT_SEAL_BATCH;
    rc = sql_query(l, &st,
                   "SELECT id FROM ballots WHERE state = 'open' AND closes_ms <= ?1"
                   " ORDER BY closes_ms, id LIMIT ?2",
                   "ii", now - grace_ms, (int64_t)max);
    if (rc < 0)
        return rc;
    while (n < max && sql_step(l, st, "reading ballots due") == 1)
        sql_col_text(st, 0, ids[n++], sizeof ids[0]);
    sql_done(st);
    memset(&self, 0, sizeof self);
    snprintf(self.code, sizeof self.code, "%s", BALLOT_SELF);
    self.role = REGISTRY_ROLE_CENTRAL;
    for (unsigned i = 0; i < n; i++) {
        memset(&f, 0, sizeof f);
        rc = ballot_step(l, now, &self, ids[i], TDKT__BALLOT_STEP__BALLOT_STEP_SEAL, &f);
        if (rc < 0)
            return rc; /* the caller's batch is rolled back; tried again later */
        (*sealed)++;
    }
    return 0;
}
