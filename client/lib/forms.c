/* SPDX-License-Identifier: MIT */
/*
 * The ballot, paper ballot and dossier files; see forms.h. jansson reads
 * the tree; this module refuses unknown keys and builds the messages. A
 * ballot file is read by tables of its keys (struct form_key: how each
 * value is read and where it goes), so a key's type is said once. The
 * shape of a ballot is judged by ballot_rules_open_validate() and
 * ballot_rules_paper_validate(), the functions the server runs; what needs
 * the ledger (the roll, the persons, the period) is left to the server.
 *
 * The dossier is still read the older, lenient way: a value of the wrong
 * type is taken as absent, and its required fields then refused.
 */
#include "forms.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/domain/ballot_rules.h"
#include "common/domain/council_rules.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "common/wire/utf8.h"
#include "common/text/i18n.h"

#define SHOWN_MAX 64 /* bytes of a key or code quoted in a refusal */

__attribute__((format(printf, 4, 5))) static int forms_refuse(char *why, size_t cap, int rc,
                                                              const char *fmt, ...)
{
    va_list ap;

    if (!why || !cap)
        return rc;
    va_start(ap, fmt);
    utf8_vformat(why, cap, tdkt_gettext(fmt), ap);
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
        return forms_refuse(why, cap, TDKT_EIO, "%s", strerror(errno));
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
        fclose(f);
        return forms_refuse(why, cap, TDKT_ETOOBIG, "%jd bytes; a %s file holds at most %zu",
                            (intmax_t)st.st_size, what, max);
    }
    /* One byte more than allowed, to notice a file that is longer than its
     * size said or grew meanwhile. */
    if (!(buf = malloc(max + 2))) {
        fclose(f);
        return forms_refuse(why, cap, TDKT_ENOMEM, "out of memory");
    }
    n = fread(buf, 1, max + 1, f);
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        free(buf);
        return forms_refuse(why, cap, TDKT_EIO, "%s", strerror(e));
    }
    fclose(f);
    if (n > max) {
        free(buf);
        return forms_refuse(why, cap, TDKT_ETOOBIG,
                            "more than %zu bytes; a %s file holds at most %zu", max, what, max);
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
        return forms_refuse(why, cap, TDKT_ETOOBIG, "%zu bytes; a %s file holds at most %zu", len,
                            what, max);
    *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e);
    if (!*root)
        return forms_refuse(why, cap, TDKT_EINVAL, "line %d, column %d: %s", e.line, e.column,
                            e.text);
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
            return forms_refuse(why, cap, TDKT_EINVAL, "%s: unknown key '%.*s'", where, shown(key),
                                key);
    }
    return 0;
}

/* o[key] copied into *dst when it is a string; otherwise *dst is left as
 * it is (the protobuf-c empty string). The dossier's reader; the ballot
 * files are read strictly, below. */
static int set_string(const json_t *o, const char *key, char **dst)
{
    const char *s = json_string_value(json_object_get(o, key));

    if (!s)
        return 0;
    if (!(*dst = strdup(s)))
        return TDKT_ENOMEM;
    return 0;
}

/* ---- ballot files: every value of the type its key has ------------------ */

#define FORM_PATH_MAX 128 /* "contests[15].candidates[63]", "counts.CODE.abstain" */
/* The latest time a ballot file can write: 2100-12-31T23:59:59.999Z. Its
 * times are of the years 1970 to 2100, as a ballot's year is at most 2100. */
#define FORM_TIME_YEAR_MIN 1970
#define FORM_TIME_MS_MAX   4133980799999LL

/* One file being read: where a refusal goes, and what the readers need
 * besides the tree. */
struct form {
    char *why;
    size_t cap;
    const char *name;      /* the file at the top of a path: "the ballot" */
    int64_t now_ms;        /* when the command runs: closes_in_seconds */
    const char *closes_as; /* the key the closing time came from */
};

struct form_key;
/* Read v, at path in the file, into msg as k says; 0 or a refusal. */
typedef int (*form_read_fn)(struct form *fm, const char *path, const json_t *v, void *msg,
                            const struct form_key *k);

/* One key of an object: how its value is read, and where it goes. */
struct form_key {
    const char *key;
    form_read_fn read;              /* NULL: the caller reads it after the others */
    size_t offset;                  /* of the field read writes, in the message */
    int (*parse)(const char *name); /* a name's enum value (0: none) */
};

