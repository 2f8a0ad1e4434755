/* SPDX-License-Identifier: MIT */
/*
 * The value converters of a results import and the record of each kind
 * (see import_value.h). CSV cells and JSON values arrive alike in a row's
 * values, so the two formats accept the same spellings and word their
 * errors the same way.
 */
#include "client/lib/import_value.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/import_row.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "common/text/fold.h"
#include "common/text/nfc.h"
#include "common/text/numlocale.h"
#include "common/text/xlsx_read.h"

/* ---- spelling tables ------------------------------------------------------ */

struct spell_word {
    int value;
    const char *text;
};

/* Spellings beyond the label tables of records.c: the English rating words
 * of docs/results.md and the short title names people write. */
static const struct spell_word extra_ratings[] = {
    {TDKT__RATING__RATING_EXCELLENT, "excellent"},
    {TDKT__RATING__RATING_GOOD, "good"},
    {TDKT__RATING__RATING_COMPLETED, "completed"},
    {TDKT__RATING__RATING_FAILED, "failed"},
    {0, NULL},
};
static const struct spell_word extra_titles[] = {
    {TDKT__TITLE__TITLE_CSTD_NGANH, "Chiến sĩ thi đua ngành"},
    {TDKT__TITLE__TITLE_CSTD_NGANH, "Chiến sĩ thi đua ngành KSND"},
    {TDKT__TITLE__TITLE_CO_NGANH, "Cờ thi đua ngành"},
    {TDKT__TITLE__TITLE_CO_NGANH, "Cờ thi đua ngành KSND"},
    {TDKT__TITLE__TITLE_CO_DAN_DAU_KHOI, "Cờ thi đua dẫn đầu khối ngành KSND"},
    {0, NULL},
};
static const struct spell_word extra_scopes[] = {
    {TDKT__SCOPE__SCOPE_BASE, "base"},
    {TDKT__SCOPE__SCOPE_SECTOR, "sector"},
    {TDKT__SCOPE__SCOPE_NATIONAL, "national"},
    {0, NULL},
};
static const struct spell_word extra_disciplines[] = {
    {TDKT__DISCIPLINE__DISCIPLINE_NONE, "none"},
    {TDKT__DISCIPLINE__DISCIPLINE_NONE, "không"},
    {0, NULL},
};
static const struct spell_word bool_words[] = {
    {1, "yes"}, {1, "true"},  {1, "1"}, {1, "có"},    {1, "x"},
    {0, "no"},  {0, "false"}, {0, "0"}, {0, "không"}, {0, NULL},
};

/* ---- spellings ------------------------------------------------------------ */

static void spell_add(struct import_state *m, enum import_spell_set set, int value,
                      const char *text)
{
    struct import_spelling *sp;

    assert(m->nspell < IMPORT_SPELL_MAX); /* the tables above outgrew the limit */
    if (!text)
        return;
    sp = &m->spell[m->nspell];
    if (text_fold(text, strlen(text), sp->key, sizeof sp->key) != 0 || !sp->key[0])
        return;
    sp->set = set;
    sp->value = value;
    m->nspell++;
}

static void spell_add_labels(struct import_state *m, enum import_spell_set set,
                             const struct record_label *t)
{
    for (; t->code; t++) {
        spell_add(m, set, t->value, t->code);
        spell_add(m, set, t->value, t->vi);
    }
}

static void spell_add_words(struct import_state *m, enum import_spell_set set,
                            const struct spell_word *w)
{
    for (; w->text; w++)
        spell_add(m, set, w->value, w->text);
}

void import_value_init(struct import_state *m)
{
    for (int c = 0; c < COL_N; c++) {
        spell_add(m, SPELL_HEADER, c, import_row_cols[c].name);
        for (int i = 0; i < COL_ALIASES_MAX; i++)
            spell_add(m, SPELL_HEADER, c, import_row_cols[c].aliases[i]);
    }
    for (int k = 0; k < KIND_N; k++) {
        spell_add(m, SPELL_KIND, k, import_row_kinds[k].name);
        for (int i = 0; i < KIND_ALIASES_MAX; i++)
            spell_add(m, SPELL_KIND, k, import_row_kinds[k].aliases[i]);
    }
    spell_add_labels(m, SPELL_RATING, record_ratings);
    spell_add_words(m, SPELL_RATING, extra_ratings);
    spell_add_labels(m, SPELL_TITLE, record_titles);
    spell_add_words(m, SPELL_TITLE, extra_titles);
    spell_add_labels(m, SPELL_SCOPE, record_scopes);
    spell_add_words(m, SPELL_SCOPE, extra_scopes);
    spell_add_labels(m, SPELL_DISCIPLINE, record_disciplines);
    spell_add_words(m, SPELL_DISCIPLINE, extra_disciplines);
    spell_add_labels(m, SPELL_ORIGIN, record_task_origins);
    spell_add_words(m, SPELL_BOOL, bool_words);
}

