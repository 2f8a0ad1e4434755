/* SPDX-License-Identifier: MIT */
/*
 * Receipts (server/dispatch/receipt.h) on a real ledger with a signing key,
 * driven step by step as the database thread drives them, so that what
 * shares a batch is the test's choice: a new id is not found; a completed
 * write is replayed with the same sequence, hash, head and a valid audit
 * path; the same id with another body is REQUEST_ID_REUSED; a retry of an
 * id written earlier in the same, uncommitted batch waits (RELOAD) and gets
 * its original's completed receipt from the batch's finish steps; first_seq
 * names the first entry a write appended, and is 0 when it appended none.
 */
#include "ledger_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto/merkle.h"
#include "common/crypto/sth.h"
#include "common/err.h"
#include "server/dispatch/receipt.h"
#include "server/ledger/treelog.h"

#define NOW 1800000000000 /* the time the tests sign heads at, ms */

/* One write's identity: who, which id, what body. */
struct write {
    const char *unit;
    uint8_t id[LEDGER_REQUEST_ID_LEN];
    uint8_t body[64];
    size_t body_len;
    uint8_t hash[LEDGER_HASH_LEN];
    struct receipt_key key;
};

/* A write by unit with request id byte `id` and the body text. */
static void write_init(struct write *w, const char *unit, uint8_t id, const char *text)
{
    memset(w, 0, sizeof *w);
    w->unit = unit;
    memset(w->id, id, sizeof w->id);
    w->body_len = strlen(text);
    assert_true(w->body_len <= sizeof w->body);
    memcpy(w->body, text, w->body_len);
    ledger_sha256(w->body, w->body_len, w->hash);
    w->key = (struct receipt_key){w->unit, w->id, w->hash};
}

/* What request_run does for a write, inside its own savepoint: the lookup,
 * then (when new) `notes` note entries and receipt_store. Returns the
 * lookup's result: 0 new, 1 seen. */
static int run_write(struct tu_ledger *t, struct write *w, int notes, struct receipt *c)
{
    struct fault err;
    int rc;

    memset(&err, 0, sizeof err);
    assert_int_equal(ledger_savepoint(t->l), 0);
    rc = receipt_lookup(c, t->l, &w->key, &err);
    if (rc < 0)
        fail_msg("receipt_lookup: %s", err.why.text);
    if (rc == 0) {
        for (int i = 0; i < notes; i++) {
            char key[32];
            snprintf(key, sizeof key, "k%02x-%d", w->id[0], i);
            assert_int_equal(ledger_note_put(t->l, NOW, w->unit, w->body, w->body_len, key,
                                             "ghi chú", NULL, NULL),
                             0);
        }
        c->appended = (uint32_t)notes;
        c->unchanged = notes ? 0 : 1;
        assert_int_equal(receipt_store(c, t->l, &w->key, &err), 0);
        assert_int_equal(c->state, RECEIPT_SIGN);
    }
    assert_int_equal(ledger_release(t->l), 0);
    return rc;
}

static void finish(struct tu_ledger *t, struct write *w, struct receipt *c)
{
    struct fault err;

    memset(&err, 0, sizeof err);
    if (receipt_finish(c, t->l, &w->key, NOW, &err) < 0)
        fail_msg("receipt_finish: %s", err.why.text);
}

/* One write as a batch of its own: run, finish, COMMIT. */
static void write_alone(struct tu_ledger *t, struct write *w, int notes, struct receipt *c)
{
    assert_int_equal(ledger_begin(t->l), 0);
    assert_int_equal(run_write(t, w, notes, c), 0);
    finish(t, w, c);
    assert_int_equal(ledger_commit(t->l), 0);
}

/* c is complete: signed by the ledger's key, and its audit path proves that
 * its entry hash is leaf seq - 1 of the signed tree. */
static void assert_proves(struct tu_ledger *t, const struct receipt *c)
{
    uint8_t pub[STH_PUB_LEN];

    assert_true(c->has_sth);
    assert_int_equal(sth_key_public(t->signer, pub), 0);
    assert_int_equal(sth_verify(pub, &c->sth), 0);
    assert_true(c->seq >= 1 && c->seq <= c->sth.size);
    assert_int_equal(merkle_verify_inclusion(c->seq - 1, c->sth.size, c->hash,
                                             (const uint8_t(*)[MERKLE_HASH_LEN])c->proof,
                                             c->proof_len, c->sth.root),
                     0);
}

