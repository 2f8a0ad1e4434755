/* SPDX-License-Identifier: MIT */
/* The yearly registry as current-state tables; see catalog.h. */
#include "server/registry/catalog.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/entry_kinds.h"
#include "common/domain/unit_tree.h"
#include "common/err.h"
#include "server/registry/registry.h"
#include "server/ledger/sql.h"

/* --- reads ---------------------------------------------------------------- */

_Static_assert(LEDGER_UNIT_MAX == RECORD_CODE_MAX, "a unit code fits the tree walks' buffers");

/* A unit as the tree walks read it (common/domain/unit_tree.h). */
static int unit_link_get(void *arg, const char *code, struct unit_link *out)
{
    struct registry_unit u;
    int rc = registry_unit_get(arg, code, &u);

    if (rc < 0)
        return rc;
    snprintf(out->parent, sizeof out->parent, "%s", u.parent);
    out->kind = u.kind;
    return 0;
}

int catalog_unit_within(struct ledger *l, const char *unit, const char *ancestor)
{
    return unit_tree_within(unit_link_get, l, unit, ancestor);
}

int catalog_unit_owner(struct ledger *l, const char *unit, char owner[LEDGER_UNIT_MAX + 1])
{
    return unit_tree_owner(unit_link_get, l, unit, owner);
}

int catalog_period_state(struct ledger *l, uint32_t year, int *state)
{
    sqlite3_stmt *st;
    int rc = sql_query(l, &st, "SELECT state FROM periods WHERE year = ?1", "u", year);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a period");
    if (rc == 1)
        *state = sqlite3_column_int(st, 0);
    sql_done(st);
    return rc == 1 ? 0 : rc == 0 ? TDKT_ENOTFOUND : rc;
}

int catalog_person_unit(struct ledger *l, const char *id, char unit[LEDGER_UNIT_MAX + 1])
{
    sqlite3_stmt *st;
    int rc = sql_query(l, &st, "SELECT unit FROM persons WHERE id = ?1", "t", id);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a person");
    if (rc == 1)
        rc = sql_col_text(st, 0, unit, LEDGER_UNIT_MAX + 1) == 0 ? 1 : TDKT_ECORRUPT;
    sql_done(st);
    return rc == 1 ? 0 : rc == 0 ? TDKT_ENOTFOUND : rc;
}

int catalog_unit_cluster(struct ledger *l, uint32_t year, const char *unit,
                         char cluster[RECORD_CODE_MAX + 1])
{
    sqlite3_stmt *st;
    int rc = sql_query(l, &st, "SELECT cluster FROM cluster_members WHERE year = ?1 AND unit = ?2",
                       "ut", year, unit);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a cluster member");
    if (rc == 1)
        rc = sql_col_text(st, 0, cluster, RECORD_CODE_MAX + 1) == 0 ? 1 : TDKT_ECORRUPT;
    sql_done(st);
    return rc == 1 ? 0 : rc == 0 ? TDKT_ENOTFOUND : rc;
}

/* 1 when some cluster is registered for year, 0 when none is. */
static int year_has_clusters(struct ledger *l, uint32_t year)
{
    sqlite3_stmt *st;
    int rc = sql_query(l, &st, "SELECT 1 FROM cluster_members WHERE year = ?1 LIMIT 1", "u", year);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading cluster members");
    sql_done(st);
    return rc;
}

int catalog_cluster_lead_check(struct ledger *l, uint32_t year, const char *unit, const char *who,
                               const char *field, struct fault *f)
{
    char cluster[RECORD_CODE_MAX + 1];
    int rc = catalog_unit_cluster(l, year - 1, unit, cluster);

    if (rc != TDKT_ENOTFOUND)
        return rc;
    /* Not a member of any cluster the year before. Either the ledger holds
     * that year's clusters and the unit was left out, or it holds none
     * (its first year): then who was considered is not on record, and the
     * rule is not waived for want of it; the central office registers
     * the previous year's clusters first. */
    rc = year_has_clusters(l, year - 1);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return fault_set(f, TDKT_EINVAL, field,
                         "%s '%s' cannot be checked: no cluster is registered for %u, the year "
                         "before; register %u's clusters first (CLUSTER-LEAD)",
                         who, unit, year - 1, year - 1);
    return fault_set(f, TDKT_EINVAL, field,
                     "%s '%s' was not considered for emulation in %u and may not be leader or "
                     "deputy (CLUSTER-LEAD)",
                     who, unit, year - 1);
}

