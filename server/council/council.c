/* SPDX-License-Identifier: MIT */
/* A Council vote entered from the minutes; see council.h. */
#include "server/council/council.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/council_rules.h"
#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "common/util/vec.h"
#include "server/ledger/sql.h"
#include "server/review/review.h"

static const char *str(const char *s)
{
    return s ? s : "";
}

static int count_row(struct ledger *l, sqlite3_stmt *st, const char *what, int64_t *n)
{
    int rc = sql_step(l, st, what);

    *n = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
    sql_done(st);
    return rc < 0 ? rc : 0;
}

/* The Council's membership for v's year and code; TDKT_ENOTFOUND. */
static int council_roll(struct ledger *l, const Tdkt__CouncilVote *v, int64_t *roll,
                        struct fault *f)
{
    sqlite3_stmt *st;
    int64_t n = 0;
    int rc = sql_query(l, &st, "SELECT count(*) FROM councils WHERE year = ?1 AND code = ?2", "ut",
                       v->year, v->council_code);

    if (rc == 0)
        rc = count_row(l, st, "reading a Council", &n);
    if (rc < 0)
        return rc;
    if (n == 0)
        return fault_set(f, TDKT_ENOTFOUND, "council_vote.council_code",
                         "no Council '%s' is registered for %u (registry: councils)",
                         v->council_code, v->year);
    rc = sql_query(l, &st, "SELECT count(*) FROM council_members WHERE year = ?1 AND council = ?2",
                   "ut", v->year, v->council_code);
    return rc < 0 ? rc : count_row(l, st, "reading Council members", roll);
}

/* Each contest's ballots within the membership, each subject proposed that
 * year with its title (pending or approved: still before the Council). */
static int council_check(struct ledger *l, const Tdkt__CouncilVote *v, int64_t roll,
                         struct fault *f)
{
    char field[RECORD_FIELD_MAX];
    sqlite3_stmt *st;
    int64_t n;
    int rc;

    for (size_t i = 0; i < v->n_contests; i++) {
        const Tdkt__CouncilContest *c = v->contests[i];

        if ((int64_t)c->yes + c->no + c->abstain > roll) {
            snprintf(field, sizeof field, "council_vote.contests[%zu]", i);
            return fault_set(f, TDKT_EINVAL, field,
                             "%u yes + %u no + %u abstain = %llu ballots, more than the "
                             "Council's %lld members",
                             c->yes, c->no, c->abstain,
                             (unsigned long long)c->yes + c->no + c->abstain, (long long)roll);
        }
        for (size_t k = 0; k < c->n_subjects; k++) {
            const Tdkt__CouncilSubject *s = c->subjects[k];
            const struct record_label *t = record_label_of(record_titles, (int)s->title);

            rc = sql_query(l, &st,
                           "SELECT count(*) FROM proposals p JOIN submissions s"
                           " ON p.submission = s.id WHERE s.year = ?1 AND p.title = ?2"
                           " AND coalesce(p.person, '') = ?3 AND coalesce(p.unit, '') = ?4"
                           " AND p.state IN (?5, ?6)",
                           "uittii", v->year, (int64_t)s->title, str(s->person_id),
                           *str(s->person_id) ? "" : str(s->unit_code),
                           (int64_t)TDKT__PROPOSAL_STATE__PROPOSAL_STATE_PENDING,
                           (int64_t)TDKT__PROPOSAL_STATE__PROPOSAL_STATE_APPROVED);
            if (rc == 0)
                rc = count_row(l, st, "reading proposals", &n);
            if (rc < 0)
                return rc;
            if (n == 0) {
                snprintf(field, sizeof field, "council_vote.contests[%zu].subjects[%zu]", i, k);
                return fault_set(f, TDKT_ENOTFOUND, field,
                                 "no %s proposal for %s '%s' in %u is before the Council",
                                 t ? t->code : "?", *str(s->person_id) ? "person" : "unit",
                                 *str(s->person_id) ? s->person_id : str(s->unit_code), v->year);
            }
        }
    }
    return 0;
}

