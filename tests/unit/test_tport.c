/* SPDX-License-Identifier: MIT */
/*
 * The transports, driven entirely in memory: a pump moves each side's
 * tport_output() into the other's tport_input() until nothing moves. These
 * tests pin down the security boundary the ledger relies on: mutual TLS 1.3
 * with certificates from the sector CA only, the unit identity the server
 * reads from the client certificate, and clean failure (error code and a
 * readable reason, never a hang or a crash) for every kind of bad peer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "common/crypto/pki.h"
#include "common/err.h"
#include "common/net/tport.h"
#include "pki_fixture.h"
#include "testutil.h"

#define ERR_CAP          1024
#define BIG_PAYLOAD      (1024u * 1024u)
#define BYTEWISE_PAYLOAD (40u * 1024u) /* more than two TLS records */
#define READ_CHUNK       4096u
#define PUMP_ROUNDS_MAX  100000 /* a handshake that needs more is a hang */

static const char *const unit_codes[] = {"VKSCC2", "VKSHN"};

/* One end of a connection and everything the test saw at it. */
struct side {
    struct tport *t;
    int in_rc;   /* first error from tport_input, or 0 */
    int read_rc; /* last non-EAGAIN result of tport_read that ended a drain */
    uint8_t *got;
    size_t got_len, got_cap;
};

struct env {
    struct pki_fixture f;
    SSL_CTX *sctx; /* sector server: server cert, trusts the sector CA */
    SSL_CTX *cctx; /* unit VKSCC2 */
};

static struct env *g;

static int env_setup(void **state)
{
    char err[ERR_CAP] = "";
    g = calloc(1, sizeof *g);
    assert_non_null(g);
    pki_fixture_create(&g->f, unit_codes, 2);
    if (tport_tls_server_ctx(g->f.ca_cert, g->f.server.cert, g->f.server.key, &g->sctx, err,
                             sizeof err) != 0)
        fail_msg("server ctx: %s", err);
    if (tport_tls_client_ctx(g->f.ca_cert, g->f.units[0].cert, g->f.units[0].key, &g->cctx, err,
                             sizeof err) != 0)
        fail_msg("client ctx: %s", err);
    *state = g;
    return 0;
}

static int env_teardown(void **state)
{
    tport_tls_ctx_free(g->cctx);
    tport_tls_ctx_free(g->sctx);
    pki_fixture_destroy(&g->f);
    free(g);
    g = NULL;
    return 0;
}

static void side_free(struct side *s)
{
    if (s->t)
        tport_close(s->t);
    free(s->got);
    memset(s, 0, sizeof *s);
}

/* Read everything the transport has; remember how the drain ended. */
static void side_drain(struct side *s)
{
    for (;;) {
        if (s->got_cap - s->got_len < READ_CHUNK) {
            s->got_cap = s->got_cap ? s->got_cap * 2 : 64 * 1024;
            s->got = realloc(s->got, s->got_cap);
            assert_non_null(s->got);
        }
        size_t n = 0;
        int rc = tport_read(s->t, s->got + s->got_len, READ_CHUNK, &n);
        if (rc == TDKT_EAGAIN)
            return;
        if (rc < 0) {
            s->read_rc = rc;
            return;
        }
        assert_true(n > 0 && n <= READ_CHUNK);
        s->got_len += n;
    }
}

/* Move src's output into dst, step bytes per tport_input (0: all at once).
 * Returns how many bytes moved. */
static size_t pump_one(struct side *src, struct side *dst, size_t step)
{
    size_t moved = 0;
    for (;;) {
        const uint8_t *p;
        size_t n;
        tport_output(src->t, &p, &n);
        if (n == 0)
            return moved;
        size_t k = step && step < n ? step : n;
        int rc = tport_input(dst->t, p, k);
        if (rc < 0 && dst->in_rc == 0)
            dst->in_rc = rc;
        tport_output_consume(src->t, k);
        moved += k;
        side_drain(dst);
    }
}

