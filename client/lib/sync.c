/* SPDX-License-Identifier: MIT */
/* Offline-first sync: outbox batches, push with retries, paged pull. See sync.h. */
#include "client/lib/sync.h"

#include "client/lib/audit.h"
#include "client/lib/store_outbox.h"
#include "client/lib/store_records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/domain/records.h"
#include "common/err.h"
#include "common/wire/envelope.h"

/* --- enqueue -------------------------------------------------------------- */

struct batch {
    Tdkt__ResultRecord **recs;
    size_t n, cap, bytes;
};

static int flush_results(struct store *s, const char *unit, uint32_t year, struct batch *b,
                         uint64_t *batches)
{
    Tdkt__ResultsPut m = TDKT__RESULTS_PUT__INIT;
    uint8_t id[REQUEST_ID_LEN], *body;
    size_t len;
    int rc;

    if (b->n == 0)
        return 0;
    m.unit_code = (char *)unit;
    m.year = year;
    m.records = b->recs;
    m.n_records = b->n;
    len = tdkt__results_put__get_packed_size(&m);
    body = malloc(len ? len : 1);
    if (!body)
        return TDKT_ENOMEM;
    tdkt__results_put__pack(&m, body);
    rc = request_id_generate(id);
    if (rc == 0)
        rc = store_outbox_add(s, id, OUTBOX_RESULTS_PUT, body, len);
    free(body);
    if (rc == 0 && batches)
        (*batches)++;
    b->n = 0;
    b->bytes = 0;
    return rc;
}

int sync_enqueue_results(struct store *s, const char *unit, uint32_t year,
                         Tdkt__ResultRecord **records, size_t n, uint64_t *queued,
                         uint64_t *batches)
{
    struct batch b = {0};
    char key[RECORD_KEY_MAX + 1];
    int rc = 0;

    b.cap = n ? n : 1;
    b.recs = malloc(b.cap * sizeof *b.recs);
    if (!b.recs)
        return TDKT_ENOMEM;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t len = tdkt__result_record__get_packed_size(records[i]);
        uint8_t *rec = malloc(len ? len : 1);
        int changed = 0;
        if (!rec) {
            rc = TDKT_ENOMEM;
            break;
        }
        tdkt__result_record__pack(records[i], rec);
        rc = record_key(records[i], key);
        if (rc == 0)
            rc = store_record_put(s, unit, year, record_kind_name(records[i]), key, rec, len,
                                  records[i]->removed, &changed);
        free(rec);
        if (rc < 0 || !changed)
            continue;
        if (queued)
            (*queued)++;
        if (b.n == RESULTS_BATCH_MAX || b.bytes + len + 8 > SYNC_BATCH_BYTES)
            rc = flush_results(s, unit, year, &b, batches);
        b.recs[b.n++] = records[i];
        b.bytes += len + 8;
    }
    if (rc == 0)
        rc = flush_results(s, unit, year, &b, batches);
    free(b.recs);
    return rc;
}

int sync_enqueue_registry(struct store *s, Tdkt__RegistryRecord **records, size_t n,
                          uint64_t *batches)
{
    size_t start = 0, bytes = 0;
    int rc = 0;

    for (size_t i = 0; i <= n && rc == 0; i++) {
        size_t len = i < n ? tdkt__registry_record__get_packed_size(records[i]) + 8 : 0;
        if (i == n || i - start == REGISTRY_BATCH_MAX || bytes + len > SYNC_BATCH_BYTES) {
            if (i > start) {
                Tdkt__RegistryPut m = TDKT__REGISTRY_PUT__INIT;
                uint8_t id[REQUEST_ID_LEN];
                m.records = records + start;
                m.n_records = i - start;
                size_t blen = tdkt__registry_put__get_packed_size(&m);
                uint8_t *body = malloc(blen ? blen : 1);
                if (!body)
                    return TDKT_ENOMEM;
                tdkt__registry_put__pack(&m, body);
                rc = request_id_generate(id);
                if (rc == 0)
                    rc = store_outbox_add(s, id, OUTBOX_REGISTRY_PUT, body, blen);
                free(body);
                if (rc == 0 && batches)
                    (*batches)++;
            }
            start = i;
            bytes = 0;
        }
        bytes += len;
    }
    return rc;
}

