/* SPDX-License-Identifier: MIT */
/*
 * Frame codec: a peer's byte stream becomes frames however it is split, a
 * length above the limit is refused before any memory is reserved for it, and
 * a broken stream stays broken.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/wire/frame.h"

/* Upper bound the decoder may keep between frames. */
#define TEST_KEEP_MAX      FRAME_BODY_KEEP_MAX
#define GARBAGE_ROUNDS     3000
#define GARBAGE_STREAM_MAX 4096

/* Header + body for a frame whose body is len bytes of a pattern. */
static size_t make_frame(uint8_t *out, size_t len, uint8_t seed)
{
    assert_int_equal(frame_header_encode(len, SIZE_MAX, out), 0);
    for (size_t i = 0; i < len; i++)
        out[FRAME_HEADER_LEN + i] = (uint8_t)(seed + i);
    return FRAME_HEADER_LEN + len;
}

/* A frame of len bytes from seed (make_frame) in a buffer of its own; *n
 * gets its length. The caller frees it. */
static uint8_t *frame_alloc(size_t len, uint8_t seed, size_t *n)
{
    uint8_t *buf = malloc(FRAME_HEADER_LEN + len);

    assert_non_null(buf);
    *n = make_frame(buf, len, seed);
    return buf;
}

/* A decoder under test and what its last feed gave. */
struct dec {
    struct frame_decoder d;
    size_t used;
    const uint8_t *frame;
    size_t frame_len;
};

/* A decoder that takes frames of up to max bytes. */
static struct dec dec_new(size_t max)
{
    struct dec x = {.used = 0};

    frame_decoder_init(&x.d, max);
    return x;
}

/* Feed the n bytes at p to x's decoder; its result. */
static int feed(struct dec *x, const uint8_t *p, size_t n)
{
    return frame_decoder_feed(&x->d, p, n, &x->used, &x->frame, &x->frame_len);
}

/* Feed the n bytes at p: the result must be rc, with used bytes taken. */
static void feed_expect(struct dec *x, const uint8_t *p, size_t n, int rc, size_t used)
{
    assert_int_equal(feed(x, p, n), rc);
    assert_int_equal(x->used, used);
}

/* The last feed gave a frame of len bytes of make_frame's pattern from
 * seed. */
static void assert_body(const struct dec *x, size_t len, uint8_t seed)
{
    assert_non_null(x->frame);
    assert_int_equal(x->frame_len, len);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(x->frame[i], (uint8_t)(seed + i));
}

/* Feed the n bytes at p: they complete a frame of len bytes from seed. */
static void expect_frame(struct dec *x, const uint8_t *p, size_t n, size_t len, uint8_t seed)
{
    assert_int_equal(feed(x, p, n), 0);
    assert_body(x, len, seed);
}

static void test_single_frame_whole(void **state)
{
    struct dec x = dec_new(FRAME_MAX_PREAUTH);
    uint8_t buf[FRAME_HEADER_LEN + 100];
    size_t n = make_frame(buf, 100, 7);

    feed_expect(&x, buf, n, 0, n);
    assert_body(&x, 100, 7);

    /* The next call starts a fresh frame and needs more. */
    feed_expect(&x, NULL, 0, TDKT_EAGAIN, 0);
    assert_null(x.frame);
    frame_decoder_free(&x.d);
}

static void test_byte_at_a_time(void **state)
{
    struct dec x = dec_new(FRAME_MAX_PREAUTH);
    uint8_t buf[FRAME_HEADER_LEN + 300];
    size_t n = make_frame(buf, 300, 1);

    for (size_t i = 0; i < n; i++) {
        int rc = feed(&x, buf + i, 1);

        assert_int_equal(x.used, 1);
        assert_int_equal(rc, i + 1 == n ? 0 : TDKT_EAGAIN);
    }
    assert_body(&x, 300, 1);
    frame_decoder_free(&x.d);
}

static void test_two_frames_one_buffer(void **state)
{
    struct dec x = dec_new(FRAME_MAX_PREAUTH);
    uint8_t buf[2 * FRAME_HEADER_LEN + 10 + 20];
    size_t n1 = make_frame(buf, 10, 3);
    size_t n2 = make_frame(buf + n1, 20, 9);

    feed_expect(&x, buf, n1 + n2, 0, n1);
    assert_body(&x, 10, 3);
    feed_expect(&x, buf + x.used, n1 + n2 - x.used, 0, n2);
    assert_body(&x, 20, 9);
    frame_decoder_free(&x.d);
}

