/* SPDX-License-Identifier: MIT */
/*
 * What a file given as text (CSV, JSON) really is, from its first bytes, so
 * that a refusal can say what it is and how to save it instead of "NUL byte
 * in the text" or "invalid UTF-8". It knows the signatures people meet: a
 * ZIP (an Excel .xlsx workbook, an OpenDocument .ods, a Word .docx), the
 * OLE2 compound file of Excel 97-2003 (.xls) and of password-protected
 * workbooks, a PDF, UTF-16 text (with a byte-order mark, or NULs in every
 * other byte), and 8-bit Vietnamese encodings (Windows-1258, TCVN3/ABC,
 * VNI), which are simply not UTF-8.
 *
 * Pure: no I/O, no allocation; the advice is static English text.
 */
#ifndef TDKT_COMMON_TEXT_FILEKIND_H
#define TDKT_COMMON_TEXT_FILEKIND_H

#include <stddef.h>

#define FILEKIND_UTF16_PROBE 256 /* bytes looked at for UTF-16 without a BOM */

enum filekind {
    FILEKIND_TEXT = 0, /* UTF-8 (a BOM allowed) without NUL bytes, or empty */
    FILEKIND_ZIP,      /* PK\3\4 or an empty archive: an .xlsx, .ods, .docx ... */
    FILEKIND_OLE2,     /* D0 CF 11 E0 A1 B1 1A E1: .xls, .doc, or an encrypted .xlsx */
    FILEKIND_PDF,      /* %PDF- */
    FILEKIND_UTF16,    /* FF FE / FE FF, or NULs in every other byte */
    FILEKIND_UTF32,    /* FF FE 00 00 / 00 00 FE FF */
    FILEKIND_BINARY,   /* NUL bytes in what is otherwise no known kind */
    FILEKIND_NOT_UTF8, /* bytes that are not UTF-8 */
};

struct filekind_info {
    enum filekind kind;
    /* FILEKIND_NOT_UTF8 and FILEKIND_BINARY: where the first such byte is,
     * its line (1-based) and column (1-based, in characters), and its value. */
    size_t offset;
    unsigned line, column;
    unsigned char byte;
};

/* Look at data[0..len) and say what it is (out is always filled). */
void filekind_sniff(const char *data, size_t len, struct filekind_info *out);

/* A sentence for a file of kind k given as text: what it is and how to save
 * it ("this is an Excel 97-2003 .xls file; open it in Excel and save it as
 * .xlsx or as CSV UTF-8"). "" for FILEKIND_TEXT and FILEKIND_ZIP, which the
 * caller reads or names itself. */
const char *filekind_advice(enum filekind k);

#endif
