/* SPDX-License-Identifier: MIT */
/*
 * The ledger store against real SQLite files in a temporary directory: the
 * durability settings really in force, the hash chain as documented in
 * ledger.h (recomputed here independently), tamper detection, the
 * append-only triggers, idempotency, savepoints, migrations and two handles
 * on one file.
 */
#include "fixture.h"
#include "ledger_fixture.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "common/err.h"
#include "server/ledger/ledger.h"
#include "server/ledger/treelog.h"

#define ERR_CAP 512

#define TDKT_STR_(x)               #x
#define TDKT_STR(x)                TDKT_STR_(x)
#define LEDGER_SCHEMA_VERSION_NEXT 9 /* one above LEDGER_SCHEMA_VERSION */
_Static_assert(LEDGER_SCHEMA_VERSION_NEXT == LEDGER_SCHEMA_VERSION + 1, "bump with the schema");

/* A directory of its own (tu_tmp_new, hence first) and the ledger file's
 * path in it; no ledger yet: each test opens it as it needs, and ledger_open
 * writes its reasons to err. */
struct fx {
    char dir[TU_PATH_MAX], path[TU_PATH_MAX], err[ERR_CAP];
};
_Static_assert(offsetof(struct fx, dir) == 0, "tu_tmp_new gives the first member the directory");

static int setup(void **state)
{
    struct fx *f = tu_tmp_new(sizeof *f);

    *state = f;
    tu_path(f->path, sizeof f->path, "%s/ledger.db", f->dir);
    return 0;
}

static struct ledger *open_ok(struct fx *f, int flags)
{
    struct ledger *l = NULL;
    int rc = ledger_open(f->path, flags, &l, f->err, sizeof f->err);
    if (rc != 0)
        fail_msg("ledger_open: %s (%s)", tdkt_strerror(rc), f->err);
    return l;
}

/* Append n entries "e<i>" by unit U1 in one committed transaction. */
static void append_n(struct ledger *l, int n)
{
    char payload[32];
    assert_int_equal(ledger_begin(l), 0);
    for (int i = 0; i < n; i++) {
        int len = snprintf(payload, sizeof payload, "e%d", i);
        assert_int_equal(ledger_append(l, 1000 + i, "U1", "test", (const uint8_t *)payload,
                                       (size_t)len, NULL, NULL),
                         0);
    }
    assert_int_equal(ledger_commit(l), 0);
}

/* The ledger's height, which ledger_head must give. */
static uint64_t height(struct ledger *l)
{
    uint64_t h = 0;

    assert_int_equal(ledger_head(l, &h, NULL), 0);
    return h;
}

static int64_t sql_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void sql_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* The documented canon, hashed after a prefix: 0x00 for a Merkle leaf, the
 * previous hash for the schema v2 chain. Written out independently of
 * ledger.c. */
static void ref_digest(const uint8_t *prev, size_t prev_len, uint64_t seq, int64_t time_ms,
                       const char *unit, const char *kind, const uint8_t *payload, size_t len,
                       uint8_t out[32])
{
    uint8_t buf[512];
    size_t off = 0, ul = strlen(unit), kl = strlen(kind);
    uint64_t t = (uint64_t)time_ms;

    assert_true(prev_len + 16 + 12 + ul + kl + len <= sizeof buf);
    memcpy(buf, prev, prev_len);
    off = prev_len;
    for (int i = 7; i >= 0; i--)
        buf[off++] = (uint8_t)(seq >> (8 * i));
    for (int i = 7; i >= 0; i--)
        buf[off++] = (uint8_t)(t >> (8 * i));
    for (int i = 3; i >= 0; i--)
        buf[off++] = (uint8_t)(ul >> (8 * i));
    memcpy(buf + off, unit, ul);
    off += ul;
    for (int i = 3; i >= 0; i--)
        buf[off++] = (uint8_t)(kl >> (8 * i));
    memcpy(buf + off, kind, kl);
    off += kl;
    for (int i = 3; i >= 0; i--)
        buf[off++] = (uint8_t)(len >> (8 * i));
    memcpy(buf + off, payload, len);
    off += len;
    assert_int_equal(EVP_Digest(buf, off, out, NULL, EVP_sha256(), NULL), 1);
}

static void ref_leaf(uint64_t seq, int64_t time_ms, const char *unit, const char *kind,
                     const uint8_t *payload, size_t len, uint8_t out[32])
{
    static const uint8_t zero = 0;
    ref_digest(&zero, 1, seq, time_ms, unit, kind, payload, len, out);
}

static void ref_node(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
    uint8_t buf[65];
    buf[0] = 1;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    assert_int_equal(EVP_Digest(buf, sizeof buf, out, NULL, EVP_sha256(), NULL), 1);
}