static void test_partial_header_then_rest(void **state)
{
    struct dec x = dec_new(FRAME_MAX_PREAUTH);
    uint8_t buf[FRAME_HEADER_LEN + 50];
    size_t n = make_frame(buf, 50, 0);

    feed_expect(&x, buf, 3, TDKT_EAGAIN, 3);
    assert_null(x.d.body);
    feed_expect(&x, buf + 3, n - 3, 0, n - 3);
    assert_body(&x, 50, 0);
    frame_decoder_free(&x.d);
}

static void test_oversize_refused_before_allocation(void **state)
{
    struct dec x = dec_new(FRAME_MAX_PREAUTH);
    uint8_t hdr[FRAME_HEADER_LEN];
    uint8_t more[64] = {0};

    assert_int_equal(frame_header_encode(FRAME_MAX_PREAUTH + 1, SIZE_MAX, hdr), 0);
    assert_int_equal(feed(&x, hdr, 3), TDKT_EAGAIN);
    assert_int_equal(feed(&x, hdr + 3, 1), TDKT_ETOOBIG);
    assert_null(x.d.body);
    assert_int_equal(x.d.body_cap, 0);

    /* Sticky: nothing more is consumed, whatever follows. */
    feed_expect(&x, more, sizeof(more), TDKT_ETOOBIG, 0);
    assert_null(x.frame);
    assert_null(x.d.body);
    frame_decoder_free(&x.d);
}

static void test_oversize_after_small_frame_keeps_buffer(void **state)
{
    struct dec x = dec_new(FRAME_MAX_PREAUTH);
    uint8_t buf[FRAME_HEADER_LEN + 10];
    uint8_t hdr[FRAME_HEADER_LEN];
    size_t n = make_frame(buf, 10, 0);

    assert_int_equal(feed(&x, buf, n), 0);
    assert_int_equal(x.d.body_cap, 10);
    assert_int_equal(frame_header_encode(UINT32_MAX, SIZE_MAX, hdr), 0);
    assert_int_equal(feed(&x, hdr, sizeof(hdr)), TDKT_ETOOBIG);
    assert_int_equal(x.d.body_cap, 10); /* no growth */
    frame_decoder_free(&x.d);
}

static void test_exact_max_accepted_max_plus_one_refused(void **state)
{
    struct dec x = dec_new(FRAME_MAX_PREAUTH);
    size_t n = FRAME_HEADER_LEN + FRAME_MAX_PREAUTH;
    uint8_t *buf = malloc(n + 1);

    assert_non_null(buf);
    make_frame(buf, FRAME_MAX_PREAUTH, 5);
    expect_frame(&x, buf, n, FRAME_MAX_PREAUTH, 5);
    frame_decoder_free(&x.d);

    make_frame(buf, FRAME_MAX_PREAUTH + 1, 5);
    frame_decoder_init(&x.d, FRAME_MAX_PREAUTH);
    feed_expect(&x, buf, n + 1, TDKT_ETOOBIG, FRAME_HEADER_LEN);
    assert_null(x.d.body);
    frame_decoder_free(&x.d);
    free(buf);
}

static void test_zero_length_refused(void **state)
{
    struct dec x = dec_new(FRAME_MAX_PREAUTH);
    uint8_t buf[FRAME_HEADER_LEN + 8] = {0};

    feed_expect(&x, buf, sizeof(buf), TDKT_EPROTO, FRAME_HEADER_LEN);
    assert_null(x.d.body);
    feed_expect(&x, buf, sizeof(buf), TDKT_EPROTO, 0);
    frame_decoder_free(&x.d);
}

static void test_set_max_preauth_to_authed(void **state)
{
    struct dec x = dec_new(FRAME_MAX_PREAUTH);
    size_t len = FRAME_MAX_PREAUTH * 4, n;
    uint8_t *buf = frame_alloc(len, 11, &n);

    /* Before Welcome the same frame is refused... */
    assert_int_equal(feed(&x, buf, n), TDKT_ETOOBIG);
    frame_decoder_free(&x.d);

    /* ...after it, accepted. */
    frame_decoder_init(&x.d, FRAME_MAX_PREAUTH);
    frame_decoder_set_max(&x.d, FRAME_MAX_AUTHED);
    expect_frame(&x, buf, n, len, 11);
    frame_decoder_free(&x.d);
    free(buf);
}

