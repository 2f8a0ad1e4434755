/* SPDX-License-Identifier: MIT */
/*
 * Nightly reconciliation on the office side. See reconcile.h and
 * docs/reconcile.md. The comparison keeps, between requests, only the list
 * of ranges still to compare and keys still to fetch; every local summary is
 * recomputed from the store with the same primary-key order the server uses.
 */
#include "client/lib/reconcile.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/audit.h"
#include "client/lib/store_outbox.h"
#include "client/lib/store_records.h"
#include "common/crypto/merkle.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "common/util/vec.h"
#include "common/sync/rangedigest.h"
#include "common/sync/reckey.h"
#include "common/wire/envelope.h"
#include "common/text/i18n.h"

struct pending {
    Tdkt__RangeSummary **ranges;
    size_t nranges;
    Tdkt__RecordKey **fetch;
    size_t nfetch;
};

struct ctx {
    struct store *s;
    struct tdkt_client *c;
    struct reconcile_report *rep;
    uint8_t key[STH_PUB_LEN];
    struct tree_head head; /* verified so far */
    int have_head;
    struct pending next;
};

const char *reconcile_issue_name(enum reconcile_issue_kind k)
{
    switch (k) {
    case RECON_ISSUE_REFUSED_LOCAL:
        return "refused_local";
    case RECON_ISSUE_PENDING_LOCAL:
        return "pending_local";
    case RECON_ISSUE_MISSING_ON_SERVER:
        return "missing_on_server";
    }
    return "unknown";
}

void reconcile_report_free(struct reconcile_report *rep)
{
    free(rep->issues);
    rep->issues = NULL;
    rep->nissues = 0;
}

static void add_issue(struct reconcile_report *rep, enum reconcile_issue_kind kind,
                      const struct store_record *r, const char *detail)
{
    struct reconcile_issue *i;

    rep->issues_total++;
    if (rep->nissues == RECON_ISSUES_MAX)
        return;
    if (!rep->issues) {
        rep->issues = calloc(RECON_ISSUES_MAX, sizeof *rep->issues);
        if (!rep->issues)
            return;
    }
    i = &rep->issues[rep->nissues++];
    i->kind = kind;
    snprintf(i->unit, sizeof i->unit, "%s", r->unit);
    i->year = r->year;
    snprintf(i->rkind, sizeof i->rkind, "%s", r->kind);
    snprintf(i->key, sizeof i->key, "%s", r->key);
    snprintf(i->detail, sizeof i->detail, "%s", detail ? detail : "");
}

/* --- keys and ranges ------------------------------------------------------- */

static void range_free(Tdkt__RangeSummary *r)
{
    if (!r)
        return;
    reckey_free(r->lo);
    reckey_free(r->hi);
    free(r->digest.data);
    free(r);
}

static void pending_free(struct pending *p)
{
    for (size_t i = 0; i < p->nranges; i++)
        range_free(p->ranges[i]);
    for (size_t i = 0; i < p->nfetch; i++)
        reckey_free(p->fetch[i]);
    free(p->ranges);
    free(p->fetch);
    memset(p, 0, sizeof *p);
}

struct summary {
    struct rd_acc acc;
    int rc;
};

static int summary_item(void *arg, const struct store_record *r)
{
    struct summary *sm = arg;
    struct rd_key k = {r->unit, r->year, r->kind, r->key};
    uint8_t h[RD_HASH_LEN];
    rd_value_hash(r->record, r->record_len, h);
    return rd_acc_add(&sm->acc, &k, h);
}

/* The local count and digest of [lo, hi). */
static int local_summary(struct store *s, const Tdkt__RecordKey *lo, const Tdkt__RecordKey *hi,
                         uint64_t *count, uint8_t digest[RD_HASH_LEN])
{
    struct summary sm;
    struct rd_key l, h;
    int rc;

    rd_acc_init(&sm.acc);
    if (lo)
        reckey_view(lo, &l);
    if (hi)
        reckey_view(hi, &h);
    rc = store_records_range(s, lo ? &l : NULL, hi ? &h : NULL, summary_item, &sm);
    *count = sm.acc.count;
    rd_acc_final(&sm.acc, digest);
    return rc;
}

