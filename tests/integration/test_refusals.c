/* SPDX-License-Identifier: MIT */
/*
 * Refusals are logged and counted (issue 13), seen from outside a real
 * tdktd at its default log level (info) on a plain-TCP loopback listener:
 *   - each kind of bad input (a zero-length frame, an oversize frame before
 *     and after Welcome, a Hello with no common version, a Hello with bad
 *     UTF-8, a request before Hello, a wrong envelope version, a bad field)
 *     is answered by its Error and gives one log line naming the peer, the
 *     unit once known, the code and the field; the counters in
 *     DATA/stats.json and `tdktd status` show each code;
 *   - a flood of bad frames from one address is logged at most
 *     REFUSAL_LOG_PER_PEER times per window, the rest counted and
 *     summarised in one line, while another address is logged on its own
 *     and a well-behaved client is served throughout.
 */
#include "util/fixture.h"
#include "util/rawwire.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/wire/envelope.h"
#include "common/wire/frame.h"
#include "server/loop/refusal.h"

#define FLOOD      100 /* bad frames from the flooding address */
#define FLOOD_ADDR "127.0.0.3"
#define OTHER_ADDR "127.0.0.4"

static int setup(void **state)
{
    const char *extra[] = {"--log-level", "info", NULL};

    *state = tu_fx_new_bare(1, extra);
    return 0;
}

static const uint8_t id_a[RW_ID_LEN] = {0xA1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* A header announcing len bytes, alone. */
static void send_header(int fd, uint32_t len)
{
    uint8_t hdr[FRAME_HEADER_LEN] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
                                     (uint8_t)(len >> 8), (uint8_t)len};
    rw_send_all(fd, hdr, sizeof hdr);
}

static void send_hello_with(int fd, uint32_t min, uint32_t max, const char *client_name)
{
    Tdkt__Envelope env;
    Tdkt__Hello h = TDKT__HELLO__INIT;
    h.min_version = min;
    h.max_version = max;
    h.client_name = (char *)client_name;
    h.unit_code = (char *)"VKSCC2";
    rw_env_init(&env, id_a);
    env.body_case = TDKT__ENVELOPE__BODY_HELLO;
    env.hello = &h;
    rw_send_env(fd, &env);
}

static void send_status(int fd, uint32_t version)
{
    Tdkt__Envelope env;
    Tdkt__StatusRequest sr = TDKT__STATUS_REQUEST__INIT;
    rw_env_init(&env, id_a);
    env.version = version;
    env.body_case = TDKT__ENVELOPE__BODY_STATUS;
    env.status = &sr;
    rw_send_env(fd, &env);
}

/* The refusal is answered; the connection then ends in a clean EOF. */
static void expect_closed(int fd)
{
    assert_null(rw_recv_env(fd));
    close(fd);
}

struct refusal_counts {
    unsigned long long malformed, too_large, version, invalid, unauth, conns;
};

static int counts_met(json_t *j, void *arg)
{
    const struct refusal_counts *c = arg;
    return rw_stats_num(j, "refused", "frames", "MALFORMED") == c->malformed &&
           rw_stats_num(j, "refused", "frames", "FRAME_TOO_LARGE") == c->too_large &&
           rw_stats_num(j, "refused", "frames", "UNSUPPORTED_VERSION") == c->version &&
           rw_stats_num(j, "refused", "frames", "INVALID_ARGUMENT") == c->invalid &&
           rw_stats_num(j, "refused", "frames", "UNAUTHENTICATED") == c->unauth &&
           rw_stats_num(j, "refused", "connections", NULL) == c->conns;
}

