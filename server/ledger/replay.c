/* SPDX-License-Identifier: MIT */
/*
 * Replay of the ledger into TEMP tables and comparison with the state
 * tables. See replay.h. The fold rules restate, per entry kind, what the
 * owning module does (registry.c, catalog.c, results.c, notes.c, ballot.c,
 * review.c); the duplication is deliberate: an independent restatement is
 * what lets verify catch a bug or an edit in either. The tables' columns are
 * not restated: the TEMP copies take them from the tables, whose one
 * declaration is their module's schema step (ledger_schema.h).
 */
#include "server/ledger/replay.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/entry_kinds.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "common/util/sqlbind.h"
#include "common/wire/reason_pb.h"
#include "proto/tdkt.pb-c.h"

/* Every state table but ballot_pending and council_pending, which by design
 * hold what no entry does yet: the secret choices waiting for the seal (the
 * close). */
static const char *const replay_tables[] = {
    "units",        "certs",           "notes",         "persons",        "periods",
    "clusters",     "cluster_members", "criteria",      "results",        "rule_sets",
    "rule_values",  "ballots",         "ballot_voters", "submissions",    "proposals",
    "councils",     "council_members", "council_votes", "council_counts", "person_certs",
    "council_roll", "council_voters"};

#define REPLAY_TABLES  (sizeof replay_tables / sizeof replay_tables[0])
#define REPLAY_SQL_MAX 256 /* one statement naming a table and its key columns */

static void replay_drop(sqlite3 *db)
{
    char sql[REPLAY_SQL_MAX];

    for (size_t i = 0; i < REPLAY_TABLES; i++) {
        snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS temp.r_%s", replay_tables[i]);
        sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
}

/* The primary key columns of main.t, in key order, as "a, b". */
static int replay_key(sqlite3 *db, const char *t, char *out, size_t cap)
{
    sqlite3_stmt *st;
    size_t n = 0;
    int rc;

    out[0] = '\0';
    if (sqlite3_prepare_v2(db,
                           "SELECT name FROM pragma_table_info(?1, 'main') WHERE pk > 0"
                           " ORDER BY pk",
                           -1, &st, NULL) != SQLITE_OK)
        return TDKT_EDB;
    sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int w = snprintf(out + n, cap - n, "%s%s", n ? ", " : "",
                         (const char *)sqlite3_column_text(st, 0));
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE && n ? 0 : TDKT_EDB;
}

/* temp.r_<t> for every state table: its columns in their order, taken from
 * the table itself, so the fold's positional INSERTs follow the owning
 * module's schema step with no second declaration of it here; and a unique
 * index on its primary key, which the fold's upserts need. */
static int replay_create(sqlite3 *db)
{
    char sql[REPLAY_SQL_MAX], key[REPLAY_SQL_MAX / 2];

    for (size_t i = 0; i < REPLAY_TABLES; i++) {
        const char *t = replay_tables[i];

        snprintf(sql, sizeof sql, "CREATE TEMP TABLE r_%s AS SELECT * FROM main.%s WHERE 0", t, t);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
            replay_key(db, t, key, sizeof key) < 0)
            return TDKT_EDB;
        snprintf(sql, sizeof sql, "CREATE UNIQUE INDEX temp.r_%s_key ON r_%s(%s)", t, t, key);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
            return TDKT_EDB;
    }
    return 0;
}

/* Run one statement with positional arguments (common/util/sqlbind.h);
 * a binding SQLite refuses fails the replay, as any other error. */
static int run(sqlite3 *db, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st;
    va_list ap;
    int rc;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return TDKT_EDB;
    va_start(ap, fmt);
    rc = sqlbind_v(st, fmt, ap);
    va_end(ap);
    if (rc == 0)
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : TDKT_EDB;
    sqlite3_finalize(st);
    return rc;
}

