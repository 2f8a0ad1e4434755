/* SPDX-License-Identifier: MIT */
/*
 * Facts for the eligibility judge from the rows of a facts_reader, and a
 * dossier judged with them (facts.h lists the readings). Pure: the reader is
 * the only way out, and it is never called from inside its own callbacks;
 * the callbacks here only copy or count what they are given.
 */
#include "facts.h"

#include "common/domain/elig_quota.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain/key_tasks.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "common/util/vec.h"

#define T_LDTT     TDKT__TITLE__TITLE_LDTT
#define T_CSTDCS   TDKT__TITLE__TITLE_CSTDCS
#define T_TTLDTT   TDKT__TITLE__TITLE_TTLDTT
#define T_TTLDXS   TDKT__TITLE__TITLE_TTLDXS
#define T_CO_NGANH TDKT__TITLE__TITLE_CO_NGANH
#define T_BK_VT    TDKT__TITLE__TITLE_BK_VT
#define T_BK_TTG   TDKT__TITLE__TITLE_BK_TTG
#define T_BITS     32 /* titles fit a uint32_t bit set (eligibility.h) */

#define S_PENDING  TDKT__PROPOSAL_STATE__PROPOSAL_STATE_PENDING
#define S_APPROVED TDKT__PROPOSAL_STATE__PROPOSAL_STATE_APPROVED
#define S_DECIDED  TDKT__PROPOSAL_STATE__PROPOSAL_STATE_DECIDED

#define YEAR_LAST     9999u /* the judge's last year (eligibility.c) */
#define CODES_INITIAL 16    /* first allocation of a code list */

static int str_set(const char *s)
{
    return s != NULL && *s != '\0';
}

static const char *str_or_empty(const char *s)
{
    return s != NULL ? s : "";
}

static uint32_t title_bit(int t)
{
    return t > 0 && t < T_BITS ? 1u << t : 0;
}

/* --- code lists -------------------------------------------------------------------- */

/* A growing list of unit codes or person ids. */
struct codes {
    char (*v)[FACTS_CODE_MAX + 1];
    size_t n, cap;
};

static int codes_has(const struct codes *c, const char *s)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i], s) == 0)
            return 1;
    return 0;
}

static int codes_add(struct codes *c, const char *s)
{
    /* A code longer than any registered one is a broken row, not one to
     * cut short: a cut code could match another subject. */
    if (strlen(s) > FACTS_CODE_MAX)
        return TDKT_ECORRUPT;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : CODES_INITIAL;
        void *grown = realloc(c->v, cap * sizeof *c->v);

        if (grown == NULL)
            return TDKT_ENOMEM;
        c->v = grown;
        c->cap = cap;
    }
    snprintf(c->v[c->n++], FACTS_CODE_MAX + 1, "%s", s);
    return 0;
}

static int codes_add_new(struct codes *c, const char *s)
{
    return codes_has(c, s) ? 0 : codes_add(c, s);
}

static int codes_add_cb(void *arg, const char *code)
{
    return codes_add(arg, code);
}

static int codes_add_new_cb(void *arg, const char *code)
{
    return codes_add_new(arg, code);
}

static void codes_free(struct codes *c)
{
    free(c->v);
    memset(c, 0, sizeof *c);
}

/* --- one year of a person ------------------------------------------------------------ */

struct person_read {
    const char *person;
    struct elig_person_year *py;
    char rating_unit[FACTS_CODE_MAX + 1], facts_unit[FACTS_CODE_MAX + 1];
    int have_rating, have_facts;
};

/* Several units can file a record for the same person and year (a person
 * moved between divisions): the one under the lowest unit code counts, so
 * that the choice does not depend on the order a database returns rows. */
static int first_unit(int *have, char best[FACTS_CODE_MAX + 1], const char *unit)
{
    if (*have && strcmp(unit, best) >= 0)
        return 0;
    *have = 1;
    snprintf(best, FACTS_CODE_MAX + 1, "%s", unit);
    return 1;
}

