/* SPDX-License-Identifier: MIT */
/*
 * The database thread: the only thread that uses the daemon's writer
 * connection. The loop thread submits jobs through a locked queue; the
 * database thread takes everything queued at once and applies the write jobs
 * in ONE transaction (group commit), each in its own savepoint so a failing
 * request is rolled back alone. Only after COMMIT has returned does it hand
 * the batch back to the loop (uv_async_send, which coalesces: the callback
 * drains the whole done list), where each job's done() sends its reply.
 *
 * If COMMIT fails, no job of that batch is acknowledged (each done() gets
 * TDKT_EDB) and the thread enters the FAILED state: every later write job is
 * refused with TDKT_EUNAVAIL without touching the database (we never retry
 * a failed fsync as if it had succeeded). Read jobs still run.
 *
 *   RUNNING --COMMIT error--> FAILED
 *   RUNNING/FAILED --dbthread_stop()--> STOPPING --queue empty--> joined
 *
 * Time: the thread reads the daemon's clock (server/clock) once per chunk
 * and passes that now to every job of it, so the writes of one batch carry
 * one time and no handler reads the clock itself.
 *
 * Ownership: dbthread_start takes the ledger and closes it at stop (if start
 * fails, the caller keeps it). Jobs are owned by the submitter; the dbthread
 * only links them while queued and must not touch a job after calling its
 * done().
 */
#ifndef TDKT_SERVER_DB_DBTHREAD_H
#define TDKT_SERVER_DB_DBTHREAD_H

#include <stdint.h>
#include <uv.h>

#define DB_BATCH_MAX 1024 /* write jobs per transaction */

struct ledger;
struct dbthread;

struct db_job {
    struct db_job *next; /* queue link, owned by the dbthread while queued */
    int write;           /* 1: runs inside the group-commit transaction */
    /* On the database thread. For writes, inside a savepoint that is rolled
     * back when run returns < 0. Must not touch libuv or connection state. */
    int (*run)(struct db_job *job, struct ledger *l, int64_t now);
    /* Writes, optional: after every job of the batch has run and before
     * COMMIT, in job order, outside the job's savepoint (the head is then the
     * batch's: one signed tree head serves the whole batch). A failure rolls
     * the whole batch back; every write of it gets that error. */
    int (*finish)(struct db_job *job, struct ledger *l, int64_t now);
    /* On the loop thread once the job is finished: status is run's result,
     * or the COMMIT error for a write whose run succeeded. */
    void (*done)(struct db_job *job, int status);
    int status; /* private to the dbthread */
};

struct dbthread_stats {
    uint64_t batches;    /* committed transactions */
    uint64_t write_jobs; /* write jobs applied */
    uint64_t max_batch;  /* largest batch so far */
};

/* Start the thread on loop (uv_async handle is registered on it). */
int dbthread_start(uv_loop_t *loop, struct ledger *l, struct dbthread **out);
/* From the loop thread. TDKT_EUNAVAIL once stopping, or for a write after
 * FAILED. On success done() will be called exactly once. */
int dbthread_submit(struct dbthread *d, struct db_job *job);
/* 1 after a COMMIT failure. */
int dbthread_failed(const struct dbthread *d);
void dbthread_stats(const struct dbthread *d, struct dbthread_stats *out);
/* From the loop thread: finish every queued job (their done() callbacks run
 * on the loop), join the thread, close the ledger and the async handle, then
 * free d. The loop must keep running until closed_cb is called. */
void dbthread_stop(struct dbthread *d, void (*closed_cb)(void *arg), void *arg);

#endif
