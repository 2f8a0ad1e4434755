/* SPDX-License-Identifier: MIT */
/*
 * Offline-first sync (docs/client.md, docs/results.md). Edits go to the
 * local store and, in the same local transaction, to outbox batches that
 * carry a fresh 128-bit request id each; sync_run() later
 *
 *   1. pushes every pending outbox entry in order, with its original id, so
 *      a batch the server already committed before a cut is answered from
 *      its idempotency table and never written twice;
 *   2. pulls the ledger entries this unit may see after its checkpoint, in
 *      pages, applying each page and moving the checkpoint in one local
 *      transaction, so an interrupted pull resumes where it stopped.
 *
 * A failure the server or network may get over (connection refused or cut,
 * timeout, UNAVAILABLE, STORAGE, BUSY) is retried after an exponential
 * backoff with jitter (SYNC_BACKOFF_*); a typed refusal of one entry
 * (INVALID_ARGUMENT, FORBIDDEN, NOT_FOUND, PERIOD_CLOSED, ...) marks that
 * entry and its records refused, keeps the local copy, and sync goes on with
 * the next one. An identity refusal (unknown or revoked unit) stops at once.
 *
 * Batches: at most SYNC_BATCH_BYTES of packed body (well under the 1 MiB
 * frame limit) and RESULTS_BATCH_MAX records.
 */
#ifndef TDKT_CLIENT_LIB_SYNC_H
#define TDKT_CLIENT_LIB_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "client/lib/client.h"
#include "client/lib/store.h"
#include "client/lib/store_outbox.h"

#define SYNC_BATCH_BYTES       (768u * 1024u)
#define SYNC_BACKOFF_BASE_MS   250
#define SYNC_BACKOFF_MAX_MS    30000
#define SYNC_RETRIES_DEFAULT   6
#define SYNC_PULL_PAGE_ENTRIES 5000

struct sync_progress {
    const char *phase; /* "push" or "pull" */
    uint64_t done, total;
    unsigned attempt;
};

struct sync_opts {
    unsigned retries;    /* further attempts after the first */
    int backoff_base_ms; /* 0: SYNC_BACKOFF_BASE_MS */
    int backoff_max_ms;  /* 0: SYNC_BACKOFF_MAX_MS */
    int no_pull;         /* push only */
    /* Dial and authenticate; 0 with *c, or a TDKT_E* (then *c may be set
     * for its error text and is closed by sync_run). */
    int (*connect)(void *arg, struct tdkt_client **c);
    void *connect_arg;
    void (*progress)(void *arg, const struct sync_progress *p); /* may be NULL */
    void *progress_arg;
    /* Called for each outbox entry settled: state "acked" or "refused". */
    void (*settled)(void *arg, const struct store_item *it, const char *state,
                    const struct tdkt_receipt *rcpt, const char *error);
    void *settled_arg;
};

struct sync_report {
    unsigned attempts;
    unsigned pushed, replayed, refused;
    uint64_t records_acked;
    uint64_t pulled;     /* entries applied */
    uint64_t checkpoint; /* after the run */
    uint64_t height;     /* server ledger height seen last */
    int last_rc;         /* the failure that ended the run, 0 on success */
    int key_pinned;      /* this run pinned the server's ledger key (first contact) */
    int key_changed;     /* the server's ledger key is not the pinned one */
    char last_error[320];
};

/*
 * Queue records of one unit and year: each record that differs from the
 * local copy is stored pending and put into outbox batches. Runs inside the
 * caller's store transaction (store_begin/store_commit). *queued (may be
 * NULL) counts records that changed, *batches the outbox entries added.
 */
int sync_enqueue_results(struct store *s, const char *unit, uint32_t year,
                         Tdkt__ResultRecord **records, size_t n, uint64_t *queued,
                         uint64_t *batches);
/* Queue registry records (central office) in outbox batches. */
int sync_enqueue_registry(struct store *s, Tdkt__RegistryRecord **records, size_t n,
                          uint64_t *batches);

/* Push then pull, with retries. 0 when both completed; otherwise the last
 * failure (report filled either way). */
int sync_run(struct store *s, const struct sync_opts *o, struct sync_report *rep);

/* 1 if a failure is worth retrying later (network, server busy/draining). */
int sync_retryable(int rc, int wire_code);

#endif