/* Queue [lo, hi) for the next request with the local summary. */
static int queue_range(struct ctx *x, const Tdkt__RecordKey *lo, const Tdkt__RecordKey *hi,
                       uint64_t count, const uint8_t digest[RD_HASH_LEN])
{
    Tdkt__RangeSummary *r = calloc(1, sizeof *r);
    if (!r)
        return TDKT_ENOMEM;
    tdkt__range_summary__init(r);
    r->count = count;
    r->digest.data = malloc(RD_HASH_LEN);
    if ((lo && !(r->lo = reckey_copy(lo))) || (hi && !(r->hi = reckey_copy(hi))) ||
        !r->digest.data || vec_push_ptr(&x->next.ranges, &x->next.nranges, r) < 0) {
        range_free(r);
        return TDKT_ENOMEM;
    }
    memcpy(r->digest.data, digest, RD_HASH_LEN);
    r->digest.len = RD_HASH_LEN;
    return 0;
}

static int queue_fetch(struct ctx *x, const char *unit, uint32_t year, const char *kind,
                       const char *key)
{
    Tdkt__RecordKey *k = reckey_new(unit, year, kind, key);
    if (!k || vec_push_ptr(&x->next.fetch, &x->next.nfetch, k) < 0) {
        reckey_free(k);
        return TDKT_ENOMEM;
    }
    return 0;
}

/* --- audit ----------------------------------------------------------------- */

static int reconcile_tamper(struct ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int reconcile_tamper(struct ctx *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->rep->tamper_what, sizeof x->rep->tamper_what, tdkt_gettext(fmt), ap);
    va_end(ap);
    x->rep->tamper = 1;
    return TDKT_ECORRUPT;
}

struct audit_want {
    uint64_t seqs[RECON_AUDIT_MAX];
    uint8_t hashes[RECON_AUDIT_MAX][32];
    size_t n;
};

static int want_receipt(void *arg, uint64_t seq, const uint8_t hash[32])
{
    struct audit_want *w = arg;
    w->seqs[w->n] = seq;
    memcpy(w->hashes[w->n], hash, 32);
    w->n++;
    return 0;
}

