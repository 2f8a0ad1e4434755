/* SPDX-License-Identifier: MIT */
/*
 * Envelope helpers. Validation walks the protobuf-c descriptors rather than
 * naming fields, so a string added to any message later is checked for UTF-8
 * and NUL bytes without touching this file. protobuf-c 1.4 does not validate
 * UTF-8 itself; if a later version does, envelope_decode still runs its own
 * check, so the guarantee does not depend on the library version.
 *
 * Two passes: the UTF-8 check reads the unpacked message, the NUL check
 * reads the raw bytes (where a string's real length still is), each with the
 * same dotted paths.
 */
#include "common/wire/envelope.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "common/err.h"
#include "common/wire/frame.h"
#include "common/wire/utf8.h"

/* No message in the schema is recursive; this bounds both walks should one
 * ever become so, long before the stack is at risk. */
#define ENVELOPE_DEPTH_MAX 16

/* Protobuf wire format, as far as the raw NUL walk needs it. */
#define WIRE_TYPE_MASK    7u
#define WIRE_TAG_SHIFT    3
#define WIRE_VARINT       0u /* int32, uint64, bool, enum... */
#define WIRE_FIXED64      1u
#define WIRE_LEN          2u /* string, bytes, message, packed repeated */
#define WIRE_FIXED32      5u
#define WIRE_FIXED64_LEN  8
#define WIRE_FIXED32_LEN  4
#define WIRE_VARINT_MAX   10 /* bytes in the longest (64-bit) varint */
#define WIRE_VARINT_SHIFT 7

#define WIRE_ERROR_PREFIX "ERROR_CODE_"

/* Request id of an Error sent in answer to bytes that never became a
 * request: the peer can tell it from any id it generated. */
static const uint8_t envelope_no_request_id[REQUEST_ID_LEN];

int envelope_encode_frame(const Tdkt__Envelope *env, size_t max, uint8_t **out, size_t *out_len)
{
    uint8_t hdr[FRAME_HEADER_LEN];
    uint8_t *buf = NULL;
    size_t body_len;
    int rc;

    *out = NULL;
    *out_len = 0;
    body_len = tdkt__envelope__get_packed_size(env);
    rc = frame_header_encode(body_len, max, hdr);
    if (rc < 0)
        goto out;
    if (body_len > SIZE_MAX - FRAME_HEADER_LEN) {
        rc = TDKT_ETOOBIG;
        goto out;
    }
    buf = malloc(FRAME_HEADER_LEN + body_len);
    if (!buf) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    memcpy(buf, hdr, FRAME_HEADER_LEN);
    size_t packed = tdkt__envelope__pack(env, buf + FRAME_HEADER_LEN);
    assert(packed == body_len);
    (void)packed;
    *out = buf;
    *out_len = FRAME_HEADER_LEN + body_len;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    return rc;
}

/* Is field f present in m? Only oneof members can be absent while their
 * storage holds a stale value; other absent fields are NULL or empty. */
static int envelope_field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    uint32_t which;

    if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        return 1;
    memcpy(&which, (const char *)m + f->quantifier_offset, sizeof(which));
    return which == f->id;
}

/*
 * Check m and every message inside it. path[0..path_len) is the dotted path
 * of m ("" for the envelope). TDKT_EINVAL: a string is not UTF-8; path then
 * holds the path of the bad field and *bad its descriptor name. TDKT_EPROTO:
 * the bytes were not valid protobuf after all.
 */
static int envelope_check_message(const ProtobufCMessage *m, char *path, size_t path_len, int depth,
                                  const char **bad)
{
    const ProtobufCMessageDescriptor *desc = m->descriptor;

    if (depth > ENVELOPE_DEPTH_MAX)
        return TDKT_EPROTO;
    /* protobuf-c 1.4 accepts field number 0 when the tag is a non-canonical
     * varint (80 00) and keeps it as an unknown field, but refuses the
     * canonical form it writes back. Such an envelope would pass here and
     * then fail wherever it is re-packed and read again (a stored ledger
     * entry, an echo), so it is refused now. */
    for (unsigned i = 0; i < m->n_unknown_fields; i++) {
        if (m->unknown_fields[i].tag == 0)
            return TDKT_EPROTO;
    }
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        const char *member = (const char *)m + f->offset;
        const char *items; /* start of an array of pointers */
        size_t count = 1;
        size_t len;
        int rc;

        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (!envelope_field_present(m, f))
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            memcpy(&count, (const char *)m + f->quantifier_offset, sizeof(count));
            memcpy(&items, member, sizeof(items));
        } else {
            items = member;
        }

        /* snprintf truncates an over-long path; only the message suffers. */
        snprintf(path + path_len, ENVELOPE_PATH_MAX - path_len, "%s%s", path_len ? "." : "",
                 f->name);
        len = strlen(path);

        for (size_t k = 0; k < count; k++) {
            const void *v;

            memcpy(&v, items + k * sizeof(v), sizeof(v));
            if (!v)
                continue;
            if (f->type == PROTOBUF_C_TYPE_STRING) {
                if (utf8_validate(v, strlen(v)) < 0) {
                    *bad = f->name;
                    return TDKT_EINVAL;
                }
            } else {
                rc = envelope_check_message(v, path, len, depth + 1, bad);
                if (rc < 0)
                    return rc;
            }
        }
        path[path_len] = '\0';
    }
    return 0;
}

