/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the results import (import_buffer, docs/results.md):
 * the CSV and the JSON files an office loads into its store. The first
 * input byte picks the format (sniffed, CSV or JSON) and the options a
 * command line may add (--unit, --year, --kind, a person resolver); the
 * rest is the file. Bytes that are no text (a ZIP, which is read as a
 * workbook and has its own harness, fuzz_xlsx; an .xls, UTF-16) are
 * refused whatever the format, with errors that need no line.
 *
 * A refused file yields no records at all and 1 to IMPORT_ERRORS_MAX
 * errors, each a readable sentence of well-formed UTF-8 that says where,
 * with a line and a column or neither (import.h): a CSV error has a line
 * of the file (in file order, as import.h promises), a JSON error a line
 * (syntax) or a JSON path, but for one about the whole document. An
 * accepted file yields groups of distinct (unit, year) whose records pass
 * record_validate() and the wire's UTF-8 check, and export.h's promise is
 * held to: exported as JSON, and as CSV kind by kind, the records import
 * again unchanged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/export.h"
#include "client/lib/import.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "common/text/csv.h"
#include "common/text/filekind.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The kinds of records as record_kind_name() names them. */
static const char *const kinds[] = {"target",     "task",        "task_plan",     "product",
                                    "score",      "unit_rating", "person_rating", "registration",
                                    "initiative", "facts"};

/* The person resolver of the command line, reduced to a rule: a name that
 * starts with "Nguyễn" is ambiguous, a valid id is itself, and anything
 * else is unknown. */
static int resolve(void *arg, const char *unit, const char *text, char id[IMPORT_ID_MAX + 1])
{
    (void)arg;
    if (!record_unit_code_valid(unit))
        abort(); /* the importer resolves only in a valid unit */
    harness_check_text(text, strlen(text));
    if (strncmp(text, "Nguyễn", strlen("Nguyễn")) == 0)
        return TDKT_EEXIST;
    if (!record_code_valid(text))
        return TDKT_ENOTFOUND;
    snprintf(id, IMPORT_ID_MAX + 1, "%s", text);
    return 0;
}

/* The format import_buffer picks when none is given (import.h): JSON when
 * the first character after a byte-order mark and blanks opens one. */
static const char *sniff(const char *data, size_t len)
{
    size_t i = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

    while (i < len && data[i] && strchr(" \t\r\n", data[i]))
        i++;
    return i < len && (data[i] == '{' || data[i] == '[') ? "json" : "csv";
}

/* The last line of each row of a CSV file, as the importer reads it, for
 * the order of its errors: the errors of one row come in the order of its
 * checks, which need not be the order of its cells or lines (a quoted
 * cell may span lines), but a row's come after those of the rows before. */
struct rows {
    unsigned *end;
    size_t n;
};

static void rows_read(struct rows *rs, const char *data, size_t len)
{
    static struct csv_row row;
    struct csv_reader r;

    csv_reader_init(&r, data, len, csv_detect_separator(data, len));
    while (csv_next_row(&r, &row) == 1) {
        if (!(rs->end = realloc(rs->end, (rs->n + 1) * sizeof *rs->end)))
            abort();
        rs->end[rs->n++] = row.end_line;
    }
    csv_reader_free(&r);
}

/* The row a line is in; rs->n for a line after the last row read. */
static size_t row_of(const struct rows *rs, unsigned line)
{
    size_t i = 0;

    while (i < rs->n && rs->end[i] < line)
        i++;
    return i;
}

static void check_error(const struct import_error *e, const char *format, const struct rows *rs,
                        size_t *last_row, size_t lines)
{
    harness_check_why(e->message, sizeof e->message);
    if (strnlen(e->where, sizeof e->where) >= sizeof e->where)
        abort();
    harness_check_text(e->where, strlen(e->where));
    if (e->line > lines || (e->line == 0) != (e->column == 0))
        abort();
    if (strcmp(format, "csv") == 0) {
        if (e->line < 1 || row_of(rs, e->line) < *last_row)
            abort(); /* every CSV error has a cell or a row, in file order */
        *last_row = row_of(rs, e->line);
    } else if (e->line == 0 && !e->where[0] &&
               strcmp(e->message, "each unit and year is a JSON object") != 0) {
        abort(); /* a JSON error names a line or a path */
    }
}

static void check_result(const struct import_result *r)
{
    size_t total = 0;

    for (size_t i = 0; i < r->ngroups; i++) {
        const struct import_group *g = &r->groups[i];

        if (!record_unit_code_valid(g->unit) || !record_year_valid(g->year) || g->n == 0)
            abort();
        for (size_t k = 0; k < i; k++)
            if (r->groups[k].year == g->year && strcmp(r->groups[k].unit, g->unit) == 0)
                abort(); /* one group per unit and year */
        for (size_t k = 0; k < g->n; k++) {
            struct fault f;
            if (!record_kind_name(g->records[k]) || record_validate(g->records[k], &f) != 0)
                abort();
            harness_check_message(&g->records[k]->base);
        }
        total += g->n;
    }
    if (total != r->nrecords)
        abort();
}

