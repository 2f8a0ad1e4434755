/* SPDX-License-Identifier: MIT */
/* RFC 4180 reader over a whole buffer; see csv.h. */
#include "csv.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/text/i18n.h"

#define CSV_SCRATCH_MIN 1024u
/* Room for the largest row: its bytes and one NUL per field. */
#define CSV_SCRATCH_MAX (CSV_ROW_MAX + CSV_FIELDS_MAX)

enum { CSV_READING = 0, CSV_DONE = 1 };

void csv_reader_init(struct csv_reader *r, const char *buf, size_t len, char sep)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->len = len;
    r->sep = sep;
    r->line = 1;
    r->column = 1;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
}

void csv_reader_free(struct csv_reader *r)
{
    free(r->scratch);
    r->scratch = NULL;
    r->scratch_cap = 0;
}

__attribute__((format(printf, 4, 5))) static int csv_fail(struct csv_reader *r, unsigned line,
                                                          unsigned column, const char *fmt, ...)
{
    va_list ap;

    r->err.line = line;
    r->err.column = column;
    va_start(ap, fmt);
    vsnprintf(r->err.message, sizeof r->err.message, tdkt_gettext(fmt), ap);
    va_end(ap);
    r->state = TDKT_EINVAL;
    return TDKT_EINVAL;
}

/* Length of the well-formed UTF-8 sequence at p[0..n) (RFC 3629, Unicode
 * table 3-7), or 0 when it is not one. */
static size_t csv_utf8_len(const unsigned char *p, size_t n)
{
    unsigned char b = p[0], lo = 0x80, hi = 0xBF;
    size_t need;

    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 3;
        if (b == 0xE0)
            lo = 0xA0;
        else if (b == 0xED)
            hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 4;
        if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < need || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return need;
}

/* Make room for n more bytes in the scratch buffer holding used bytes. */
static int csv_reserve(struct csv_reader *r, size_t used, size_t n)
{
    size_t cap = r->scratch_cap ? r->scratch_cap : CSV_SCRATCH_MIN;
    char *p;

    if (used + n <= r->scratch_cap)
        return 0;
    while (cap < used + n)
        cap *= 2;
    if (cap > CSV_SCRATCH_MAX)
        cap = CSV_SCRATCH_MAX;
    if (cap < used + n)
        return TDKT_ETOOBIG; /* callers check the limits first: not reached */
    p = realloc(r->scratch, cap);
    if (!p) {
        r->state = TDKT_ENOMEM;
        return TDKT_ENOMEM;
    }
    r->scratch = p;
    r->scratch_cap = cap;
    return 0;
}

/* The row being built: bytes in scratch, the current field's start. */
struct csv_build {
    size_t used;
    size_t field_start;
    unsigned line, column; /* of the current field */
    int quoted;
};

static int csv_append(struct csv_reader *r, struct csv_build *b, const char *s, size_t n)
{
    int rc;

    if (b->used - b->field_start + n > CSV_FIELD_MAX)
        return csv_fail(r, b->line, b->column, "this field is longer than %u bytes%s",
                        CSV_FIELD_MAX, b->quoted ? "; is a closing quote missing?" : "");
    if (b->used + n > CSV_ROW_MAX)
        return csv_fail(r, b->line, b->column, "this row is longer than %u bytes", CSV_ROW_MAX);
    if ((rc = csv_reserve(r, b->used, n + 1)) < 0)
        return rc;
    memcpy(r->scratch + b->used, s, n);
    b->used += n;
    return 0;
}

/*
 * Scan ordinary characters from r->pos up to (not including) the first byte
 * in stop (a set of ASCII bytes) or the end, checking UTF-8 and NUL and
 * counting columns; append them. Line breaks are never ordinary: the caller
 * passes them in stop.
 */
static int csv_scan(struct csv_reader *r, struct csv_build *b, const char *stop)
{
    const unsigned char *p = (const unsigned char *)r->buf;
    size_t start = r->pos, i = r->pos;

    while (i < r->len) {
        unsigned char c = p[i];
        size_t n;

        if (c < 0x80) {
            if (c == '\0')
                return csv_fail(r, r->line, r->column, "NUL byte in the text; is this a CSV file?");
            if (strchr(stop, c))
                break;
            n = 1;
        } else if ((n = csv_utf8_len(p + i, r->len - i)) == 0) {
            return csv_fail(r, r->line, r->column,
                            "invalid UTF-8 (byte 0x%02X); save the file as CSV UTF-8", c);
        }
        i += n;
        r->column++;
    }
    r->pos = i;
    return csv_append(r, b, r->buf + start, i - start);
}

