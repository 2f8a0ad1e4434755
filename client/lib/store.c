/* SPDX-License-Identifier: MIT */
/* The client's local SQLite store (see store.h). */
#include "store.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/domain/records.h"
#include "common/err.h"

#define STORE_BUSY_TIMEOUT_MS 5000

struct store {
    sqlite3 *db;
};

static const char schema_v1[] =
    "CREATE TABLE outbox("
    " id BLOB PRIMARY KEY CHECK(length(id)=16),"
    " kind TEXT NOT NULL,"
    " body BLOB NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'pending' CHECK(state IN ('pending','acked','refused')),"
    " seq INTEGER, entry_hash BLOB, acked_ms INTEGER, error TEXT);"
    "CREATE INDEX outbox_state ON outbox(state, created_ms);"
    "PRAGMA user_version=1;";

/* v1 -> v2: local results and the copy of the registry (docs/results.md). */
static const char schema_v2[] =
    "CREATE TABLE records("
    " unit TEXT NOT NULL, year INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,"
    " record BLOB NOT NULL, removed INTEGER NOT NULL DEFAULT 0,"
    " state TEXT NOT NULL CHECK(state IN ('pending','synced','refused')),"
    " seq INTEGER, error TEXT, updated_ms INTEGER NOT NULL,"
    " PRIMARY KEY(unit, year, kind, key)) WITHOUT ROWID;"
    "CREATE TABLE reg_units(code TEXT PRIMARY KEY, name TEXT NOT NULL, role INTEGER NOT NULL,"
    " parent TEXT, kind INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE reg_persons(id TEXT PRIMARY KEY, name TEXT NOT NULL, unit TEXT NOT NULL);"
    "CREATE INDEX reg_persons_name ON reg_persons(name);"
    "CREATE TABLE reg_periods(year INTEGER PRIMARY KEY, state INTEGER NOT NULL, deadline TEXT);"
    "CREATE TABLE reg_clusters(year INTEGER NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,"
    " kind INTEGER NOT NULL, leader TEXT, deputy TEXT, members TEXT NOT NULL,"
    " PRIMARY KEY(year, code));"
    "CREATE TABLE reg_criteria(year INTEGER NOT NULL, cluster TEXT NOT NULL, code TEXT NOT NULL,"
    " name TEXT NOT NULL, max_points REAL NOT NULL, PRIMARY KEY(year, cluster, code));"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "PRAGMA user_version=2;";

/* v2 -> v3: each acknowledged entry keeps its whole receipt (the signed head
 * and the audit path it was checked against) and whether reconcile has since
 * proved it in a later head (docs/reconcile.md). */
/* v3 -> v4: ballots this office has looked at (their definition, so that it
 * can vote offline) and the secrets of its own casts (tracker, salt), which
 * let it find its ballot in the published box and prove its commitment. */
static const char schema_v4[] =
    "CREATE TABLE ballots_seen(id TEXT PRIMARY KEY, opened BLOB NOT NULL, fetched_ms INTEGER);"
    "CREATE TABLE my_ballots(id TEXT PRIMARY KEY, tracker BLOB NOT NULL, salt BLOB,"
    " statement BLOB NOT NULL, sealed BLOB, cast_ms INTEGER NOT NULL);"
    "PRAGMA user_version=4;";

/* v4 -> v5: the rule sets of the registry, for the eligibility preview. */
static const char schema_v5[] =
    "CREATE TABLE reg_rule_sets(code TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " effective_from TEXT NOT NULL);"
    "CREATE TABLE reg_rule_values(ruleset TEXT NOT NULL, key TEXT NOT NULL, value REAL NOT NULL,"
    " PRIMARY KEY(ruleset, key)) WITHOUT ROWID;"
    "PRAGMA user_version=5;";

