/* SPDX-License-Identifier: MIT */
/*
 * Results import: CSV and JSON files to result records; see import.h.
 *
 * Both formats are brought to the same shape before any value is read: a
 * row of the kind's columns (struct row), each value with its place in the
 * file. One set of converters (numbers, booleans, enum spellings, dates,
 * persons) then builds the record, so the two formats accept the same
 * spellings and word their errors the same way.
 */
#include "import.h"

#include <assert.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "common/domain/records.h"
#include "common/err.h"
#include "common/text/csv.h"
#include "common/text/fold.h"
#include "common/text/nfc.h"
#include "common/wire/utf8.h"

#define IMPORT_NUMBER_MAX 40  /* characters of a number */
#define IMPORT_KEY_MAX    128 /* bytes of a folded spelling or header */
#define IMPORT_SPELL_MAX  256 /* spellings known to one import */
#define IMPORT_GROUPS_MIN 4
#define IMPORT_DUPS_MIN   1024 /* first size of the duplicate table */
#define IMPORT_READ_CHUNK (64u * 1024u)

/* ---- columns and kinds ---------------------------------------------------- */

enum col {
    COL_UNIT,
    COL_YEAR,
    COL_REMOVED,
    COL_KIND,
    COL_CODE,
    COL_NAME,
    COL_PLANNED,
    COL_ACHIEVED,
    COL_LOWER,
    COL_ORIGIN,
    COL_DONE,
    COL_COUNT,
    COL_CRITERION,
    COL_POINTS,
    COL_RATING,
    COL_PERSON,
    COL_TITLE,
    COL_AUTHORS,
    COL_SCOPE,
    COL_DECISION,
    COL_RECRUITED,
    COL_LEAVE,
    COL_MATERNITY,
    COL_DISCIPLINE,
    COL_DISCIPLINED_ON,
    COL_REVIEW,
    COL_RESEARCH,
    COL_COUNTED,
    COL_N
};

#define COL_ALIASES_MAX 6
#define BIT(c)          (1u << (c))
_Static_assert(COL_N <= 32, "column sets are 32-bit masks");
#define COLS_EVERY_ROW (BIT(COL_UNIT) | BIT(COL_YEAR) | BIT(COL_REMOVED) | BIT(COL_KIND))

/* The English name (also the JSON key), the proto field that record_fault
 * names, and the other header spellings of docs/results.md. */
static const struct col_spec {
    const char *name;
    const char *field;
    const char *aliases[COL_ALIASES_MAX];
} cols[COL_N] = {
    [COL_UNIT] = {"unit", "unit_code", {"đơn vị", "mã đơn vị", "unit_code"}},
    [COL_YEAR] = {"year", "year", {"năm"}},
    [COL_REMOVED] = {"removed", "removed", {"xóa", "đã xóa"}},
    [COL_KIND] = {"kind", "", {"loại"}},
    [COL_CODE] = {"code", "code", {"mã", "mã chỉ tiêu", "mã nhiệm vụ", "mã sáng kiến"}},
    [COL_NAME] = {"name", "name", {"tên", "tên chỉ tiêu", "chỉ tiêu", "tên nhiệm vụ", "nhiệm vụ"}},
    [COL_PLANNED] = {"planned", "planned", {"kế hoạch"}},
    [COL_ACHIEVED] = {"achieved", "achieved", {"thực hiện", "kết quả"}},
    [COL_LOWER] = {"lower_is_better", "lower_is_better", {"càng thấp càng tốt"}},
    [COL_ORIGIN] = {"origin", "origin", {"nguồn"}},
    [COL_DONE] = {"done", "done", {"hoàn thành"}},
    [COL_COUNT] = {"count", "count", {"số lượng"}},
    [COL_CRITERION] = {"criterion",
                       "criterion_code",
                       {"tiêu chí", "mã tiêu chí", "criterion_code"}},
    [COL_POINTS] = {"points", "points", {"điểm", "điểm tự chấm"}},
    [COL_RATING] = {"rating", "rating", {"xếp loại"}},
    [COL_PERSON] = {"person",
                    "person_id",
                    {"cán bộ", "công chức", "cán bộ, công chức", "họ và tên", "mã cán bộ",
                     "person_id"}},
    [COL_TITLE] = {"title", "title", {"danh hiệu", "tên sáng kiến"}},
    [COL_AUTHORS] = {"authors", "author_ids", {"tác giả", "author_ids"}},
    [COL_SCOPE] = {"scope", "scope", {"phạm vi"}},
    [COL_DECISION] = {"decision",
                      "decision_ref",
                      {"quyết định", "quyết định công nhận", "decision_ref"}},
    [COL_RECRUITED] = {"recruited_on", "recruited_on", {"ngày tuyển dụng"}},
    [COL_LEAVE] = {"leave_months", "leave_months", {"số tháng nghỉ"}},
    [COL_MATERNITY] = {"maternity", "maternity_leave", {"nghỉ thai sản", "maternity_leave"}},
    [COL_DISCIPLINE] = {"discipline", "discipline", {"kỷ luật"}},
    [COL_DISCIPLINED_ON] = {"disciplined_on", "disciplined_on", {"ngày kỷ luật"}},
    [COL_REVIEW] = {"under_review", "under_review", {"đang xem xét"}},
    [COL_RESEARCH] = {"research",
                      "research_accepted",
                      {"đề tài nghiên cứu", "đề tài khoa học", "research_accepted"}},
    [COL_COUNTED] = {"discipline_counted_before",
                     "discipline_counted_before",
                     {"kỷ luật đã tính", "kỷ luật đã xét"}},
};

enum kind {
    KIND_TARGET,
    KIND_TASK,
    KIND_PRODUCT,
    KIND_SCORE,
    KIND_UNIT_RATING,
    KIND_PERSON_RATING,
    KIND_REGISTRATION,
    KIND_INITIATIVE,
    KIND_FACTS,
    KIND_N
};

#define KIND_ALIASES_MAX 3

/* A kind's name, its JSON key, its columns (docs/results.md) and other
 * spellings of its name in a kind column. */
