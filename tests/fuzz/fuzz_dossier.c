/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the dossier of `tdkt submit` and `tdkt eligibility
 * check` (forms_dossier, docs/review.md 2), which an office writes by hand.
 * A refusal must be one readable sentence that names its place (a line and
 * column, the key at fault, the proposal) and fits FORMS_WHY_MAX whole. An
 * accepted dossier must hold 1 or more proposals, each with a title the
 * ledger knows, leave the submitting unit to the caller, hold only
 * well-formed UTF-8, and written back out as a dossier it must read back as
 * exactly the same SubmissionPut.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/forms.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Set key to s when it is not empty: what the file leaves out. */
static void put_opt(json_t *o, const char *key, const char *s)
{
    if (s && *s)
        json_object_set_new(o, key, json_string(s));
}

static char *write_file(const Tdkt__SubmissionPut *m)
{
    json_t *root = json_object(), *list = json_array();
    char *text;

    put_opt(root, "submission_id", m->submission_id);
    json_object_set_new(root, "year", json_integer(m->year));
    put_opt(root, "note", m->note);
    for (size_t i = 0; i < m->n_proposals; i++) {
        const Tdkt__Proposal *p = m->proposals[i];
        json_t *o = json_object();

        put_opt(o, "id", p->proposal_id);
        json_object_set_new(o, "title",
                            json_string(record_label_of(record_titles, p->title)->code));
        put_opt(o, "person", p->person_id);
        put_opt(o, "unit", p->unit_code);
        put_opt(o, "ballot", p->ballot_id);
        put_opt(o, "note", p->note);
        json_array_append_new(list, o);
    }
    json_object_set_new(root, "proposals", list);
    if (!(text = json_dumps(root, JSON_COMPACT)))
        abort();
    json_decref(root);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const places[] = {"line ", "the dossier: unknown key '", "proposals[",
                                         "\"proposals\" must be", NULL};
    static char big[4096];
    Tdkt__SubmissionPut *m, *again;
    char why[FORMS_WHY_MAX];
    char *text;
    int rc;

    rc = forms_dossier((const char *)data, size, &m, why, sizeof why);
    if (rc < 0) {
        if (m || (rc != TDKT_EINVAL && rc != TDKT_ENOMEM))
            abort();
        harness_check_why(why, sizeof why);
        harness_check_prefix(why, places);
        if (forms_dossier((const char *)data, size, &again, big, sizeof big) != rc ||
            strcmp(big, why) != 0)
            abort(); /* FORMS_WHY_MAX holds the message whole */
        return 0;
    }
    if (rc != 0 || !m || m->n_proposals < 1 || m->unit_code[0])
        abort();
    for (size_t i = 0; i < m->n_proposals; i++)
        if (!record_label_of(record_titles, m->proposals[i]->title))
            abort();
    harness_check_message(&m->base);

    text = write_file(m);
    rc = forms_dossier(text, strlen(text), &again, why, sizeof why);
    if (rc != 0)
        abort();
    harness_check_same(&m->base, &again->base);
    tdkt__submission_put__free_unpacked(again, NULL);
    free(text);
    tdkt__submission_put__free_unpacked(m, NULL);
    return 0;
}
