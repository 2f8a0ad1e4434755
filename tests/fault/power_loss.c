/* SPDX-License-Identifier: MIT */
/*
 * Power loss campaign. Each cut: start tdktd-fault in power mode with a crash
 * point drawn from a seed (the N-th WAL fsync, before or after it reaches the
 * disk, torn or not), drive writers over TLS until the daemon dies, restart
 * the normal tdktd, check that every acknowledged request id is in the ledger
 * exactly once with the seq of its receipt, let the writers retry what was
 * never acknowledged (same ids), stop, check again: nothing lost, nothing
 * twice, PRAGMA integrity_check ok, `tdktd verify` passes.
 *
 * Environment: TDKT_FAULT_CUTS (5), TDKT_FAULT_WORKERS (16), TDKT_FAULT_SEED,
 * TDKT_FAULT_CRASH_MAX (64 WAL syncs), TDKT_FAULT_CRASH_SYNC (0: drawn; N: every
 * cut at the N-th WAL sync), TDKT_FAULT_DEADLINE_S (300),
 * TDKT_FAULT_LIE=1 (the control: fsyncs of the database and the WAL write
 * nothing, so the campaign must report acknowledged writes lost and fail),
 * TDKT_FAULT_KEEP=1 keeps the work directory.
 */
#include "campaign.h"
#include "faultvfs.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PL_PER_WORKER     20000
#define PL_CUT_TIMEOUT_MS CAMP_HANG_MS /* a cut that never comes is a failure */

struct pl_totals {
    int cuts, before, after, torn, at_startup;
    unsigned unknown, unknown_present;
};

static void pl_read_cut(const char *log, struct pl_totals *t)
{
    char line[512];
    FILE *f = fopen(log, "r");

    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "faultvfs: power cut at WAL sync")) {
            if (strstr(line, "(after it)"))
                t->after++;
            else
                t->before++;
        }
    }
    fclose(f);
}

