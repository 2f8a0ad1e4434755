/* SPDX-License-Identifier: MIT */
/*
 * The pure accounting of issue 13: the daemon-wide memory budgets (totals,
 * peaks, the output budget's hysteresis, which partial frame is refused
 * first, parsing of --input-budget / --output-budget), the refusal log's
 * per-peer rate limit, and the counters file's text. The daemon's use of
 * them is tested in tests/integration/test_budget.c and test_refusals.c.
 */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "proto/tdkt.pb-c.h"
#include "server/loop/budget.h"
#include "server/loop/refusal.h"
#include "server/loop/stats.h"

#define MIB (1024ull * 1024u)

static void test_budget_totals_and_peak(void **state)
{
    struct budget b;

    budget_init(&b, 10 * MIB);
    budget_charge(&b, 0, 4 * MIB); /* holder A */
    budget_charge(&b, 0, 6 * MIB); /* holder B */
    assert_int_equal(b.used, 10 * MIB);
    assert_false(budget_exceeded(&b)); /* exactly the budget is within it */
    budget_charge(&b, 4 * MIB, 4 * MIB + 1);
    assert_true(budget_exceeded(&b));
    budget_charge(&b, 6 * MIB, 0); /* B freed */
    assert_int_equal(b.used, 4 * MIB + 1);
    assert_false(budget_exceeded(&b));
    assert_int_equal(b.peak, 10 * MIB + 1);
    /* What was given back is counted for the allocator trim, once. */
    assert_int_equal(budget_take_released(&b), 6 * MIB);
    assert_int_equal(budget_take_released(&b), 0);
    /* A bookkeeping slip never wraps the total. */
    budget_charge(&b, 100 * MIB, 0);
    assert_int_equal(b.used, 0);
    assert_int_equal(b.peak, 10 * MIB + 1);
}

static void test_budget_output_hysteresis(void **state)
{
    struct budget b;
    uint64_t resume = 8 * MIB / BUDGET_RESUME_DEN * BUDGET_RESUME_NUM;

    budget_init(&b, 8 * MIB);
    budget_charge(&b, 0, 8 * MIB);
    assert_int_equal(budget_update_over(&b), 0); /* at the budget: not over */
    budget_charge(&b, 8 * MIB, 8 * MIB + 1);
    assert_int_equal(budget_update_over(&b), 1);
    assert_int_equal(budget_update_over(&b), 0); /* reported once */
    assert_true(b.over);
    /* Back under the budget but not under the resume mark: still over. */
    budget_charge(&b, 8 * MIB + 1, 7 * MIB);
    assert_int_equal(budget_update_over(&b), 0);
    budget_charge(&b, 7 * MIB, resume);
    assert_int_equal(budget_update_over(&b), 0);
    assert_true(b.over);
    budget_charge(&b, resume, resume - 1);
    assert_int_equal(budget_update_over(&b), -1);
    assert_false(b.over);
    assert_int_equal(budget_update_over(&b), 0);
}

static void test_budget_prefer_largest_then_oldest(void **state)
{
    assert_true(budget_prefer(2 * MIB, 9, 1 * MIB, 1));  /* larger wins, though newer */
    assert_false(budget_prefer(1 * MIB, 1, 2 * MIB, 9)); /* smaller loses, though older */
    assert_true(budget_prefer(MIB, 3, MIB, 7));          /* equal: the older */
    assert_false(budget_prefer(MIB, 7, MIB, 3));
    assert_false(budget_prefer(MIB, 3, MIB, 3));
}

