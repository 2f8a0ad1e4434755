/* SPDX-License-Identifier: MIT */
/*
 * The review state machine (server/review/review.h, docs/review.md §1)
 * driven directly against a real ledger, one step per transaction as the
 * database thread runs a write: an office's dossier is judged at
 * submission; the central office receives it or returns it (the office
 * resubmits, revision 2), approves, rejects, decides and annuls proposals;
 * a decision from the files is recorded. Every step out of order is
 * refused with the documented code and field, and a refused step appends
 * nothing by itself (checked before the transaction is rolled back).
 */
#include "ledger_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "server/results/results.h"
#include "server/review/review.h"

#define YEAR 2021
#define T1   1800000000000 /* the time of the tests' steps, ms */

/* VKSCC1's people, the 2020 period closed and 2021 open, and the LĐTT
 * rules of a rule set in force since 2019. */
static const char registry_json[] =
    "{\"persons\":[{\"id\":\"CC1-001\",\"name\":\"Nguyễn Văn An\",\"unit\":\"VKSCC1\"},"
    "{\"id\":\"CC1-002\",\"name\":\"Trần Thị Bình\",\"unit\":\"VKSCC1\"},"
    "{\"id\":\"CC1-003\",\"name\":\"Lê Văn Chung\",\"unit\":\"VKSCC1\"}],"
    "\"periods\":[{\"year\":2021,\"state\":\"open\"},{\"year\":2020,\"state\":\"closed\"}],"
    "\"rules\":[{\"code\":\"LDTT-2019\",\"name\":\"Quy tắc "
    "LĐTT\",\"effective_from\":\"2019-01-01\","
    "\"values\":[{\"key\":\"ldtt.min_months_recruited\",\"value\":6},"
    "{\"key\":\"ldtt.leave_months_min\",\"value\":3},"
    "{\"key\":\"ldtt.leave_months_max\",\"value\":6},"
    "{\"key\":\"ldtt.discipline_min\",\"value\":1}]}]}";

#define A_RECEIVE TDKT__REVIEW_ACTION__REVIEW_ACTION_RECEIVE
#define A_RETURN  TDKT__REVIEW_ACTION__REVIEW_ACTION_RETURN
#define A_APPROVE TDKT__REVIEW_ACTION__REVIEW_ACTION_APPROVE
#define A_REJECT  TDKT__REVIEW_ACTION__REVIEW_ACTION_REJECT
#define A_CANCEL  TDKT__REVIEW_ACTION__REVIEW_ACTION_CANCEL
#define A_DECIDE  TDKT__REVIEW_ACTION__REVIEW_ACTION_DECIDE
#define A_ANNUL   TDKT__REVIEW_ACTION__REVIEW_ACTION_ANNUL

/* A call's outcome as the office would read it. */
struct outcome {
    int rc;
    struct fault f;
};

enum review_call { CALL_SUBMIT, CALL_STEP, CALL_RECORD };

/* Run one review call as a write of its own, at a time after the last:
 * committed when it succeeds; when refused, the height is checked inside
 * the transaction (the call itself appended nothing), then rolled back. */
static struct outcome write_one(struct tu_ledger *t, const struct registry_unit *actor,
                                enum review_call call, void *m)
{
    static int64_t now = T1;
    struct outcome o;
    uint64_t before;

    memset(&o, 0, sizeof o);
    now += 1000;
    assert_int_equal(ledger_begin(t->l), 0);
    before = tu_ledger_height(t);
    switch (call) {
    case CALL_SUBMIT:
        o.rc = review_submit(t->l, now, actor, m, &o.f);
        break;
    case CALL_STEP:
        o.rc = review_step(t->l, now, actor, m, &o.f);
        break;
    case CALL_RECORD:
        o.rc = review_record(t->l, now, actor, m, &o.f);
        break;
    }
    if (o.rc == 0) {
        assert_true(tu_ledger_height(t) > before);
        assert_int_equal(ledger_commit(t->l), 0);
    } else {
        assert_int_equal(tu_ledger_height(t), before);
        assert_int_equal(ledger_rollback(t->l), 0);
    }
    return o;
}

static void must_pass(struct outcome o, const char *what)
{
    if (o.rc != 0)
        fail_msg("%s: %s (%s: %s)", what, tdkt_strerror(o.rc), o.f.field, o.f.why.text);
}

