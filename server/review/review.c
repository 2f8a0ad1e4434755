/* SPDX-License-Identifier: MIT */
/*
 * Submissions and review on the database thread: submit (with the
 * verdicts), the review steps and decisions on record, each a ledger entry.
 * See review.h and docs/review.md; the reads are review_read.c's.
 */
#include "server/review/review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/elig_quota.h"
#include "common/domain/eligibility.h"
#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "common/util/vec.h"
#include "common/wire/reason_pb.h"
#include "server/registry/catalog.h"
#include "server/ledger/sql.h"
#include "server/review/review_facts.h"
#include "server/review/review_quota.h"

#define S_SUBMITTED TDKT__SUBMISSION_STATE__SUBMISSION_STATE_SUBMITTED
#define S_RECEIVED  TDKT__SUBMISSION_STATE__SUBMISSION_STATE_RECEIVED
#define S_RETURNED  TDKT__SUBMISSION_STATE__SUBMISSION_STATE_RETURNED
#define P_PENDING   TDKT__PROPOSAL_STATE__PROPOSAL_STATE_PENDING
#define P_APPROVED  TDKT__PROPOSAL_STATE__PROPOSAL_STATE_APPROVED
#define P_REJECTED  TDKT__PROPOSAL_STATE__PROPOSAL_STATE_REJECTED
#define P_CANCELLED TDKT__PROPOSAL_STATE__PROPOSAL_STATE_CANCELLED
#define P_DECIDED   TDKT__PROPOSAL_STATE__PROPOSAL_STATE_DECIDED
#define P_ANNULLED  TDKT__PROPOSAL_STATE__PROPOSAL_STATE_ANNULLED

static const char *const submission_state_names[] = {"?", "submitted", "received", "returned"};
static const char *const proposal_state_names[] = {"?",         "pending", "approved", "rejected",
                                                   "cancelled", "decided", "annulled"};

static const char *sstate(int s)
{
    return s >= 1 && s <= 3 ? submission_state_names[s] : "?";
}

static const char *pstate(int s)
{
    return s >= 1 && s <= 6 ? proposal_state_names[s] : "?";
}

/* Person titles and unit titles (domain.md §2). Bằng khen and orders go to
 * both. */
static int title_for_person(int t)
{
    return t == TDKT__TITLE__TITLE_LDTT || t == TDKT__TITLE__TITLE_CSTDCS ||
           t == TDKT__TITLE__TITLE_CSTD_NGANH || t == TDKT__TITLE__TITLE_CSTD_TQ ||
           t == TDKT__TITLE__TITLE_BK_VT || t == TDKT__TITLE__TITLE_BK_TTG ||
           (t >= TDKT__TITLE__TITLE_HCLD_1 && t <= TDKT__TITLE__TITLE_HCLD_3);
}

static int title_for_unit(int t)
{
    return (t >= TDKT__TITLE__TITLE_TTLDTT && t <= TDKT__TITLE__TITLE_CO_CP) ||
           t == TDKT__TITLE__TITLE_BK_VT || t == TDKT__TITLE__TITLE_BK_TTG ||
           (t >= TDKT__TITLE__TITLE_HCLD_1 && t <= TDKT__TITLE__TITLE_HCLD_3);
}

static int event(struct ledger *l, const char *sub, uint64_t seq, const char *actor,
                 const char *what)
{
    return sql_exec(l, "recording a review event",
                    "INSERT INTO review_events(submission, seq, time_ms, actor, what)"
                    " VALUES (?1, ?2, ?3, ?4, ?5)",
                    "tiitt", sub, (int64_t)seq, ledger_head_time(l), actor, what);
}

static int text_ok(const char *s, int required)
{
    if (!s || !*s)
        return !required;
    return record_name_valid(s, REVIEW_TEXT_MAX);
}

/* --- submit ---------------------------------------------------------------------- */

/* The office a proposal's subject belongs to (the person's unit's, or the
 * unit's); TDKT_ENOTFOUND with the fault set. */
static int subject_owner(struct ledger *l, const Tdkt__Proposal *p, const char *field,
                         char owner[LEDGER_UNIT_MAX + 1], struct fault *f)
{
    char unit[LEDGER_UNIT_MAX + 1];
    int person = p->person_id && *p->person_id, rc;

    if (person) {
        rc = catalog_person_unit(l, p->person_id, unit);
        if (rc == TDKT_ENOTFOUND)
            return fault_set(f, TDKT_ENOTFOUND, field, "person '%s' is not registered",
                             p->person_id);
    } else {
        snprintf(unit, sizeof unit, "%s", p->unit_code ? p->unit_code : "");
        rc = 0;
    }
    if (rc == 0)
        rc = catalog_unit_owner(l, unit, owner);
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, TDKT_ENOTFOUND, field, "unit '%s' is not registered", unit);
    return rc;
}

