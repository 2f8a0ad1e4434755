/* SPDX-License-Identifier: MIT */
/* A Council vote entered from the minutes, or opened for the members to
 * cast; see council.h. */
#include "server/council/council.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/council_rules.h"
#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "server/ledger/sql.h"
#include "server/council/council_store.h"

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

/* A subject under an electronic vote still open takes no other vote until
 * that one is closed: its members are still casting, and the latest vote on
 * a subject is the one read (docs/council.md). */
static int subject_not_open(struct ledger *l, const Tdkt__CouncilVote *v,
                            const Tdkt__CouncilSubject *s, const char *field, struct fault *f)
{
    char open_vote[RECORD_CODE_MAX + 1] = "";
    sqlite3_stmt *st;
    int rc = sql_query(l, &st,
                       "SELECT v.id FROM council_counts c JOIN council_votes v ON v.id = c.vote"
                       " WHERE v.open = 1 AND v.year = ?1 AND c.title = ?2 AND c.person = ?3"
                       " AND c.unit = ?4 LIMIT 1",
                       "uitt", v->year, (int64_t)s->title, str(s->person_id),
                       *str(s->person_id) ? "" : str(s->unit_code));

    if (rc == 0 && (rc = sql_step(l, st, "reading the open votes")) == 1)
        rc = sql_col_text(st, 0, open_vote, sizeof open_vote);
    sql_done(st);
    if (rc < 0)
        return rc;
    if (open_vote[0])
        return fault_set(f, TDKT_ECONFLICT, field,
                         "this proposal is before the Council's electronic vote '%s', still "
                         "open: close it first (tdkt council close %s)",
                         open_vote, open_vote);
    return 0;
}

/* Each contest's ballots within the membership, each subject proposed that
 * year with its title (pending or approved: still before the Council) and
 * under no electronic vote still open. */
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
            snprintf(field, sizeof field, "council_vote.contests[%zu].subjects[%zu]", i, k);
            if (n == 0)
                return fault_set(f, TDKT_ENOTFOUND, field,
                                 "no %s proposal for %s '%s' in %u is before the Council",
                                 t ? t->code : "?", *str(s->person_id) ? "person" : "unit",
                                 *str(s->person_id) ? s->person_id : str(s->unit_code), v->year);
            if ((rc = subject_not_open(l, v, s, field, f)) < 0)
                return rc;
        }
    }
    return 0;
}

/* The vote's row and a count for each subject: the paper ballot's, or
 * none yet (0, 0, 0) for an electronic vote, which is open and freezes its
 * roll of persons, the Council's members now. */
static int council_store(struct ledger *l, const Tdkt__CouncilVote *v, int64_t roll, uint64_t seq)
{
    int electronic = v->mode == TDKT__VOTE_MODE__VOTE_MODE_ELECTRONIC;
    int rc = sql_exec(l, "storing a Council vote",
                      "INSERT INTO council_votes(id, year, council, secret, mode, minutes_ref,"
                      " held_on, roll, seq, open) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                      "tutiitniii", v->vote_id, v->year, v->council_code, (int64_t)v->secret,
                      (int64_t)v->mode, str(v->minutes_ref), v->held_on, roll, (int64_t)seq,
                      (int64_t)electronic);

    if (rc == 0 && electronic)
        rc = sql_exec(l, "freezing a vote's roll",
                      "INSERT INTO council_roll(vote, person) SELECT ?1, person FROM"
                      " council_members WHERE year = ?2 AND council = ?3",
                      "tut", v->vote_id, v->year, v->council_code);

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
        rc = council_rejudge(l, now, v);
    return rc;
}
