/* SPDX-License-Identifier: MIT */
/*
 * RFC 4180 reader for import files (docs/results.md): fields separated by
 * ',' or ';', quoted with '"' ("" is a quote inside), line breaks allowed
 * inside quotes, rows ended by CRLF, LF or a lone CR. A UTF-8 byte-order
 * mark at the start is skipped. Every field carries the line and column
 * where it starts, so an importer can point at the offending cell.
 *
 * The reader works over one whole buffer that the caller owns and keeps
 * alive; it pulls one row per csv_next_row(). It is pure (no I/O) and owns
 * only its scratch buffer, which holds the unquoted fields of the current
 * row: field pointers stay valid until the next csv_next_row() or
 * csv_reader_free().
 *
 * Choices where RFC 4180 is silent: a line with no bytes at all is skipped
 * (it is not a row with one empty field); a '"' inside an unquoted field is
 * kept as an ordinary character; a final line without a line break is a
 * row. The text must be UTF-8 without NUL bytes.
 *
 *   READING --csv_next_row: 1 row--> READING
 *      |--csv_next_row: 0 (end of buffer)--> DONE (0 again on every call)
 *      +--csv_next_row: <0 (bad input)----> FAILED (same error on every call)
 */
#ifndef TDKT_COMMON_TEXT_CSV_H
#define TDKT_COMMON_TEXT_CSV_H

#include <stddef.h>

#define CSV_FIELD_MAX   (64u * 1024u)   /* bytes of one field, unquoted */
#define CSV_FIELDS_MAX  256             /* fields in one row */
#define CSV_ROW_MAX     (1024u * 1024u) /* bytes of one row's fields together */
#define CSV_MESSAGE_MAX 160

struct csv_field {
    const char *s;   /* unquoted, NUL-terminated; owned by the reader */
    size_t len;      /* bytes, without the NUL */
    unsigned line;   /* 1-based line of the field's first character */
    unsigned column; /* 1-based column there, in characters (code points) */
    size_t offset;   /* byte offset of the field start in the buffer */
    int quoted;      /* the field was written in quotes */
};

struct csv_row {
    struct csv_field fields[CSV_FIELDS_MAX];
    size_t n;          /* >= 1 */
    unsigned line;     /* line of the row's first field */
    unsigned end_line; /* line of its last character (> line with quoted breaks) */
};

/* Where and why the input was refused. */
struct csv_error {
    unsigned line;
    unsigned column; /* in characters, as for fields */
    char message[CSV_MESSAGE_MAX];
};

struct csv_reader {
    const char *buf; /* the caller's */
    size_t len;
    size_t pos;
    char sep;
    unsigned line; /* position of buf[pos] */
    unsigned column;
    char *scratch; /* owned: the fields of the current row */
    size_t scratch_cap;
    int state; /* 0 reading, 1 done, or the sticky error code */
    struct csv_error err;
};

/* Read buf[0..len) with separator sep (',' or ';'). The buffer must outlive
 * the reader. */
void csv_reader_init(struct csv_reader *r, const char *buf, size_t len, char sep);
void csv_reader_free(struct csv_reader *r);

/*
 * The next row into *row: 1 with a row, 0 at the end of the buffer,
 * TDKT_EINVAL for bad input (r->err says where and why: an unterminated
 * quoted field, a character after a closing quote, a field above
 * CSV_FIELD_MAX, a row above CSV_FIELDS_MAX or CSV_ROW_MAX, invalid UTF-8,
 * a NUL byte), TDKT_ENOMEM. Errors are sticky.
 */
int csv_next_row(struct csv_reader *r, struct csv_row *row);

/* ';' when the first line (the header) has a ';' and no ',' outside quotes,
 * as spreadsheets in Vietnamese locales write; ',' otherwise. */
char csv_detect_separator(const char *buf, size_t len);

/* 1 when a field must be quoted on output: it holds sep, '"', CR or LF, or
 * starts or ends with a space or tab (which importers trim); else 0. */
int csv_needs_quotes(const char *s, size_t len, char sep);

#endif
