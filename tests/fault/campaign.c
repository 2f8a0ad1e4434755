/* SPDX-License-Identifier: MIT */
/* The fault campaigns' shared writers, daemon control and ledger audit. */
#include "campaign.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/lib/client.h"
#include "common/err.h"
#include "common/wire/envelope.h"

#define CAMP_ENV_MAX 256

extern char **environ;

static struct camp *camp_current; /* set up and not yet torn down */

static const char *const camp_units[CAMP_UNITS] = {"VKSCC1", "VKSCC2", "VKSCC3", "VKSTC"};

void camp_nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int camp_env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : dflt;
}

const char *camp_num(unsigned long long n)
{
    static _Thread_local char bufs[4][32];
    static _Thread_local int next;
    char digits[24], *out = bufs[next++ % 4];
    int len = snprintf(digits, sizeof digits, "%llu", n), o = 0;

    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

void camp_setup(struct camp *s, int per_worker, int deadline_s)
{
    memset(s, 0, sizeof *s);
    tu_fx_init(&s->fx);
    s->per_worker = per_worker;
    s->deadline = time(NULL) + deadline_s;
    camp_current = s;
}

void camp_teardown(struct camp *s)
{
    camp_current = NULL;
    for (int i = 0; i < s->nworkers; i++)
        free(s->workers[i].ids);
    free(s->workers);
    s->workers = NULL;
    s->nworkers = 0;
    if (getenv("TDKT_FAULT_KEEP"))
        fprintf(stderr, "fault: work directory kept: %s\n", s->fx.dir);
    else
        tu_rm_rf(s->fx.dir);
}

/* --- daemons -------------------------------------------------------------- */

/* Daemons that may still run: killed by camp_kill_live() when a check fails
 * and cmocka unwinds the test, so nothing is left behind. */
static pid_t camp_live[4];

static void camp_live_set(pid_t old, pid_t now)
{
    for (int i = 0; i < 4; i++) {
        if (camp_live[i] == old) {
            camp_live[i] = now;
            return;
        }
    }
}

void camp_kill_live(void)
{
    for (int i = 0; i < 4; i++) {
        if (camp_live[i] > 0) {
            kill(camp_live[i], SIGKILL);
            waitpid(camp_live[i], NULL, 0);
            camp_live[i] = 0;
        }
    }
}

static int camp_status(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

int camp_teardown_kill(void **state)
{
    (void)state;
    camp_kill_live();
    if (camp_current) {
        struct camp *s = camp_current;
        if (s->running) {
            camp_set_phase(s, CAMP_QUIT);
            camp_join(s->workers, s->nworkers);
        }
        camp_teardown(s);
    }
    return 0;
}

int camp_daemon_start(struct tu_daemon *d, const char *bin, const struct camp *s, const char *log,
                      const char *const env[])
{
    char portfile[TU_PATH_MAX];
    const char *argv[16];
    const char *envp[CAMP_ENV_MAX];
    int n = 0, ne = 0;

    memset(d, 0, sizeof *d);
    tu_path(d->data, sizeof d->data, "%s", s->fx.data);
    tu_path(d->tls, sizeof d->tls, "%s", s->fx.tls);
    tu_path(d->log, sizeof d->log, "%s", log);
    tu_path(portfile, sizeof portfile, "%s/port", s->fx.data);
    unlink(portfile);
    n = tu_serve_args(argv, n, bin, d->data, portfile);
    argv[n++] = "--tls-dir";
    argv[n++] = d->tls;
    argv[n] = NULL;
    /* Built before fork: the child only execs. A plan variable of ours
     * replaces any inherited one. */
    for (char **e = environ; *e && ne < CAMP_ENV_MAX - 32; e++)
        if (strncmp(*e, "FAULTVFS_", 9) != 0)
            envp[ne++] = *e;
    for (int i = 0; env && env[i]; i++) {
        assert_true(ne < CAMP_ENV_MAX - 1);
        envp[ne++] = env[i];
    }
    envp[ne] = NULL;

    pid_t pid = tu_spawn(argv, d->log, envp);
    d->pid = pid;
    camp_live_set(0, pid);
    for (int waited = 0; waited < CAMP_HANG_MS; waited += 20) {
        int port = tu_port_read(portfile);
        if (port > 0) {
            d->port = port;
            return 0;
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            camp_live_set(pid, 0);
            d->pid = 0;
            return camp_status(st);
        }
        camp_nap(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    camp_live_set(pid, 0);
    d->pid = 0;
    fail_msg("%s did not start listening; see %s", bin, d->log);
    return -1;
}

int camp_daemon_wait(struct tu_daemon *d, int timeout_ms)
{
    for (int waited = 0; d->pid > 0; waited += 10) {
        int st;
        pid_t r = waitpid(d->pid, &st, WNOHANG);
        if (r == d->pid) {
            camp_live_set(d->pid, 0);
            d->pid = 0;
            return camp_status(st);
        }
        if (r < 0 && errno != EINTR) {
            camp_live_set(d->pid, 0);
            d->pid = 0;
            return -1;
        }
        if (waited >= timeout_ms)
            return -1;
        camp_nap(10);
    }
    return -1;
}

int camp_daemon_stop(struct tu_daemon *d, int sig, int timeout_ms)
{
    if (d->pid <= 0)
        return -1;
    kill(d->pid, sig);
    int st = camp_daemon_wait(d, timeout_ms);
    if (d->pid > 0) {
        kill(d->pid, SIGKILL);
        waitpid(d->pid, NULL, 0);
        camp_live_set(d->pid, 0);
        d->pid = 0;
        return -1;
    }
    return st;
}

/* --- writers -------------------------------------------------------------- */

static void idhex(const uint8_t id[16], char out[33])
{
    for (int i = 0; i < 16; i++)
        sprintf(out + 2 * i, "%02x", id[i]);
}

static void *camp_worker_main(void *arg)
{
    struct camp_worker *w = arg;
    struct camp *s = w->s;
    const char *code = camp_units[w->idx % CAMP_UNITS];
    char hex[33];
    struct tdkt_client *c = NULL;

    for (;;) {
        int phase = atomic_load(&s->phase);
        if (phase == CAMP_QUIT)
            break;
        if (phase == CAMP_HOLD) {
            /* Let go of the connection, so a stopping daemon need not wait
             * for it to drain. */
            tdkt_client_close(c);
            c = NULL;
            atomic_store(&w->idle, 1);
            camp_nap(5);
            continue;
        }
        atomic_store(&w->idle, 0);
        /* A new id only in CAMP_RUN: an id once sent is retried until it is
         * acknowledged, so it must end up in the ledger exactly once. */
        int i = w->n - 1;
        if (w->n == 0 || w->ids[i].acked) {
            if (phase == CAMP_DRAIN || w->n == s->per_worker)
                break;
            i = w->n++;
        }
        if (time(NULL) > s->deadline) {
            snprintf(w->err, sizeof w->err, "deadline passed at write %d", i);
            break;
        }
        if (!c) {
            struct tu_client_tls t;

            tu_client_tls(&t, s->fx.dir, atomic_load(&s->port), code);
            if (tdkt_client_connect(&t.o, &c) < 0) {
                tdkt_client_close(c);
                c = NULL;
                atomic_fetch_add(&s->retries, 1);
                camp_nap(20);
                continue;
            }
        }
        struct camp_id *id = &w->ids[i];
        struct tdkt_receipt r;
        int fault_before = atomic_load(&s->fault_seen);
        idhex(id->id, hex);
        int rc = tdkt_client_note_put(c, id->id, hex, "fault campaign", &r);
        if (rc == 0) {
            id->acked = 1;
            id->seq = r.seq;
            atomic_fetch_add(&s->acked, 1);
            if (r.replayed)
                atomic_fetch_add(&s->replayed, 1);
            if (fault_before)
                atomic_fetch_add(&s->accepted_after_fault, 1);
            continue;
        }
        int wire = tdkt_client_last_error(c)->wire;
        if (wire == TDKT__ERROR_CODE__ERROR_CODE_STORAGE) {
            id->storage = 1;
            atomic_fetch_add(&s->storage, 1);
            atomic_store(&s->fault_seen, 1);
            camp_nap(5);
            continue;
        }
        if (wire == TDKT__ERROR_CODE__ERROR_CODE_UNAVAILABLE) {
            struct tdkt_status st;
            id->unavail = 1;
            atomic_fetch_add(&s->unavail, 1);
            /* A refusal is the fault showing too (a failed checkpoint
             * answers no write STORAGE: it comes after a COMMIT). */
            atomic_store(&s->fault_seen, 1);
            if (fault_before)
                atomic_fetch_add(&s->refused_after_fault, 1);
            /* A daemon that refuses writes must still answer reads. */
            if (tdkt_client_status(c, &st) == 0)
                atomic_fetch_add(&s->reads_ok, 1);
            else
                atomic_fetch_add(&s->reads_failed, 1);
            camp_nap(20);
            continue;
        }
        if (wire) {
            snprintf(w->err, sizeof w->err, "write refused: %s", tdkt_client_errmsg(c));
            break;
        }
        /* No reply: retry the SAME id on a new connection. */
        id->noreply = 1;
        tdkt_client_close(c);
        c = NULL;
        atomic_fetch_add(&s->retries, 1);
        camp_nap(20);
    }
    tdkt_client_close(c);
    atomic_store(&w->done, 1);
    return NULL;
}

struct camp_worker *camp_workers_new(struct camp *s, int n)
{
    struct camp_worker *w = calloc((size_t)n, sizeof *w);

    assert_non_null(w);
    s->workers = w;
    s->nworkers = n;
    for (int i = 0; i < n; i++) {
        w[i].s = s;
        w[i].idx = i;
        w[i].ids = calloc((size_t)s->per_worker, sizeof *w[i].ids);
        assert_non_null(w[i].ids);
        for (int k = 0; k < s->per_worker; k++)
            request_id_generate(w[i].ids[k].id);
    }
    return w;
}

void camp_start(struct camp_worker *w, int n)
{
    w[0].s->running = 1;
    for (int i = 0; i < n; i++) {
        atomic_store(&w[i].idle, 0);
        atomic_store(&w[i].done, 0);
        assert_int_equal(pthread_create(&w[i].th, NULL, camp_worker_main, &w[i]), 0);
    }
}

void camp_set_phase(struct camp *s, enum camp_phase p)
{
    atomic_store(&s->phase, (int)p);
}

int camp_wait_idle(struct camp_worker *w, int n, int timeout_ms)
{
    for (int waited = 0;; waited += 5) {
        int busy = 0;
        for (int i = 0; i < n; i++)
            busy += !atomic_load(&w[i].idle) && !atomic_load(&w[i].done);
        if (!busy)
            return 0;
        if (waited >= timeout_ms)
            return -1;
        camp_nap(5);
    }
}

void camp_join(struct camp_worker *w, int n)
{
    for (int i = 0; i < n; i++)
        pthread_join(w[i].th, NULL);
    w[0].s->running = 0;
}

/* --- the auditor ---------------------------------------------------------- */

static int64_t camp_count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int camp_check_ledger(const struct camp *s, const struct camp_worker *w, int n,
                      struct camp_check *out)
{
    char path[TU_PATH_MAX];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    unsigned present_ours = 0;
    int ret = -1;

    memset(out, 0, sizeof *out);
    tu_path(path, sizeof path, "%s/ledger.db", s->fx.data);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        goto out;
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db, "SELECT seq FROM requests WHERE unit=?1 AND request_id=?2", -1, &st,
                           NULL) != SQLITE_OK)
        goto out;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < w[i].n; k++) {
            const struct camp_id *id = &w[i].ids[k];
            int64_t seq = -1;
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, camp_units[i % CAMP_UNITS], -1, SQLITE_STATIC);
            sqlite3_bind_blob(st, 2, id->id, 16, SQLITE_STATIC);
            int rc = sqlite3_step(st);
            if (rc == SQLITE_ROW)
                seq = sqlite3_column_int64(st, 0);
            else if (rc != SQLITE_DONE)
                goto out;
            present_ours += seq >= 0;
            out->ids++;
            if (id->acked) {
                out->acked++;
                if (seq < 0 || (uint64_t)seq != id->seq)
                    out->lost++;
            } else if (id->storage || id->noreply) {
                out->unknown++;
                out->unknown_present += seq >= 0;
            } else if (id->unavail) {
                out->refused_recorded += seq >= 0;
            }
        }
    }
    int64_t puts = camp_count(db, "SELECT count(*) FROM ledger WHERE kind='note.put'");
    int64_t notes = camp_count(db, "SELECT count(*) FROM notes");
    int64_t requests = camp_count(db, "SELECT count(*) FROM requests");
    if (puts < 0 || notes < 0 || requests < 0)
        goto out;
    out->duplicated = (unsigned)(puts - notes);
    out->extra = (unsigned)(requests - present_ours);

    sqlite3_stmt *ic;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &ic, NULL) != SQLITE_OK)
        goto out;
    out->integrity_ok = sqlite3_step(ic) == SQLITE_ROW &&
                        strcmp((const char *)sqlite3_column_text(ic, 0), "ok") == 0 &&
                        sqlite3_step(ic) == SQLITE_DONE;
    sqlite3_finalize(ic);
    ret = 0;
out:
    if (ret < 0)
        fprintf(stderr, "fault: cannot read %s: %s\n", path, db ? sqlite3_errmsg(db) : "?");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ret;
}

int camp_verify(const struct camp *s, char *out, size_t cap)
{
    int st = tu_runf(out, cap, TDKTD_BIN, "verify", "--data", s->fx.data, NULL);
    return st == 0 && strstr(out, "ledger verified") != NULL;
}