/* --- push ----------------------------------------------------------------- */

int sync_retryable(int rc, int wire_code)
{
    if (wire_code)
        return wire_code == TDKT__ERROR_CODE__ERROR_CODE_UNAVAILABLE ||
               wire_code == TDKT__ERROR_CODE__ERROR_CODE_STORAGE ||
               wire_code == TDKT__ERROR_CODE__ERROR_CODE_BUSY ||
               wire_code == TDKT__ERROR_CODE__ERROR_CODE_INTERNAL;
    return rc == TDKT_ECLOSED || rc == TDKT_ETIMEDOUT || rc == TDKT_EIO || rc == TDKT_ETLS ||
           rc == TDKT_EPROTO || rc == TDKT_EUNAVAIL || rc == TDKT_EBUSY;
}

struct push_ctx {
    struct tdkt_client *c;
    struct store *s;
    const struct sync_opts *o;
    struct sync_report *rep;
    uint64_t done, total;
    unsigned attempt;
    int rc;                   /* retryable failure that stopped the walk */
    uint8_t key[STH_PUB_LEN]; /* the pinned ledger key receipts are checked with */
};

static void progress(const struct sync_opts *o, const char *phase, uint64_t done, uint64_t total,
                     unsigned attempt)
{
    if (o->progress) {
        struct sync_progress p = {phase, done, total, attempt};
        o->progress(o->progress_arg, &p);
    }
}

/* Each outbox kind, and the Envelope body its item is sent as. */
static const struct {
    const char *kind;
    Tdkt__Envelope__BodyCase body;
} sync_outbox_kinds[] = {
    {OUTBOX_NOTE_PUT, TDKT__ENVELOPE__BODY_NOTE_PUT},
    {OUTBOX_RESULTS_PUT, TDKT__ENVELOPE__BODY_RESULTS_PUT},
    {OUTBOX_REGISTRY_PUT, TDKT__ENVELOPE__BODY_REGISTRY_PUT},
    {OUTBOX_BALLOT_OPEN, TDKT__ENVELOPE__BODY_BALLOT_OPEN},
    {OUTBOX_BALLOT_CAST, TDKT__ENVELOPE__BODY_BALLOT_CAST},
    {OUTBOX_BALLOT_ACTION, TDKT__ENVELOPE__BODY_BALLOT_ACTION},
    {OUTBOX_BALLOT_PAPER, TDKT__ENVELOPE__BODY_BALLOT_PAPER},
    {OUTBOX_SUBMISSION_PUT, TDKT__ENVELOPE__BODY_SUBMISSION_PUT},
    {OUTBOX_DECISION_RECORD, TDKT__ENVELOPE__BODY_DECISION_RECORD},
    {OUTBOX_REVIEW_STEP, TDKT__ENVELOPE__BODY_REVIEW_STEP},
    {OUTBOX_COUNCIL_VOTE, TDKT__ENVELOPE__BODY_COUNCIL_VOTE},
    {OUTBOX_COUNCIL_CAST, TDKT__ENVELOPE__BODY_COUNCIL_CAST},
    {OUTBOX_COUNCIL_CLOSE, TDKT__ENVELOPE__BODY_COUNCIL_CLOSE},
};

/* The envelope for an outbox entry; *msg is the unpacked body to free.
 * TDKT_EINVAL for a kind this build does not send, TDKT_ECORRUPT for a
 * body that does not unpack. */
