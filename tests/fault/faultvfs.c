/* SPDX-License-Identifier: MIT */
/*
 * The fault injecting VFS (see faultvfs.h for the model).
 *
 * A file the overlay covers is a node, shared by every handle open on the
 * same path (the page cache is per file, not per descriptor):
 *
 *   real file:  [0 ............ valid)  bytes still the file's; past valid a
 *                                       pending truncation hides them
 *   extents:    sorted, disjoint (offset, bytes) written since the last sync
 *   size:       what xFileSize reports
 *
 *   xWrite    -> node_write()     clip older extents, insert the new one
 *   xTruncate -> node_truncate()  clip extents, lower valid and size
 *   xSync     -> node_flush()     truncate, write extents, then fsync
 *   crash     -> fv_crash()       (torn: write some extents), _exit()
 *   last close-> node_flush()     without fsync; the node is freed
 */
#define _GNU_SOURCE
#include "faultvfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum fv_kind {
    FV_OTHER = 0,
    FV_DB,
    FV_WAL,
};

struct extent {
    sqlite3_int64 off;
    int len;
    struct extent *next;
    unsigned char data[];
};

struct node {
    char *path;
    enum fv_kind kind;
    struct extent *ext; /* owned; sorted by off, disjoint */
    sqlite3_int64 size;
    sqlite3_int64 valid;
    int nref;
    int listed; /* in fv_nodes; xDelete unlists, the last close frees */
    struct node *next;
};

struct fv_file {
    sqlite3_file base;
    sqlite3_file *real; /* points just past this struct */
    enum fv_kind kind;
    struct node *node; /* NULL when the file is not overlaid */
};

static sqlite3_vfs fv_vfs;
static sqlite3_vfs *fv_orig;
static struct faultvfs_plan fv_plan;
static pthread_mutex_t fv_mu = PTHREAD_MUTEX_INITIALIZER;
static struct node *fv_nodes;      /* under fv_mu */
static uint64_t fv_wal_syncs;      /* under fv_mu */
static uint64_t fv_ops;            /* under fv_mu: operations counted for fail_at */
static uint64_t fv_rand_state = 1; /* under fv_mu */

#define FV_REAL_OFFSET ((sizeof(struct fv_file) + 15) & ~(size_t)15)