/* The records of kind in g, in order: the next one from *k on. */
static const Tdkt__ResultRecord *next_of(const struct import_group *g, const char *kind, size_t *k)
{
    for (; *k < g->n; (*k)++)
        if (strcmp(record_kind_name(g->records[*k]), kind) == 0)
            return g->records[(*k)++];
    return NULL;
}

/* b holds the records of kind of a, in the same order, group for group;
 * every_group: b has a group for each of a's, not only for those with
 * records of kind. */
static void check_same(const struct import_result *a, const struct import_result *b,
                       const char *kind, int every_group)
{
    size_t gb = 0;

    for (size_t i = 0; i < a->ngroups; i++) {
        const struct import_group *g = &a->groups[i], *h;
        const Tdkt__ResultRecord *x, *y;
        size_t ka = 0, kb = 0;

        if (!every_group && !next_of(g, kind, &ka))
            continue;
        ka = 0;
        if (gb >= b->ngroups)
            abort();
        h = &b->groups[gb++];
        if (h->year != g->year || strcmp(h->unit, g->unit) != 0)
            abort();
        do {
            x = next_of(g, kind, &ka);
            y = next_of(h, kind, &kb);
            if (!x != !y)
                abort(); /* a record lost or made up */
            if (x)
                harness_check_same(&x->base, &y->base);
        } while (x);
    }
    if (gb != b->ngroups)
        abort();
}

/* Export with write (JSON, or CSV of one kind) and import again. */
static void reimport(const struct import_result *r, const char *kind, const struct import_opts *o)
{
    struct import_result again;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int rc;

    if (!f)
        abort();
    rc = kind ? export_csv(f, kind, EXPORT_CSV_PLAIN, r->groups, r->ngroups)
              : export_json(f, r->groups, r->ngroups);
    if (fclose(f) != 0 || rc != 0)
        abort();
    rc = import_buffer(text, len, kind ? "csv" : "json", o, &again);
    if (rc != 0)
        abort();
    if (kind) {
        check_same(r, &again, kind, 0);
    } else {
        /* The JSON orders each group's records by kind: compare kind by
         * kind, and the counts for records of no kind at all. */
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
            check_same(r, &again, kinds[k], 1);
        for (size_t i = 0; i < r->ngroups; i++)
            if (again.groups[i].n != r->groups[i].n)
                abort();
    }
    import_result_free(&again);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const formats[] = {NULL, "csv", "json", NULL};
    struct import_opts o = {0}, plain = {0};
    struct import_result r;
    const char *format;
    struct rows rows = {0};
    struct filekind_info fk;
    size_t lines = 1, last_row = 0;
    int rc;

    if (size < 1)
        return 0;
    format = formats[data[0] & 3];
    o.unit = data[0] & 4 ? "VKSCC1" : NULL;
    o.year = data[0] & 8 ? 2021 : 0;
    o.resolve_person = data[0] & 16 ? resolve : NULL;
    plain.resolve_person = o.resolve_person;
    o.kind = (data[0] >> 5) == 1 ? "target" : (data[0] >> 5) == 2 ? "Person Rating" : NULL;
    data++;
    size--;
    /* Lines as the CSV reader counts them: CRLF, LF or a lone CR ends one
     * (jansson counts LF alone, which is never more). */
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n'));

    rc = import_buffer((const char *)data, size, format, &o, &r);
    if (rc < 0) {
        if (rc != TDKT_EINVAL || r.nerrors < 1 || r.nerrors > IMPORT_ERRORS_MAX)
            abort();
        if (r.ngroups || r.groups || r.nrecords)
            abort(); /* nothing of a bad file is kept */
        filekind_sniff((const char *)data, size, &fk);
        if (fk.kind != FILEKIND_TEXT) {
            /* Not text: one sentence about the file (a non-UTF-8 byte at
             * its place), or a workbook's errors. */
            if (fk.kind != FILEKIND_ZIP && r.nerrors != 1)
                abort();
            for (size_t i = 0; i < r.nerrors; i++)
                harness_check_why(r.errors[i].message, sizeof r.errors[i].message);
            import_result_free(&r);
            return 0;
        }
        if (!format)
            format = sniff((const char *)data, size);
        if (strcmp(format, "csv") == 0)
            rows_read(&rows, (const char *)data, size);
        for (size_t i = 0; i < r.nerrors; i++)
            check_error(&r.errors[i], format, &rows, &last_row, lines);
        free(rows.end);
        import_result_free(&r);
        return 0;
    }
    if (rc != 0 || r.nerrors || r.truncated)
        abort();
    check_result(&r);

    /* Written out, the files name unit and year: read them with no
     * defaults. */
    reimport(&r, NULL, &plain);
    for (size_t i = 0; i < r.ngroups; i++)
        for (size_t k = 0; k < r.groups[i].n; k++) {
            const char *kind = record_kind_name(r.groups[i].records[k]);
            int seen = 0;
            /* Each kind once: the first record of its kind. */
            for (size_t j = 0; j <= i && !seen; j++)
                for (size_t l = 0; l < (j == i ? k : r.groups[j].n) && !seen; l++)
                    seen = strcmp(record_kind_name(r.groups[j].records[l]), kind) == 0;
            if (!seen)
                reimport(&r, kind, &plain);
        }
    import_result_free(&r);
    return 0;
}
