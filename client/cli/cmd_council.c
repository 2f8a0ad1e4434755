/* SPDX-License-Identifier: MIT */
/*
 * `tdkt council ...` (docs/council.md): the sector Council's votes.
 *   vote FILE     the secretariat enters a paper ballot's result from the
 *                 minutes, or opens an electronic vote ("mode":
 *                 "electronic", no counts); the central office.
 *   cast ID C=A.. a member casts on an open electronic vote, connected with
 *                 their own person certificate (tdktd cert issue --person).
 *   close ID      the central office closes an electronic vote: the casts
 *                 are counted.
 * Files and arguments are read and checked by client/lib/forms.c; every
 * write goes through the outbox like every write, and the server judges
 * again the dossiers a vote covers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "client/cli/cli.h"
#include "client/lib/forms.h"
#include "client/lib/store_outbox.h"
#include "common/domain/council_rules.h"
#include "common/text/i18n.h"

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
    if (code == EXIT_OK && !cfg->json && v->mode == TDKT__VOTE_MODE__VOTE_MODE_ELECTRONIC)
        printf(_("Council vote %s (%u) is open: %zu contest(s); each member casts with their own "
                 "certificate (`tdkt council cast %s CONTEST=yes|no|abstain ...`) until the "
                 "central office closes it (`tdkt council close %s`)\n"),
               v->vote_id, v->year, v->n_contests, v->vote_id, v->vote_id);
    else if (code == EXIT_OK && !cfg->json)
        printf(_("Council vote %s (%u): %zu contest(s) recorded in the ledger; the dossiers it "
                 "covers are judged again (`tdkt review show ID`)\n"),
               v->vote_id, v->year, v->n_contests);
    protobuf_c_message_free_unpacked(m, NULL);
    return code;
}

static int council_cast_args(const struct cfg *cfg, const char *vote_id, int n, char **specs)
{
    uint8_t nonce[COUNCIL_NONCE_LEN];
    char why[FORMS_WHY_MAX];
    Tdkt__CouncilCast *m = NULL;
    int code;

    if (RAND_bytes(nonce, sizeof nonce) != 1) {
        fprintf(stderr, _("tdkt: council cast: no random bytes for the cast's nonce\n"));
        return EXIT_FAILURE_;
    }
    if (forms_council_cast(vote_id, specs, (size_t)n, nonce, &m, why, sizeof why) < 0) {
        fprintf(stderr, _("tdkt: council cast: %s\n"), why);
        return EXIT_USAGE;
    }
    code = cli_queue_and_push(cfg, OUTBOX_COUNCIL_CAST, &m->base);
    if (code == EXIT_OK && !cfg->json) {
        printf(_("your cast on vote %s is recorded:"), m->vote_id);
        for (size_t i = 0; i < m->n_choices; i++)
            printf(" %s=%s", m->choices[i]->contest,
                   council_rules_answer_name((int)m->choices[i]->answer));
        printf(_("\nyou may cast again while the vote is open: your last cast counts\n"));
    }
    tdkt__council_cast__free_unpacked(m, NULL);
    return code;
}

static int council_close_vote(const struct cfg *cfg, const char *vote_id)
{
    Tdkt__CouncilClose m = TDKT__COUNCIL_CLOSE__INIT;
    int code;

    m.vote_id = (char *)vote_id;
    code = cli_queue_and_push(cfg, OUTBOX_COUNCIL_CLOSE, &m.base);
    if (code == EXIT_OK && !cfg->json)
        printf(_("Council vote %s is closed and counted; the dossiers it covers are judged again "
                 "(`tdkt review show ID` gives each verdict with the vote's counts)\n"),
               vote_id);
    return code;
}

int cmd_council(const struct cfg *cfg, int nargs, char **args)
{
    if (nargs == 2 && strcmp(args[0], "vote") == 0)
        return council_vote_file(cfg, args[1]);
    if (nargs >= 3 && strcmp(args[0], "cast") == 0)
        return council_cast_args(cfg, args[1], nargs - 2, args + 2);
    if (nargs == 2 && strcmp(args[0], "close") == 0)
        return council_close_vote(cfg, args[1]);
    return usage(_("usage: tdkt council vote FILE | cast VOTE_ID CONTEST=yes|no|abstain ... | "
                   "close VOTE_ID (docs/council.md)"));
}
