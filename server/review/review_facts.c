/* SPDX-License-Identifier: MIT */
/*
 * The eligibility facts' rows from the ledger's state tables (see
 * review_facts.h; the readings are common/domain/facts.c's). Each callback
 * runs one query and hands its rows over; none filters on a state, scope or
 * title.
 */
#include "server/review/review_facts.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/facts_load.h"
#include "common/err.h"
#include "server/registry/catalog.h"
#include "server/registry/registry.h"
#include "server/ledger/sql.h"

int review_facts_rule_get(void *arg, const char *key, double *value)
{
    struct review_facts_rules *r = arg;
    return catalog_rule_value(r->l, r->year, key, value, r->ruleset);
}

static int unit_get(void *arg, const char *code, struct facts_unit *out)
{
    struct review_facts *rf = arg;
    struct registry_unit u;
    int rc = registry_unit_get(rf->l, code, &u);

    if (rc < 0)
        return rc;
    memset(out, 0, sizeof *out);
    snprintf(out->code, sizeof out->code, "%s", u.code);
    snprintf(out->parent, sizeof out->parent, "%s", u.parent);
    out->revoked = u.revoked;
    return 0;
}

static int person_unit(void *arg, const char *person, char unit[FACTS_CODE_MAX + 1])
{
    struct review_facts *rf = arg;
    return catalog_person_unit(rf->l, person, unit);
}

/* Each text in column 0 of st's rows to cb. */
static int each_code(struct ledger *l, sqlite3_stmt *st, const char *what, facts_code_fn cb,
                     void *cb_arg)
{
    int rc;

    while ((rc = sql_step(l, st, what)) == 1) {
        const char *code = (const char *)sqlite3_column_text(st, 0);
        if (code && (rc = cb(cb_arg, code)) < 0)
            break;
    }
    sql_done(st);
    return rc < 0 ? rc : 0;
}

static int units_below(void *arg, const char *code, facts_code_fn cb, void *cb_arg)
{
    struct review_facts *rf = arg;
    sqlite3_stmt *st;
    int rc =
        sql_query(rf->l, &st, "SELECT code FROM units WHERE parent = ?1 ORDER BY code", "t", code);
    return rc < 0 ? rc : each_code(rf->l, st, "reading units", cb, cb_arg);
}

static int persons_in(void *arg, const char *unit, facts_code_fn cb, void *cb_arg)
{
    struct review_facts *rf = arg;
    sqlite3_stmt *st;
    int rc = sql_query(rf->l, &st, "SELECT id FROM persons WHERE unit = ?1 ORDER BY id", "t", unit);
    return rc < 0 ? rc : each_code(rf->l, st, "reading persons", cb, cb_arg);
}

static int records_each(void *arg, const char *unit, uint32_t year, const char *kind,
                        const char *key, facts_record_fn cb, void *cb_arg)
{
    struct review_facts *rf = arg;
    sqlite3_stmt *st;
    int rc = sql_query(rf->l, &st,
                       "SELECT unit, record FROM results WHERE (?1 IS NULL OR unit = ?1)"
                       " AND year = ?2 AND kind = ?3 AND (?4 IS NULL OR key = ?4) AND removed = 0",
                       "tutt", unit, year, kind, key);
    if (rc < 0)
        return rc;
    while ((rc = sql_step(rf->l, st, "reading results")) == 1) {
        rc = facts_load_record((const char *)sqlite3_column_text(st, 0), sqlite3_column_blob(st, 1),
                               (size_t)sqlite3_column_bytes(st, 1), cb, cb_arg);
        if (rc < 0)
            break;
    }
    sql_done(st);
    return rc < 0 ? rc : 0;
}

static int titles_each(void *arg, const char *person, const char *unit, uint32_t year,
                       facts_title_fn cb, void *cb_arg)
{
    struct review_facts *rf = arg;
    sqlite3_stmt *st;
    int rc = sql_query(rf->l, &st,
                       "SELECT s.year, p.title, p.state, coalesce(p.person, ''),"
                       " coalesce(p.unit, ''), coalesce(x.unit, '') FROM proposals p"
                       " JOIN submissions s ON p.submission = s.id"
                       " LEFT JOIN persons x ON x.id = p.person"
                       " WHERE (?1 IS NULL OR p.submission != ?1) AND (?2 = 0 OR s.year = ?2)"
                       " AND (?3 IS NULL OR p.person = ?3)"
                       " AND (?4 IS NULL OR (p.person IS NULL AND p.unit = ?4))",
                       "tutt", rf->submission, year, person, unit);
    if (rc < 0)
        return rc;
    while ((rc = sql_step(rf->l, st, "reading proposals")) == 1) {
        struct facts_title t = {
            .year = (uint32_t)sqlite3_column_int64(st, 0),
            .title = sqlite3_column_int(st, 1),
            .state = sqlite3_column_int(st, 2),
            .person = (const char *)sqlite3_column_text(st, 3),
            .unit = (const char *)sqlite3_column_text(st, 4),
            .person_unit = (const char *)sqlite3_column_text(st, 5),
        };
        if ((rc = cb(cb_arg, &t)) < 0)
            break;
    }
    sql_done(st);
    return rc < 0 ? rc : 0;
}

