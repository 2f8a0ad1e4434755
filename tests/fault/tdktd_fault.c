/* SPDX-License-Identifier: MIT */
/*
 * tdktd-fault: the real tdktd (tdktd_main, every subcommand) with the fault
 * injecting VFS (faultvfs.h) registered first. The plan comes from the
 * environment; with FAULTVFS_MODE unset or "off" this is plain tdktd.
 *
 *   FAULTVFS_MODE        off | power | error
 *   power:
 *   FAULTVFS_CRASH_SYNC  N: cut the power at the N-th WAL xSync
 *   FAULTVFS_CRASH_WHEN  before (that sync's writes are lost; default) | after
 *   FAULTVFS_SEED        S: without FAULTVFS_CRASH_SYNC, draw N in
 *                        1..FAULTVFS_CRASH_MAX (default 64) and before/after
 *   FAULTVFS_TORN        1: a random half of the unsynced writes reach the disk
 *   FAULTVFS_LIE         1: database and WAL fsyncs write nothing (a control:
 *                        acknowledged writes get lost)
 *   error:
 *   FAULTVFS_FAIL_OP     write | fsync
 *   FAULTVFS_FAIL_AT     N: the N-th such operation fails (default 1)
 *   FAULTVFS_FAIL_ERR    eio | enospc
 *   FAULTVFS_FAIL_FILE   wal (default) | db | any
 *   FAULTVFS_FAIL_PERSIST 1: every later operation fails too (default: once)
 *   FAULTVFS_FAIL_DROP   1: a failed fsync discards the unsynced writes
 *
 * A bad value is refused with exit status 2 before tdktd runs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faultvfs.h"
#include "server/admin/tdktd.h"

#define FAULT_CRASH_MAX_DEFAULT 64

static int env_u64(const char *name, uint64_t dflt, uint64_t *out)
{
    const char *v = getenv(name);
    char *end;

    if (!v || !*v) {
        *out = dflt;
        return 0;
    }
    *out = strtoull(v, &end, 10);
    if (*end) {
        fprintf(stderr, "tdktd-fault: %s=%s is not a number\n", name, v);
        return -1;
    }
    return 0;
}

/* Index of the environment value in words (NULL-terminated), dflt if unset,
 * -1 if it is none of them. */
static int env_word(const char *name, const char *const words[], int dflt)
{
    const char *v = getenv(name);

    if (!v || !*v)
        return dflt;
    for (int i = 0; words[i]; i++)
        if (strcmp(v, words[i]) == 0)
            return i;
    fprintf(stderr, "tdktd-fault: %s=%s is not one of:", name, v);
    for (int i = 0; words[i]; i++)
        fprintf(stderr, " %s", words[i]);
    fprintf(stderr, "\n");
    return -1;
}

static int plan_from_env(struct faultvfs_plan *p)
{
    static const char *const modes[] = {"off", "power", "error", NULL};
    static const char *const whens[] = {"before", "after", NULL};
    static const char *const ops[] = {"write", "fsync", NULL};
    static const char *const errs[] = {"eio", "enospc", NULL};
    static const char *const files[] = {"wal", "db", "any", NULL};
    uint64_t torn, lie, persist, drop, crash_max;
    int mode, when, op, err, file;

    memset(p, 0, sizeof *p);
    if ((mode = env_word("FAULTVFS_MODE", modes, 0)) < 0 ||
        (when = env_word("FAULTVFS_CRASH_WHEN", whens, 0)) < 0 ||
        (op = env_word("FAULTVFS_FAIL_OP", ops, 0)) < 0 ||
        (err = env_word("FAULTVFS_FAIL_ERR", errs, 0)) < 0 ||
        (file = env_word("FAULTVFS_FAIL_FILE", files, 0)) < 0)
        return -1;
    if (env_u64("FAULTVFS_CRASH_SYNC", 0, &p->crash_sync) < 0 ||
        env_u64("FAULTVFS_SEED", 0, &p->seed) < 0 ||
        env_u64("FAULTVFS_CRASH_MAX", FAULT_CRASH_MAX_DEFAULT, &crash_max) < 0 ||
        env_u64("FAULTVFS_TORN", 0, &torn) < 0 || env_u64("FAULTVFS_LIE", 0, &lie) < 0 ||
        env_u64("FAULTVFS_FAIL_AT", 1, &p->fail_at) < 0 ||
        env_u64("FAULTVFS_FAIL_PERSIST", 0, &persist) < 0 ||
        env_u64("FAULTVFS_FAIL_DROP", 0, &drop) < 0)
        return -1;
    p->mode = (enum faultvfs_mode)mode;
    p->crash_after = when;
    p->torn = torn != 0;
    p->lie = lie != 0;
    p->fail_op = (enum faultvfs_op)op;
    p->fail_err = (enum faultvfs_err)err;
    p->fail_files = (enum faultvfs_files)file;
    p->fail_persist = persist != 0;
    p->fail_drop = drop != 0;
    if (p->mode == FAULTVFS_POWER_LOSS && p->crash_sync == 0) {
        if (p->seed == 0 || crash_max == 0) {
            fprintf(stderr, "tdktd-fault: power mode needs FAULTVFS_CRASH_SYNC or FAULTVFS_SEED\n");
            return -1;
        }
        /* The same splitmix64 step as the VFS, kept apart from its stream. */
        uint64_t z = p->seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        p->crash_sync = 1 + z % crash_max;
        p->crash_after = (int)((z >> 32) & 1);
    }
    if (p->mode == FAULTVFS_DISK_ERROR && p->fail_at == 0) {
        fprintf(stderr, "tdktd-fault: FAULTVFS_FAIL_AT counts from 1\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct faultvfs_plan plan;

    if (plan_from_env(&plan) < 0)
        return 2;
    if (plan.mode != FAULTVFS_OFF) {
        if (faultvfs_register(&plan) != 0) {
            fprintf(stderr, "tdktd-fault: cannot register the fault VFS\n");
            return 2;
        }
        if (plan.mode == FAULTVFS_POWER_LOSS)
            fprintf(stderr, "faultvfs: power cut planned at WAL sync %" PRIu64 " (%s it)%s%s\n",
                    plan.crash_sync, plan.crash_after ? "after" : "before",
                    plan.torn ? ", torn" : "", plan.lie ? ", fsyncs ignored" : "");
    }
    return tdktd_main(argc, argv);
}
