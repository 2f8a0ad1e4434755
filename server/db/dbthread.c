/* SPDX-License-Identifier: MIT */
/*
 * The database thread (see dbthread.h for the contract and the states).
 *
 * Two lists cross the thread boundary, both under mu: the queue (loop ->
 * database thread, signalled by cv) and the done list (database thread ->
 * loop, signalled by uv_async_send). The database thread takes a chunk of
 * the queue (every queued job, up to DB_BATCH_MAX writes), applies its writes
 * in one transaction, runs its reads after the COMMIT, and appends the whole
 * chunk to the done list in submission order only then, so no done() can run
 * before the data it reports is durable.
 *
 * Shutdown never blocks the loop: dbthread_stop() only raises `stopping`.
 * The thread drains the queue, sets `exited` under mu and sends the async;
 * the callback that sees `exited` together with an empty done list joins
 * (immediately), closes the ledger and closes the async handle, whose close
 * callback frees the struct.
 */
#include "server/db/dbthread.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "server/clock/clock.h"
#include "server/ledger/ledger.h"

struct dbthread {
    uv_loop_t *loop;
    uv_async_t async; /* loop thread only, except uv_async_send */
    struct ledger *l; /* database thread while it runs; loop thread after join */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;

    /* under mu */
    struct db_job *q_head, *q_tail;
    struct db_job *done_head, *done_tail;
    int stopping;
    int exited;
    struct dbthread_stats stats;

    atomic_int failed; /* written by the database thread, read anywhere */

    /* loop thread only */
    int stop_called;
    int finishing;
    void (*closed_cb)(void *arg);
    void *closed_arg;
};

static void dbthread_lock(const struct dbthread *d)
{
    /* The mutex is not part of the value a const pointer promises to keep. */
    pthread_mutex_lock((pthread_mutex_t *)&d->mu);
}

static void dbthread_unlock(const struct dbthread *d)
{
    pthread_mutex_unlock((pthread_mutex_t *)&d->mu);
}

/* --- database thread ------------------------------------------------------ */

/* Detach the next chunk: every queued job up to DB_BATCH_MAX writes. */
static struct db_job *dbthread_take_chunk(struct dbthread *d)
{
    struct db_job *head = d->q_head, *j = head, *last = NULL;
    unsigned writes = 0;

    while (j) {
        if (j->write) {
            if (writes == DB_BATCH_MAX)
                break;
            writes++;
        }
        last = j;
        j = j->next;
    }
    last->next = NULL;
    d->q_head = j;
    if (!j)
        d->q_tail = NULL;
    return head;
}

/* One write job in its own savepoint: a failing request is undone alone. */
static int dbthread_run_write(struct dbthread *d, struct db_job *job, int64_t now)
{
    int rc = ledger_savepoint(d->l);

    if (rc < 0)
        return rc;
    rc = job->run(job, d->l, now);
    if (rc < 0) {
        /* If this fails the ledger refuses to commit, so the failed job's
         * partial writes can never become durable. */
        (void)ledger_rollback_to(d->l);
        return rc;
    }
    int rel = ledger_release(d->l);
    return rel < 0 ? rel : rc;
}

static void dbthread_run_writes(struct dbthread *d, struct db_job *chunk, int64_t now)
{
    uint64_t writes = 0, applied = 0;
    struct db_job *j;
    int rc;

    for (j = chunk; j; j = j->next)
        writes += j->write != 0;
    if (writes == 0)
        return;

    if (atomic_load(&d->failed)) {
        for (j = chunk; j; j = j->next)
            if (j->write)
                j->status = TDKT_EUNAVAIL;
        return;
    }

    rc = ledger_begin(d->l);
    if (rc < 0) {
        log_error("dbthread: cannot start a transaction (%s); %" PRIu64 " writes refused",
                  tdkt_strerror(rc), writes);
        for (j = chunk; j; j = j->next)
            if (j->write)
                j->status = rc;
        return;
    }
    for (j = chunk; j; j = j->next)
        if (j->write)
            j->status = dbthread_run_write(d, j, now);
    /* Receipts: one signed head for the batch, then each job's proof. */
    for (j = chunk; j; j = j->next) {
        if (!j->write || j->status < 0 || !j->finish)
            continue;
        rc = j->finish(j, d->l, now);
        if (rc < 0) {
            log_error("dbthread: finishing a batch failed (%s); %" PRIu64
                      " writes rolled back, not acknowledged",
                      tdkt_strerror(rc), writes);
            ledger_rollback(d->l);
            for (struct db_job *k = chunk; k; k = k->next)
                if (k->write && k->status >= 0)
                    k->status = rc;
            return;
        }
    }

    rc = ledger_commit(d->l);
    if (rc < 0) {
        /* We cannot know what reached the disk, so we stop writing rather
         * than retry as if the failed fsync had never happened. */
        log_error("dbthread: COMMIT failed (%s); %" PRIu64
                  " writes not acknowledged; refusing all writes until restart",
                  tdkt_strerror(rc), writes);
        for (j = chunk; j; j = j->next)
            if (j->write && j->status >= 0)
                j->status = TDKT_EDB;
        atomic_store(&d->failed, 1);
        return;
    }
    if (ledger_checkpoint_error(d->l) < 0 && !atomic_load(&d->failed)) {
        /* This batch is durable (its COMMIT succeeded) and is acknowledged;
         * the database file could not take the WAL, so no more writes. */
        log_error("dbthread: a checkpoint failed (see above); this batch of %" PRIu64
                  " writes is durable in the WAL; refusing all writes until restart",
                  writes);
        atomic_store(&d->failed, 1);
    }
    for (j = chunk; j; j = j->next)
        applied += j->write && j->status >= 0;
    dbthread_lock(d);
    d->stats.batches++;
    d->stats.write_jobs += applied;
    if (writes > d->stats.max_batch)
        d->stats.max_batch = writes;
    dbthread_unlock(d);
}

