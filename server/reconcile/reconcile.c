/* SPDX-License-Identifier: MIT */
/*
 * Reconciliation on the server: audit proofs and range comparison over the
 * results table. See reconcile.h and docs/reconcile.md.
 *
 * A range is scanned per owned unit with the results primary key, so the
 * work is proportional to the office's own records in the range, never to
 * the whole table. A differing range is scanned twice: once to count and
 * digest it, once more to cut it into RECON_FANOUT pieces of equal count (or
 * to list it when it holds at most RECON_LEAF_MAX items).
 */
#include "server/reconcile/reconcile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/records.h"
#include "common/err.h"
#include "common/util/vec.h"
#include "common/sync/rangedigest.h"
#include "common/sync/reckey.h"
#include "server/dispatch/request.h"
#include "server/registry/catalog.h"
#include "server/ledger/sql.h"
#include "server/ledger/treelog.h"

#define RECON_UNITS_MAX 4096 /* units one office may own (itself and its divisions) */

#define SQL_RANGE                                                                                  \
    "SELECT year, kind, key, record FROM results WHERE unit = ?1"                                  \
    " AND (year, kind, key) >= (?2, ?3, ?4) AND (year, kind, key) < (?5, ?6, ?7)"                  \
    " ORDER BY year, kind, key"
#define SQL_FETCH                                                                                  \
    "SELECT record, seq FROM results WHERE unit = ?1 AND year = ?2 AND kind = ?3 AND key = ?4"

/* --- validation -------------------------------------------------------------- */

static int key_valid(const Tdkt__RecordKey *k)
{
    return k && k->unit && k->kind && k->key && strlen(k->unit) <= RECORD_CODE_MAX &&
           strlen(k->kind) <= RECORD_CODE_MAX && strlen(k->key) <= RECORD_KEY_MAX &&
           k->year <= RECON_YEAR_END;
}

/* In field-number order, so the first field over its cap is the one named. */
const struct reconcile_cap reconcile_caps[RECONCILE_CAPS_N] = {
    {"audit_seqs", RECON_AUDIT_MAX},
    {"ranges", RECON_RANGES_MAX},
    {"fetch", RECON_FETCH_MAX},
};

int reconcile_check_caps(const Tdkt__ReconcileRequest *m, struct fault *err)
{
    /* Index for index with reconcile_caps; the unit test sets each field
     * one over its cap and expects that field named. */
    const size_t n[RECONCILE_CAPS_N] = {m->n_audit_seqs, m->n_ranges, m->n_fetch};

    for (size_t i = 0; i < RECONCILE_CAPS_N; i++)
        if (n[i] > reconcile_caps[i].max) {
            char field[FAULT_FIELD_MAX];
            snprintf(field, sizeof field, "reconcile.%s", reconcile_caps[i].name);
            fault_set(err, TDKT_EINVAL, field, "%s: at most %zu entries, got %zu", field,
                      reconcile_caps[i].max, n[i]);
            return TDKT_EINVAL;
        }
    return 0;
}

int reconcile_prepare(const Tdkt__ReconcileRequest *m, Tdkt__ReconcileRequest **copy,
                      struct fault *err)
{
    size_t len;
    uint8_t *buf;
    int rc;

    *copy = NULL;
    rc = reconcile_check_caps(m, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < m->n_ranges; i++) {
        const Tdkt__RangeSummary *r = m->ranges[i];
        if ((r->lo && !key_valid(r->lo)) || (r->hi && !key_valid(r->hi)) ||
            (r->digest.len != RD_HASH_LEN)) {
            fault_set(err, TDKT_EINVAL, "reconcile.ranges",
                      "range %zu has an invalid bound or a digest that is not %d bytes", i,
                      RD_HASH_LEN);
            return TDKT_EINVAL;
        }
    }
    for (size_t i = 0; i < m->n_fetch; i++)
        if (!key_valid(m->fetch[i])) {
            fault_set(err, TDKT_EINVAL, "reconcile.fetch", "fetch key %zu is invalid", i);
            return TDKT_EINVAL;
        }
    /* The envelope belongs to the connection: keep a deep copy. */
    len = tdkt__reconcile_request__get_packed_size(m);
    buf = malloc(len ? len : 1);
    if (!buf)
        goto nomem;
    tdkt__reconcile_request__pack(m, buf);
    *copy = tdkt__reconcile_request__unpack(NULL, len, buf);
    free(buf);
    if (!*copy)
        goto nomem;
    return 0;
nomem:
    fault_set(err, TDKT_ENOMEM, NULL, "server out of memory");
    return TDKT_ENOMEM;
}