static void pump(struct side *a, struct side *b, size_t step)
{
    for (int round = 0; round < PUMP_ROUNDS_MAX; round++) {
        size_t moved = pump_one(a, b, step) + pump_one(b, a, step);
        if (moved == 0)
            return;
    }
    fail_msg("pump did not settle");
}

static void connect_pair(SSL_CTX *sctx, SSL_CTX *cctx, const char *name, struct side *srv,
                         struct side *cli)
{
    memset(srv, 0, sizeof *srv);
    memset(cli, 0, sizeof *cli);
    assert_int_equal(tport_tls_server_new(sctx, &srv->t), 0);
    assert_int_equal(tport_tls_client_new(cctx, name, &cli->t), 0);
}

static void fill_pattern(uint8_t *buf, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16);
    }
}

/* A context that is not made by tport_tls_client_ctx, for peers that the
 * production code would never build: no certificate, old TLS versions. */
static SSL_CTX *raw_client_ctx(const char *cert, const char *key, int max_version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_load_verify_locations(ctx, g->f.ca_cert, NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    assert_int_equal(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION), 1);
    assert_int_equal(SSL_CTX_set_max_proto_version(ctx, max_version), 1);
    if (cert) {
        assert_int_equal(SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM), 1);
    }
    return ctx;
}

/* Both sides must end FAILED, not READY and not hanging; the server's text
 * must contain server_says. */
static void assert_refused(struct side *srv, struct side *cli, const char *server_says,
                           const char *client_says)
{
    print_message("server: %s\nclient: %s\n", tport_error_text(srv->t), tport_error_text(cli->t));
    assert_int_equal(srv->in_rc, TDKT_ETLS);
    assert_false(tport_is_ready(srv->t));
    if (server_says && !strstr(tport_error_text(srv->t), server_says))
        fail_msg("server error text '%s' lacks '%s'", tport_error_text(srv->t), server_says);
    /* The client learns it from an alert, during or (TLS 1.3 client
     * certificate rejection) right after its handshake. */
    assert_true(cli->in_rc == TDKT_ETLS || cli->read_rc == TDKT_ETLS);
    assert_false(tport_is_ready(cli->t));
    size_t n;
    uint8_t b[8];
    assert_int_equal(tport_read(cli->t, b, sizeof b, &n), TDKT_ETLS);
    assert_int_equal(tport_read(srv->t, b, sizeof b, &n), TDKT_ETLS);
    if (client_says && !strstr(tport_error_text(cli->t), client_says))
        fail_msg("client error text '%s' lacks '%s'", tport_error_text(cli->t), client_says);
    assert_int_equal(srv->got_len, 0);
}

static void test_tls_handshake(void **state)
{
    struct side srv, cli;
    char code[TPORT_UNIT_CODE_MAX + 1], serial[PKI_SERIAL_HEX_MAX];
    char want_code[PKI_UNIT_CODE_MAX + 1], want_serial[PKI_SERIAL_HEX_MAX], err[ERR_CAP];
    connect_pair(g->sctx, g->cctx, PKI_FIXTURE_HOST, &srv, &cli);

    assert_string_equal(srv.t->ops->name, "tls");
    assert_false(tport_is_ready(cli.t));
    assert_int_equal(tport_peer_unit(srv.t, code, sizeof code, serial, sizeof serial), TDKT_EAGAIN);
    /* The client speaks first: its ClientHello is ready before any input. */
    const uint8_t *p;
    size_t n;
    tport_output(cli.t, &p, &n);
    assert_true(n > 5);
    assert_int_equal(p[0], 0x16); /* handshake record */

    pump(&cli, &srv, 0);
    assert_int_equal(srv.in_rc, 0);
    assert_int_equal(cli.in_rc, 0);
    assert_true(tport_is_ready(srv.t));
    assert_true(tport_is_ready(cli.t));
    assert_string_equal(tport_error_text(srv.t), "");
    assert_string_equal(tport_error_text(cli.t), "");

    /* The server learns the unit and the serial the ledger recorded. */
    assert_int_equal(tport_peer_unit(srv.t, code, sizeof code, serial, sizeof serial), 0);
    assert_int_equal(pki_cert_info(g->f.units[0].cert, want_code, sizeof want_code, want_serial,
                                   err, sizeof err),
                     0);
    assert_string_equal(code, "VKSCC2");
    assert_string_equal(serial, want_serial);
    assert_string_equal(serial, g->f.units[0].serial);
    /* Too small a buffer is refused, never truncated. */
    assert_int_equal(tport_peer_unit(srv.t, code, 6, serial, sizeof serial), TDKT_EINVAL);
    assert_int_equal(tport_peer_unit(srv.t, code, sizeof code, serial, 8), TDKT_EINVAL);
    /* The client sees the server certificate's serial. */
    assert_int_equal(tport_peer_unit(cli.t, code, sizeof code, serial, sizeof serial), 0);
    assert_string_equal(serial, g->f.server.serial);

    /* No session tickets or other post-handshake traffic: quiet. */
    tport_output(srv.t, &p, &n);
    assert_int_equal(n, 0);
    side_free(&srv);
    side_free(&cli);
}

