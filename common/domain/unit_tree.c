/* SPDX-License-Identifier: MIT */
/* The walks up the tree of units; see unit_tree.h. */
#include "common/domain/unit_tree.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

int unit_tree_owner(unit_tree_get_fn get, void *arg, const char *unit,
                    char owner[RECORD_CODE_MAX + 1])
{
    struct unit_link u;
    int rc;

    snprintf(owner, RECORD_CODE_MAX + 1, "%s", unit);
    for (int depth = 0; depth <= UNIT_TREE_DEPTH_MAX; depth++) {
        rc = get(arg, owner, &u);
        if (rc < 0)
            return rc;
        if (u.kind != TDKT__UNIT_KIND__UNIT_KIND_DIVISION || !u.parent[0])
            return 0;
        snprintf(owner, RECORD_CODE_MAX + 1, "%s", u.parent);
    }
    return TDKT_ECORRUPT;
}

int unit_tree_within(unit_tree_get_fn get, void *arg, const char *unit, const char *ancestor)
{
    char code[RECORD_CODE_MAX + 1];
    struct unit_link u;
    int rc;

    snprintf(code, sizeof code, "%s", unit);
    for (int depth = 0; depth <= UNIT_TREE_DEPTH_MAX; depth++) {
        if (strcmp(code, ancestor) == 0)
            return 1;
        rc = get(arg, code, &u);
        if (rc == TDKT_ENOTFOUND)
            return 0;
        if (rc < 0)
            return rc;
        if (!u.parent[0])
            return 0;
        snprintf(code, sizeof code, "%s", u.parent);
    }
    return 0;
}