static const char schema_v3[] = "ALTER TABLE outbox ADD COLUMN receipt BLOB;"
                                "ALTER TABLE outbox ADD COLUMN audited INTEGER NOT NULL DEFAULT 0;"
                                "PRAGMA user_version=3;";

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int store_open(const char *path, struct store **out, char *err, size_t err_cap)
{
    struct store *s = calloc(1, sizeof *s);
    sqlite3_stmt *st = NULL;
    int version = 0, rc;
    char *emsg = NULL;

    *out = NULL;
    if (!s)
        return TDKT_ENOMEM;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, err_cap, "cannot open local store %s: %s", path, sqlite3_errmsg(s->db));
        goto fail;
    }
    sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
    if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                     &emsg) != SQLITE_OK)
        goto sqlfail;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(err, err_cap, "local store %s has schema %d; this tdkt knows %d: upgrade tdkt",
                 path, version, STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (version < STORE_SCHEMA_VERSION) {
        rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, &emsg);
        if (rc == SQLITE_OK && version < 1)
            rc = sqlite3_exec(s->db, schema_v1, NULL, NULL, &emsg);
        if (rc == SQLITE_OK && version < 2)
            rc = sqlite3_exec(s->db, schema_v2, NULL, NULL, &emsg);
        if (rc == SQLITE_OK && version < 3)
            rc = sqlite3_exec(s->db, schema_v3, NULL, NULL, &emsg);
        if (rc == SQLITE_OK && version < 4)
            rc = sqlite3_exec(s->db, schema_v4, NULL, NULL, &emsg);
        if (rc == SQLITE_OK && version < 5)
            rc = sqlite3_exec(s->db, schema_v5, NULL, NULL, &emsg);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, &emsg);
        if (rc != SQLITE_OK) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            goto sqlfail;
        }
    }
    *out = s;
    return 0;
sqlfail:
    snprintf(err, err_cap, "local store %s: %s", path, emsg ? emsg : sqlite3_errmsg(s->db));
    sqlite3_free(emsg);
fail:
    sqlite3_close(s->db);
    free(s);
    return TDKT_EDB;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

static int exec_bound(struct store *s, const char *sql, const uint8_t id[16],
                      int (*bind)(sqlite3_stmt *, void *), void *arg)
{
    sqlite3_stmt *st;
    int rc;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return TDKT_EDB;
    sqlite3_bind_blob(st, 1, id, 16, SQLITE_STATIC);
    rc = bind ? bind(st, arg) : 0;
    if (rc == 0) {
        int step = sqlite3_step(st);
        rc = step == SQLITE_DONE ? 0 : (step == SQLITE_CONSTRAINT ? TDKT_EEXIST : TDKT_EDB);
    }
    if (rc == 0 && sqlite3_changes(s->db) == 0)
        rc = TDKT_ENOTFOUND;
    sqlite3_finalize(st);
    return rc;
}

struct add_args {
    const char *kind;
    const uint8_t *body;
    size_t len;
};

static int bind_add(sqlite3_stmt *st, void *arg)
{
    struct add_args *a = arg;
    sqlite3_bind_text(st, 2, a->kind, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, a->body, (int)a->len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now_ms());
    return 0;
}

int store_outbox_add(struct store *s, const uint8_t id[16], const char *kind, const uint8_t *body,
                     size_t len)
{
    struct add_args a = {kind, body, len};
    return exec_bound(s, "INSERT INTO outbox(id, kind, body, created_ms) VALUES(?1,?2,?3,?4)", id,
                      bind_add, &a);
}

struct ack_args {
    uint64_t seq;
    const uint8_t *hash;
    int64_t time_ms;
};

static int bind_ack(sqlite3_stmt *st, void *arg)
{
    struct ack_args *a = arg;
    sqlite3_bind_int64(st, 2, (sqlite3_int64)a->seq);
    sqlite3_bind_blob(st, 3, a->hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, a->time_ms);
    return 0;
}

int store_outbox_ack(struct store *s, const uint8_t id[16], uint64_t seq, const uint8_t hash[32],
                     int64_t time_ms)
{
    struct ack_args a = {seq, hash, time_ms};
    return exec_bound(s,
                      "UPDATE outbox SET state='acked', seq=?2, entry_hash=?3, acked_ms=?4 "
                      "WHERE id=?1",
                      id, bind_ack, &a);
}

static int bind_err(sqlite3_stmt *st, void *arg)
{
    sqlite3_bind_text(st, 2, arg, -1, SQLITE_STATIC);
    return 0;
}

int store_outbox_refuse(struct store *s, const uint8_t id[16], const char *error)
{
    return exec_bound(s, "UPDATE outbox SET state='refused', error=?2 WHERE id=?1", id, bind_err,
                      (void *)error);
}

int store_outbox_each(struct store *s, const char *state,
                      int (*cb)(void *arg, const struct store_item *it), void *arg)
{
    sqlite3_stmt *st;
    int rc = 0, step;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, kind, body, created_ms, state, seq, error FROM outbox "
                           "WHERE ?1 IS NULL OR state=?1 ORDER BY created_ms, rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return TDKT_EDB;
    if (state)
        sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_item it = {0};
        if (sqlite3_column_bytes(st, 0) != 16)
            continue;
        memcpy(it.id, sqlite3_column_blob(st, 0), 16);
        it.kind = (const char *)sqlite3_column_text(st, 1);
        it.body = sqlite3_column_blob(st, 2);
        it.body_len = (size_t)sqlite3_column_bytes(st, 2);
        it.created_ms = sqlite3_column_int64(st, 3);
        it.state = (const char *)sqlite3_column_text(st, 4);
        it.seq = (uint64_t)sqlite3_column_int64(st, 5);
        it.error = (const char *)sqlite3_column_text(st, 6);
        rc = cb(arg, &it);
        if (rc)
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = TDKT_EDB;
    sqlite3_finalize(st);
    return rc;
}

