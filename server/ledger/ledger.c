/* SPDX-License-Identifier: MIT */
/*
 * The ledger store: opening the file (durability settings, integrity check,
 * then the schema steps of ledger_schema.c), transactions, the append-only
 * entry table, the request-id table and meta. ledger.h documents the
 * hash formula and the transaction states; this file keeps them true.
 *
 * It owns every statement on the ledger, requests and meta tables;
 * the other tables belong to their modules (ledger_schema.h lists them),
 * which reach the connection through ledger_db() and ledger_stmt(). It never
 * starts or commits a transaction on the caller's behalf, except the schema
 * steps run inside ledger_open().
 *
 * The head (height, time, hash of the last entry) is cached only between
 * ledger_begin() and the end of the transaction: BEGIN IMMEDIATE holds the
 * write lock, so nobody else can append while the cache is in use. Every
 * savepoint saves a copy of the cache and a rollback to it restores the copy,
 * so the cache never names an entry that is not in the database.
 *
 * If SQLite rolls the whole transaction back on its own (I/O error, disk
 * full) or a savepoint cannot be released or rolled back, the handle is
 * marked broken: further writes are refused and ledger_commit() rolls back
 * and fails, so a transaction whose content we no longer know is never
 * committed and later statements never run in autocommit mode against a
 * stale head.
 */
#include "server/ledger/ledger.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "common/log.h"
#include "server/ledger/ledger_schema.h"
#include "server/ledger/sql.h"
#include "server/ledger/treelog.h"

#define LEDGER_CHECK_MSG_MAX 256           /* quick_check text quoted to the operator */
#define LEDGER_REPLY_MAX     (64u * 1024u) /* a stored reply is a small receipt */

enum ledger_stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_OP_SAVEPOINT,
    ST_OP_RELEASE,
    ST_OP_ROLLBACK_TO,
    ST_HEAD,
    ST_INSERT,
    ST_SCAN_AFTER,
    ST_REQ_GET,
    ST_REQ_PUT,
    ST_REQ_SET,
    ST_META_GET,
    ST_COUNT_
};

static const char *const ledger_sql[ST_COUNT_] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT req",
    [ST_RELEASE] = "RELEASE req",
    [ST_ROLLBACK_TO] = "ROLLBACK TO req",
    [ST_OP_SAVEPOINT] = "SAVEPOINT op",
    [ST_OP_RELEASE] = "RELEASE op",
    [ST_OP_ROLLBACK_TO] = "ROLLBACK TO op",
    [ST_HEAD] = "SELECT seq, time_ms, hash FROM ledger ORDER BY seq DESC LIMIT 1",
    [ST_INSERT] = "INSERT INTO ledger(seq, time_ms, unit, kind, payload, hash)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_SCAN_AFTER] = "SELECT seq, time_ms, unit, kind, payload, hash FROM ledger"
                      " WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [ST_REQ_GET] = "SELECT body_hash, reply FROM requests WHERE unit = ?1 AND request_id = ?2",
    [ST_REQ_PUT] = "INSERT INTO requests(unit, request_id, body_hash, seq, reply)"
                   " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_REQ_SET] = "UPDATE requests SET reply = ?3 WHERE unit = ?1 AND request_id = ?2",
    [ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
};

enum ledger_state { LEDGER_IDLE, LEDGER_IN_TXN, LEDGER_IN_SAVEPOINT };

struct ledger_head {
    uint64_t height;
    int64_t time_ms;
    uint8_t hash[LEDGER_HASH_LEN];
};

struct ledger {
    sqlite3 *db; /* owned */
    int readonly;
    enum ledger_state state;
    int in_op;                                 /* inside ledger_op_begin() */
    int broken;                                /* the open transaction must not be committed */
    int checkpoint_rc;                         /* SQLite code of the last failed checkpoint */
    EVP_PKEY *signer;                          /* borrowed; signs tree heads */
    struct ledger_head head, sp_head, op_head; /* valid while not IDLE */
    sqlite3_stmt *st[ST_COUNT_];               /* owned; prepared once at open */
    struct {
        const char *sql;
        sqlite3_stmt *st; /* owned */
    } cache[LEDGER_STMT_CACHE];
};