static int check_proposal(struct ledger *l, const char *office, const Tdkt__Proposal *p,
                          const char *field, struct fault *f)
{
    char owner[LEDGER_UNIT_MAX + 1];
    int person = p->person_id && *p->person_id, rc;

    if (!record_code_valid(p->proposal_id))
        return fault_set(f, TDKT_EINVAL, field, "a proposal id is required");
    if (p->title <= 0 || p->title > TDKT__TITLE__TITLE_HCLD_3)
        return fault_set(f, TDKT_EINVAL, field, "not a title");
    if (person == (p->unit_code && *p->unit_code))
        return fault_set(f, TDKT_EINVAL, field,
                         "name either a person (person_id) or a unit (unit_code)");
    if (person ? !title_for_person(p->title) : !title_for_unit(p->title))
        return fault_set(f, TDKT_EINVAL, field, "title %d is not given to a %s", p->title,
                         person ? "person" : "unit");
    rc = subject_owner(l, p, field, owner, f);
    if (rc < 0)
        return rc;
    if (strcmp(owner, office) != 0)
        return fault_set(f, TDKT_EPERM, field,
                         "'%s' belongs to '%s', not to the submitting office '%s'",
                         person ? p->person_id : p->unit_code, owner, office);
    if (p->ballot_id && *p->ballot_id && !record_code_valid(p->ballot_id))
        return fault_set(f, TDKT_EINVAL, field, "not a ballot id");
    if (!text_ok(p->note, 0))
        return fault_set(f, TDKT_EINVAL, field, "the note is not valid text");
    return 0;
}

/* Each verdict as judged: recorded on its proposal and kept for the
 * submission.verdicts entry. */
struct judged {
    struct ledger *l;
    const char *sub;
    Tdkt__ProposalVerdict *vs;
    Tdkt__ProposalVerdict **vp;
    Tdkt__Proposal **ps;
    struct review_facts_rules *fr;
    struct reason_pb (*rpb)[2]; /* each verdict's reason and cause, borrowed from the judge's */
    char (*sets)[RECORD_CODE_MAX + 1];
};

static int verdict_record(void *arg, size_t i, const struct elig_verdict *v)
{
    struct judged *j = arg;
    Tdkt__ProposalVerdict *pv = &j->vs[i];
    uint8_t *detail;
    size_t detail_len;
    int rc;

    tdkt__proposal_verdict__init(pv);
    j->vp[i] = pv;
    pv->proposal_id = j->ps[i]->proposal_id;
    pv->verdict = (Tdkt__Verdict)(v->outcome + 1);
    pv->rule = (char *)(v->outcome == ELIG_POLICY && v->key && *v->key ? v->key : v->rule);
    pv->why = (char *)v->why.text;
    pv->reason = reason_pb_init(&j->rpb[i][0], &v->why);
    pv->cause = reason_pb_init(&j->rpb[i][1], &v->cause);
    /* The set this proposal consulted; "" when it needed no rule value. */
    snprintf(j->sets[i], sizeof j->sets[i], "%s", j->fr->ruleset);
    pv->ruleset = j->sets[i];
    j->fr->ruleset[0] = '\0';
    if ((rc = reason_pb_pack_detail(pv, &detail, &detail_len)) < 0)
        return rc;
    rc = sql_exec(j->l, "recording a verdict",
                  "UPDATE proposals SET verdict = ?3, rule = ?4, why = ?5, ruleset = ?6,"
                  " why_detail = ?7 WHERE submission = ?1 AND id = ?2",
                  "ttitttb", j->sub, pv->proposal_id, (int64_t)pv->verdict, pv->rule, pv->why,
                  pv->ruleset, (const void *)detail, detail_len);
    free(detail);
    return rc;
}

