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

static void assert_body(const uint8_t *frame, size_t frame_len, size_t len, uint8_t seed)
{
    assert_int_equal(frame_len, len);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(frame[i], (uint8_t)(seed + i));
}

static void test_single_frame_whole(void **state)
{
    struct frame_decoder d;
    uint8_t buf[FRAME_HEADER_LEN + 100];
    size_t n = make_frame(buf, 100, 7), used;
    const uint8_t *frame;
    size_t frame_len;

    frame_decoder_init(&d, FRAME_MAX_PREAUTH);
    assert_int_equal(frame_decoder_feed(&d, buf, n, &used, &frame, &frame_len), 0);
    assert_int_equal(used, n);
    assert_body(frame, frame_len, 100, 7);

    /* The next call starts a fresh frame and needs more. */
    assert_int_equal(frame_decoder_feed(&d, NULL, 0, &used, &frame, &frame_len), TDKT_EAGAIN);
    assert_int_equal(used, 0);
    assert_null(frame);
    frame_decoder_free(&d);
}

static void test_byte_at_a_time(void **state)
{
    struct frame_decoder d;
    uint8_t buf[FRAME_HEADER_LEN + 300];
    size_t n = make_frame(buf, 300, 1), used;
    const uint8_t *frame = NULL;
    size_t frame_len = 0;

    frame_decoder_init(&d, FRAME_MAX_PREAUTH);
    for (size_t i = 0; i < n; i++) {
        int rc = frame_decoder_feed(&d, buf + i, 1, &used, &frame, &frame_len);

        assert_int_equal(used, 1);
        assert_int_equal(rc, i + 1 == n ? 0 : TDKT_EAGAIN);
    }
    assert_body(frame, frame_len, 300, 1);
    frame_decoder_free(&d);
}

static void test_two_frames_one_buffer(void **state)
{
    struct frame_decoder d;
    uint8_t buf[2 * FRAME_HEADER_LEN + 10 + 20];
    size_t n1 = make_frame(buf, 10, 3);
    size_t n2 = make_frame(buf + n1, 20, 9);
    size_t used;
    const uint8_t *frame;
    size_t frame_len;

    frame_decoder_init(&d, FRAME_MAX_PREAUTH);
    assert_int_equal(frame_decoder_feed(&d, buf, n1 + n2, &used, &frame, &frame_len), 0);
    assert_int_equal(used, n1);
    assert_body(frame, frame_len, 10, 3);
    assert_int_equal(frame_decoder_feed(&d, buf + used, n1 + n2 - used, &used, &frame, &frame_len),
                     0);
    assert_int_equal(used, n2);
    assert_body(frame, frame_len, 20, 9);
    frame_decoder_free(&d);
}

static void test_partial_header_then_rest(void **state)
{
    struct frame_decoder d;
    uint8_t buf[FRAME_HEADER_LEN + 50];
    size_t n = make_frame(buf, 50, 0), used;
    const uint8_t *frame;
    size_t frame_len;

    frame_decoder_init(&d, FRAME_MAX_PREAUTH);
    assert_int_equal(frame_decoder_feed(&d, buf, 3, &used, &frame, &frame_len), TDKT_EAGAIN);
    assert_int_equal(used, 3);
    assert_null(d.body);
    assert_int_equal(frame_decoder_feed(&d, buf + 3, n - 3, &used, &frame, &frame_len), 0);
    assert_int_equal(used, n - 3);
    assert_body(frame, frame_len, 50, 0);
    frame_decoder_free(&d);
}

static void test_oversize_refused_before_allocation(void **state)
{
    struct frame_decoder d;
    uint8_t hdr[FRAME_HEADER_LEN];
    uint8_t more[64] = {0};
    size_t used;
    const uint8_t *frame;
    size_t frame_len;

    assert_int_equal(frame_header_encode(FRAME_MAX_PREAUTH + 1, SIZE_MAX, hdr), 0);
    frame_decoder_init(&d, FRAME_MAX_PREAUTH);
    assert_int_equal(frame_decoder_feed(&d, hdr, 3, &used, &frame, &frame_len), TDKT_EAGAIN);
    assert_int_equal(frame_decoder_feed(&d, hdr + 3, 1, &used, &frame, &frame_len), TDKT_ETOOBIG);
    assert_null(d.body);
    assert_int_equal(d.body_cap, 0);

    /* Sticky: nothing more is consumed, whatever follows. */
    assert_int_equal(frame_decoder_feed(&d, more, sizeof(more), &used, &frame, &frame_len),
                     TDKT_ETOOBIG);
    assert_int_equal(used, 0);
    assert_null(frame);
    assert_null(d.body);
    frame_decoder_free(&d);
}

