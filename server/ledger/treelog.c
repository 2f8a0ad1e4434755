/* SPDX-License-Identifier: MIT */
/*
 * The Merkle log over the ledger: node storage, signed heads, proofs and the
 * full verification. treelog.h gives the layout.
 */
#include "server/ledger/treelog.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "common/err.h"
#include "common/log.h"
#include "common/util/hex.h"
#include "server/ledger/sql.h"

#define SQL_LEAF  "SELECT hash FROM ledger WHERE seq = ?1"
#define SQL_NODE  "SELECT hash FROM merkle WHERE level = ?1 AND idx = ?2"
#define SQL_PUT   "INSERT INTO merkle(level, idx, hash) VALUES (?1, ?2, ?3)"
#define SQL_LAST  "SELECT size, time_ms, root, sig FROM tree_heads ORDER BY size DESC LIMIT 1"
#define SQL_HEADS "SELECT size, time_ms, root, sig FROM tree_heads ORDER BY size"
#define SQL_SCAN  "SELECT seq, time_ms, unit, kind, payload, hash FROM ledger ORDER BY seq"

/* --- frontier ------------------------------------------------------------- */

void treelog_frontier_init(struct treelog_frontier *f)
{
    memset(f, 0, sizeof *f);
}

int treelog_frontier_add(struct treelog_frontier *f, const uint8_t leaf[MERKLE_HASH_LEN],
                         int (*node)(void *arg, unsigned level, uint64_t idx,
                                     const uint8_t hash[MERKLE_HASH_LEN]),
                         void *arg)
{
    uint8_t h[MERKLE_HASH_LEN];
    uint64_t idx = f->size;
    unsigned level = 0;

    memcpy(h, leaf, MERKLE_HASH_LEN);
    /* A node at an odd index completes its parent with the left sibling,
     * the newest complete subtree one level down. Only the top of the run
     * joins the frontier: the levels below it are no longer on the edge. */
    while (idx & 1) {
        merkle_node_hash(f->h[level], h, h);
        level++;
        idx >>= 1;
        if (level >= TREELOG_LEVELS)
            return TDKT_ETOOBIG;
        if (node) {
            int rc = node(arg, level, idx, h);
            if (rc < 0)
                return rc;
        }
    }
    memcpy(f->h[level], h, MERKLE_HASH_LEN);
    f->size++;
    return 0;
}

int treelog_frontier_root(const struct treelog_frontier *f, uint8_t root[MERKLE_HASH_LEN])
{
    int have = 0;

    if (f->size == 0) {
        merkle_empty_root(root);
        return 0;
    }
    /* The perfect subtrees of size's binary decomposition, folded from the
     * smallest (rightmost) up: RFC 6962's MTH for any size. */
    for (unsigned level = 0; level < TREELOG_LEVELS; level++) {
        if (!(f->size >> level & 1))
            continue;
        if (!have) {
            memcpy(root, f->h[level], MERKLE_HASH_LEN);
            have = 1;
        } else {
            merkle_node_hash(f->h[level], root, root);
        }
    }
    return 0;
}

/* --- stored nodes ----------------------------------------------------------- */

static int blob32(sqlite3_stmt *st, int col, uint8_t out[MERKLE_HASH_LEN])
{
    const void *b = sqlite3_column_blob(st, col);
    if (!b || sqlite3_column_bytes(st, col) != MERKLE_HASH_LEN)
        return TDKT_ECORRUPT;
    memcpy(out, b, MERKLE_HASH_LEN);
    return 0;
}

static int node_get(void *arg, unsigned level, uint64_t idx, uint8_t out[MERKLE_HASH_LEN])
{
    struct ledger *l = arg;
    sqlite3_stmt *st;
    int rc;

    if (idx > (uint64_t)INT64_MAX - 1)
        return TDKT_EINVAL;
    if (level == 0)
        rc = sql_query(l, &st, SQL_LEAF, "i", (int64_t)idx + 1);
    else
        rc = sql_query(l, &st, SQL_NODE, "ii", (int64_t)level, (int64_t)idx);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a Merkle node");
    if (rc == 1)
        rc = blob32(st, 0, out);
    else if (rc == 0) {
        log_error("ledger: Merkle node (%u, %" PRIu64 ") is missing", level, idx);
        rc = TDKT_ECORRUPT;
    }
    sql_done(st);
    return rc;
}

static int node_put(void *arg, unsigned level, uint64_t idx, const uint8_t hash[MERKLE_HASH_LEN])
{
    return sql_exec((struct ledger *)arg, "storing a Merkle node", SQL_PUT, "iib", (int64_t)level,
                    (int64_t)idx, hash, (size_t)MERKLE_HASH_LEN);
}

