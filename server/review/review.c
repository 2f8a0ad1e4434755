/* SPDX-License-Identifier: MIT */
/*
 * Submissions and review on the database thread. See review.h and
 * docs/review.md.
 */
#include "server/review/review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/eligibility.h"
#include "common/err.h"
#include "server/ledger/catalog.h"
#include "server/ledger/sql.h"
#include "server/review/review_facts.h"

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

static int append_msg(struct ledger *l, int64_t t, const char *actor, const char *kind,
                      const ProtobufCMessage *m, uint64_t *seq)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n ? n : 1);
    int rc;
    if (!buf)
        return TDKT_ENOMEM;
    protobuf_c_message_pack(m, buf);
    rc = ledger_append(l, t, actor, kind, buf, n, seq, NULL);
    free(buf);
    return rc;
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
                         char owner[LEDGER_UNIT_MAX + 1], struct record_fault *f)
{
    char unit[LEDGER_UNIT_MAX + 1];
    int person = p->person_id && *p->person_id, rc;

    if (person) {
        rc = catalog_person_unit(l, p->person_id, unit);
        if (rc == TDKT_ENOTFOUND)
            return record_fail(f, TDKT_ENOTFOUND, field, "person '%s' is not registered",
                               p->person_id);
    } else {
        snprintf(unit, sizeof unit, "%s", p->unit_code ? p->unit_code : "");
        rc = 0;
    }
    if (rc == 0)
        rc = catalog_unit_owner(l, unit, owner);
    if (rc == TDKT_ENOTFOUND)
        return record_fail(f, TDKT_ENOTFOUND, field, "unit '%s' is not registered", unit);
    return rc;
}

static int check_proposal(struct ledger *l, const char *office, const Tdkt__Proposal *p,
                          const char *field, struct record_fault *f)
{
    char owner[LEDGER_UNIT_MAX + 1];
    int person = p->person_id && *p->person_id, rc;

    if (!record_code_valid(p->proposal_id))
        return record_fail(f, TDKT_EINVAL, field, "a proposal id is required");
    if (p->title <= 0 || p->title > TDKT__TITLE__TITLE_HCLD_3)
        return record_fail(f, TDKT_EINVAL, field, "not a title");
    if (person == (p->unit_code && *p->unit_code))
        return record_fail(f, TDKT_EINVAL, field,
                           "name either a person (person_id) or a unit (unit_code)");
    if (person ? !title_for_person(p->title) : !title_for_unit(p->title))
        return record_fail(f, TDKT_EINVAL, field, "title %d is not given to a %s", p->title,
                           person ? "person" : "unit");
    rc = subject_owner(l, p, field, owner, f);
    if (rc < 0)
        return rc;
    if (strcmp(owner, office) != 0)
        return record_fail(f, TDKT_EPERM, field,
                           "'%s' belongs to '%s', not to the submitting office '%s'",
                           person ? p->person_id : p->unit_code, owner, office);
    if (p->ballot_id && *p->ballot_id && !record_code_valid(p->ballot_id))
        return record_fail(f, TDKT_EINVAL, field, "not a ballot id");
    if (!text_ok(p->note, 0))
        return record_fail(f, TDKT_EINVAL, field, "the note is not valid text");
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
    char (*whys)[ELIG_WHY_MAX];
    char (*sets)[RECORD_CODE_MAX + 1];
};

