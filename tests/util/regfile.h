/* SPDX-License-Identifier: MIT */
/*
 * The registry import file (docs/registry.md) as its unit tests read it:
 * registry_json_parse into a struct tu_regfile that keeps the status and the
 * message beside the records, and the two outcomes a test expects, a file
 * parsed or refused with an exact message. Nothing here touches a ledger
 * (ledger_fixture.h applies a file to one).
 *
 * The records belong to the caller, who frees them with
 * registry_records_free(p.recs, p.n) (that function is part of what the
 * tests exercise); a refused file leaves none.
 */
#ifndef TDKT_TESTS_REGFILE_H
#define TDKT_TESTS_REGFILE_H

#include <stddef.h>

#include "proto/tdkt.pb-c.h"
#include "testutil.h"

#define TU_REGFILE_ERR 512 /* message capacity, above REGISTRY_JSON_ERR_MIN */

struct tu_regfile {
    Tdkt__RegistryRecord **recs; /* the caller's: registry_records_free */
    size_t n;
    char err[TU_REGFILE_ERR];
    int rc; /* registry_json_parse's result */
};

/* Parse json into *p, whatever the outcome. */
void tu_regfile_parse(struct tu_regfile *p, const char *json);
/* Parse json, which must be accepted; a refusal fails the test with its
 * message. */
void tu_regfile_parse_ok(struct tu_regfile *p, const char *json);
/* json must be refused with rc and exactly msg, leaving no records. */
void tu_regfile_refused(const char *json, int rc, const char *msg);

#endif
