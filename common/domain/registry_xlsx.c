/* SPDX-License-Identifier: MIT */
/*
 * The registry as a workbook, turned into the tree registry_json.c checks;
 * see registry_xlsx.h. This file owns the sheet and column names of each
 * section, how a cell becomes a JSON value, how rows group into items with
 * lists, and where each item came from, so that registry_json's refusal
 * ("units[3].kind: ...") is told at its sheet, row and column.
 */
#include "common/domain/registry_xlsx.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain/registry_json.h"
#include "common/err.h"
#include "common/text/fold.h"
#include "common/text/numlocale.h"
#include "common/text/xlsx_read.h"
#include "common/util/vec.h"
#include "common/wire/utf8.h"
#include "common/text/i18n.h"

#define RX_COLS_MAX    8   /* columns of a section */
#define RX_ALIASES_MAX 5   /* Vietnamese headers of a column */
#define RX_HEAD_MAX    64  /* bytes of a header kept for messages */
#define RX_KEY_MAX     128 /* bytes of a folded header or sheet name */
#define RX_MSG_MAX     512 /* bytes of a message before its place is added */

enum rx_type {
    RX_TEXT,   /* a string */
    RX_INT,    /* a whole number (a year) */
    RX_NUMBER, /* a number (points, a rule's value) */
    RX_DATE,   /* YYYY-MM-DD: a date cell, or the text */
    RX_LIST,   /* strings separated by ';' (or ',') in one cell */
};

/* Where a column's value goes: a key of the item, the key that groups the
 * rows of one item (and is a key of it), or a key of the inner item. */
enum rx_part { RX_ITEM, RX_GROUP, RX_INNER };

struct rx_col {
    const char *key;
    enum rx_type type;
    enum rx_part part;
    const char *aliases[RX_ALIASES_MAX];
};

struct rx_section {
    const char *key;      /* the JSON section */
    const char *names[4]; /* its sheet's names besides the key */
    const char *inner;    /* the key of the inner list, or NULL */
    const char *what;     /* what a row group is, for messages */
    struct rx_col cols[RX_COLS_MAX];
};