int catalog_criterion_max(struct ledger *l, uint32_t year, const char *cluster, const char *code,
                          double *max)
{
    sqlite3_stmt *st;
    int rc = sql_query(l, &st,
                       "SELECT max_points FROM criteria WHERE year = ?1 AND cluster = ?2"
                       " AND code = ?3",
                       "utt", year, cluster, code);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a criterion");
    if (rc == 1)
        *max = sqlite3_column_double(st, 0);
    sql_done(st);
    return rc == 1 ? 0 : rc == 0 ? TDKT_ENOTFOUND : rc;
}

/* --- units ---------------------------------------------------------------- */

static int apply_unit(struct ledger *l, int64_t t, const char *actor, Tdkt__UnitRegister *m,
                      int *appended, struct fault *f)
{
    struct registry_unit cur, want, parent;
    uint64_t seq = 0;
    int rc;

    memset(&want, 0, sizeof want);
    snprintf(want.code, sizeof want.code, "%s", m->unit->code);
    snprintf(want.name, sizeof want.name, "%s", m->unit->name);
    snprintf(want.parent, sizeof want.parent, "%s", m->parent_code ? m->parent_code : "");
    want.role = (int)m->unit->role;
    want.kind = (int)m->kind;

    if (want.parent[0]) {
        rc = registry_unit_get(l, want.parent, &parent);
        if (rc == TDKT_ENOTFOUND)
            return fault_set(f, rc, "unit.parent_code", "parent unit '%s' is not registered",
                             want.parent);
        if (rc < 0)
            return rc;
        if (parent.revoked)
            return fault_set(f, TDKT_EREVOKED, "unit.parent_code", "parent unit '%s' is revoked",
                             want.parent);
    }
    rc = registry_unit_get(l, want.code, &cur);
    if (rc == TDKT_ENOTFOUND) {
        rc = registry_unit_register(l, t, actor, &want);
        if (rc < 0)
            return fault_set(f, rc, "unit", "cannot register unit '%s': %s", want.code,
                             tdkt_strerror(rc));
        *appended = 1;
        return 0;
    }
    if (rc < 0)
        return rc;
    if (cur.revoked)
        return fault_set(f, TDKT_EREVOKED, "unit.unit.code", "unit '%s' is revoked", want.code);
    if (strcmp(cur.name, want.name) == 0 && strcmp(cur.parent, want.parent) == 0 &&
        cur.role == want.role && cur.kind == want.kind)
        return 0;
    if (want.parent[0]) {
        rc = catalog_unit_within(l, want.parent, want.code);
        if (rc < 0)
            return rc;
        if (rc == 1)
            return fault_set(f, TDKT_EEXIST, "unit.parent_code",
                             "'%s' lies below '%s'; a unit cannot be under itself", want.parent,
                             want.code);
    }
    /* registry_unit_register runs its own operation; the update is ours. */
    rc = ledger_op_begin(l);
    if (rc < 0)
        return rc;
    rc = ledger_append_msg(l, t, actor, ENTRY_UNIT_REGISTER, &m->base, &seq);
    if (rc == 0)
        rc = sql_exec(l, "updating a unit",
                      "UPDATE units SET name = ?2, role = ?3, parent = ?4, kind = ?5, seq = ?6"
                      " WHERE code = ?1",
                      "ttitii", want.code, want.name, (int64_t)want.role,
                      want.parent[0] ? want.parent : (const char *)NULL, (int64_t)want.kind,
                      (int64_t)seq);
    if (rc == 0)
        *appended = 1;
    return ledger_op_end(l, rc);
}