/* The value of text in set: 0 with *value, or TDKT_ENOTFOUND. */
int import_value_spell(const struct import_state *m, enum import_spell_set set, const char *text,
                       size_t len, int *value)
{
    char key[IMPORT_KEY_MAX];

    if (text_fold(text, len, key, sizeof key) != 0)
        return TDKT_ENOTFOUND;
    for (size_t i = 0; i < m->nspell; i++)
        if (m->spell[i].set == set && strcmp(m->spell[i].key, key) == 0) {
            *value = m->spell[i].value;
            return 0;
        }
    return TDKT_ENOTFOUND;
}

/* The kind named by text (any spelling), or -1. */
int import_value_kind(const struct import_state *m, const char *text)
{
    int k;

    return import_value_spell(m, SPELL_KIND, text, strlen(text), &k) == 0 ? k : -1;
}

int import_kind_valid(const char *name)
{
    char key[IMPORT_KEY_MAX], want[IMPORT_KEY_MAX];

    if (!name || text_fold(name, strlen(name), key, sizeof key) != 0)
        return 0;
    for (int k = 0; k < KIND_N; k++)
        if (text_fold(import_row_kinds[k].name, strlen(import_row_kinds[k].name), want,
                      sizeof want) == 0 &&
            strcmp(key, want) == 0)
            return 1;
    return 0;
}

/* "HTXSNV, HTTNV, HTNV or KHTNV" for a message. */
static void label_list(const struct record_label *t, char *buf, size_t cap)
{
    size_t used = 0, n = 0, i = 0;
    const struct record_label *p;

    buf[0] = '\0';
    for (p = t; p->code; p++)
        n++;
    for (p = t; p->code; p++, i++) {
        int dup = 0;
        for (const struct record_label *q = t; q != p; q++)
            dup |= strcmp(q->code, p->code) == 0;
        if (dup)
            continue;
        int w = snprintf(buf + used, cap - used, "%s%s",
                         i == 0       ? ""
                         : i + 1 == n ? " or "
                                      : ", ",
                         p->code);
        if (w < 0 || (size_t)w >= cap - used)
            return;
        used += (size_t)w;
    }
}

/* ---- converters ----------------------------------------------------------- */

/* The value is empty: no cell text, no JSON value. */
static int val_empty(const struct import_val *v)
{
    return !v->s && !v->j;
}

/* Report a required value that is empty, once per kind for a missing
 * column. */
static int need(struct import_state *m, struct import_row *w, enum import_col c)
{
    const struct import_val *v = &w->v[c];

    if (!val_empty(v))
        return 0;
    if (!v->present && !w->where[0]) {
        /* A CSV without the column: say it once, not on every row. */
        w->bad = 1;
        if (m->missing_reported[w->kind] & COL_BIT(c))
            return TDKT_EINVAL;
        m->missing_reported[w->kind] |= COL_BIT(c);
        import_row_error(m, w->line, w->column, "", "%s %s needs the column '%s' (%s)",
                         import_row_article(import_row_kinds[w->kind].name),
                         import_row_kinds[w->kind].name, import_row_cols[c].name,
                         import_row_cols[c].aliases[0] ? import_row_cols[c].aliases[0]
                                                       : import_row_cols[c].name);
        return TDKT_EINVAL;
    }
    return import_row_value_error(
        m, w, c, "%s is missing: %s %s needs it", import_row_value_name(w, c),
        import_row_article(import_row_kinds[w->kind].name), import_row_kinds[w->kind].name);
}

/* A JSON value where text was expected. */
static int not_text(struct import_state *m, struct import_row *w, enum import_col c)
{
    return import_row_value_error(m, w, c, "%s must be a JSON string", import_row_value_name(w, c));
}