static int verdict_record(void *arg, size_t i, const struct elig_verdict *v)
{
    struct judged *j = arg;
    Tdkt__ProposalVerdict *pv = &j->vs[i];

    tdkt__proposal_verdict__init(pv);
    j->vp[i] = pv;
    pv->proposal_id = j->ps[i]->proposal_id;
    pv->verdict = (Tdkt__Verdict)(v->outcome + 1);
    pv->rule = (char *)(v->outcome == ELIG_POLICY && v->key && *v->key ? v->key : v->rule);
    snprintf(j->whys[i], ELIG_WHY_MAX, "%s", v->why);
    pv->why = j->whys[i];
    /* The set this proposal consulted; "" when it needed no rule value. */
    snprintf(j->sets[i], sizeof j->sets[i], "%s", j->fr->ruleset);
    pv->ruleset = j->sets[i];
    j->fr->ruleset[0] = '\0';
    return sql_exec(j->l, "recording a verdict",
                    "UPDATE proposals SET verdict = ?3, rule = ?4, why = ?5, ruleset = ?6"
                    " WHERE submission = ?1 AND id = ?2",
                    "ttittt", j->sub, pv->proposal_id, (int64_t)pv->verdict, pv->rule, pv->why,
                    pv->ruleset);
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
    j.whys = calloc(n ? n : 1, sizeof *j.whys);
    j.sets = calloc(n ? n : 1, sizeof *j.sets);
    if (!v || !j.vs || !j.vp || !j.whys || !j.sets) {
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
    rc = append_msg(l, now, REVIEW_ACTOR, "submission.verdicts", &sv.base, &seq);
    if (rc == 0)
        rc = event(l, sub, seq, REVIEW_ACTOR, "eligibility judged");
out:
    free(v);
    free(j.vs);
    free(j.vp);
    free(j.whys);
    free(j.sets);
    return rc;
}

int review_submit(struct ledger *l, int64_t now, const struct registry_unit *actor,
                  Tdkt__SubmissionPut *m, struct record_fault *f)
{
    sqlite3_stmt *st;
    uint64_t seq = 0;
    int64_t state = 0, revision = 0, period = 0;
    int rc, exists;
    char what[96];

    if (!record_code_valid(m->submission_id))
        return record_fail(f, TDKT_EINVAL, "submission_put.submission_id",
                           "a submission id is required");
    if (!record_year_valid(m->year))
        return record_fail(f, TDKT_EINVAL, "submission_put.year", "year must be %d to %d",
                           RECORD_YEAR_MIN, RECORD_YEAR_MAX);
    if (!m->unit_code || strcmp(m->unit_code, actor->code) != 0)
        return record_fail(f, TDKT_EPERM, "submission_put.unit_code",
                           "an office submits its own dossier: '%s' is not '%s'",
                           m->unit_code ? m->unit_code : "", actor->code);
    if (m->n_proposals == 0 || m->n_proposals > REVIEW_PROPOSALS_MAX)
        return record_fail(f, TDKT_EINVAL, "submission_put.proposals",
                           "a dossier holds 1 to %d proposals", REVIEW_PROPOSALS_MAX);
    if (!text_ok(m->note, 0))
        return record_fail(f, TDKT_EINVAL, "submission_put.note", "the note is not valid text");
    rc = catalog_period_state(l, m->year, (int *)&period);
    if (rc == TDKT_ENOTFOUND)
        return record_fail(f, TDKT_ENOTFOUND, "submission_put.year",
                           "no emulation period is registered for %u", m->year);
    if (rc < 0)
        return rc;
    /* A closed period takes no more dossiers (nor resubmissions); the
     * council's steps on what it already holds go on (review_step). */
    if (period != TDKT__PERIOD_STATE__PERIOD_STATE_OPEN)
        return record_fail(f, TDKT_EPERIOD, "submission_put.year",
                           "the %u emulation period is closed; it takes no more dossiers", m->year);
    for (size_t i = 0; i < m->n_proposals; i++) {
        char field[RECORD_FIELD_MAX];
        snprintf(field, sizeof field, "submission_put.proposals[%zu]", i);
        rc = check_proposal(l, actor->code, m->proposals[i], field, f);
        if (rc < 0)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->proposals[i]->proposal_id, m->proposals[j]->proposal_id) == 0)
                return record_fail(f, TDKT_EINVAL, "submission_put.proposals",
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
            return record_fail(f, TDKT_ECONFLICT, "submission_put.submission_id",
                               "submission '%s' belongs to another office", m->submission_id);
        if (state != S_RETURNED)
            return record_fail(f, TDKT_ECONFLICT, "submission_put.submission_id",
                               "submission '%s' is %s; it can be revised only after the central "
                               "office returns it",
                               m->submission_id, sstate((int)state));
    } else {
        sql_done(st);
    }
    rc = ledger_op_begin(l);
    if (rc < 0)
        return rc;
    rc = append_msg(l, now, actor->code, "submission.put", &m->base, &seq);
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
                           struct record_fault *f)
{
    struct review_facts_rules fr = {l, year, ""};
    struct elig_rules rules = {review_facts_rule_get, &fr};
    struct elig_verdict v;
    sqlite3_stmt *st;
    int64_t n = 0, granted = 0;
    int rc;

