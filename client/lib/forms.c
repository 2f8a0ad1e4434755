/* SPDX-License-Identifier: MIT */
/*
 * The ballot, paper ballot and dossier files; see forms.h. jansson reads
 * the tree; this module refuses unknown keys and builds the messages. The
 * shape of a ballot is judged by ballot_rules_open_validate(), the function the
 * server runs; what needs the ledger (the roll, the persons, the period) is
 * left to the server.
 */
#include "forms.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/domain/ballot_rules.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "common/wire/utf8.h"

#define SHOWN_MAX     64                /* bytes of a key or code quoted in a refusal */
#define CLOSES_MS_MAX 253402300799999LL /* 9999-12-31T23:59:59.999Z */

__attribute__((format(printf, 4, 5))) static int refuse(char *why, size_t cap, int rc,
                                                        const char *fmt, ...)
{
    va_list ap;

    if (!why || !cap)
        return rc;
    va_start(ap, fmt);
    utf8_vformat(why, cap, fmt, ap);
    va_end(ap);
    return rc;
}

/* How many bytes of s a refusal quotes ("%.*s"): at most SHOWN_MAX, cut
 * between characters. */
static int shown(const char *s)
{
    size_t n = strlen(s);

    return (int)utf8_valid_prefix((const uint8_t *)s, n < SHOWN_MAX ? n : SHOWN_MAX);
}

int forms_read_file(const char *path, size_t max, const char *what, char **data, size_t *len,
                    char *why, size_t cap)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *buf;
    size_t n;

    *data = NULL;
    *len = 0;
    if (!f)
        return refuse(why, cap, TDKT_EIO, "%s", strerror(errno));
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
        fclose(f);
        return refuse(why, cap, TDKT_ETOOBIG, "%jd bytes; a %s file holds at most %zu",
                      (intmax_t)st.st_size, what, max);
    }
    /* One byte more than allowed, to notice a file that is longer than its
     * size said or grew meanwhile. */
    if (!(buf = malloc(max + 2))) {
        fclose(f);
        return refuse(why, cap, TDKT_ENOMEM, "out of memory");
    }
    n = fread(buf, 1, max + 1, f);
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        free(buf);
        return refuse(why, cap, TDKT_EIO, "%s", strerror(e));
    }
    fclose(f);
    if (n > max) {
        free(buf);
        return refuse(why, cap, TDKT_ETOOBIG, "more than %zu bytes; a %s file holds at most %zu",
                      max, what, max);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

/* The root object of a file, or a refusal. */
static int load(const char *data, size_t len, size_t max, const char *what, json_t **root,
                char *why, size_t cap)
{
    json_error_t e;

    *root = NULL;
    if (len > max)
        return refuse(why, cap, TDKT_ETOOBIG, "%zu bytes; a %s file holds at most %zu", len, what,
                      max);
    *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e);
    if (!*root)
        return refuse(why, cap, TDKT_EINVAL, "line %d, column %d: %s", e.line, e.column, e.text);
    return 0;
}

/* Refuse keys the format does not have: a misspelt "secret" or
 * "threshold_pct" must not be silently dropped. */
static int check_keys(const char *where, const json_t *o, const char *const *allowed, char *why,
                      size_t cap)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)o, key, v)
    {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            ok |= strcmp(key, allowed[i]) == 0;
        if (!ok)
            return refuse(why, cap, TDKT_EINVAL, "%s: unknown key '%.*s'", where, shown(key), key);
    }
    return 0;
}

/* o[key] copied into *dst when it is a string; otherwise *dst is left as
 * it is (the protobuf-c empty string). */
static int set_string(const json_t *o, const char *key, char **dst)
{
    const char *s = json_string_value(json_object_get(o, key));

    if (!s)
        return 0;
    if (!(*dst = strdup(s)))
        return TDKT_ENOMEM;
    return 0;
}

/* ---- ballots ------------------------------------------------------------- */

