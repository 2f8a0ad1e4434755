/* SPDX-License-Identifier: MIT */
/*
 * Facts for the eligibility engine, from the ledger's state tables. See
 * facts.h and docs/review.md §3.
 */
#include "server/review/facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/records.h"
#include "common/err.h"
#include "common/log.h"
#include "server/ledger/catalog.h"
#include "server/ledger/registry.h"
#include "server/ledger/sql.h"

#define PROPOSAL_DECIDED  TDKT__PROPOSAL_STATE__PROPOSAL_STATE_DECIDED
#define PROPOSAL_APPROVED TDKT__PROPOSAL_STATE__PROPOSAL_STATE_APPROVED

int facts_rule_get(void *arg, const char *key, double *value)
{
    struct facts_rules *r = arg;
    return catalog_rule_value(r->l, r->year, key, value, r->ruleset);
}

/* The current record of kind for (unit or any, year, key or any). */
static Tdkt__ResultRecord *record_get(struct ledger *l, const char *unit, uint32_t year,
                                      const char *kind, const char *key)
{
    sqlite3_stmt *st;
    Tdkt__ResultRecord *r = NULL;
    int rc = sql_query(l, &st,
                       "SELECT record FROM results WHERE (?1 IS NULL OR unit = ?1) AND year = ?2"
                       " AND kind = ?3 AND (?4 IS NULL OR key = ?4) AND removed = 0 LIMIT 1",
                       "tutt", unit, year, kind, key);
    if (rc < 0)
        return NULL;
    if (sql_step(l, st, "reading a result") == 1)
        r = tdkt__result_record__unpack(NULL, (size_t)sqlite3_column_bytes(st, 0),
                                        sqlite3_column_blob(st, 0));
    sql_done(st);
    return r;
}

/* Bitmask of titles decided for the subject in year (annulled left out). */
static uint32_t titles_decided(struct ledger *l, const char *person, const char *unit,
                               uint32_t year)
{
    sqlite3_stmt *st;
    uint32_t bits = 0;
    if (sql_query(l, &st,
                  "SELECT p.title FROM proposals p JOIN submissions s ON p.submission = s.id"
                  " WHERE s.year = ?1 AND p.state = ?2 AND ((?3 IS NOT NULL AND p.person = ?3)"
                  " OR (?3 IS NULL AND p.person IS NULL AND p.unit = ?4))",
                  "uitt", year, (int64_t)PROPOSAL_DECIDED, person, unit) < 0)
        return 0;
    while (sql_step(l, st, "reading titles") == 1) {
        int64_t t = sqlite3_column_int64(st, 0);
        if (t > 0 && t < 32)
            bits |= 1u << t;
    }
    sql_done(st);
    return bits;
}

/* Titles proposed for the subject in this submission with an eligible
 * verdict and not rejected: held "now" for a unit's member counts. */
static uint32_t titles_proposed_ok(struct ledger *l, const char *submission, const char *person)
{
    sqlite3_stmt *st;
    uint32_t bits = 0;
    if (sql_query(l, &st,
                  "SELECT title FROM proposals WHERE submission = ?1 AND person = ?2"
                  " AND verdict = ?3 AND state IN (1, 2, 5)",
                  "tti", submission, person, (int64_t)TDKT__VERDICT__VERDICT_ELIGIBLE) < 0)
        return 0;
    while (sql_step(l, st, "reading proposals") == 1) {
        int64_t t = sqlite3_column_int64(st, 0);
        if (t > 0 && t < 32)
            bits |= 1u << t;
    }
    sql_done(st);
    return bits;
}

static unsigned latest_title_year(struct ledger *l, const char *person, int title)
{
    sqlite3_stmt *st;
    unsigned y = 0;
    if (sql_query(l, &st,
                  "SELECT coalesce(max(s.year), 0) FROM proposals p JOIN submissions s"
                  " ON p.submission = s.id WHERE p.person = ?1 AND p.title = ?2 AND p.state = ?3",
                  "tii", person, (int64_t)title, (int64_t)PROPOSAL_DECIDED) < 0)
        return 0;
    if (sql_step(l, st, "reading awards") == 1)
        y = (unsigned)sqlite3_column_int64(st, 0);
    sql_done(st);
    return y;
}

