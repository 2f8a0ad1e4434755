/* SPDX-License-Identifier: MIT */
/*
 * The reads of review (review.h; docs/review.md §6-7), on the database
 * thread: a submission with its proposals, verdicts and history, the list
 * of submissions a unit may see, a person's or a unit's history of ratings
 * and titles, and the central office's report of a year. It writes nothing:
 * the steps that change a dossier are review.c's. An office sees its own
 * submissions and subjects, the central office everything.
 */
#include "server/review/review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/entry_kinds.h"
#include "common/domain/key_tasks.h"
#include "common/err.h"
#include "common/util/vec.h"
#include "common/wire/reason_pb.h"
#include "server/registry/catalog.h"
#include "server/ledger/sql.h"

#define P_ANNULLED TDKT__PROPOSAL_STATE__PROPOSAL_STATE_ANNULLED

/* Pack a message built of borrowed parts and unpack it again: the reply
 * then has one owner and one free function. */
#define DETACH(type, prefix, tmp, out)                                                             \
    do {                                                                                           \
        size_t n_ = prefix##__get_packed_size(tmp);                                                \
        uint8_t *b_ = malloc(n_ ? n_ : 1);                                                         \
        *(out) = NULL;                                                                             \
        if (b_) {                                                                                  \
            prefix##__pack(tmp, b_);                                                               \
            *(out) = prefix##__unpack(NULL, n_, b_);                                               \
            free(b_);                                                                              \
        }                                                                                          \
    } while (0)

static char *col_dup(sqlite3_stmt *st, int col)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    return strdup(s ? s : "");
}

/* Fills message m (initialised) from a row: 0 or TDKT_ENOMEM. */
typedef int (*row_fn)(sqlite3_stmt *st, void *m);

/* Append a message of type d, filled by row() from each row of st, to the
 * array of pointers at items (*n used, capacity *cap); finishes st. What
 * was appended is the caller's, even on failure. */
static int collect_rows(struct ledger *l, sqlite3_stmt *st, const char *what,
                        const ProtobufCMessageDescriptor *d, void *items, size_t *n, size_t *cap,
                        row_fn row)
{
    ProtobufCMessage *m;
    int rc;

    while ((rc = sql_step(l, st, what)) == 1) {
        if (!(m = malloc(d->sizeof_message))) {
            rc = TDKT_ENOMEM;
            break;
        }
        protobuf_c_message_init(d, m);
        if (row(st, m) < 0 || vec_append_ptr(items, n, cap, m) < 0) {
            protobuf_c_message_free_unpacked(m, NULL);
            rc = TDKT_ENOMEM;
            break;
        }
    }
    sql_done(st);
    return rc < 0 ? rc : 0;
}

/* A proposal's status from a row of load_statuses' query. */
static int status_row(sqlite3_stmt *st, void *m)
{
    Tdkt__ProposalStatus *s = m;
    Tdkt__Proposal *p = malloc(sizeof *p);
    Tdkt__ProposalVerdict *v = malloc(sizeof *v);
    const void *detail;

    if (!p || !v) {
        free(p), free(v);
        return TDKT_ENOMEM;
    }
    tdkt__proposal__init(p);
    tdkt__proposal_verdict__init(v);
    p->proposal_id = col_dup(st, 0);
    p->title = (Tdkt__Title)sqlite3_column_int(st, 1);
    p->person_id = col_dup(st, 2);
    p->unit_code = col_dup(st, 3);
    p->ballot_id = col_dup(st, 4);
    s->state = (Tdkt__ProposalState)sqlite3_column_int(st, 5);
    v->proposal_id = col_dup(st, 0);
    v->verdict = (Tdkt__Verdict)sqlite3_column_int(st, 6);
    v->rule = col_dup(st, 7);
    v->why = col_dup(st, 8);
    v->ruleset = col_dup(st, 9);
    s->decision_no = col_dup(st, 10);
    s->decision_date = col_dup(st, 11);
    s->signer = col_dup(st, 12);
    s->reason = col_dup(st, 13);
    s->subject_name = col_dup(st, 14);
    s->proposal = p;
    s->verdict = v;
    /* Bytes the server wrote itself: a failure is a damaged file. The
     * blob is read before its size, as SQLite asks. */
    detail = sqlite3_column_blob(st, 15);
    if (reason_pb_unpack_detail(detail, (size_t)sqlite3_column_bytes(st, 15), v) < 0)
        return TDKT_ECORRUPT;
    return 0;
}