/*
 * Drop the unknown fields of m and of every message inside it. What the
 * server keeps (a ledger entry, the hash that makes a retry a replay) is the
 * re-encoding of the fields the schema names, so the same content hashes the
 * same however a client encoded it, and nobody can smuggle bytes past the
 * field limits into the ledger. m was unpacked with the default allocator,
 * which is malloc. Depth is bounded by envelope_check_message before this.
 */
static void envelope_strip_unknown(ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *desc = m->descriptor;

    for (unsigned i = 0; i < m->n_unknown_fields; i++)
        free(m->unknown_fields[i].data);
    free(m->unknown_fields);
    m->unknown_fields = NULL;
    m->n_unknown_fields = 0;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        char *member = (char *)m + f->offset;
        char *items;
        size_t count = 1;

        if (f->type != PROTOBUF_C_TYPE_MESSAGE || !envelope_field_present(m, f))
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            memcpy(&count, (char *)m + f->quantifier_offset, sizeof(count));
            memcpy(&items, member, sizeof(items));
        } else {
            items = member;
        }
        for (size_t k = 0; k < count; k++) {
            ProtobufCMessage *v;
            memcpy(&v, items + k * sizeof(v), sizeof(v));
            if (v)
                envelope_strip_unknown(v);
        }
    }
}

/* Read a base-128 varint from p[*off..len), advancing *off. TDKT_EPROTO if
 * it is cut short or longer than WIRE_VARINT_MAX bytes. */
static int wire_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *out)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < WIRE_VARINT_MAX; i++) {
        if (*off >= len)
            return TDKT_EPROTO;
        uint8_t b = p[(*off)++];
        v |= (uint64_t)(b & 0x7fu) << (WIRE_VARINT_SHIFT * i);
        if (!(b & 0x80u)) {
            *out = v;
            return 0;
        }
    }
    return TDKT_EPROTO;
}

/*
 * Walk the raw bytes p[0..len) of one message of type desc and refuse a
 * string field holding a 0x00 byte, which protobuf-c's NUL-terminated
 * char * would silently cut. path[0..path_len) is the dotted path of the
 * message, as in envelope_check_message. Message fields are walked with
 * their own descriptor; unknown fields, bytes fields and packed repeated
 * scalars (length-delimited too, but not strings) are skipped. Runs only on
 * bytes protobuf-c has already unpacked, so TDKT_EPROTO is not expected.
 * TDKT_EINVAL: path holds the bad field's path and *bad its name.
 */
