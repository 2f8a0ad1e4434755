/* SPDX-License-Identifier: MIT */
/*
 * The handshake's protocol part (docs/protocol.md §6.2): which version a
 * Hello leaves in common, what a plain-TCP Hello must name, and the Welcome
 * that answers it. The connection (server/loop/conn.c) does the I/O and the
 * unit lookup; this module decides and builds. Pure: no I/O, no clock.
 */
#ifndef TDKT_SERVER_DISPATCH_HELLO_H
#define TDKT_SERVER_DISPATCH_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "proto/tdkt.pb-c.h"
#include "server/dispatch/request_error.h"
#include "server/registry/registry.h"

#define HELLO_LEDGER_KEY_LEN 32 /* the Ed25519 public key sent in the Welcome */

/* The version both speak: the highest of the Hello's range this server
 * speaks. TDKT_EVERSION with err set (field hello.max_version) when none. */
int hello_negotiate(const Tdkt__Hello *h, uint32_t *version, struct fault *err);

/* On the plain-TCP test listener the Hello names its unit: TDKT_EAUTH with
 * err set (field hello.unit_code) when it names none that could be one. */
int hello_plain_unit(const Tdkt__Hello *h, struct fault *err);

/* What the Welcome tells the client besides its unit and version. */
struct hello_welcome {
    unsigned idle_timeout_s;
    const uint8_t *ledger_key; /* HELLO_LEDGER_KEY_LEN bytes, borrowed */
};

/* The Welcome frame (header included) answering the Hello with request_id
 * (REQUEST_ID_LEN bytes), for unit at version. The caller frees *frame. */
int hello_welcome_frame(const struct registry_unit *unit, uint32_t version,
                        const uint8_t *request_id, const struct hello_welcome *w, uint8_t **frame,
                        size_t *len);

#endif
