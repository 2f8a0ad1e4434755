/* SPDX-License-Identifier: MIT */
/*
 * Requests: what the daemon does with a decoded Envelope. Dispatch is a
 * table (request_table.c): one struct request_type per message a client may
 * send, naming who may send it, whether it writes, and its handlers. Each
 * area exports its own entries beside its logic (server/results/notes_requests.c
 * and its siblings,
 * server/ballot/ballot_requests.c, server/review/review_requests.c,
 * server/reconcile/reconcile_requests.c, status_request.c here). Adding a
 * message is one entry in the table plus its handlers. This module is the
 * pure core between the connection (I/O) and the ledger (storage):
 *
 *   request_prepare()   loop thread: find the type, check the caller's role
 *                       (a person, the central office, any unit), then
 *                       type->prepare checks every field and copies what
 *                       the database thread needs; no I/O. A refusal here
 *                       writes nothing and is answered at once.
 *   request_run()       database thread (as db_job.run): for a write, the
 *                       receipt lookup (a replay stops here), type->run
 *                       inside the request's savepoint, then the receipt is
 *                       stored; for a read, type->run.
 *   request_finish      database thread (as db_job.finish), after every job of
 *                       the batch ran and before COMMIT: one tree head signed
 *                       for the whole batch; each receipt gets its audit path
 *                       (server/dispatch/receipt.h).
 *   request_reply()     loop thread, after COMMIT: the reply frame to send;
 *                       a write's is its receipt, a read's type->reply.
 *
 * Idempotency: a mutating request is identified by (unit, request_id). The
 * body hash is SHA-256 of the re-encoded body message; a replay with the same
 * hash returns the stored reply with replayed=true and writes nothing; the
 * same id with another body is refused REQUEST_ID_REUSED.
 *
 * Ownership: a struct request is malloc'd by request_prepare / request_new_auth
 * and freed with request_free by whoever holds it last (the conn's done
 * callback). owner is borrowed; type points into the static table.
 */
#ifndef TDKT_SERVER_DISPATCH_REQUEST_H
#define TDKT_SERVER_DISPATCH_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "proto/tdkt.pb-c.h"
#include "server/db/dbthread.h"
#include "server/ledger/ledger.h"
#include "server/registry/registry.h"
#include "common/crypto/merkle.h"
#include "common/domain/records.h"
#include "server/ledger/treelog.h"
#include "server/dispatch/receipt.h"
#include "server/dispatch/request_error.h"

#define REQUEST_NOTE_KEY_MAX  128
#define REQUEST_NOTE_TEXT_MAX 65536
#define REQUEST_SERIAL_MAX    48

#define SYNC_ENTRIES_DEFAULT 2000           /* entries in a SyncBatch unless asked */
#define SYNC_ENTRIES_MAX     10000          /* entries in one SyncBatch */
#define SYNC_SCAN_MAX        50000          /* entries examined per SyncPull */
#define REPLY_BYTES_MAX      (768u * 1024u) /* payload bytes in one read reply */

enum request_kind {
    REQUEST_AUTH,            /* identify the peer at the end of the handshake */
    REQUEST_STATUS,          /* read: ledger height and head */
    REQUEST_NOTE_PUT,        /* write: a note of the acting unit */
    REQUEST_REGISTRY_PUT,    /* write, central office: registry records */
    REQUEST_RESULTS_PUT,     /* write: results of the unit or a division */
    REQUEST_RESULTS_GET,     /* read: current results of a unit and year */
    REQUEST_SYNC_PULL,       /* read: entries visible to the unit after a checkpoint */
    REQUEST_RECONCILE,       /* read: audit proofs and range digests (server/reconcile) */
    REQUEST_BALLOT_OPEN,     /* write: cluster leader or central (server/ballot) */
    REQUEST_BALLOT_CAST,     /* write: a unit on the roll */
    REQUEST_BALLOT_ACTION,   /* write: seal, tally, publish */
    REQUEST_BALLOT_PAPER,    /* write: central, a paper ballot's result */
    REQUEST_BALLOT_GET,      /* read: one ballot as the unit may see it */
    REQUEST_BALLOT_LIST,     /* read: ballots the unit may see */
    REQUEST_SUBMISSION_PUT,  /* write: an office's dossier (server/review) */
    REQUEST_REVIEW_STEP,     /* write: central office */
    REQUEST_DECISION_RECORD, /* write: central office */
    REQUEST_SUBMISSION_GET,  /* read */
    REQUEST_SUBMISSION_LIST, /* read */
    REQUEST_HISTORY_GET,     /* read */
    REQUEST_REPORT_GET,      /* read: central office */
    REQUEST_QUOTA_GET,       /* read: central office, the TTLĐXS standing */
    REQUEST_COUNCIL_VOTE,    /* write: central office, a Council ballot's result */
    REQUEST_COUNCIL_CAST,    /* write: a Council member (person certificate) */
    REQUEST_COUNCIL_CLOSE,   /* write: central office, counts an electronic vote */
};

struct request;

/* Storage for the parts of a reply built from a request's fields; it lives
 * on request_reply's stack until the reply is packed. */
struct request_scratch {
    Tdkt__StatusReply status;
    Tdkt__Unit unit;
    Tdkt__TreeHead head;
    Tdkt__WriteReceipt receipt;
    ProtobufCBinaryData paths[MERKLE_PROOF_MAX];
    Tdkt__ResultsReply results;
    Tdkt__SyncBatch sync;
};