int store_outbox_count(struct store *s, const char *state, uint64_t *n)
{
    sqlite3_stmt *st;
    int rc = TDKT_EDB;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM outbox WHERE ?1 IS NULL OR state=?1", -1,
                           &st, NULL) != SQLITE_OK)
        return TDKT_EDB;
    if (state)
        sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *n = (uint64_t)sqlite3_column_int64(st, 0);
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

/* --- transactions --------------------------------------------------------- */

int store_begin(struct store *s)
{
    return sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : TDKT_EDB;
}

int store_commit(struct store *s)
{
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return TDKT_EDB;
}

void store_rollback(struct store *s)
{
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Prepare sql and bind by format (t text, i int64, u uint32, d double,
 * b blob+size_t), as server/ledger/sql.h does. */
static int q(struct store *s, sqlite3_stmt **st, const char *sql, const char *fmt, ...)
{
    va_list ap;
    int i = 1, rc = SQLITE_OK;

    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return TDKT_EDB;
    va_start(ap, fmt);
    for (const char *f = fmt; *f && rc == SQLITE_OK; f++, i++) {
        switch (*f) {
        case 't': {
            const char *t = va_arg(ap, const char *);
            rc = t ? sqlite3_bind_text(*st, i, t, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(*st, i);
            break;
        }
        case 'i':
            rc = sqlite3_bind_int64(*st, i, (sqlite3_int64)va_arg(ap, int64_t));
            break;
        case 'u':
            rc = sqlite3_bind_int64(*st, i, (sqlite3_int64)va_arg(ap, uint32_t));
            break;
        case 'd':
            rc = sqlite3_bind_double(*st, i, va_arg(ap, double));
            break;
        case 'b': {
            const void *p = va_arg(ap, const void *);
            size_t n = va_arg(ap, size_t);
            rc = sqlite3_bind_blob(*st, i, p ? p : "", (int)n, SQLITE_TRANSIENT);
            break;
        }
        default:
            rc = SQLITE_MISUSE;
        }
    }
    va_end(ap);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(*st);
        *st = NULL;
        return TDKT_EDB;
    }
    return 0;
}

/* Run a prepared statement to completion and finalize it. */
static int q_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : TDKT_EDB;
}

/* --- records -------------------------------------------------------------- */

int store_record_put(struct store *s, const char *unit, uint32_t year, const char *kind,
                     const char *key, const uint8_t *rec, size_t len, int removed, int *changed)
{
    sqlite3_stmt *st;
    int rc, same = 0;

    *changed = 0;
    rc = q(s, &st, "SELECT record FROM records WHERE unit=?1 AND year=?2 AND kind=?3 AND key=?4",
           "tutt", unit, year, kind, key);
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        same = (size_t)sqlite3_column_bytes(st, 0) == len &&
               (len == 0 || memcmp(sqlite3_column_blob(st, 0), rec, len) == 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return TDKT_EDB;
    if (same)
        return 0;
    rc = q(s, &st,
           "INSERT INTO records(unit, year, kind, key, record, removed, state, updated_ms)"
           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7) ON CONFLICT(unit, year, kind, key)"
           " DO UPDATE SET record=excluded.record, removed=excluded.removed, state='pending',"
           " seq=NULL, error=NULL, updated_ms=excluded.updated_ms",
           "tuttbii", unit, year, kind, key, rec, len, (int64_t)(removed != 0), now_ms());
    if (rc < 0)
        return rc;
    rc = q_done(st);
    if (rc == 0)
        *changed = 1;
    return rc;
}

int store_record_mark(struct store *s, const char *unit, uint32_t year, const char *kind,
                      const char *key, const uint8_t *rec, size_t len, const char *state,
                      uint64_t seq, const char *error)
{
    sqlite3_stmt *st;
    int rc = q(s, &st,
               "UPDATE records SET state=?6, seq=?7, error=?8 WHERE unit=?1 AND year=?2"
               " AND kind=?3 AND key=?4 AND record=?5",
               "tuttbtit", unit, year, kind, key, rec, len, state, (int64_t)seq, error);
    return rc < 0 ? rc : q_done(st);
}