/* Text into *out (malloc'd; untouched when empty and optional). */
static int get_text(struct import_state *m, struct import_row *w, enum import_col c, int required,
                    char **out)
{
    const struct import_val *v = &w->v[c];
    char *s;

    if (val_empty(v))
        return required ? need(m, w, c) : 0;
    if (!v->s)
        return not_text(m, w, c);
    s = strdup(v->s);
    if (!s) {
        m->nomem = 1;
        return TDKT_ENOMEM;
    }
    *out = s;
    return 0;
}

/* A number value: a workbook's typed number as it is, text read by the
 * import's locale (numlocale.h). */
static int get_number(struct import_state *m, struct import_row *w, enum import_col c, double *out)
{
    const struct import_val *v = &w->v[c];
    enum numlocale_fault fault;
    double d;

    if (val_empty(v))
        return need(m, w, c);
    if (v->j) {
        if (!json_is_number(v->j))
            return import_row_value_error(m, w, c, "%s must be a number",
                                          import_row_value_name(w, c));
        d = json_number_value(v->j);
    } else if (v->typed) {
        d = v->num;
    } else if (numlocale_parse(v->s, v->len, m->o->locale, &d, &fault) != 0) {
        return import_row_value_error(m, w, c, "'%.40s' %s", v->s,
                                      numlocale_why(fault, m->o->locale));
    } else if (d < 0) {
        return import_row_value_error(m, w, c, "%s must not be negative",
                                      import_row_value_name(w, c));
    }
    if (!isfinite(d) || d < 0)
        return import_row_value_error(m, w, c, "%s must be a number not below 0",
                                      import_row_value_name(w, c));
    *out = d;
    return 0;
}

/* A whole number 0..max. */
static int get_uint(struct import_state *m, struct import_row *w, enum import_col c, int required,
                    uint64_t max, uint64_t *out)
{
    const struct import_val *v = &w->v[c];
    uint64_t n = 0;

    if (val_empty(v))
        return required ? need(m, w, c) : 0;
    if (v->j) {
        if (!json_is_integer(v->j) || json_integer_value(v->j) < 0)
            return import_row_value_error(m, w, c, "%s must be a whole number not below 0",
                                          import_row_value_name(w, c));
        n = (uint64_t)json_integer_value(v->j);
    } else if (v->typed || v->s[strspn(v->s, "0123456789")] != '\0' || v->len > 19) {
        /* A number cell, or text with separators (1.000 in vi): read as a
         * number, then it must be whole. */
        enum numlocale_fault fault;
        double d = v->num;

        if (!v->typed && numlocale_parse(v->s, v->len, m->o->locale, &d, &fault) != 0)
            return fault == NUMLOCALE_NOT_NUMBER
                       ? import_row_value_error(m, w, c, "'%.40s' is not a whole number", v->s)
                       : import_row_value_error(m, w, c, "'%.40s' %s", v->s,
                                                numlocale_why(fault, m->o->locale));
        if (d < 0 || d != floor(d))
            return import_row_value_error(m, w, c, "'%.40s' is not a whole number not below 0",
                                          v->s);
        if (d > (double)max)
            return import_row_value_error(m, w, c, "%s must be at most %llu",
                                          import_row_value_name(w, c), (unsigned long long)max);
        n = (uint64_t)d;
    } else {
        for (size_t i = 0; i < v->len; i++)
            n = n * 10 + (uint64_t)(v->s[i] - '0');
    }
    if (n > max)
        return import_row_value_error(m, w, c, "%s must be at most %llu",
                                      import_row_value_name(w, c), (unsigned long long)max);
    *out = n;
    return 0;
}

static int get_bool(struct import_state *m, struct import_row *w, enum import_col c,
                    protobuf_c_boolean *out)
{
    const struct import_val *v = &w->v[c];
    int b;

    if (val_empty(v)) {
        *out = 0;
        return 0;
    }
    if (v->j) {
        if (json_is_boolean(v->j))
            b = json_is_true(v->j);
        else if (json_is_integer(v->j) &&
                 (json_integer_value(v->j) == 0 || json_integer_value(v->j) == 1))
            b = json_integer_value(v->j) == 1;
        else
            return import_row_value_error(m, w, c, "%s must be true or false",
                                          import_row_value_name(w, c));
    } else if (import_value_spell(m, SPELL_BOOL, v->s, v->len, &b) != 0) {
        return import_row_value_error(m, w, c,
                                      "'%.40s' is not yes or no: write yes/no, true/false, 1/0, "
                                      "có/không, or x for yes and nothing for no",
                                      v->s);
    }
    *out = b ? 1 : 0;
    return 0;
}