/* "2023-12-20T17:00:00Z" or with "+07:00"; ms since 1970, or -1. */
static int64_t parse_time(const char *s)
{
    struct tm tm;
    int y, mo, d, h, mi, sec, oh = 0, om = 0, n = 0;
    char sign = 'Z';
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
        return -1;
    s += n;
    if (*s == 'Z' && !s[1])
        sign = 'Z';
    else if ((*s == '+' || *s == '-') && sscanf(s + 1, "%2d:%2d", &oh, &om) == 2 && strlen(s) == 6)
        sign = *s;
    else
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    int64_t t = (int64_t)timegm(&tm);
    int64_t off = (int64_t)(oh * 3600 + om * 60);
    if (sign == '+')
        t -= off;
    else if (sign == '-')
        t += off;
    return t * 1000;
}

static const char *const contest_keys[] = {"code",          "purpose", "title",  "candidates",
                                           "seats",         "method",  "secret", "max_choices",
                                           "threshold_pct", NULL};

static int parse_contest(const json_t *o, Tdkt__Contest **out, char *why, size_t cap)
{
    Tdkt__Contest *c = malloc(sizeof *c);
    json_t *cands = json_object_get(o, "candidates"), *v;
    size_t i;

    *out = NULL;
    if (!c)
        return refuse(why, cap, TDKT_ENOMEM, "out of memory");
    tdkt__contest__init(c);
    if (set_string(o, "code", &c->code) || set_string(o, "title", &c->title))
        goto nomem;
    c->purpose = (Tdkt__ContestPurpose)ballot_rules_purpose_parse(
        json_string_value(json_object_get(o, "purpose")));
    c->method = (Tdkt__VoteMethod)ballot_rules_method_parse(
        json_string_value(json_object_get(o, "method")));
    c->seats = (uint32_t)json_integer_value(json_object_get(o, "seats"));
    c->max_choices = (uint32_t)json_integer_value(json_object_get(o, "max_choices"));
    c->threshold_pct = (uint32_t)json_integer_value(json_object_get(o, "threshold_pct"));
    c->secret = json_is_true(json_object_get(o, "secret"));
    if (!c->seats)
        c->seats = 1;
    if (!json_is_array(cands) || json_array_size(cands) > TALLY_CANDIDATES_MAX) {
        refuse(why, cap, TDKT_EINVAL, "contest %.*s: candidates must be a list of unit codes",
               c->code[0] ? shown(c->code) : 1, c->code[0] ? c->code : "?");
        tdkt__contest__free_unpacked(c, NULL);
        return TDKT_EINVAL;
    }
    if (!(c->candidates = calloc(json_array_size(cands) + 1, sizeof *c->candidates)))
        goto nomem;
    json_array_foreach(cands, i, v)
    {
        if (!json_is_string(v))
            continue;
        if (!(c->candidates[c->n_candidates] = strdup(json_string_value(v))))
            goto nomem;
        c->n_candidates++;
    }
    *out = c;
    return 0;
nomem:
    tdkt__contest__free_unpacked(c, NULL);
    return refuse(why, cap, TDKT_ENOMEM, "out of memory");
}