int store_records_each(struct store *s, const char *unit, uint32_t year,
                       int (*cb)(void *arg, const struct store_record *r), void *arg)
{
    sqlite3_stmt *st;
    int rc = q(s, &st,
               "SELECT unit, year, kind, key, record, state, seq, error FROM records"
               " WHERE (?1 IS NULL OR unit=?1) AND (?2 = 0 OR year=?2) AND removed=0"
               " ORDER BY unit, year, kind, key",
               "tu", unit, year);
    int step, stop = 0;
    if (rc < 0)
        return rc;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_record r = {
            .unit = (const char *)sqlite3_column_text(st, 0),
            .year = (uint32_t)sqlite3_column_int64(st, 1),
            .kind = (const char *)sqlite3_column_text(st, 2),
            .key = (const char *)sqlite3_column_text(st, 3),
            .record = sqlite3_column_blob(st, 4),
            .record_len = (size_t)sqlite3_column_bytes(st, 4),
            .state = (const char *)sqlite3_column_text(st, 5),
            .seq = (uint64_t)sqlite3_column_int64(st, 6),
            .error = (const char *)sqlite3_column_text(st, 7),
        };
        stop = cb(arg, &r);
        if (stop)
            break;
    }
    sqlite3_finalize(st);
    if (stop)
        return stop < 0 ? stop : 0;
    return step == SQLITE_DONE ? 0 : TDKT_EDB;
}

int store_records_count(struct store *s, const char *state, uint64_t *n)
{
    sqlite3_stmt *st;
    int rc = q(s, &st, "SELECT count(*) FROM records WHERE ?1 IS NULL OR state=?1", "t", state);
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st) == SQLITE_ROW ? 0 : TDKT_EDB;
    if (rc == 0)
        *n = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/* --- meta ----------------------------------------------------------------- */

int store_meta_get(struct store *s, const char *key, char *out, size_t cap)
{
    sqlite3_stmt *st;
    int rc = q(s, &st, "SELECT value FROM meta WHERE key=?1", "t", key);
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        rc = snprintf(out, cap, "%s", v ? v : "") < (int)cap ? 0 : TDKT_ETOOBIG;
    } else {
        rc = rc == SQLITE_DONE ? TDKT_ENOTFOUND : TDKT_EDB;
    }
    sqlite3_finalize(st);
    return rc;
}

int store_meta_set(struct store *s, const char *key, const char *value)
{
    sqlite3_stmt *st;
    int rc = q(s, &st,
               "INSERT INTO meta(key, value) VALUES (?1, ?2)"
               " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
               "tt", key, value);
    return rc < 0 ? rc : q_done(st);
}

/* --- registry copy -------------------------------------------------------- */

