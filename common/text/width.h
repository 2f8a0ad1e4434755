/* SPDX-License-Identifier: MIT */
/*
 * Display width of UTF-8 text in a terminal column count, so that tables line
 * up after Vietnamese names: a precomposed "Đ" or "ờ" is one column, a
 * combining mark none, a wide (CJK) character two. Uses ICU's character
 * properties; it does no I/O beyond text_pad's one stream write.
 */
#ifndef TDKT_COMMON_TEXT_WIDTH_H
#define TDKT_COMMON_TEXT_WIDTH_H

#include <stddef.h>
#include <stdio.h>

/* Columns s takes; an invalid byte counts as one column. */
size_t text_width(const char *s);

/* Write s to f, then spaces up to width columns (nothing when s is wider).
   Returns what fprintf returns. */
int text_pad(FILE *f, const char *s, size_t width);

#endif