static void test_tls_data_both_ways(void **state)
{
    struct side srv, cli;
    uint8_t *big = malloc(BIG_PAYLOAD), *big2 = malloc(BIG_PAYLOAD);
    assert_non_null(big);
    assert_non_null(big2);
    fill_pattern(big, BIG_PAYLOAD, 1);
    fill_pattern(big2, BIG_PAYLOAD, 2);
    connect_pair(g->sctx, g->cctx, PKI_FIXTURE_HOST, &srv, &cli);

    /* Written before the handshake completes: queued, sent after it. */
    assert_int_equal(tport_write(cli.t, (const uint8_t *)"hello", 5), 0);
    pump(&cli, &srv, 0);
    assert_true(tport_is_ready(srv.t));
    assert_int_equal(srv.got_len, 5);
    assert_memory_equal(srv.got, "hello", 5);
    srv.got_len = 0;

    assert_int_equal(tport_write(cli.t, big, BIG_PAYLOAD), 0);
    assert_int_equal(tport_write(srv.t, big2, BIG_PAYLOAD), 0);
    assert_int_equal(tport_write(srv.t, (const uint8_t *)"", 0), 0);
    pump(&cli, &srv, 0);
    assert_int_equal(srv.in_rc, 0);
    assert_int_equal(cli.in_rc, 0);
    assert_int_equal(srv.got_len, BIG_PAYLOAD);
    assert_memory_equal(srv.got, big, BIG_PAYLOAD);
    assert_int_equal(cli.got_len, BIG_PAYLOAD);
    assert_memory_equal(cli.got, big2, BIG_PAYLOAD);

    side_free(&srv);
    side_free(&cli);
    free(big);
    free(big2);
}

static void test_tls_byte_at_a_time(void **state)
{
    struct side srv, cli;
    uint8_t *a = malloc(BYTEWISE_PAYLOAD), *b = malloc(BYTEWISE_PAYLOAD);
    assert_non_null(a);
    assert_non_null(b);
    fill_pattern(a, BYTEWISE_PAYLOAD, 3);
    fill_pattern(b, BYTEWISE_PAYLOAD, 4);
    connect_pair(g->sctx, g->cctx, PKI_FIXTURE_HOST, &srv, &cli);

    pump(&cli, &srv, 1);
    assert_true(tport_is_ready(srv.t));
    assert_true(tport_is_ready(cli.t));
    assert_int_equal(tport_write(cli.t, a, BYTEWISE_PAYLOAD), 0);
    assert_int_equal(tport_write(srv.t, b, BYTEWISE_PAYLOAD), 0);
    pump(&cli, &srv, 1);
    assert_int_equal(srv.in_rc, 0);
    assert_int_equal(cli.in_rc, 0);
    assert_int_equal(srv.got_len, BYTEWISE_PAYLOAD);
    assert_memory_equal(srv.got, a, BYTEWISE_PAYLOAD);
    assert_int_equal(cli.got_len, BYTEWISE_PAYLOAD);
    assert_memory_equal(cli.got, b, BYTEWISE_PAYLOAD);

    side_free(&srv);
    side_free(&cli);
    free(a);
    free(b);
}

