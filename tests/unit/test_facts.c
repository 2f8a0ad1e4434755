/* SPDX-License-Identifier: MIT */
/*
 * Facts (common/domain/facts.c): the readings both the server and the
 * office's preview make of the ledger's records, over an in-memory reader.
 * A title is held only when decided; the dossier's eligible titles count for
 * a unit's members; the members are the unit's subtree to its depth limit; a
 * revoked unit is dissolved; the rating of a year filed by two units is the
 * lowest unit's; the quota and cap counts leave out what is not granted; a
 * unit leads its cluster by points only when every member's results are
 * held; a dossier is judged persons first, unjudgeable facts become a policy
 * question with no rule, an unregistered subject names itself; and the
 * module never calls the reader from inside one of its callbacks.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "common/domain/facts.h"
#include "common/err.h"
#include "proto/tdkt.pb-c.h"

#define HTXSNV TDKT__RATING__RATING_EXCELLENT
#define HTTNV  TDKT__RATING__RATING_GOOD
#define HTNV   TDKT__RATING__RATING_COMPLETED
#define KHTNV  TDKT__RATING__RATING_FAILED
#define BIT(t) (1u << (t))

#define T(name) TDKT__TITLE__TITLE_##name

#define S_PENDING  TDKT__PROPOSAL_STATE__PROPOSAL_STATE_PENDING
#define S_APPROVED TDKT__PROPOSAL_STATE__PROPOSAL_STATE_APPROVED
#define S_DECIDED  TDKT__PROPOSAL_STATE__PROPOSAL_STATE_DECIDED
#define S_ANNULLED TDKT__PROPOSAL_STATE__PROPOSAL_STATE_ANNULLED

#define MAX_ROWS 64
#define Y        2021u
#define LAST     (FACTS_HISTORY_YEARS - 1)

/* --- an in-memory ledger --------------------------------------------------------------- */

enum rec_kind { R_PRATING, R_FACTS, R_INITIATIVE, R_URATING, R_TARGET, R_TASK, R_SCORE, R_PLAN };

struct rec {
    enum rec_kind kind;
    const char *unit;
    uint32_t year;
    const char *code; /* person (ratings, facts) or record code */
    int rating;       /* ratings */
    int under_review, discipline, research;
    unsigned leave, maternity_months; /* facts */
    int maternity;                    /* facts: the superseded yes/no */
    const char *authors[3];
    int scope;
    double planned, achieved; /* target */
    int emerging, done;       /* task */
    double points;            /* score */
    unsigned tasks_planned;   /* task plan */
};

struct unit_row {
    const char *code, *parent;
    int revoked;
};

struct person_row {
    const char *id, *unit;
};

struct title_row {
    uint32_t year;
    int title, state;
    const char *person, *unit;
};

struct fake {
    struct unit_row units[MAX_ROWS];
    struct person_row persons[MAX_ROWS];
    struct rec recs[MAX_ROWS];
    struct title_row titles[MAX_ROWS];
    const char *cluster[8]; /* the cluster of Y, NULL-terminated */
    const char *not_held;   /* a unit whose results this side does not hold */
    Tdkt__ContestResult *contest;
    int ballot_state; /* B1's enum facts_ballot_state; 0: published */
    struct council_row {
        const char *vote, *person, *unit;
        int title, secret;
        unsigned yes, no, abstain, roll;
        int open;     /* an electronic vote not closed yet */
    } council[4];     /* Council votes of Y, in entry order */
    int fail_records; /* records_each fails with TDKT_EDB */
    int in_walk;      /* a reader callback is running */
    unsigned calls;
};

static struct fake F;

static void enter(void)
{
    /* The module must never call the reader from inside its callbacks. */
    assert_int_equal(F.in_walk, 0);
    F.calls++;
}

static int unit_get(void *arg, const char *code, struct facts_unit *out)
{
    (void)arg;
    enter();
    for (size_t i = 0; F.units[i].code; i++)
        if (strcmp(F.units[i].code, code) == 0) {
            memset(out, 0, sizeof *out);
            snprintf(out->code, sizeof out->code, "%s", code);
            snprintf(out->parent, sizeof out->parent, "%s",
                     F.units[i].parent ? F.units[i].parent : "");
            out->revoked = F.units[i].revoked;
            return 0;
        }
    return TDKT_ENOTFOUND;
}

static int person_unit(void *arg, const char *person, char unit[FACTS_CODE_MAX + 1])
{
    (void)arg;
    enter();
    for (size_t i = 0; F.persons[i].id; i++)
        if (strcmp(F.persons[i].id, person) == 0) {
            snprintf(unit, FACTS_CODE_MAX + 1, "%s", F.persons[i].unit);
            return 0;
        }
    return TDKT_ENOTFOUND;
}

static int walk_codes(const char *const *codes, size_t n, facts_code_fn cb, void *cb_arg)
{
    int rc = 0;

    F.in_walk = 1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = cb(cb_arg, codes[i]);
    F.in_walk = 0;
    return rc;
}

/* Walk the units whose parent is owner (persons 0) or the persons in unit
 * owner (persons 1), in table order. */