/* A name of a wire field and the key of the file that gives it. */
struct form_name {
    const char *wire;
    const char *file; /* NULL: the key the closing time came from */
};

/* "contests[0]" + "seats", or the top's "" + "year". */
static void path_key(char *out, const char *path, const char *key)
{
    utf8_format(out, FORM_PATH_MAX, "%s%s%.*s", path, *path ? "." : "", shown(key), key);
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "a whole number";
    case JSON_REAL:
        return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE:
        return "true or false";
    default:
        return "null";
    }
}

/* The value at path is not of the type its key has. */
static int form_type(struct form *fm, const char *path, const json_t *v, const char *want)
{
    return forms_refuse(fm->why, fm->cap, TDKT_EINVAL, "%s: must be %s, not %s",
                        *path ? path : fm->name, want, json_kind(v));
}

/* Every key of o known to keys, each read in the order of the file. */
static int form_object(struct form *fm, const char *path, const json_t *o,
                       const struct form_key *keys, void *msg)
{
    char sub[FORM_PATH_MAX];
    const char *key;
    json_t *v;
    int rc;

    if (!json_is_object(o))
        return form_type(fm, path, o, "an object");
    json_object_foreach((json_t *)o, key, v)
    {
        const struct form_key *k = keys;

        while (k->key && strcmp(k->key, key) != 0)
            k++;
        if (!k->key)
            return forms_refuse(fm->why, fm->cap, TDKT_EINVAL, "%s: unknown key '%.*s'",
                                *path ? path : fm->name, shown(key), key);
        path_key(sub, path, key);
        if (k->read && (rc = k->read(fm, sub, v, msg, k)) != 0)
            return rc;
    }
    return 0;
}

static int read_text(struct form *fm, const char *path, const json_t *v, void *msg,
                     const struct form_key *k)
{
    char **dst = (char **)((char *)msg + k->offset);

    if (!json_is_string(v))
        return form_type(fm, path, v, "a string");
    if (!(*dst = strdup(json_string_value(v))))
        return forms_refuse(fm->why, fm->cap, TDKT_ENOMEM, "out of memory");
    return 0;
}

/* A whole number that fits the wire's uint32; its range is the rules'. */
static int json_uint32(struct form *fm, const char *path, const json_t *v, uint32_t *dst)
{
    json_int_t n = json_integer_value(v);

    if (!json_is_integer(v))
        return form_type(fm, path, v, "a whole number");
    if (n < 0 || n > UINT32_MAX)
        return forms_refuse(fm->why, fm->cap, TDKT_EINVAL,
                            "%s: must be a whole number from 0 to %u, not %lld", path, UINT32_MAX,
                            (long long)n);
    *dst = (uint32_t)n;
    return 0;
}

static int read_uint(struct form *fm, const char *path, const json_t *v, void *msg,
                     const struct form_key *k)
{
    return json_uint32(fm, path, v, (uint32_t *)((char *)msg + k->offset));
}

static int read_bool(struct form *fm, const char *path, const json_t *v, void *msg,
                     const struct form_key *k)
{
    if (!json_is_boolean(v))
        return form_type(fm, path, v, "true or false");
    *(protobuf_c_boolean *)((char *)msg + k->offset) = json_is_true(v);
    return 0;
}

/* A name for an enum: a name the rules do not know is 0, which they
 * refuse with the names they take. */
static int read_name(struct form *fm, const char *path, const json_t *v, void *msg,
                     const struct form_key *k)
{
    if (!json_is_string(v))
        return form_type(fm, path, v, "a string");
    *(int *)((char *)msg + k->offset) = k->parse(json_string_value(v));
    return 0;
}

/* Two digits at s, or -1. */
static int two_digits(const char *s)
{
    return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' ? (s[0] - '0') * 10 + s[1] - '0'
                                                                    : -1;
}

/* "2023-12-20T17:00:00Z", or with "+07:00" or "-05:30", a real day of the
 * calendar (records.c judges it: month lengths, leap years). */