static int cluster_members(void *arg, uint32_t year, const char *unit, facts_code_fn cb,
                           void *cb_arg)
{
    struct review_facts *rf = arg;
    char cluster[RECORD_CODE_MAX + 1];
    sqlite3_stmt *st;
    int rc = catalog_unit_cluster(rf->l, year, unit, cluster);

    if (rc < 0)
        return rc;
    rc = sql_query(rf->l, &st,
                   "SELECT unit FROM cluster_members WHERE year = ?1 AND cluster = ?2"
                   " ORDER BY unit",
                   "ut", year, cluster);
    return rc < 0 ? rc : each_code(rf->l, st, "reading cluster members", cb, cb_arg);
}

static int results_held(void *arg, const char *unit)
{
    /* The ledger holds every unit's results. */
    (void)arg;
    (void)unit;
    return 1;
}

static int ballot_each(void *arg, const char *ballot_id, int *state, facts_contest_fn cb,
                       void *cb_arg)
{
    struct review_facts *rf = arg;
    Tdkt__BallotTallied *t = NULL;
    sqlite3_stmt *st;
    int64_t tally_seq = 0, published_seq = 0;
    int rc;

    *state = FACTS_BALLOT_NONE;
    rc = sql_query(rf->l, &st,
                   "SELECT coalesce(tally_seq, 0), coalesce(published_seq, 0) FROM ballots"
                   " WHERE id = ?1",
                   "t", ballot_id);
    if (rc < 0)
        return rc;
    rc = sql_step(rf->l, st, "reading a ballot");
    if (rc == 1) {
        tally_seq = sqlite3_column_int64(st, 0);
        published_seq = sqlite3_column_int64(st, 1);
        *state = published_seq > 0 ? FACTS_BALLOT_PUBLISHED
                 : tally_seq > 0   ? FACTS_BALLOT_TALLIED
                                   : FACTS_BALLOT_OPEN;
    }
    sql_done(st);
    if (rc < 0 || tally_seq <= 0)
        return rc < 0 ? rc : 0; /* no such ballot, or not tallied: no result */
    rc = sql_query(rf->l, &st, "SELECT payload FROM ledger WHERE seq = ?1", "i", tally_seq);
    if (rc < 0)
        return rc;
    rc = sql_step(rf->l, st, "reading a tally");
    if (rc == 1) {
        /* A tally that no longer unpacks gives no result, as a missing
         * one. */
        t = tdkt__ballot_tallied__unpack(NULL, (size_t)sqlite3_column_bytes(st, 0),
                                         sqlite3_column_blob(st, 0));
        rc = 0;
    }
    sql_done(st);
    for (size_t i = 0; rc == 0 && t && i < t->n_results; i++)
        rc = cb(cb_arg, t->results[i]);
    if (t)
        tdkt__ballot_tallied__free_unpacked(t, NULL);
    return rc < 0 ? rc : 0;
}

static int council_each(void *arg, uint32_t year, const char *person, const char *unit, int title,
                        facts_council_fn cb, void *cb_arg)
{
    struct review_facts *rf = arg;
    sqlite3_stmt *st;
    int rc = sql_query(rf->l, &st,
                       "SELECT v.id, v.secret, c.yes, c.no, c.abstain, v.roll, v.open"
                       " FROM council_counts c JOIN council_votes v ON v.id = c.vote"
                       " WHERE v.year = ?1 AND c.title = ?2 AND c.person = ?3 AND c.unit = ?4"
                       " ORDER BY v.seq",
                       "uitt", year, (int64_t)title, person ? person : "",
                       person ? "" : (unit ? unit : ""));

    if (rc < 0)
        return rc;
    while ((rc = sql_step(rf->l, st, "reading Council votes")) == 1) {
        struct facts_council_count c = {(const char *)sqlite3_column_text(st, 0),
                                        sqlite3_column_int(st, 1),
                                        (unsigned)sqlite3_column_int64(st, 2),
                                        (unsigned)sqlite3_column_int64(st, 3),
                                        (unsigned)sqlite3_column_int64(st, 4),
                                        (unsigned)sqlite3_column_int64(st, 5),
                                        sqlite3_column_int(st, 6)};
        if ((rc = cb(cb_arg, &c)) < 0)
            break;
    }
    sql_done(st);
    return rc < 0 ? rc : 0;
}

void review_facts_reader(struct review_facts *rf, struct facts_reader *rd)
{
    static const struct facts_reader ops = {
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
    *rd = ops;
    rd->arg = rf;
}
