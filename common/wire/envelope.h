/* SPDX-License-Identifier: MIT */
/*
 * Envelope helpers: the one place where bytes become a Tdkt__Envelope and
 * back. envelope_decode is the gate every received frame passes: after it, a
 * module may assume the envelope has a body, a 16-byte request id that is not
 * all zeros (except on an Error, see below) and only well-formed UTF-8
 * without NUL bytes in its strings. This module also owns the protocol
 * version numbers and the mapping from TDKT_E* codes to wire error codes. It
 * does no I/O; request_id_generate reads the OpenSSL random generator.
 *
 * Ownership: envelope_decode returns an envelope allocated by protobuf-c,
 * freed with envelope_free. envelope_init_reply and envelope_make_error fill
 * caller-owned (usually stack) structs whose pointers borrow from their
 * arguments; nothing they fill may be passed to envelope_free.
 */
#ifndef TDKT_COMMON_WIRE_ENVELOPE_H
#define TDKT_COMMON_WIRE_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/tdkt.pb-c.h"

/* Bump per the rules at the top of proto/tdkt.proto. */
#define PROTOCOL_VERSION     2
#define PROTOCOL_VERSION_MIN 2 /* oldest version this build still speaks */
#define REQUEST_ID_LEN       16
#define ENVELOPE_WHY_MAX     160 /* a why buffer this size never truncates a field path */
#define ENVELOPE_PATH_MAX    96  /* dotted path of a field, e.g. "note_put.key" */

/*
 * Pack env into a new frame: 4-byte big-endian length, then the envelope.
 * *out is malloc'd and owned by the caller (free()). TDKT_ETOOBIG if the
 * packed envelope exceeds max, TDKT_EPROTO if it packs to zero bytes (no
 * field set), TDKT_ENOMEM.
 */
int envelope_encode_frame(const Tdkt__Envelope *env, size_t max, uint8_t **out, size_t *out_len);

/* envelope_encode_frame for what the server sends. Every string in a reply
 * must pass the UTF-8 check the server applies to input
 * (envelope_check_text): a debug build asserts it, so a message cut inside a
 * character fails the tests (and tests/fuzz/fuzz_reply) instead of reaching
 * a client whose protobuf library would refuse the whole reply. */
int envelope_encode_reply(const Tdkt__Envelope *env, size_t max, uint8_t **out, size_t *out_len);

/* 0 if every string field in env, at any depth, is well-formed UTF-8;
 * TDKT_EINVAL otherwise, with the dotted path of the first bad field in
 * path (ENVELOPE_PATH_MAX bytes). The check envelope_decode applies. */
int envelope_check_text(const Tdkt__Envelope *env, char *path);

/*
 * Unpack and validate one frame body. On success *out is owned by the caller
 * (envelope_free). On failure *out is NULL, why (if why_cap > 0) holds a
 * sentence for the peer and *field (if field is not NULL) the name of the
 * offending field as a static string from the descriptor, or NULL:
 *   TDKT_EPROTO  not a protobuf Envelope, or no body set
 *   TDKT_EINVAL  request_id not REQUEST_ID_LEN bytes, or all zeros on any
 *                body but an Error (*field "request_id"); or a string
 *                anywhere in the message is not valid UTF-8 or contains a
 *                0x00 byte (*field is the leaf name, e.g. "client_name"; why
 *                names the full path, e.g. "field hello.client_name is not
 *                valid UTF-8")
 *   TDKT_ENOMEM
 *
 * The all-zero id is what an unset id looks like, so no request may carry
 * it; only an Error about the stream itself (answering bytes that never
 * became a request, see envelope_make_error) does. A server, which never
 * receives Errors, refuses that too (envelope_request_id_is_zero).
 *
 * Strings: protobuf-c unpacks a string into a NUL-terminated char *, so a
 * 0x00 byte inside one would silently cut it. The check runs over the raw
 * bytes, walking the wire format with the schema's descriptors; it needs no
 * change when a string field is added to any message.
 */
int envelope_decode(const uint8_t *buf, size_t len, Tdkt__Envelope **out, char *why, size_t why_cap,
                    const char **field);

/* What a refused frame still tells: the dotted path of the bad field and,
 * when the frame was well-formed protobuf with a valid (16-byte, not all
 * zero) request id, that id (so the refusal can answer the request instead
 * of the stream). Paths name repeated fields without an index, e.g.
 * "results_put.records.initiative.author_ids". */
struct envelope_fault {
    char field[ENVELOPE_PATH_MAX];
    int has_request_id;
    uint8_t request_id[REQUEST_ID_LEN];
    uint32_t version;
};

/* envelope_decode, also filling *fault (may be NULL) on failure. */
int envelope_decode_fault(const uint8_t *buf, size_t len, Tdkt__Envelope **out, char *why,
                          size_t why_cap, const char **field, struct envelope_fault *fault);

/* 1 if id is REQUEST_ID_LEN zero bytes, the id of an Error about the
 * stream; 0 otherwise (including any other length). */
int envelope_request_id_is_zero(const ProtobufCBinaryData *id);

/* Free an envelope returned by envelope_decode; NULL is a no-op. */
void envelope_free(Tdkt__Envelope *env);

/* Start a reply to req: same version, same request id. reply->request_id
 * borrows req's bytes, so req must outlive reply. */
void envelope_init_reply(Tdkt__Envelope *reply, const Tdkt__Envelope *req);

/*
 * Fill env and err as an Error reply. req is the request being answered, or
 * NULL when none could be decoded (the reply then carries PROTOCOL_VERSION
 * and an all-zero request id, so that it still passes envelope_decode). code is a
 * TDKT__ERROR_CODE__* value; message and field are borrowed, must be valid UTF-8 and may be NULL
 * for "". TDKT_EINVAL if code is not a known wire error code.
 */
int envelope_make_error(Tdkt__Envelope *env, Tdkt__Error *err, const Tdkt__Envelope *req, int code,
                        const char *message, const char *field);

/* "FRAME_TOO_LARGE" for TDKT__ERROR_CODE__ERROR_CODE_FRAME_TOO_LARGE, and so
 * on; "UNKNOWN" for a value the schema does not define. Never NULL. */
const char *wire_error_name(int code);

/* Fill id with fresh random bytes. TDKT_EIO if the generator fails; id is
 * then unusable. */
int request_id_generate(uint8_t id[REQUEST_ID_LEN]);

#endif