int treelog_append(struct ledger *l, uint64_t index, const uint8_t leaf[MERKLE_HASH_LEN])
{
    return merkle_append(index, leaf, node_get, node_put, l);
}

int treelog_root(struct ledger *l, uint64_t size, uint8_t root[MERKLE_HASH_LEN])
{
    uint64_t height = 0;
    int rc = ledger_head(l, &height, NULL);
    if (rc < 0)
        return rc;
    if (size > height)
        return TDKT_EINVAL;
    return merkle_root(size, node_get, l, root);
}

int treelog_inclusion(struct ledger *l, uint64_t seq, uint64_t size,
                      uint8_t (*path)[MERKLE_HASH_LEN], size_t cap, size_t *len)
{
    uint64_t height = 0;
    int rc = ledger_head(l, &height, NULL);
    if (rc < 0)
        return rc;
    if (seq == 0 || seq > size || size > height)
        return TDKT_EINVAL;
    return merkle_inclusion_proof(seq - 1, size, node_get, l, path, cap, len);
}

int treelog_consistency(struct ledger *l, uint64_t m, uint64_t n, uint8_t (*path)[MERKLE_HASH_LEN],
                        size_t cap, size_t *len)
{
    uint64_t height = 0;
    int rc = ledger_head(l, &height, NULL);
    if (rc < 0)
        return rc;
    if (m == 0 || m > n || n > height)
        return TDKT_EINVAL;
    return merkle_consistency_proof(m, n, node_get, l, path, cap, len);
}

/* --- signed heads ------------------------------------------------------------ */

static int head_row(sqlite3_stmt *st, struct tree_head *h)
{
    const void *sig = sqlite3_column_blob(st, 3);
    if (sqlite3_column_int64(st, 0) < 0 || blob32(st, 2, h->root) < 0 || !sig ||
        sqlite3_column_bytes(st, 3) != STH_SIG_LEN)
        return TDKT_ECORRUPT;
    h->size = (uint64_t)sqlite3_column_int64(st, 0);
    h->time_ms = sqlite3_column_int64(st, 1);
    memcpy(h->sig, sig, STH_SIG_LEN);
    return 0;
}

int treelog_last_head(struct ledger *l, struct tree_head *out)
{
    sqlite3_stmt *st;
    int rc = sql_query(l, &st, SQL_LAST, "");
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading the last tree head");
    if (rc == 1)
        rc = head_row(st, out);
    else if (rc == 0)
        rc = TDKT_ENOTFOUND;
    sql_done(st);
    return rc;
}

int treelog_check_last(struct ledger *l, char *why, size_t cap)
{
    struct tree_head h;
    uint8_t root[MERKLE_HASH_LEN];
    uint64_t height = 0;
    int rc = treelog_last_head(l, &h);

    if (rc == TDKT_ENOTFOUND)
        return 0;
    if (rc == 0)
        rc = ledger_head(l, &height, NULL);
    if (rc < 0)
        return rc;
    if (h.size > height) {
        snprintf(why, cap,
                 "the ledger has %" PRIu64 " entries but a signed tree head covers %" PRIu64
                 ": entries were removed",
                 height, h.size);
        return TDKT_ECORRUPT;
    }
    rc = merkle_root(h.size, node_get, l, root);
    if (rc == 0 && memcmp(root, h.root, MERKLE_HASH_LEN) != 0) {
        snprintf(why, cap,
                 "the first %" PRIu64 " entries no longer match their signed tree head: "
                 "history was rewritten",
                 h.size);
        rc = TDKT_ECORRUPT;
    }
    return rc;
}

int treelog_pinned_key(struct ledger *l, uint8_t pub[STH_PUB_LEN])
{
    char hex[2 * STH_PUB_LEN + 1];
    int rc = ledger_meta_get(l, "ledger_key", hex, sizeof hex);
    if (rc < 0)
        return rc;
    size_t n = 0;
    if (hex_decode(hex, strlen(hex), pub, STH_PUB_LEN, &n) != 0 || n != STH_PUB_LEN)
        return TDKT_ECORRUPT;
    return 0;
}

/* The signer must be the key this ledger has always been signed with; the
 * first head pins it. */