static void test_oversize_after_small_frame_keeps_buffer(void **state)
{
    struct frame_decoder d;
    uint8_t buf[FRAME_HEADER_LEN + 10];
    uint8_t hdr[FRAME_HEADER_LEN];
    size_t n = make_frame(buf, 10, 0), used;
    const uint8_t *frame;
    size_t frame_len;

    frame_decoder_init(&d, FRAME_MAX_PREAUTH);
    assert_int_equal(frame_decoder_feed(&d, buf, n, &used, &frame, &frame_len), 0);
    assert_int_equal(d.body_cap, 10);
    assert_int_equal(frame_header_encode(UINT32_MAX, SIZE_MAX, hdr), 0);
    assert_int_equal(frame_decoder_feed(&d, hdr, sizeof(hdr), &used, &frame, &frame_len),
                     TDKT_ETOOBIG);
    assert_int_equal(d.body_cap, 10); /* no growth */
    frame_decoder_free(&d);
}

static void test_exact_max_accepted_max_plus_one_refused(void **state)
{
    struct frame_decoder d;
    size_t n = FRAME_HEADER_LEN + FRAME_MAX_PREAUTH, used;
    uint8_t *buf = malloc(n + 1);
    const uint8_t *frame;
    size_t frame_len;

    assert_non_null(buf);
    make_frame(buf, FRAME_MAX_PREAUTH, 5);
    frame_decoder_init(&d, FRAME_MAX_PREAUTH);
    assert_int_equal(frame_decoder_feed(&d, buf, n, &used, &frame, &frame_len), 0);
    assert_body(frame, frame_len, FRAME_MAX_PREAUTH, 5);
    frame_decoder_free(&d);

    make_frame(buf, FRAME_MAX_PREAUTH + 1, 5);
    frame_decoder_init(&d, FRAME_MAX_PREAUTH);
    assert_int_equal(frame_decoder_feed(&d, buf, n + 1, &used, &frame, &frame_len), TDKT_ETOOBIG);
    assert_int_equal(used, FRAME_HEADER_LEN);
    assert_null(d.body);
    frame_decoder_free(&d);
    free(buf);
}

static void test_zero_length_refused(void **state)
{
    struct frame_decoder d;
    uint8_t buf[FRAME_HEADER_LEN + 8] = {0};
    size_t used;
    const uint8_t *frame;
    size_t frame_len;

    frame_decoder_init(&d, FRAME_MAX_PREAUTH);
    assert_int_equal(frame_decoder_feed(&d, buf, sizeof(buf), &used, &frame, &frame_len),
                     TDKT_EPROTO);
    assert_int_equal(used, FRAME_HEADER_LEN);
    assert_null(d.body);
    assert_int_equal(frame_decoder_feed(&d, buf, sizeof(buf), &used, &frame, &frame_len),
                     TDKT_EPROTO);
    assert_int_equal(used, 0);
    frame_decoder_free(&d);
}

static void test_set_max_preauth_to_authed(void **state)
{
    struct frame_decoder d;
    size_t len = FRAME_MAX_PREAUTH * 4;
    size_t n = FRAME_HEADER_LEN + len, used;
    uint8_t *buf = malloc(n);
    const uint8_t *frame;
    size_t frame_len;

    assert_non_null(buf);
    make_frame(buf, len, 11);

    /* Before Welcome the same frame is refused... */
    frame_decoder_init(&d, FRAME_MAX_PREAUTH);
    assert_int_equal(frame_decoder_feed(&d, buf, n, &used, &frame, &frame_len), TDKT_ETOOBIG);
    frame_decoder_free(&d);

    /* ...after it, accepted. */
    frame_decoder_init(&d, FRAME_MAX_PREAUTH);
    frame_decoder_set_max(&d, FRAME_MAX_AUTHED);
    assert_int_equal(frame_decoder_feed(&d, buf, n, &used, &frame, &frame_len), 0);
    assert_body(frame, frame_len, len, 11);
    frame_decoder_free(&d);
    free(buf);
}

static void test_big_frame_buffer_released(void **state)
{
    struct frame_decoder d;
    size_t big = FRAME_MAX_AUTHED;
    uint8_t *buf = malloc(FRAME_HEADER_LEN + big);
    uint8_t small[FRAME_HEADER_LEN + 16];
    size_t used;
    const uint8_t *frame;
    size_t frame_len;

    assert_non_null(buf);
    size_t n = make_frame(buf, big, 2);
    size_t ns = make_frame(small, 16, 4);

    frame_decoder_init(&d, FRAME_MAX_AUTHED);
    assert_int_equal(frame_decoder_feed(&d, buf, n, &used, &frame, &frame_len), 0);
    assert_body(frame, frame_len, big, 2);
    /* An idle connection does not keep the 1 MiB once the frame is done. */
    assert_int_equal(frame_decoder_feed(&d, NULL, 0, &used, &frame, &frame_len), TDKT_EAGAIN);
    assert_true(d.body_cap <= TEST_KEEP_MAX);
    assert_int_equal(frame_decoder_feed(&d, small, ns, &used, &frame, &frame_len), 0);
    assert_body(frame, frame_len, 16, 4);
    assert_true(d.body_cap <= TEST_KEEP_MAX);
    frame_decoder_free(&d);
    free(buf);
}