static int walk_owned(int persons, const char *owner, facts_code_fn cb, void *cb_arg)
{
    const char *found[MAX_ROWS];
    size_t n = 0;

    enter();
    for (size_t i = 0; i < MAX_ROWS; i++) {
        const char *code = persons ? F.persons[i].id : F.units[i].code;
        const char *of = persons ? F.persons[i].unit : F.units[i].parent;

        if (code == NULL)
            break;
        if (of != NULL && strcmp(of, owner) == 0)
            found[n++] = code;
    }
    return walk_codes(found, n, cb, cb_arg);
}

static int units_below(void *arg, const char *code, facts_code_fn cb, void *cb_arg)
{
    (void)arg;
    return walk_owned(0, code, cb, cb_arg);
}

static int persons_in(void *arg, const char *unit, facts_code_fn cb, void *cb_arg)
{
    (void)arg;
    return walk_owned(1, unit, cb, cb_arg);
}

static const char *const kind_names[] = {"person_rating", "facts", "initiative", "unit_rating",
                                         "target",        "task",  "score",      "task_plan"};

/* Build the protobuf record of r and hand it to cb. Every item is filled
 * from r; the record holds the one of r's kind (kind_names: the names of
 * ResultRecord's item members). */
static int rec_call(const struct rec *r, facts_record_fn cb, void *cb_arg)
{
    Tdkt__ResultRecord rr = TDKT__RESULT_RECORD__INIT;
    Tdkt__PersonRating pr = TDKT__PERSON_RATING__INIT;
    Tdkt__PersonFacts pf = TDKT__PERSON_FACTS__INIT;
    Tdkt__Initiative in = TDKT__INITIATIVE__INIT;
    Tdkt__UnitRating ur = TDKT__UNIT_RATING__INIT;
    Tdkt__Target tg = TDKT__TARGET__INIT;
    Tdkt__KeyTask tk = TDKT__KEY_TASK__INIT;
    Tdkt__CriterionScore sc = TDKT__CRITERION_SCORE__INIT;
    Tdkt__TaskPlan tp = TDKT__TASK_PLAN__INIT;
    ProtobufCMessage *item[] = {&pr.base, &pf.base, &in.base, &ur.base,
                                &tg.base, &tk.base, &sc.base, &tp.base};
    char *code = (char *)r->code, *authors[3];

    pr.person_id = pf.person_id = in.code = tg.code = tk.code = sc.criterion_code = code;
    pr.rating = ur.rating = (Tdkt__Rating)r->rating;
    pf.under_review = r->under_review;
    pf.discipline = (Tdkt__Discipline)r->discipline;
    pf.disciplined_on = r->discipline ? "2021-03-01" : "";
    pf.research_accepted = r->research;
    pf.leave_months = r->leave;
    pf.maternity_months = r->maternity_months;
    pf.maternity_leave = r->maternity;
    for (size_t i = 0; i < 3 && r->authors[i]; i++)
        authors[in.n_author_ids++] = (char *)r->authors[i];
    in.author_ids = authors;
    in.scope = (Tdkt__Scope)r->scope;
    tg.planned = r->planned;
    tg.achieved = r->achieved;
    tk.origin = r->emerging ? TDKT__TASK_ORIGIN__TASK_ORIGIN_EMERGING
                            : TDKT__TASK_ORIGIN__TASK_ORIGIN_ASSIGNED;
    tk.done = r->done;
    sc.points = r->points;
    tp.planned = r->tasks_planned;
    tu_pb_oneof_set(&rr.base, kind_names[r->kind], item[r->kind]);
    return cb(cb_arg, r->unit, &rr);
}

static int records_each(void *arg, const char *unit, uint32_t year, const char *kind,
                        const char *key, facts_record_fn cb, void *cb_arg)
{
    int rc = 0;

    (void)arg;
    enter();
    if (F.fail_records)
        return TDKT_EDB;
    F.in_walk = 1;
    for (size_t i = 0; rc == 0 && F.recs[i].unit; i++) {
        const struct rec *r = &F.recs[i];
        if (r->year != year || strcmp(kind_names[r->kind], kind) != 0 ||
            (unit && strcmp(r->unit, unit) != 0) || (key && strcmp(r->code, key) != 0))
            continue;
        rc = rec_call(r, cb, cb_arg);
    }
    F.in_walk = 0;
    return rc;
}

static const char *person_unit_of(const char *person)
{
    for (size_t i = 0; person && F.persons[i].id; i++)
        if (strcmp(F.persons[i].id, person) == 0)
            return F.persons[i].unit;
    return "";
}

static int titles_each(void *arg, const char *person, const char *unit, uint32_t year,
                       facts_title_fn cb, void *cb_arg)
{
    int rc = 0;

    (void)arg;
    enter();
    F.in_walk = 1;
    for (size_t i = 0; rc == 0 && F.titles[i].year; i++) {
        const struct title_row *t = &F.titles[i];
        struct facts_title ft = {t->year,
                                 t->title,
                                 t->state,
                                 t->person ? t->person : "",
                                 t->unit ? t->unit : "",
                                 person_unit_of(t->person)};
        if ((year && t->year != year) ||
            (person && (!t->person || strcmp(t->person, person) != 0)) ||
            (unit && (t->person || strcmp(t->unit, unit) != 0)))
            continue;
        rc = cb(cb_arg, &ft);
    }
    F.in_walk = 0;
    return rc;
}

