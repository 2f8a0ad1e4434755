/* SPDX-License-Identifier: MIT */
/*
 * TLS 1.3 transport over OpenSSL memory BIOs: the caller feeds network bytes
 * in, takes plaintext out, and gets ciphertext to send. This is the sector's
 * authentication boundary: both ends present certificates from the one
 * sector CA, nothing else is trusted, and the server learns the unit from the
 * client certificate (tls_peer_unit). It does no socket I/O and keeps no
 * clock; it must not decide whether a unit is revoked (the ledger does).
 *
 *            tport_tls_*_new()
 *                   |
 *                   v           tls_handshake_step(): done, peer verified
 *              HANDSHAKE ------------------------------------------> READY
 *                   |                                                  |
 *                   | tls_fail(): bad record, bad certificate,         | tls_fail(): alert,
 *                   | alert, limit exceeded                            | bad record, limit
 *                   v                                                  v
 *                 FAILED <---------------------------------------------+
 *
 * Orthogonal flags in READY: `shut_sent` once tls_shutdown() has queued our
 * close_notify (writes are then refused, reads continue: TLS 1.3 closes one
 * direction at a time), `peer_closed` once the peer's close_notify arrived
 * (tport_read() returns TDKT_ECLOSED after the buffered plaintext).
 *
 * In TLS 1.3 the client finishes its handshake before the server has judged
 * the client certificate; a rejection then arrives as an alert on a READY
 * client, which turns it FAILED with the alert's text. The server sends no
 * session tickets, so no post-handshake message is expected after Finished.
 *
 * Every call that can make OpenSSL produce records ends by moving the write
 * BIO into `out` (tls_out_flush), even on failure, so that alerts reach the
 * peer; tport_output() then never needs to allocate.
 */
#include "tport.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "common/crypto/pki.h"
#include "common/err.h"
#include "common/net/tport_buf.h"

#define TLS_ERR_TEXT_MAX 512           /* tport_error_text() */
#define TLS_RECORD_MAX   (16u * 1024u) /* largest TLS plaintext record */
#define TLS_INPUT_SLICE  (64u * 1024u) /* network bytes handed to OpenSSL at a time */
/* Chain length under the leaf: our CA issues leaves directly; one level is
 * room for a future intermediate, more is not something we ever issue. */
#define TLS_VERIFY_DEPTH    1
#define TLS_SERVER_NAME_MAX 253 /* a DNS name without the trailing dot */

_Static_assert(TPORT_UNIT_CODE_MAX == PKI_UNIT_CODE_MAX,
               "the transport and the PKI must agree on the unit code limit");

enum tls_state { TLS_HANDSHAKE, TLS_READY, TLS_FAILED };

struct tport_tls {
    struct tport base; /* first, so a struct tport * is a struct tport_tls * */
    SSL *ssl;          /* owns rbio and wbio */
    BIO *rbio;         /* network -> OpenSSL */
    BIO *wbio;         /* OpenSSL -> network */
    enum tls_state state;
    int is_server;
    int shut_wanted;        /* tport_shutdown() before the handshake finished */
    int shut_sent;          /* our close_notify is queued */
    int peer_closed;        /* the peer's close_notify arrived */
    int bios_used;          /* the handshake is over; its memory BIOs still held */
    struct tport_buf plain; /* received plaintext for tport_read(); bounded */
    struct tport_buf early; /* plaintext written during the handshake; bounded */
    struct tport_buf out;   /* ciphertext for the network; the caller bounds it */
    char err[TLS_ERR_TEXT_MAX];
};

static const struct tport_ops tls_ops;

__attribute__((format(printf, 4, 5))) static void tls_err_append(char *buf, size_t cap, size_t *len,
                                                                 const char *fmt, ...)
{
    if (*len >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    *len = w < 0 ? cap : *len + (size_t)w;
}

/*
 * Describe a failure for a person: what we were doing, then every reason on
 * the OpenSSL error queue (the alert text lives there: "tlsv1 alert unknown
 * ca"), then the certificate verification result if it failed. The queue is
 * emptied so the next connection on this thread starts clean.
 */
static void tls_err_describe(char *buf, size_t cap, const char *what, long verify)
{
    size_t len = 0;
    unsigned long e;
    const char *data, *sep = ": ";
    int flags;

    if (!buf || cap == 0) {
        ERR_clear_error();
        return;
    }
    buf[0] = '\0';
    tls_err_append(buf, cap, &len, "%s", what);
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        const char *reason = ERR_reason_error_string(e);
        if (reason)
            tls_err_append(buf, cap, &len, "%s%s", sep, reason);
        else
            tls_err_append(buf, cap, &len, "%serror %08lx", sep, e);
        if ((flags & ERR_TXT_STRING) && data && *data)
            tls_err_append(buf, cap, &len, " (%s)", data);
        sep = "; ";
    }
    if (verify != X509_V_OK)
        tls_err_append(buf, cap, &len, "; certificate verification: %s",
                       X509_verify_cert_error_string(verify));
    if (len >= cap && cap > 4)
        memcpy(buf + cap - 4, "...", 4);
}

