/* SPDX-License-Identifier: MIT */
/*
 * The benchmarks' clock, percentiles and option parsing (bench_util.h).
 */
#include "bench_util.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "common/err.h"

int64_t bench_mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int bench_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

void bench_sort_us(uint32_t *samples, size_t n)
{
    qsort(samples, n, sizeof *samples, bench_cmp_u32);
}

double bench_pct_ms(const uint32_t *sorted, size_t n, double p)
{
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);

    if (n == 0)
        return 0;
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1] / 1000.0;
}

int bench_parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return TDKT_EINVAL;
    *out = (int)v;
    return 0;
}