/* The messages row() builds from the rows of sql, whose one parameter is a
 * submission id, into *out[0..*n) (the caller's, even on failure). */
static int load_of_submission(struct ledger *l, const char *sql, const char *sub, const char *what,
                              const ProtobufCMessageDescriptor *d, void *out, size_t *n, row_fn row)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc = sql_query(l, &st, sql, "t", sub);

    return rc < 0 ? rc : collect_rows(l, st, what, d, out, n, &cap, row);
}

/* The statuses of a submission's proposals, malloc'd (free_statuses). */
static int load_statuses(struct ledger *l, const char *sub, Tdkt__ProposalStatus ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return load_of_submission(l,
                              "SELECT p.id, p.title, coalesce(p.person, ''), coalesce(p.unit, ''),"
                              " coalesce(p.ballot, ''), p.state, p.verdict, coalesce(p.rule, ''),"
                              " coalesce(p.why, ''), coalesce(p.ruleset, ''),"
                              " coalesce(p.decision_no, ''), coalesce(p.decision_date, ''),"
                              " coalesce(p.signer, ''), coalesce(p.reason, ''),"
                              " coalesce((SELECT name FROM persons WHERE id = p.person),"
                              "          (SELECT name FROM units WHERE code = p.unit), ''),"
                              " p.why_detail"
                              " FROM proposals p WHERE p.submission = ?1 ORDER BY p.id",
                              sub, "reading proposals", &tdkt__proposal_status__descriptor, out, n,
                              status_row);
}

static void free_statuses(Tdkt__ProposalStatus **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (s[i])
            tdkt__proposal_status__free_unpacked(s[i], NULL);
    free(s);
}

static int event_row(sqlite3_stmt *st, void *m)
{
    Tdkt__ReviewEvent *e = m;

    e->seq = (uint64_t)sqlite3_column_int64(st, 0);
    e->time_ms = sqlite3_column_int64(st, 1);
    e->actor = col_dup(st, 2);
    e->what = col_dup(st, 3);
    return 0;
}

/* The review events of a submission, in order, malloc'd: *out[0..*n),
 * filled even on failure. */
static int load_events(struct ledger *l, const char *sub, Tdkt__ReviewEvent ***out, size_t *n)
{
    return load_of_submission(l,
                              "SELECT seq, time_ms, actor, what FROM review_events"
                              " WHERE submission = ?1 ORDER BY seq",
                              sub, "reading events", &tdkt__review_event__descriptor, out, n,
                              event_row);
}

static int may_see(struct ledger *l, const struct registry_unit *actor, const char *unit)
{
    (void)l;
    return actor->role == REGISTRY_ROLE_CENTRAL || strcmp(actor->code, unit) == 0;
}