/* Enter FAILED with an explanation; returns rc for the caller to pass on. */
static int tls_fail(struct tport_tls *t, int rc, const char *what)
{
    char msg[128];
    snprintf(msg, sizeof msg, "%s: %s", t->is_server ? "TLS server" : "TLS client", what);
    tls_err_describe(t->err, sizeof t->err, msg, SSL_get_verify_result(t->ssl));
    t->state = TLS_FAILED;
    return rc;
}

/* Move every pending ciphertext byte from the write BIO into `out`. */
static int tls_out_flush(struct tport_tls *t)
{
    size_t pending;
    while ((pending = BIO_ctrl_pending(t->wbio)) > 0) {
        size_t chunk = pending < INT_MAX ? pending : INT_MAX;
        if (tport_buf_reserve(&t->out, chunk, SIZE_MAX) < 0)
            return TDKT_ENOMEM;
        int got = BIO_read(t->wbio, t->out.data + t->out.len, (int)chunk);
        if (got <= 0)
            return TDKT_ENOMEM; /* a memory BIO only fails to give what it has on OOM */
        t->out.len += (size_t)got;
    }
    return 0;
}

/* Encrypt all of buf. With memory BIOs SSL_write never returns a partial
 * write or WANT_WRITE: the write BIO grows instead. */
static int tls_encrypt(struct tport_tls *t, const uint8_t *buf, size_t n)
{
    while (n > 0) {
        size_t done = 0;
        ERR_clear_error();
        if (SSL_write_ex(t->ssl, buf, n, &done) != 1 || done == 0)
            return tls_fail(t, TDKT_ETLS, "write failed");
        buf += done;
        n -= done;
    }
    return 0;
}

static int tls_close_notify(struct tport_tls *t)
{
    ERR_clear_error();
    if (SSL_shutdown(t->ssl) < 0)
        return tls_fail(t, TDKT_ETLS, "cannot send close_notify");
    t->shut_sent = 1;
    return 0;
}

/* The handshake is done by OpenSSL's account; check what we rely on anyway,
 * so that a context made elsewhere with weaker settings cannot slip through. */
static int tls_handshake_accept(struct tport_tls *t)
{
    if (SSL_version(t->ssl) != TLS1_3_VERSION)
        return tls_fail(t, TDKT_ETLS, "negotiated a protocol other than TLS 1.3");
    if (!SSL_get0_peer_certificate(t->ssl))
        return tls_fail(t, TDKT_ETLS, "peer presented no certificate");
    if (SSL_get_verify_result(t->ssl) != X509_V_OK)
        return tls_fail(t, TDKT_ETLS, "peer certificate not verified");
    t->state = TLS_READY;
    t->bios_used = 1;

    /* What the application wrote while we were still negotiating goes out
     * now, in order, before anything written later. */
    if (t->early.len > t->early.off) {
        int rc = tls_encrypt(t, t->early.data + t->early.off, t->early.len - t->early.off);
        if (rc < 0)
            return rc;
    }
    tport_buf_free(&t->early);
    if (t->shut_wanted)
        return tls_close_notify(t);
    return 0;
}

/*
 * A memory BIO keeps the largest buffer it ever held, and the handshake's
 * (certificate chains, several KiB each way) is the largest an idle
 * connection sees. Once both are empty after the handshake, hand OpenSSL
 * fresh ones; the old ones are freed by SSL_set0_*bio.
 */
static void tls_bios_renew(struct tport_tls *t)
{
    BIO *r, *w;

    if (!t->bios_used || BIO_ctrl_pending(t->rbio) > 0 || BIO_ctrl_pending(t->wbio) > 0)
        return;
    r = BIO_new(BIO_s_mem());
    w = BIO_new(BIO_s_mem());
    if (!r || !w) {
        BIO_free(r); /* out of memory: keep the old ones, try again later */
        BIO_free(w);
        return;
    }
    BIO_set_mem_eof_return(r, -1);
    BIO_set_mem_eof_return(w, -1);
    SSL_set0_rbio(t->ssl, r);
    SSL_set0_wbio(t->ssl, w);
    t->rbio = r;
    t->wbio = w;
    t->bios_used = 0;
}

