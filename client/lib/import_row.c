/* SPDX-License-Identifier: MIT */
/*
 * The row of a results import: column and kind tables, errors at a place in
 * the file, and a finished row's record checked for duplicates and kept in
 * its group (see import_row.h).
 */
#include "client/lib/import_row.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain/records.h"
#include "common/err.h"
#include "common/wire/utf8.h"
#include "common/text/i18n.h"

#define IMPORT_GROUPS_MIN 4    /* first size of the group list */
#define IMPORT_DUPS_MIN   1024 /* first size of the duplicate table */

/* The English name (also the JSON key), the proto field that record_fault
 * names, and the other header spellings of docs/results.md. */
const struct import_col_spec import_row_cols[COL_N] = {
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
    [COL_MATERNITY_MONTHS] = {"maternity_months", "maternity_months", {"số tháng nghỉ thai sản"}},
    [COL_TASKS_PLANNED] = {"tasks_planned",
                           "planned",
                           {"số nhiệm vụ trọng tâm kế hoạch", "kế hoạch nhiệm vụ trọng tâm"}},
};

/* A kind's name, its JSON key, its columns (docs/results.md) and other
 * spellings of its name in a kind column. */
const struct import_kind_spec import_row_kinds[KIND_N] = {
    [KIND_TARGET] = {"target",
                     "targets",
                     COL_BIT(COL_CODE) | COL_BIT(COL_NAME) | COL_BIT(COL_PLANNED) |
                         COL_BIT(COL_ACHIEVED),
                     COL_BIT(COL_LOWER),
                     {"chỉ tiêu", "chỉ tiêu công tác"}},
    [KIND_TASK] = {"task",
                   "tasks",
                   COL_BIT(COL_CODE) | COL_BIT(COL_NAME) | COL_BIT(COL_ORIGIN) | COL_BIT(COL_DONE),
                   0,
                   {"nhiệm vụ", "nhiệm vụ trọng tâm"}},
    [KIND_TASK_PLAN] = {"task_plan",
                        "tasks_planned",
                        COL_BIT(COL_TASKS_PLANNED),
                        0,
                        {"kế hoạch nhiệm vụ", "kế hoạch nhiệm vụ trọng tâm"}},
    [KIND_PRODUCT] = {"product",
                      "products",
                      COL_BIT(COL_CODE) | COL_BIT(COL_NAME) | COL_BIT(COL_COUNT),
                      0,
                      {"sản phẩm"}},
    [KIND_SCORE] =
        {"score", "scores", COL_BIT(COL_CRITERION) | COL_BIT(COL_POINTS), 0, {"điểm", "bảng điểm"}},
    [KIND_UNIT_RATING] = {"unit_rating", "rating", COL_BIT(COL_RATING), 0, {"xếp loại đơn vị"}},
    [KIND_PERSON_RATING] = {"person_rating",
                            "person_ratings",
                            COL_BIT(COL_PERSON) | COL_BIT(COL_RATING),
                            0,
                            {"xếp loại cá nhân", "xếp loại cán bộ"}},
    [KIND_REGISTRATION] = {"registration",
                           "registrations",
                           COL_BIT(COL_TITLE),
                           COL_BIT(COL_PERSON),
                           {"đăng ký", "đăng ký danh hiệu"}},
    [KIND_INITIATIVE] = {"initiative",
                         "initiatives",
                         COL_BIT(COL_CODE) | COL_BIT(COL_TITLE) | COL_BIT(COL_AUTHORS),
                         COL_BIT(COL_SCOPE) | COL_BIT(COL_DECISION),
                         {"sáng kiến"}},
    [KIND_FACTS] = {"facts",
                    "facts",
                    COL_BIT(COL_PERSON),
                    COL_BIT(COL_RECRUITED) | COL_BIT(COL_LEAVE) | COL_BIT(COL_MATERNITY) |
                        COL_BIT(COL_DISCIPLINE) | COL_BIT(COL_DISCIPLINED_ON) |
                        COL_BIT(COL_REVIEW) | COL_BIT(COL_RESEARCH) | COL_BIT(COL_COUNTED) |
                        COL_BIT(COL_MATERNITY_MONTHS),
                    {"thông tin cán bộ"}},
};

int import_row_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

const char *import_row_article(const char *name)
{
    return strchr("aeio", name[0]) ? "an" : "a";
}