static int person_record_cb(void *arg, const char *unit, const Tdkt__ResultRecord *r)
{
    struct person_read *c = arg;
    struct elig_person_year *py = c->py;

    if (r->item_case == TDKT__RESULT_RECORD__ITEM_PERSON_RATING &&
        strcmp(str_or_empty(r->person_rating->person_id), c->person) == 0 &&
        first_unit(&c->have_rating, c->rating_unit, unit)) {
        py->evaluated = r->person_rating->rating != 0;
        py->rating = (int)r->person_rating->rating;
    } else if (r->item_case == TDKT__RESULT_RECORD__ITEM_FACTS &&
               strcmp(str_or_empty(r->facts->person_id), c->person) == 0 &&
               first_unit(&c->have_facts, c->facts_unit, unit)) {
        const Tdkt__PersonFacts *pf = r->facts;

        /* A date that does not parse reads as unknown; records are checked
         * on the way in (record_validate), so this is only a broken store. */
        elig_parse_date(str_or_empty(pf->recruited_on), &py->recruited_on);
        py->leave_months = pf->leave_months;
        /* The months when given; a record that says only "some" (the
         * superseded yes/no) reads as 1, the least it can mean. */
        py->maternity_months = pf->maternity_months  ? pf->maternity_months
                               : pf->maternity_leave ? 1
                                                     : 0;
        py->discipline = (int)pf->discipline;
        elig_parse_date(str_or_empty(pf->disciplined_on), &py->disciplined_on);
        py->under_review = pf->under_review;
        py->research = pf->research_accepted;
        py->discipline_counted_before = pf->discipline_counted_before;
    }
    return 0;
}

static int initiative_cb(void *arg, const char *unit, const Tdkt__ResultRecord *r)
{
    struct person_read *c = arg;
    int author = 0;

    (void)unit;
    if (r->item_case != TDKT__RESULT_RECORD__ITEM_INITIATIVE)
        return 0;
    for (size_t i = 0; i < r->initiative->n_author_ids; i++)
        author |= strcmp(str_or_empty(r->initiative->author_ids[i]), c->person) == 0;
    if (!author)
        return 0;
    if (r->initiative->scope == TDKT__SCOPE__SCOPE_BASE)
        c->py->initiatives.base++;
    else if (r->initiative->scope == TDKT__SCOPE__SCOPE_SECTOR)
        c->py->initiatives.sector++;
    else if (r->initiative->scope == TDKT__SCOPE__SCOPE_NATIONAL)
        c->py->initiatives.national++;
    return 0;
}

/* The rating and facts of person in year, and the initiatives when asked
 * (a member's count does not need them). Titles are set by the caller. */
static int person_year_read(const struct facts_reader *rd, const char *person, uint32_t year,
                            int initiatives, struct elig_person_year *py)
{
    struct person_read c;
    int rc;

    memset(py, 0, sizeof *py);
    memset(&c, 0, sizeof c);
    py->year = year;
    c.person = person;
    c.py = py;
    rc = rd->records_each(rd->arg, NULL, year, "person_rating", person, person_record_cb, &c);
    if (rc == 0)
        rc = rd->records_each(rd->arg, NULL, year, "facts", person, person_record_cb, &c);
    if (rc == 0 && initiatives)
        rc = rd->records_each(rd->arg, NULL, year, "initiative", NULL, initiative_cb, &c);
    return rc;
}

/* --- titles held ----------------------------------------------------------------------- */

/* The titles a subject holds in each history year, and its latest Bằng
 * khen years up to the proposal year. */
struct held {
    const char *person, *unit; /* exactly one set */
    uint32_t first, year;      /* history years first..year */
    uint32_t bits[FACTS_HISTORY_YEARS];
    unsigned bk_vt, bk_ttg;
};

static int held_cb(void *arg, const struct facts_title *t)
{
    struct held *h = arg;

    if (t->state != S_DECIDED)
        return 0;
    if (h->person ? strcmp(str_or_empty(t->person), h->person) != 0
                  : (str_set(t->person) || strcmp(str_or_empty(t->unit), h->unit) != 0))
        return 0;
    if (t->year >= h->first && t->year <= h->year)
        h->bits[t->year - h->first] |= title_bit(t->title);
    /* A Bằng khen decided after the proposal year is not "already held"
     * when the proposal's year is judged. */
    if (t->year <= h->year && t->title == T_BK_VT && t->year > h->bk_vt)
        h->bk_vt = t->year;
    if (t->year <= h->year && t->title == T_BK_TTG && t->year > h->bk_ttg)
        h->bk_ttg = t->year;
    return 0;
}

static int held_read(const struct facts_reader *rd, const char *person, const char *unit,
                     uint32_t year, struct held *h)
{
    memset(h, 0, sizeof *h);
    h->person = person;
    h->unit = unit;
    h->year = year;
    h->first = year - (FACTS_HISTORY_YEARS - 1);
    return rd->titles_each(rd->arg, person, person ? NULL : unit, 0, held_cb, h);
}

/* Titles the dossier proposes for person and has already judged eligible. */
static uint32_t dossier_bits(const struct facts_dossier *d, const char *person)
{
    uint32_t bits = 0;

    for (size_t i = 0; d != NULL && i < d->n; i++)
        if (d->judged[i] && d->verdicts[i].outcome == ELIG_ELIGIBLE &&
            strcmp(str_or_empty(d->props[i]->person_id), person) == 0)
            bits |= title_bit((int)d->props[i]->title);
    return bits;
}

