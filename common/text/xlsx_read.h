/* SPDX-License-Identifier: MIT */
/*
 * Reader of the cells of an Excel workbook (.xlsx, Office Open XML), for the
 * imports that take spreadsheets (docs/results.md, docs/registry.md). The
 * workbook is a ZIP archive, opened with libzip from the caller's buffer;
 * its parts are XML, read with libxml2's streaming reader. This module
 * parses neither ZIP nor XML itself. It follows the package's relationships
 * (_rels/.rels to the workbook, the workbook's to its sheets and shared
 * strings), so files from Excel, LibreOffice and libxlsxwriter all read.
 *
 * A sheet comes out one row at a time, as text: a shared or inline string
 * as written, a number in plain "C" notation (2021, 212.5), a boolean as
 * "true" or "false", an error as Excel shows it (#DIV/0!). Each cell keeps
 * its type, so a reader can tell the number 1000 from the text "1.000", and
 * a date column can turn a number into a date (xlsx_serial_date). Only the
 * cells' values are read: styles, formulas (their last computed value is
 * the cell's value), comments and merged areas are not.
 *
 * Everything a hostile file could inflate has a named limit below, checked
 * before the memory is taken: a part above XLSX_PART_MAX uncompressed (a zip
 * bomb) is refused from the size the archive declares and again while it
 * is read, and an XML part with a DTD is refused before it is parsed (no
 * entity can expand, no external file is ever loaded).
 *
 *   xlsx_open -------> OPEN --xlsx_sheet_open--> READING --xlsx_next_row: 1--> READING
 *      |                                            |--0 (end of sheet)--> OPEN
 *      +-- < 0: nothing to close                    +-- < 0 --> OPEN (the error is in err)
 *   xlsx_close from any state frees everything.
 *
 * Ownership: the book owns its copy of nothing but what it parsed; the
 * caller's buffer must outlive it. Cell texts stay valid until the next
 * xlsx_next_row, xlsx_sheet_open or xlsx_close. Sheet names live as long as
 * the book.
 */
#ifndef TDKT_COMMON_TEXT_XLSX_READ_H
#define TDKT_COMMON_TEXT_XLSX_READ_H

#include <stddef.h>

#define XLSX_FILE_MAX      (64u * 1024u * 1024u)  /* bytes of the workbook file */
#define XLSX_ENTRIES_MAX   10000u                 /* files in its ZIP archive */
#define XLSX_PART_MAX      (64u * 1024u * 1024u)  /* uncompressed bytes of one XML part */
#define XLSX_TOTAL_MAX     (256u * 1024u * 1024u) /* uncompressed bytes of all parts read */
#define XLSX_SHEETS_MAX    256u                   /* sheets in the workbook */
#define XLSX_NAME_MAX      128u                   /* bytes of a sheet name (Excel: 31 characters) */
#define XLSX_PATH_MAX      256u                   /* bytes of a part's name in the archive */
#define XLSX_STRING_MAX    (64u * 1024u)          /* bytes of one cell's text */
#define XLSX_STRINGS_MAX   (1u << 20)             /* shared strings */
#define XLSX_ROWS_MAX      1048576u               /* rows of a sheet (Excel's own limit) */
#define XLSX_COLS_MAX      256u                   /* columns read: A to IV */
#define XLSX_ROW_BYTES_MAX (1024u * 1024u)        /* bytes of one row's texts together */
#define XLSX_CELLS_MAX     (2u * 1024u * 1024u)   /* cells with a value in one sheet */
#define XLSX_MESSAGE_MAX   240
#define XLSX_COLNAME_MAX   4 /* "XFD" and the NUL */

enum xlsx_type {
    XLSX_EMPTY = 0, /* no value (s is "") */
    XLSX_TEXT,      /* a shared or inline string, a formula's text, an ISO date */
    XLSX_NUMBER,    /* s is the number in "C" notation, also in number */
    XLSX_BOOL,      /* s is "true" or "false" */
    XLSX_ERROR,     /* s is the error as Excel shows it: #N/A, #DIV/0!, ... */
};

struct xlsx_cell {
    enum xlsx_type type;
    const char *s; /* NUL-terminated UTF-8; owned by the book */
    size_t len;
    double number; /* XLSX_NUMBER */
};

struct xlsx_row {
    unsigned row;            /* 1-based, as Excel numbers rows */
    struct xlsx_cell *cells; /* cells[0] is column A; owned by the book */
    size_t n;                /* up to the last cell with a value; >= 1 */
};

/* Why a workbook, or a cell of it, was refused. row and col (1-based) are 0
 * when the error is not about one row or cell. */
struct xlsx_error {
    unsigned row, col;
    char message[XLSX_MESSAGE_MAX];
};

struct xlsx_book;

/*
 * Open the workbook in data[0..len) and read its list of sheets and its
 * shared strings. 0 with *out, or TDKT_EINVAL (not a ZIP, not a workbook, a
 * damaged or encrypted part), TDKT_ETOOBIG (a named limit), TDKT_ENOMEM,
 * each with err saying why.
 */
int xlsx_open(const char *data, size_t len, struct xlsx_book **out, struct xlsx_error *err);
void xlsx_close(struct xlsx_book *b);

/* The sheets, in the workbook's tab order. */
size_t xlsx_sheet_count(const struct xlsx_book *b);
const char *xlsx_sheet_name(const struct xlsx_book *b, size_t i);
/* The first sheet that is not hidden (the first when all are). */
size_t xlsx_sheet_first(const struct xlsx_book *b);
/* The sheet called name: exactly, else the one sheet whose name matches
 * ignoring case and tone marks. 0 with *index, or TDKT_ENOTFOUND. */
int xlsx_sheet_find(const struct xlsx_book *b, const char *name, size_t *index);
/* 1 when the workbook counts dates from 1904 (old Mac Excel), else 0. */
int xlsx_date1904(const struct xlsx_book *b);

/* Start reading sheet i (the end of any sheet being read). 0, or an error
 * as xlsx_open's. */
int xlsx_sheet_open(struct xlsx_book *b, size_t i, struct xlsx_error *err);
/*
 * The next row of the open sheet that has a value in some cell (rows with
 * none are skipped, as they are in a CSV file): 1 with *row, 0 at the end
 * of the sheet, or < 0 with err (a damaged part, a cell or row out of
 * order, a value beyond column XLSX_COLS_MAX, a limit).
 */
int xlsx_next_row(struct xlsx_book *b, struct xlsx_row *row, struct xlsx_error *err);

/* Column col (1-based) as Excel names it: 1 "A", 26 "Z", 27 "AA". */
void xlsx_column_name(unsigned col, char out[XLSX_COLNAME_MAX]);

/*
 * The calendar date of an Excel date serial (days since 1899-12-30, or since
 * 1904-01-01 when date1904; a fraction is the time of day, dropped): 0 with
 * iso "YYYY-MM-DD", or TDKT_EINVAL for a serial below 1, Excel's phantom
 * 1900-02-29 (60), or past 9999-12-31.
 */
int xlsx_serial_date(double serial, int date1904, char iso[11]);

#endif