static int entry_envelope(const struct store_item *it, Tdkt__Envelope *env, ProtobufCMessage **msg)
{
    const ProtobufCFieldDescriptor *f = NULL;

    *msg = NULL;
    for (size_t i = 0; i < sizeof sync_outbox_kinds / sizeof sync_outbox_kinds[0] && !f; i++)
        if (strcmp(it->kind, sync_outbox_kinds[i].kind) == 0)
            f = protobuf_c_message_descriptor_get_field(&tdkt__envelope__descriptor,
                                                        (unsigned)sync_outbox_kinds[i].body);
    if (!f)
        return TDKT_EINVAL;
    *msg = protobuf_c_message_unpack(f->descriptor, NULL, it->body_len, it->body);
    if (!*msg)
        return TDKT_ECORRUPT;
    /* The body is the oneof member the field names: set it and its case. */
    memcpy((char *)env + f->offset, msg, sizeof *msg);
    env->body_case = (Tdkt__Envelope__BodyCase)f->id;
    return 0;
}

/* Mark each record of a settled results batch. */
static void mark_records(struct store *s, const Tdkt__ResultsPut *m, const char *state,
                         uint64_t seq, const char *error, uint64_t *count)
{
    char key[RECORD_KEY_MAX + 1];
    for (size_t i = 0; i < m->n_records; i++) {
        size_t len = tdkt__result_record__get_packed_size(m->records[i]);
        uint8_t *rec = malloc(len ? len : 1);
        if (!rec)
            continue;
        tdkt__result_record__pack(m->records[i], rec);
        if (record_key(m->records[i], key) == 0 &&
            store_record_mark(s, m->unit_code, m->year, record_kind_name(m->records[i]), key, rec,
                              len, state, seq, error) == 0 &&
            count)
            (*count)++;
        free(rec);
    }
}