/* --- members --------------------------------------------------------------------------- */

/* The units of unit's subtree, unit first, and the persons registered in
 * them. A unit reached twice (a registry with a cycle) is taken once. */
struct members {
    struct codes units, persons;
};

static int members_collect(const struct facts_reader *rd, const char *unit, struct members *m)
{
    size_t level = 0, end;
    int rc;

    memset(m, 0, sizeof *m);
    if ((rc = codes_add(&m->units, unit)) < 0)
        return rc;
    for (int depth = 0; depth < FACTS_DEPTH_MAX && level < m->units.n; depth++) {
        end = m->units.n;
        for (size_t i = level; i < end; i++) {
            /* A copy: the list may grow (and move) while its children are
             * added. */
            char code[FACTS_CODE_MAX + 1];

            snprintf(code, sizeof code, "%s", m->units.v[i]);
            if ((rc = rd->units_below(rd->arg, code, codes_add_new_cb, &m->units)) < 0)
                return rc;
        }
        level = end;
    }
    for (size_t i = 0; i < m->units.n; i++) {
        char code[FACTS_CODE_MAX + 1];

        snprintf(code, sizeof code, "%s", m->units.v[i]);
        if ((rc = rd->persons_in(rd->arg, code, codes_add_cb, &m->persons)) < 0)
            return rc;
    }
    return 0;
}

static void members_free(struct members *m)
{
    codes_free(&m->units);
    codes_free(&m->persons);
}

/* The member counts of the unit in the proposal year: each member's rating,
 * discipline and titles held, the dossier's eligible ones included. Earlier
 * years are left at 0: the judge reads members only in the proposal year. */
static int members_count(const struct facts_reader *rd, const struct members *m, uint32_t year,
                         const struct facts_dossier *d, struct elig_unit_year *uy)
{
    for (size_t i = 0; i < m->persons.n; i++) {
        const char *id = m->persons.v[i];
        struct elig_person_year py;
        struct held h;
        uint32_t titles;
        int rc;

        if ((rc = person_year_read(rd, id, year, 0, &py)) < 0)
            return rc;
        if ((rc = held_read(rd, id, NULL, year, &h)) < 0)
            return rc;
        titles = h.bits[FACTS_HISTORY_YEARS - 1] | dossier_bits(d, id);
        uy->members++;
        uy->members_completed += py.evaluated && py.rating != TDKT__RATING__RATING_FAILED;
        uy->members_ldtt += (titles & title_bit(T_LDTT)) != 0;
        uy->members_cstdcs += (titles & title_bit(T_CSTDCS)) != 0;
        if (py.discipline > uy->member_discipline)
            uy->member_discipline = py.discipline;
    }
    return 0;
}

/* --- one year of a unit ---------------------------------------------------------------- */

struct unit_read {
    struct elig_unit_year *uy;
    char rating_unit[FACTS_CODE_MAX + 1];
    int have_rating;
    unsigned exceeded;
    struct key_tasks tasks;
};

static int unit_record_cb(void *arg, const char *unit, const Tdkt__ResultRecord *r)
{
    struct unit_read *c = arg;

    if (r->item_case == TDKT__RESULT_RECORD__ITEM_UNIT_RATING &&
        first_unit(&c->have_rating, c->rating_unit, unit)) {
        c->uy->evaluated = r->unit_rating->rating != 0;
        c->uy->rating = (int)r->unit_rating->rating;
    } else if (r->item_case == TDKT__RESULT_RECORD__ITEM_TARGET) {
        int s = record_target_status(r->target);

        c->uy->targets_total++;
        c->uy->targets_met += s >= 0;
        c->exceeded += s > 0;
    } else {
        key_tasks_add(&c->tasks, r);
    }
    return 0;
}

/* One year of a unit; *exceeded (may be NULL) gets how many targets it exceeded. */
static int unit_year_read(const struct facts_reader *rd, const char *unit, uint32_t year,
                          struct elig_unit_year *uy, unsigned *exceeded)
{
    struct unit_read c;
    int rc;