static void test_big_frame_buffer_released(void **state)
{
    struct dec x = dec_new(FRAME_MAX_AUTHED);
    size_t big = FRAME_MAX_AUTHED, n;
    uint8_t *buf = frame_alloc(big, 2, &n);
    uint8_t small[FRAME_HEADER_LEN + 16];
    size_t ns = make_frame(small, 16, 4);

    expect_frame(&x, buf, n, big, 2);
    /* An idle connection does not keep the 1 MiB once the frame is done. */
    assert_int_equal(feed(&x, NULL, 0), TDKT_EAGAIN);
    assert_true(x.d.body_cap <= TEST_KEEP_MAX);
    expect_frame(&x, small, ns, 16, 4);
    assert_true(x.d.body_cap <= TEST_KEEP_MAX);
    frame_decoder_free(&x.d);
    free(buf);
}

/* Memory follows the bytes that arrive, not the length announced: a peer
 * announcing 1 MiB and sending 10 bytes makes the decoder hold at most
 * FRAME_BODY_FIRST; the buffer then grows by doubling, never past the
 * announced length. */
static void test_memory_follows_bytes_received(void **state)
{
    struct dec x = dec_new(FRAME_MAX_AUTHED);
    size_t big = FRAME_MAX_AUTHED, n, off = 0;
    uint8_t *buf = frame_alloc(big, 6, &n);

    assert_int_equal(frame_decoder_held(&x.d), 0);
    assert_int_equal(frame_decoder_partial(&x.d), 0);
    /* The header alone reserves nothing. */
    assert_int_equal(feed(&x, buf, FRAME_HEADER_LEN), TDKT_EAGAIN);
    off += x.used;
    assert_int_equal(frame_decoder_held(&x.d), 0);
    assert_int_equal(frame_decoder_partial(&x.d), FRAME_HEADER_LEN);
    assert_int_equal(feed(&x, buf + off, 10), TDKT_EAGAIN);
    off += x.used;
    assert_int_equal(frame_decoder_held(&x.d), FRAME_BODY_FIRST);
    assert_int_equal(frame_decoder_partial(&x.d), FRAME_HEADER_LEN + 10);
    /* Half the body: held stays within twice what arrived. */
    assert_int_equal(feed(&x, buf + off, big / 2 - 10), TDKT_EAGAIN);
    off += x.used;
    assert_true(frame_decoder_held(&x.d) >= big / 2);
    assert_true(frame_decoder_held(&x.d) <= big);
    /* All but one byte: held is the announced length, not more. */
    assert_int_equal(feed(&x, buf + off, n - off - 1), TDKT_EAGAIN);
    off += x.used;
    assert_int_equal(frame_decoder_held(&x.d), big);
    assert_int_equal(frame_decoder_partial(&x.d), n - 1);
    expect_frame(&x, buf + off, 1, big, 6);
    assert_int_equal(frame_decoder_partial(&x.d), 0);
    frame_decoder_free(&x.d);
    free(buf);
}

/* trim gives the buffer of a finished frame back at once, without waiting
 * for the next feed; a partial frame is never touched. */
static void test_trim_after_frame(void **state)
{
    struct dec x = dec_new(FRAME_MAX_AUTHED);
    size_t big = 200 * 1024, n;
    uint8_t *buf = frame_alloc(big, 8, &n);
    uint8_t small[FRAME_HEADER_LEN + 16];
    size_t ns = make_frame(small, 16, 3);

    assert_int_equal(feed(&x, buf, n), 0);
    assert_int_equal(frame_decoder_held(&x.d), big);
    frame_decoder_trim(&x.d);
    assert_int_equal(frame_decoder_held(&x.d), 0);
    assert_null(x.d.body);
    frame_decoder_trim(&x.d); /* idempotent */

    /* A small frame's buffer is kept for the next one. */
    assert_int_equal(feed(&x, small, ns), 0);
    frame_decoder_trim(&x.d);
    assert_int_equal(frame_decoder_held(&x.d), 16);

    /* A partial frame stays. */
    assert_int_equal(feed(&x, buf, n / 2), TDKT_EAGAIN);
    size_t held = frame_decoder_held(&x.d);
    frame_decoder_trim(&x.d);
    assert_int_equal(frame_decoder_held(&x.d), held);
    expect_frame(&x, buf + n / 2, n - n / 2, big, 8);
    frame_decoder_free(&x.d);
    free(buf);
}