/* --- the reply ------------------------------------------------------------------ */

static int bin_dup(ProtobufCBinaryData *b, const uint8_t *data, size_t len)
{
    b->data = malloc(len ? len : 1);
    if (!b->data)
        return TDKT_ENOMEM;
    memcpy(b->data, data, len);
    b->len = len;
    return 0;
}

void reconcile_reply_free(Tdkt__ReconcileReply *r)
{
    if (!r)
        return;
    if (r->head) {
        free(r->head->root.data);
        free(r->head->signature.data);
        free(r->head);
    }
    for (size_t i = 0; i < r->n_consistency; i++)
        free(r->consistency[i].data);
    free(r->consistency);
    for (size_t i = 0; i < r->n_inclusions; i++) {
        Tdkt__InclusionProof *p = r->inclusions[i];
        free(p->leaf.data);
        for (size_t j = 0; j < p->n_path; j++)
            free(p->path[j].data);
        free(p->path);
        free(p);
    }
    free(r->inclusions);
    for (size_t i = 0; i < r->n_split; i++) {
        reckey_free(r->split[i]->lo);
        reckey_free(r->split[i]->hi);
        free(r->split[i]->digest.data);
        free(r->split[i]);
    }
    free(r->split);
    for (size_t i = 0; i < r->n_items; i++) {
        Tdkt__RangeItems *it = r->items[i];
        reckey_free(it->lo);
        reckey_free(it->hi);
        for (size_t j = 0; j < it->n_items; j++) {
            reckey_free(it->items[j]->key);
            free(it->items[j]->hash.data);
            free(it->items[j]);
        }
        free(it->items);
        free(it);
    }
    free(r->items);
    for (size_t i = 0; i < r->n_records; i++) {
        free(r->records[i]->unit_code);
        if (r->records[i]->record)
            tdkt__result_record__free_unpacked(r->records[i]->record, NULL);
        free(r->records[i]);
    }
    free(r->records);
    free(r->record_seqs);
    free(r);
}

/* --- scanning --------------------------------------------------------------------- */

struct scope {
    char (*units)[LEDGER_UNIT_MAX + 1]; /* sorted bytewise, owned */
    size_t n;
};

static int scope_load(struct ledger *l, const char *actor, struct scope *s)
{
    char code[LEDGER_UNIT_MAX + 1], owner[LEDGER_UNIT_MAX + 1];
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc;

    s->units = NULL;
    s->n = 0;
    /* Every registered unit is looked at; only the ones this office owns
     * (itself and its divisions) are kept, at most RECON_UNITS_MAX. */
    rc = sql_query(l, &st, "SELECT code FROM units ORDER BY code", "");
    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "listing units")) == 1) {
        if (sql_col_text(st, 0, code, sizeof code) < 0)
            continue;
        int orc = catalog_unit_owner(l, code, owner);
        if (orc == TDKT_ENOTFOUND || (orc == 0 && strcmp(owner, actor) != 0))
            continue;
        if (orc < 0) {
            rc = orc;
            break;
        }
        if (s->n == RECON_UNITS_MAX) {
            rc = TDKT_ETOOBIG;
            break;
        }
        if ((rc = vec_reserve(&s->units, &cap, s->n, sizeof *s->units, 8)) < 0)
            break;
        memcpy(s->units[s->n++], code, sizeof code);
    }
    sql_done(st);
    if (rc < 0) {
        free(s->units);
        s->units = NULL;
        s->n = 0;
        return rc;
    }
    return 0;
}

typedef int (*item_fn)(void *arg, const struct rd_key *k, const uint8_t hash[RD_HASH_LEN]);