static void test_each_refusal_logged_and_counted(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX];
    int fd;

    /* A zero-length frame. */
    fd = rw_dial(f->d.port, NULL);
    send_header(fd, 0);
    rw_expect_error(rw_recv_env(fd), TDKT__ERROR_CODE__ERROR_CODE_MALFORMED, "", NULL);
    expect_closed(fd);
    tu_log_wait(&f->d, "refused MALFORMED (unit -, field -): bad frame", 1);

    /* A frame over the limit before Welcome. */
    fd = rw_dial(f->d.port, NULL);
    send_header(fd, FRAME_MAX_PREAUTH + 1);
    rw_expect_error(rw_recv_env(fd), TDKT__ERROR_CODE__ERROR_CODE_FRAME_TOO_LARGE, "", NULL);
    expect_closed(fd);
    tu_log_wait(&f->d, "refused FRAME_TOO_LARGE (unit -, field -): frame length exceeds", 1);

    /* A Hello with no version in common. */
    fd = rw_dial(f->d.port, NULL);
    send_hello_with(fd, PROTOCOL_VERSION + 10, PROTOCOL_VERSION + 11, "refusals");
    rw_expect_error(rw_recv_env(fd), TDKT__ERROR_CODE__ERROR_CODE_UNSUPPORTED_VERSION,
                    "hello.max_version", id_a);
    expect_closed(fd);
    tu_log_wait(&f->d, "refused UNSUPPORTED_VERSION (unit -, field hello.max_version)", 1);

    /* A Hello with a string that is not UTF-8. */
    fd = rw_dial(f->d.port, NULL);
    send_hello_with(fd, PROTOCOL_VERSION, PROTOCOL_VERSION, "bad\xff\xfe");
    rw_expect_error(rw_recv_env(fd), TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
                    "hello.client_name", id_a);
    expect_closed(fd);
    tu_log_wait(&f->d, "refused INVALID_ARGUMENT (unit -, field hello.client_name)", 1);

    /* A request before Hello. */
    fd = rw_dial(f->d.port, NULL);
    send_status(fd, PROTOCOL_VERSION);
    rw_expect_error(rw_recv_env(fd), TDKT__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED, "body", id_a);
    expect_closed(fd);
    tu_log_wait(&f->d, "refused UNAUTHENTICATED (unit -, field body)", 1);

    /* Authenticated: a wrong envelope version and a bad field are refused
     * by their ids and the connection stays; the unit is named. */
    fd = rw_dial_ready(f->d.port, NULL, "VKSCC2");
    send_status(fd, PROTOCOL_VERSION + 5);
    rw_expect_error(rw_recv_env(fd), TDKT__ERROR_CODE__ERROR_CODE_UNSUPPORTED_VERSION, "version",
                    id_a);
    tu_log_wait(&f->d, "refused UNSUPPORTED_VERSION (unit VKSCC2, field version)", 1);
    assert_int_equal(tu_log_count(&f->d, "the connection stays open"), 1);
    {
        Tdkt__Envelope env;
        Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;
        np.key = (char *)"";
        np.text = (char *)"x";
        rw_env_init(&env, id_a);
        env.body_case = TDKT__ENVELOPE__BODY_NOTE_PUT;
        env.note_put = &np;
        rw_send_env(fd, &env);
    }
    rw_expect_error(rw_recv_env(fd), TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, "note_put.key",
                    id_a);
    tu_log_wait(&f->d, "refused INVALID_ARGUMENT (unit VKSCC2, field note_put.key)", 1);
    rw_status_ok(fd);
    /* Then a frame over the 1 MiB limit ends it. */
    send_header(fd, FRAME_MAX_AUTHED + 1);
    rw_expect_error(rw_recv_env(fd), TDKT__ERROR_CODE__ERROR_CODE_FRAME_TOO_LARGE, "", NULL);
    expect_closed(fd);
    tu_log_wait(&f->d, "refused FRAME_TOO_LARGE (unit VKSCC2, field -)", 1);

    /* Every line names the peer; none was left out. */
    assert_int_equal(rw_log_count2(&f->d, "127.0.0.1:", ": refused "), 8);
    assert_int_equal(tu_log_count(&f->d, "closing the connection"), 6);
    assert_int_equal(tu_log_count(&f->d, "suppressed"), 0);

    /* The counters, as the administrator reads them. */
    struct refusal_counts want = {
        .malformed = 1, .too_large = 2, .version = 2, .invalid = 2, .unauth = 1, .conns = 6};
    rw_stats_wait(&f->d, counts_met, &want);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "status", "--data", f->data, NULL), 0);
    if (!strstr(out, "refused frames: MALFORMED 1, FRAME_TOO_LARGE 2, UNSUPPORTED_VERSION 2, "
                     "UNAUTHENTICATED 1, INVALID_ARGUMENT 2\n") ||
        !strstr(out, "connections closed by a refusal: 6;") || !strstr(out, "daemon: running"))
        fail_msg("tdktd status:\n%s", out);
    assert_int_equal(
        tu_runf(out, sizeof out, TDKTD_BIN, "status", "--data", f->data, "--json", NULL), 0);
    json_error_t jerr;
    json_t *j = json_loads(out, 0, &jerr);
    if (!j)
        fail_msg("tdktd status --json: %s: %s", jerr.text, out);
    json_t *daemon = json_object_get(j, "daemon");
    assert_true(counts_met(daemon, &want));
    assert_true(json_is_true(json_object_get(daemon, "running")));
    assert_true(rw_stats_num(daemon, "written_ms", NULL, NULL) > 0);
    json_decref(j);

    /* After a clean shutdown the file says so. */
    assert_int_equal(tu_daemon_stop(&f->d, SIGTERM), 0);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "status", "--data", f->data, NULL), 0);
    if (!strstr(out, "daemon: stopped"))
        fail_msg("tdktd status after the stop:\n%s", out);
}

