/* SPDX-License-Identifier: MIT */
/* Result records as a current-state table; see results.h. */
#include "server/results/results.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "server/registry/catalog.h"
#include "server/ledger/sql.h"

/* A person referenced by a record must work in unit's subtree. */
static int check_person(struct ledger *l, const char *unit, const char *id, const char *field,
                        struct fault *f)
{
    char where[LEDGER_UNIT_MAX + 1];
    int rc = catalog_person_unit(l, id, where);
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, rc, field,
                         "person '%s' is not registered; ask the central office to add "
                         "them to the registry",
                         id);
    if (rc < 0)
        return rc;
    rc = catalog_unit_within(l, where, unit);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return fault_set(f, TDKT_EPERM, field, "person '%s' works in '%s', not in '%s'", id, where,
                         unit);
    return 0;
}

static int check_refs(struct ledger *l, const char *unit, uint32_t year,
                      const Tdkt__ResultRecord *r, const char *prefix, struct fault *f)
{
    char field[RECORD_FIELD_MAX], cluster[RECORD_CODE_MAX + 1];
    double max = 0;
    int rc;

#define FIELD(name) (snprintf(field, sizeof field, "%.40s.%s", prefix, name), field)
    switch (r->item_case) {
    case TDKT__RESULT_RECORD__ITEM_PERSON_RATING:
        return check_person(l, unit, r->person_rating->person_id, FIELD("person_rating.person_id"),
                            f);
    case TDKT__RESULT_RECORD__ITEM_REGISTRATION:
        if (r->registration->person_id && *r->registration->person_id)
            return check_person(l, unit, r->registration->person_id,
                                FIELD("registration.person_id"), f);
        return 0;
    case TDKT__RESULT_RECORD__ITEM_FACTS:
        return check_person(l, unit, r->facts->person_id, FIELD("facts.person_id"), f);
    case TDKT__RESULT_RECORD__ITEM_INITIATIVE:
        for (size_t i = 0; i < r->initiative->n_author_ids; i++) {
            snprintf(field, sizeof field, "%.40s.initiative.author_ids[%zu]", prefix, i);
            rc = check_person(l, unit, r->initiative->author_ids[i], field, f);
            if (rc < 0)
                return rc;
        }
        return 0;
    case TDKT__RESULT_RECORD__ITEM_SCORE:
        rc = catalog_unit_cluster(l, year, unit, cluster);
        if (rc == TDKT_ENOTFOUND)
            return fault_set(
                f, rc, FIELD("score.criterion_code"),
                "unit '%s' is in no emulation cluster for %u, so it has no criteria sheet", unit,
                year);
        if (rc < 0)
            return rc;
        rc = catalog_criterion_max(l, year, cluster, r->score->criterion_code, &max);
        if (rc == TDKT_ENOTFOUND)
            return fault_set(f, rc, FIELD("score.criterion_code"),
                             "criterion '%s' is not on the %u criteria sheet of cluster '%s'",
                             r->score->criterion_code, year, cluster);
        if (rc < 0)
            return rc;
        if (r->score->points > max)
            return fault_set(f, TDKT_EINVAL, FIELD("score.points"),
                             "%g points is above the maximum %g of criterion '%s'",
                             r->score->points, max, r->score->criterion_code);
        return 0;
    default:
        return 0;
    }
#undef FIELD
}

static int put_one(struct ledger *l, int64_t t, const char *actor, const char *unit, uint32_t year,
                   Tdkt__ResultRecord *r, const char *kind, const char *key,
                   struct results_outcome *out)
{
    sqlite3_stmt *st;
    uint8_t *rec = NULL, *payload = NULL;
    size_t rec_len, payload_len;
    int64_t revision = 0;
    uint64_t seq = 0;
    int rc, same = 0;

    rec_len = tdkt__result_record__get_packed_size(r);
    rec = malloc(rec_len ? rec_len : 1);
    if (!rec)
        return TDKT_ENOMEM;
    tdkt__result_record__pack(r, rec);