static int fold_result(sqlite3 *db, int64_t seq, const uint8_t *payload, size_t len)
{
    char key[RECORD_KEY_MAX + 1];
    Tdkt__ResultEntry *m = tdkt__result_entry__unpack(NULL, len, payload);
    uint8_t *rec;
    size_t n;
    int rc = TDKT_ECORRUPT;

    if (!m)
        return TDKT_ECORRUPT;
    if (!m->record || record_key(m->record, key) < 0)
        goto out;
    n = tdkt__result_record__get_packed_size(m->record);
    rec = malloc(n ? n : 1);
    rc = TDKT_ENOMEM;
    if (!rec)
        goto out;
    tdkt__result_record__pack(m->record, rec);
    rc = run(db,
             "INSERT INTO r_results VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7)"
             " ON CONFLICT(unit, year, kind, key) DO UPDATE SET record = excluded.record,"
             " removed = excluded.removed, revision = revision + 1, seq = excluded.seq",
             "tittbii", m->unit_code, (int64_t)m->year, record_kind_name(m->record), key, rec, n,
             (int64_t)(m->record->removed != 0), seq);
    free(rec);
out:
    tdkt__result_entry__free_unpacked(m, NULL);
    return rc;
}

static int has_flag(const Tdkt__Contest *const *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (c[i]->purpose == TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG)
            return 1;
    return 0;
}

/* Ballots: the rows ballot.c keeps, restated per entry kind. */
static int fold_ballot(sqlite3 *db, int64_t seq, int64_t time_ms, const char *unit,
                       const char *kind, const uint8_t *p, size_t len)
{
    int rc = TDKT_ECORRUPT;

    if (strcmp(kind, ENTRY_BALLOT_OPEN) == 0) {
        Tdkt__BallotOpened *m = tdkt__ballot_opened__unpack(NULL, len, p);
        if (m && m->ballot)
            rc = run(db,
                     "INSERT INTO r_ballots VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8, ?9,"
                     " NULL, NULL, NULL)",
                     "tittiiiii", m->ballot->ballot_id, (int64_t)m->ballot->year,
                     m->ballot->cluster_code, unit, m->ballot->opens_ms, m->ballot->closes_ms,
                     (int64_t)m->n_roll,
                     (int64_t)has_flag((const Tdkt__Contest *const *)m->ballot->contests,
                                       m->ballot->n_contests),
                     seq);
        if (m)
            tdkt__ballot_opened__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_BALLOT_VOTED) == 0) {
        Tdkt__BallotVoted *m = tdkt__ballot_voted__unpack(NULL, len, p);
        if (m)
            rc =
                run(db,
                    "INSERT INTO r_ballot_voters VALUES (?1, ?2, ?3, ?4) ON CONFLICT(ballot, voter)"
                    " DO UPDATE SET cast_no = excluded.cast_no, seq = excluded.seq",
                    "ttii", m->ballot_id, unit, (int64_t)m->cast_no, seq);
        if (m)
            tdkt__ballot_voted__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_BALLOT_SEAL) == 0) {
        Tdkt__BallotSealed *m = tdkt__ballot_sealed__unpack(NULL, len, p);
        if (m)
            rc = run(db, "UPDATE r_ballots SET state = 'sealed', sealed_seq = ?2 WHERE id = ?1",
                     "ti", m->ballot_id, seq);
        if (m)
            tdkt__ballot_sealed__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_BALLOT_TALLY) == 0) {
        Tdkt__BallotTallied *m = tdkt__ballot_tallied__unpack(NULL, len, p);
        if (m && m->paper && m->n_results == 1)
            rc = run(db,
                     "UPDATE r_ballots SET roll = ?2, tally_seq = ?3, published_seq = ?3"
                     " WHERE id = ?1",
                     "tii", m->ballot_id, (int64_t)m->results[0]->roll, seq);
        else if (m)
            rc = run(db, "UPDATE r_ballots SET state = 'tallied', tally_seq = ?2 WHERE id = ?1",
                     "ti", m->ballot_id, seq);
        if (m)
            tdkt__ballot_tallied__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_BALLOT_PUBLISH) == 0) {
        Tdkt__BallotAction *m = tdkt__ballot_action__unpack(NULL, len, p);
        if (m)
            rc = run(db,
                     "UPDATE r_ballots SET state = 'published', published_seq = ?2 WHERE id = ?1",
                     "ti", m->ballot_id, seq);
        if (m)
            tdkt__ballot_action__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_BALLOT_PAPER) == 0) {
        Tdkt__BallotPaper *m = tdkt__ballot_paper__unpack(NULL, len, p);
        if (m && m->contest)
            rc = run(db,
                     "INSERT INTO r_ballots VALUES (?1, ?2, ?3, ?4, ?5, ?5, 0, 'paper', ?6, ?7,"
                     " NULL, NULL, NULL)",
                     "tittiii", m->ballot_id, (int64_t)m->year, m->cluster_code, unit, time_ms,
                     (int64_t)(m->contest->purpose == TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG),
                     seq);
        if (m)
            tdkt__ballot_paper__free_unpacked(m, NULL);
    } else {
        rc = 1; /* a kind with no state table (ENTRY_BALLOT_BOX: the box is entries only) */
    }
    return rc;
}

