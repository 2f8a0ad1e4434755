/* SPDX-License-Identifier: MIT */
/* Results export as JSON and CSV, and the column table all formats share;
 * see export.h and export_cols.h. */
#include "export.h"

#include <float.h>
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/export_cols.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "common/text/csv.h"
#include "common/text/fold.h"
#include "common/text/numlocale.h"

#define EXPORT_DECIMALS_MAX 40 /* decimals tried for the shortest form */

#define ITEM(kind) TDKT__RESULT_RECORD__ITEM_##kind

/* The columns of every kind's file (docs/results.md), kind by kind. The
 * Vietnamese headers are spellings import_row.c knows, chosen so that a
 * header row alone tells the kind. */
const struct export_col export_cols[] = {
    {ITEM(TARGET), "code", "mã chỉ tiêu", FIELD_TEXT, offsetof(Tdkt__Target, code), NULL, 0},
    {ITEM(TARGET), "name", "tên chỉ tiêu", FIELD_TEXT, offsetof(Tdkt__Target, name), NULL, 0},
    {ITEM(TARGET), "planned", "kế hoạch", FIELD_DOUBLE, offsetof(Tdkt__Target, planned), NULL, 0},
    {ITEM(TARGET), "achieved", "thực hiện", FIELD_DOUBLE, offsetof(Tdkt__Target, achieved), NULL,
     0},
    {ITEM(TARGET), "lower_is_better", "càng thấp càng tốt", FIELD_BOOL,
     offsetof(Tdkt__Target, lower_is_better), NULL, 0},
    {ITEM(TASK), "code", "mã nhiệm vụ", FIELD_TEXT, offsetof(Tdkt__KeyTask, code), NULL, 0},
    {ITEM(TASK), "name", "tên nhiệm vụ", FIELD_TEXT, offsetof(Tdkt__KeyTask, name), NULL, 0},
    {ITEM(TASK), "origin", "nguồn", FIELD_LABEL, offsetof(Tdkt__KeyTask, origin),
     record_task_origins, 0},
    {ITEM(TASK), "done", "hoàn thành", FIELD_BOOL, offsetof(Tdkt__KeyTask, done), NULL, 0},
    {ITEM(TASK_PLAN), "tasks_planned", "số nhiệm vụ trọng tâm kế hoạch", FIELD_U32,
     offsetof(Tdkt__TaskPlan, planned), NULL, 0},
    {ITEM(PRODUCT), "code", "mã", FIELD_TEXT, offsetof(Tdkt__WorkProduct, code), NULL, 0},
    {ITEM(PRODUCT), "name", "tên", FIELD_TEXT, offsetof(Tdkt__WorkProduct, name), NULL, 0},
    {ITEM(PRODUCT), "count", "số lượng", FIELD_U64, offsetof(Tdkt__WorkProduct, count), NULL, 0},
    {ITEM(SCORE), "criterion", "mã tiêu chí", FIELD_TEXT,
     offsetof(Tdkt__CriterionScore, criterion_code), NULL, 0},
    {ITEM(SCORE), "points", "điểm tự chấm", FIELD_DOUBLE, offsetof(Tdkt__CriterionScore, points),
     NULL, 0},
    {ITEM(UNIT_RATING), "rating", "xếp loại", FIELD_LABEL, offsetof(Tdkt__UnitRating, rating),
     record_ratings, 0},
    {ITEM(PERSON_RATING), "person", "mã cán bộ", FIELD_TEXT,
     offsetof(Tdkt__PersonRating, person_id), NULL, 0},
    {ITEM(PERSON_RATING), "rating", "xếp loại", FIELD_LABEL, offsetof(Tdkt__PersonRating, rating),
     record_ratings, 0},
    {ITEM(REGISTRATION), "person", "mã cán bộ", FIELD_TEXT,
     offsetof(Tdkt__TitleRegistration, person_id), NULL, 0},
    {ITEM(REGISTRATION), "title", "danh hiệu", FIELD_LABEL,
     offsetof(Tdkt__TitleRegistration, title), record_titles, 0},
    {ITEM(INITIATIVE), "code", "mã sáng kiến", FIELD_TEXT, offsetof(Tdkt__Initiative, code), NULL,
     0},
    {ITEM(INITIATIVE), "title", "tên sáng kiến", FIELD_TEXT, offsetof(Tdkt__Initiative, title),
     NULL, 0},
    {ITEM(INITIATIVE), "authors", "tác giả", FIELD_LIST, offsetof(Tdkt__Initiative, author_ids),
     NULL, offsetof(Tdkt__Initiative, n_author_ids)},
    {ITEM(INITIATIVE), "scope", "phạm vi", FIELD_LABEL, offsetof(Tdkt__Initiative, scope),
     record_scopes, 0},
    {ITEM(INITIATIVE), "decision", "quyết định công nhận", FIELD_TEXT,
     offsetof(Tdkt__Initiative, decision_ref), NULL, 0},
    {ITEM(FACTS), "person", "mã cán bộ", FIELD_TEXT, offsetof(Tdkt__PersonFacts, person_id), NULL,
     0},
    {ITEM(FACTS), "recruited_on", "ngày tuyển dụng", FIELD_DATE,
     offsetof(Tdkt__PersonFacts, recruited_on), NULL, 0},
    {ITEM(FACTS), "leave_months", "số tháng nghỉ", FIELD_U32,
     offsetof(Tdkt__PersonFacts, leave_months), NULL, 0},
    {ITEM(FACTS), "maternity", "nghỉ thai sản", FIELD_BOOL,
     offsetof(Tdkt__PersonFacts, maternity_leave), NULL, 0},
    {ITEM(FACTS), "maternity_months", "số tháng nghỉ thai sản", FIELD_U32,
     offsetof(Tdkt__PersonFacts, maternity_months), NULL, 0},
    {ITEM(FACTS), "discipline", "kỷ luật", FIELD_LABEL, offsetof(Tdkt__PersonFacts, discipline),
     record_disciplines, 0},
    {ITEM(FACTS), "disciplined_on", "ngày kỷ luật", FIELD_DATE,
     offsetof(Tdkt__PersonFacts, disciplined_on), NULL, 0},
    {ITEM(FACTS), "under_review", "đang xem xét", FIELD_BOOL,
     offsetof(Tdkt__PersonFacts, under_review), NULL, 0},
    {ITEM(FACTS), "research", "đề tài nghiên cứu", FIELD_BOOL,
     offsetof(Tdkt__PersonFacts, research_accepted), NULL, 0},
    {ITEM(FACTS), "discipline_counted_before", "kỷ luật đã tính", FIELD_BOOL,
     offsetof(Tdkt__PersonFacts, discipline_counted_before), NULL, 0},
};
const size_t export_ncols = sizeof export_cols / sizeof export_cols[0];

