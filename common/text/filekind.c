/* SPDX-License-Identifier: MIT */
/* What a file given as text really is; see filekind.h. */
#include "common/text/filekind.h"

#include <stdint.h>
#include <string.h>

#include "common/wire/utf8.h"

static int starts(const char *data, size_t len, const char *sig, size_t n)
{
    return len >= n && memcmp(data, sig, n) == 0;
}

/* NULs in most odd or most even bytes of the first FILEKIND_UTF16_PROBE:
 * UTF-16 text without a byte-order mark (ASCII letters, one zero byte
 * each). */
static int utf16_nuls(const unsigned char *p, size_t len)
{
    size_t n = len < FILEKIND_UTF16_PROBE ? len : FILEKIND_UTF16_PROBE, even = 0, odd = 0;

    if (n < 4)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0 && i % 2)
            odd++;
        else if (p[i] == 0)
            even++;
    return odd * 4 >= n * 3 / 2 || even * 4 >= n * 3 / 2;
}

/* Line and column (in characters) of offset in the well-formed UTF-8
 * p[0..offset). */
static void place(const unsigned char *p, size_t offset, struct filekind_info *out)
{
    out->line = 1;
    out->column = 1;
    for (size_t i = 0; i < offset; i++) {
        if (p[i] == '\n' || (p[i] == '\r' && (i + 1 >= offset || p[i + 1] != '\n'))) {
            out->line++;
            out->column = 1;
        } else if ((p[i] & 0xC0) != 0x80 && p[i] != '\r') {
            out->column++;
        }
    }
}

void filekind_sniff(const char *data, size_t len, struct filekind_info *out)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t good;
    const void *nul;

    memset(out, 0, sizeof *out);
    if (starts(data, len, "PK\x03\x04", 4) || starts(data, len, "PK\x05\x06", 4)) {
        out->kind = FILEKIND_ZIP;
    } else if (starts(data, len, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)) {
        out->kind = FILEKIND_OLE2;
    } else if (starts(data, len, "%PDF-", 5)) {
        out->kind = FILEKIND_PDF;
    } else if (starts(data, len, "\xFF\xFE\x00\x00", 4) ||
               starts(data, len, "\x00\x00\xFE\xFF", 4)) {
        out->kind = FILEKIND_UTF32;
    } else if (starts(data, len, "\xFF\xFE", 2) || starts(data, len, "\xFE\xFF", 2) ||
               utf16_nuls(p, len)) {
        out->kind = FILEKIND_UTF16;
    } else if ((nul = memchr(data, '\0', len)) != NULL) {
        good = utf8_valid_prefix(p, (size_t)((const char *)nul - data));
        out->kind =
            good == (size_t)((const char *)nul - data) ? FILEKIND_BINARY : FILEKIND_NOT_UTF8;
        out->offset = good;
        out->byte = p[good];
        place(p, good, out);
    } else if ((good = utf8_valid_prefix(p, len)) < len) {
        out->kind = FILEKIND_NOT_UTF8;
        out->offset = good;
        out->byte = p[good];
        place(p, good, out);
    }
}

const char *filekind_advice(enum filekind k)
{
    switch (k) {
    case FILEKIND_OLE2:
        return "this is an Excel 97-2003 .xls file (or a password-protected workbook): open it "
               "in Excel and save it, without a password, as Excel Workbook (.xlsx) or as CSV "
               "UTF-8";
    case FILEKIND_PDF:
        return "this is a PDF document, not a spreadsheet: import the spreadsheet it was made "
               "from, saved as .xlsx or as CSV UTF-8";
    case FILEKIND_UTF16:
        return "this is UTF-16 text (Excel's \"Unicode Text\"): save it as CSV UTF-8 "
               "(Excel: Save As > CSV UTF-8 (Comma delimited)) or as .xlsx";
    case FILEKIND_UTF32:
        return "this is UTF-32 text: save it as CSV UTF-8 or as .xlsx";
    case FILEKIND_BINARY:
        return "this is not a text file (it holds NUL bytes): save the spreadsheet as .xlsx or "
               "as CSV UTF-8";
    case FILEKIND_NOT_UTF8:
        return "the file is not UTF-8 (perhaps Windows-1258, TCVN3 or VNI): in Excel choose "
               "Save As > CSV UTF-8 (Comma delimited), or save it as .xlsx";
    default:
        return "";
    }
}
