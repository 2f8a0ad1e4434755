/* SPDX-License-Identifier: MIT */
/* The cells of an Excel workbook through libzip and libxml2; see xlsx_read.h. */
#include "common/text/xlsx_read.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>
#include <zip.h>

#include "common/err.h"
#include "common/text/fold.h"
#include "common/util/vec.h"
#include "common/wire/utf8.h"
#include "common/text/i18n.h"

#define XLSX_RELS_MAX   4096u /* relationships of one part */
#define XLSX_ATTR_MAX   64u   /* bytes of an attribute we read but a path or a name */
#define XLSX_XMLERR_MAX 160u

/* Where the package's relationships point, by the tail of their type URI
 * (transitional and strict OOXML differ only before it). */
#define REL_OFFICE_DOCUMENT "officeDocument"
#define REL_WORKSHEET       "worksheet"
#define REL_SHARED_STRINGS  "sharedStrings"

struct xlsx_sheet_ref {
    char name[XLSX_NAME_MAX + 1];
    char path[XLSX_PATH_MAX]; /* "" when its relationship is missing */
    int hidden;
    int cells; /* a worksheet (not a chart, dialog or macro sheet) */
};

struct xlsx_rel {
    char id[XLSX_ATTR_MAX];
    char type[XLSX_ATTR_MAX]; /* the tail of the type URI */
    char target[XLSX_PATH_MAX];
};

struct xlsx_book {
    zip_t *zip;
    size_t total; /* uncompressed bytes read so far */
    struct xlsx_sheet_ref *sheets;
    size_t nsheets;
    int date1904;

    /* Shared strings: their texts one after another, each NUL-terminated. */
    char *sst;
    size_t sst_len, sst_cap;
    size_t *sst_off;
    size_t nsst, sst_off_cap;

    /* The sheet being read. */
    char *part;
    size_t part_len;
    char part_name[XLSX_PATH_MAX];
    xmlTextReaderPtr xr;
    int done;
    unsigned last_row;
    size_t ncells;

    /* The row being built: its cells, and their texts in rowbuf at off[]. */
    unsigned row;
    unsigned last_col;
    struct xlsx_cell *cells;
    size_t *off;
    size_t ncols, cells_cap, off_cap;
    char *rowbuf;
    size_t row_len, row_cap;

    /* The cell being read. */
    unsigned col;
    char type[XLSX_ATTR_MAX];
    int have_v;
    int collect; /* inside <v>, or <t> of an inline string */
    int rph;     /* depth of an open <rPh> (phonetic run, not the text), else 0 */
    char *text;
    size_t text_len, text_cap;

    /* The first error libxml2 reported while parsing the current part. */
    char xml_err[XLSX_XMLERR_MAX];
    int xml_line;
};

static const char empty[] = "";

__attribute__((format(printf, 5, 6))) static int
xlsx_fail_at(struct xlsx_error *err, int rc, unsigned row, unsigned col, const char *fmt, ...)
{
    va_list ap;

    err->row = row;
    err->col = col;
    va_start(ap, fmt);
    utf8_vformat(err->message, sizeof err->message, tdkt_gettext(fmt), ap);
    va_end(ap);
    utf8_scrub(err->message);
    return rc;
}

#define fail(err, rc, ...) xlsx_fail_at(err, rc, 0, 0, __VA_ARGS__)

/* Room in the array at *arr (any pointer type, by its address) for need
 * elements of size bytes, doubling (common/util/vec.h). */
static int grow(void *arr, size_t *cap, size_t need, size_t size)
{
    while (*cap < need)
        if (vec_reserve(arr, cap, *cap, size, 16) < 0)
            return TDKT_ENOMEM;
    return 0;
}

/* ---- numbers -------------------------------------------------------------- */

static locale_t c_numeric;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libs(void)
{
    xmlInitParser();
    c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* s as a finite number in "C" notation, and its shortest text that reads
 * back the same (2021, 212.5, 0.30000000000000004). */
static int number_read(const char *s, double *d, char out[32])
{
    locale_t old = (locale_t)0;
    char *end;
    int ok;

    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    if (c_numeric)
        old = uselocale(c_numeric);
    errno = 0;
    *d = strtod(s, &end);
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
        end++;
    ok = end != s && !*end && isfinite(*d);
    if (ok) {
        snprintf(out, 32, "%.15g", *d);
        if (strtod(out, NULL) != *d)
            snprintf(out, 32, "%.17g", *d);
        if (strcmp(out, "-0") == 0)
            strcpy(out, "0");
    }
    if (c_numeric)
        uselocale(old);
    return ok ? 0 : TDKT_EINVAL;
}

/* ---- names and paths ------------------------------------------------------ */

void xlsx_column_name(unsigned col, char out[XLSX_COLNAME_MAX])
{
    char rev[XLSX_COLNAME_MAX];
    size_t n = 0;

    if (col == 0 || col > 16384) {
        snprintf(out, XLSX_COLNAME_MAX, "?");
        return;
    }
    while (col > 0 && n < sizeof rev) {
        col--;
        rev[n++] = (char)('A' + col % 26);
        col /= 26;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    out[n] = '\0';
}

/* "D7" into column 4 and row 7: 0, or TDKT_EINVAL. */
static int cell_ref(const char *s, unsigned *col, unsigned *row)
{
    unsigned c = 0, r = 0;
    size_t i = 0;

    for (; s[i] >= 'A' && s[i] <= 'Z' && i < 3; i++)
        c = c * 26 + (unsigned)(s[i] - 'A' + 1);
    if (i == 0 || c > 16384)
        return TDKT_EINVAL;
    if (s[i] == '\0') {
        *col = c;
        *row = 0; /* no row: the row's own */
        return 0;
    }
    if (s[i] < '1' || s[i] > '9')
        return TDKT_EINVAL;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        r = r * 10 + (unsigned)(s[i] - '0');
        if (r > XLSX_ROWS_MAX)
            return TDKT_EINVAL;
    }
    if (s[i])
        return TDKT_EINVAL;
    *col = c;
    *row = r;
    return 0;
}

/* A whole number in s, at most max: 0 with *out, else TDKT_EINVAL. */
static int whole(const char *s, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;

    if (!*s)
        return TDKT_EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return TDKT_EINVAL;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > max)
            return TDKT_EINVAL;
    }
    *out = v;
    return 0;
}