/*
 * Checkpoints: the WAL is copied into the database file by this hook, run by
 * SQLite after each COMMIT (it replaces SQLite's auto-checkpoint, which
 * throws the checkpoint's result away). A failed checkpoint loses nothing
 * (the frames stay in the WAL and a later checkpoint copies them again), but
 * the disk is failing: the failure is kept for ledger_checkpoint_error() so
 * that the daemon stops taking writes and says why.
 */
static int ledger_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    struct ledger *l = arg;
    int rc;

    if (frames < LEDGER_CHECKPOINT_FRAMES)
        return SQLITE_OK;
    rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && l->checkpoint_rc == SQLITE_OK) {
        l->checkpoint_rc = rc;
        log_error("ledger: checkpoint of %d WAL frames failed: %s (%s)", frames, sqlite3_errmsg(db),
                  sqlite3_errstr(rc));
    }
    return SQLITE_OK;
}

int ledger_checkpoint_error(const struct ledger *l)
{
    return l->checkpoint_rc == SQLITE_OK ? 0 : TDKT_EIO;
}

/* Log a failed statement with SQLite's own message, then map the code. */
static int ledger_fail(struct ledger *l, int rc, const char *what)
{
    log_error("ledger: %s failed: %s (%s)", what, sqlite3_errmsg(l->db), sqlite3_errstr(rc));
    return sql_map_rc(rc);
}

/* Run a cached statement that returns no rows. Returns a SQLite code. */
static int ledger_exec(struct ledger *l, enum ledger_stmt_id id)
{
    sqlite3_stmt *st = l->st[id];
    int rc = sqlite3_step(st);

    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    else
        log_error("ledger: \"%s\" failed: %s (%s)", ledger_sql[id], sqlite3_errmsg(l->db),
                  sqlite3_errstr(rc));
    sqlite3_reset(st);
    return rc;
}

/* 0 if a write may run now: a transaction is open and SQLite still has it. */
static int ledger_check_txn(struct ledger *l, const char *what)
{
    if (l->state == LEDGER_IDLE) {
        log_error("ledger: %s outside a transaction", what);
        return TDKT_EINVAL;
    }
    if (!l->broken && sqlite3_get_autocommit(l->db)) {
        log_error("ledger: SQLite rolled the transaction back after an error; %s refused", what);
        l->broken = 1;
    }
    return l->broken ? TDKT_EDB : 0;
}

/* Read the last entry into h (zeros for an empty ledger). */
static int ledger_read_head(struct ledger *l, struct ledger_head *h)
{
    sqlite3_stmt *st = l->st[ST_HEAD];
    int rc = sqlite3_step(st);
    int ret = 0;

    memset(h, 0, sizeof *h);
    if (rc == SQLITE_ROW) {
        const void *hash = sqlite3_column_blob(st, 2);
        if (sqlite3_column_int64(st, 0) < 1 || !hash ||
            sqlite3_column_bytes(st, 2) != LEDGER_HASH_LEN) {
            log_error("ledger: the last entry has an invalid sequence or hash");
            ret = TDKT_ECORRUPT;
        } else {
            h->height = (uint64_t)sqlite3_column_int64(st, 0);
            h->time_ms = sqlite3_column_int64(st, 1);
            memcpy(h->hash, hash, LEDGER_HASH_LEN);
        }
    } else if (rc != SQLITE_DONE) {
        ret = ledger_fail(l, rc, "reading the ledger head");
    }
    sqlite3_reset(st);
    return ret;
}

/* 0 if s is a non-NULL string of 1..max bytes. */
static int ledger_check_str(const char *s, size_t max, size_t *len)
{
    size_t n;

    if (!s)
        return TDKT_EINVAL;
    n = strnlen(s, max + 1);
    if (n == 0)
        return TDKT_EINVAL;
    if (n > max)
        return TDKT_ETOOBIG;
    if (len)
        *len = n;
    return 0;
}

/* --- open and the file's checks ------------------------------------------ */

