/* SPDX-License-Identifier: MIT */
/* A reason on the wire: see reason_pb.h. */
#include "common/wire/reason_pb.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/text/i18n.h"

Tdkt__Reason *reason_pb_init(struct reason_pb *pb, const struct reason *r)
{
    tdkt__reason__init(&pb->msg);
    if (r == NULL || r->fmt[0] == '\0')
        return NULL;
    pb->msg.msgid = (char *)r->fmt;
    for (unsigned i = 0; i < r->nargs && i < REASON_ARGS; i++)
        pb->argv[i] = (char *)r->args[i];
    pb->msg.n_args = r->nargs;
    pb->msg.args = pb->argv;
    return &pb->msg;
}

void reason_from_pb(struct reason *r, const Tdkt__Reason *m, const char *text)
{
    reason_set_text(r, text);
    if (m == NULL || m->msgid == NULL || m->n_args > REASON_ARGS ||
        strlen(m->msgid) >= sizeof r->fmt)
        return;
    for (size_t i = 0; i < m->n_args; i++) {
        if (m->args[i] == NULL || strlen(m->args[i]) >= sizeof r->args[0])
            return;
        memcpy(r->args[i], m->args[i], strlen(m->args[i]) + 1);
    }
    memcpy(r->fmt, m->msgid, strlen(m->msgid) + 1);
    r->nargs = (unsigned)m->n_args;
}

void reason_pb_verdict_text(const Tdkt__ProposalVerdict *v, char *out, size_t cap)
{
    struct reason why, cause;

    reason_from_pb(&why, v->reason, v->why ? v->why : "");
    /* The cause's English text is the value why quotes it as. */
    reason_from_pb(&cause, v->cause, why.nargs > 0 ? why.args[why.nargs - 1] : "");
    tdkt_reason_text(&why, v->cause != NULL ? &cause : NULL, out, cap);
}

int reason_pb_pack_detail(const Tdkt__ProposalVerdict *v, uint8_t **out, size_t *len)
{
    Tdkt__ProposalVerdict d = TDKT__PROPOSAL_VERDICT__INIT;

    *out = NULL;
    *len = 0;
    if (v->reason == NULL && v->cause == NULL)
        return 0;
    d.reason = v->reason;
    d.cause = v->cause;
    *len = tdkt__proposal_verdict__get_packed_size(&d);
    if ((*out = malloc(*len ? *len : 1)) == NULL)
        return TDKT_ENOMEM;
    tdkt__proposal_verdict__pack(&d, *out);
    return 0;
}

int reason_pb_unpack_detail(const uint8_t *buf, size_t len, Tdkt__ProposalVerdict *v)
{
    Tdkt__ProposalVerdict *d;

    if (buf == NULL || len == 0)
        return 0;
    if ((d = tdkt__proposal_verdict__unpack(NULL, len, buf)) == NULL)
        return TDKT_EPROTO;
    v->reason = d->reason;
    v->cause = d->cause;
    d->reason = NULL;
    d->cause = NULL;
    tdkt__proposal_verdict__free_unpacked(d, NULL);
    return 0;
}
