/* SPDX-License-Identifier: MIT */
/*
 * The ledger store: schema and migrations, the hash-chained entry table, the
 * request-id table, notes and meta. ledger.h documents the chain formula and
 * the transaction states; this file keeps them true.
 *
 * It owns every statement on the ledger, requests, notes and meta tables;
 * units and certs belong to registry.c, which reaches the connection through
 * ledger_db(). It never starts or commits a transaction on the caller's
 * behalf, except the migrations run inside ledger_open().
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
#include "server/ledger/sql.h"
#include "server/ledger/treelog.h"

#define LEDGER_CHECK_MSG_MAX 256           /* quick_check text quoted to the operator */
#define LEDGER_REPLY_MAX     (64u * 1024u) /* a stored reply is a small receipt */

/* Schema migrations: ledger_migrations[v] takes a file from user_version v
 * to v + 1. Only ever append to this table; a released step never changes,
 * since files in the field have already run it. */
static const char *const ledger_migrations[] = {
    /* v0 -> v1: the initial schema. */
    "CREATE TABLE ledger("
    " seq INTEGER PRIMARY KEY,"
    " time_ms INTEGER NOT NULL,"
    " unit TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " payload BLOB NOT NULL,"
    " hash BLOB NOT NULL CHECK(length(hash) = 32));"
    "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger"
    " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"
    "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger"
    " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"
    "CREATE TABLE requests("
    " unit TEXT, request_id BLOB, body_hash BLOB, seq INTEGER, reply BLOB,"
    " PRIMARY KEY(unit, request_id)) WITHOUT ROWID;"
    "CREATE TABLE units("
    " code TEXT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " role INTEGER NOT NULL,"
    " parent TEXT,"
    " revoked INTEGER NOT NULL DEFAULT 0,"
    " seq INTEGER NOT NULL);"
    "CREATE TABLE certs("
    " serial TEXT PRIMARY KEY,"
    " unit TEXT NOT NULL REFERENCES units(code),"
    " not_after TEXT,"
    " revoked INTEGER NOT NULL DEFAULT 0,"
    " issued_seq INTEGER,"
    " revoked_seq INTEGER);"
    "CREATE TABLE notes("
    " unit TEXT NOT NULL, key TEXT NOT NULL, text TEXT NOT NULL, seq INTEGER NOT NULL,"
    " PRIMARY KEY(unit, key));"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    /* randomblob() reads the OS entropy source through the VFS. */
    "INSERT INTO meta(key, value) VALUES"
    " ('ledger_id', lower(hex(randomblob(16)))),"
    " ('created', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));",
    /* v1 -> v2: the yearly registry and results (docs/registry.md,
     * docs/results.md). Current-state tables only: every row is derived
     * from ledger entries; seq names the entry that last set it. */
    "ALTER TABLE units ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX units_parent ON units(parent);"
    "CREATE TABLE persons("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, unit TEXT NOT NULL REFERENCES units(code),"
    " seq INTEGER NOT NULL);"
    "CREATE INDEX persons_unit ON persons(unit, name);"
    "CREATE TABLE periods("
    " year INTEGER PRIMARY KEY, state INTEGER NOT NULL, deadline TEXT, seq INTEGER NOT NULL);"
    "CREATE TABLE clusters("
    " year INTEGER NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL, kind INTEGER NOT NULL,"
    " leader TEXT, deputy TEXT, seq INTEGER NOT NULL, PRIMARY KEY(year, code));"
    "CREATE TABLE cluster_members("
    " year INTEGER NOT NULL, cluster TEXT NOT NULL, unit TEXT NOT NULL REFERENCES units(code),"
    " PRIMARY KEY(year, unit));"
    "CREATE TABLE criteria("
    " year INTEGER NOT NULL, cluster TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,"
    " max_points REAL NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(year, cluster, code));"
    "CREATE TABLE results("
    " unit TEXT NOT NULL, year INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,"
    " record BLOB NOT NULL, removed INTEGER NOT NULL, revision INTEGER NOT NULL,"
    " seq INTEGER NOT NULL, PRIMARY KEY(unit, year, kind, key)) WITHOUT ROWID;",
    /* v2 -> v3: the Merkle log (RFC 6962) replaces the hash chain. The
     * entry hash becomes the leaf hash SHA-256(0x00 || canon(entry)); merkle
     * holds every complete subtree above the leaves; tree_heads the signed
     * heads. open_migrate() rewrites the hashes and fills merkle in C, after
     * checking the old chain (ledger_migrate_merkle). */
    "CREATE TABLE merkle("
    " level INTEGER NOT NULL CHECK(level >= 1), idx INTEGER NOT NULL,"
    " hash BLOB NOT NULL CHECK(length(hash) = 32), PRIMARY KEY(level, idx)) WITHOUT ROWID;"
    "CREATE TRIGGER merkle_no_update BEFORE UPDATE ON merkle"
    " BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;"
    "CREATE TRIGGER merkle_no_delete BEFORE DELETE ON merkle"
    " BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;"
    "CREATE TABLE tree_heads("
    " size INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
    " root BLOB NOT NULL CHECK(length(root) = 32), sig BLOB NOT NULL CHECK(length(sig) = 64));"
    "CREATE TRIGGER tree_heads_no_update BEFORE UPDATE ON tree_heads"
    " BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;"
    "CREATE TRIGGER tree_heads_no_delete BEFORE DELETE ON tree_heads"
    " BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;",
    /* v3 -> v4: rule sets (docs/registry.md) and ballots (docs/ballots.md).
     * Every table is derived from entries except ballot_pending: the sealed
     * ballots of secret contests wait there, apart from the ledger, until
     * the box is sealed, so that no entry ties a voter to a choice. */
    "CREATE TABLE rule_sets("
    " code TEXT PRIMARY KEY, name TEXT NOT NULL, effective_from TEXT NOT NULL,"
    " seq INTEGER NOT NULL);"
    "CREATE TABLE rule_values("
    " ruleset TEXT NOT NULL REFERENCES rule_sets(code), key TEXT NOT NULL, value REAL NOT NULL,"
    " source TEXT, PRIMARY KEY(ruleset, key)) WITHOUT ROWID;"
    "CREATE TABLE ballots("
    " id TEXT PRIMARY KEY, year INTEGER NOT NULL, cluster TEXT NOT NULL, opened_by TEXT NOT NULL,"
    " opens_ms INTEGER NOT NULL, closes_ms INTEGER NOT NULL, roll INTEGER NOT NULL,"
    " state TEXT NOT NULL, flag INTEGER NOT NULL, seq INTEGER NOT NULL, sealed_seq INTEGER,"
    " tally_seq INTEGER, published_seq INTEGER);"
    "CREATE INDEX ballots_cluster ON ballots(year, cluster);"
    "CREATE TABLE ballot_voters("
    " ballot TEXT NOT NULL REFERENCES ballots(id), voter TEXT NOT NULL,"
    " cast_no INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(ballot, voter)) WITHOUT ROWID;"
    "CREATE TABLE ballot_pending("
    " ballot TEXT NOT NULL, voter TEXT NOT NULL, sealed BLOB NOT NULL,"
    " PRIMARY KEY(ballot, voter)) WITHOUT ROWID;",
    /* v4 -> v5: submissions and their review (docs/review.md). */
    "CREATE TABLE submissions("
    " id TEXT PRIMARY KEY, year INTEGER NOT NULL, unit TEXT NOT NULL, state INTEGER NOT NULL,"
    " revision INTEGER NOT NULL, seq INTEGER NOT NULL);"
    "CREATE INDEX submissions_year ON submissions(year, unit);"
    "CREATE TABLE proposals("
    " submission TEXT NOT NULL, id TEXT NOT NULL, title INTEGER NOT NULL, person TEXT,"
    " unit TEXT, ballot TEXT, state INTEGER NOT NULL, verdict INTEGER NOT NULL, rule TEXT,"
    " why TEXT, ruleset TEXT, decision_no TEXT, decision_date TEXT, signer TEXT, reason TEXT,"
    " seq INTEGER NOT NULL, PRIMARY KEY(submission, id)) WITHOUT ROWID;"
    "CREATE INDEX proposals_person ON proposals(person);"
    "CREATE INDEX proposals_unit ON proposals(unit);"
    "CREATE TABLE review_events("
    " submission TEXT NOT NULL, seq INTEGER NOT NULL, time_ms INTEGER NOT NULL,"
    " actor TEXT NOT NULL, what TEXT NOT NULL, PRIMARY KEY(submission, seq)) WITHOUT ROWID;",
};

