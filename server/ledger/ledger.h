/* SPDX-License-Identifier: MIT */
/*
 * The ledger store: one SQLite database in WAL mode with synchronous=FULL.
 * This module opens the file and brings its schema to LEDGER_SCHEMA_VERSION
 * (keyed on PRAGMA user_version; each module owns its steps, see
 * ledger_schema.h), and owns the append-only entry table and its hashes, and
 * the table of request ids that makes every mutating request idempotent. It does no networking and
 * starts no threads; the caller decides which thread uses a handle (the
 * daemon: only the database thread; tdktd admin subcommands: main).
 *
 * Merkle log (RFC 6962, see treelog.h): entry n is leaf n-1 and its stored
 * hash is SHA-256(0x00 || canon(entry n)), where canon(entry) = u64be(seq) ||
 * i64be(time_ms) || u32be(len(unit)) || unit || u32be(len(kind)) || kind ||
 * u32be(len(payload)) || payload. Triggers refuse UPDATE and DELETE on the
 * entry, node and head tables. (Schema v2 files chained the same canon as
 * hash(n) = SHA-256(hash(n-1) || canon); migration checks that chain once,
 * then rewrites the hashes as leaves.)
 *
 * Transactions. Writes happen between ledger_begin() (BEGIN IMMEDIATE, then
 * the head is read under the write lock, so another process appending in
 * between is chained correctly) and ledger_commit(). Inside, each request runs
 * in a savepoint; ledger_rollback_to() also restores the cached head.
 *
 *   IDLE --ledger_begin()--> IN_TXN --ledger_savepoint()--> IN_SAVEPOINT
 *   IN_SAVEPOINT --ledger_release() / ledger_rollback_to()--> IN_TXN
 *   IN_TXN --ledger_commit()--> IDLE   (0 only after COMMIT returned SQLITE_OK)
 *   IN_TXN --ledger_rollback()--> IDLE
 *   IN_TXN or IN_SAVEPOINT: ledger_op_begin() ... ledger_op_end() nests one
 *   all-or-nothing operation (an entry and its derived rows) inside either.
 *
 * If SQLite abandons the transaction (I/O error, disk full) or a savepoint
 * cannot be released or rolled back, later writes fail with TDKT_EDB and
 * ledger_commit() rolls back and returns TDKT_EDB: a transaction whose
 * content is uncertain is never committed.
 */
#ifndef TDKT_SERVER_LEDGER_LEDGER_H
#define TDKT_SERVER_LEDGER_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#define LEDGER_HASH_LEN        32
#define LEDGER_REQUEST_ID_LEN  16
#define LEDGER_SCHEMA_VERSION  8    /* a new version appends steps in ledger_schema.c */
#define LEDGER_BUSY_TIMEOUT_MS 5000 /* wait for another process's write lock */
#define LEDGER_UNIT_MAX        64   /* bytes in a unit code */
#define LEDGER_KIND_MAX        64   /* bytes in an entry kind */
#define LEDGER_PAYLOAD_MAX     (1024u * 1024u)
#define LEDGER_STMT_CACHE      256 /* statements ledger_stmt() keeps per handle */

struct ledger;
typedef struct sqlite3 sqlite3;

enum ledger_open_flags {
    LEDGER_OPEN_CREATE = 1,   /* create the file if missing (tdktd init) */
    LEDGER_OPEN_READONLY = 2, /* no migrations; for verify/status */
};

/*
 * Open path, set WAL + synchronous=FULL + foreign_keys + busy timeout, run
 * PRAGMA quick_check, migrate to LEDGER_SCHEMA_VERSION. TDKT_ENOTFOUND if the
 * file is missing (or holds no ledger schema) without LEDGER_OPEN_CREATE;
 * TDKT_ECORRUPT if quick_check fails or the file is not a database;
 * TDKT_EVERSION if the file's schema is newer than this build's, or, with
 * LEDGER_OPEN_READONLY, older (a read-only handle cannot migrate).
 * err (err_cap bytes) gets a sentence for the operator. Caller frees with
 * ledger_close().
 */