/* target resolved against the folder dir ("" for the package's root), with
 * "." and ".." taken out: 0, or TDKT_EINVAL for a path that leaves the
 * package or does not fit. */
static int path_resolve(const char *dir, const char *target, char out[XLSX_PATH_MAX])
{
    char tmp[2 * XLSX_PATH_MAX];
    size_t n = 0;
    const char *p;

    if (target[0] == '/')
        snprintf(tmp, sizeof tmp, "%s", target + 1);
    else if (dir[0])
        snprintf(tmp, sizeof tmp, "%s/%s", dir, target);
    else
        snprintf(tmp, sizeof tmp, "%s", target);
    p = tmp;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);

        if (len == 0 || (len == 1 && p[0] == '.')) {
            /* nothing */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (n == 0)
                return TDKT_EINVAL;
            while (n > 0 && out[n - 1] != '/')
                n--;
            if (n > 0)
                n--; /* the slash */
        } else {
            if (n + (n ? 1 : 0) + len >= XLSX_PATH_MAX)
                return TDKT_EINVAL;
            if (n)
                out[n++] = '/';
            memcpy(out + n, p, len);
            n += len;
        }
        p += len + (slash ? 1 : 0);
    }
    out[n] = '\0';
    return n ? 0 : TDKT_EINVAL;
}

/* The folder of a part ("xl" of "xl/workbook.xml"; "" at the root). */
static void path_dir(const char *part, char out[XLSX_PATH_MAX])
{
    const char *slash = strrchr(part, '/');
    size_t n = slash ? (size_t)(slash - part) : 0;

    memcpy(out, part, n);
    out[n] = '\0';
}

/* The relationships part of a part: "xl/_rels/workbook.xml.rels". */
static int path_rels(const char *part, char out[XLSX_PATH_MAX])
{
    const char *slash = strrchr(part, '/');
    int n = slash ? snprintf(out, XLSX_PATH_MAX, "%.*s/_rels/%s.rels", (int)(slash - part), part,
                             slash + 1)
                  : snprintf(out, XLSX_PATH_MAX, "_rels/%s.rels", part);

    return n > 0 && (size_t)n < XLSX_PATH_MAX ? 0 : TDKT_EINVAL;
}

/* ---- parts ---------------------------------------------------------------- */

/* Read the part called name into *out (malloc'd, NUL-terminated; the
 * caller frees it). TDKT_ENOTFOUND when there is none (no error set when
 * optional). */
static int part_read(struct xlsx_book *b, const char *name, int optional, char **out, size_t *len,
                     struct xlsx_error *err)
{
    zip_int64_t idx = zip_name_locate(b->zip, name, 0);
    zip_stat_t st;
    zip_file_t *zf;
    char *buf;
    size_t n = 0;