static int council_store(struct ledger *l, const Tdkt__CouncilVote *v, int64_t roll, uint64_t seq)
{
    int rc = sql_exec(l, "storing a Council vote",
                      "INSERT INTO council_votes(id, year, council, secret, mode, minutes_ref,"
                      " held_on, roll, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                      "tutiitnii", v->vote_id, v->year, v->council_code, (int64_t)v->secret,
                      (int64_t)v->mode, v->minutes_ref, v->held_on, roll, (int64_t)seq);

    for (size_t i = 0; rc == 0 && i < v->n_contests; i++) {
        const Tdkt__CouncilContest *c = v->contests[i];
        for (size_t k = 0; rc == 0 && k < c->n_subjects; k++)
            rc = sql_exec(l, "storing a Council count",
                          "INSERT INTO council_counts(vote, contest, person, unit, title, yes,"
                          " no, abstain) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                          "ttttiiii", v->vote_id, c->code, str(c->subjects[k]->person_id),
                          str(c->subjects[k]->unit_code), (int64_t)c->subjects[k]->title,
                          (int64_t)c->yes, (int64_t)c->no, (int64_t)c->abstain);
    }
    return rc;
}

/* Judge again every open submission with a proposal the vote covers. */
static int council_rejudge(struct ledger *l, int64_t now, const char *vote_id)
{
    sqlite3_stmt *st;
    char(*subs)[RECORD_CODE_MAX + 1] = NULL;
    size_t n = 0, cap = 0;
    int rc = sql_query(l, &st,
                       "SELECT DISTINCT p.submission FROM council_counts c JOIN council_votes v"
                       " ON v.id = c.vote JOIN proposals p ON p.title = c.title"
                       " AND coalesce(p.person, '') = c.person"
                       " AND (c.person != '' OR coalesce(p.unit, '') = c.unit)"
                       " JOIN submissions s ON s.id = p.submission AND s.year = v.year"
                       " WHERE c.vote = ?1 ORDER BY p.submission",
                       "t", vote_id);

    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "reading the submissions a vote covers")) == 1) {
        if (vec_reserve(&subs, &cap, n, sizeof *subs, VEC_FIRST) < 0) {
            rc = TDKT_ENOMEM;
            break;
        }
        if (sql_col_text(st, 0, subs[n], sizeof subs[n]) < 0) {
            rc = TDKT_ECORRUPT;
            break;
        }
        n++;
    }
    sql_done(st);
    /* The statement is done before judging, which runs statements of its own. */
    for (size_t i = 0; rc >= 0 && i < n; i++)
        rc = review_rejudge(l, now, subs[i]);
    free(subs);
    return rc < 0 ? rc : 0;
}

int council_vote(struct ledger *l, int64_t now, const struct registry_unit *actor,
                 const Tdkt__CouncilVote *v, struct fault *f)
{
    sqlite3_stmt *st;
    int64_t roll = 0, taken = 0;
    uint64_t seq = 0;
    int rc = council_rules_vote_validate(v, f);

    if (rc < 0)
        return rc;
    rc = sql_query(l, &st, "SELECT count(*) FROM council_votes WHERE id = ?1", "t", v->vote_id);
    if (rc == 0)
        rc = count_row(l, st, "reading a Council vote", &taken);
    if (rc < 0)
        return rc;
    if (taken)
        return fault_set(f, TDKT_EEXIST, "council_vote.vote_id",
                         "vote '%s' is already entered; a correction is a new vote with its "
                         "own id",
                         v->vote_id);
    if ((rc = council_roll(l, v, &roll, f)) < 0 || (rc = council_check(l, v, roll, f)) < 0)
        return rc;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_COUNCIL_VOTE, &v->base, &seq);
    if (rc == 0)
        rc = council_store(l, v, roll, seq);
    if (rc == 0)
        rc = council_rejudge(l, now, v->vote_id);
    return rc;
}
