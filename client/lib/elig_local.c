/* SPDX-License-Identifier: MIT */
/*
 * The eligibility preview (see elig_local.h): the dossier judged by
 * facts_judge_dossier over the store's reader (store_facts.c) under the
 * rule set in force in the store's copy of the registry.
 */
#include "client/lib/elig_local.h"

#include <stdio.h>

#include "client/lib/store_facts.h"
#include "client/lib/store_registry.h"
#include "common/domain/facts.h"

struct getter {
    struct store *s;
    uint32_t year;
    char ruleset[RECORD_CODE_MAX + 1];
    char last[RECORD_CODE_MAX + 1]; /* the last set consulted, for the caller */
};

static int rule_get(void *arg, const char *key, double *value)
{
    struct getter *g = arg;
    int rc = store_rule_value(g->s, g->year, key, value, g->ruleset);

    if (g->ruleset[0])
        snprintf(g->last, sizeof g->last, "%s", g->ruleset);
    return rc;
}

int elig_local_judge(struct store *s, uint32_t year, Tdkt__Proposal *const *props, size_t n,
                     struct elig_verdict *out, char ruleset[RECORD_CODE_MAX + 1], size_t *failed)
{
    struct facts_reader rd;
    struct getter g = {s, year, "", ""};
    struct elig_rules rules = {rule_get, &g};
    int rc;

    store_facts_reader(s, &rd);
    rc = facts_judge_dossier(&rd, &rules, year, props, n, out, NULL, NULL, failed);
    snprintf(ruleset, RECORD_CODE_MAX + 1, "%s", g.last);
    return rc;
}