int review_get(struct ledger *l, const struct registry_unit *actor, const char *id,
               Tdkt__SubmissionInfo **out, struct fault *f)
{
    Tdkt__SubmissionInfo info = TDKT__SUBMISSION_INFO__INIT;
    Tdkt__SubmissionPut *put = NULL, record = TDKT__SUBMISSION_PUT__INIT;
    uint32_t year = 0;
    Tdkt__ProposalStatus **ps = NULL;
    Tdkt__ReviewEvent **ev = NULL;
    size_t nps = 0, nev = 0;
    sqlite3_stmt *st;
    char unit[LEDGER_UNIT_MAX + 1] = "";
    int64_t seq = 0;
    int rc;

    /* A string that cannot be an id is the caller's mistake, not a missing
     * submission: INVALID_ARGUMENT, as for every id (docs/protocol.md §10). */
    if (!id || !record_code_valid(id))
        return fault_set(f, TDKT_EINVAL, "submission_get.submission_id", RECORD_CODE_RULE,
                         "a submission id");

    *out = NULL;
    rc = sql_query(l, &st, "SELECT unit, state, revision, seq, year FROM submissions WHERE id = ?1",
                   "t", id);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a submission");
    if (rc == 1) {
        sql_col_text(st, 0, unit, sizeof unit);
        info.state = (Tdkt__SubmissionState)sqlite3_column_int(st, 1);
        info.revision = (uint32_t)sqlite3_column_int64(st, 2);
        seq = sqlite3_column_int64(st, 3);
        year = (uint32_t)sqlite3_column_int64(st, 4);
    }
    sql_done(st);
    if (rc == 0)
        return fault_set(f, TDKT_ENOTFOUND, "submission_get.submission_id",
                         "submission '%s' does not exist", id);
    if (rc < 0)
        return rc;
    if (!may_see(l, actor, unit))
        return fault_set(f, TDKT_EPERM, "submission_get.submission_id",
                         "submission '%s' is '%s''s; only it and the central office see it", id,
                         unit);
    /* The last submission.put of this submission holds its dossier. */
    rc =
        sql_query(l, &st,
                  "SELECT payload FROM ledger WHERE kind = '" ENTRY_SUBMISSION_PUT "' AND seq <= ?1"
                  " AND seq = (SELECT max(seq) FROM review_events WHERE submission = ?2 AND"
                  " what LIKE 'submitted%')",
                  "it", seq, id);
    if (rc == 0) {
        if (sql_step(l, st, "reading a dossier") == 1)
            put = tdkt__submission_put__unpack(NULL, (size_t)sqlite3_column_bytes(st, 0),
                                               sqlite3_column_blob(st, 0));
        sql_done(st);
    }
    /* A decision on record has no dossier: its head says whose and when. */
    record.submission_id = (char *)id;
    record.year = year;
    record.unit_code = unit;
    record.note = (char *)"decision on record (tdkt review record)";
    info.submission = put ? put : &record;
    rc = load_statuses(l, id, &ps, &nps);
    if (rc == 0)
        rc = load_events(l, id, &ev, &nev);
    if (rc == 0) {
        info.proposals = ps;
        info.n_proposals = nps;
        info.history = ev;
        info.n_history = nev;
        DETACH(Tdkt__SubmissionInfo, tdkt__submission_info, &info, out);
        rc = *out ? 0 : TDKT_ENOMEM;
    }
    free_statuses(ps, nps);
    for (size_t i = 0; i < nev; i++)
        tdkt__review_event__free_unpacked(ev[i], NULL);
    free(ev);
    if (put)
        tdkt__submission_put__free_unpacked(put, NULL);
    return rc;
}

static int summary_row(sqlite3_stmt *st, void *m)
{
    Tdkt__SubmissionSummary *s = m;

    s->submission_id = col_dup(st, 0);
    s->year = (uint32_t)sqlite3_column_int64(st, 1);
    s->unit_code = col_dup(st, 2);
    s->state = (Tdkt__SubmissionState)sqlite3_column_int(st, 3);
    s->revision = (uint32_t)sqlite3_column_int64(st, 4);
    s->proposals = (uint32_t)sqlite3_column_int64(st, 5);
    s->pending = (uint32_t)sqlite3_column_int64(st, 6);
    s->decided = (uint32_t)sqlite3_column_int64(st, 7);
    return 0;
}

