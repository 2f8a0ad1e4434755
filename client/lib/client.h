/* SPDX-License-Identifier: MIT */
/*
 * The tdkt client library: one blocking connection to tdktd with timeouts.
 * It dials, runs the TLS 1.3 handshake with the pinned sector CA, exchanges
 * Hello/Welcome, then sends requests and waits for the reply carrying the
 * same request id. The CLI (client/cli) is a thin user of it; so are tests
 * and load generators.
 *
 *   tdkt_client_connect(): DIAL -> TLS -> HELLO -> READY   (or an error)
 *   READY --tdkt_client_call()--> READY
 *   any error on the stream --> BROKEN (every later call: TDKT_ECLOSED)
 *
 * Errors: functions return 0 or TDKT_E*. When the server answered with an
 * Error message, the call returns TDKT_EPERM/EINVAL/... mapped from its code
 * and tdkt_client_last_error() holds the server's code, sentence and field.
 * Local failures (connect, TLS, timeout) are described by
 * tdkt_client_errmsg().
 *
 * Ownership: the client owns its socket, TLS context and decoder; replies
 * returned by tdkt_client_call are the caller's (free with
 * tdkt__envelope__free_unpacked).
 */
#ifndef TDKT_CLIENT_LIB_CLIENT_H
#define TDKT_CLIENT_LIB_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/fault.h"
#include "common/domain/records.h"
#include "common/wire/envelope.h"
#include "proto/tdkt.pb-c.h"

#define CLIENT_TIMEOUT_MS_DEFAULT 15000
#define CLIENT_ERRMSG_MAX         512

struct tdkt_client;

struct tdkt_client_opts {
    const char *host; /* IP or DNS name; also the name checked in the cert */
    int port;
    const char *ca_file;   /* the pinned sector CA; NULL means plain TCP */
    const char *cert_file; /* this unit's certificate and key */
    const char *key_file;
    const char *plain_unit; /* plain TCP test listeners only */
    int timeout_ms;         /* per step; 0 = CLIENT_TIMEOUT_MS_DEFAULT */
    const char *client_name;
};

/* The server's last refusal is a struct fault (common/fault.h): its
 * TDKT_E* code, the wire ErrorCode it came as (wire), the field and the
 * sentence as data, so it is shown in the reader's language. */

struct tdkt_status {
    char server_version[32];
    uint32_t protocol_version;
    uint64_t ledger_height;
    uint8_t head_hash[32]; /* the Merkle root at ledger_height */
    char unit_code[RECORD_CODE_MAX + 1];
    char unit_name[RECORD_NAME_MAX + 1];
    int unit_role;
    uint64_t server_time_ms;
    /* the signed tree head at ledger_height (protocol 2) */
    int has_head;
    uint64_t head_size;
    int64_t head_time_ms;
    uint8_t head_root[32];
    uint8_t head_sig[64];
};

struct tdkt_receipt {
    uint64_t seq;
    uint8_t entry_hash[32];
    uint64_t time_ms;
    int replayed;
};

int tdkt_client_connect(const struct tdkt_client_opts *opts, struct tdkt_client **out);
/* On a failed connect *out is still set so the error can be read; close it. */
void tdkt_client_close(struct tdkt_client *c);

/* Send req (its request_id must be 16 bytes) and wait for the matching reply. */
int tdkt_client_call(struct tdkt_client *c, const Tdkt__Envelope *req, Tdkt__Envelope **reply);
/* tdkt_client_call for a request whose body is set: stamped with the
 * session's protocol version and with id (a write's, kept for its retries),
 * or a fresh id when id is NULL (a read). req's request_id is cleared again
 * on return. */
int tdkt_client_request(struct tdkt_client *c, Tdkt__Envelope *req,
                        const uint8_t id[REQUEST_ID_LEN], Tdkt__Envelope **reply);
int tdkt_client_status(struct tdkt_client *c, struct tdkt_status *out);
int tdkt_client_note_put(struct tdkt_client *c, const uint8_t request_id[16], const char *key,
                         const char *text, struct tdkt_receipt *out);

/*
 * Raw access for conformance tests and tools: write bytes through the
 * transport without framing, and read the next Envelope whatever its id.
 */
int tdkt_client_send_raw(struct tdkt_client *c, const uint8_t *bytes, size_t len);
int tdkt_client_recv(struct tdkt_client *c, Tdkt__Envelope **out);

const char *tdkt_client_errmsg(const struct tdkt_client *c);
const struct fault *tdkt_client_last_error(const struct tdkt_client *c);
uint32_t tdkt_client_version(const struct tdkt_client *c);
/* The unit the server identified us as (from Welcome). */
const char *tdkt_client_unit(const struct tdkt_client *c);

/* The public key that signs the server's tree heads (Welcome), 32 bytes, or
 * NULL when the server sent none. */
const uint8_t *tdkt_client_ledger_key(const struct tdkt_client *c);

/* What went over this connection, handshake included: frames and their
 * bytes (4-byte header included) and bytes on the socket (TLS records). */
struct tdkt_client_stats {
    uint64_t frames_out, frames_in;
    uint64_t frame_bytes_out, frame_bytes_in;
    uint64_t wire_out, wire_in;
};
void tdkt_client_get_stats(const struct tdkt_client *c, struct tdkt_client_stats *out);

#endif
