/* SPDX-License-Identifier: MIT */
/*
 * A fault injecting SQLite VFS for the fault campaigns (docs/faults.md). It
 * wraps the default VFS ("unix") and becomes the default itself, so the real
 * tdktd code opens its ledger through it unchanged. It only ever touches the
 * main database file and its WAL (SQLITE_OPEN_MAIN_DB, SQLITE_OPEN_WAL);
 * every other file and every other VFS method pass straight through.
 *
 * Power loss (FAULTVFS_POWER_LOSS). Writes to the database and the WAL are
 * held in an in-memory overlay per file, a sorted list of (offset, bytes)
 * extents that later writes clip, and truncations are pending too; reads,
 * xFileSize and xAccess see the overlay as the OS page cache would. Only
 * xSync writes the overlay to the real file and fsyncs it. At the crash point
 * (the N-th xSync of a WAL, before or after it reaches the disk) the process
 * calls _exit(FAULTVFS_CRASH_EXIT): whatever was written but not synced is
 * gone, as after a power cut. With torn set, a random subset of the unsynced
 * extents reaches the disk first (a disk that reorders its writes). A clean
 * close writes the overlay through without fsync: a process that exits is
 * not a power cut. With lie set (a control for the campaign itself), syncs
 * of the database and the WAL write nothing, as on a disk that ignores
 * flushes: nothing written since the start reaches the disk before the cut
 * (torn extents aside), a checkpoint's copy included, so every write
 * acknowledged since the start is lost.
 *
 * Disk errors (FAULTVFS_DISK_ERROR). The N-th xWrite or xSync of the chosen
 * files returns SQLITE_IOERR_WRITE / SQLITE_IOERR_FSYNC (EIO) or SQLITE_FULL
 * (ENOSPC), once or from then on. A failing xWrite writes nothing. A failing
 * xSync does not fsync; with drop set the file's unsynced writes are then
 * discarded (the overlay is used for this), as Linux does when writeback
 * fails: the pages are marked clean and a later fsync succeeds without them
 * (the PostgreSQL "fsyncgate" lesson). Without drop they stay in the page
 * cache and may reach the disk later: the write is ambiguous.
 *
 * Every injected fault is logged on stderr as one "faultvfs: ..." line.
 * Not thread-hostile: one mutex guards the overlays and counters.
 */
#ifndef TDKT_TESTS_FAULT_FAULTVFS_H
#define TDKT_TESTS_FAULT_FAULTVFS_H

#include <stdint.h>

#define FAULTVFS_NAME       "faultvfs"
#define FAULTVFS_CRASH_EXIT 86 /* exit status of a simulated power cut */

enum faultvfs_mode {
    FAULTVFS_OFF = 0,
    FAULTVFS_POWER_LOSS,
    FAULTVFS_DISK_ERROR,
};

enum faultvfs_op {
    FAULTVFS_OP_WRITE = 0,
    FAULTVFS_OP_SYNC,
};

enum faultvfs_err {
    FAULTVFS_ERR_EIO = 0, /* SQLITE_IOERR_WRITE or SQLITE_IOERR_FSYNC */
    FAULTVFS_ERR_ENOSPC,  /* SQLITE_FULL */
};

enum faultvfs_files {
    FAULTVFS_FILES_WAL = 0, /* the WAL only: every operation is part of a commit */
    FAULTVFS_FILES_DB,      /* the main database only: checkpoints */
    FAULTVFS_FILES_ANY,
};

struct faultvfs_plan {
    enum faultvfs_mode mode;

    /* power loss */
    uint64_t crash_sync; /* crash at this xSync of a WAL, counted from 1 */
    int crash_after;     /* 0: before it (its writes are lost); 1: after it returned */
    int torn;            /* write a random half of the unsynced extents first */
    uint64_t seed;       /* for torn */
    int lie;             /* negative control: an xSync of the database or the
                            WAL returns OK and writes nothing, like a disk
                            that ignores flushes; the campaign must then find
                            acknowledged writes lost */

    /* disk errors */
    enum faultvfs_op fail_op;
    enum faultvfs_err fail_err;
    enum faultvfs_files fail_files;
    uint64_t fail_at; /* the fail_at-th operation of that kind fails, counted from 1 */
    int fail_persist; /* and every later one too */
    int fail_drop;    /* a failed xSync discards the file's unsynced writes */
};

/*
 * Wrap sqlite3_vfs_find(NULL) and register the result as the default VFS.
 * The plan is copied. Call once, before any database is opened. Returns an
 * SQLite result code.
 */
int faultvfs_register(const struct faultvfs_plan *plan);

#endif