/* Memory follows the bytes that arrive, not the length announced: a peer
 * announcing 1 MiB and sending 10 bytes makes the decoder hold at most
 * FRAME_BODY_FIRST; the buffer then grows by doubling, never past the
 * announced length. */
static void test_memory_follows_bytes_received(void **state)
{
    struct frame_decoder d;
    size_t big = FRAME_MAX_AUTHED;
    uint8_t *buf = malloc(FRAME_HEADER_LEN + big);
    size_t n, used, off = 0;
    const uint8_t *frame;
    size_t frame_len;

    assert_non_null(buf);
    n = make_frame(buf, big, 6);
    frame_decoder_init(&d, FRAME_MAX_AUTHED);
    assert_int_equal(frame_decoder_held(&d), 0);
    assert_int_equal(frame_decoder_partial(&d), 0);
    /* The header alone reserves nothing. */
    assert_int_equal(frame_decoder_feed(&d, buf, FRAME_HEADER_LEN, &used, &frame, &frame_len),
                     TDKT_EAGAIN);
    off += used;
    assert_int_equal(frame_decoder_held(&d), 0);
    assert_int_equal(frame_decoder_partial(&d), FRAME_HEADER_LEN);
    assert_int_equal(frame_decoder_feed(&d, buf + off, 10, &used, &frame, &frame_len), TDKT_EAGAIN);
    off += used;
    assert_int_equal(frame_decoder_held(&d), FRAME_BODY_FIRST);
    assert_int_equal(frame_decoder_partial(&d), FRAME_HEADER_LEN + 10);
    /* Half the body: held stays within twice what arrived. */
    assert_int_equal(frame_decoder_feed(&d, buf + off, big / 2 - 10, &used, &frame, &frame_len),
                     TDKT_EAGAIN);
    off += used;
    assert_true(frame_decoder_held(&d) >= big / 2);
    assert_true(frame_decoder_held(&d) <= big);
    /* All but one byte: held is the announced length, not more. */
    assert_int_equal(frame_decoder_feed(&d, buf + off, n - off - 1, &used, &frame, &frame_len),
                     TDKT_EAGAIN);
    off += used;
    assert_int_equal(frame_decoder_held(&d), big);
    assert_int_equal(frame_decoder_partial(&d), n - 1);
    assert_int_equal(frame_decoder_feed(&d, buf + off, 1, &used, &frame, &frame_len), 0);
    assert_body(frame, frame_len, big, 6);
    assert_int_equal(frame_decoder_partial(&d), 0);
    frame_decoder_free(&d);
    free(buf);
}

/* trim gives the buffer of a finished frame back at once, without waiting
 * for the next feed; a partial frame is never touched. */
static void test_trim_after_frame(void **state)
{
    struct frame_decoder d;
    size_t big = 200 * 1024;
    uint8_t *buf = malloc(FRAME_HEADER_LEN + big);
    uint8_t small[FRAME_HEADER_LEN + 16];
    size_t n, ns, used;
    const uint8_t *frame;
    size_t frame_len;

    assert_non_null(buf);
    n = make_frame(buf, big, 8);
    ns = make_frame(small, 16, 3);
    frame_decoder_init(&d, FRAME_MAX_AUTHED);
    assert_int_equal(frame_decoder_feed(&d, buf, n, &used, &frame, &frame_len), 0);
    assert_int_equal(frame_decoder_held(&d), big);
    frame_decoder_trim(&d);
    assert_int_equal(frame_decoder_held(&d), 0);
    assert_null(d.body);
    frame_decoder_trim(&d); /* idempotent */

    /* A small frame's buffer is kept for the next one. */
    assert_int_equal(frame_decoder_feed(&d, small, ns, &used, &frame, &frame_len), 0);
    frame_decoder_trim(&d);
    assert_int_equal(frame_decoder_held(&d), 16);

    /* A partial frame stays. */
    assert_int_equal(frame_decoder_feed(&d, buf, n / 2, &used, &frame, &frame_len), TDKT_EAGAIN);
    size_t held = frame_decoder_held(&d);
    frame_decoder_trim(&d);
    assert_int_equal(frame_decoder_held(&d), held);
    assert_int_equal(frame_decoder_feed(&d, buf + n / 2, n - n / 2, &used, &frame, &frame_len), 0);
    assert_body(frame, frame_len, big, 8);
    frame_decoder_free(&d);
    free(buf);
}

static void test_length_4gib_minus_1(void **state)
{
    struct frame_decoder d;
    const uint8_t hdr[FRAME_HEADER_LEN] = {0xFF, 0xFF, 0xFF, 0xFF};
    size_t used;
    const uint8_t *frame;
    size_t frame_len;

    frame_decoder_init(&d, FRAME_MAX_AUTHED);
    assert_int_equal(frame_decoder_feed(&d, hdr, sizeof(hdr), &used, &frame, &frame_len),
                     TDKT_ETOOBIG);
    assert_null(d.body);
    frame_decoder_free(&d);
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