/* A fresh signing key, and a signed head over what l holds now. */
static EVP_PKEY *sign_head(struct ledger *l, struct tree_head *h)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(key);
    ledger_set_signer(l, key);
    assert_int_equal(ledger_begin(l), 0);
    assert_int_equal(treelog_head(l, 1234, h), 0);
    assert_int_equal(ledger_commit(l), 0);
    return key;
}

static void test_open_creates_schema(void **state)
{
    struct fx *f = *state;
    struct ledger *l = NULL;
    char mode[16], id[64], created[64];

    assert_int_equal(ledger_open(f->path, 0, &l, f->err, sizeof f->err), TDKT_ENOTFOUND);
    assert_null(l);
    assert_true(strlen(f->err) > 0);
    assert_int_equal(access(f->path, F_OK), -1); /* not created by a failed open */

    l = open_ok(f, LEDGER_OPEN_CREATE);
    sqlite3 *db = ledger_db(l);
    assert_int_equal(sql_int(db, "PRAGMA user_version"), LEDGER_SCHEMA_VERSION);
    sql_text(db, "PRAGMA journal_mode", mode, sizeof mode);
    assert_string_equal(mode, "wal");
    assert_int_equal(sql_int(db, "PRAGMA synchronous"), 2);
    assert_int_equal(sql_int(db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                                 "name IN ('ledger','requests','units','certs','notes','meta')"),
                     6);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), 6);

    assert_int_equal(ledger_meta_get(l, "ledger_id", id, sizeof id), 0);
    assert_int_equal(strlen(id), 32);
    assert_int_equal(strspn(id, "0123456789abcdef"), 32);
    assert_int_equal(ledger_meta_get(l, "created", created, sizeof created), 0);
    assert_true(strlen(created) >= 20 && created[strlen(created) - 1] == 'Z');
    char small[8];
    assert_int_equal(ledger_meta_get(l, "ledger_id", small, sizeof small), TDKT_ETOOBIG);
    assert_int_equal(ledger_meta_get(l, "nope", small, sizeof small), TDKT_ENOTFOUND);

    uint64_t h = 99;
    uint8_t hash[32], zero[32] = {0};
    assert_int_equal(ledger_head(l, &h, hash), 0);
    assert_int_equal(h, 0);
    assert_memory_equal(hash, zero, 32);
    ledger_close(l);

    /* Reopening keeps the identity: migrations run once. */
    char id2[64];
    l = open_ok(f, LEDGER_OPEN_CREATE);
    assert_int_equal(ledger_meta_get(l, "ledger_id", id2, sizeof id2), 0);
    assert_string_equal(id, id2);
    ledger_close(l);
}

static void test_append_head_verify(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    uint8_t big_name[LEDGER_UNIT_MAX + 2];
    uint64_t h = 0, bad = 99;

    /* Outside a transaction every write is refused. */
    assert_int_equal(ledger_append(l, 1, "U1", "k", (const uint8_t *)"x", 1, NULL, NULL),
                     TDKT_EINVAL);
    assert_int_equal(ledger_savepoint(l), TDKT_EINVAL);
    assert_int_equal(ledger_commit(l), TDKT_EINVAL);

    append_n(l, 3);
    assert_int_equal(height(l), 3);
    assert_int_equal(ledger_verify_log(l, &bad), 0);
    assert_int_equal(bad, 0);

    /* Limits are checked before anything is written. */
    memset(big_name, 'A', sizeof big_name);
    big_name[sizeof big_name - 1] = '\0';
    uint8_t *huge = calloc(1, LEDGER_PAYLOAD_MAX + 1);
    assert_non_null(huge);
    assert_int_equal(ledger_begin(l), 0);
    assert_int_equal(ledger_append(l, 1, "", "k", huge, 1, NULL, NULL), TDKT_EINVAL);
    assert_int_equal(ledger_append(l, 1, NULL, "k", huge, 1, NULL, NULL), TDKT_EINVAL);
    assert_int_equal(ledger_append(l, 1, (const char *)big_name, "k", huge, 1, NULL, NULL),
                     TDKT_ETOOBIG);
    assert_int_equal(ledger_append(l, 1, "U1", (const char *)big_name, huge, 1, NULL, NULL),
                     TDKT_ETOOBIG);
    assert_int_equal(ledger_append(l, 1, "U1", "", huge, 1, NULL, NULL), TDKT_EINVAL);
    assert_int_equal(ledger_append(l, 1, "U1", "k", huge, LEDGER_PAYLOAD_MAX + 1, NULL, NULL),
                     TDKT_ETOOBIG);
    /* The largest payload and an empty one are both fine. */
    assert_int_equal(ledger_append(l, 1, "U1", "k", huge, LEDGER_PAYLOAD_MAX, NULL, NULL), 0);
    assert_int_equal(ledger_append(l, 1, "U1", "k", NULL, 0, &h, NULL), 0);
    assert_int_equal(h, 5);
    assert_int_equal(ledger_commit(l), 0);
    free(huge);
    assert_int_equal(ledger_verify_log(l, &bad), 0);

    /* A rolled-back transaction leaves nothing. */
    assert_int_equal(ledger_begin(l), 0);
    assert_int_equal(ledger_append(l, 1, "U1", "k", (const uint8_t *)"x", 1, NULL, NULL), 0);
    assert_int_equal(ledger_rollback(l), 0);
    assert_int_equal(height(l), 5);
    ledger_close(l);
}