/* Submissions and review: the rows review.c keeps (review_events, a log
 * of sentences, is not compared). */
static int fold_review(sqlite3 *db, int64_t seq, const char *unit, const char *kind,
                       const uint8_t *p, size_t len)
{
    int rc = TDKT_ECORRUPT;

    if (strcmp(kind, ENTRY_SUBMISSION_PUT) == 0) {
        Tdkt__SubmissionPut *m = tdkt__submission_put__unpack(NULL, len, p);
        if (!m)
            return rc;
        rc = run(db,
                 "INSERT INTO r_submissions VALUES (?1, ?2, ?3, 1, 1, ?4) ON CONFLICT(id) DO"
                 " UPDATE SET state = 1, revision = revision + 1, seq = excluded.seq",
                 "titi", m->submission_id, (int64_t)m->year, unit, seq);
        if (rc == 0)
            rc = run(db, "DELETE FROM r_proposals WHERE submission = ?1", "t", m->submission_id);
        for (size_t i = 0; rc == 0 && i < m->n_proposals; i++) {
            const Tdkt__Proposal *q = m->proposals[i];
            rc = run(db,
                     "INSERT INTO r_proposals VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, 0, NULL, NULL,"
                     " NULL, NULL, NULL, NULL, NULL, ?7, NULL)",
                     "ttinnni", m->submission_id, q->proposal_id, (int64_t)q->title, q->person_id,
                     q->unit_code, q->ballot_id, seq);
        }
        tdkt__submission_put__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_SUBMISSION_VERDICTS) == 0) {
        Tdkt__SubmissionVerdicts *m = tdkt__submission_verdicts__unpack(NULL, len, p);
        if (!m)
            return rc;
        rc = 0;
        for (size_t i = 0; rc == 0 && i < m->n_verdicts; i++) {
            const Tdkt__ProposalVerdict *v = m->verdicts[i];
            uint8_t *detail;
            size_t detail_len;

            if ((rc = reason_pb_pack_detail(v, &detail, &detail_len)) < 0)
                break;
            rc = run(db,
                     "UPDATE r_proposals SET verdict = ?3, rule = ?4, why = ?5, ruleset = ?6,"
                     " why_detail = ?7 WHERE submission = ?1 AND id = ?2",
                     "ttitttb", m->submission_id, v->proposal_id, (int64_t)v->verdict,
                     v->rule ? v->rule : "", v->why ? v->why : "", v->ruleset ? v->ruleset : "",
                     (const void *)detail, detail_len);
            free(detail);
        }
        tdkt__submission_verdicts__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_REVIEW_STEP) == 0) {
        Tdkt__ReviewStep *m = tdkt__review_step__unpack(NULL, len, p);
        static const int to[] = {0, 0, 0, 2, 3, 4, 5, 6}; /* ReviewAction -> ProposalState */
        if (!m)
            return rc;
        if (m->action == TDKT__REVIEW_ACTION__REVIEW_ACTION_RECEIVE ||
            m->action == TDKT__REVIEW_ACTION__REVIEW_ACTION_RETURN)
            rc = run(db, "UPDATE r_submissions SET state = ?2, seq = ?3 WHERE id = ?1", "tii",
                     m->submission_id,
                     (int64_t)(m->action == TDKT__REVIEW_ACTION__REVIEW_ACTION_RECEIVE ? 2 : 3),
                     seq);
        else if (m->action >= 3 && m->action <= 7)
            rc = run(db,
                     "UPDATE r_proposals SET state = ?3, seq = ?4, reason = coalesce(?5, reason),"
                     " decision_no = CASE WHEN ?3 = 5 THEN ?6 ELSE decision_no END,"
                     " decision_date = CASE WHEN ?3 = 5 THEN ?7 ELSE decision_date END,"
                     " signer = CASE WHEN ?3 = 5 THEN ?8 ELSE signer END"
                     " WHERE submission = ?1 AND id = ?2",
                     "ttiintt"
                     "t",
                     m->submission_id, m->proposal_id, (int64_t)to[m->action], seq, m->reason,
                     m->decision_no ? m->decision_no : "", m->decision_date ? m->decision_date : "",
                     m->signer ? m->signer : "");
        tdkt__review_step__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_DECISION_RECORD) == 0) {
        Tdkt__DecisionRecord *m = tdkt__decision_record__unpack(NULL, len, p);
        const Tdkt__Proposal *q = m ? m->proposal : NULL;
        if (q) {
            int person = q->person_id && *q->person_id;
            rc = run(db, "INSERT INTO r_submissions VALUES (?1, ?2, ?3, 2, 1, ?4)", "titi",
                     m->record_id, (int64_t)m->year, m->office_code, seq);
            if (rc == 0)
                rc = run(db,
                         "INSERT INTO r_proposals VALUES (?1, ?2, ?3, ?4, ?5, NULL, 5, 0, NULL,"
                         " NULL, NULL, ?6, ?7, ?8, ?9, ?10, NULL)",
                         "ttinntttti", m->record_id, q->proposal_id, (int64_t)q->title,
                         person ? q->person_id : NULL, person ? NULL : q->unit_code, m->decision_no,
                         m->decision_date, m->signer, m->source, seq);
        }
        if (m)
            tdkt__decision_record__free_unpacked(m, NULL);
    } else {
        rc = 1;
    }
    return rc;
}

