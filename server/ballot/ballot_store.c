/* SPDX-License-Identifier: MIT */
/*
 * Reading a ballot back from the state tables and the ledger: its row, its
 * definition, its final statements and box. See
 * ballot_store.h. No rule of the vote lives here, and nothing here appends
 * an entry or changes a row.
 */
#include "server/ballot/ballot_store.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "server/ballot/ballot.h"
#include "server/ledger/sql.h"

/* The columns of ballot_row_get()'s query into *b. */
static void row_read(sqlite3_stmt *st, struct ballot_row *b)
{
    memset(b, 0, sizeof *b);
    sql_col_text(st, 0, b->id, sizeof b->id);
    b->year = (uint32_t)sqlite3_column_int64(st, 1);
    sql_col_text(st, 2, b->cluster, sizeof b->cluster);
    sql_col_text(st, 3, b->opened_by, sizeof b->opened_by);
    b->opens_ms = sqlite3_column_int64(st, 4);
    b->closes_ms = sqlite3_column_int64(st, 5);
    b->roll = (unsigned)sqlite3_column_int64(st, 6);
    sql_col_text(st, 7, b->state, sizeof b->state);
    b->flag = sqlite3_column_int(st, 8);
    b->seq = (uint64_t)sqlite3_column_int64(st, 9);
    b->sealed_seq = (uint64_t)sqlite3_column_int64(st, 10);
    b->tally_seq = (uint64_t)sqlite3_column_int64(st, 11);
    b->published_seq = (uint64_t)sqlite3_column_int64(st, 12);
}

int ballot_row_get(struct ledger *l, const char *id, struct ballot_row *b)
{
    sqlite3_stmt *st = NULL;
    int rc =
        sql_query(l, &st,
                  "SELECT id, year, cluster, opened_by, opens_ms, closes_ms, roll, state, flag,"
                  " seq, coalesce(sealed_seq, 0), coalesce(tally_seq, 0),"
                  " coalesce(published_seq, 0) FROM ballots WHERE id = ?1",
                  "t", id);

    if (rc == 0 && (rc = sql_step(l, st, "reading a ballot")) == 1)
        row_read(st, b);
    sql_done(st);
    return rc < 0 ? rc : rc == 1 ? 0 : TDKT_ENOTFOUND;
}

int ballot_opened_load(struct ledger *l, const struct ballot_row *b, Tdkt__BallotOpened **out)
{
    uint8_t *p;
    size_t n;
    int rc;

    *out = NULL;
    if (strcmp(b->state, "paper") == 0)
        return TDKT_ENOTFOUND; /* a paper ballot has no electronic definition */
    rc = sql_entry_payload(l, b->seq, ENTRY_BALLOT_OPEN, &p, &n);
    if (rc < 0)
        return rc;
    *out = tdkt__ballot_opened__unpack(NULL, n, p);
    free(p);
    return *out && (*out)->ballot ? 0 : TDKT_ECORRUPT;
}

int ballot_on_roll(const Tdkt__BallotOpened *o, const char *unit)
{
    for (size_t i = 0; i < o->n_roll; i++)
        if (strcmp(o->roll[i], unit) == 0)
            return 1;
    return 0;
}

/* The final statement of each voter, by voter, into voted[] (room for
 * BALLOT_VOTERS_MAX). */
static int load_voted(struct ledger *l, const struct ballot_row *b, Tdkt__BallotVoted **voted,
                      size_t *nvoted)
{
    sqlite3_stmt *st;
    int rc = sql_query(l, &st, "SELECT seq FROM ballot_voters WHERE ballot = ?1 ORDER BY voter",
                       "t", b->id);

    while (rc >= 0 && (rc = sql_step(l, st, "reading voters")) == 1 &&
           *nvoted < BALLOT_VOTERS_MAX) {
        uint8_t *pl;
        size_t len;
        int r2 = sql_entry_payload(l, (uint64_t)sqlite3_column_int64(st, 0), ENTRY_BALLOT_VOTED,
                                   &pl, &len);
        if (r2 < 0) {
            rc = r2;
            break;
        }
        voted[*nvoted] = tdkt__ballot_voted__unpack(NULL, len, pl);
        free(pl);
        if (!voted[*nvoted]) {
            rc = TDKT_ECORRUPT;
            break;
        }
        (*nvoted)++;
    }
    sql_done(st);
    return rc < 0 ? rc : 0;
}