static void test_budget_parse(void **state)
{
    uint64_t v = 0;

    assert_int_equal(budget_parse("256M", &v), 0);
    assert_int_equal(v, 256 * MIB);
    assert_int_equal(budget_parse("256m", &v), 0);
    assert_int_equal(v, 256 * MIB);
    assert_int_equal(budget_parse("3G", &v), 0);
    assert_int_equal(v, 3ull << 30);
    assert_int_equal(budget_parse("4096K", &v), 0);
    assert_int_equal(v, 4 * MIB);
    assert_int_equal(budget_parse("2097152", &v), 0);
    assert_int_equal(v, BUDGET_MIN);
    assert_int_equal(budget_parse("1024G", &v), 0);
    assert_int_equal(v, BUDGET_MAX);

    v = 7;
    assert_int_equal(budget_parse("2097151", &v), TDKT_EINVAL); /* under BUDGET_MIN */
    assert_int_equal(budget_parse("1M", &v), TDKT_EINVAL);
    assert_int_equal(budget_parse("0", &v), TDKT_EINVAL);
    assert_int_equal(budget_parse("1025G", &v), TDKT_EINVAL); /* over BUDGET_MAX */
    assert_int_equal(budget_parse("99999999999999999999999", &v), TDKT_EINVAL);
    assert_int_equal(budget_parse("18014398509481984K", &v), TDKT_EINVAL); /* shift overflow */
    assert_int_equal(budget_parse("", &v), TDKT_EINVAL);
    assert_int_equal(budget_parse(NULL, &v), TDKT_EINVAL);
    assert_int_equal(budget_parse("-5M", &v), TDKT_EINVAL);
    assert_int_equal(budget_parse(" 5M", &v), TDKT_EINVAL);
    assert_int_equal(budget_parse("5MB", &v), TDKT_EINVAL);
    assert_int_equal(budget_parse("5T", &v), TDKT_EINVAL);
    assert_int_equal(budget_parse("5.5M", &v), TDKT_EINVAL);
    assert_int_equal(v, 7); /* untouched on failure */
}

/* One refusal from addr at t: whether logged, and the summary reported. */
static int admit(struct refusal_log *rl, const char *addr, uint64_t t, uint64_t *summary,
                 const char **summary_addr)
{
    uint64_t s;
    const char *sa;
    int rc = refusal_log_admit(rl, addr, t, &s, &sa);
    if (summary)
        *summary = s;
    if (summary_addr)
        *summary_addr = sa;
    return rc;
}

struct reported {
    char addr[8][REFUSAL_PEER_MAX];
    uint64_t n[8];
    int count;
};

static void on_report(void *arg, const char *addr, uint64_t suppressed)
{
    struct reported *r = arg;
    assert_true(r->count < 8);
    snprintf(r->addr[r->count], sizeof r->addr[0], "%s", addr);
    r->n[r->count++] = suppressed;
}

static void test_refusal_rate_limit_per_peer(void **state)
{
    static struct refusal_log rl;
    uint64_t summary;
    const char *sa;
    int logged = 0;

    refusal_log_init(&rl);
    for (int i = 0; i < 50; i++)
        logged += admit(&rl, "10.0.0.1", 1000 + (uint64_t)i, &summary, NULL);
    assert_int_equal(logged, REFUSAL_LOG_PER_PEER);
    assert_int_equal(summary, 0);
    /* Another peer has its own allowance. */
    assert_true(admit(&rl, "10.0.0.2", 1100, &summary, NULL));

    /* Still in the window: suppressed. */
    assert_false(admit(&rl, "10.0.0.1", 1000 + REFUSAL_LOG_WINDOW_MS - 1, &summary, NULL));
    assert_int_equal(summary, 0);
    /* The window has ended: logged again, and the summary of the old
     * window is handed over first (40 + 1 suppressed). */
    assert_true(admit(&rl, "10.0.0.1", 1000 + REFUSAL_LOG_WINDOW_MS, &summary, &sa));
    assert_int_equal(summary, 50 - REFUSAL_LOG_PER_PEER + 1);
    assert_string_equal(sa, "10.0.0.1");
    /* Reported once only. */
    assert_true(admit(&rl, "10.0.0.1", 1000 + REFUSAL_LOG_WINDOW_MS + 1, &summary, NULL));
    assert_int_equal(summary, 0);
}