/* Consume one line break at r->pos (CRLF, LF or CR); 1 if there was one. */
static int csv_eat_break(struct csv_reader *r)
{
    if (r->pos >= r->len)
        return 0;
    if (r->buf[r->pos] == '\r') {
        r->pos++;
        if (r->pos < r->len && r->buf[r->pos] == '\n')
            r->pos++;
    } else if (r->buf[r->pos] == '\n') {
        r->pos++;
    } else {
        return 0;
    }
    r->line++;
    r->column = 1;
    return 1;
}

/* The rest of a quoted field after its opening quote, through the closing
 * quote. Line breaks inside are kept as written. */
static int csv_quoted(struct csv_reader *r, struct csv_build *b)
{
    static const char stop[] = "\"\r\n";
    int rc;

    for (;;) {
        size_t at;

        if ((rc = csv_scan(r, b, stop)) < 0)
            return rc;
        if (r->pos >= r->len)
            return csv_fail(r, b->line, b->column,
                            "the quoted field that starts here has no closing quote");
        at = r->pos;
        if (r->buf[at] == '"') {
            r->pos++;
            r->column++;
            if (r->pos < r->len && r->buf[r->pos] == '"') {
                r->pos++;
                r->column++;
                if ((rc = csv_append(r, b, "\"", 1)) < 0)
                    return rc;
                continue;
            }
            return 0;
        }
        csv_eat_break(r);
        if ((rc = csv_append(r, b, r->buf + at, r->pos - at)) < 0)
            return rc;
    }
}

int csv_next_row(struct csv_reader *r, struct csv_row *row)
{
    char stop[4];
    struct csv_build b = {0};
    int rc;

    if (r->state < 0)
        return r->state;
    if (r->state == CSV_DONE)
        return 0;
    /* Skip empty lines. */
    while (csv_eat_break(r))
        ;
    if (r->pos >= r->len) {
        r->state = CSV_DONE;
        return 0;
    }
    stop[0] = r->sep;
    stop[1] = '\r';
    stop[2] = '\n';
    stop[3] = '\0';

    row->n = 0;
    row->line = r->line;
    for (;;) {
        struct csv_field *f;

        if (row->n == CSV_FIELDS_MAX)
            return csv_fail(r, r->line, r->column, "this row has more than %d fields",
                            CSV_FIELDS_MAX);
        f = &row->fields[row->n];
        f->line = b.line = r->line;
        f->column = b.column = r->column;
        f->offset = r->pos;
        f->quoted = b.quoted = 0;
        b.field_start = b.used;
        if (r->pos < r->len && r->buf[r->pos] == '"') {
            f->quoted = b.quoted = 1;
            r->pos++;
            r->column++;
            if ((rc = csv_quoted(r, &b)) < 0)
                return rc;
            if (r->pos < r->len && r->buf[r->pos] != r->sep && r->buf[r->pos] != '\r' &&
                r->buf[r->pos] != '\n')
                return csv_fail(r, r->line, r->column,
                                "unexpected character after a closing quote; write a quote "
                                "inside a quoted field as \"\"");
        } else if ((rc = csv_scan(r, &b, stop)) < 0) {
            return rc;
        }
        f->len = b.used - b.field_start;
        if ((rc = csv_reserve(r, b.used, 1)) < 0)
            return rc;
        r->scratch[b.used++] = '\0';
        row->n++;
        row->end_line = r->line;
        if (r->pos < r->len && r->buf[r->pos] == r->sep) {
            r->pos++;
            r->column++;
            continue;
        }
        csv_eat_break(r);
        break;
    }
    /* The scratch buffer may have moved while the row grew: point now. */
    for (size_t i = 0, off = 0; i < row->n; i++) {
        row->fields[i].s = r->scratch + off;
        off += row->fields[i].len + 1;
    }
    return 1;
}

char csv_detect_separator(const char *buf, size_t len)
{
    size_t i = 0, commas = 0, semis = 0;
    int quoted = 0;

    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    for (; i < len; i++) {
        char c = buf[i];
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && (c == '\r' || c == '\n'))
            break;
        else if (!quoted && c == ',')
            commas++;
        else if (!quoted && c == ';')
            semis++;
    }
    return semis > 0 && commas == 0 ? ';' : ',';
}

int csv_needs_quotes(const char *s, size_t len, char sep)
{
    if (len > 0 && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t'))
        return 1;
    for (size_t i = 0; i < len; i++)
        if (s[i] == sep || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            return 1;
    return 0;
}