static int tls_handshake_step(struct tport_tls *t)
{
    ERR_clear_error();
    int r = SSL_do_handshake(t->ssl);
    if (r == 1)
        return tls_handshake_accept(t);
    int e = SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_WANT_READ)
        return 0;
    return tls_fail(t, TDKT_ETLS, "handshake failed");
}

/* Decrypt every complete record into `plain`. A close_notify or an alert is
 * also a record; post-handshake messages (KeyUpdate) are handled by OpenSSL
 * and may queue a reply in the write BIO. */
static int tls_records_read(struct tport_tls *t)
{
    uint8_t rec[TLS_RECORD_MAX];
    while (t->state == TLS_READY && !t->peer_closed) {
        size_t got = 0;
        ERR_clear_error();
        if (SSL_read_ex(t->ssl, rec, sizeof rec, &got) == 1) {
            int rc = tport_buf_append(&t->plain, rec, got, TPORT_PLAINTEXT_MAX);
            if (rc == TDKT_ETOOBIG)
                return tls_fail(t, rc, "peer sent more unread data than the plaintext limit");
            if (rc < 0)
                return tls_fail(t, rc, "out of memory buffering plaintext");
            continue;
        }
        switch (SSL_get_error(t->ssl, 0)) {
        case SSL_ERROR_WANT_READ:
            return 0;
        case SSL_ERROR_ZERO_RETURN:
            t->peer_closed = 1;
            return 0;
        default:
            return tls_fail(t, TDKT_ETLS, "connection failed");
        }
    }
    return t->state == TLS_FAILED ? TDKT_ETLS : 0;
}

static int tls_input(struct tport *tp, const uint8_t *in, size_t n)
{
    struct tport_tls *t = (struct tport_tls *)tp;
    int rc = 0;

    if (t->state == TLS_FAILED)
        return TDKT_ETLS;
    /* Slices keep the read BIO at most one slice big and let a limit or a
     * fatal alert stop the work early. After the peer's close_notify nothing
     * more can be authenticated, so the rest is dropped. */
    while (n > 0 && rc == 0 && !t->peer_closed) {
        size_t slice = n < TLS_INPUT_SLICE ? n : TLS_INPUT_SLICE;
        if (BIO_write(t->rbio, in, (int)slice) != (int)slice) {
            rc = tls_fail(t, TDKT_ENOMEM, "out of memory buffering network input");
            break;
        }
        in += slice;
        n -= slice;
        if (t->state == TLS_HANDSHAKE)
            rc = tls_handshake_step(t);
        if (rc == 0 && t->state == TLS_READY)
            rc = tls_records_read(t);
    }
    if (tls_out_flush(t) < 0 && rc == 0)
        rc = tls_fail(t, TDKT_ENOMEM, "out of memory buffering output");
    if (rc == 0)
        tls_bios_renew(t);
    return rc;
}

static int tls_read(struct tport *tp, uint8_t *out, size_t cap, size_t *got)
{
    struct tport_tls *t = (struct tport_tls *)tp;

    *got = 0;
    if (t->state == TLS_FAILED)
        return TDKT_ETLS;
    if (tport_buf_live(&t->plain) == 0)
        return t->peer_closed ? TDKT_ECLOSED : TDKT_EAGAIN;
    *got = tport_buf_take(&t->plain, out, cap);
    return 0;
}

static int tls_write(struct tport *tp, const uint8_t *buf, size_t n)
{
    struct tport_tls *t = (struct tport_tls *)tp;
    int rc;

    if (t->state == TLS_FAILED)
        return TDKT_ETLS;
    if (t->shut_sent || t->shut_wanted)
        return TDKT_ECLOSED;
    if (n == 0)
        return 0;
    if (t->state == TLS_HANDSHAKE)
        return tport_buf_append(&t->early, buf, n, TPORT_PLAINTEXT_MAX);
    rc = tls_encrypt(t, buf, n);
    if (tls_out_flush(t) < 0 && rc == 0)
        rc = tls_fail(t, TDKT_ENOMEM, "out of memory buffering output");
    return rc;
}

static void tls_output(struct tport *tp, const uint8_t **p, size_t *n)
{
    *p = tport_buf_peek(&((struct tport_tls *)tp)->out, n);
}

static void tls_output_consume(struct tport *tp, size_t n)
{
    tport_buf_consume(&((struct tport_tls *)tp)->out, n);
}