static void test_leaf_formula(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    uint8_t h1[32], h2[32], h3[32], r1[32], r2[32], r3[32], head[32], root[32], want[32];
    const uint8_t p1[] = {0x0a, 0x03, 'a', 'b', 'c'};
    const uint8_t p2[] = {0x00, 0xff};
    uint64_t s1 = 0, s2 = 0, height = 0;

    assert_int_equal(ledger_begin(l), 0);
    assert_int_equal(ledger_append(l, 1700000000123, "VKSCC2", "note.put", p1, sizeof p1, &s1, h1),
                     0);
    /* An earlier clock is clamped to the previous entry's time. */
    assert_int_equal(ledger_append(l, 5, "ADMIN", "unit.register", p2, sizeof p2, &s2, h2), 0);
    assert_int_equal(ledger_append(l, 1700000000999, "ADMIN", "x", p2, 1, NULL, h3), 0);
    assert_int_equal(ledger_commit(l), 0);
    assert_int_equal(s1, 1);
    assert_int_equal(s2, 2);

    ref_leaf(1, 1700000000123, "VKSCC2", "note.put", p1, sizeof p1, r1);
    assert_memory_equal(h1, r1, 32);
    ref_leaf(2, 1700000000123, "ADMIN", "unit.register", p2, sizeof p2, r2);
    assert_memory_equal(h2, r2, 32);
    ref_leaf(3, 1700000000999, "ADMIN", "x", p2, 1, r3);
    assert_memory_equal(h3, r3, 32);

    assert_int_equal(ledger_head(l, &height, head), 0);
    assert_int_equal(height, 3);
    assert_memory_equal(head, r3, 32);
    /* RFC 6962: MTH(3) = node(node(l1, l2), l3); MTH(2) = node(l1, l2). */
    ref_node(r1, r2, want);
    assert_int_equal(treelog_root(l, 2, root), 0);
    assert_memory_equal(root, want, 32);
    ref_node(want, r3, want);
    assert_int_equal(treelog_root(l, 3, root), 0);
    assert_memory_equal(root, want, 32);
    assert_int_equal(sql_int(ledger_db(l), "SELECT count(*) FROM merkle"), 1);
    assert_int_equal(sql_int(ledger_db(l), "SELECT time_ms FROM ledger WHERE seq = 2"),
                     1700000000123);
    ledger_close(l);
}

/* Rewrite a v3 file as schema v2 wrote it: chained hashes, no Merkle tables.
 * break_at > 0 spoils the chain there. */
static void downgrade_to_v2(struct fx *f, int n, int break_at)
{
    sqlite3 *db = NULL;
    uint8_t prev[32] = {0}, h[32];
    char payload[32];

    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE merkle; DROP TABLE tree_heads;"
                                  "DROP TABLE ballot_pending; DROP TABLE ballot_voters;"
                                  "DROP TABLE ballots; DROP TABLE rule_values;"
                                  "DROP TABLE rule_sets; DROP TABLE review_events;"
                                  "DROP TABLE proposals; DROP TABLE submissions;"
                                  "DROP TABLE council_counts; DROP TABLE council_votes;"
                                  "DROP TABLE council_members; DROP TABLE councils;"
                                  "DROP TABLE person_certs; DROP TABLE council_roll;"
                                  "DROP TABLE council_voters; DROP TABLE council_pending;"
                                  "DROP TRIGGER ledger_no_update; PRAGMA user_version = 2;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    for (int i = 0; i < n; i++) {
        sqlite3_stmt *st;
        int len = snprintf(payload, sizeof payload, "e%d", i);
        ref_digest(prev, 32, (uint64_t)i + 1, 1000 + i, "U1", "test", (const uint8_t *)payload,
                   (size_t)len, h);
        if (i + 1 == break_at)
            h[0] ^= 1;
        assert_int_equal(
            sqlite3_prepare_v2(db, "UPDATE ledger SET hash = ?1 WHERE seq = ?2", -1, &st, NULL),
            SQLITE_OK);
        sqlite3_bind_blob(st, 1, h, 32, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, i + 1);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        memcpy(prev, h, 32);
    }
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger BEGIN"
                                  " SELECT RAISE(ABORT, 'ledger entries are append-only'); END;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
}