/* --- persons, periods, clusters, criteria, rule sets ---------------------- */

/*
 * These kinds are applied in two steps (catalog_kinds, catalog_apply): check
 * reads what the record names and what the catalog holds, refuses with f,
 * and returns 1 when the catalog already says what the record says (nothing
 * is appended); store writes the state rows of the entry just appended at
 * seq.
 */

/* A unit a record names: registered and not revoked. */
static int check_unit_live(struct ledger *l, const char *code, const char *field, struct fault *f)
{
    struct registry_unit u;
    int rc = registry_unit_get(l, code, &u);

    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, rc, field, "unit '%s' is not registered", code);
    if (rc < 0)
        return rc;
    if (u.revoked)
        return fault_set(f, TDKT_EREVOKED, field, "unit '%s' is revoked", code);
    return 0;
}

/* A person given without an id is the one of that NFC name in the unit (1),
 * or a new person, whose id, the next free "<UNIT>-<n>", is set in m (0). */
static int person_by_name(struct ledger *l, Tdkt__PersonRegister *m, struct fault *f)
{
    char id[RECORD_CODE_MAX + 1], unit_of[LEDGER_UNIT_MAX + 1];
    sqlite3_stmt *st;
    int64_t n = 0;
    int rc, matches = 0;

    rc = sql_query(l, &st, "SELECT id FROM persons WHERE unit = ?1 AND name = ?2 LIMIT 2", "tt",
                   m->unit_code, m->name);
    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "matching a person")) == 1)
        matches++;
    sql_done(st);
    if (rc < 0)
        return rc;
    if (matches > 1)
        return fault_set(f, TDKT_EEXIST, "person.id",
                         "unit '%s' has several persons named '%s'; give the id", m->unit_code,
                         m->name);
    if (matches == 1)
        return 1; /* the same person, already registered */
    rc = sql_query(l, &st, "SELECT count(*) FROM persons WHERE unit = ?1", "t", m->unit_code);
    if (rc < 0)
        return rc;
    if ((rc = sql_step(l, st, "counting persons")) == 1)
        n = sqlite3_column_int64(st, 0);
    sql_done(st);
    if (rc < 0)
        return rc;
    for (;; n++) {
        snprintf(id, sizeof id, "%.40s-%" PRId64, m->unit_code, (n + 1) % 1000000000);
        rc = catalog_person_unit(l, id, unit_of);
        if (rc == TDKT_ENOTFOUND)
            break;
        if (rc < 0)
            return rc;
    }
    char *dup = strdup(id);
    if (!dup)
        return TDKT_ENOMEM;
    if (m->id && m->id != protobuf_c_empty_string)
        free(m->id);
    m->id = dup;
    return 0;
}

static int person_check(struct ledger *l, Tdkt__RegistryRecord *r, struct fault *f)
{
    Tdkt__PersonRegister *m = r->person;
    char cur_name[RECORD_NAME_MAX + 1], cur_unit[LEDGER_UNIT_MAX + 1];
    sqlite3_stmt *st;
    int rc = check_unit_live(l, m->unit_code, "person.unit_code", f), same = 0;

    if (rc < 0)
        return rc;
    if (!m->id || !*m->id)
        return person_by_name(l, m, f);
    rc = sql_query(l, &st, "SELECT name, unit FROM persons WHERE id = ?1", "t", m->id);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a person");
    if (rc == 1) {
        if (sql_col_text(st, 0, cur_name, sizeof cur_name) < 0 ||
            sql_col_text(st, 1, cur_unit, sizeof cur_unit) < 0)
            rc = TDKT_ECORRUPT;
        else
            same = strcmp(cur_name, m->name) == 0 && strcmp(cur_unit, m->unit_code) == 0;
    }
    sql_done(st);
    return rc < 0 ? rc : same;
}

