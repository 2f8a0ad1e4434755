/* SPDX-License-Identifier: MIT */
/*
 * `tdkt council vote FILE` (docs/council.md): the secretariat of the sector's
 * Council enters a Council ballot's result from the minutes. The file is
 * read and checked by client/lib/forms.c; the vote goes through the outbox
 * like every write, and the server judges again the dossiers it covers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli/cli.h"
#include "client/lib/forms.h"
#include "client/lib/store_outbox.h"

static int form_read_vote(const char *data, size_t len, ProtobufCMessage **out, char *why,
                          size_t cap)
{
    Tdkt__CouncilVote *v;
    int rc = forms_council_vote(data, len, &v, why, cap);

    *out = rc == 0 ? &v->base : NULL;
    return rc;
}

static int council_vote_file(const struct cfg *cfg, const char *path)
{
    ProtobufCMessage *m;
    const Tdkt__CouncilVote *v;
    int code = cli_read_form(path, FORMS_BALLOT_MAX, "Council vote", form_read_vote, &m);

    if (code != EXIT_OK)
        return code;
    v = (const Tdkt__CouncilVote *)m;
    code = cli_queue_and_push(cfg, OUTBOX_COUNCIL_VOTE, m);
    if (code == EXIT_OK && !cfg->json)
        printf("Council vote %s (%u): %zu contest(s) recorded in the ledger; the dossiers it "
               "covers are judged again (`tdkt review show ID`)\n",
               v->vote_id, v->year, v->n_contests);
    protobuf_c_message_free_unpacked(m, NULL);
    return code;
}

int cmd_council(const struct cfg *cfg, int nargs, char **args)
{
    if (nargs == 2 && strcmp(args[0], "vote") == 0)
        return council_vote_file(cfg, args[1]);
    return usage("usage: tdkt council vote FILE (the Council's ballot result, docs/council.md)");
}