int review_list(struct ledger *l, const struct registry_unit *actor, const Tdkt__SubmissionList *m,
                Tdkt__SubmissionListReply **out)
{
    Tdkt__SubmissionListReply r = TDKT__SUBMISSION_LIST_REPLY__INIT;
    Tdkt__SubmissionSummary **items = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *st;
    int rc = sql_query(
        l, &st,
        "SELECT s.id, s.year, s.unit, s.state, s.revision,"
        " (SELECT count(*) FROM proposals p WHERE p.submission = s.id),"
        " (SELECT count(*) FROM proposals p WHERE p.submission = s.id AND p.state IN (1, 2)),"
        " (SELECT count(*) FROM proposals p WHERE p.submission = s.id AND p.state = 5)"
        " FROM submissions s WHERE (?1 = 0 OR s.year = ?1) AND (?2 = 0 OR s.state = ?2)"
        " AND (?3 IS NULL OR s.unit = ?3) AND (?4 IS NULL OR s.unit IN (SELECT unit FROM"
        " cluster_members WHERE cluster = ?4 AND year = s.year))"
        " AND (?5 = 1 OR s.unit = ?6) ORDER BY s.year, s.unit, s.id",
        "uittit", m->year, (int64_t)m->state,
        m->unit_code && *m->unit_code ? m->unit_code : (const char *)NULL,
        m->cluster_code && *m->cluster_code ? m->cluster_code : (const char *)NULL,
        (int64_t)(actor->role == REGISTRY_ROLE_CENTRAL), actor->code);

    *out = NULL;
    if (rc == 0)
        rc = collect_rows(l, st, "listing submissions", &tdkt__submission_summary__descriptor,
                          &items, &n, &cap, summary_row);
    if (rc == 0) {
        r.submissions = items;
        r.n_submissions = n;
        DETACH(Tdkt__SubmissionListReply, tdkt__submission_list_reply, &r, out);
        rc = *out ? 0 : TDKT_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        tdkt__submission_summary__free_unpacked(items[i], NULL);
    free(items);
    return rc;
}

/* One line of a timeline; dec: the title's decision number, date and the
 * annulment's reason, or NULL (a rating). */
static int push_item(Tdkt__HistoryItem ***items, size_t *n, size_t *cap, uint32_t year,
                     const char *kind, const char *value, const char *ref, const char *const dec[3])
{
    Tdkt__HistoryItem *h;
    if (vec_reserve(items, cap, *n, sizeof **items, 16) < 0 || !(h = calloc(1, sizeof *h)))
        return TDKT_ENOMEM;
    tdkt__history_item__init(h);
    h->year = year;
    h->kind = strdup(kind);
    h->value = strdup(value);
    h->ref = strdup(ref);
    h->decision_no = strdup(dec ? dec[0] : "");
    h->decision_date = strdup(dec ? dec[1] : "");
    h->reason = strdup(dec ? dec[2] : "");
    (*items)[(*n)++] = h;
    return h->kind && h->value && h->ref && h->decision_no && h->decision_date && h->reason
               ? 0
               : TDKT_ENOMEM;
}

int review_history(struct ledger *l, const struct registry_unit *actor, const Tdkt__HistoryGet *m,
                   Tdkt__HistoryReply **out, struct fault *f)
{
    Tdkt__HistoryReply r = TDKT__HISTORY_REPLY__INIT;
    Tdkt__HistoryItem **items = NULL;
    size_t n = 0, cap = 0;
    const char *person = m->person_id && *m->person_id ? m->person_id : NULL;
    const char *unit = m->unit_code && *m->unit_code ? m->unit_code : NULL;
    char where[LEDGER_UNIT_MAX + 1], owner[LEDGER_UNIT_MAX + 1], name[RECORD_NAME_MAX + 1] = "";
    sqlite3_stmt *st;
    int rc;

    *out = NULL;
    if (!person == !unit)
        return fault_set(f, TDKT_EINVAL, "history_get", "name a person or a unit");
    if (person && !record_code_valid(person))
        return fault_set(f, TDKT_EINVAL, "history_get.person_id", RECORD_CODE_RULE, "a person id");
    if (unit && !record_unit_code_valid(unit))
        return fault_set(f, TDKT_EINVAL, "history_get.unit_code", RECORD_UNIT_CODE_RULE);
    rc = person ? catalog_person_unit(l, person, where) : 0;
    if (!person)
        snprintf(where, sizeof where, "%s", unit);
    if (rc == 0)
        rc = catalog_unit_owner(l, where, owner);
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, TDKT_ENOTFOUND, "history_get", "'%s' is not registered",
                         person ? person : unit);
    if (rc < 0)
        return rc;
    if (!may_see(l, actor, owner))
        return fault_set(f, TDKT_EPERM, "history_get",
                         "'%s' belongs to '%s'; only it and the central office see its history",
                         person ? person : unit, owner);
    rc = sql_query(l, &st,
                   person ? "SELECT name FROM persons WHERE id = ?1"
                          : "SELECT name FROM units WHERE code = ?1",
                   "t", person ? person : unit);
    if (rc == 0) {
        if (sql_step(l, st, "reading a name") == 1)
            sql_col_text(st, 0, name, sizeof name);
        sql_done(st);
    }
    /* Ratings, from the results. */
    rc = sql_query(l, &st,
                   "SELECT year, record FROM results WHERE kind = ?1 AND removed = 0"
                   " AND ((?2 IS NOT NULL AND key = ?2) OR (?2 IS NULL AND unit = ?3))"
                   " ORDER BY year",
                   "ttt", person ? "person_rating" : "unit_rating", person, unit);
    while (rc == 0 && sql_step(l, st, "reading ratings") == 1) {
        Tdkt__ResultRecord *rr = tdkt__result_record__unpack(
            NULL, (size_t)sqlite3_column_bytes(st, 1), sqlite3_column_blob(st, 1));
        int rating = rr && rr->item_case == TDKT__RESULT_RECORD__ITEM_PERSON_RATING
                         ? (int)rr->person_rating->rating
                     : rr && rr->item_case == TDKT__RESULT_RECORD__ITEM_UNIT_RATING
                         ? (int)rr->unit_rating->rating
                         : 0;
        const struct record_label *lab = record_label_of(record_ratings, rating);
        if (rr)
            tdkt__result_record__free_unpacked(rr, NULL);
        if (rating)
            rc = push_item(&items, &n, &cap, (uint32_t)sqlite3_column_int64(st, 0), "rating",
                           lab ? lab->code : "?", "", NULL);
    }
    sql_done(st);
    /* Titles decided (and annulled), from the review. */
    if (rc == 0)
        rc = sql_query(l, &st,
                       "SELECT s.year, p.title, p.state, coalesce(p.decision_no, ''),"
                       " coalesce(p.reason, ''), coalesce(p.decision_date, '')"
                       " FROM proposals p JOIN submissions s"
                       " ON p.submission = s.id WHERE p.state IN (5, 6) AND"
                       " ((?1 IS NOT NULL AND p.person = ?1) OR"
                       " (?1 IS NULL AND p.person IS NULL AND p.unit = ?2)) ORDER BY s.year",
                       "tt", person, unit);
    while (rc == 0 && sql_step(l, st, "reading titles") == 1) {
        const struct record_label *lab = record_label_of(record_titles, sqlite3_column_int(st, 1));
        int annulled = sqlite3_column_int(st, 2) == P_ANNULLED;
        char ref[REVIEW_TEXT_MAX + 32];
        const char *dec[3] = {(const char *)sqlite3_column_text(st, 3),
                              (const char *)sqlite3_column_text(st, 5),
                              annulled ? (const char *)sqlite3_column_text(st, 4) : ""};
        snprintf(ref, sizeof ref, "Quyết định số %.200s%s%.200s",
                 (const char *)sqlite3_column_text(st, 3), annulled ? "; annulled: " : "",
                 annulled ? (const char *)sqlite3_column_text(st, 4) : "");
        rc = push_item(&items, &n, &cap, (uint32_t)sqlite3_column_int64(st, 0),
                       annulled ? "annulled" : "title", lab ? lab->code : "?", ref, dec);
    }
    sql_done(st);
    if (rc == 0) {
        r.subject = (char *)(person ? person : unit);
        r.name = name;
        r.items = items;
        r.n_items = n;
        DETACH(Tdkt__HistoryReply, tdkt__history_reply, &r, out);
        rc = *out ? 0 : TDKT_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        tdkt__history_item__free_unpacked(items[i], NULL);
    free(items);
    return rc;
}

/* A unit's figures in its cluster's standings for year: the criteria
 * sheet's maximum, its points, targets met and exceeded, key tasks done and
 * planned. A
 * figure that cannot be read stays 0 (the read is logged). */
static void standing_figures(struct ledger *l, uint32_t year, Tdkt__StandingRow *s)
{
    sqlite3_stmt *q;
    if (sql_query(l, &q,
                  "SELECT coalesce(sum(max_points), 0) FROM criteria WHERE year = ?1"
                  " AND cluster = ?2",
                  "ut", year, s->cluster_code) == 0) {
        if (sql_step(l, q, "reading criteria") == 1)
            s->max_points = sqlite3_column_double(q, 0);
        sql_done(q);
    }
    if (sql_query(l, &q,
                  "SELECT record FROM results WHERE unit = ?1 AND year = ?2"
                  " AND kind IN ('score', 'target', 'task', 'task_plan') AND removed = 0",
                  "tu", s->unit_code, year) == 0) {
        struct key_tasks k = {0};

        while (sql_step(l, q, "reading results") == 1) {
            Tdkt__ResultRecord *rr = tdkt__result_record__unpack(
                NULL, (size_t)sqlite3_column_bytes(q, 0), sqlite3_column_blob(q, 0));
            if (!rr)
                continue;
            if (rr->item_case == TDKT__RESULT_RECORD__ITEM_SCORE)
                s->points += rr->score->points;
            if (rr->item_case == TDKT__RESULT_RECORD__ITEM_TARGET) {
                int t = record_target_status(rr->target);
                s->targets++;
                s->targets_met += t >= 0;
                s->targets_exceeded += t > 0;
            }
            key_tasks_add(&k, rr);
            tdkt__result_record__free_unpacked(rr, NULL);
        }
        sql_done(q);
        /* Done against the plan's count, or the assigned tasks without one
         * (common/domain/key_tasks.h): Cục 3's 17 against 8. */
        s->tasks_done = key_tasks_done(&k);
        s->tasks_planned = key_tasks_planned(&k);
    }
}

static int standing_row(sqlite3_stmt *st, void *m)
{
    Tdkt__StandingRow *s = m;

    s->cluster_code = col_dup(st, 0);
    s->cluster_name = col_dup(st, 1);
    s->unit_code = col_dup(st, 2);
    s->unit_name = col_dup(st, 3);
    return 0;
}

/* The standings rows of year: every member of every cluster, with its
 * figures. *rows[0..*n) is filled even on failure. */
static int report_standings(struct ledger *l, uint32_t year, Tdkt__StandingRow ***rows, size_t *n)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc = sql_query(l, &st,
                       "SELECT c.code, c.name, m.unit, u.name FROM clusters c"
                       " JOIN cluster_members m ON m.year = c.year AND m.cluster = c.code"
                       " JOIN units u ON u.code = m.unit WHERE c.year = ?1 ORDER BY c.code, m.unit",
                       "u", year);

    if (rc == 0)
        rc = collect_rows(l, st, "reading clusters", &tdkt__standing_row__descriptor, rows, n, &cap,
                          standing_row);
    for (size_t i = 0; rc == 0 && i < *n; i++)
        standing_figures(l, year, (*rows)[i]);
    return rc < 0 ? rc : 0;
}