/* Refused with rc, naming field, with why_part in the sentence. */
static void must_refuse(struct outcome o, int rc, const char *field, const char *why_part)
{
    if (o.rc != rc)
        fail_msg("want %s, got %s (%s: %s)", tdkt_strerror(rc), tdkt_strerror(o.rc), o.f.field,
                 o.f.why.text);
    assert_string_equal(o.f.field, field);
    if (!strstr(o.f.why.text, why_part))
        fail_msg("\"%s\" does not say \"%s\"", o.f.why.text, why_part);
}

/* ---- the office's dossier ------------------------------------------------ */

/* VKSCC1's LĐTT proposals: CC1-001 rated HTXSNV (eligible), CC1-002 not
 * rated (ineligible: no evaluation), CC1-003 rated KHTNV (ineligible). */
static const char *const people[] = {"CC1-001", "CC1-002", "CC1-003"};
static const char *const pids[] = {"P1", "P2", "P3"};
#define N_PROPOSALS 3
#define PENDING     "PENDING PENDING PENDING"

struct dossier {
    Tdkt__SubmissionPut put;
    Tdkt__Proposal props[N_PROPOSALS];
    Tdkt__Proposal *list[N_PROPOSALS];
};

static void dossier_init(struct dossier *d, const char *id, uint32_t year)
{
    tdkt__submission_put__init(&d->put);
    d->put.submission_id = (char *)id;
    d->put.year = year;
    d->put.unit_code = (char *)"VKSCC1";
    d->put.note = (char *)"Hồ sơ năm 2021";
    for (size_t i = 0; i < N_PROPOSALS; i++) {
        tdkt__proposal__init(&d->props[i]);
        d->props[i].proposal_id = (char *)pids[i];
        d->props[i].title = TDKT__TITLE__TITLE_LDTT;
        d->props[i].person_id = (char *)people[i];
        d->list[i] = &d->props[i];
    }
    d->put.proposals = d->list;
    d->put.n_proposals = N_PROPOSALS;
}

static struct outcome submit(struct tu_ledger *t, const char *id, uint32_t year)
{
    struct dossier d;

    dossier_init(&d, id, year);
    return write_one(t, &t->regional[0], CALL_SUBMIT, &d.put);
}

/* The 2021 ratings of VKSCC1's people, as its office's ResultsPut. */
static void rate_people(struct tu_ledger *t)
{
    Tdkt__PersonRating pr[2] = {TDKT__PERSON_RATING__INIT, TDKT__PERSON_RATING__INIT};
    Tdkt__ResultRecord rec[2] = {TDKT__RESULT_RECORD__INIT, TDKT__RESULT_RECORD__INIT};
    Tdkt__ResultRecord *recs[2] = {&rec[0], &rec[1]};
    struct results_outcome out;
    struct fault f;

    pr[0].person_id = (char *)"CC1-001";
    pr[0].rating = TDKT__RATING__RATING_EXCELLENT;
    pr[1].person_id = (char *)"CC1-003";
    pr[1].rating = TDKT__RATING__RATING_FAILED;
    for (size_t i = 0; i < 2; i++) {
        rec[i].item_case = TDKT__RESULT_RECORD__ITEM_PERSON_RATING;
        rec[i].person_rating = &pr[i];
    }
    memset(&f, 0, sizeof f);
    assert_int_equal(ledger_begin(t->l), 0);
    if (results_put(t->l, T1, &t->regional[0], "VKSCC1", YEAR, recs, 2, &out, &f) < 0)
        fail_msg("results_put: %s: %s", f.field, f.why.text);
    assert_int_equal(ledger_commit(t->l), 0);
}

/* ---- the central office's steps ------------------------------------------ */

static struct outcome review(struct tu_ledger *t, const char *sub, Tdkt__ReviewAction action,
                             const char *pid, const char *reason)
{
    Tdkt__ReviewStep m = TDKT__REVIEW_STEP__INIT;

    m.submission_id = (char *)sub;
    m.action = action;
    m.proposal_id = (char *)(pid ? pid : "");
    m.reason = (char *)(reason ? reason : "");
    return write_one(t, &t->central, CALL_STEP, &m);
}