static int read_time(struct form *fm, const char *path, const json_t *v, void *msg,
                     const struct form_key *k)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    const char *s = json_string_value(v);
    char day[11];
    struct tm tm;
    int y, h, mi, sec, oh = 0, om = 0, sign = 0, ok;
    int64_t t;

    if (!json_is_string(v))
        return form_type(fm, path, v, "a string");
    ok = strlen(s) >= sizeof shape;
    for (size_t i = 0; ok && i + 1 < sizeof shape; i++)
        ok = shape[i] == 'd' ? s[i] >= '0' && s[i] <= '9' : s[i] == shape[i];
    if (ok && strcmp(s + sizeof shape - 1, "Z") != 0) {
        const char *z = s + sizeof shape - 1;
        sign = *z == '+' ? 1 : *z == '-' ? -1 : 0;
        oh = two_digits(z + 1);
        om = sign && oh >= 0 && z[3] == ':' ? two_digits(z + 4) : -1;
        ok = sign && oh >= 0 && oh <= 23 && om >= 0 && om <= 59 && z[6] == '\0';
    }
    h = ok ? two_digits(s + 11) : 0;
    mi = ok ? two_digits(s + 14) : 0;
    sec = ok ? two_digits(s + 17) : 0;
    if (!ok || h > 23 || mi > 59 || sec > 59)
        return forms_refuse(fm->why, fm->cap, TDKT_EINVAL,
                            "%s: '%.*s' is not a time YYYY-MM-DDTHH:MM:SS followed by Z, +HH:MM or "
                            "-HH:MM",
                            path, shown(s), s);
    memcpy(day, s, 10);
    day[10] = '\0';
    y = atoi(day);
    if (y < FORM_TIME_YEAR_MIN || y > RECORD_YEAR_MAX)
        return forms_refuse(fm->why, fm->cap, TDKT_EINVAL, "%s: the year %d is not from %d to %d",
                            path, y, FORM_TIME_YEAR_MIN, RECORD_YEAR_MAX);
    if (!record_date_valid(day))
        return forms_refuse(fm->why, fm->cap, TDKT_EINVAL, "%s: %s is not a day of the calendar",
                            path, day);
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = two_digits(s + 5) - 1;
    tm.tm_mday = two_digits(s + 8);
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = (int64_t)timegm(&tm) - sign * (int64_t)(oh * 3600 + om * 60);
    *(int64_t *)((char *)msg + k->offset) = t * 1000;
    if (strcmp(k->key, "closes") == 0)
        fm->closes_as = k->key;
    return 0;
}

/* closes_in_seconds: the closing time, counted from when the command runs. */
static int read_seconds(struct form *fm, const char *path, const json_t *v, void *msg,
                        const struct form_key *k)
{
    json_int_t n = json_integer_value(v);

    if (!json_is_integer(v))
        return form_type(fm, path, v, "a whole number");
    /* Checked before the sum, which a number above INT64_MAX / 1000
     * overflowed (undefined behaviour). */
    if (n < 1 || n > (FORM_TIME_MS_MAX - fm->now_ms) / 1000)
        return forms_refuse(fm->why, fm->cap, TDKT_EINVAL,
                            "%s: must be a whole number of seconds, 1 or more, before the year %d",
                            path, RECORD_YEAR_MAX + 1);
    *(int64_t *)((char *)msg + k->offset) = fm->now_ms + 1000 * n;
    fm->closes_as = k->key;
    return 0;
}

/* Every element of the list v, each at its path "path[i]", by one(), which
 * is told how many there are (to make room in msg for them all). */
static int
form_each(struct form *fm, const char *path, const json_t *v, const char *want, void *msg,
          int (*one)(struct form *fm, const char *path, const json_t *e, size_t n, void *msg))
{
    char sub[FORM_PATH_MAX];
    json_t *e;
    size_t i;
    int rc;

    if (!json_is_array(v))
        return form_type(fm, path, v, want);
    json_array_foreach(v, i, e)
    {
        utf8_format(sub, sizeof sub, "%s[%zu]", path, i);
        if ((rc = one(fm, sub, e, json_array_size(v), msg)) != 0)
            return rc;
    }
    return 0;
}

static int one_candidate(struct form *fm, const char *path, const json_t *e, size_t n, void *msg)
{
    Tdkt__Contest *c = msg;

    if (!c->candidates && !(c->candidates = calloc(n, sizeof *c->candidates)))
        return forms_refuse(fm->why, fm->cap, TDKT_ENOMEM, "out of memory");
    if (!json_is_string(e))
        return form_type(fm, path, e, "a string (a unit code)");
    if (!(c->candidates[c->n_candidates] = strdup(json_string_value(e))))
        return forms_refuse(fm->why, fm->cap, TDKT_ENOMEM, "out of memory");
    c->n_candidates++;
    return 0;
}

