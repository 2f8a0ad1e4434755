/* SPDX-License-Identifier: MIT */
/*
 * The local copy of the registry (see store_registry.h): pulled registry
 * entries applied, one handler per kind, and the reads over the copy.
 */
#include "client/lib/store_registry.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "client/lib/store_sql.h"
#include "common/domain/entry_kinds.h"
#include "common/domain/records.h"
#include "common/domain/unit_tree.h"
#include "common/err.h"
#include "common/text/fold.h"
#include "proto/tdkt.pb-c.h"

/* v1 -> v2: the copy of the registry (docs/results.md). */
const char store_registry_schema_v2[] =
    "CREATE TABLE reg_units(code TEXT PRIMARY KEY, name TEXT NOT NULL, role INTEGER NOT NULL,"
    " parent TEXT, kind INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE reg_persons(id TEXT PRIMARY KEY, name TEXT NOT NULL, unit TEXT NOT NULL);"
    "CREATE INDEX reg_persons_name ON reg_persons(name);"
    "CREATE TABLE reg_periods(year INTEGER PRIMARY KEY, state INTEGER NOT NULL, deadline TEXT);"
    "CREATE TABLE reg_clusters(year INTEGER NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,"
    " kind INTEGER NOT NULL, leader TEXT, deputy TEXT, members TEXT NOT NULL,"
    " PRIMARY KEY(year, code));"
    "CREATE TABLE reg_criteria(year INTEGER NOT NULL, cluster TEXT NOT NULL, code TEXT NOT NULL,"
    " name TEXT NOT NULL, max_points REAL NOT NULL, PRIMARY KEY(year, cluster, code));";

/* v4 -> v5: the rule sets of the registry, for the eligibility preview. */
const char store_registry_schema_v5[] =
    "CREATE TABLE reg_rule_sets(code TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " effective_from TEXT NOT NULL);"
    "CREATE TABLE reg_rule_values(ruleset TEXT NOT NULL, key TEXT NOT NULL, value REAL NOT NULL,"
    " PRIMARY KEY(ruleset, key)) WITHOUT ROWID;";

/* --- pulled registry entries ----------------------------------------------- */

/* Each handler gets its kind's message, unpacked by store_registry_apply. */

static int apply_unit_register(struct store *s, const ProtobufCMessage *msg)
{
    const Tdkt__UnitRegister *m = (const Tdkt__UnitRegister *)msg;

    if (!m->unit)
        return TDKT_ECORRUPT;
    return store_exec(
        s,
        "INSERT INTO reg_units(code, name, role, parent, kind) VALUES (?1,?2,?3,?4,?5)"
        " ON CONFLICT(code) DO UPDATE SET name=excluded.name, role=excluded.role,"
        " parent=excluded.parent, kind=excluded.kind",
        "ttiti", m->unit->code, m->unit->name, (int64_t)m->unit->role,
        m->parent_code && *m->parent_code ? m->parent_code : (const char *)NULL, (int64_t)m->kind);
}

static int apply_unit_revoke(struct store *s, const ProtobufCMessage *msg)
{
    const Tdkt__UnitRevoke *m = (const Tdkt__UnitRevoke *)msg;

    return store_exec(s, "UPDATE reg_units SET revoked=1 WHERE code=?1", "t", m->unit_code);
}

static int apply_person_register(struct store *s, const ProtobufCMessage *msg)
{
    const Tdkt__PersonRegister *m = (const Tdkt__PersonRegister *)msg;

    return store_exec(s,
                      "INSERT INTO reg_persons(id, name, unit) VALUES (?1,?2,?3) ON CONFLICT(id)"
                      " DO UPDATE SET name=excluded.name, unit=excluded.unit",
                      "ttt", m->id, m->name, m->unit_code);
}

static int apply_period_set(struct store *s, const ProtobufCMessage *msg)
{
    const Tdkt__PeriodSet *m = (const Tdkt__PeriodSet *)msg;

    return store_exec(s,
                      "INSERT INTO reg_periods(year, state, deadline) VALUES (?1,?2,?3)"
                      " ON CONFLICT(year) DO UPDATE SET state=excluded.state,"
                      " deadline=excluded.deadline",
                      "uit", m->year, (int64_t)m->state, m->deadline);
}

static int apply_cluster_set(struct store *s, const ProtobufCMessage *msg)
{
    const Tdkt__ClusterSet *m = (const Tdkt__ClusterSet *)msg;
    char members[CLUSTER_MEMBERS_MAX * (RECORD_CODE_MAX + 1) + 1] = "";
    size_t used = 0;

    for (size_t i = 0; i < m->n_members && used < sizeof members; i++)
        used += (size_t)snprintf(members + used, sizeof members - used, "%s%s", i ? " " : "",
                                 m->members[i]);
    return store_exec(s,
                      "INSERT INTO reg_clusters(year, code, name, kind, leader, deputy, members)"
                      " VALUES (?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(year, code) DO UPDATE SET"
                      " name=excluded.name, kind=excluded.kind, leader=excluded.leader,"
                      " deputy=excluded.deputy, members=excluded.members",
                      "uttittt", m->year, m->code, m->name, (int64_t)m->kind, m->leader, m->deputy,
                      members);
}