static int judge_all(struct ledger *l, int64_t now, const char *sub, uint32_t year,
                     uint32_t revision, Tdkt__Proposal **ps, size_t n)
{
    Tdkt__SubmissionVerdicts sv = TDKT__SUBMISSION_VERDICTS__INIT;
    struct review_facts_rules fr = {l, year, ""};
    struct elig_rules rules = {review_facts_rule_get, &fr};
    struct review_facts rf = {l, sub};
    struct facts_reader rd;
    struct elig_verdict *v = calloc(n ? n : 1, sizeof *v);
    struct judged j = {.l = l, .sub = sub, .ps = ps, .fr = &fr};
    uint64_t seq = 0;
    size_t failed;
    int rc;

    j.vs = calloc(n ? n : 1, sizeof *j.vs);
    j.vp = calloc(n ? n : 1, sizeof *j.vp);
    j.rpb = calloc(n ? n : 1, sizeof *j.rpb);
    j.sets = calloc(n ? n : 1, sizeof *j.sets);
    if (!v || !j.vs || !j.vp || !j.rpb || !j.sets) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    /* The dossier's own rows are left out of the reader: the judge has
     * them with their verdicts so far (common/domain/facts.h). */
    review_facts_reader(&rf, &rd);
    rc = facts_judge_dossier(&rd, &rules, year, ps, n, v, verdict_record, &j, &failed);
    if (rc < 0)
        goto out;
    sv.submission_id = (char *)sub;
    sv.revision = revision;
    sv.verdicts = j.vp;
    sv.n_verdicts = n;
    rc = ledger_append_msg(l, now, REVIEW_ACTOR, ENTRY_SUBMISSION_VERDICTS, &sv.base, &seq);
    if (rc == 0)
        rc = event(l, sub, seq, REVIEW_ACTOR, "eligibility judged");
out:
    free(v);
    free(j.vs);
    free(j.vp);
    free(j.rpb);
    free(j.sets);
    return rc;
}

/* The proposals of submission sub as the judge reads them, from the
 * proposals table; *out and its strings are malloc'd (free with
 * rejudge_free). */
static int rejudge_load(struct ledger *l, const char *sub, Tdkt__Proposal ***out, size_t *n)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc = sql_query(l, &st,
                       "SELECT id, title, coalesce(person, ''), coalesce(unit, ''),"
                       " coalesce(ballot, '') FROM proposals WHERE submission = ?1 ORDER BY id",
                       "t", sub);

    *out = NULL;
    *n = 0;
    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "reading proposals")) == 1) {
        Tdkt__Proposal *p;

        if (!(p = malloc(sizeof *p))) {
            rc = TDKT_ENOMEM;
            break;
        }
        tdkt__proposal__init(p);
        if (vec_append_ptr(out, n, &cap, p) < 0) {
            free(p);
            rc = TDKT_ENOMEM;
            break;
        }
        p->title = (Tdkt__Title)sqlite3_column_int(st, 1);
        p->proposal_id = strdup((const char *)sqlite3_column_text(st, 0));
        p->person_id = strdup((const char *)sqlite3_column_text(st, 2));
        p->unit_code = strdup((const char *)sqlite3_column_text(st, 3));
        p->ballot_id = strdup((const char *)sqlite3_column_text(st, 4));
        if (!p->proposal_id || !p->person_id || !p->unit_code || !p->ballot_id) {
            rc = TDKT_ENOMEM;
            break;
        }
    }
    sql_done(st);
    return rc < 0 ? rc : 0;
}

static void rejudge_free(Tdkt__Proposal **ps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        protobuf_c_message_free_unpacked(&ps[i]->base, NULL);
    free(ps);
}

int review_rejudge(struct ledger *l, int64_t now, const char *sub)
{
    Tdkt__Proposal **ps = NULL;
    sqlite3_stmt *st;
    int64_t year = 0, revision = 0;
    size_t n = 0;
    int rc = sql_query(l, &st, "SELECT year, revision FROM submissions WHERE id = ?1", "t", sub);

    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a submission");
    if (rc == 1) {
        year = sqlite3_column_int64(st, 0);
        revision = sqlite3_column_int64(st, 1);
    }
    sql_done(st);
    if (rc <= 0)
        return rc < 0 ? rc : TDKT_ENOTFOUND;
    rc = rejudge_load(l, sub, &ps, &n);
    if (rc == 0 && n > 0)
        rc = judge_all(l, now, sub, (uint32_t)year, (uint32_t)revision, ps, n);
    rejudge_free(ps, n);
    return rc;
}