/* ---- errors --------------------------------------------------------------- */

__attribute__((format(printf, 5, 0))) static void row_verror(struct import_state *m, unsigned line,
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
    vsnprintf(e->message, sizeof e->message, tdkt_gettext(fmt), ap);
    /* Both quote the file's text cut to fit ('%.40s', a header cut to
     * IMPORT_WHERE_MAX), maybe inside a character: keep them UTF-8. */
    utf8_scrub(e->where);
    utf8_scrub(e->message);
}

void import_row_error(struct import_state *m, unsigned line, unsigned column, const char *where,
                      const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    row_verror(m, line, column, where, fmt, ap);
    va_end(ap);
}

/* The place of a value: its cell or key when it has one, else the row. */
static void val_place(const struct import_row *w, enum import_col c, unsigned *line,
                      unsigned *column, const char **where)
{
    const struct import_val *v = &w->v[c];

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
int import_row_value_error(struct import_state *m, struct import_row *w, enum import_col c,
                           const char *fmt, ...)
{
    unsigned line, column;
    const char *where;
    va_list ap;

    val_place(w, c, &line, &column, &where);
    va_start(ap, fmt);
    row_verror(m, line, column, where, fmt, ap);
    va_end(ap);
    w->bad = 1;
    return TDKT_EINVAL;
}

/* How a message names a column: as the file spells it. */
const char *import_row_value_name(const struct import_row *w, enum import_col c)
{
    const struct import_val *v = &w->v[c];
    const char *dot;

    if (!v->present || !v->where[0])
        return import_row_cols[c].name;
    /* JSON paths end in the key; CSV headers are the name. */
    dot = strrchr(v->where, '.');
    return dot && w->where[0] ? dot + 1 : v->where;
}

/* ---- duplicates and groups ------------------------------------------------ */

static uint64_t dup_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct import_dup *dup_slot(struct import_dup *t, size_t cap, const char *key)
{
    size_t i = (size_t)dup_hash(key) & (cap - 1);

    while (t[i].key && strcmp(t[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &t[i];
}

static int dup_grow(struct import_state *m)
{
    size_t cap = m->dups_cap ? m->dups_cap * 2 : IMPORT_DUPS_MIN;
    struct import_dup *t = calloc(cap, sizeof *t);

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
static int dup_check(struct import_state *m, struct import_row *w, const Tdkt__ResultRecord *r)
{
    char rk[RECORD_KEY_MAX + 1], key[IMPORT_UNIT_MAX + RECORD_KEY_MAX + 48];
    struct import_dup *d;

    if (record_key(r, rk) != 0)
        return TDKT_EINVAL;
    snprintf(key, sizeof key, "%s\x1f%u\x1f%s\x1f%s", w->unit, w->year,
             import_row_kinds[w->kind].name, rk);
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
            snprintf(first, sizeof first, "%s %u", m->out->sheet[0] ? "row" : "line", d->line);
        if (rk[0])
            import_row_error(m, w->line, w->column, w->where,
                             "%s '%s' of %s for %u is given twice: here and on %s",
                             import_row_kinds[w->kind].name, rk, w->unit, w->year, first);
        else
            import_row_error(m, w->line, w->column, w->where,
                             "the %s of %s for %u is given twice: here and on %s",
                             import_row_kinds[w->kind].name, w->unit, w->year, first);
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

void import_row_dups_free(struct import_state *m)
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
static int group_add(struct import_state *m, const char *unit, uint32_t year, Tdkt__ResultRecord *r)
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
void import_row_finish(struct import_state *m, struct import_row *w)
{
    Tdkt__ResultRecord *r;

    if (import_value_record(m, w, &r) < 0)
        return;
    if (!w->unit || !w->year || dup_check(m, w, r) != 0) {
        tdkt__result_record__free_unpacked(r, NULL);
        return;
    }
    group_add(m, w->unit, w->year, r);
}

void import_row_reset(struct import_row *w)
{
    for (int c = 0; c < COL_N; c++)
        free(w->v[c].s);
    memset(w, 0, sizeof *w);
}

/* Set v to a trimmed copy of s[0..len) (NULL when blank). */
int import_row_value_set(struct import_state *m, struct import_val *v, const char *s, size_t len)
{
    while (len && import_row_blank(*s))
        s++, len--;
    while (len && import_row_blank(s[len - 1]))
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
