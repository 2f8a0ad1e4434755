/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the Council vote file of `tdkt council vote`
 * (forms_council_vote, docs/council.md), which the secretariat writes by hand
 * from the minutes. A refusal must be one readable sentence that names its
 * place and fits FORMS_WHY_MAX whole. An accepted vote must be paper or
 * electronic, pass the server's own shape rules (council_rules_vote_validate), hold only
 * well-formed UTF-8, and, written back out, read back as exactly the same
 * CouncilVote.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/forms.h"
#include "common/domain/council_rules.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_opt(json_t *o, const char *key, const char *s)
{
    if (s && *s)
        json_object_set_new(o, key, json_string(s));
}

static char *write_file(const Tdkt__CouncilVote *v)
{
    json_t *root = json_object(), *contests = json_array();
    char *text;

    put_opt(root, "vote_id", v->vote_id);
    json_object_set_new(root, "year", json_integer(v->year));
    put_opt(root, "council", v->council_code);
    json_object_set_new(root, "secret", json_boolean(v->secret));
    if (v->mode == TDKT__VOTE_MODE__VOTE_MODE_ELECTRONIC)
        json_object_set_new(root, "mode", json_string("electronic"));
    put_opt(root, "minutes_ref", v->minutes_ref);
    put_opt(root, "held_on", v->held_on);
    for (size_t i = 0; i < v->n_contests; i++) {
        const Tdkt__CouncilContest *c = v->contests[i];
        json_t *o = json_object(), *subjects = json_array();

        put_opt(o, "code", c->code);
        for (size_t k = 0; k < c->n_subjects; k++) {
            json_t *s = json_object();
            put_opt(s, "person", c->subjects[k]->person_id);
            put_opt(s, "unit", c->subjects[k]->unit_code);
            json_object_set_new(
                s, "title",
                json_string(record_label_of(record_titles, c->subjects[k]->title)->code));
            json_array_append_new(subjects, s);
        }
        json_object_set_new(o, "subjects", subjects);
        json_object_set_new(o, "yes", json_integer(c->yes));
        json_object_set_new(o, "no", json_integer(c->no));
        json_object_set_new(o, "abstain", json_integer(c->abstain));
        json_array_append_new(contests, o);
    }
    json_object_set_new(root, "contests", contests);
    if (!(text = json_dumps(root, JSON_COMPACT)))
        abort();
    json_decref(root);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char big[4096];
    struct fault f;
    Tdkt__CouncilVote *v, *again;
    char why[FORMS_WHY_MAX];
    char *text;
    int rc;

    rc = forms_council_vote((const char *)data, size, &v, why, sizeof why);
    if (rc < 0) {
        if (v || (rc != TDKT_EINVAL && rc != TDKT_ENOMEM && rc != TDKT_ETOOBIG))
            abort();
        harness_check_why(why, sizeof why);
        if (forms_council_vote((const char *)data, size, &again, big, sizeof big) != rc ||
            strcmp(big, why) != 0)
            abort(); /* FORMS_WHY_MAX holds the message whole */
        return 0;
    }
    memset(&f, 0, sizeof f);
    if (rc != 0 || !v ||
        (v->mode != TDKT__VOTE_MODE__VOTE_MODE_PAPER &&
         v->mode != TDKT__VOTE_MODE__VOTE_MODE_ELECTRONIC) ||
        council_rules_vote_validate(v, &f) != 0)
        abort();
    harness_check_message(&v->base);
    text = write_file(v);
    if (forms_council_vote(text, strlen(text), &again, why, sizeof why) != 0)
        abort();
    harness_check_same(&v->base, &again->base);
    tdkt__council_vote__free_unpacked(again, NULL);
    free(text);
    tdkt__council_vote__free_unpacked(v, NULL);
    return 0;
}
