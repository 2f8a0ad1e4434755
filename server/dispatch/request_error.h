/* SPDX-License-Identifier: MIT */
/*
 * A refusal of a request as the client will read it: the wire error code, a
 * sentence a person can act on and the dotted path of the offending field.
 * Every string is cut on a UTF-8 character boundary (common/wire/utf8.h).
 * Pure: no I/O.
 */
#ifndef TDKT_SERVER_DISPATCH_REQUEST_ERROR_H
#define TDKT_SERVER_DISPATCH_REQUEST_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "common/wire/envelope.h"

#define REQUEST_ERR_MSG_MAX 256
#define REQUEST_FIELD_MAX   ENVELOPE_PATH_MAX

struct request_error {
    int code; /* TDKT__ERROR_CODE__* */
    char message[REQUEST_ERR_MSG_MAX];
    char field[REQUEST_FIELD_MAX]; /* dotted path, "" when none */
};

/* Fill err from a TDKT_E* code, a field path (NULL: none) and a sentence. */
void request_error_set(struct request_error *err, int tdkt_err, const char *field, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));
/* Pack an Error envelope answering request_id (NULL: the zero id) into a
 * frame (header included); the caller frees *frame. */
int request_error_frame(const uint8_t *request_id, uint32_t version,
                        const struct request_error *err, uint8_t **frame, size_t *len);

#endif