/* The box entries between the ballot's opening and its seal, in ledger
 * order, into box[] (room for BALLOT_VOTERS_MAX). */
static int load_boxed(struct ledger *l, const struct ballot_row *b, Tdkt__BoxedBallot **box,
                      size_t *nbox)
{
    sqlite3_stmt *st;
    int rc = sql_query(
        l, &st,
        "SELECT payload FROM ledger WHERE seq > ?1 AND seq < ?2 AND kind = '" ENTRY_BALLOT_BOX "'"
        " ORDER BY seq",
        "ii", (int64_t)b->seq, (int64_t)b->sealed_seq);

    while (rc >= 0 && (rc = sql_step(l, st, "reading the box")) == 1 && *nbox < BALLOT_VOTERS_MAX) {
        Tdkt__BoxedBallot *bb = tdkt__boxed_ballot__unpack(
            NULL, (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 0));
        if (!bb) {
            rc = TDKT_ECORRUPT;
            break;
        }
        if (!bb->ballot_id || strcmp(bb->ballot_id, b->id) != 0) {
            tdkt__boxed_ballot__free_unpacked(bb, NULL);
            continue; /* another ballot sealed in between */
        }
        box[(*nbox)++] = bb;
    }
    sql_done(st);
    return rc < 0 ? rc : 0;
}

/* Unpack every statement and sealed ballot that reads, for a count. */
static int box_unpack(struct ballot_box *x)
{
    x->statements = calloc(BALLOT_VOTERS_MAX, sizeof *x->statements);
    x->sealed = calloc(BALLOT_VOTERS_MAX, sizeof *x->sealed);
    if (!x->statements || !x->sealed)
        return TDKT_ENOMEM;
    for (size_t i = 0; i < x->nvoted; i++)
        if ((x->statements[x->nstatements] = tdkt__ballot_statement__unpack(
                 NULL, x->voted[i]->statement.len, x->voted[i]->statement.data)))
            x->nstatements++;
    for (size_t i = 0; i < x->nbox; i++)
        if ((x->sealed[x->nsealed] =
                 tdkt__sealed_ballot__unpack(NULL, x->box[i]->sealed.len, x->box[i]->sealed.data)))
            x->nsealed++;
    return 0;
}

int ballot_box_load(struct ledger *l, const struct ballot_row *b, struct ballot_box *x)
{
    int rc;

    memset(x, 0, sizeof *x);
    x->voted = calloc(BALLOT_VOTERS_MAX, sizeof *x->voted);
    x->box = calloc(BALLOT_VOTERS_MAX, sizeof *x->box);
    if (!x->voted || !x->box)
        return TDKT_ENOMEM;
    rc = load_voted(l, b, x->voted, &x->nvoted);
    if (rc == 0 && b->sealed_seq)
        rc = load_boxed(l, b, x->box, &x->nbox);
    return rc < 0 ? rc : box_unpack(x);
}

void ballot_box_free(struct ballot_box *x)
{
    for (size_t i = 0; x->voted && i < x->nvoted; i++)
        tdkt__ballot_voted__free_unpacked(x->voted[i], NULL);
    for (size_t i = 0; x->box && i < x->nbox; i++)
        tdkt__boxed_ballot__free_unpacked(x->box[i], NULL);
    for (size_t i = 0; x->statements && i < x->nstatements; i++)
        tdkt__ballot_statement__free_unpacked(x->statements[i], NULL);
    for (size_t i = 0; x->sealed && i < x->nsealed; i++)
        tdkt__sealed_ballot__free_unpacked(x->sealed[i], NULL);
    free(x->voted);
    free(x->box);
    free(x->statements);
    free(x->sealed);
    memset(x, 0, sizeof *x);
}
