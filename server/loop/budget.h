/* SPDX-License-Identifier: MIT */
/*
 * Daemon-wide memory budgets (issue 13). Each connection is bounded on its
 * own (a frame is at most 1 MiB, reading pauses above CONN_OUT_HIGH unsent),
 * but nothing bounded the sum: 200 connections each holding 1 MiB - 1 of a
 * frame took the daemon from 16 to 231 MB. Two budgets bound it:
 *
 *   input   bytes the connections hold for frames not yet complete: each
 *           decoder's body buffer and the staged plaintext (conn.c,
 *           conn_input_held). Over the budget, the largest partial frames
 *           are refused (Error BUSY, zero request id) and their connections
 *           closed, until the total is back within it (server.c).
 *   output  reply bytes handed to the socket and not yet written (the sum of
 *           every conn's out_pending). Over the budget, every connection with
 *           replies still unsent stops reading until its replies are written
 *           or the total falls below BUDGET_RESUME_NUM/BUDGET_RESUME_DEN of
 *           the budget (conn.c, CONN_BP_BUDGET).
 *
 * This module is the arithmetic only: totals, peaks, the output budget's
 * hysteresis, which partial frame goes first, and the parsing of the
 * `tdktd serve --input-budget / --output-budget` values (docs/admin.md
 * §4.1). No I/O, no clock, no allocation.
 */
#ifndef TDKT_SERVER_LOOP_BUDGET_H
#define TDKT_SERVER_LOOP_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#define BUDGET_INPUT_DEFAULT  (256ull * 1024u * 1024u) /* --input-budget */
#define BUDGET_OUTPUT_DEFAULT (256ull * 1024u * 1024u) /* --output-budget */
/* Smallest budget accepted: two largest frames (FRAME_MAX_AUTHED), so that
 * one complete frame always fits beside the staging buffers. */
#define BUDGET_MIN (2ull * 1024u * 1024u)
#define BUDGET_MAX (1ull << 40) /* 1 TiB: beyond any machine this runs on */
/* The output budget stops counting as exceeded once unsent output is below
 * 3/4 of it: a pause lasts until a good part of the backlog is written, not
 * until the next write completes. */
#define BUDGET_RESUME_NUM 3
#define BUDGET_RESUME_DEN 4

struct budget {
    uint64_t limit;
    uint64_t used;
    uint64_t peak;     /* highest used so far */
    uint64_t released; /* bytes given back since budget_take_released */
    int over;          /* hysteresis state: see budget_update_over */
};

void budget_init(struct budget *b, uint64_t limit);
/* One holder's share changed from was to now bytes. */
void budget_charge(struct budget *b, uint64_t was, uint64_t now);
/* The bytes given back since the last call, and start counting again (the
 * server returns freed heap memory to the system after enough of it). */
uint64_t budget_take_released(struct budget *b);
/* 1 if more than limit bytes are held. */
int budget_exceeded(const struct budget *b);
/* Update `over` with hysteresis: set when used > limit, cleared when used <
 * limit * BUDGET_RESUME_NUM / BUDGET_RESUME_DEN. Returns 1 when it was just
 * set, -1 when just cleared, 0 when unchanged. */
int budget_update_over(struct budget *b);
/* Which partial frame is refused first over the input budget: 1 if a holder
 * of held bytes, connection id, goes before the current choice (best_held,
 * best_id): the largest first, and of equal ones the oldest (lower id). */
int budget_prefer(uint64_t held, uint64_t id, uint64_t best_held, uint64_t best_id);
/* Parse a budget: a whole number of bytes, optionally followed by K, M or G
 * (KiB, MiB, GiB). 0 and *out within [BUDGET_MIN, BUDGET_MAX], or
 * TDKT_EINVAL. */
int budget_parse(const char *s, uint64_t *out);

#endif