/* The kinds in the order of the JSON object and of the workbook's sheets. */
const struct export_kind export_kinds[] = {
    {"target", "targets", "Chỉ tiêu", ITEM(TARGET), offsetof(Tdkt__ResultRecord, target), 0},
    {"task", "tasks", "Nhiệm vụ", ITEM(TASK), offsetof(Tdkt__ResultRecord, task), 0},
    {"task_plan", "tasks_planned", "Kế hoạch nhiệm vụ", ITEM(TASK_PLAN),
     offsetof(Tdkt__ResultRecord, task_plan), 1},
    {"product", "products", "Sản phẩm", ITEM(PRODUCT), offsetof(Tdkt__ResultRecord, product), 0},
    {"score", "scores", "Điểm tự chấm", ITEM(SCORE), offsetof(Tdkt__ResultRecord, score), 0},
    {"unit_rating", "rating", "Xếp loại đơn vị", ITEM(UNIT_RATING),
     offsetof(Tdkt__ResultRecord, unit_rating), 1},
    {"person_rating", "person_ratings", "Xếp loại cá nhân", ITEM(PERSON_RATING),
     offsetof(Tdkt__ResultRecord, person_rating), 0},
    {"registration", "registrations", "Đăng ký danh hiệu", ITEM(REGISTRATION),
     offsetof(Tdkt__ResultRecord, registration), 0},
    {"initiative", "initiatives", "Sáng kiến", ITEM(INITIATIVE),
     offsetof(Tdkt__ResultRecord, initiative), 0},
    {"facts", "facts", "Thông tin cán bộ", ITEM(FACTS), offsetof(Tdkt__ResultRecord, facts), 0},
};
const size_t export_nkinds = sizeof export_kinds / sizeof export_kinds[0];