    if (p->title == TDKT__TITLE__TITLE_TTLDXS) {
        double pct;
        rc = catalog_rule_value(l, year, "ttldxs.quota_pct", &pct, fr.ruleset);
        if (rc == TDKT_ENOTFOUND)
            return record_fail(f, TDKT_ECONFLICT, "review_step",
                               "the rule set in force for %u gives no ttldxs.quota_pct: the "
                               "quota is a policy decision to record first",
                               year);
        if (rc < 0)
            return rc;
        rc = sql_query(l, &st,
                       "SELECT count(DISTINCT p.unit) FROM proposals p JOIN submissions s"
                       " ON p.submission = s.id WHERE s.year = ?1 AND p.person IS NULL AND"
                       " p.title IN (?2, ?3) AND p.state IN (?4, ?5)",
                       "uiiii", year, (int64_t)TDKT__TITLE__TITLE_TTLDTT,
                       (int64_t)TDKT__TITLE__TITLE_TTLDXS, (int64_t)P_APPROVED, (int64_t)P_DECIDED);
        if (rc == 0)
            rc = count(l, st, &n);
        if (rc == 0)
            rc = sql_query(l, &st,
                           "SELECT count(*) FROM proposals p JOIN submissions s ON"
                           " p.submission = s.id WHERE s.year = ?1 AND p.person IS NULL AND"
                           " p.title = ?2 AND p.state IN (?3, ?4)",
                           "uiii", year, (int64_t)TDKT__TITLE__TITLE_TTLDXS, (int64_t)P_APPROVED,
                           (int64_t)P_DECIDED);
        if (rc == 0)
            rc = count(l, st, &granted);
        if (rc < 0)
            return rc;
        /* This unit counts among the TTLĐTT units once approved. */
        unsigned quota = elig_ttldxs_quota((unsigned)n + 1, pct);
        if ((unsigned)granted + 1 > quota)
            return record_fail(f, TDKT_ECONFLICT, "review_step",
                               "TTLDXS quota: %u of %lld units rated TTLĐTT in %u may be TTLĐXS "
                               "(%g%%, at least one), and %lld are already approved or decided",
                               quota, (long long)n + 1, year, pct, (long long)granted);
    }
    if (p->title == TDKT__TITLE__TITLE_CO_NGANH) {
        char cluster[RECORD_CODE_MAX + 1];
        rc = catalog_unit_cluster(l, year, p->unit, cluster);
        if (rc == TDKT_ENOTFOUND)
            return record_fail(f, TDKT_ECONFLICT, "review_step",
                               "'%s' is in no cluster in %u: no Cờ thi đua ngành (CO-NGANH)",
                               p->unit, year);
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
            return record_fail(f, TDKT_ECONFLICT, "review_step", "%s", v.why);
    }
    return 0;
}