/* Call fn for every item of the scope in [lo, hi) in order (NULL: open). */
static int scan_range(struct ledger *l, const struct scope *s, const Tdkt__RecordKey *lo,
                      const Tdkt__RecordKey *hi, item_fn fn, void *arg)
{
    int rc = 0;

    for (size_t u = 0; u < s->n && rc >= 0; u++) {
        const char *unit = s->units[u];
        int at_lo = lo && strcmp(unit, lo->unit) == 0;
        int at_hi = hi && strcmp(unit, hi->unit) == 0;
        sqlite3_stmt *st;

        if (lo && strcmp(unit, lo->unit) < 0)
            continue;
        if (hi && strcmp(unit, hi->unit) > 0)
            break;
        rc = sql_query(l, &st, SQL_RANGE, "tuttutt", unit, at_lo ? lo->year : 0u,
                       at_lo ? lo->kind : "", at_lo ? lo->key : "",
                       at_hi ? hi->year : (uint32_t)RECON_YEAR_END, at_hi ? hi->kind : "",
                       at_hi ? hi->key : "");
        if (rc < 0)
            return rc;
        while ((rc = sql_step(l, st, "scanning results")) == 1) {
            struct rd_key k;
            uint8_t h[RD_HASH_LEN];
            k.unit = unit;
            k.year = (uint32_t)sqlite3_column_int64(st, 0);
            k.kind = (const char *)sqlite3_column_text(st, 1);
            k.key = (const char *)sqlite3_column_text(st, 2);
            if (!k.kind || !k.key) {
                rc = TDKT_ECORRUPT;
                break;
            }
            rd_value_hash(sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3), h);
            rc = fn(arg, &k, h);
            if (rc < 0)
                break;
        }
        sql_done(st);
    }
    return rc < 0 ? rc : 0;
}

static int acc_item(void *arg, const struct rd_key *k, const uint8_t hash[RD_HASH_LEN])
{
    return rd_acc_add(arg, k, hash);
}

/* Second pass over a differing range: list or split it. */
struct cut {
    Tdkt__ReconcileReply *out;
    const Tdkt__RecordKey *hi;
    uint64_t chunk, seen;
    struct rd_acc acc;
    Tdkt__RangeSummary *cur; /* split: the open sub-range */
    Tdkt__RangeItems *list;  /* list: the range being listed */
};

static int cut_close(struct cut *c, const struct rd_key *next)
{
    uint8_t d[RD_HASH_LEN];
    int rc;

    c->cur->count = c->acc.count;
    rd_acc_final(&c->acc, d);
    rc = bin_dup(&c->cur->digest, d, RD_HASH_LEN);
    if (rc < 0)
        return rc;
    if (next) {
        c->cur->hi = reckey_from_rd(next);
        if (!c->cur->hi)
            return TDKT_ENOMEM;
    } else if (c->hi) {
        struct rd_key k;
        reckey_view(c->hi, &k);
        c->cur->hi = reckey_from_rd(&k);
        if (!c->cur->hi)
            return TDKT_ENOMEM;
    }
    c->cur = NULL;
    return 0;
}

static int cut_open(struct cut *c, const struct rd_key *lo)
{
    Tdkt__RangeSummary *r = calloc(1, sizeof *r);
    if (!r)
        return TDKT_ENOMEM;
    tdkt__range_summary__init(r);
    if (vec_push_ptr(&c->out->split, &c->out->n_split, r) < 0) {
        free(r);
        return TDKT_ENOMEM;
    }
    if (lo && !(r->lo = reckey_from_rd(lo)))
        return TDKT_ENOMEM;
    c->cur = r;
    return 0;
}

static int cut_item(void *arg, const struct rd_key *k, const uint8_t hash[RD_HASH_LEN])
{
    struct cut *c = arg;
    int rc;

    if (c->list) {
        Tdkt__RangeItem *it = calloc(1, sizeof *it);
        if (!it)
            return TDKT_ENOMEM;
        tdkt__range_item__init(it);
        if (vec_push_ptr(&c->list->items, &c->list->n_items, it) < 0) {
            free(it);
            return TDKT_ENOMEM;
        }
        it->key = reckey_from_rd(k);
        if (!it->key)
            return TDKT_ENOMEM;
        return bin_dup(&it->hash, hash, RD_HASH_LEN);
    }
    if (c->seen > 0 && c->seen % c->chunk == 0) {
        rc = cut_close(c, k);
        if (rc == 0)
            rc = cut_open(c, k);
        if (rc < 0)
            return rc;
    }
    c->seen++;
    return rd_acc_add(&c->acc, k, hash);
}