    rc = sql_query(l, &st,
                   "SELECT record, revision FROM results WHERE unit = ?1 AND year = ?2"
                   " AND kind = ?3 AND key = ?4",
                   "tutt", unit, year, kind, key);
    if (rc < 0)
        goto out;
    rc = sql_step(l, st, "reading a result");
    if (rc == 1) {
        const void *cur = sqlite3_column_blob(st, 0);
        size_t cur_len = (size_t)sqlite3_column_bytes(st, 0);
        same = cur_len == rec_len && (rec_len == 0 || memcmp(cur, rec, rec_len) == 0);
        revision = sqlite3_column_int64(st, 1);
    }
    sql_done(st);
    if (rc < 0)
        goto out;
    if (same) {
        out->unchanged++;
        rc = 0;
        goto out;
    }

    Tdkt__ResultEntry e = TDKT__RESULT_ENTRY__INIT;
    e.unit_code = (char *)unit;
    e.year = year;
    e.record = r;
    payload_len = tdkt__result_entry__get_packed_size(&e);
    payload = malloc(payload_len ? payload_len : 1);
    if (!payload) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    tdkt__result_entry__pack(&e, payload);
    rc = ledger_append(l, t, actor, ENTRY_RESULT_PUT, payload, payload_len, &seq, NULL);
    if (rc < 0)
        goto out;
    rc = sql_exec(l, "storing a result",
                  "INSERT INTO results(unit, year, kind, key, record, removed, revision, seq)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(unit, year, kind, key)"
                  " DO UPDATE SET record = excluded.record, removed = excluded.removed,"
                  " revision = excluded.revision, seq = excluded.seq",
                  "tuttbiii", unit, year, kind, key, rec, rec_len, (int64_t)(r->removed != 0),
                  revision + 1, (int64_t)seq);
    if (rc < 0)
        goto out;
    if (!out->first_seq)
        out->first_seq = seq;
    out->appended++;
out:
    free(rec);
    free(payload);
    return rc;
}

/* A record's identity within a batch; index is its place in the batch. */
struct batch_key {
    const char *kind;
    char key[RECORD_KEY_MAX + 1];
    size_t index;
};

/* Order by (kind, key), then by place, so the first of duplicates comes first. */
static int key_cmp(const void *a, const void *b)
{
    const struct batch_key *x = *(const struct batch_key *const *)a;
    const struct batch_key *y = *(const struct batch_key *const *)b;
    int c = strcmp(x->kind, y->kind);
    if (c == 0)
        c = strcmp(x->key, y->key);
    if (c == 0)
        c = x->index < y->index ? -1 : x->index > y->index;
    return c;
}

/* Check every record and that no two share a key; on success keys[i] holds
 * record i's kind and key for the caller. */
static int check_batch(struct ledger *l, const char *unit, uint32_t year,
                       Tdkt__ResultRecord **records, size_t n, struct batch_key *keys,
                       struct fault *f)
{
    char prefix[RECORD_FIELD_MAX];
    struct batch_key **sorted;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        struct fault rf;
        snprintf(prefix, sizeof prefix, "results_put.records[%zu]", i);
        rc = record_validate(records[i], &rf);
        if (rc < 0) {
            fault_set(f, rc, "", "%s", rf.why.text);
            snprintf(f->field, sizeof f->field, "%.40s.%.50s", prefix, rf.field);
            return rc;
        }
        rc = check_refs(l, unit, year, records[i], prefix, f);
        if (rc < 0)
            return rc;
        keys[i].kind = record_kind_name(records[i]);
        record_key(records[i], keys[i].key);
        keys[i].index = i;
    }
    if (n < 2)
        return 0;
    sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return TDKT_ENOMEM;
    for (size_t i = 0; i < n; i++)
        sorted[i] = &keys[i];
    qsort(sorted, n, sizeof *sorted, key_cmp);
    for (size_t i = 1; i < n && rc == 0; i++) {
        const struct batch_key *x = sorted[i - 1], *y = sorted[i];
        if (strcmp(x->kind, y->kind) == 0 && strcmp(x->key, y->key) == 0) {
            snprintf(prefix, sizeof prefix, "results_put.records[%zu]", y->index);
            rc = fault_set(f, TDKT_EINVAL, prefix,
                           "records[%zu] has the same kind and key as records[%zu]; a batch "
                           "holds one revision of a record",
                           y->index, x->index);
        }
    }
    free(sorted);
    return rc;
}