static void test_tls_client_from_wrong_ca(void **state)
{
    struct side srv, cli;
    SSL_CTX *cctx;
    char err[ERR_CAP] = "";
    if (tport_tls_client_ctx(g->f.ca_cert, g->f.other_unit.cert, g->f.other_unit.key, &cctx, err,
                             sizeof err) != 0)
        fail_msg("client ctx: %s", err);
    connect_pair(g->sctx, cctx, PKI_FIXTURE_HOST, &srv, &cli);
    /* The unit writes at once, as the client library does with Hello; none of
     * it may reach the server's application. */
    assert_int_equal(tport_write(cli.t, (const uint8_t *)"hello", 5), 0);

    pump(&cli, &srv, 0);
    assert_refused(&srv, &cli, "certificate verify failed", "alert");
    assert_non_null(strstr(tport_error_text(srv.t), "verification"));

    side_free(&srv);
    side_free(&cli);
    tport_tls_ctx_free(cctx);
}

static void test_tls_client_without_cert(void **state)
{
    struct side srv, cli;
    SSL_CTX *cctx = raw_client_ctx(NULL, NULL, TLS1_3_VERSION);
    connect_pair(g->sctx, cctx, PKI_FIXTURE_HOST, &srv, &cli);
    pump(&cli, &srv, 0);
    assert_refused(&srv, &cli, "certificate", "alert");
    side_free(&srv);
    side_free(&cli);
    SSL_CTX_free(cctx);
}

static void test_tls_client_pins_ca(void **state)
{
    struct side srv, cli;
    SSL_CTX *sctx;
    char err[ERR_CAP] = "";
    /* A server that trusts our units but shows a certificate from another CA,
     * for the right address. */
    if (tport_tls_server_ctx(g->f.ca_cert, g->f.other_server.cert, g->f.other_server.key, &sctx,
                             err, sizeof err) != 0)
        fail_msg("server ctx: %s", err);
    connect_pair(sctx, g->cctx, PKI_FIXTURE_HOST, &srv, &cli);
    pump(&cli, &srv, 0);
    assert_int_equal(cli.in_rc, TDKT_ETLS);
    assert_false(tport_is_ready(cli.t));
    assert_non_null(strstr(tport_error_text(cli.t), "certificate verify failed"));
    assert_int_equal(srv.in_rc, TDKT_ETLS);
    assert_false(tport_is_ready(srv.t));
    side_free(&srv);
    side_free(&cli);
    tport_tls_ctx_free(sctx);
}

static void test_tls_wrong_server_name(void **state)
{
    struct side srv, cli;
    connect_pair(g->sctx, g->cctx, "127.0.0.2", &srv, &cli);
    pump(&cli, &srv, 0);
    assert_int_equal(cli.in_rc, TDKT_ETLS);
    assert_non_null(strstr(tport_error_text(cli.t), "IP address mismatch"));
    assert_int_equal(srv.in_rc, TDKT_ETLS);
    side_free(&srv);
    side_free(&cli);

    /* A DNS name is checked against DNS SANs only, never the subject CN. */
    connect_pair(g->sctx, g->cctx, "localhost", &srv, &cli);
    pump(&cli, &srv, 0);
    assert_int_equal(cli.in_rc, TDKT_ETLS);
    assert_non_null(strstr(tport_error_text(cli.t), "mismatch"));
    side_free(&srv);
    side_free(&cli);
}

static void test_tls_server_cert_as_client_cert(void **state)
{
    struct side srv, cli;
    SSL_CTX *cctx;
    char err[ERR_CAP] = "";
    /* Signed by the right CA, but for serverAuth only. */
    if (tport_tls_client_ctx(g->f.ca_cert, g->f.server.cert, g->f.server.key, &cctx, err,
                             sizeof err) != 0)
        fail_msg("client ctx: %s", err);
    connect_pair(g->sctx, cctx, PKI_FIXTURE_HOST, &srv, &cli);
    pump(&cli, &srv, 0);
    assert_refused(&srv, &cli, "unsuitable certificate purpose", "alert");
    side_free(&srv);
    side_free(&cli);
    tport_tls_ctx_free(cctx);
}