/* The candidates: a list of unit codes, each a string. */
static int read_candidates(struct form *fm, const char *path, const json_t *v, void *msg,
                           const struct form_key *k)
{
    (void)k;
    return form_each(fm, path, v, "a list of unit codes", msg, one_candidate);
}

static const struct form_key contest_keys[] = {
    {"code", read_text, offsetof(Tdkt__Contest, code), NULL},
    {"purpose", read_name, offsetof(Tdkt__Contest, purpose), ballot_rules_purpose_parse},
    {"title", read_text, offsetof(Tdkt__Contest, title), NULL},
    {"candidates", read_candidates, 0, NULL},
    {"seats", read_uint, offsetof(Tdkt__Contest, seats), NULL},
    {"method", read_name, offsetof(Tdkt__Contest, method), ballot_rules_method_parse},
    {"secret", read_bool, offsetof(Tdkt__Contest, secret), NULL},
    {"max_choices", read_uint, offsetof(Tdkt__Contest, max_choices), NULL},
    {"threshold_pct", read_uint, offsetof(Tdkt__Contest, threshold_pct), NULL},
    {NULL, NULL, 0, NULL},
};

/* One contest object into a new message in *out (the caller frees it,
 * also after a refusal). A contest without "seats" has one seat. */
static int contest_new(struct form *fm, const char *path, const json_t *v, Tdkt__Contest **out)
{
    if (!(*out = malloc(sizeof **out)))
        return forms_refuse(fm->why, fm->cap, TDKT_ENOMEM, "out of memory");
    tdkt__contest__init(*out);
    if (json_is_object(v) && !json_object_get(v, "seats"))
        (*out)->seats = 1;
    return form_object(fm, path, v, contest_keys, *out);
}

static int one_contest(struct form *fm, const char *path, const json_t *e, size_t n, void *msg)
{
    Tdkt__BallotOpen *b = msg;
    int rc;

    if (!b->contests && !(b->contests = calloc(n, sizeof *b->contests)))
        return forms_refuse(fm->why, fm->cap, TDKT_ENOMEM, "out of memory");
    rc = contest_new(fm, path, e, &b->contests[b->n_contests]);
    b->n_contests += b->contests[b->n_contests] != NULL;
    return rc;
}

static int read_contests(struct form *fm, const char *path, const json_t *v, void *msg,
                         const struct form_key *k)
{
    (void)k;
    return form_each(fm, path, v, "a list of contests", msg, one_contest);
}

static int read_contest(struct form *fm, const char *path, const json_t *v, void *msg,
                        const struct form_key *k)
{
    (void)k;
    return contest_new(fm, path, v, &((Tdkt__BallotPaper *)msg)->contest);
}

/* The three keys a ballot file and a paper ballot file begin with, read
 * into a message of type T. */
// clang-format off
#define FORM_HEADER_KEYS(T)                                                                        \
    {"ballot_id", read_text, offsetof(T, ballot_id), NULL},                                        \
    {"year", read_uint, offsetof(T, year), NULL},                                                  \
    {"cluster", read_text, offsetof(T, cluster_code), NULL}
// clang-format on

/* The end of reading a file into m: m when rc is 0, else NULL with m
 * freed; the tree goes either way. */
static ProtobufCMessage *form_keep(int rc, ProtobufCMessage *m, json_t *root)
{
    json_decref(root);
    if (rc == 0)
        return m;
    protobuf_c_message_free_unpacked(m, NULL);
    return NULL;
}

/* A refusal of the rules (ballot_rules.c), which name wire fields, with
 * the file's name for the field. */
static int form_fault(struct form *fm, const struct fault *f, const struct form_name *names)
{
    const char *field = f->field;

    for (const struct form_name *n = names; n->wire; n++)
        if (strcmp(f->field, n->wire) == 0)
            field = n->file ? n->file : fm->closes_as;
    return forms_refuse(fm->why, fm->cap, TDKT_EINVAL, "%s: %s", field, f->why.text);
}

/* The root object of a ballot file, read by keys into msg. */
static int form_root(struct form *fm, const char *data, size_t len, json_t **root,
                     const struct form_key *keys, void *msg)
{
    int rc = load(data, len, FORMS_BALLOT_MAX, "ballot", root, fm->why, fm->cap);

    if (rc == 0 && !json_is_object(*root))
        rc = forms_refuse(fm->why, fm->cap, TDKT_EINVAL, "the file must hold one JSON object");
    return rc ? rc : form_object(fm, "", *root, keys, msg);
}