static void test_refusal_expire_reports_quiet_peers(void **state)
{
    static struct refusal_log rl;
    struct reported r = {0};

    refusal_log_init(&rl);
    for (int i = 0; i < REFUSAL_LOG_PER_PEER + 3; i++)
        admit(&rl, "10.0.0.1", 0, NULL, NULL);
    admit(&rl, "10.0.0.2", 0, NULL, NULL); /* logged, nothing suppressed */
    refusal_log_expire(&rl, REFUSAL_LOG_WINDOW_MS - 1, on_report, &r);
    assert_int_equal(r.count, 0); /* nothing has ended yet */
    refusal_log_expire(&rl, REFUSAL_LOG_WINDOW_MS, on_report, &r);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.addr[0], "10.0.0.1");
    assert_int_equal(r.n[0], 3);
    /* Both slots are free again: a fresh window for each. */
    refusal_log_expire(&rl, 10 * REFUSAL_LOG_WINDOW_MS, on_report, &r);
    assert_int_equal(r.count, 1);
    for (size_t i = 0; i < REFUSAL_LOG_PEERS_MAX; i++)
        assert_int_equal(rl.peers[i].addr[0], '\0');
    /* At shutdown every window ends. */
    for (int i = 0; i < REFUSAL_LOG_PER_PEER + 1; i++)
        admit(&rl, "10.0.0.3", 5, NULL, NULL);
    refusal_log_expire(&rl, UINT64_MAX, on_report, &r);
    assert_int_equal(r.count, 2);
    assert_string_equal(r.addr[1], "10.0.0.3");
    assert_int_equal(r.n[1], 1);
}

static void test_refusal_table_full_shares_one_entry(void **state)
{
    static struct refusal_log rl;
    struct reported r = {0};
    char addr[REFUSAL_PEER_MAX];
    int logged = 0;

    refusal_log_init(&rl);
    for (int i = 0; i < REFUSAL_LOG_PEERS_MAX; i++) {
        snprintf(addr, sizeof addr, "10.1.%d.%d", i / 256, i % 256);
        assert_true(admit(&rl, addr, 0, NULL, NULL));
    }
    /* Beyond the table, every new address draws on the one shared entry:
     * a flood from many addresses is bounded too. */
    for (int i = 0; i < 100; i++) {
        snprintf(addr, sizeof addr, "10.2.0.%d", i);
        logged += admit(&rl, addr, 0, NULL, NULL);
    }
    assert_int_equal(logged, REFUSAL_LOG_PER_PEER);
    refusal_log_expire(&rl, REFUSAL_LOG_WINDOW_MS, on_report, &r);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.addr[0], REFUSAL_OTHER_PEERS);
    assert_int_equal(r.n[0], 100 - REFUSAL_LOG_PER_PEER);
    /* The table emptied: a new address gets a slot of its own again. */
    assert_true(admit(&rl, "10.3.0.1", REFUSAL_LOG_WINDOW_MS + 1, NULL, NULL));
    assert_string_equal(rl.peers[0].addr, "10.3.0.1");
}

static void test_refusal_clean(void **state)
{
    char out[16];

    refusal_clean(out, sizeof out, "a\nb\rc\x1b[0m\x7f");
    assert_string_equal(out, "a?b?c?[0m?");
    refusal_clean(out, 4, "abcdef");
    assert_string_equal(out, "abc");
    refusal_clean(out, sizeof out, NULL);
    assert_string_equal(out, "");
    refusal_clean(out, sizeof out, "tiếng Việt");
    assert_string_equal(out, "tiếng Việt"); /* UTF-8 passes (cut at cap) */
}

