/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the workbook reader (common/text/xlsx_read.h), the
 * results import of a workbook (import_buffer with "xlsx") and the registry
 * as a workbook (common/domain/registry_xlsx.h).
 *
 * An input that starts with "PK" is a ZIP file as it is: the seeds are real
 * workbooks (LibreOffice's, libxlsxwriter's). Since a mutated ZIP mostly
 * fails its checksums, any other input describes the parts of a workbook,
 * which the harness packs (stored, with right checksums) with libzip, so
 * that the fuzzer reaches the XML: each part starts with a line
 * "=== NAME\n" and runs to the next; the package's relationships, the
 * workbook and its relationships are a plain one-sheet workbook's unless
 * the input gives them. Text before the first "=== " line is the sheet.
 *
 * The reader owes, whatever the bytes: an error as a readable sentence with
 * a row and column in range, or rows in increasing order of at most
 * XLSX_COLS_MAX cells, each text well-formed UTF-8 without NUL whose length
 * is its len, a number that is its text read back, a boolean that is true
 * or false, and a last cell with a value. The import owes what fuzz_import
 * checks of CSV: a refusal with 1 to IMPORT_ERRORS_MAX readable errors,
 * placed in the sheet or about the whole file, and nothing kept; or records
 * that pass record_validate and the wire's checks. The registry owes a
 * readable refusal and nothing, or records that pass
 * registry_record_validate and the wire's checks.
 */
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "client/lib/import.h"
#include "common/domain/records.h"
#include "common/domain/registry_json.h"
#include "common/domain/registry_xlsx.h"
#include "common/err.h"
#include "common/text/xlsx_read.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_PARTS_MAX 16

#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

static const char default_root_rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" NS_REL "/officeDocument\" Target=\"xl/workbook.xml\"/>"
    "</Relationships>";
static const char default_workbook[] =
    "<workbook xmlns:r=\"" NS_REL "\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/>"
    "</sheets></workbook>";
static const char default_workbook_rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" NS_REL "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" NS_REL "/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "</Relationships>";

struct part {
    char name[XLSX_PATH_MAX];
    const char *data;
    size_t len;
};

static int has_part(const struct part *p, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].name, name) == 0)
            return 1;
    return 0;
}

/* Add the part name[0..name_len) with body d[0..len), unless it cannot be
 * one (no name, a NUL in it, too long) or is there already. */
static void part_add(struct part *p, size_t *n, const char *name, size_t name_len, const char *d,
                     size_t len)
{
    if (*n == FUZZ_PARTS_MAX || name_len == 0 || name_len >= XLSX_PATH_MAX ||
        memchr(name, '\0', name_len))
        return;
    memcpy(p[*n].name, name, name_len);
    p[*n].name[name_len] = '\0';
    if (has_part(p, *n, p[*n].name))
        return;
    p[*n].data = d;
    p[*n].len = len;
    (*n)++;
}

/* Split the input into parts: a line "=== NAME" starts one; what comes
 * before the first is the sheet. */
static size_t parts_split(const char *d, size_t len, struct part *p)
{
    static const char sheet[] = "xl/worksheets/sheet1.xml";
    const char *name = sheet;
    size_t n = 0, name_len = sizeof sheet - 1, body = 0;

    for (;;) {
        size_t k = body;
        const char *nl;

        while (k + 4 <= len && !((k == 0 || d[k - 1] == '\n') && memcmp(d + k, "=== ", 4) == 0))
            k++;
        if (k + 4 > len)
            k = len;
        if (!(k == 0 && name == sheet)) /* no sheet text before the first part */
            part_add(p, &n, name, name_len, d + body, k - body);
        if (k == len)
            return n;
        name = d + k + 4;
        nl = memchr(name, '\n', len - (k + 4));
        name_len = nl ? (size_t)(nl - name) : len - (k + 4);
        body = nl ? (size_t)(nl + 1 - d) : len;
    }
}

/* Pack parts (and the default ones they lack) as a ZIP in memory: *out is
 * malloc'd. 0, or -1 when libzip would not. */
