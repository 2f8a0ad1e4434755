/* SPDX-License-Identifier: MIT */
/*
 * tdktd serve: the order of the daemon's start-up (TLS, ledger, key, the
 * last signed head, the database thread, the listener) and of its stop.
 */
#include "server/admin/admin.h"

#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/net/tport.h"
#include "common/text/i18n.h"
#include "common/wire/envelope.h"
#include "server/clock/clock.h"
#include "server/ledger/treelog.h"
#include "server/loop/server.h"

static int split_listen(const char *s, char *host, size_t cap, int *port)
{
    const char *colon = strrchr(s, ':');
    char *end;
    long p;
    if (!colon || (size_t)(colon - s) >= cap || colon == s)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    p = strtol(colon + 1, &end, 10);
    if (*end || p < 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

/* Where serve listens, and its log level, from the options; ADMIN_EXIT_USAGE
 * after saying what is wrong. */
static int serve_check_opts(const struct opts *o, char *host, size_t host_cap, int *port)
{
    enum log_level level = LOG_LEVEL_INFO;

    if (o->log_level && log_level_parse(o->log_level, &level) < 0)
        return admin_usage("--log-level must be error, warn, info or debug");
    log_init("tdktd", level, o->syslog);
    if (!admin_need(o->data, "--data"))
        return ADMIN_EXIT_USAGE;
    if (o->listen && split_listen(o->listen, host, host_cap, port) < 0)
        return admin_usage("--listen must be HOST:PORT, e.g. 127.0.0.1:7443");
    if (!o->plain && !o->tls_dir)
        return admin_usage("serve needs --tls-dir DIR (or --plain for loopback tests)");
    if (o->plain && o->tls_dir)
        return admin_usage("--plain and --tls-dir exclude each other");
    if (o->test_clock) {
        if (clock_set_test_file(o->test_clock) < 0)
            return admin_usage("--test-clock: the path is too long");
        log_warn("test clock: the time is shifted by the seconds in %s (tests only)",
                 o->test_clock);
    }
    return 0;
}

/* The TLS context from --tls-dir's ca.crt, server.crt and server.key; *tls
 * stays NULL with --plain. */
static int serve_tls(const struct opts *o, SSL_CTX **tls)
{
    char ca[PATH_MAX], crt[PATH_MAX], key[PATH_MAX], err[512];

    *tls = NULL;
    if (!o->tls_dir)
        return 0;
    snprintf(ca, sizeof ca, "%s/ca.crt", o->tls_dir);
    snprintf(crt, sizeof crt, "%s/server.crt", o->tls_dir);
    snprintf(key, sizeof key, "%s/server.key", o->tls_dir);
    if (tport_tls_server_ctx(ca, crt, key, tls, err, sizeof err) < 0) {
        log_error("TLS setup failed: %s", err);
        return -1;
    }
    return 0;
}

/* The key that signs l's tree heads, and its public half. A ledger already
 * signed has pinned its key: a missing key file is restored from backup,
 * never silently replaced by a new key. */
static int serve_load_key(const struct opts *o, struct ledger *l, EVP_PKEY **key,
                          uint8_t pub[STH_PUB_LEN])
{
    uint8_t pinned[STH_PUB_LEN];
    int have_pin = treelog_pinned_key(l, pinned) == 0;

    *key = admin_load_ledger_key(o, !have_pin);
    if (!*key || sth_key_public(*key, pub) < 0) {
        log_error("cannot load the ledger key%s; see docs/admin.md",
                  have_pin ? " that signed this ledger (restore ledger.key from its backup)" : "");
        return -1;
    }
    if (have_pin && memcmp(pinned, pub, STH_PUB_LEN) != 0) {
        log_error("the ledger key file is not the key this ledger is signed with (meta "
                  "ledger_key); restore the right ledger.key (docs/admin.md)");
        return -1;
    }
    ledger_set_signer(l, *key);
    return 0;
}

/* A ledger that no longer matches the last head it signed is not served:
 * run tdktd verify and restore a backup (docs/admin.md). Then the head is
 * signed now so that reads never have to: a key that is not the one pinned
 * in this ledger stops the daemon here, not at first write. */
static int serve_sign_head(struct ledger *l, const char *path)
{
    struct tree_head sth;
    uint64_t height;
    char err[512];
    int rc = treelog_check_last(l, err, sizeof err);

    if (rc < 0) {
        log_error("the ledger fails its last signed tree head: %s; run 'tdktd verify'",
                  rc == TDKT_ECORRUPT ? err : tdkt_strerror(rc));
        return -1;
    }
    rc = ledger_begin(l);
    if (rc == 0) {
        rc = treelog_head(l, clock_now_ms(), &sth);
        rc = rc == 0 ? ledger_commit(l) : (ledger_rollback(l), rc);
    }
    if (rc < 0) {
        log_error("cannot sign the tree head: %s%s", tdkt_strerror(rc),
                  rc == TDKT_EAUTH ? " (the ledger key is not the one this ledger is signed "
                                     "with)"
                                   : "");
        return -1;
    }
    ledger_head(l, &height, NULL);
    log_info("ledger %s: %llu entries, signed tree head of size %llu", path,
             (unsigned long long)height, (unsigned long long)sth.size);
    return 0;
}

/* What the daemon is started with: the fixed parts of struct server_config. */
static struct server_config serve_config(const struct opts *o, const char *host, int port,
                                         SSL_CTX *tls, const char *stats_path)
{
    return (struct server_config){
        .listen_host = host,
        .port = port,
        .tls = tls,
        .max_conns = o->max_conns,
        .idle_timeout_s = o->idle_timeout,
        .handshake_timeout_s = o->handshake_timeout,
        .port_file = o->port_file,
        .auto_seal_ms = o->auto_seal_s == -2 ? (int64_t)SERVER_AUTO_SEAL_DEFAULT_S * 1000
                        : o->auto_seal_s < 0 ? -1
                                             : (int64_t)o->auto_seal_s * 1000,
        .input_budget = o->input_budget,
        .output_budget = o->output_budget,
        .stats_path = stats_path,
    };
}

/* Run the loop until the daemon stops: the exit code. l passes to the
 * database thread once it starts; if it does not start, l stays the
 * caller's (*l_kept set). */
static int serve_run(struct server_config *cfg, struct ledger *l, int *l_kept)
{
    struct dbthread *db = NULL;
    struct server srv;
    uv_loop_t loop;
    char err[512];
    int rc;

    uv_loop_init(&loop);
    rc = dbthread_start(&loop, l, &db);
    if (rc < 0) {
        log_error("cannot start the database thread: %s", tdkt_strerror(rc));
        uv_loop_close(&loop);
        *l_kept = 1;
        return 1;
    }
    *l_kept = 0;
    rc = server_start(&srv, &loop, cfg, db, err, sizeof err);
    if (rc < 0) {
        log_error("%s", err);
        srv.draining = 1;
        srv.db_stopped = 1;
        dbthread_stop(db, NULL, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        return 1;
    }
    log_info("tdktd %s ready, protocol v%d", TDKT_VERSION, PROTOCOL_VERSION);
    uv_run(&loop, UV_RUN_DEFAULT);
    rc = uv_loop_close(&loop);
    if (rc != 0)
        log_warn("event loop closed with handles still open: %s", uv_strerror(rc));
    return srv.exit_code;
}

int admin_cmd_serve(const struct opts *o)
{
    char host[64] = "127.0.0.1", path[PATH_MAX], stats_path[PATH_MAX], err[512];
    int port = 7443, code, l_kept = 1;
    struct ledger *l = NULL;
    SSL_CTX *tls = NULL;
    EVP_PKEY *signing_key = NULL;
    uint8_t pub[STH_PUB_LEN];
    struct server_config cfg;

    code = serve_check_opts(o, host, sizeof host, &port);
    if (code)
        return code;
    /* What the daemon sends and logs is English whatever the locale it was
     * started in: a client renders the Reason in its own reader's language
     * (docs/language.md), and a replay of the ledger reads the same words. */
    tdkt_i18n_init("en");
    /* A peer closing while we write must not kill the daemon. */
    signal(SIGPIPE, SIG_IGN);
    code = 1;
    if (serve_tls(o, &tls) < 0)
        return 1;
    if (admin_ledger_path(o, path, sizeof path) < 0 ||
        snprintf(stats_path, sizeof stats_path, "%s/%s", o->data, STATS_FILE) >=
            (int)sizeof stats_path)
        goto out;
    if (ledger_open(path, 0, &l, err, sizeof err) < 0) {
        log_error("%s", err);
        goto out;
    }
    if (serve_load_key(o, l, &signing_key, pub) < 0 || serve_sign_head(l, path) < 0)
        goto out;
    cfg = serve_config(o, host, port, tls, stats_path);
    memcpy(cfg.ledger_key, pub, sizeof cfg.ledger_key);
    code = serve_run(&cfg, l, &l_kept);
out:
    if (l_kept)
        ledger_close(l);
    sth_key_free(signing_key);
    tport_tls_ctx_free(tls);
    return code;
}
