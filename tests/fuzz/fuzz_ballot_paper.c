/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the paper ballot file of `tdkt ballot paper`
 * (forms_ballot_paper, docs/ballots.md 1.7): the central office types in a
 * cluster's minutes. A refusal must be one readable sentence that names
 * its place (a line and column, the key at fault, the contest or counts)
 * and fits FORMS_WHY_MAX whole. An accepted file must give one count per
 * candidate (yes; no and abstain too for a yes/no contest, else none) and
 * only well-formed UTF-8, and written back out as a paper ballot file it
 * must read back as exactly the same BallotPaper.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/forms.h"
#include "common/domain/ballot_rules.h"
#include "common/err.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *contest_json(const Tdkt__Contest *c)
{
    json_t *o = json_object(), *cands = json_array();

    for (size_t i = 0; i < c->n_candidates; i++)
        json_array_append_new(cands, json_string(c->candidates[i]));
    json_object_set_new(o, "code", json_string(c->code));
    if (c->purpose)
        json_object_set_new(o, "purpose", json_string(ballot_rules_purpose_name(c->purpose)));
    json_object_set_new(o, "title", json_string(c->title));
    json_object_set_new(o, "candidates", cands);
    json_object_set_new(o, "seats", json_integer(c->seats));
    if (c->method)
        json_object_set_new(o, "method", json_string(ballot_rules_method_name(c->method)));
    json_object_set_new(o, "secret", json_boolean(c->secret));
    json_object_set_new(o, "max_choices", json_integer(c->max_choices));
    json_object_set_new(o, "threshold_pct", json_integer(c->threshold_pct));
    return o;
}

static char *write_file(const Tdkt__BallotPaper *p)
{
    json_t *root = json_object(), *counts = json_object();
    char *text;

    json_object_set_new(root, "ballot_id", json_string(p->ballot_id));
    json_object_set_new(root, "year", json_integer(p->year));
    json_object_set_new(root, "cluster", json_string(p->cluster_code));
    json_object_set_new(root, "minutes_ref", json_string(p->minutes_ref));
    json_object_set_new(root, "ballots", json_integer(p->ballots));
    json_object_set_new(root, "contest", contest_json(p->contest));
    for (size_t i = 0; i < p->n_yes; i++) {
        json_t *c = json_pack("{s:I}", "yes", (json_int_t)p->yes[i]);
        if (p->n_no)
            json_object_set_new(c, "no", json_integer(p->no[i]));
        if (p->n_abstain)
            json_object_set_new(c, "abstain", json_integer(p->abstain[i]));
        json_object_set_new(counts, p->contest->candidates[i], c);
    }
    json_object_set_new(root, "counts", counts);
    if (!(text = json_dumps(root, JSON_COMPACT)))
        abort();
    json_decref(root);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const places[] = {"line ",
                                         "the file must hold one JSON object",
                                         "the paper ballot: unknown key '",
                                         "the contest: unknown key '",
                                         "contest ",
                                         "\"contest\" and \"counts\" ",
                                         NULL};
    static char big[4096];
    Tdkt__BallotPaper *p, *again;
    char why[FORMS_WHY_MAX];
    size_t n;
    char *text;
    int rc;

    rc = forms_ballot_paper((const char *)data, size, &p, why, sizeof why);
    if (rc < 0) {
        if (p || (rc != TDKT_EINVAL && rc != TDKT_ENOMEM))
            abort();
        harness_check_why(why, sizeof why);
        harness_check_prefix(why, places);
        if (forms_ballot_paper((const char *)data, size, &again, big, sizeof big) != rc ||
            strcmp(big, why) != 0)
            abort(); /* FORMS_WHY_MAX holds the message whole */
        return 0;
    }
    if (rc != 0 || !p || !p->contest)
        abort();
    n = p->contest->n_candidates;
    if (n > TALLY_CANDIDATES_MAX || p->n_yes != n)
        abort();
    if (p->contest->method == TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO
            ? p->n_no != n || p->n_abstain != n
            : p->n_no || p->n_abstain)
        abort();
    harness_check_message(&p->base);

    text = write_file(p);
    rc = forms_ballot_paper(text, strlen(text), &again, why, sizeof why);
    if (rc != 0)
        abort();
    harness_check_same(&p->base, &again->base);
    tdkt__ballot_paper__free_unpacked(again, NULL);
    free(text);
    tdkt__ballot_paper__free_unpacked(p, NULL);
    return 0;
}