static struct outcome decide(struct tu_ledger *t, const char *sub, const char *pid, const char *no,
                             const char *date, const char *signer)
{
    Tdkt__ReviewStep m = TDKT__REVIEW_STEP__INIT;

    m.submission_id = (char *)sub;
    m.action = A_DECIDE;
    m.proposal_id = (char *)pid;
    m.decision_no = (char *)no;
    m.decision_date = (char *)date;
    m.signer = (char *)signer;
    return write_one(t, &t->central, CALL_STEP, &m);
}

/* ---- what the ledger holds ------------------------------------------------ */

static Tdkt__SubmissionInfo *show(struct tu_ledger *t, const char *sub)
{
    Tdkt__SubmissionInfo *info = NULL;
    struct fault f;

    memset(&f, 0, sizeof f);
    if (review_get(t->l, &t->central, sub, &info, &f) < 0)
        fail_msg("review_get %s: %s: %s", sub, f.field, f.why.text);
    assert_non_null(info);
    return info;
}

static const Tdkt__ProposalStatus *proposal_in(const Tdkt__SubmissionInfo *info, const char *pid)
{
    for (size_t i = 0; i < info->n_proposals; i++)
        if (strcmp(info->proposals[i]->proposal->proposal_id, pid) == 0)
            return info->proposals[i];
    fail_msg("no proposal %s", pid);
    return NULL;
}

/* The name of an enum value as the schema spells it, without its prefix:
 * PROPOSAL_STATE_APPROVED is "APPROVED". */
static const char *value_name(const ProtobufCEnumDescriptor *d, int value)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    const char *cut;

    assert_non_null(v);
    cut = strstr(v->name, "STATE_");
    return cut ? cut + strlen("STATE_") : v->name;
}

/* The submission's state and revision, and its proposals' states in pids
 * order ("APPROVED REJECTED PENDING"). */
static void assert_states(struct tu_ledger *t, const char *sub, const char *state,
                          uint32_t revision, const char *proposals)
{
    Tdkt__SubmissionInfo *info = show(t, sub);
    char got[128] = "";

    assert_string_equal(value_name(&tdkt__submission_state__descriptor, info->state), state);
    assert_int_equal(info->revision, revision);
    assert_int_equal(info->n_proposals, N_PROPOSALS);
    for (size_t i = 0; i < N_PROPOSALS; i++) {
        const char *name =
            value_name(&tdkt__proposal_state__descriptor, (int)proposal_in(info, pids[i])->state);
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", name);
    }
    assert_string_equal(got, proposals);
    tdkt__submission_info__free_unpacked(info, NULL);
}

/* ---- tests ----------------------------------------------------------------- */

/* Submitting judges every proposal under the rule set in force; the
 * verdicts are on record with the rule that decided them. */
static void test_submit_judges(void **state)
{
    struct tu_ledger *t = *state;

    must_pass(submit(t, "CC1-2021", YEAR), "submit");
    assert_states(t, "CC1-2021", "SUBMITTED", 1, PENDING);
    Tdkt__SubmissionInfo *info = show(t, "CC1-2021");
    const Tdkt__ProposalStatus *p1 = proposal_in(info, "P1"), *p2 = proposal_in(info, "P2"),
                               *p3 = proposal_in(info, "P3");
    assert_int_equal(p1->verdict->verdict, TDKT__VERDICT__VERDICT_ELIGIBLE);
    assert_non_null(strstr(p1->verdict->why, "meets LĐTT for 2021"));
    assert_non_null(strstr(p2->verdict->why, "needs an evaluation"));
    assert_int_equal(p3->verdict->verdict, TDKT__VERDICT__VERDICT_INELIGIBLE);
    assert_string_equal(p3->verdict->rule, "LDTT");
    assert_non_null(strstr(p3->verdict->why, "rated KHTNV"));
    tdkt__submission_info__free_unpacked(info, NULL);

    /* An office submits its own dossier, for an open period, not twice. */
    struct dossier d;
    dossier_init(&d, "CC1-2021-B", YEAR);
    must_refuse(write_one(t, &t->regional[1], CALL_SUBMIT, &d.put), TDKT_EPERM,
                "submission_put.unit_code", "submits its own dossier");
    must_refuse(submit(t, "CC1-2020", 2020), TDKT_EPERIOD, "submission_put.year", "closed");
    must_refuse(submit(t, "CC1-2030", 2030), TDKT_ENOTFOUND, "submission_put.year",
                "no emulation period");
    must_refuse(submit(t, "CC1-2021", YEAR), TDKT_ECONFLICT, "submission_put.submission_id",
                "only after the central office returns it");
}