static int envelope_scan_nul(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t len,
                             char *path, size_t path_len, int depth, const char **bad)
{
    size_t off = 0;

    if (depth > ENVELOPE_DEPTH_MAX)
        return TDKT_EPROTO;
    while (off < len) {
        const ProtobufCFieldDescriptor *f;
        uint64_t key, n;
        int rc;

        if (wire_varint(p, len, &off, &key) < 0)
            return TDKT_EPROTO;
        switch ((unsigned)(key & WIRE_TYPE_MASK)) {
        case WIRE_VARINT:
            if (wire_varint(p, len, &off, &n) < 0)
                return TDKT_EPROTO;
            continue;
        case WIRE_FIXED64:
            if (len - off < WIRE_FIXED64_LEN)
                return TDKT_EPROTO;
            off += WIRE_FIXED64_LEN;
            continue;
        case WIRE_FIXED32:
            if (len - off < WIRE_FIXED32_LEN)
                return TDKT_EPROTO;
            off += WIRE_FIXED32_LEN;
            continue;
        case WIRE_LEN:
            break;
        default: /* groups: protobuf-c refuses them too */
            return TDKT_EPROTO;
        }
        if (wire_varint(p, len, &off, &n) < 0 || n > len - off)
            return TDKT_EPROTO;
        const uint8_t *v = p + off;
        off += (size_t)n;

        key >>= WIRE_TAG_SHIFT;
        f = key <= UINT32_MAX ? protobuf_c_message_descriptor_get_field(desc, (unsigned)key) : NULL;
        if (!f || (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE))
            continue;
        /* snprintf truncates an over-long path; only the message suffers. */
        snprintf(path + path_len, ENVELOPE_PATH_MAX - path_len, "%s%s", path_len ? "." : "",
                 f->name);
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            if (n > 0 && memchr(v, 0, (size_t)n)) {
                *bad = f->name;
                return TDKT_EINVAL;
            }
        } else {
            rc = envelope_scan_nul(f->descriptor, v, (size_t)n, path, strlen(path), depth + 1, bad);
            if (rc < 0)
                return rc;
        }
        path[path_len] = '\0';
    }
    return 0;
}

int envelope_check_text(const Tdkt__Envelope *env, char *path)
{
    const char *bad = NULL;
    path[0] = '\0';
    return envelope_check_message(&env->base, path, 0, 0, &bad) < 0 ? TDKT_EINVAL : 0;
}

int envelope_encode_reply(const Tdkt__Envelope *env, size_t max, uint8_t **out, size_t *out_len)
{
#ifndef NDEBUG
    char path[ENVELOPE_PATH_MAX];
    int text = envelope_check_text(env, path);
    assert(text == 0 && "a reply string is not well-formed UTF-8");
    (void)text;
#endif
    return envelope_encode_frame(env, max, out, out_len);
}

int envelope_request_id_is_zero(const ProtobufCBinaryData *id)
{
    return id->len == REQUEST_ID_LEN &&
           memcmp(id->data, envelope_no_request_id, REQUEST_ID_LEN) == 0;
}

int envelope_decode(const uint8_t *buf, size_t len, Tdkt__Envelope **out, char *why, size_t why_cap,
                    const char **field)
{
    return envelope_decode_fault(buf, len, out, why, why_cap, field, NULL);
}

/* Name field as the one at fault, for a refusal that answers by the id. */
static void envelope_fault_at(struct envelope_fault *fault, const char *field)
{
    if (fault)
        snprintf(fault->field, sizeof fault->field, "%s", field);
}

/* The frame's body and request id; once they pass, fault carries the id. */
static int envelope_check_head(const Tdkt__Envelope *env, char *why, size_t why_cap,
                               struct envelope_fault *fault, const char **bad)
{
    int known_id =
        env->request_id.len == REQUEST_ID_LEN && !envelope_request_id_is_zero(&env->request_id);

    if (env->body_case == TDKT__ENVELOPE__BODY__NOT_SET && env->base.n_unknown_fields == 0) {
        tdkt_errf(why, why_cap, "envelope has no body");
        return TDKT_EPROTO;
    }
    /* A body this build does not know (a newer peer's request type) with a
     * good id is well-formed: it is refused by its id and the stream goes
     * on, as the versioning rule in tdkt.proto promises. With a zero or
     * wrong-length id it is refused for that, as any body is. */
    if (env->request_id.len != REQUEST_ID_LEN) {
        tdkt_errf(why, why_cap, "request_id must be %d bytes, got %zu", REQUEST_ID_LEN,
                  env->request_id.len);
        *bad = "request_id";
    } else if (!known_id && env->body_case != TDKT__ENVELOPE__BODY_ERROR) {
        /* Zeros are what an unset id looks like, and what an Error about the
         * stream carries: a request with them could not be told apart. */
        tdkt_errf(why, why_cap,
                  "request_id must not be all zeros (that is what an unset id looks like)");
        *bad = "request_id";
    } else if (env->body_case == TDKT__ENVELOPE__BODY__NOT_SET) {
        tdkt_errf(
            why, why_cap, "unknown message type (field %u); this server speaks protocol %d..%d",
            (unsigned)env->base.unknown_fields[0].tag, PROTOCOL_VERSION_MIN, PROTOCOL_VERSION);
        *bad = "body";
    }
    if (fault && env->request_id.len == REQUEST_ID_LEN && (known_id || !*bad)) {
        /* From here on the frame is well-formed: a refusal can answer the
         * request by its id, so the client matches it and keeps going. */
        fault->has_request_id = 1;
        memcpy(fault->request_id, env->request_id.data, REQUEST_ID_LEN);
        fault->version = env->version;
    }
    if (!*bad)
        return 0;
    envelope_fault_at(fault, *bad);
    return TDKT_EINVAL;
}

