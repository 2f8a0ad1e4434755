/* SPDX-License-Identifier: MIT */
/*
 * Disk error campaign: EIO and ENOSPC on a WAL write and on a WAL fsync,
 * injected by tdktd-fault while writers run. For each fault:
 *
 *  - the write hit by it is answered STORAGE, not acknowledged;
 *  - every write sent after a writer saw STORAGE is refused UNAVAILABLE (the
 *    daemon never retries a failed fsync as if it had succeeded), while
 *    status reads still answer and the daemon stays up;
 *  - after a restart on the normal tdktd every acknowledged id is in the
 *    ledger exactly once, no write that was only ever refused is, and the
 *    writes answered STORAGE are either there or not (unknown after a failed
 *    COMMIT); the writers retry them with the same ids and each ends
 *    recorded exactly once; integrity_check and `tdktd verify` pass.
 *
 * The fault fires once or on every later operation, and a failed fsync
 * either keeps the unsynced pages or drops them (Linux writeback failure),
 * alternating by round so that every kind meets each variant.
 *
 * With TDKT_FAULT_FILE=db the fault hits the database file, which only
 * checkpoints write, after a COMMIT: no write is answered STORAGE (the
 * batch whose COMMIT ran the checkpoint is durable in the WAL and
 * acknowledged); from then on writes are refused UNAVAILABLE and the log
 * says the checkpoint failed. Everything else is checked the same way.
 *
 * Environment: TDKT_FAULT_ROUNDS (1: each of the four kinds once),
 * TDKT_FAULT_FILE (wal, or db: see above),
 * TDKT_FAULT_WORKERS (8), TDKT_FAULT_SEED, TDKT_FAULT_DEADLINE_S (300),
 * TDKT_FAULT_KEEP=1 keeps the work directory.
 */
#include "campaign.h"
#include "faultvfs.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DE_PER_WORKER       20000
#define DE_FAULT_TIMEOUT_MS CAMP_HANG_MS

static const struct {
    const char *op, *err, *name;
} de_kinds[] = {
    {"write", "eio", "write EIO"},
    {"write", "enospc", "write ENOSPC"},
    {"fsync", "eio", "fsync EIO"},
    {"fsync", "enospc", "fsync ENOSPC"},
};
#define DE_KINDS ((int)(sizeof de_kinds / sizeof de_kinds[0]))