    memset(uy, 0, sizeof *uy);
    memset(&c, 0, sizeof c);
    uy->year = year;
    c.uy = uy;
    rc = rd->records_each(rd->arg, unit, year, "unit_rating", NULL, unit_record_cb, &c);
    if (rc == 0)
        rc = rd->records_each(rd->arg, unit, year, "target", NULL, unit_record_cb, &c);
    if (rc == 0)
        rc = rd->records_each(rd->arg, unit, year, "task", NULL, unit_record_cb, &c);
    if (rc == 0)
        rc = rd->records_each(rd->arg, unit, year, "task_plan", NULL, unit_record_cb, &c);
    /* "Exceeded the plan" (docs/review.md §3.3): something beyond the plan,
     * a target exceeded or more key tasks done than the plan's count (an
     * emerging task done on top of the assigned ones, without a count:
     * key_tasks.h). Whether it still counts with a target missed (63 of
     * 64) is the rule set's exceeding.targets_met_pct, which the judge
     * weighs from targets_met and targets_total. */
    uy->exceeded_plan = c.exceeded || key_tasks_exceeded(&c.tasks);
    if (exceeded != NULL)
        *exceeded = c.exceeded;
    return rc;
}

/* --- leading the cluster, ballots ------------------------------------------------------- */

static int score_cb(void *arg, const char *unit, const Tdkt__ResultRecord *r)
{
    double *sum = arg;

    (void)unit;
    if (r->item_case == TDKT__RESULT_RECORD__ITEM_SCORE)
        *sum += r->score->points;
    return 0;
}

/* First of its cluster in year by criteria points, ties included, with more
 * than 0 points. When this side does not hold every member's results, the
 * order is not known and the unit does not count as leading. */
static int leads_by_points(const struct facts_reader *rd, uint32_t year, const char *unit,
                           int *leads)
{
    struct codes cluster = {0};
    double mine = -1, best = -1;
    int rc;

    *leads = 0;
    rc = rd->cluster_members(rd->arg, year, unit, codes_add_cb, &cluster);
    if (rc == TDKT_ENOTFOUND) {
        rc = 0;
        goto out;
    }
    for (size_t i = 0; rc == 0 && i < cluster.n; i++) {
        char code[FACTS_CODE_MAX + 1];
        double sum = 0;

        snprintf(code, sizeof code, "%s", cluster.v[i]);
        rc = rd->results_held(rd->arg, code);
        if (rc == 0)
            goto out;
        if (rc < 0)
            break;
        rc = rd->records_each(rd->arg, code, year, "score", NULL, score_cb, &sum);
        if (sum > best)
            best = sum;
        if (strcmp(code, unit) == 0)
            mine = sum;
    }
    if (rc == 0)
        *leads = mine > 0 && mine >= best;
out:
    codes_free(&cluster);
    return rc < 0 ? rc : 0;
}

struct ballot_read {
    const char *subject;
    struct elig_proposal *p;
};

/* The contest naming the subject gives its yes votes on the whole roll
 * (VOTE-BASE); being elected in it is leading the cluster. */
static int contest_cb(void *arg, const Tdkt__ContestResult *c)
{
    struct ballot_read *b = arg;

    for (size_t j = 0; j < c->n_candidates; j++) {
        if (strcmp(str_or_empty(c->candidates[j]), b->subject) != 0)
            continue;
        b->p->ballot.present = 1;
        b->p->ballot.yes = j < c->n_yes ? c->yes[j] : 0;
        b->p->ballot.roll = c->roll;
        for (size_t k = 0; k < c->n_elected; k++)
            b->p->leads_cluster |= strcmp(str_or_empty(c->elected[k]), b->subject) == 0;
    }
    return 0;
}

/* The latest Council vote wins: a correction is a new vote (council.h). An
 * electronic vote still open is the latest (no vote on its subjects is
 * entered while it is open), and nothing of it is a count yet. */
static int council_cb(void *arg, const struct facts_council_count *c)
{
    struct facts *f = arg;

    snprintf(f->vote_id, sizeof f->vote_id, "%s", str_or_empty(c->vote_id));
    if (c->open) {
        memset(&f->p.ballot, 0, sizeof f->p.ballot);
        f->p.secret_ballot = 0;
        f->p.ballot_pending = 1;
        f->p.vote_open = f->vote_id;
        return 0;
    }
    f->p.ballot.present = 1;
    f->p.ballot.yes = c->yes;
    f->p.ballot.roll = c->roll;
    f->p.ballot.ref = f->vote_id;
    f->p.secret_ballot = c->secret != 0;
    f->p.ballot_pending = 0;
    f->p.vote_open = NULL;
    return 0;
}

/* The titles the sector's Council votes on. */
static int council_title(int t)
{
    return t == TDKT__TITLE__TITLE_CSTD_NGANH || t == TDKT__TITLE__TITLE_CSTD_TQ ||
           t == TDKT__TITLE__TITLE_BK_TTG || t == TDKT__TITLE__TITLE_CO_CP;
}

/* --- quota and cap counts ---------------------------------------------------------------- */

