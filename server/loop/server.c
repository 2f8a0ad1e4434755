/* SPDX-License-Identifier: MIT */
/*
 * The tdktd loop shell: listener, signals, timeouts and shutdown order, the
 * daemon-wide memory budgets, the refusal log's rate limit and the counters
 * file (see server.h). Connections are conn.c's; requests are request.c's.
 */
#include "server.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "common/err.h"
#include "common/log.h"
#include "server/ballot/ballot.h"
#include "server/clock/clock.h"
#include "server/db/dbthread.h"
#include "server/loop/conn.h"

/*
 * Over the connection limit (cfg.max_conns conns being served), a new
 * connection is still accepted, answered one Error BUSY ("the server has N
 * connections, its limit; retry later", zero request id) and closed
 * gracefully (drain, then write-side shutdown and linger: conn.h), so that
 * a client can tell "busy, retry later" from a network failure.
 *
 * Over TLS no frame can be sent before the handshake, so the refused conn
 * completes the TLS handshake first (including the client certificate
 * check; a bad certificate gets the usual alert instead) and then sends
 * BUSY as its first and only frame; nothing the client sends is decoded.
 * This costs one handshake per refusal; SERVER_REFUSING_MAX bounds how many
 * refusals run at once, and connections beyond that are closed at accept
 * without a message, as are those accepted while shutting down. Refused
 * conns do not count against the limit, and the limit counts conns until
 * they are freed (including their linger).
 */
static void on_connection(uv_stream_t *listener, int status)
{
    struct server *srv = listener->data;
    if (status < 0) {
        log_warn("listener: %s", uv_strerror(status));
        return;
    }
    conn_accept(srv, listener);
}

static void on_handle_closed(uv_handle_t *h)
{
    (void)h;
}

/* refusal_log_expire's report: the one line for refusals left out. */
static void server_report_suppressed(void *arg, const char *addr, uint64_t suppressed)
{
    (void)arg;
    log_info("refusals: %llu more refusals from %s suppressed (at most %d lines per peer address "
             "per %d s)",
             (unsigned long long)suppressed, addr, REFUSAL_LOG_PER_PEER,
             REFUSAL_LOG_WINDOW_MS / 1000);
}

int server_refusal_admit(struct server *srv, const char *addr)
{
    uint64_t summary;
    const char *summary_addr;
    int admit = refusal_log_admit(&srv->refusals, addr, uv_now(srv->loop), &summary, &summary_addr);

    if (summary > 0)
        server_report_suppressed(srv, summary_addr, summary);
    if (!admit)
        srv->stats.log_suppressed++;
    return admit;
}

/* Write the counters to cfg.stats_path if they changed since the last
 * write (or always, at shutdown). A failure is logged once. */
static void server_stats_write(struct server *srv, int running)
{
    struct stats_gauges g = {
        .conns = srv->nconns,
        .input_bytes = srv->in_budget.used,
        .input_peak = srv->in_budget.peak,
        .input_budget = srv->in_budget.limit,
        .output_bytes = srv->out_budget.used,
        .output_peak = srv->out_budget.peak,
        .output_budget = srv->out_budget.limit,
    };
    char json[STATS_JSON_MAX];
    size_t len;

    if (!srv->cfg.stats_path)
        return;
    if (running && memcmp(&g, &srv->gauges_written, sizeof g) == 0 &&
        memcmp(&srv->stats, &srv->stats_written, sizeof srv->stats) == 0)
        return;
    if (stats_format(&srv->stats, &g, running, (long)getpid(), srv->started_ms, clock_now_ms(),
                     json, sizeof json, &len) < 0 ||
        stats_write(srv->cfg.stats_path, json, len) < 0) {
        if (!srv->stats_write_failed)
            log_warn("cannot write the counters to %s; tdktd status will not show them",
                     srv->cfg.stats_path);
        srv->stats_write_failed = 1;
        return;
    }
    srv->stats_write_failed = 0;
    srv->stats_written = srv->stats;
    srv->gauges_written = g;
}

