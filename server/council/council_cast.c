/* SPDX-License-Identifier: MIT */
/*
 * Casting on an electronic Council vote: council_cast() takes one member's
 * choices while the vote is open (no transition: the vote stays open). It
 * appends "council.cast" with the member (a person id) as actor and upserts
 * council_voters; a later cast by the same member replaces the last one.
 *
 * The checks, in order: the cast's shape (council_rules_cast_validate, as
 * the member's client ran it); the vote exists, is electronic and open; the
 * member is on its roll (the Council's members when it opened); every
 * contest named is one of the vote's. A refused cast writes nothing.
 *
 * An open vote's choices are in the cast entry. A secret vote's are not:
 * the entry says only that the member cast (and how many times), and the
 * choices wait in council_pending, put in the vote's contest order so that
 * nothing of how the member typed them survives, until the close boxes them
 * apart from who cast them (council_close.c). It must never put a secret
 * vote's choices in the ledger.
 */
#include "server/council/council.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/council_rules.h"
#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "server/council/council_store.h"
#include "server/ledger/sql.h"

/* The vote m names, open now, with actor on its roll; *v its definition. */
static int cast_vote(struct ledger *l, const struct registry_unit *actor,
                     const Tdkt__CouncilCast *m, struct council_row *row, Tdkt__CouncilVote **v,
                     struct fault *f)
{
    int rc = council_row_get(l, m->vote_id, row);

    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, TDKT_ENOTFOUND, "council_cast.vote_id", "vote '%s' does not exist",
                         m->vote_id);
    if (rc < 0)
        return rc;
    if (row->mode != TDKT__VOTE_MODE__VOTE_MODE_ELECTRONIC)
        return fault_set(f, TDKT_ECONFLICT, "council_cast.vote_id",
                         "vote '%s' was entered from the minutes (paper); it takes no casts",
                         row->id);
    if (!row->open)
        return fault_set(f, TDKT_EPERIOD, "council_cast.vote_id",
                         "vote '%s' is closed: the central office has counted it", row->id);
    rc = council_on_roll(l, row->id, actor->code);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return fault_set(f, TDKT_EPERM, "council_cast",
                         "%s (%s) is not a member of Council '%s' of %u, which holds vote '%s'",
                         actor->name, actor->code, row->council, row->year, row->id);
    rc = council_vote_load(l, row, v);
    if (rc == 0)
        rc = council_rules_cast_fits(*v, m->choices, m->n_choices, f);
    return rc;
}

/* m's choices in the order of v's contests, packed as a boxed ballot into
 * *out (malloc'd). */
static int cast_boxed(const Tdkt__CouncilVote *v, const Tdkt__CouncilCast *m, uint8_t **out,
                      size_t *len)
{
    Tdkt__CouncilBoxed b = TDKT__COUNCIL_BOXED__INIT;
    Tdkt__CouncilChoice **sorted = calloc(m->n_choices ? m->n_choices : 1, sizeof *sorted);

    *out = NULL;
    if (!sorted)
        return TDKT_ENOMEM;
    for (size_t i = 0; i < v->n_contests; i++)
        for (size_t k = 0; k < m->n_choices; k++)
            if (strcmp(v->contests[i]->code, m->choices[k]->contest) == 0)
                sorted[b.n_choices++] = m->choices[k];
    b.vote_id = v->vote_id;
    b.choices = sorted;
    *len = tdkt__council_boxed__get_packed_size(&b);
    *out = malloc(*len ? *len : 1);
    if (*out)
        tdkt__council_boxed__pack(&b, *out);
    free(sorted);
    return *out ? 0 : TDKT_ENOMEM;
}

/* Append "council.cast" with the member's next cast number, and keep a
 * secret vote's choices in the pending box, replacing earlier ones. */
static int cast_record(struct ledger *l, int64_t now, const struct registry_unit *actor,
                       const Tdkt__CouncilCast *m, const struct council_row *row,
                       const Tdkt__CouncilVote *v)
{
    Tdkt__CouncilCastRecord rec = TDKT__COUNCIL_CAST_RECORD__INIT;
    uint32_t cast_no = 1;
    uint64_t seq = 0;
    uint8_t *boxed = NULL;
    size_t boxed_len = 0;
    sqlite3_stmt *st;
    int rc = sql_query(l, &st, "SELECT cast_no FROM council_voters WHERE vote = ?1 AND person = ?2",
                       "tt", row->id, actor->code);

    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a cast");
    if (rc == 1)
        cast_no = (uint32_t)sqlite3_column_int64(st, 0) + 1;
    sql_done(st);
    if (rc < 0)
        return rc;
    if (row->secret && (rc = cast_boxed(v, m, &boxed, &boxed_len)) < 0)
        return rc;
    rec.vote_id = (char *)row->id;
    rec.cast_no = cast_no;
    if (!row->secret) {
        rec.choices = m->choices;
        rec.n_choices = m->n_choices;
    }
    rc = ledger_op_begin(l);
    if (rc < 0)
        goto out;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_COUNCIL_CAST, &rec.base, &seq);
    if (rc == 0)
        rc = sql_exec(l, "recording a cast",
                      "INSERT INTO council_voters(vote, person, cast_no, seq) VALUES"
                      " (?1, ?2, ?3, ?4) ON CONFLICT(vote, person) DO UPDATE SET"
                      " cast_no = excluded.cast_no, seq = excluded.seq",
                      "ttii", row->id, actor->code, (int64_t)cast_no, (int64_t)seq);
    /* The replaced choices' pages are zeroed, not left in free space. */
    if (rc == 0 && row->secret)
        rc = sql_secure_delete(l);
    if (rc == 0 && row->secret)
        rc = sql_exec(l, "keeping a secret cast",
                      "INSERT INTO council_pending(vote, person, ballot) VALUES (?1, ?2, ?3)"
                      " ON CONFLICT(vote, person) DO UPDATE SET ballot = excluded.ballot",
                      "ttb", row->id, actor->code, boxed, boxed_len);
    rc = ledger_op_end(l, rc);
out:
    free(boxed);
    return rc;
}

int council_cast(struct ledger *l, int64_t now, const struct registry_unit *actor,
                 const Tdkt__CouncilCast *m, struct fault *f)
{
    struct council_row row;
    Tdkt__CouncilVote *v = NULL;
    int rc = council_rules_cast_validate(m, f);

    if (rc == 0)
        rc = cast_vote(l, actor, m, &row, &v, f);
    if (rc == 0)
        rc = cast_record(l, now, actor, m, &row, v);
    if (v)
        tdkt__council_vote__free_unpacked(v, NULL);
    return rc;
}
