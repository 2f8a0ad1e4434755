/* SPDX-License-Identifier: MIT */
/*
 * Online backup of the ledger (see backup.h).
 *
 * Why sqlite3_backup and not VACUUM INTO: the backup API copies the pages of
 * one read transaction (a single sqlite3_backup_step(-1) call), so the copy is
 * the ledger exactly as of one commit, byte for byte; in WAL mode that read
 * transaction does not block the daemon's writer. VACUUM INTO would also give
 * a consistent snapshot, but it rebuilds the file and opens the destination
 * itself, whereas here we create the destination with O_EXCL first, so
 * "refuse to overwrite" holds even against a concurrent run. The source is
 * opened with ledger_open(LEDGER_OPEN_READONLY): a read-only connection that
 * also checks the schema version and runs quick_check before we copy.
 *
 * The copy keeps the source's WAL flag in its header; that is what tdktd
 * expects when the copy is later moved into place as DIR/ledger.db.
 */
#include "server/ledger/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/err.h"
#include "server/ledger/ledger.h"

#define BACKUP_OPEN_ERR_MAX 512 /* ledger_open's message for the source */

void ledger_backup_remove(const char *path)
{
    static const char *const suffixes[] = {"-journal", "-wal", "-shm"};
    char side[PATH_MAX];
    unlink(path);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        int n = snprintf(side, sizeof side, "%s%s", path, suffixes[i]);
        if (n > 0 && (size_t)n < sizeof side)
            unlink(side);
    }
}

void ledger_backup_remove_sidecars(const char *path)
{
    char wal[PATH_MAX], shm[PATH_MAX];
    struct stat sb;
    int n = snprintf(wal, sizeof wal, "%s-wal", path);
    int m = snprintf(shm, sizeof shm, "%s-shm", path);
    if (n < 0 || (size_t)n >= sizeof wal || m < 0 || (size_t)m >= sizeof shm)
        return;
    if (stat(wal, &sb) == 0 && sb.st_size > 0)
        return;
    unlink(wal);
    unlink(shm);
}

/* fsync path, opened with flags (O_RDONLY, or O_RDONLY | O_DIRECTORY). */
static int fsync_path(const char *path, int flags, char *err, size_t cap)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0) {
        tdkt_errf(err, cap, "cannot open %s to sync it: %s", path, strerror(errno));
        return TDKT_EIO;
    }
    if (fsync(fd) != 0) {
        tdkt_errf(err, cap, "cannot sync %s: %s", path, strerror(errno));
        close(fd);
        return TDKT_EIO;
    }
    close(fd);
    return 0;
}

/* Sync the directory holding path, so the new directory entry is durable. */
static int fsync_parent(const char *path, char *err, size_t cap)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        return fsync_path(".", O_RDONLY | O_DIRECTORY, err, cap);
    if ((size_t)(slash - path) >= sizeof dir) {
        tdkt_errf(err, cap, "path %s is too long", path);
        return TDKT_ETOOBIG;
    }
    if (slash == path) {
        snprintf(dir, sizeof dir, "/");
    } else {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
    }
    return fsync_path(dir, O_RDONLY | O_DIRECTORY, err, cap);
}

/* One step copies everything under one read transaction; a locked source is
 * retried a bounded number of times. */
static int copy_pages(sqlite3 *src, sqlite3 *dst, const char *dst_path, char *err, size_t cap)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    int rc = SQLITE_OK;
    if (!b) {
        tdkt_errf(err, cap, "cannot start the backup to %s: %s", dst_path, sqlite3_errmsg(dst));
        return TDKT_EDB;
    }
    for (int i = 0; i < BACKUP_BUSY_RETRIES; i++) {
        rc = sqlite3_backup_step(b, -1);
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
            break;
        sqlite3_sleep(BACKUP_BUSY_SLEEP_MS);
    }
    int fin = sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        tdkt_errf(err, cap, "backup to %s failed: %s", dst_path, sqlite3_errstr(rc));
        return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? TDKT_EBUSY : TDKT_EDB;
    }
    if (fin != SQLITE_OK) {
        tdkt_errf(err, cap, "backup to %s failed: %s", dst_path, sqlite3_errmsg(dst));
        return TDKT_EDB;
    }
    return 0;
}

int ledger_backup(const char *src, const char *dst, uint64_t *bytes, char *err, size_t err_cap)
{
    char open_err[BACKUP_OPEN_ERR_MAX];
    struct ledger *l = NULL;
    sqlite3 *out = NULL;
    struct stat sb;
    int fd, rc;

    tdkt_errf(err, err_cap, "%s", "");
    if (!src || !dst || !*dst) {
        tdkt_errf(err, err_cap, "ledger_backup: invalid arguments");
        return TDKT_EINVAL;
    }
    /* Claim the name before anything else: O_EXCL refuses an existing file
     * (or symlink), so a backup never overwrites one. */
    fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) {
            tdkt_errf(err, err_cap, "%s already exists; a backup never overwrites a file", dst);
            return TDKT_EEXIST;
        }
        tdkt_errf(err, err_cap, "cannot create %s: %s", dst, strerror(errno));
        return TDKT_EIO;
    }
    close(fd);

    rc = ledger_open(src, LEDGER_OPEN_READONLY, &l, open_err, sizeof open_err);
    if (rc < 0) {
        tdkt_errf(err, err_cap, "%s", open_err);
        goto out;
    }
    if (sqlite3_open_v2(dst, &out, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        tdkt_errf(err, err_cap, "cannot open %s: %s", dst,
                  out ? sqlite3_errmsg(out) : "out of memory");
        rc = TDKT_EDB;
        goto out;
    }
    sqlite3_busy_timeout(out, LEDGER_BUSY_TIMEOUT_MS);
    rc = copy_pages(ledger_db(l), out, dst, err, err_cap);
    if (rc < 0)
        goto out;
    if (sqlite3_close(out) != SQLITE_OK) {
        tdkt_errf(err, err_cap, "cannot close %s: %s", dst, sqlite3_errmsg(out));
        rc = TDKT_EDB;
        goto out;
    }
    out = NULL;
    rc = fsync_path(dst, O_RDONLY, err, err_cap);
    if (rc == 0)
        rc = fsync_parent(dst, err, err_cap);
    if (rc == 0 && stat(dst, &sb) != 0) {
        tdkt_errf(err, err_cap, "cannot stat %s: %s", dst, strerror(errno));
        rc = TDKT_EIO;
    }
    if (rc == 0 && bytes)
        *bytes = (uint64_t)sb.st_size;

out:
    if (out)
        sqlite3_close(out);
    ledger_close(l);
    if (rc < 0)
        ledger_backup_remove(dst);
    return rc;
}
