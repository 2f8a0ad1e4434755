/* SPDX-License-Identifier: MIT */
/*
 * Integration over TLS on loopback: the real tdktd (started from its binary
 * with a temporary ledger) and the real tdkt CLI / client library. Covers the
 * handshake, identity refusals (wrong CA, unknown unit, revoked certificate
 * and unit), malformed and oversized frames while other clients keep
 * working, idempotent replays, 200 concurrent clients and a graceful
 * shutdown that answers what is in flight.
 */
#include "util/fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/lib/client.h"
#include "common/crypto/pki.h"
#include "common/err.h"
#include "common/wire/envelope.h"
#include "common/wire/frame.h"

static int setup(void **state)
{
    *state = tu_fx_new(NULL, TU_FX_TLS, NULL);
    return 0;
}

/* A daemon still running must stop cleanly: exit status 0. */
static int teardown(void **state)
{
    struct tu_fx *f = *state;
    if (f->d.pid > 0)
        tu_fx_stop(f);
    return tu_fx_cmocka_teardown(state);
}

static struct tdkt_client *connect_as(struct tu_fx *f, const char *code, int *rc_out)
{
    struct tu_client_tls t;
    struct tdkt_client *c;

    tu_client_tls(&t, f->dir, f->d.port, code);
    int rc = tdkt_client_connect(&t.o, &c);
    if (rc_out)
        *rc_out = rc;
    if (rc < 0 && !rc_out)
        fail_msg("connect as %s: %s", code, tdkt_client_errmsg(c));
    return c;
}

static void test_status_over_tls(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX];
    const char *args[] = {"status", NULL};
    int rc = tu_fx_tdkt_tls(f, "VKSCC2", out, sizeof out, args);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "VKSCC2"));
    assert_non_null(strstr(out, "Đà Nẵng"));
    assert_non_null(strstr(out, "protocol:  v2"));
    /* 4 units + 4 certificates registered by the fixture. */
    assert_non_null(strstr(out, "height 8"));

    const char *jargs[] = {"status", "--json", NULL};
    rc = tu_fx_tdkt_tls(f, "VKSTC", out, sizeof out, jargs);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "\"role\":\"central\""));
    assert_non_null(strstr(out, "\"ledger_height\":8"));
}

/* tdkt status against f's daemon, pinning the CA certificate ca and
 * presenting crt and key; the exit status, the output in out. */
static int status_with(const struct tu_fx *f, const char *ca, const char *crt, const char *key,
                       char *out)
{
    char server[64];

    snprintf(server, sizeof server, "127.0.0.1:%d", f->d.port);
    return tu_runf(out, TU_OUT_MAX, TDKT_BIN, "--timeout", TU_CLIENT_TIMEOUT_ARG, "--server",
                   server, "--ca", ca, "--cert", crt, "--key", key, "status", NULL);
}

static void test_wrong_ca_refused(void **state)
{
    struct tu_fx *f = *state;
    char other[TU_PATH_MAX], key[TU_PATH_MAX], crt[TU_PATH_MAX], serial[PKI_SERIAL_HEX_MAX];
    char err[256], out[TU_OUT_MAX];

    /* A CA nobody registered, issuing a certificate for a real unit code. */
    tu_path(other, sizeof other, "%s/rogue", f->dir);
    assert_int_equal(tu_runf(out, sizeof out, "/bin/mkdir", "-p", other, NULL), 0);
    assert_int_equal(pki_ca_create(other, "Rogue CA", err, sizeof err), 0);
    tu_path(key, sizeof key, "%s/VKSCC1.key", other);
    tu_path(crt, sizeof crt, "%s/VKSCC1.crt", other);
    assert_int_equal(pki_issue_unit(other, "VKSCC1", key, crt, serial, err, sizeof err), 0);
    assert_int_equal(status_with(f, f->ca, crt, key, out), 5);

    /* The client pins the sector CA: a server presenting another CA's
     * chain is refused before any request is sent. */
    char rogue_ca[TU_PATH_MAX];
    tu_path(rogue_ca, sizeof rogue_ca, "%s/ca.crt", other);
    char ucrt[TU_PATH_MAX], ukey[TU_PATH_MAX];
    tu_cert(ucrt, sizeof ucrt, f->dir, "VKSCC1", "crt");
    tu_cert(ukey, sizeof ukey, f->dir, "VKSCC1", "key");
    assert_int_equal(status_with(f, rogue_ca, ucrt, ukey, out), 4);
    assert_non_null(strstr(out, "certificate"));
}