/* The numbers N of "refusals: N more refusals from ADDR suppressed" lines. */
static unsigned long long summarised(const struct tu_daemon *d, const char *addr, int *lines)
{
    char marker[96], line[4096];
    unsigned long long total = 0, n;
    FILE *fp = fopen(d->log, "r");

    snprintf(marker, sizeof marker, "more refusals from %s suppressed", addr);
    *lines = 0;
    assert_non_null(fp);
    while (fgets(line, sizeof line, fp)) {
        const char *m = strstr(line, "refusals: ");
        if (m && strstr(line, marker) && sscanf(m + strlen("refusals: "), "%llu", &n) == 1) {
            total += n;
            (*lines)++;
        }
    }
    fclose(fp);
    return total;
}

static int flood_counted(json_t *j, void *arg)
{
    (void)arg;
    return rw_stats_num(j, "refused", "frames", "MALFORMED") == FLOOD + 1;
}

static void test_flood_is_rate_limited(void **state)
{
    struct tu_fx *f = *state;
    char flood_peer[32], other_peer[32];
    int summaries;

    snprintf(flood_peer, sizeof flood_peer, " %s:", FLOOD_ADDR);
    snprintf(other_peer, sizeof other_peer, " %s:", OTHER_ADDR);
    int good = rw_dial_ready(f->d.port, "127.0.0.2", "VKSCC2");
    for (int i = 0; i < FLOOD; i++) {
        int fd = rw_dial(f->d.port, FLOOD_ADDR);
        send_header(fd, 0);
        rw_expect_error(rw_recv_env(fd), TDKT__ERROR_CODE__ERROR_CODE_MALFORMED, "", NULL);
        expect_closed(fd);
        if (i % 25 == 0)
            rw_status_ok(good); /* served throughout */
    }
    /* Another address in the middle of the flood has its own allowance. */
    int fd = rw_dial(f->d.port, OTHER_ADDR);
    send_header(fd, 0);
    rw_expect_error(rw_recv_env(fd), TDKT__ERROR_CODE__ERROR_CODE_MALFORMED, "", NULL);
    expect_closed(fd);
    rw_stats_wait(&f->d, flood_counted, NULL);
    rw_status_ok(good);

    int logged = rw_log_count2(&f->d, flood_peer, ": refused MALFORMED");
    json_t *j = rw_stats_load(f->data);
    unsigned long long suppressed = rw_stats_num(j, "refused", "log_lines_suppressed", NULL);
    json_decref(j);
    assert_int_equal(rw_log_count2(&f->d, other_peer, ": refused MALFORMED"), 1);
    /* Each refusal is either logged or counted as left out; at most
     * REFUSAL_LOG_PER_PEER lines per window (one window, unless this
     * machine took over a minute for the flood: then each window that
     * ended has a summary line). */
    assert_int_equal((unsigned long long)logged + suppressed, FLOOD);
    summarised(&f->d, FLOOD_ADDR, &summaries);
    assert_true(logged <= REFUSAL_LOG_PER_PEER * (summaries + 1));
    assert_true(suppressed > 0);
    close(good);

    /* The last window's summary is written at the latest at shutdown, and
     * the summaries add up to what was left out. */
    assert_int_equal(tu_daemon_stop(&f->d, SIGTERM), 0);
    assert_int_equal(summarised(&f->d, FLOOD_ADDR, &summaries), suppressed);
    assert_true(summaries >= 1);
    print_message("flood of %d bad frames: %d lines logged, %llu suppressed, %d summary line(s)\n",
                  FLOOD, logged, suppressed, summaries);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_each_refusal_logged_and_counted, setup,
                                        tu_fx_cmocka_teardown_clean),
        cmocka_unit_test_setup_teardown(test_flood_is_rate_limited, setup,
                                        tu_fx_cmocka_teardown_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