static int person_store(struct ledger *l, const Tdkt__RegistryRecord *r, uint64_t seq)
{
    const Tdkt__PersonRegister *m = r->person;

    return sql_exec(l, "storing a person",
                    "INSERT INTO persons(id, name, unit, seq) VALUES (?1, ?2, ?3, ?4)"
                    " ON CONFLICT(id) DO UPDATE SET name = excluded.name, unit = excluded.unit,"
                    " seq = excluded.seq",
                    "ttti", m->id, m->name, m->unit_code, (int64_t)seq);
}

static const char *period_deadline(const Tdkt__PeriodSet *m)
{
    return m->deadline && *m->deadline ? m->deadline : NULL;
}

static int period_check(struct ledger *l, Tdkt__RegistryRecord *r, struct fault *f)
{
    const Tdkt__PeriodSet *m = r->period;
    const char *deadline = period_deadline(m);
    sqlite3_stmt *st;
    int rc, same = 0;

    (void)f;
    rc = sql_query(l, &st, "SELECT state, deadline FROM periods WHERE year = ?1", "u", m->year);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a period");
    if (rc == 1) {
        const char *d = (const char *)sqlite3_column_text(st, 1);
        same = sqlite3_column_int(st, 0) == (int)m->state &&
               strcmp(d ? d : "", deadline ? deadline : "") == 0;
    }
    sql_done(st);
    return rc < 0 ? rc : same;
}

static int period_store(struct ledger *l, const Tdkt__RegistryRecord *r, uint64_t seq)
{
    return sql_exec(l, "storing a period",
                    "INSERT INTO periods(year, state, deadline, seq) VALUES (?1, ?2, ?3, ?4)"
                    " ON CONFLICT(year) DO UPDATE SET state = excluded.state,"
                    " deadline = excluded.deadline, seq = excluded.seq",
                    "uiti", r->period->year, (int64_t)r->period->state, period_deadline(r->period),
                    (int64_t)seq);
}

/* Does the stored cluster equal m? 1, 0, or a negative code. */
static int cluster_same(struct ledger *l, const Tdkt__ClusterSet *m)
{
    sqlite3_stmt *st;
    size_t n = 0;
    int rc, same = 0;

    rc = sql_query(l, &st,
                   "SELECT name, kind, coalesce(leader, ''), coalesce(deputy, '') FROM clusters"
                   " WHERE year = ?1 AND code = ?2",
                   "ut", m->year, m->code);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a cluster");
    if (rc == 1) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *leader = (const char *)sqlite3_column_text(st, 2);
        const char *deputy = (const char *)sqlite3_column_text(st, 3);
        same = name && strcmp(name, m->name) == 0 && sqlite3_column_int(st, 1) == (int)m->kind &&
               strcmp(leader ? leader : "", m->leader ? m->leader : "") == 0 &&
               strcmp(deputy ? deputy : "", m->deputy ? m->deputy : "") == 0;
    }
    sql_done(st);
    if (rc <= 0 || !same)
        return rc < 0 ? rc : 0;
    rc = sql_query(l, &st, "SELECT unit FROM cluster_members WHERE year = ?1 AND cluster = ?2",
                   "ut", m->year, m->code);
    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "reading cluster members")) == 1) {
        const char *u = (const char *)sqlite3_column_text(st, 0);
        size_t i;
        for (i = 0; i < m->n_members; i++)
            if (u && strcmp(u, m->members[i]) == 0)
                break;
        if (i == m->n_members)
            same = 0;
        n++;
    }
    sql_done(st);
    return rc < 0 ? rc : same && n == m->n_members;
}