struct year_counts {
    const char *unit;           /* the unit proposed (quota), or NULL */
    const char *person;         /* the person proposed (cap), or NULL */
    const struct codes *within; /* cap: the units of the person's unit's subtree */
    struct codes ttldtt_units;
    unsigned ttldxs_granted, cstdcs_granted;
    int rc;
};

static int granted(int state)
{
    return state == S_APPROVED || state == S_DECIDED;
}

static int year_counts_cb(void *arg, const struct facts_title *t)
{
    struct year_counts *c = arg;

    if (!granted(t->state))
        return 0;
    if (c->unit != NULL && !str_set(t->person) && strcmp(str_or_empty(t->unit), c->unit) != 0) {
        /* A TTLĐXS unit meets TTLĐTT: it is among the TTLĐTT units. */
        if (t->title == T_TTLDTT || t->title == T_TTLDXS) {
            int rc = codes_add_new(&c->ttldtt_units, str_or_empty(t->unit));

            if (rc < 0)
                return rc;
        }
        c->ttldxs_granted += t->title == T_TTLDXS;
    }
    if (c->person != NULL && str_set(t->person) && t->title == T_CSTDCS &&
        strcmp(t->person, c->person) != 0 && codes_has(c->within, str_or_empty(t->person_unit)))
        c->cstdcs_granted++;
    return 0;
}

/* TTLĐXS quota (unit proposals): the TTLĐTT units of the year, this one
 * included, and the TTLĐXS granted to others. */
static int quota_counts(const struct facts_reader *rd, uint32_t year, const char *unit,
                        const struct facts_dossier *d, struct elig_proposal *p)
{
    struct year_counts c;
    int rc;

    memset(&c, 0, sizeof c);
    c.unit = unit;
    rc = rd->titles_each(rd->arg, NULL, NULL, year, year_counts_cb, &c);
    for (size_t i = 0; rc == 0 && d != NULL && i < d->n; i++) {
        const Tdkt__Proposal *q = d->props[i];

        if (d->judged[i] && d->verdicts[i].outcome == ELIG_ELIGIBLE && !str_set(q->person_id) &&
            (q->title == T_TTLDTT || q->title == T_TTLDXS) &&
            strcmp(str_or_empty(q->unit_code), unit) != 0)
            rc = codes_add_new(&c.ttldtt_units, str_or_empty(q->unit_code));
    }
    if (rc == 0) {
        p->ttldtt_units = (unsigned)c.ttldtt_units.n + 1;
        p->ttldxs_granted = c.ttldxs_granted;
    }
    codes_free(&c.ttldtt_units);
    return rc;
}

/* CSTĐCS cap (person proposals): the LĐTT among the members of the person's
 * unit, and the CSTĐCS granted to other persons of the same members. Both
 * counts run over one set of persons, so the cap is a share of one unit. */
static int cap_counts(const struct facts_reader *rd, uint32_t year, const char *person,
                      const char *punit, const struct facts_dossier *d, struct elig_proposal *p)
{
    struct members m;
    struct elig_unit_year uy;
    struct year_counts c;
    int rc;

    memset(&uy, 0, sizeof uy);
    memset(&c, 0, sizeof c);
    rc = members_collect(rd, punit, &m);
    if (rc == 0)
        rc = members_count(rd, &m, year, d, &uy);
    c.person = person;
    c.within = &m.units;
    if (rc == 0)
        rc = rd->titles_each(rd->arg, NULL, NULL, year, year_counts_cb, &c);
    if (rc == 0) {
        p->unit_ldtt = uy.members_ldtt;
        p->unit_cstdcs_granted = c.cstdcs_granted;
    }
    codes_free(&c.ttldtt_units);
    members_free(&m);
    return rc;
}

/* --- the cluster's flags ------------------------------------------------------------------ */

struct flags_read {
    const struct codes *cluster;
    const char *unit;
    struct elig_proposal *p;
    char *first; /* FACTS_CODE_MAX + 1 bytes */
};

/* A live claim on the flag: proposed (pending), approved or decided. */
static int live(int state)
{
    return state == S_PENDING || granted(state);
}

static void flag_count(struct flags_read *c, const char *unit)
{
    if (strcmp(unit, c->unit) == 0 || !codes_has(c->cluster, unit))
        return;
    if (c->p->cluster_flags++ == 0) {
        snprintf(c->first, FACTS_CODE_MAX + 1, "%s", unit);
        c->p->cluster_flag_unit = c->first;
    }
}

static int flags_cb(void *arg, const struct facts_title *t)
{
    if (t->title == T_CO_NGANH && !str_set(t->person) && live(t->state))
        flag_count(arg, str_or_empty(t->unit));
    return 0;
}

