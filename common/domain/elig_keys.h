/* SPDX-License-Identifier: MIT */
/*
 * The rule keys a rule set may give, with their kind and range: the one list
 * the eligibility judge reads (eligibility.h documents what each key means)
 * and the registry checks a rule set against on import (records.c), so a key
 * the judge would never read is refused instead of silently ignored. Pure.
 *
 * Kinds: a count is a whole number 0..ELIG_YEAR_MAX, a pct 0..100, a flag 0
 * or 1, a month a whole number 1..12.
 */
#ifndef TDKT_COMMON_DOMAIN_ELIG_KEYS_H
#define TDKT_COMMON_DOMAIN_ELIG_KEYS_H

#include <stddef.h>

enum elig_key_kind { ELIG_KEY_COUNT, ELIG_KEY_PCT, ELIG_KEY_FLAG, ELIG_KEY_MONTH };

struct elig_key {
    const char *name; /* "ttldxs.quota_pct" */
    enum elig_key_kind kind;
    /* What the judge does when a rule set lacks the key: NULL when that is a
       policy question (the verdict is POLICY naming the key); otherwise the
       reading it applies, in words, with the value below. */
    const char *absent;
    double absent_value;
};

/* The key named name, or NULL when no rule reads it. */
const struct elig_key *elig_key_find(const char *name);

/* The i-th key (0..), NULL past the last: to list them. */
const struct elig_key *elig_key_at(size_t i);

/* 1 when v is a value of kind k, 0 when it is out of its range. */
int elig_key_in_range(enum elig_key_kind k, double v);

/* "count", "pct", "flag", "month". */
const char *elig_key_kind_name(enum elig_key_kind k);

#endif
