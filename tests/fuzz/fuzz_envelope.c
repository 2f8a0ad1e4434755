/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for envelope_decode, the gate every received frame
 * passes. Whatever it accepts must hold the promises of envelope.h and must
 * survive being encoded and decoded again unchanged in meaning.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/wire/envelope.h"
#include "common/wire/frame.h"
#include "common/wire/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Tdkt__Envelope *env = NULL, *again = NULL;
    char why[ENVELOPE_WHY_MAX];
    const char *field;
    uint8_t *buf = NULL;
    size_t n;
    int rc;

    (void)utf8_validate(data, size);

    rc = envelope_decode(data, size, &env, why, sizeof(why), &field);
    if (rc < 0) {
        if (env || (rc != TDKT_EPROTO && rc != TDKT_EINVAL && rc != TDKT_ENOMEM))
            abort();
        if (why[0] == '\0' || strlen(why) >= sizeof(why))
            abort();
        return 0;
    }
    if (env->body_case == TDKT__ENVELOPE__BODY__NOT_SET || env->request_id.len != REQUEST_ID_LEN)
        abort();

    /* A server echoes parts of what it received; what it sends back must
     * pass the same gate on the client. */
    if (envelope_encode_frame(env, SIZE_MAX, &buf, &n) != 0)
        abort();
    if (envelope_decode(buf + FRAME_HEADER_LEN, n - FRAME_HEADER_LEN, &again, why, sizeof(why),
                        &field) != 0)
        abort();
    if (again->body_case != env->body_case || again->version != env->version ||
        memcmp(again->request_id.data, env->request_id.data, REQUEST_ID_LEN) != 0)
        abort();

    envelope_free(again);
    free(buf);
    envelope_free(env);
    return 0;
}