static void test_tls_unit_cert_as_server_cert(void **state)
{
    struct side srv, cli;
    SSL_CTX *sctx;
    char err[ERR_CAP] = "";
    if (tport_tls_server_ctx(g->f.ca_cert, g->f.units[1].cert, g->f.units[1].key, &sctx, err,
                             sizeof err) != 0)
        fail_msg("server ctx: %s", err);
    connect_pair(sctx, g->cctx, PKI_FIXTURE_HOST, &srv, &cli);
    pump(&cli, &srv, 0);
    assert_int_equal(cli.in_rc, TDKT_ETLS);
    assert_false(tport_is_ready(cli.t));
    assert_int_equal(srv.in_rc, TDKT_ETLS);
    side_free(&srv);
    side_free(&cli);
    tport_tls_ctx_free(sctx);
}

static void test_tls12_client_refused(void **state)
{
    struct side srv, cli;
    SSL_CTX *cctx = raw_client_ctx(g->f.units[0].cert, g->f.units[0].key, TLS1_2_VERSION);
    connect_pair(g->sctx, cctx, PKI_FIXTURE_HOST, &srv, &cli);
    pump(&cli, &srv, 0);
    assert_refused(&srv, &cli, "unsupported protocol", "protocol version");
    side_free(&srv);
    side_free(&cli);
    SSL_CTX_free(cctx);
}

static void test_tls_garbage_input(void **state)
{
    static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    uint8_t junk[4096];
    struct tport *t;
    size_t n;
    uint8_t b[8];

    assert_int_equal(tport_tls_server_new(g->sctx, &t), 0);
    assert_int_equal(tport_input(t, (const uint8_t *)http, sizeof http - 1), TDKT_ETLS);
    assert_true(strlen(tport_error_text(t)) > 0);
    assert_false(tport_is_ready(t));
    assert_int_equal(tport_read(t, b, sizeof b, &n), TDKT_ETLS);
    assert_int_equal(tport_write(t, b, sizeof b), TDKT_ETLS);
    assert_int_equal(tport_input(t, (const uint8_t *)http, sizeof http - 1), TDKT_ETLS);
    tport_close(t);

    /* A plausible record header followed by noise. */
    fill_pattern(junk, sizeof junk, 5);
    junk[0] = 0x16;
    junk[1] = 0x03;
    junk[2] = 0x01;
    junk[3] = 0x0f;
    junk[4] = 0xf0;
    assert_int_equal(tport_tls_server_new(g->sctx, &t), 0);
    assert_int_equal(tport_input(t, junk, sizeof junk), TDKT_ETLS);
    assert_true(strlen(tport_error_text(t)) > 0);
    tport_close(t);

    /* Garbage after a good handshake. */
    struct side srv, cli;
    connect_pair(g->sctx, g->cctx, PKI_FIXTURE_HOST, &srv, &cli);
    pump(&cli, &srv, 0);
    assert_true(tport_is_ready(srv.t));
    assert_int_equal(tport_input(srv.t, junk, sizeof junk), TDKT_ETLS);
    assert_false(tport_is_ready(srv.t));
    side_free(&srv);
    side_free(&cli);
}

static void test_tls_shutdown(void **state)
{
    struct side srv, cli;
    connect_pair(g->sctx, g->cctx, PKI_FIXTURE_HOST, &srv, &cli);
    pump(&cli, &srv, 0);
    assert_int_equal(tport_write(cli.t, (const uint8_t *)"last", 4), 0);
    assert_int_equal(tport_shutdown(cli.t), 0);
    assert_int_equal(tport_shutdown(cli.t), 0);
    assert_int_equal(tport_write(cli.t, (const uint8_t *)"more", 4), TDKT_ECLOSED);
    pump(&cli, &srv, 0);
    /* The data before close_notify arrives, then the close. */
    assert_int_equal(srv.got_len, 4);
    assert_memory_equal(srv.got, "last", 4);
    assert_int_equal(srv.read_rc, TDKT_ECLOSED);
    assert_int_equal(srv.in_rc, 0);

    /* TLS 1.3 closes one direction: the server still answers, and the
     * client, having closed its side, still reads. */
    assert_int_equal(tport_write(srv.t, (const uint8_t *)"reply", 5), 0);
    assert_int_equal(tport_shutdown(srv.t), 0);
    pump(&cli, &srv, 0);
    assert_int_equal(cli.in_rc, 0);
    assert_int_equal(cli.got_len, 5);
    assert_memory_equal(cli.got, "reply", 5);
    assert_int_equal(cli.read_rc, TDKT_ECLOSED);
    side_free(&srv);
    side_free(&cli);
}

