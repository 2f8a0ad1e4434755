/* SPDX-License-Identifier: MIT */
/* Results export as JSON and CSV; see export.h. */
#include "export.h"

#include <float.h>
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain/records.h"
#include "common/err.h"
#include "common/text/csv.h"
#include "common/text/fold.h"

#define EXPORT_DECIMALS_MAX 40 /* decimals tried for the shortest form */

/* How a column's field is stored in its kind's message. */
enum export_field {
    FIELD_TEXT,   /* char * */
    FIELD_DOUBLE, /* double */
    FIELD_U32,    /* uint32_t */
    FIELD_U64,    /* uint64_t */
    FIELD_BOOL,   /* protobuf_c_boolean */
    FIELD_LABEL,  /* a proto enum, written as its code in labels */
    FIELD_LIST,   /* char ** with its size_t count at n_off */
};

/* One column: its header, and where and how its kind's message holds it. */
struct export_col {
    Tdkt__ResultRecord__ItemCase item;
    const char *name;
    enum export_field field;
    size_t off;
    const struct record_label *labels; /* FIELD_LABEL */
    size_t n_off;                      /* FIELD_LIST */
};

#define ITEM(kind) TDKT__RESULT_RECORD__ITEM_##kind

/* The columns of every kind's CSV file (docs/results.md), kind by kind. */
static const struct export_col export_cols[] = {
    {ITEM(TARGET), "code", FIELD_TEXT, offsetof(Tdkt__Target, code), NULL, 0},
    {ITEM(TARGET), "name", FIELD_TEXT, offsetof(Tdkt__Target, name), NULL, 0},
    {ITEM(TARGET), "planned", FIELD_DOUBLE, offsetof(Tdkt__Target, planned), NULL, 0},
    {ITEM(TARGET), "achieved", FIELD_DOUBLE, offsetof(Tdkt__Target, achieved), NULL, 0},
    {ITEM(TARGET), "lower_is_better", FIELD_BOOL, offsetof(Tdkt__Target, lower_is_better), NULL, 0},
    {ITEM(TASK), "code", FIELD_TEXT, offsetof(Tdkt__KeyTask, code), NULL, 0},
    {ITEM(TASK), "name", FIELD_TEXT, offsetof(Tdkt__KeyTask, name), NULL, 0},
    {ITEM(TASK), "origin", FIELD_LABEL, offsetof(Tdkt__KeyTask, origin), record_task_origins, 0},
    {ITEM(TASK), "done", FIELD_BOOL, offsetof(Tdkt__KeyTask, done), NULL, 0},
    {ITEM(TASK_PLAN), "tasks_planned", FIELD_U32, offsetof(Tdkt__TaskPlan, planned), NULL, 0},
    {ITEM(PRODUCT), "code", FIELD_TEXT, offsetof(Tdkt__WorkProduct, code), NULL, 0},
    {ITEM(PRODUCT), "name", FIELD_TEXT, offsetof(Tdkt__WorkProduct, name), NULL, 0},
    {ITEM(PRODUCT), "count", FIELD_U64, offsetof(Tdkt__WorkProduct, count), NULL, 0},
    {ITEM(SCORE), "criterion", FIELD_TEXT, offsetof(Tdkt__CriterionScore, criterion_code), NULL, 0},
    {ITEM(SCORE), "points", FIELD_DOUBLE, offsetof(Tdkt__CriterionScore, points), NULL, 0},
    {ITEM(UNIT_RATING), "rating", FIELD_LABEL, offsetof(Tdkt__UnitRating, rating), record_ratings,
     0},
    {ITEM(PERSON_RATING), "person", FIELD_TEXT, offsetof(Tdkt__PersonRating, person_id), NULL, 0},
    {ITEM(PERSON_RATING), "rating", FIELD_LABEL, offsetof(Tdkt__PersonRating, rating),
     record_ratings, 0},
    {ITEM(REGISTRATION), "person", FIELD_TEXT, offsetof(Tdkt__TitleRegistration, person_id), NULL,
     0},
    {ITEM(REGISTRATION), "title", FIELD_LABEL, offsetof(Tdkt__TitleRegistration, title),
     record_titles, 0},
    {ITEM(INITIATIVE), "code", FIELD_TEXT, offsetof(Tdkt__Initiative, code), NULL, 0},
    {ITEM(INITIATIVE), "title", FIELD_TEXT, offsetof(Tdkt__Initiative, title), NULL, 0},
    {ITEM(INITIATIVE), "authors", FIELD_LIST, offsetof(Tdkt__Initiative, author_ids), NULL,
     offsetof(Tdkt__Initiative, n_author_ids)},
    {ITEM(INITIATIVE), "scope", FIELD_LABEL, offsetof(Tdkt__Initiative, scope), record_scopes, 0},
    {ITEM(INITIATIVE), "decision", FIELD_TEXT, offsetof(Tdkt__Initiative, decision_ref), NULL, 0},
    {ITEM(FACTS), "person", FIELD_TEXT, offsetof(Tdkt__PersonFacts, person_id), NULL, 0},
    {ITEM(FACTS), "recruited_on", FIELD_TEXT, offsetof(Tdkt__PersonFacts, recruited_on), NULL, 0},
    {ITEM(FACTS), "leave_months", FIELD_U32, offsetof(Tdkt__PersonFacts, leave_months), NULL, 0},
    {ITEM(FACTS), "maternity", FIELD_BOOL, offsetof(Tdkt__PersonFacts, maternity_leave), NULL, 0},
    {ITEM(FACTS), "maternity_months", FIELD_U32, offsetof(Tdkt__PersonFacts, maternity_months),
     NULL, 0},
    {ITEM(FACTS), "discipline", FIELD_LABEL, offsetof(Tdkt__PersonFacts, discipline),
     record_disciplines, 0},
    {ITEM(FACTS), "disciplined_on", FIELD_TEXT, offsetof(Tdkt__PersonFacts, disciplined_on), NULL,
     0},
    {ITEM(FACTS), "under_review", FIELD_BOOL, offsetof(Tdkt__PersonFacts, under_review), NULL, 0},
    {ITEM(FACTS), "research", FIELD_BOOL, offsetof(Tdkt__PersonFacts, research_accepted), NULL, 0},
    {ITEM(FACTS), "discipline_counted_before", FIELD_BOOL,
     offsetof(Tdkt__PersonFacts, discipline_counted_before), NULL, 0},
};