static int cluster_members(void *arg, uint32_t year, const char *unit, facts_code_fn cb,
                           void *cb_arg)
{
    size_t n = 0;
    int in = 0;

    (void)arg;
    enter();
    for (; F.cluster[n]; n++)
        in |= strcmp(F.cluster[n], unit) == 0;
    if (year != Y || !in)
        return TDKT_ENOTFOUND;
    return walk_codes(F.cluster, n, cb, cb_arg);
}

static int results_held(void *arg, const char *unit)
{
    (void)arg;
    enter();
    return !(F.not_held && strcmp(F.not_held, unit) == 0);
}

static int ballot_each(void *arg, const char *ballot_id, int *state, facts_contest_fn cb,
                       void *cb_arg)
{
    int rc = 0;

    (void)arg;
    enter();
    *state = FACTS_BALLOT_NONE;
    if (F.contest && strcmp(ballot_id, "B1") == 0) {
        *state = F.ballot_state ? F.ballot_state : FACTS_BALLOT_PUBLISHED;
        F.in_walk = 1;
        rc = cb(cb_arg, F.contest);
        F.in_walk = 0;
    }
    return rc;
}

static int council_each(void *arg, uint32_t year, const char *person, const char *unit, int title,
                        facts_council_fn cb, void *cb_arg)
{
    int rc = 0;

    (void)arg;
    enter();
    for (size_t i = 0; rc == 0 && year == Y && i < 4 && F.council[i].vote; i++) {
        const struct council_row *r = &F.council[i];
        struct facts_council_count c = {r->vote,    r->secret, r->yes, r->no,
                                        r->abstain, r->roll,   r->open};

        if (r->title != title || strcmp(r->person ? r->person : "", person ? person : "") != 0 ||
            (!person && strcmp(r->unit ? r->unit : "", unit ? unit : "") != 0))
            continue;
        F.in_walk = 1;
        rc = cb(cb_arg, &c);
        F.in_walk = 0;
    }
    return rc;
}

static const struct facts_reader reader = {
    .unit_get = unit_get,
    .person_unit = person_unit,
    .units_below = units_below,
    .persons_in = persons_in,
    .records_each = records_each,
    .titles_each = titles_each,
    .cluster_members = cluster_members,
    .results_held = results_held,
    .ballot_each = ballot_each,
    .council_each = council_each,
};

static int reset(void **state)
{
    (void)state;
    memset(&F, 0, sizeof F);
    return 0;
}

/* A proposal as a dossier file gives it. */
static Tdkt__Proposal proposal(const char *id, int title, const char *person, const char *unit)
{
    Tdkt__Proposal p = TDKT__PROPOSAL__INIT;
    p.proposal_id = (char *)id;
    p.title = (Tdkt__Title)title;
    p.person_id = (char *)(person ? person : "");
    p.unit_code = (char *)(unit ? unit : "");
    p.ballot_id = "";
    return p;
}

/* --- rule values for the judge ------------------------------------------------------------ */

static int rule_get(void *arg, const char *key, double *value)
{
    static const struct {
        const char *key;
        double value;
    } kv[] = {
        {"ldtt.min_months_recruited", 6}, {"ldtt.leave_months_min", 3},
        {"ldtt.leave_months_max", 6},     {"ldtt.discipline_min", 1},
        {"ttldtt.members_ldtt_pct", 50},  {"ttldtt.member_discipline_min", 2},
    };
    (void)arg;
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (strcmp(kv[i].key, key) == 0) {
            *value = kv[i].value;
            return 0;
        }
    return TDKT_ENOTFOUND;
}

static const struct elig_rules rules = {rule_get, NULL};

/* --- a person ------------------------------------------------------------------------------- */

/* History years, the rating of the lowest unit, facts, initiatives by scope
 * and authorship, titles held only when decided, ONCE, and the Bằng khen
 * years up to the proposal year. */