/* The Council and its votes (server/council); 1 for an entry of another
 * kind. unit is the entry's actor: a member, for a cast. */
static int fold_council(sqlite3 *db, int64_t seq, const char *unit, const char *kind,
                        const uint8_t *p, size_t len)
{
    int rc = TDKT_ECORRUPT;

    if (strcmp(kind, ENTRY_COUNCIL_SET) == 0) {
        Tdkt__CouncilSet *m = tdkt__council_set__unpack(NULL, len, p);
        if (m) {
            rc = run(db,
                     "INSERT INTO r_councils VALUES (?1, ?2, ?3, ?4) ON CONFLICT(year, code)"
                     " DO UPDATE SET name = excluded.name, seq = excluded.seq",
                     "itti", (int64_t)m->year, m->code, m->name, seq);
            if (rc == 0)
                rc = run(db, "DELETE FROM r_council_members WHERE year = ?1 AND council = ?2", "it",
                         (int64_t)m->year, m->code);
            for (size_t i = 0; rc == 0 && i < m->n_members; i++)
                rc = run(db, "INSERT INTO r_council_members VALUES (?1, ?2, ?3, ?4)", "itti",
                         (int64_t)m->year, m->code, m->members[i]->person_id,
                         (int64_t)m->members[i]->role);
            tdkt__council_set__free_unpacked(m, NULL);
        }
    } else if (strcmp(kind, ENTRY_COUNCIL_VOTE) == 0) {
        Tdkt__CouncilVote *m = tdkt__council_vote__unpack(NULL, len, p);
        if (m) {
            int electronic = m->mode == TDKT__VOTE_MODE__VOTE_MODE_ELECTRONIC;
            /* The roll is the Council's membership when the vote was
             * entered; an electronic vote opens, and keeps who it was. */
            rc = run(db,
                     "INSERT INTO r_council_votes SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, count(*), ?8,"
                     " ?9, NULL FROM r_council_members WHERE year = ?2 AND council = ?3",
                     "titiitnii", m->vote_id, (int64_t)m->year, m->council_code, (int64_t)m->secret,
                     (int64_t)m->mode, m->minutes_ref, m->held_on, seq, (int64_t)electronic);
            if (rc == 0 && electronic)
                rc = run(db,
                         "INSERT INTO r_council_roll SELECT ?1, person FROM r_council_members"
                         " WHERE year = ?2 AND council = ?3",
                         "tit", m->vote_id, (int64_t)m->year, m->council_code);
            for (size_t i = 0; rc == 0 && i < m->n_contests; i++) {
                const Tdkt__CouncilContest *c = m->contests[i];
                for (size_t k = 0; rc == 0 && k < c->n_subjects; k++)
                    rc = run(db,
                             "INSERT INTO r_council_counts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                             "ttttiiii", m->vote_id, c->code,
                             c->subjects[k]->person_id ? c->subjects[k]->person_id : "",
                             c->subjects[k]->unit_code ? c->subjects[k]->unit_code : "",
                             (int64_t)c->subjects[k]->title, (int64_t)c->yes, (int64_t)c->no,
                             (int64_t)c->abstain);
            }
            tdkt__council_vote__free_unpacked(m, NULL);
        }
    } else if (strcmp(kind, ENTRY_COUNCIL_CAST) == 0) {
        Tdkt__CouncilCastRecord *m = tdkt__council_cast_record__unpack(NULL, len, p);
        if (m) {
            rc = run(db,
                     "INSERT INTO r_council_voters VALUES (?1, ?2, ?3, ?4) ON CONFLICT(vote,"
                     " person) DO UPDATE SET cast_no = excluded.cast_no, seq = excluded.seq",
                     "ttii", m->vote_id, unit, (int64_t)m->cast_no, seq);
            tdkt__council_cast_record__free_unpacked(m, NULL);
        }
    } else if (strcmp(kind, ENTRY_COUNCIL_CLOSE) == 0) {
        Tdkt__CouncilClosed *m = tdkt__council_closed__unpack(NULL, len, p);
        if (m) {
            rc = run(db, "UPDATE r_council_votes SET open = 0, closed_seq = ?2 WHERE id = ?1", "ti",
                     m->vote_id, seq);
            for (size_t i = 0; rc == 0 && i < m->n_counts; i++)
                rc = run(db,
                         "UPDATE r_council_counts SET yes = ?3, no = ?4, abstain = ?5"
                         " WHERE vote = ?1 AND contest = ?2",
                         "ttiii", m->vote_id, m->counts[i]->code, (int64_t)m->counts[i]->yes,
                         (int64_t)m->counts[i]->no, (int64_t)m->counts[i]->abstain);
            tdkt__council_closed__free_unpacked(m, NULL);
        }
    } else if (strcmp(kind, ENTRY_COUNCIL_BOX) == 0) {
        rc = 1; /* the box is entries only */
    } else {
        return 1;
    }
    return rc;
}