/* The proposals of a year's report, each with its submission's office
 * and state: four arrays of n, grown together. */
struct report_props {
    Tdkt__ProposalStatus **ps;
    char **units, **names;
    Tdkt__SubmissionState *states;
    size_t n, cap;
};

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static void report_props_free(struct report_props *p)
{
    free_statuses(p->ps, p->n);
    free_strings(p->units, p->n);
    free_strings(p->names, p->n);
    free(p->states);
}

/* Add the proposals of one submission (taken from one[0..n1)) of office
 * unit, named name, in state. */
static int report_props_add(struct report_props *p, Tdkt__ProposalStatus **one, size_t n1,
                            const char *unit, const char *name, Tdkt__SubmissionState state)
{
    for (size_t i = 0; i < n1; i++) {
        size_t c1 = p->cap, c2 = p->cap, c3 = p->cap;
        if (vec_reserve(&p->ps, &c1, p->n, sizeof *p->ps, 16) < 0 ||
            vec_reserve(&p->units, &c2, p->n, sizeof *p->units, 16) < 0 ||
            vec_reserve(&p->names, &c3, p->n, sizeof *p->names, 16) < 0 ||
            vec_reserve(&p->states, &p->cap, p->n, sizeof *p->states, 16) < 0)
            return TDKT_ENOMEM;
        p->ps[p->n] = one[i];
        one[i] = NULL;
        p->units[p->n] = strdup(unit);
        p->names[p->n] = strdup(name);
        p->states[p->n] = state;
        p->n++;
        if (!p->units[p->n - 1] || !p->names[p->n - 1])
            return TDKT_ENOMEM;
    }
    return 0;
}