static void test_migrates_chain_to_merkle(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    uint8_t before[32], after[32];
    uint64_t bad = 0, height = 0;

    append_n(l, 7);
    assert_int_equal(treelog_root(l, 7, before), 0);
    ledger_close(l);
    downgrade_to_v2(f, 7, 0);

    l = open_ok(f, 0);
    assert_int_equal(sql_int(ledger_db(l), "PRAGMA user_version"), LEDGER_SCHEMA_VERSION);
    assert_int_equal(ledger_head(l, &height, NULL), 0);
    assert_int_equal(height, 7);
    assert_int_equal(treelog_root(l, 7, after), 0);
    assert_memory_equal(before, after, 32);
    assert_int_equal(ledger_verify_log(l, &bad), 0);
    /* The trigger came back with the migration. */
    assert_int_not_equal(
        sqlite3_exec(ledger_db(l), "UPDATE ledger SET kind = 'x' WHERE seq = 1", NULL, NULL, NULL),
        SQLITE_OK);
    ledger_close(l);
}

static void test_migration_refuses_broken_chain(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);

    append_n(l, 4);
    ledger_close(l);
    downgrade_to_v2(f, 4, 3);
    l = NULL;
    assert_int_equal(ledger_open(f->path, 0, &l, f->err, sizeof f->err), TDKT_ECORRUPT);
    assert_null(l);
    assert_non_null(strstr(f->err, "entry 3"));
    /* Nothing was migrated: the file is still at v2. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sql_int(db, "PRAGMA user_version"), 2);
    sqlite3_close(db);
}

static void test_signed_heads_and_proofs(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    uint8_t pub[STH_PUB_LEN], leaf[32], path[MERKLE_PROOF_MAX][32], old_root[32];
    struct tree_head h, h2, again;
    size_t n = 0;
    EVP_PKEY *key, *other;

    append_n(l, 5);
    key = sign_head(l, &h);
    assert_int_equal(h.size, 5);
    assert_int_equal(sth_key_public(key, pub), 0);
    assert_int_equal(sth_verify(pub, &h), 0);
    memcpy(old_root, h.root, 32);
    /* The same size gives the stored head back, not a new signature. */
    assert_int_equal(ledger_begin(l), 0);
    assert_int_equal(treelog_head(l, 99999, &again), 0);
    assert_int_equal(ledger_commit(l), 0);
    assert_memory_equal(&again, &h, sizeof h);

    append_n(l, 6);
    assert_int_equal(ledger_begin(l), 0);
    assert_int_equal(treelog_head(l, 5, &h2), 0); /* clock behind: clamped */
    assert_int_equal(ledger_commit(l), 0);
    assert_int_equal(h2.size, 11);
    assert_true(h2.time_ms >= h.time_ms);
    assert_int_equal(sth_verify(pub, &h2), 0);
    for (uint64_t seq = 1; seq <= 11; seq++) {
        uint64_t height;
        assert_int_equal(treelog_inclusion(l, seq, 11, path, MERKLE_PROOF_MAX, &n), 0);
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(ledger_db(l), "SELECT hash FROM ledger WHERE seq = ?1",
                                            -1, &st, NULL),
                         SQLITE_OK);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        memcpy(leaf, sqlite3_column_blob(st, 0), 32);
        sqlite3_finalize(st);
        assert_int_equal(
            merkle_verify_inclusion(seq - 1, 11, leaf, (const uint8_t(*)[32])path, n, h2.root), 0);
        assert_int_equal(ledger_head(l, &height, NULL), 0);
    }
    assert_int_equal(treelog_consistency(l, 5, 11, path, MERKLE_PROOF_MAX, &n), 0);
    assert_int_equal(
        merkle_verify_consistency(5, 11, old_root, h2.root, (const uint8_t(*)[32])path, n), 0);
    assert_int_equal(treelog_inclusion(l, 12, 11, path, MERKLE_PROOF_MAX, &n), TDKT_EINVAL);

    /* Another key is refused: the first head pinned this one. */
    other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    ledger_set_signer(l, other);
    append_n(l, 1);
    assert_int_equal(ledger_begin(l), 0);
    assert_int_equal(treelog_head(l, 5000, &again), TDKT_EAUTH);
    assert_int_equal(ledger_rollback(l), 0);
    uint64_t bad = 0;
    assert_int_equal(ledger_verify_log(l, &bad), 0);
    ledger_close(l);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
}

/* n entries under a signed head; then sql on the file, and with rehash
 * every leaf and node recomputed to match (tu_ledger_file_rehash).
 * treelog_verify must then find the ledger corrupt: its report. */
