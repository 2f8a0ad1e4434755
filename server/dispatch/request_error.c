/* SPDX-License-Identifier: MIT */
/*
 * A request's refusal (request_error.h): filled from a TDKT_E* code, cut on
 * a character boundary, and packed as an Error frame.
 */
#include "server/dispatch/request_error.h"

#include <stdarg.h>
#include <stdio.h>

#include "common/err.h"
#include "common/wire/envelope.h"
#include "common/wire/frame.h"
#include "common/wire/utf8.h"

void request_error_set(struct request_error *err, int tdkt_err, const char *field, const char *fmt,
                       ...)
{
    va_list ap;
    err->code = tdkt_err_to_wire(tdkt_err);
    /* Messages quote what clients sent: cut on a character boundary. */
    utf8_format(err->field, sizeof err->field, "%s", field ? field : "");
    va_start(ap, fmt);
    utf8_vformat(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

int request_error_frame(const uint8_t *request_id, uint32_t version,
                        const struct request_error *err, uint8_t **frame, size_t *len)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT;
    Tdkt__Error e = TDKT__ERROR__INIT;
    uint8_t zero_id[16] = {0};

    env.version = version ? version : PROTOCOL_VERSION;
    env.request_id.data = (uint8_t *)(request_id ? request_id : zero_id);
    env.request_id.len = 16;
    e.code = (Tdkt__ErrorCode)err->code;
    e.message = (char *)err->message;
    e.field = (char *)err->field;
    env.body_case = TDKT__ENVELOPE__BODY_ERROR;
    env.error = &e;
    return envelope_encode_reply(&env, FRAME_MAX_AUTHED, frame, len);
}