static int cluster_check(struct ledger *l, Tdkt__RegistryRecord *r, struct fault *f)
{
    const Tdkt__ClusterSet *m = r->cluster;
    char field[RECORD_FIELD_MAX], other[RECORD_CODE_MAX + 1];
    int rc;

    for (size_t i = 0; i < m->n_members; i++) {
        snprintf(field, sizeof field, "cluster.members[%zu]", i);
        if ((rc = check_unit_live(l, m->members[i], field, f)) < 0)
            return rc;
        rc = catalog_unit_cluster(l, m->year, m->members[i], other);
        if (rc == 0 && strcmp(other, m->code) != 0)
            return fault_set(f, TDKT_EEXIST, field, "unit '%s' is already in cluster '%s' for %u",
                             m->members[i], other, m->year);
        if (rc < 0 && rc != TDKT_ENOTFOUND)
            return rc;
    }
    if (m->leader && *m->leader &&
        (rc = catalog_cluster_lead_check(l, m->year, m->leader, "the leader", "cluster.leader", f)))
        return rc;
    if (m->deputy && *m->deputy &&
        (rc = catalog_cluster_lead_check(l, m->year, m->deputy, "the deputy", "cluster.deputy", f)))
        return rc;
    return cluster_same(l, m);
}

static int cluster_store(struct ledger *l, const Tdkt__RegistryRecord *r, uint64_t seq)
{
    const Tdkt__ClusterSet *m = r->cluster;
    int rc = sql_exec(l, "storing a cluster",
                      "INSERT INTO clusters(year, code, name, kind, leader, deputy, seq)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(year, code) DO UPDATE SET"
                      " name = excluded.name, kind = excluded.kind, leader = excluded.leader,"
                      " deputy = excluded.deputy, seq = excluded.seq",
                      "uttitti", m->year, m->code, m->name, (int64_t)m->kind,
                      m->leader && *m->leader ? m->leader : (const char *)NULL,
                      m->deputy && *m->deputy ? m->deputy : (const char *)NULL, (int64_t)seq);

    if (rc == 0)
        rc = sql_exec(l, "replacing cluster members",
                      "DELETE FROM cluster_members WHERE year = ?1 AND cluster = ?2", "ut", m->year,
                      m->code);
    for (size_t i = 0; rc == 0 && i < m->n_members; i++)
        rc = sql_exec(l, "storing a cluster member",
                      "INSERT INTO cluster_members(year, cluster, unit) VALUES (?1, ?2, ?3)", "utt",
                      m->year, m->code, m->members[i]);
    return rc;
}

/* Are the stored Council and members of m's year and code m itself? */
static int council_same(struct ledger *l, const Tdkt__CouncilSet *m)
{
    sqlite3_stmt *st;
    size_t n = 0, equal = 0;
    int rc = sql_query(l, &st, "SELECT name FROM councils WHERE year = ?1 AND code = ?2", "ut",
                       m->year, m->code);
    int same = 0;

    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a Council");
    if (rc == 1) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        same = name && strcmp(name, m->name) == 0;
    }
    sql_done(st);
    if (rc <= 0 || !same)
        return rc < 0 ? rc : 0;
    rc = sql_query(l, &st,
                   "SELECT person, role FROM council_members WHERE year = ?1 AND council = ?2",
                   "ut", m->year, m->code);
    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "reading Council members")) == 1) {
        const char *p = (const char *)sqlite3_column_text(st, 0);
        for (size_t i = 0; p && i < m->n_members; i++)
            if (strcmp(p, m->members[i]->person_id) == 0 &&
                sqlite3_column_int(st, 1) == (int)m->members[i]->role)
                equal++;
        n++;
    }
    sql_done(st);
    return rc < 0 ? rc : n == m->n_members && equal == n;
}

