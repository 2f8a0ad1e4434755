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
#include "common/wire/reason_pb.h"
#include "common/wire/utf8.h"

int request_error_frame(const uint8_t *request_id, uint32_t version, const struct fault *err,
                        uint8_t **frame, size_t *len)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT;
    Tdkt__Error e = TDKT__ERROR__INIT;
    uint8_t zero_id[16] = {0};
    struct reason_pb rpb;

    env.version = version ? version : PROTOCOL_VERSION;
    env.request_id.data = (uint8_t *)(request_id ? request_id : zero_id);
    env.request_id.len = 16;
    e.code = (Tdkt__ErrorCode)fault_wire(err);
    e.message = (char *)err->why.text;
    e.field = (char *)err->field;
    e.reason = reason_pb_init(&rpb, &err->why);
    env.body_case = TDKT__ENVELOPE__BODY_ERROR;
    env.error = &e;
    return envelope_encode_reply(&env, FRAME_MAX_AUTHED, frame, len);
}
