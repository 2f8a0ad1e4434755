/* SPDX-License-Identifier: MIT */
/*
 * Closing an electronic Council vote: council_close() counts each member's
 * last cast (council_rules_count_add) and performs the one transition
 *
 *   open --council_close()--> closed
 *
 * For a secret vote it first moves the pending choices into the ledger as
 * "council.box" entries in the order of their SHA-256 (so the order says
 * nothing of who cast when), then empties council_pending with
 * secure_delete on; for an open vote the choices are read from each
 * member's last "council.cast" entry. Then "council.close" records the
 * counts, and they go into council_counts (which the vote's opening filled
 * with zeros), the row is marked closed, and the dossiers the vote covers
 * are judged again. A close that fails writes nothing.
 */
#include "server/council/council.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/ballot_rules.h"
#include "common/domain/council_rules.h"
#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "server/council/council_store.h"
#include "server/ledger/sql.h"

/* One secret cast waiting in council_pending, with its hash. */
struct boxed {
    uint8_t hash[BALLOT_HASH_LEN];
    uint8_t *ballot;
    size_t len;
};

static int boxed_cmp(const void *a, const void *b)
{
    return memcmp(((const struct boxed *)a)->hash, ((const struct boxed *)b)->hash,
                  BALLOT_HASH_LEN);
}

/* Add the choices of one packed boxed ballot into t. */
static int count_boxed(const Tdkt__CouncilVote *v, const uint8_t *p, size_t len,
                       struct council_tally *t)
{
    Tdkt__CouncilBoxed *b = tdkt__council_boxed__unpack(NULL, len, p);

    if (!b)
        return TDKT_ECORRUPT;
    council_rules_count_add(v, b->choices, b->n_choices, t);
    tdkt__council_boxed__free_unpacked(b, NULL);
    return 0;
}

/* A secret vote: the pending choices counted, boxed in hash order, the box
 * emptied; *n boxed ballots with their hash over the sorted hashes. */
static int close_secret(struct ledger *l, int64_t now, const struct registry_unit *actor,
                        const Tdkt__CouncilVote *v, struct council_tally *t, uint32_t *n,
                        uint8_t box_hash[BALLOT_HASH_LEN])
{
    struct boxed *p = calloc(COUNCIL_MEMBERS_MAX, sizeof *p);
    uint8_t(*hashes)[BALLOT_HASH_LEN] = calloc(COUNCIL_MEMBERS_MAX, BALLOT_HASH_LEN);
    sqlite3_stmt *st = NULL;
    size_t k = 0;
    int rc = p && hashes ? 0 : TDKT_ENOMEM;

    if (rc == 0)
        rc = sql_query(l, &st, "SELECT ballot FROM council_pending WHERE vote = ?1", "t",
                       v->vote_id);
    /* The roll is at most COUNCIL_MEMBERS_MAX persons, one row each. */
    while (rc >= 0 && (rc = sql_step(l, st, "reading secret casts")) == 1 &&
           k < COUNCIL_MEMBERS_MAX) {
        size_t len = (size_t)sqlite3_column_bytes(st, 0);

        if (!(p[k].ballot = malloc(len ? len : 1))) {
            rc = TDKT_ENOMEM;
            break;
        }
        if (len)
            memcpy(p[k].ballot, sqlite3_column_blob(st, 0), len);
        p[k].len = len;
        ballot_rules_tracker(p[k].ballot, len, p[k].hash);
        k++;
    }
    sql_done(st);
    if (rc > 0)
        rc = 0;
    if (rc == 0 && k > 1)
        qsort(p, k, sizeof *p, boxed_cmp);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        rc = count_boxed(v, p[i].ballot, p[i].len, t);
        if (rc == 0)
            rc = ledger_append(l, now, actor->code, ENTRY_COUNCIL_BOX, p[i].ballot, p[i].len, NULL,
                               NULL);
        memcpy(hashes[i], p[i].hash, BALLOT_HASH_LEN);
    }
    if (rc == 0) {
        ballot_rules_box_hash(hashes, k, box_hash);
        *n = (uint32_t)k;
        rc = sql_secure_delete(l);
    }
    if (rc == 0)
        rc = sql_exec(l, "emptying the pending casts",
                      "DELETE FROM council_pending WHERE vote = ?1", "t", v->vote_id);
    for (size_t i = 0; p && i < k; i++)
        free(p[i].ballot);
    free(p);
    free(hashes);
    return rc;
}

/* An open vote: each member's last cast entry counted. */
static int close_named(struct ledger *l, const Tdkt__CouncilVote *v, struct council_tally *t)
{
    uint64_t seqs[COUNCIL_MEMBERS_MAX];
    size_t n = 0;
    sqlite3_stmt *st;
    int rc = sql_query(l, &st, "SELECT seq FROM council_voters WHERE vote = ?1", "t", v->vote_id);

    while (rc >= 0 && (rc = sql_step(l, st, "reading the casts")) == 1 && n < COUNCIL_MEMBERS_MAX)
        seqs[n++] = (uint64_t)sqlite3_column_int64(st, 0);
    sql_done(st);
    if (rc > 0)
        rc = 0;
    /* The statement is done before reading entries, which runs another. */
    for (size_t i = 0; rc == 0 && i < n; i++) {
        Tdkt__CouncilCastRecord *c;
        uint8_t *pl;
        size_t len;

        rc = sql_entry_payload(l, seqs[i], ENTRY_COUNCIL_CAST, &pl, &len);
        if (rc < 0)
            break;
        c = tdkt__council_cast_record__unpack(NULL, len, pl);
        free(pl);
        if (!c) {
            rc = TDKT_ECORRUPT;
            break;
        }
        council_rules_count_add(v, c->choices, c->n_choices, t);
        tdkt__council_cast_record__free_unpacked(c, NULL);
    }
    return rc;
}