/* Map a failure during open to a code and a sentence for the operator. */
static int open_fail(sqlite3 *db, int rc, const char *path, const char *what, char *err, size_t cap)
{
    int code = sql_map_rc(rc);

    if (code == TDKT_ECORRUPT)
        tdkt_errf(err, cap,
                  "%s is damaged or is not a tdkt ledger (%s: %s); restore it from a backup", path,
                  what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    else
        tdkt_errf(err, cap, "cannot open ledger %s: %s failed: %s", path, what,
                  db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return code;
}

/* Set and confirm the durability settings; a pragma that SQLite silently
 * ignored would leave acknowledged writes at risk. */
static int open_pragmas(sqlite3 *db, int readonly, const char *path, char *err, size_t cap)
{
    char mode[SQL_PRAGMA_TEXT_MAX];
    int64_t v = -1;
    int rc;

    rc = sql_pragma_text(db, readonly ? "PRAGMA journal_mode" : "PRAGMA journal_mode=WAL", mode,
                         sizeof mode);
    if (rc != SQLITE_OK)
        return open_fail(db, rc, path, "setting journal_mode=WAL", err, cap);
    if (strcmp(mode, "wal") != 0) {
        tdkt_errf(err, cap, "cannot open ledger %s: journal_mode is '%s', not 'wal'%s", path, mode,
                  readonly ? "; open it read-write once to convert it" : "");
        return TDKT_EDB;
    }
    rc = sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sql_pragma_int(db, "PRAGMA synchronous", &v);
    if (rc != SQLITE_OK)
        return open_fail(db, rc, path, "setting synchronous=FULL", err, cap);
    if (v != 2) {
        tdkt_errf(err, cap, "cannot open ledger %s: synchronous is %" PRId64 ", not FULL (2)", path,
                  v);
        return TDKT_EDB;
    }
    rc = sqlite3_exec(db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sql_pragma_int(db, "PRAGMA foreign_keys", &v);
    if (rc != SQLITE_OK)
        return open_fail(db, rc, path, "enabling foreign_keys", err, cap);
    if (v != 1) {
        tdkt_errf(err, cap, "cannot open ledger %s: foreign key enforcement is unavailable", path);
        return TDKT_EDB;
    }
    return 0;
}

static int open_quick_check(sqlite3 *db, const char *path, char *err, size_t cap)
{
    char first[LEDGER_CHECK_MSG_MAX];
    sqlite3_stmt *st = NULL;
    int rc, ret = 0;

    rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return open_fail(db, rc, path, "PRAGMA quick_check", err, cap);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(first, sizeof first, "%s", t ? (const char *)t : "(no message)");
        /* SQLite joins its findings with newlines; keep the sentence on one
         * line for logs. */
        for (char *p = first; *p; p++)
            if (*p == '\n')
                *p = ' ';
        if (strcmp(first, "ok") != 0) {
            tdkt_errf(err, cap,
                      "ledger %s failed its integrity check (%s); stop writing to it and "
                      "restore it from a backup",
                      path, first);
            ret = TDKT_ECORRUPT;
        }
    } else {
        ret = open_fail(db, rc, path, "PRAGMA quick_check", err, cap);
    }
    sqlite3_finalize(st);
    return ret;
}

/* Refuse a file of a schema this build cannot use, and bring an older one
 * to LEDGER_SCHEMA_VERSION through its modules' steps (ledger_schema.h). */
static int open_schema(sqlite3 *db, int readonly, int create, const char *path, char *err,
                       size_t cap)
{
    int64_t version = -1;
    int rc = sql_pragma_int(db, "PRAGMA user_version", &version);

    if (rc != SQLITE_OK)
        return open_fail(db, rc, path, "reading user_version", err, cap);
    if (version > LEDGER_SCHEMA_VERSION) {
        tdkt_errf(err, cap,
                  "ledger %s has schema version %" PRId64
                  ", newer than this build's %d; run a newer tdktd",
                  path, version, LEDGER_SCHEMA_VERSION);
        return TDKT_EVERSION;
    }
    if (version == 0 && !create) {
        tdkt_errf(err, cap,
                  "%s holds no tdkt ledger; create one with 'tdktd init' or check the path", path);
        return TDKT_ENOTFOUND;
    }
    if (version == LEDGER_SCHEMA_VERSION)
        return 0;
    if (readonly) {
        tdkt_errf(err, cap,
                  "ledger %s has schema version %" PRId64
                  " and needs migrating to %d; open it read-write once",
                  path, version, LEDGER_SCHEMA_VERSION);
        return TDKT_EVERSION;
    }
    return ledger_schema_migrate(db, version, path, err, cap);
}

int ledger_open(const char *path, int flags, struct ledger **out, char *err, size_t err_cap)
{
    struct ledger *l = NULL;
    int readonly = (flags & LEDGER_OPEN_READONLY) != 0;
    int create = (flags & LEDGER_OPEN_CREATE) != 0;
    struct stat sb;
    int rc, ret;

    tdkt_errf(err, err_cap, "%s", "");
    if (!path || !out || (readonly && create)) {
        tdkt_errf(err, err_cap, "ledger_open: invalid arguments");
        return TDKT_EINVAL;
    }
    *out = NULL;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT && !create) {
            tdkt_errf(err, err_cap, "ledger %s does not exist; create it with 'tdktd init'", path);
            return TDKT_ENOTFOUND;
        }
        if (errno != ENOENT) {
            tdkt_errf(err, err_cap, "cannot open ledger %s: %s", path, strerror(errno));
            return TDKT_EIO;
        }
    }

    l = calloc(1, sizeof *l);
    if (!l) {
        tdkt_errf(err, err_cap, "out of memory opening ledger %s", path);
        return TDKT_ENOMEM;
    }
    l->readonly = readonly;
    /* One thread uses a handle at a time (ledger.h), so SQLite's own
     * per-connection mutex only costs time: NOMUTEX. */
    rc = sqlite3_open_v2(path, &l->db,
                         SQLITE_OPEN_NOMUTEX |
                             (readonly ? SQLITE_OPEN_READONLY
                                       : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)),
                         NULL);
    if (rc != SQLITE_OK) {
        if ((rc & 0xff) == SQLITE_CANTOPEN) {
            tdkt_errf(err, err_cap, "cannot open ledger %s: %s", path,
                      l->db ? sqlite3_errmsg(l->db) : sqlite3_errstr(rc));
            ret = TDKT_EIO;
        } else {
            ret = open_fail(l->db, rc, path, "opening", err, err_cap);
        }
        goto out;
    }
    sqlite3_extended_result_codes(l->db, 1);
    /* Defensive mode forbids writable_schema and other ways to corrupt the
     * file through SQL, so only the rules in this module can change it. */
    sqlite3_db_config(l->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_busy_timeout(l->db, LEDGER_BUSY_TIMEOUT_MS);
    if (!readonly)
        sqlite3_wal_hook(l->db, ledger_wal_hook, l);

    ret = open_pragmas(l->db, readonly, path, err, err_cap);
    if (ret < 0)
        goto out;
    ret = open_quick_check(l->db, path, err, err_cap);
    if (ret < 0)
        goto out;
    ret = open_schema(l->db, readonly, create, path, err, err_cap);
    if (ret < 0)
        goto out;
    for (int i = 0; i < ST_COUNT_; i++) {
        rc = sqlite3_prepare_v3(l->db, ledger_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &l->st[i],
                                NULL);
        if (rc != SQLITE_OK) {
            ret = open_fail(l->db, rc, path, "preparing statements", err, err_cap);
            goto out;
        }
    }
    *out = l;
    return 0;

out:
    ledger_close(l);
    return ret;
}

