/* SPDX-License-Identifier: MIT */
/*
 * Strict UTF-8 validation (RFC 3629, Unicode table 3-7). Every string that
 * crosses the wire is checked here before any module sees it, so the rest of
 * tdkt may assume well-formed text. Rejects overlong forms, UTF-16 surrogates
 * (U+D800..U+DFFF), code points above U+10FFFF and truncated sequences.
 * U+0000 is well-formed UTF-8 and is accepted; callers that store C strings
 * must refuse control characters themselves.
 *
 * What the server writes is text too: a message that quotes a client's
 * string may be cut to fit its buffer, and a cut inside a character would
 * make the whole reply unreadable to a strict protobuf library. utf8_format()
 * and utf8_cut() cut on a character boundary instead. Pure: no allocation,
 * no I/O.
 */
#ifndef TDKT_COMMON_WIRE_UTF8_H
#define TDKT_COMMON_WIRE_UTF8_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* 0 if s[0..n) is well-formed UTF-8, TDKT_EINVAL otherwise. s may be NULL
 * when n == 0. */
int utf8_validate(const uint8_t *s, size_t n);

/* The length of the longest well-formed prefix of s[0..n). */
size_t utf8_valid_prefix(const uint8_t *s, size_t n);

/* Cut the NUL-terminated s at the end of its longest well-formed prefix:
 * a string that snprintf cut inside a character loses the partial one. */
void utf8_cut(char *s);

/* Take out of the NUL-terminated s, in place, every byte that is not part
 * of a well-formed character. A message that quotes text cut with a
 * precision ("'%.40s'"), or a token cut by a library (jansson's "near
 * '...'"), loses the partial character but keeps what follows it. */
void utf8_scrub(char *s);

/* vsnprintf into buf (cap > 0), then utf8_cut: the result always fits and
 * is well-formed when what was formatted was. Returns what vsnprintf did. */
int utf8_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int utf8_format(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* For a buffer of cap >= 4 bytes whose text was cut: end it with "..." after
 * the last whole character that fits. */
void utf8_ellipsize(char *buf, size_t cap);

#endif