/* The kinds in the order of the JSON object, with their JSON key and where
 * the record holds their message. A scalar kind (one per unit and year, one
 * column) is written as its bare value ("rating": "HTXSNV"), or as an
 * object when the record is removed. */
static const struct export_kind {
    const char *name;
    const char *json;
    Tdkt__ResultRecord__ItemCase item;
    size_t item_off;
    int scalar;
} export_kinds[] = {
    {"target", "targets", ITEM(TARGET), offsetof(Tdkt__ResultRecord, target), 0},
    {"task", "tasks", ITEM(TASK), offsetof(Tdkt__ResultRecord, task), 0},
    {"task_plan", "tasks_planned", ITEM(TASK_PLAN), offsetof(Tdkt__ResultRecord, task_plan), 1},
    {"product", "products", ITEM(PRODUCT), offsetof(Tdkt__ResultRecord, product), 0},
    {"score", "scores", ITEM(SCORE), offsetof(Tdkt__ResultRecord, score), 0},
    {"unit_rating", "rating", ITEM(UNIT_RATING), offsetof(Tdkt__ResultRecord, unit_rating), 1},
    {"person_rating", "person_ratings", ITEM(PERSON_RATING),
     offsetof(Tdkt__ResultRecord, person_rating), 0},
    {"registration", "registrations", ITEM(REGISTRATION),
     offsetof(Tdkt__ResultRecord, registration), 0},
    {"initiative", "initiatives", ITEM(INITIATIVE), offsetof(Tdkt__ResultRecord, initiative), 0},
    {"facts", "facts", ITEM(FACTS), offsetof(Tdkt__ResultRecord, facts), 0},
};
#define EXPORT_KINDS (sizeof export_kinds / sizeof export_kinds[0])
#define EXPORT_COLS  (sizeof export_cols / sizeof export_cols[0])