static int apply_registry(struct store *s, const char *kind, const uint8_t *p, size_t len)
{
    sqlite3_stmt *st;
    int rc = 0;

    if (strcmp(kind, "unit.register") == 0) {
        Tdkt__UnitRegister *m = tdkt__unit_register__unpack(NULL, len, p);
        if (!m || !m->unit) {
            if (m)
                tdkt__unit_register__free_unpacked(m, NULL);
            return TDKT_ECORRUPT;
        }
        rc = q(s, &st,
               "INSERT INTO reg_units(code, name, role, parent, kind) VALUES (?1,?2,?3,?4,?5)"
               " ON CONFLICT(code) DO UPDATE SET name=excluded.name, role=excluded.role,"
               " parent=excluded.parent, kind=excluded.kind",
               "ttiti", m->unit->code, m->unit->name, (int64_t)m->unit->role,
               m->parent_code && *m->parent_code ? m->parent_code : (const char *)NULL,
               (int64_t)m->kind);
        if (rc == 0)
            rc = q_done(st);
        tdkt__unit_register__free_unpacked(m, NULL);
    } else if (strcmp(kind, "unit.revoke") == 0) {
        Tdkt__UnitRevoke *m = tdkt__unit_revoke__unpack(NULL, len, p);
        if (!m)
            return TDKT_ECORRUPT;
        rc = q(s, &st, "UPDATE reg_units SET revoked=1 WHERE code=?1", "t", m->unit_code);
        if (rc == 0)
            rc = q_done(st);
        tdkt__unit_revoke__free_unpacked(m, NULL);
    } else if (strcmp(kind, "person.register") == 0) {
        Tdkt__PersonRegister *m = tdkt__person_register__unpack(NULL, len, p);
        if (!m)
            return TDKT_ECORRUPT;
        rc = q(s, &st,
               "INSERT INTO reg_persons(id, name, unit) VALUES (?1,?2,?3) ON CONFLICT(id)"
               " DO UPDATE SET name=excluded.name, unit=excluded.unit",
               "ttt", m->id, m->name, m->unit_code);
        if (rc == 0)
            rc = q_done(st);
        tdkt__person_register__free_unpacked(m, NULL);
    } else if (strcmp(kind, "period.set") == 0) {
        Tdkt__PeriodSet *m = tdkt__period_set__unpack(NULL, len, p);
        if (!m)
            return TDKT_ECORRUPT;
        rc = q(s, &st,
               "INSERT INTO reg_periods(year, state, deadline) VALUES (?1,?2,?3) ON CONFLICT(year)"
               " DO UPDATE SET state=excluded.state, deadline=excluded.deadline",
               "uit", m->year, (int64_t)m->state, m->deadline);
        if (rc == 0)
            rc = q_done(st);
        tdkt__period_set__free_unpacked(m, NULL);
    } else if (strcmp(kind, "cluster.set") == 0) {
        Tdkt__ClusterSet *m = tdkt__cluster_set__unpack(NULL, len, p);
        char members[CLUSTER_MEMBERS_MAX * (RECORD_CODE_MAX + 1) + 1] = "";
        size_t used = 0;
        if (!m)
            return TDKT_ECORRUPT;
        for (size_t i = 0; i < m->n_members && used < sizeof members; i++)
            used += (size_t)snprintf(members + used, sizeof members - used, "%s%s", i ? " " : "",
                                     m->members[i]);
        rc = q(s, &st,
               "INSERT INTO reg_clusters(year, code, name, kind, leader, deputy, members)"
               " VALUES (?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(year, code) DO UPDATE SET"
               " name=excluded.name, kind=excluded.kind, leader=excluded.leader,"
               " deputy=excluded.deputy, members=excluded.members",
               "uttittt", m->year, m->code, m->name, (int64_t)m->kind, m->leader, m->deputy,
               members);
        if (rc == 0)
            rc = q_done(st);
        tdkt__cluster_set__free_unpacked(m, NULL);
    } else if (strcmp(kind, "rules.set") == 0) {
        Tdkt__RuleSet *m = tdkt__rule_set__unpack(NULL, len, p);
        if (!m)
            return TDKT_ECORRUPT;
        rc = q(s, &st,
               "INSERT INTO reg_rule_sets(code, name, effective_from) VALUES (?1, ?2, ?3)"
               " ON CONFLICT(code) DO UPDATE SET name = excluded.name,"
               " effective_from = excluded.effective_from",
               "ttt", m->code, m->name, m->effective_from);
        if (rc == 0)
            rc = q_done(st);
        if (rc == 0 &&
            (rc = q(s, &st, "DELETE FROM reg_rule_values WHERE ruleset = ?1", "t", m->code)) == 0)
            rc = q_done(st);
        for (size_t i = 0; rc == 0 && i < m->n_values; i++) {
            rc = q(s, &st, "INSERT INTO reg_rule_values(ruleset, key, value) VALUES (?1, ?2, ?3)",
                   "ttd", m->code, m->values[i]->key, m->values[i]->value);
            if (rc == 0)
                rc = q_done(st);
        }
        tdkt__rule_set__free_unpacked(m, NULL);
    } else if (strcmp(kind, "criteria.set") == 0) {
        Tdkt__CriteriaSet *m = tdkt__criteria_set__unpack(NULL, len, p);
        if (!m)
            return TDKT_ECORRUPT;
        rc = q(s, &st, "DELETE FROM reg_criteria WHERE year=?1 AND cluster=?2", "ut", m->year,
               m->cluster_code);
        if (rc == 0)
            rc = q_done(st);
        for (size_t i = 0; rc == 0 && i < m->n_criteria; i++) {
            rc = q(s, &st,
                   "INSERT INTO reg_criteria(year, cluster, code, name, max_points)"
                   " VALUES (?1,?2,?3,?4,?5)",
                   "utttd", m->year, m->cluster_code, m->criteria[i]->code, m->criteria[i]->name,
                   m->criteria[i]->max_points);
            if (rc == 0)
                rc = q_done(st);
        }
        tdkt__criteria_set__free_unpacked(m, NULL);
    }
    return rc;
}

/* 1 when unit's results are this office's own: the unit itself, or a
 * division whose nearest non-division ancestor is this office (the server's
 * catalog_unit_owner, over the local registry copy). 1 as well while the
 * store does not know its unit yet. */