/* One of a label table's spellings; *out untouched when empty and optional. */
static int get_enum(struct import_state *m, struct import_row *w, enum import_col c, int required,
                    enum import_spell_set set, const struct record_label *table, const char *what,
                    int *out)
{
    const struct import_val *v = &w->v[c];
    char list[IMPORT_MESSAGE_MAX];
    int value;

    if (val_empty(v))
        return required ? need(m, w, c) : 0;
    if (!v->s)
        return not_text(m, w, c);
    if (import_value_spell(m, set, v->s, v->len, &value) == 0) {
        *out = value;
        return 0;
    }
    label_list(table, list, sizeof list);
    return import_row_value_error(m, w, c, "'%.60s' is not a %s: write %s, or the Vietnamese name",
                                  v->s, what, list);
}

/* A date: YYYY-MM-DD, DD/MM/YYYY in vi, or a workbook's date serial; kept
 * as YYYY-MM-DD. */
static int get_date(struct import_state *m, struct import_row *w, enum import_col c, char **out)
{
    const struct import_val *v = &w->v[c];
    char iso[11];

    if (val_empty(v))
        return 0;
    if (!v->s)
        return not_text(m, w, c);
    if (v->typed ? xlsx_serial_date(v->num, m->date1904, iso) != 0
                 : numlocale_date(v->s, m->o->locale, iso) != 0)
        return import_row_value_error(
            m, w, c, "'%.40s' is not a date: write YYYY-MM-DD, e.g. 2015-03-01%s", v->s,
            m->o->locale == NUMLOCALE_VI ? ", or DD/MM/YYYY (01/03/2015)"
            : v->typed                   ? ", or format the cell as a date"
                                         : "");
    if (!(*out = strdup(iso))) {
        m->nomem = 1;
        return TDKT_ENOMEM;
    }
    return 0;
}

/* Turn the text naming a person into an id (malloc'd in *out). */
static int resolve(struct import_state *m, struct import_row *w, enum import_col c,
                   const char *text, char **out)
{
    char id[IMPORT_ID_MAX + 1] = "";
    char *nfc = NULL;
    int rc;

    rc = text_nfc(text, strlen(text), &nfc, NULL);
    if (rc == TDKT_ENOMEM) {
        m->nomem = 1;
        return rc;
    }
    if (rc < 0)
        return import_row_value_error(m, w, c, "'%.60s' is not valid text", text);
    if (!m->o->resolve_person) {
        if (!record_code_valid(nfc)) {
            import_row_value_error(
                m, w, c,
                "'%.60s' is not a person id; names can be used only with the local "
                "registry (tdkt sync)",
                nfc);
            free(nfc);
            return TDKT_EINVAL;
        }
        *out = nfc;
        return 0;
    }
    if (!w->unit) {
        free(nfc); /* the unit is wrong and was reported: nowhere to look */
        w->bad = 1;
        return TDKT_EINVAL;
    }
    rc = m->o->resolve_person(m->o->resolve_arg, w->unit, nfc, id);
    if (rc == 0 && id[0]) {
        free(nfc);
        id[IMPORT_ID_MAX] = '\0';
        *out = strdup(id);
        if (!*out) {
            m->nomem = 1;
            return TDKT_ENOMEM;
        }
        return 0;
    }
    if (rc == TDKT_EEXIST)
        import_row_value_error(m, w, c,
                               "'%.60s' matches more than one person of %s: give the person id",
                               nfc, w->unit);
    else if (rc == TDKT_ENOTFOUND || rc == 0)
        import_row_value_error(
            m, w, c,
            "no person '%.60s' in %s or its divisions (run tdkt sync if they were "
            "registered recently)",
            nfc, w->unit);
    else
        import_row_value_error(m, w, c, "looking up '%.60s' failed: %s", nfc, tdkt_strerror(rc));
    free(nfc);
    return TDKT_EINVAL;
}

static int get_person(struct import_state *m, struct import_row *w, enum import_col c, int required,
                      char **out)
{
    const struct import_val *v = &w->v[c];

    if (val_empty(v))
        return required ? need(m, w, c) : 0;
    if (!v->s)
        return not_text(m, w, c);
    return resolve(m, w, c, v->s, out);
}