/* CO-NGANH: the flags the cluster's other units hold a live claim to for the
 * year, on record or judged eligible earlier in the dossier. */
static int flags_read(const struct facts_reader *rd, uint32_t year, const char *unit,
                      const struct facts_dossier *d, struct facts *f)
{
    struct codes cluster = {0};
    struct flags_read c = {&cluster, unit, &f->p, f->flag_unit};
    int rc = rd->cluster_members(rd->arg, year, unit, codes_add_cb, &cluster);

    if (rc == TDKT_ENOTFOUND) {
        codes_free(&cluster);
        return 0;
    }
    if (rc == 0)
        rc = rd->titles_each(rd->arg, NULL, NULL, year, flags_cb, &c);
    for (size_t i = 0; rc == 0 && d != NULL && i < d->n; i++)
        if (d->judged[i] && d->verdicts[i].outcome == ELIG_ELIGIBLE &&
            d->props[i]->title == T_CO_NGANH && !str_set(d->props[i]->person_id))
            flag_count(&c, str_or_empty(d->props[i]->unit_code));
    codes_free(&cluster);
    return rc;
}

/* --- the TTLĐXS standing ------------------------------------------------------------------ */

struct quota_read {
    struct codes ttldtt;     /* units rated TTLĐTT: granted TTLĐTT or TTLĐXS, or candidates */
    struct codes candidates; /* units with a live TTLĐXS proposal */
    int *states;             /* candidates' best state, by index */
    size_t states_cap;
    unsigned granted;
};

static int quota_cb(void *arg, const struct facts_title *t)
{
    struct quota_read *q = arg;
    const char *unit = str_or_empty(t->unit);
    int rc = 0;

    if (str_set(t->person) || (t->title != T_TTLDTT && t->title != T_TTLDXS))
        return 0;
    if (granted(t->state))
        rc = codes_add_new(&q->ttldtt, unit);
    if (rc < 0 || t->title != T_TTLDXS || !live(t->state))
        return rc;
    q->granted += granted(t->state);
    if (!codes_has(&q->candidates, unit)) {
        if (vec_reserve(&q->states, &q->states_cap, q->candidates.n, sizeof *q->states,
                        CODES_INITIAL) < 0)
            return TDKT_ENOMEM;
        q->states[q->candidates.n] = 0;
        if ((rc = codes_add(&q->candidates, unit)) < 0)
            return rc;
    }
    for (size_t i = 0; i < q->candidates.n; i++)
        if (strcmp(q->candidates.v[i], unit) == 0 && t->state > q->states[i])
            q->states[i] = t->state;
    return codes_add_new(&q->ttldtt, unit);
}

/* A unit's standing in its cluster: its points, and its rank among the
 * members by points (1 = first, ties share the rank); rank 0 when it is in no
 * cluster, has no points, or this side does not hold every member's results. */
static int standing_read(const struct facts_reader *rd, uint32_t year, const char *unit,
                         unsigned *rank, double *points)
{
    struct codes cluster = {0};
    double mine = 0;
    unsigned above = 0;
    int rc = rd->records_each(rd->arg, unit, year, "score", NULL, score_cb, &mine);

    *rank = 0;
    *points = mine;
    if (rc == 0)
        rc = rd->cluster_members(rd->arg, year, unit, codes_add_cb, &cluster);
    if (rc == TDKT_ENOTFOUND || mine <= 0) {
        codes_free(&cluster);
        return rc == TDKT_ENOTFOUND ? 0 : rc;
    }
    for (size_t i = 0; rc == 0 && i < cluster.n; i++) {
        char code[FACTS_CODE_MAX + 1];
        double sum = 0;

        snprintf(code, sizeof code, "%s", cluster.v[i]);
        if ((rc = rd->results_held(rd->arg, code)) <= 0) {
            codes_free(&cluster);
            return rc;
        }
        rc = rd->records_each(rd->arg, code, year, "score", NULL, score_cb, &sum);
        above += sum > mine;
    }
    if (rc == 0)
        *rank = above + 1;
    codes_free(&cluster);
    return rc;
}

/* Order q's rows by the ranking of elig_quota.h. */
static int facts_quota_rank(struct facts_quota *q)
{
    struct elig_quota_candidate *c = calloc(q->n ? q->n : 1, sizeof *c);
    struct facts_quota_row *rows = calloc(q->n ? q->n : 1, sizeof *rows);

    if (c == NULL || rows == NULL) {
        free(c);
        free(rows);
        return TDKT_ENOMEM;
    }
    for (size_t i = 0; i < q->n; i++) {
        c[i] = q->rows[i].c;
        c[i].tag = i;
    }
    elig_quota_rank(c, q->n, q->quota);
    for (size_t i = 0; i < q->n; i++) {
        rows[i] = q->rows[c[i].tag];
        rows[i].c = c[i];
        rows[i].c.unit = rows[i].unit;
    }
    free(q->rows);
    q->rows = rows;
    free(c);
    return 0;
}