/* A rule set replaces the whole set of its values. */
static int apply_rules_set(struct store *s, const ProtobufCMessage *msg)
{
    const Tdkt__RuleSet *m = (const Tdkt__RuleSet *)msg;
    int rc = store_exec(s,
                        "INSERT INTO reg_rule_sets(code, name, effective_from) VALUES (?1, ?2, ?3)"
                        " ON CONFLICT(code) DO UPDATE SET name = excluded.name,"
                        " effective_from = excluded.effective_from",
                        "ttt", m->code, m->name, m->effective_from);

    if (rc == 0)
        rc = store_exec(s, "DELETE FROM reg_rule_values WHERE ruleset = ?1", "t", m->code);
    for (size_t i = 0; rc == 0 && i < m->n_values; i++)
        rc = store_exec(s, "INSERT INTO reg_rule_values(ruleset, key, value) VALUES (?1, ?2, ?3)",
                        "ttd", m->code, m->values[i]->key, m->values[i]->value);
    return rc;
}

/* A criteria sheet replaces the cluster's whole sheet for the year. */
static int apply_criteria_set(struct store *s, const ProtobufCMessage *msg)
{
    const Tdkt__CriteriaSet *m = (const Tdkt__CriteriaSet *)msg;
    int rc = store_exec(s, "DELETE FROM reg_criteria WHERE year=?1 AND cluster=?2", "ut", m->year,
                        m->cluster_code);

    for (size_t i = 0; rc == 0 && i < m->n_criteria; i++)
        rc = store_exec(s,
                        "INSERT INTO reg_criteria(year, cluster, code, name, max_points)"
                        " VALUES (?1,?2,?3,?4,?5)",
                        "utttd", m->year, m->cluster_code, m->criteria[i]->code,
                        m->criteria[i]->name, m->criteria[i]->max_points);
    return rc;
}

/* The registry entries the store copies: each kind's message and handler. */
static const struct {
    const char *kind;
    const ProtobufCMessageDescriptor *desc;
    int (*apply)(struct store *s, const ProtobufCMessage *m);
} registry_kinds[] = {
    {ENTRY_UNIT_REGISTER, &tdkt__unit_register__descriptor, apply_unit_register},
    {ENTRY_UNIT_REVOKE, &tdkt__unit_revoke__descriptor, apply_unit_revoke},
    {ENTRY_PERSON_REGISTER, &tdkt__person_register__descriptor, apply_person_register},
    {ENTRY_PERIOD_SET, &tdkt__period_set__descriptor, apply_period_set},
    {ENTRY_CLUSTER_SET, &tdkt__cluster_set__descriptor, apply_cluster_set},
    {ENTRY_RULES_SET, &tdkt__rule_set__descriptor, apply_rules_set},
    {ENTRY_CRITERIA_SET, &tdkt__criteria_set__descriptor, apply_criteria_set},
};

int store_registry_apply(struct store *s, const char *kind, const uint8_t *payload, size_t len)
{
    for (size_t i = 0; i < sizeof registry_kinds / sizeof registry_kinds[0]; i++) {
        ProtobufCMessage *m;
        int rc;

        if (strcmp(kind, registry_kinds[i].kind) != 0)
            continue;
        m = protobuf_c_message_unpack(registry_kinds[i].desc, NULL, len, payload);
        if (!m)
            return TDKT_ECORRUPT;
        rc = registry_kinds[i].apply(s, m);
        protobuf_c_message_free_unpacked(m, NULL);
        return rc;
    }
    return 0; /* a kind this store does not copy (or a newer server's) */
}

/* --- reads ------------------------------------------------------------------ */

/* A unit of the local copy as the tree walks read it
 * (common/domain/unit_tree.h). */