void ledger_close(struct ledger *l)
{
    if (!l)
        return;
    if (l->state != LEDGER_IDLE && l->db && !sqlite3_get_autocommit(l->db)) {
        log_warn("ledger: closed inside a transaction; rolling it back");
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    }
    for (int i = 0; i < ST_COUNT_; i++)
        sqlite3_finalize(l->st[i]);
    for (int i = 0; i < LEDGER_STMT_CACHE; i++)
        sqlite3_finalize(l->cache[i].st);
    if (l->db) {
        int rc = sqlite3_close(l->db);
        if (rc != SQLITE_OK) {
            log_error("ledger: close failed: %s", sqlite3_errstr(rc));
            sqlite3_close_v2(l->db);
        }
    }
    free(l);
}

sqlite3 *ledger_db(struct ledger *l)
{
    return l->db;
}

sqlite3_stmt *ledger_stmt(struct ledger *l, const char *sql)
{
    int i;
    for (i = 0; i < LEDGER_STMT_CACHE && l->cache[i].sql; i++)
        if (l->cache[i].sql == sql)
            return l->cache[i].st;
    if (i == LEDGER_STMT_CACHE) {
        log_error("ledger: more than %d cached statements", LEDGER_STMT_CACHE);
        return NULL;
    }
    if (sqlite3_prepare_v3(l->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &l->cache[i].st, NULL) !=
        SQLITE_OK) {
        log_error("ledger: preparing \"%s\" failed: %s", sql, sqlite3_errmsg(l->db));
        sqlite3_finalize(l->cache[i].st);
        l->cache[i].st = NULL;
        return NULL;
    }
    l->cache[i].sql = sql;
    return l->cache[i].st;
}