int review_submit(struct ledger *l, int64_t now, const struct registry_unit *actor,
                  Tdkt__SubmissionPut *m, struct fault *f)
{
    sqlite3_stmt *st;
    uint64_t seq = 0;
    int64_t state = 0, revision = 0, period = 0;
    int rc, exists;
    char what[96];

    if (!record_code_valid(m->submission_id))
        return fault_set(f, TDKT_EINVAL, "submission_put.submission_id",
                         "a submission id is required");
    if (!record_year_valid(m->year))
        return fault_set(f, TDKT_EINVAL, "submission_put.year", "year must be %d to %d",
                         RECORD_YEAR_MIN, RECORD_YEAR_MAX);
    if (!m->unit_code || strcmp(m->unit_code, actor->code) != 0)
        return fault_set(f, TDKT_EPERM, "submission_put.unit_code",
                         "an office submits its own dossier: '%s' is not '%s'",
                         m->unit_code ? m->unit_code : "", actor->code);
    if (m->n_proposals == 0 || m->n_proposals > REVIEW_PROPOSALS_MAX)
        return fault_set(f, TDKT_EINVAL, "submission_put.proposals",
                         "a dossier holds 1 to %d proposals", REVIEW_PROPOSALS_MAX);
    if (!text_ok(m->note, 0))
        return fault_set(f, TDKT_EINVAL, "submission_put.note", "the note is not valid text");
    rc = catalog_period_state(l, m->year, (int *)&period);
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, TDKT_ENOTFOUND, "submission_put.year",
                         "no emulation period is registered for %u", m->year);
    if (rc < 0)
        return rc;
    /* A closed period takes no more dossiers (nor resubmissions); the
     * council's steps on what it already holds go on (review_step). */
    if (period != TDKT__PERIOD_STATE__PERIOD_STATE_OPEN)
        return fault_set(f, TDKT_EPERIOD, "submission_put.year",
                         "the %u emulation period is closed; it takes no more dossiers", m->year);
    for (size_t i = 0; i < m->n_proposals; i++) {
        char field[RECORD_FIELD_MAX];
        snprintf(field, sizeof field, "submission_put.proposals[%zu]", i);
        rc = check_proposal(l, actor->code, m->proposals[i], field, f);
        if (rc < 0)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->proposals[i]->proposal_id, m->proposals[j]->proposal_id) == 0)
                return fault_set(f, TDKT_EINVAL, "submission_put.proposals",
                                 "proposal '%s' is listed twice", m->proposals[i]->proposal_id);
    }
    rc = sql_query(l, &st, "SELECT state, revision, unit FROM submissions WHERE id = ?1", "t",
                   m->submission_id);
    if (rc < 0)
        return rc;
    exists = sql_step(l, st, "reading a submission") == 1;
    if (exists) {
        char unit[LEDGER_UNIT_MAX + 1];
        state = sqlite3_column_int64(st, 0);
        revision = sqlite3_column_int64(st, 1);
        sql_col_text(st, 2, unit, sizeof unit);
        sql_done(st);
        if (strcmp(unit, actor->code) != 0)
            return fault_set(f, TDKT_ECONFLICT, "submission_put.submission_id",
                             "submission '%s' belongs to another office", m->submission_id);
        if (state != S_RETURNED)
            return fault_set(f, TDKT_ECONFLICT, "submission_put.submission_id",
                             "submission '%s' is %s; it can be revised only after the central "
                             "office returns it",
                             m->submission_id, sstate((int)state));
    } else {
        sql_done(st);
    }
    rc = ledger_op_begin(l);
    if (rc < 0)
        return rc;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_SUBMISSION_PUT, &m->base, &seq);
    if (rc == 0)
        rc = sql_exec(l, "storing a submission",
                      "INSERT INTO submissions(id, year, unit, state, revision, seq)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET"
                      " state = excluded.state, revision = excluded.revision, seq = excluded.seq",
                      "tutiii", m->submission_id, m->year, actor->code, (int64_t)S_SUBMITTED,
                      revision + 1, (int64_t)seq);
    if (rc == 0)
        rc = sql_exec(l, "replacing proposals", "DELETE FROM proposals WHERE submission = ?1", "t",
                      m->submission_id);
    for (size_t i = 0; rc == 0 && i < m->n_proposals; i++) {
        const Tdkt__Proposal *p = m->proposals[i];
        rc = sql_exec(l, "storing a proposal",
                      "INSERT INTO proposals(submission, id, title, person, unit, ballot, state,"
                      " verdict, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)",
                      "ttitttii", m->submission_id, p->proposal_id, (int64_t)p->title,
                      p->person_id && *p->person_id ? p->person_id : (const char *)NULL,
                      p->unit_code && *p->unit_code ? p->unit_code : (const char *)NULL,
                      p->ballot_id && *p->ballot_id ? p->ballot_id : (const char *)NULL,
                      (int64_t)P_PENDING, (int64_t)seq);
    }
    snprintf(what, sizeof what, "submitted (revision %lld, %zu proposals)", (long long)revision + 1,
             m->n_proposals);
    if (rc == 0)
        rc = event(l, m->submission_id, seq, actor->code, what);
    if (rc == 0)
        rc = judge_all(l, now, m->submission_id, m->year, (uint32_t)revision + 1, m->proposals,
                       m->n_proposals);
    return ledger_op_end(l, rc);
}