static int range_compare(struct ledger *l, const struct scope *s, const Tdkt__RangeSummary *r,
                         Tdkt__ReconcileReply *out)
{
    struct rd_acc acc;
    uint8_t digest[RD_HASH_LEN];
    uint64_t count;
    struct cut c;
    int rc;

    rd_acc_init(&acc);
    rc = scan_range(l, s, r->lo, r->hi, acc_item, &acc);
    count = acc.count;
    rd_acc_final(&acc, digest);
    if (rc < 0)
        return rc;
    if (count == r->count && memcmp(digest, r->digest.data, RD_HASH_LEN) == 0) {
        out->matched++;
        return 0;
    }
    memset(&c, 0, sizeof c);
    c.out = out;
    c.hi = r->hi;
    rd_acc_init(&c.acc);
    if (count <= RECON_LEAF_MAX) {
        struct rd_key k;
        c.list = calloc(1, sizeof *c.list);
        if (!c.list)
            return TDKT_ENOMEM;
        tdkt__range_items__init(c.list);
        if (vec_push_ptr(&out->items, &out->n_items, c.list) < 0) {
            free(c.list);
            return TDKT_ENOMEM;
        }
        if (r->lo) {
            reckey_view(r->lo, &k);
            if (!(c.list->lo = reckey_from_rd(&k)))
                return TDKT_ENOMEM;
        }
        if (r->hi) {
            reckey_view(r->hi, &k);
            if (!(c.list->hi = reckey_from_rd(&k)))
                return TDKT_ENOMEM;
        }
        return scan_range(l, s, r->lo, r->hi, cut_item, &c);
    }
    c.chunk = (count + RECON_FANOUT - 1) / RECON_FANOUT;
    {
        struct rd_key lo;
        if (r->lo)
            reckey_view(r->lo, &lo);
        rc = cut_open(&c, r->lo ? &lo : NULL);
    }
    if (rc == 0)
        rc = scan_range(l, s, r->lo, r->hi, cut_item, &c);
    if (rc == 0)
        rc = cut_close(&c, NULL);
    rd_acc_free(&c.acc);
    return rc;
}

/* --- audit and fetch ------------------------------------------------------------ */

static int audit(struct ledger *l, const Tdkt__ReconcileRequest *m, int64_t now_ms,
                 Tdkt__ReconcileReply *out, struct fault *err)
{
    uint8_t path[MERKLE_PROOF_MAX][MERKLE_HASH_LEN];
    struct tree_head h;
    size_t n = 0;
    int rc = treelog_head(l, now_ms, &h);

    if (rc < 0) {
        fault_set(err, rc, NULL, "cannot sign the tree head: %s", tdkt_strerror(rc));
        return rc;
    }
    out->head = calloc(1, sizeof *out->head);
    if (!out->head)
        return TDKT_ENOMEM;
    tdkt__tree_head__init(out->head);
    out->head->size = h.size;
    out->head->time_ms = h.time_ms;
    if (bin_dup(&out->head->root, h.root, MERKLE_HASH_LEN) < 0 ||
        bin_dup(&out->head->signature, h.sig, STH_SIG_LEN) < 0)
        return TDKT_ENOMEM;
    /* A head larger than ours cannot be proved consistent: the office sees
     * head.size < from_size and reports the lost entries itself. */
    if (m->from_size > 0 && m->from_size < h.size) {
        rc = treelog_consistency(l, m->from_size, h.size, path, MERKLE_PROOF_MAX, &n);
        if (rc < 0)
            goto fail;
        out->consistency = calloc(n ? n : 1, sizeof *out->consistency);
        if (!out->consistency)
            return TDKT_ENOMEM;
        for (size_t i = 0; i < n; i++, out->n_consistency++)
            if (bin_dup(&out->consistency[i], path[i], MERKLE_HASH_LEN) < 0)
                return TDKT_ENOMEM;
    }
    for (size_t i = 0; i < m->n_audit_seqs; i++) {
        uint64_t seq = m->audit_seqs[i];
        Tdkt__InclusionProof *p;
        uint8_t leaf[MERKLE_HASH_LEN];
        int64_t idx;

        if (seq == 0 || seq > h.size)
            continue; /* the office compares sizes and reports it */
        idx = (int64_t)seq;
        rc = treelog_inclusion(l, seq, h.size, path, MERKLE_PROOF_MAX, &n);
        if (rc == 0) {
            sqlite3_stmt *st;
            rc = sql_query(l, &st, "SELECT hash FROM ledger WHERE seq = ?1", "i", idx);
            if (rc == 0) {
                rc = sql_step(l, st, "reading a leaf");
                if (rc == 1 && sqlite3_column_bytes(st, 0) == MERKLE_HASH_LEN) {
                    memcpy(leaf, sqlite3_column_blob(st, 0), MERKLE_HASH_LEN);
                    rc = 0;
                } else if (rc >= 0) {
                    rc = TDKT_ECORRUPT;
                }
                sql_done(st);
            }
        }
        if (rc < 0)
            goto fail;
        p = calloc(1, sizeof *p);
        if (!p)
            return TDKT_ENOMEM;
        tdkt__inclusion_proof__init(p);
        if (vec_push_ptr(&out->inclusions, &out->n_inclusions, p) < 0) {
            free(p);
            return TDKT_ENOMEM;
        }
        p->seq = seq;
        p->path = calloc(n ? n : 1, sizeof *p->path);
        if (!p->path || bin_dup(&p->leaf, leaf, MERKLE_HASH_LEN) < 0)
            return TDKT_ENOMEM;
        for (size_t j = 0; j < n; j++, p->n_path++)
            if (bin_dup(&p->path[j], path[j], MERKLE_HASH_LEN) < 0)
                return TDKT_ENOMEM;
    }
    return 0;
fail:
    fault_set(err, rc, NULL, "cannot build a proof: %s", tdkt_strerror(rc));
    return rc;
}