static int pack(const struct part *p, size_t n, char **out, size_t *out_len)
{
    struct part all[FUZZ_PARTS_MAX + 3];
    size_t m = 0;
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za;
    zip_stat_t st;
    int rc = -1;

    memcpy(all, p, n * sizeof *p);
    m = n;
    if (!has_part(p, n, "_rels/.rels"))
        all[m++] = (struct part){"_rels/.rels", default_root_rels, sizeof default_root_rels - 1};
    if (!has_part(p, n, "xl/workbook.xml"))
        all[m++] = (struct part){"xl/workbook.xml", default_workbook, sizeof default_workbook - 1};
    if (!has_part(p, n, "xl/_rels/workbook.xml.rels"))
        all[m++] = (struct part){"xl/_rels/workbook.xml.rels", default_workbook_rels,
                                 sizeof default_workbook_rels - 1};
    zip_error_init(&ze);
    if (!(src = zip_source_buffer_create(NULL, 0, 0, &ze)))
        abort();
    zip_source_keep(src);
    if (!(za = zip_open_from_source(src, ZIP_TRUNCATE, &ze))) {
        zip_source_free(src);
        return -1;
    }
    for (size_t i = 0; i < m; i++) {
        zip_source_t *s = zip_source_buffer(za, all[i].len ? all[i].data : "", all[i].len, 0);
        zip_int64_t idx;

        if (!s)
            abort();
        if ((idx = zip_file_add(za, all[i].name, s, ZIP_FL_ENC_UTF_8)) < 0) {
            zip_source_free(s);
            continue; /* a name libzip will not take */
        }
        zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    }
    if (zip_close(za) != 0) {
        zip_discard(za);
        goto out;
    }
    if (zip_source_stat(src, &st) != 0 || zip_source_open(src) != 0)
        goto out;
    *out_len = (size_t)st.size;
    if (!(*out = malloc(*out_len ? *out_len : 1)))
        abort();
    if (zip_source_read(src, *out, st.size) != (zip_int64_t)st.size) {
        free(*out);
        zip_source_close(src);
        goto out;
    }
    zip_source_close(src);
    rc = 0;
out:
    zip_source_free(src);
    return rc;
}

static void check_error(const struct xlsx_error *e)
{
    harness_check_why(e->message, sizeof e->message);
    if (e->row > XLSX_ROWS_MAX || e->col > 16384 || (e->col && !e->row))
        abort();
}

static void check_row(const struct xlsx_row *r, unsigned last)
{
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0), old;

    if (r->row <= last || r->row > XLSX_ROWS_MAX || r->n < 1 || r->n > XLSX_COLS_MAX)
        abort();
    if (r->cells[r->n - 1].type == XLSX_EMPTY)
        abort(); /* a row ends at its last value */
    for (size_t i = 0; i < r->n; i++) {
        const struct xlsx_cell *x = &r->cells[i];

        if (!x->s || strlen(x->s) != x->len)
            abort();
        harness_check_text(x->s, x->len);
        switch (x->type) {
        case XLSX_EMPTY:
            if (x->len)
                abort();
            break;
        case XLSX_NUMBER:
            old = uselocale(c);
            if (!isfinite(x->number) || strtod(x->s, NULL) != x->number)
                abort();
            uselocale(old);
            break;
        case XLSX_BOOL:
            if (strcmp(x->s, "true") != 0 && strcmp(x->s, "false") != 0)
                abort();
            break;
        default:
            break;
        }
    }
    freelocale(c);
}