static int scalar(struct ledger *l, sqlite3_stmt *st, int64_t *v)
{
    int rc = sql_step(l, st, "counting");
    *v = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
    sql_done(st);
    return rc < 0 ? rc : 0;
}

static void person_year(struct ledger *l, const char *submission, const char *person, uint32_t year,
                        struct elig_person_year *py)
{
    Tdkt__ResultRecord *r;
    sqlite3_stmt *st;

    memset(py, 0, sizeof *py);
    py->year = year;
    r = record_get(l, NULL, year, "person_rating", person);
    if (r && r->item_case == TDKT__RESULT_RECORD__ITEM_PERSON_RATING) {
        py->evaluated = r->person_rating->rating != 0;
        py->rating = (int)r->person_rating->rating;
    }
    if (r)
        tdkt__result_record__free_unpacked(r, NULL);
    r = record_get(l, NULL, year, "facts", person);
    if (r && r->item_case == TDKT__RESULT_RECORD__ITEM_FACTS) {
        const Tdkt__PersonFacts *pf = r->facts;
        elig_parse_date(pf->recruited_on ? pf->recruited_on : "", &py->recruited_on);
        py->leave_months = pf->leave_months;
        py->maternity_months = pf->maternity_leave ? 1 : 0;
        py->discipline = (int)pf->discipline;
        elig_parse_date(pf->disciplined_on ? pf->disciplined_on : "", &py->disciplined_on);
        py->under_review = pf->under_review;
        py->research = pf->research_accepted;
        py->discipline_counted_before = pf->discipline_counted_before;
    }
    if (r)
        tdkt__result_record__free_unpacked(r, NULL);
    /* Initiatives recognised this year with the person among the authors. */
    if (sql_query(l, &st,
                  "SELECT record FROM results WHERE year = ?1 AND kind = 'initiative'"
                  " AND removed = 0",
                  "u", year) == 0) {
        while (sql_step(l, st, "reading initiatives") == 1) {
            Tdkt__ResultRecord *ir = tdkt__result_record__unpack(
                NULL, (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 0));
            if (!ir)
                continue;
            if (ir->item_case == TDKT__RESULT_RECORD__ITEM_INITIATIVE) {
                int author = 0;
                for (size_t i = 0; i < ir->initiative->n_author_ids; i++)
                    author |= strcmp(ir->initiative->author_ids[i], person) == 0;
                if (author && ir->initiative->scope == TDKT__SCOPE__SCOPE_BASE)
                    py->initiatives.base++;
                else if (author && ir->initiative->scope == TDKT__SCOPE__SCOPE_SECTOR)
                    py->initiatives.sector++;
                else if (author && ir->initiative->scope == TDKT__SCOPE__SCOPE_NATIONAL)
                    py->initiatives.national++;
            }
            tdkt__result_record__free_unpacked(ir, NULL);
        }
        sql_done(st);
    }
    py->titles = titles_decided(l, person, NULL, year);
    (void)submission;
}

