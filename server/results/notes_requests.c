/* SPDX-License-Identifier: MIT */
/*
 * The NotePut request (a dated note an office records): its entry in the
 * request table (server/dispatch/request.h) and its handlers. The ledger
 * append itself is ledger_note_put (server/results/notes.c).
 */
#include "server/dispatch/request_types.h"

#include <stdlib.h>
#include <string.h>

#include "common/domain/records.h"
#include "common/err.h"

static int notes_prepare_put(struct request *r, const Tdkt__Envelope *env, struct fault *err)
{
    const Tdkt__NotePut *np = env->note_put;
    size_t tlen;
    /* A note key names a record: printable text, as a record's name is (the
     * envelope has already refused one that is not UTF-8). */
    if (!record_name_valid(np->key, REQUEST_NOTE_KEY_MAX)) {
        fault_set(err, TDKT_EINVAL, "note_put.key",
                  "note key must be 1 to %d bytes without control characters",
                  REQUEST_NOTE_KEY_MAX);
        return TDKT_EINVAL;
    }
    tlen = np->text ? strlen(np->text) : 0;
    if (tlen > REQUEST_NOTE_TEXT_MAX) {
        fault_set(err, TDKT_EINVAL, "note_put.text", "note text is %zu bytes; the limit is %d",
                  tlen, REQUEST_NOTE_TEXT_MAX);
        return TDKT_EINVAL;
    }
    r->key = strdup(np->key);
    r->text = strdup(np->text ? np->text : "");
    if (!r->key || !r->text) {
        fault_set(err, TDKT_ENOMEM, NULL, "server out of memory");
        return TDKT_ENOMEM;
    }
    return request_keep_body(r, &np->base, err);
}

static int notes_run_put(struct request *r, struct ledger *l, int64_t now)
{
    int rc;
    rc = ledger_note_put(l, now, r->unit.code, r->body, r->body_len, r->key, r->text, NULL, NULL);
    if (rc < 0) {
        fault_set(&r->err, rc, NULL, "cannot append the note: %s", tdkt_strerror(rc));
        return rc;
    }
    r->rcpt.appended = 1;
    return 0;
}

const struct request_type notes_req_put = {
    .name = "note_put",
    .body_case = TDKT__ENVELOPE__BODY_NOTE_PUT,
    .kind = REQUEST_NOTE_PUT,
    .write = 1,
    .prepare = notes_prepare_put,
    .run = notes_run_put,
};
