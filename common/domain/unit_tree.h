/* SPDX-License-Identifier: MIT */
/*
 * The tree of units: which unit's results are whose, and whether a unit lies
 * below another. Both sides walk the same tree, the server over its ledger
 * (server/registry/catalog.c) and an office over its copy of the registry
 * (client/lib/store_registry.c), so an office's preview of whose results it
 * writes is the server's verdict. The walk reads units through a callback
 * and does no I/O of its own.
 */
#ifndef TDKT_COMMON_DOMAIN_UNIT_TREE_H
#define TDKT_COMMON_DOMAIN_UNIT_TREE_H

#include "common/domain/records.h"

/* Levels of units below the top. A walk that climbs more is a cycle: the
 * server refuses to make one, so it means a damaged registry. */
#define UNIT_TREE_DEPTH_MAX 16

/* What a walk reads of one unit. */
struct unit_link {
    char parent[RECORD_CODE_MAX + 1]; /* "" at the top */
    int kind;                         /* Tdkt__UnitKind; 0 when not stated */
};

/* Read unit code into *out: 0, TDKT_ENOTFOUND, or another negative code. */
typedef int (*unit_tree_get_fn)(void *arg, const char *code, struct unit_link *out);

/*
 * The office a unit belongs to: the unit itself, or for a division
 * (UNIT_KIND_DIVISION) the nearest ancestor that is not one. This office is
 * the only one that writes the unit's results. 0 with owner; the reader's
 * error (TDKT_ENOTFOUND for a unit not registered); TDKT_ECORRUPT for a
 * chain deeper than UNIT_TREE_DEPTH_MAX.
 */
int unit_tree_owner(unit_tree_get_fn get, void *arg, const char *unit,
                    char owner[RECORD_CODE_MAX + 1]);

/* 1 if unit is ancestor or lies below it, 0 if not (a unit not registered
 * lies below nothing), or the reader's negative error. */
int unit_tree_within(unit_tree_get_fn get, void *arg, const char *unit, const char *ancestor);

#endif
