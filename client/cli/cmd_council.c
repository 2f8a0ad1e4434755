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

static int council_vote_file(const struct cfg *cfg, const char *path)
{
    Tdkt__CouncilVote *v = NULL;
    char why[FORMS_WHY_MAX], *data = NULL;
    size_t len;
    int code;

    if (forms_read_file(path, FORMS_BALLOT_MAX, "Council vote", &data, &len, why, sizeof why) < 0 ||
        forms_council_vote(data, len, &v, why, sizeof why) < 0) {
        fprintf(stderr, "tdkt: %s: %s\n", path, why);
        free(data);
        return EXIT_USAGE;
    }
    free(data);
    code = cli_queue_and_push(cfg, OUTBOX_COUNCIL_VOTE, &v->base);
    if (code == EXIT_OK && !cfg->json)
        printf("Council vote %s (%u): %zu contest(s) recorded in the ledger; the dossiers it "
               "covers are judged again (`tdkt review show ID`)\n",
               v->vote_id, v->year, v->n_contests);
    tdkt__council_vote__free_unpacked(v, NULL);
    return code;
}

int cmd_council(const struct cfg *cfg, int nargs, char **args)
{
    if (nargs == 2 && strcmp(args[0], "vote") == 0)
        return council_vote_file(cfg, args[1]);
    return usage("usage: tdkt council vote FILE (the Council's ballot result, docs/council.md)");
}