/* Is person (working in punit) a member of unit? */
static void unit_year(struct ledger *l, const char *submission, const char *unit, uint32_t year,
                      uint32_t proposal_year, struct elig_unit_year *uy)
{
    Tdkt__ResultRecord *r;
    sqlite3_stmt *st;
    unsigned exceeded = 0, emerging_done = 0;
    char(*members)[LEDGER_UNIT_MAX + 1] = NULL;
    size_t nm = 0;

    memset(uy, 0, sizeof *uy);
    uy->year = year;
    r = record_get(l, unit, year, "unit_rating", NULL);
    if (r && r->item_case == TDKT__RESULT_RECORD__ITEM_UNIT_RATING) {
        uy->evaluated = r->unit_rating->rating != 0;
        uy->rating = (int)r->unit_rating->rating;
    }
    if (r)
        tdkt__result_record__free_unpacked(r, NULL);
    if (sql_query(l, &st,
                  "SELECT record FROM results WHERE unit = ?1 AND year = ?2"
                  " AND kind IN ('target', 'task') AND removed = 0",
                  "tu", unit, year) == 0) {
        while (sql_step(l, st, "reading targets") == 1) {
            Tdkt__ResultRecord *tr = tdkt__result_record__unpack(
                NULL, (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 0));
            if (!tr)
                continue;
            if (tr->item_case == TDKT__RESULT_RECORD__ITEM_TARGET) {
                int s = record_target_status(tr->target);
                uy->targets_total++;
                uy->targets_met += s >= 0;
                exceeded += s > 0;
            } else if (tr->item_case == TDKT__RESULT_RECORD__ITEM_TASK && tr->task->done &&
                       tr->task->origin == TDKT__TASK_ORIGIN__TASK_ORIGIN_EMERGING) {
                emerging_done++;
            }
            tdkt__result_record__free_unpacked(tr, NULL);
        }
        sql_done(st);
    }
    /* Our reading of "exceeded the plan" (docs/review.md §3): something
     * beyond the plan — a target exceeded or an emerging key task done on top
     * of the assigned ones. Whether that still counts with a target missed
     * (63 of 64) is the rule set's exceeding.targets_met_pct, which the
     * engine reads from targets_met and targets_total. */
    uy->exceeded_plan = exceeded || emerging_done;
    uy->titles = titles_decided(l, NULL, unit, year);
    {
        int64_t revoked = 0;
        if (sql_query(l, &st, "SELECT revoked FROM units WHERE code = ?1", "t", unit) == 0)
            scalar(l, st, &revoked);
        uy->dissolved = revoked != 0;
    }
    /* Members: the persons of the unit and of every unit below it (as
     * catalog_unit_within), read by the unit index, with no cap: the ids are
     * collected first because person_year runs its own queries. */
    if (sql_query(l, &st,
                  "WITH RECURSIVE sub(code, depth) AS (SELECT ?1, 0 UNION ALL"
                  " SELECT u.code, sub.depth + 1 FROM units u JOIN sub ON u.parent = sub.code"
                  " WHERE sub.depth < ?2)"
                  " SELECT p.id FROM persons p JOIN sub ON p.unit = sub.code ORDER BY p.id",
                  "ti", unit, (int64_t)CATALOG_DEPTH_MAX) == 0) {
        size_t cap = 0;
        while (sql_step(l, st, "reading persons") == 1) {
            if (nm == cap) {
                size_t ncap = cap ? 2 * cap : 64;
                void *grown = realloc(members, ncap * sizeof *members);
                if (!grown) {
                    /* No partial count: no members at all, which the
                     * engine reports ("the unit reports no members"). */
                    log_error("facts: out of memory reading the members of %s", unit);
                    nm = 0;
                    break;
                }
                members = grown;
                cap = ncap;
            }
            sql_col_text(st, 0, members[nm], sizeof members[nm]);
            nm++;
        }
        sql_done(st);
    }
    for (size_t i = 0; members && i < nm; i++) {
        struct elig_person_year py;
        uint32_t titles;
        person_year(l, submission, members[i], year, &py);
        titles = py.titles;
        if (year == proposal_year)
            titles |= titles_proposed_ok(l, submission, members[i]);
        uy->members++;
        uy->members_completed += py.evaluated && py.rating != TDKT__RATING__RATING_FAILED;
        uy->members_ldtt += (titles >> TDKT__TITLE__TITLE_LDTT) & 1;
        uy->members_cstdcs += (titles >> TDKT__TITLE__TITLE_CSTDCS) & 1;
        if (py.discipline > uy->member_discipline)
            uy->member_discipline = py.discipline;
    }
    free(members);
}