/* Every member a registered person; one Council a year. */
static int council_check(struct ledger *l, Tdkt__RegistryRecord *r, struct fault *f)
{
    const Tdkt__CouncilSet *m = r->council;
    char field[RECORD_FIELD_MAX], unit[LEDGER_UNIT_MAX + 1];
    sqlite3_stmt *st;
    int rc;

    for (size_t i = 0; i < m->n_members; i++) {
        snprintf(field, sizeof field, "council.members[%zu].person", i);
        rc = catalog_person_unit(l, m->members[i]->person_id, unit);
        if (rc == TDKT_ENOTFOUND)
            return fault_set(f, TDKT_ENOTFOUND, field, "person '%s' is not registered",
                             m->members[i]->person_id);
        if (rc < 0)
            return rc;
    }
    rc = sql_query(l, &st, "SELECT code FROM councils WHERE year = ?1 AND code != ?2", "ut",
                   m->year, m->code);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a Council");
    if (rc == 1) {
        char other[RECORD_CODE_MAX + 1];
        if (sql_col_text(st, 0, other, sizeof other) < 0)
            snprintf(other, sizeof other, "?");
        sql_done(st);
        return fault_set(f, TDKT_EEXIST, "council.code",
                         "%u already has a Council, '%s': one Council a year", m->year, other);
    }
    sql_done(st);
    if (rc < 0)
        return rc;
    return council_same(l, m);
}

/* A Council replaces its members. */
static int council_store(struct ledger *l, const Tdkt__RegistryRecord *r, uint64_t seq)
{
    const Tdkt__CouncilSet *m = r->council;
    int rc = sql_exec(l, "storing a Council",
                      "INSERT INTO councils(year, code, name, seq) VALUES (?1, ?2, ?3, ?4)"
                      " ON CONFLICT(year, code) DO UPDATE SET name = excluded.name,"
                      " seq = excluded.seq",
                      "utti", m->year, m->code, m->name, (int64_t)seq);

    if (rc == 0)
        rc = sql_exec(l, "replacing Council members",
                      "DELETE FROM council_members WHERE year = ?1 AND council = ?2", "ut", m->year,
                      m->code);
    for (size_t i = 0; rc == 0 && i < m->n_members; i++)
        rc = sql_exec(l, "storing a Council member",
                      "INSERT INTO council_members(year, council, person, role)"
                      " VALUES (?1, ?2, ?3, ?4)",
                      "utti", m->year, m->code, m->members[i]->person_id,
                      (int64_t)m->members[i]->role);
    return rc;
}

static int criteria_check(struct ledger *l, Tdkt__RegistryRecord *r, struct fault *f)
{
    const Tdkt__CriteriaSet *m = r->criteria;
    sqlite3_stmt *st;
    size_t n = 0, equal = 0;
    int rc;

    rc = sql_query(l, &st, "SELECT 1 FROM clusters WHERE year = ?1 AND code = ?2", "ut", m->year,
                   m->cluster_code);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a cluster");
    sql_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return fault_set(f, TDKT_ENOTFOUND, "criteria.cluster_code",
                         "cluster '%s' is not registered for %u", m->cluster_code, m->year);
    rc = sql_query(l, &st,
                   "SELECT code, name, max_points FROM criteria WHERE year = ?1 AND cluster = ?2",
                   "ut", m->year, m->cluster_code);
    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "reading criteria")) == 1) {
        const char *code = (const char *)sqlite3_column_text(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        double max = sqlite3_column_double(st, 2);
        for (size_t i = 0; i < m->n_criteria; i++)
            if (code && name && strcmp(code, m->criteria[i]->code) == 0 &&
                strcmp(name, m->criteria[i]->name) == 0 && max == m->criteria[i]->max_points)
                equal++;
        n++;
    }
    sql_done(st);
    return rc < 0 ? rc : n == m->n_criteria && equal == n;
}

static int criteria_store(struct ledger *l, const Tdkt__RegistryRecord *r, uint64_t seq)
{
    const Tdkt__CriteriaSet *m = r->criteria;
    int rc =
        sql_exec(l, "replacing criteria", "DELETE FROM criteria WHERE year = ?1 AND cluster = ?2",
                 "ut", m->year, m->cluster_code);

    for (size_t i = 0; rc == 0 && i < m->n_criteria; i++)
        rc = sql_exec(l, "storing a criterion",
                      "INSERT INTO criteria(year, cluster, code, name, max_points, seq)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                      "utttdi", m->year, m->cluster_code, m->criteria[i]->code,
                      m->criteria[i]->name, m->criteria[i]->max_points, (int64_t)seq);
    return rc;
}