/* Receive and return: a returned dossier is resubmitted as revision 2
 * with every proposal pending again; steps out of order are CONFLICT. */
static void test_receive_and_return(void **state)
{
    struct tu_ledger *t = *state;

    must_pass(submit(t, "CC1-2021", YEAR), "submit");
    /* Proposals wait until the dossier is received. */
    must_refuse(review(t, "CC1-2021", A_APPROVE, "P1", NULL), TDKT_ECONFLICT, "review_step.action",
                "proposals are reviewed once it is received");
    /* A return needs a reason the office can act on. */
    must_refuse(review(t, "CC1-2021", A_RETURN, NULL, NULL), TDKT_EINVAL, "review_step.reason",
                "needs a reason");
    must_pass(review(t, "CC1-2021", A_RETURN, NULL, "Thiếu biên bản họp"), "return");
    assert_states(t, "CC1-2021", "RETURNED", 1, PENDING);
    must_refuse(review(t, "CC1-2021", A_RECEIVE, NULL, NULL), TDKT_ECONFLICT, "review_step.action",
                "only a submitted one is received");
    must_refuse(review(t, "CC1-2021", A_RETURN, NULL, "lần nữa"), TDKT_ECONFLICT,
                "review_step.action", "cannot be returned");

    /* The office resubmits: revision 2, all pending, submitted again. */
    must_pass(submit(t, "CC1-2021", YEAR), "resubmit");
    assert_states(t, "CC1-2021", "SUBMITTED", 2, PENDING);
    must_pass(review(t, "CC1-2021", A_RECEIVE, NULL, NULL), "receive");
    assert_states(t, "CC1-2021", "RECEIVED", 2, PENDING);
    must_refuse(review(t, "CC1-2021", A_RECEIVE, NULL, NULL), TDKT_ECONFLICT, "review_step.action",
                "is received");
    /* A received dossier can still be returned while nothing is decided. */
    must_pass(review(t, "CC1-2021", A_RETURN, NULL, "Bổ sung hồ sơ"), "return received");
    assert_states(t, "CC1-2021", "RETURNED", 2, PENDING);

    Tdkt__SubmissionInfo *info = show(t, "CC1-2021");
    /* Nothing is deleted: two submissions and their judgements, a receipt
     * and two returns, in order. */
    assert_int_equal(info->n_history, 7);
    assert_non_null(strstr(info->history[info->n_history - 1]->what, "returned: Bổ sung hồ sơ"));
    assert_string_equal(info->history[info->n_history - 1]->actor, "VKSTC");
    tdkt__submission_info__free_unpacked(info, NULL);
}

/* Approve, reject, cancel, decide and annul, each only from the state the
 * diagram allows, with the reasons and decision fields it needs. */