static struct treelog_verify tamper_signed(struct fx *f, int n, const char *sql, int rehash)
{
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    struct tree_head h;
    struct treelog_verify v;
    EVP_PKEY *key;

    append_n(l, n);
    key = sign_head(l, &h);
    ledger_close(l);
    tu_sql_exec(f->path, sql);
    if (rehash)
        tu_ledger_file_rehash(f->path);
    l = open_ok(f, 0);
    assert_int_equal(treelog_verify(l, NULL, &v), TDKT_ECORRUPT);
    ledger_close(l);
    EVP_PKEY_free(key);
    return v;
}

/* An attacker who rewrites an entry and recomputes its leaf and every node
 * still cannot match the signed head. */
static void test_verify_detects_rewritten_history(void **state)
{
    struct treelog_verify v =
        tamper_signed(*state, 6,
                      "DROP TRIGGER ledger_no_update;"
                      "UPDATE ledger SET payload = x'6576696c' WHERE seq = 3;",
                      1);

    assert_int_equal(v.bad_seq, 0); /* every leaf and node is self-consistent */
    assert_int_equal(v.bad_head, 6);
    assert_non_null(strstr(v.what, "size 6"));
}

static void test_verify_detects_forged_signature(void **state)
{
    struct treelog_verify v = tamper_signed(*state, 3,
                                            "DROP TRIGGER tree_heads_no_update;"
                                            "UPDATE tree_heads SET time_ms = time_ms + 1;",
                                            0);

    assert_int_equal(v.bad_head, 3);
    assert_non_null(strstr(v.what, "signature"));
}

static void tamper_and_expect(struct fx *f, const char *sql, uint64_t want_bad)
{
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    uint64_t bad = 0;

    append_n(l, 5);
    assert_int_equal(ledger_verify_log(l, &bad), 0);
    ledger_close(l);

    tu_sql_exec(f->path, sql);

    l = open_ok(f, 0);
    assert_int_equal(ledger_verify_log(l, &bad), TDKT_ECORRUPT);
    assert_int_equal(bad, want_bad);
    ledger_close(l);
}

static void test_verify_detects_tampered_payload(void **state)
{
    tamper_and_expect(*state,
                      "DROP TRIGGER ledger_no_update;"
                      "UPDATE ledger SET payload = x'6576696c' WHERE seq = 3;",
                      3);
}

static void test_verify_detects_deleted_row(void **state)
{
    tamper_and_expect(*state,
                      "DROP TRIGGER ledger_no_delete;"
                      "DELETE FROM ledger WHERE seq = 3;",
                      3);
}

static void test_verify_detects_swapped_pair(void **state)
{
    /* Swap everything but the sequence numbers of entries 2 and 3. */
    tamper_and_expect(*state,
                      "DROP TRIGGER ledger_no_update;"
                      "CREATE TEMP TABLE t AS SELECT * FROM ledger WHERE seq IN (2, 3);"
                      "UPDATE ledger SET (time_ms, unit, kind, payload, hash) ="
                      " (SELECT time_ms, unit, kind, payload, hash FROM t"
                      "  WHERE t.seq = 5 - ledger.seq) WHERE seq IN (2, 3);",
                      2);
}

static void test_triggers_refuse_update_delete(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    sqlite3 *db = ledger_db(l);
    char *msg = NULL;

    append_n(l, 2);
    assert_int_not_equal(
        sqlite3_exec(db, "UPDATE ledger SET payload = x'00' WHERE seq = 1", NULL, NULL, &msg),
        SQLITE_OK);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM ledger WHERE seq = 2", NULL, NULL, &msg),
                         SQLITE_OK);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    /* The same through an independent connection. */
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(raw, "DELETE FROM ledger", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);

    uint64_t bad = 0;
    assert_int_equal(height(l), 2);
    assert_int_equal(ledger_verify_log(l, &bad), 0);
    ledger_close(l);
}