/* Are the stored values of rule set m its values? 1, 0, or a negative code. */
static int rules_values_same(struct ledger *l, const Tdkt__RuleSet *m)
{
    sqlite3_stmt *st;
    size_t n = 0, equal = 0;
    int rc = sql_query(l, &st, "SELECT key, value, source FROM rule_values WHERE ruleset = ?1", "t",
                       m->code);

    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "reading rule values")) == 1) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        const char *src = (const char *)sqlite3_column_text(st, 2);
        for (size_t i = 0; key && i < m->n_values; i++)
            if (strcmp(key, m->values[i]->key) == 0 &&
                sqlite3_column_double(st, 1) == m->values[i]->value &&
                strcmp(src ? src : "", m->values[i]->source ? m->values[i]->source : "") == 0)
                equal++;
        n++;
    }
    sql_done(st);
    return rc < 0 ? rc : n == m->n_values && equal == n;
}

static int rules_check(struct ledger *l, Tdkt__RegistryRecord *r, struct fault *f)
{
    const Tdkt__RuleSet *m = r->rules;
    sqlite3_stmt *st;
    int rc, same_head = 0;

    (void)f;
    rc = sql_query(l, &st, "SELECT name, effective_from FROM rule_sets WHERE code = ?1", "t",
                   m->code);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a rule set");
    if (rc == 1) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *from = (const char *)sqlite3_column_text(st, 1);
        same_head =
            name && from && strcmp(name, m->name) == 0 && strcmp(from, m->effective_from) == 0;
    }
    sql_done(st);
    if (rc < 0 || !same_head)
        return rc < 0 ? rc : 0;
    return rules_values_same(l, m);
}

/* A rule set replaces the whole set of its values. */
static int rules_store(struct ledger *l, const Tdkt__RegistryRecord *r, uint64_t seq)
{
    const Tdkt__RuleSet *m = r->rules;
    int rc =
        sql_exec(l, "storing a rule set",
                 "INSERT INTO rule_sets(code, name, effective_from, seq) VALUES (?1, ?2, ?3, ?4)"
                 " ON CONFLICT(code) DO UPDATE SET name = excluded.name,"
                 " effective_from = excluded.effective_from, seq = excluded.seq",
                 "ttti", m->code, m->name, m->effective_from, (int64_t)seq);

    if (rc == 0)
        rc = sql_exec(l, "replacing rule values", "DELETE FROM rule_values WHERE ruleset = ?1", "t",
                      m->code);
    for (size_t i = 0; rc == 0 && i < m->n_values; i++)
        rc =
            sql_exec(l, "storing a rule value",
                     "INSERT INTO rule_values(ruleset, key, value, source) VALUES (?1, ?2, ?3, ?4)",
                     "ttdt", m->code, m->values[i]->key, m->values[i]->value,
                     m->values[i]->source && *m->values[i]->source ? m->values[i]->source
                                                                   : (const char *)NULL);
    return rc;
}

/* The kinds applied in two steps: the entry each appends, its check and
 * its store. */
static const struct catalog_kind {
    Tdkt__RegistryRecord__ItemCase item;
    const char *entry;
    int (*check)(struct ledger *l, Tdkt__RegistryRecord *r, struct fault *f);
    int (*store)(struct ledger *l, const Tdkt__RegistryRecord *r, uint64_t seq);
} catalog_kinds[] = {
    {TDKT__REGISTRY_RECORD__ITEM_PERSON, ENTRY_PERSON_REGISTER, person_check, person_store},
    {TDKT__REGISTRY_RECORD__ITEM_PERIOD, ENTRY_PERIOD_SET, period_check, period_store},
    {TDKT__REGISTRY_RECORD__ITEM_CLUSTER, ENTRY_CLUSTER_SET, cluster_check, cluster_store},
    {TDKT__REGISTRY_RECORD__ITEM_CRITERIA, ENTRY_CRITERIA_SET, criteria_check, criteria_store},
    {TDKT__REGISTRY_RECORD__ITEM_RULES, ENTRY_RULES_SET, rules_check, rules_store},
    {TDKT__REGISTRY_RECORD__ITEM_COUNCIL, ENTRY_COUNCIL_SET, council_check, council_store},
};

