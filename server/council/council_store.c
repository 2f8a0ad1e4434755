/* SPDX-License-Identifier: MIT */
/*
 * Reading a Council vote back, and judging again what it covers; see
 * council_store.h. Nothing here appends an entry of its own (review_rejudge
 * appends the verdicts).
 */
#include "server/council/council_store.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "common/util/vec.h"
#include "server/ledger/sql.h"
#include "server/review/review.h"

int council_row_get(struct ledger *l, const char *id, struct council_row *v)
{
    sqlite3_stmt *st = NULL;
    int rc = sql_query(l, &st,
                       "SELECT id, year, council, secret, mode, roll, seq, open,"
                       " coalesce(closed_seq, 0) FROM council_votes WHERE id = ?1",
                       "t", id);

    if (rc == 0 && (rc = sql_step(l, st, "reading a Council vote")) == 1) {
        memset(v, 0, sizeof *v);
        if (sql_col_text(st, 0, v->id, sizeof v->id) < 0 ||
            sql_col_text(st, 2, v->council, sizeof v->council) < 0)
            rc = TDKT_ECORRUPT;
        v->year = (uint32_t)sqlite3_column_int64(st, 1);
        v->secret = sqlite3_column_int(st, 3);
        v->mode = sqlite3_column_int(st, 4);
        v->roll = (unsigned)sqlite3_column_int64(st, 5);
        v->seq = (uint64_t)sqlite3_column_int64(st, 6);
        v->open = sqlite3_column_int(st, 7);
        v->closed_seq = (uint64_t)sqlite3_column_int64(st, 8);
    }
    sql_done(st);
    return rc < 0 ? rc : rc == 1 ? 0 : TDKT_ENOTFOUND;
}

int council_vote_load(struct ledger *l, const struct council_row *v, Tdkt__CouncilVote **out)
{
    uint8_t *p;
    size_t n;
    int rc = sql_entry_payload(l, v->seq, ENTRY_COUNCIL_VOTE, &p, &n);

    *out = NULL;
    if (rc < 0)
        return rc;
    *out = tdkt__council_vote__unpack(NULL, n, p);
    free(p);
    return *out ? 0 : TDKT_ECORRUPT;
}

int council_on_roll(struct ledger *l, const char *id, const char *person)
{
    sqlite3_stmt *st;
    int rc = sql_query(l, &st, "SELECT 1 FROM council_roll WHERE vote = ?1 AND person = ?2", "tt",
                       id, person);

    if (rc == 0)
        rc = sql_step(l, st, "reading a vote's roll");
    sql_done(st);
    return rc;
}

/* The submissions of year with a proposal of subject s, added to *subs
 * (*n of them, room for *cap) unless already there. */
static int subject_submissions(struct ledger *l, uint32_t year, const Tdkt__CouncilSubject *s,
                               char (**subs)[RECORD_CODE_MAX + 1], size_t *n, size_t *cap)
{
    const char *person = s->person_id ? s->person_id : "";
    sqlite3_stmt *st;
    char id[RECORD_CODE_MAX + 1];
    int rc = sql_query(l, &st,
                       "SELECT DISTINCT p.submission FROM proposals p JOIN submissions s"
                       " ON s.id = p.submission WHERE s.year = ?1 AND p.title = ?2"
                       " AND coalesce(p.person, '') = ?3"
                       " AND (?3 != '' OR coalesce(p.unit, '') = ?4)",
                       "uitt", year, (int64_t)s->title, person, s->unit_code ? s->unit_code : "");

    while (rc >= 0 && (rc = sql_step(l, st, "reading the submissions a vote covers")) == 1) {
        size_t k = 0;

        if (sql_col_text(st, 0, id, sizeof id) < 0) {
            rc = TDKT_ECORRUPT;
            break;
        }
        while (k < *n && strcmp((*subs)[k], id) != 0)
            k++;
        if (k < *n)
            continue;
        if (vec_reserve(subs, cap, *n, sizeof **subs, VEC_FIRST) < 0) {
            rc = TDKT_ENOMEM;
            break;
        }
        memcpy((*subs)[(*n)++], id, sizeof id);
    }
    sql_done(st);
    return rc < 0 ? rc : 0;
}

static int id_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

int council_rejudge(struct ledger *l, int64_t now, const Tdkt__CouncilVote *v)
{
    char(*subs)[RECORD_CODE_MAX + 1] = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < v->n_contests; i++)
        for (size_t k = 0; rc == 0 && k < v->contests[i]->n_subjects; k++)
            rc = subject_submissions(l, v->year, v->contests[i]->subjects[k], &subs, &n, &cap);
    /* Every statement is done before judging, which runs statements of its
     * own; the dossiers are judged in the order of their ids. */
    if (rc == 0 && n > 1)
        qsort(subs, n, sizeof *subs, id_cmp);
    for (size_t i = 0; rc >= 0 && i < n; i++)
        rc = review_rejudge(l, now, subs[i]);
    free(subs);
    return rc < 0 ? rc : 0;
}