int review_step(struct ledger *l, int64_t now, const struct registry_unit *actor,
                Tdkt__ReviewStep *m, struct record_fault *f)
{
    sqlite3_stmt *st;
    struct prop_row p;
    int64_t state = 0, year = 0;
    uint64_t seq = 0;
    int rc, new_state = 0, sub_state = 0;
    const char *pid = m->proposal_id && *m->proposal_id ? m->proposal_id : NULL;
    char what[REVIEW_TEXT_MAX + 96];

    if (!m->submission_id || !record_code_valid(m->submission_id))
        return record_fail(f, TDKT_EINVAL, "review_step.submission_id", RECORD_CODE_RULE,
                           "a submission id");
    if (actor->role != REGISTRY_ROLE_CENTRAL)
        return record_fail(f, TDKT_EPERM, "review_step",
                           "only the central office reviews submissions");
    if (!text_ok(m->reason, 0) || !text_ok(m->decision_no, 0) || !text_ok(m->signer, 0))
        return record_fail(f, TDKT_EINVAL, "review_step", "a text field is not valid text");
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
        return record_fail(f, TDKT_ENOTFOUND, "review_step.submission_id",
                           "submission '%s' does not exist",
                           m->submission_id ? m->submission_id : "");
    if (rc < 0)
        return rc;
    int reason = m->reason && *m->reason;

    switch (m->action) {
    case TDKT__REVIEW_ACTION__REVIEW_ACTION_RECEIVE:
        if (state != S_SUBMITTED)
            return record_fail(f, TDKT_ECONFLICT, "review_step.action",
                               "submission '%s' is %s; only a submitted one is received",
                               m->submission_id, sstate((int)state));
        sub_state = S_RECEIVED;
        snprintf(what, sizeof what, "received");
        break;
    case TDKT__REVIEW_ACTION__REVIEW_ACTION_RETURN: {
        int64_t decided = 0;
        if (!reason)
            return record_fail(f, TDKT_EINVAL, "review_step.reason",
                               "a returned dossier needs a reason the office can act on");
        if (state != S_SUBMITTED && state != S_RECEIVED)
            return record_fail(f, TDKT_ECONFLICT, "review_step.action",
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
            return record_fail(f, TDKT_ECONFLICT, "review_step.action",
                               "submission '%s' has decided proposals; it cannot be returned",
                               m->submission_id);
        sub_state = S_RETURNED;
        snprintf(what, sizeof what, "returned: %s", m->reason);
        break;
    }
    default:
        if (!pid)
            return record_fail(f, TDKT_EINVAL, "review_step.proposal_id",
                               "this step names a proposal");
        rc = prop_get(l, m->submission_id, pid, &p);
        if (rc == TDKT_ENOTFOUND)
            return record_fail(f, TDKT_ENOTFOUND, "review_step.proposal_id",
                               "submission '%s' has no proposal '%s'", m->submission_id, pid);
        if (rc < 0)
            return rc;
        if (state != S_RECEIVED)
            return record_fail(f, TDKT_ECONFLICT, "review_step.action",
                               "submission '%s' is %s; proposals are reviewed once it is received",
                               m->submission_id, sstate((int)state));
        switch (m->action) {
        case TDKT__REVIEW_ACTION__REVIEW_ACTION_APPROVE:
            if (p.state != P_PENDING && p.state != P_CANCELLED)
                break;
            if (p.verdict != TDKT__VERDICT__VERDICT_ELIGIBLE && !reason)
                return record_fail(f, TDKT_EINVAL, "review_step.reason",
                                   "proposal '%s' was judged %s: approving it needs a reason "
                                   "(the council's decision, on record)",
                                   pid,
                                   p.verdict == TDKT__VERDICT__VERDICT_INELIGIBLE ? "ineligible"
                                   : p.verdict == TDKT__VERDICT__VERDICT_DEFERRED ? "deferred"
                                   : p.verdict == TDKT__VERDICT__VERDICT_BLOCKED  ? "blocked"
                                                                                  : "open");
            rc = approval_limits(l, (uint32_t)year, &p, f);
            if (rc < 0)
                return rc;
            new_state = P_APPROVED;
            break;
        case TDKT__REVIEW_ACTION__REVIEW_ACTION_REJECT:
            if (p.state != P_PENDING)
                break;
            if (!reason)
                return record_fail(f, TDKT_EINVAL, "review_step.reason",
                                   "a rejection needs a reason");
            new_state = P_REJECTED;
            break;
        case TDKT__REVIEW_ACTION__REVIEW_ACTION_CANCEL:
            if (p.state == P_APPROVED)
                new_state = P_CANCELLED;
            break;
        case TDKT__REVIEW_ACTION__REVIEW_ACTION_DECIDE:
            if (p.state != P_APPROVED)
                break;
            if (!m->decision_no || !*m->decision_no || !m->decision_date ||
                !record_date_valid(m->decision_date) || !m->signer || !*m->signer)
                return record_fail(f, TDKT_EINVAL, "review_step.decision_no",
                                   "a decision needs its number (\"123/QĐ-VKSTC\"), its date "
                                   "(YYYY-MM-DD) and its signer");
            rc = decided_already(l, (uint32_t)year, p.title, p.person, p.unit);
            if (rc < 0)
                return rc;
            if (rc)
                return record_fail(f, TDKT_ECONFLICT, "review_step.action",
                                   "'%s' already holds that title for %lld by a decision in the "
                                   "ledger (ONCE)",
                                   p.person[0] ? p.person : p.unit, (long long)year);
            new_state = P_DECIDED;
            break;
        case TDKT__REVIEW_ACTION__REVIEW_ACTION_ANNUL:
            if (p.state != P_DECIDED)
                break;
            if (!reason)
                return record_fail(f, TDKT_EINVAL, "review_step.reason",
                                   "an annulment needs a reason (ONCE)");
            new_state = P_ANNULLED;
            break;
        default:
            return record_fail(f, TDKT_EINVAL, "review_step.action", "not a review action");
        }
        if (!new_state)
            return record_fail(f, TDKT_ECONFLICT, "review_step.action",
                               "proposal '%s' is %s; that step does not apply to it", pid,
                               pstate(p.state));
        snprintf(what, sizeof what, "%s %s%s%s", pstate(new_state), pid, reason ? ": " : "",
                 reason ? m->reason : "");
        if (new_state == P_DECIDED)
            snprintf(what, sizeof what, "decided %s: Quyết định số %s, %s, %s", pid, m->decision_no,
                     m->decision_date, m->signer);
    }

    rc = ledger_op_begin(l);
    if (rc < 0)
        return rc;
    rc = append_msg(l, now, actor->code, "review.step", &m->base, &seq);
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
                  Tdkt__DecisionRecord *m, struct record_fault *f)
{
    static const char field[] = "decision_record.proposal";
    const Tdkt__Proposal *p = m->proposal;
    char owner[LEDGER_UNIT_MAX + 1], what[REVIEW_TEXT_MAX + 160];
    sqlite3_stmt *st;
    int64_t n = 0;
    uint64_t seq = 0;
    int rc;

    if (actor->role != REGISTRY_ROLE_CENTRAL)
        return record_fail(f, TDKT_EPERM, "decision_record",
                           "only the central office records decisions from its files");
    if (!record_code_valid(m->record_id))
        return record_fail(f, TDKT_EINVAL, "decision_record.record_id",
                           "a record id of A-Z a-z 0-9 _ . - is required");
    if (m->year < RECORD_YEAR_MIN || m->year > RECORD_YEAR_MAX)
        return record_fail(f, TDKT_EINVAL, "decision_record.year", "the year must be %d..%d",
                           RECORD_YEAR_MIN, RECORD_YEAR_MAX);
    if (!p)
        return record_fail(f, TDKT_EINVAL, field, "the title and its person or unit are required");
    if (p->ballot_id && *p->ballot_id)
        return record_fail(f, TDKT_EINVAL, "decision_record.proposal.ballot_id",
                           "a decision on record names no ballot");
    if (!text_ok(m->decision_no, 1) || !m->decision_date || !record_date_valid(m->decision_date) ||
        !text_ok(m->signer, 1))
        return record_fail(f, TDKT_EINVAL, "decision_record.decision_no",
                           "a decision needs its number (\"45/QĐ-VKSTC\"), its date "
                           "(YYYY-MM-DD) and its signer");
    if (!text_ok(m->source, 1))
        return record_fail(f, TDKT_EINVAL, "decision_record.source",
                           "say where the decision is on file (the source is required)");
    if ((p->person_id && *p->person_id) == (p->unit_code && *p->unit_code))
        return record_fail(f, TDKT_EINVAL, field,
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
        return record_fail(f, TDKT_ECONFLICT, "decision_record.record_id",
                           "'%s' is already a submission or a record", m->record_id);
    rc = decided_already(l, m->year, p->title, p->person_id ? p->person_id : "",
                         p->unit_code ? p->unit_code : "");
    if (rc < 0)
        return rc;
    if (rc)
        return record_fail(f, TDKT_ECONFLICT, field,
                           "'%s' already holds that title for %u by a decision in the ledger",
                           p->person_id && *p->person_id ? p->person_id : p->unit_code, m->year);

    rc = ledger_op_begin(l);
    if (rc < 0)
        return rc;
    {
        char *sent = m->office_code; /* the caller's, ignored */
        m->office_code = owner;      /* borrowed: the entry names the office */
        rc = append_msg(l, now, actor->code, "decision.record", &m->base, &seq);
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

/* --- reads ------------------------------------------------------------------------- */

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

/* The statuses of a submission's proposals, malloc'd (free_statuses). */
static int load_statuses(struct ledger *l, const char *sub, Tdkt__ProposalStatus ***out, size_t *n)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc = sql_query(l, &st,
                       "SELECT p.id, p.title, coalesce(p.person, ''), coalesce(p.unit, ''),"
                       " coalesce(p.ballot, ''), p.state, p.verdict, coalesce(p.rule, ''),"
                       " coalesce(p.why, ''), coalesce(p.ruleset, ''),"
                       " coalesce(p.decision_no, ''), coalesce(p.decision_date, ''),"
                       " coalesce(p.signer, ''), coalesce(p.reason, ''),"
                       " coalesce((SELECT name FROM persons WHERE id = p.person),"
                       "          (SELECT name FROM units WHERE code = p.unit), '')"
                       " FROM proposals p WHERE p.submission = ?1 ORDER BY p.id",
                       "t", sub);
    *out = NULL;
    *n = 0;
    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "reading proposals")) == 1) {
        Tdkt__ProposalStatus *s = calloc(1, sizeof *s);
        Tdkt__Proposal *p = calloc(1, sizeof *p);
        Tdkt__ProposalVerdict *v = calloc(1, sizeof *v);
        if (*n == cap) {
            void *q = realloc(*out, (cap ? cap * 2 : 16) * sizeof **out);
            if (!q) {
                free(s), free(p), free(v);
                rc = TDKT_ENOMEM;
                break;
            }
            *out = q;
            cap = cap ? cap * 2 : 16;
        }
        if (!s || !p || !v) {
            free(s), free(p), free(v);
            rc = TDKT_ENOMEM;
            break;
        }
        tdkt__proposal_status__init(s);
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
        (*out)[(*n)++] = s;
    }
    sql_done(st);
    return rc < 0 ? rc : 0;
}