/* Append one author id to the initiative, resolving text. */
static int add_author(struct import_state *m, struct import_row *w, Tdkt__Initiative *in,
                      const char *text)
{
    char **ids;
    char *id = NULL;
    int rc;

    if ((rc = resolve(m, w, COL_AUTHORS, text, &id)) < 0)
        return rc;
    ids = realloc(in->author_ids, (in->n_author_ids + 1) * sizeof *ids);
    if (!ids) {
        free(id);
        m->nomem = 1;
        return TDKT_ENOMEM;
    }
    in->author_ids = ids;
    in->author_ids[in->n_author_ids++] = id;
    return 0;
}

static int too_many_authors(struct import_state *m, struct import_row *w)
{
    return import_row_value_error(m, w, COL_AUTHORS, "an initiative has at most %d authors",
                                  RECORD_AUTHORS_MAX);
}

/* Authors: a JSON array of strings, or text separated by ';'. */
static int get_authors(struct import_state *m, struct import_row *w, Tdkt__Initiative *in)
{
    const struct import_val *v = &w->v[COL_AUTHORS];
    int rc = 0, bad = 0;

    if (val_empty(v))
        return need(m, w, COL_AUTHORS);
    if (v->j) {
        size_t i;
        json_t *a;

        if (!json_is_array(v->j))
            return import_row_value_error(m, w, COL_AUTHORS,
                                          "authors must be a list of person ids or names");
        json_array_foreach(v->j, i, a)
        {
            if (!json_is_string(a) || !json_string_value(a)[0]) {
                bad = 1;
                import_row_value_error(m, w, COL_AUTHORS, "author %zu must be a person id or name",
                                       i + 1);
                continue;
            }
            if (in->n_author_ids == RECORD_AUTHORS_MAX)
                return too_many_authors(m, w);
            if ((rc = add_author(m, w, in, json_string_value(a))) == TDKT_ENOMEM)
                return rc;
            bad |= rc < 0;
        }
    } else {
        const char *p = v->s;
        while (*p) {
            const char *end = strchr(p, ';');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            char *one;

            while (n && import_row_blank(*p))
                p++, n--;
            while (n && import_row_blank(p[n - 1]))
                n--;
            if (n && in->n_author_ids == RECORD_AUTHORS_MAX)
                return too_many_authors(m, w);
            if (n) {
                one = strndup(p, n);
                if (!one) {
                    m->nomem = 1;
                    return TDKT_ENOMEM;
                }
                rc = add_author(m, w, in, one);
                free(one);
                if (rc == TDKT_ENOMEM)
                    return rc;
                bad |= rc < 0;
            }
            if (!end)
                break;
            p = end + 1;
        }
    }
    if (bad)
        return TDKT_EINVAL;
    if (in->n_author_ids == 0)
        return import_row_value_error(m, w, COL_AUTHORS, "an initiative needs at least one author");
    return 0;
}

/* ---- records -------------------------------------------------------------- */

/* A record of kind k with its item allocated and initialised, as protobuf-c
 * would unpack it; NULL when out of memory. */
