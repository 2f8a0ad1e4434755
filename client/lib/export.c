/* SPDX-License-Identifier: MIT */
/* Results export as JSON and CSV; see export.h. */
#include "export.h"

#include <float.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain/records.h"
#include "common/err.h"
#include "common/text/csv.h"
#include "common/text/fold.h"

#define EXPORT_DECIMALS_MAX 40 /* decimals tried for the shortest form */
#define EXPORT_COLS_MAX     10 /* columns of one kind */

/* The kinds in the order of the JSON object, with their JSON key and the
 * columns of their CSV file (docs/results.md). */
static const struct export_kind {
    const char *name;
    const char *json;
    Tdkt__ResultRecord__ItemCase item;
    const char *cols[EXPORT_COLS_MAX];
} export_kinds[] = {
    {"target",
     "targets",
     TDKT__RESULT_RECORD__ITEM_TARGET,
     {"code", "name", "planned", "achieved", "lower_is_better"}},
    {"task", "tasks", TDKT__RESULT_RECORD__ITEM_TASK, {"code", "name", "origin", "done"}},
    {"product", "products", TDKT__RESULT_RECORD__ITEM_PRODUCT, {"code", "name", "count"}},
    {"score", "scores", TDKT__RESULT_RECORD__ITEM_SCORE, {"criterion", "points"}},
    {"unit_rating", "rating", TDKT__RESULT_RECORD__ITEM_UNIT_RATING, {"rating"}},
    {"person_rating",
     "person_ratings",
     TDKT__RESULT_RECORD__ITEM_PERSON_RATING,
     {"person", "rating"}},
    {"registration", "registrations", TDKT__RESULT_RECORD__ITEM_REGISTRATION, {"person", "title"}},
    {"initiative",
     "initiatives",
     TDKT__RESULT_RECORD__ITEM_INITIATIVE,
     {"code", "title", "authors", "scope", "decision"}},
    {"facts",
     "facts",
     TDKT__RESULT_RECORD__ITEM_FACTS,
     {"person", "recruited_on", "leave_months", "maternity", "discipline", "disciplined_on",
      "under_review", "research", "discipline_counted_before"}},
};
#define EXPORT_KINDS (sizeof export_kinds / sizeof export_kinds[0])

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