size_t export_col_next(const struct export_kind *k, size_t c)
{
    while (c < export_ncols && export_cols[c].item != k->item)
        c++;
    return c;
}

const struct export_kind *export_kind_find(const char *kind)
{
    for (size_t k = 0; kind && k < export_nkinds; k++)
        if (text_fold_equal(kind, export_kinds[k].name))
            return &export_kinds[k];
    return NULL;
}

void export_number(double v, char out[EXPORT_NUMBER_MAX])
{
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c ? uselocale(c) : (locale_t)0;
    int p;

    for (p = 0; p <= EXPORT_DECIMALS_MAX; p++) {
        snprintf(out, EXPORT_NUMBER_MAX, "%.*f", p, v);
        if (strtod(out, NULL) == v)
            break;
    }
    if (p > EXPORT_DECIMALS_MAX) /* below 1e-23: no fixed form is short */
        snprintf(out, EXPORT_NUMBER_MAX, "%.*g", DBL_DECIMAL_DIG, v);
    if (c) {
        uselocale(old);
        freelocale(c);
    }
}

static const char *str(const char *s)
{
    return s ? s : "";
}

char *export_list_join(const struct export_val *v)
{
    size_t len = 0, used = 0;
    char *s;

    for (size_t i = 0; i < v->nlist; i++)
        len += strlen(str(v->list[i])) + 1;
    if (!(s = malloc(len + 1)))
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < v->nlist; i++)
        used += (size_t)snprintf(s + used, len + 1 - used, "%s%s", i ? ";" : "", str(v->list[i]));
    return s;
}

static const char *label(const struct record_label *t, int v)
{
    const struct record_label *l = record_label_of(t, v);
    return l ? l->code : "";
}

struct export_val export_get(const struct export_kind *k, const Tdkt__ResultRecord *r,
                             const struct export_col *c)
{
    struct export_val v = {.type = EXPORT_TEXT, .text = ""};
    const char *m, *p;

    memcpy(&m, (const char *)r + k->item_off, sizeof m); /* the oneof's message */
    if (!m)
        return v;
    p = m + c->off;
    switch (c->field) {
    case FIELD_TEXT:
        v.text = str(*(char *const *)p);
        break;
    case FIELD_DATE:
        v.text = str(*(char *const *)p);
        v.date = 1;
        break;
    case FIELD_LABEL:
        v.text = label(c->labels, *(const int *)p);
        break;
    case FIELD_DOUBLE:
        v.type = EXPORT_NUMBER;
        v.number = *(const double *)p;
        break;
    case FIELD_U32:
        v.type = EXPORT_UINT;
        v.uint = *(const uint32_t *)p;
        break;
    case FIELD_U64:
        v.type = EXPORT_UINT;
        v.uint = *(const uint64_t *)p;
        break;
    case FIELD_BOOL:
        v.type = EXPORT_BOOL;
        v.boolean = *(const protobuf_c_boolean *)p != 0;
        break;
    case FIELD_LIST:
        v.type = EXPORT_LIST;
        v.list = *(char **const *)p;
        v.nlist = *(const size_t *)(m + c->n_off);
        break;
    }
    return v;
}