static void test_idempotency(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    uint8_t id[LEDGER_REQUEST_ID_LEN], id2[LEDGER_REQUEST_ID_LEN], body[32], other[32];
    const uint8_t reply[] = {1, 2, 3, 0, 4};
    uint8_t *got = NULL;
    size_t got_len = 0;
    uint64_t seq = 0;

    memset(id, 7, sizeof id);
    memset(id2, 8, sizeof id2);
    ledger_sha256((const uint8_t *)"body", 4, body);
    ledger_sha256((const uint8_t *)"other", 5, other);

    assert_int_equal(ledger_request_lookup(l, "U1", id, body, &got, &got_len), TDKT_ENOTFOUND);
    assert_int_equal(ledger_request_store(l, "U1", id, body, 1, reply, sizeof reply),
                     TDKT_EINVAL); /* outside a transaction */

    assert_int_equal(ledger_begin(l), 0);
    assert_int_equal(ledger_savepoint(l), 0);
    assert_int_equal(ledger_append(l, 1, "U1", "note.put", (const uint8_t *)"b", 1, &seq, NULL), 0);
    assert_int_equal(ledger_request_store(l, "U1", id, body, seq, reply, sizeof reply), 0);
    assert_int_equal(ledger_request_store(l, "U1", id, body, seq, reply, sizeof reply),
                     TDKT_EEXIST);
    assert_int_equal(ledger_release(l), 0);
    assert_int_equal(ledger_commit(l), 0);

    assert_int_equal(ledger_request_lookup(l, "U1", id, body, &got, &got_len), 0);
    assert_int_equal(got_len, sizeof reply);
    assert_memory_equal(got, reply, sizeof reply);
    free(got);
    got = NULL;
    assert_int_equal(ledger_request_lookup(l, "U1", id, other, &got, &got_len), TDKT_EREUSED);
    assert_null(got);
    assert_int_equal(ledger_request_lookup(l, "U1", id2, body, &got, &got_len), TDKT_ENOTFOUND);
    /* The id space is per unit. */
    assert_int_equal(ledger_request_lookup(l, "U2", id, body, &got, &got_len), TDKT_ENOTFOUND);

    /* Survives reopening. */
    ledger_close(l);
    l = open_ok(f, 0);
    assert_int_equal(ledger_request_lookup(l, "U1", id, body, &got, &got_len), 0);
    assert_memory_equal(got, reply, sizeof reply);
    free(got);
    ledger_close(l);
}

static void test_savepoint_rollback_restores_head(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    uint8_t h1[32], h2[32], hrolled[32], head[32];
    uint64_t seq = 0, height = 0, bad = 0;
    char kind[32];

    assert_int_equal(ledger_begin(l), 0);
    assert_int_equal(ledger_savepoint(l), 0);
    assert_int_equal(ledger_savepoint(l), TDKT_EINVAL); /* one level only */
    assert_int_equal(ledger_append(l, 10, "U1", "a", (const uint8_t *)"1", 1, &seq, h1), 0);
    assert_int_equal(ledger_release(l), 0);
    assert_int_equal(ledger_release(l), TDKT_EINVAL);

    assert_int_equal(ledger_savepoint(l), 0);
    assert_int_equal(ledger_append(l, 20, "U1", "b", (const uint8_t *)"2", 1, &seq, hrolled), 0);
    assert_int_equal(seq, 2);
    assert_int_equal(ledger_rollback_to(l), 0);
    assert_int_equal(ledger_head(l, &height, head), 0);
    assert_int_equal(height, 1);
    assert_memory_equal(head, h1, 32);

    assert_int_equal(ledger_savepoint(l), 0);
    assert_int_equal(ledger_append(l, 30, "U1", "c", (const uint8_t *)"3", 1, &seq, h2), 0);
    assert_int_equal(seq, 2);
    assert_memory_not_equal(h2, hrolled, 32);
    assert_int_equal(ledger_release(l), 0);
    assert_int_equal(ledger_commit(l), 0);

    assert_int_equal(ledger_head(l, &height, head), 0);
    assert_int_equal(height, 2);
    assert_memory_equal(head, h2, 32);
    assert_int_equal(ledger_verify_log(l, &bad), 0);
    sql_text(ledger_db(l), "SELECT kind FROM ledger WHERE seq = 2", kind, sizeof kind);
    assert_string_equal(kind, "c");

    /* An operation savepoint nested in a request savepoint rolls back alone. */
    assert_int_equal(ledger_begin(l), 0);
    assert_int_equal(ledger_savepoint(l), 0);
    assert_int_equal(ledger_op_begin(l), 0);
    assert_int_equal(ledger_append(l, 40, "U1", "d", (const uint8_t *)"4", 1, &seq, NULL), 0);
    assert_int_equal(ledger_op_end(l, TDKT_EEXIST), TDKT_EEXIST);
    assert_int_equal(ledger_head(l, &height, NULL), 0);
    assert_int_equal(height, 2);
    assert_int_equal(ledger_append(l, 50, "U1", "e", (const uint8_t *)"5", 1, &seq, NULL), 0);
    assert_int_equal(seq, 3);
    assert_int_equal(ledger_release(l), 0);
    assert_int_equal(ledger_commit(l), 0);
    assert_int_equal(ledger_verify_log(l, &bad), 0);
    assert_int_equal(sql_int(ledger_db(l), "SELECT count(*) FROM ledger"), 3);
    ledger_close(l);
}

