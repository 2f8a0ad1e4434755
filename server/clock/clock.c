/* SPDX-License-Identifier: MIT */
/*
 * The daemon's wall clock and its test offset file (clock.h).
 */
#include "server/clock/clock.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/log.h"

/* Set once before any thread reads the clock; "" when no offset file is used. */
static char test_file[PATH_MAX];

int clock_set_test_file(const char *path)
{
    if (!path) {
        test_file[0] = '\0';
        return 0;
    }
    if (strlen(path) >= sizeof test_file)
        return TDKT_EINVAL;
    memcpy(test_file, path, strlen(path) + 1);
    return 0;
}

/* The offset in the test file, in seconds; 0 when it is missing or bad. */
static int64_t test_offset_s(void)
{
    char buf[32], *end;
    FILE *f = fopen(test_file, "r");
    size_t n;

    if (!f)
        return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    while (*end == ' ' || *end == '\n' || *end == '\t' || *end == '\r')
        end++;
    if (end == buf || *end != '\0' || errno != 0 || v > CLOCK_TEST_OFFSET_MAX_S ||
        v < -CLOCK_TEST_OFFSET_MAX_S) {
        log_warn("test clock file %s does not hold seconds from -%lld to %lld; using 0", test_file,
                 CLOCK_TEST_OFFSET_MAX_S, CLOCK_TEST_OFFSET_MAX_S);
        return 0;
    }
    return (int64_t)v;
}

int64_t clock_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (test_file[0])
        ms += test_offset_s() * 1000;
    return ms;
}
