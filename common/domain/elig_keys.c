/* SPDX-License-Identifier: MIT */
/* The rule keys; see elig_keys.h. */
#include "elig_keys.h"

#include <math.h>
#include <string.h>

#include "common/domain/elig_period.h"

#define LAW_PATH "taken as the Law's path (1) when absent"

static const struct elig_key keys[] = {
    {"year.start_month", ELIG_KEY_MONTH, "the calendar year when absent", 1},
    {"ldtt.min_months_recruited", ELIG_KEY_COUNT, NULL, 0},
    {"ldtt.leave_months_min", ELIG_KEY_COUNT, NULL, 0},
    {"ldtt.leave_months_max", ELIG_KEY_COUNT, NULL, 0},
    {"ldtt.discipline_min", ELIG_KEY_COUNT, NULL, 0},
    {"cstdcs.cap_pct", ELIG_KEY_PCT, "no cap when absent", 0},
    {"cstdcs.via_htxsnv", ELIG_KEY_FLAG, LAW_PATH, 1},
    {"cstdcs.via_initiative", ELIG_KEY_FLAG, LAW_PATH, 1},
    {"cstdcs.via_research", ELIG_KEY_FLAG, LAW_PATH, 1},
    {"cstdcs.requires_initiative", ELIG_KEY_FLAG, "no initiative required when absent", 0},
    {"cstd_nganh.years", ELIG_KEY_COUNT, NULL, 0},
    {"cstd_nganh.vote_pct", ELIG_KEY_PCT, "no council vote when absent", 0},
    {"cstd_tq.times", ELIG_KEY_COUNT, NULL, 0},
    {"ttldtt.members_ldtt_pct", ELIG_KEY_PCT, NULL, 0},
    {"ttldtt.member_discipline_min", ELIG_KEY_COUNT, NULL, 0},
    {"ttldxs.members_ldtt_pct", ELIG_KEY_PCT, NULL, 0},
    {"ttldxs.members_completed_pct", ELIG_KEY_PCT, NULL, 0},
    {"ttldxs.cstdcs_min", ELIG_KEY_COUNT, NULL, 0},
    {"ttldxs.quota_pct", ELIG_KEY_PCT, NULL, 0},
    {"htxsnv.requires_exceeding", ELIG_KEY_FLAG, NULL, 0},
    {"exceeding.targets_met_pct", ELIG_KEY_PCT, NULL, 0},
    {"co_nganh.per_cluster", ELIG_KEY_COUNT, NULL, 0},
    /* The judge reads the flag threshold for CO-NGANH; the ballot reads it,
       like the four below, as the threshold of a contest of its purpose,
       and without it the opener must state one. */
    {"vote.flag.threshold_pct", ELIG_KEY_PCT,
     "no cluster vote when absent (a flag ballot must then state its threshold)", 0},
    {"vote.leader.threshold_pct", ELIG_KEY_PCT, NULL, 0},
    {"vote.deputy.threshold_pct", ELIG_KEY_PCT, NULL, 0},
    {"vote.collective_excellent.threshold_pct", ELIG_KEY_PCT, NULL, 0},
    {"vote.collective_advanced.threshold_pct", ELIG_KEY_PCT, NULL, 0},
    {"bk_vt.years", ELIG_KEY_COUNT, NULL, 0},
    {"bk_vt.initiatives", ELIG_KEY_COUNT, NULL, 0},
    {"bk_vt.via_cstdcs", ELIG_KEY_FLAG, LAW_PATH, 1},
    {"bk_vt.via_htxsnv", ELIG_KEY_FLAG, LAW_PATH, 1},
    {"bk_ttg.years", ELIG_KEY_COUNT, NULL, 0},
    {"bk_ttg.cstdcs", ELIG_KEY_COUNT, NULL, 0},
    {"bk_ttg.vote_pct", ELIG_KEY_PCT, NULL, 0},
    {"hcld3.years", ELIG_KEY_COUNT, NULL, 0},
    {"hcld3.cstdcs", ELIG_KEY_COUNT, NULL, 0},
};

const struct elig_key *elig_key_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

const struct elig_key *elig_key_at(size_t i)
{
    return i < sizeof keys / sizeof keys[0] ? &keys[i] : NULL;
}

int elig_key_in_range(enum elig_key_kind k, double v)
{
    if (!isfinite(v) || v < 0)
        return 0;
    switch (k) {
    case ELIG_KEY_PCT:
        return v <= 100;
    case ELIG_KEY_FLAG:
        return v == 0 || v == 1;
    case ELIG_KEY_MONTH:
        return v == floor(v) && v >= 1 && v <= 12;
    case ELIG_KEY_COUNT:
        return v == floor(v) && v <= ELIG_YEAR_MAX;
    }
    return 0;
}

_Static_assert(ELIG_YEAR_MAX == 9999u, "the count's range in words says 9999");

const char *elig_key_range_text(enum elig_key_kind k)
{
    switch (k) {
    case ELIG_KEY_PCT:
        return "a percentage, 0 to 100";
    case ELIG_KEY_FLAG:
        return "a flag, 0 or 1";
    case ELIG_KEY_MONTH:
        return "a month, a whole number 1 to 12";
    case ELIG_KEY_COUNT:
        return "a count, a whole number 0 to 9999";
    }
    return "?";
}

const char *elig_key_kind_name(enum elig_key_kind k)
{
    static const char *const names[] = {"count", "pct", "flag", "month"};

    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}