static void test_person_history(void **state)
{
    struct facts f;
    Tdkt__Proposal p = proposal("P1", T(LDTT), "A", NULL);
    (void)state;

    F = (struct fake){
        .units = {{"U", NULL, 0}},
        .persons = {{"A", "U"}},
        .recs =
            {
                {.kind = R_PRATING, .unit = "U", .year = Y, .code = "A", .rating = HTXSNV},
                /* The same person rated by a second unit: the lower code counts. */
                {.kind = R_PRATING, .unit = "AA", .year = Y, .code = "A", .rating = HTNV},
                {.kind = R_PRATING, .unit = "U", .year = Y - 1, .code = "A", .rating = HTTNV},
                {.kind = R_FACTS, .unit = "U", .year = Y, .code = "A", .under_review = 1},
                {.kind = R_INITIATIVE,
                 .unit = "U",
                 .year = Y,
                 .code = "SK1",
                 .authors = {"B", "A"},
                 .scope = TDKT__SCOPE__SCOPE_BASE},
                {.kind = R_INITIATIVE,
                 .unit = "U",
                 .year = Y,
                 .code = "SK2",
                 .authors = {"B"},
                 .scope = TDKT__SCOPE__SCOPE_SECTOR},
                {.kind = R_INITIATIVE,
                 .unit = "V",
                 .year = Y,
                 .code = "SK3",
                 .authors = {"A"},
                 .scope = TDKT__SCOPE__SCOPE_NATIONAL},
            },
        .titles =
            {
                {Y - 1, T(CSTDCS), S_DECIDED, "A", NULL},
                {Y - 2, T(CSTDCS), S_ANNULLED, "A", NULL},
                {Y, T(CSTDCS), S_APPROVED, "A", NULL},
                {Y, T(LDTT), S_DECIDED, "A", NULL},
                {2015, T(BK_VT), S_DECIDED, "A", NULL},
                {2023, T(BK_VT), S_DECIDED, "A", NULL},
                {2018, T(BK_TTG), S_PENDING, "A", NULL},
            },
    };

    assert_int_equal(facts_build(&reader, Y, &p, NULL, &f), 0);
    assert_ptr_equal(f.p.person, f.person);
    assert_null(f.p.unit);
    assert_int_equal(f.p.n, FACTS_HISTORY_YEARS);
    assert_int_equal(f.person[0].year, Y - LAST);
    assert_int_equal(f.person[LAST].year, Y);
    assert_true(f.person[LAST].evaluated);
    assert_int_equal(f.person[LAST].rating, HTNV);
    assert_int_equal(f.person[LAST - 1].rating, HTTNV);
    assert_false(f.person[LAST - 2].evaluated);
    assert_true(f.person[LAST].under_review);
    assert_int_equal(f.person[LAST].initiatives.base, 1);
    assert_int_equal(f.person[LAST].initiatives.sector, 0);
    assert_int_equal(f.person[LAST].initiatives.national, 1);
    /* Held: decided only. */
    assert_int_equal(f.person[LAST].titles, BIT(T(LDTT)));
    assert_int_equal(f.person[LAST - 1].titles, BIT(T(CSTDCS)));
    assert_int_equal(f.person[LAST - 2].titles, 0);
    assert_true(f.p.already_awarded);
    /* A Bằng khen after the proposal year is not yet held. */
    assert_int_equal(f.p.bk_sector_year, 2015);
    assert_int_equal(f.p.bk_ttg_year, 0);
    /* LĐTT needs no cap counts. */
    assert_int_equal(f.p.unit_ldtt, 0);
}

/* Maternity leave in months is read beside the other leave and is working
 * time: six months of it with two of sick leave leave LĐTT open. A record
 * that only says "some" (the superseded yes/no) reads as one month. */
static void test_person_maternity_months(void **state)
{
    Tdkt__Proposal ap = proposal("A1", T(LDTT), "A", NULL);
    Tdkt__Proposal *props[] = {&ap};
    struct elig_verdict v;
    struct facts f;
    size_t failed;
    (void)state;

    F = (struct fake){
        .units = {{"U", NULL, 0}},
        .persons = {{"A", "U"}},
        .recs =
            {
                {.kind = R_PRATING, .unit = "U", .year = Y, .code = "A", .rating = HTTNV},
                {.kind = R_FACTS,
                 .unit = "U",
                 .year = Y,
                 .code = "A",
                 .leave = 2,
                 .maternity = 1,
                 .maternity_months = 6},
                {.kind = R_FACTS, .unit = "U", .year = Y - 1, .code = "A", .maternity = 1},
            },
    };
    assert_int_equal(facts_build(&reader, Y, &ap, NULL, &f), 0);
    assert_int_equal(f.person[LAST].leave_months, 2);
    assert_int_equal(f.person[LAST].maternity_months, 6);
    assert_int_equal(f.person[LAST - 1].maternity_months, 1);
    assert_int_equal(f.person[LAST - 2].maternity_months, 0);
    assert_int_equal(facts_judge_dossier(&reader, &rules, Y, props, 1, &v, NULL, NULL, &failed), 0);
    assert_int_equal(v.outcome, ELIG_ELIGIBLE);
}

/* --- a unit --------------------------------------------------------------------------------- */

/* The plan of key tasks: with a TaskPlan, exceeded when more tasks are done
 * than its count (Cục 3: 17 of 8), whatever their origin; without one, when
 * an emerging task is done on top of the assigned ones. */