static void test_unknown_unit_refused(void **state)
{
    struct tu_fx *f = *state;
    char key[TU_PATH_MAX], crt[TU_PATH_MAX], ca[TU_PATH_MAX], serial[PKI_SERIAL_HEX_MAX];
    char err[256], out[TU_OUT_MAX];

    /* Signed by the right CA, but never registered in the ledger. */
    tu_path(ca, sizeof ca, "%s/ca", f->dir);
    tu_path(key, sizeof key, "%s/VKSTINH99.key", f->dir);
    tu_path(crt, sizeof crt, "%s/VKSTINH99.crt", f->dir);
    assert_int_equal(pki_issue_unit(ca, "VKSTINH99", key, crt, serial, err, sizeof err), 0);
    assert_int_equal(status_with(f, f->ca, crt, key, out), 5);
    assert_non_null(strstr(out, "UNKNOWN_UNIT"));
    assert_non_null(strstr(out, "VKSTINH99"));
}

static void test_revoked_refused(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], crt[TU_PATH_MAX];
    const char *args[] = {"status", NULL};

    assert_int_equal(tu_fx_tdkt_tls(f, "VKSCC3", out, sizeof out, args), 0);
    tu_cert(crt, sizeof crt, f->dir, "VKSCC3", "crt");
    /* Revoked while the daemon runs: the next connection is refused. */
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "cert", "revoke", "--data", f->data,
                             "--cert", crt, "--reason", "key lost", NULL),
                     0);
    assert_int_equal(tu_fx_tdkt_tls(f, "VKSCC3", out, sizeof out, args), 5);
    assert_non_null(strstr(out, "REVOKED"));

    /* Revoking a whole unit refuses every certificate it holds. */
    assert_int_equal(tu_fx_tdkt_tls(f, "VKSCC1", out, sizeof out, args), 0);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "unit", "revoke", "--data", f->data,
                             "--code", "VKSCC1", NULL),
                     0);
    assert_int_equal(tu_fx_tdkt_tls(f, "VKSCC1", out, sizeof out, args), 5);
    assert_non_null(strstr(out, "REVOKED"));
}

/* Expect the next message to be an Error with the given code, then EOF. */
static void expect_error_then_close(struct tdkt_client *c, int code)
{
    Tdkt__Envelope *env = NULL;
    assert_int_equal(tdkt_client_recv(c, &env), 0);
    assert_int_equal(env->body_case, TDKT__ENVELOPE__BODY_ERROR);
    assert_int_equal(env->error->code, code);
    assert_true(strlen(env->error->message) > 0);
    tdkt__envelope__free_unpacked(env, NULL);
    int rc = tdkt_client_recv(c, &env);
    assert_true(rc == TDKT_ECLOSED || rc == TDKT_ETLS || rc == TDKT_EIO);
}