static int check_audit(struct ctx *x, const Tdkt__ReconcileReply *r, const struct audit_want *w)
{
    uint8_t path[MERKLE_PROOF_MAX][MERKLE_HASH_LEN];
    struct tree_head h;
    int rc;

    if (audit_head_from_wire(r->head, &h) < 0)
        return reconcile_tamper(x, "the server sent no well-formed signed tree head");
    if (sth_verify(x->key, &h) != 0)
        return reconcile_tamper(
            x, "the tree head of size %" PRIu64 " is not signed by the pinned ledger key", h.size);
    if (x->have_head) {
        if (h.size < x->head.size)
            return reconcile_tamper(x,
                                    "the server's log has %" PRIu64
                                    " entries but this office verified a "
                                    "signed head of %" PRIu64 ": entries were removed",
                                    h.size, x->head.size);
        if (h.size == x->head.size) {
            if (memcmp(h.root, x->head.root, MERKLE_HASH_LEN) != 0)
                return reconcile_tamper(
                    x,
                    "the root of the first %" PRIu64
                    " entries differs from the one verified before: history was "
                    "rewritten",
                    h.size);
        } else {
            if (r->n_consistency > MERKLE_PROOF_MAX)
                return reconcile_tamper(x, "the consistency proof is too long");
            for (size_t i = 0; i < r->n_consistency; i++) {
                if (r->consistency[i].len != MERKLE_HASH_LEN)
                    return reconcile_tamper(x, "the consistency proof is malformed");
                memcpy(path[i], r->consistency[i].data, MERKLE_HASH_LEN);
            }
            rc = merkle_verify_consistency(x->head.size, h.size, x->head.root, h.root,
                                           (const uint8_t(*)[MERKLE_HASH_LEN])path,
                                           r->n_consistency);
            if (rc != 0)
                return reconcile_tamper(x,
                                        "the signed head of size %" PRIu64
                                        " is not an extension of the one of size %" PRIu64
                                        " verified before: history was rewritten",
                                        h.size, x->head.size);
        }
    }
    for (size_t i = 0; i < w->n; i++) {
        const Tdkt__InclusionProof *p = NULL;
        for (size_t j = 0; j < r->n_inclusions; j++)
            if (r->inclusions[j]->seq == w->seqs[i])
                p = r->inclusions[j];
        if (!p)
            return reconcile_tamper(x,
                                    "no inclusion proof for this office's entry %" PRIu64
                                    " in the log of %" PRIu64 " entries",
                                    w->seqs[i], h.size);
        if (p->leaf.len != MERKLE_HASH_LEN || memcmp(p->leaf.data, w->hashes[i], 32) != 0)
            return reconcile_tamper(
                x, "entry %" PRIu64 " is not the one the server acknowledged: changed", w->seqs[i]);
        if (p->n_path > MERKLE_PROOF_MAX)
            return reconcile_tamper(x, "an inclusion proof is too long");
        for (size_t k = 0; k < p->n_path; k++) {
            if (p->path[k].len != MERKLE_HASH_LEN)
                return reconcile_tamper(x, "an inclusion proof is malformed");
            memcpy(path[k], p->path[k].data, MERKLE_HASH_LEN);
        }
        if (merkle_verify_inclusion(w->seqs[i] - 1, h.size, w->hashes[i],
                                    (const uint8_t(*)[MERKLE_HASH_LEN])path, p->n_path,
                                    h.root) != 0)
            return reconcile_tamper(
                x, "entry %" PRIu64 " is not in the signed tree of %" PRIu64 " entries", w->seqs[i],
                h.size);
    }
    /* Everything held: this head becomes the office's reference. */
    rc = store_begin(x->s);
    for (size_t i = 0; rc == 0 && i < w->n; i++)
        rc = store_receipt_audited(x->s, w->seqs[i]);
    if (rc == 0)
        rc = audit_head_save(x->s, &h);
    if (rc == 0)
        rc = store_commit(x->s);
    if (rc < 0)
        return rc;
    x->head = h;
    x->have_head = 1;
    x->rep->head_size = h.size;
    x->rep->receipts_proved += w->n;
    return 0;
}

/* --- comparison ------------------------------------------------------------ */

struct listing {
    struct ctx *x;
    const Tdkt__RangeItems *items;
    size_t next; /* server item to match */
    int rc;
};

static void issue_for_local(struct ctx *x, const struct store_record *r, int on_server)
{
    char detail[200];
    if (strcmp(r->state, "refused") == 0) {
        snprintf(detail, sizeof detail, "the server refused this local edit: %.160s",
                 r->error ? r->error : "");
        add_issue(x->rep, RECON_ISSUE_REFUSED_LOCAL, r, detail);
    } else if (strcmp(r->state, "pending") == 0) {
        add_issue(x->rep, RECON_ISSUE_PENDING_LOCAL, r,
                  "a local edit still waiting in the outbox; run tdkt sync");
    } else if (!on_server) {
        snprintf(detail, sizeof detail,
                 "acknowledged as entry %" PRIu64 " but the server no longer holds it", r->seq);
        add_issue(x->rep, RECON_ISSUE_MISSING_ON_SERVER, r, detail);
    }
}