/* --- review steps ---------------------------------------------------------------- */

struct prop_row {
    int title, state, verdict;
    char person[LEDGER_UNIT_MAX + 1], unit[LEDGER_UNIT_MAX + 1];
};

static int prop_get(struct ledger *l, const char *sub, const char *id, struct prop_row *p)
{
    sqlite3_stmt *st;
    int rc = sql_query(l, &st,
                       "SELECT title, state, verdict, coalesce(person, ''), coalesce(unit, '')"
                       " FROM proposals WHERE submission = ?1 AND id = ?2",
                       "tt", sub, id);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a proposal");
    if (rc == 1) {
        p->title = sqlite3_column_int(st, 0);
        p->state = sqlite3_column_int(st, 1);
        p->verdict = sqlite3_column_int(st, 2);
        sql_col_text(st, 3, p->person, sizeof p->person);
        sql_col_text(st, 4, p->unit, sizeof p->unit);
    }
    sql_done(st);
    return rc < 0 ? rc : rc == 1 ? 0 : TDKT_ENOTFOUND;
}

static int count(struct ledger *l, sqlite3_stmt *st, int64_t *n)
{
    int rc = sql_step(l, st, "counting");
    *n = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
    sql_done(st);
    return rc < 0 ? rc : 0;
}

/* ONCE: does the subject (person, or the unit when person is "") hold title
 * for year by a decision in the ledger, in a dossier or on record? 1, 0, or
 * < 0. */
static int decided_already(struct ledger *l, uint32_t year, int title, const char *person,
                           const char *unit)
{
    sqlite3_stmt *st;
    int64_t n = 0;
    int rc = sql_query(l, &st,
                       "SELECT count(*) FROM proposals p JOIN submissions s ON p.submission = s.id"
                       " WHERE s.year = ?1 AND p.title = ?2 AND p.state = ?3 AND"
                       " ((?4 != '' AND p.person = ?4) OR"
                       " (?4 = '' AND p.person IS NULL AND p.unit = ?5))",
                       "uiitt", year, (int64_t)title, (int64_t)P_DECIDED, person, unit);
    if (rc == 0)
        rc = count(l, st, &n);
    return rc < 0 ? rc : n > 0;
}

/* The TTLĐXS quota and one flag per cluster, at approval. */
static int approval_limits(struct ledger *l, uint32_t year, const struct prop_row *p,
                           struct fault *f)
{
    struct review_facts_rules fr = {l, year, ""};
    struct elig_rules rules = {review_facts_rule_get, &fr};
    struct elig_verdict v;
    sqlite3_stmt *st;
    int64_t n = 0;
    int rc;

    if (p->title == TDKT__TITLE__TITLE_TTLDXS &&
        (rc = review_quota_approve_check(l, year, p->unit, f)) < 0)
        return rc;
    if (p->title == TDKT__TITLE__TITLE_CO_NGANH) {
        char cluster[RECORD_CODE_MAX + 1];
        rc = catalog_unit_cluster(l, year, p->unit, cluster);
        if (rc == TDKT_ENOTFOUND)
            return fault_set(f, TDKT_ECONFLICT, "review_step",
                             "'%s' is in no cluster in %u: no Cờ thi đua ngành (CO-NGANH)", p->unit,
                             year);
        if (rc < 0)
            return rc;
        rc = sql_query(l, &st,
                       "SELECT count(*) FROM proposals p JOIN submissions s ON p.submission = s.id"
                       " JOIN cluster_members c ON c.unit = p.unit AND c.year = s.year"
                       " WHERE s.year = ?1 AND c.cluster = ?2 AND p.title = ?3"
                       " AND p.state IN (?4, ?5)",
                       "utiii", year, cluster, (int64_t)TDKT__TITLE__TITLE_CO_NGANH,
                       (int64_t)P_APPROVED, (int64_t)P_DECIDED);
        if (rc == 0)
            rc = count(l, st, &n);
        if (rc == 0)
            rc = elig_flag_check((unsigned)n, &rules, &v);
        if (rc < 0)
            return rc;
        if (v.outcome != ELIG_ELIGIBLE)
            return fault_set(f, TDKT_ECONFLICT, "review_step", "%s", v.why.text);
    }
    return 0;
}

/* A step on one proposal (APPROVE..ANNUL) of a submission in state, for
 * year: *new_state and the event's text, or a refusal. The proposal's
 * state must allow the step; see review.h. */