static void test_bad_frames_close_only_that_client(void **state)
{
    struct tu_fx *f = *state;
    struct tdkt_client *bystander = connect_as(f, "VKSTC", NULL);
    struct tdkt_status st;

    /* Oversized: a length prefix of 1 MiB + 1 after authentication. */
    struct tdkt_client *c = connect_as(f, "VKSCC2", NULL);
    uint8_t hdr[4] = {0x00, 0x10, 0x00, 0x01};
    assert_int_equal(tdkt_client_send_raw(c, hdr, sizeof hdr), 0);
    expect_error_then_close(c, TDKT__ERROR_CODE__ERROR_CODE_FRAME_TOO_LARGE);
    tdkt_client_close(c);

    /* Garbage inside a well-formed frame. */
    c = connect_as(f, "VKSCC2", NULL);
    uint8_t garbage[4 + 7] = {0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(tdkt_client_send_raw(c, garbage, sizeof garbage), 0);
    expect_error_then_close(c, TDKT__ERROR_CODE__ERROR_CODE_MALFORMED);
    tdkt_client_close(c);

    /* A zero-length frame. */
    c = connect_as(f, "VKSCC2", NULL);
    uint8_t zero[4] = {0, 0, 0, 0};
    assert_int_equal(tdkt_client_send_raw(c, zero, sizeof zero), 0);
    expect_error_then_close(c, TDKT__ERROR_CODE__ERROR_CODE_MALFORMED);
    tdkt_client_close(c);

    /* The other client was never disturbed. */
    assert_int_equal(tdkt_client_status(bystander, &st), 0);
    assert_string_equal(st.unit_code, "VKSTC");
    tdkt_client_close(bystander);
}

static void test_invalid_request_keeps_connection(void **state)
{
    struct tu_fx *f = *state;
    struct tdkt_client *c = connect_as(f, "VKSCC2", NULL);
    struct tdkt_receipt r;
    struct tdkt_status before, after;
    uint8_t id[16];

    assert_int_equal(tdkt_client_status(c, &before), 0);
    /* Invalid UTF-8 in a string field: typed error naming the field. */
    request_id_generate(id);
    int rc = tdkt_client_note_put(c, id, "bad\xc3\x28key", "x", &r);
    assert_int_equal(rc, TDKT_EINVAL);
    assert_int_equal(tdkt_client_last_error(c)->wire,
                     TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT);
    assert_string_equal(tdkt_client_last_error(c)->field, "note_put.key");
    /* An empty key is out of range. */
    request_id_generate(id);
    assert_int_equal(tdkt_client_note_put(c, id, "", "x", &r), TDKT_EINVAL);
    assert_string_equal(tdkt_client_last_error(c)->field, "note_put.key");
    /* Nothing was written, and the connection still works. */
    assert_int_equal(tdkt_client_status(c, &after), 0);
    assert_int_equal(after.ledger_height, before.ledger_height);
    tdkt_client_close(c);
}

static void test_replay_returns_original(void **state)
{
    struct tu_fx *f = *state;
    struct tdkt_client *c = connect_as(f, "VKSCC2", NULL);
    struct tdkt_receipt r1, r2;
    struct tdkt_status st;
    uint8_t id[16];

    request_id_generate(id);
    assert_int_equal(tdkt_client_note_put(c, id, "2021/ket-qua", "63/64 chỉ tiêu", &r1), 0);
    assert_false(r1.replayed);
    tdkt_client_close(c);

    /* A new connection, the same id: the original receipt, nothing new. */
    c = connect_as(f, "VKSCC2", NULL);
    assert_int_equal(tdkt_client_note_put(c, id, "2021/ket-qua", "63/64 chỉ tiêu", &r2), 0);
    assert_true(r2.replayed);
    assert_int_equal(r2.seq, r1.seq);
    assert_memory_equal(r2.entry_hash, r1.entry_hash, 32);
    assert_int_equal(tdkt_client_status(c, &st), 0);
    assert_int_equal(st.ledger_height, r1.seq);

    /* The same id with another body is refused. */
    assert_int_equal(tdkt_client_note_put(c, id, "2021/ket-qua", "changed", &r2), TDKT_EREUSED);
    /* Another unit may use the same 128-bit id: ids are per unit. */
    struct tdkt_client *c3 = connect_as(f, "VKSCC3", NULL);
    assert_int_equal(tdkt_client_note_put(c3, id, "2021/ket-qua", "other unit", &r2), 0);
    assert_false(r2.replayed);
    assert_int_equal(r2.seq, r1.seq + 1);
    tdkt_client_close(c3);
    tdkt_client_close(c);
}

static void test_cli_outbox_offline_then_push(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX];
    const char *put[] = {"note", "put", "hop-cum", "Hội nghị Cụm thi đua số 1", NULL};
    const char *push[] = {"push", NULL};
    const char *pending[] = {"outbox", "--state", "pending", NULL};

    /* Server down: the note is queued locally (exit 7). */
    tu_fx_stop(f);
    assert_int_equal(tu_fx_tdkt_tls(f, "VKSCC1", out, sizeof out, put), 7);
    assert_int_equal(tu_fx_tdkt_tls(f, "VKSCC1", out, sizeof out, pending), 0);
    assert_non_null(strstr(out, "pending"));

    tu_fx_start(f);
    assert_int_equal(tu_fx_tdkt_tls(f, "VKSCC1", out, sizeof out, push), 0);
    assert_non_null(strstr(out, "pushed 1"));
    assert_int_equal(tu_fx_tdkt_tls(f, "VKSCC1", out, sizeof out, pending), 0);
    assert_null(strstr(out, "pending"));
    /* Pushing again sends nothing. */
    assert_int_equal(tu_fx_tdkt_tls(f, "VKSCC1", out, sizeof out, push), 0);
    assert_non_null(strstr(out, "pushed 0"));
}