int forms_ballot_open(const char *data, size_t len, int64_t now_ms, Tdkt__BallotOpen **out,
                      char *why, size_t cap)
{
    static const struct form_key keys[] = {
        FORM_HEADER_KEYS(Tdkt__BallotOpen),
        {"title", read_text, offsetof(Tdkt__BallotOpen, title), NULL},
        {"closes", read_time, offsetof(Tdkt__BallotOpen, closes_ms), NULL},
        {"opens", read_time, offsetof(Tdkt__BallotOpen, opens_ms), NULL},
        {"closes_in_seconds", read_seconds, offsetof(Tdkt__BallotOpen, closes_ms), NULL},
        {"contests", read_contests, 0, NULL},
        {NULL, NULL, 0, NULL},
    };
    static const struct form_name names[] = {
        {"cluster_code", "cluster"}, {"opens_ms", "opens"}, {"closes_ms", NULL}, {NULL, NULL}};
    struct form fm = {why, cap, "the ballot", now_ms, "closes"};
    Tdkt__BallotOpen *b = malloc(sizeof *b);
    struct fault f;
    json_t *root = NULL;
    int rc;

    *out = NULL;
    if (!b)
        return forms_refuse(why, cap, TDKT_ENOMEM, "out of memory");
    tdkt__ballot_open__init(b);
    rc = form_root(&fm, data, len, &root, keys, b);
    if (rc == 0 && json_object_get(root, "closes") && json_object_get(root, "closes_in_seconds"))
        rc = forms_refuse(why, cap, TDKT_EINVAL,
                          "closes_in_seconds: give \"closes\" or \"closes_in_seconds\", not both");
    memset(&f, 0, sizeof f);
    if (rc == 0 && ballot_rules_open_validate(b, &f) < 0)
        rc = form_fault(&fm, &f, names);
    *out = form_keep(rc, &b->base, root) ? b : NULL;
    return rc;
}

/* The counts of one candidate, as the file gives them. */
struct form_count {
    uint32_t yes, no, abstain;
};

/* counts: {CODE: {"yes": N, "no": N, "abstain": N}} for every candidate
 * of the contest and no other; no and abstain for a yes_no contest only,
 * where they are required. */
static int read_counts(struct form *fm, const json_t *counts, Tdkt__BallotPaper *p)
{
    static const struct form_key yes_only[] = {
        {"yes", read_uint, offsetof(struct form_count, yes), NULL}, {NULL, NULL, 0, NULL}};
    static const struct form_key yes_no[] = {
        {"yes", read_uint, offsetof(struct form_count, yes), NULL},
        {"no", read_uint, offsetof(struct form_count, no), NULL},
        {"abstain", read_uint, offsetof(struct form_count, abstain), NULL},
        {NULL, NULL, 0, NULL}};
    const Tdkt__Contest *c = p->contest;
    int all = c->method == TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO;
    size_t n = c->n_candidates;
    char path[FORM_PATH_MAX];
    const char *key;
    json_t *v;
    int rc;

    if (!json_is_object(counts))
        return form_type(fm, "counts", counts, "an object {CODE: {\"yes\": N, ...}}");
    json_object_foreach((json_t *)counts, key, v)
    {
        size_t i = 0;
        while (i < n && strcmp(c->candidates[i], key) != 0)
            i++;
        if (i == n)
            return forms_refuse(fm->why, fm->cap, TDKT_EINVAL,
                                "counts: '%.*s' is not a candidate of the contest", shown(key),
                                key);
    }
    if (!(p->yes = calloc(n + 1, sizeof *p->yes)) ||
        (all && (!(p->no = calloc(n + 1, sizeof *p->no)) ||
                 !(p->abstain = calloc(n + 1, sizeof *p->abstain)))))
        return forms_refuse(fm->why, fm->cap, TDKT_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct form_count k = {0, 0, 0};
        const json_t *one = json_object_get(counts, c->candidates[i]);

        path_key(path, "counts", c->candidates[i]);
        if (!one)
            return forms_refuse(fm->why, fm->cap, TDKT_EINVAL,
                                "%s: missing: the minutes give a count for every candidate", path);
        if (!all && json_is_object(one) &&
            (json_object_get(one, "no") || json_object_get(one, "abstain")))
            return forms_refuse(fm->why, fm->cap, TDKT_EINVAL,
                                "%s: a %s contest counts only \"yes\"; \"no\" and \"abstain\" are "
                                "for yes_no",
                                path, ballot_rules_method_name(c->method));
        if ((rc = form_object(fm, path, one, all ? yes_no : yes_only, &k)))
            return rc;
        if (!json_object_get(one, "yes") ||
            (all && (!json_object_get(one, "no") || !json_object_get(one, "abstain"))))
            return forms_refuse(fm->why, fm->cap, TDKT_EINVAL, "%s: %s required", path,
                                all ? "\"yes\", \"no\" and \"abstain\" are" : "\"yes\" is");
        p->yes[p->n_yes++] = k.yes;
        if (all) {
            p->no[p->n_no++] = k.no;
            p->abstain[p->n_abstain++] = k.abstain;
        }
    }
    return 0;
}