/* Merge the local records of the range with the server's listing. */
static int listing_local(void *arg, const struct store_record *r)
{
    struct listing *li = arg;
    struct rd_key lk = {r->unit, r->year, r->kind, r->key};
    uint8_t h[RD_HASH_LEN];
    int rc;

    /* Server items before this local one are missing here. */
    while (li->next < li->items->n_items) {
        const Tdkt__RangeItem *it = li->items->items[li->next];
        struct rd_key sk;
        reckey_view(it->key, &sk);
        if (rd_key_cmp(&sk, &lk) >= 0)
            break;
        rc = queue_fetch(li->x, sk.unit, sk.year, sk.kind, sk.key);
        if (rc < 0)
            return rc;
        li->next++;
    }
    if (li->next < li->items->n_items) {
        const Tdkt__RangeItem *it = li->items->items[li->next];
        struct rd_key sk;
        reckey_view(it->key, &sk);
        if (rd_key_cmp(&sk, &lk) == 0) {
            li->next++;
            rd_value_hash(r->record, r->record_len, h);
            if (it->hash.len == RD_HASH_LEN && memcmp(it->hash.data, h, RD_HASH_LEN) == 0)
                return 0;
            if (strcmp(r->state, "synced") == 0)
                return queue_fetch(li->x, sk.unit, sk.year, sk.kind, sk.key); /* stale here */
            issue_for_local(li->x, r, 1);
            return 0;
        }
    }
    issue_for_local(li->x, r, 0);
    return 0;
}

static int compare_items(struct ctx *x, const Tdkt__RangeItems *items)
{
    struct listing li = {x, items, 0, 0};
    struct rd_key lo, hi;
    int rc;

    for (size_t i = 0; i < items->n_items; i++)
        if (!items->items[i]->key)
            return TDKT_EPROTO;
    if (items->lo)
        reckey_view(items->lo, &lo);
    if (items->hi)
        reckey_view(items->hi, &hi);
    rc = store_records_range(x->s, items->lo ? &lo : NULL, items->hi ? &hi : NULL, listing_local,
                             &li);
    for (; rc == 0 && li.next < items->n_items; li.next++) {
        const Tdkt__RecordKey *k = items->items[li.next]->key;
        rc = queue_fetch(x, k->unit, k->year, k->kind, k->key);
    }
    return rc;
}

static int apply_records(struct ctx *x, const Tdkt__ReconcileReply *r)
{
    int rc = store_begin(x->s);
    for (size_t i = 0; rc == 0 && i < r->n_records; i++) {
        int changed = 0;
        uint64_t seq = i < r->n_record_seqs ? r->record_seqs[i] : 0;
        char keybuf[RECORD_KEY_MAX + 1];
        if (!r->records[i]->record || record_key(r->records[i]->record, keybuf) < 0) {
            rc = TDKT_EPROTO;
            break;
        }
        rc = store_record_repair(x->s, r->records[i], seq, &changed);
        x->rep->fetched++;
        if (changed == 1)
            x->rep->added++;
        else if (changed == 2)
            x->rep->repaired++;
    }
    if (rc == 0)
        return store_commit(x->s);
    store_commit(x->s);
    return rc;
}

/* --- the run --------------------------------------------------------------- */

/* One request: audit (when w is not NULL), nr ranges and nf fetches from
 * the given arrays. What the reply calls for is queued in x->next. */