#define CONCURRENT_CLIENTS 200
/* Under valgrind memcheck (TU_VALGRIND_ENV) a TLS handshake costs the
 * daemon's single loop thread some 20-50 times more (seconds on a busy
 * machine), and 200 queued at once would pass even the longer handshake
 * timeout the daemon gets there (TU_VALGRIND_HANDSHAKE_S) before the last
 * is served. Memcheck needs the paths, not the load. */
#define CONCURRENT_CLIENTS_VALGRIND 8

struct worker {
    struct tu_fx *f;
    int idx;
    int ok;
    uint64_t seq;
    char msg[256];
};

static void *concurrent_worker(void *arg)
{
    struct worker *w = arg;
    static const char *const codes[] = {"VKSTC", "VKSCC1", "VKSCC2", "VKSCC3"};
    char note[64];
    struct tu_client_tls t;
    struct tdkt_client *c;
    struct tdkt_receipt r;
    struct tdkt_status st;
    uint8_t id[16];
    const char *code = codes[w->idx % 4];

    tu_client_tls(&t, w->f->dir, w->f->d.port, code);
    if (tdkt_client_connect(&t.o, &c) < 0) {
        snprintf(w->msg, sizeof w->msg, "connect: %s", tdkt_client_errmsg(c));
        tdkt_client_close(c);
        return NULL;
    }
    snprintf(note, sizeof note, "worker-%d", w->idx);
    request_id_generate(id);
    if (tdkt_client_note_put(c, id, note, "concurrent", &r) < 0 || tdkt_client_status(c, &st) < 0) {
        snprintf(w->msg, sizeof w->msg, "request: %s", tdkt_client_errmsg(c));
    } else if (strcmp(st.unit_code, code) != 0 || st.ledger_height < r.seq) {
        snprintf(w->msg, sizeof w->msg, "wrong status after write");
    } else {
        w->seq = r.seq;
        w->ok = 1;
    }
    tdkt_client_close(c);
    return NULL;
}