int results_put(struct ledger *l, int64_t time_ms, const struct registry_unit *actor,
                const char *unit, uint32_t year, Tdkt__ResultRecord **records, size_t n,
                struct results_outcome *out, struct fault *f)
{
    struct registry_unit u;
    struct batch_key *keys;
    int rc, state = 0;

    memset(out, 0, sizeof *out);
    if (!record_unit_code_valid(unit))
        return fault_set(f, TDKT_EINVAL, "results_put.unit_code", "not a unit code");
    if (!record_year_valid(year))
        return fault_set(f, TDKT_EINVAL, "results_put.year", "year must be %d to %d",
                         RECORD_YEAR_MIN, RECORD_YEAR_MAX);
    if (n > RESULTS_BATCH_MAX)
        return fault_set(f, TDKT_ETOOBIG, "results_put.records",
                         "%zu records in one batch; the limit is %d", n, RESULTS_BATCH_MAX);
    rc = registry_unit_get(l, unit, &u);
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, rc, "results_put.unit_code", "unit '%s' is not registered", unit);
    if (rc < 0)
        return rc;
    if (u.revoked)
        return fault_set(f, TDKT_EREVOKED, "results_put.unit_code", "unit '%s' is revoked", unit);
    char owner[LEDGER_UNIT_MAX + 1];
    rc = catalog_unit_owner(l, unit, owner);
    if (rc < 0)
        return rc;
    if (strcmp(owner, actor->code) != 0)
        return fault_set(f, TDKT_EPERM, "results_put.unit_code",
                         "unit '%s' may write only its own results and its divisions'; '%s' is "
                         "neither",
                         actor->code, unit);
    rc = catalog_period_state(l, year, &state);
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, rc, "results_put.year", "no emulation period is registered for %u",
                         year);
    if (rc < 0)
        return rc;
    if (state != TDKT__PERIOD_STATE__PERIOD_STATE_OPEN)
        return fault_set(f, TDKT_EPERIOD, "results_put.year",
                         "the %u emulation period is closed; results can no longer be revised",
                         year);
    keys = malloc((n ? n : 1) * sizeof *keys);
    if (!keys)
        return TDKT_ENOMEM;
    rc = check_batch(l, unit, year, records, n, keys, f);
    if (rc == 0)
        rc = ledger_op_begin(l);
    if (rc < 0) {
        free(keys);
        return rc;
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = put_one(l, time_ms, actor->code, unit, year, records[i], keys[i].kind, keys[i].key,
                     out);
    free(keys);
    if (rc < 0)
        memset(out, 0, sizeof *out);
    return ledger_op_end(l, rc);
}

int results_each(struct ledger *l, const char *unit, uint32_t year, uint32_t offset,
                 int (*cb)(void *arg, const struct results_row *row), void *arg)
{
    sqlite3_stmt *st;
    struct results_row row;
    int rc, stop = 0;

    rc = sql_query(l, &st,
                   "SELECT kind, key, record, seq, revision FROM results WHERE unit = ?1"
                   " AND year = ?2 AND removed = 0 ORDER BY kind, key LIMIT -1 OFFSET ?3",
                   "tuu", unit, year, offset);
    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "reading results")) == 1) {
        row.kind = (const char *)sqlite3_column_text(st, 0);
        row.key = (const char *)sqlite3_column_text(st, 1);
        row.record = sqlite3_column_blob(st, 2);
        row.record_len = (size_t)sqlite3_column_bytes(st, 2);
        row.seq = (uint64_t)sqlite3_column_int64(st, 3);
        row.revision = (uint32_t)sqlite3_column_int64(st, 4);
        if (!row.kind || !row.key) {
            rc = TDKT_ECORRUPT;
            break;
        }
        stop = cb(arg, &row);
        if (stop != 0)
            break;
    }
    sql_done(st);
    if (rc < 0)
        return rc;
    return stop < 0 ? stop : 0;
}