_Static_assert(sizeof ledger_migrations / sizeof ledger_migrations[0] == LEDGER_SCHEMA_VERSION,
               "one migration per schema version");

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
    ST_NOTE_PUT,
    ST_NOTE_GET,
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
    [ST_NOTE_PUT] = "INSERT INTO notes(unit, key, text, seq) VALUES (?1, ?2, ?3, ?4)"
                    " ON CONFLICT(unit, key) DO UPDATE SET text = excluded.text,"
                    " seq = excluded.seq",
    [ST_NOTE_GET] = "SELECT text, seq FROM notes WHERE unit = ?1 AND key = ?2",
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

/* --- open, pragmas, migrations ------------------------------------------ */

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

struct migrate_nodes {
    sqlite3_stmt *put;
};

static int migrate_put_node(void *arg, unsigned level, uint64_t idx,
                            const uint8_t hash[MERKLE_HASH_LEN])
{
    sqlite3_stmt *st = ((struct migrate_nodes *)arg)->put;
    int rc;
    sqlite3_bind_int64(st, 1, level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
    sqlite3_bind_blob(st, 3, hash, MERKLE_HASH_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : TDKT_EDB;
}

/*
 * Schema v2 -> v3 in C, inside the migration's transaction: check the old
 * hash chain (a broken chain is reported, never silently re-hashed), rewrite
 * every entry hash as its Merkle leaf hash and store the tree's nodes. The
 * update trigger is dropped for the rewrite and restored before COMMIT.
 */
static int ledger_migrate_merkle(sqlite3 *db, const char *path, char *err, size_t cap)
{
    sqlite3_stmt *scan = NULL, *upd = NULL;
    struct migrate_nodes mn = {NULL};
    struct treelog_frontier f;
    uint8_t prev[LEDGER_HASH_LEN] = {0}, chain[LEDGER_HASH_LEN], leaf[LEDGER_HASH_LEN];
    int rc, ret = 0;

    treelog_frontier_init(&f);
    if (sqlite3_exec(db, "DROP TRIGGER ledger_no_update", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT seq, time_ms, unit, kind, payload, hash FROM ledger"
                           " ORDER BY seq",
                           -1, &scan, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE ledger SET hash = ?1 WHERE seq = ?2", -1, &upd, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO merkle(level, idx, hash) VALUES (?1, ?2, ?3)", -1,
                           &mn.put, NULL) != SQLITE_OK) {
        ret = open_fail(db, sqlite3_errcode(db), path, "preparing the Merkle migration", err, cap);
        goto out;
    }
    while ((rc = sqlite3_step(scan)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(scan, 0);
        int64_t t = sqlite3_column_int64(scan, 1);
        const char *unit = (const char *)sqlite3_column_text(scan, 2);
        const char *kind = (const char *)sqlite3_column_text(scan, 3);
        const uint8_t *payload = sqlite3_column_blob(scan, 4);
        size_t payload_len = (size_t)sqlite3_column_bytes(scan, 4);
        const void *stored = sqlite3_column_blob(scan, 5);

        if (seq != (int64_t)f.size + 1 || !unit || !kind || !stored ||
            sqlite3_column_bytes(scan, 5) != LEDGER_HASH_LEN ||
            ledger_chain_hash(prev, (uint64_t)seq, t, unit, kind, payload, payload_len, chain) <
                0 ||
            memcmp(chain, stored, LEDGER_HASH_LEN) != 0) {
            tdkt_errf(err, cap,
                      "ledger %s: the hash chain is broken at entry %" PRIu64
                      "; not migrating it (restore a backup, see docs/admin.md)",
                      path, f.size + 1);
            ret = TDKT_ECORRUPT;
            goto out;
        }
        memcpy(prev, chain, LEDGER_HASH_LEN);
        ret = ledger_leaf_hash((uint64_t)seq, t, unit, kind, payload, payload_len, leaf);
        if (ret < 0)
            goto out;
        sqlite3_bind_blob(upd, 1, leaf, LEDGER_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(upd, 2, seq);
        rc = sqlite3_step(upd);
        sqlite3_reset(upd);
        if (rc != SQLITE_DONE ||
            (ret = treelog_frontier_add(&f, leaf, migrate_put_node, &mn)) < 0) {
            ret = open_fail(db, rc == SQLITE_DONE ? SQLITE_ERROR : rc, path,
                            "rewriting entry hashes", err, cap);
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        ret = open_fail(db, rc, path, "reading entries to migrate", err, cap);
        goto out;
    }
    if (sqlite3_exec(db,
                     "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger"
                     " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;",
                     NULL, NULL, NULL) != SQLITE_OK)
        ret =
            open_fail(db, sqlite3_errcode(db), path, "restoring the append-only trigger", err, cap);
    else
        log_info("ledger: %s: %" PRIu64 " entries re-hashed as Merkle leaves", path, f.size);
out:
    sqlite3_finalize(scan);
    sqlite3_finalize(upd);
    sqlite3_finalize(mn.put);
    return ret;
}

/* Apply each missing migration in its own transaction with its user_version
 * bump, so a crash leaves the file at a version it fully has. */
static int open_migrate(sqlite3 *db, int64_t version, const char *path, char *err, size_t cap)
{
    char sql[64];
    int rc;

    while (version < LEDGER_SCHEMA_VERSION) {
        int64_t now = -1;

        rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return open_fail(db, rc, path, "starting a migration", err, cap);
        /* Another process may have migrated while we waited for the lock. */
        rc = sql_pragma_int(db, "PRAGMA user_version", &now);
        if (rc != SQLITE_OK)
            goto fail;
        if (now != version) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            if (now > LEDGER_SCHEMA_VERSION || now < version) {
                tdkt_errf(err, cap, "ledger %s changed schema version to %" PRId64 " while opening",
                          path, now);
                return TDKT_EVERSION;
            }
            version = now;
            continue;
        }
        rc = sqlite3_exec(db, ledger_migrations[version], NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            goto fail;
        if (version == 2) {
            int ret = ledger_migrate_merkle(db, path, err, cap);
            if (ret < 0) {
                sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
                return ret;
            }
        }
        snprintf(sql, sizeof sql, "PRAGMA user_version = %" PRId64, version + 1);
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            goto fail;
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            goto fail;
        log_info("ledger: %s migrated to schema version %" PRId64, path, version + 1);
        version++;
    }
    return 0;

fail:
    tdkt_errf(err, cap, "cannot migrate ledger %s to schema version %" PRId64 ": %s", path,
              version + 1, sqlite3_errmsg(db));
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return sql_map_rc(rc);
}

int ledger_open(const char *path, int flags, struct ledger **out, char *err, size_t err_cap)
{
    struct ledger *l = NULL;
    int readonly = (flags & LEDGER_OPEN_READONLY) != 0;
    int create = (flags & LEDGER_OPEN_CREATE) != 0;
    int64_t version = -1;
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
    rc = sql_pragma_int(l->db, "PRAGMA user_version", &version);
    if (rc != SQLITE_OK) {
        ret = open_fail(l->db, rc, path, "reading user_version", err, err_cap);
        goto out;
    }
    if (version > LEDGER_SCHEMA_VERSION) {
        tdkt_errf(err, err_cap,
                  "ledger %s has schema version %" PRId64
                  ", newer than this build's %d; run a newer tdktd",
                  path, version, LEDGER_SCHEMA_VERSION);
        ret = TDKT_EVERSION;
        goto out;
    }
    if (version == 0 && !create) {
        tdkt_errf(err, err_cap,
                  "%s holds no tdkt ledger; create one with 'tdktd init' or check the path", path);
        ret = TDKT_ENOTFOUND;
        goto out;
    }
    if (version < LEDGER_SCHEMA_VERSION) {
        if (readonly) {
            tdkt_errf(err, err_cap,
                      "ledger %s has schema version %" PRId64
                      " and needs migrating to %d; open it read-write once",
                      path, version, LEDGER_SCHEMA_VERSION);
            ret = TDKT_EVERSION;
            goto out;
        }
        ret = open_migrate(l->db, version, path, err, err_cap);
        if (ret < 0)
            goto out;
    }

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

/* --- notes and meta ------------------------------------------------------- */

int ledger_note_put(struct ledger *l, int64_t time_ms, const char *unit, const uint8_t *payload,
                    size_t len, const char *key, const char *text, uint64_t *seq,
                    uint8_t hash[LEDGER_HASH_LEN])
{
    sqlite3_stmt *st = l->st[ST_NOTE_PUT];
    uint8_t entry_hash[LEDGER_HASH_LEN];
    uint64_t entry_seq = 0;
    int rc, ret;

    if (!key || !*key || !text)
        return TDKT_EINVAL;
    ret = ledger_op_begin(l);
    if (ret < 0)
        return ret;
    ret = ledger_append(l, time_ms, unit, ENTRY_NOTE_PUT, payload, len, &entry_seq, entry_hash);
    if (ret < 0)
        goto out;
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)entry_seq);
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        ret = ledger_fail(l, rc, "storing a note");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
out:
    ret = ledger_op_end(l, ret);
    if (ret < 0)
        return ret;
    if (seq)
        *seq = entry_seq;
    if (hash)
        memcpy(hash, entry_hash, LEDGER_HASH_LEN);
    return 0;
}

int ledger_note_get(struct ledger *l, const char *unit, const char *key, char **text, uint64_t *seq)
{
    sqlite3_stmt *st = l->st[ST_NOTE_GET];
    int rc, ret = 0;

    if (!unit || !key || !text)
        return TDKT_EINVAL;
    *text = NULL;
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);

        *text = malloc(n + 1);
        if (!*text) {
            ret = TDKT_ENOMEM;
        } else {
            if (n)
                memcpy(*text, t, n);
            (*text)[n] = '\0';
            if (seq)
                *seq = (uint64_t)sqlite3_column_int64(st, 1);
        }
    } else if (rc == SQLITE_DONE) {
        ret = TDKT_ENOTFOUND;
    } else {
        ret = ledger_fail(l, rc, "reading a note");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

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