static int fold_registry(sqlite3 *db, int64_t seq, int64_t time_ms, const char *unit,
                         const char *kind, const uint8_t *p, size_t len)
{
    int rc = TDKT_ECORRUPT;

    if (strcmp(kind, ENTRY_UNIT_REGISTER) == 0) {
        Tdkt__UnitRegister *m = tdkt__unit_register__unpack(NULL, len, p);
        if (m && m->unit)
            rc = run(db,
                     "INSERT INTO r_units VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6) ON CONFLICT(code)"
                     " DO UPDATE SET name = excluded.name, role = excluded.role,"
                     " parent = excluded.parent, kind = excluded.kind, seq = excluded.seq",
                     "ttinii", m->unit->code, m->unit->name, (int64_t)m->unit->role, m->parent_code,
                     seq, (int64_t)m->kind);
        if (m)
            tdkt__unit_register__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_UNIT_REVOKE) == 0) {
        Tdkt__UnitRevoke *m = tdkt__unit_revoke__unpack(NULL, len, p);
        if (m)
            rc = run(db, "UPDATE r_units SET revoked = 1, seq = ?1 WHERE code = ?2", "it", seq,
                     m->unit_code);
        if (m)
            tdkt__unit_revoke__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_CERT_ISSUE) == 0) {
        Tdkt__CertIssue *m = tdkt__cert_issue__unpack(NULL, len, p);
        if (m)
            rc = run(db, "INSERT INTO r_certs VALUES (?1, ?2, ?3, 0, ?4, NULL)", "ttni",
                     m->serial_hex, m->unit_code, m->not_after, seq);
        if (m)
            tdkt__cert_issue__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_CERT_REVOKE) == 0) {
        Tdkt__CertRevoke *m = tdkt__cert_revoke__unpack(NULL, len, p);
        if (m)
            rc = run(db, "UPDATE r_certs SET revoked = 1, revoked_seq = ?1 WHERE serial = ?2", "it",
                     seq, m->serial_hex);
        if (m)
            tdkt__cert_revoke__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_PERSON_CERT_ISSUE) == 0) {
        Tdkt__PersonCertIssue *m = tdkt__person_cert_issue__unpack(NULL, len, p);
        if (m)
            rc = run(db, "INSERT INTO r_person_certs VALUES (?1, ?2, ?3, 0, ?4, NULL)", "ttni",
                     m->serial_hex, m->person_id, m->not_after, seq);
        if (m)
            tdkt__person_cert_issue__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_PERSON_CERT_REVOKE) == 0) {
        Tdkt__PersonCertRevoke *m = tdkt__person_cert_revoke__unpack(NULL, len, p);
        if (m)
            rc =
                run(db, "UPDATE r_person_certs SET revoked = 1, revoked_seq = ?1 WHERE serial = ?2",
                    "it", seq, m->serial_hex);
        if (m)
            tdkt__person_cert_revoke__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_NOTE_PUT) == 0) {
        Tdkt__NotePut *m = tdkt__note_put__unpack(NULL, len, p);
        if (m)
            rc = run(db,
                     "INSERT INTO r_notes VALUES (?1, ?2, ?3, ?4) ON CONFLICT(unit, key)"
                     " DO UPDATE SET text = excluded.text, seq = excluded.seq",
                     "ttti", unit, m->key, m->text ? m->text : "", seq);
        if (m)
            tdkt__note_put__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_PERSON_REGISTER) == 0) {
        Tdkt__PersonRegister *m = tdkt__person_register__unpack(NULL, len, p);
        if (m)
            rc = run(db,
                     "INSERT INTO r_persons VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET"
                     " name = excluded.name, unit = excluded.unit, seq = excluded.seq",
                     "ttti", m->id, m->name, m->unit_code, seq);
        if (m)
            tdkt__person_register__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_PERIOD_SET) == 0) {
        Tdkt__PeriodSet *m = tdkt__period_set__unpack(NULL, len, p);
        if (m)
            rc = run(db,
                     "INSERT INTO r_periods VALUES (?1, ?2, ?3, ?4) ON CONFLICT(year) DO UPDATE"
                     " SET state = excluded.state, deadline = excluded.deadline,"
                     " seq = excluded.seq",
                     "iini", (int64_t)m->year, (int64_t)m->state, m->deadline, seq);
        if (m)
            tdkt__period_set__free_unpacked(m, NULL);
    } else if (strcmp(kind, ENTRY_CLUSTER_SET) == 0) {
        Tdkt__ClusterSet *m = tdkt__cluster_set__unpack(NULL, len, p);
        if (m) {
            rc = run(db,
                     "INSERT INTO r_clusters VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                     " ON CONFLICT(year, code) DO UPDATE SET name = excluded.name,"
                     " kind = excluded.kind, leader = excluded.leader, deputy = excluded.deputy,"
                     " seq = excluded.seq",
                     "ittinni", (int64_t)m->year, m->code, m->name, (int64_t)m->kind, m->leader,
                     m->deputy, seq);
            if (rc == 0)
                rc = run(db, "DELETE FROM r_cluster_members WHERE year = ?1 AND cluster = ?2", "it",
                         (int64_t)m->year, m->code);
            for (size_t i = 0; rc == 0 && i < m->n_members; i++)
                rc = run(db, "INSERT INTO r_cluster_members VALUES (?1, ?2, ?3)", "itt",
                         (int64_t)m->year, m->code, m->members[i]);
            tdkt__cluster_set__free_unpacked(m, NULL);
        }
    } else if (strcmp(kind, ENTRY_CRITERIA_SET) == 0) {
        Tdkt__CriteriaSet *m = tdkt__criteria_set__unpack(NULL, len, p);
        if (m) {
            rc = run(db, "DELETE FROM r_criteria WHERE year = ?1 AND cluster = ?2", "it",
                     (int64_t)m->year, m->cluster_code);
            for (size_t i = 0; rc == 0 && i < m->n_criteria; i++)
                rc = run(db, "INSERT INTO r_criteria VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "itttdi",
                         (int64_t)m->year, m->cluster_code, m->criteria[i]->code,
                         m->criteria[i]->name, m->criteria[i]->max_points, seq);
            tdkt__criteria_set__free_unpacked(m, NULL);
        }
    } else if (strcmp(kind, ENTRY_RULES_SET) == 0) {
        Tdkt__RuleSet *m = tdkt__rule_set__unpack(NULL, len, p);
        if (m) {
            rc = run(db,
                     "INSERT INTO r_rule_sets VALUES (?1, ?2, ?3, ?4) ON CONFLICT(code) DO UPDATE"
                     " SET name = excluded.name, effective_from = excluded.effective_from,"
                     " seq = excluded.seq",
                     "ttti", m->code, m->name, m->effective_from, seq);
            if (rc == 0)
                rc = run(db, "DELETE FROM r_rule_values WHERE ruleset = ?1", "t", m->code);
            for (size_t i = 0; rc == 0 && i < m->n_values; i++)
                rc = run(db, "INSERT INTO r_rule_values VALUES (?1, ?2, ?3, ?4)", "ttdn", m->code,
                         m->values[i]->key, m->values[i]->value, m->values[i]->source);
            tdkt__rule_set__free_unpacked(m, NULL);
        }
    } else {
        rc = fold_review(db, seq, unit, kind, p, len);
        if (rc == 1)
            rc = fold_council(db, seq, unit, kind, p, len);
        if (rc == 1)
            rc = fold_ballot(db, seq, time_ms, unit, kind, p, len);
    }
    return rc;
}

