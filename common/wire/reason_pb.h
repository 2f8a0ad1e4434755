/* SPDX-License-Identifier: MIT */
/*
 * A reason (common/text/reason.h) on the wire: proto Reason. reason_pb_init
 * borrows the reason's strings into a message to pack, reason_from_pb copies
 * a received one back. The detail of a verdict (its reason and cause) is
 * also kept as one packed ProposalVerdict with only those two fields set, so
 * the server's table and its replay store the same bytes. Pure: no I/O.
 */
#ifndef TDKT_COMMON_WIRE_REASON_PB_H
#define TDKT_COMMON_WIRE_REASON_PB_H

#include <stddef.h>
#include <stdint.h>

#include "common/text/reason.h"
#include "proto/tdkt.pb-c.h"

/* A Reason message borrowing the strings of one struct reason. */
struct reason_pb {
    Tdkt__Reason msg;
    char *argv[REASON_ARGS];
};

/* Point pb at r's template and values; NULL when r has no template (the
 * field is then left out). r must outlive the message. */
Tdkt__Reason *reason_pb_init(struct reason_pb *pb, const struct reason *r);

/* Copy m (NULL: none) into r, with text as its English sentence. Values
 * past REASON_ARGS, or a template or value too long, leave r with the text
 * only. */
void reason_from_pb(struct reason *r, const Tdkt__Reason *m, const char *text);

/* v's reason in the reader's language (common/text/i18n.h), its cause in
 * place; v's English why when it carries no reason. */
void reason_pb_verdict_text(const Tdkt__ProposalVerdict *v, char *out, size_t cap);

/* Pack v's reason and cause alone into *out (malloc'd, the caller frees);
 * *out is NULL and *len 0 when v has neither. 0 or TDKT_ENOMEM. */
int reason_pb_pack_detail(const Tdkt__ProposalVerdict *v, uint8_t **out, size_t *len);

/* Unpack what reason_pb_pack_detail wrote into v's reason and cause (which
 * must be NULL; they are malloc'd and freed with v by free_unpacked). A
 * NULL or empty buf sets nothing. 0, or TDKT_EPROTO for bytes that are not
 * such a detail. */
int reason_pb_unpack_detail(const uint8_t *buf, size_t len, Tdkt__ProposalVerdict *v);

#endif