static void on_db_stopped(void *arg)
{
    struct server *srv = arg;
    log_info("shutdown complete: %llu connections accepted, %llu requests",
             (unsigned long long)srv->stats.accepted, (unsigned long long)srv->stats.requests);
    /* Every window ends now: the last summaries are not lost with the
     * process. */
    refusal_log_expire(&srv->refusals, UINT64_MAX, server_report_suppressed, srv);
    server_stats_write(srv, 0);
    uv_close((uv_handle_t *)&srv->sweep, on_handle_closed);
    uv_close((uv_handle_t *)&srv->sig_term, on_handle_closed);
    uv_close((uv_handle_t *)&srv->sig_int, on_handle_closed);
}

/* The last step of a shutdown: once no connection remains, nothing can
 * submit work, so the database thread can finish its queue and stop. */
static void server_maybe_stop_db(struct server *srv)
{
    if (!srv->draining || srv->nconns > 0 || srv->db_stopped)
        return;
    srv->db_stopped = 1;
    if (dbthread_failed(srv->db))
        srv->exit_code = 1;
    dbthread_stop(srv->db, on_db_stopped, srv);
}

void server_conn_freed(struct server *srv, struct conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else if (srv->conns == c)
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->nconns--;
    if (c->refused)
        srv->nrefusing--;
    srv->stats.closed++;
    server_maybe_stop_db(srv);
}

/* On the database thread: seal the ballots due (ballot_seal_due). */
static int seal_run(struct db_job *job, struct ledger *l, int64_t now)
{
    struct server *srv = (struct server *)((char *)job - offsetof(struct server, seal_job));
    return ballot_seal_due(l, now, srv->cfg.auto_seal_ms, BALLOT_SEAL_BATCH, &srv->sealed);
}

static void seal_done(struct db_job *job, int status)
{
    struct server *srv = (struct server *)((char *)job - offsetof(struct server, seal_job));
    srv->seal_busy = 0;
    if (status < 0)
        log_error("could not seal the ballots due: %s; trying again later", tdkt_strerror(status));
    else if (srv->sealed > 0)
        log_info("sealed %u ballot box(es) left unsealed %lld s after closing", srv->sealed,
                 (long long)(srv->cfg.auto_seal_ms / 1000));
}

static void seal_check(struct server *srv, uint64_t now)
{
    if (srv->cfg.auto_seal_ms < 0 || srv->draining || srv->seal_busy ||
        now - srv->seal_checked_ms < SERVER_SEAL_CHECK_MS || dbthread_failed(srv->db))
        return;
    srv->seal_checked_ms = now;
    memset(&srv->seal_job, 0, sizeof srv->seal_job);
    srv->seal_job.write = 1;
    srv->seal_job.run = seal_run;
    srv->seal_job.done = seal_done;
    srv->sealed = 0;
    if (dbthread_submit(srv->db, &srv->seal_job) == 0)
        srv->seal_busy = 1;
}

/* Give freed heap memory back to the system once enough buffered input has
 * been released (SERVER_TRIM_AFTER_BYTES). Only glibc has malloc_trim; other
 * allocators keep their own policy. */