static void test_unit_task_plan(void **state)
{
    static const unsigned plans[] = {0, 3, 4, 5};
    static const int exceeded[] = {1, 1, 0, 0};
    Tdkt__Proposal up = proposal("U1", T(TTLDXS), NULL, "U");
    (void)state;

    for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
        struct facts f;

        F = (struct fake){
            .units = {{"U", NULL, 0}},
            .recs =
                {
                    {.kind = R_URATING, .unit = "U", .year = Y, .rating = HTXSNV},
                    {.kind = R_TASK, .unit = "U", .year = Y, .code = "NV1", .done = 1},
                    {.kind = R_TASK, .unit = "U", .year = Y, .code = "NV2", .done = 1},
                    {.kind = R_TASK, .unit = "U", .year = Y, .code = "NV3", .done = 1},
                    {.kind = R_TASK, .unit = "U", .year = Y, .code = "NV4", .done = 0},
                    {.kind = R_TASK,
                     .unit = "U",
                     .year = Y,
                     .code = "PS1",
                     .emerging = 1,
                     .done = 1},
                    /* Another unit's plan is not this one's. */
                    {.kind = R_PLAN, .unit = "V", .year = Y, .code = "", .tasks_planned = 1},
                    {.kind = plans[i] ? R_PLAN : R_TASK,
                     .unit = plans[i] ? "U" : "V",
                     .year = Y,
                     .code = plans[i] ? "" : "X",
                     .tasks_planned = plans[i]},
                },
        };
        assert_int_equal(facts_build(&reader, Y, &up, NULL, &f), 0);
        if (f.unit[LAST].exceeded_plan != exceeded[i])
            fail_msg("plan %u: exceeded %d, want %d", plans[i], f.unit[LAST].exceeded_plan,
                     exceeded[i]);
    }
}

/* Members are the subtree's persons; completed, LĐTT (decided, or eligible
 * in the dossier) and the worst discipline count; a revoked unit is
 * dissolved in every year; the plan is exceeded by an emerging task. */
static void test_unit_members_and_dissolved(void **state)
{
    struct facts f;
    Tdkt__Proposal up = proposal("U1", T(TTLDTT), NULL, "U");
    Tdkt__Proposal cp = proposal("C1", T(LDTT), "c", NULL);
    Tdkt__Proposal bp = proposal("B1", T(LDTT), "b", NULL);
    Tdkt__Proposal *props[] = {&up, &cp, &bp};
    struct elig_verdict v[3];
    unsigned char judged[3] = {0, 1, 0};
    struct facts_dossier d = {props, v, judged, 3};
    struct elig_verdict out;
    (void)state;

    memset(v, 0, sizeof v); /* b's verdict reads ELIGIBLE but is not judged yet */
    F = (struct fake){
        .units = {{"U", NULL, 1} /* revoked */,
                  {"D1", "U", 0},
                  {"D2", "D1", 0},
                  {"OTHER", NULL, 0}},
        .persons = {{"a", "U"}, {"b", "D1"}, {"c", "D2"}, {"x", "OTHER"}},
        .recs =
            {
                {.kind = R_PRATING, .unit = "U", .year = Y, .code = "a", .rating = HTTNV},
                {.kind = R_PRATING, .unit = "D1", .year = Y, .code = "b", .rating = KHTNV},
                {.kind = R_FACTS, .unit = "D2", .year = Y, .code = "c", .discipline = 2},
                {.kind = R_PRATING, .unit = "OTHER", .year = Y, .code = "x", .rating = HTXSNV},
                {.kind = R_URATING, .unit = "U", .year = Y, .rating = HTXSNV},
                {.kind = R_TARGET,
                 .unit = "U",
                 .year = Y,
                 .code = "T1",
                 .planned = 10,
                 .achieved = 9},
                {.kind = R_TASK, .unit = "U", .year = Y, .code = "NV1", .emerging = 1, .done = 1},
            },
        .titles =
            {
                {Y, T(LDTT), S_DECIDED, "a", NULL},
                {Y, T(LDTT), S_APPROVED, "b", NULL},
                {Y - 1, T(TTLDTT), S_DECIDED, NULL, "U"},
            },
    };
    v[1].outcome = ELIG_ELIGIBLE;

    assert_int_equal(facts_build(&reader, Y, &up, &d, &f), 0);
    assert_ptr_equal(f.p.unit, f.unit);
    assert_int_equal(f.unit[LAST].members, 3);
    assert_int_equal(f.unit[LAST].members_completed, 1);
    assert_int_equal(f.unit[LAST].members_ldtt, 2);
    assert_int_equal(f.unit[LAST].members_cstdcs, 0);
    assert_int_equal(f.unit[LAST].member_discipline, 2);
    /* Earlier years: the judge reads no members there. */
    assert_int_equal(f.unit[LAST - 1].members, 0);
    assert_int_equal(f.unit[LAST - 1].titles, BIT(T(TTLDTT)));
    assert_true(f.unit[LAST].evaluated);
    assert_int_equal(f.unit[LAST].targets_total, 1);
    assert_int_equal(f.unit[LAST].targets_met, 0);
    assert_true(f.unit[LAST].exceeded_plan);
    for (size_t i = 0; i < FACTS_HISTORY_YEARS; i++)
        assert_true(f.unit[i].dissolved);
    assert_int_equal(elig_judge(&f.p, &rules, &out), 0);
    assert_int_equal(out.outcome, ELIG_BLOCKED);
    assert_string_equal(out.rule, "DISSOLVED");

    /* Not revoked: nothing is dissolved. */
    F.units[0].revoked = 0;
    assert_int_equal(facts_build(&reader, Y, &up, &d, &f), 0);
    assert_false(f.unit[LAST].dissolved);
}