/* Is unit first of its cluster in year by criteria points (ties count)? */
static int leads_by_points(struct ledger *l, uint32_t year, const char *unit)
{
    char cluster[RECORD_CODE_MAX + 1];
    sqlite3_stmt *st;
    double mine = -1, best = -1;

    if (catalog_unit_cluster(l, year, unit, cluster) < 0)
        return 0;
    if (sql_query(l, &st,
                  "SELECT m.unit, r.record FROM cluster_members m LEFT JOIN results r"
                  " ON r.unit = m.unit AND r.year = m.year AND r.kind = 'score' AND r.removed = 0"
                  " WHERE m.year = ?1 AND m.cluster = ?2 ORDER BY m.unit",
                  "ut", year, cluster) < 0)
        return 0;
    char cur[LEDGER_UNIT_MAX + 1] = "";
    double sum = 0;
    int rc;
    while ((rc = sql_step(l, st, "reading scores")) == 1 || cur[0]) {
        char u[LEDGER_UNIT_MAX + 1] = "";
        if (rc == 1)
            sql_col_text(st, 0, u, sizeof u);
        if (cur[0] && (rc != 1 || strcmp(u, cur) != 0)) {
            if (sum > best)
                best = sum;
            if (strcmp(cur, unit) == 0)
                mine = sum;
            sum = 0;
            cur[0] = '\0';
        }
        if (rc != 1)
            break;
        snprintf(cur, sizeof cur, "%s", u);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            Tdkt__ResultRecord *r = tdkt__result_record__unpack(
                NULL, (size_t)sqlite3_column_bytes(st, 1), sqlite3_column_blob(st, 1));
            if (r && r->item_case == TDKT__RESULT_RECORD__ITEM_SCORE)
                sum += r->score->points;
            if (r)
                tdkt__result_record__free_unpacked(r, NULL);
        }
    }
    sql_done(st);
    return mine > 0 && mine >= best;
}

int facts_load(struct ledger *l, const char *submission, uint32_t year, const Tdkt__Proposal *prop,
               struct facts *f)
{
    const char *person = prop->person_id && *prop->person_id ? prop->person_id : NULL;
    const char *unit = prop->unit_code && *prop->unit_code ? prop->unit_code : NULL;
    char pu[LEDGER_UNIT_MAX + 1];
    sqlite3_stmt *st;
    int64_t v;
    int rc;