static const struct rx_section sections[] = {
    {"rules",
     {"quy định", "bộ quy tắc"},
     "values",
     "rule set",
     {{"code", RX_TEXT, RX_GROUP, {"mã", "mã văn bản"}},
      {"name", RX_TEXT, RX_ITEM, {"tên", "tên văn bản", "văn bản"}},
      {"effective_from", RX_DATE, RX_ITEM, {"áp dụng từ", "hiệu lực từ", "ngày hiệu lực"}},
      {"key", RX_TEXT, RX_INNER, {"khóa", "tham số"}},
      {"value", RX_NUMBER, RX_INNER, {"giá trị"}},
      {"source", RX_TEXT, RX_INNER, {"nguồn", "căn cứ"}}}},
    {"units",
     {"đơn vị"},
     NULL,
     "unit",
     {{"code", RX_TEXT, RX_ITEM, {"mã", "mã đơn vị"}},
      {"name", RX_TEXT, RX_ITEM, {"tên", "tên đơn vị"}},
      {"kind", RX_TEXT, RX_ITEM, {"loại", "loại đơn vị", "cấp"}},
      {"role", RX_TEXT, RX_ITEM, {"vai trò"}},
      {"parent", RX_TEXT, RX_ITEM, {"cấp trên", "đơn vị cấp trên", "mã đơn vị cấp trên"}}}},
    {"persons",
     {"cán bộ", "công chức", "cán bộ, công chức"},
     NULL,
     "person",
     {{"id", RX_TEXT, RX_ITEM, {"mã", "mã cán bộ"}},
      {"name", RX_TEXT, RX_ITEM, {"tên", "họ và tên", "họ tên"}},
      {"unit", RX_TEXT, RX_ITEM, {"đơn vị", "mã đơn vị"}}}},
    {"periods",
     {"kỳ thi đua"},
     NULL,
     "period",
     {{"year", RX_INT, RX_ITEM, {"năm"}},
      {"state", RX_TEXT, RX_ITEM, {"trạng thái"}},
      {"deadline", RX_DATE, RX_ITEM, {"hạn", "hạn nộp"}}}},
    {"clusters",
     {"cụm, khối", "cụm khối", "cụm, khối thi đua"},
     NULL,
     "cluster",
     {{"year", RX_INT, RX_ITEM, {"năm"}},
      {"code", RX_TEXT, RX_ITEM, {"mã", "mã cụm"}},
      {"name", RX_TEXT, RX_ITEM, {"tên", "tên cụm"}},
      {"kind", RX_TEXT, RX_ITEM, {"loại"}},
      {"members", RX_LIST, RX_ITEM, {"thành viên", "đơn vị thành viên"}},
      {"leader", RX_TEXT, RX_ITEM, {"trưởng", "cụm trưởng", "khối trưởng"}},
      {"deputy", RX_TEXT, RX_ITEM, {"phó", "cụm phó", "khối phó"}}}},
    {"criteria",
     {"tiêu chí", "bảng điểm"},
     "criteria",
     "criteria sheet",
     {{"year", RX_INT, RX_GROUP, {"năm"}},
      {"cluster", RX_TEXT, RX_GROUP, {"cụm", "mã cụm", "cụm, khối"}},
      {"code", RX_TEXT, RX_INNER, {"mã", "mã tiêu chí"}},
      {"name", RX_TEXT, RX_INNER, {"tên", "tên tiêu chí", "tiêu chí"}},
      {"max_points", RX_NUMBER, RX_INNER, {"điểm tối đa", "điểm chuẩn"}}}},
    {"councils",
     {"hội đồng", "hội đồng thi đua"},
     "members",
     "Council",
     {{"year", RX_INT, RX_GROUP, {"năm"}},
      {"code", RX_TEXT, RX_GROUP, {"mã", "mã hội đồng"}},
      {"name", RX_TEXT, RX_ITEM, {"tên", "tên hội đồng"}},
      {"person", RX_TEXT, RX_INNER, {"cán bộ", "mã cán bộ", "thành viên"}},
      {"role", RX_TEXT, RX_INNER, {"vai trò", "chức danh"}}}},
};
#define RX_SECTIONS (sizeof sections / sizeof sections[0])

/* An item of a section: the row it starts at, the rows of its inner items. */
struct rx_item {
    unsigned row;
    json_t *obj;     /* borrowed from the section's array */
    unsigned *inner; /* owned: the row of each inner item */
    size_t ninner, inner_cap;
};

/* A section's sheet as read. */
struct rx_sheet {
    const struct rx_section *sec;
    char name[XLSX_NAME_MAX + 1];
    unsigned col[RX_COLS_MAX]; /* the column of each of sec's columns; 0: absent */
    char head[RX_COLS_MAX][RX_HEAD_MAX];
    json_t *array; /* borrowed from the root */
    struct rx_item *items;
    size_t nitems, items_cap;
};

struct rx {
    const char *name; /* the file's, for messages; may be NULL */
    char *err;
    size_t cap;
    struct xlsx_book *book;
    json_t *root;
    struct rx_sheet sheets[RX_SECTIONS];
};

/* A refusal at sheet s (NULL: the file), row and column (0: none). */
__attribute__((format(printf, 6, 7))) static int rx_fail(struct rx *x, int rc,
                                                         const struct rx_sheet *s, unsigned row,
                                                         unsigned col, const char *fmt, ...)
{
    char place[XLSX_NAME_MAX + 48] = "", c[XLSX_COLNAME_MAX];
    va_list ap;
    int k;

    if (!x->err || !x->cap)
        return rc;
    if (s && row && col) {
        xlsx_column_name(col, c);
        snprintf(place, sizeof place, ":%s:%u:%s", s->name, row, c);
    } else if (s && row) {
        snprintf(place, sizeof place, ":%s:%u", s->name, row);
    } else if (s) {
        snprintf(place, sizeof place, ":%s", s->name);
    }
    /* NAME:SHEET:ROW:COLUMN: as a compiler writes a place; without a name,
     * the place alone. */
    if (x->name)
        k = snprintf(x->err, x->cap, "%s%s: ", x->name, place);
    else if (place[0])
        k = snprintf(x->err, x->cap, "%s: ", place + 1);
    else
        k = 0;
    if (k < 0 || (size_t)k >= x->cap)
        return rc;
    va_start(ap, fmt);
    vsnprintf(x->err + k, x->cap - (size_t)k, tdkt_gettext(fmt), ap);
    va_end(ap);
    utf8_scrub(x->err);
    return rc;
}