static int one_request(struct ctx *x, const struct audit_want *w, Tdkt__RangeSummary **ranges,
                       size_t nr, Tdkt__RecordKey **fetch, size_t nf)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply = NULL;
    Tdkt__ReconcileRequest m = TDKT__RECONCILE_REQUEST__INIT;
    uint64_t seqs[RECON_AUDIT_MAX];
    int rc;

    if (x->rep->requests == RECON_ROUNDS_MAX) {
        snprintf(x->rep->last_error, sizeof x->rep->last_error,
                 "reconciliation did not converge in %d requests", RECON_ROUNDS_MAX);
        return TDKT_EAGAIN;
    }
    m.audit = w != NULL;
    m.from_size = x->have_head ? x->head.size : 0;
    for (size_t i = 0; w && i < w->n; i++)
        seqs[i] = w->seqs[i];
    m.audit_seqs = seqs;
    m.n_audit_seqs = w ? w->n : 0;
    m.ranges = ranges;
    m.n_ranges = nr;
    m.fetch = fetch;
    m.n_fetch = nf;

    env.body_case = TDKT__ENVELOPE__BODY_RECONCILE;
    env.reconcile = &m;
    rc = tdkt_client_request(x->c, &env, NULL, &reply);
    x->rep->requests++;
    x->rep->ranges_sent += nr;
    if (rc < 0) {
        snprintf(x->rep->last_error, sizeof x->rep->last_error, "%s", tdkt_client_errmsg(x->c));
        return rc;
    }
    if (reply->body_case != TDKT__ENVELOPE__BODY_RECONCILE_REPLY) {
        snprintf(x->rep->last_error, sizeof x->rep->last_error,
                 "the server answered a reconcile request with message type %d",
                 (int)reply->body_case);
        tdkt__envelope__free_unpacked(reply, NULL);
        return TDKT_EPROTO;
    }
    const Tdkt__ReconcileReply *r = reply->reconcile_reply;
    if (w)
        rc = check_audit(x, r, w);
    x->rep->ranges_matched += r->matched;
    for (size_t i = 0; rc == 0 && i < r->n_split; i++) {
        const Tdkt__RangeSummary *sub = r->split[i];
        uint8_t d[RD_HASH_LEN];
        uint64_t n;
        rc = local_summary(x->s, sub->lo, sub->hi, &n, d);
        if (rc == 0 && (n != sub->count || sub->digest.len != RD_HASH_LEN ||
                        memcmp(d, sub->digest.data, RD_HASH_LEN) != 0))
            rc = queue_range(x, sub->lo, sub->hi, n, d);
    }
    for (size_t i = 0; rc == 0 && i < r->n_items; i++)
        rc = compare_items(x, r->items[i]);
    if (rc == 0)
        rc = apply_records(x, r);
    /* Records that did not fit in the reply are asked for again. */
    for (size_t i = r->fetch_done; rc == 0 && i < nf; i++)
        rc = queue_fetch(x, fetch[i]->unit, fetch[i]->year, fetch[i]->kind, fetch[i]->key);
    tdkt__envelope__free_unpacked(reply, NULL);
    return rc;
}

/* Bytes an embedded message adds to its parent: tag, length, body. */
static size_t embedded_size(size_t body)
{
    size_t len = 1;
    for (size_t v = body; v >= 0x80; v >>= 7)
        len++;
    return 1 + len + body;
}

void reconcile_plan_request(Tdkt__RangeSummary *const *ranges, size_t nranges,
                            Tdkt__RecordKey *const *fetch, size_t nfetch, size_t *nr, size_t *nf)
{
    size_t bytes = 0, r = 0, f = 0;

    for (; r < nranges && r < RECON_RANGES_MAX; r++) {
        size_t b = embedded_size(tdkt__range_summary__get_packed_size(ranges[r]));
        if (r > 0 && bytes + b > RECON_REQUEST_BYTES_MAX)
            break;
        bytes += b;
    }
    for (; f < nfetch && f < RECON_FETCH_MAX; f++) {
        size_t b = embedded_size(tdkt__record_key__get_packed_size(fetch[f]));
        if ((r > 0 || f > 0) && bytes + b > RECON_REQUEST_BYTES_MAX)
            break;
        bytes += b;
    }
    *nr = r;
    *nf = f;
}

/*
 * Rounds: each sends everything queued by the previous one (in as many
 * requests as the limits need), the first request of a round also auditing
 * the next receipts. The first round is the whole key space as one range.
 */