static int unit_link_get(void *arg, const char *code, struct unit_link *out)
{
    sqlite3_stmt *st = NULL;
    int rc = store_query(arg, &st, "SELECT coalesce(parent, ''), kind FROM reg_units WHERE code=?1",
                         "t", code);

    if (rc == 0 && (rc = store_query_row(st)) == 0) {
        snprintf(out->parent, sizeof out->parent, "%s", (const char *)sqlite3_column_text(st, 0));
        out->kind = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    return rc;
}

int store_unit_owned(struct store *s, const char *unit)
{
    char me[RECORD_CODE_MAX + 1], owner[RECORD_CODE_MAX + 1];

    if (store_meta_get(s, "unit", me, sizeof me) < 0 || !me[0] || strcmp(unit, me) == 0)
        return 1;
    return unit_tree_owner(unit_link_get, s, unit, owner) == 0 && strcmp(owner, me) == 0;
}

int store_unit_within(struct store *s, const char *unit, const char *ancestor)
{
    return unit_tree_within(unit_link_get, s, unit, ancestor) == 1;
}

/* 1 when unit is one of the space-separated codes of members. */
static int member_of(const char *members, const char *unit)
{
    size_t n = strlen(unit);

    for (const char *p = members; p && *p;) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);

        if (len == n && strncmp(p, unit, n) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* The members of cluster in year, or NULL (malloc'd; the caller frees). */
static char *cluster_members(struct store *s, uint32_t year, const char *cluster)
{
    sqlite3_stmt *st;
    char *m = NULL;

    if (store_query(s, &st, "SELECT members FROM reg_clusters WHERE year = ?1 AND code = ?2", "ut",
                    year, cluster) < 0)
        return NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        m = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return m;
}

/* Does row r of kind pass f (name key: want, "" for none)? 1, 0 or < 0. */
static int reg_row_passes(struct store *s, enum store_reg_kind kind,
                          const struct store_reg_filter *f, const char *want, const char *members,
                          const struct store_reg_row *r)
{
    if (*want) {
        char key[4 * RECORD_NAME_MAX + 4];

        if (text_fold(r->name, strlen(r->name), key, sizeof key) < 0 || strstr(key, want) == NULL)
            return 0;
    }
    if (kind == STORE_REG_CLUSTERS) {
        if (f->year && r->year != f->year)
            return 0;
        if (f->cluster && *f->cluster && strcmp(r->id, f->cluster) != 0)
            return 0;
        return !(f->unit && *f->unit) || member_of(r->extra, f->unit);
    }
    {
        const char *unit = kind == STORE_REG_UNITS ? r->id : r->unit;

        if (f->unit && *f->unit && store_unit_within(s, unit, f->unit) != 1)
            return 0;
        if (members != NULL && !member_of(members, unit))
            return 0;
    }
    return 1;
}

int store_registry_list(struct store *s, enum store_reg_kind kind, const struct store_reg_filter *f,
                        int (*fn)(void *arg, const struct store_reg_row *r), void *arg)
{
    static const char *const sql[] = {
        [STORE_REG_UNITS] = "SELECT code, name, coalesce(parent, ''), kind, 0 FROM reg_units"
                            " WHERE revoked = 0 ORDER BY name, code",
        [STORE_REG_PERSONS] = "SELECT id, name, unit, '', 0 FROM reg_persons ORDER BY name, id",
        [STORE_REG_CLUSTERS] = "SELECT code, name, '', members, year FROM reg_clusters"
                               " ORDER BY year, code",
    };
    char want[4 * RECORD_NAME_MAX + 4] = "", *members = NULL;
    sqlite3_stmt *st;
    int rc;

    if (f->name && *f->name && text_fold(f->name, strlen(f->name), want, sizeof want) < 0)
        return TDKT_EINVAL;
    /* Persons' and units' cluster filter: the members of that cluster that year. */
    if (kind != STORE_REG_CLUSTERS && f->cluster && *f->cluster) {
        if ((members = cluster_members(s, f->year, f->cluster)) == NULL)
            return TDKT_ENOTFOUND;
    }
    if ((rc = store_query(s, &st, sql[kind], "")) < 0) {
        free(members);
        return rc;
    }
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        struct store_reg_row r = {
            (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
            (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
            (uint32_t)sqlite3_column_int64(st, 4)};
        char kindbuf[12];

        if (!r.id || !r.name || !r.unit || !r.extra)
            continue;
        if (kind == STORE_REG_UNITS) {
            snprintf(kindbuf, sizeof kindbuf, "%d", sqlite3_column_int(st, 3));
            r.extra = kindbuf;
        }
        rc = reg_row_passes(s, kind, f, want, members, &r);
        if (rc == 1)
            rc = fn(arg, &r);
        else if (rc == 0)
            continue;
    }
    sqlite3_finalize(st);
    free(members);
    return rc;
}

int store_person_find(struct store *s, const char *text, struct store_person_match *found,
                      size_t max, size_t *n)
{
    char want[4 * RECORD_NAME_MAX + 4], key[4 * RECORD_NAME_MAX + 4];
    sqlite3_stmt *st;
    size_t whole = 0, part = 0;
    int rc;

    *n = 0;
    if ((rc = store_query(s, &st, "SELECT id, name, unit FROM reg_persons WHERE id = ?1", "t",
                          text)) < 0)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW && max > 0) {
        snprintf(found[0].id, sizeof found[0].id, "%s", sqlite3_column_text(st, 0));
        snprintf(found[0].name, sizeof found[0].name, "%s", sqlite3_column_text(st, 1));
        snprintf(found[0].unit, sizeof found[0].unit, "%s", sqlite3_column_text(st, 2));
        *n = 1;
    }
    sqlite3_finalize(st);
    if (*n == 1)
        return 0;
    if (text_fold(text, strlen(text), want, sizeof want) < 0 || want[0] == '\0')
        return 0;
    if ((rc = store_query(s, &st, "SELECT id, name, unit FROM reg_persons ORDER BY name, id", "")) <
        0)
        return rc;
    /* Whole-name matches first; part matches count only when there is none. */
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        int is_whole;

        if (name == NULL || text_fold(name, strlen(name), key, sizeof key) < 0 ||
            strstr(key, want) == NULL)
            continue;
        is_whole = strcmp(key, want) == 0;
        if (is_whole && whole == 0)
            part = 0; /* the first whole match replaces the part matches kept */
        if (!is_whole && whole > 0)
            continue;
        size_t k = is_whole ? whole++ : part++;
        if (k < max) {
            snprintf(found[k].id, sizeof found[k].id, "%s", sqlite3_column_text(st, 0));
            snprintf(found[k].name, sizeof found[k].name, "%s", name);
            snprintf(found[k].unit, sizeof found[k].unit, "%s", sqlite3_column_text(st, 2));
        }
    }
    sqlite3_finalize(st);
    *n = whole ? whole : part;
    return 0;
}

int store_subject_name(struct store *s, const char *person, const char *unit, char *out, size_t cap)
{
    sqlite3_stmt *st;
    int person_set = person != NULL && *person != '\0';
    int rc = store_query(s, &st,
                         person_set ? "SELECT name FROM reg_persons WHERE id = ?1"
                                    : "SELECT name FROM reg_units WHERE code = ?1",
                         "t", person_set ? person : (unit ? unit : ""));

    out[0] = '\0';
    if (rc < 0)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return 0;
}

int store_person_resolve(struct store *s, const char *unit, const char *text, char id[65])
{
    sqlite3_stmt *st;
    int found = 0, rc;

    rc = store_query(s, &st,
                     "SELECT id, unit FROM reg_persons WHERE id=?1 OR name=?1 ORDER BY id=?1 DESC",
                     "t", text);
    if (rc < 0)
        return rc;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *pid = (const char *)sqlite3_column_text(st, 0);
        const char *punit = (const char *)sqlite3_column_text(st, 1);
        if (!pid || !punit || !store_unit_within(s, punit, unit))
            continue;
        if (strcmp(pid, text) == 0) { /* an exact id wins */
            snprintf(id, 65, "%s", pid);
            found = 1;
            break;
        }
        if (found++ == 0)
            snprintf(id, 65, "%s", pid);
    }
    sqlite3_finalize(st);
    if (found == 0)
        return TDKT_ENOTFOUND;
    return found > 1 ? TDKT_EEXIST : 0;
}

int store_period_state(struct store *s, uint32_t year, int *state)
{
    sqlite3_stmt *st;
    int rc = store_query(s, &st, "SELECT state FROM reg_periods WHERE year=?1", "u", year);
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st) == SQLITE_ROW ? 0 : TDKT_ENOTFOUND;
    if (rc == 0)
        *state = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc;
}