static Tdkt__ResultRecord *record_new(enum import_kind k)
{
    Tdkt__ResultRecord *r = malloc(sizeof *r);
    void *item = NULL;

    if (!r)
        return NULL;
    tdkt__result_record__init(r);
    switch (k) {
    case KIND_TARGET:
        if ((item = r->target = malloc(sizeof *r->target)))
            tdkt__target__init(r->target);
        r->item_case = TDKT__RESULT_RECORD__ITEM_TARGET;
        break;
    case KIND_TASK:
        if ((item = r->task = malloc(sizeof *r->task)))
            tdkt__key_task__init(r->task);
        r->item_case = TDKT__RESULT_RECORD__ITEM_TASK;
        break;
    case KIND_TASK_PLAN:
        if ((item = r->task_plan = malloc(sizeof *r->task_plan)))
            tdkt__task_plan__init(r->task_plan);
        r->item_case = TDKT__RESULT_RECORD__ITEM_TASK_PLAN;
        break;
    case KIND_PRODUCT:
        if ((item = r->product = malloc(sizeof *r->product)))
            tdkt__work_product__init(r->product);
        r->item_case = TDKT__RESULT_RECORD__ITEM_PRODUCT;
        break;
    case KIND_SCORE:
        if ((item = r->score = malloc(sizeof *r->score)))
            tdkt__criterion_score__init(r->score);
        r->item_case = TDKT__RESULT_RECORD__ITEM_SCORE;
        break;
    case KIND_UNIT_RATING:
        if ((item = r->unit_rating = malloc(sizeof *r->unit_rating)))
            tdkt__unit_rating__init(r->unit_rating);
        r->item_case = TDKT__RESULT_RECORD__ITEM_UNIT_RATING;
        break;
    case KIND_PERSON_RATING:
        if ((item = r->person_rating = malloc(sizeof *r->person_rating)))
            tdkt__person_rating__init(r->person_rating);
        r->item_case = TDKT__RESULT_RECORD__ITEM_PERSON_RATING;
        break;
    case KIND_REGISTRATION:
        if ((item = r->registration = malloc(sizeof *r->registration)))
            tdkt__title_registration__init(r->registration);
        r->item_case = TDKT__RESULT_RECORD__ITEM_REGISTRATION;
        break;
    case KIND_INITIATIVE:
        if ((item = r->initiative = malloc(sizeof *r->initiative)))
            tdkt__initiative__init(r->initiative);
        r->item_case = TDKT__RESULT_RECORD__ITEM_INITIATIVE;
        break;
    case KIND_FACTS:
        if ((item = r->facts = malloc(sizeof *r->facts)))
            tdkt__person_facts__init(r->facts);
        r->item_case = TDKT__RESULT_RECORD__ITEM_FACTS;
        break;
    default:
        break;
    }
    if (!item) {
        free(r);
        return NULL;
    }
    return r;
}

/* Report a fault of record_validate at the cell of the field it names. */
static void fault_error(struct import_state *m, struct import_row *w, const struct fault *f)
{
    const char *dot = strchr(f->field, '.');
    const char *name = dot ? dot + 1 : f->field;
    size_t n = strcspn(name, "[.");
    /* Two kinds may name a field alike (a target's planned, a task plan's):
     * the column is among the row's kind's. */
    uint32_t cols =
        import_row_kinds[w->kind].required | import_row_kinds[w->kind].optional | COLS_EVERY_ROW;

    for (int c = 0; c < COL_N; c++)
        if ((cols & COL_BIT(c)) && strlen(import_row_cols[c].field) == n &&
            strncmp(import_row_cols[c].field, name, n) == 0) {
            import_row_value_error(m, w, (enum import_col)c, "%s: %s",
                                   import_row_value_name(w, (enum import_col)c), f->why.text);
            return;
        }
    import_row_error(m, w->line, w->column, w->where, "%s: %s", f->field, f->why.text);
    w->bad = 1;
}

/* Read the row's values of its kind into a new record (*out, or NULL when
 * any value was bad: each was reported). */