static uint64_t fv_rand(void)
{
    /* splitmix64: reproducible from the plan's seed. */
    uint64_t z = (fv_rand_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int fv_overlaid(enum fv_kind kind)
{
    if (kind == FV_OTHER)
        return 0;
    return fv_plan.mode == FAULTVFS_POWER_LOSS ||
           (fv_plan.mode == FAULTVFS_DISK_ERROR && fv_plan.fail_drop);
}

/* --- nodes (under fv_mu) -------------------------------------------------- */

static void node_drop_extents(struct node *n)
{
    while (n->ext) {
        struct extent *e = n->ext;
        n->ext = e->next;
        free(e);
    }
}

static void node_free(struct node *n)
{
    node_drop_extents(n);
    free(n->path);
    free(n);
}

static void node_unlist(struct node *n)
{
    for (struct node **pp = &fv_nodes; *pp; pp = &(*pp)->next) {
        if (*pp == n) {
            *pp = n->next;
            break;
        }
    }
    n->listed = 0;
}

static struct node *node_find(const char *path)
{
    for (struct node *n = fv_nodes; n; n = n->next)
        if (strcmp(n->path, path) == 0)
            return n;
    return NULL;
}

/* Cut [lo, hi) out of the extent list. Returns SQLITE_NOMEM if a split
 * cannot allocate. */
static int node_clip(struct node *n, sqlite3_int64 lo, sqlite3_int64 hi)
{
    struct extent **pp = &n->ext;

    while (*pp) {
        struct extent *e = *pp;
        sqlite3_int64 e_end = e->off + e->len;

        if (e_end <= lo) {
            pp = &e->next;
            continue;
        }
        if (e->off >= hi)
            break;
        if (e->off >= lo && e_end <= hi) { /* covered: remove */
            *pp = e->next;
            free(e);
            continue;
        }
        if (e->off < lo && e_end > hi) { /* split in two */
            int tail_len = (int)(e_end - hi);
            struct extent *t = malloc(sizeof *t + (size_t)tail_len);
            if (!t)
                return SQLITE_NOMEM;
            t->off = hi;
            t->len = tail_len;
            memcpy(t->data, e->data + (hi - e->off), (size_t)tail_len);
            t->next = e->next;
            e->len = (int)(lo - e->off);
            e->next = t;
            break;
        }
        if (e->off < lo) { /* keep the head */
            e->len = (int)(lo - e->off);
            pp = &e->next;
            continue;
        }
        /* keep the tail: move it down in place */
        int cut = (int)(hi - e->off);
        memmove(e->data, e->data + cut, (size_t)(e->len - cut));
        e->off = hi;
        e->len -= cut;
        break;
    }
    return SQLITE_OK;
}

static int node_write(struct node *n, const void *buf, int amt, sqlite3_int64 off)
{
    struct extent *e, **pp;
    int rc = node_clip(n, off, off + amt);

    if (rc != SQLITE_OK)
        return rc;
    e = malloc(sizeof *e + (size_t)amt);
    if (!e)
        return SQLITE_NOMEM;
    e->off = off;
    e->len = amt;
    memcpy(e->data, buf, (size_t)amt);
    for (pp = &n->ext; *pp && (*pp)->off < off; pp = &(*pp)->next)
        ;
    e->next = *pp;
    *pp = e;
    if (off + amt > n->size)
        n->size = off + amt;
    return SQLITE_OK;
}

static int node_read(struct node *n, sqlite3_file *real, void *buf, int amt, sqlite3_int64 off)
{
    sqlite3_int64 end = off + amt, lim = end;

    memset(buf, 0, (size_t)amt);
    if (lim > n->valid)
        lim = n->valid;
    if (lim > n->size)
        lim = n->size;
    if (lim > off) {
        int rc = real->pMethods->xRead(real, buf, (int)(lim - off), off);
        if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
            return rc;
    }
    for (struct extent *e = n->ext; e && e->off < end; e = e->next) {
        sqlite3_int64 lo = e->off > off ? e->off : off;
        sqlite3_int64 hi = e->off + e->len < end ? e->off + e->len : end;
        if (lo < hi)
            memcpy((unsigned char *)buf + (lo - off), e->data + (lo - e->off), (size_t)(hi - lo));
    }
    return end > n->size ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

static int node_truncate(struct node *n, sqlite3_int64 size)
{
    int rc = node_clip(n, size, INT64_MAX);

    if (rc != SQLITE_OK)
        return rc;
    if (size < n->valid)
        n->valid = size;
    n->size = size;
    return SQLITE_OK;
}

/* Write the overlay to the real file (no fsync): what the kernel's writeback
 * would do. */
static int node_flush(struct node *n, sqlite3_file *real)
{
    sqlite3_int64 real_size = 0;
    int rc = real->pMethods->xFileSize(real, &real_size);

    if (rc != SQLITE_OK)
        return rc;
    if (n->valid < real_size) {
        rc = real->pMethods->xTruncate(real, n->valid);
        if (rc != SQLITE_OK)
            return rc;
    }
    while (n->ext) {
        struct extent *e = n->ext;
        rc = real->pMethods->xWrite(real, e->data, e->len, e->off);
        if (rc != SQLITE_OK)
            return rc;
        n->ext = e->next;
        free(e);
    }
    rc = real->pMethods->xFileSize(real, &real_size);
    if (rc == SQLITE_OK && real_size != n->size)
        rc = real->pMethods->xTruncate(real, n->size);
    if (rc == SQLITE_OK)
        n->valid = INT64_MAX;
    return rc;
}

/* --- injected faults (under fv_mu) ---------------------------------------- */

static _Noreturn void fv_crash(struct fv_file *f, uint64_t nsync)
{
    unsigned lost = 0, torn = 0;

    for (struct node *n = fv_nodes; n; n = n->next) {
        for (struct extent *e = n->ext; e; e = e->next) {
            /* Only this handle's real file is known to be open; the other
             * nodes' extents are lost whole. */
            if (fv_plan.torn && n == f->node && fv_rand() % 2 == 0 &&
                f->real->pMethods->xWrite(f->real, e->data, e->len, e->off) == SQLITE_OK)
                torn++;
            else
                lost++;
        }
    }
    fprintf(stderr,
            "faultvfs: power cut at WAL sync %llu (%s it): %u unsynced writes lost, %u written "
            "torn\n",
            (unsigned long long)nsync, fv_plan.crash_after ? "after" : "before", lost, torn);
    fflush(stderr);
    _exit(FAULTVFS_CRASH_EXIT);
}

/* 0, or the SQLite error the plan injects into this operation. */
static int fv_inject(const struct fv_file *f, enum faultvfs_op op)
{
    static const char *const opname[] = {"write", "fsync"};
    static const char *const kindname[] = {"other", "database", "WAL"};
    int rc;

    if (fv_plan.mode != FAULTVFS_DISK_ERROR || op != fv_plan.fail_op || f->kind == FV_OTHER)
        return 0;
    if ((fv_plan.fail_files == FAULTVFS_FILES_WAL && f->kind != FV_WAL) ||
        (fv_plan.fail_files == FAULTVFS_FILES_DB && f->kind != FV_DB))
        return 0;
    fv_ops++;
    if (fv_ops < fv_plan.fail_at || (fv_ops > fv_plan.fail_at && !fv_plan.fail_persist))
        return 0;
    if (fv_plan.fail_err == FAULTVFS_ERR_ENOSPC)
        rc = SQLITE_FULL;
    else
        rc = op == FAULTVFS_OP_WRITE ? SQLITE_IOERR_WRITE : SQLITE_IOERR_FSYNC;
    if (fv_ops == fv_plan.fail_at)
        fprintf(stderr, "faultvfs: injecting %s on %s %llu (%s file)%s\n",
                fv_plan.fail_err == FAULTVFS_ERR_ENOSPC ? "ENOSPC" : "EIO", opname[op],
                (unsigned long long)fv_ops, kindname[f->kind],
                fv_plan.fail_persist ? ", and on every later one" : ", once");
    return rc;
}

/* --- io methods ----------------------------------------------------------- */

static int fv_close(sqlite3_file *file)
{
    struct fv_file *f = (struct fv_file *)file;
    int rc = SQLITE_OK;

    pthread_mutex_lock(&fv_mu);
    if (f->node && --f->node->nref == 0) {
        /* The process lets go of the file; the kernel keeps what was
         * written. */
        rc = node_flush(f->node, f->real);
        if (f->node->listed)
            node_unlist(f->node);
        node_free(f->node);
    }
    f->node = NULL;
    pthread_mutex_unlock(&fv_mu);
    int rc2 = f->real->pMethods->xClose(f->real);
    return rc != SQLITE_OK ? rc : rc2;
}

static int fv_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
    struct fv_file *f = (struct fv_file *)file;
    int rc;

    if (!f->node)
        return f->real->pMethods->xRead(f->real, buf, amt, off);
    pthread_mutex_lock(&fv_mu);
    rc = node_read(f->node, f->real, buf, amt, off);
    pthread_mutex_unlock(&fv_mu);
    return rc;
}

static int fv_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off)
{
    struct fv_file *f = (struct fv_file *)file;
    int rc;

    pthread_mutex_lock(&fv_mu);
    rc = fv_inject(f, FAULTVFS_OP_WRITE);
    if (rc == 0)
        rc = f->node ? node_write(f->node, buf, amt, off)
                     : f->real->pMethods->xWrite(f->real, buf, amt, off);
    pthread_mutex_unlock(&fv_mu);
    return rc;
}

static int fv_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    struct fv_file *f = (struct fv_file *)file;
    int rc;

    if (!f->node)
        return f->real->pMethods->xTruncate(f->real, size);
    pthread_mutex_lock(&fv_mu);
    rc = node_truncate(f->node, size);
    pthread_mutex_unlock(&fv_mu);
    return rc;
}