/* Members reach FACTS_DEPTH_MAX levels below the unit, no further. */
static void test_member_depth(void **state)
{
    static char codes[FACTS_DEPTH_MAX + 2][8], ids[FACTS_DEPTH_MAX + 2][8];
    Tdkt__Proposal up = proposal("U1", T(TTLDTT), NULL, "L0");
    struct facts f;
    (void)state;

    for (int i = 0; i < FACTS_DEPTH_MAX + 2; i++) {
        snprintf(codes[i], sizeof codes[i], "L%d", i);
        snprintf(ids[i], sizeof ids[i], "p%d", i);
        F.units[i] = (struct unit_row){codes[i], i ? codes[i - 1] : NULL, 0};
        F.persons[i] = (struct person_row){ids[i], codes[i]};
    }
    assert_int_equal(facts_build(&reader, Y, &up, NULL, &f), 0);
    assert_int_equal(f.unit[LAST].members, FACTS_DEPTH_MAX + 1);
}

/* Leading by points needs every member's results; ties lead; 0 does not;
 * a tallied ballot gives the subject's votes and its election. */
static void test_leads_and_ballot(void **state)
{
    Tdkt__Proposal up = proposal("F1", TDKT__TITLE__TITLE_CO_NGANH, NULL, "U");
    char *cands[] = {"V", "U"};
    uint32_t yes[] = {1, 4};
    char *elected[] = {"U"};
    Tdkt__ContestResult c = TDKT__CONTEST_RESULT__INIT;
    struct facts f;
    (void)state;

    F = (struct fake){
        .units = {{"U", NULL, 0}, {"V", NULL, 0}, {"W", NULL, 0}},
        .cluster = {"U", "V", "W"},
        .recs =
            {
                {.kind = R_SCORE, .unit = "U", .year = Y, .code = "TC1", .points = 50},
                {.kind = R_SCORE, .unit = "U", .year = Y, .code = "TC2", .points = 30},
                {.kind = R_SCORE, .unit = "V", .year = Y, .code = "TC1", .points = 80},
                {.kind = R_SCORE, .unit = "W", .year = Y, .code = "TC1", .points = 70},
            },
    };
    assert_int_equal(facts_build(&reader, Y, &up, NULL, &f), 0);
    assert_true(f.p.leads_cluster);
    F.recs[2].points = 80.5;
    assert_int_equal(facts_build(&reader, Y, &up, NULL, &f), 0);
    assert_false(f.p.leads_cluster);
    F.recs[2].points = 10;
    F.not_held = "W";
    assert_int_equal(facts_build(&reader, Y, &up, NULL, &f), 0);
    assert_false(f.p.leads_cluster);
    F.not_held = NULL;
    F.recs[0].points = F.recs[1].points = F.recs[2].points = F.recs[3].points = 0;
    assert_int_equal(facts_build(&reader, Y, &up, NULL, &f), 0);
    assert_false(f.p.leads_cluster);
    assert_false(f.p.ballot.present);

    c.n_candidates = 2;
    c.candidates = cands;
    c.n_yes = 2;
    c.yes = yes;
    c.roll = 5;
    c.n_elected = 1;
    c.elected = elected;
    F.contest = &c;
    up.ballot_id = "B1";
    assert_int_equal(facts_build(&reader, Y, &up, NULL, &f), 0);
    assert_true(f.p.ballot.present);
    assert_int_equal(f.p.ballot.yes, 4);
    assert_int_equal(f.p.ballot.roll, 5);
    assert_true(f.p.secret_ballot);
    assert_true(f.p.leads_cluster);
    up.ballot_id = "B2"; /* no such ballot */
    assert_int_equal(facts_build(&reader, Y, &up, NULL, &f), 0);
    assert_false(f.p.ballot.present);
    assert_false(f.p.secret_ballot);
    assert_false(f.p.ballot_pending);
    /* Tallied or still open but not published: nothing of its count is a
     * fact (not even being elected), only that the verdict must wait. */
    up.ballot_id = "B1";
    for (int st = FACTS_BALLOT_OPEN; st <= FACTS_BALLOT_TALLIED; st++) {
        F.ballot_state = st;
        assert_int_equal(facts_build(&reader, Y, &up, NULL, &f), 0);
        assert_false(f.p.ballot.present);
        assert_int_equal(f.p.ballot.yes, 0);
        assert_false(f.p.secret_ballot);
        assert_false(f.p.leads_cluster);
        assert_true(f.p.ballot_pending);
    }
    F.ballot_state = 0;
}

/* The Council's vote on a person's CSTĐ ngành: the latest one counts, on the
 * Council's whole membership, and names itself; a vote on another title or
 * another person is not read; a secret one is the secret-ballot result. */
