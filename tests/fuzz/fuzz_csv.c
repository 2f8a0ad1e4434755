/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the CSV reader. The first input byte chooses the
 * separator; the rest is the file. Every row the reader yields must keep its
 * limits (field and row sizes, UTF-8 without NUL, positions that never go
 * backwards), and writing the rows back out with every field quoted must
 * read back as exactly the same fields: the reader loses nothing and makes
 * nothing up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/text/csv.h"
#include "common/wire/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A growing output buffer for the re-written file. */
struct fuzz_out {
    char *buf;
    size_t len, cap;
};

static void fuzz_put(struct fuzz_out *o, const char *s, size_t n)
{
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + n)
            cap *= 2;
        o->buf = realloc(o->buf, cap);
        if (!o->buf)
            abort();
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void fuzz_put_row(struct fuzz_out *o, const struct csv_row *row, char sep)
{
    for (size_t i = 0; i < row->n; i++) {
        const struct csv_field *f = &row->fields[i];
        if (i)
            fuzz_put(o, &sep, 1);
        fuzz_put(o, "\"", 1);
        for (size_t k = 0; k < f->len; k++)
            fuzz_put(o, f->s[k] == '"' ? "\"\"" : &f->s[k], f->s[k] == '"' ? 2 : 1);
        fuzz_put(o, "\"", 1);
    }
    fuzz_put(o, "\r\n", 2);
}

static void fuzz_check_row(const struct csv_row *row, const uint8_t *data, size_t size,
                           unsigned *last_line)
{
    size_t bytes = 0;

    if (row->n < 1 || row->n > CSV_FIELDS_MAX)
        abort();
    if (row->line < *last_line || row->end_line < row->line)
        abort();
    *last_line = row->end_line;
    for (size_t i = 0; i < row->n; i++) {
        const struct csv_field *f = &row->fields[i];
        if (f->len > CSV_FIELD_MAX || f->offset > size || f->s[f->len] != '\0')
            abort();
        if (memchr(f->s, '\0', f->len) || utf8_validate((const uint8_t *)f->s, f->len) != 0)
            abort();
        if (f->line < row->line || f->line > row->end_line || f->column < 1)
            abort();
        if (!f->quoted && memcmp(f->s, data + f->offset, f->len) != 0)
            abort(); /* an unquoted field is its bytes, as written */
        bytes += f->len;
    }
    if (bytes > CSV_ROW_MAX)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct csv_row row, again;
    struct csv_reader r, r2;
    struct fuzz_out o = {0};
    unsigned last_line = 0;
    char sep;
    int rc, rc2;

    if (size < 1)
        return 0;
    sep = data[0] & 1 ? ';' : ',';
    data++;
    size--;

    csv_reader_init(&r, (const char *)data, size, sep);
    while ((rc = csv_next_row(&r, &row)) == 1) {
        fuzz_check_row(&row, data, size, &last_line);
        fuzz_put_row(&o, &row, sep);
    }
    if (rc < 0) {
        if (rc != TDKT_EINVAL || r.err.line < 1 || r.err.column < 1 || !r.err.message[0])
            abort();
        if (csv_next_row(&r, &row) != rc)
            abort(); /* errors are sticky */
    }
    csv_reader_free(&r);

    /* Read the re-written rows back: the same fields, in the same order. */
    csv_reader_init(&r, (const char *)data, size, sep);
    csv_reader_init(&r2, o.buf ? o.buf : "", o.len, sep);
    while ((rc = csv_next_row(&r, &row)) == 1) {
        if ((rc2 = csv_next_row(&r2, &again)) != 1 || again.n != row.n)
            abort();
        for (size_t i = 0; i < row.n; i++)
            if (again.fields[i].len != row.fields[i].len ||
                memcmp(again.fields[i].s, row.fields[i].s, row.fields[i].len) != 0)
                abort();
    }
    if (csv_next_row(&r2, &again) != 0)
        abort();
    csv_reader_free(&r);
    csv_reader_free(&r2);
    free(o.buf);
    return 0;
}