/* ---- JSON ----------------------------------------------------------------- */

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\r')
            fputs("\\r", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Write v if it is a number, as JSON and CSV alike write one: 1, else 0. */
static int number_put(FILE *f, const struct export_val *v)
{
    char num[EXPORT_NUMBER_MAX];

    if (v->type == EXPORT_NUMBER) {
        export_number(v->number, num);
        fputs(num, f);
    } else if (v->type == EXPORT_UINT) {
        fprintf(f, "%llu", (unsigned long long)v->uint);
    }
    return v->type == EXPORT_NUMBER || v->type == EXPORT_UINT;
}

static void json_value(FILE *f, const struct export_val *v)
{
    if (number_put(f, v))
        return;
    switch (v->type) {
    case EXPORT_TEXT:
        json_string(f, v->text);
        break;
    case EXPORT_BOOL:
        fputs(v->boolean ? "true" : "false", f);
        break;
    case EXPORT_LIST:
        fputc('[', f);
        for (size_t i = 0; i < v->nlist; i++) {
            if (i)
                fputs(", ", f);
            json_string(f, str(v->list[i]));
        }
        fputc(']', f);
        break;
    default:
        break;
    }
}

/* One record as a one-line object. */
static void json_record(FILE *f, const struct export_kind *k, const Tdkt__ResultRecord *r)
{
    fputc('{', f);
    for (size_t c = export_col_next(k, 0), first = 1; c < export_ncols;
         c = export_col_next(k, c + 1), first = 0) {
        struct export_val v = export_get(k, r, &export_cols[c]);
        fprintf(f, "%s\"%s\": ", first ? "" : ", ", export_cols[c].name);
        json_value(f, &v);
    }
    if (r->removed)
        fputs(", \"removed\": true", f);
    fputc('}', f);
}

static int json_group(FILE *f, const struct import_group *g, const char *indent)
{
    fprintf(f, "%s{\n%s  \"unit\": ", indent, indent);
    json_string(f, g->unit);
    fprintf(f, ",\n%s  \"year\": %u", indent, g->year);
    for (size_t k = 0; k < export_nkinds; k++) {
        const struct export_kind *ek = &export_kinds[k];
        size_t count = 0;

        for (size_t i = 0; i < g->n; i++)
            count += g->records[i]->item_case == ek->item;
        if (count == 0)
            continue;
        if (ek->scalar) {
            const Tdkt__ResultRecord *r = NULL;
            if (count > 1)
                return TDKT_EINVAL;
            for (size_t i = 0; i < g->n && !r; i++)
                if (g->records[i]->item_case == ek->item)
                    r = g->records[i];
            fprintf(f, ",\n%s  \"%s\": ", indent, ek->json);
            if (r->removed) {
                json_record(f, ek, r);
            } else {
                struct export_val v = export_get(ek, r, &export_cols[export_col_next(ek, 0)]);
                json_value(f, &v);
            }
            continue;
        }
        fprintf(f, ",\n%s  \"%s\": [", indent, ek->json);
        for (size_t i = 0, done = 0; i < g->n; i++) {
            if (g->records[i]->item_case != ek->item)
                continue;
            fprintf(f, "%s\n%s    ", done++ ? "," : "", indent);
            json_record(f, ek, g->records[i]);
        }
        fprintf(f, "\n%s  ]", indent);
    }
    fprintf(f, "\n%s}", indent);
    return 0;
}

int export_json(FILE *f, const struct import_group *g, size_t n)
{
    int rc = 0;

    if (n == 1) {
        rc = json_group(f, g, "");
    } else {
        fputc('[', f);
        for (size_t i = 0; i < n && rc == 0; i++) {
            fputs(i ? ",\n" : "\n", f);
            rc = json_group(f, &g[i], "  ");
        }
        fputs(n ? "\n]" : "]", f);
    }
    fputc('\n', f);
    if (rc == 0 && ferror(f))
        rc = TDKT_EIO;
    return rc;
}

/* ---- CSV ------------------------------------------------------------------ */

/* A spreadsheet runs a cell that starts with one of these as a formula
 * (OWASP "CSV injection"), as report.c guards them; the import takes the
 * apostrophe off again (import_csv.c). */
static int csv_formula_like(const char *s)
{
    return s[0] && strchr("=+-@\t\r", s[0]) != NULL;
}

static void csv_put(FILE *f, const char *s, size_t len, enum export_csv_form form)
{
    char sep = form == EXPORT_CSV_EXCEL_VI ? ';' : ',';
    int guard = form == EXPORT_CSV_EXCEL_VI && csv_formula_like(s);

    if (!csv_needs_quotes(s, len, sep)) {
        if (guard)
            fputc('\'', f);
        fwrite(s, 1, len, f);
        return;
    }
    fputc('"', f);
    if (guard)
        fputc('\'', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

static int csv_value(FILE *f, const struct export_val *v, enum export_csv_form form)
{
    char num[EXPORT_NUMBER_MAX], *p;

    switch (v->type) {
    case EXPORT_NUMBER:
        /* Never a form the importer would call ambiguous without a locale;
         * the decimal comma for Vietnamese Excel. */
        export_number(v->number, num);
        numlocale_unambiguous(num, sizeof num, '.');
        if (form == EXPORT_CSV_EXCEL_VI && (p = strchr(num, '.')))
            *p = ',';
        fputs(num, f);
        break;
    case EXPORT_UINT:
        fprintf(f, "%llu", (unsigned long long)v->uint);
        break;
    case EXPORT_TEXT:
        csv_put(f, v->text, strlen(v->text), form);
        break;
    case EXPORT_BOOL:
        if (form == EXPORT_CSV_EXCEL_VI)
            fputs(v->boolean ? "có" : "không", f);
        else
            fputs(v->boolean ? "yes" : "no", f);
        break;
    case EXPORT_LIST: {
        /* Authors are one cell separated by ';', as the importer splits it. */
        char *s = export_list_join(v);

        if (!s)
            return TDKT_ENOMEM;
        csv_put(f, s, strlen(s), form);
        free(s);
        break;
    }
    }
    return 0;
}

int export_csv(FILE *f, const char *kind, enum export_csv_form form, const struct import_group *g,
               size_t n)
{
    const struct export_kind *ek = export_kind_find(kind);
    char sep = form == EXPORT_CSV_EXCEL_VI ? ';' : ',';
    int removed = 0, rc;

    if (!ek)
        return TDKT_EINVAL;
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < g[i].n; r++)
            removed |= g[i].records[r]->item_case == ek->item && g[i].records[r]->removed;

    /* No "sep=;" line: Excel then ignores the byte-order mark and reads
     * the text as ANSI (docs/client.md). */
    fprintf(f, "\xEF\xBB\xBF%s%c%s", EXPORT_HEAD_UNIT, sep, EXPORT_HEAD_YEAR);
    for (size_t c = export_col_next(ek, 0); c < export_ncols; c = export_col_next(ek, c + 1))
        fprintf(f, "%c%s", sep, export_cols[c].vi);
    if (removed)
        fprintf(f, "%c%s", sep, EXPORT_HEAD_REMOVED);
    fputs("\r\n", f);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < g[i].n; k++) {
            const Tdkt__ResultRecord *r = g[i].records[k];

            if (r->item_case != ek->item)
                continue;
            csv_put(f, g[i].unit, strlen(g[i].unit), form);
            fprintf(f, "%c%u", sep, g[i].year);
            for (size_t c = export_col_next(ek, 0); c < export_ncols;
                 c = export_col_next(ek, c + 1)) {
                struct export_val v = export_get(ek, r, &export_cols[c]);
                fputc(sep, f);
                if ((rc = csv_value(f, &v, form)) < 0)
                    return rc;
            }
            if (removed) {
                struct export_val v = {.type = EXPORT_BOOL, .boolean = r->removed != 0};
                fputc(sep, f);
                csv_value(f, &v, form);
            }
            fputs("\r\n", f);
        }
    }
    return ferror(f) ? TDKT_EIO : 0;
}