static void test_power_loss(void **state)
{
    (void)state;
    static struct camp s;
    int cuts = camp_env_int("TDKT_FAULT_CUTS", 5);
    int nw = camp_env_int("TDKT_FAULT_WORKERS", 16);
    int seed = camp_env_int("TDKT_FAULT_SEED", 20261123);
    int crash_max = camp_env_int("TDKT_FAULT_CRASH_MAX", 64);
    struct camp_worker *w;
    struct pl_totals t = {0};
    struct camp_check c;
    struct tu_daemon d;
    char log[TU_PATH_MAX], out[TU_OUT_MAX];

    assert_true(cuts > 0 && nw > 0);
    camp_setup(&s, PL_PER_WORKER, camp_env_int("TDKT_FAULT_DEADLINE_S", 300));
    w = camp_workers_new(&s, nw);

    for (int k = 0; k < cuts; k++) {
        char env_seed[64], env_max[64], env_torn[32], env_lie[32], env_sync[64];
        snprintf(env_seed, sizeof env_seed, "FAULTVFS_SEED=%d", seed + k);
        snprintf(env_max, sizeof env_max, "FAULTVFS_CRASH_MAX=%d", crash_max);
        snprintf(env_torn, sizeof env_torn, "FAULTVFS_TORN=%d", k % 2);
        snprintf(env_lie, sizeof env_lie, "FAULTVFS_LIE=%d", camp_env_int("TDKT_FAULT_LIE", 0));
        /* A fixed cut (the control's, at 48). It comes after some receipts
         * by counting, not timing: a writer sends its next id only once the
         * previous one is acknowledged, so at most nw commits can hold
         * nothing but first writes, and the other WAL syncs are few (two at
         * start-up, two per checkpoint of 1000 frames). */
        snprintf(env_sync, sizeof env_sync, "FAULTVFS_CRASH_SYNC=%d",
                 camp_env_int("TDKT_FAULT_CRASH_SYNC", 0));
        const char *const env[] = {
            "FAULTVFS_MODE=power", env_seed, env_max, env_torn, env_lie, env_sync, NULL};
        tu_path(log, sizeof log, "%s/power-%03d.log", s.fx.dir, k);

        /* 1. The daemon with a power cut planned, and writers until it dies. */
        int st = camp_daemon_start(&d, TDKTD_FAULT_BIN, &s, log, env);
        int started = st == 0;
        if (started) {
            atomic_store(&s.port, d.port);
            camp_set_phase(&s, CAMP_RUN);
            camp_start(w, nw);
            st = camp_daemon_wait(&d, PL_CUT_TIMEOUT_MS);
            if (st < 0) {
                camp_daemon_stop(&d, SIGKILL, 5000);
                fail_msg("cut %d: no power cut within %d ms; see %s", k, PL_CUT_TIMEOUT_MS, log);
            }
            camp_set_phase(&s, CAMP_HOLD);
            assert_int_equal(camp_wait_idle(w, nw, CAMP_HANG_MS), 0);
        } else {
            t.at_startup++;
        }
        if (st != FAULTVFS_CRASH_EXIT)
            fail_msg("cut %d: tdktd-fault exited %d, not by the power cut; see %s", k, st, log);
        t.cuts++;
        t.torn += k % 2;
        pl_read_cut(log, &t);

        /* 2. Back on the normal daemon: what was acknowledged survived. */
        tu_path(log, sizeof log, "%s/tdktd-%03d.log", s.fx.dir, k);
        assert_int_equal(camp_daemon_start(&d, TDKTD_BIN, &s, log, NULL), 0);
        atomic_store(&s.port, d.port);
        assert_int_equal(camp_check_ledger(&s, w, nw, &c), 0);
        if (c.lost || c.duplicated || c.extra || !c.integrity_ok)
            fail_msg("cut %d, after restart: lost %u, duplicated %u, unknown rows %u, "
                     "integrity %s",
                     k, c.lost, c.duplicated, c.extra, c.integrity_ok ? "ok" : "FAILED");
        t.unknown += c.unknown;
        t.unknown_present += c.unknown_present;

        /* 3. The writers retry what was never acknowledged, with the same
         * ids, and stop. */
        if (started) {
            camp_set_phase(&s, CAMP_DRAIN);
            camp_join(w, nw);
        }
        assert_int_equal(camp_daemon_stop(&d, SIGTERM, CAMP_HANG_MS), 0);
        for (int i = 0; i < nw; i++)
            if (w[i].err[0])
                fail_msg("cut %d, writer %d: %s", k, i, w[i].err);

        /* 4. Exactly once, and the log verifies. */
        assert_int_equal(camp_check_ledger(&s, w, nw, &c), 0);
        if (c.lost || c.duplicated || c.extra || c.acked != c.ids || !c.integrity_ok)
            fail_msg("cut %d, after retries: ids %u, acked %u, lost %u, duplicated %u, unknown "
                     "rows %u, integrity %s",
                     k, c.ids, c.acked, c.lost, c.duplicated, c.extra,
                     c.integrity_ok ? "ok" : "FAILED");
        if (!camp_verify(&s, out, sizeof out))
            fail_msg("cut %d: tdktd verify failed: %s", k, out);
    }

    assert_int_equal(camp_check_ledger(&s, w, nw, &c), 0);
    print_message("power cuts: %d, acked: %s, lost: %u, duplicated: %u (cut before a WAL fsync: "
                  "%d, after: %d, torn: %d, during start-up: %d; unacknowledged at the cut: %u, of "
                  "which durable: %u; replayed receipts: %s)\n",
                  t.cuts, camp_num(c.acked), c.lost, c.duplicated, t.before, t.after, t.torn,
                  t.at_startup, t.unknown, t.unknown_present, camp_num(atomic_load(&s.replayed)));
    assert_int_equal(c.lost, 0);
    assert_int_equal(c.duplicated, 0);
    assert_true(c.acked > 0);
    camp_teardown(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_power_loss, camp_teardown_kill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