static void test_tls_shutdown_during_handshake(void **state)
{
    struct side srv, cli;
    connect_pair(g->sctx, g->cctx, PKI_FIXTURE_HOST, &srv, &cli);
    /* Write and close before the server has answered: both happen, in order,
     * once the handshake completes. */
    assert_int_equal(tport_write(cli.t, (const uint8_t *)"early", 5), 0);
    assert_int_equal(tport_shutdown(cli.t), 0);
    assert_int_equal(tport_write(cli.t, (const uint8_t *)"late", 4), TDKT_ECLOSED);
    pump(&cli, &srv, 0);
    assert_true(tport_is_ready(srv.t));
    assert_int_equal(srv.got_len, 5);
    assert_memory_equal(srv.got, "early", 5);
    assert_int_equal(srv.read_rc, TDKT_ECLOSED);
    side_free(&srv);
    side_free(&cli);
}

static void test_tls_plaintext_limit(void **state)
{
    struct side srv, cli;
    size_t n = TPORT_PLAINTEXT_MAX + 1;
    uint8_t *buf = calloc(1, n);
    assert_non_null(buf);
    connect_pair(g->sctx, g->cctx, PKI_FIXTURE_HOST, &srv, &cli);
    pump(&cli, &srv, 0);

    /* Exactly the limit is held for an application that has not read yet. */
    const uint8_t *p;
    size_t len;
    assert_int_equal(tport_write(cli.t, buf, TPORT_PLAINTEXT_MAX), 0);
    tport_output(cli.t, &p, &len);
    assert_int_equal(tport_input(srv.t, p, len), 0);
    tport_output_consume(cli.t, len);
    side_drain(&srv);
    assert_int_equal(srv.got_len, TPORT_PLAINTEXT_MAX);

    /* One byte more than the limit, unread, fails the connection. */
    assert_int_equal(tport_write(cli.t, buf, n), 0);
    tport_output(cli.t, &p, &len);
    assert_int_equal(tport_input(srv.t, p, len), TDKT_ETOOBIG);
    tport_output_consume(cli.t, len);
    assert_non_null(strstr(tport_error_text(srv.t), "limit"));
    assert_false(tport_is_ready(srv.t));
    side_free(&srv);
    side_free(&cli);

    /* The queue of writes made before the handshake is bounded too. */
    connect_pair(g->sctx, g->cctx, PKI_FIXTURE_HOST, &srv, &cli);
    assert_int_equal(tport_write(cli.t, buf, TPORT_PLAINTEXT_MAX), 0);
    assert_int_equal(tport_write(cli.t, buf, 1), TDKT_ETOOBIG);
    side_free(&srv);
    side_free(&cli);
    free(buf);
}

