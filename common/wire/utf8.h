/* SPDX-License-Identifier: MIT */
/*
 * Strict UTF-8 validation (RFC 3629, Unicode table 3-7). Every string that
 * crosses the wire is checked here before any module sees it, so the rest of
 * tdkt may assume well-formed text. Rejects overlong forms, UTF-16 surrogates
 * (U+D800..U+DFFF), code points above U+10FFFF and truncated sequences.
 * U+0000 is well-formed UTF-8 and is accepted; callers that store C strings
 * must refuse control characters themselves. Pure: no allocation, no I/O.
 */
#ifndef TDKT_COMMON_WIRE_UTF8_H
#define TDKT_COMMON_WIRE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 0 if s[0..n) is well-formed UTF-8, TDKT_EINVAL otherwise. s may be NULL
 * when n == 0. */
int utf8_validate(const uint8_t *s, size_t n);

#endif
