/* SPDX-License-Identifier: MIT */
/*
 * A refusal of a request as the client will read it: a struct fault
 * (common/fault.h: the code, the dotted path of the offending field and the
 * sentence as data) packed as an Error frame. Pure: no I/O.
 */
#ifndef TDKT_SERVER_DISPATCH_REQUEST_ERROR_H
#define TDKT_SERVER_DISPATCH_REQUEST_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "common/fault.h"
#include "common/wire/envelope.h"

/* Pack an Error envelope answering request_id (NULL: the zero id) into a
 * frame (header included); the caller frees *frame. */
int request_error_frame(const uint8_t *request_id, uint32_t version, const struct fault *err,
                        uint8_t **frame, size_t *len);

#endif
