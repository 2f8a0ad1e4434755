/* SPDX-License-Identifier: MIT */
/*
 * The office's nightly reconciliation (docs/reconcile.md):
 *
 *   1. push: re-send every unacknowledged outbox entry (sync_run, push only);
 *   2. audit: in the first request, the server's signed head, a consistency
 *      proof from the head this office verified last, and inclusion proofs
 *      of its receipts not yet proved; any failure is tamper evidence and
 *      stops the run;
 *   3. compare: range digests over the office's records, recursively, so only
 *      differing ranges and records travel; records missing here or stale
 *      here are fetched and repaired; what cannot be repaired (a local edit
 *      the server refused, a record the server no longer has) is reported.
 *
 * An office already in sync with an empty outbox finishes in one request.
 *
 * Ownership: rep->issues is malloc'd; free with reconcile_report_free().
 */
#ifndef TDKT_CLIENT_LIB_RECONCILE_H
#define TDKT_CLIENT_LIB_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "client/lib/client.h"
#include "client/lib/store.h"
#include "client/lib/sync.h"

#define RECON_ISSUES_MAX 1000 /* issues listed in a report; the rest are counted */
#define RECON_ROUNDS_MAX 64   /* requests in one run: far above log16(any ledger) */
/* Packed bytes of the ranges and fetch keys of one request. The server caps
 * the counts (RECON_RANGES_MAX, RECON_FETCH_MAX), but at those counts keys
 * of the longest lengths would not fit in one frame (4 096 ranges of two
 * 280-byte keys are 2.4 MB); half of FRAME_MAX_AUTHED leaves room for the
 * audit seqs (RECON_AUDIT_MAX, at most 10 bytes each) and the envelope. */
#define RECON_REQUEST_BYTES_MAX (512u * 1024u)

enum reconcile_issue_kind {
    RECON_ISSUE_REFUSED_LOCAL,     /* a local edit the server refused (e.g. period closed) */
    RECON_ISSUE_PENDING_LOCAL,     /* a local edit still not acknowledged */
    RECON_ISSUE_MISSING_ON_SERVER, /* acknowledged once, the server no longer holds it */
};

struct reconcile_issue {
    enum reconcile_issue_kind kind;
    char unit[RECORD_CODE_MAX + 1];
    uint32_t year;
    char rkind[RECORD_CODE_MAX + 1];
    char key[160];
    char detail[200];
};

struct reconcile_report {
    /* push */
    unsigned pushed, push_refused;
    int key_pinned;
    /* audit */
    uint64_t head_before; /* size of the head verified before this run; 0 = none */
    uint64_t head_size;   /* size of the head verified now */
    uint64_t receipts_proved, receipts_total;
    int tamper;            /* the server's log failed a check */
    char tamper_what[320]; /* what failed */
    /* compare */
    uint64_t local_records;
    unsigned requests; /* reconcile requests sent (round trips) */
    uint64_t ranges_sent, ranges_matched;
    uint64_t fetched, added, repaired;
    uint64_t issues_total;
    struct reconcile_issue *issues; /* owned; at most RECON_ISSUES_MAX */
    size_t nissues;
    /* traffic of the reconcile connection: requests and replies, and all
     * bytes on the socket including the handshake */
    uint64_t frame_bytes_out, frame_bytes_in, wire_out, wire_in;
    int last_rc;
    char last_error[320];
};

struct reconcile_opts {
    struct sync_opts sync; /* connect callback, retries and backoff; used for push too */
    int no_push;
    int forget_head; /* drop the verified head first (after an announced restore) */
};

/*
 * How many of the queued ranges and fetch keys, from the front, go into the
 * next request: at most RECON_RANGES_MAX ranges, RECON_FETCH_MAX keys and
 * RECON_REQUEST_BYTES_MAX bytes of them packed, but at least one item when
 * any is queued (a single range or key is far below the byte limit). Pure.
 */
void reconcile_plan_request(Tdkt__RangeSummary *const *ranges, size_t nranges,
                            Tdkt__RecordKey *const *fetch, size_t nfetch, size_t *nr, size_t *nf);

/* 0 when the audit held and no issue remains; TDKT_ECORRUPT on tamper
 * evidence; TDKT_ECONFLICT when issues remain; other TDKT_E* on failure. */
int reconcile_run(struct store *s, const struct reconcile_opts *o, struct reconcile_report *rep);
void reconcile_report_free(struct reconcile_report *rep);
const char *reconcile_issue_name(enum reconcile_issue_kind k);

#endif
