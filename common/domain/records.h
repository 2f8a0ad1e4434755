/* SPDX-License-Identifier: MIT */
/*
 * Result and registry records: the pure rules both sides apply before a
 * record is stored (docs/results.md). No I/O, no allocation except where a
 * function says so. The server runs these in request_prepare(); the client
 * runs them on import so a bad file is refused before it reaches the outbox.
 *
 * What needs the ledger (does the person exist, is the period open, is the
 * criterion on the sheet) is not here: the server checks it in the database
 * thread, the client against its local copy of the registry.
 *
 * Text: every name a record carries is normalised to NFC in place by
 * records_normalise() (which may replace char* fields it owns with new
 * malloc'd strings: call it only on messages unpacked by protobuf-c, whose
 * free_unpacked frees them with the default allocator, or built by the
 * caller with malloc'd strings).
 */
#ifndef TDKT_COMMON_DOMAIN_RECORDS_H
#define TDKT_COMMON_DOMAIN_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "common/fault.h"
#include "proto/tdkt.pb-c.h"

#define RECORD_CODE_MAX     64  /* bytes in a code: [A-Za-z0-9_.-] */
#define RECORD_NAME_MAX     512 /* bytes in a name or title */
#define RECORD_KEY_MAX      (2 * RECORD_CODE_MAX + 8)
#define RECORD_AUTHORS_MAX  32
#define RECORD_YEAR_MIN     2000
#define RECORD_YEAR_MAX     2100
#define RECORD_VALUE_MAX    1e12 /* planned, achieved, points */
#define RECORD_COUNT_MAX    1000000000ull
#define RESULTS_BATCH_MAX   20000 /* records in one ResultsPut */
#define REGISTRY_BATCH_MAX  5000  /* records in one RegistryPut */
#define CLUSTER_MEMBERS_MAX 64
#define COUNCIL_MEMBERS_MAX 64 /* persons on one year's Council */
#define CRITERIA_MAX        100
#define RULE_VALUES_MAX     128             /* values in one rule set */
#define RULE_KEY_MAX        64              /* bytes in a rule key: [a-z0-9_.] */
#define RECORD_FIELD_MAX    FAULT_FIELD_MAX /* dotted path of an offending field */

/* Key tasks in a unit's plan for a year (TaskPlan.planned: 1 to this). */
#define RECORD_PLAN_TASKS_MAX 10000u

/* A record module refuses with fault_set (common/fault.h): the field path
 * relative to the record ("target.planned") and a sentence. */

/* One enum value and its spellings: the code used in files and reports and
 * the Vietnamese label. Tables end with a NULL code. */
struct record_label {
    int value;
    const char *code;
    const char *vi;
};

extern const struct record_label record_ratings[];      /* Tdkt__Rating */
extern const struct record_label record_titles[];       /* Tdkt__Title */
extern const struct record_label record_scopes[];       /* Tdkt__Scope */
extern const struct record_label record_disciplines[];  /* Tdkt__Discipline */
extern const struct record_label record_task_origins[]; /* Tdkt__TaskOrigin */
extern const struct record_label record_unit_kinds[];   /* Tdkt__UnitKind */
extern const struct record_label record_cluster_kinds[];
extern const struct record_label record_period_states[];
extern const struct record_label record_council_roles[]; /* Tdkt__CouncilRole */

/* The label for value, or NULL. */
const struct record_label *record_label_of(const struct record_label *table, int value);

/* "target", "task", ... for a record's item; NULL when none is set. */
const char *record_kind_name(const Tdkt__ResultRecord *r);
/* The record's key within (unit, year, kind), written to key (RECORD_KEY_MAX
 * + 1 bytes). TDKT_EINVAL when the record has no item. */
int record_key(const Tdkt__ResultRecord *r, char key[RECORD_KEY_MAX + 1]);

/* Target status: 1 exceeded, 0 met, -1 missed. */
int record_target_status(const Tdkt__Target *t);
const char *record_target_status_name(int status); /* "exceeded", "met", "missed" */

/* Syntax checks. */
int record_code_valid(const char *s);      /* 1..RECORD_CODE_MAX of [A-Za-z0-9_.-] */
int record_unit_code_valid(const char *s); /* 1..64 of [A-Z0-9_-] */
/* The refusals of the two, for record_fail: RECORD_CODE_RULE takes what the
 * code was meant to be ("a ballot id"). */
#define RECORD_CODE_RULE      "not %s: an id is 1 to 64 letters, digits, '_', '.' or '-'"
#define RECORD_UNIT_CODE_RULE "not a unit code: 1 to 64 capital letters, digits, '_' or '-'"
int record_name_valid(const char *s, size_t max); /* 1..max bytes, UTF-8, no controls */
int record_date_valid(const char *s);             /* YYYY-MM-DD, a real calendar date */
int record_year_valid(uint32_t year);

/*
 * Validate one result record's fields (not its references). 0, or TDKT_EINVAL
 * with f filled. Call records_normalise first: a name that is not NFC after
 * it is refused.
 */
int record_validate(const Tdkt__ResultRecord *r, struct fault *f);
/* The same for a registry record. */
int registry_record_validate(const Tdkt__RegistryRecord *r, struct fault *f);

/*
 * Normalise every name of the record to NFC, replacing the strings that
 * change (see the note on ownership above). 0, TDKT_EINVAL for text that is
 * not UTF-8, TDKT_ENOMEM.
 */
int record_normalise(Tdkt__ResultRecord *r);
int registry_record_normalise(Tdkt__RegistryRecord *r);

/*
 * What every side does with a record it is handed: normalise it, then
 * validate it. 0; TDKT_EINVAL with f filled (f->field "" for a name that is
 * not UTF-8); TDKT_ENOMEM.
 */
int record_check(Tdkt__ResultRecord *r, struct fault *f);
int registry_record_check(Tdkt__RegistryRecord *r, struct fault *f);

#endif