int import_value_record(struct import_state *m, struct import_row *w, Tdkt__ResultRecord **out)
{
    Tdkt__ResultRecord *r = record_new(w->kind);
    struct fault f;
    int e = 0, rc;
    uint64_t u = 0;

    *out = NULL;
    if (!r) {
        m->nomem = 1;
        return TDKT_ENOMEM;
    }
    get_bool(m, w, COL_REMOVED, &r->removed);
    switch (w->kind) {
    case KIND_TARGET:
        get_text(m, w, COL_CODE, 1, &r->target->code);
        get_text(m, w, COL_NAME, 1, &r->target->name);
        get_number(m, w, COL_PLANNED, &r->target->planned);
        get_number(m, w, COL_ACHIEVED, &r->target->achieved);
        get_bool(m, w, COL_LOWER, &r->target->lower_is_better);
        break;
    case KIND_TASK:
        get_text(m, w, COL_CODE, 1, &r->task->code);
        get_text(m, w, COL_NAME, 1, &r->task->name);
        get_enum(m, w, COL_ORIGIN, 1, SPELL_ORIGIN, record_task_origins, "task origin", &e);
        r->task->origin = (Tdkt__TaskOrigin)e;
        /* An empty CSV cell is "no"; a JSON item must say. */
        if (!w->v[COL_DONE].present || (w->where[0] && val_empty(&w->v[COL_DONE])))
            need(m, w, COL_DONE);
        get_bool(m, w, COL_DONE, &r->task->done);
        break;
    case KIND_TASK_PLAN:
        /* 0 passes here and is refused by record_check, with its reason. */
        if (get_uint(m, w, COL_TASKS_PLANNED, 1, UINT32_MAX, &u) == 0)
            r->task_plan->planned = (uint32_t)u;
        break;
    case KIND_PRODUCT:
        get_text(m, w, COL_CODE, 1, &r->product->code);
        get_text(m, w, COL_NAME, 1, &r->product->name);
        if (get_uint(m, w, COL_COUNT, 1, RECORD_COUNT_MAX, &u) == 0)
            r->product->count = u;
        break;
    case KIND_SCORE:
        get_text(m, w, COL_CRITERION, 1, &r->score->criterion_code);
        get_number(m, w, COL_POINTS, &r->score->points);
        break;
    case KIND_UNIT_RATING:
        get_enum(m, w, COL_RATING, 1, SPELL_RATING, record_ratings, "rating", &e);
        r->unit_rating->rating = (Tdkt__Rating)e;
        break;
    case KIND_PERSON_RATING:
        get_person(m, w, COL_PERSON, 1, &r->person_rating->person_id);
        get_enum(m, w, COL_RATING, 1, SPELL_RATING, record_ratings, "rating", &e);
        r->person_rating->rating = (Tdkt__Rating)e;
        break;
    case KIND_REGISTRATION:
        get_person(m, w, COL_PERSON, 0, &r->registration->person_id);
        get_enum(m, w, COL_TITLE, 1, SPELL_TITLE, record_titles, "title", &e);
        r->registration->title = (Tdkt__Title)e;
        break;
    case KIND_INITIATIVE:
        get_text(m, w, COL_CODE, 1, &r->initiative->code);
        get_text(m, w, COL_TITLE, 1, &r->initiative->title);
        get_authors(m, w, r->initiative);
        get_enum(m, w, COL_SCOPE, 0, SPELL_SCOPE, record_scopes, "scope", &e);
        r->initiative->scope = (Tdkt__Scope)e;
        get_text(m, w, COL_DECISION, 0, &r->initiative->decision_ref);
        break;
    case KIND_FACTS:
        get_person(m, w, COL_PERSON, 1, &r->facts->person_id);
        get_date(m, w, COL_RECRUITED, &r->facts->recruited_on);
        if (get_uint(m, w, COL_LEAVE, 0, 12, &u) == 0)
            r->facts->leave_months = (uint32_t)u;
        get_bool(m, w, COL_MATERNITY, &r->facts->maternity_leave);
        u = 0;
        if (get_uint(m, w, COL_MATERNITY_MONTHS, 0, 12, &u) == 0 && u > 0) {
            /* The months say there was maternity leave; the old yes/no
             * field says so too, for readers that know only it, unless the
             * file says no, which contradicts the months. */
            if (w->v[COL_MATERNITY].present && !val_empty(&w->v[COL_MATERNITY]) &&
                !r->facts->maternity_leave)
                import_row_value_error(m, w, COL_MATERNITY_MONTHS,
                                       "%s: %llu months of maternity leave, but %s says no",
                                       import_row_value_name(w, COL_MATERNITY_MONTHS),
                                       (unsigned long long)u,
                                       import_row_value_name(w, COL_MATERNITY));
            r->facts->maternity_months = (uint32_t)u;
            r->facts->maternity_leave = 1;
        }
        get_enum(m, w, COL_DISCIPLINE, 0, SPELL_DISCIPLINE, record_disciplines, "discipline", &e);
        r->facts->discipline = (Tdkt__Discipline)e;
        get_date(m, w, COL_DISCIPLINED_ON, &r->facts->disciplined_on);
        get_bool(m, w, COL_REVIEW, &r->facts->under_review);
        get_bool(m, w, COL_RESEARCH, &r->facts->research_accepted);
        get_bool(m, w, COL_COUNTED, &r->facts->discipline_counted_before);
        break;
    default:
        break;
    }
    if (w->bad || m->nomem) {
        tdkt__result_record__free_unpacked(r, NULL);
        return m->nomem ? TDKT_ENOMEM : TDKT_EINVAL;
    }
    rc = record_check(r, &f);
    if (rc == TDKT_ENOMEM)
        m->nomem = 1;
    else if (rc < 0 && !f.field[0])
        import_row_error(m, w->line, w->column, w->where, "%s", f.why.text);
    else if (rc < 0 && !w->bad)
        fault_error(m, w, &f);
    if (rc < 0) {
        w->bad = 1;
        tdkt__result_record__free_unpacked(r, NULL);
        return rc;
    }
    *out = r;
    return 0;
}