int forms_ballot_paper(const char *data, size_t len, Tdkt__BallotPaper **out, char *why, size_t cap)
{
    static const struct form_key keys[] = {
        FORM_HEADER_KEYS(Tdkt__BallotPaper),
        {"minutes_ref", read_text, offsetof(Tdkt__BallotPaper, minutes_ref), NULL},
        {"ballots", read_uint, offsetof(Tdkt__BallotPaper, ballots), NULL},
        {"contest", read_contest, 0, NULL},
        {"counts", NULL, 0, NULL},
        {NULL, NULL, 0, NULL},
    };
    static const struct form_name names[] = {{"cluster_code", "cluster"},
                                             {"yes", "counts"},
                                             {"no", "counts"},
                                             {"abstain", "counts"},
                                             {NULL, NULL}};
    struct form fm = {why, cap, "the paper ballot", 0, "closes"};
    Tdkt__BallotPaper *p = malloc(sizeof *p);
    struct fault f;
    json_t *root = NULL, *counts;
    int rc;

    *out = NULL;
    if (!p)
        return forms_refuse(why, cap, TDKT_ENOMEM, "out of memory");
    tdkt__ballot_paper__init(p);
    rc = form_root(&fm, data, len, &root, keys, p);
    counts = rc == 0 ? json_object_get(root, "counts") : NULL;
    if (rc == 0 && p->contest && !counts)
        rc = forms_refuse(why, cap, TDKT_EINVAL,
                          "counts: required: {CODE: {\"yes\": N, ...}} for every candidate");
    if (rc == 0 && p->contest)
        rc = read_counts(&fm, counts, p);
    memset(&f, 0, sizeof f);
    if (rc == 0 && ballot_rules_paper_validate(p, &f) < 0)
        rc = form_fault(&fm, &f, names);
    *out = form_keep(rc, &p->base, root) ? p : NULL;
    return rc;
}

/* ---- titles ------------------------------------------------------------- */

static int title_parse(const char *s)
{
    for (const struct record_label *l = record_titles; s && l->code; l++)
        if (strcmp(l->code, s) == 0)
            return l->value;
    return 0;
}

/* A title by its code (LDTT, CSTD_NGANH, ...); an unknown one is refused with
 * the codes there are. */
static int read_title(struct form *fm, const char *path, const json_t *v, void *msg,
                      const struct form_key *k)
{
    int t;

    if (!json_is_string(v))
        return form_type(fm, path, v, "a string (a title code)");
    if (!(t = title_parse(json_string_value(v))))
        return forms_refuse(fm->why, fm->cap, TDKT_EINVAL,
                            "%s: '%.*s' is not a title code (LDTT, CSTDCS, CSTD_NGANH, CSTD_TQ, "
                            "TTLDTT, TTLDXS, CO_NGANH, CO_CP, BK_VT, BK_TTG, HCLD_1..3)",
                            path, shown(json_string_value(v)), json_string_value(v));
    *(int *)((char *)msg + k->offset) = t;
    return 0;
}

/* ---- Council votes --------------------------------------------------------- */

static const struct form_key subject_keys[] = {
    {"person", read_text, offsetof(Tdkt__CouncilSubject, person_id), NULL},
    {"unit", read_text, offsetof(Tdkt__CouncilSubject, unit_code), NULL},
    {"title", read_title, offsetof(Tdkt__CouncilSubject, title), NULL},
    {NULL, NULL, 0, NULL},
};

