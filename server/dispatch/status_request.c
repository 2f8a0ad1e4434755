/* SPDX-License-Identifier: MIT */
/*
 * The StatusRequest (any unit: the ledger's height and its signed head):
 * its entry in the request table and its handlers.
 */
#include "server/dispatch/request_types.h"

#include <string.h>

#include "common/crypto/sth.h"
#include "common/err.h"

static int status_run(struct request *r, struct ledger *l, int64_t now)
{
    int rc = ledger_head(l, &r->height, NULL);
    if (rc == 0)
        rc = treelog_head(l, now, &r->rcpt.sth);
    if (rc < 0) {
        fault_set(&r->err, rc, NULL, "cannot read the ledger head: %s", tdkt_strerror(rc));
        return rc;
    }
    r->rcpt.has_sth = 1;
    r->rcpt.time_ms = (uint64_t)now; /* the server's time, in the reply */
    memcpy(r->rcpt.hash, r->rcpt.sth.root, LEDGER_HASH_LEN);
    return 0;
}

static void status_reply(struct request *r, struct request_scratch *s, Tdkt__Envelope *env)
{
    Tdkt__StatusReply *sr = &s->status;

    tdkt__status_reply__init(sr);
    tdkt__unit__init(&s->unit);
    tdkt__tree_head__init(&s->head);
    s->unit.code = r->unit.code;
    s->unit.name = r->unit.name;
    s->unit.role = (Tdkt__Role)r->unit.role;
    sr->server_version = (char *)TDKT_VERSION;
    sr->protocol_version = r->version;
    sr->ledger_height = r->height;
    sr->head_hash.data = r->rcpt.hash;
    sr->head_hash.len = LEDGER_HASH_LEN;
    sr->unit = &s->unit;
    sr->server_time_ms = r->rcpt.time_ms;
    if (r->rcpt.has_sth) {
        s->head.size = r->rcpt.sth.size;
        s->head.time_ms = r->rcpt.sth.time_ms;
        s->head.root.data = r->rcpt.sth.root;
        s->head.root.len = MERKLE_HASH_LEN;
        s->head.signature.data = r->rcpt.sth.sig;
        s->head.signature.len = STH_SIG_LEN;
        sr->head = &s->head;
    }
    env->body_case = TDKT__ENVELOPE__BODY_STATUS_REPLY;
    env->status_reply = sr;
}

const struct request_type status_req = {
    .name = "status",
    .body_case = TDKT__ENVELOPE__BODY_STATUS,
    .kind = REQUEST_STATUS,
    .run = status_run,
    .reply = status_reply,
};