/* The value of column col of r (whose kind k has that column). */
static struct export_val export_get(const Tdkt__ResultRecord *r, const char *col)
{
    struct export_val v = {.type = EXPORT_TEXT, .text = ""};

#define TEXT(s)   (v.type = EXPORT_TEXT, v.text = str(s))
#define NUMBER(d) (v.type = EXPORT_NUMBER, v.number = (d))
#define UINT(u)   (v.type = EXPORT_UINT, v.uint = (u))
#define BOOL(b)   (v.type = EXPORT_BOOL, v.boolean = (b) != 0)
#define IS(name)  (strcmp(col, name) == 0)
    switch (r->item_case) {
    case TDKT__RESULT_RECORD__ITEM_TARGET:
        if (IS("code"))
            TEXT(r->target->code);
        else if (IS("name"))
            TEXT(r->target->name);
        else if (IS("planned"))
            NUMBER(r->target->planned);
        else if (IS("achieved"))
            NUMBER(r->target->achieved);
        else if (IS("lower_is_better"))
            BOOL(r->target->lower_is_better);
        break;
    case TDKT__RESULT_RECORD__ITEM_TASK:
        if (IS("code"))
            TEXT(r->task->code);
        else if (IS("name"))
            TEXT(r->task->name);
        else if (IS("origin"))
            TEXT(label(record_task_origins, (int)r->task->origin));
        else if (IS("done"))
            BOOL(r->task->done);
        break;
    case TDKT__RESULT_RECORD__ITEM_PRODUCT:
        if (IS("code"))
            TEXT(r->product->code);
        else if (IS("name"))
            TEXT(r->product->name);
        else if (IS("count"))
            UINT(r->product->count);
        break;
    case TDKT__RESULT_RECORD__ITEM_SCORE:
        if (IS("criterion"))
            TEXT(r->score->criterion_code);
        else if (IS("points"))
            NUMBER(r->score->points);
        break;
    case TDKT__RESULT_RECORD__ITEM_UNIT_RATING:
        TEXT(label(record_ratings, (int)r->unit_rating->rating));
        break;
    case TDKT__RESULT_RECORD__ITEM_PERSON_RATING:
        if (IS("person"))
            TEXT(r->person_rating->person_id);
        else if (IS("rating"))
            TEXT(label(record_ratings, (int)r->person_rating->rating));
        break;
    case TDKT__RESULT_RECORD__ITEM_REGISTRATION:
        if (IS("person"))
            TEXT(r->registration->person_id);
        else if (IS("title"))
            TEXT(label(record_titles, (int)r->registration->title));
        break;
    case TDKT__RESULT_RECORD__ITEM_INITIATIVE:
        if (IS("code"))
            TEXT(r->initiative->code);
        else if (IS("title"))
            TEXT(r->initiative->title);
        else if (IS("authors")) {
            v.type = EXPORT_LIST;
            v.list = r->initiative->author_ids;
            v.nlist = r->initiative->n_author_ids;
        } else if (IS("scope"))
            TEXT(label(record_scopes, (int)r->initiative->scope));
        else if (IS("decision"))
            TEXT(r->initiative->decision_ref);
        break;
    case TDKT__RESULT_RECORD__ITEM_FACTS:
        if (IS("person"))
            TEXT(r->facts->person_id);
        else if (IS("recruited_on"))
            TEXT(r->facts->recruited_on);
        else if (IS("leave_months"))
            UINT(r->facts->leave_months);
        else if (IS("maternity"))
            BOOL(r->facts->maternity_leave);
        else if (IS("discipline"))
            TEXT(label(record_disciplines, (int)r->facts->discipline));
        else if (IS("disciplined_on"))
            TEXT(r->facts->disciplined_on);
        else if (IS("under_review"))
            BOOL(r->facts->under_review);
        else if (IS("research"))
            BOOL(r->facts->research_accepted);
        else if (IS("discipline_counted_before"))
            BOOL(r->facts->discipline_counted_before);
        break;
    default:
        break;
    }
#undef TEXT
#undef NUMBER
#undef UINT
#undef BOOL
#undef IS
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

static void json_value(FILE *f, const struct export_val *v)
{
    char num[EXPORT_NUMBER_MAX];

    switch (v->type) {
    case EXPORT_TEXT:
        json_string(f, v->text);
        break;
    case EXPORT_NUMBER:
        export_number(v->number, num);
        fputs(num, f);
        break;
    case EXPORT_UINT:
        fprintf(f, "%llu", (unsigned long long)v->uint);
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
    }
}

/* One record as a one-line object. */
static void json_record(FILE *f, const struct export_kind *k, const Tdkt__ResultRecord *r)
{
    fputc('{', f);
    for (size_t c = 0; c < EXPORT_COLS_MAX && k->cols[c]; c++) {
        struct export_val v = export_get(r, k->cols[c]);
        fprintf(f, "%s\"%s\": ", c ? ", " : "", k->cols[c]);
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
        if (ek->item == TDKT__RESULT_RECORD__ITEM_UNIT_RATING) {
            const Tdkt__ResultRecord *r = NULL;
            if (count > 1)
                return TDKT_EINVAL;
            for (size_t i = 0; i < g->n && !r; i++)
                if (g->records[i]->item_case == ek->item)
                    r = g->records[i];
            fprintf(f, ",\n%s  \"rating\": ", indent);
            if (r->removed) {
                json_record(f, ek, r);
            } else {
                struct export_val v = export_get(r, "rating");
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
    char num[EXPORT_NUMBER_MAX];

    switch (v->type) {
    case EXPORT_TEXT:
        csv_put(f, v->text, strlen(v->text));
        break;
    case EXPORT_NUMBER:
        export_number(v->number, num);
        fputs(num, f);
        break;
    case EXPORT_UINT:
        fprintf(f, "%llu", (unsigned long long)v->uint);
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
    for (size_t c = 0; c < EXPORT_COLS_MAX && ek->cols[c]; c++)
        fprintf(f, ",%s", ek->cols[c]);
    fputs(removed ? ",removed\r\n" : "\r\n", f);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < g[i].n; k++) {
            const Tdkt__ResultRecord *r = g[i].records[k];

            if (r->item_case != ek->item)
                continue;
            csv_put(f, g[i].unit, strlen(g[i].unit));
            fprintf(f, ",%u", g[i].year);
            for (size_t c = 0; c < EXPORT_COLS_MAX && ek->cols[c]; c++) {
                struct export_val v = export_get(r, ek->cols[c]);
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