int ledger_open(const char *path, int flags, struct ledger **out, char *err, size_t err_cap);
void ledger_close(struct ledger *l);
sqlite3 *ledger_db(struct ledger *l); /* borrowed; for modules owning tables */
/* A prepared statement for the SQL string literal sql, prepared on first use
 * and kept until ledger_close (at most LEDGER_STMT_CACHE distinct ones; past
 * that, NULL). Borrowed: reset it, never finalize it. NULL on failure
 * (logged). */
typedef struct sqlite3_stmt sqlite3_stmt;
sqlite3_stmt *ledger_stmt(struct ledger *l, const char *sql);

int ledger_begin(struct ledger *l);
int ledger_commit(struct ledger *l);
int ledger_rollback(struct ledger *l);
int ledger_savepoint(struct ledger *l);
int ledger_release(struct ledger *l);
int ledger_rollback_to(struct ledger *l);

/*
 * The WAL is checkpointed into the database file after a COMMIT once it holds
 * LEDGER_CHECKPOINT_FRAMES frames. ledger_checkpoint_error: 0, or TDKT_EIO
 * once a checkpoint has failed (sticky; logged when it happened). A failed
 * checkpoint loses nothing acknowledged; it says the disk is failing.
 */
#define LEDGER_CHECKPOINT_FRAMES 1000
int ledger_checkpoint_error(const struct ledger *l);

/* Append one entry inside a transaction (TDKT_EINVAL outside one). time_ms is
 * clamped to be no earlier than the previous entry's. unit and kind are
 * 1..LEDGER_UNIT_MAX / LEDGER_KIND_MAX bytes, payload at most
 * LEDGER_PAYLOAD_MAX (TDKT_EINVAL when empty, TDKT_ETOOBIG when longer).
 * Out-params may be NULL. */
struct ProtobufCMessage;
/* ledger_append of the packed message m: what every area module appends. */
int ledger_append_msg(struct ledger *l, int64_t time_ms, const char *unit, const char *kind,
                      const struct ProtobufCMessage *m, uint64_t *seq_out);
int ledger_append(struct ledger *l, int64_t time_ms, const char *unit, const char *kind,
                  const uint8_t *payload, size_t payload_len, uint64_t *seq_out,
                  uint8_t hash_out[LEDGER_HASH_LEN]);

/* Height (number of entries) and head hash (zeros when empty). Works inside
 * or outside a transaction. */
int ledger_head(struct ledger *l, uint64_t *height, uint8_t hash[LEDGER_HASH_LEN]);

/* Time of the head entry (0 when empty): what ledger_append stored for the
 * last entry, after clamping. */
int64_t ledger_head_time(struct ledger *l);

/* One entry as read back; pointers valid only during the callback. */
struct ledger_entry {
    uint64_t seq;
    int64_t time_ms;
    const char *unit;
    const char *kind;
    const uint8_t *payload;
    size_t payload_len;
    uint8_t hash[LEDGER_HASH_LEN];
};

/* Call cb for at most max entries with seq > after, in order. cb returning
 * non-zero stops the walk; a negative value is returned, a positive one
 * means "stop, fine" and 0 is returned. */
int ledger_entries_after(struct ledger *l, uint64_t after, uint32_t max,
                         int (*cb)(void *arg, const struct ledger_entry *e), void *arg);

/* Recompute every leaf, node and signed head (treelog_verify with the
 * pinned key). 0 if intact; TDKT_ECORRUPT with *bad_seq = first entry whose
 * stored hash or sequence is wrong (0 when the fault is in a node or head). */
int ledger_verify_log(struct ledger *l, uint64_t *bad_seq);

/* The leaf hash of an entry (see above; ledger_hash.c). */
int ledger_leaf_hash(uint64_t seq, int64_t time_ms, const char *unit, const char *kind,
                     const uint8_t *payload, size_t payload_len, uint8_t out[LEDGER_HASH_LEN]);