/* --- transactions --------------------------------------------------------- */

int ledger_begin(struct ledger *l)
{
    int rc, ret;

    if (l->readonly || l->state != LEDGER_IDLE) {
        log_error("ledger: begin %s",
                  l->readonly ? "on a read-only handle" : "inside a transaction");
        return TDKT_EINVAL;
    }
    if (!sqlite3_get_autocommit(l->db)) {
        /* A transaction a failed ROLLBACK left behind is never ours to keep. */
        log_warn("ledger: rolling back a stale transaction before BEGIN");
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    }
    rc = ledger_exec(l, ST_BEGIN);
    if (rc != SQLITE_OK)
        return sql_map_rc(rc);
    l->state = LEDGER_IN_TXN;
    l->in_op = 0;
    l->broken = 0;
    /* Read under the write lock: another process may have appended since. */
    ret = ledger_read_head(l, &l->head);
    if (ret < 0) {
        ledger_rollback(l);
        return ret;
    }
    return 0;
}

int ledger_commit(struct ledger *l)
{
    int rc;

    if (l->state == LEDGER_IDLE) {
        log_error("ledger: commit outside a transaction");
        return TDKT_EINVAL;
    }
    if (l->state != LEDGER_IN_TXN || l->in_op) {
        log_error("ledger: commit with a savepoint still open; rolling back");
        ledger_rollback(l);
        return TDKT_EINVAL;
    }
    if (l->broken || sqlite3_get_autocommit(l->db)) {
        log_error("ledger: transaction was lost or left in an unknown state; not committing");
        ledger_rollback(l);
        return TDKT_EDB;
    }
    rc = ledger_exec(l, ST_COMMIT);
    if (rc != SQLITE_OK) {
        /* COMMIT can fail and leave the transaction open (deferred foreign
         * key violation, SQLITE_BUSY); nothing of it may stay pending. */
        ledger_rollback(l);
        return TDKT_EDB;
    }
    l->state = LEDGER_IDLE;
    return 0;
}

int ledger_rollback(struct ledger *l)
{
    int rc = SQLITE_OK;

    if (l->state == LEDGER_IDLE) {
        log_error("ledger: rollback outside a transaction");
        return TDKT_EINVAL;
    }
    if (!sqlite3_get_autocommit(l->db))
        rc = ledger_exec(l, ST_ROLLBACK);
    l->state = LEDGER_IDLE;
    l->in_op = 0;
    l->broken = 0;
    return rc == SQLITE_OK ? 0 : TDKT_EDB;
}

int ledger_savepoint(struct ledger *l)
{
    int ret = ledger_check_txn(l, "savepoint");

    if (ret < 0)
        return ret;
    if (l->state != LEDGER_IN_TXN || l->in_op) {
        log_error("ledger: savepoints nest one level only");
        return TDKT_EINVAL;
    }
    if (ledger_exec(l, ST_SAVEPOINT) != SQLITE_OK) {
        l->broken = 1;
        return TDKT_EDB;
    }
    l->sp_head = l->head;
    l->state = LEDGER_IN_SAVEPOINT;
    return 0;
}