static int step_proposal(struct ledger *l, const Tdkt__ReviewStep *m, int64_t state, uint32_t year,
                         int *new_state, char *what, size_t cap, struct fault *f)
{
    const char *pid = m->proposal_id && *m->proposal_id ? m->proposal_id : NULL;
    int reason = m->reason && *m->reason;
    struct prop_row p;
    int rc;

    if (!pid)
        return fault_set(f, TDKT_EINVAL, "review_step.proposal_id", "this step names a proposal");
    rc = prop_get(l, m->submission_id, pid, &p);
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, TDKT_ENOTFOUND, "review_step.proposal_id",
                         "submission '%s' has no proposal '%s'", m->submission_id, pid);
    if (rc < 0)
        return rc;
    if (state != S_RECEIVED)
        return fault_set(f, TDKT_ECONFLICT, "review_step.action",
                         "submission '%s' is %s; proposals are reviewed once it is received",
                         m->submission_id, sstate((int)state));
    switch (m->action) {
    case TDKT__REVIEW_ACTION__REVIEW_ACTION_APPROVE:
        if (p.state != P_PENDING && p.state != P_CANCELLED)
            break;
        if (p.verdict != TDKT__VERDICT__VERDICT_ELIGIBLE && !reason)
            return fault_set(f, TDKT_EINVAL, "review_step.reason",
                             "proposal '%s' was judged %s: approving it needs a reason "
                             "(the council's decision, on record)",
                             pid,
                             p.verdict == TDKT__VERDICT__VERDICT_INELIGIBLE ? "ineligible"
                             : p.verdict == TDKT__VERDICT__VERDICT_DEFERRED ? "deferred"
                             : p.verdict == TDKT__VERDICT__VERDICT_BLOCKED  ? "blocked"
                                                                            : "open");
        rc = approval_limits(l, year, &p, f);
        if (rc < 0)
            return rc;
        *new_state = P_APPROVED;
        break;
    case TDKT__REVIEW_ACTION__REVIEW_ACTION_REJECT:
        if (p.state != P_PENDING)
            break;
        if (!reason)
            return fault_set(f, TDKT_EINVAL, "review_step.reason", "a rejection needs a reason");
        *new_state = P_REJECTED;
        break;
    case TDKT__REVIEW_ACTION__REVIEW_ACTION_CANCEL:
        if (p.state == P_APPROVED)
            *new_state = P_CANCELLED;
        break;
    case TDKT__REVIEW_ACTION__REVIEW_ACTION_DECIDE:
        if (p.state != P_APPROVED)
            break;
        if (!m->decision_no || !*m->decision_no || !m->decision_date ||
            !record_date_valid(m->decision_date) || !m->signer || !*m->signer)
            return fault_set(f, TDKT_EINVAL, "review_step.decision_no",
                             "a decision needs its number (\"123/QĐ-VKSTC\"), its date "
                             "(YYYY-MM-DD) and its signer");
        rc = decided_already(l, year, p.title, p.person, p.unit);
        if (rc < 0)
            return rc;
        if (rc)
            return fault_set(f, TDKT_ECONFLICT, "review_step.action",
                             "'%s' already holds that title for %lld by a decision in the "
                             "ledger (ONCE)",
                             p.person[0] ? p.person : p.unit, (long long)year);
        *new_state = P_DECIDED;
        break;
    case TDKT__REVIEW_ACTION__REVIEW_ACTION_ANNUL:
        if (p.state != P_DECIDED)
            break;
        if (!reason)
            return fault_set(f, TDKT_EINVAL, "review_step.reason",
                             "an annulment needs a reason (ONCE)");
        *new_state = P_ANNULLED;
        break;
    default:
        return fault_set(f, TDKT_EINVAL, "review_step.action", "not a review action");
    }
    if (!*new_state)
        return fault_set(f, TDKT_ECONFLICT, "review_step.action",
                         "proposal '%s' is %s; that step does not apply to it", pid,
                         pstate(p.state));
    snprintf(what, cap, "%s %s%s%s", pstate(*new_state), pid, reason ? ": " : "",
             reason ? m->reason : "");
    if (*new_state == P_DECIDED)
        snprintf(what, cap, "decided %s: Quyết định số %s, %s, %s", pid, m->decision_no,
                 m->decision_date, m->signer);
    return 0;
}