    *out = NULL;
    *len = 0;
    if (idx < 0)
        idx = zip_name_locate(b->zip, name, ZIP_FL_NOCASE);
    if (idx < 0) {
        if (optional)
            return TDKT_ENOTFOUND;
        return fail(err, TDKT_EINVAL,
                    "the workbook has no part %s: it is damaged or not an Excel workbook; open it "
                    "in Excel or LibreOffice and save it again as .xlsx",
                    name);
    }
    zip_stat_init(&st);
    if (zip_stat_index(b->zip, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return fail(err, TDKT_EINVAL, "the workbook's part %s cannot be read: %s", name,
                    zip_strerror(b->zip));
    if (st.size > XLSX_PART_MAX)
        return fail(err, TDKT_ETOOBIG,
                    "the workbook's part %s would be %llu bytes uncompressed, above the limit "
                    "of %u MiB: the file is a zip bomb, or a sheet too large to import (split it)",
                    name, (unsigned long long)st.size, XLSX_PART_MAX >> 20);
    if (b->total + st.size > XLSX_TOTAL_MAX)
        return fail(err, TDKT_ETOOBIG,
                    "the workbook's parts are more than %u MiB uncompressed together: the file is "
                    "a zip bomb, or too large to import",
                    XLSX_TOTAL_MAX >> 20);
    if (!(zf = zip_fopen_index(b->zip, (zip_uint64_t)idx, 0))) {
        int ze = zip_error_code_zip(zip_get_error(b->zip));
        if (ze == ZIP_ER_NOPASSWD || ze == ZIP_ER_ENCRNOTSUPP || ze == ZIP_ER_WRONGPASSWD)
            return fail(err, TDKT_EINVAL,
                        "the workbook's part %s is encrypted: save the workbook without a "
                        "password",
                        name);
        return fail(err, TDKT_EINVAL,
                    "the workbook's part %s cannot be read (%s): open the file in Excel or "
                    "LibreOffice and save it again as .xlsx",
                    name, zip_strerror(b->zip));
    }
    /* The declared size bounds the buffer; a part that inflates past it is
     * refused, whatever the archive said. */
    if (!(buf = malloc((size_t)st.size + 2))) {
        zip_fclose(zf);
        return fail(err, TDKT_ENOMEM, "out of memory reading %s", name);
    }
    for (;;) {
        zip_int64_t got = zip_fread(zf, buf + n, (zip_uint64_t)st.size + 1 - n);

        if (got < 0) {
            int rc = fail(err, TDKT_EINVAL,
                          "the workbook's part %s is damaged (%s): open the file in Excel or "
                          "LibreOffice and save it again as .xlsx",
                          name, zip_file_strerror(zf));
            zip_fclose(zf);
            free(buf);
            return rc;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > st.size) {
            zip_fclose(zf);
            free(buf);
            return fail(err, TDKT_ETOOBIG,
                        "the workbook's part %s inflates past the size its archive declares: the "
                        "file is damaged or a zip bomb",
                        name);
        }
    }
    zip_fclose(zf);
    b->total += n;
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

#if LIBXML_VERSION >= 21200
static void xml_error_cb(void *arg, const xmlError *e)
#else
static void xml_error_cb(void *arg, xmlErrorPtr e)
#endif
{
    struct xlsx_book *b = arg;
    size_t n;

    if (b->xml_err[0] || !e || e->level < XML_ERR_ERROR)
        return;
    snprintf(b->xml_err, sizeof b->xml_err, "%s", e->message ? e->message : "parse error");
    n = strlen(b->xml_err);
    while (n && (b->xml_err[n - 1] == '\n' || b->xml_err[n - 1] == ' '))
        b->xml_err[--n] = '\0';
    b->xml_line = e->line;
}

/* "<!DOCTYPE" anywhere in data[0..len). */
static int has_doctype(const char *data, size_t len)
{
    static const char tag[] = "<!DOCTYPE";
    const char *p = data, *end = data + len;

    while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
        if ((size_t)(end - p) >= sizeof tag - 1 && memcmp(p, tag, sizeof tag - 1) == 0)
            return 1;
        p++;
    }
    return 0;
}

/* A streaming reader over the part name (data[0..len)). Workbook parts are
 * UTF-8 and declare no DTD: anything else is refused before libxml2 sees
 * it, so no entity is ever declared, let alone expanded. */
static int xml_begin(struct xlsx_book *b, const char *name, const char *data, size_t len,
                     xmlTextReaderPtr *out, struct xlsx_error *err)
{
    size_t i = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    xmlTextReaderPtr xr;

    *out = NULL;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i >= len || data[i] != '<')
        return fail(err, TDKT_EINVAL,
                    "the workbook's part %s is not UTF-8 XML: open the file in Excel or "
                    "LibreOffice and save it again as .xlsx",
                    name);
    if (has_doctype(data, len))
        return fail(err, TDKT_EINVAL,
                    "the workbook's part %s declares a DTD, which no Excel workbook does: the "
                    "file is refused",
                    name);
    xr = xmlReaderForMemory(data, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_NOCDATA);
    if (!xr)
        return fail(err, TDKT_ENOMEM, "out of memory reading %s", name);
    b->xml_err[0] = '\0';
    b->xml_line = 0;
    xmlTextReaderSetStructuredErrorHandler(xr, xml_error_cb, b);
    *out = xr;
    return 0;
}

/* The next node: 1, 0 at the end of the document, or an error. */
static int xml_step(struct xlsx_book *b, xmlTextReaderPtr xr, const char *name,
                    struct xlsx_error *err)
{
    int rc = xmlTextReaderRead(xr);

    if (rc == 1 && xmlTextReaderNodeType(xr) == XML_READER_TYPE_DOCUMENT_TYPE)
        return fail(err, TDKT_EINVAL,
                    "the workbook's part %s declares a DTD, which no Excel workbook does: the "
                    "file is refused",
                    name);
    if (rc >= 0 && !b->xml_err[0])
        return rc;
    return fail(err, TDKT_EINVAL,
                "the workbook's part %s is not well-formed XML (line %d: %s): open the file in "
                "Excel or LibreOffice and save it again as .xlsx",
                name, b->xml_line, b->xml_err[0] ? b->xml_err : "parse error");
}

/* The current node is an element called local (any namespace). */
static int is_elem(xmlTextReaderPtr xr, int type, const char *local)
{
    const xmlChar *n;

    if (xmlTextReaderNodeType(xr) != type)
        return 0;
    n = xmlTextReaderConstLocalName(xr);
    return n && strcmp((const char *)n, local) == 0;
}

/* The attribute of the current element whose local name is local (any
 * namespace; namespace declarations are not attributes here) into
 * out[cap]: 1 found, 0 not there, TDKT_ETOOBIG when it does not fit. */
static int attr_get(xmlTextReaderPtr xr, const char *local, char *out, size_t cap)
{
    int found = 0;

    out[0] = '\0';
    if (xmlTextReaderMoveToFirstAttribute(xr) != 1)
        return 0;
    do {
        const xmlChar *ln = xmlTextReaderConstLocalName(xr);
        const xmlChar *v;
        size_t n;

        if (xmlTextReaderIsNamespaceDecl(xr) == 1 || !ln || strcmp((const char *)ln, local) != 0)
            continue;
        v = xmlTextReaderConstValue(xr);
        n = v ? strlen((const char *)v) : 0;
        if (n >= cap) {
            found = TDKT_ETOOBIG;
        } else {
            memcpy(out, v ? (const char *)v : "", n + 1);
            found = 1;
        }
        break;
    } while (xmlTextReaderMoveToNextAttribute(xr) == 1);
    xmlTextReaderMoveToElement(xr);
    return found;
}

/* The text of a text node, for collecting. */
static int is_text(xmlTextReaderPtr xr)
{
    int t = xmlTextReaderNodeType(xr);

    return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA ||
           t == XML_READER_TYPE_WHITESPACE || t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE;
}

/* ---- relationships, workbook, shared strings ----------------------------- */

/* The relationships of the part name (none when it has no rels part). */
static int rels_read(struct xlsx_book *b, const char *part, struct xlsx_rel **out, size_t *n,
                     struct xlsx_error *err)
{
    char rels[XLSX_PATH_MAX], dir[XLSX_PATH_MAX], target[XLSX_PATH_MAX];
    char *data = NULL;
    size_t len, cap = 0;
    xmlTextReaderPtr xr = NULL;
    int rc;