int ledger_release(struct ledger *l)
{
    if (l->state != LEDGER_IN_SAVEPOINT || l->in_op) {
        log_error("ledger: release without an open savepoint");
        return TDKT_EINVAL;
    }
    l->state = LEDGER_IN_TXN;
    if (l->broken || ledger_exec(l, ST_RELEASE) != SQLITE_OK) {
        l->broken = 1;
        return TDKT_EDB;
    }
    return 0;
}

int ledger_rollback_to(struct ledger *l)
{
    if (l->state != LEDGER_IN_SAVEPOINT) {
        log_error("ledger: rollback_to without an open savepoint");
        return TDKT_EINVAL;
    }
    /* Rolling back the request savepoint also drops an op savepoint inside
     * it, and ROLLBACK TO keeps the savepoint open, hence the RELEASE. */
    l->state = LEDGER_IN_TXN;
    l->in_op = 0;
    l->head = l->sp_head;
    if (l->broken || sqlite3_get_autocommit(l->db) || ledger_exec(l, ST_ROLLBACK_TO) != SQLITE_OK ||
        ledger_exec(l, ST_RELEASE) != SQLITE_OK) {
        l->broken = 1;
        return TDKT_EDB;
    }
    return 0;
}

int ledger_op_begin(struct ledger *l)
{
    int ret = ledger_check_txn(l, "operation");

    if (ret < 0)
        return ret;
    if (l->in_op) {
        log_error("ledger: operations do not nest");
        return TDKT_EINVAL;
    }
    if (ledger_exec(l, ST_OP_SAVEPOINT) != SQLITE_OK) {
        l->broken = 1;
        return TDKT_EDB;
    }
    l->op_head = l->head;
    l->in_op = 1;
    return 0;
}

int ledger_op_end(struct ledger *l, int rc)
{
    if (!l->in_op) {
        log_error("ledger: op_end without op_begin");
        return rc < 0 ? rc : TDKT_EINVAL;
    }
    l->in_op = 0;
    if (rc >= 0) {
        if (l->broken || ledger_exec(l, ST_OP_RELEASE) != SQLITE_OK) {
            l->broken = 1;
            return TDKT_EDB;
        }
        return rc;
    }
    l->head = l->op_head;
    if (l->broken || sqlite3_get_autocommit(l->db) ||
        ledger_exec(l, ST_OP_ROLLBACK_TO) != SQLITE_OK ||
        ledger_exec(l, ST_OP_RELEASE) != SQLITE_OK)
        l->broken = 1;
    return rc;
}

/* --- entries -------------------------------------------------------------- */

int ledger_append_msg(struct ledger *l, int64_t time_ms, const char *unit, const char *kind,
                      const ProtobufCMessage *m, uint64_t *seq_out)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n ? n : 1);
    int rc;

    if (!buf)
        return TDKT_ENOMEM;
    protobuf_c_message_pack(m, buf);
    rc = ledger_append(l, time_ms, unit, kind, buf, n, seq_out, NULL);
    free(buf);
    return rc;
}

