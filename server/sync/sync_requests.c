/* SPDX-License-Identifier: MIT */
/*
 * The SyncPull request (an office pulls the ledger entries it may see after
 * a checkpoint, in bounded pages): its entry in the request table and its
 * handlers.
 */
#include "server/dispatch/request_types.h"

#include <stdlib.h>
#include <string.h>

#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "common/util/vec.h"

/* Entry kinds every unit receives: the registry it works against. */
static int kind_public(const char *kind)
{
    static const char *const pub[] = {ENTRY_UNIT_REGISTER, ENTRY_UNIT_REVOKE, ENTRY_PERSON_REGISTER,
                                      ENTRY_PERIOD_SET,    ENTRY_CLUSTER_SET, ENTRY_CRITERIA_SET,
                                      ENTRY_RULES_SET};
    for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++)
        if (strcmp(kind, pub[i]) == 0)
            return 1;
    return 0;
}

static char *dup_str(const char *s)
{
    return strdup(s ? s : "");
}

static int collect_entry(void *arg, const struct ledger_entry *e)
{
    struct request *r = arg;
    Tdkt__LedgerEntry *le;

    if (r->nentries >= r->max ||
        (r->reply_bytes + e->payload_len + 96 > REPLY_BYTES_MAX && r->nentries > 0))
        return 1; /* next_after stays at the last entry taken */
    r->next_after = e->seq;
    if (!(r->unit.role == REGISTRY_ROLE_CENTRAL || kind_public(e->kind) ||
          strcmp(e->unit, r->unit.code) == 0))
        return 0;
    /* An office's own results come back in its receipts (and reconcile
     * repairs a store that lost them): sending them again would double the
     * traffic of every upload. */
    if (strcmp(e->kind, ENTRY_RESULT_PUT) == 0 && strcmp(e->unit, r->unit.code) == 0)
        return 0;
    if (vec_reserve(&r->entries, &r->capentries, r->nentries, sizeof *r->entries, 64) < 0)
        return TDKT_ENOMEM;
    le = malloc(sizeof *le);
    if (!le)
        return TDKT_ENOMEM;
    tdkt__ledger_entry__init(le);
    le->seq = e->seq;
    le->time_ms = e->time_ms;
    le->unit = dup_str(e->unit);
    le->kind = dup_str(e->kind);
    le->payload.data = malloc(e->payload_len ? e->payload_len : 1);
    le->hash.data = malloc(LEDGER_HASH_LEN);
    r->entries[r->nentries++] = le; /* owned by r from here, even half-built */
    if (!le->unit || !le->kind || !le->payload.data || !le->hash.data)
        return TDKT_ENOMEM;
    memcpy(le->payload.data, e->payload, e->payload_len);
    le->payload.len = e->payload_len;
    memcpy(le->hash.data, e->hash, LEDGER_HASH_LEN);
    le->hash.len = LEDGER_HASH_LEN;
    r->reply_bytes += e->payload_len + 96;
    return 0;
}

static int sync_prepare_pull(struct request *r, const Tdkt__Envelope *env, struct fault *err)
{
    (void)err;
    r->after = env->sync_pull->after_seq;
    r->max = env->sync_pull->max_entries ? env->sync_pull->max_entries : SYNC_ENTRIES_DEFAULT;
    if (r->max > SYNC_ENTRIES_MAX)
        r->max = SYNC_ENTRIES_MAX;
    return 0;
}

static int sync_run_pull(struct request *r, struct ledger *l, int64_t now)
{
    (void)now;
    int rc = ledger_head(l, &r->height, NULL);
    if (rc == 0) {
        r->next_after = r->after;
        rc = ledger_entries_after(l, r->after, SYNC_SCAN_MAX, collect_entry, r);
    }
    if (rc < 0) {
        fault_set(&r->err, rc, NULL, "cannot read the ledger: %s", tdkt_strerror(rc));
        return rc;
    }
    if (r->next_after > r->height)
        r->next_after = r->height;
    return 0;
}

static void sync_reply_pull(struct request *r, struct request_scratch *s, Tdkt__Envelope *env)
{
    Tdkt__SyncBatch *sb = &s->sync;
    tdkt__sync_batch__init(sb);
    sb->entries = r->entries;
    sb->n_entries = r->nentries;
    sb->next_after = r->next_after;
    sb->height = r->height;
    sb->more = r->next_after < r->height;
    env->body_case = TDKT__ENVELOPE__BODY_SYNC_BATCH;
    env->sync_batch = sb;
}

const struct request_type sync_req_pull = {
    .name = "sync_pull",
    .body_case = TDKT__ENVELOPE__BODY_SYNC_PULL,
    .kind = REQUEST_SYNC_PULL,
    .prepare = sync_prepare_pull,
    .run = sync_run_pull,
    .reply = sync_reply_pull,
};
