/* SPDX-License-Identifier: MIT */
/*
 * The local copy of the registry in the store (store.h): units (with their
 * revocation), persons, periods, clusters with their members, criteria
 * sheets and rule sets, as pulled from the server's registry entries
 * (store_apply_entry). The reads answer what the office needs offline:
 * whose results are its own, which person a name means, the state of a
 * period, the rule value in force for a year. The copy is never edited here;
 * the server's registry is the authority.
 */
#ifndef TDKT_CLIENT_LIB_STORE_REGISTRY_H
#define TDKT_CLIENT_LIB_STORE_REGISTRY_H

#include <stdint.h>

#include "client/lib/store.h"
#include "common/domain/records.h"

/*
 * Resolve a person named by text (an id, or an NFC name) among the persons
 * whose unit lies in unit's subtree, from the local registry copy: 0 with
 * id, TDKT_ENOTFOUND, or TDKT_EEXIST when the name matches several persons.
 */
/* What `tdkt registry list` lists from the registry copy. */
enum store_reg_kind { STORE_REG_UNITS, STORE_REG_PERSONS, STORE_REG_CLUSTERS };

/* Filters; each NULL / 0 filters nothing. name matches when its matching
 * key (common/text/fold.h: case, tone marks and đ ignored, NFC) is within
 * the name's. unit: the unit and the units below it (for persons, theirs;
 * for clusters, those with it as a member). cluster with year: members of
 * that cluster that year. */
struct store_reg_filter {
    uint32_t year;
    const char *cluster, *unit, *name;
};

/* One row: units: id = code, name, parent in unit, kind; persons: id, name,
 * unit; clusters: id = code, name, year, members (space-separated) in
 * extra. Borrowed for the call only. */
struct store_reg_row {
    const char *id, *name, *unit, *extra;
    uint32_t year;
};

/* Call fn for each row of kind that passes f, ordered by name (clusters by
 * year and code); fn's non-zero return stops the walk and is returned.
 * 0, TDKT_EINVAL (a name that cannot be folded) or < 0. */
int store_registry_list(struct store *s, enum store_reg_kind kind, const struct store_reg_filter *f,
                        int (*fn)(void *arg, const struct store_reg_row *r), void *arg);

/* A person as a person names them: text is an id, or a name compared by
 * its matching key (case, tone marks ignored). Fills found[0..max) with
 * the ids, names and units of the persons it names and *n with how many
 * there are in all: the one with that id; else those whose name is text;
 * else those whose name contains it. 0 or < 0. */
struct store_person_match {
    char id[RECORD_CODE_MAX + 1], name[RECORD_NAME_MAX + 1], unit[RECORD_CODE_MAX + 1];
};
int store_person_find(struct store *s, const char *text, struct store_person_match *found,
                      size_t max, size_t *n);

/* The registered name of person (when set and non-empty) or else of unit,
 * into out (cap bytes); "" when the registry copy does not have it. 0 or < 0. */
int store_subject_name(struct store *s, const char *person, const char *unit, char *out,
                       size_t cap);
int store_person_resolve(struct store *s, const char *unit, const char *text, char id[65]);
/* Local registry figures for `tdkt registry show`: counts per table. */
int store_registry_counts(struct store *s, uint64_t *units, uint64_t *persons, uint64_t *clusters,
                          uint64_t *periods);
/* 1 when unit's results are this office's own (the unit itself, or a
 * division whose nearest non-division ancestor is this office:
 * unit_tree_owner over the local registry copy, as the server judges it),
 * and while the store does not know its unit yet; else 0. */
int store_unit_owned(struct store *s, const char *unit);
/* 1 if unit is ancestor or below it in the local registry copy, else 0. */
int store_unit_within(struct store *s, const char *unit, const char *ancestor);
/* The period state of year in the local copy; TDKT_ENOTFOUND. */
int store_period_state(struct store *s, uint32_t year, int *state);

/* The value of a rule for a year from the local copy of the rule sets (the
 * set in force on 31 December), as the server's catalog_rule_value. */
int store_rule_value(struct store *s, uint32_t year, const char *key, double *value,
                     char ruleset[65]);

#endif