static uint64_t count_of(struct store *s, const char *sql)
{
    sqlite3_stmt *st;
    uint64_t n = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int store_registry_counts(struct store *s, uint64_t *units, uint64_t *persons, uint64_t *clusters,
                          uint64_t *periods)
{
    *units = count_of(s, "SELECT count(*) FROM reg_units");
    *persons = count_of(s, "SELECT count(*) FROM reg_persons");
    *clusters = count_of(s, "SELECT count(*) FROM reg_clusters");
    *periods = count_of(s, "SELECT count(*) FROM reg_periods");
    return 0;
}

int store_rule_value(struct store *s, uint32_t year, const char *key, double *value,
                     char ruleset[65])
{
    char day[16];
    sqlite3_stmt *st;
    int rc;

    snprintf(day, sizeof day, "%04u-12-31", year);
    ruleset[0] = '\0';
    rc = store_query(s, &st,
                     "SELECT code FROM reg_rule_sets WHERE effective_from <= ?1"
                     " ORDER BY effective_from DESC LIMIT 1",
                     "t", day);
    if (rc < 0)
        return rc;
    if ((rc = store_query_row(st)) == 0)
        snprintf(ruleset, 65, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc < 0)
        return rc;
    rc = store_query(s, &st, "SELECT value FROM reg_rule_values WHERE ruleset = ?1 AND key = ?2",
                     "tt", ruleset, key);
    if (rc < 0)
        return rc;
    if ((rc = store_query_row(st)) == 0)
        *value = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return rc;
}
