/* SPDX-License-Identifier: MIT */
/*
 * The ResultsPut and ResultsGet requests (an office's yearly results): their
 * entries in the request table and their handlers. Who may write or read a
 * unit's results and how revisions are kept is results.c's.
 */
#include "server/dispatch/request_types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util/vec.h"
#include "server/registry/catalog.h"
#include "server/results/results.h"

static int results_prepare_put(struct request *r, const Tdkt__Envelope *env, struct fault *err)
{
    Tdkt__ResultsPut *m = env->results_put;
    struct fault f;
    int rc;

    if (!record_unit_code_valid(m->unit_code)) {
        fault_set(err, TDKT_EINVAL, "results_put.unit_code",
                  "a unit code is 1 to %d characters of A-Z, 0-9, '_', '-'", RECORD_CODE_MAX);
        return TDKT_EINVAL;
    }
    if (!record_year_valid(m->year)) {
        fault_set(err, TDKT_EINVAL, "results_put.year", "year must be %d to %d", RECORD_YEAR_MIN,
                  RECORD_YEAR_MAX);
        return TDKT_EINVAL;
    }
    if (m->n_records == 0 || m->n_records > RESULTS_BATCH_MAX) {
        fault_set(err, TDKT_EINVAL, "results_put.records",
                  "a results batch holds 1 to %d records, not %zu", RESULTS_BATCH_MAX,
                  m->n_records);
        return TDKT_EINVAL;
    }
    for (size_t i = 0; i < m->n_records; i++)
        if ((rc = record_check(m->records[i], &f)) < 0)
            return request_refuse_record(err, rc, "results_put.records", i, &f);
    snprintf(r->unit_code, sizeof r->unit_code, "%s", m->unit_code);
    r->year = m->year;
    return request_keep_body(r, &m->base, err);
}

static int results_run_put(struct request *r, struct ledger *l, int64_t now)
{
    Tdkt__ResultsPut *m;
    struct results_outcome o;
    struct fault f;
    int rc;

    m = (Tdkt__ResultsPut *)request_body_unpack(r, &tdkt__results_put__descriptor);
    if (!m)
        return TDKT_ENOMEM;
    memset(&f, 0, sizeof f);
    rc = results_put(l, now, &r->unit, m->unit_code, m->year, m->records, m->n_records, &o, &f);
    tdkt__results_put__free_unpacked(m, NULL);
    if (rc < 0)
        return request_fault(r, rc, NULL, &f);
    r->rcpt.appended = o.appended;
    r->rcpt.unchanged = o.unchanged;
    r->rcpt.first_seq = o.first_seq;
    return 0;
}

static int results_prepare_get(struct request *r, const Tdkt__Envelope *env, struct fault *err)
{
    const Tdkt__ResultsGet *m = env->results_get;
    if (!record_unit_code_valid(m->unit_code)) {
        fault_set(err, TDKT_EINVAL, "results_get.unit_code", "not a unit code");
        return TDKT_EINVAL;
    }
    if (!record_year_valid(m->year)) {
        fault_set(err, TDKT_EINVAL, "results_get.year", "year must be %d to %d", RECORD_YEAR_MIN,
                  RECORD_YEAR_MAX);
        return TDKT_EINVAL;
    }
    snprintf(r->unit_code, sizeof r->unit_code, "%s", m->unit_code);
    r->year = m->year;
    r->offset = m->offset;
    return 0;
}

/* May the caller read unit's results? Its own subtree, or everything for the
 * central office. */
static int may_read_unit(struct request *r, struct ledger *l, const char *unit)
{
    int rc;
    char owner[LEDGER_UNIT_MAX + 1];
    if (r->unit.role == REGISTRY_ROLE_CENTRAL)
        return 1;
    rc = catalog_unit_owner(l, unit, owner);
    if (rc < 0)
        return rc;
    return strcmp(owner, r->unit.code) == 0;
}

static int collect_result(void *arg, const struct results_row *row)
{
    struct request *r = arg;
    Tdkt__ResultRecord *rec;

    if (r->reply_bytes + row->record_len > REPLY_BYTES_MAX && r->nrecs > 0) {
        r->more = 1;
        return 1;
    }
    /* The records and their seqs grow together: both to caprecs. */
    size_t cap = r->caprecs;
    if (vec_reserve(&r->recs, &cap, r->nrecs, sizeof *r->recs, 64) < 0 ||
        vec_reserve(&r->rec_seqs, &r->caprecs, r->nrecs, sizeof *r->rec_seqs, 64) < 0)
        return TDKT_ENOMEM;
    rec = tdkt__result_record__unpack(NULL, row->record_len, row->record);
    if (!rec)
        return TDKT_ECORRUPT;
    r->recs[r->nrecs] = rec;
    r->rec_seqs[r->nrecs] = row->seq;
    r->nrecs++;
    r->reply_bytes += row->record_len + 16;
    return 0;
}

static int results_run_get(struct request *r, struct ledger *l, int64_t now)
{
    struct registry_unit u;
    int rc = registry_unit_get(l, r->unit_code, &u);

    if (rc == TDKT_ENOTFOUND) {
        fault_set(&r->err, rc, "results_get.unit_code", "unit '%s' is not registered",
                  r->unit_code);
        return rc;
    }
    if (rc < 0)
        goto fail;
    rc = may_read_unit(r, l, r->unit_code);
    if (rc < 0)
        goto fail;
    if (rc == 0) {
        fault_set(&r->err, TDKT_EPERM, "results_get.unit_code",
                  "unit '%s' may read only its own results and its divisions'; '%s' is "
                  "neither",
                  r->unit.code, r->unit_code);
        return TDKT_EPERM;
    }
    rc = results_each(l, r->unit_code, r->year, r->offset, collect_result, r);
    if (rc < 0)
        goto fail;
    r->next_offset = r->offset + (uint32_t)r->nrecs;
    return 0;
fail:
    fault_set(&r->err, rc, NULL, "cannot read results: %s", tdkt_strerror(rc));
    return rc;
}

static void results_reply_get(struct request *r, struct request_scratch *s, Tdkt__Envelope *env)
{
    Tdkt__ResultsReply *rr = &s->results;
    tdkt__results_reply__init(rr);
    rr->unit_code = r->unit_code;
    rr->year = r->year;
    rr->records = r->recs;
    rr->n_records = r->nrecs;
    rr->seqs = r->rec_seqs;
    rr->n_seqs = r->nrecs;
    rr->more = r->more;
    rr->next_offset = r->next_offset;
    env->body_case = TDKT__ENVELOPE__BODY_RESULTS_REPLY;
    env->results_reply = rr;
}

const struct request_type results_req_put = {
    .name = "results_put",
    .body_case = TDKT__ENVELOPE__BODY_RESULTS_PUT,
    .kind = REQUEST_RESULTS_PUT,
    .write = 1,
    .prepare = results_prepare_put,
    .run = results_run_put,
};

const struct request_type results_req_get = {
    .name = "results_get",
    .body_case = TDKT__ENVELOPE__BODY_RESULTS_GET,
    .kind = REQUEST_RESULTS_GET,
    .prepare = results_prepare_get,
    .run = results_run_get,
    .reply = results_reply_get,
};