/* The message a registry record holds (its item). */
static const ProtobufCMessage *record_item(const Tdkt__RegistryRecord *r)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(&tdkt__registry_record__descriptor, r->item_case);
    const ProtobufCMessage *m = NULL;

    if (fd)
        memcpy(&m, (const char *)r + fd->offset, sizeof m);
    return m;
}

/* Apply r of kind k: check it, and unless the catalog already says so,
 * append its entry and store its rows. */
static int apply_kind(struct ledger *l, int64_t t, const char *actor, const struct catalog_kind *k,
                      Tdkt__RegistryRecord *r, int *appended, struct fault *f)
{
    uint64_t seq = 0;
    int rc = k->check(l, r, f);

    if (rc != 0)
        return rc < 0 ? rc : 0;
    rc = ledger_append_msg(l, t, actor, k->entry, record_item(r), &seq);
    if (rc == 0)
        rc = k->store(l, r, seq);
    if (rc == 0)
        *appended = 1;
    return rc;
}

int catalog_rule_value(struct ledger *l, uint32_t year, const char *key, double *value,
                       char ruleset[RECORD_CODE_MAX + 1])
{
    char day[16];
    sqlite3_stmt *st;
    int rc;

    snprintf(day, sizeof day, "%04u-12-31", year);
    ruleset[0] = '\0';
    rc = sql_query(l, &st,
                   "SELECT code FROM rule_sets WHERE effective_from <= ?1"
                   " ORDER BY effective_from DESC LIMIT 1",
                   "t", day);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "finding the rule set in force");
    if (rc == 1)
        sql_col_text(st, 0, ruleset, RECORD_CODE_MAX + 1);
    sql_done(st);
    if (rc <= 0)
        return rc < 0 ? rc : TDKT_ENOTFOUND;
    rc = sql_query(l, &st, "SELECT value FROM rule_values WHERE ruleset = ?1 AND key = ?2", "tt",
                   ruleset, key);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a rule value");
    if (rc == 1)
        *value = sqlite3_column_double(st, 0);
    sql_done(st);
    return rc < 0 ? rc : rc == 1 ? 0 : TDKT_ENOTFOUND;
}

int catalog_apply(struct ledger *l, int64_t time_ms, const char *actor, Tdkt__RegistryRecord *r,
                  int *appended, struct fault *f)
{
    int rc;

    *appended = 0;
    rc = registry_record_validate(r, f);
    if (rc < 0)
        return rc;
    if (r->item_case == TDKT__REGISTRY_RECORD__ITEM_UNIT) {
        /* Units are written through registry.c, which keeps its own
         * all-or-nothing operation (operations do not nest). */
        rc = apply_unit(l, time_ms, actor, r->unit, appended, f);
        if (rc < 0)
            *appended = 0;
        return rc;
    }
    for (size_t i = 0; i < sizeof catalog_kinds / sizeof catalog_kinds[0]; i++) {
        if (catalog_kinds[i].item != r->item_case)
            continue;
        rc = ledger_op_begin(l);
        if (rc < 0)
            return rc;
        rc = apply_kind(l, time_ms, actor, &catalog_kinds[i], r, appended, f);
        if (rc < 0)
            *appended = 0;
        return ledger_op_end(l, rc);
    }
    return fault_set(f, TDKT_EINVAL, "item", "the record holds no item");
}