/* One message a client may send (see the top of this file). */
struct request_type {
    const char *name; /* the Envelope field of the request, e.g. "note_put" */
    int body_case;    /* TDKT__ENVELOPE__BODY_* of the request */
    enum request_kind kind;
    int write;                /* 1: runs in the group-commit batch, answered by a receipt */
    const char *central_only; /* NULL: any unit; else what only the central office does */
    /* NULL: a unit's request, refused to a person (a Council member
     * connected with their own certificate); else a person's only, refused
     * to every unit, and this says what a person does with it. Checked
     * before any field is read, as central_only is. */
    const char *person;
    /* Loop thread: check env's fields and copy into r what run needs; a
     * write keeps its re-encoded body (request_keep_body). NULL: nothing. */
    int (*prepare)(struct request *r, const Tdkt__Envelope *env, struct fault *err);
    /* Database thread: do it, at time now. For a write, inside its savepoint
     * and only when it is not a replay; it sets r->rcpt.appended (and
     * unchanged, first_seq when it knows them). < 0 with r->err set. */
    int (*run)(struct request *r, struct ledger *l, int64_t now);
    /* Loop thread: a read's reply body into env (writes: NULL, the receipt). */
    void (*reply)(struct request *r, struct request_scratch *s, Tdkt__Envelope *env);
};

struct request {
    struct db_job job; /* first member: a db_job* is a request* */
    const struct request_type *type;
    enum request_kind kind;
    void *owner; /* the conn; borrowed */
    uint8_t request_id[16];
    uint32_t version;
    struct registry_unit unit; /* acting unit; AUTH: filled by run */
    char auth_code[LEDGER_UNIT_MAX + 1];
    char auth_serial[REQUEST_SERIAL_MAX];
    int auth_plain; /* plain TCP test listener: no certificate serial */

    /* NOTE_PUT input, owned */
    char *key;
    char *text;
    /* every write: the packed (normalised) body message, owned */
    uint8_t *body;
    size_t body_len;
    uint8_t body_hash[LEDGER_HASH_LEN];

    /* RESULTS_PUT / RESULTS_GET / SYNC_PULL input */
    char unit_code[LEDGER_UNIT_MAX + 1];
    uint32_t year;
    uint32_t offset;
    uint64_t after;
    uint32_t max;

    /* results, written by request_run */
    struct fault err; /* valid when run returned < 0 */
    /* every write: its receipt (server/dispatch/receipt.h); STATUS: the
     * signed head in rcpt.sth and its root in rcpt.hash */
    struct receipt rcpt;
    uint64_t height;
    /* RESULTS_GET reply, owned */
    Tdkt__ResultRecord **recs;
    uint64_t *rec_seqs;
    size_t nrecs, caprecs;
    uint32_t next_offset;
    int more;
    /* SYNC_PULL reply, owned */
    Tdkt__LedgerEntry **entries;
    size_t nentries, capentries;
    uint64_t next_after;
    size_t reply_bytes;
    /* RECONCILE: the request (owned, unpacked) and the reply (owned) */
    Tdkt__ReconcileRequest *rec_req;
    Tdkt__ReconcileReply *rec_reply;
    /* BALLOT_GET / BALLOT_LIST: input and the reply (owned) */
    char ballot_id[LEDGER_UNIT_MAX + 1];
    Tdkt__BallotInfo *ballot_info;
    Tdkt__BallotListReply *ballot_list;
    /* review reads: the reply (owned); the request is kept packed in body */
    ProtobufCMessage *review_reply;
};

/*
 * Validate env from a READY connection acting as unit. 0 and *out (ready to
 * submit) or a negative code with err filled: nothing to submit; reply with
 * err. Hello on a READY connection and reply-only bodies are refused as
 * UNEXPECTED_MESSAGE.
 */
int request_prepare(const struct registry_unit *unit, const Tdkt__Envelope *env,
                    struct request **out, struct fault *err);
/* An AUTH request for a peer presenting code/serial (serial NULL on plain). */
int request_new_auth(const char *code, const char *serial, struct request **out);
/* db_job.run for every kind. */
int request_run(struct db_job *job, struct ledger *l, int64_t now);

/* The table: every request type, and the one answering a body case (NULL
 * when no client may send it). */
extern const struct request_type *const request_types[];
extern const size_t request_types_n;
const struct request_type *request_type_find(int body_case);

/* For handlers. Keep the re-encoded body m of a write, and its hash, in r. */
int request_keep_body(struct request *r, const ProtobufCMessage *m, struct fault *err);
/* A prepare for a request whose fields are checked where it runs: keep
 * env's body, whatever its case (request_keep_body). */
int request_keep_env(struct request *r, const Tdkt__Envelope *env, struct fault *err);
/* In run: r's kept body unpacked again as a message of type d, so what runs
 * is what was hashed; NULL with r->err set when out of memory. */
ProtobufCMessage *request_body_unpack(struct request *r, const ProtobufCMessageDescriptor *d);
/* The end of a run that appends one entry: free m (the unpacked body), then
 * keep the refusal f when rc < 0, else count the entry. Returns rc < 0 ? rc
 * : 0. */
int request_write_end(struct request *r, int rc, const struct fault *f, ProtobufCMessage *m);
/* In prepare: refuse record i of a batch whose records are at path
 * ("results_put.records") as f says (record_check), or for want of memory
 * (rc TDKT_ENOMEM); returns rc. */
int request_refuse_record(struct fault *err, int rc, const char *path, size_t i,
                          const struct fault *f);
/* Set r->err from an area module's refusal f (prefix: the field path's
 * start, or NULL); returns rc. */
int request_fault(struct request *r, int rc, const char *prefix, const struct fault *f);
/*
 * Build the reply frame (4-byte header + Envelope) for a finished request:
 * the success body, or an Error from r->err when status < 0 (a COMMIT failure
 * becomes STORAGE). Caller frees *frame.
 */
int request_reply(struct request *r, int status, uint8_t **frame, size_t *len);
void request_free(struct request *r);

#endif