int forms_ballot_open(const char *data, size_t len, int64_t now_ms, Tdkt__BallotOpen **out,
                      char *why, size_t cap)
{
    static const char *const keys[] = {"ballot_id", "year",  "cluster",           "title",
                                       "closes",    "opens", "closes_in_seconds", "contests",
                                       NULL};
    Tdkt__BallotOpen *b = NULL;
    json_t *root, *contests, *secs, *v;
    size_t i;
    int rc;

    *out = NULL;
    if ((rc = load(data, len, FORMS_BALLOT_MAX, "ballot", &root, why, cap)))
        return rc;
    if (!json_is_object(root)) {
        rc = refuse(why, cap, TDKT_EINVAL, "the file must hold one JSON object");
        goto out;
    }
    if ((rc = check_keys("the ballot", root, keys, why, cap)))
        goto out;
    json_array_foreach(json_object_get(root, "contests"), i, v)
    {
        if (json_is_object(v) && (rc = check_keys("a contest", v, contest_keys, why, cap)))
            goto out;
    }
    if (!(b = malloc(sizeof *b)))
        goto nomem;
    tdkt__ballot_open__init(b);
    if (set_string(root, "ballot_id", &b->ballot_id) ||
        set_string(root, "cluster", &b->cluster_code) || set_string(root, "title", &b->title))
        goto nomem;
    b->year = (uint32_t)json_integer_value(json_object_get(root, "year"));
    secs = json_object_get(root, "closes_in_seconds");
    if (secs) {
        json_int_t s = json_integer_value(secs);
        /* Checked before the sum, which a number above INT64_MAX / 1000
         * overflowed (undefined behaviour). The bound is the latest time
         * "closes" can write. */
        if (!json_is_integer(secs) || s < 1 || s > (CLOSES_MS_MAX - now_ms) / 1000) {
            rc = refuse(why, cap, TDKT_EINVAL,
                        "\"closes_in_seconds\" must be a whole number of seconds, 1 or more, "
                        "before the year 10000");
            goto out;
        }
        b->closes_ms = now_ms + 1000 * s;
    } else if (json_string_value(json_object_get(root, "closes")))
        b->closes_ms = parse_time(json_string_value(json_object_get(root, "closes")));
    if (json_string_value(json_object_get(root, "opens")))
        b->opens_ms = parse_time(json_string_value(json_object_get(root, "opens")));
    contests = json_object_get(root, "contests");
    if (b->closes_ms <= 0) {
        rc = refuse(why, cap, TDKT_EINVAL,
                    "\"closes\" (2023-12-20T17:00:00+07:00) or \"closes_in_seconds\" is required");
        goto out;
    }
    if (!json_is_array(contests) || json_array_size(contests) > BALLOT_CONTESTS_MAX) {
        rc = refuse(why, cap, TDKT_EINVAL, "\"contests\" must be a list of 1 to %d contests",
                    BALLOT_CONTESTS_MAX);
        goto out;
    }
    if (!(b->contests = calloc(json_array_size(contests) + 1, sizeof *b->contests)))
        goto nomem;
    json_array_foreach(contests, i, v)
    {
        if ((rc = parse_contest(v, &b->contests[b->n_contests], why, cap)))
            goto out;
        b->n_contests++;
    }
    {
        struct record_fault f;
        memset(&f, 0, sizeof f);
        if (ballot_rules_open_validate(b, &f) < 0) {
            rc = refuse(why, cap, TDKT_EINVAL, "%s: %s", f.field, f.why);
            goto out;
        }
    }
    *out = b;
    b = NULL;
    goto out;
nomem:
    rc = refuse(why, cap, TDKT_ENOMEM, "out of memory");
out:
    if (b)
        tdkt__ballot_open__free_unpacked(b, NULL);
    json_decref(root);
    return rc;
}

int forms_ballot_paper(const char *data, size_t len, Tdkt__BallotPaper **out, char *why, size_t cap)
{
    static const char *const keys[] = {"ballot_id", "year",    "cluster", "minutes_ref",
                                       "ballots",   "contest", "counts",  NULL};
    Tdkt__BallotPaper *p = NULL;
    json_t *root, *counts, *contest;
    size_t n;
    int rc;

    *out = NULL;
    if ((rc = load(data, len, FORMS_BALLOT_MAX, "ballot", &root, why, cap)))
        return rc;
    if (!json_is_object(root)) {
        rc = refuse(why, cap, TDKT_EINVAL, "the file must hold one JSON object");
        goto out;
    }
    contest = json_object_get(root, "contest");
    if ((rc = check_keys("the paper ballot", root, keys, why, cap)) ||
        (json_is_object(contest) &&
         (rc = check_keys("the contest", contest, contest_keys, why, cap))))
        goto out;
    if (!(p = malloc(sizeof *p)))
        goto nomem;
    tdkt__ballot_paper__init(p);
    if (set_string(root, "ballot_id", &p->ballot_id) ||
        set_string(root, "cluster", &p->cluster_code) ||
        set_string(root, "minutes_ref", &p->minutes_ref))
        goto nomem;
    p->year = (uint32_t)json_integer_value(json_object_get(root, "year"));
    p->ballots = (uint32_t)json_integer_value(json_object_get(root, "ballots"));
    counts = json_object_get(root, "counts");
    rc = parse_contest(contest, &p->contest, why, cap);
    if (rc == TDKT_ENOMEM)
        goto out;
    if (!p->contest || !json_is_object(counts)) {
        if (!p->contest)
            goto out;
        rc = refuse(why, cap, TDKT_EINVAL,
                    "\"contest\" and \"counts\" {CODE: {yes, no, abstain}} are required");
        goto out;
    }
    n = p->contest->n_candidates;
    if (n) {
        int yes_no = p->contest->method == TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO;

        if (!(p->yes = calloc(n, sizeof *p->yes)))
            goto nomem;
        p->n_yes = n;
        /* For the other methods only yes is read. */
        if (yes_no) {
            if (!(p->no = calloc(n, sizeof *p->no)) ||
                !(p->abstain = calloc(n, sizeof *p->abstain)))
                goto nomem;
            p->n_no = p->n_abstain = n;
        }
        for (size_t i = 0; i < n; i++) {
            json_t *c = json_object_get(counts, p->contest->candidates[i]);
            p->yes[i] = (uint32_t)json_integer_value(json_object_get(c, "yes"));
            if (yes_no) {
                p->no[i] = (uint32_t)json_integer_value(json_object_get(c, "no"));
                p->abstain[i] = (uint32_t)json_integer_value(json_object_get(c, "abstain"));
            }
        }
    }
    *out = p;
    p = NULL;
    goto out;
nomem:
    rc = refuse(why, cap, TDKT_ENOMEM, "out of memory");
out:
    if (p)
        tdkt__ballot_paper__free_unpacked(p, NULL);
    json_decref(root);
    return rc;
}

