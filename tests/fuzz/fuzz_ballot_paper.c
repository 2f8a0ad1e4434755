/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the paper ballot file of `tdkt ballot paper`
 * (forms_ballot_paper, docs/ballots.md 1.7): the central office types in a
 * cluster's minutes. A refusal must be one readable sentence that names
 * its place (a line and column, or the path of the key or field at fault)
 * and fits FORMS_WHY_MAX whole. An accepted file must be one the server's
 * shape check takes (ballot_rules_paper_validate), give one count per
 * candidate (yes; no and abstain too for a yes/no contest, else none) and
 * only well-formed UTF-8, and written back out as a paper ballot file it
 * must read back as exactly the same BallotPaper.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ballot_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *write_file(const Tdkt__BallotPaper *p)
{
    json_t *root = json_object(), *counts = json_object();

    json_object_set_new(root, "ballot_id", json_string(p->ballot_id));
    json_object_set_new(root, "year", json_integer(p->year));
    json_object_set_new(root, "cluster", json_string(p->cluster_code));
    json_object_set_new(root, "minutes_ref", json_string(p->minutes_ref));
    json_object_set_new(root, "ballots", json_integer(p->ballots));
    json_object_set_new(root, "contest", fuzz_contest_json(p->contest));
    for (size_t i = 0; i < p->n_yes; i++) {
        json_t *c = json_pack("{s:I}", "yes", (json_int_t)p->yes[i]);
        if (p->n_no)
            json_object_set_new(c, "no", json_integer(p->no[i]));
        if (p->n_abstain)
            json_object_set_new(c, "abstain", json_integer(p->abstain[i]));
        json_object_set_new(counts, p->contest->candidates[i], c);
    }
    json_object_set_new(root, "counts", counts);
    return fuzz_json_text(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Where a refusal may start: a syntax error's line, the whole file, or
     * the path of the place at fault in the file. */
    static const char *const places[] = {"line ",
                                         "the file must hold one JSON object",
                                         "the paper ballot: unknown key '",
                                         "ballot_id: ",
                                         "year: ",
                                         "cluster: ",
                                         "minutes_ref: ",
                                         "ballots: ",
                                         "contest: ",
                                         "contest.",
                                         "counts: ",
                                         "counts.",
                                         NULL};
    static char big[4096];
    Tdkt__BallotPaper *p, *again = NULL;
    char why[FORMS_WHY_MAX];
    struct fault f;
    size_t n;
    char *text;
    int rc;

    rc = forms_ballot_paper((const char *)data, size, &p, why, sizeof why);
    if (rc < 0) {
        int again_rc = forms_ballot_paper((const char *)data, size, &again, big, sizeof big);
        fuzz_form_refused(rc, p, why, places, again_rc, big);
        return 0;
    }
    if (rc != 0 || !p || !p->contest || ballot_rules_paper_validate(p, &f) != 0)
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