int ledger_append(struct ledger *l, int64_t time_ms, const char *unit, const char *kind,
                  const uint8_t *payload, size_t payload_len, uint64_t *seq_out,
                  uint8_t hash_out[LEDGER_HASH_LEN])
{
    sqlite3_stmt *st = l->st[ST_INSERT];
    struct ledger_head next;
    size_t unit_len = 0, kind_len = 0;
    int rc, ret;

    ret = ledger_check_txn(l, "append");
    if (ret < 0)
        return ret;
    ret = ledger_check_str(unit, LEDGER_UNIT_MAX, &unit_len);
    if (ret == 0)
        ret = ledger_check_str(kind, LEDGER_KIND_MAX, &kind_len);
    if (ret < 0)
        return ret;
    if (payload_len > LEDGER_PAYLOAD_MAX)
        return TDKT_ETOOBIG;
    if (!payload && payload_len)
        return TDKT_EINVAL;

    next.height = l->head.height + 1;
    next.time_ms = (l->head.height && time_ms < l->head.time_ms) ? l->head.time_ms : time_ms;
    ret = ledger_leaf_hash(next.height, next.time_ms, unit, kind, payload, payload_len, next.hash);
    if (ret < 0)
        return ret;

    sqlite3_bind_int64(st, 1, (sqlite3_int64)next.height);
    sqlite3_bind_int64(st, 2, next.time_ms);
    sqlite3_bind_text(st, 3, unit, (int)unit_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, kind, (int)kind_len, SQLITE_STATIC);
    /* A NULL pointer would bind SQL NULL; an empty payload is an empty blob. */
    sqlite3_bind_blob(st, 5, payload_len ? (const void *)payload : (const void *)"",
                      (int)payload_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, next.hash, LEDGER_HASH_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        ret = ledger_fail(l, rc, "appending an entry");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (ret == 0)
        ret = treelog_append(l, next.height - 1, next.hash);
    if (ret < 0)
        return ret;

    l->head = next;
    if (seq_out)
        *seq_out = next.height;
    if (hash_out)
        memcpy(hash_out, next.hash, LEDGER_HASH_LEN);
    return 0;
}

int ledger_head(struct ledger *l, uint64_t *height, uint8_t hash[LEDGER_HASH_LEN])
{
    struct ledger_head h;
    int ret = 0;

    if (l->state != LEDGER_IDLE)
        h = l->head;
    else
        ret = ledger_read_head(l, &h);
    if (ret < 0)
        return ret;
    if (height)
        *height = h.height;
    if (hash)
        memcpy(hash, h.hash, LEDGER_HASH_LEN);
    return 0;
}

int ledger_verify_log(struct ledger *l, uint64_t *bad_seq)
{
    struct treelog_verify v;
    int rc = treelog_verify(l, NULL, &v);
    if (bad_seq)
        *bad_seq = v.bad_seq;
    return rc;
}

void ledger_set_signer(struct ledger *l, EVP_PKEY *key)
{
    l->signer = key;
}

EVP_PKEY *ledger_signer(struct ledger *l)
{
    return l->signer;
}

int64_t ledger_head_time(struct ledger *l)
{
    struct ledger_head h;
    if (l->state != LEDGER_IDLE)
        return l->head.time_ms;
    return ledger_read_head(l, &h) == 0 ? h.time_ms : 0;
}

int ledger_entries_after(struct ledger *l, uint64_t after, uint32_t max,
                         int (*cb)(void *arg, const struct ledger_entry *e), void *arg)
{
    sqlite3_stmt *st = l->st[ST_SCAN_AFTER];
    struct ledger_entry e;
    int rc, ret = 0;

    if (!cb || after > (uint64_t)INT64_MAX)
        return TDKT_EINVAL;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *hash = sqlite3_column_blob(st, 5);
        memset(&e, 0, sizeof e);
        e.seq = (uint64_t)sqlite3_column_int64(st, 0);
        e.time_ms = sqlite3_column_int64(st, 1);
        e.unit = (const char *)sqlite3_column_text(st, 2);
        e.kind = (const char *)sqlite3_column_text(st, 3);
        e.payload = sqlite3_column_blob(st, 4);
        e.payload_len = (size_t)sqlite3_column_bytes(st, 4);
        if (!e.unit || !e.kind || !hash || sqlite3_column_bytes(st, 5) != LEDGER_HASH_LEN) {
            ret = TDKT_ECORRUPT;
            break;
        }
        memcpy(e.hash, hash, LEDGER_HASH_LEN);
        ret = cb(arg, &e);
        if (ret != 0)
            break;
    }
    if (ret == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = ledger_fail(l, rc, "reading ledger entries");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret < 0 ? ret : 0;
}

/* --- idempotency ---------------------------------------------------------- */

int ledger_request_lookup(struct ledger *l, const char *unit,
                          const uint8_t id[LEDGER_REQUEST_ID_LEN],
                          const uint8_t body_hash[LEDGER_HASH_LEN], uint8_t **reply,
                          size_t *reply_len)
{
    sqlite3_stmt *st = l->st[ST_REQ_GET];
    size_t unit_len = 0;
    int rc, ret;

    ret = ledger_check_str(unit, LEDGER_UNIT_MAX, &unit_len);
    if (ret < 0)
        return ret;
    if (!id || !body_hash || !reply || !reply_len)
        return TDKT_EINVAL;
    *reply = NULL;
    *reply_len = 0;
    sqlite3_bind_text(st, 1, unit, (int)unit_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, id, LEDGER_REQUEST_ID_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const void *stored = sqlite3_column_blob(st, 0);
        const void *data = sqlite3_column_blob(st, 1);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);

        if (!stored || sqlite3_column_bytes(st, 0) != LEDGER_HASH_LEN ||
            memcmp(stored, body_hash, LEDGER_HASH_LEN) != 0) {
            ret = TDKT_EREUSED;
        } else {
            /* Never NULL on success, even for an empty reply. */
            *reply = malloc(n ? n : 1);
            if (!*reply) {
                ret = TDKT_ENOMEM;
            } else {
                if (n)
                    memcpy(*reply, data, n);
                *reply_len = n;
            }
        }
    } else if (rc == SQLITE_DONE) {
        ret = TDKT_ENOTFOUND;
    } else {
        ret = ledger_fail(l, rc, "looking up a request id");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

int ledger_request_store(struct ledger *l, const char *unit,
                         const uint8_t id[LEDGER_REQUEST_ID_LEN],
                         const uint8_t body_hash[LEDGER_HASH_LEN], uint64_t seq,
                         const uint8_t *reply, size_t reply_len)
{
    sqlite3_stmt *st = l->st[ST_REQ_PUT];
    size_t unit_len = 0;
    int rc, ret;

    ret = ledger_check_txn(l, "request_store");
    if (ret < 0)
        return ret;
    ret = ledger_check_str(unit, LEDGER_UNIT_MAX, &unit_len);
    if (ret < 0)
        return ret;
    if (!id || !body_hash || (!reply && reply_len))
        return TDKT_EINVAL;
    if (reply_len > LEDGER_REPLY_MAX)
        return TDKT_ETOOBIG;
    sqlite3_bind_text(st, 1, unit, (int)unit_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, id, LEDGER_REQUEST_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, body_hash, LEDGER_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)seq);
    sqlite3_bind_blob(st, 5, reply_len ? (const void *)reply : (const void *)"", (int)reply_len,
                      SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        ret = TDKT_EEXIST;
    else if (rc != SQLITE_DONE)
        ret = ledger_fail(l, rc, "storing a request id");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

int ledger_request_set_reply(struct ledger *l, const char *unit,
                             const uint8_t id[LEDGER_REQUEST_ID_LEN], const uint8_t *reply,
                             size_t reply_len)
{
    sqlite3_stmt *st = l->st[ST_REQ_SET];
    size_t unit_len = 0;
    int rc, ret;

    ret = ledger_check_txn(l, "request_set_reply");
    if (ret < 0)
        return ret;
    ret = ledger_check_str(unit, LEDGER_UNIT_MAX, &unit_len);
    if (ret < 0)
        return ret;
    if (!id || !reply || !reply_len)
        return TDKT_EINVAL;
    if (reply_len > LEDGER_REPLY_MAX)
        return TDKT_ETOOBIG;
    sqlite3_bind_text(st, 1, unit, (int)unit_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, id, LEDGER_REQUEST_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, reply, (int)reply_len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        ret = ledger_fail(l, rc, "replacing a request's reply");
    else if (sqlite3_changes(l->db) != 1)
        ret = TDKT_ENOTFOUND;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

/* --- meta ---------------------------------------------------------------- */

int ledger_meta_get(struct ledger *l, const char *key, char *out, size_t cap)
{
    sqlite3_stmt *st = l->st[ST_META_GET];
    int rc, ret = 0;

    if (!key || !out || cap == 0)
        return TDKT_EINVAL;
    out[0] = '\0';
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);

        if (n >= cap) {
            ret = TDKT_ETOOBIG;
        } else {
            if (n)
                memcpy(out, v, n);
            out[n] = '\0';
        }
    } else if (rc == SQLITE_DONE) {
        ret = TDKT_ENOTFOUND;
    } else {
        ret = ledger_fail(l, rc, "reading meta");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}