static const struct kind_spec {
    const char *name;
    const char *json;
    uint32_t required, optional;
    const char *aliases[KIND_ALIASES_MAX];
} kinds[KIND_N] = {
    [KIND_TARGET] = {"target",
                     "targets",
                     BIT(COL_CODE) | BIT(COL_NAME) | BIT(COL_PLANNED) | BIT(COL_ACHIEVED),
                     BIT(COL_LOWER),
                     {"chỉ tiêu", "chỉ tiêu công tác"}},
    [KIND_TASK] = {"task",
                   "tasks",
                   BIT(COL_CODE) | BIT(COL_NAME) | BIT(COL_ORIGIN) | BIT(COL_DONE),
                   0,
                   {"nhiệm vụ", "nhiệm vụ trọng tâm"}},
    [KIND_PRODUCT] =
        {"product", "products", BIT(COL_CODE) | BIT(COL_NAME) | BIT(COL_COUNT), 0, {"sản phẩm"}},
    [KIND_SCORE] =
        {"score", "scores", BIT(COL_CRITERION) | BIT(COL_POINTS), 0, {"điểm", "bảng điểm"}},
    [KIND_UNIT_RATING] = {"unit_rating", "rating", BIT(COL_RATING), 0, {"xếp loại đơn vị"}},
    [KIND_PERSON_RATING] = {"person_rating",
                            "person_ratings",
                            BIT(COL_PERSON) | BIT(COL_RATING),
                            0,
                            {"xếp loại cá nhân", "xếp loại cán bộ"}},
    [KIND_REGISTRATION] = {"registration",
                           "registrations",
                           BIT(COL_TITLE),
                           BIT(COL_PERSON),
                           {"đăng ký", "đăng ký danh hiệu"}},
    [KIND_INITIATIVE] = {"initiative",
                         "initiatives",
                         BIT(COL_CODE) | BIT(COL_TITLE) | BIT(COL_AUTHORS),
                         BIT(COL_SCOPE) | BIT(COL_DECISION),
                         {"sáng kiến"}},
    [KIND_FACTS] = {"facts",
                    "facts",
                    BIT(COL_PERSON),
                    BIT(COL_RECRUITED) | BIT(COL_LEAVE) | BIT(COL_MATERNITY) | BIT(COL_DISCIPLINE) |
                        BIT(COL_DISCIPLINED_ON) | BIT(COL_REVIEW) | BIT(COL_RESEARCH) |
                        BIT(COL_COUNTED),
                    {"thông tin cán bộ"}},
};

/* ---- spelling tables ------------------------------------------------------ */

/* Sets of words a value is matched against (after text_fold). */
enum spell_set {
    SPELL_HEADER, /* value: enum col */
    SPELL_KIND,   /* value: enum kind */
    SPELL_RATING,
    SPELL_TITLE,
    SPELL_SCOPE,
    SPELL_DISCIPLINE,
    SPELL_ORIGIN,
    SPELL_BOOL
};

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

struct spelling {
    enum spell_set set;
    int value;
    char key[IMPORT_KEY_MAX];
};

/* ---- import state --------------------------------------------------------- */

/* A value of one column of one row, wherever it came from. */
struct val {
    int present; /* the column exists (CSV) or the key is there (JSON) */
    char *s;     /* text, trimmed, NUL-terminated, owned; NULL when empty or not text */
    size_t len;
    json_t *j;     /* a JSON value that is not a string or null; borrowed */
    unsigned line; /* 0 for JSON values */
    unsigned column;
    char where[IMPORT_WHERE_MAX]; /* header as written, or JSON path */
};

struct row {
    enum kind kind;
    struct val v[COL_N];
    unsigned line, column;        /* where the row starts (CSV) */
    char where[IMPORT_WHERE_MAX]; /* JSON path of the item; "" for CSV */
    const char *unit;             /* valid code, or NULL once reported */
    uint32_t year;                /* valid year, or 0 once reported */
    int bad;                      /* an error was reported for this row */
};

/* A record key seen in this file, for duplicates. */
struct dup_entry {
    char *key; /* owned; NULL: free slot */
    unsigned line;
    char *where; /* owned JSON path; NULL for CSV, where line says it */
};

struct imp {
    const struct import_opts *o;
    struct import_result *out;
    int stop;  /* error list full: stop reading */
    int nomem; /* an allocation failed */
    locale_t c_numeric;
    struct spelling spell[IMPORT_SPELL_MAX];
    size_t nspell;
    struct dup_entry *dups;
    size_t ndups, dups_cap;
    uint32_t missing_reported[KIND_N]; /* columns already reported missing */
};

/* ---- errors --------------------------------------------------------------- */

__attribute__((format(printf, 5, 0))) static void imp_verror(struct imp *m, unsigned line,
                                                             unsigned column, const char *where,
                                                             const char *fmt, va_list ap)
{
    struct import_result *out = m->out;
    struct import_error *e;

    if (m->stop)
        return;
    if (out->nerrors == IMPORT_ERRORS_MAX) {
        out->truncated = 1;
        m->stop = 1;
        return;
    }
    if (!out->errors) {
        out->errors = calloc(IMPORT_ERRORS_MAX, sizeof *out->errors);
        if (!out->errors) {
            m->nomem = 1;
            m->stop = 1;
            return;
        }
    }
    e = &out->errors[out->nerrors++];
    e->line = line;
    e->column = column;
    snprintf(e->where, sizeof e->where, "%s", where ? where : "");
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    /* Both quote the file's text cut to fit ('%.40s', a header cut to
     * IMPORT_WHERE_MAX), maybe inside a character: keep them UTF-8. */
    utf8_scrub(e->where);
    utf8_scrub(e->message);
}

__attribute__((format(printf, 5, 6))) static void
imp_error(struct imp *m, unsigned line, unsigned column, const char *where, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    imp_verror(m, line, column, where, fmt, ap);
    va_end(ap);
}

/* The place of a value: its cell or key when it has one, else the row. */
static void val_place(const struct row *w, enum col c, unsigned *line, unsigned *column,
                      const char **where)
{
    const struct val *v = &w->v[c];

    if (v->present && v->where[0]) {
        *line = v->line;
        *column = v->column;
        *where = v->where;
    } else {
        *line = w->line;
        *column = w->column;
        *where = w->where;
    }
}

/* An error about one value of a row. */
__attribute__((format(printf, 4, 5))) static int val_error(struct imp *m, struct row *w, enum col c,
                                                           const char *fmt, ...)
{
    unsigned line, column;
    const char *where;
    va_list ap;

    val_place(w, c, &line, &column, &where);
    va_start(ap, fmt);
    imp_verror(m, line, column, where, fmt, ap);
    va_end(ap);
    w->bad = 1;
    return TDKT_EINVAL;
}

/* How a message names a column: as the file spells it. */
static const char *val_name(const struct row *w, enum col c)
{
    const struct val *v = &w->v[c];
    const char *dot;

    if (!v->present || !v->where[0])
        return cols[c].name;
    /* JSON paths end in the key; CSV headers are the name. */
    dot = strrchr(v->where, '.');
    return dot && w->where[0] ? dot + 1 : v->where;
}

/* ---- spellings ------------------------------------------------------------ */