static int de_log_has(const char *log, const char *needle)
{
    char line[512];
    int found = 0;
    FILE *f = fopen(log, "r");

    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

static void test_disk_errors(void **state)
{
    (void)state;
    static struct camp s;
    int rounds = camp_env_int("TDKT_FAULT_ROUNDS", 1);
    int nw = camp_env_int("TDKT_FAULT_WORKERS", 8);
    unsigned seed = (unsigned)camp_env_int("TDKT_FAULT_SEED", 20261123);
    struct camp_worker *w;
    struct camp_check c;
    struct tu_daemon d;
    char log[TU_PATH_MAX], out[TU_OUT_MAX];
    int faults = 0, per_kind[DE_KINDS] = {0}, persistent = 0, dropped = 0, exit1 = 0;
    unsigned unknown = 0, unknown_present = 0;

    assert_true(rounds > 0 && nw > 0);
    camp_setup(&s, DE_PER_WORKER, camp_env_int("TDKT_FAULT_DEADLINE_S", 300));
    w = camp_workers_new(&s, nw);
    srand(seed);

    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < DE_KINDS; k++) {
            int is_sync = strcmp(de_kinds[k].op, "fsync") == 0;
            int persist = (r + k) % 2;
            int drop = is_sync && (r + k) % 2 == 0;
            char e_op[64], e_err[64], e_at[64], e_persist[64], e_drop[64], e_file[64];
            const char *file = getenv("TDKT_FAULT_FILE");
            int db = file && strcmp(file, "db") == 0;
            /* WAL: early enough that no checkpoint has started. Database
             * file: within the first checkpoints (each writes many pages and
             * syncs the file once). */
            int at = db ? (is_sync ? 1 + rand() % 2 : 1 + rand() % 8)
                        : (is_sync ? 3 + rand() % 25 : 10 + rand() % 120);
            snprintf(e_file, sizeof e_file, "FAULTVFS_FAIL_FILE=%s", file ? file : "wal");
            snprintf(e_op, sizeof e_op, "FAULTVFS_FAIL_OP=%s", de_kinds[k].op);
            snprintf(e_err, sizeof e_err, "FAULTVFS_FAIL_ERR=%s", de_kinds[k].err);
            snprintf(e_at, sizeof e_at, "FAULTVFS_FAIL_AT=%d", at);
            snprintf(e_persist, sizeof e_persist, "FAULTVFS_FAIL_PERSIST=%d", persist);
            snprintf(e_drop, sizeof e_drop, "FAULTVFS_FAIL_DROP=%d", drop);
            const char *const env[] = {
                "FAULTVFS_MODE=error", e_file, e_op, e_err, e_at, e_persist, e_drop, NULL};
            const char *what = de_kinds[k].name;
            unsigned storage0 = atomic_load(&s.storage);
            unsigned refused0 = atomic_load(&s.refused_after_fault);
            unsigned reads0 = atomic_load(&s.reads_ok);

            /* 1. Writers against the faulty daemon until the fault shows. */
            tu_path(log, sizeof log, "%s/fault-%02d-%d.log", s.fx.dir, r, k);
            assert_int_equal(camp_daemon_start(&d, TDKTD_FAULT_BIN, &s, log, env), 0);
            atomic_store(&s.port, d.port);
            atomic_store(&s.fault_seen, 0);
            camp_set_phase(&s, CAMP_RUN);
            camp_start(w, nw);
            int st = -1;
            for (int waited = 0; !atomic_load(&s.fault_seen); waited += 10) {
                if ((st = camp_daemon_wait(&d, 0)) >= 0)
                    fail_msg("%s: tdktd-fault exited %d; see %s", what, st, log);
                if (waited > DE_FAULT_TIMEOUT_MS)
                    fail_msg("%s at operation %d: no STORAGE or UNAVAILABLE reply within %d ms "
                             "(%s); see %s",
                             what, at, DE_FAULT_TIMEOUT_MS,
                             de_log_has(log, "faultvfs: injecting") ? "injected" : "not injected",
                             log);
                camp_nap(10);
            }
            /* Writers keep trying, and reading, until a write was refused
             * after the fault and a read answered (and, on the WAL, a
             * STORAGE reply came): the events checked below. */
            for (int waited = 0;
                 atomic_load(&s.refused_after_fault) == refused0 ||
                 atomic_load(&s.reads_ok) == reads0 || (!db && atomic_load(&s.storage) == storage0);
                 waited += 10) {
                if ((st = camp_daemon_wait(&d, 0)) >= 0)
                    fail_msg("%s: tdktd-fault exited %d after the fault; see %s", what, st, log);
                if (waited > CAMP_HANG_MS)
                    fail_msg("%s: no write refused and read answered after the fault (a hang); "
                             "see %s",
                             what, log);
                camp_nap(10);
            }
            camp_set_phase(&s, CAMP_HOLD);
            assert_int_equal(camp_wait_idle(w, nw, CAMP_HANG_MS), 0);
            if ((st = camp_daemon_wait(&d, 0)) >= 0)
                fail_msg("%s: tdktd-fault exited %d after the fault; see %s", what, st, log);

            unsigned storage = atomic_load(&s.storage) - storage0;
            unsigned refused = atomic_load(&s.refused_after_fault) - refused0;
            unsigned reads = atomic_load(&s.reads_ok) - reads0;
            if (db && !de_log_has(log, "checkpoint of"))
                fail_msg("%s: the log does not say the checkpoint failed; see %s", what, log);
            if ((!db && storage == 0) || refused == 0 || reads == 0)
                fail_msg("%s: %u STORAGE replies, %u writes refused after it, %u reads answered",
                         what, storage, refused, reads);
            if (atomic_load(&s.accepted_after_fault) || atomic_load(&s.reads_failed))
                fail_msg("%s: %u writes acknowledged after a STORAGE reply, %u reads failed", what,
                         atomic_load(&s.accepted_after_fault), atomic_load(&s.reads_failed));

            /* 2. Stop it; it must go, whatever its disk says. */
            st = camp_daemon_stop(&d, SIGTERM, CAMP_HANG_MS);
            /* Exit status 1 tells the supervisor the ledger refused writes. */
            if (st != 1)
                fail_msg("%s: tdktd-fault %s on SIGTERM, not status 1; see %s", what,
                         st < 0 ? "did not stop (a hang)" : "exited otherwise", log);
            exit1++;
            atomic_store(&s.fault_seen, 0);

            /* 3. Restarted healthy: acknowledged writes are there, refused
             * ones are not; STORAGE ones may be either. */
            tu_path(log, sizeof log, "%s/tdktd-%02d-%d.log", s.fx.dir, r, k);
            assert_int_equal(camp_daemon_start(&d, TDKTD_BIN, &s, log, NULL), 0);
            atomic_store(&s.port, d.port);
            assert_int_equal(camp_check_ledger(&s, w, nw, &c), 0);
            if (c.lost || c.duplicated || c.extra || c.refused_recorded || !c.integrity_ok)
                fail_msg("%s, after restart: lost %u, duplicated %u, unknown rows %u, refused "
                         "yet recorded %u, integrity %s",
                         what, c.lost, c.duplicated, c.extra, c.refused_recorded,
                         c.integrity_ok ? "ok" : "FAILED");
            unknown += c.unknown;
            unknown_present += c.unknown_present;

            /* 4. The writers retry with the same ids: exactly once each. */
            camp_set_phase(&s, CAMP_DRAIN);
            camp_join(w, nw);
            assert_int_equal(camp_daemon_stop(&d, SIGTERM, CAMP_HANG_MS), 0);
            for (int i = 0; i < nw; i++)
                if (w[i].err[0])
                    fail_msg("%s, writer %d: %s", what, i, w[i].err);
            assert_int_equal(camp_check_ledger(&s, w, nw, &c), 0);
            if (c.lost || c.duplicated || c.extra || c.acked != c.ids || !c.integrity_ok)
                fail_msg("%s, after retries: ids %u, acked %u, lost %u, duplicated %u, unknown "
                         "rows %u, integrity %s",
                         what, c.ids, c.acked, c.lost, c.duplicated, c.extra,
                         c.integrity_ok ? "ok" : "FAILED");
            if (!camp_verify(&s, out, sizeof out))
                fail_msg("%s: tdktd verify failed: %s", what, out);

            faults++;
            per_kind[k]++;
            persistent += persist;
            dropped += drop;
        }
    }

    assert_int_equal(camp_check_ledger(&s, w, nw, &c), 0);
    print_message("disk faults: %d, acked: %s, errors: %s, lost: %u, duplicated: %u, writes "
                  "refused after fault: %s (write EIO %d, write ENOSPC %d, fsync EIO %d, fsync "
                  "ENOSPC %d; persistent %d, fsync pages dropped %d; reads answered while "
                  "refusing: %s; writes answered STORAGE or not at all: %u, of which durable "
                  "after restart: %u, each recorded once after retry; exit status 1 "
                  "after SIGTERM: %d)\n",
                  faults, camp_num(c.acked), camp_num(atomic_load(&s.storage)), c.lost,
                  c.duplicated, camp_num(atomic_load(&s.refused_after_fault)), per_kind[0],
                  per_kind[1], per_kind[2], per_kind[3], persistent, dropped,
                  camp_num(atomic_load(&s.reads_ok)), unknown, unknown_present, exit1);
    assert_int_equal(c.lost, 0);
    assert_int_equal(c.duplicated, 0);
    camp_teardown(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_disk_errors, camp_teardown_kill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