/* "council.close" with the counts, then the counts into council_counts and
 * the vote closed. */
static int close_record(struct ledger *l, int64_t now, const struct registry_unit *actor,
                        const Tdkt__CouncilVote *v, const struct council_tally *t, uint32_t boxed,
                        uint8_t box_hash[BALLOT_HASH_LEN], int secret)
{
    Tdkt__CouncilClosed c = TDKT__COUNCIL_CLOSED__INIT;
    Tdkt__CouncilContest *counts = calloc(v->n_contests ? v->n_contests : 1, sizeof *counts);
    Tdkt__CouncilContest **ptrs = calloc(v->n_contests ? v->n_contests : 1, sizeof *ptrs);
    sqlite3_stmt *st;
    int64_t voters = 0;
    uint64_t seq = 0;
    int rc = counts && ptrs ? 0 : TDKT_ENOMEM;

    if (rc == 0)
        rc = sql_query(l, &st, "SELECT count(*) FROM council_voters WHERE vote = ?1", "t",
                       v->vote_id);
    if (rc == 0) {
        rc = sql_step(l, st, "counting the members who cast");
        voters = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
        sql_done(st);
        rc = rc < 0 ? rc : 0;
    }
    for (size_t i = 0; rc == 0 && i < v->n_contests; i++) {
        tdkt__council_contest__init(&counts[i]);
        counts[i].code = v->contests[i]->code;
        counts[i].yes = t[i].yes;
        counts[i].no = t[i].no;
        counts[i].abstain = t[i].abstain;
        ptrs[i] = &counts[i];
    }
    c.vote_id = v->vote_id;
    c.voters = (uint32_t)voters;
    c.counts = ptrs;
    c.n_counts = v->n_contests;
    c.boxed = boxed;
    if (secret) {
        c.box_hash.data = box_hash;
        c.box_hash.len = BALLOT_HASH_LEN;
    }
    if (rc == 0)
        rc = ledger_append_msg(l, now, actor->code, ENTRY_COUNCIL_CLOSE, &c.base, &seq);
    for (size_t i = 0; rc == 0 && i < v->n_contests; i++)
        rc = sql_exec(l, "storing a Council count",
                      "UPDATE council_counts SET yes = ?3, no = ?4, abstain = ?5"
                      " WHERE vote = ?1 AND contest = ?2",
                      "ttiii", v->vote_id, v->contests[i]->code, (int64_t)t[i].yes,
                      (int64_t)t[i].no, (int64_t)t[i].abstain);
    if (rc == 0)
        rc = sql_exec(l, "closing a Council vote",
                      "UPDATE council_votes SET open = 0, closed_seq = ?2 WHERE id = ?1", "ti",
                      v->vote_id, (int64_t)seq);
    free(counts);
    free(ptrs);
    return rc;
}

/* The vote vote_id, electronic and open, into *row and *v. */
static int close_vote(struct ledger *l, const char *vote_id, struct council_row *row,
                      Tdkt__CouncilVote **v, struct fault *f)
{
    int rc;

    if (!record_code_valid(vote_id))
        return fault_set(f, TDKT_EINVAL, "council_close.vote_id", RECORD_CODE_RULE, "a vote id");
    rc = council_row_get(l, vote_id, row);
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, TDKT_ENOTFOUND, "council_close.vote_id", "vote '%s' does not exist",
                         vote_id);
    if (rc < 0)
        return rc;
    if (row->mode != TDKT__VOTE_MODE__VOTE_MODE_ELECTRONIC)
        return fault_set(f, TDKT_ECONFLICT, "council_close.vote_id",
                         "vote '%s' was entered from the minutes (paper): it was counted "
                         "then, and has nothing to close",
                         row->id);
    if (!row->open)
        return fault_set(f, TDKT_ECONFLICT, "council_close.vote_id",
                         "vote '%s' is already closed (ledger entry %llu)", row->id,
                         (unsigned long long)row->closed_seq);
    return council_vote_load(l, row, v);
}

int council_close(struct ledger *l, int64_t now, const struct registry_unit *actor,
                  const char *vote_id, struct fault *f)
{
    struct council_row row;
    struct council_tally *t = NULL;
    Tdkt__CouncilVote *v = NULL;
    uint8_t box_hash[BALLOT_HASH_LEN] = {0};
    uint32_t boxed = 0;
    int rc = close_vote(l, vote_id, &row, &v, f);

    if (rc < 0)
        goto out;
    t = calloc(v->n_contests ? v->n_contests : 1, sizeof *t);
    if (!t) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    rc = ledger_op_begin(l);
    if (rc < 0)
        goto out;
    if (row.secret)
        rc = close_secret(l, now, actor, v, t, &boxed, box_hash);
    else
        rc = close_named(l, v, t);
    if (rc == 0)
        rc = close_record(l, now, actor, v, t, boxed, box_hash, row.secret);
    rc = ledger_op_end(l, rc);
    if (rc == 0)
        rc = council_rejudge(l, now, v);
out:
    free(t);
    if (v)
        tdkt__council_vote__free_unpacked(v, NULL);
    return rc;
}