static void server_trim_memory(struct server *srv)
{
    if (srv->trim_released < SERVER_TRIM_AFTER_BYTES) {
        srv->trim_released += budget_take_released(&srv->in_budget);
        if (srv->trim_released < SERVER_TRIM_AFTER_BYTES)
            return;
    }
    srv->trim_released = 0;
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

static void on_sweep(uv_timer_t *t)
{
    struct server *srv = t->data;
    uint64_t now = uv_now(srv->loop);
    struct conn *c = srv->conns, *next;

    for (; c; c = next) {
        next = c->next; /* conn_sweep may free c only via a later close callback */
        conn_sweep(c, now);
    }
    seal_check(srv, now);
    refusal_log_expire(&srv->refusals, now, server_report_suppressed, srv);
    server_trim_memory(srv);
    server_stats_write(srv, 1);
    if (srv->draining && now - srv->drain_started_ms > SERVER_DRAIN_TIMEOUT_MS + 1000) {
        for (c = srv->conns; c; c = next) {
            next = c->next;
            conn_drain(c, "shutdown");
        }
    }
}

void server_input_charge(struct server *srv, uint64_t was, uint64_t now)
{
    budget_charge(&srv->in_budget, was, now);
}

/*
 * Over the input budget, refuse the partial frame holding the most memory
 * (of equals, the oldest connection's) until the total is within it again.
 * Each refusal frees that conn's buffers at once, so the loop ends. A conn
 * that cannot be refused (authenticating, already refused or draining, or
 * between frames) is never chosen, so the total may stay over by what those
 * hold: a staging buffer and a small frame each (CONN_RBUF_CAP, and
 * FRAME_BODY_KEEP_MAX or one pre-auth frame).
 */
void server_input_enforce(struct server *srv)
{
    if (srv->enforcing)
        return; /* a refusal drains, and a drain processes: no recursion */
    srv->enforcing = 1;
    while (budget_exceeded(&srv->in_budget)) {
        struct conn *best = NULL;
        uint64_t best_held = 0;
        for (struct conn *c = srv->conns; c; c = c->next) {
            uint64_t held = conn_input_refusable(c);
            if (held > 0 && (!best || budget_prefer(held, c->id, best_held, best->id))) {
                best = c;
                best_held = held;
            }
        }
        if (!best)
            break;
        conn_refuse_over_budget(best);
    }
    srv->enforcing = 0;
}

void server_output_charge(struct server *srv, uint64_t was, uint64_t now)
{
    budget_charge(&srv->out_budget, was, now);
    switch (budget_update_over(&srv->out_budget)) {
    case 1:
        srv->stats.output_pauses++;
        log_info("output budget: %llu bytes of replies unsent, over the budget of %llu; "
                 "connections with replies unsent stop reading",
                 (unsigned long long)srv->out_budget.used,
                 (unsigned long long)srv->out_budget.limit);
        break;
    case -1:
        log_info(
            "output budget: %llu bytes of replies unsent, back under %llu; reading resumes",
            (unsigned long long)srv->out_budget.used,
            (unsigned long long)(srv->out_budget.limit / BUDGET_RESUME_DEN * BUDGET_RESUME_NUM));
        /* A conn is freed only from a close callback, never by
         * conn_resume itself, so the list can be walked while resuming. */
        for (struct conn *c = srv->conns, *next; c; c = next) {
            next = c->next;
            if (c->backpressure & CONN_BP_BUDGET)
                conn_resume(c);
        }
        break;
    default:
        break;
    }
}

void server_begin_shutdown(struct server *srv, const char *why)
{
    struct conn *c, *next;
    if (srv->draining)
        return;
    log_info("shutting down (%s): %u connections to drain", why, srv->nconns);
    srv->draining = 1;
    srv->drain_started_ms = uv_now(srv->loop);
    uv_close((uv_handle_t *)&srv->listener, on_handle_closed);
    for (c = srv->conns; c; c = next) {
        next = c->next;
        conn_drain(c, "server shutting down");
    }
    server_maybe_stop_db(srv);
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct server *srv = s->data;
    server_begin_shutdown(srv, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static int is_loopback(const char *host)
{
    return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
           strncmp(host, "127.", 4) == 0;
}

int server_start(struct server *srv, uv_loop_t *loop, const struct server_config *cfg,
                 struct dbthread *db, char *err, size_t err_cap)
{
    struct sockaddr_storage ss;
    int rc;

    memset(srv, 0, sizeof *srv);
    srv->loop = loop;
    srv->cfg = *cfg;
    srv->db = db;
    if (!srv->cfg.max_conns)
        srv->cfg.max_conns = SERVER_MAX_CONNS_DEFAULT;
    if (!srv->cfg.idle_timeout_s)
        srv->cfg.idle_timeout_s = SERVER_IDLE_TIMEOUT_S_DEFAULT;
    if (!srv->cfg.handshake_timeout_s)
        srv->cfg.handshake_timeout_s = CONN_HANDSHAKE_TIMEOUT_MS / 1000;
    budget_init(&srv->in_budget, cfg->input_budget ? cfg->input_budget : BUDGET_INPUT_DEFAULT);
    budget_init(&srv->out_budget, cfg->output_budget ? cfg->output_budget : BUDGET_OUTPUT_DEFAULT);
    refusal_log_init(&srv->refusals);
    srv->started_ms = clock_now_ms();

    if (!cfg->tls && !is_loopback(cfg->listen_host)) {
        snprintf(err, err_cap,
                 "plain TCP is for tests on loopback only; refusing to listen on %s without TLS",
                 cfg->listen_host);
        return TDKT_EINVAL;
    }
    if (uv_ip4_addr(cfg->listen_host, cfg->port, (struct sockaddr_in *)&ss) != 0 &&
        uv_ip6_addr(cfg->listen_host, cfg->port, (struct sockaddr_in6 *)&ss) != 0) {
        snprintf(err, err_cap, "listen address '%s' is not an IP address", cfg->listen_host);
        return TDKT_EINVAL;
    }
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, SERVER_BACKLOG, on_connection);
    if (rc < 0) {
        snprintf(err, err_cap, "cannot listen on %s:%d: %s", cfg->listen_host, cfg->port,
                 uv_strerror(rc));
        uv_close((uv_handle_t *)&srv->listener, on_handle_closed);
        return TDKT_EIO;
    }
    int namelen = sizeof ss;
    uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&ss, &namelen);
    srv->cfg.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    uv_signal_init(loop, &srv->sig_term);
    uv_signal_init(loop, &srv->sig_int);
    srv->sig_term.data = srv->sig_int.data = srv;
    uv_signal_start(&srv->sig_term, on_signal, SIGTERM);
    uv_signal_start(&srv->sig_int, on_signal, SIGINT);
    uv_timer_init(loop, &srv->sweep);
    srv->sweep.data = srv;
    uv_timer_start(&srv->sweep, on_sweep, SERVER_SWEEP_INTERVAL_MS, SERVER_SWEEP_INTERVAL_MS);
    log_info("listening on %s:%d (%s), max %u connections, idle timeout %us, input budget %llu "
             "bytes, output budget %llu bytes",
             cfg->listen_host, srv->cfg.port,
             cfg->tls ? "TLS 1.3, client certificates required" : "plain TCP", srv->cfg.max_conns,
             srv->cfg.idle_timeout_s, (unsigned long long)srv->in_budget.limit,
             (unsigned long long)srv->out_budget.limit);
    server_stats_write(srv, 1);
    /* The port file says the daemon is ready, so it is written last, once
     * SIGTERM is handled: a supervisor or a test that stops the daemon as
     * soon as the file appears gets an orderly stop, not a killed process.
     * Written beside and renamed over, so nobody reads half a number. */
    if (cfg->port_file) {
        char tmp[4096];
        FILE *f = NULL;
        int n = snprintf(tmp, sizeof tmp, "%s.tmp", cfg->port_file);
        int ok = n > 0 && (size_t)n < sizeof tmp && (f = fopen(tmp, "w")) != NULL;
        ok = ok && fprintf(f, "%d\n", srv->cfg.port) > 0;
        if (f && fclose(f) != 0)
            ok = 0;
        if (!ok || rename(tmp, cfg->port_file) != 0) {
            snprintf(err, err_cap, "cannot write port file %s", cfg->port_file);
            uv_close((uv_handle_t *)&srv->sig_term, on_handle_closed);
            uv_close((uv_handle_t *)&srv->sig_int, on_handle_closed);
            uv_close((uv_handle_t *)&srv->sweep, on_handle_closed);
            uv_close((uv_handle_t *)&srv->listener, on_handle_closed);
            return TDKT_EIO;
        }
    }
    return 0;
}