/* Every string of the frame: UTF-8, and no NUL byte. */
static int envelope_check_strings(const uint8_t *buf, size_t len, const Tdkt__Envelope *env,
                                  char *why, size_t why_cap, struct envelope_fault *fault,
                                  const char **bad)
{
    char path[ENVELOPE_PATH_MAX] = "";
    const char *what = "is not valid UTF-8";
    int rc = envelope_check_message(&env->base, path, 0, 0, bad);

    if (rc == 0) {
        what = "contains a NUL (0x00) byte";
        rc = envelope_scan_nul(&tdkt__envelope__descriptor, buf, len, path, 0, 0, bad);
    }
    if (rc == TDKT_EINVAL) {
        tdkt_errf(why, why_cap, "field %s %s", path, what);
        envelope_fault_at(fault, path);
    } else if (rc < 0) {
        tdkt_errf(why, why_cap, "not a valid protobuf Envelope");
    }
    return rc;
}

int envelope_decode_fault(const uint8_t *buf, size_t len, Tdkt__Envelope **out, char *why,
                          size_t why_cap, const char **field, struct envelope_fault *fault)
{
    Tdkt__Envelope *env;
    const char *bad = NULL;
    int rc;

    *out = NULL;
    if (field)
        *field = NULL;
    if (fault)
        memset(fault, 0, sizeof *fault);
    tdkt_errf(why, why_cap, "%s", "");

    env = tdkt__envelope__unpack(NULL, len, buf);
    if (!env) {
        tdkt_errf(why, why_cap, "not a valid protobuf Envelope");
        rc = TDKT_EPROTO;
    } else if ((rc = envelope_check_head(env, why, why_cap, fault, &bad)) == 0 &&
               (rc = envelope_check_strings(buf, len, env, why, why_cap, fault, &bad)) == 0) {
        envelope_strip_unknown(&env->base);
        *out = env;
        return 0;
    }
    if (field)
        *field = bad;
    envelope_free(env);
    return rc;
}

void envelope_free(Tdkt__Envelope *env)
{
    if (env)
        tdkt__envelope__free_unpacked(env, NULL);
}

void envelope_init_reply(Tdkt__Envelope *reply, const Tdkt__Envelope *req)
{
    tdkt__envelope__init(reply);
    reply->version = req->version;
    reply->request_id = req->request_id;
}

int envelope_make_error(Tdkt__Envelope *env, Tdkt__Error *err, const Tdkt__Envelope *req, int code,
                        const char *message, const char *field)
{
    if (code == TDKT__ERROR_CODE__ERROR_CODE_UNSPECIFIED ||
        !protobuf_c_enum_descriptor_get_value(&tdkt__error_code__descriptor, code))
        return TDKT_EINVAL;

    if (req) {
        envelope_init_reply(env, req);
    } else {
        tdkt__envelope__init(env);
        env->version = PROTOCOL_VERSION;
        /* protobuf-c never writes through request_id.data when packing. */
        env->request_id.data = (uint8_t *)envelope_no_request_id;
        env->request_id.len = REQUEST_ID_LEN;
    }
    tdkt__error__init(err);
    err->code = (Tdkt__ErrorCode)code;
    /* Borrowed: protobuf-c's string fields are char * but packing only
     * reads them. */
    err->message = (char *)(message ? message : "");
    err->field = (char *)(field ? field : "");
    env->body_case = TDKT__ENVELOPE__BODY_ERROR;
    env->error = err;
    return 0;
}

const char *wire_error_name(int code)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&tdkt__error_code__descriptor, code);

    if (!v)
        return "UNKNOWN";
    /* The schema prefixes every value with ERROR_CODE_ (proto3 style); logs
     * and the CLI show the part a person reads. */
    if (strncmp(v->name, WIRE_ERROR_PREFIX, strlen(WIRE_ERROR_PREFIX)) == 0)
        return v->name + strlen(WIRE_ERROR_PREFIX);
    return v->name;
}

int request_id_generate(uint8_t id[REQUEST_ID_LEN])
{
    if (RAND_bytes(id, REQUEST_ID_LEN) != 1)
        return TDKT_EIO;
    return 0;
}
