/* SPDX-License-Identifier: MIT */
/*
 * The RegistryPut request (the central office's registry records: units,
 * persons, periods, clusters, criteria, rule sets): its entry in the request
 * table and its handlers. The records' rules are registry_record_validate
 * and catalog_apply (server/registry/catalog.c).
 */
#include "server/dispatch/request_types.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "server/registry/catalog.h"

/* Registry and results bodies are normalised in place: env was unpacked by
 * protobuf-c with the default allocator and belongs to the conn, which frees
 * it after prepare; replacing a string with a malloc'd NFC copy is safe. */
static int registry_prepare_put(struct request *r, const Tdkt__Envelope *env, struct fault *err)
{
    Tdkt__RegistryPut *m = env->registry_put;
    struct fault f;
    int rc;

    if (m->n_records == 0 || m->n_records > REGISTRY_BATCH_MAX) {
        fault_set(err, TDKT_EINVAL, "registry_put.records",
                  "a registry batch holds 1 to %d records, not %zu", REGISTRY_BATCH_MAX,
                  m->n_records);
        return TDKT_EINVAL;
    }
    for (size_t i = 0; i < m->n_records; i++)
        if ((rc = registry_record_check(m->records[i], &f)) < 0)
            return request_refuse_record(err, rc, "registry_put.records", i, &f);
    return request_keep_body(r, &m->base, err);
}

static int registry_run_put(struct request *r, struct ledger *l, int64_t now)
{
    Tdkt__RegistryPut *m;
    struct fault f;
    char prefix[48];
    int64_t t = now;
    int rc = 0, appended;

    m = (Tdkt__RegistryPut *)request_body_unpack(r, &tdkt__registry_put__descriptor);
    if (!m)
        return TDKT_ENOMEM;
    for (size_t i = 0; i < m->n_records; i++) {
        memset(&f, 0, sizeof f);
        rc = catalog_apply(l, t, r->unit.code, m->records[i], &appended, &f);
        if (rc < 0) {
            snprintf(prefix, sizeof prefix, "registry_put.records[%zu]", i);
            request_fault(r, rc, prefix, &f);
            break;
        }
        if (appended) {
            if (!r->rcpt.first_seq)
                ledger_head(l, &r->rcpt.first_seq, NULL);
            r->rcpt.appended++;
        } else {
            r->rcpt.unchanged++;
        }
    }
    tdkt__registry_put__free_unpacked(m, NULL);
    if (rc < 0)
        return rc;
    return 0;
}

const struct request_type registry_req_put = {
    .name = "registry_put",
    .body_case = TDKT__ENVELOPE__BODY_REGISTRY_PUT,
    .kind = REQUEST_REGISTRY_PUT,
    .write = 1,
    .central_only = "maintains the registry",
    .prepare = registry_prepare_put,
    .run = registry_run_put,
};