static int fv_sync(sqlite3_file *file, int flags)
{
    struct fv_file *f = (struct fv_file *)file;
    uint64_t nsync = 0;
    int rc;

    pthread_mutex_lock(&fv_mu);
    if (fv_plan.mode == FAULTVFS_POWER_LOSS && f->kind == FV_WAL) {
        nsync = ++fv_wal_syncs;
        if (nsync == fv_plan.crash_sync && !fv_plan.crash_after)
            fv_crash(f, nsync);
    }
    rc = fv_inject(f, FAULTVFS_OP_SYNC);
    if (rc != 0) {
        if (f->node && fv_plan.fail_drop) {
            /* Writeback failed: the kernel marks the pages clean and
             * forgets them; a later fsync will not see them. */
            node_drop_extents(f->node);
            f->node->valid = INT64_MAX;
            sqlite3_int64 real_size = 0;
            if (f->real->pMethods->xFileSize(f->real, &real_size) == SQLITE_OK)
                f->node->size = real_size;
        }
        pthread_mutex_unlock(&fv_mu);
        return rc;
    }
    if (fv_plan.mode == FAULTVFS_POWER_LOSS && fv_plan.lie && f->node) {
        /* A disk that ignores flushes ignores them for every file. Lying
         * about the WAL alone would let a checkpoint's fsync of the database
         * file make the acknowledged writes durable after all, and whether a
         * checkpoint ran just before the cut depends on how the commits were
         * batched, that is on the machine's speed. */
        if (nsync && nsync == fv_plan.crash_sync)
            fv_crash(f, nsync);
        pthread_mutex_unlock(&fv_mu);
        return SQLITE_OK;
    }
    rc = f->node ? node_flush(f->node, f->real) : SQLITE_OK;
    if (rc == SQLITE_OK)
        rc = f->real->pMethods->xSync(f->real, flags);
    if (rc == SQLITE_OK && nsync && nsync == fv_plan.crash_sync && fv_plan.crash_after)
        fv_crash(f, nsync);
    pthread_mutex_unlock(&fv_mu);
    return rc;
}