static void test_stats_format(void **state)
{
    struct stats_counters s = {0};
    struct stats_gauges g = {.conns = 3,
                             .input_bytes = 10,
                             .input_peak = 20,
                             .input_budget = 30,
                             .output_bytes = 40,
                             .output_peak = 50,
                             .output_budget = 60};
    char buf[STATS_JSON_MAX];
    size_t len;
    json_error_t jerr;

    s.accepted = 7;
    s.refused_conns = 2;
    s.budget_refusals = 1;
    s.log_suppressed = 5;
    s.output_pauses = 4;
    s.tls_failures = 8;
    s.handshake_timeouts = 9;
    stats_count_refusal(&s, TDKT__ERROR_CODE__ERROR_CODE_MALFORMED);
    stats_count_refusal(&s, TDKT__ERROR_CODE__ERROR_CODE_MALFORMED);
    stats_count_refusal(&s, TDKT__ERROR_CODE__ERROR_CODE_BUSY);
    stats_count_refusal(&s, 999); /* not a code this build knows */
    assert_int_equal(stats_format(&s, &g, 1, 1234, 1000, 2000, buf, sizeof buf, &len), 0);
    assert_int_equal(strlen(buf), len);

    json_t *j = json_loads(buf, 0, &jerr);
    if (!j)
        fail_msg("not JSON (%s): %s", jerr.text, buf);
    assert_true(json_is_true(json_object_get(j, "running")));
    assert_int_equal(json_integer_value(json_object_get(j, "pid")), 1234);
    assert_int_equal(json_integer_value(json_object_get(j, "written_ms")), 2000);
    json_t *conns = json_object_get(j, "connections");
    assert_int_equal(json_integer_value(json_object_get(conns, "open")), 3);
    assert_int_equal(json_integer_value(json_object_get(conns, "accepted")), 7);
    json_t *refused = json_object_get(j, "refused");
    json_t *frames = json_object_get(refused, "frames");
    assert_int_equal(json_object_size(frames), 3); /* only codes seen */
    assert_int_equal(json_integer_value(json_object_get(frames, "MALFORMED")), 2);
    assert_int_equal(json_integer_value(json_object_get(frames, "BUSY")), 1);
    assert_int_equal(json_integer_value(json_object_get(frames, "UNSPECIFIED")), 1);
    assert_int_equal(json_integer_value(json_object_get(refused, "connections")), 2);
    assert_int_equal(json_integer_value(json_object_get(refused, "over_input_budget")), 1);
    assert_int_equal(json_integer_value(json_object_get(refused, "log_lines_suppressed")), 5);
    assert_int_equal(json_integer_value(json_object_get(refused, "tls_failures")), 8);
    assert_int_equal(json_integer_value(json_object_get(refused, "handshake_timeouts")), 9);
    json_t *in = json_object_get(j, "input");
    assert_int_equal(json_integer_value(json_object_get(in, "bytes")), 10);
    assert_int_equal(json_integer_value(json_object_get(in, "peak")), 20);
    assert_int_equal(json_integer_value(json_object_get(in, "budget")), 30);
    json_t *out = json_object_get(j, "output");
    assert_int_equal(json_integer_value(json_object_get(out, "budget")), 60);
    assert_int_equal(json_integer_value(json_object_get(out, "pauses")), 4);
    json_decref(j);

    /* Every code at once still fits STATS_JSON_MAX. */
    for (int code = 0; code < STATS_CODES; code++)
        s.refused_frames[code] = UINT64_MAX;
    s.accepted = s.closed = s.requests = s.errors_sent = s.tls_failures = UINT64_MAX;
    assert_int_equal(stats_format(&s, &g, 0, 1234, INT64_MAX, INT64_MAX, buf, sizeof buf, &len), 0);
    assert_int_equal(stats_format(&s, &g, 0, 1234, 0, 0, buf, 64, &len), TDKT_ETOOBIG);
}

static void test_stats_write_replaces_atomically(void **state)
{
    char dir[TU_PATH_MAX], path[TU_PATH_MAX], tmp[TU_PATH_MAX + 8], back[64];
    FILE *f;

    tu_mkdtemp(dir);
    tu_path(path, sizeof path, "%s/%s", dir, STATS_FILE);
    tu_path(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(stats_write(path, "{\"a\":1}\n", 8), 0);
    assert_int_equal(stats_write(path, "{\"b\":2}\n", 8), 0);
    assert_int_equal(access(tmp, F_OK), -1); /* nothing left beside it */
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(back, sizeof back, f));
    fclose(f);
    assert_string_equal(back, "{\"b\":2}\n");
    tu_path(path, sizeof path, "%s/no/such/dir/%s", dir, STATS_FILE);
    assert_int_equal(stats_write(path, "{}", 2), TDKT_EIO);
    tu_rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_totals_and_peak),
        cmocka_unit_test(test_budget_output_hysteresis),
        cmocka_unit_test(test_budget_prefer_largest_then_oldest),
        cmocka_unit_test(test_budget_parse),
        cmocka_unit_test(test_refusal_rate_limit_per_peer),
        cmocka_unit_test(test_refusal_expire_reports_quiet_peers),
        cmocka_unit_test(test_refusal_table_full_shares_one_entry),
        cmocka_unit_test(test_refusal_clean),
        cmocka_unit_test(test_stats_format),
        cmocka_unit_test(test_stats_write_replaces_atomically),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