static int tls_shutdown(struct tport *tp)
{
    struct tport_tls *t = (struct tport_tls *)tp;
    int rc;

    if (t->state == TLS_FAILED)
        return TDKT_ETLS;
    if (t->shut_sent || t->shut_wanted)
        return 0;
    /* close_notify cannot be sent mid-handshake; it follows the early data. */
    if (t->state == TLS_HANDSHAKE) {
        t->shut_wanted = 1;
        return 0;
    }
    rc = tls_close_notify(t);
    if (tls_out_flush(t) < 0 && rc == 0)
        rc = tls_fail(t, TDKT_ENOMEM, "out of memory buffering output");
    return rc;
}

static void tls_close(struct tport *tp)
{
    struct tport_tls *t = (struct tport_tls *)tp;
    if (!t)
        return;
    SSL_free(t->ssl);
    tport_buf_free(&t->plain);
    tport_buf_free(&t->early);
    tport_buf_free(&t->out);
    free(t);
}

static int tls_is_ready(const struct tport *tp)
{
    return ((const struct tport_tls *)tp)->state == TLS_READY;
}

static int tls_peer_unit(const struct tport *tp, char *code, size_t code_cap, char *serial_hex,
                         size_t serial_cap)
{
    const struct tport_tls *t = (const struct tport_tls *)tp;
    char serial[PKI_SERIAL_HEX_MAX];
    const X509 *cert;
    int rc;

    if (t->state == TLS_FAILED)
        return TDKT_ETLS;
    if (t->state != TLS_READY)
        return TDKT_EAGAIN;
    cert = SSL_get0_peer_certificate(t->ssl);
    if (!cert)
        return TDKT_ENOTFOUND;
    if (SSL_get_verify_result(t->ssl) != X509_V_OK)
        return TDKT_EAUTH;
    rc = pki_x509_info(cert, code, code_cap, serial, NULL, 0);
    if (rc < 0)
        return rc;
    size_t n = strlen(serial);
    if (!serial_hex || n >= serial_cap)
        return TDKT_EINVAL;
    memcpy(serial_hex, serial, n + 1);
    return 0;
}

static const char *tls_error_text(const struct tport *tp)
{
    return ((const struct tport_tls *)tp)->err;
}

static const struct tport_ops tls_ops = {
    .name = "tls",
    .input = tls_input,
    .read = tls_read,
    .write = tls_write,
    .output = tls_output,
    .output_consume = tls_output_consume,
    .shutdown = tls_shutdown,
    .close = tls_close,
    .is_ready = tls_is_ready,
    .peer_unit = tls_peer_unit,
    .error_text = tls_error_text,
};

/*
 * What both sides share: TLS 1.3 only, the one CA file as the whole trust
 * store (no default paths), our certificate and key, strict X.509 checks and
 * no session resumption, so every connection is authenticated from scratch
 * against the certificates as they are now.
 */
static int tls_ctx_new(const SSL_METHOD *method, int purpose, const char *ca_pem,
                       const char *cert_pem, const char *key_pem, SSL_CTX **out, char *err,
                       size_t err_cap)
{
    SSL_CTX *ctx = NULL;
    const char *what;

    ERR_clear_error();
    *out = NULL;
    if (!ca_pem || !cert_pem || !key_pem) {
        tls_err_describe(err, err_cap, "CA, certificate and key files are all required", X509_V_OK);
        return TDKT_EINVAL;
    }
    what = "cannot create a TLS context";
    ctx = SSL_CTX_new(method);
    if (!ctx)
        goto fail;
    what = "cannot restrict the context to TLS 1.3";
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
        !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION))
        goto fail;
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    what = "cannot disable session tickets";
    if (!SSL_CTX_set_num_tickets(ctx, 0))
        goto fail;
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);

    what = "cannot load the CA file";
    if (SSL_CTX_load_verify_locations(ctx, ca_pem, NULL) != 1)
        goto fail;
    what = "cannot set certificate checks";
    if (SSL_CTX_set_purpose(ctx, purpose) != 1 ||
        X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx), X509_V_FLAG_X509_STRICT) != 1)
        goto fail;
    SSL_CTX_set_verify_depth(ctx, TLS_VERIFY_DEPTH);

    what = "cannot load the certificate file";
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_pem) != 1)
        goto fail;
    what = "cannot load the private key file";
    if (SSL_CTX_use_PrivateKey_file(ctx, key_pem, SSL_FILETYPE_PEM) != 1)
        goto fail;
    what = "the private key does not match the certificate";
    if (SSL_CTX_check_private_key(ctx) != 1)
        goto fail;
    *out = ctx;
    return 0;