static int fold_is(const char *text, const char *word)
{
    char a[RX_KEY_MAX], b[RX_KEY_MAX];

    return text_fold(text, strlen(text), a, sizeof a) == 0 &&
           text_fold(word, strlen(word), b, sizeof b) == 0 && a[0] && strcmp(a, b) == 0;
}

static const struct rx_section *section_of(const char *sheet)
{
    for (size_t i = 0; i < RX_SECTIONS; i++) {
        if (fold_is(sheet, sections[i].key))
            return &sections[i];
        for (size_t k = 0; k < 4 && sections[i].names[k]; k++)
            if (fold_is(sheet, sections[i].names[k]))
                return &sections[i];
    }
    return NULL;
}

static int column_of(const struct rx_section *sec, const char *head)
{
    for (int c = 0; c < RX_COLS_MAX && sec->cols[c].key; c++) {
        if (fold_is(head, sec->cols[c].key))
            return c;
        for (int a = 0; a < RX_ALIASES_MAX && sec->cols[c].aliases[a]; a++)
            if (fold_is(head, sec->cols[c].aliases[a]))
                return c;
    }
    return -1;
}

/* "code (mã), name (tên), ..." for a message. */
static void columns_list(const struct rx_section *sec, char *buf, size_t cap)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int c = 0; c < RX_COLS_MAX && sec->cols[c].key && used < cap; c++) {
        int k = snprintf(buf + used, cap - used, "%s%s (%s)", c ? ", " : "", sec->cols[c].key,
                         sec->cols[c].aliases[0]);
        if (k < 0)
            return;
        used += (size_t)k;
    }
}

/* ---- cells to values ----------------------------------------------------- */

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* s[0..n) trimmed, as a JSON string. */
static json_t *text_value(const char *s, size_t n)
{
    while (n && blank(*s))
        s++, n--;
    while (n && blank(s[n - 1]))
        n--;
    return json_stringn(s, n);
}

/* The cell c of column col as a JSON value, into *out (NULL for an empty
 * cell). */
