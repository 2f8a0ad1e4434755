/* SPDX-License-Identifier: MIT */
/*
 * The eligibility preview over the data an office holds (docs/review.md §3):
 * its own results and its copy of the registry, judged by the same engine
 * as the server (common/domain/eligibility.c) under the rule set in force in
 * the local registry copy. What the office does not hold — titles decided
 * by the central office, other offices' data — counts as absent, so a
 * verdict that needs earlier titles can differ from the server's; the
 * server's judgement at submission is the one recorded. Read-only.
 */
#include "client/lib/elig_local.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/records.h"
#include "common/err.h"

struct getter {
    struct store *s;
    uint32_t year;
    char ruleset[65];
};

static int rule_get(void *arg, const char *key, double *value)
{
    struct getter *g = arg;
    return store_rule_value(g->s, g->year, key, value, g->ruleset);
}

/* Each current record of kind for (unit or any, year); cb per record. */
static void each_record(struct store *s, const char *unit, uint32_t year, const char *kind,
                        const char *key, void (*cb)(void *arg, const Tdkt__ResultRecord *r),
                        void *arg)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(
            store_db(s),
            "SELECT record FROM records WHERE (?1 IS NULL OR unit = ?1) AND year = ?2"
            " AND kind = ?3 AND (?4 IS NULL OR key = ?4) AND removed = 0",
            -1, &st, NULL) != SQLITE_OK)
        return;
    if (unit)
        sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, year);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    if (key)
        sqlite3_bind_text(st, 4, key, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        Tdkt__ResultRecord *r = tdkt__result_record__unpack(
            NULL, (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 0));
        if (r) {
            cb(arg, r);
            tdkt__result_record__free_unpacked(r, NULL);
        }
    }
    sqlite3_finalize(st);
}

struct person_ctx {
    const char *person;
    struct elig_person_year *py;
};

static void person_cb(void *arg, const Tdkt__ResultRecord *r)
{
    struct person_ctx *c = arg;
    struct elig_person_year *py = c->py;
    switch (r->item_case) {
    case TDKT__RESULT_RECORD__ITEM_PERSON_RATING:
        py->evaluated = r->person_rating->rating != 0;
        py->rating = (int)r->person_rating->rating;
        break;
    case TDKT__RESULT_RECORD__ITEM_FACTS:
        elig_parse_date(r->facts->recruited_on ? r->facts->recruited_on : "", &py->recruited_on);
        py->leave_months = r->facts->leave_months;
        py->maternity_months = r->facts->maternity_leave ? 1 : 0;
        py->discipline = (int)r->facts->discipline;
        elig_parse_date(r->facts->disciplined_on ? r->facts->disciplined_on : "",
                        &py->disciplined_on);
        py->under_review = r->facts->under_review;
        py->research = r->facts->research_accepted;
        py->discipline_counted_before = r->facts->discipline_counted_before;
        break;
    case TDKT__RESULT_RECORD__ITEM_INITIATIVE:
        for (size_t i = 0; i < r->initiative->n_author_ids; i++)
            if (strcmp(r->initiative->author_ids[i], c->person) == 0) {
                if (r->initiative->scope == TDKT__SCOPE__SCOPE_BASE)
                    py->initiatives.base++;
                else if (r->initiative->scope == TDKT__SCOPE__SCOPE_SECTOR)
                    py->initiatives.sector++;
                else if (r->initiative->scope == TDKT__SCOPE__SCOPE_NATIONAL)
                    py->initiatives.national++;
            }
        break;
    default:
        break;
    }
}

static void person_year(struct store *s, const char *person, uint32_t year,
                        struct elig_person_year *py)
{
    struct person_ctx c = {person, py};
    memset(py, 0, sizeof *py);
    py->year = year;
    each_record(s, NULL, year, "person_rating", person, person_cb, &c);
    each_record(s, NULL, year, "facts", person, person_cb, &c);
    each_record(s, NULL, year, "initiative", NULL, person_cb, &c);
}

struct unit_ctx {
    struct elig_unit_year *uy;
    unsigned exceeded, emerging;
};

static void unit_cb(void *arg, const Tdkt__ResultRecord *r)
{
    struct unit_ctx *c = arg;
    if (r->item_case == TDKT__RESULT_RECORD__ITEM_UNIT_RATING) {
        c->uy->evaluated = r->unit_rating->rating != 0;
        c->uy->rating = (int)r->unit_rating->rating;
    } else if (r->item_case == TDKT__RESULT_RECORD__ITEM_TARGET) {
        int t = record_target_status(r->target);
        c->uy->targets_total++;
        c->uy->targets_met += t >= 0;
        c->exceeded += t > 0;
    } else if (r->item_case == TDKT__RESULT_RECORD__ITEM_TASK && r->task->done &&
               r->task->origin == TDKT__TASK_ORIGIN__TASK_ORIGIN_EMERGING) {
        c->emerging++;
    }
}