static void test_200_concurrent_clients(void **state)
{
    struct tu_fx *f = *state;
    pthread_t th[CONCURRENT_CLIENTS];
    struct worker w[CONCURRENT_CLIENTS];
    char out[TU_OUT_MAX];
    static uint8_t seen[CONCURRENT_CLIENTS + 64];
    int n = tu_valgrind_on() ? CONCURRENT_CLIENTS_VALGRIND : CONCURRENT_CLIENTS;
    char entries[32];

    for (int i = 0; i < n; i++) {
        w[i] = (struct worker){.f = f, .idx = i};
        assert_int_equal(pthread_create(&th[i], NULL, concurrent_worker, &w[i]), 0);
    }
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < n; i++) {
        if (!w[i].ok)
            fail_msg("client %d: %s", i, w[i].msg);
        /* Every write got its own ledger entry: sequences are distinct. */
        assert_true(w[i].seq > 8 && w[i].seq <= 8 + (uint64_t)n);
        assert_int_equal(seen[w[i].seq - 8], 0);
        seen[w[i].seq - 8] = 1;
    }
    tu_fx_stop(f);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", f->data, NULL), 0);
    snprintf(entries, sizeof entries, "%d entries", 8 + n);
    assert_non_null(strstr(out, entries));
    tu_fx_start(f);
}

static void test_idle_timeout_closes(void **state)
{
    struct tu_fx *f = *state;
    const char *extra[] = {"--idle-timeout", "1", NULL};
    struct tdkt_status st;

    tu_fx_stop(f);
    tu_daemon_start(&f->d, f->data, f->tls, extra);
    struct tdkt_client *c = connect_as(f, "VKSCC2", NULL);
    assert_int_equal(tdkt_client_status(c, &st), 0);
    /* The sweep (each second) finds it idle past the limit, closes it and
     * logs so; only then is the closed connection tried. */
    tu_log_wait(&f->d, "idle for 1s, closing", 1);
    int rc = tdkt_client_status(c, &st);
    assert_true(rc == TDKT_ECLOSED || rc == TDKT_EIO || rc == TDKT_ETLS);
    tdkt_client_close(c);
    /* A fresh connection is served. */
    c = connect_as(f, "VKSCC2", NULL);
    assert_int_equal(tdkt_client_status(c, &st), 0);
    tdkt_client_close(c);
}

#define SHUTDOWN_WRITERS 8
/* Far more than a writer acks between its first ack and the SIGTERM that
 * follows it, so the stop always comes mid-load. */
#define SHUTDOWN_MAX_WRITES 20000

/* Writers that have had their first write acknowledged (or ended): the
 * SIGTERM waits for all of them, so it lands while every one is writing. */
static pthread_mutex_t sd_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sd_cv = PTHREAD_COND_INITIALIZER;
static int sd_writing;

static void sd_mark_writing(void)
{
    pthread_mutex_lock(&sd_mu);
    sd_writing++;
    pthread_cond_broadcast(&sd_cv);
    pthread_mutex_unlock(&sd_mu);
}

struct sd_writer {
    struct tu_fx *f;
    int idx;
    uint8_t ids[SHUTDOWN_MAX_WRITES][16];
    uint64_t seq[SHUTDOWN_MAX_WRITES];
    int acked;     /* ids[0..acked) were acknowledged */
    int last_rc;   /* how the first unacknowledged request ended */
    int last_wire; /* its server error code, 0 if none */
};