static int fv_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    struct fv_file *f = (struct fv_file *)file;

    if (!f->node)
        return f->real->pMethods->xFileSize(f->real, size);
    pthread_mutex_lock(&fv_mu);
    *size = f->node->size;
    pthread_mutex_unlock(&fv_mu);
    return SQLITE_OK;
}

static int fv_lock(sqlite3_file *file, int lock)
{
    struct fv_file *f = (struct fv_file *)file;
    return f->real->pMethods->xLock(f->real, lock);
}

static int fv_unlock(sqlite3_file *file, int lock)
{
    struct fv_file *f = (struct fv_file *)file;
    return f->real->pMethods->xUnlock(f->real, lock);
}

static int fv_check_reserved(sqlite3_file *file, int *out)
{
    struct fv_file *f = (struct fv_file *)file;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int fv_file_control(sqlite3_file *file, int op, void *arg)
{
    struct fv_file *f = (struct fv_file *)file;

    /* A size hint would let the real VFS extend the file behind the
     * overlay's back. */
    if (f->node && op == SQLITE_FCNTL_SIZE_HINT)
        return SQLITE_OK;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int fv_sector_size(sqlite3_file *file)
{
    struct fv_file *f = (struct fv_file *)file;
    return f->real->pMethods->xSectorSize(f->real);
}

static int fv_device_characteristics(sqlite3_file *file)
{
    struct fv_file *f = (struct fv_file *)file;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int fv_shm_map(sqlite3_file *file, int pg, int pgsz, int extend, void volatile **pp)
{
    struct fv_file *f = (struct fv_file *)file;
    return f->real->pMethods->xShmMap(f->real, pg, pgsz, extend, pp);
}

static int fv_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    struct fv_file *f = (struct fv_file *)file;
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void fv_shm_barrier(sqlite3_file *file)
{
    struct fv_file *f = (struct fv_file *)file;
    f->real->pMethods->xShmBarrier(f->real);
}

static int fv_shm_unmap(sqlite3_file *file, int del)
{
    struct fv_file *f = (struct fv_file *)file;
    return f->real->pMethods->xShmUnmap(f->real, del);
}

static int fv_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **pp)
{
    struct fv_file *f = (struct fv_file *)file;

    /* A memory map would show the real file, not the overlay: SQLite falls
     * back to xRead when it gets no pointer. */
    if (f->node) {
        *pp = NULL;
        return SQLITE_OK;
    }
    return f->real->pMethods->xFetch(f->real, off, amt, pp);
}

static int fv_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
    struct fv_file *f = (struct fv_file *)file;

    if (f->node)
        return SQLITE_OK;
    return f->real->pMethods->xUnfetch(f->real, off, p);
}

static const sqlite3_io_methods fv_methods = {
    .iVersion = 3,
    .xClose = fv_close,
    .xRead = fv_read,
    .xWrite = fv_write,
    .xTruncate = fv_truncate,
    .xSync = fv_sync,
    .xFileSize = fv_file_size,
    .xLock = fv_lock,
    .xUnlock = fv_unlock,
    .xCheckReservedLock = fv_check_reserved,
    .xFileControl = fv_file_control,
    .xSectorSize = fv_sector_size,
    .xDeviceCharacteristics = fv_device_characteristics,
    .xShmMap = fv_shm_map,
    .xShmLock = fv_shm_lock,
    .xShmBarrier = fv_shm_barrier,
    .xShmUnmap = fv_shm_unmap,
    .xFetch = fv_fetch,
    .xUnfetch = fv_unfetch,
};

/* --- vfs methods ---------------------------------------------------------- */

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                   int *out_flags)
{
    struct fv_file *f = (struct fv_file *)file;
    int rc;

    (void)vfs;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)((char *)f + FV_REAL_OFFSET);
    if (name && (flags & SQLITE_OPEN_MAIN_DB))
        f->kind = FV_DB;
    else if (name && (flags & SQLITE_OPEN_WAL))
        f->kind = FV_WAL;
    rc = fv_orig->xOpen(fv_orig, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK || !f->real->pMethods) {
        f->base.pMethods = NULL;
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    if (fv_overlaid(f->kind)) {
        pthread_mutex_lock(&fv_mu);
        struct node *n = node_find(name);
        if (!n) {
            n = calloc(1, sizeof *n);
            if (n)
                n->path = strdup(name);
            if (!n || !n->path || f->real->pMethods->xFileSize(f->real, &n->size) != SQLITE_OK) {
                if (n)
                    free(n->path);
                free(n);
                pthread_mutex_unlock(&fv_mu);
                f->real->pMethods->xClose(f->real);
                f->base.pMethods = NULL;
                return SQLITE_NOMEM;
            }
            n->kind = f->kind;
            n->valid = INT64_MAX;
            n->listed = 1;
            n->next = fv_nodes;
            fv_nodes = n;
        }
        n->nref++;
        f->node = n;
        pthread_mutex_unlock(&fv_mu);
    }
    f->base.pMethods = &fv_methods;
    return SQLITE_OK;
}

