/* SPDX-License-Identifier: MIT */
/* Hexadecimal encoding and decoding. Pure. */
#include "common/util/hex.h"

#include "common/err.h"

static int hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0F];
    }
    out[2 * n] = '\0';
}

int hex_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
    *out_len = 0;
    if (in_len % 2 != 0)
        return TDKT_EINVAL;
    if (in_len / 2 > out_cap)
        return TDKT_ETOOBIG;
    for (size_t i = 0; i < in_len / 2; i++) {
        int hi = hex_digit_value(in[2 * i]);
        int lo = hex_digit_value(in[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return TDKT_EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = in_len / 2;
    return 0;
}
