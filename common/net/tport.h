/* SPDX-License-Identifier: MIT */
/*
 * Transport: a sans-I/O byte filter between a socket and the frame codec,
 * behind a small table of functions (Redis ConnectionType), so TCP, TLS and an
 * in-memory pair are interchangeable. The caller moves bytes:
 *
 *   socket --tport_input()--> [transport] --tport_read()--> plaintext
 *   plaintext --tport_write()--> [transport] --tport_output()--> socket
 *
 * No function here touches a socket, a libuv handle or the clock. The TLS
 * implementation runs OpenSSL 3 over memory BIOs and accepts only TLS 1.3.
 *
 * States (TLS; TCP starts in READY):
 *
 *   HANDSHAKE --tport_input() completes handshake + peer accepted--> READY
 *   HANDSHAKE --bad cert / alert--> FAILED            (tport_error_text)
 *   READY --tport_shutdown()--> SHUTDOWN (close_notify queued in output)
 *   any --peer close_notify seen in tport_input()--> tport_read() returns TDKT_ECLOSED
 *
 * Ownership: a tport is created by tport_tls_server/tport_tls_client/tport_tcp
 * and freed only by tport_close(). The SSL_CTX is owned by the caller and
 * must outlive every tport made from it.
 */
#ifndef TDKT_COMMON_NET_TPORT_H
#define TDKT_COMMON_NET_TPORT_H

#include <stddef.h>
#include <stdint.h>

struct tport;
typedef struct ssl_ctx_st SSL_CTX;

#define TPORT_UNIT_CODE_MAX 64 /* longest unit code in a certificate CN */
/* Plaintext a transport holds for the application between tport_read()s, and
 * plaintext queued by tport_write() before the TLS handshake completes. The
 * caller drains after every tport_input(), so this only needs to cover one
 * socket read of records plus one record. */
#define TPORT_PLAINTEXT_MAX (2u * 1024u * 1024u + 16u * 1024u)

struct tport_ops {
    const char *name; /* "tcp" or "tls" */
    /* Bytes received from the network. 0, or TDKT_ETLS on a fatal TLS error,
     * TDKT_ETOOBIG when unread plaintext would exceed TPORT_PLAINTEXT_MAX,
     * TDKT_ENOMEM. Any error is final: the transport is FAILED. */
    int (*input)(struct tport *t, const uint8_t *in, size_t n);
    /* Plaintext for the application: 0 with *got > 0, TDKT_EAGAIN when none,
     * TDKT_ECLOSED after the peer's close_notify, TDKT_ETLS on error. */
    int (*read)(struct tport *t, uint8_t *out, size_t cap, size_t *got);
    /* Queue plaintext for sending; all of it is accepted (0) or none: TDKT_ETLS
     * (failed), TDKT_ECLOSED (after tport_shutdown), TDKT_ETOOBIG (more than
     * TPORT_PLAINTEXT_MAX queued before the handshake), TDKT_ENOMEM. */
    int (*write)(struct tport *t, const uint8_t *buf, size_t n);
    /* Bytes to put on the network: points *p at an internal buffer of *n bytes
     * (n == 0 when none); call tport_output_consume(n) once they are sent. */
    void (*output)(struct tport *t, const uint8_t **p, size_t *n);
    void (*output_consume)(struct tport *t, size_t n);
    /* Queue an orderly close (TLS close_notify). */
    int (*shutdown)(struct tport *t);
    void (*close)(struct tport *t);
    /* 1 once the handshake is done (TCP: always 1). */
    int (*is_ready)(const struct tport *t);
    /* After the handshake: the unit code from the peer certificate's CN and
     * the certificate serial as lowercase hex (the spelling of
     * pki_serial_hex). TDKT_ENOTFOUND on TCP, TDKT_EAGAIN before the
     * handshake, TDKT_EAUTH for a CN that is not a usable unit code. */
    int (*peer_unit)(const struct tport *t, char *code, size_t code_cap, char *serial_hex,
                     size_t serial_cap);
    /* Human text for the last failure (OpenSSL error queue, verify result);
     * never NULL, "" when none. */
    const char *(*error_text)(const struct tport *t);
};

struct tport {
    const struct tport_ops *ops;
};

static inline int tport_input(struct tport *t, const uint8_t *in, size_t n)
{
    return t->ops->input(t, in, n);
}
static inline int tport_read(struct tport *t, uint8_t *out, size_t cap, size_t *got)
{
    return t->ops->read(t, out, cap, got);
}
static inline int tport_write(struct tport *t, const uint8_t *buf, size_t n)
{
    return t->ops->write(t, buf, n);
}
static inline void tport_output(struct tport *t, const uint8_t **p, size_t *n)
{
    t->ops->output(t, p, n);
}
static inline void tport_output_consume(struct tport *t, size_t n)
{
    t->ops->output_consume(t, n);
}
static inline int tport_shutdown(struct tport *t)
{
    return t->ops->shutdown(t);
}
static inline void tport_close(struct tport *t)
{
    t->ops->close(t);
}

/* Plain TCP: a passthrough with an output buffer. Tests on loopback only. */
int tport_tcp_new(struct tport **out);

static inline int tport_is_ready(const struct tport *t)
{
    return t->ops->is_ready(t);
}
static inline int tport_peer_unit(const struct tport *t, char *code, size_t code_cap,
                                  char *serial_hex, size_t serial_cap)
{
    return t->ops->peer_unit(t, code, code_cap, serial_hex, serial_cap);
}
static inline const char *tport_error_text(const struct tport *t)
{
    return t->ops->error_text(t);
}

/*
 * TLS contexts. The server context demands a client certificate chaining to
 * ca_pem (the sector CA), TLS 1.3 only. The client context pins ca_pem as its
 * only trust anchor and checks the server certificate's name against
 * server_name (an IP literal or DNS name). Returns 0 and *out, or TDKT_ETLS
 * with a message in err (err_cap bytes).
 */
int tport_tls_server_ctx(const char *ca_pem, const char *cert_pem, const char *key_pem,
                         SSL_CTX **out, char *err, size_t err_cap);
int tport_tls_client_ctx(const char *ca_pem, const char *cert_pem, const char *key_pem,
                         SSL_CTX **out, char *err, size_t err_cap);
void tport_tls_ctx_free(SSL_CTX *ctx);
int tport_tls_server_new(SSL_CTX *ctx, struct tport **out);
int tport_tls_client_new(SSL_CTX *ctx, const char *server_name, struct tport **out);

#endif
