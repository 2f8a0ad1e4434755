/* SPDX-License-Identifier: MIT */
/*
 * Results import: CSV, XLSX and JSON files to result records; see import.h.
 * This file holds the entry points: the format (what the content is, else
 * the extension, else the content again), a file of another kind refused
 * with what it is, the options checked, the run set up and torn down, the
 * file read within IMPORT_FILE_MAX, the result freed, and how an error's
 * place is written.
 *
 * Every format is brought to the same shape before any value is read: a
 * row of the kind's columns (import_row.h), each value with its place in
 * the file, filled by the table mapping (import_csv.c, from CSV lines or
 * from a workbook's rows through import_xlsx.c) or by import_json.c. One
 * set of converters (import_value.c: numbers, booleans, enum spellings,
 * dates, persons) then builds the record, so the formats accept the same
 * spellings and word their errors the same way.
 */
#include "import.h"

#include <errno.h>
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
#include "client/lib/import_xlsx.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "common/text/filekind.h"
#include "common/text/xlsx_read.h"
#include "common/wire/utf8.h"
#include "common/text/i18n.h"

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
    vsnprintf(out->errors[0].message, sizeof out->errors[0].message, tdkt_gettext(fmt), ap);
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

/* A file that is not what an import reads: one error saying what it is and
 * how to save it (filekind.h). 0 when it is text or a workbook. */
static int refuse_kind(struct import_result *out, const struct filekind_info *fk)
{
    int rc;

    switch (fk->kind) {
    case FILEKIND_TEXT:
    case FILEKIND_ZIP:
        return 0;
    case FILEKIND_NOT_UTF8:
    case FILEKIND_BINARY:
        rc = result_fail(out, TDKT_EINVAL, "%s byte 0x%02X here: %s",
                         fk->kind == FILEKIND_BINARY ? "a NUL" : "a non-UTF-8", fk->byte,
                         filekind_advice(fk->kind));
        if (rc == TDKT_EINVAL) {
            out->errors[0].line = fk->line;
            out->errors[0].column = fk->column;
        }
        return rc;
    default:
        return result_fail(out, TDKT_EINVAL, "%s", filekind_advice(fk->kind));
    }
}

int import_buffer(const char *data, size_t len, const char *format, const struct import_opts *o,
                  struct import_result *out)
{
    static const struct import_opts none = {0};
    struct import_state *m;
    struct filekind_info fk;
    int rc;

    memset(out, 0, sizeof *out);
    if (!o)
        o = &none;
    if (len > IMPORT_FILE_MAX)
        return result_fail(out, TDKT_ETOOBIG, "the file is larger than %u MiB",
                           IMPORT_FILE_MAX / (1024u * 1024u));
    if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0 &&
        strcmp(format, "xlsx") != 0)
        return result_fail(out, TDKT_EINVAL, "unknown format '%.20s': csv, xlsx or json", format);
    /* What the bytes are wins over what the name says: an .xlsx saved
     * under a .csv name is read as the workbook it is. */
    filekind_sniff(data, len, &fk);
    if (fk.kind == FILEKIND_ZIP)
        format = "xlsx";
    else if ((rc = refuse_kind(out, &fk)) < 0)
        return rc;
    else if (format && strcmp(format, "xlsx") == 0)
        format = NULL; /* text under an .xlsx name: read what it is */
    if (!format)
        format = sniff(data, len);
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
    if (o->sheet && strcmp(format, "xlsx") != 0)
        return result_fail(out, TDKT_EINVAL,
                           "--sheet '%.60s' is for a workbook (.xlsx); this file is %s", o->sheet,
                           strcmp(format, "json") == 0 ? "JSON" : "CSV text");
    if (!(m = calloc(1, sizeof *m)))
        return TDKT_ENOMEM;
    m->o = o;
    m->out = out;
    import_value_init(m);
    if (strcmp(format, "json") == 0)
        import_json_read(m, data, len);
    else if (strcmp(format, "xlsx") == 0)
        import_xlsx_read(m, data, len);
    else
        import_csv_read(m, data, len);
    rc = m->nomem ? TDKT_ENOMEM : out->nerrors ? TDKT_EINVAL : 0;
    if (rc < 0)
        groups_free(out); /* nothing of a bad file is kept */
    import_row_dups_free(m);
    free(m);
    return rc;
}

void import_error_place(const struct import_result *r, const struct import_error *e, char *buf,
                        size_t cap)
{
    char col[XLSX_COLNAME_MAX];

    if (r->sheet[0] && e->line && e->column) {
        xlsx_column_name(e->column, col);
        snprintf(buf, cap, "%s:%u:%s", r->sheet, e->line, col);
    } else if (r->sheet[0] && e->line) {
        snprintf(buf, cap, "%s:%u", r->sheet, e->line);
    } else if (r->sheet[0]) {
        snprintf(buf, cap, "%s", r->sheet);
    } else if (e->line) {
        snprintf(buf, cap, "%u:%u", e->line, e->column);
    } else {
        snprintf(buf, cap, "%s", "");
    }
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
        if (strcasecmp(dot, ".xlsx") == 0 || strcasecmp(dot, ".xlsm") == 0)
            return "xlsx";
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
