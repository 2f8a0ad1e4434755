/* SPDX-License-Identifier: MIT */
/*
 * Results import: CSV and JSON files to result records; see import.h. This
 * file holds the entry points: the format (extension, else the content),
 * the options checked, the run set up and torn down, the file read within
 * IMPORT_FILE_MAX, and the result freed. The work is in the modules below.
 *
 * Both formats are brought to the same shape before any value is read: a
 * row of the kind's columns (import_row.h), each value with its place in
 * the file, filled by import_csv.c or import_json.c. One set of converters
 * (import_value.c: numbers, booleans, enum spellings, dates, persons) then
 * builds the record, so the two formats accept the same spellings and word
 * their errors the same way.
 */
#include "import.h"

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "client/lib/import_csv.h"
#include "client/lib/import_json.h"
#include "client/lib/import_row.h"
#include "client/lib/import_value.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "common/wire/utf8.h"

#define IMPORT_READ_CHUNK (64u * 1024u)

/* JSON when the first character after a BOM and white space opens one. */
static const char *sniff(const char *data, size_t len)
{
    size_t i = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

    while (i < len && import_row_blank(data[i]))
        i++;
    return i < len && (data[i] == '{' || data[i] == '[') ? "json" : "csv";
}

/* A failure before any row was read: one error, no line. */
__attribute__((format(printf, 3, 4))) static int result_fail(struct import_result *out, int rc,
                                                             const char *fmt, ...)
{
    va_list ap;

    if (!out->errors && !(out->errors = calloc(1, sizeof *out->errors)))
        return TDKT_ENOMEM;
    out->nerrors = 1;
    va_start(ap, fmt);
    vsnprintf(out->errors[0].message, sizeof out->errors[0].message, fmt, ap);
    va_end(ap);
    utf8_scrub(out->errors[0].message);
    return rc;
}

static void groups_free(struct import_result *r)
{
    for (size_t i = 0; i < r->ngroups; i++) {
        for (size_t k = 0; k < r->groups[i].n; k++)
            tdkt__result_record__free_unpacked(r->groups[i].records[k], NULL);
        free(r->groups[i].records);
    }
    free(r->groups);
    r->groups = NULL;
    r->ngroups = 0;
    r->nrecords = 0;
}

void import_result_free(struct import_result *r)
{
    if (!r)
        return;
    groups_free(r);
    free(r->errors);
    memset(r, 0, sizeof *r);
}

int import_buffer(const char *data, size_t len, const char *format, const struct import_opts *o,
                  struct import_result *out)
{
    static const struct import_opts none = {0};
    struct import_state *m;
    int rc;

    memset(out, 0, sizeof *out);
    if (!o)
        o = &none;
    if (len > IMPORT_FILE_MAX)
        return result_fail(out, TDKT_ETOOBIG, "the file is larger than %u MiB",
                           IMPORT_FILE_MAX / (1024u * 1024u));
    if (!format)
        format = sniff(data, len);
    if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
        return result_fail(out, TDKT_EINVAL, "unknown format '%.20s': csv or json", format);
    if (o->unit && !record_unit_code_valid(o->unit))
        return result_fail(out, TDKT_EINVAL, "--unit '%.64s' is not a unit code", o->unit);
    if (o->year && !record_year_valid(o->year))
        return result_fail(out, TDKT_EINVAL, "--year %u is not a year from %d to %d", o->year,
                           RECORD_YEAR_MIN, RECORD_YEAR_MAX);
    if (o->kind && !import_kind_valid(o->kind))
        return result_fail(out, TDKT_EINVAL,
                           "--kind '%.40s' is not a kind: target, task, task_plan, product, score, "
                           "unit_rating, person_rating, registration, initiative or facts",
                           o->kind);
    if (!(m = calloc(1, sizeof *m)))
        return TDKT_ENOMEM;
    m->o = o;
    m->out = out;
    m->c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    import_value_init(m);
    if (strcmp(format, "json") == 0)
        import_json_read(m, data, len);
    else
        import_csv_read(m, data, len);
    rc = m->nomem ? TDKT_ENOMEM : out->nerrors ? TDKT_EINVAL : 0;
    if (rc < 0)
        groups_free(out); /* nothing of a bad file is kept */
    import_row_dups_free(m);
    if (m->c_numeric)
        freelocale(m->c_numeric);
    free(m);
    return rc;
}

/* The format an extension names, or NULL. */
static const char *format_of(const char *path)
{
    const char *dot = strrchr(path, '.');

    if (dot && strchr(dot, '/') == NULL) {
        if (strcasecmp(dot, ".csv") == 0)
            return "csv";
        if (strcasecmp(dot, ".json") == 0)
            return "json";
    }
    return NULL;
}

int import_file(const char *path, const struct import_opts *o, struct import_result *out)
{
    FILE *f;
    struct stat st;
    char *buf = NULL, *p;
    size_t len = 0, cap;
    int rc;

    memset(out, 0, sizeof *out);
    if (!(f = fopen(path, "rb")))
        return result_fail(out, TDKT_EIO, "cannot open %.120s: %s", path, strerror(errno));
    if (fstat(fileno(f), &st) == 0 && st.st_size > (off_t)IMPORT_FILE_MAX) {
        fclose(f);
        return result_fail(out, TDKT_ETOOBIG, "%.120s is larger than %u MiB", path,
                           IMPORT_FILE_MAX / (1024u * 1024u));
    }
    /* The size is a hint: the file may change while it is read. */
    cap = (st.st_size > 0 ? (size_t)st.st_size : IMPORT_READ_CHUNK) + 1;
    if (!(buf = malloc(cap))) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    for (;;) {
        size_t n;

        if (len == cap) {
            if (!(p = realloc(buf, cap * 2))) {
                rc = TDKT_ENOMEM;
                goto out;
            }
            buf = p;
            cap *= 2;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len > IMPORT_FILE_MAX) {
            rc = result_fail(out, TDKT_ETOOBIG, "%.120s is larger than %u MiB", path,
                             IMPORT_FILE_MAX / (1024u * 1024u));
            goto out;
        }
        if (n == 0) {
            if (ferror(f)) {
                rc = result_fail(out, TDKT_EIO, "cannot read %.120s: %s", path, strerror(errno));
                goto out;
            }
            break;
        }
    }
    fclose(f);
    f = NULL;
    rc = import_buffer(buf, len, format_of(path), o, out);
out:
    if (f)
        fclose(f);
    free(buf);
    return rc;
}
