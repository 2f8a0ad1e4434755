/* SPDX-License-Identifier: MIT */
/*
 * The caps on a reconcile request, the office's side: the planner
 * (reconcile_plan_request, client/lib/reconcile.c) never puts more than
 * RECON_RANGES_MAX ranges or RECON_FETCH_MAX fetch keys into one request,
 * nor so many bytes of them that the frame would pass FRAME_MAX_AUTHED with
 * the longest keys, and always makes progress. The server's side is
 * tests/unit/test_reconcile_caps.c.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "client/lib/reconcile.h"
#include "common/domain/records.h"
#include "common/sync/rangedigest.h"
#include "common/wire/frame.h"

/* Longest strings a RecordKey may hold. */
#define LONG_CODE RECORD_CODE_MAX
#define LONG_KEY  RECORD_KEY_MAX

struct queue {
    Tdkt__RangeSummary **ranges;
    Tdkt__RecordKey **fetch;
    Tdkt__RangeSummary range;
    Tdkt__RecordKey lo, hi, key;
    char code[LONG_CODE + 1], rkey[LONG_KEY + 1];
    uint8_t digest[RD_HASH_LEN];
};

/* nr copies of one range and nf of one key; long: every string at its
 * longest, else short as in practice. */
static struct queue *queue_new(size_t nr, size_t nf, int long_keys)
{
    struct queue *q = calloc(1, sizeof *q);
    assert_non_null(q);
    memset(q->code, 'A', long_keys ? LONG_CODE : 6);
    memset(q->rkey, 'k', long_keys ? LONG_KEY : 12);
    for (int i = 0; i < 3; i++) {
        Tdkt__RecordKey *k = i == 0 ? &q->lo : i == 1 ? &q->hi : &q->key;
        tdkt__record_key__init(k);
        k->unit = q->code;
        k->kind = q->code;
        k->key = q->rkey;
        k->year = 2024;
    }
    tdkt__range_summary__init(&q->range);
    q->range.lo = &q->lo;
    q->range.hi = &q->hi;
    q->range.count = 123456789;
    q->range.digest.data = q->digest;
    q->range.digest.len = RD_HASH_LEN;
    q->ranges = calloc(nr + 1, sizeof *q->ranges);
    q->fetch = calloc(nf + 1, sizeof *q->fetch);
    assert_true(q->ranges && q->fetch);
    for (size_t i = 0; i < nr; i++)
        q->ranges[i] = &q->range;
    for (size_t i = 0; i < nf; i++)
        q->fetch[i] = &q->key;
    return q;
}

static void queue_free(struct queue *q)
{
    free(q->ranges);
    free(q->fetch);
    free(q);
}

/* Plan requests until the queue is empty, as compare_all does; every
 * request within the caps and, packed, within the frame limit. */
static size_t plan_all(struct queue *q, size_t nranges, size_t nfetch, int audit)
{
    size_t ro = 0, fo = 0, requests = 0;
    do {
        Tdkt__ReconcileRequest m = TDKT__RECONCILE_REQUEST__INIT;
        uint64_t seqs[RECON_AUDIT_MAX];
        size_t nr, nf;

        reconcile_plan_request(q->ranges + ro, nranges - ro, q->fetch + fo, nfetch - fo, &nr, &nf);
        assert_true(nr > 0 || nf > 0 || (nranges == 0 && nfetch == 0));
        assert_true(nr <= RECON_RANGES_MAX && nf <= RECON_FETCH_MAX);
        m.ranges = q->ranges + ro;
        m.n_ranges = nr;
        m.fetch = q->fetch + fo;
        m.n_fetch = nf;
        if (audit) {
            for (size_t i = 0; i < RECON_AUDIT_MAX; i++)
                seqs[i] = UINT64_MAX - i; /* the longest varints */
            m.audit = 1;
            m.from_size = UINT64_MAX;
            m.audit_seqs = seqs;
            m.n_audit_seqs = RECON_AUDIT_MAX;
        }
        /* the envelope adds a version, a 16-byte id and the body's tag and length */
        assert_true(tdkt__reconcile_request__get_packed_size(&m) + 32 <= FRAME_MAX_AUTHED);
        ro += nr;
        fo += nf;
        requests++;
    } while (ro < nranges || fo < nfetch);
    return requests;
}

static void test_plan_splits_by_count(void **state)
{
    struct queue *q = queue_new(2 * RECON_RANGES_MAX + 1, RECON_FETCH_MAX + 5, 0);
    (void)state;
    /* short keys: the counts bind, not the bytes */
    assert_int_equal(plan_all(q, 2 * RECON_RANGES_MAX + 1, RECON_FETCH_MAX + 5, 1), 3);
    assert_int_equal(plan_all(q, 0, RECON_FETCH_MAX + 5, 1), 2);
    assert_int_equal(plan_all(q, 10, 10, 1), 1);
    assert_int_equal(plan_all(q, 0, 0, 1), 1); /* the audit alone */
    queue_free(q);
}

static void test_plan_splits_by_bytes(void **state)
{
    size_t nr, nf;
    struct queue *q = queue_new(RECON_RANGES_MAX, RECON_FETCH_MAX, 1);
    (void)state;
    /* Longest keys: the caps' worth would not fit in one frame. */
    reconcile_plan_request(q->ranges, RECON_RANGES_MAX, q->fetch, RECON_FETCH_MAX, &nr, &nf);
    assert_true(nr > 0 && nr < RECON_RANGES_MAX);
    assert_true(nf <= 1); /* what is left of the bytes after the ranges */
    assert_true(plan_all(q, RECON_RANGES_MAX, RECON_FETCH_MAX, 1) > 2);
    assert_true(plan_all(q, 0, RECON_FETCH_MAX, 1) >= 2);
    queue_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_splits_by_count),
        cmocka_unit_test(test_plan_splits_by_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
