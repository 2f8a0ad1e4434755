/* SPDX-License-Identifier: MIT */
/*
 * Lowercase hexadecimal text for bytes (request ids, hashes, certificate
 * serials in logs and the CLI) and back. Pure: the caller provides every
 * buffer.
 */
#ifndef TDKT_COMMON_UTIL_HEX_H
#define TDKT_COMMON_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Characters hex_encode writes for n bytes, including the terminating NUL. */
#define HEX_ENCODED_SIZE(n) (2 * (n) + 1)

/* Write 2*n lowercase hex digits and a NUL to out, which must hold
 * HEX_ENCODED_SIZE(n) characters. */
void hex_encode(const uint8_t *in, size_t n, char *out);

/*
 * Decode in[0..in_len) (upper or lower case, no separators) into out.
 * *out_len gets the number of bytes written. TDKT_EINVAL on an odd length or
 * a non-hex character, TDKT_ETOOBIG if out_cap < in_len / 2; out is then
 * unspecified.
 */
int hex_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len);

#endif