void facts_quota_free(struct facts_quota *q)
{
    if (q == NULL)
        return;
    free(q->rows);
    memset(q, 0, sizeof *q);
}

int facts_quota_read(const struct facts_reader *rd, uint32_t year, double pct,
                     struct facts_quota *out)
{
    struct quota_read q;
    int rc;

    if (rd == NULL || out == NULL)
        return TDKT_EINVAL;
    memset(out, 0, sizeof *out);
    memset(&q, 0, sizeof q);
    rc = rd->titles_each(rd->arg, NULL, NULL, year, quota_cb, &q);
    if (rc == 0 && q.candidates.n > 0 && !(out->rows = calloc(q.candidates.n, sizeof *out->rows)))
        rc = TDKT_ENOMEM;
    for (size_t i = 0; rc == 0 && i < q.candidates.n; i++) {
        struct facts_quota_row *r = &out->rows[i];
        struct elig_unit_year uy = {0};

        snprintf(r->unit, sizeof r->unit, "%s", q.candidates.v[i]);
        r->state = q.states[i];
        r->c.unit = r->unit;
        rc = standing_read(rd, year, r->unit, &r->c.cluster_rank, &r->c.points);
        if (rc == 0)
            rc = unit_year_read(rd, r->unit, year, &uy, &r->c.targets_exceeded);
        r->c.targets = uy.targets_total;
        out->n = i + 1;
    }
    if (rc == 0) {
        out->year = year;
        out->pct = pct;
        out->ttldtt_units = (unsigned)q.ttldtt.n;
        out->quota = elig_ttldxs_quota(out->ttldtt_units, pct);
        out->granted = q.granted;
        rc = facts_quota_rank(out);
    }
    codes_free(&q.ttldtt);
    codes_free(&q.candidates);
    free(q.states);
    if (rc < 0)
        facts_quota_free(out);
    return rc;
}

/* --- a proposal -------------------------------------------------------------------------- */

static int build_person(const struct facts_reader *rd, uint32_t year, const Tdkt__Proposal *prop,
                        const struct facts_dossier *d, struct facts *f)
{
    const char *person = prop->person_id;
    char punit[FACTS_CODE_MAX + 1];
    struct held h;
    int rc;

    rc = rd->person_unit(rd->arg, person, punit);
    if (rc < 0)
        return rc;
    rc = held_read(rd, person, NULL, year, &h);
    for (size_t i = 0; rc == 0 && i < FACTS_HISTORY_YEARS; i++) {
        rc = person_year_read(rd, person, h.first + (uint32_t)i, 1, &f->person[i]);
        f->person[i].titles = h.bits[i];
    }
    if (rc < 0)
        return rc;
    f->p.person = f->person;
    f->p.bk_sector_year = h.bk_vt;
    f->p.bk_ttg_year = h.bk_ttg;
    /* The cap is read only by CSTĐCS, which every person's title but LĐTT
     * may judge in the proposal year (a run ending in it). */
    if (prop->title != T_LDTT)
        rc = cap_counts(rd, year, person, punit, d, &f->p);
    return rc;
}

static int build_unit(const struct facts_reader *rd, uint32_t year, const Tdkt__Proposal *prop,
                      const struct facts_dossier *d, struct facts *f)
{
    const char *unit = prop->unit_code;
    struct facts_unit u;
    struct members m;
    struct held h;
    int rc;

    rc = rd->unit_get(rd->arg, unit, &u);
    if (rc < 0)
        return rc;
    rc = held_read(rd, NULL, unit, year, &h);
    for (size_t i = 0; rc == 0 && i < FACTS_HISTORY_YEARS; i++) {
        rc = unit_year_read(rd, unit, h.first + (uint32_t)i, &f->unit[i], NULL);
        f->unit[i].titles = h.bits[i];
        /* A unit dissolved in a restructuring is dissolved for good: no
         * commendation for any year (DISSOLVED). */
        f->unit[i].dissolved = u.revoked != 0;
    }
    if (rc < 0)
        return rc;
    f->p.unit = f->unit;
    rc = members_collect(rd, unit, &m);
    if (rc == 0)
        rc = members_count(rd, &m, year, d, &f->unit[FACTS_HISTORY_YEARS - 1]);
    members_free(&m);
    if (rc == 0)
        rc = leads_by_points(rd, year, unit, &f->p.leads_cluster);
    if (rc == 0)
        rc = quota_counts(rd, year, unit, d, &f->p);
    if (rc == 0 && prop->title == T_CO_NGANH)
        rc = flags_read(rd, year, unit, d, f);
    return rc;
}