/* a and b are the same receipt, down to the head and the path. */
static void assert_same_receipt(const struct receipt *a, const struct receipt *b)
{
    assert_int_equal(a->seq, b->seq);
    assert_memory_equal(a->hash, b->hash, LEDGER_HASH_LEN);
    assert_int_equal(a->time_ms, b->time_ms);
    assert_int_equal(a->appended, b->appended);
    assert_int_equal(a->unchanged, b->unchanged);
    assert_int_equal(a->first_seq, b->first_seq);
    assert_int_equal(a->has_sth, b->has_sth);
    assert_int_equal(a->sth.size, b->sth.size);
    assert_int_equal(a->sth.time_ms, b->sth.time_ms);
    assert_memory_equal(a->sth.root, b->sth.root, MERKLE_HASH_LEN);
    assert_memory_equal(a->sth.sig, b->sth.sig, STH_SIG_LEN);
    assert_int_equal(a->proof_len, b->proof_len);
    if (a->proof_len)
        assert_memory_equal(a->proof, b->proof, a->proof_len * MERKLE_HASH_LEN);
}

/* An id never seen is new: 0, nothing filled in. */
static void test_new_id_not_found(void **state)
{
    struct tu_ledger *t = *state;
    struct write w;
    struct receipt c;
    struct fault err;

    write_init(&w, "VKSCC1", 0x11, "note 1");
    memset(&c, 0, sizeof c);
    memset(&err, 0, sizeof err);
    assert_int_equal(ledger_begin(t->l), 0);
    assert_int_equal(receipt_lookup(&c, t->l, &w.key, &err), 0);
    assert_int_equal(ledger_rollback(t->l), 0);
    assert_int_equal(c.state, RECEIPT_NONE);
    assert_false(c.replayed);
    assert_false(c.has_sth);
    assert_false(fault_is_set(&err));
}

/* A committed write is replayed: the same entry, head and audit path as
 * its first answer, marked replayed, and nothing more is written. */
static void test_completed_write_replays(void **state)
{
    struct tu_ledger *t = *state;
    struct write w;
    struct receipt first, again;
    struct fault err;
    uint8_t head[LEDGER_HASH_LEN];
    uint64_t height;

    write_init(&w, "VKSCC1", 0x11, "note 1");
    memset(&first, 0, sizeof first);
    write_alone(t, &w, 1, &first);
    assert_int_equal(ledger_head(t->l, &height, head), 0);
    assert_int_equal(first.seq, height);
    assert_memory_equal(first.hash, head, LEDGER_HASH_LEN);
    assert_false(first.replayed);
    assert_int_equal(first.sth.size, height);
    assert_proves(t, &first);

    memset(&again, 0, sizeof again);
    memset(&err, 0, sizeof err);
    assert_int_equal(ledger_begin(t->l), 0);
    assert_int_equal(receipt_lookup(&again, t->l, &w.key, &err), 1);
    assert_int_equal(ledger_commit(t->l), 0);
    assert_true(again.replayed);
    assert_int_equal(again.state, RECEIPT_NONE); /* complete already: no finish step */
    assert_same_receipt(&again, &first);
    assert_proves(t, &again);
    assert_int_equal(tu_ledger_height(t), height);
    receipt_release(&again);
    receipt_release(&first);
}

/* The same id with another body is refused, naming the request id; the
 * same id from another unit is another request. */
static void test_other_body_reused(void **state)
{
    struct tu_ledger *t = *state;
    struct write w, other_body, other_unit;
    struct receipt first, c;
    struct fault err;

    write_init(&w, "VKSCC1", 0x22, "note 1");
    memset(&first, 0, sizeof first);
    write_alone(t, &w, 1, &first);

    write_init(&other_body, "VKSCC1", 0x22, "note 2");
    memset(&c, 0, sizeof c);
    memset(&err, 0, sizeof err);
    assert_int_equal(ledger_begin(t->l), 0);
    assert_int_equal(receipt_lookup(&c, t->l, &other_body.key, &err), TDKT_EREUSED);
    assert_int_equal(fault_wire(&err), TDKT__ERROR_CODE__ERROR_CODE_REQUEST_ID_REUSED);
    assert_string_equal(err.field, "request_id");
    assert_false(c.replayed);

    write_init(&other_unit, "VKSCC2", 0x22, "note 2");
    memset(&err, 0, sizeof err);
    assert_int_equal(receipt_lookup(&c, t->l, &other_unit.key, &err), 0);
    assert_int_equal(ledger_rollback(t->l), 0);
    receipt_release(&first);
}