static int check_pin(struct ledger *l, const uint8_t pub[STH_PUB_LEN])
{
    uint8_t pinned[STH_PUB_LEN];
    char hex[2 * STH_PUB_LEN + 1];
    int rc = treelog_pinned_key(l, pinned);

    if (rc == 0)
        return memcmp(pinned, pub, STH_PUB_LEN) == 0 ? 0 : TDKT_EAUTH;
    if (rc != TDKT_ENOTFOUND)
        return rc;
    hex_encode(pub, STH_PUB_LEN, hex);
    return sql_exec(l, "pinning the ledger key", "INSERT INTO meta(key, value) VALUES (?1, ?2)",
                    "tt", "ledger_key", hex);
}

int treelog_head(struct ledger *l, int64_t now_ms, struct tree_head *out)
{
    EVP_PKEY *key = ledger_signer(l);
    struct tree_head last, h;
    uint8_t pub[STH_PUB_LEN];
    uint64_t height = 0;
    int rc, have_last;

    rc = ledger_head(l, &height, NULL);
    if (rc < 0)
        return rc;
    rc = treelog_last_head(l, &last);
    if (rc < 0 && rc != TDKT_ENOTFOUND)
        return rc;
    have_last = rc == 0;
    if (have_last && last.size == height) {
        *out = last;
        return 0;
    }
    if (have_last && last.size > height) {
        log_error("ledger: a tree head of size %" PRIu64 " exists above the height %" PRIu64,
                  last.size, height);
        return TDKT_ECORRUPT;
    }
    if (!key) {
        log_error("ledger: no ledger key to sign a tree head with");
        return TDKT_EINVAL;
    }
    rc = sth_key_public(key, pub);
    if (rc == 0)
        rc = check_pin(l, pub);
    if (rc == TDKT_EAUTH)
        log_error("ledger: the ledger key is not the one this ledger was signed with "
                  "(meta ledger_key); refusing to sign");
    if (rc < 0)
        return rc;
    memset(&h, 0, sizeof h);
    h.size = height;
    h.time_ms = have_last && now_ms < last.time_ms ? last.time_ms : now_ms;
    rc = merkle_root(height, node_get, l, h.root);
    if (rc == 0)
        rc = sth_sign(key, &h);
    if (rc == 0)
        rc = sql_exec(l, "storing a tree head",
                      "INSERT INTO tree_heads(size, time_ms, root, sig) VALUES (?1, ?2, ?3, ?4)",
                      "iibb", (int64_t)h.size, h.time_ms, h.root, (size_t)MERKLE_HASH_LEN, h.sig,
                      (size_t)STH_SIG_LEN);
    if (rc < 0)
        return rc;
    *out = h;
    return 0;
}

/* --- verification ------------------------------------------------------------ */

struct verify_ctx {
    struct ledger *l;
    struct treelog_verify *v;
};

static int verify_node(void *arg, unsigned level, uint64_t idx, const uint8_t hash[MERKLE_HASH_LEN])
{
    struct verify_ctx *c = arg;
    uint8_t stored[MERKLE_HASH_LEN];
    int rc = node_get(c->l, level, idx, stored);

    if (rc == 0 && memcmp(stored, hash, MERKLE_HASH_LEN) != 0)
        rc = TDKT_ECORRUPT;
    if (rc == TDKT_ECORRUPT)
        snprintf(c->v->what, sizeof c->v->what,
                 "Merkle node (level %u, index %" PRIu64 ") does not match the entries below it",
                 level, idx);
    c->v->nodes++;
    return rc;
}

/* Check the stored heads of exactly f->size entries. */
static int verify_heads_at(struct ledger *l, sqlite3_stmt *heads, int *have, struct tree_head *h,
                           const struct treelog_frontier *f, const uint8_t *pub,
                           struct treelog_verify *v)
{
    uint8_t root[MERKLE_HASH_LEN];
    int rc;

    while (*have && h->size == f->size) {
        treelog_frontier_root(f, root);
        v->heads++;
        if (memcmp(root, h->root, MERKLE_HASH_LEN) != 0) {
            v->bad_head = h->size;
            snprintf(v->what, sizeof v->what,
                     "the signed tree head of size %" PRIu64
                     " does not match the root recomputed from the entries",
                     h->size);
            return TDKT_ECORRUPT;
        }
        if (pub && sth_verify(pub, h) != 0) {
            v->bad_head = h->size;
            snprintf(v->what, sizeof v->what,
                     "the signature on the tree head of size %" PRIu64 " is not valid", h->size);
            return TDKT_ECORRUPT;
        }
        rc = sql_step(l, heads, "reading tree heads");
        if (rc < 0)
            return rc;
        *have = rc == 1;
        if (*have && head_row(heads, h) < 0)
            return TDKT_ECORRUPT;
    }
    return 0;
}