static int count_rows(sqlite3 *db, const char *sql, int64_t *n)
{
    sqlite3_stmt *st;
    int rc;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return TDKT_EDB;
    rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : TDKT_EDB;
}

static int compare(sqlite3 *db, struct replay_report *r)
{
    char sql[256];
    int64_t extra, missing, rows;

    for (size_t i = 0; i < REPLAY_TABLES; i++) {
        const char *t = replay_tables[i];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM (SELECT * FROM main.%s EXCEPT SELECT * FROM temp.r_%s)", t,
                 t);
        if (count_rows(db, sql, &extra) < 0)
            return TDKT_EDB;
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM (SELECT * FROM temp.r_%s EXCEPT SELECT * FROM main.%s)", t,
                 t);
        if (count_rows(db, sql, &missing) < 0)
            return TDKT_EDB;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM main.%s", t);
        if (count_rows(db, sql, &rows) < 0)
            return TDKT_EDB;
        r->rows += (uint64_t)rows;
        if (extra || missing) {
            snprintf(r->what, sizeof r->what,
                     "table %s: %lld row(s) not produced by any entry, %lld row(s) the entries "
                     "produce are missing or different",
                     t, (long long)extra, (long long)missing);
            return TDKT_ECORRUPT;
        }
    }
    return 0;
}