static int push_one(void *arg, const struct store_item *it)
{
    struct push_ctx *p = arg;
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply = NULL;
    ProtobufCMessage *msg = NULL;
    struct tdkt_receipt rcpt = {0};
    char error[400];
    int rc;

    rc = entry_envelope(it, &env, &msg);
    if (rc < 0) {
        store_outbox_refuse(p->s, it->id, "the local outbox entry is unreadable");
        p->rep->refused++;
        if (msg)
            protobuf_c_message_free_unpacked(msg, NULL);
        return 0;
    }
    rc = tdkt_client_request(p->c, &env, it->id, &reply);
    if (rc == 0 &&
        (reply->body_case != TDKT__ENVELOPE__BODY_RECEIPT || reply->receipt->entry_hash.len != 32))
        rc = TDKT_EPROTO;
    if (rc == 0) {
        /* A receipt that does not prove its entry is not an acknowledgement
         * we can rely on: keep the entry pending and stop. */
        rc = audit_receipt_verify(p->key, reply->receipt, error, sizeof error);
        if (rc < 0) {
            p->rc = rc;
            snprintf(p->rep->last_error, sizeof p->rep->last_error, "%.300s", error);
            tdkt__envelope__free_unpacked(reply, NULL);
            protobuf_c_message_free_unpacked(msg, NULL);
            return 1;
        }
    }
    if (rc == 0) {
        rcpt.seq = reply->receipt->seq;
        memcpy(rcpt.entry_hash, reply->receipt->entry_hash.data, 32);
        rcpt.time_ms = reply->receipt->time_ms;
        rcpt.replayed = reply->receipt->replayed;
        size_t receipt_len = tdkt__write_receipt__get_packed_size(reply->receipt);
        uint8_t *receipt = malloc(receipt_len ? receipt_len : 1);
        if (!receipt) {
            tdkt__envelope__free_unpacked(reply, NULL);
            protobuf_c_message_free_unpacked(msg, NULL);
            return TDKT_ENOMEM;
        }
        tdkt__write_receipt__pack(reply->receipt, receipt);
        store_begin(p->s);
        store_outbox_ack(p->s, it->id, rcpt.seq, rcpt.entry_hash, (int64_t)rcpt.time_ms);
        store_outbox_receipt(p->s, it->id, receipt, receipt_len);
        if (env.body_case == TDKT__ENVELOPE__BODY_RESULTS_PUT)
            mark_records(p->s, env.results_put, "synced", rcpt.seq, NULL, &p->rep->records_acked);
        rc = store_commit(p->s);
        free(receipt);
        p->rep->pushed++;
        p->rep->replayed += rcpt.replayed ? 1 : 0;
        if (p->o->settled)
            p->o->settled(p->o->settled_arg, it, "acked", &rcpt, NULL);
    } else {
        const struct fault *se = tdkt_client_last_error(p->c);
        int wire = se->wire;
        if (wire)
            snprintf(error, sizeof error, "%s: %.250s%s%.63s%s", wire_error_name(wire),
                     se->why.text, se->field[0] ? " (field " : "", se->field[0] ? se->field : "",
                     se->field[0] ? ")" : "");
        else
            snprintf(error, sizeof error, "%s", tdkt_client_errmsg(p->c));
        if (sync_retryable(rc, wire) || rc == TDKT_EAUTH || rc == TDKT_EREVOKED ||
            wire == TDKT__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED) {
            p->rc = rc;
            snprintf(p->rep->last_error, sizeof p->rep->last_error, "%.300s", error);
            protobuf_c_message_free_unpacked(msg, NULL);
            return 1; /* stop this attempt */
        }
        store_begin(p->s);
        store_outbox_refuse(p->s, it->id, error);
        if (env.body_case == TDKT__ENVELOPE__BODY_RESULTS_PUT)
            mark_records(p->s, env.results_put, "refused", 0, error, NULL);
        store_commit(p->s);
        p->rep->refused++;
        snprintf(p->rep->last_error, sizeof p->rep->last_error, "%.300s", error);
        if (p->o->settled)
            p->o->settled(p->o->settled_arg, it, "refused", NULL, error);
        rc = 0;
    }
    if (reply)
        tdkt__envelope__free_unpacked(reply, NULL);
    protobuf_c_message_free_unpacked(msg, NULL);
    p->done++;
    progress(p->o, "push", p->done, p->total, p->attempt);
    return rc < 0 ? rc : 0;
}

/* --- pull ----------------------------------------------------------------- */

static int pull(struct tdkt_client *c, struct store *s, const struct sync_opts *o,
                struct sync_report *rep, unsigned attempt)
{
    char buf[32];
    uint64_t after = 0;
    int rc;

    if (store_meta_get(s, "checkpoint", buf, sizeof buf) == 0)
        after = strtoull(buf, NULL, 10);
    for (;;) {
        Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply = NULL;
        Tdkt__SyncPull sp = TDKT__SYNC_PULL__INIT;

        env.body_case = TDKT__ENVELOPE__BODY_SYNC_PULL;
        sp.after_seq = after;
        sp.max_entries = SYNC_PULL_PAGE_ENTRIES;
        env.sync_pull = &sp;
        rc = tdkt_client_request(c, &env, NULL, &reply);
        if (rc < 0)
            return rc;
        if (reply->body_case != TDKT__ENVELOPE__BODY_SYNC_BATCH) {
            tdkt__envelope__free_unpacked(reply, NULL);
            return TDKT_EPROTO;
        }
        Tdkt__SyncBatch *b = reply->sync_batch;
        rc = store_begin(s);
        for (size_t i = 0; rc == 0 && i < b->n_entries; i++) {
            rc = store_apply_entry(s, b->entries[i]->seq, b->entries[i]->kind,
                                   b->entries[i]->payload.data, b->entries[i]->payload.len);
            if (rc == TDKT_ECORRUPT)
                rc = 0; /* an entry this client cannot read: skip, it is not ours */
        }
        if (rc == 0 && b->next_after > after) {
            snprintf(buf, sizeof buf, "%llu", (unsigned long long)b->next_after);
            rc = store_meta_set(s, "checkpoint", buf);
        }
        if (rc == 0)
            rc = store_commit(s);
        else
            store_rollback(s);
        int more = b->more && b->next_after > after;
        if (rc == 0) {
            rep->pulled += b->n_entries;
            after = b->next_after > after ? b->next_after : after;
            rep->checkpoint = after;
            rep->height = b->height;
        }
        tdkt__envelope__free_unpacked(reply, NULL);
        if (rc < 0)
            return rc;
        progress(o, "pull", after, rep->height, attempt);
        if (!more)
            return 0;
    }
}