static int verify_scan(struct ledger *l, const uint8_t *pub, struct treelog_verify *v)
{
    struct treelog_frontier f;
    struct verify_ctx ctx = {l, v};
    struct tree_head h;
    sqlite3_stmt *scan = NULL, *heads = NULL;
    uint8_t leaf[MERKLE_HASH_LEN];
    int rc, have;

    treelog_frontier_init(&f);
    /* Dedicated statements: the node lookups reuse the cached ones. */
    if (sqlite3_prepare_v2(ledger_db(l), SQL_SCAN, -1, &scan, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(ledger_db(l), SQL_HEADS, -1, &heads, NULL) != SQLITE_OK) {
        rc = TDKT_EDB;
        goto out;
    }
    rc = sql_step(l, heads, "reading tree heads");
    if (rc < 0)
        goto out;
    have = rc == 1;
    if (have && (rc = head_row(heads, &h)) < 0)
        goto out;
    if (have && !pub) {
        snprintf(v->what, sizeof v->what,
                 "signed tree heads exist but no ledger key is pinned in meta (it was removed)");
        rc = TDKT_ECORRUPT;
        goto out;
    }
    if (have && h.size == 0)
        rc = verify_heads_at(l, heads, &have, &h, &f, pub, v);
    while (rc >= 0 && (rc = sqlite3_step(scan)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(scan, 0);
        const char *unit = (const char *)sqlite3_column_text(scan, 2);
        const char *kind = (const char *)sqlite3_column_text(scan, 3);
        const uint8_t *payload = sqlite3_column_blob(scan, 4);
        uint8_t stored[MERKLE_HASH_LEN];

        if (seq < 1 || (uint64_t)seq != f.size + 1 || !unit || !kind ||
            blob32(scan, 5, stored) < 0) {
            v->bad_seq = f.size + 1;
            snprintf(v->what, sizeof v->what,
                     "entry %" PRIu64 " is missing, out of order or malformed (found seq %" PRId64
                     ")",
                     f.size + 1, seq);
            rc = TDKT_ECORRUPT;
            break;
        }
        rc = ledger_leaf_hash((uint64_t)seq, sqlite3_column_int64(scan, 1), unit, kind, payload,
                              (size_t)sqlite3_column_bytes(scan, 4), leaf);
        if (rc < 0)
            break;
        if (memcmp(leaf, stored, MERKLE_HASH_LEN) != 0) {
            v->bad_seq = (uint64_t)seq;
            snprintf(v->what, sizeof v->what,
                     "entry %" PRId64 " does not match its stored hash (its content was changed)",
                     seq);
            rc = TDKT_ECORRUPT;
            break;
        }
        rc = treelog_frontier_add(&f, leaf, verify_node, &ctx);
        if (rc == TDKT_ECORRUPT)
            v->bad_seq = (uint64_t)seq;
        if (rc < 0)
            break;
        v->entries++;
        rc = verify_heads_at(l, heads, &have, &h, &f, pub, v);
    }
    if (rc == SQLITE_DONE)
        rc = 0;
    else if (rc > 0)
        rc = TDKT_EDB;
    if (rc == 0 && have) {
        v->bad_head = h.size;
        snprintf(v->what, sizeof v->what,
                 "a signed tree head of size %" PRIu64 " exists but the ledger has only %" PRIu64
                 " entries (entries were removed)",
                 h.size, f.size);
        rc = TDKT_ECORRUPT;
    }
out:
    sqlite3_finalize(scan);
    sqlite3_finalize(heads);
    return rc;
}

int treelog_verify(struct ledger *l, const uint8_t *pub, struct treelog_verify *v)
{
    uint8_t pinned[STH_PUB_LEN];
    int rc, own_txn = 0;

    memset(v, 0, sizeof *v);
    if (!pub) {
        rc = treelog_pinned_key(l, pinned);
        if (rc == 0)
            pub = pinned;
        else if (rc != TDKT_ENOTFOUND)
            return rc;
    }
    /* One read transaction is one snapshot across the three tables. */
    if (sqlite3_get_autocommit(ledger_db(l))) {
        if (sqlite3_exec(ledger_db(l), "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
            return TDKT_EDB;
        own_txn = 1;
    }
    rc = verify_scan(l, pub, v);
    if (own_txn)
        sqlite3_exec(ledger_db(l), "COMMIT", NULL, NULL, NULL);
    if (rc == TDKT_ECORRUPT)
        log_error("ledger: %s", v->what);
    return rc;
}