static void read_book(const char *data, size_t len)
{
    struct xlsx_book *b;
    struct xlsx_error err;
    int rc = xlsx_open(data, len, &b, &err);

    if (rc < 0) {
        if (rc != TDKT_EINVAL && rc != TDKT_ETOOBIG)
            abort();
        check_error(&err);
        return;
    }
    if (xlsx_sheet_count(b) < 1 || xlsx_sheet_first(b) >= xlsx_sheet_count(b))
        abort();
    for (size_t s = 0; s < xlsx_sheet_count(b); s++) {
        const char *name = xlsx_sheet_name(b, s);
        struct xlsx_row r;
        unsigned last = 0;
        size_t at;

        if (!name[0] || strlen(name) > XLSX_NAME_MAX)
            abort();
        harness_check_text(name, strlen(name));
        if (xlsx_sheet_find(b, name, &at) != 0 || strcmp(xlsx_sheet_name(b, at), name) != 0)
            abort();
        if ((rc = xlsx_sheet_open(b, s, &err)) < 0) {
            check_error(&err);
            continue;
        }
        while ((rc = xlsx_next_row(b, &r, &err)) == 1) {
            check_row(&r, last);
            last = r.row;
        }
        if (rc < 0)
            check_error(&err);
    }
    xlsx_close(b);
}

static void check_import(const char *data, size_t len, unsigned flags)
{
    struct import_opts o = {.unit = "VKSCC1", .year = 2021};
    struct import_result r;
    int is_zip =
        len >= 4 && (memcmp(data, "PK\x03\x04", 4) == 0 || memcmp(data, "PK\x05\x06", 4) == 0);
    int rc;

    o.locale = flags % 3 == 1 ? NUMLOCALE_VI : flags % 3 == 2 ? NUMLOCALE_EN : NUMLOCALE_NONE;
    rc = import_buffer(data, len, "xlsx", &o, &r);
    if (rc < 0) {
        if (rc != TDKT_EINVAL || r.nerrors < 1 || r.nerrors > IMPORT_ERRORS_MAX)
            abort();
        if (r.ngroups || r.groups || r.nrecords)
            abort(); /* nothing of a bad file is kept */
        for (size_t i = 0; i < r.nerrors; i++) {
            const struct import_error *e = &r.errors[i];
            char place[IMPORT_PLACE_MAX];

            harness_check_why(e->message, sizeof e->message);
            harness_check_text(e->where, strlen(e->where));
            /* No place outside a sheet, but for bytes that are no ZIP and
             * not UTF-8 (filekind.h), which are placed as text. */
            if (!r.sheet[0] && (e->line || e->column) && is_zip)
                abort();
            if (e->column > 16384 || (e->column && !e->line))
                abort();
            import_error_place(&r, e, place, sizeof place);
            harness_check_text(place, strlen(place));
        }
    } else {
        if (rc != 0 || r.nerrors)
            abort();
        for (size_t g = 0; g < r.ngroups; g++)
            for (size_t k = 0; k < r.groups[g].n; k++) {
                struct fault f;
                if (record_validate(r.groups[g].records[k], &f) != 0)
                    abort();
                harness_check_message(&r.groups[g].records[k]->base);
            }
    }
    harness_check_text(r.sheet, strlen(r.sheet));
    import_result_free(&r);
}

static void check_registry(const char *data, size_t len)
{
    Tdkt__RegistryRecord **recs = NULL;
    size_t n = 0;
    char err[REGISTRY_JSON_ERR_MIN];
    int rc = registry_xlsx_parse("f.xlsx", data, len, &recs, &n, err, sizeof err);

    if (rc < 0) {
        if (recs || n || (rc != TDKT_EINVAL && rc != TDKT_ETOOBIG))
            abort();
        harness_check_why(err, sizeof err);
        if (strncmp(err, "f.xlsx", 6) != 0)
            abort(); /* every refusal names the file */
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct fault f;
        if (registry_record_validate(recs[i], &f) != 0)
            abort();
        harness_check_message(&recs[i]->base);
    }
    registry_records_free(recs, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *d = (const char *)data;
    struct part parts[FUZZ_PARTS_MAX];
    char *zip = NULL;
    size_t zip_len = 0, n;
    unsigned flags = size ? data[size - 1] : 0;

    if (size >= 2 && d[0] == 'P' && d[1] == 'K') {
        read_book(d, size);
        check_import(d, size, flags);
        check_registry(d, size);
        return 0;
    }
    n = parts_split(d, size, parts);
    if (pack(parts, n, &zip, &zip_len) != 0)
        return 0;
    read_book(zip, zip_len);
    check_import(zip, zip_len, flags);
    check_registry(zip, zip_len);
    free(zip);
    return 0;
}