    *out = NULL;
    *n = 0;
    if (path_rels(part, rels) < 0)
        return fail(err, TDKT_EINVAL, "the workbook's part name %s is too long", part);
    rc = part_read(b, rels, 1, &data, &len, err);
    if (rc == TDKT_ENOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    /* Targets are relative to the folder of the part the rels are of. */
    path_dir(part, dir);
    if ((rc = xml_begin(b, rels, data, len, &xr, err)) < 0)
        goto out;
    while ((rc = xml_step(b, xr, rels, err)) == 1) {
        struct xlsx_rel *r;
        char mode[XLSX_ATTR_MAX], type[XLSX_PATH_MAX];
        const char *tail;

        if (!is_elem(xr, XML_READER_TYPE_ELEMENT, "Relationship"))
            continue;
        if (attr_get(xr, "TargetMode", mode, sizeof mode) == 1 && strcmp(mode, "External") == 0)
            continue; /* a link to outside the file */
        if (*n == XLSX_RELS_MAX) {
            rc = fail(err, TDKT_ETOOBIG, "%s has more than %u relationships", rels, XLSX_RELS_MAX);
            goto out;
        }
        if ((rc = grow(out, &cap, *n + 1, sizeof **out)) < 0)
            goto out;
        r = &(*out)[*n];
        memset(r, 0, sizeof *r);
        if (attr_get(xr, "Id", r->id, sizeof r->id) != 1 ||
            attr_get(xr, "Type", type, sizeof type) != 1 ||
            attr_get(xr, "Target", target, sizeof target) != 1 ||
            path_resolve(dir, target, r->target) < 0)
            continue; /* one we could not follow; a part we need is then missing */
        tail = strrchr(type, '/');
        snprintf(r->type, sizeof r->type, "%.*s", (int)sizeof r->type - 1, tail ? tail + 1 : type);
        (*n)++;
    }
out:
    if (xr)
        xmlFreeTextReader(xr);
    free(data);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc < 0 ? rc : 0;
}

static const struct xlsx_rel *rel_by_id(const struct xlsx_rel *r, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].id, id) == 0)
            return &r[i];
    return NULL;
}

static const struct xlsx_rel *rel_by_type(const struct xlsx_rel *r, size_t n, const char *type)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].type, type) == 0)
            return &r[i];
    return NULL;
}

/* The sheets of the workbook part and whether it counts from 1904. */
static int workbook_read(struct xlsx_book *b, const char *part, const struct xlsx_rel *rels,
                         size_t nrels, struct xlsx_error *err)
{
    char *data = NULL, id[XLSX_ATTR_MAX], v[XLSX_ATTR_MAX];
    size_t len, cap = 0;
    xmlTextReaderPtr xr = NULL;
    int rc;

    if ((rc = part_read(b, part, 0, &data, &len, err)) < 0)
        return rc;
    if ((rc = xml_begin(b, part, data, len, &xr, err)) < 0)
        goto out;
    while ((rc = xml_step(b, xr, part, err)) == 1) {
        struct xlsx_sheet_ref *s;
        const struct xlsx_rel *r;

        if (is_elem(xr, XML_READER_TYPE_ELEMENT, "workbookPr")) {
            if (attr_get(xr, "date1904", v, sizeof v) == 1)
                b->date1904 = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
            continue;
        }
        if (!is_elem(xr, XML_READER_TYPE_ELEMENT, "sheet"))
            continue;
        if (b->nsheets == XLSX_SHEETS_MAX) {
            rc = fail(err, TDKT_ETOOBIG, "the workbook has more than %u sheets", XLSX_SHEETS_MAX);
            goto out;
        }
        if ((rc = grow(&b->sheets, &cap, b->nsheets + 1, sizeof *b->sheets)) < 0)
            goto out;
        s = &b->sheets[b->nsheets];
        memset(s, 0, sizeof *s);
        if (attr_get(xr, "name", s->name, sizeof s->name) != 1 || !s->name[0]) {
            rc = fail(err, TDKT_EINVAL,
                      "sheet %zu of the workbook has no name, or one longer than %u bytes",
                      b->nsheets + 1, XLSX_NAME_MAX);
            goto out;
        }
        s->hidden = attr_get(xr, "state", v, sizeof v) == 1 && strcmp(v, "visible") != 0;
        if (attr_get(xr, "id", id, sizeof id) == 1 && (r = rel_by_id(rels, nrels, id))) {
            snprintf(s->path, sizeof s->path, "%s", r->target);
            s->cells = strcmp(r->type, REL_WORKSHEET) == 0;
        }
        b->nsheets++;
    }
    if (rc == 0 && b->nsheets == 0)
        rc = fail(err, TDKT_EINVAL, "the workbook has no sheets");
out:
    if (xr)
        xmlFreeTextReader(xr);
    free(data);
    return rc < 0 ? rc : 0;
}

/* Append text[0..n) to the collected text of the element being read. */
static int text_add(struct xlsx_book *b, const char *s, size_t n, struct xlsx_error *err)
{
    if (b->text_len + n > XLSX_STRING_MAX)
        return TDKT_ETOOBIG;
    if (grow(&b->text, &b->text_cap, b->text_len + n + 1, 1) < 0)
        return fail(err, TDKT_ENOMEM, "out of memory");
    memcpy(b->text + b->text_len, s, n);
    b->text_len += n;
    b->text[b->text_len] = '\0';
    return 0;
}

