/* SPDX-License-Identifier: MIT */
/*
 * The one shape of an error's detail, on both sides of the wire: the
 * TDKT_E* code a program acts on, the dotted path of the field at fault and
 * the sentence for a person kept as data (common/text/reason.h), so the
 * person reads it in their own language. A record module refusing a record,
 * dispatch refusing a request and the client reading the server's Error all
 * fill one (record modules and dispatch with fault_set; the client from the
 * Error, client/lib/client.c), and the Error on the wire carries all of it
 * (proto Error: code, field, message = why.text, reason).
 *
 * wire is the ErrorCode sent or received when it says more than code does
 * (UNKNOWN_UNIT, UNEXPECTED_MESSAGE); 0 means "the one code maps to"
 * (fault_wire). Pure: no allocation, no I/O.
 */
#ifndef TDKT_COMMON_FAULT_H
#define TDKT_COMMON_FAULT_H

#include <stddef.h>

#include "common/text/reason.h"

#define FAULT_FIELD_MAX 96 /* = ENVELOPE_PATH_MAX: a field path the server sends */

struct fault {
    int code;                    /* TDKT_E*; 0 when nothing failed */
    int wire;                    /* TDKT__ERROR_CODE__*, or 0: the one code maps to */
    char field[FAULT_FIELD_MAX]; /* dotted path, "" when none */
    struct reason why;           /* why.text: the English sentence */
};

/* Fill f (NULL: nothing) with code, field (NULL: none) and a sentence of the
 * catalogue with its values; returns code, so a refusal is one statement:
 * `return fault_set(f, TDKT_EINVAL, "unit.code", "...", ...);`. Fields and
 * values quoting what a client sent are cut on a character boundary. */
int fault_set(struct fault *f, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The same, with a wire code that says more than code (see above). */
int fault_set_wire(struct fault *f, int code, int wire, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* dst = src's sentence with code and field (NULL: none) in place of its
 * own: a refusal passed on with the path of the record it came from. A src
 * with no sentence gets the code's text. dst may be src. Returns code. */
int fault_move(struct fault *dst, const struct fault *src, int code, const char *field);

/* 1 when f holds a failure, 0 when it is clear. */
int fault_is_set(const struct fault *f);

/* The ErrorCode to send for f. */
int fault_wire(const struct fault *f);

#endif