static void test_length_4gib_minus_1(void **state)
{
    struct dec x = dec_new(FRAME_MAX_AUTHED);
    const uint8_t hdr[FRAME_HEADER_LEN] = {0xFF, 0xFF, 0xFF, 0xFF};

    assert_int_equal(feed(&x, hdr, sizeof(hdr)), TDKT_ETOOBIG);
    assert_null(x.d.body);
    frame_decoder_free(&x.d);
}

/* xorshift64: the same seed gives the same streams on every run. */
static uint64_t prng_next(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void test_garbage_streams(void **state)
{
    uint64_t seed = 0x7d4b3a2c1e0f9a8bULL;
    uint8_t *stream = malloc(GARBAGE_STREAM_MAX);
    int total_frames = 0, total_errors = 0;

    assert_non_null(stream);
    for (int round = 0; round < GARBAGE_ROUNDS; round++) {
        struct frame_decoder d;
        size_t len = prng_next(&seed) % GARBAGE_STREAM_MAX;
        size_t max = 1 + prng_next(&seed) % 2048;
        size_t off = 0;
        int frames = 0;

        for (size_t i = 0; i < len; i++)
            stream[i] = (uint8_t)prng_next(&seed);
        /* Random headers are almost all huge; make half the streams start
         * with a plausible length so bodies get exercised too. */
        if (round % 2 && len >= FRAME_HEADER_LEN) {
            stream[0] = 0;
            stream[1] = 0;
            stream[2] = (uint8_t)(prng_next(&seed) % 8);
        }
        frame_decoder_init(&d, max);
        while (off < len) {
            size_t chunk = 1 + prng_next(&seed) % 64, used;
            const uint8_t *frame;
            size_t frame_len;
            int rc;

            if (chunk > len - off)
                chunk = len - off;
            rc = frame_decoder_feed(&d, stream + off, chunk, &used, &frame, &frame_len);
            assert_true(used <= chunk);
            off += used;
            if (rc == 0) {
                assert_non_null(frame);
                assert_true(frame_len > 0 && frame_len <= max);
                frames++;
            } else if (rc == TDKT_EAGAIN) {
                assert_int_equal(used, chunk);
            } else {
                assert_true(rc == TDKT_ETOOBIG || rc == TDKT_EPROTO);
                assert_true(d.body_len <= max);
                total_errors++;
                break;
            }
        }
        total_frames += frames;
        frame_decoder_free(&d);
    }
    free(stream);
    /* The streams reached every outcome, or the test proves little. */
    assert_true(total_frames > 0);
    assert_true(total_errors > 0);
}

static void test_header_encode(void **state)
{
    uint8_t hdr[FRAME_HEADER_LEN];

    assert_int_equal(frame_header_encode(0x01020304, SIZE_MAX, hdr), 0);
    assert_memory_equal(hdr, "\x01\x02\x03\x04", FRAME_HEADER_LEN);
    assert_int_equal(frame_header_encode(0, FRAME_MAX_AUTHED, hdr), TDKT_EPROTO);
    assert_int_equal(frame_header_encode(FRAME_MAX_PREAUTH, FRAME_MAX_PREAUTH, hdr), 0);
    assert_int_equal(frame_header_encode(FRAME_MAX_PREAUTH + 1, FRAME_MAX_PREAUTH, hdr),
                     TDKT_ETOOBIG);
    assert_int_equal(frame_header_encode(UINT32_MAX, SIZE_MAX, hdr), 0);
    assert_memory_equal(hdr, "\xFF\xFF\xFF\xFF", FRAME_HEADER_LEN);
#if SIZE_MAX > UINT32_MAX
    assert_int_equal(frame_header_encode((size_t)UINT32_MAX + 1, SIZE_MAX, hdr), TDKT_ETOOBIG);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_frame_whole),
        cmocka_unit_test(test_byte_at_a_time),
        cmocka_unit_test(test_two_frames_one_buffer),
        cmocka_unit_test(test_partial_header_then_rest),
        cmocka_unit_test(test_oversize_refused_before_allocation),
        cmocka_unit_test(test_oversize_after_small_frame_keeps_buffer),
        cmocka_unit_test(test_exact_max_accepted_max_plus_one_refused),
        cmocka_unit_test(test_zero_length_refused),
        cmocka_unit_test(test_set_max_preauth_to_authed),
        cmocka_unit_test(test_big_frame_buffer_released),
        cmocka_unit_test(test_memory_follows_bytes_received),
        cmocka_unit_test(test_trim_after_frame),
        cmocka_unit_test(test_length_4gib_minus_1),
        cmocka_unit_test(test_garbage_streams),
        cmocka_unit_test(test_header_encode),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