static void test_proposal_steps(void **state)
{
    struct tu_ledger *t = *state;

    must_pass(submit(t, "CC1-2021", YEAR), "submit");
    must_pass(review(t, "CC1-2021", A_RECEIVE, NULL, NULL), "receive");

    /* Approving against an ineligible verdict needs the council's reason. */
    must_refuse(review(t, "CC1-2021", A_APPROVE, "P3", NULL), TDKT_EINVAL, "review_step.reason",
                "was judged ineligible");
    must_pass(review(t, "CC1-2021", A_APPROVE, "P1", NULL), "approve P1");
    must_refuse(review(t, "CC1-2021", A_REJECT, "P2", NULL), TDKT_EINVAL, "review_step.reason",
                "a rejection needs a reason");
    must_pass(review(t, "CC1-2021", A_REJECT, "P2", "Chưa có kết quả đánh giá"), "reject P2");
    assert_states(t, "CC1-2021", "RECEIVED", 1, "APPROVED REJECTED PENDING");

    /* Steps that do not apply to the proposal's state. */
    must_refuse(review(t, "CC1-2021", A_REJECT, "P1", "muộn"), TDKT_ECONFLICT, "review_step.action",
                "proposal 'P1' is approved; that step does not apply");
    must_refuse(review(t, "CC1-2021", A_APPROVE, "P2", "xem lại"), TDKT_ECONFLICT,
                "review_step.action", "proposal 'P2' is rejected");
    must_refuse(decide(t, "CC1-2021", "P3", "1/QĐ-VKSTC", "2021-12-30", "Viện trưởng"),
                TDKT_ECONFLICT, "review_step.action", "proposal 'P3' is pending");
    must_refuse(review(t, "CC1-2021", A_ANNUL, "P1", "nhầm"), TDKT_ECONFLICT, "review_step.action",
                "proposal 'P1' is approved");
    must_refuse(review(t, "CC1-2021", A_CANCEL, "P3", NULL), TDKT_ECONFLICT, "review_step.action",
                "proposal 'P3' is pending");
    must_refuse(review(t, "CC1-2021", A_APPROVE, "P9", NULL), TDKT_ENOTFOUND,
                "review_step.proposal_id", "has no proposal 'P9'");
    must_refuse(review(t, "CC1-2021", A_APPROVE, NULL, NULL), TDKT_EINVAL,
                "review_step.proposal_id", "names a proposal");
    must_refuse(review(t, "KHONG-CO", A_RECEIVE, NULL, NULL), TDKT_ENOTFOUND,
                "review_step.submission_id", "does not exist");

    /* Cancel and approve again; then a decision needs all three fields. */
    must_pass(review(t, "CC1-2021", A_CANCEL, "P1", NULL), "cancel P1");
    must_refuse(decide(t, "CC1-2021", "P1", "1/QĐ-VKSTC", "2021-12-30", "Viện trưởng"),
                TDKT_ECONFLICT, "review_step.action", "proposal 'P1' is cancelled");
    must_pass(review(t, "CC1-2021", A_APPROVE, "P1", NULL), "approve P1 again");
    must_refuse(decide(t, "CC1-2021", "P1", "", "2021-12-30", "Viện trưởng"), TDKT_EINVAL,
                "review_step.decision_no", "needs its number");
    must_refuse(decide(t, "CC1-2021", "P1", "123/QĐ-VKSTC", "30/12/2021", "Viện trưởng"),
                TDKT_EINVAL, "review_step.decision_no", "(YYYY-MM-DD)");
    must_pass(decide(t, "CC1-2021", "P1", "123/QĐ-VKSTC", "2021-12-30", "Viện trưởng"),
              "decide P1");
    Tdkt__SubmissionInfo *info = show(t, "CC1-2021");
    const Tdkt__ProposalStatus *p1 = proposal_in(info, "P1");
    assert_int_equal(p1->state, TDKT__PROPOSAL_STATE__PROPOSAL_STATE_DECIDED);
    assert_string_equal(p1->decision_no, "123/QĐ-VKSTC");
    assert_string_equal(p1->decision_date, "2021-12-30");
    assert_string_equal(p1->signer, "Viện trưởng");
    tdkt__submission_info__free_unpacked(info, NULL);

    /* A dossier with a decision is not returned; a decision is annulled
     * with a reason, once. */
    must_refuse(review(t, "CC1-2021", A_RETURN, NULL, "trả lại"), TDKT_ECONFLICT,
                "review_step.action", "has decided proposals");
    must_refuse(decide(t, "CC1-2021", "P1", "124/QĐ-VKSTC", "2021-12-31", "Viện trưởng"),
                TDKT_ECONFLICT, "review_step.action", "proposal 'P1' is decided");
    must_refuse(review(t, "CC1-2021", A_ANNUL, "P1", NULL), TDKT_EINVAL, "review_step.reason",
                "an annulment needs a reason");
    must_pass(review(t, "CC1-2021", A_ANNUL, "P1", "Quyết định ghi nhầm năm"), "annul P1");
    must_refuse(review(t, "CC1-2021", A_ANNUL, "P1", "lần nữa"), TDKT_ECONFLICT,
                "review_step.action", "proposal 'P1' is annulled");
    assert_states(t, "CC1-2021", "RECEIVED", 1, "ANNULLED REJECTED PENDING");
    /* ... and with a decision annulled the dossier still is not returned. */
    must_refuse(review(t, "CC1-2021", A_RETURN, NULL, "trả lại"), TDKT_ECONFLICT,
                "review_step.action", "has decided proposals");
}