int review_step(struct ledger *l, int64_t now, const struct registry_unit *actor,
                Tdkt__ReviewStep *m, struct fault *f)
{
    sqlite3_stmt *st;
    int64_t state = 0, year = 0;
    uint64_t seq = 0;
    int rc, new_state = 0, sub_state = 0;
    const char *pid = m->proposal_id && *m->proposal_id ? m->proposal_id : NULL;
    char what[REVIEW_TEXT_MAX + 96];

    if (!m->submission_id || !record_code_valid(m->submission_id))
        return fault_set(f, TDKT_EINVAL, "review_step.submission_id", RECORD_CODE_RULE,
                         "a submission id");
    if (!text_ok(m->reason, 0) || !text_ok(m->decision_no, 0) || !text_ok(m->signer, 0))
        return fault_set(f, TDKT_EINVAL, "review_step", "a text field is not valid text");
    rc = sql_query(l, &st, "SELECT state, year FROM submissions WHERE id = ?1", "t",
                   m->submission_id ? m->submission_id : "");
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a submission");
    if (rc == 1) {
        state = sqlite3_column_int64(st, 0);
        year = sqlite3_column_int64(st, 1);
    }
    sql_done(st);
    if (rc == 0)
        return fault_set(f, TDKT_ENOTFOUND, "review_step.submission_id",
                         "submission '%s' does not exist",
                         m->submission_id ? m->submission_id : "");
    if (rc < 0)
        return rc;
    int reason = m->reason && *m->reason;

    switch (m->action) {
    case TDKT__REVIEW_ACTION__REVIEW_ACTION_RECEIVE:
        if (state != S_SUBMITTED)
            return fault_set(f, TDKT_ECONFLICT, "review_step.action",
                             "submission '%s' is %s; only a submitted one is received",
                             m->submission_id, sstate((int)state));
        sub_state = S_RECEIVED;
        snprintf(what, sizeof what, "received");
        break;
    case TDKT__REVIEW_ACTION__REVIEW_ACTION_RETURN: {
        int64_t decided = 0;
        if (!reason)
            return fault_set(f, TDKT_EINVAL, "review_step.reason",
                             "a returned dossier needs a reason the office can act on");
        if (state != S_SUBMITTED && state != S_RECEIVED)
            return fault_set(f, TDKT_ECONFLICT, "review_step.action",
                             "submission '%s' is %s; it cannot be returned", m->submission_id,
                             sstate((int)state));
        rc = sql_query(l, &st,
                       "SELECT count(*) FROM proposals WHERE submission = ?1 AND state IN (?2, ?3)",
                       "tii", m->submission_id, (int64_t)P_DECIDED, (int64_t)P_ANNULLED);
        if (rc == 0)
            rc = count(l, st, &decided);
        if (rc < 0)
            return rc;
        if (decided)
            return fault_set(f, TDKT_ECONFLICT, "review_step.action",
                             "submission '%s' has decided proposals; it cannot be returned",
                             m->submission_id);
        sub_state = S_RETURNED;
        snprintf(what, sizeof what, "returned: %s", m->reason);
        break;
    }
    default:
        rc = step_proposal(l, m, state, (uint32_t)year, &new_state, what, sizeof what, f);
        if (rc < 0)
            return rc;
    }

    rc = ledger_op_begin(l);
    if (rc < 0)
        return rc;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_REVIEW_STEP, &m->base, &seq);
    if (rc == 0 && sub_state)
        rc = sql_exec(l, "updating a submission",
                      "UPDATE submissions SET state = ?2, seq = ?3 WHERE id = ?1", "tii",
                      m->submission_id, (int64_t)sub_state, (int64_t)seq);
    if (rc == 0 && new_state)
        rc = sql_exec(l, "updating a proposal",
                      "UPDATE proposals SET state = ?3, seq = ?4,"
                      " reason = coalesce(?5, reason),"
                      " decision_no = CASE WHEN ?3 = 5 THEN ?6 ELSE decision_no END,"
                      " decision_date = CASE WHEN ?3 = 5 THEN ?7 ELSE decision_date END,"
                      " signer = CASE WHEN ?3 = 5 THEN ?8 ELSE signer END"
                      " WHERE submission = ?1 AND id = ?2",
                      "ttiitttt", m->submission_id, pid, (int64_t)new_state, (int64_t)seq,
                      reason ? m->reason : (const char *)NULL, m->decision_no, m->decision_date,
                      m->signer);
    if (rc == 0)
        rc = event(l, m->submission_id, seq, actor->code, what);
    return ledger_op_end(l, rc);
}

/* --- decisions on record ----------------------------------------------------------- */