/* The proposals and decisions of year, with their office. */
static int report_proposals(struct ledger *l, uint32_t year, struct report_props *p)
{
    sqlite3_stmt *st;
    int rc = sql_query(l, &st,
                       "SELECT s.id, s.unit, u.name, s.state FROM submissions s JOIN units u"
                       " ON u.code = s.unit WHERE s.year = ?1 ORDER BY s.unit, s.id",
                       "u", year);

    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "reading submissions")) == 1) {
        Tdkt__ProposalStatus **one = NULL;
        size_t n1 = 0;
        char sid[RECORD_CODE_MAX + 1], su[LEDGER_UNIT_MAX + 1], sn[RECORD_NAME_MAX + 1];
        sql_col_text(st, 0, sid, sizeof sid);
        sql_col_text(st, 1, su, sizeof su);
        sql_col_text(st, 2, sn, sizeof sn);
        rc = load_statuses(l, sid, &one, &n1);
        if (rc == 0)
            rc = report_props_add(p, one, n1, su, sn,
                                  (Tdkt__SubmissionState)sqlite3_column_int(st, 3));
        free_statuses(one, n1);
        if (rc < 0)
            break;
    }
    sql_done(st);
    return rc < 0 ? rc : 0;
}

int review_report(struct ledger *l, const struct registry_unit *actor, uint32_t year,
                  Tdkt__ReportReply **out, struct fault *f)
{
    Tdkt__ReportReply r = TDKT__REPORT_REPLY__INIT;
    Tdkt__StandingRow **rows = NULL;
    struct report_props p = {0};
    size_t nrows = 0;
    int rc;

    *out = NULL;
    rc = report_standings(l, year, &rows, &nrows);
    if (rc == 0)
        rc = report_proposals(l, year, &p);
    if (rc == 0) {
        r.year = year;
        r.standings = rows;
        r.n_standings = nrows;
        r.proposals = p.ps;
        r.n_proposals = p.n;
        r.proposal_units = p.units;
        r.n_proposal_units = p.n;
        r.proposal_unit_names = p.names;
        r.n_proposal_unit_names = p.n;
        r.proposal_submission_states = p.states;
        r.n_proposal_submission_states = p.n;
        r.requested_by = (char *)actor->code;
        DETACH(Tdkt__ReportReply, tdkt__report_reply, &r, out);
        rc = *out ? 0 : TDKT_ENOMEM;
    }
    for (size_t i = 0; i < nrows; i++)
        tdkt__standing_row__free_unpacked(rows[i], NULL);
    free(rows);
    report_props_free(&p);
    return rc;
}