static int in_scope(const struct scope *s, const char *unit)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->units[i], unit) == 0)
            return 1;
    return 0;
}

static int fetch(struct ledger *l, const struct scope *s, const Tdkt__ReconcileRequest *m,
                 Tdkt__ReconcileReply *out)
{
    size_t bytes = 0;

    out->record_seqs = calloc(m->n_fetch ? m->n_fetch : 1, sizeof *out->record_seqs);
    if (!out->record_seqs)
        return TDKT_ENOMEM;
    size_t i;
    for (i = 0; i < m->n_fetch && bytes < REPLY_BYTES_MAX; i++) {
        const Tdkt__RecordKey *k = m->fetch[i];
        Tdkt__ResultEntry *e;
        sqlite3_stmt *st;
        int rc;

        if (!in_scope(s, k->unit))
            continue; /* not this office's: never disclosed */
        rc = sql_query(l, &st, SQL_FETCH, "tutt", k->unit, k->year, k->kind, k->key);
        if (rc < 0)
            return rc;
        rc = sql_step(l, st, "fetching a record");
        if (rc != 1) {
            sql_done(st);
            if (rc < 0)
                return rc;
            continue;
        }
        e = calloc(1, sizeof *e);
        if (!e) {
            sql_done(st);
            return TDKT_ENOMEM;
        }
        tdkt__result_entry__init(e);
        e->unit_code = strdup(k->unit);
        e->year = k->year;
        e->record = tdkt__result_record__unpack(NULL, (size_t)sqlite3_column_bytes(st, 0),
                                                sqlite3_column_blob(st, 0));
        bytes += (size_t)sqlite3_column_bytes(st, 0) + 64;
        out->record_seqs[out->n_records] = (uint64_t)sqlite3_column_int64(st, 1);
        sql_done(st);
        if (vec_push_ptr(&out->records, &out->n_records, e) < 0) {
            free(e->unit_code);
            if (e->record)
                tdkt__result_record__free_unpacked(e->record, NULL);
            free(e);
            return TDKT_ENOMEM;
        }
        if (!e->unit_code)
            return TDKT_ENOMEM;
        if (!e->record)
            return TDKT_ECORRUPT;
    }
    out->n_record_seqs = out->n_records;
    out->fetch_done = (uint32_t)i; /* the client asks again for the rest */
    return 0;
}

int reconcile_answer(struct ledger *l, const struct registry_unit *actor,
                     const Tdkt__ReconcileRequest *m, int64_t now_ms, Tdkt__ReconcileReply **out,
                     struct fault *err)
{
    Tdkt__ReconcileReply *r = calloc(1, sizeof *r);
    struct scope s = {NULL, 0};
    int rc = 0;

    *out = NULL;
    if (!r) {
        fault_set(err, TDKT_ENOMEM, NULL, "server out of memory");
        return TDKT_ENOMEM;
    }
    tdkt__reconcile_reply__init(r);
    if (m->audit)
        rc = audit(l, m, now_ms, r, err);
    if (rc == 0 && (m->n_ranges || m->n_fetch))
        rc = scope_load(l, actor->code, &s);
    for (size_t i = 0; rc == 0 && i < m->n_ranges; i++)
        rc = range_compare(l, &s, m->ranges[i], r);
    if (rc == 0 && m->n_fetch)
        rc = fetch(l, &s, m, r);
    free(s.units);
    if (rc < 0) {
        if (!fault_is_set(err))
            fault_set(err, rc, NULL, "reconciliation failed: %s", tdkt_strerror(rc));
        reconcile_reply_free(r);
        return rc;
    }
    *out = r;
    return 0;
}