int store_unit_owned(struct store *s, const char *unit)
{
    char me[RECORD_CODE_MAX + 1], code[RECORD_CODE_MAX + 1];
    if (store_meta_get(s, "unit", me, sizeof me) < 0 || !me[0])
        return 1;
    snprintf(code, sizeof code, "%s", unit);
    for (int depth = 0; depth < 16; depth++) {
        sqlite3_stmt *st;
        const char *parent = NULL;
        int kind = 0;
        if (strcmp(code, me) == 0)
            return 1;
        if (q(s, &st, "SELECT parent, kind FROM reg_units WHERE code=?1", "t", code) < 0)
            return 0;
        if (sqlite3_step(st) == SQLITE_ROW) {
            parent = (const char *)sqlite3_column_text(st, 0);
            kind = sqlite3_column_int(st, 1);
        }
        if (!parent || kind != TDKT__UNIT_KIND__UNIT_KIND_DIVISION) {
            sqlite3_finalize(st);
            return 0;
        }
        snprintf(code, sizeof code, "%s", parent);
        sqlite3_finalize(st);
    }
    return 0;
}

int store_apply_entry(struct store *s, uint64_t seq, const char *kind, const uint8_t *payload,
                      size_t len)
{
    if (strcmp(kind, "result.put") != 0)
        return apply_registry(s, kind, payload, len);

    Tdkt__ResultEntry *e = tdkt__result_entry__unpack(NULL, len, payload);
    char key[RECORD_KEY_MAX + 1];
    sqlite3_stmt *st;
    int rc;
    if (!e || !e->record || record_key(e->record, key) < 0) {
        if (e)
            tdkt__result_entry__free_unpacked(e, NULL);
        return TDKT_ECORRUPT;
    }
    /* The central office sees every unit's entries; its store keeps only
     * its own records, which are the ones it writes and reconciles. */
    if (!store_unit_owned(s, e->unit_code)) {
        tdkt__result_entry__free_unpacked(e, NULL);
        return 0;
    }
    size_t n = tdkt__result_record__get_packed_size(e->record);
    uint8_t *rec = malloc(n ? n : 1);
    if (!rec) {
        tdkt__result_entry__free_unpacked(e, NULL);
        return TDKT_ENOMEM;
    }
    tdkt__result_record__pack(e->record, rec);
    /* The server's revision, unless a local edit is waiting to be sent. */
    rc = q(s, &st,
           "INSERT INTO records(unit, year, kind, key, record, removed, state, seq, updated_ms)"
           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'synced', ?7, ?8) ON CONFLICT(unit, year, kind, key)"
           " DO UPDATE SET record=excluded.record, removed=excluded.removed, state='synced',"
           " seq=excluded.seq, error=NULL WHERE records.state != 'pending'",
           "tuttbiii", e->unit_code, e->year, record_kind_name(e->record), key, rec, n,
           (int64_t)(e->record->removed != 0), (int64_t)seq, now_ms());
    if (rc == 0)
        rc = q_done(st);
    free(rec);
    tdkt__result_entry__free_unpacked(e, NULL);
    return rc;
}

int store_unit_within(struct store *s, const char *unit, const char *ancestor)
{
    char code[RECORD_CODE_MAX + 1];
    snprintf(code, sizeof code, "%s", unit);
    for (int depth = 0; depth < 16; depth++) {
        sqlite3_stmt *st;
        if (strcmp(code, ancestor) == 0)
            return 1;
        if (q(s, &st, "SELECT parent FROM reg_units WHERE code=?1", "t", code) < 0)
            return 0;
        const char *p = NULL;
        if (sqlite3_step(st) == SQLITE_ROW)
            p = (const char *)sqlite3_column_text(st, 0);
        if (!p) {
            sqlite3_finalize(st);
            return 0;
        }
        snprintf(code, sizeof code, "%s", p);
        sqlite3_finalize(st);
    }
    return 0;
}