static int compare_all(struct ctx *x)
{
    struct audit_want *w = calloc(1, sizeof *w);
    uint8_t d[RD_HASH_LEN];
    uint64_t n;
    int rc, first = 1;

    if (!w)
        return TDKT_ENOMEM;
    rc = local_summary(x->s, NULL, NULL, &n, d);
    x->rep->local_records = n;
    if (rc == 0)
        rc = queue_range(x, NULL, NULL, n, d);
    while (rc == 0) {
        struct pending cur = x->next;
        size_t ro = 0, fo = 0;

        w->n = 0;
        rc = store_receipts_unaudited(x->s, RECON_AUDIT_MAX, want_receipt, w);
        if (rc < 0)
            break;
        if (!first && w->n == 0 && cur.nranges == 0 && cur.nfetch == 0)
            break;
        memset(&x->next, 0, sizeof x->next);
        do {
            size_t nr, nf;
            reconcile_plan_request(cur.ranges + ro, cur.nranges - ro, cur.fetch + fo,
                                   cur.nfetch - fo, &nr, &nf);
            rc = one_request(x, ro == 0 && fo == 0 && (first || w->n > 0) ? w : NULL,
                             cur.ranges + ro, nr, cur.fetch + fo, nf);
            ro += nr;
            fo += nf;
        } while (rc == 0 && (ro < cur.nranges || fo < cur.nfetch));
        pending_free(&cur);
        first = 0;
    }
    pending_free(&x->next);
    free(w);
    return rc;
}

int reconcile_run(struct store *s, const struct reconcile_opts *o, struct reconcile_report *rep)
{
    struct ctx x;
    struct tdkt_client_stats st;
    int rc, pinned = 0;

    memset(rep, 0, sizeof *rep);
    memset(&x, 0, sizeof x);
    x.s = s;
    x.rep = rep;

    /* 1. Re-send what was never acknowledged. */
    if (!o->no_push) {
        uint64_t pending = 0;
        store_outbox_count(s, "pending", &pending);
        if (pending > 0) {
            struct sync_report sr;
            struct sync_opts so = o->sync;
            so.no_pull = 1;
            rc = sync_run(s, &so, &sr);
            rep->pushed = sr.pushed;
            rep->push_refused = sr.refused;
            rep->key_pinned = sr.key_pinned;
            if (sr.key_changed || rc == TDKT_ECORRUPT) {
                rep->tamper = 1;
                snprintf(rep->tamper_what, sizeof rep->tamper_what, "%.300s", sr.last_error);
                rep->last_rc = TDKT_ECORRUPT;
                return TDKT_ECORRUPT;
            }
            if (rc < 0) {
                rep->last_rc = rc;
                snprintf(rep->last_error, sizeof rep->last_error, "push: %.300s", sr.last_error);
                return rc;
            }
        }
    }
    store_receipts_count(s, &rep->receipts_total, &(uint64_t){0});

    /* 2 and 3 on one connection. */
    rc = o->sync.connect(o->sync.connect_arg, &x.c);
    if (rc < 0) {
        if (x.c) {
            snprintf(rep->last_error, sizeof rep->last_error, "%s", tdkt_client_errmsg(x.c));
            tdkt_client_close(x.c);
        }
        rep->last_rc = rc;
        return rc;
    }
    rc = audit_pin_key(s, tdkt_client_ledger_key(x.c), &pinned, rep->last_error,
                       sizeof rep->last_error);
    rep->key_pinned |= pinned;
    if (rc == 0)
        rc = audit_pinned_key(s, x.key);
    if (rc == TDKT_EAUTH) {
        rep->tamper = 1;
        snprintf(rep->tamper_what, sizeof rep->tamper_what, "%s", rep->last_error);
        rc = TDKT_ECORRUPT;
    }
    if (rc == 0 && o->forget_head) {
        /* After an announced restore of the centre's ledger from a backup:
         * start again from the head the server gives now. */
        rc = store_meta_set(s, "head", "");
    }
    if (rc == 0) {
        int hr = audit_head_load(s, &x.head);
        if (hr == 0) {
            x.have_head = 1;
            rep->head_before = x.head.size;
        } else if (hr != TDKT_ENOTFOUND) {
            rc = hr;
        }
    }
    if (rc == 0)
        rc = compare_all(&x);
    tdkt_client_get_stats(x.c, &st);
    rep->frame_bytes_out = st.frame_bytes_out;
    rep->frame_bytes_in = st.frame_bytes_in;
    rep->wire_out = st.wire_out;
    rep->wire_in = st.wire_in;
    tdkt_client_close(x.c);
    rep->last_rc = rc;
    if (rc == 0 && rep->issues_total > 0)
        return TDKT_ECONFLICT;
    return rc;
}