    memset(f, 0, sizeof *f);
    f->p.title = (int)prop->title;
    f->p.year = year;
    f->n = FACTS_HISTORY_YEARS;
    if (person) {
        rc = catalog_person_unit(l, person, pu);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < f->n; i++)
            person_year(l, submission, person, year - (uint32_t)(f->n - 1 - i), &f->person[i]);
        f->p.person = f->person;
        f->p.bk_sector_year = latest_title_year(l, person, TDKT__TITLE__TITLE_BK_VT);
        f->p.bk_ttg_year = latest_title_year(l, person, TDKT__TITLE__TITLE_BK_TTG);
        /* The CSTĐCS cap counts within the person's unit. */
        struct elig_unit_year uy;
        unit_year(l, submission, pu, year, year, &uy);
        f->p.unit_ldtt = uy.members_ldtt;
        if (sql_query(l, &st,
                      "SELECT count(*) FROM proposals p JOIN submissions s ON p.submission = s.id"
                      " JOIN persons x ON x.id = p.person WHERE s.year = ?1 AND p.title = ?2"
                      " AND p.state IN (?3, ?4) AND x.unit = ?5 AND p.person != ?6",
                      "uiiitt", year, (int64_t)TDKT__TITLE__TITLE_CSTDCS,
                      (int64_t)PROPOSAL_APPROVED, (int64_t)PROPOSAL_DECIDED, pu, person) == 0 &&
            scalar(l, st, &v) == 0)
            f->p.unit_cstdcs_granted = (unsigned)v;
    } else if (unit) {
        struct registry_unit ru;
        if (registry_unit_get(l, unit, &ru) < 0)
            return TDKT_ENOTFOUND;
        for (size_t i = 0; i < f->n; i++)
            unit_year(l, submission, unit, year - (uint32_t)(f->n - 1 - i), year, &f->unit[i]);
        f->p.unit = f->unit;
        /* "Leads its cluster" (dẫn đầu) is read as: first of its cluster by
         * criteria points that year (ties included); a ballot that honoured
         * it as the leading unit also counts (below). */
        f->p.leads_cluster = leads_by_points(l, year, unit);
        /* TTLĐXS quota: the units with TTLĐTT or TTLĐXS approved, decided, or
         * proposed eligible now, across the sector, and this unit itself
         * (a TTLĐXS unit meets TTLĐTT; the engine checks that it does). */
        if (sql_query(l, &st,
                      "SELECT count(DISTINCT p.unit) FROM proposals p JOIN submissions s"
                      " ON p.submission = s.id WHERE s.year = ?1 AND p.person IS NULL"
                      " AND p.title IN (?2, ?3) AND p.unit != ?8 AND (p.state IN (?4, ?5)"
                      " OR (p.submission = ?6 AND p.verdict = ?7 AND p.state = 1))",
                      "uiiiitit", year, (int64_t)TDKT__TITLE__TITLE_TTLDTT,
                      (int64_t)TDKT__TITLE__TITLE_TTLDXS, (int64_t)PROPOSAL_APPROVED,
                      (int64_t)PROPOSAL_DECIDED, submission,
                      (int64_t)TDKT__VERDICT__VERDICT_ELIGIBLE, unit) == 0 &&
            scalar(l, st, &v) == 0)
            f->p.ttldtt_units = (unsigned)v + 1;
        if (sql_query(l, &st,
                      "SELECT count(*) FROM proposals p JOIN submissions s ON p.submission = s.id"
                      " WHERE s.year = ?1 AND p.person IS NULL AND p.title = ?2"
                      " AND p.state IN (?3, ?4) AND p.unit != ?5",
                      "uiiit", year, (int64_t)TDKT__TITLE__TITLE_TTLDXS, (int64_t)PROPOSAL_APPROVED,
                      (int64_t)PROPOSAL_DECIDED, unit) == 0 &&
            scalar(l, st, &v) == 0)
            f->p.ttldxs_granted = (unsigned)v;
    } else {
        return TDKT_EINVAL;
    }
    f->p.n = f->n;
    /* ONCE: already decided for this subject, title and year. */
    f->p.already_awarded =
        (person ? f->person[f->n - 1].titles : f->unit[f->n - 1].titles) >> prop->title & 1;
    /* A ballot the title needs: the subject's yes votes on the whole roll. */
    if (prop->ballot_id && *prop->ballot_id) {
        int64_t tally_seq = 0;
        if (sql_query(l, &st, "SELECT coalesce(tally_seq, 0) FROM ballots WHERE id = ?1", "t",
                      prop->ballot_id) == 0)
            scalar(l, st, &tally_seq);
        if (tally_seq > 0 &&
            sql_query(l, &st, "SELECT payload FROM ledger WHERE seq = ?1", "i", tally_seq) == 0) {
            if (sql_step(l, st, "reading a tally") == 1) {
                Tdkt__BallotTallied *t = tdkt__ballot_tallied__unpack(
                    NULL, (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 0));
                const char *subject = person ? person : unit;
                for (size_t i = 0; t && i < t->n_results; i++)
                    for (size_t j = 0; j < t->results[i]->n_candidates; j++)
                        if (strcmp(t->results[i]->candidates[j], subject) == 0) {
                            f->p.ballot.present = 1;
                            f->p.ballot.yes = t->results[i]->yes[j];
                            f->p.ballot.roll = t->results[i]->roll;
                            for (size_t k = 0; k < t->results[i]->n_elected; k++)
                                f->p.leads_cluster |=
                                    strcmp(t->results[i]->elected[k], subject) == 0;
                        }
                f->p.secret_ballot = f->p.ballot.present;
                if (t)
                    tdkt__ballot_tallied__free_unpacked(t, NULL);
            }
            sql_done(st);
        }
    }
    return 0;
}