/* --- the loop ------------------------------------------------------------- */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Exponential backoff with "equal jitter": half the step fixed, half random. */
static int backoff_ms(const struct sync_opts *o, unsigned attempt)
{
    int base = o->backoff_base_ms > 0 ? o->backoff_base_ms : SYNC_BACKOFF_BASE_MS;
    int max = o->backoff_max_ms > 0 ? o->backoff_max_ms : SYNC_BACKOFF_MAX_MS;
    long step = base;
    uint8_t r[REQUEST_ID_LEN];
    for (unsigned i = 0; i < attempt && step < max; i++)
        step *= 2;
    if (step > max)
        step = max;
    request_id_generate(r); /* any entropy will do; this one is at hand */
    unsigned rnd = (unsigned)r[0] << 8 | r[1];
    return (int)(step / 2 + (long)(rnd % (unsigned)(step / 2 + 1)));
}

int sync_run(struct store *s, const struct sync_opts *o, struct sync_report *rep)
{
    int rc = 0;

    memset(rep, 0, sizeof *rep);
    for (unsigned attempt = 0; attempt <= o->retries; attempt++) {
        struct push_ctx p = {.s = s, .o = o, .rep = rep, .attempt = attempt};
        struct tdkt_client *c = NULL;
        int wire = 0;

        if (attempt > 0)
            sleep_ms(backoff_ms(o, attempt - 1));
        rep->attempts++;
        rc = o->connect(o->connect_arg, &c);
        if (rc < 0) {
            if (c) {
                wire = tdkt_client_last_error(c)->wire;
                snprintf(rep->last_error, sizeof rep->last_error, "%s", tdkt_client_errmsg(c));
                tdkt_client_close(c);
            }
            rep->last_rc = rc;
            if (!sync_retryable(rc, wire) && rc != TDKT_ECLOSED)
                return rc; /* identity or configuration: retrying will not help */
            continue;
        }
        p.c = c;
        {
            int pinned_now = 0;
            rc = audit_pin_key(s, tdkt_client_ledger_key(c), &pinned_now, rep->last_error,
                               sizeof rep->last_error);
            if (rc == 0)
                rc = audit_pinned_key(s, p.key);
            if (rc < 0) {
                tdkt_client_close(c);
                rep->last_rc = rc;
                rep->key_changed = rc == TDKT_EAUTH;
                return rc; /* a different ledger key: retrying will not help */
            }
            rep->key_pinned = pinned_now;
        }
        store_outbox_count(s, "pending", &p.total);
        progress(o, "push", 0, p.total, attempt);
        rc = store_outbox_each(s, "pending", push_one, &p);
        if (rc == 1)
            rc = p.rc;
        if (rc == 0 && !o->no_pull)
            rc = pull(c, s, o, rep, attempt);
        if (rc < 0 && !rep->last_error[0])
            snprintf(rep->last_error, sizeof rep->last_error, "%s", tdkt_client_errmsg(c));
        wire = tdkt_client_last_error(c)->wire;
        tdkt_client_close(c);
        rep->last_rc = rc;
        if (rc == 0) {
            rep->last_error[0] = '\0';
            return 0;
        }
        if (!sync_retryable(rc, wire))
            return rc;
    }
    return rc;
}