static void spell_add(struct imp *m, enum spell_set set, int value, const char *text)
{
    struct spelling *sp;

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

static void spell_add_labels(struct imp *m, enum spell_set set, const struct record_label *t)
{
    for (; t->code; t++) {
        spell_add(m, set, t->value, t->code);
        spell_add(m, set, t->value, t->vi);
    }
}

static void spell_add_words(struct imp *m, enum spell_set set, const struct spell_word *w)
{
    for (; w->text; w++)
        spell_add(m, set, w->value, w->text);
}

static void spell_init(struct imp *m)
{
    for (int c = 0; c < COL_N; c++) {
        spell_add(m, SPELL_HEADER, c, cols[c].name);
        for (int i = 0; i < COL_ALIASES_MAX; i++)
            spell_add(m, SPELL_HEADER, c, cols[c].aliases[i]);
    }
    for (int k = 0; k < KIND_N; k++) {
        spell_add(m, SPELL_KIND, k, kinds[k].name);
        for (int i = 0; i < KIND_ALIASES_MAX; i++)
            spell_add(m, SPELL_KIND, k, kinds[k].aliases[i]);
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
static int spell_find(const struct imp *m, enum spell_set set, const char *text, size_t len,
                      int *value)
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
static int kind_find(const struct imp *m, const char *text)
{
    int k;

    return spell_find(m, SPELL_KIND, text, strlen(text), &k) == 0 ? k : -1;
}

int import_kind_valid(const char *name)
{
    char key[IMPORT_KEY_MAX], want[IMPORT_KEY_MAX];

    if (!name || text_fold(name, strlen(name), key, sizeof key) != 0)
        return 0;
    for (int k = 0; k < KIND_N; k++)
        if (text_fold(kinds[k].name, strlen(kinds[k].name), want, sizeof want) == 0 &&
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

/* "a" or "an" before a kind's name. */
static const char *article(const char *name)
{
    return strchr("aeio", name[0]) ? "an" : "a";
}

/* The value is empty: no cell text, no JSON value. */
static int val_empty(const struct val *v)
{
    return !v->s && !v->j;
}

/* Report a required value that is empty, once per kind for a missing
 * column. */
static int need(struct imp *m, struct row *w, enum col c)
{
    const struct val *v = &w->v[c];

    if (!val_empty(v))
        return 0;
    if (!v->present && !w->where[0]) {
        /* A CSV without the column: say it once, not on every row. */
        w->bad = 1;
        if (m->missing_reported[w->kind] & BIT(c))
            return TDKT_EINVAL;
        m->missing_reported[w->kind] |= BIT(c);
        imp_error(m, w->line, w->column, "", "%s %s needs the column '%s' (%s)",
                  article(kinds[w->kind].name), kinds[w->kind].name, cols[c].name,
                  cols[c].aliases[0] ? cols[c].aliases[0] : cols[c].name);
        return TDKT_EINVAL;
    }
    return val_error(m, w, c, "%s is missing: %s %s needs it", val_name(w, c),
                     article(kinds[w->kind].name), kinds[w->kind].name);
}

/* A JSON value where text was expected. */
static int not_text(struct imp *m, struct row *w, enum col c)
{
    return val_error(m, w, c, "%s must be a JSON string", val_name(w, c));
}

/* Text into *out (malloc'd; untouched when empty and optional). */
static int get_text(struct imp *m, struct row *w, enum col c, int required, char **out)
{
    const struct val *v = &w->v[c];
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

/* digits with at most one '.' or ',' between digits. */
static int parse_decimal(const struct imp *m, const char *s, double *out)
{
    char buf[IMPORT_NUMBER_MAX + 1];
    size_t n = strlen(s), before = 0, after = 0;
    int sep = 0;
    locale_t old = (locale_t)0;
    char *end;
    double d;

    if (n == 0 || n > IMPORT_NUMBER_MAX)
        return TDKT_EINVAL;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch >= '0' && ch <= '9') {
            if (sep)
                after++;
            else
                before++;
            buf[i] = ch;
        } else if ((ch == '.' || ch == ',') && !sep) {
            sep = 1;
            buf[i] = '.';
        } else {
            return TDKT_EINVAL;
        }
    }
    if (!before || (sep && !after))
        return TDKT_EINVAL;
    buf[n] = '\0';
    /* strtod reads the decimal point of the current locale: read in "C". */
    if (m->c_numeric)
        old = uselocale(m->c_numeric);
    errno = 0;
    d = strtod(buf, &end);
    if (m->c_numeric)
        uselocale(old);
    if (*end || !isfinite(d))
        return TDKT_EINVAL;
    *out = d;
    return 0;
}

static int get_number(struct imp *m, struct row *w, enum col c, double *out)
{
    const struct val *v = &w->v[c];
    double d;

    if (val_empty(v))
        return need(m, w, c);
    if (v->j) {
        if (!json_is_number(v->j))
            return val_error(m, w, c, "%s must be a number", val_name(w, c));
        d = json_number_value(v->j);
    } else if (parse_decimal(m, v->s, &d) != 0) {
        if (v->s[0] == '-')
            return val_error(m, w, c, "%s must not be negative", val_name(w, c));
        return val_error(m, w, c,
                         "'%.40s' is not a number: write digits with at most one decimal "
                         "separator, '.' or ',' (212,5), and no thousands separators",
                         v->s);
    }
    if (!isfinite(d) || d < 0)
        return val_error(m, w, c, "%s must be a number not below 0", val_name(w, c));
    *out = d;
    return 0;
}

/* A whole number 0..max. */
static int get_uint(struct imp *m, struct row *w, enum col c, int required, uint64_t max,
                    uint64_t *out)
{
    const struct val *v = &w->v[c];
    uint64_t n = 0;

    if (val_empty(v))
        return required ? need(m, w, c) : 0;
    if (v->j) {
        if (!json_is_integer(v->j) || json_integer_value(v->j) < 0)
            return val_error(m, w, c, "%s must be a whole number not below 0", val_name(w, c));
        n = (uint64_t)json_integer_value(v->j);
    } else {
        size_t len = strlen(v->s);
        if (len > 19)
            return val_error(m, w, c, "%s must be at most %llu", val_name(w, c),
                             (unsigned long long)max);
        for (size_t i = 0; i < len; i++) {
            if (v->s[i] < '0' || v->s[i] > '9')
                return val_error(m, w, c, "'%.40s' is not a whole number", v->s);
            n = n * 10 + (uint64_t)(v->s[i] - '0');
        }
    }
    if (n > max)
        return val_error(m, w, c, "%s must be at most %llu", val_name(w, c),
                         (unsigned long long)max);
    *out = n;
    return 0;
}

static int get_bool(struct imp *m, struct row *w, enum col c, protobuf_c_boolean *out)
{
    const struct val *v = &w->v[c];
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
            return val_error(m, w, c, "%s must be true or false", val_name(w, c));
    } else if (spell_find(m, SPELL_BOOL, v->s, v->len, &b) != 0) {
        return val_error(m, w, c,
                         "'%.40s' is not yes or no: write yes/no, true/false, 1/0, "
                         "có/không, or x for yes and nothing for no",
                         v->s);
    }
    *out = b ? 1 : 0;
    return 0;
}

/* One of a label table's spellings; *out untouched when empty and optional. */
static int get_enum(struct imp *m, struct row *w, enum col c, int required, enum spell_set set,
                    const struct record_label *table, const char *what, int *out)
{
    const struct val *v = &w->v[c];
    char list[IMPORT_MESSAGE_MAX];
    int value;

    if (val_empty(v))
        return required ? need(m, w, c) : 0;
    if (!v->s)
        return not_text(m, w, c);
    if (spell_find(m, set, v->s, v->len, &value) == 0) {
        *out = value;
        return 0;
    }
    label_list(table, list, sizeof list);
    return val_error(m, w, c, "'%.60s' is not a %s: write %s, or the Vietnamese name", v->s, what,
                     list);
}

static int get_date(struct imp *m, struct row *w, enum col c, char **out)
{
    const struct val *v = &w->v[c];

    if (val_empty(v))
        return 0;
    if (!v->s)
        return not_text(m, w, c);
    if (!record_date_valid(v->s))
        return val_error(m, w, c, "'%.40s' is not a date: write YYYY-MM-DD, e.g. 2015-03-01", v->s);
    return get_text(m, w, c, 0, out);
}

/* Turn the text naming a person into an id (malloc'd in *out). */
static int resolve(struct imp *m, struct row *w, enum col c, const char *text, char **out)
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
        return val_error(m, w, c, "'%.60s' is not valid text", text);
    if (!m->o->resolve_person) {
        if (!record_code_valid(nfc)) {
            val_error(m, w, c,
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
        val_error(m, w, c, "'%.60s' matches more than one person of %s: give the person id", nfc,
                  w->unit);
    else if (rc == TDKT_ENOTFOUND || rc == 0)
        val_error(m, w, c,
                  "no person '%.60s' in %s or its divisions (run tdkt sync if they were "
                  "registered recently)",
                  nfc, w->unit);
    else
        val_error(m, w, c, "looking up '%.60s' failed: %s", nfc, tdkt_strerror(rc));
    free(nfc);
    return TDKT_EINVAL;
}

static int get_person(struct imp *m, struct row *w, enum col c, int required, char **out)
{
    const struct val *v = &w->v[c];

    if (val_empty(v))
        return required ? need(m, w, c) : 0;
    if (!v->s)
        return not_text(m, w, c);
    return resolve(m, w, c, v->s, out);
}

/* Append one author id to the initiative, resolving text. */
static int add_author(struct imp *m, struct row *w, Tdkt__Initiative *in, const char *text)
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

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int too_many_authors(struct imp *m, struct row *w)
{
    return val_error(m, w, COL_AUTHORS, "an initiative has at most %d authors", RECORD_AUTHORS_MAX);
}

/* Authors: a JSON array of strings, or text separated by ';'. */
static int get_authors(struct imp *m, struct row *w, Tdkt__Initiative *in)
{
    const struct val *v = &w->v[COL_AUTHORS];
    int rc = 0, bad = 0;

    if (val_empty(v))
        return need(m, w, COL_AUTHORS);
    if (v->j) {
        size_t i;
        json_t *a;

        if (!json_is_array(v->j))
            return val_error(m, w, COL_AUTHORS, "authors must be a list of person ids or names");
        json_array_foreach(v->j, i, a)
        {
            if (!json_is_string(a) || !json_string_value(a)[0]) {
                bad = 1;
                val_error(m, w, COL_AUTHORS, "author %zu must be a person id or name", i + 1);
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

            while (n && is_blank(*p))
                p++, n--;
            while (n && is_blank(p[n - 1]))
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
        return val_error(m, w, COL_AUTHORS, "an initiative needs at least one author");
    return 0;
}

/* ---- records -------------------------------------------------------------- */

/* A record of kind k with its item allocated and initialised, as protobuf-c
 * would unpack it; NULL when out of memory. */
static Tdkt__ResultRecord *record_new(enum kind k)
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
static void fault_error(struct imp *m, struct row *w, const struct record_fault *f)
{
    const char *dot = strchr(f->field, '.');
    const char *name = dot ? dot + 1 : f->field;
    size_t n = strcspn(name, "[.");

    for (int c = 0; c < COL_N; c++)
        if (strlen(cols[c].field) == n && strncmp(cols[c].field, name, n) == 0) {
            val_error(m, w, (enum col)c, "%s: %s", val_name(w, (enum col)c), f->why);
            return;
        }
    imp_error(m, w->line, w->column, w->where, "%s: %s", f->field, f->why);
    w->bad = 1;
}

/* Read the row's values of its kind into a new record (*out, or NULL when
 * any value was bad: each was reported). */
static int record_build(struct imp *m, struct row *w, Tdkt__ResultRecord **out)
{
    Tdkt__ResultRecord *r = record_new(w->kind);
    struct record_fault f;
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
    rc = record_normalise(r);
    if (rc == 0)
        rc = record_validate(r, &f);
    else if (rc == TDKT_ENOMEM)
        m->nomem = 1;
    else
        imp_error(m, w->line, w->column, w->where, "a name is not valid text");
    if (rc == TDKT_EINVAL && !m->nomem && !w->bad)
        fault_error(m, w, &f);
    if (rc < 0) {
        w->bad = 1;
        tdkt__result_record__free_unpacked(r, NULL);
        return rc;
    }
    *out = r;
    return 0;
}

/* ---- duplicates and groups ------------------------------------------------ */

static uint64_t dup_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct dup_entry *dup_slot(struct dup_entry *t, size_t cap, const char *key)
{
    size_t i = (size_t)dup_hash(key) & (cap - 1);

    while (t[i].key && strcmp(t[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &t[i];
}

static int dup_grow(struct imp *m)
{
    size_t cap = m->dups_cap ? m->dups_cap * 2 : IMPORT_DUPS_MIN;
    struct dup_entry *t = calloc(cap, sizeof *t);

    if (!t)
        return TDKT_ENOMEM;
    for (size_t i = 0; i < m->dups_cap; i++)
        if (m->dups[i].key)
            *dup_slot(t, cap, m->dups[i].key) = m->dups[i];
    free(m->dups);
    m->dups = t;
    m->dups_cap = cap;
    return 0;
}

/* Remember the record's key; report it when an earlier row had it. */
static int dup_check(struct imp *m, struct row *w, const Tdkt__ResultRecord *r)
{
    char rk[RECORD_KEY_MAX + 1], key[IMPORT_UNIT_MAX + RECORD_KEY_MAX + 48];
    struct dup_entry *d;

    if (record_key(r, rk) != 0)
        return TDKT_EINVAL;
    snprintf(key, sizeof key, "%s\x1f%u\x1f%s\x1f%s", w->unit, w->year, kinds[w->kind].name, rk);
    if ((m->ndups + 1) * 2 > m->dups_cap && dup_grow(m) < 0) {
        m->nomem = 1;
        return TDKT_ENOMEM;
    }
    d = dup_slot(m->dups, m->dups_cap, key);
    if (d->key) {
        char first[IMPORT_WHERE_MAX + 16];

        if (d->where)
            snprintf(first, sizeof first, "%s", d->where);
        else
            snprintf(first, sizeof first, "line %u", d->line);
        if (rk[0])
            imp_error(m, w->line, w->column, w->where,
                      "%s '%s' of %s for %u is given twice: here and on %s", kinds[w->kind].name,
                      rk, w->unit, w->year, first);
        else
            imp_error(m, w->line, w->column, w->where,
                      "the %s of %s for %u is given twice: here and on %s", kinds[w->kind].name,
                      w->unit, w->year, first);
        w->bad = 1;
        return TDKT_EEXIST;
    }
    d->key = strdup(key);
    d->where = w->where[0] ? strdup(w->where) : NULL;
    if (!d->key || (w->where[0] && !d->where)) {
        free(d->key);
        free(d->where);
        d->key = d->where = NULL;
        m->nomem = 1;
        return TDKT_ENOMEM;
    }
    d->line = w->line;
    m->ndups++;
    return 0;
}

static void dup_free(struct imp *m)
{
    for (size_t i = 0; i < m->dups_cap; i++) {
        free(m->dups[i].key);
        free(m->dups[i].where);
    }
    free(m->dups);
    m->dups = NULL;
    m->dups_cap = m->ndups = 0;
}

/* Add r (taken) to the group of (unit, year). */
static int group_add(struct imp *m, const char *unit, uint32_t year, Tdkt__ResultRecord *r)
{
    struct import_result *out = m->out;
    struct import_group *g = NULL;

    for (size_t i = out->ngroups; i-- > 0;)
        if (out->groups[i].year == year && strcmp(out->groups[i].unit, unit) == 0) {
            g = &out->groups[i];
            break;
        }
    if (!g) {
        struct import_group *gs = out->groups;
        size_t n = out->ngroups;

        /* Capacity is IMPORT_GROUPS_MIN, then the next power of two. */
        if (n == 0 || (n >= IMPORT_GROUPS_MIN && (n & (n - 1)) == 0)) {
            gs = realloc(out->groups, (n ? 2 * n : IMPORT_GROUPS_MIN) * sizeof *gs);
            if (!gs)
                goto nomem;
        }
        out->groups = gs;
        g = &out->groups[out->ngroups++];
        memset(g, 0, sizeof *g);
        snprintf(g->unit, sizeof g->unit, "%s", unit);
        g->year = year;
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 16;
        Tdkt__ResultRecord **rs = realloc(g->records, cap * sizeof *rs);
        if (!rs)
            goto nomem;
        g->records = rs;
        g->cap = cap;
    }
    g->records[g->n++] = r;
    out->nrecords++;
    return 0;
nomem:
    tdkt__result_record__free_unpacked(r, NULL);
    m->nomem = 1;
    return TDKT_ENOMEM;
}

/* Build, check and keep one row's record. */
static void row_finish(struct imp *m, struct row *w)
{
    Tdkt__ResultRecord *r;

    if (record_build(m, w, &r) < 0)
        return;
    if (!w->unit || !w->year || dup_check(m, w, r) != 0) {
        tdkt__result_record__free_unpacked(r, NULL);
        return;
    }
    group_add(m, w->unit, w->year, r);
}

static void row_reset(struct row *w)
{
    for (int c = 0; c < COL_N; c++)
        free(w->v[c].s);
    memset(w, 0, sizeof *w);
}

/* Set v to a trimmed copy of s[0..len) (NULL when blank). */
static int val_set_text(struct imp *m, struct val *v, const char *s, size_t len)
{
    while (len && is_blank(*s))
        s++, len--;
    while (len && is_blank(s[len - 1]))
        len--;
    v->present = 1;
    if (!len)
        return 0;
    if (!(v->s = strndup(s, len))) {
        m->nomem = 1;
        return TDKT_ENOMEM;
    }
    v->len = len;
    return 0;
}

/* ---- CSV ------------------------------------------------------------------ */

#define HEAD_IGNORED (-1) /* a column without a name */

/* The header line: which column each field is. */
struct csv_head {
    int col_of[CSV_FIELDS_MAX]; /* enum col or HEAD_IGNORED */
    char text[CSV_FIELDS_MAX][IMPORT_WHERE_MAX];
    unsigned column[CSV_FIELDS_MAX];
    size_t n;
    int field_of[COL_N]; /* header index of each column, or -1 */
    unsigned line;
};

static int field_blank(const struct csv_field *f)
{
    for (size_t i = 0; i < f->len; i++)
        if (!is_blank(f->s[i]))
            return 0;
    return 1;
}

/* Map the header's fields to columns; report unknown and repeated ones. */
static void csv_head_read(struct imp *m, struct csv_head *h, const struct csv_row *row)
{
    for (int c = 0; c < COL_N; c++)
        h->field_of[c] = -1;
    h->n = row->n;
    h->line = row->line;
    for (size_t i = 0; i < row->n; i++) {
        const struct csv_field *f = &row->fields[i];
        const char *s = f->s;
        size_t len = f->len;
        int c;

        while (len && is_blank(*s))
            s++, len--;
        while (len && is_blank(s[len - 1]))
            len--;
        snprintf(h->text[i], sizeof h->text[i], "%.*s", (int)len, s);
        h->column[i] = f->column;
        h->col_of[i] = HEAD_IGNORED;
        if (!len)
            continue;
        if (spell_find(m, SPELL_HEADER, s, len, &c) != 0) {
            imp_error(m, f->line, f->column, h->text[i],
                      "unknown column '%s'; docs/results.md lists the column names", h->text[i]);
            continue;
        }
        if (h->field_of[c] >= 0) {
            const struct csv_field *first = &row->fields[h->field_of[c]];
            imp_error(m, f->line, f->column, h->text[i],
                      "column '%s' is the same as column %u ('%s'): give each column once",
                      h->text[i], first->column, h->text[h->field_of[c]]);
            continue;
        }
        h->col_of[i] = c;
        h->field_of[c] = (int)i;
    }
}

/*
 * The kind of a file without a kind column, from its header: among the kinds
 * whose required columns are all there, the one that also has a place for
 * every column (person,title is a registration, not facts); failing that,
 * the one whose required columns include those of every other (person,rating
 * is a person_rating, not a unit_rating). -1 with the error reported.
 */
static int csv_head_kind(struct imp *m, const struct csv_head *h)
{
    uint32_t have = 0;
    int found[KIND_N], fits[KIND_N], n = 0, nfits = 0, best = -1;

    for (int c = 0; c < COL_N; c++)
        if (h->field_of[c] >= 0)
            have |= BIT(c);
    for (int k = 0; k < KIND_N; k++) {
        uint32_t allowed = kinds[k].required | kinds[k].optional | COLS_EVERY_ROW;
        if ((kinds[k].required & ~have) != 0)
            continue;
        found[n++] = k;
        if ((have & ~allowed) == 0)
            fits[nfits++] = k;
    }
    if (nfits == 1)
        return fits[0];
    for (int i = 0; i < n; i++) {
        int covers = 1;
        for (int j = 0; j < n; j++)
            if ((kinds[found[j]].required & ~kinds[found[i]].required) != 0)
                covers = 0;
        if (covers)
            best = found[i];
    }
    if (best >= 0)
        return best;
    if (n == 0)
        imp_error(m, h->line, 1, "",
                  "the header has the columns of no kind of record: add a kind column or give "
                  "--kind (target, task, product, score, unit_rating, person_rating, "
                  "registration, initiative, facts)");
    else
        imp_error(m, h->line, 1, "",
                  "the header fits %s and %s records: add a kind column or give --kind",
                  kinds[found[0]].name, kinds[found[1]].name);
    return -1;
}

/* A file of one kind: the header must have its required columns and no
 * columns of other kinds. */
static void csv_head_check(struct imp *m, const struct csv_head *h, enum kind k)
{
    uint32_t allowed = kinds[k].required | kinds[k].optional | COLS_EVERY_ROW;

    for (int c = 0; c < COL_N; c++) {
        if ((kinds[k].required & BIT(c)) && h->field_of[c] < 0) {
            imp_error(m, h->line, 1, "", "%s %s needs the column '%s' (%s)", article(kinds[k].name),
                      kinds[k].name, cols[c].name,
                      cols[c].aliases[0] ? cols[c].aliases[0] : cols[c].name);
            m->missing_reported[k] |= BIT(c);
        }
    }
    for (size_t i = 0; i < h->n; i++) {
        int c = h->col_of[i];
        if (c >= 0 && !(allowed & BIT(c)))
            imp_error(m, h->line, h->column[i], h->text[i], "column '%s' is not part of %s records",
                      h->text[i], kinds[k].name);
    }
}

/* Unit and year of a row: its cells, else the defaults. */
static void row_unit_year(struct imp *m, struct row *w)
{
    struct val *u = &w->v[COL_UNIT], *y = &w->v[COL_YEAR];

    w->unit = u->s ? u->s : m->o->unit;
    if (!w->unit) {
        if (u->present)
            val_error(m, w, COL_UNIT, "the unit is missing: fill it in or give --unit");
    } else if (!record_unit_code_valid(w->unit)) {
        val_error(m, w, COL_UNIT,
                  "'%.64s' is not a unit code: 1 to %d characters of A-Z, 0-9, '_', '-'", w->unit,
                  RECORD_CODE_MAX);
        w->unit = NULL;
    }
    w->year = m->o->year;
    if (y->s) {
        uint64_t n = 0;
        size_t i;
        for (i = 0; i < y->len && i < 5 && y->s[i] >= '0' && y->s[i] <= '9'; i++)
            n = n * 10 + (uint64_t)(y->s[i] - '0');
        w->year = 0;
        if (i != y->len || !record_year_valid((uint32_t)n))
            val_error(m, w, COL_YEAR, "'%.20s' is not a year from %d to %d", y->s, RECORD_YEAR_MIN,
                      RECORD_YEAR_MAX);
        else
            w->year = (uint32_t)n;
    } else if (!w->year && y->present) {
        val_error(m, w, COL_YEAR, "the year is missing: fill it in or give --year");
    }
}

/* One data row of a CSV file. */
static void csv_row_read(struct imp *m, const struct csv_head *h, const struct csv_row *row,
                         int fixed_kind, int default_kind, struct row *w)
{
    int kind = fixed_kind, blank = 1;

    for (size_t i = 0; i < row->n && blank; i++)
        blank = field_blank(&row->fields[i]);
    if (blank)
        return; /* a row of empty cells, as spreadsheets leave */
    memset(w, 0, sizeof *w);
    w->line = row->line;
    w->column = row->fields[0].column;
    for (size_t i = 0; i < row->n; i++) {
        const struct csv_field *f = &row->fields[i];
        struct val *v;

        if (i >= h->n || h->col_of[i] < 0) {
            if (!field_blank(f)) {
                imp_error(m, f->line, f->column, "",
                          i >= h->n ? "this cell is after the last column of the header"
                                    : "this cell is in a column without a name");
                w->bad = 1;
            }
            continue;
        }
        v = &w->v[h->col_of[i]];
        if (val_set_text(m, v, f->s, f->len) < 0)
            goto out;
        v->line = f->line;
        v->column = f->column;
        snprintf(v->where, sizeof v->where, "%s", h->text[i]);
    }
    /* Cells a short row leaves out are empty cells of their columns. */
    for (size_t i = row->n; i < h->n; i++) {
        struct val *v;
        if (h->col_of[i] < 0)
            continue;
        v = &w->v[h->col_of[i]];
        v->present = 1;
        v->line = row->end_line;
        v->column = 1;
        snprintf(v->where, sizeof v->where, "%s", h->text[i]);
    }
    if (h->field_of[COL_KIND] >= 0) {
        const struct val *v = &w->v[COL_KIND];
        kind = v->s ? kind_find(m, v->s) : default_kind;
        if (kind < 0 && v->s)
            val_error(m, w, COL_KIND,
                      "'%.40s' is not a kind: write target, task, product, score, unit_rating, "
                      "person_rating, registration, initiative or facts",
                      v->s);
        else if (kind < 0)
            val_error(m, w, COL_KIND, "the kind is missing: fill it in or give --kind");
    }
    row_unit_year(m, w);
    if (kind < 0)
        goto out;
    w->kind = (enum kind)kind;
    for (int c = 0; c < COL_N; c++) {
        uint32_t allowed = kinds[kind].required | kinds[kind].optional | COLS_EVERY_ROW;
        if (w->v[c].s && !(allowed & BIT(c)))
            val_error(m, w, (enum col)c, "%s %s has no %s: leave this cell empty",
                      article(kinds[kind].name), kinds[kind].name, val_name(w, (enum col)c));
    }
    row_finish(m, w);
out:
    row_reset(w);
}

static void import_csv(struct imp *m, const char *data, size_t len)
{
    struct csv_reader r;
    struct csv_row *row = malloc(sizeof *row);
    struct csv_head *h = malloc(sizeof *h);
    struct row *w = calloc(1, sizeof *w);
    int rc, fixed_kind = -1, default_kind = -1;

    csv_reader_init(&r, data, len, csv_detect_separator(data, len));
    if (!row || !h || !w) {
        m->nomem = 1;
        goto out;
    }
    rc = csv_next_row(&r, row);
    if (rc == 0) {
        imp_error(m, 1, 1, "", "the file is empty: its first line must name the columns");
        goto out;
    }
    if (rc < 0)
        goto fail;
    csv_head_read(m, h, row);
    if (m->o->kind)
        default_kind = kind_find(m, m->o->kind);
    if (h->field_of[COL_KIND] < 0 && !m->out->nerrors) {
        /* Guessing from a header with unknown columns would only add noise. */
        fixed_kind = default_kind >= 0 ? default_kind : csv_head_kind(m, h);
        if (fixed_kind >= 0)
            csv_head_check(m, h, (enum kind)fixed_kind);
    }
    if (h->field_of[COL_UNIT] < 0 && !m->o->unit)
        imp_error(m, h->line, 1, "", "the file has no unit column: add one or give --unit");
    if (h->field_of[COL_YEAR] < 0 && !m->o->year)
        imp_error(m, h->line, 1, "", "the file has no year column: add one or give --year");
    if (m->out->nerrors)
        goto out; /* with a wrong header every row would be wrong */
    while (!m->stop && !m->nomem && (rc = csv_next_row(&r, row)) == 1)
        csv_row_read(m, h, row, fixed_kind, default_kind, w);
    if (rc >= 0)
        goto out;
fail:
    if (rc == TDKT_ENOMEM)
        m->nomem = 1;
    else
        imp_error(m, r.err.line, r.err.column, "", "%s", r.err.message);
out:
    csv_reader_free(&r);
    free(row);
    free(h);
    free(w);
}

/* ---- JSON ----------------------------------------------------------------- */

/* One item of a kind's array (or the unit rating). */
static void json_item(struct imp *m, enum kind k, json_t *item, const char *path, const char *unit,
                      uint32_t year, struct row *w)
{
    uint32_t allowed = kinds[k].required | kinds[k].optional | BIT(COL_REMOVED);
    const char *key;
    json_t *value;

    memset(w, 0, sizeof *w);
    w->kind = k;
    w->unit = unit;
    w->year = year;
    snprintf(w->where, sizeof w->where, "%s", path);
    if (k == KIND_UNIT_RATING && json_is_string(item)) {
        struct val *v = &w->v[COL_RATING];
        if (val_set_text(m, v, json_string_value(item), json_string_length(item)) < 0)
            goto out;
        snprintf(v->where, sizeof v->where, "%s", path);
        row_finish(m, w);
        goto out;
    }
    if (!json_is_object(item)) {
        imp_error(m, 0, 0, path, "%s %s is a JSON object", article(kinds[k].name), kinds[k].name);
        goto out;
    }
    json_object_foreach(item, key, value)
    {
        struct val *v;
        int c;

        for (c = 0; c < COL_N; c++)
            if ((allowed & BIT(c)) && strcmp(cols[c].name, key) == 0)
                break;
        if (c == COL_N) {
            imp_error(m, 0, 0, path, "unknown key '%.40s' in %s %s", key, article(kinds[k].name),
                      kinds[k].name);
            w->bad = 1;
            continue;
        }
        v = &w->v[c];
        v->present = 1;
        snprintf(v->where, sizeof v->where, "%s.%s", path, key);
        if (json_is_string(value)) {
            if (val_set_text(m, v, json_string_value(value), json_string_length(value)) < 0)
                goto out;
        } else if (!json_is_null(value)) {
            v->j = value;
        }
    }
    row_finish(m, w);
out:
    row_reset(w);
}

/* One object of a unit and year. */
static void json_group(struct imp *m, json_t *g, const char *prefix, struct row *w)
{
    const char *unit = m->o->unit, *key;
    uint32_t year = m->o->year;
    char path[IMPORT_WHERE_MAX];
    json_t *value;

    if (!json_is_object(g)) {
        imp_error(m, 0, 0, prefix, "each unit and year is a JSON object");
        return;
    }
    value = json_object_get(g, "unit");
    snprintf(path, sizeof path, "%s%sunit", prefix, prefix[0] ? "." : "");
    if (value && !json_is_string(value)) {
        imp_error(m, 0, 0, path, "unit must be a string");
        unit = NULL;
    } else if (value) {
        unit = json_string_value(value);
    }
    if (!unit) {
        if (!value)
            imp_error(m, 0, 0, path, "the unit is missing: add \"unit\" or give --unit");
    } else if (!record_unit_code_valid(unit)) {
        imp_error(m, 0, 0, path,
                  "'%.64s' is not a unit code: 1 to %d characters of A-Z, 0-9, "
                  "'_', '-'",
                  unit, RECORD_CODE_MAX);
        unit = NULL;
    }
    value = json_object_get(g, "year");
    snprintf(path, sizeof path, "%s%syear", prefix, prefix[0] ? "." : "");
    if (value) {
        json_int_t y = json_is_integer(value) ? json_integer_value(value) : 0;
        year = 0;
        if (y < RECORD_YEAR_MIN || y > RECORD_YEAR_MAX)
            imp_error(m, 0, 0, path, "year must be a whole number from %d to %d", RECORD_YEAR_MIN,
                      RECORD_YEAR_MAX);
        else
            year = (uint32_t)y;
    } else if (!year) {
        imp_error(m, 0, 0, path, "the year is missing: add \"year\" or give --year");
    }
    json_object_foreach(g, key, value)
    {
        int k;

        if (m->stop || m->nomem)
            return;
        if (strcmp(key, "unit") == 0 || strcmp(key, "year") == 0)
            continue;
        for (k = 0; k < KIND_N && strcmp(kinds[k].json, key) != 0; k++)
            ;
        snprintf(path, sizeof path, "%s%s%.40s", prefix, prefix[0] ? "." : "", key);
        if (k == KIND_N) {
            imp_error(m, 0, 0, path,
                      "unknown key '%.40s': a unit's object has unit, year, targets, tasks, "
                      "products, scores, rating, person_ratings, registrations, initiatives, "
                      "facts",
                      key);
            continue;
        }
        if (k == KIND_UNIT_RATING) {
            if (!json_is_null(value))
                json_item(m, (enum kind)k, value, path, unit, year, w);
            continue;
        }
        if (!json_is_array(value)) {
            imp_error(m, 0, 0, path, "%s must be a JSON array", key);
            continue;
        }
        for (size_t i = 0; i < json_array_size(value) && !m->stop && !m->nomem; i++) {
            char item[IMPORT_WHERE_MAX + 24]; /* a path and an index */
            snprintf(item, sizeof item, "%s[%zu]", path, i);
            json_item(m, (enum kind)k, json_array_get(value, i), item, unit, year, w);
        }
    }
}

static void import_json(struct imp *m, const char *data, size_t len)
{
    struct row *w = calloc(1, sizeof *w);
    json_error_t e;
    json_t *root;

    if (!w) {
        m->nomem = 1;
        return;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        data += 3, len -= 3;
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e);
    if (!root) {
        unsigned line = e.line > 0 ? (unsigned)e.line : 0;
        /* jansson counts the characters it read before a byte it cannot
         * decode: 0 at the start of a line, where the column is 1. An error
         * has both or neither (import.h). */
        unsigned column = e.column > 0 ? (unsigned)e.column : line ? 1 : 0;

        imp_error(m, line, column, "", "JSON: %s", e.text);
    } else if (json_is_array(root)) {
        for (size_t i = 0; i < json_array_size(root) && !m->stop && !m->nomem; i++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "[%zu]", i);
            json_group(m, json_array_get(root, i), prefix, w);
        }
    } else {
        json_group(m, root, "", w);
    }
    json_decref(root);
    free(w);
}

/* ---- entry points --------------------------------------------------------- */

/* JSON when the first character after a BOM and white space opens one. */
static const char *sniff(const char *data, size_t len)
{
    size_t i = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

    while (i < len && is_blank(data[i]))
        i++;
    return i < len && (data[i] == '{' || data[i] == '[') ? "json" : "csv";
}

/* A failure before any row was read: one error, no line. */
__attribute__((format(printf, 3, 4))) static int result_fail(struct import_result *out, int rc,
                                                             const char *fmt, ...)
{
    va_list ap;

    if (!out->errors && !(out->errors = calloc(1, sizeof *out->errors)))
        return TDKT_ENOMEM;
    out->nerrors = 1;
    va_start(ap, fmt);
    vsnprintf(out->errors[0].message, sizeof out->errors[0].message, fmt, ap);
    va_end(ap);
    utf8_scrub(out->errors[0].message);
    return rc;
}

static void groups_free(struct import_result *r)
{
    for (size_t i = 0; i < r->ngroups; i++) {
        for (size_t k = 0; k < r->groups[i].n; k++)
            tdkt__result_record__free_unpacked(r->groups[i].records[k], NULL);
        free(r->groups[i].records);
    }
    free(r->groups);
    r->groups = NULL;
    r->ngroups = 0;
    r->nrecords = 0;
}

void import_result_free(struct import_result *r)
{
    if (!r)
        return;
    groups_free(r);
    free(r->errors);
    memset(r, 0, sizeof *r);
}

int import_buffer(const char *data, size_t len, const char *format, const struct import_opts *o,
                  struct import_result *out)
{
    static const struct import_opts none = {0};
    struct imp *m;
    int rc;

    memset(out, 0, sizeof *out);
    if (!o)
        o = &none;
    if (len > IMPORT_FILE_MAX)
        return result_fail(out, TDKT_ETOOBIG, "the file is larger than %u MiB",
                           IMPORT_FILE_MAX / (1024u * 1024u));
    if (!format)
        format = sniff(data, len);
    if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
        return result_fail(out, TDKT_EINVAL, "unknown format '%.20s': csv or json", format);
    if (o->unit && !record_unit_code_valid(o->unit))
        return result_fail(out, TDKT_EINVAL, "--unit '%.64s' is not a unit code", o->unit);
    if (o->year && !record_year_valid(o->year))
        return result_fail(out, TDKT_EINVAL, "--year %u is not a year from %d to %d", o->year,
                           RECORD_YEAR_MIN, RECORD_YEAR_MAX);
    if (o->kind && !import_kind_valid(o->kind))
        return result_fail(out, TDKT_EINVAL,
                           "--kind '%.40s' is not a kind: target, task, product, score, "
                           "unit_rating, person_rating, registration, initiative or facts",
                           o->kind);
    if (!(m = calloc(1, sizeof *m)))
        return TDKT_ENOMEM;
    m->o = o;
    m->out = out;
    m->c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    spell_init(m);
    if (strcmp(format, "json") == 0)
        import_json(m, data, len);
    else
        import_csv(m, data, len);
    rc = m->nomem ? TDKT_ENOMEM : out->nerrors ? TDKT_EINVAL : 0;
    if (rc < 0)
        groups_free(out); /* nothing of a bad file is kept */
    dup_free(m);
    if (m->c_numeric)
        freelocale(m->c_numeric);
    free(m);
    return rc;
}

/* The format an extension names, or NULL. */
static const char *format_of(const char *path)
{
    const char *dot = strrchr(path, '.');

    if (dot && strchr(dot, '/') == NULL) {
        if (strcasecmp(dot, ".csv") == 0)
            return "csv";
        if (strcasecmp(dot, ".json") == 0)
            return "json";
    }
    return NULL;
}

int import_file(const char *path, const struct import_opts *o, struct import_result *out)
{
    FILE *f;
    struct stat st;
    char *buf = NULL, *p;
    size_t len = 0, cap;
    int rc;

    memset(out, 0, sizeof *out);
    if (!(f = fopen(path, "rb")))
        return result_fail(out, TDKT_EIO, "cannot open %.120s: %s", path, strerror(errno));
    if (fstat(fileno(f), &st) == 0 && st.st_size > (off_t)IMPORT_FILE_MAX) {
        fclose(f);
        return result_fail(out, TDKT_ETOOBIG, "%.120s is larger than %u MiB", path,
                           IMPORT_FILE_MAX / (1024u * 1024u));
    }
    /* The size is a hint: the file may change while it is read. */
    cap = (st.st_size > 0 ? (size_t)st.st_size : IMPORT_READ_CHUNK) + 1;
    if (!(buf = malloc(cap))) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    for (;;) {
        size_t n;

        if (len == cap) {
            if (!(p = realloc(buf, cap * 2))) {
                rc = TDKT_ENOMEM;
                goto out;
            }
            buf = p;
            cap *= 2;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len > IMPORT_FILE_MAX) {
            rc = result_fail(out, TDKT_ETOOBIG, "%.120s is larger than %u MiB", path,
                             IMPORT_FILE_MAX / (1024u * 1024u));
            goto out;
        }
        if (n == 0) {
            if (ferror(f)) {
                rc = result_fail(out, TDKT_EIO, "cannot read %.120s: %s", path, strerror(errno));
                goto out;
            }
            break;
        }
    }
    fclose(f);
    f = NULL;
    rc = import_buffer(buf, len, format_of(path), o, out);
out:
    if (f)
        fclose(f);
    free(buf);
    return rc;
}
