/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the ballot file of `tdkt ballot open`
 * (forms_ballot_open, docs/ballots.md 1.3), which the opener of a cluster
 * ballot writes by hand. A refusal must be one readable sentence that
 * names its place (a line and column, the key or the field at fault) and
 * fits FORMS_WHY_MAX whole, as forms.h promises. An accepted ballot must be
 * one the server's own check takes (ballot_rules_open_validate), with times in
 * whole seconds, a seat in every contest and only well-formed UTF-8, and
 * written back out as a ballot file it must read back as exactly the same
 * BallotOpen.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/domain/records.h"
#include "fuzz_ballot_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* When the command runs: closes_in_seconds counts from here. */
#define FUZZ_NOW_MS 1700000000000LL

/* A time as the file writes it, or NULL for one past the years a file
 * can write (1970 to 2100), which a time zone offset can reach. */
static json_t *time_json(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char buf[64];

    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > RECORD_YEAR_MAX || tm.tm_year < 70)
        return NULL;
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

/* The ballot as a file; NULL when a time cannot be written. */
static char *write_file(const Tdkt__BallotOpen *b)
{
    json_t *root = json_object(), *list = json_array(), *closes, *opens = NULL;

    closes = time_json(b->closes_ms);
    if (b->opens_ms)
        opens = time_json(b->opens_ms);
    if (!closes || (b->opens_ms && !opens)) {
        json_decref(closes);
        json_decref(root);
        json_decref(list);
        return NULL;
    }

    json_object_set_new(root, "ballot_id", json_string(b->ballot_id));
    json_object_set_new(root, "year", json_integer(b->year));
    json_object_set_new(root, "cluster", json_string(b->cluster_code));
    json_object_set_new(root, "title", json_string(b->title));
    json_object_set_new(root, "closes", closes);
    if (opens)
        json_object_set_new(root, "opens", opens);
    for (size_t i = 0; i < b->n_contests; i++)
        json_array_append_new(list, fuzz_contest_json(b->contests[i]));
    json_object_set_new(root, "contests", list);
    return fuzz_json_text(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Where a refusal may start: a syntax error's line, the whole file, or
     * the path of the place at fault in the file. */
    static const char *const places[] = {"line ",
                                         "the file must hold one JSON object",
                                         "the ballot: unknown key '",
                                         "ballot_id: ",
                                         "year: ",
                                         "cluster: ",
                                         "title: ",
                                         "closes: ",
                                         "opens: ",
                                         "closes_in_seconds: ",
                                         "contests: ",
                                         "contests[",
                                         NULL};
    static char big[4096];
    Tdkt__BallotOpen *b, *again = NULL;
    char why[FORMS_WHY_MAX];
    struct fault f;
    char *text;
    int rc;

    rc = forms_ballot_open((const char *)data, size, FUZZ_NOW_MS, &b, why, sizeof why);
    if (rc < 0) {
        int again_rc =
            forms_ballot_open((const char *)data, size, FUZZ_NOW_MS, &again, big, sizeof big);
        fuzz_form_refused(rc, b, why, places, again_rc, big);
        return 0;
    }
    if (rc != 0 || !b || ballot_rules_open_validate(b, &f) != 0)
        abort();
    if (b->closes_ms % 1000 || b->opens_ms % 1000)
        abort(); /* the file gives whole seconds */
    for (size_t i = 0; i < b->n_contests; i++)
        if (b->contests[i]->rule[0] || b->contests[i]->seats == 0)
            abort(); /* the server's to set; no contest without a seat */
    harness_check_message(&b->base);

    if ((text = write_file(b))) {
        rc = forms_ballot_open(text, strlen(text), FUZZ_NOW_MS, &again, why, sizeof why);
        if (rc != 0)
            abort();
        harness_check_same(&b->base, &again->base);
        tdkt__ballot_open__free_unpacked(again, NULL);
        free(text);
    }
    tdkt__ballot_open__free_unpacked(b, NULL);
    return 0;
}