static void dbthread_run_chunk(struct dbthread *d, struct db_job *chunk)
{
    /* Reads run after the COMMIT, outside the write transaction, and so see
     * every write of their own chunk: a status after a put reports the put. */
    int64_t now = clock_now_ms();
    dbthread_run_writes(d, chunk, now);
    for (struct db_job *j = chunk; j; j = j->next)
        if (!j->write)
            j->status = j->run(j, d->l, now);
}

static void *dbthread_main(void *arg)
{
    struct dbthread *d = arg;

    dbthread_lock(d);
    for (;;) {
        while (!d->q_head && !d->stopping)
            pthread_cond_wait(&d->cv, &d->mu);
        if (!d->q_head)
            break;
        struct db_job *chunk = dbthread_take_chunk(d);
        dbthread_unlock(d);

        dbthread_run_chunk(d, chunk);

        struct db_job *tail = chunk;
        while (tail->next)
            tail = tail->next;
        dbthread_lock(d);
        if (d->done_tail)
            d->done_tail->next = chunk;
        else
            d->done_head = chunk;
        d->done_tail = tail;
        dbthread_unlock(d);
        uv_async_send(&d->async);
        dbthread_lock(d);
    }
    d->exited = 1;
    dbthread_unlock(d);
    /* The loop cannot free d before this returns: it joins us first. */
    uv_async_send(&d->async);
    return NULL;
}

/* --- loop thread ---------------------------------------------------------- */

static void dbthread_on_closed(uv_handle_t *h)
{
    struct dbthread *d = h->data;
    void (*cb)(void *) = d->closed_cb;
    void *arg = d->closed_arg;

    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    free(d);
    if (cb)
        cb(arg);
}

static void dbthread_deliver(struct db_job *j)
{
    while (j) {
        /* done() may free the job. */
        struct db_job *next = j->next;
        j->next = NULL;
        j->done(j, j->status);
        j = next;
    }
}

static void dbthread_on_async(uv_async_t *h)
{
    struct dbthread *d = h->data;
    struct db_job *jobs;
    int exited;

    if (d->finishing)
        return;
    dbthread_lock(d);
    jobs = d->done_head;
    d->done_head = d->done_tail = NULL;
    exited = d->exited;
    dbthread_unlock(d);

    dbthread_deliver(jobs);

    /* exited was read with the done list it followed, so nothing is left. */
    if (exited) {
        d->finishing = 1;
        pthread_join(d->thread, NULL);
        ledger_close(d->l);
        d->l = NULL;
        uv_close((uv_handle_t *)&d->async, dbthread_on_closed);
    }
}

int dbthread_start(uv_loop_t *loop, struct ledger *l, struct dbthread **out)
{
    struct dbthread *d;
    sigset_t all, old;
    int rc;

    if (!loop || !l || !out)
        return TDKT_EINVAL;
    d = calloc(1, sizeof *d);
    if (!d)
        return TDKT_ENOMEM;
    d->loop = loop;
    d->l = l;
    atomic_init(&d->failed, 0);
    if (pthread_mutex_init(&d->mu, NULL) != 0) {
        free(d);
        return TDKT_ENOMEM;
    }
    if (pthread_cond_init(&d->cv, NULL) != 0) {
        pthread_mutex_destroy(&d->mu);
        free(d);
        return TDKT_ENOMEM;
    }
    rc = uv_async_init(loop, &d->async, dbthread_on_async);
    if (rc != 0) {
        log_error("dbthread: uv_async_init: %s", uv_strerror(rc));
        pthread_cond_destroy(&d->cv);
        pthread_mutex_destroy(&d->mu);
        free(d);
        return TDKT_EIO;
    }
    d->async.data = d;

    /* Signals belong to the loop thread (uv_signal_t); the new thread
     * inherits this full mask. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&d->thread, NULL, dbthread_main, d);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        log_error("dbthread: pthread_create: %s", strerror(rc));
        /* The handle is registered: d is freed by its close callback. The
         * ledger stays the caller's. */
        d->l = NULL;
        d->finishing = 1;
        uv_close((uv_handle_t *)&d->async, dbthread_on_closed);
        return TDKT_ENOMEM;
    }
    *out = d;
    return 0;
}

int dbthread_submit(struct dbthread *d, struct db_job *job)
{
    assert(job && job->run && job->done);
    dbthread_lock(d);
    if (d->stopping || (job->write && atomic_load(&d->failed))) {
        dbthread_unlock(d);
        return TDKT_EUNAVAIL;
    }
    job->next = NULL;
    job->status = 0;
    if (d->q_tail)
        d->q_tail->next = job;
    else
        d->q_head = job;
    d->q_tail = job;
    pthread_cond_signal(&d->cv);
    dbthread_unlock(d);
    return 0;
}

int dbthread_failed(const struct dbthread *d)
{
    return atomic_load(&d->failed) != 0;
}

void dbthread_stats(const struct dbthread *d, struct dbthread_stats *out)
{
    dbthread_lock(d);
    *out = d->stats;
    dbthread_unlock(d);
}

void dbthread_stop(struct dbthread *d, void (*closed_cb)(void *arg), void *arg)
{
    assert(!d->stop_called);
    d->stop_called = 1;
    d->closed_cb = closed_cb;
    d->closed_arg = arg;
    dbthread_lock(d);
    d->stopping = 1;
    pthread_cond_signal(&d->cv);
    dbthread_unlock(d);
}