static int sst_push(struct xlsx_book *b, struct xlsx_error *err)
{
    if (b->nsst == XLSX_STRINGS_MAX)
        return fail(err, TDKT_ETOOBIG, "the workbook has more than %u shared strings",
                    XLSX_STRINGS_MAX);
    if (grow(&b->sst_off, &b->sst_off_cap, b->nsst + 1, sizeof *b->sst_off) < 0 ||
        grow(&b->sst, &b->sst_cap, b->sst_len + b->text_len + 1, 1) < 0)
        return fail(err, TDKT_ENOMEM, "out of memory reading the shared strings");
    b->sst_off[b->nsst++] = b->sst_len;
    if (b->text_len)
        memcpy(b->sst + b->sst_len, b->text, b->text_len);
    b->sst_len += b->text_len;
    b->sst[b->sst_len++] = '\0';
    return 0;
}

/* The shared strings: <si> holds <t>, or runs <r><t>..</t></r> to join,
 * and perhaps phonetic runs <rPh> that are not part of the text. */
static int sst_read(struct xlsx_book *b, const char *part, struct xlsx_error *err)
{
    char *data = NULL;
    size_t len;
    xmlTextReaderPtr xr = NULL;
    int rc, in_si = 0, in_t = 0, rph = 0;

    if ((rc = part_read(b, part, 0, &data, &len, err)) < 0)
        return rc;
    if ((rc = xml_begin(b, part, data, len, &xr, err)) < 0)
        goto out;
    while ((rc = xml_step(b, xr, part, err)) == 1) {
        int depth = xmlTextReaderDepth(xr);

        if (is_elem(xr, XML_READER_TYPE_ELEMENT, "si")) {
            b->text_len = 0;
            in_si = 1;
            if (xmlTextReaderIsEmptyElement(xr) == 1) {
                in_si = 0;
                if ((rc = sst_push(b, err)) < 0)
                    goto out;
            }
        } else if (is_elem(xr, XML_READER_TYPE_END_ELEMENT, "si") && in_si) {
            in_si = 0;
            if ((rc = sst_push(b, err)) < 0)
                goto out;
        } else if (in_si && !rph && is_elem(xr, XML_READER_TYPE_ELEMENT, "rPh")) {
            if (xmlTextReaderIsEmptyElement(xr) != 1)
                rph = depth;
        } else if (rph && depth == rph && is_elem(xr, XML_READER_TYPE_END_ELEMENT, "rPh")) {
            rph = 0;
        } else if (in_si && !rph && is_elem(xr, XML_READER_TYPE_ELEMENT, "t")) {
            in_t = xmlTextReaderIsEmptyElement(xr) != 1;
        } else if (is_elem(xr, XML_READER_TYPE_END_ELEMENT, "t")) {
            in_t = 0;
        } else if (in_t && !rph && is_text(xr)) {
            const char *v = (const char *)xmlTextReaderConstValue(xr);
            if (v && (rc = text_add(b, v, strlen(v), err)) < 0) {
                if (rc == TDKT_ETOOBIG)
                    rc = fail(err, rc, "shared string %zu is longer than %u KiB", b->nsst + 1,
                              XLSX_STRING_MAX >> 10);
                goto out;
            }
        }
    }
out:
    if (xr)
        xmlFreeTextReader(xr);
    free(data);
    return rc < 0 ? rc : 0;
}

/* ---- opening -------------------------------------------------------------- */

int xlsx_open(const char *data, size_t len, struct xlsx_book **out, struct xlsx_error *err)
{
    struct xlsx_book *b;
    zip_error_t ze;
    zip_source_t *src;
    struct xlsx_rel *rels = NULL;
    size_t nrels = 0;
    const struct xlsx_rel *r;
    char workbook[XLSX_PATH_MAX];
    int rc;

    *out = NULL;
    memset(err, 0, sizeof *err);
    pthread_once(&init_once, init_libs);
    if (len > XLSX_FILE_MAX)
        return fail(err, TDKT_ETOOBIG, "the workbook is larger than %u MiB", XLSX_FILE_MAX >> 20);
    if (!(b = calloc(1, sizeof *b)))
        return fail(err, TDKT_ENOMEM, "out of memory");
    zip_error_init(&ze);
    if (!(src = zip_source_buffer_create(len ? data : "", len, 0, &ze))) {
        rc = fail(err, TDKT_ENOMEM, "out of memory");
        goto out;
    }
    if (!(b->zip = zip_open_from_source(src, ZIP_RDONLY, &ze))) {
        zip_source_free(src);
        rc = fail(err, TDKT_EINVAL,
                  "the file is not a readable ZIP archive, as an .xlsx workbook is (%s): open it "
                  "in Excel or LibreOffice and save it again as .xlsx",
                  zip_error_strerror(&ze));
        goto out;
    }
    if (zip_get_num_entries(b->zip, 0) > (zip_int64_t)XLSX_ENTRIES_MAX) {
        rc = fail(err, TDKT_ETOOBIG, "the archive holds more than %u files: it is no workbook",
                  XLSX_ENTRIES_MAX);
        goto out;
    }
    if (zip_name_locate(b->zip, "mimetype", 0) >= 0 &&
        zip_name_locate(b->zip, "content.xml", 0) >= 0) {
        rc = fail(err, TDKT_EINVAL,
                  "this is an OpenDocument file (.ods), not an Excel workbook: in LibreOffice "
                  "choose File > Save As > Excel 2007-365 (.xlsx), or save it as CSV UTF-8");
        goto out;
    }
    /* The package says where its workbook is; files that lack the root
     * relationships have it where Excel puts it. */
    if ((rc = rels_read(b, "", &rels, &nrels, err)) < 0)
        goto out;
    r = rel_by_type(rels, nrels, REL_OFFICE_DOCUMENT);
    snprintf(workbook, sizeof workbook, "%s", r ? r->target : "xl/workbook.xml");
    free(rels);
    rels = NULL;
    if (zip_name_locate(b->zip, workbook, ZIP_FL_NOCASE) < 0) {
        if (zip_name_locate(b->zip, "word/document.xml", 0) >= 0)
            rc = fail(err, TDKT_EINVAL,
                      "this is a Word document (.docx), not a spreadsheet: copy its table into "
                      "Excel and save it as .xlsx or as CSV UTF-8");
        else
            rc = fail(err, TDKT_EINVAL,
                      "this ZIP archive is not an Excel workbook (it has no %s): save the "
                      "spreadsheet as .xlsx or as CSV UTF-8",
                      workbook);
        goto out;
    }
    if ((rc = rels_read(b, workbook, &rels, &nrels, err)) < 0)
        goto out;
    if ((rc = workbook_read(b, workbook, rels, nrels, err)) < 0)
        goto out;
    if ((r = rel_by_type(rels, nrels, REL_SHARED_STRINGS)) &&
        (rc = sst_read(b, r->target, err)) < 0)
        goto out;
    rc = 0;
out:
    free(rels);
    if (rc < 0) {
        xlsx_close(b);
        return rc;
    }
    *out = b;
    return 0;
}