int review_record(struct ledger *l, int64_t now, const struct registry_unit *actor,
                  Tdkt__DecisionRecord *m, struct fault *f)
{
    static const char field[] = "decision_record.proposal";
    const Tdkt__Proposal *p = m->proposal;
    char owner[LEDGER_UNIT_MAX + 1], what[REVIEW_TEXT_MAX + 160];
    sqlite3_stmt *st;
    int64_t n = 0;
    uint64_t seq = 0;
    int rc;

    if (!record_code_valid(m->record_id))
        return fault_set(f, TDKT_EINVAL, "decision_record.record_id",
                         "a record id of A-Z a-z 0-9 _ . - is required");
    if (m->year < RECORD_YEAR_MIN || m->year > RECORD_YEAR_MAX)
        return fault_set(f, TDKT_EINVAL, "decision_record.year", "the year must be %d..%d",
                         RECORD_YEAR_MIN, RECORD_YEAR_MAX);
    if (!p)
        return fault_set(f, TDKT_EINVAL, field, "the title and its person or unit are required");
    if (p->ballot_id && *p->ballot_id)
        return fault_set(f, TDKT_EINVAL, "decision_record.proposal.ballot_id",
                         "a decision on record names no ballot");
    if (!text_ok(m->decision_no, 1) || !m->decision_date || !record_date_valid(m->decision_date) ||
        !text_ok(m->signer, 1))
        return fault_set(f, TDKT_EINVAL, "decision_record.decision_no",
                         "a decision needs its number (\"45/QĐ-VKSTC\"), its date "
                         "(YYYY-MM-DD) and its signer");
    if (!text_ok(m->source, 1))
        return fault_set(f, TDKT_EINVAL, "decision_record.source",
                         "say where the decision is on file (the source is required)");
    if ((p->person_id && *p->person_id) == (p->unit_code && *p->unit_code))
        return fault_set(f, TDKT_EINVAL, field,
                         "name either a person (person_id) or a unit (unit_code)");
    rc = subject_owner(l, p, field, owner, f);
    if (rc == 0)
        rc = check_proposal(l, owner, p, field, f);
    if (rc < 0)
        return rc;
    rc = sql_query(l, &st, "SELECT count(*) FROM submissions WHERE id = ?1", "t", m->record_id);
    if (rc == 0)
        rc = count(l, st, &n);
    if (rc < 0)
        return rc;
    if (n)
        return fault_set(f, TDKT_ECONFLICT, "decision_record.record_id",
                         "'%s' is already a submission or a record", m->record_id);
    rc = decided_already(l, m->year, p->title, p->person_id ? p->person_id : "",
                         p->unit_code ? p->unit_code : "");
    if (rc < 0)
        return rc;
    if (rc)
        return fault_set(f, TDKT_ECONFLICT, field,
                         "'%s' already holds that title for %u by a decision in the ledger",
                         p->person_id && *p->person_id ? p->person_id : p->unit_code, m->year);

    rc = ledger_op_begin(l);
    if (rc < 0)
        return rc;
    {
        char *sent = m->office_code; /* the caller's, ignored */
        m->office_code = owner;      /* borrowed: the entry names the office */
        rc = ledger_append_msg(l, now, actor->code, ENTRY_DECISION_RECORD, &m->base, &seq);
        m->office_code = sent;
    }
    if (rc == 0)
        rc = sql_exec(l, "storing a record",
                      "INSERT INTO submissions(id, year, unit, state, revision, seq)"
                      " VALUES (?1, ?2, ?3, ?4, 1, ?5)",
                      "tutii", m->record_id, m->year, owner, (int64_t)S_RECEIVED, (int64_t)seq);
    if (rc == 0)
        rc = sql_exec(l, "storing a decision on record",
                      "INSERT INTO proposals(submission, id, title, person, unit, ballot, state,"
                      " verdict, decision_no, decision_date, signer, reason, seq)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, 0, ?7, ?8, ?9, ?10, ?11)",
                      "ttittitttti", m->record_id, p->proposal_id, (int64_t)p->title,
                      p->person_id && *p->person_id ? p->person_id : (const char *)NULL,
                      p->person_id && *p->person_id ? (const char *)NULL : p->unit_code,
                      (int64_t)P_DECIDED, m->decision_no, m->decision_date, m->signer, m->source,
                      (int64_t)seq);
    snprintf(what, sizeof what, "recorded decided %s: Quyết định số %s, %s, %s (%s)",
             p->proposal_id, m->decision_no, m->decision_date, m->signer, m->source);
    if (rc == 0)
        rc = event(l, m->record_id, seq, actor->code, what);
    return ledger_op_end(l, rc);
}
