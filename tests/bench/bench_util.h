/* SPDX-License-Identifier: MIT */
/*
 * What the three benchmark programs (tdkt_bench.c, sqlite_ref.c,
 * pingpong.c) share, so that scripts/bench compares figures computed the
 * same way: a monotonic clock in microseconds, latency percentiles over
 * samples in microseconds, and the parsing of whole-number options. No
 * state and no allocation: the caller owns every buffer.
 */
#ifndef TDKT_TESTS_BENCH_UTIL_H
#define TDKT_TESTS_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Microseconds on the monotonic clock. */
int64_t bench_mono_us(void);
/* Sort n latency samples (microseconds) in place, smallest first. */
void bench_sort_us(uint32_t *samples, size_t n);
/* The p-th percentile (nearest rank) of n sorted samples, in milliseconds;
 * 0 when there are none. */
double bench_pct_ms(const uint32_t *sorted, size_t n, double p);
/* s as a whole number in lo..hi into *out: 0, or TDKT_EINVAL (and *out
 * untouched) for anything else. */
int bench_parse_int(const char *s, int lo, int hi, int *out);

#endif