static void sheet_end(struct xlsx_book *b)
{
    if (b->xr)
        xmlFreeTextReader(b->xr);
    b->xr = NULL;
    free(b->part);
    b->part = NULL;
    b->part_len = 0;
}

void xlsx_close(struct xlsx_book *b)
{
    if (!b)
        return;
    sheet_end(b);
    if (b->zip)
        zip_discard(b->zip);
    free(b->sheets);
    free(b->sst);
    free(b->sst_off);
    free(b->cells);
    free(b->off);
    free(b->rowbuf);
    free(b->text);
    free(b);
}

size_t xlsx_sheet_count(const struct xlsx_book *b)
{
    return b->nsheets;
}

const char *xlsx_sheet_name(const struct xlsx_book *b, size_t i)
{
    return i < b->nsheets ? b->sheets[i].name : "";
}

size_t xlsx_sheet_first(const struct xlsx_book *b)
{
    for (size_t i = 0; i < b->nsheets; i++)
        if (!b->sheets[i].hidden)
            return i;
    return 0;
}

int xlsx_sheet_find(const struct xlsx_book *b, const char *name, size_t *index)
{
    size_t found = 0, at = 0;

    for (size_t i = 0; i < b->nsheets; i++)
        if (strcmp(b->sheets[i].name, name) == 0) {
            *index = i;
            return 0;
        }
    for (size_t i = 0; i < b->nsheets; i++)
        if (text_fold_equal(b->sheets[i].name, name)) {
            found++;
            at = i;
        }
    if (found != 1)
        return TDKT_ENOTFOUND;
    *index = at;
    return 0;
}

int xlsx_date1904(const struct xlsx_book *b)
{
    return b->date1904;
}

int xlsx_sheet_open(struct xlsx_book *b, size_t i, struct xlsx_error *err)
{
    const struct xlsx_sheet_ref *s;
    int rc;

    memset(err, 0, sizeof *err);
    sheet_end(b);
    if (i >= b->nsheets)
        return fail(err, TDKT_EINVAL, "the workbook has no sheet %zu", i + 1);
    s = &b->sheets[i];
    if (!s->path[0])
        return fail(err, TDKT_EINVAL,
                    "the workbook does not say where sheet '%s' is: it is damaged; open it in "
                    "Excel or LibreOffice and save it again",
                    s->name);
    if (!s->cells)
        return fail(err, TDKT_EINVAL,
                    "sheet '%s' is a chart or a macro sheet, not a table of cells", s->name);
    snprintf(b->part_name, sizeof b->part_name, "%s", s->path);
    if ((rc = part_read(b, s->path, 0, &b->part, &b->part_len, err)) < 0)
        return rc;
    if ((rc = xml_begin(b, b->part_name, b->part, b->part_len, &b->xr, err)) < 0) {
        sheet_end(b);
        return rc;
    }
    b->done = 0;
    b->last_row = 0;
    b->ncells = 0;
    b->row = 0;
    return 0;
}

/* ---- rows ----------------------------------------------------------------- */

/* Start row r: no cells yet. */
static void row_begin(struct xlsx_book *b, unsigned r)
{
    b->row = r;
    b->last_col = 0;
    b->ncols = 0;
    b->row_len = 0;
}

/* Put the finished cell's value s[0..n) of type t at column b->col. */
static int row_put(struct xlsx_book *b, enum xlsx_type t, const char *s, size_t n, double number,
                   struct xlsx_error *err)
{
    char name[XLSX_COLNAME_MAX];