int replay_check(struct ledger *l, struct replay_report *r)
{
    sqlite3 *db = ledger_db(l);
    sqlite3_stmt *scan = NULL;
    int rc, own_txn = 0;

    memset(r, 0, sizeof *r);
    replay_drop(db);
    if (replay_create(db) < 0) {
        rc = TDKT_EDB;
        goto out;
    }
    /* One snapshot for the fold and the comparison. */
    if (sqlite3_get_autocommit(db)) {
        if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
            rc = TDKT_EDB;
            goto out;
        }
        own_txn = 1;
    }
    rc = sqlite3_prepare_v2(
             db, "SELECT seq, unit, kind, payload, time_ms FROM main.ledger ORDER BY seq", -1,
             &scan, NULL) == SQLITE_OK
             ? 0
             : TDKT_EDB;
    while (rc == 0 && sqlite3_step(scan) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(scan, 0);
        const char *unit = (const char *)sqlite3_column_text(scan, 1);
        const char *kind = (const char *)sqlite3_column_text(scan, 2);
        const uint8_t *payload = sqlite3_column_blob(scan, 3);
        size_t len = (size_t)sqlite3_column_bytes(scan, 3);

        if (!unit || !kind)
            rc = TDKT_ECORRUPT;
        else if (strcmp(kind, ENTRY_RESULT_PUT) == 0)
            rc = fold_result(db, seq, payload, len);
        else
            rc = fold_registry(db, seq, sqlite3_column_int64(scan, 4), unit, kind, payload, len);
        if (rc > 0)
            rc = 0;
        if (rc == TDKT_ECORRUPT)
            snprintf(r->what, sizeof r->what, "entry %lld (%s) cannot be decoded", (long long)seq,
                     kind ? kind : "?");
        else if (rc < 0)
            snprintf(r->what, sizeof r->what, "entry %lld (%s) cannot be replayed: %s",
                     (long long)seq, kind ? kind : "?", sqlite3_errmsg(db));
        r->entries++;
    }
    sqlite3_finalize(scan);
    if (rc == 0)
        rc = compare(db, r);
    if (own_txn)
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
out:
    replay_drop(db);
    return rc;
}