static void test_council_vote(void **state)
{
    Tdkt__Proposal pp = proposal("N1", TDKT__TITLE__TITLE_CSTD_NGANH, "P1", NULL);
    Tdkt__Proposal lp = proposal("L1", TDKT__TITLE__TITLE_LDTT, "P1", NULL);
    struct facts f;
    (void)state;

    F.units[0] = (struct unit_row){"U", NULL, 0};
    F.persons[0] = (struct person_row){"P1", "U"};
    assert_int_equal(facts_build(&reader, Y, &pp, NULL, &f), 0);
    assert_false(f.p.ballot.present);
    F.council[0] =
        (struct council_row){"V1", "P1", NULL, TDKT__TITLE__TITLE_CSTD_NGANH, 0, 7, 2, 1, 10, 0};
    F.council[1] =
        (struct council_row){"V2", "P2", NULL, TDKT__TITLE__TITLE_CSTD_NGANH, 1, 10, 0, 0, 10, 0};
    assert_int_equal(facts_build(&reader, Y, &pp, NULL, &f), 0);
    assert_true(f.p.ballot.present);
    assert_int_equal(f.p.ballot.yes, 7);
    assert_int_equal(f.p.ballot.roll, 10);
    assert_string_equal(f.p.ballot.ref, "V1");
    assert_false(f.p.secret_ballot);
    /* A correction is a later vote: it is the one read. */
    F.council[2] =
        (struct council_row){"V3", "P1", NULL, TDKT__TITLE__TITLE_CSTD_NGANH, 1, 9, 1, 0, 10, 0};
    assert_int_equal(facts_build(&reader, Y, &pp, NULL, &f), 0);
    assert_int_equal(f.p.ballot.yes, 9);
    assert_string_equal(f.p.ballot.ref, "V3");
    assert_true(f.p.secret_ballot);
    assert_false(f.p.ballot_pending);
    assert_null(f.p.vote_open);
    /* An electronic vote still open has no count: the verdict waits for it,
     * and nothing of the earlier votes shapes it. */
    F.council[3] =
        (struct council_row){"V4", "P1", NULL, TDKT__TITLE__TITLE_CSTD_NGANH, 1, 0, 0, 0, 10, 1};
    assert_int_equal(facts_build(&reader, Y, &pp, NULL, &f), 0);
    assert_false(f.p.ballot.present);
    assert_int_equal(f.p.ballot.yes, 0);
    assert_true(f.p.ballot_pending);
    assert_false(f.p.secret_ballot);
    assert_string_equal(f.p.vote_open, "V4");
    /* LĐTT is not a title the Council votes on. */
    assert_int_equal(facts_build(&reader, Y, &lp, NULL, &f), 0);
    assert_false(f.p.ballot.present);
}

/* TTLĐXS quota: the other units with TTLĐTT or TTLĐXS approved or decided,
 * or eligible in the dossier, plus the unit; TTLĐXS granted to others. */
static void test_quota_counts(void **state)
{
    Tdkt__Proposal up = proposal("X1", T(TTLDXS), NULL, "U");
    Tdkt__Proposal zp = proposal("Z1", T(TTLDTT), NULL, "Z");
    Tdkt__Proposal qp = proposal("Q1", T(TTLDTT), NULL, "Q");
    Tdkt__Proposal *props[] = {&up, &zp, &qp};
    struct elig_verdict v[3];
    unsigned char judged[3] = {0, 1, 1};
    struct facts_dossier d = {props, v, judged, 3};
    struct facts f;
    (void)state;

    memset(v, 0, sizeof v);
    v[2].outcome = ELIG_INELIGIBLE;
    F = (struct fake){
        .units = {{"U", NULL, 0}},
        .titles =
            {
                {Y, T(TTLDTT), S_APPROVED, NULL, "V"},
                {Y, T(TTLDXS), S_DECIDED, NULL, "W"},
                {Y, T(TTLDTT), S_DECIDED, NULL, "W"},
                {Y, T(TTLDTT), S_PENDING, NULL, "X"},
                {Y, T(TTLDTT), S_DECIDED, NULL, "U"},
                {Y, T(TTLDXS), S_ANNULLED, NULL, "Y"},
                {Y - 1, T(TTLDXS), S_DECIDED, NULL, "V"},
            },
    };
    assert_int_equal(facts_build(&reader, Y, &up, &d, &f), 0);
    /* V, W, Z and U itself. */
    assert_int_equal(f.p.ttldtt_units, 4);
    assert_int_equal(f.p.ttldxs_granted, 1);
}

/* CSTĐCS cap: both counts over the person's unit and the units below it. */
static void test_cap_counts(void **state)
{
    Tdkt__Proposal pp = proposal("P1", T(CSTDCS), "p", NULL);
    Tdkt__Proposal lp = proposal("L1", T(LDTT), "p", NULL);
    Tdkt__Proposal *props[] = {&lp, &pp};
    struct elig_verdict v[2];
    unsigned char judged[2] = {1, 0};
    struct facts_dossier d = {props, v, judged, 2};
    struct facts f;
    (void)state;

    memset(v, 0, sizeof v);
    F = (struct fake){
        .units = {{"U", NULL, 0}, {"D", "U", 0}, {"OTHER", NULL, 0}},
        .persons = {{"p", "U"}, {"q", "U"}, {"r", "D"}, {"s", "OTHER"}},
        .titles =
            {
                {Y, T(CSTDCS), S_APPROVED, "q", NULL},
                {Y, T(CSTDCS), S_DECIDED, "r", NULL},
                {Y, T(CSTDCS), S_DECIDED, "s", NULL},
                {Y, T(CSTDCS), S_PENDING, "r", NULL},
                {Y, T(LDTT), S_DECIDED, "q", NULL},
                {Y, T(LDTT), S_DECIDED, "r", NULL},
                {Y, T(LDTT), S_DECIDED, "s", NULL},
            },
    };
    assert_int_equal(facts_build(&reader, Y, &pp, &d, &f), 0);
    /* q and r decided, p eligible in the dossier; s is another unit's. */
    assert_int_equal(f.p.unit_ldtt, 3);
    assert_int_equal(f.p.unit_cstdcs_granted, 2);
}