    xlsx_column_name(b->col, name);
    if (b->col > XLSX_COLS_MAX)
        return xlsx_fail_at(
            err, TDKT_EINVAL, b->row, b->col,
            "cell %s%u has a value, beyond the last column read (IV, the %uth): move "
            "the table to the left or delete what is there",
            name, b->row, XLSX_COLS_MAX);
    if (++b->ncells > XLSX_CELLS_MAX)
        return xlsx_fail_at(err, TDKT_ETOOBIG, b->row, b->col,
                            "the sheet has more than %u cells with a value: split it",
                            XLSX_CELLS_MAX);
    if (b->row_len + n + 1 > XLSX_ROW_BYTES_MAX)
        return xlsx_fail_at(err, TDKT_ETOOBIG, b->row, b->col,
                            "row %u holds more than %u KiB of text", b->row,
                            XLSX_ROW_BYTES_MAX >> 10);
    if (grow(&b->cells, &b->cells_cap, b->col, sizeof *b->cells) < 0 ||
        grow(&b->off, &b->off_cap, b->col, sizeof *b->off) < 0 ||
        grow(&b->rowbuf, &b->row_cap, b->row_len + n + 1, 1) < 0)
        return fail(err, TDKT_ENOMEM, "out of memory");
    while (b->ncols + 1 < b->col) {
        struct xlsx_cell *c = &b->cells[b->ncols];
        c->type = XLSX_EMPTY;
        c->s = empty;
        c->len = 0;
        c->number = 0;
        b->off[b->ncols++] = SIZE_MAX;
    }
    b->cells[b->ncols].type = t;
    b->cells[b->ncols].len = n;
    b->cells[b->ncols].number = number;
    b->cells[b->ncols].s = NULL;
    b->off[b->ncols++] = b->row_len;
    memcpy(b->rowbuf + b->row_len, s, n);
    b->row_len += n;
    b->rowbuf[b->row_len++] = '\0';
    return 0;
}

/* The cell whose element ended: its value by its type. */
static int cell_finish(struct xlsx_book *b, struct xlsx_error *err)
{
    const char *t = b->type, *v = b->text ? b->text : "";
    char name[XLSX_COLNAME_MAX], num[32];
    double d = 0;

    xlsx_column_name(b->col, name);
    if (!b->have_v)
        return 0; /* no value: an empty (perhaps formatted) cell */
    if (strcmp(t, "s") == 0) {
        unsigned long i;
        const char *s;

        if (whole(v, ULONG_MAX / 10, &i) < 0 || i >= b->nsst)
            return xlsx_fail_at(
                err, TDKT_EINVAL, b->row, b->col,
                "cell %s%u refers to shared string '%.20s', which the workbook does "
                "not have: it is damaged",
                name, b->row, v);
        s = b->sst + b->sst_off[i];
        return *s ? row_put(b, XLSX_TEXT, s, strlen(s), 0, err) : 0;
    }
    if (strcmp(t, "inlineStr") == 0 || strcmp(t, "str") == 0)
        return b->text_len ? row_put(b, XLSX_TEXT, v, b->text_len, 0, err) : 0;
    if (strcmp(t, "b") == 0) {
        if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
            return row_put(b, XLSX_BOOL, "true", 4, 1, err);
        if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
            return row_put(b, XLSX_BOOL, "false", 5, 0, err);
        return xlsx_fail_at(err, TDKT_EINVAL, b->row, b->col,
                            "cell %s%u is a boolean of value '%.20s', neither 0 nor 1", name,
                            b->row, v);
    }
    if (strcmp(t, "e") == 0)
        return row_put(b, XLSX_ERROR, v, b->text_len, 0, err);
    if (strcmp(t, "d") == 0) {
        /* An ISO 8601 date (strict OOXML): its date part is the text. */
        size_t n = b->text_len > 10 && v[10] == 'T' ? 10 : b->text_len;
        return n ? row_put(b, XLSX_TEXT, v, n, 0, err) : 0;
    }
    if (t[0] && strcmp(t, "n") != 0)
        return xlsx_fail_at(err, TDKT_EINVAL, b->row, b->col, "cell %s%u has an unknown type '%s'",
                            name, b->row, t);
    if (b->text_len == 0)
        return 0;
    if (number_read(v, &d, num) < 0)
        return xlsx_fail_at(
            err, TDKT_EINVAL, b->row, b->col,
            "cell %s%u is a number cell holding '%.20s', which is not a number: the "
            "workbook is damaged",
            name, b->row, v);
    return row_put(b, XLSX_NUMBER, num, strlen(num), d, err);
}

/* A <c> element starts: its column from r (else the next one) and type. */
static int cell_begin(struct xlsx_book *b, struct xlsx_error *err)
{
    char ref[XLSX_ATTR_MAX];
    unsigned col = b->last_col + 1, row = 0;
    int rc = attr_get(b->xr, "r", ref, sizeof ref);

    if (rc != 0 && (rc < 0 || cell_ref(ref, &col, &row) < 0))
        return xlsx_fail_at(err, TDKT_EINVAL, b->row, 0,
                            "row %u has a cell named '%.12s', not a cell "
                            "reference like D7: the workbook is damaged",
                            b->row, ref);
    if (row && row != b->row)
        return xlsx_fail_at(err, TDKT_EINVAL, b->row, 0,
                            "cell %s is inside row %u: the workbook is damaged", ref, b->row);
    if (col <= b->last_col)
        return xlsx_fail_at(
            err, TDKT_EINVAL, b->row, col,
            "row %u has its cells out of order (%s after column %u): the workbook is "
            "damaged",
            b->row, ref, b->last_col);
    if (col > 16384)
        return xlsx_fail_at(err, TDKT_EINVAL, b->row, 0, "row %u has a cell past column XFD",
                            b->row);
    b->col = col;
    b->last_col = col;
    if (attr_get(b->xr, "t", b->type, sizeof b->type) < 0)
        strcpy(b->type, "?");
    b->have_v = 0;
    b->collect = 0;
    b->rph = 0;
    b->text_len = 0;
    if (b->text)
        b->text[0] = '\0';
    return 0;
}