static int one_subject(struct form *fm, const char *path, const json_t *e, size_t n, void *msg)
{
    Tdkt__CouncilContest *c = msg;
    Tdkt__CouncilSubject *s;

    if (!c->subjects && !(c->subjects = calloc(n, sizeof *c->subjects)))
        return forms_refuse(fm->why, fm->cap, TDKT_ENOMEM, "out of memory");
    if (!(s = malloc(sizeof *s)))
        return forms_refuse(fm->why, fm->cap, TDKT_ENOMEM, "out of memory");
    tdkt__council_subject__init(s);
    c->subjects[c->n_subjects++] = s;
    return form_object(fm, path, e, subject_keys, s);
}

static int read_subjects(struct form *fm, const char *path, const json_t *v, void *msg,
                         const struct form_key *k)
{
    (void)k;
    return form_each(fm, path, v, "a list of {person or unit, title}", msg, one_subject);
}

static const struct form_key council_contest_keys[] = {
    {"code", read_text, offsetof(Tdkt__CouncilContest, code), NULL},
    {"subjects", read_subjects, 0, NULL},
    {"yes", read_uint, offsetof(Tdkt__CouncilContest, yes), NULL},
    {"no", read_uint, offsetof(Tdkt__CouncilContest, no), NULL},
    {"abstain", read_uint, offsetof(Tdkt__CouncilContest, abstain), NULL},
    {NULL, NULL, 0, NULL},
};

static int one_council_contest(struct form *fm, const char *path, const json_t *e, size_t n,
                               void *msg)
{
    Tdkt__CouncilVote *v = msg;
    Tdkt__CouncilContest *c;

    if (!v->contests && !(v->contests = calloc(n, sizeof *v->contests)))
        return forms_refuse(fm->why, fm->cap, TDKT_ENOMEM, "out of memory");
    if (!(c = malloc(sizeof *c)))
        return forms_refuse(fm->why, fm->cap, TDKT_ENOMEM, "out of memory");
    tdkt__council_contest__init(c);
    v->contests[v->n_contests++] = c;
    return form_object(fm, path, e, council_contest_keys, c);
}

static int read_council_contests(struct form *fm, const char *path, const json_t *v, void *msg,
                                 const struct form_key *k)
{
    (void)k;
    return form_each(fm, path, v, "a list of contests", msg, one_council_contest);
}

/* "paper" (the counts from the minutes) or "electronic" (the members cast). */
static int vote_mode_parse(const char *s)
{
    if (strcmp(s, "paper") == 0)
        return TDKT__VOTE_MODE__VOTE_MODE_PAPER;
    if (strcmp(s, "electronic") == 0)
        return TDKT__VOTE_MODE__VOTE_MODE_ELECTRONIC;
    return 0;
}

int forms_council_vote(const char *data, size_t len, Tdkt__CouncilVote **out, char *why, size_t cap)
{
    static const struct form_key keys[] = {
        {"vote_id", read_text, offsetof(Tdkt__CouncilVote, vote_id), NULL},
        {"year", read_uint, offsetof(Tdkt__CouncilVote, year), NULL},
        {"council", read_text, offsetof(Tdkt__CouncilVote, council_code), NULL},
        {"secret", read_bool, offsetof(Tdkt__CouncilVote, secret), NULL},
        {"mode", read_name, offsetof(Tdkt__CouncilVote, mode), vote_mode_parse},
        {"minutes_ref", read_text, offsetof(Tdkt__CouncilVote, minutes_ref), NULL},
        {"held_on", read_text, offsetof(Tdkt__CouncilVote, held_on), NULL},
        {"contests", read_council_contests, 0, NULL},
        {NULL, NULL, 0, NULL},
    };
    struct form fm = {why, cap, "the Council vote", 0, ""};
    Tdkt__CouncilVote *v = malloc(sizeof *v);
    struct fault f;
    json_t *root = NULL;
    int rc;

    *out = NULL;
    if (!v)
        return forms_refuse(why, cap, TDKT_ENOMEM, "out of memory");
    tdkt__council_vote__init(v);
    /* Without "mode", the file is the paper ballot's counts (council.h). */
    v->mode = TDKT__VOTE_MODE__VOTE_MODE_PAPER;
    rc = form_root(&fm, data, len, &root, keys, v);
    memset(&f, 0, sizeof f);
    if (rc == 0 && council_rules_vote_validate(v, &f) < 0) {
        /* The rules name wire fields under council_vote.; the file has them bare. */
        const char *field = strncmp(f.field, "council_vote.", 13) == 0 ? f.field + 13 : f.field;

        rc = forms_refuse(why, cap, TDKT_EINVAL, "%s: %s",
                          strcmp(field, "council_code") == 0 ? "council" : field, f.why.text);
    }
    *out = form_keep(rc, &v->base, root) ? v : NULL;
    return rc;
}