static int cell_value(struct rx *x, const struct rx_sheet *s, unsigned row, unsigned colno,
                      const struct rx_col *col, const struct xlsx_cell *c, json_t **out)
{
    const char *p = c->s;
    size_t n = c->len;
    enum numlocale_fault fault;
    char iso[11];
    double d;

    *out = NULL;
    while (n && blank(*p))
        p++, n--;
    while (n && blank(p[n - 1]))
        n--;
    if (c->type == XLSX_EMPTY || n == 0)
        return 0;
    if (c->type == XLSX_ERROR)
        return rx_fail(x, TDKT_EINVAL, s, row, colno,
                       "%s: the cell holds the spreadsheet error %s: correct its formula or type "
                       "the value",
                       s->head[col - s->sec->cols], c->s);
    switch (col->type) {
    case RX_INT:
    case RX_NUMBER:
        if (c->type == XLSX_NUMBER)
            d = c->number;
        else if (numlocale_parse(p, n, NUMLOCALE_NONE, &d, &fault) != 0)
            /* The registry has no --locale: a number cell says what it is. */
            return fault == NUMLOCALE_AMBIGUOUS || fault == NUMLOCALE_GROUPED
                       ? rx_fail(x, TDKT_EINVAL, s, row, colno,
                                 "%s: '%.*s' reads a thousand times apart in Vietnamese and in "
                                 "English notation: make the cell a number, or write it without "
                                 "a thousands separator (1000; 1,5 for one and a half)",
                                 s->head[col - s->sec->cols], (int)(n > 40 ? 40 : n), p)
                       : rx_fail(x, TDKT_EINVAL, s, row, colno, "%s: '%.*s' %s",
                                 s->head[col - s->sec->cols], (int)(n > 40 ? 40 : n), p,
                                 numlocale_why(fault, NUMLOCALE_NONE));
        /* A whole number is an integer, as a year must be; registry_json
         * says what a fraction is not. */
        *out = d == floor(d) && fabs(d) < 1e15 ? json_integer((json_int_t)d) : json_real(d);
        break;
    case RX_DATE:
        if (c->type == XLSX_NUMBER) {
            if (xlsx_serial_date(c->number, xlsx_date1904(x->book), iso) != 0)
                return rx_fail(x, TDKT_EINVAL, s, row, colno, "%s: %s is not a date",
                               s->head[col - s->sec->cols], c->s);
            *out = json_string(iso);
        } else {
            *out = json_stringn(p, n);
        }
        break;
    case RX_LIST: {
        const char *q = p, *end = p + n;

        if (!(*out = json_array()))
            break;
        while (q < end) {
            const char *sep = q;
            json_t *v;

            while (sep < end && *sep != ';' && *sep != ',')
                sep++;
            if (!(v = text_value(q, (size_t)(sep - q))))
                return rx_fail(x, TDKT_ENOMEM, NULL, 0, 0, "out of memory");
            if (json_string_length(v) == 0)
                json_decref(v); /* "A; ;B", or a separator at the end */
            else if (json_array_append_new(*out, v) < 0)
                return rx_fail(x, TDKT_ENOMEM, NULL, 0, 0, "out of memory");
            q = sep + 1;
        }
        break;
    }
    default:
        *out = json_stringn(p, n);
        break;
    }
    if (!*out)
        return rx_fail(x, TDKT_ENOMEM, NULL, 0, 0, "out of memory");
    return 0;
}

/* ---- sheets --------------------------------------------------------------- */

/* The header row: each cell a column of the section, none twice. */
static int head_read(struct rx *x, struct rx_sheet *s, const struct xlsx_row *r)
{
    char list[400];

    for (size_t i = 0; i < r->n; i++) {
        const struct xlsx_cell *c = &r->cells[i];
        int col;

        if (c->type == XLSX_EMPTY)
            continue;
        if ((col = column_of(s->sec, c->s)) < 0) {
            columns_list(s->sec, list, sizeof list);
            return rx_fail(x, TDKT_EINVAL, s, r->row, (unsigned)i + 1,
                           "unknown column '%.40s': the columns of %s are %s", c->s, s->sec->key,
                           list);
        }
        if (s->col[col]) {
            char first[XLSX_COLNAME_MAX];
            xlsx_column_name(s->col[col], first);
            return rx_fail(x, TDKT_EINVAL, s, r->row, (unsigned)i + 1,
                           "column '%.40s' is the same as column %s ('%s'): give each column once",
                           c->s, first, s->head[col]);
        }
        s->col[col] = (unsigned)i + 1;
        snprintf(s->head[col], sizeof s->head[col], "%s", c->s);
        utf8_cut(s->head[col]);
    }
    for (int col = 0; col < RX_COLS_MAX && s->sec->cols[col].key; col++)
        if (!s->col[col])
            snprintf(s->head[col], sizeof s->head[col], "%s", s->sec->cols[col].key);
    return 0;
}

/* The item of a grouped section whose group keys are those of vals (an
 * empty one is the previous row's), or a new one; NULL when out of memory
 * (reported). */