/* A <row> element starts: its number from r (else the next one). */
static int row_start(struct xlsx_book *b, struct xlsx_error *err)
{
    char ref[XLSX_ATTR_MAX];
    unsigned long r = b->last_row + 1;
    int rc = attr_get(b->xr, "r", ref, sizeof ref);

    if (rc != 0 && (rc < 0 || whole(ref, XLSX_ROWS_MAX, &r) < 0 || r == 0))
        return xlsx_fail_at(err, TDKT_EINVAL, b->last_row + 1, 0,
                            "a row is numbered '%.12s', not 1 to %u: the workbook is damaged", ref,
                            XLSX_ROWS_MAX);
    if (r <= b->last_row)
        return xlsx_fail_at(err, TDKT_EINVAL, (unsigned)r, 0,
                            "row %lu comes after row %u: the workbook is damaged", r, b->last_row);
    if (r > XLSX_ROWS_MAX)
        return xlsx_fail_at(err, TDKT_ETOOBIG, b->last_row + 1, 0,
                            "the sheet has more than %u rows", XLSX_ROWS_MAX);
    b->last_row = (unsigned)r;
    row_begin(b, (unsigned)r);
    return 0;
}

/* The finished row into *out: its texts' pointers fixed now that rowbuf no
 * longer moves. */
static void row_out(struct xlsx_book *b, struct xlsx_row *out)
{
    for (size_t i = 0; i < b->ncols; i++)
        b->cells[i].s = b->off[i] == SIZE_MAX ? empty : b->rowbuf + b->off[i];
    out->row = b->row;
    out->cells = b->cells;
    out->n = b->ncols;
}

int xlsx_next_row(struct xlsx_book *b, struct xlsx_row *row, struct xlsx_error *err)
{
    int rc, in_row = 0, in_cell = 0;

    memset(err, 0, sizeof *err);
    if (!b->xr || b->done)
        return 0;
    while ((rc = xml_step(b, b->xr, b->part_name, err)) == 1) {
        xmlTextReaderPtr xr = b->xr;
        int depth = xmlTextReaderDepth(xr);

        if (!in_row) {
            if (is_elem(xr, XML_READER_TYPE_END_ELEMENT, "sheetData"))
                break; /* nothing after it holds cells */
            if (!is_elem(xr, XML_READER_TYPE_ELEMENT, "row"))
                continue;
            if ((rc = row_start(b, err)) < 0)
                goto fail;
            if (xmlTextReaderIsEmptyElement(xr) == 1)
                continue;
            in_row = 1;
        } else if (!in_cell) {
            if (is_elem(xr, XML_READER_TYPE_END_ELEMENT, "row")) {
                in_row = 0;
                if (b->ncols) {
                    row_out(b, row);
                    return 1;
                }
            } else if (is_elem(xr, XML_READER_TYPE_ELEMENT, "c")) {
                if ((rc = cell_begin(b, err)) < 0)
                    goto fail;
                if (xmlTextReaderIsEmptyElement(xr) != 1)
                    in_cell = 1;
            }
        } else if (is_elem(xr, XML_READER_TYPE_END_ELEMENT, "c")) {
            in_cell = 0;
            if ((rc = cell_finish(b, err)) < 0)
                goto fail;
        } else if (b->rph) {
            if (depth == b->rph && is_elem(xr, XML_READER_TYPE_END_ELEMENT, "rPh"))
                b->rph = 0;
        } else if (is_elem(xr, XML_READER_TYPE_ELEMENT, "rPh")) {
            if (xmlTextReaderIsEmptyElement(xr) != 1)
                b->rph = depth;
        } else if (is_elem(xr, XML_READER_TYPE_ELEMENT, "v") ||
                   is_elem(xr, XML_READER_TYPE_ELEMENT, "t")) {
            /* <v> holds the value; <t>, inside <is>, an inline string. */
            b->have_v = 1;
            b->collect = xmlTextReaderIsEmptyElement(xr) != 1;
        } else if (is_elem(xr, XML_READER_TYPE_END_ELEMENT, "v") ||
                   is_elem(xr, XML_READER_TYPE_END_ELEMENT, "t")) {
            b->collect = 0;
        } else if (b->collect && is_text(xr)) {
            const char *v = (const char *)xmlTextReaderConstValue(xr);
            char name[XLSX_COLNAME_MAX];

            if (v && (rc = text_add(b, v, strlen(v), err)) < 0) {
                if (rc == TDKT_ETOOBIG) {
                    xlsx_column_name(b->col, name);
                    rc = xlsx_fail_at(err, rc, b->row, b->col, "cell %s%u holds more than %u KiB",
                                      name, b->row, XLSX_STRING_MAX >> 10);
                }
                goto fail;
            }
        }
    }
    if (rc < 0)
        goto fail;
    b->done = 1;
    if (in_row && b->ncols) {
        /* A sheet cut inside a row: libxml2 has reported it above. */
        row_out(b, row);
        return 1;
    }
    return 0;
fail:
    b->done = 1;
    return rc;
}

/* ---- dates ---------------------------------------------------------------- */

/* The civil date of days since 1970-01-01 (H. Hinnant's algorithm). */
static void civil(long long z, int *y, unsigned *m, unsigned *d)
{
    long long era, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int xlsx_serial_date(double serial, int date1904, char iso[11])
{
    long long days;
    int y;
    unsigned m, d;

    if (!isfinite(serial) || serial < (date1904 ? 0 : 1) || serial >= 2958466)
        return TDKT_EINVAL;
    days = (long long)floor(serial);
    if (date1904) {
        days += -24107; /* 1904-01-01 is day -24107 of 1970 */
    } else {
        if (days == 60)
            return TDKT_EINVAL; /* Lotus's 1900-02-29, which never was */
        /* Serial 1 is 1900-01-01; from 61 on, one more for that phantom day. */
        days += days < 60 ? -25568 : -25569;
    }
    civil(days, &y, &m, &d);
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return TDKT_EINVAL;
    /* Bounded above, so the text is exactly 10 bytes; the compiler is told
     * so by the unsigned types' ranges. */
    snprintf(iso, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 100u, d % 100u);
    return 0;
}