/* Members' titles proposed in the same dossier and judged eligible here. */
static uint32_t proposed_ok(const char *person, Tdkt__Proposal *const *props,
                            const struct elig_verdict *v, size_t n)
{
    uint32_t bits = 0;
    for (size_t i = 0; i < n; i++)
        if (props[i]->person_id && strcmp(props[i]->person_id, person) == 0 &&
            v[i].outcome == ELIG_ELIGIBLE && props[i]->title < 32)
            bits |= 1u << props[i]->title;
    return bits;
}

static void unit_year(struct store *s, const char *unit, uint32_t year, uint32_t now_year,
                      Tdkt__Proposal *const *props, const struct elig_verdict *v, size_t n,
                      struct elig_unit_year *uy)
{
    struct unit_ctx c = {uy, 0, 0};
    sqlite3_stmt *st;

    memset(uy, 0, sizeof *uy);
    uy->year = year;
    each_record(s, unit, year, "unit_rating", NULL, unit_cb, &c);
    each_record(s, unit, year, "target", NULL, unit_cb, &c);
    each_record(s, unit, year, "task", NULL, unit_cb, &c);
    /* As the server's facts.c: beyond the plan; a missed target is the
     * engine's question (exceeding.targets_met_pct). */
    uy->exceeded_plan = c.exceeded || c.emerging;
    if (sqlite3_prepare_v2(store_db(s), "SELECT id, unit FROM reg_persons", -1, &st, NULL) !=
        SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *pu = (const char *)sqlite3_column_text(st, 1);
        struct elig_person_year py;
        uint32_t titles;
        if (!id || !pu || store_unit_within(s, pu, unit) != 1)
            continue;
        person_year(s, id, year, &py);
        titles = year == now_year ? proposed_ok(id, props, v, n) : 0;
        uy->members++;
        uy->members_completed += py.evaluated && py.rating != TDKT__RATING__RATING_FAILED;
        uy->members_ldtt += (titles >> TDKT__TITLE__TITLE_LDTT) & 1;
        uy->members_cstdcs += (titles >> TDKT__TITLE__TITLE_CSTDCS) & 1;
        if (py.discipline > uy->member_discipline)
            uy->member_discipline = py.discipline;
    }
    sqlite3_finalize(st);
}

int elig_local_judge(struct store *s, uint32_t year, Tdkt__Proposal *const *props, size_t n,
                     struct elig_verdict *out, char ruleset[65])
{
    static struct elig_person_year persons[ELIG_LOCAL_YEARS];
    static struct elig_unit_year units[ELIG_LOCAL_YEARS];
    struct getter g = {s, year, ""};
    struct elig_rules rules = {rule_get, &g};
    int rc = 0;

    ruleset[0] = '\0';
    /* Persons first: a unit's title counts its members' eligible ones. */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        for (size_t i = 0; i < n && rc == 0; i++) {
            const Tdkt__Proposal *p = props[i];
            int person = p->person_id && *p->person_id;
            struct elig_proposal ep;
            if (person != (pass == 0))
                continue;
            memset(&ep, 0, sizeof ep);
            ep.title = (int)p->title;
            ep.year = year;
            ep.n = ELIG_LOCAL_YEARS;
            for (size_t k = 0; k < ELIG_LOCAL_YEARS; k++) {
                uint32_t y = year - (uint32_t)(ELIG_LOCAL_YEARS - 1 - k);
                if (person)
                    person_year(s, p->person_id, y, &persons[k]);
                else
                    unit_year(s, p->unit_code ? p->unit_code : "", y, year, props, out, n,
                              &units[k]);
            }
            if (person)
                ep.person = persons;
            else
                ep.unit = units;
            /* What only the centre holds (decided titles, the sector's
             * TTLĐTT count, ballots) is absent here. */
            ep.ttldtt_units = 1;
            rc = elig_judge(&ep, &rules, &out[i]);
            if (rc == TDKT_EINVAL) {
                out[i].outcome = ELIG_POLICY;
                rc = 0;
            }
            if (g.ruleset[0])
                snprintf(ruleset, 65, "%s", g.ruleset);
        }
    }
    return rc;
}
