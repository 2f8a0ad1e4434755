/* SPDX-License-Identifier: MIT */
/*
 * The rule keys a rule set may give, with their kind and range: the one list
 * of every key a rule reads — the eligibility judge's (eligibility.h
 * documents what each means) and the ballot thresholds that
 * server/ballot/ballot_contest.c reads by contest purpose (docs/ballots.md
 * §2.4). The registry checks every rule set against it (records.c, on the
 * client's file and on the server for every record, file or wire), so a key
 * no rule would read is refused instead of silently ignored. Pure.
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
    /* What a rule set that lacks the key means: NULL when that is a policy
       question (the judge's verdict is POLICY naming the key; a ballot
       contest that relies on it is refused until its opener states
       threshold_pct); otherwise the reading the judge applies, in words,
       with the value below. */
    const char *absent;
    double absent_value;
};

/* The key named name, or NULL when no rule reads it. */
const struct elig_key *elig_key_find(const char *name);

/* The i-th key (0..), NULL past the last: to list them. */
const struct elig_key *elig_key_at(size_t i);

/* 1 when v is a value of kind k, 0 when it is out of its range. */
int elig_key_in_range(enum elig_key_kind k, double v);

/* The range of kind k in words, for a refusal: "a percentage 0 to 100". */
const char *elig_key_range_text(enum elig_key_kind k);

/* "count", "pct", "flag", "month". */
const char *elig_key_kind_name(enum elig_key_kind k);

#endif