fail:;
    char msg[TLS_ERR_TEXT_MAX];
    snprintf(msg, sizeof msg, "%s (CA %s, certificate %s, key %s)", what, ca_pem, cert_pem,
             key_pem);
    tls_err_describe(err, err_cap, msg, X509_V_OK);
    SSL_CTX_free(ctx);
    return TDKT_ETLS;
}

int tport_tls_server_ctx(const char *ca_pem, const char *cert_pem, const char *key_pem,
                         SSL_CTX **out, char *err, size_t err_cap)
{
    STACK_OF(X509_NAME) *names = NULL;
    int rc = tls_ctx_new(TLS_server_method(), X509_PURPOSE_SSL_CLIENT, ca_pem, cert_pem, key_pem,
                         out, err, err_cap);
    if (rc < 0)
        return rc;
    SSL_CTX_set_verify(*out, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    /* Tell clients which CA we accept, so one holding several certificates
     * picks the sector's. */
    names = SSL_load_client_CA_file(ca_pem);
    if (!names) {
        tls_err_describe(err, err_cap, "cannot read CA names from the CA file", X509_V_OK);
        SSL_CTX_free(*out);
        *out = NULL;
        return TDKT_ETLS;
    }
    SSL_CTX_set_client_CA_list(*out, names);
    return 0;
}

int tport_tls_client_ctx(const char *ca_pem, const char *cert_pem, const char *key_pem,
                         SSL_CTX **out, char *err, size_t err_cap)
{
    int rc = tls_ctx_new(TLS_client_method(), X509_PURPOSE_SSL_SERVER, ca_pem, cert_pem, key_pem,
                         out, err, err_cap);
    if (rc < 0)
        return rc;
    SSL_CTX_set_verify(*out, SSL_VERIFY_PEER, NULL);
    return 0;
}

void tport_tls_ctx_free(SSL_CTX *ctx)
{
    SSL_CTX_free(ctx);
}

static int tls_new(SSL_CTX *ctx, int is_server, struct tport_tls **out)
{
    struct tport_tls *t;

    *out = NULL;
    if (!ctx)
        return TDKT_EINVAL;
    t = calloc(1, sizeof *t);
    if (!t)
        return TDKT_ENOMEM;
    t->base.ops = &tls_ops;
    t->is_server = is_server;
    t->state = TLS_HANDSHAKE;
    ERR_clear_error();
    t->ssl = SSL_new(ctx);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->rbio || !t->wbio) {
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        SSL_free(t->ssl);
        free(t);
        ERR_clear_error();
        return TDKT_ENOMEM;
    }
    /* An empty read BIO means "no more yet", never end of stream. */
    BIO_set_mem_eof_return(t->rbio, -1);
    BIO_set_mem_eof_return(t->wbio, -1);
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    *out = t;
    return 0;
}

int tport_tls_server_new(SSL_CTX *ctx, struct tport **out)
{
    struct tport_tls *t;
    int rc = tls_new(ctx, 1, &t);
    if (rc < 0)
        return rc;
    SSL_set_accept_state(t->ssl);
    *out = &t->base;
    return 0;
}

int tport_tls_client_new(SSL_CTX *ctx, const char *server_name, struct tport **out)
{
    struct tport_tls *t = NULL;
    unsigned char addr[sizeof(struct in6_addr)];
    int rc, is_ip;
    size_t len = server_name ? strlen(server_name) : 0;

    *out = NULL;
    if (len == 0 || len > TLS_SERVER_NAME_MAX)
        return TDKT_EINVAL;
    rc = tls_new(ctx, 0, &t);
    if (rc < 0)
        return rc;
    SSL_set_connect_state(t->ssl);

    /* The name the server certificate must carry in its subjectAltName; the
     * subject CN is never consulted, so a unit certificate whose CN happens
     * to look like a host name cannot stand in for the server. */
    is_ip =
        inet_pton(AF_INET, server_name, addr) == 1 || inet_pton(AF_INET6, server_name, addr) == 1;
    SSL_set_hostflags(t->ssl,
                      X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (is_ip) {
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), server_name) != 1) {
            rc = TDKT_EINVAL;
            goto out;
        }
    } else if (SSL_set1_host(t->ssl, server_name) != 1 ||
               SSL_set_tlsext_host_name(t->ssl, server_name) != 1) {
        rc = TDKT_EINVAL;
        goto out;
    }

    /* Produce the ClientHello now, so the caller's first tport_output() has
     * something to send. */
    rc = tls_handshake_step(t);
    if (rc == 0 && tls_out_flush(t) < 0)
        rc = TDKT_ENOMEM;
out:
    if (rc < 0) {
        ERR_clear_error();
        tls_close(&t->base);
        return rc;
    }
    *out = &t->base;
    return 0;
}
