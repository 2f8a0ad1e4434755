/* SPDX-License-Identifier: MIT */
/*
 * What the two harnesses of ballot files (fuzz_ballot_open.c,
 * fuzz_ballot_paper.c) share: a contest written back as the files spell
 * it, the compact text of a written file, and the checks of a refusal.
 * Each harness is its own program, linked with the libraries the other
 * harnesses use; these few functions are static here rather than a library
 * of their own, and they write files as docs/ballots.md describes them, not
 * with forms.c, whose reading they test.
 */
#ifndef TDKT_TESTS_FUZZ_BALLOT_JSON_H
#define TDKT_TESTS_FUZZ_BALLOT_JSON_H

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/forms.h"
#include "common/domain/ballot_rules.h"
#include "common/err.h"
#include "harness.h"

/* The contest as a file writes it; a purpose or method of 0 (none given)
 * is left out, as a file that gave none. */
static json_t *fuzz_contest_json(const Tdkt__Contest *c)
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

/* root as compact text, malloc'd; root is released. */
static char *fuzz_json_text(json_t *root)
{
    char *text = json_dumps(root, JSON_COMPACT);

    if (!text)
        abort();
    json_decref(root);
    return text;
}

/*
 * A refusal (rc < 0) of a form reader: no message built, a known code, one
 * readable sentence that starts at one of places and fits FORMS_WHY_MAX
 * whole, which again_rc and big, the same input read into a larger buffer,
 * must show.
 */
static void fuzz_form_refused(int rc, const void *msg, const char *why, const char *const *places,
                              int again_rc, const char *big)
{
    if (msg || (rc != TDKT_EINVAL && rc != TDKT_ENOMEM))
        abort();
    harness_check_why(why, FORMS_WHY_MAX);
    harness_check_prefix(why, places);
    if (again_rc != rc || strcmp(big, why) != 0)
        abort(); /* FORMS_WHY_MAX holds the message whole */
}

#endif