int facts_build(const struct facts_reader *rd, uint32_t year, const Tdkt__Proposal *prop,
                const struct facts_dossier *d, struct facts *f)
{
    int person, rc;

    if (rd == NULL || prop == NULL || f == NULL)
        return TDKT_EINVAL;
    memset(f, 0, sizeof *f);
    person = str_set(prop->person_id);
    if ((!person && !str_set(prop->unit_code)) || year < FACTS_HISTORY_YEARS || year > YEAR_LAST)
        return TDKT_EINVAL;
    f->p.title = (int)prop->title;
    f->p.year = year;
    f->p.n = FACTS_HISTORY_YEARS;
    rc = person ? build_person(rd, year, prop, d, f) : build_unit(rd, year, prop, d, f);
    if (rc < 0)
        return rc;
    /* ONCE: the title is already decided for the subject and year. */
    f->p.already_awarded = ((person ? f->person[FACTS_HISTORY_YEARS - 1].titles
                                    : f->unit[FACTS_HISTORY_YEARS - 1].titles) &
                            title_bit(f->p.title)) != 0;
    if (str_set(prop->ballot_id)) {
        struct ballot_read b = {person ? prop->person_id : prop->unit_code, &f->p};

        int leads = f->p.leads_cluster, state = FACTS_BALLOT_NONE;

        rc = rd->ballot_each(rd->arg, prop->ballot_id, &state, contest_cb, &b);
        if (state == FACTS_BALLOT_OPEN || state == FACTS_BALLOT_TALLIED) {
            /* Not published: nothing of the tally may shape the verdict. */
            memset(&f->p.ballot, 0, sizeof f->p.ballot);
            f->p.leads_cluster = leads;
            f->p.ballot_pending = 1;
        }
        f->p.secret_ballot = f->p.ballot.present;
    }
    if (rc == 0 && council_title(f->p.title))
        rc = rd->council_each(rd->arg, year, person ? prop->person_id : NULL,
                              person ? NULL : prop->unit_code, f->p.title, council_cb, f);
    return rc;
}

/* --- a dossier --------------------------------------------------------------------------- */

/* A verdict the judge did not give: o with no rule and the reason why. */
static void verdict_plain(struct elig_verdict *v, enum elig_outcome o, const char *why)
{
    memset(v, 0, sizeof *v);
    v->outcome = o;
    v->rule = "";
    v->key = "";
    reason_set_text(&v->why, why);
}

int facts_judge_dossier(const struct facts_reader *rd, const struct elig_rules *rules,
                        uint32_t year, Tdkt__Proposal *const *props, size_t n,
                        struct elig_verdict *out, facts_verdict_fn done, void *arg, size_t *failed)
{
    unsigned char *judged = calloc(n ? n : 1, 1);
    struct facts *f = malloc(sizeof *f);
    struct facts_dossier d = {props, out, judged, n};
    int rc = 0;

    *failed = n;
    if (judged == NULL || f == NULL) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    /* Persons first: a unit's title counts its members' titles judged
     * eligible in the same dossier. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const Tdkt__Proposal *p = props[i];
            int person = str_set(p->person_id);

            if (person != (pass == 0))
                continue;
            rc = facts_build(rd, year, p, &d, f);
            if (rc == 0)
                rc = elig_judge(&f->p, rules, &out[i]);
            else if (rc == TDKT_EINVAL)
                verdict_plain(&out[i], ELIG_POLICY,
                              "the proposal names no person or unit, or no year the rules know");
            if (rc == TDKT_EINVAL) {
                /* Facts the judge cannot judge are the office's to fix:
                 * a policy question with no rule, whatever the judge said. */
                out[i].outcome = ELIG_POLICY;
                out[i].rule = "";
                out[i].key = "";
                rc = 0;
            }
            if (rc == TDKT_ENOTFOUND) {
                verdict_plain(&out[i], ELIG_INELIGIBLE, "");
                if (person)
                    reason_set(&out[i].why, "person '%.*s' is not registered", FACTS_CODE_MAX,
                               p->person_id);
                else
                    reason_set(&out[i].why, "unit '%.*s' is not registered", FACTS_CODE_MAX,
                               str_or_empty(p->unit_code));
            }
            if (rc < 0) {
                *failed = i;
                goto out;
            }
            judged[i] = 1;
            if (done != NULL && (rc = done(arg, i, &out[i])) < 0) {
                *failed = i;
                goto out;
            }
        }
    }
out:
    free(f);
    free(judged);
    return rc;
}