static void test_tls_ctx_errors(void **state)
{
    SSL_CTX *ctx = NULL;
    char err[ERR_CAP] = "";
    char missing[TU_PATH_MAX];
    struct tport *t = NULL;
    tu_path(missing, sizeof missing, "%s/missing.crt", g->f.dir);

    assert_int_equal(
        tport_tls_server_ctx(missing, g->f.server.cert, g->f.server.key, &ctx, err, sizeof err),
        TDKT_ETLS);
    assert_null(ctx);
    assert_non_null(strstr(err, "CA file"));
    assert_int_equal(
        tport_tls_client_ctx(g->f.ca_cert, missing, g->f.units[0].key, &ctx, err, sizeof err),
        TDKT_ETLS);
    assert_non_null(strstr(err, "certificate file"));
    /* A key that belongs to another certificate. */
    assert_int_equal(tport_tls_client_ctx(g->f.ca_cert, g->f.units[0].cert, g->f.units[1].key, &ctx,
                                          err, sizeof err),
                     TDKT_ETLS);
    assert_non_null(strstr(err, "key"));
    assert_null(ctx);
    assert_int_equal(
        tport_tls_client_ctx(NULL, g->f.units[0].cert, g->f.units[0].key, &ctx, err, sizeof err),
        TDKT_EINVAL);

    assert_int_equal(tport_tls_client_new(g->cctx, NULL, &t), TDKT_EINVAL);
    assert_int_equal(tport_tls_client_new(g->cctx, "", &t), TDKT_EINVAL);
    assert_null(t);
}

static void test_tcp_passthrough(void **state)
{
    struct side a = {0}, b = {0};
    char code[TPORT_UNIT_CODE_MAX + 1], serial[PKI_SERIAL_HEX_MAX];
    assert_int_equal(tport_tcp_new(&a.t), 0);
    assert_int_equal(tport_tcp_new(&b.t), 0);
    assert_string_equal(a.t->ops->name, "tcp");
    assert_true(tport_is_ready(a.t));
    assert_int_equal(tport_peer_unit(a.t, code, sizeof code, serial, sizeof serial),
                     TDKT_ENOTFOUND);
    assert_string_equal(tport_error_text(a.t), "");

    assert_int_equal(tport_write(a.t, (const uint8_t *)"ping", 4), 0);
    assert_int_equal(tport_write(b.t, (const uint8_t *)"pong!", 5), 0);
    pump(&a, &b, 0);
    assert_int_equal(b.got_len, 4);
    assert_memory_equal(b.got, "ping", 4);
    assert_int_equal(a.got_len, 5);
    assert_memory_equal(a.got, "pong!", 5);

    /* Byte at a time, partial consumption. */
    assert_int_equal(tport_write(a.t, (const uint8_t *)"abcdef", 6), 0);
    pump(&a, &b, 1);
    assert_int_equal(b.got_len, 10);
    assert_memory_equal(b.got + 4, "abcdef", 6);

    assert_int_equal(tport_shutdown(a.t), 0);
    assert_int_equal(tport_write(a.t, (const uint8_t *)"x", 1), TDKT_ECLOSED);

    /* Unread input is bounded like TLS plaintext, and the error sticks. */
    uint8_t *big = calloc(1, TPORT_PLAINTEXT_MAX + 1);
    assert_non_null(big);
    assert_int_equal(tport_input(b.t, big, TPORT_PLAINTEXT_MAX + 1), TDKT_ETOOBIG);
    assert_int_equal(tport_input(b.t, big, 1), TDKT_ETOOBIG);
    assert_true(strlen(tport_error_text(b.t)) > 0);
    free(big);
    side_free(&a);
    side_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_handshake),
        cmocka_unit_test(test_tls_data_both_ways),
        cmocka_unit_test(test_tls_byte_at_a_time),
        cmocka_unit_test(test_tls_client_from_wrong_ca),
        cmocka_unit_test(test_tls_client_without_cert),
        cmocka_unit_test(test_tls_client_pins_ca),
        cmocka_unit_test(test_tls_wrong_server_name),
        cmocka_unit_test(test_tls_server_cert_as_client_cert),
        cmocka_unit_test(test_tls_unit_cert_as_server_cert),
        cmocka_unit_test(test_tls12_client_refused),
        cmocka_unit_test(test_tls_garbage_input),
        cmocka_unit_test(test_tls_shutdown),
        cmocka_unit_test(test_tls_shutdown_during_handshake),
        cmocka_unit_test(test_tls_plaintext_limit),
        cmocka_unit_test(test_tls_ctx_errors),
        cmocka_unit_test(test_tcp_passthrough),
    };
    return cmocka_run_group_tests(tests, env_setup, env_teardown);
}