static struct rx_item *group_find(struct rx *x, struct rx_sheet *s, json_t *vals[], unsigned row,
                                  int *made)
{
    const struct rx_section *sec = s->sec;
    struct rx_item *last = s->nitems ? &s->items[s->nitems - 1] : NULL, *it;
    json_t *obj;

    *made = 0;
    /* Empty group cells continue the item above, as merged cells read. */
    for (int c = 0; c < RX_COLS_MAX && sec->cols[c].key; c++)
        if (sec->cols[c].part == RX_GROUP && !vals[c] && last) {
            json_t *v = json_object_get(last->obj, sec->cols[c].key);
            vals[c] = v ? json_incref(v) : NULL;
        }
    for (size_t i = s->nitems; i-- > 0;) {
        int same = 1;

        for (int c = 0; c < RX_COLS_MAX && sec->cols[c].key && same; c++) {
            json_t *have;
            if (sec->cols[c].part != RX_GROUP)
                continue;
            have = json_object_get(s->items[i].obj, sec->cols[c].key);
            same = (!have && !vals[c]) || (have && vals[c] && json_equal(have, vals[c]));
        }
        if (same)
            return &s->items[i];
    }
    if (vec_reserve(&s->items, &s->items_cap, s->nitems, sizeof *s->items, 16) < 0 ||
        !(obj = json_object()) || json_array_append_new(s->array, obj) < 0 ||
        json_object_set_new(obj, sec->inner, json_array()) < 0) {
        rx_fail(x, TDKT_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    it = &s->items[s->nitems++];
    memset(it, 0, sizeof *it);
    it->row = row;
    it->obj = obj;
    for (int c = 0; c < RX_COLS_MAX && sec->cols[c].key; c++)
        if (sec->cols[c].part == RX_GROUP && vals[c])
            json_object_set(obj, sec->cols[c].key, vals[c]);
    *made = 1;
    return it;
}

/* One row of items: a flat item, or an inner item (and the item's keys) of
 * a grouped section. */
static int row_read(struct rx *x, struct rx_sheet *s, const struct xlsx_row *r)
{
    const struct rx_section *sec = s->sec;
    json_t *vals[RX_COLS_MAX] = {0}, *inner = NULL;
    struct rx_item *it;
    int rc = 0, made, any_inner = 0;

    for (size_t i = 0; i < r->n; i++) {
        int known = 0;
        for (int c = 0; c < RX_COLS_MAX && sec->cols[c].key; c++)
            known |= s->col[c] == i + 1;
        if (!known && r->cells[i].type != XLSX_EMPTY) {
            rc = rx_fail(x, TDKT_EINVAL, s, r->row, (unsigned)i + 1,
                         "this cell is in a column without a name: give it a header or empty it");
            goto out;
        }
    }
    for (int c = 0; c < RX_COLS_MAX && sec->cols[c].key; c++) {
        unsigned col = s->col[c];
        if (col && col <= r->n &&
            (rc = cell_value(x, s, r->row, col, &sec->cols[c], &r->cells[col - 1], &vals[c])) < 0)
            goto out;
        any_inner |= sec->cols[c].part == RX_INNER && vals[c];
    }
    if (!sec->inner) {
        json_t *obj = json_object();

        if (!obj || json_array_append_new(s->array, obj) < 0 ||
            vec_reserve(&s->items, &s->items_cap, s->nitems, sizeof *s->items, 64) < 0) {
            rc = rx_fail(x, TDKT_ENOMEM, NULL, 0, 0, "out of memory");
            goto out;
        }
        it = &s->items[s->nitems++];
        memset(it, 0, sizeof *it);
        it->row = r->row;
        it->obj = obj;
        for (int c = 0; c < RX_COLS_MAX && sec->cols[c].key; c++)
            if (vals[c] && json_object_set(obj, sec->cols[c].key, vals[c]) < 0)
                rc = rx_fail(x, TDKT_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    if (!s->nitems) {
        for (int c = 0; c < RX_COLS_MAX && sec->cols[c].key; c++)
            if (sec->cols[c].part == RX_GROUP && !vals[c]) {
                rc = rx_fail(x, TDKT_EINVAL, s, r->row, s->col[c], "%s: the first %s needs its %s",
                             s->head[c], sec->what, sec->cols[c].key);
                goto out;
            }
    }
    if (!(it = group_find(x, s, vals, r->row, &made))) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    /* The item's other keys: from its first row that gives them, and the
     * same on every row that gives them again. */
    for (int c = 0; c < RX_COLS_MAX && sec->cols[c].key; c++) {
        json_t *have;

        if (sec->cols[c].part != RX_ITEM || !vals[c])
            continue;
        have = json_object_get(it->obj, sec->cols[c].key);
        if (!have) {
            json_object_set(it->obj, sec->cols[c].key, vals[c]);
        } else if (!json_equal(have, vals[c])) {
            rc = rx_fail(x, TDKT_EINVAL, s, r->row, s->col[c],
                         "%s: the %s of row %u says otherwise; give it once, or the same on every "
                         "row",
                         s->head[c], sec->what, it->row);
            goto out;
        }
    }
    if (!any_inner)
        goto out; /* a row that gives only the item's own keys */
    if (!(inner = json_object()) ||
        vec_reserve(&it->inner, &it->inner_cap, it->ninner, sizeof *it->inner, 16) < 0 ||
        json_array_append(json_object_get(it->obj, sec->inner), inner) < 0) {
        rc = rx_fail(x, TDKT_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    it->inner[it->ninner++] = r->row;
    for (int c = 0; c < RX_COLS_MAX && sec->cols[c].key; c++)
        if (sec->cols[c].part == RX_INNER && vals[c])
            json_object_set(inner, sec->cols[c].key, vals[c]);
out:
    json_decref(inner);
    for (int c = 0; c < RX_COLS_MAX; c++)
        json_decref(vals[c]);
    return rc;
}

static int sheet_read(struct rx *x, size_t index)
{
    const char *name = xlsx_sheet_name(x->book, index);
    const struct rx_section *sec = section_of(name);
    struct rx_sheet *s;
    struct xlsx_row r;
    struct xlsx_error e;
    int rc, head = 0;

    if (!sec) {
        struct rx_sheet named = {0};
        snprintf(named.name, sizeof named.name, "%s", name);
        return rx_fail(x, TDKT_EINVAL, &named, 0, 0,
                       "this sheet is not a section of the registry: name the sheets units (Đơn "
                       "vị), persons (Cán bộ), periods (Kỳ thi đua), clusters (Cụm, khối), "
                       "criteria (Tiêu chí), councils (Hội đồng) or rules (Quy định)");
    }
    s = &x->sheets[sec - sections];
    if (s->sec) {
        struct rx_sheet named = {0};
        snprintf(named.name, sizeof named.name, "%s", name);
        return rx_fail(x, TDKT_EINVAL, &named, 0, 0, "sheet '%s' already holds the %s", s->name,
                       sec->key);
    }
    s->sec = sec;
    snprintf(s->name, sizeof s->name, "%s", name);
    if ((rc = xlsx_sheet_open(x->book, index, &e)) < 0)
        return rx_fail(x, rc, s, e.row, e.col, "%s", e.message);
    while ((rc = xlsx_next_row(x->book, &r, &e)) == 1) {
        if (!head) {
            if ((rc = head_read(x, s, &r)) < 0)
                return rc;
            if (!(s->array = json_array()) || json_object_set_new(x->root, sec->key, s->array) < 0)
                return rx_fail(x, TDKT_ENOMEM, NULL, 0, 0, "out of memory");
            head = 1;
            continue;
        }
        if ((rc = row_read(x, s, &r)) < 0)
            return rc;
    }
    if (rc < 0)
        return rx_fail(x, rc, s, e.row, e.col, "%s", e.message);
    return 0;
}

/* ---- registry_json's refusal, placed ------------------------------------- */

/* "section[i]" (and ".inner[j]") at p: its sheet and row; the length read,
 * 0 when p holds none. */
static size_t path_at(const struct rx *x, const char *p, const struct rx_sheet **sheet,
                      unsigned *row, const struct rx_item **item)
{
    for (size_t k = 0; k < RX_SECTIONS; k++) {
        const struct rx_sheet *s = &x->sheets[k];
        size_t n = strlen(sections[k].key), used;
        unsigned long i, j;
        char *end;

        if (!s->sec || strncmp(p, sections[k].key, n) != 0 || p[n] != '[')
            continue;
        i = strtoul(p + n + 1, &end, 10);
        if (end == p + n + 1 || *end != ']' || i >= s->nitems)
            continue;
        used = (size_t)(end + 1 - p);
        *sheet = s;
        *row = s->items[i].row;
        *item = &s->items[i];
        if (s->sec->inner && p[used] == '.' &&
            strncmp(p + used + 1, s->sec->inner, strlen(s->sec->inner)) == 0 &&
            p[used + 1 + strlen(s->sec->inner)] == '[') {
            const char *q = p + used + 2 + strlen(s->sec->inner);
            j = strtoul(q, &end, 10);
            if (end != q && *end == ']' && j < s->items[i].ninner) {
                *row = s->items[i].inner[j];
                used = (size_t)(end + 1 - p);
            }
        }
        return used;
    }
    return 0;
}

/* The message with every path in it written as the row it names. */
static void paths_to_rows(const struct rx *x, const char *msg, char *out, size_t cap)
{
    size_t used = 0;

    while (*msg && used + 1 < cap) {
        const struct rx_sheet *s;
        const struct rx_item *it;
        unsigned row;
        size_t n = path_at(x, msg, &s, &row, &it);

        if (n) {
            int k = snprintf(out + used, cap - used, "row %u", row);
            if (k < 0 || (size_t)k >= cap - used)
                break;
            used += (size_t)k;
            msg += n;
        } else {
            out[used++] = *msg++;
        }
    }
    out[used] = '\0';
}

/* registry_json's "PATH: why" at the sheet, row and column PATH names. */
static int place(struct rx *x, int rc, const char *msg)
{
    const struct rx_sheet *s = NULL;
    const struct rx_item *it;
    unsigned row = 0, col = 0;
    size_t n = path_at(x, msg, &s, &row, &it);
    const char *key = NULL, *why = msg;
    char text[RX_MSG_MAX];

    if (n) {
        const char *p = msg + n;
        if (*p == '.') {
            size_t k = strcspn(p + 1, ".[:");
            for (int c = 0; c < RX_COLS_MAX && s->sec->cols[c].key; c++)
                if (strlen(s->sec->cols[c].key) == k &&
                    strncmp(p + 1, s->sec->cols[c].key, k) == 0) {
                    col = s->col[c];
                    key = s->head[c];
                }
            if (!key)
                key = "";
        }
        why = strstr(p, ": ");
        why = why ? why + 2 : p;
    }
    paths_to_rows(x, why, text, sizeof text);
    if (key && key[0])
        return rx_fail(x, rc, s, row, col, "%s: %s", key, text);
    return rx_fail(x, rc, s, row, col, "%s", text);
}

int registry_xlsx_parse(const char *name, const char *data, size_t len, Tdkt__RegistryRecord ***out,
                        size_t *n, char *err, size_t cap)
{
    struct rx x = {.name = name, .err = err, .cap = cap};
    struct xlsx_error e;
    char msg[RX_MSG_MAX];
    int rc;

    *out = NULL;
    *n = 0;
    if (err && cap)
        err[0] = '\0';
    if ((rc = xlsx_open(data, len, &x.book, &e)) < 0)
        return rx_fail(&x, rc, NULL, 0, 0, "%s", e.message);
    if (!(x.root = json_object())) {
        rc = rx_fail(&x, TDKT_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < xlsx_sheet_count(x.book); i++)
        if ((rc = sheet_read(&x, i)) < 0)
            goto out;
    rc = registry_json_parse_tree(x.root, out, n, msg, sizeof msg);
    if (rc < 0)
        place(&x, rc, msg);
out:
    for (size_t k = 0; k < RX_SECTIONS; k++) {
        for (size_t i = 0; i < x.sheets[k].nitems; i++)
            free(x.sheets[k].items[i].inner);
        free(x.sheets[k].items);
    }
    json_decref(x.root);
    xlsx_close(x.book);
    return rc;
}