/* ---- dossiers ------------------------------------------------------------ */

static int title_parse(const char *s)
{
    for (const struct record_label *l = record_titles; s && l->code; l++)
        if (strcmp(l->code, s) == 0)
            return l->value;
    return 0;
}

int forms_dossier(const char *data, size_t len, Tdkt__SubmissionPut **out, char *why, size_t cap)
{
    static const char *const keys[] = {"submission_id", "year", "note", "proposals", NULL};
    static const char *const pkeys[] = {"id", "title", "person", "unit", "ballot", "note", NULL};
    Tdkt__SubmissionPut *m = NULL;
    json_t *root, *list, *v;
    size_t i;
    int rc;

    *out = NULL;
    if ((rc = load(data, len, FORMS_DOSSIER_MAX, "dossier", &root, why, cap)))
        return rc;
    if ((rc = check_keys("the dossier", root, keys, why, cap)))
        goto out;
    list = json_object_get(root, "proposals");
    if (!json_is_array(list) || json_array_size(list) == 0) {
        rc = refuse(why, cap, TDKT_EINVAL, "\"proposals\" must be a non-empty list");
        goto out;
    }
    if (!(m = malloc(sizeof *m)))
        goto nomem;
    tdkt__submission_put__init(m);
    if (set_string(root, "submission_id", &m->submission_id) || set_string(root, "note", &m->note))
        goto nomem;
    m->year = (uint32_t)json_integer_value(json_object_get(root, "year"));
    if (!(m->proposals = calloc(json_array_size(list), sizeof *m->proposals)))
        goto nomem;
    json_array_foreach(list, i, v)
    {
        Tdkt__Proposal *p = malloc(sizeof *p);
        char where[32];

        if (!p)
            goto nomem;
        tdkt__proposal__init(p);
        m->proposals[m->n_proposals++] = p;
        snprintf(where, sizeof where, "proposals[%zu]", i);
        if ((rc = check_keys(where, v, pkeys, why, cap)))
            goto out;
        if (set_string(v, "id", &p->proposal_id) || set_string(v, "person", &p->person_id) ||
            set_string(v, "unit", &p->unit_code) || set_string(v, "ballot", &p->ballot_id) ||
            set_string(v, "note", &p->note))
            goto nomem;
        p->title = (Tdkt__Title)title_parse(json_string_value(json_object_get(v, "title")));
        if (!p->title) {
            rc = refuse(why, cap, TDKT_EINVAL,
                        "%s: \"title\" must be a title code (LDTT, CSTDCS, CSTD_NGANH, TTLDXS, "
                        "CO_NGANH, ...)",
                        where);
            goto out;
        }
    }
    *out = m;
    m = NULL;
    goto out;
nomem:
    rc = refuse(why, cap, TDKT_ENOMEM, "out of memory");
out:
    if (m)
        tdkt__submission_put__free_unpacked(m, NULL);
    json_decref(root);
    return rc;
}