/* --- a dossier ------------------------------------------------------------------------------ */

struct order {
    size_t seen[8], n;
};

static int record_order(void *arg, size_t i, const struct elig_verdict *v)
{
    struct order *o = arg;
    (void)v;
    o->seen[o->n++] = i;
    return 0;
}

/* Persons first, in dossier order; the unit counts its members' eligible
 * titles; a title that is not for the subject is a policy question with no
 * rule; an unregistered subject stops the judging and names itself. */
static void test_judge_dossier(void **state)
{
    Tdkt__Proposal up = proposal("U1", T(TTLDTT), NULL, "U");
    Tdkt__Proposal ap = proposal("A1", T(LDTT), "a", NULL);
    Tdkt__Proposal bad = proposal("X1", T(LDTT), NULL, "U");
    Tdkt__Proposal bp = proposal("B1", T(LDTT), "b", NULL);
    Tdkt__Proposal ghost = proposal("G1", T(LDTT), "ghost", NULL);
    Tdkt__Proposal *props[] = {&up, &ap, &bad, &bp, &ghost};
    struct elig_verdict v[5];
    struct order o = {{0}, 0};
    size_t failed;
    (void)state;

    F = (struct fake){
        .units = {{"U", NULL, 0}},
        .persons = {{"a", "U"}, {"b", "U"}},
        .recs =
            {
                {.kind = R_PRATING, .unit = "U", .year = Y, .code = "a", .rating = HTTNV},
                {.kind = R_PRATING, .unit = "U", .year = Y, .code = "b", .rating = HTTNV},
                {.kind = R_URATING, .unit = "U", .year = Y, .rating = HTTNV},
            },
    };

    assert_int_equal(
        facts_judge_dossier(&reader, &rules, Y, props, 4, v, record_order, &o, &failed), 0);
    assert_int_equal(failed, 4);
    assert_int_equal(o.n, 4);
    assert_int_equal(o.seen[0], 1);
    assert_int_equal(o.seen[1], 3);
    assert_int_equal(o.seen[2], 0);
    assert_int_equal(o.seen[3], 2);
    assert_int_equal(v[1].outcome, ELIG_ELIGIBLE);
    assert_int_equal(v[3].outcome, ELIG_ELIGIBLE);
    /* Both members LĐTT through the dossier. */
    assert_int_equal(v[0].outcome, ELIG_ELIGIBLE);
    assert_int_equal(v[2].outcome, ELIG_POLICY);
    assert_string_equal(v[2].rule, "");
    assert_string_equal(v[2].key, "");
    assert_non_null(strstr(v[2].why.text, "not a title for a unit"));

    /* Without the members' proposals the unit has no LĐTT. */
    assert_int_equal(facts_judge_dossier(&reader, &rules, Y, props, 1, v, NULL, NULL, &failed), 0);
    assert_int_equal(v[0].outcome, ELIG_INELIGIBLE);
    assert_string_equal(v[0].rule, "TTLDTT");

    assert_int_equal(facts_judge_dossier(&reader, &rules, Y, props, 5, v, NULL, NULL, &failed),
                     TDKT_ENOTFOUND);
    assert_int_equal(failed, 4);
    assert_non_null(strstr(v[4].why.text, "person 'ghost' is not registered"));
}

/* A reader's failure stops the judging, naming the proposal. */
static void test_reader_failure(void **state)
{
    Tdkt__Proposal ap = proposal("A1", T(LDTT), "a", NULL);
    Tdkt__Proposal *props[] = {&ap};
    struct elig_verdict v[1];
    size_t failed;
    (void)state;

    F.persons[0] = (struct person_row){"a", "U"};
    F.fail_records = 1;
    assert_int_equal(facts_judge_dossier(&reader, &rules, Y, props, 1, v, NULL, NULL, &failed),
                     TDKT_EDB);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_person_history, reset),
        cmocka_unit_test_setup(test_person_maternity_months, reset),
        cmocka_unit_test_setup(test_unit_task_plan, reset),
        cmocka_unit_test_setup(test_unit_members_and_dissolved, reset),
        cmocka_unit_test_setup(test_member_depth, reset),
        cmocka_unit_test_setup(test_leads_and_ballot, reset),
        cmocka_unit_test_setup(test_quota_counts, reset),
        cmocka_unit_test_setup(test_council_vote, reset),
        cmocka_unit_test_setup(test_cap_counts, reset),
        cmocka_unit_test_setup(test_judge_dossier, reset),
        cmocka_unit_test_setup(test_reader_failure, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