int store_person_resolve(struct store *s, const char *unit, const char *text, char id[65])
{
    sqlite3_stmt *st;
    int found = 0, rc;

    rc = q(s, &st, "SELECT id, unit FROM reg_persons WHERE id=?1 OR name=?1 ORDER BY id=?1 DESC",
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
    int rc = q(s, &st, "SELECT state FROM reg_periods WHERE year=?1", "u", year);
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

/* --- reconciliation ------------------------------------------------------- */

static void row_record(sqlite3_stmt *st, struct store_record *r)
{
    r->unit = (const char *)sqlite3_column_text(st, 0);
    r->year = (uint32_t)sqlite3_column_int64(st, 1);
    r->kind = (const char *)sqlite3_column_text(st, 2);
    r->key = (const char *)sqlite3_column_text(st, 3);
    r->record = sqlite3_column_blob(st, 4);
    r->record_len = (size_t)sqlite3_column_bytes(st, 4);
    r->state = (const char *)sqlite3_column_text(st, 5);
    r->seq = (uint64_t)sqlite3_column_int64(st, 6);
    r->error = (const char *)sqlite3_column_text(st, 7);
}

#define RECORD_COLS "unit, year, kind, key, record, state, seq, error"

int store_records_range(struct store *s, const struct rd_key *lo, const struct rd_key *hi,
                        int (*cb)(void *arg, const struct store_record *r), void *arg)
{
    static const struct rd_key start = {"", 0, "", ""};
    sqlite3_stmt *st;
    int rc;

    if (!lo)
        lo = &start;
    if (hi)
        rc = q(s, &st,
               "SELECT " RECORD_COLS
               " FROM records WHERE (unit, year, kind, key) >= (?1, ?2, ?3, ?4)"
               " AND (unit, year, kind, key) < (?5, ?6, ?7, ?8) ORDER BY unit, year, kind, key",
               "tutttutt", lo->unit, lo->year, lo->kind, lo->key, hi->unit, hi->year, hi->kind,
               hi->key);
    else
        rc = q(s, &st,
               "SELECT " RECORD_COLS
               " FROM records WHERE (unit, year, kind, key) >= (?1, ?2, ?3, ?4)"
               " ORDER BY unit, year, kind, key",
               "tutt", lo->unit, lo->year, lo->kind, lo->key);
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_record r;
        row_record(st, &r);
        if (!r.unit || !r.kind || !r.key || !r.state) {
            rc = TDKT_ECORRUPT;
            break;
        }
        rc = cb(arg, &r);
        if (rc != 0)
            break;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    return rc < 0 ? rc : (rc == SQLITE_ROW ? TDKT_EDB : rc);
}

int store_record_repair(struct store *s, const Tdkt__ResultEntry *e, uint64_t seq, int *changed)
{
    char key[RECORD_KEY_MAX + 1];
    sqlite3_stmt *st;
    uint8_t *rec;
    size_t n;
    int rc;

    *changed = 0;
    if (!e->record || !e->unit_code || record_key(e->record, key) < 0)
        return TDKT_EINVAL;
    n = tdkt__result_record__get_packed_size(e->record);
    rec = malloc(n ? n : 1);
    if (!rec)
        return TDKT_ENOMEM;
    tdkt__result_record__pack(e->record, rec);
    rc = q(s, &st, "SELECT 1 FROM records WHERE unit=?1 AND year=?2 AND kind=?3 AND key=?4", "tutt",
           e->unit_code, e->year, record_kind_name(e->record), key);
    if (rc < 0) {
        free(rec);
        return rc;
    }
    int existed = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    /* Only a missing record or a synced copy is replaced: a local edit the
     * server has not taken (pending, refused) is the office's to resolve. */
    rc = q(s, &st,
           "INSERT INTO records(unit, year, kind, key, record, removed, state, seq, updated_ms)"
           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'synced', ?7, ?8) ON CONFLICT(unit, year, kind, key)"
           " DO UPDATE SET record=excluded.record, removed=excluded.removed, seq=excluded.seq,"
           " error=NULL WHERE records.state = 'synced'",
           "tuttbiii", e->unit_code, e->year, record_kind_name(e->record), key, rec, n,
           (int64_t)(e->record->removed != 0), (int64_t)seq, now_ms());
    free(rec);
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE && sqlite3_changes(s->db) > 0)
        *changed = existed ? 2 : 1;
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : TDKT_EDB;
}

int store_receipts_unaudited(struct store *s, unsigned max,
                             int (*cb)(void *arg, uint64_t seq, const uint8_t hash[32]), void *arg)
{
    sqlite3_stmt *st;
    int rc = q(s, &st,
               "SELECT DISTINCT seq, entry_hash FROM outbox WHERE state = 'acked' AND audited = 0"
               " AND length(entry_hash) = 32 ORDER BY seq LIMIT ?1",
               "i", (int64_t)max);
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = cb(arg, (uint64_t)sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1));
        if (rc != 0)
            break;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    return rc < 0 ? rc : (rc == SQLITE_ROW ? TDKT_EDB : rc);
}

int store_outbox_receipt(struct store *s, const uint8_t id[16], const uint8_t *receipt, size_t len)
{
    sqlite3_stmt *st;
    int rc = q(s, &st, "UPDATE outbox SET receipt = ?1 WHERE id = ?2", "bb", receipt, len, id,
               (size_t)16);
    return rc < 0 ? rc : q_done(st);
}