static void free_statuses(Tdkt__ProposalStatus **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (s[i])
            tdkt__proposal_status__free_unpacked(s[i], NULL);
    free(s);
}

static int may_see(struct ledger *l, const struct registry_unit *actor, const char *unit)
{
    (void)l;
    return actor->role == REGISTRY_ROLE_CENTRAL || strcmp(actor->code, unit) == 0;
}

int review_get(struct ledger *l, const struct registry_unit *actor, const char *id,
               Tdkt__SubmissionInfo **out, struct record_fault *f)
{
    Tdkt__SubmissionInfo info = TDKT__SUBMISSION_INFO__INIT;
    Tdkt__SubmissionPut *put = NULL, record = TDKT__SUBMISSION_PUT__INIT;
    uint32_t year = 0;
    Tdkt__ProposalStatus **ps = NULL;
    Tdkt__ReviewEvent **ev = NULL;
    size_t nps = 0, nev = 0, cap = 0;
    sqlite3_stmt *st;
    char unit[LEDGER_UNIT_MAX + 1] = "";
    int64_t seq = 0;
    int rc;

    /* A string that cannot be an id is the caller's mistake, not a missing
     * submission: INVALID_ARGUMENT, as for every id (docs/protocol.md §10). */
    if (!id || !record_code_valid(id))
        return record_fail(f, TDKT_EINVAL, "submission_get.submission_id", RECORD_CODE_RULE,
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
        return record_fail(f, TDKT_ENOTFOUND, "submission_get.submission_id",
                           "submission '%s' does not exist", id);
    if (rc < 0)
        return rc;
    if (!may_see(l, actor, unit))
        return record_fail(f, TDKT_EPERM, "submission_get.submission_id",
                           "submission '%s' is '%s''s; only it and the central office see it", id,
                           unit);
    /* The last submission.put of this submission holds its dossier. */
    rc = sql_query(l, &st,
                   "SELECT payload FROM ledger WHERE kind = 'submission.put' AND seq <= ?1"
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
        rc = sql_query(l, &st,
                       "SELECT seq, time_ms, actor, what FROM review_events WHERE submission = ?1"
                       " ORDER BY seq",
                       "t", id);
    while (rc == 0 && sql_step(l, st, "reading events") == 1) {
        Tdkt__ReviewEvent *e = calloc(1, sizeof *e);
        if (nev == cap) {
            void *q = realloc(ev, (cap ? cap * 2 : 16) * sizeof *ev);
            if (!q) {
                free(e);
                rc = TDKT_ENOMEM;
                break;
            }
            ev = q;
            cap = cap ? cap * 2 : 16;
        }
        if (!e) {
            rc = TDKT_ENOMEM;
            break;
        }
        tdkt__review_event__init(e);
        e->seq = (uint64_t)sqlite3_column_int64(st, 0);
        e->time_ms = sqlite3_column_int64(st, 1);
        e->actor = col_dup(st, 2);
        e->what = col_dup(st, 3);
        ev[nev++] = e;
    }
    if (rc == 0)
        sql_done(st);
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
    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "listing submissions")) == 1) {
        Tdkt__SubmissionSummary *s = calloc(1, sizeof *s);
        if (n == cap) {
            void *q = realloc(items, (cap ? cap * 2 : 16) * sizeof *items);
            if (!q) {
                free(s);
                rc = TDKT_ENOMEM;
                break;
            }
            items = q;
            cap = cap ? cap * 2 : 16;
        }
        if (!s) {
            rc = TDKT_ENOMEM;
            break;
        }
        tdkt__submission_summary__init(s);
        s->submission_id = col_dup(st, 0);
        s->year = (uint32_t)sqlite3_column_int64(st, 1);
        s->unit_code = col_dup(st, 2);
        s->state = (Tdkt__SubmissionState)sqlite3_column_int(st, 3);
        s->revision = (uint32_t)sqlite3_column_int64(st, 4);
        s->proposals = (uint32_t)sqlite3_column_int64(st, 5);
        s->pending = (uint32_t)sqlite3_column_int64(st, 6);
        s->decided = (uint32_t)sqlite3_column_int64(st, 7);
        items[n++] = s;
    }
    sql_done(st);
    if (rc >= 0) {
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

static int push_item(Tdkt__HistoryItem ***items, size_t *n, size_t *cap, uint32_t year,
                     const char *kind, const char *value, const char *ref)
{
    Tdkt__HistoryItem *h;
    if (*n == *cap) {
        void *q = realloc(*items, (*cap ? *cap * 2 : 16) * sizeof **items);
        if (!q)
            return TDKT_ENOMEM;
        *items = q;
        *cap = *cap ? *cap * 2 : 16;
    }
    h = calloc(1, sizeof *h);
    if (!h)
        return TDKT_ENOMEM;
    tdkt__history_item__init(h);
    h->year = year;
    h->kind = strdup(kind);
    h->value = strdup(value);
    h->ref = strdup(ref);
    (*items)[(*n)++] = h;
    return h->kind && h->value && h->ref ? 0 : TDKT_ENOMEM;
}

int review_history(struct ledger *l, const struct registry_unit *actor, const Tdkt__HistoryGet *m,
                   Tdkt__HistoryReply **out, struct record_fault *f)
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
        return record_fail(f, TDKT_EINVAL, "history_get", "name a person or a unit");
    if (person && !record_code_valid(person))
        return record_fail(f, TDKT_EINVAL, "history_get.person_id", RECORD_CODE_RULE,
                           "a person id");
    if (unit && !record_unit_code_valid(unit))
        return record_fail(f, TDKT_EINVAL, "history_get.unit_code", RECORD_UNIT_CODE_RULE);
    rc = person ? catalog_person_unit(l, person, where) : 0;
    if (!person)
        snprintf(where, sizeof where, "%s", unit);
    if (rc == 0)
        rc = catalog_unit_owner(l, where, owner);
    if (rc == TDKT_ENOTFOUND)
        return record_fail(f, TDKT_ENOTFOUND, "history_get", "'%s' is not registered",
                           person ? person : unit);
    if (rc < 0)
        return rc;
    if (!may_see(l, actor, owner))
        return record_fail(f, TDKT_EPERM, "history_get",
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
                           lab ? lab->code : "?", "");
    }
    sql_done(st);
    /* Titles decided (and annulled), from the review. */
    if (rc == 0)
        rc = sql_query(l, &st,
                       "SELECT s.year, p.title, p.state, coalesce(p.decision_no, ''),"
                       " coalesce(p.reason, '') FROM proposals p JOIN submissions s"
                       " ON p.submission = s.id WHERE p.state IN (5, 6) AND"
                       " ((?1 IS NOT NULL AND p.person = ?1) OR"
                       " (?1 IS NULL AND p.person IS NULL AND p.unit = ?2)) ORDER BY s.year",
                       "tt", person, unit);
    while (rc == 0 && sql_step(l, st, "reading titles") == 1) {
        const struct record_label *lab = record_label_of(record_titles, sqlite3_column_int(st, 1));
        int annulled = sqlite3_column_int(st, 2) == P_ANNULLED;
        char ref[REVIEW_TEXT_MAX + 32];
        snprintf(ref, sizeof ref, "Quyết định số %.200s%s%.200s",
                 (const char *)sqlite3_column_text(st, 3), annulled ? "; annulled: " : "",
                 annulled ? (const char *)sqlite3_column_text(st, 4) : "");
        rc = push_item(&items, &n, &cap, (uint32_t)sqlite3_column_int64(st, 0),
                       annulled ? "annulled" : "title", lab ? lab->code : "?", ref);
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

int review_report(struct ledger *l, const struct registry_unit *actor, uint32_t year,
                  Tdkt__ReportReply **out, struct record_fault *f)
{
    Tdkt__ReportReply r = TDKT__REPORT_REPLY__INIT;
    Tdkt__StandingRow **rows = NULL;
    Tdkt__ProposalStatus **ps = NULL;
    char **units = NULL, **unames = NULL;
    Tdkt__SubmissionState *sstates = NULL;
    size_t nrows = 0, caprows = 0, nps = 0, capps = 0;
    sqlite3_stmt *st;
    int rc;

    *out = NULL;
    if (actor->role != REGISTRY_ROLE_CENTRAL)
        return record_fail(f, TDKT_EPERM, "report_get", "reports are the central office's");
    /* Standings: every member of every cluster of the year. */
    rc = sql_query(l, &st,
                   "SELECT c.code, c.name, m.unit, u.name FROM clusters c"
                   " JOIN cluster_members m ON m.year = c.year AND m.cluster = c.code"
                   " JOIN units u ON u.code = m.unit WHERE c.year = ?1 ORDER BY c.code, m.unit",
                   "u", year);
    while (rc == 0 && sql_step(l, st, "reading clusters") == 1) {
        Tdkt__StandingRow *s = calloc(1, sizeof *s);
        if (nrows == caprows) {
            void *q = realloc(rows, (caprows ? caprows * 2 : 16) * sizeof *rows);
            if (!q) {
                free(s);
                rc = TDKT_ENOMEM;
                break;
            }
            rows = q;
            caprows = caprows ? caprows * 2 : 16;
        }
        if (!s) {
            rc = TDKT_ENOMEM;
            break;
        }
        tdkt__standing_row__init(s);
        s->cluster_code = col_dup(st, 0);
        s->cluster_name = col_dup(st, 1);
        s->unit_code = col_dup(st, 2);
        s->unit_name = col_dup(st, 3);
        rows[nrows++] = s;
    }
    sql_done(st);
    for (size_t i = 0; rc == 0 && i < nrows; i++) {
        Tdkt__StandingRow *s = rows[i];
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
                      " AND kind IN ('score', 'target', 'task') AND removed = 0",
                      "tu", s->unit_code, year) == 0) {
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
                if (rr->item_case == TDKT__RESULT_RECORD__ITEM_TASK) {
                    s->tasks_planned += rr->task->origin == TDKT__TASK_ORIGIN__TASK_ORIGIN_ASSIGNED;
                    s->tasks_done += rr->task->done != 0;
                }
                tdkt__result_record__free_unpacked(rr, NULL);
            }
            sql_done(q);
        }
    }
    /* Proposals and decisions of the year, with their office. */
    if (rc == 0)
        rc = sql_query(l, &st,
                       "SELECT s.id, s.unit, u.name, s.state FROM submissions s JOIN units u"
                       " ON u.code = s.unit WHERE s.year = ?1 ORDER BY s.unit, s.id",
                       "u", year);
    while (rc == 0 && sql_step(l, st, "reading submissions") == 1) {
        Tdkt__ProposalStatus **one = NULL;
        size_t n1 = 0;
        char sid[RECORD_CODE_MAX + 1], su[LEDGER_UNIT_MAX + 1], sn[RECORD_NAME_MAX + 1];
        sql_col_text(st, 0, sid, sizeof sid);
        sql_col_text(st, 1, su, sizeof su);
        sql_col_text(st, 2, sn, sizeof sn);
        Tdkt__SubmissionState sstate = (Tdkt__SubmissionState)sqlite3_column_int(st, 3);
        rc = load_statuses(l, sid, &one, &n1);
        for (size_t i = 0; rc == 0 && i < n1; i++) {
            if (nps == capps) {
                size_t c2 = capps ? capps * 2 : 16;
                void *a = realloc(ps, c2 * sizeof *ps), *b = NULL, *c = NULL;
                if (a)
                    ps = a;
                b = realloc(units, c2 * sizeof *units);
                if (b)
                    units = b;
                c = realloc(unames, c2 * sizeof *unames);
                if (c)
                    unames = c;
                void *d = realloc(sstates, c2 * sizeof *sstates);
                if (d)
                    sstates = d;
                if (!a || !b || !c || !d) {
                    rc = TDKT_ENOMEM;
                    break;
                }
                capps = c2;
            }
            ps[nps] = one[i];
            units[nps] = strdup(su);
            unames[nps] = strdup(sn);
            sstates[nps] = sstate;
            one[i] = NULL;
            nps++;
        }
        free_statuses(one, n1);
    }
    sql_done(st);
    if (rc == 0) {
        r.year = year;
        r.standings = rows;
        r.n_standings = nrows;
        r.proposals = ps;
        r.n_proposals = nps;
        r.proposal_units = units;
        r.n_proposal_units = nps;
        r.proposal_unit_names = unames;
        r.n_proposal_unit_names = nps;
        r.proposal_submission_states = sstates;
        r.n_proposal_submission_states = nps;
        r.requested_by = (char *)actor->code;
        DETACH(Tdkt__ReportReply, tdkt__report_reply, &r, out);
        rc = *out ? 0 : TDKT_ENOMEM;
    }
    for (size_t i = 0; i < nrows; i++)
        tdkt__standing_row__free_unpacked(rows[i], NULL);
    free(rows);
    free_statuses(ps, nps);
    for (size_t i = 0; i < nps; i++) {
        free(units[i]);
        free(unames[i]);
    }
    free(units);
    free(unames);
    free(sstates);
    return rc;
}