/* One CONTEST=ANSWER of a cast into c. */
static int cast_spec(const char *spec, Tdkt__CouncilChoice *c, char *why, size_t cap)
{
    const char *eq = strchr(spec, '=');
    static const struct {
        const char *word;
        Tdkt__VoteAnswer answer;
    } answers[] = {
        {"yes", TDKT__VOTE_ANSWER__VOTE_ANSWER_YES},
        {"no", TDKT__VOTE_ANSWER__VOTE_ANSWER_NO},
        {"abstain", TDKT__VOTE_ANSWER__VOTE_ANSWER_ABSTAIN},
    };

    if (!eq || eq == spec)
        return forms_refuse(why, cap, TDKT_EINVAL,
                            "'%.*s': write CONTEST=yes, CONTEST=no or CONTEST=abstain", shown(spec),
                            spec);
    if (!(c->contest = strndup(spec, (size_t)(eq - spec))))
        return forms_refuse(why, cap, TDKT_ENOMEM, "out of memory");
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++)
        if (strcmp(eq + 1, answers[i].word) == 0) {
            c->answer = answers[i].answer;
            return 0;
        }
    return forms_refuse(why, cap, TDKT_EINVAL,
                        "'%.*s': the answer to contest '%.*s' is yes, no or abstain, not '%.*s'",
                        shown(spec), spec, shown(c->contest), c->contest, shown(eq + 1), eq + 1);
}

int forms_council_cast(const char *vote_id, char *const *specs, size_t n,
                       const uint8_t nonce[COUNCIL_NONCE_LEN], Tdkt__CouncilCast **out, char *why,
                       size_t cap)
{
    Tdkt__CouncilCast *m = calloc(1, sizeof *m);
    struct fault f;
    int rc = 0;

    *out = NULL;
    if (!m)
        return forms_refuse(why, cap, TDKT_ENOMEM, "out of memory");
    tdkt__council_cast__init(m);
    m->vote_id = strdup(vote_id ? vote_id : "");
    m->nonce.data = malloc(COUNCIL_NONCE_LEN);
    m->choices = calloc(n ? n : 1, sizeof *m->choices);
    if (!m->vote_id || !m->nonce.data || !m->choices)
        rc = forms_refuse(why, cap, TDKT_ENOMEM, "out of memory");
    if (rc == 0) {
        memcpy(m->nonce.data, nonce, COUNCIL_NONCE_LEN);
        m->nonce.len = COUNCIL_NONCE_LEN;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        Tdkt__CouncilChoice *c = malloc(sizeof *c);
        if (!c) {
            rc = forms_refuse(why, cap, TDKT_ENOMEM, "out of memory");
            break;
        }
        tdkt__council_choice__init(c);
        m->choices[m->n_choices++] = c;
        rc = cast_spec(specs[i], c, why, cap);
    }
    memset(&f, 0, sizeof f);
    if (rc == 0 && council_rules_cast_validate(m, &f) < 0) {
        size_t i;
        /* The rules name wire fields; the command line has arguments. */
        if (sscanf(f.field, "council_cast.choices[%zu]", &i) == 1 && i < n)
            rc = forms_refuse(why, cap, TDKT_EINVAL, "'%.*s': %s", shown(specs[i]), specs[i],
                              f.why.text);
        else
            rc = forms_refuse(why, cap, TDKT_EINVAL, "%s: %s",
                              strcmp(f.field, "council_cast.vote_id") == 0   ? "VOTE_ID"
                              : strcmp(f.field, "council_cast.choices") == 0 ? "CONTEST=ANSWER"
                                                                             : f.field,
                              f.why.text);
    }
    if (rc < 0) {
        tdkt__council_cast__free_unpacked(m, NULL);
        return rc;
    }
    *out = m;
    return 0;
}

/* ---- dossiers ------------------------------------------------------------ */

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
        rc = forms_refuse(why, cap, TDKT_EINVAL, "\"proposals\" must be a non-empty list");
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
            rc = forms_refuse(
                why, cap, TDKT_EINVAL,
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
    rc = forms_refuse(why, cap, TDKT_ENOMEM, "out of memory");
out:
    if (m)
        tdkt__submission_put__free_unpacked(m, NULL);
    json_decref(root);
    return rc;
}