/* The hash of an entry in a schema v2 file's chain, SHA-256(prev ||
 * canon(entry)): only the migration to the Merkle log checks it. */
int ledger_chain_hash(const uint8_t prev[LEDGER_HASH_LEN], uint64_t seq, int64_t time_ms,
                      const char *unit, const char *kind, const uint8_t *payload,
                      size_t payload_len, uint8_t out[LEDGER_HASH_LEN]);

/* The key that signs tree heads (borrowed; the caller keeps it alive until
 * ledger_close). NULL until set: writes still work, heads cannot be signed. */
typedef struct evp_pkey_st EVP_PKEY;
void ledger_set_signer(struct ledger *l, EVP_PKEY *key);
EVP_PKEY *ledger_signer(struct ledger *l);

/*
 * Idempotency. Look up (unit, request_id): TDKT_ENOTFOUND if new; 0 with
 * *reply (malloc'd, caller frees) if the same request was seen before, its
 * body_hash equal; TDKT_EREUSED if the id was used with a different body.
 * ledger_request_store records the reply inside the current savepoint;
 * ledger_request_set_reply replaces the reply of a stored id (the receipt
 * completed with the batch's signed head, before COMMIT); TDKT_ENOTFOUND if
 * the id is not stored.
 */
int ledger_request_lookup(struct ledger *l, const char *unit,
                          const uint8_t id[LEDGER_REQUEST_ID_LEN],
                          const uint8_t body_hash[LEDGER_HASH_LEN], uint8_t **reply,
                          size_t *reply_len);
int ledger_request_store(struct ledger *l, const char *unit,
                         const uint8_t id[LEDGER_REQUEST_ID_LEN],
                         const uint8_t body_hash[LEDGER_HASH_LEN], uint64_t seq,
                         const uint8_t *reply, size_t reply_len);
int ledger_request_set_reply(struct ledger *l, const char *unit,
                             const uint8_t id[LEDGER_REQUEST_ID_LEN], const uint8_t *reply,
                             size_t reply_len);

/*
 * Notes (notes.c): the current-state table of NotePut entries.
 * ledger_note_put appends one "note.put" entry (payload: the packed NotePut,
 * as the caller built it) for unit and upserts notes(unit, key) to text,
 * atomically: on failure neither is written. Inside a transaction only.
 * seq/hash may be NULL.
 * ledger_note_get: TDKT_ENOTFOUND if unit has no note under key; otherwise
 * *text is malloc'd (caller frees) and *seq (may be NULL) is the entry that
 * last set it.
 */
int ledger_note_put(struct ledger *l, int64_t time_ms, const char *unit, const uint8_t *payload,
                    size_t len, const char *key, const char *text, uint64_t *seq,
                    uint8_t hash[LEDGER_HASH_LEN]);
int ledger_note_get(struct ledger *l, const char *unit, const char *key, char **text,
                    uint64_t *seq);

/* Copy meta value of key ("ledger_id", "created") into out. TDKT_ENOTFOUND
 * if absent, TDKT_ETOOBIG if it does not fit in cap bytes with its NUL. */
int ledger_meta_get(struct ledger *l, const char *key, char *out, size_t cap);

/*
 * A multi-statement change (an entry plus its derived rows) that must be
 * all-or-nothing even if the caller's savepoint is not rolled back: a nested
 * SQLite savepoint that also saves the cached head. Inside a transaction
 * only; does not nest with itself. ledger_op_end(l, rc) releases when rc >= 0
 * and rolls back otherwise, and returns rc (or TDKT_EDB if releasing failed).
 */
int ledger_op_begin(struct ledger *l);
int ledger_op_end(struct ledger *l, int rc);

/* SHA-256 of data, for body hashes. */
void ledger_sha256(const uint8_t *data, size_t len, uint8_t out[LEDGER_HASH_LEN]);

#endif