int store_receipt_audited(struct store *s, uint64_t seq)
{
    sqlite3_stmt *st;
    int rc = q(s, &st, "UPDATE outbox SET audited = 1 WHERE seq = ?1 AND state = 'acked'", "i",
               (int64_t)seq);
    return rc < 0 ? rc : q_done(st);
}

int store_receipts_count(struct store *s, uint64_t *acked, uint64_t *audited)
{
    sqlite3_stmt *st;
    int rc = q(s, &st,
               "SELECT count(*), coalesce(sum(audited), 0) FROM outbox WHERE state = 'acked'", "");
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    *acked = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    *audited = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 1) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : TDKT_EDB;
}

/* --- ballots -------------------------------------------------------------- */

int store_ballot_seen_put(struct store *s, const char *id, const uint8_t *opened, size_t len)
{
    sqlite3_stmt *st;
    int rc = q(s, &st,
               "INSERT INTO ballots_seen(id, opened, fetched_ms) VALUES (?1, ?2, ?3)"
               " ON CONFLICT(id) DO UPDATE SET opened = excluded.opened,"
               " fetched_ms = excluded.fetched_ms",
               "tbi", id, opened, len, now_ms());
    return rc < 0 ? rc : q_done(st);
}

/* Copy a blob column into a malloc'd buffer. */
static int col_dup(sqlite3_stmt *st, int col, uint8_t **out, size_t *len)
{
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    *out = malloc(n ? n : 1);
    if (!*out)
        return TDKT_ENOMEM;
    if (n)
        memcpy(*out, sqlite3_column_blob(st, col), n);
    *len = n;
    return 0;
}

int store_ballot_seen_get(struct store *s, const char *id, uint8_t **opened, size_t *len)
{
    sqlite3_stmt *st;
    int rc = q(s, &st, "SELECT opened FROM ballots_seen WHERE id = ?1", "t", id);
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = col_dup(st, 0, opened, len);
    else
        rc = rc == SQLITE_DONE ? TDKT_ENOTFOUND : TDKT_EDB;
    sqlite3_finalize(st);
    return rc;
}

int store_my_ballot_put(struct store *s, const char *id, const uint8_t tracker[32],
                        const uint8_t *salt, size_t salt_len, const uint8_t *statement,
                        size_t statement_len, const uint8_t *sealed, size_t sealed_len)
{
    sqlite3_stmt *st;
    int rc = q(s, &st,
               "INSERT INTO my_ballots(id, tracker, salt, statement, sealed, cast_ms)"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET"
               " tracker = excluded.tracker, salt = excluded.salt, statement = excluded.statement,"
               " sealed = excluded.sealed, cast_ms = excluded.cast_ms",
               "tbbbbi", id, tracker, (size_t)32, salt, salt_len, statement, statement_len, sealed,
               sealed_len, now_ms());
    return rc < 0 ? rc : q_done(st);
}

int store_my_ballot_get(struct store *s, const char *id, uint8_t tracker[32], uint8_t **salt,
                        size_t *salt_len, uint8_t **statement, size_t *statement_len)
{
    sqlite3_stmt *st;
    int rc = q(s, &st, "SELECT tracker, salt, statement FROM my_ballots WHERE id = ?1", "t", id);
    *salt = *statement = NULL;
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(tracker, sqlite3_column_blob(st, 0), 32);
        rc = col_dup(st, 1, salt, salt_len);
        if (rc == 0)
            rc = col_dup(st, 2, statement, statement_len);
    } else {
        rc = rc == SQLITE_DONE ? TDKT_ENOTFOUND : TDKT_ECORRUPT;
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        free(*salt);
        free(*statement);
        *salt = *statement = NULL;
    }
    return rc;
}

/* --- the registry copy for the eligibility preview -------------------------- */

int store_rule_value(struct store *s, uint32_t year, const char *key, double *value,
                     char ruleset[65])
{
    char day[16];
    sqlite3_stmt *st;
    int rc;

    snprintf(day, sizeof day, "%04u-12-31", year);
    ruleset[0] = '\0';
    rc = q(s, &st,
           "SELECT code FROM reg_rule_sets WHERE effective_from <= ?1"
           " ORDER BY effective_from DESC LIMIT 1",
           "t", day);
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(ruleset, 65, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? TDKT_ENOTFOUND : TDKT_EDB;
    rc = q(s, &st, "SELECT value FROM reg_rule_values WHERE ruleset = ?1 AND key = ?2", "tt",
           ruleset, key);
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *value = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? TDKT_ENOTFOUND : TDKT_EDB;
}

sqlite3 *store_db(struct store *s)
{
    return s->db;
}