static void *sd_writer_main(void *arg)
{
    struct sd_writer *w = arg;
    static const char *const codes[] = {"VKSCC1", "VKSCC2", "VKSCC3", "VKSTC"};
    char crt[TU_PATH_MAX + 64], key[TU_PATH_MAX + 64], k[48];
    struct tdkt_client *c;
    snprintf(crt, sizeof crt, "%s/certs/%s.crt", w->f->dir, codes[w->idx % 4]);
    snprintf(key, sizeof key, "%s/certs/%s.key", w->f->dir, codes[w->idx % 4]);
    struct tdkt_client_opts o = {.host = "127.0.0.1",
                                 .port = w->f->d.port,
                                 .ca_file = w->f->ca,
                                 .cert_file = crt,
                                 .key_file = key,
                                 .timeout_ms = TU_CLIENT_TIMEOUT_MS};
    if (tdkt_client_connect(&o, &c) < 0) {
        w->last_rc = TDKT_EIO;
        tdkt_client_close(c);
        sd_mark_writing();
        return NULL;
    }
    for (int i = 0; i < SHUTDOWN_MAX_WRITES; i++) {
        struct tdkt_receipt r;
        request_id_generate(w->ids[i]);
        snprintf(k, sizeof k, "sd-%d-%d", w->idx, i);
        int rc = tdkt_client_note_put(c, w->ids[i], k, "shutdown", &r);
        if (rc < 0) {
            w->last_rc = rc;
            w->last_wire = tdkt_client_last_error(c)->wire;
            break;
        }
        w->seq[i] = r.seq;
        w->acked = i + 1;
        if (i == 0)
            sd_mark_writing();
    }
    if (w->acked == 0)
        sd_mark_writing();
    tdkt_client_close(c);
    return NULL;
}

static void test_sigterm_answers_in_flight(void **state)
{
    struct tu_fx *f = *state;
    static struct sd_writer w[SHUTDOWN_WRITERS];
    pthread_t th[SHUTDOWN_WRITERS];
    char out[TU_OUT_MAX];

    sd_writing = 0;
    for (int i = 0; i < SHUTDOWN_WRITERS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].f = f;
        w[i].idx = i;
        assert_int_equal(pthread_create(&th[i], NULL, sd_writer_main, &w[i]), 0);
    }
    pthread_mutex_lock(&sd_mu);
    while (sd_writing < SHUTDOWN_WRITERS)
        pthread_cond_wait(&sd_cv, &sd_mu);
    pthread_mutex_unlock(&sd_mu);
    /* Graceful stop under load: exit status 0, nothing acknowledged lost. */
    tu_fx_stop(f);
    for (int i = 0; i < SHUTDOWN_WRITERS; i++)
        pthread_join(th[i], NULL);

    int total = 0;
    for (int i = 0; i < SHUTDOWN_WRITERS; i++) {
        total += w[i].acked;
        assert_true(w[i].acked < SHUTDOWN_MAX_WRITES); /* the stop came mid-load */
        /* The request in flight was answered UNAVAILABLE or the connection
         * closed after its last reply; nothing else. */
        if (w[i].last_wire)
            assert_int_equal(w[i].last_wire, TDKT__ERROR_CODE__ERROR_CODE_UNAVAILABLE);
        else
            assert_true(w[i].last_rc == TDKT_ECLOSED || w[i].last_rc == TDKT_EIO ||
                        w[i].last_rc == TDKT_ETLS);
    }
    assert_true(total > 0);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", f->data, NULL), 0);

    /* Every acknowledged write survived: replaying each id after a restart
     * returns the original sequence, marked as a replay. */
    tu_fx_start(f);
    for (int i = 0; i < SHUTDOWN_WRITERS; i++) {
        static const char *const codes[] = {"VKSCC1", "VKSCC2", "VKSCC3", "VKSTC"};
        struct tdkt_client *c = connect_as(f, codes[i % 4], NULL);
        for (int k = 0; k < w[i].acked; k++) {
            struct tdkt_receipt r;
            char key[48];
            snprintf(key, sizeof key, "sd-%d-%d", i, k);
            assert_int_equal(tdkt_client_note_put(c, w[i].ids[k], key, "shutdown", &r), 0);
            assert_true(r.replayed);
            assert_int_equal(r.seq, w[i].seq[k]);
        }
        tdkt_client_close(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_over_tls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_ca_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_unit_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_frames_close_only_that_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_request_keeps_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_returns_original, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_outbox_offline_then_push, setup, teardown),
        cmocka_unit_test_setup_teardown(test_200_concurrent_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_timeout_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigterm_answers_in_flight, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