static struct outcome record(struct tu_ledger *t, const char *id, uint32_t year, Tdkt__Title title,
                             const char *person, const char *ballot)
{
    Tdkt__DecisionRecord m = TDKT__DECISION_RECORD__INIT;
    Tdkt__Proposal p = TDKT__PROPOSAL__INIT;

    p.proposal_id = (char *)"R1";
    p.title = title;
    p.person_id = (char *)person;
    p.ballot_id = (char *)(ballot ? ballot : "");
    m.record_id = (char *)id;
    m.year = year;
    m.proposal = &p;
    m.decision_no = (char *)"45/QĐ-VKSTC";
    m.decision_date = (char *)"2019-12-28";
    m.signer = (char *)"Viện trưởng";
    m.source = (char *)"Sổ lưu quyết định 2019";
    return write_one(t, &t->central, CALL_RECORD, &m);
}

/* A decision from the files is a received record holding one decided
 * proposal, for the subject's office; the same title for the same person
 * and year is then refused, by record and by a decision in a dossier. */
static void test_decision_record(void **state)
{
    struct tu_ledger *t = *state;

    must_pass(record(t, "R-2021", YEAR, TDKT__TITLE__TITLE_LDTT, "CC1-001", NULL), "record");
    Tdkt__SubmissionInfo *info = show(t, "R-2021");
    assert_int_equal(info->state, TDKT__SUBMISSION_STATE__SUBMISSION_STATE_RECEIVED);
    assert_int_equal(info->n_proposals, 1);
    assert_int_equal(info->proposals[0]->state, TDKT__PROPOSAL_STATE__PROPOSAL_STATE_DECIDED);
    assert_string_equal(info->proposals[0]->decision_no, "45/QĐ-VKSTC");
    assert_string_equal(info->submission->unit_code, "VKSCC1");
    tdkt__submission_info__free_unpacked(info, NULL);

    must_refuse(record(t, "R-2021", 2019, TDKT__TITLE__TITLE_LDTT, "CC1-002", NULL), TDKT_ECONFLICT,
                "decision_record.record_id", "already a submission or a record");
    must_refuse(record(t, "R-2021-B", YEAR, TDKT__TITLE__TITLE_LDTT, "CC1-001", NULL),
                TDKT_ECONFLICT, "decision_record.proposal", "already holds that title");
    must_refuse(record(t, "R-B", YEAR, TDKT__TITLE__TITLE_LDTT, "CC1-002", "CUM1-2021-CO"),
                TDKT_EINVAL, "decision_record.proposal.ballot_id", "names no ballot");
    must_refuse(record(t, "R-C", YEAR, TDKT__TITLE__TITLE_LDTT, "KHONG-CO", NULL), TDKT_ENOTFOUND,
                "decision_record.proposal", "is not registered");

    /* ONCE: a dossier's LĐTT for CC1-001 in 2021 is judged ineligible now;
     * the council may approve it, with a reason, but not decide it. */
    must_pass(submit(t, "CC1-2021", YEAR), "submit");
    must_pass(review(t, "CC1-2021", A_RECEIVE, NULL, NULL), "receive");
    info = show(t, "CC1-2021");
    assert_int_equal(proposal_in(info, "P1")->verdict->verdict, TDKT__VERDICT__VERDICT_INELIGIBLE);
    tdkt__submission_info__free_unpacked(info, NULL);
    must_refuse(review(t, "CC1-2021", A_APPROVE, "P1", NULL), TDKT_EINVAL, "review_step.reason",
                "was judged ineligible");
    must_pass(review(t, "CC1-2021", A_APPROVE, "P1", "Hội đồng xét lại"), "approve P1");
    must_refuse(decide(t, "CC1-2021", "P1", "123/QĐ-VKSTC", "2021-12-30", "Viện trưởng"),
                TDKT_ECONFLICT, "review_step.action", "already holds that title");
}

static int setup(void **state)
{
    int rc = tu_ledger_cmocka_setup(state);
    struct tu_ledger *t = *state;

    tu_ledger_import(t, registry_json);
    rate_people(t);
    return rc;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_submit_judges, setup, tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_receive_and_return, setup, tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_proposal_steps, setup, tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_decision_record, setup, tu_ledger_cmocka_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
