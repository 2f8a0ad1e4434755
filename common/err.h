/* SPDX-License-Identifier: MIT */
/*
 * The one error convention of tdkt. Every function that can fail returns int:
 * 0 on success or a negative TDKT_E* code. TDKT_EAGAIN is not a failure: a
 * parser or non-blocking step needs more input (nginx's NGX_AGAIN). Results go
 * through out-parameters. This module owns the code list, the text of each
 * code and the mapping to and from the wire's ErrorCode (proto/tdkt.proto),
 * all generated from the one table below, so a code added there has its text
 * and both mappings at once. It does no I/O.
 */
#ifndef TDKT_COMMON_ERR_H
#define TDKT_COMMON_ERR_H

#include <stddef.h>

/*
 * X(NAME, value, text, WIRE, primary): TDKT_E<NAME> = value; its text; the
 * ErrorCode the server sends for it (ERROR_CODE_<WIRE>); primary = 1 when a
 * client reading that ErrorCode maps it back to this code (one per wire
 * code; codes that never cross the wire map to INTERNAL, primary 0).
 */
#define TDKT_ERRORS(X)                                                                             \
    X(AGAIN, -1, "need more data", INTERNAL, 0) /* need more input or output space */              \
    X(INVAL, -2, "invalid argument", INVALID_ARGUMENT, 1)                                          \
    X(NOMEM, -3, "out of memory", INTERNAL, 0)                                                     \
    X(TOOBIG, -4, "input exceeds limit", FRAME_TOO_LARGE, 1) /* a named limit */                   \
    X(PROTO, -5, "malformed message", MALFORMED, 1)                                                \
    X(IO, -6, "I/O error", STORAGE, 0) /* operating-system I/O error */                            \
    X(TLS, -7, "TLS error", INTERNAL, 0)                                                           \
    X(AUTH, -8, "authentication failed", UNAUTHENTICATED, 1)                                       \
    X(DB, -9, "database error", STORAGE, 1) /* SQLite returned an error */                         \
    X(CORRUPT, -10, "integrity check failed", INTERNAL, 0)                                         \
    X(NOTFOUND, -11, "not found", NOT_FOUND, 1)                                                    \
    X(EXIST, -12, "already exists", CONFLICT, 0)                                                   \
    X(CLOSED, -13, "connection closed", INTERNAL, 0)                                               \
    X(TIMEDOUT, -14, "timed out", INTERNAL, 0)                                                     \
    X(VERSION, -15, "no common version", UNSUPPORTED_VERSION, 1)                                   \
    X(PERM, -16, "not permitted for this role", FORBIDDEN, 1)                                      \
    X(UNAVAIL, -17, "service unavailable", UNAVAILABLE, 1) /* draining or storage failed */        \
    X(REVOKED, -18, "revoked", REVOKED, 1)                 /* certificate or unit */               \
    X(REUSED, -19, "request id reused for a different request", REQUEST_ID_REUSED, 1)              \
    X(BUSY, -20, "busy", BUSY, 1) /* limit on connections or in-flight work */                     \
    X(PERIOD, -21, "the emulation period is closed", PERIOD_CLOSED, 1)                             \
    X(CONFLICT, -22, "conflicts with the current state", CONFLICT, 1)

/* Wire codes no TDKT_E* is sent as, and the code a client reads them as. */
#define TDKT_WIRE_ALIASES(X)                                                                       \
    X(UNEXPECTED_MESSAGE, PROTO)                                                                   \
    X(UNKNOWN_UNIT, AUTH)

#define TDKT_ERR_ENUM_(name, value, text, wire, primary) TDKT_E##name = (value),
enum tdkt_err { TDKT_OK = 0, TDKT_ERRORS(TDKT_ERR_ENUM_) };
#undef TDKT_ERR_ENUM_

/* Static text for a code, in the reader's language (common/text/i18n.h: the
 * texts above are messages of the catalogue); never NULL. */
const char *tdkt_strerror(int err);
/* The wire ErrorCode (TDKT__ERROR_CODE__*) a client should see for a
 * TDKT_E* code; INTERNAL for codes that are the server's own business. */
int tdkt_err_to_wire(int tdkt_err);
/* The TDKT_E* code a client acts on for a wire ErrorCode; TDKT_EIO for a
 * code this build does not know. */
int tdkt_wire_to_err(int wire_code);

/* Format a sentence for a person into msg (cap bytes, always terminated,
 * cut if longer). A NULL msg or a cap of 0 writes nothing, so a function
 * whose error buffer is optional can call it unconditionally. */
void tdkt_errf(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
