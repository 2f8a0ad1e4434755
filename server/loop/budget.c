/* SPDX-License-Identifier: MIT */
/*
 * Budget arithmetic (see budget.h): totals with their peaks, the output
 * budget's hysteresis, the order in which partial frames are refused, and
 * the parsing of a budget given on the command line. Pure.
 */
#include "server/loop/budget.h"

#include <errno.h>
#include <stdlib.h>

#include "common/err.h"

void budget_init(struct budget *b, uint64_t limit)
{
    b->limit = limit;
    b->used = 0;
    b->peak = 0;
    b->over = 0;
    b->released = 0;
}

uint64_t budget_take_released(struct budget *b)
{
    uint64_t r = b->released;
    b->released = 0;
    return r;
}

void budget_charge(struct budget *b, uint64_t was, uint64_t now)
{
    /* A holder never gives back more than it was charged; the clamp only
     * keeps a bookkeeping bug from wrapping the total to 2^64. */
    b->used = b->used >= was ? b->used - was : 0;
    b->used += now;
    if (was > now)
        b->released += was - now;
    if (b->used > b->peak)
        b->peak = b->used;
}

int budget_exceeded(const struct budget *b)
{
    return b->used > b->limit;
}

int budget_update_over(struct budget *b)
{
    uint64_t resume = b->limit / BUDGET_RESUME_DEN * BUDGET_RESUME_NUM;

    if (!b->over && b->used > b->limit) {
        b->over = 1;
        return 1;
    }
    if (b->over && b->used < resume) {
        b->over = 0;
        return -1;
    }
    return 0;
}

int budget_prefer(uint64_t held, uint64_t id, uint64_t best_held, uint64_t best_id)
{
    if (held != best_held)
        return held > best_held;
    return id < best_id;
}

int budget_parse(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    unsigned shift = 0;

    if (!s || *s < '0' || *s > '9')
        return TDKT_EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return TDKT_EINVAL;
    switch (*end) {
    case '\0':
        break;
    case 'K':
    case 'k':
        shift = 10;
        break;
    case 'M':
    case 'm':
        shift = 20;
        break;
    case 'G':
    case 'g':
        shift = 30;
        break;
    default:
        return TDKT_EINVAL;
    }
    if (shift && end[1] != '\0')
        return TDKT_EINVAL;
    if (v > (BUDGET_MAX >> shift))
        return TDKT_EINVAL;
    v <<= shift;
    if (v < BUDGET_MIN)
        return TDKT_EINVAL;
    *out = v;
    return 0;
}
