/* SPDX-License-Identifier: MIT */
/*
 * Version negotiation, the plain listener's unit and the Welcome (hello.h).
 */
#include "server/dispatch/hello.h"

#include <string.h>

#include "common/err.h"
#include "common/wire/envelope.h"
#include "common/wire/frame.h"
#include "server/ledger/ledger.h"

int hello_negotiate(const Tdkt__Hello *h, uint32_t *version, struct fault *err)
{
    if (h->min_version > PROTOCOL_VERSION || h->max_version < PROTOCOL_VERSION_MIN ||
        h->min_version > h->max_version) {
        fault_set(err, TDKT_EVERSION, "hello.max_version",
                  "client speaks protocol versions %u..%u; this server speaks %u..%u",
                  h->min_version, h->max_version, PROTOCOL_VERSION_MIN, PROTOCOL_VERSION);
        return TDKT_EVERSION;
    }
    *version = h->max_version < PROTOCOL_VERSION ? h->max_version : PROTOCOL_VERSION;
    return 0;
}

int hello_plain_unit(const Tdkt__Hello *h, struct fault *err)
{
    if (!h->unit_code || !*h->unit_code || strlen(h->unit_code) > LEDGER_UNIT_MAX) {
        fault_set(err, TDKT_EAUTH, "hello.unit_code",
                  "this plain-TCP test listener needs hello.unit_code");
        return TDKT_EAUTH;
    }
    return 0;
}

int hello_welcome_frame(const struct registry_unit *unit, uint32_t version,
                        const uint8_t *request_id, const struct hello_welcome *w, uint8_t **frame,
                        size_t *len)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT;
    Tdkt__Welcome wl = TDKT__WELCOME__INIT;
    Tdkt__Unit u = TDKT__UNIT__INIT;

    /* protobuf-c's fields are not const, but packing only reads them. */
    u.code = (char *)unit->code;
    u.name = (char *)unit->name;
    u.role = (Tdkt__Role)unit->role;
    wl.version = version;
    wl.server_name = (char *)"tdktd";
    wl.server_version = (char *)TDKT_VERSION;
    wl.unit = &u;
    wl.max_frame = FRAME_MAX_AUTHED;
    wl.idle_timeout_s = w->idle_timeout_s;
    wl.ledger_key.data = (uint8_t *)w->ledger_key;
    wl.ledger_key.len = HELLO_LEDGER_KEY_LEN;
    env.version = version;
    env.request_id.data = (uint8_t *)request_id;
    env.request_id.len = REQUEST_ID_LEN;
    env.body_case = TDKT__ENVELOPE__BODY_WELCOME;
    env.welcome = &wl;
    /* The Welcome is the last frame under the pre-authentication limit. */
    return envelope_encode_reply(&env, FRAME_MAX_PREAUTH, frame, len);
}