static void test_commit_survives_reopen(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    uint8_t head[32], head2[32];
    uint64_t h = 0, h2 = 0, bad = 0;

    append_n(l, 4);
    assert_int_equal(ledger_head(l, &h, head), 0);
    ledger_close(l);

    l = open_ok(f, 0);
    assert_int_equal(ledger_head(l, &h2, head2), 0);
    assert_int_equal(h2, h);
    assert_memory_equal(head2, head, 32);
    assert_int_equal(ledger_verify_log(l, &bad), 0);
    ledger_close(l);

    /* A read-only handle sees the same and refuses to write. */
    l = open_ok(f, LEDGER_OPEN_READONLY);
    assert_int_equal(height(l), 4);
    assert_int_equal(ledger_begin(l), TDKT_EINVAL);
    ledger_close(l);
}

static void test_commit_failure_rolls_back(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    uint64_t bad = 0;

    append_n(l, 1);
    assert_int_equal(ledger_begin(l), 0);
    assert_int_equal(ledger_append(l, 1, "U1", "k", (const uint8_t *)"x", 1, NULL, NULL), 0);
    /* A deferred foreign key violation makes COMMIT itself fail. */
    assert_int_equal(sqlite3_exec(ledger_db(l),
                                  "PRAGMA defer_foreign_keys = ON;"
                                  "INSERT INTO certs(serial, unit) VALUES ('aa', 'NOUNIT');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(ledger_commit(l), TDKT_EDB);
    assert_int_equal(height(l), 1);
    assert_int_equal(sql_int(ledger_db(l), "SELECT count(*) FROM certs"), 0);
    /* The handle is usable again. */
    append_n(l, 1);
    assert_int_equal(ledger_verify_log(l, &bad), 0);
    ledger_close(l);
}

static void test_lost_transaction_never_commits(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    uint64_t bad = 0;

    append_n(l, 2);
    assert_int_equal(ledger_begin(l), 0);
    assert_int_equal(ledger_savepoint(l), 0);
    assert_int_equal(ledger_append(l, 1, "U1", "k", (const uint8_t *)"x", 1, NULL, NULL), 0);
    /* What SQLite does by itself after an I/O error or a full disk. */
    assert_int_equal(sqlite3_exec(ledger_db(l), "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    /* Nothing may now run in autocommit mode against the stale head. */
    assert_int_equal(ledger_append(l, 1, "U1", "k", (const uint8_t *)"y", 1, NULL, NULL), TDKT_EDB);
    assert_int_equal(ledger_rollback_to(l), TDKT_EDB);
    assert_int_equal(ledger_savepoint(l), TDKT_EDB);
    assert_int_equal(ledger_commit(l), TDKT_EDB);
    assert_int_equal(height(l), 2);
    /* The next transaction starts clean. */
    append_n(l, 1);
    assert_int_equal(ledger_verify_log(l, &bad), 0);
    assert_int_equal(height(l), 3);
    ledger_close(l);
}

static void test_newer_schema_refused(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    ledger_close(l);
    l = NULL;

    tu_sql_exec(f->path, "PRAGMA user_version = " TDKT_STR(LEDGER_SCHEMA_VERSION_NEXT));
    assert_int_equal(ledger_open(f->path, 0, &l, f->err, sizeof f->err), TDKT_EVERSION);
    assert_null(l);
    assert_non_null(strstr(f->err, "newer"));
    assert_int_equal(ledger_open(f->path, LEDGER_OPEN_READONLY, &l, f->err, sizeof f->err),
                     TDKT_EVERSION);
    assert_null(l);
}

static void test_empty_file_without_create(void **state)
{
    struct fx *f = *state;
    struct ledger *l = NULL;
    int fd = open(f->path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(ledger_open(f->path, 0, &l, f->err, sizeof f->err), TDKT_ENOTFOUND);
    assert_null(l);
    l = open_ok(f, LEDGER_OPEN_CREATE);
    ledger_close(l);
}

static void test_corrupt_file_refused(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    uint8_t junk[4096];
    int rc;

    /* Enough entries for the table to span several pages. */
    for (int i = 0; i < 20; i++)
        append_n(l, 20);
    ledger_close(l);
    l = NULL;

    memset(junk, 0xA5, sizeof junk);
    int fd = open(f->path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, junk, sizeof junk, 4096), (ssize_t)sizeof junk);
    assert_int_equal(pwrite(fd, junk, sizeof junk, 3 * 4096), (ssize_t)sizeof junk);
    close(fd);

    rc = ledger_open(f->path, 0, &l, f->err, sizeof f->err);
    assert_true(rc == TDKT_ECORRUPT || rc == TDKT_EDB);
    assert_null(l);
    assert_true(strlen(f->err) > 10);
    print_message("refused as expected: %s\n", f->err);

    /* A file that is not a database at all. */
    fd = open(f->path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
    close(fd);
    rc = ledger_open(f->path, 0, &l, f->err, sizeof f->err);
    assert_int_equal(rc, TDKT_ECORRUPT);
    assert_null(l);
}

static void test_two_handles_one_chain(void **state)
{
    struct fx *f = *state;
    struct ledger *a = open_ok(f, LEDGER_OPEN_CREATE);
    struct ledger *b = open_ok(f, 0);
    uint64_t seq = 0, h = 0, bad = 0;

    for (int i = 0; i < 10; i++) {
        struct ledger *l = (i % 2) ? b : a;
        assert_int_equal(ledger_begin(l), 0);
        assert_int_equal(ledger_append(l, i, (i % 2) ? "ADMIN" : "DAEMON", "k",
                                       (const uint8_t *)"p", 1, &seq, NULL),
                         0);
        assert_int_equal(seq, (uint64_t)i + 1);
        assert_int_equal(ledger_commit(l), 0);
    }
    /* While one handle holds the write lock the other cannot slip in. */
    assert_int_equal(ledger_begin(a), 0);
    assert_int_equal(ledger_append(a, 100, "DAEMON", "k", (const uint8_t *)"p", 1, &seq, NULL), 0);
    assert_int_equal(ledger_head(b, &h, NULL), 0);
    assert_int_equal(h, 10); /* b sees only committed entries */
    assert_int_equal(ledger_commit(a), 0);

    assert_int_equal(ledger_verify_log(a, &bad), 0);
    assert_int_equal(ledger_verify_log(b, &bad), 0);
    assert_int_equal(ledger_head(b, &h, NULL), 0);
    assert_int_equal(h, 11);
    ledger_close(a);
    ledger_close(b);
}

static void test_notes(void **state)
{
    struct fx *f = *state;
    struct ledger *l = open_ok(f, LEDGER_OPEN_CREATE);
    uint8_t hash[32], head[32];
    uint64_t seq = 0, got_seq = 0, h = 0, bad = 0;
    char *text = NULL;
    char kind[32];

    assert_int_equal(ledger_note_put(l, 1, "U1", (const uint8_t *)"p1", 2, "k", "one", &seq, hash),
                     TDKT_EINVAL); /* outside a transaction */
    assert_int_equal(ledger_begin(l), 0);
    assert_int_equal(ledger_savepoint(l), 0);
    assert_int_equal(ledger_note_put(l, 1, "U1", (const uint8_t *)"p1", 2, "k", "one", &seq, hash),
                     0);
    assert_int_equal(ledger_release(l), 0);
    assert_int_equal(ledger_note_put(l, 2, "U1", (const uint8_t *)"p2", 2, "k", "two", &seq, hash),
                     0);
    assert_int_equal(ledger_note_put(l, 3, "U1", (const uint8_t *)"p3", 2, "", "x", NULL, NULL),
                     TDKT_EINVAL);
    assert_int_equal(ledger_commit(l), 0);
    assert_int_equal(seq, 2);
    assert_int_equal(ledger_head(l, &h, head), 0);
    assert_memory_equal(head, hash, 32);

    assert_int_equal(ledger_note_get(l, "U1", "k", &text, &got_seq), 0);
    assert_string_equal(text, "two");
    assert_int_equal(got_seq, 2);
    free(text);
    assert_int_equal(ledger_note_get(l, "U2", "k", &text, NULL), TDKT_ENOTFOUND);
    sql_text(ledger_db(l), "SELECT kind FROM ledger WHERE seq = 1", kind, sizeof kind);
    assert_string_equal(kind, "note.put");
    assert_int_equal(sql_int(ledger_db(l), "SELECT count(*) FROM notes"), 1);
    assert_int_equal(ledger_verify_log(l, &bad), 0);
    ledger_close(l);
}

int main(void)
{
    /* Every case in a directory of its own. */
#define T(test) cmocka_unit_test_setup_teardown(test, setup, tu_tmp_cmocka_teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_creates_schema),
        T(test_append_head_verify),
        T(test_leaf_formula),
        T(test_migrates_chain_to_merkle),
        T(test_migration_refuses_broken_chain),
        T(test_signed_heads_and_proofs),
        T(test_verify_detects_rewritten_history),
        T(test_verify_detects_forged_signature),
        T(test_verify_detects_tampered_payload),
        T(test_verify_detects_deleted_row),
        T(test_verify_detects_swapped_pair),
        T(test_triggers_refuse_update_delete),
        T(test_idempotency),
        T(test_savepoint_rollback_restores_head),
        T(test_commit_survives_reopen),
        T(test_commit_failure_rolls_back),
        T(test_lost_transaction_never_commits),
        T(test_newer_schema_refused),
        T(test_empty_file_without_create),
        T(test_corrupt_file_refused),
        T(test_two_handles_one_chain),
        T(test_notes),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