static int fv_delete(sqlite3_vfs *vfs, const char *path, int sync_dir)
{
    (void)vfs;
    pthread_mutex_lock(&fv_mu);
    struct node *n = node_find(path);
    if (n) {
        node_unlist(n);
        node_drop_extents(n);
        if (n->nref == 0)
            node_free(n);
    }
    pthread_mutex_unlock(&fv_mu);
    return fv_orig->xDelete(fv_orig, path, sync_dir);
}

static int fv_access(sqlite3_vfs *vfs, const char *path, int flags, int *out)
{
    (void)vfs;
    if (flags == SQLITE_ACCESS_EXISTS) {
        pthread_mutex_lock(&fv_mu);
        struct node *n = node_find(path);
        int exists = n && n->size > 0;
        pthread_mutex_unlock(&fv_mu);
        if (exists) {
            *out = 1;
            return SQLITE_OK;
        }
    }
    return fv_orig->xAccess(fv_orig, path, flags, out);
}

int faultvfs_register(const struct faultvfs_plan *plan)
{
    sqlite3_vfs *orig;

    if (fv_orig)
        return SQLITE_MISUSE;
    orig = sqlite3_vfs_find(NULL);
    if (!orig)
        return SQLITE_ERROR;
    fv_orig = orig;
    fv_plan = *plan;
    fv_rand_state = plan->seed ? plan->seed : 1;
    /* The other methods are the original's: they only use the struct for
     * pAppData and mxPathname, which are copied. */
    fv_vfs = *orig;
    fv_vfs.zName = FAULTVFS_NAME;
    fv_vfs.pNext = NULL;
    fv_vfs.szOsFile = (int)(FV_REAL_OFFSET + (size_t)orig->szOsFile);
    fv_vfs.xOpen = fv_open;
    fv_vfs.xDelete = fv_delete;
    fv_vfs.xAccess = fv_access;
    return sqlite3_vfs_register(&fv_vfs, 1);
}
