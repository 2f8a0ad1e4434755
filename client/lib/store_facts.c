/* SPDX-License-Identifier: MIT */
/*
 * The eligibility facts' rows from the local store (see store_facts.h; the
 * readings are common/domain/facts.c's). Each callback runs one query over
 * the store's tables and hands its rows over; none filters on a state,
 * scope or title.
 */
#include "client/lib/store_facts.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "client/lib/store_registry.h"
#include "client/lib/store_sql.h"
#include "common/domain/facts_load.h"
#include "common/err.h"

/* Step st to its end, each text of column 0 to cb; finalizes st. */
static int each_code(sqlite3_stmt *st, facts_code_fn cb, void *cb_arg)
{
    int rc = 0, step;

    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *code = (const char *)sqlite3_column_text(st, 0);
        if (code)
            rc = cb(cb_arg, code);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = TDKT_EDB;
    sqlite3_finalize(st);
    return rc;
}

static int unit_get(void *arg, const char *code, struct facts_unit *out)
{
    sqlite3_stmt *st;
    int rc = store_query(
        arg, &st, "SELECT code, coalesce(parent, ''), revoked FROM reg_units WHERE code = ?1", "t",
        code);

    if (rc < 0)
        return rc;
    rc = store_query_row(st);
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        snprintf(out->code, sizeof out->code, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(out->parent, sizeof out->parent, "%s", (const char *)sqlite3_column_text(st, 1));
        out->revoked = sqlite3_column_int(st, 2);
    }
    sqlite3_finalize(st);
    return rc;
}

static int person_unit(void *arg, const char *person, char unit[FACTS_CODE_MAX + 1])
{
    sqlite3_stmt *st;
    int rc = store_query(arg, &st, "SELECT unit FROM reg_persons WHERE id = ?1", "t", person);

    if (rc < 0)
        return rc;
    rc = store_query_row(st);
    if (rc == 0)
        snprintf(unit, FACTS_CODE_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc;
}

static int units_below(void *arg, const char *code, facts_code_fn cb, void *cb_arg)
{
    sqlite3_stmt *st;
    int rc = store_query(arg, &st, "SELECT code FROM reg_units WHERE parent = ?1 ORDER BY code",
                         "t", code);

    return rc < 0 ? rc : each_code(st, cb, cb_arg);
}

static int persons_in(void *arg, const char *unit, facts_code_fn cb, void *cb_arg)
{
    sqlite3_stmt *st;
    int rc =
        store_query(arg, &st, "SELECT id FROM reg_persons WHERE unit = ?1 ORDER BY id", "t", unit);

    return rc < 0 ? rc : each_code(st, cb, cb_arg);
}

static int records_each(void *arg, const char *unit, uint32_t year, const char *kind,
                        const char *key, facts_record_fn cb, void *cb_arg)
{
    sqlite3_stmt *st;
    int rc = store_query(arg, &st,
                         "SELECT unit, record FROM records WHERE (?1 IS NULL OR unit = ?1)"
                         " AND year = ?2 AND kind = ?3 AND (?4 IS NULL OR key = ?4)"
                         " AND removed = 0",
                         "tutt", unit, year, kind, key);
    int step = SQLITE_DONE;

    if (rc < 0)
        return rc;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = facts_load_record((const char *)sqlite3_column_text(st, 0), sqlite3_column_blob(st, 1),
                               (size_t)sqlite3_column_bytes(st, 1), cb, cb_arg);
    if (rc == 0 && step != SQLITE_DONE)
        rc = TDKT_EDB;
    sqlite3_finalize(st);
    return rc;
}

static int titles_each(void *arg, const char *person, const char *unit, uint32_t year,
                       facts_title_fn cb, void *cb_arg)
{
    /* The store holds no proposals of other dossiers and no decisions: the
     * central office's are not sent to offices (docs/protocol.md §7.13). */
    (void)arg;
    (void)person;
    (void)unit;
    (void)year;
    (void)cb;
    (void)cb_arg;
    return 0;
}

/* Is code one of the space-separated words of list? */
static int listed(const char *list, const char *code)
{
    size_t n = strlen(code);

    for (const char *p = list; *p;) {
        size_t w = strcspn(p, " ");
        if (w == n && strncmp(p, code, n) == 0)
            return 1;
        p += w;
        p += *p == ' ';
    }
    return 0;
}

static int cluster_members(void *arg, uint32_t year, const char *unit, facts_code_fn cb,
                           void *cb_arg)
{
    sqlite3_stmt *st;
    int rc = store_query(arg, &st, "SELECT members FROM reg_clusters WHERE year = ?1 ORDER BY code",
                         "u", year);
    int step = SQLITE_DONE, found = 0;

    if (rc < 0)
        return rc;
    while (rc == 0 && !found && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *list = (const char *)sqlite3_column_text(st, 0);
        if (!list || !listed(list, unit))
            continue;
        /* A unit is in one cluster a year (the server refuses a second). */
        found = 1;
        for (const char *p = list; rc == 0 && *p;) {
            char code[FACTS_CODE_MAX + 1];
            size_t w = strcspn(p, " ");
            if (w > 0 && w <= FACTS_CODE_MAX) {
                memcpy(code, p, w);
                code[w] = '\0';
                rc = cb(cb_arg, code);
            }
            p += w;
            p += *p == ' ';
        }
    }
    if (rc == 0 && !found && step != SQLITE_DONE)
        rc = TDKT_EDB;
    sqlite3_finalize(st);
    return rc < 0 ? rc : found ? 0 : TDKT_ENOTFOUND;
}

static int results_held(void *arg, const char *unit)
{
    /* The store keeps the office's own results only. */
    return store_unit_owned(arg, unit);
}

static int ballot_each(void *arg, const char *ballot_id, int *state, facts_contest_fn cb,
                       void *cb_arg)
{
    /* Tallies are not kept in the store: `tdkt ballot verify` fetches them. */
    (void)arg;
    (void)ballot_id;
    *state = FACTS_BALLOT_NONE;
    (void)cb;
    (void)cb_arg;
    return 0;
}

static int council_each(void *arg, uint32_t year, const char *person, const char *unit, int title,
                        facts_council_fn cb, void *cb_arg)
{
    /* The Council's votes are the central office's entries: not sent to offices. */
    (void)arg;
    (void)year;
    (void)person;
    (void)unit;
    (void)title;
    (void)cb;
    (void)cb_arg;
    return 0;
}

void store_facts_reader(struct store *s, struct facts_reader *rd)
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
    rd->arg = s;
}