/* A retry pipelined into the batch that holds its original: the lookup
 * finds the receipt stored without a head (RELOAD); after the batch's
 * finish steps, in job order, it is the original's completed receipt, and
 * every receipt of the batch carries the one head signed for it. */
static void test_retry_in_same_batch_reloads(void **state)
{
    struct tu_ledger *t = *state;
    struct write a, b;
    struct receipt orig, retry, later;

    write_init(&a, "VKSCC1", 0x33, "note A");
    write_init(&b, "VKSCC2", 0x44, "note B");
    memset(&orig, 0, sizeof orig);
    memset(&retry, 0, sizeof retry);
    memset(&later, 0, sizeof later);

    assert_int_equal(ledger_begin(t->l), 0);
    assert_int_equal(run_write(t, &a, 1, &orig), 0);
    assert_int_equal(run_write(t, &a, 1, &retry), 1);
    assert_int_equal(retry.state, RECEIPT_RELOAD);
    assert_true(retry.replayed);
    assert_false(retry.has_sth);
    assert_int_equal(retry.seq, orig.seq);
    assert_memory_equal(retry.hash, orig.hash, LEDGER_HASH_LEN);
    /* Another write after the retry: the batch's head is past the original. */
    assert_int_equal(run_write(t, &b, 1, &later), 0);
    uint64_t height = tu_ledger_height(t);
    assert_int_equal(later.seq, height);
    assert_int_equal(orig.seq, height - 1); /* the retry appended nothing */

    finish(t, &a, &orig);
    finish(t, &a, &retry);
    finish(t, &b, &later);
    assert_int_equal(ledger_commit(t->l), 0);

    assert_true(retry.replayed);
    assert_false(orig.replayed);
    assert_same_receipt(&retry, &orig);
    assert_proves(t, &orig);
    assert_proves(t, &retry);
    assert_proves(t, &later);
    /* One head for the whole batch, at its end. */
    assert_int_equal(orig.sth.size, height);
    assert_int_equal(later.sth.size, height);
    assert_memory_equal(orig.sth.sig, later.sth.sig, STH_SIG_LEN);
    receipt_release(&later);
    receipt_release(&retry);
    receipt_release(&orig);
}

/* first_seq is the first entry a write appended; 0 when it appended none,
 * and then seq and hash name the head at that moment. */
static void test_first_seq(void **state)
{
    struct tu_ledger *t = *state;
    struct write three, none;
    struct receipt c3, c0;
    uint8_t head[LEDGER_HASH_LEN];
    uint64_t before = tu_ledger_height(t), height;

    write_init(&three, "VKSCC3", 0x55, "three notes");
    memset(&c3, 0, sizeof c3);
    write_alone(t, &three, 3, &c3);
    assert_int_equal(c3.appended, 3);
    assert_int_equal(c3.seq, before + 3);
    assert_int_equal(c3.first_seq, before + 1);
    assert_proves(t, &c3);

    write_init(&none, "VKSCC3", 0x66, "nothing new");
    memset(&c0, 0, sizeof c0);
    write_alone(t, &none, 0, &c0);
    assert_int_equal(ledger_head(t->l, &height, head), 0);
    assert_int_equal(height, before + 3);
    assert_int_equal(c0.appended, 0);
    assert_int_equal(c0.first_seq, 0);
    assert_int_equal(c0.seq, height);
    assert_memory_equal(c0.hash, head, LEDGER_HASH_LEN);
    assert_proves(t, &c0);
    receipt_release(&c0);
    receipt_release(&c3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_id_not_found, tu_ledger_cmocka_setup,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_completed_write_replays, tu_ledger_cmocka_setup,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_other_body_reused, tu_ledger_cmocka_setup,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_retry_in_same_batch_reloads, tu_ledger_cmocka_setup,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_first_seq, tu_ledger_cmocka_setup,
                                        tu_ledger_cmocka_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