/* The first column of kind k at or after c; EXPORT_COLS when there is none. */
static size_t col_next(const struct export_kind *k, size_t c)
{
    while (c < EXPORT_COLS && export_cols[c].item != k->item)
        c++;
    return c;
}

/* One value of a record, ready to write: text, a number or a boolean, or a
 * list of ids. */
enum export_type { EXPORT_TEXT, EXPORT_NUMBER, EXPORT_UINT, EXPORT_BOOL, EXPORT_LIST };

struct export_val {
    enum export_type type;
    const char *text;
    double number;
    uint64_t uint;
    int boolean;
    char *const *list;
    size_t nlist;
};

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

static const char *label(const struct record_label *t, int v)
{
    const struct record_label *l = record_label_of(t, v);
    return l ? l->code : "";
}

/* The value of column c of r, a record of kind k. */
static struct export_val export_get(const struct export_kind *k, const Tdkt__ResultRecord *r,
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
    for (size_t c = col_next(k, 0), first = 1; c < EXPORT_COLS; c = col_next(k, c + 1), first = 0) {
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
    for (size_t k = 0; k < EXPORT_KINDS; k++) {
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
                struct export_val v = export_get(ek, r, &export_cols[col_next(ek, 0)]);
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

static void csv_put(FILE *f, const char *s, size_t len)
{
    if (!csv_needs_quotes(s, len, ',')) {
        fwrite(s, 1, len, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

static int csv_value(FILE *f, const struct export_val *v)
{
    if (number_put(f, v))
        return 0;
    switch (v->type) {
    case EXPORT_TEXT:
        csv_put(f, v->text, strlen(v->text));
        break;
    case EXPORT_BOOL:
        fputs(v->boolean ? "yes" : "no", f);
        break;
    case EXPORT_LIST: {
        /* Authors are one cell separated by ';', as the importer splits it. */
        size_t len = 0, used = 0;
        char *s;

        for (size_t i = 0; i < v->nlist; i++)
            len += strlen(str(v->list[i])) + 1;
        if (!(s = malloc(len + 1)))
            return TDKT_ENOMEM;
        s[0] = '\0';
        for (size_t i = 0; i < v->nlist; i++)
            used +=
                (size_t)snprintf(s + used, len + 1 - used, "%s%s", i ? ";" : "", str(v->list[i]));
        csv_put(f, s, used);
        free(s);
        break;
    }
    default:
        break;
    }
    return 0;
}

int export_csv(FILE *f, const char *kind, const struct import_group *g, size_t n)
{
    const struct export_kind *ek = NULL;
    int removed = 0, rc;

    for (size_t k = 0; kind && k < EXPORT_KINDS && !ek; k++)
        if (text_fold_equal(kind, export_kinds[k].name))
            ek = &export_kinds[k];
    if (!ek)
        return TDKT_EINVAL;
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < g[i].n; r++)
            removed |= g[i].records[r]->item_case == ek->item && g[i].records[r]->removed;

    fputs("\xEF\xBB\xBFunit,year", f);
    for (size_t c = col_next(ek, 0); c < EXPORT_COLS; c = col_next(ek, c + 1))
        fprintf(f, ",%s", export_cols[c].name);
    fputs(removed ? ",removed\r\n" : "\r\n", f);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < g[i].n; k++) {
            const Tdkt__ResultRecord *r = g[i].records[k];

            if (r->item_case != ek->item)
                continue;
            csv_put(f, g[i].unit, strlen(g[i].unit));
            fprintf(f, ",%u", g[i].year);
            for (size_t c = col_next(ek, 0); c < EXPORT_COLS; c = col_next(ek, c + 1)) {
                struct export_val v = export_get(ek, r, &export_cols[c]);
                fputc(',', f);
                if ((rc = csv_value(f, &v)) < 0)
                    return rc;
            }
            if (removed)
                fputs(r->removed ? ",yes" : ",no", f);
            fputs("\r\n", f);
        }
    }
    return ferror(f) ? TDKT_EIO : 0;
}
