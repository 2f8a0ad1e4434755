/* SPDX-License-Identifier: MIT */
/*
 * The report model's checks, its display order (Vietnamese collation and
 * ranks), its tables (columns and rows, for the CSV and XLSX renderers) and
 * the CSV renderer; see report.h. Nothing here knows XLSX or
 * HTML. The only I/O is writing to the caller's FILE and, for
 * report_write_csv_dir(), creating the three files through a temporary name.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/lib/export.h"
#include "common/err.h"
#include "common/text/collate.h"
#include "common/text/csv.h"
#include "common/wire/utf8.h"

/* ---- labels --------------------------------------------------------------- */

static const char *const report_state_labels[REPORT_STATE_COUNT_] = {
    [REPORT_SUBMITTED] = "Đã gửi",
    [REPORT_RECEIVED] = "Đã tiếp nhận",
    [REPORT_RETURNED] = "Trả lại để hoàn thiện",
    [REPORT_APPROVED] = "Đã chấp thuận, chờ quyết định",
    [REPORT_REJECTED] = "Không chấp thuận",
    [REPORT_CANCELLED] = "Đã hủy chấp thuận",
    [REPORT_DECIDED] = "Đã có quyết định",
    [REPORT_ANNULLED] = "Quyết định đã bị hủy bỏ",
};

static const char *const report_verdict_labels[REPORT_VERDICT_COUNT_] = {
    [REPORT_VERDICT_NONE] = "Chưa xét",         [REPORT_ELIGIBLE] = "Đủ điều kiện",
    [REPORT_INELIGIBLE] = "Không đủ điều kiện", [REPORT_DEFERRED] = "Tạm hoãn xét",
    [REPORT_BLOCKED] = "Không được xét",        [REPORT_POLICY] = "Cần quyết định về chính sách",
};

static const char *const report_subject_labels[REPORT_SUBJECT_COUNT_] = {
    [REPORT_PERSON] = "Cá nhân",
    [REPORT_UNIT] = "Tập thể",
};

const char *report_state_label(enum report_state s)
{
    return (unsigned)s < REPORT_STATE_COUNT_ ? report_state_labels[s] : "";
}

const char *report_verdict_label(enum report_verdict v)
{
    return (unsigned)v < REPORT_VERDICT_COUNT_ ? report_verdict_labels[v] : "";
}

const char *report_subject_label(enum report_subject_kind k)
{
    return (unsigned)k < REPORT_SUBJECT_COUNT_ ? report_subject_labels[k] : "";
}

int report_state_pending(enum report_state s)
{
    return s == REPORT_SUBMITTED || s == REPORT_RECEIVED || s == REPORT_RETURNED ||
           s == REPORT_APPROVED;
}

_Static_assert(REPORT_NUMBER_MAX == EXPORT_NUMBER_MAX,
               "report_number_vi formats with export_number");

void report_number_vi(double v, char out[REPORT_NUMBER_MAX])
{
    char *dot;

    export_number(v, out);
    if ((dot = strchr(out, '.')))
        *dot = ',';
}

/* ---- validation ----------------------------------------------------------- */

/* 0 when s is acceptable text: present unless optional, UTF-8, at most
 * REPORT_TEXT_MAX bytes, and free of control characters except, where
 * breaks is set, line breaks and tabs (a reason may span lines). */
static int report_text_check(const char *s, int optional, int breaks)
{
    size_t len;

    if (!s)
        return optional ? 0 : TDKT_EINVAL;
    len = strlen(s);
    if (len == 0 && !optional)
        return TDKT_EINVAL;
    if (len > REPORT_TEXT_MAX)
        return TDKT_ETOOBIG;
    if (utf8_validate((const uint8_t *)s, len) != 0)
        return TDKT_EINVAL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 || c == 0x7f) && !(breaks && (c == '\n' || c == '\r' || c == '\t')))
            return TDKT_EINVAL;
    }
    return 0;
}

static int report_points_check(double v)
{
    return isfinite(v) && v >= 0 && v <= REPORT_POINTS_MAX ? 0 : TDKT_EINVAL;
}

static int report_standing_check(const struct report_standing *s)
{
    int rc;

    if ((rc = report_text_check(s->unit_code, 0, 0)) < 0 ||
        (rc = report_text_check(s->unit_name, 0, 0)) < 0)
        return rc;
    if (report_points_check(s->points) < 0 || report_points_check(s->points_max) < 0)
        return TDKT_EINVAL;
    if (s->targets > REPORT_COUNT_MAX || s->tasks_done > REPORT_COUNT_MAX ||
        s->tasks_planned > REPORT_COUNT_MAX)
        return TDKT_ETOOBIG;
    if (s->targets_met > s->targets || s->targets_exceeded > s->targets_met)
        return TDKT_EINVAL;
    return 0;
}

static int report_proposal_check(const struct report_proposal *p)
{
    const char *req[] = {p->office_code,  p->office_name, p->subject_id,
                         p->subject_name, p->title_code,  p->title_name};
    const char *opt[] = {p->rule_id, p->decision_number, p->decision_date, p->decision_signer};
    int rc;

    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
        if ((rc = report_text_check(req[i], 0, 0)) < 0)
            return rc;
    for (size_t i = 0; i < sizeof opt / sizeof opt[0]; i++)
        if ((rc = report_text_check(opt[i], 1, 0)) < 0)
            return rc;
    if ((rc = report_text_check(p->reason, 1, 1)) < 0)
        return rc;
    if ((unsigned)p->state >= REPORT_STATE_COUNT_ ||
        (unsigned)p->verdict >= REPORT_VERDICT_COUNT_ ||
        (unsigned)p->subject_kind >= REPORT_SUBJECT_COUNT_)
        return TDKT_EINVAL;
    return 0;
}

/* Distinct title codes among the proposals, counted up to REPORT_TITLES_MAX
 * + 1 (enough to refuse). */
static size_t report_count_titles(const struct report *r)
{
    const char *seen[REPORT_TITLES_MAX + 1];
    size_t n = 0;

    for (size_t i = 0; i < r->n_proposals && n <= REPORT_TITLES_MAX; i++) {
        size_t k = 0;
        while (k < n && strcmp(seen[k], r->proposals[i].title_code) != 0)
            k++;
        if (k == n)
            seen[n++] = r->proposals[i].title_code;
    }
    return n;
}

int report_validate(const struct report *r)
{
    int rc;

    if (!r)
        return TDKT_EINVAL;
    if ((rc = report_text_check(r->header.title, 0, 0)) < 0 ||
        (rc = report_text_check(r->header.generated_at, 0, 0)) < 0 ||
        (rc = report_text_check(r->header.generated_by, 0, 0)) < 0)
        return rc;
    if (r->n_clusters > REPORT_CLUSTERS_MAX || r->n_proposals > REPORT_PROPOSALS_MAX)
        return TDKT_ETOOBIG;
    if ((r->n_clusters && !r->clusters) || (r->n_proposals && !r->proposals))
        return TDKT_EINVAL;
    for (size_t c = 0; c < r->n_clusters; c++) {
        const struct report_cluster *cl = &r->clusters[c];

        if ((rc = report_text_check(cl->code, 0, 0)) < 0 ||
            (rc = report_text_check(cl->name, 0, 0)) < 0)
            return rc;
        if (cl->n_members > REPORT_MEMBERS_MAX)
            return TDKT_ETOOBIG;
        if (cl->n_members && !cl->members)
            return TDKT_EINVAL;
        for (size_t m = 0; m < cl->n_members; m++)
            if ((rc = report_standing_check(&cl->members[m])) < 0)
                return rc;
    }
    for (size_t i = 0; i < r->n_proposals; i++)
        if ((rc = report_proposal_check(&r->proposals[i])) < 0)
            return rc;
    if (report_count_titles(r) > REPORT_TITLES_MAX)
        return TDKT_ETOOBIG;
    return 0;
}

/* ---- order ---------------------------------------------------------------- */

/* qsort has no context argument in C11, so each element carries what its
 * comparison needs next to the index it stands for. */
struct report_sort_cluster {
    const struct report_cluster *c;
    size_t i;
};

struct report_sort_member {
    const struct report_standing *s;
    size_t i;
    unsigned rank;
};

struct report_sort_proposal {
    const struct report_proposal *p;
    size_t i;
};

static int report_cmp_cluster(const void *a, const void *b)
{
    const struct report_sort_cluster *x = a, *y = b;
    int d;

    if ((d = text_collate_cmp(x->c->name, y->c->name)) != 0)
        return d;
    if ((d = strcmp(x->c->code, y->c->code)) != 0)
        return d;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* By points descending, then Vietnamese name, then code: the rank order. */
static int report_cmp_member(const void *a, const void *b)
{
    const struct report_sort_member *x = a, *y = b;
    int d;

    if (x->s->points != y->s->points)
        return x->s->points > y->s->points ? -1 : 1;
    if ((d = text_collate_cmp(x->s->unit_name, y->s->unit_name)) != 0)
        return d;
    if ((d = strcmp(x->s->unit_code, y->s->unit_code)) != 0)
        return d;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int report_cmp_proposal(const void *a, const void *b)
{
    const struct report_proposal *x = ((const struct report_sort_proposal *)a)->p;
    const struct report_proposal *y = ((const struct report_sort_proposal *)b)->p;
    size_t i = ((const struct report_sort_proposal *)a)->i;
    size_t j = ((const struct report_sort_proposal *)b)->i;
    int d;

    if ((d = text_collate_cmp(x->office_name, y->office_name)) != 0 ||
        (d = strcmp(x->office_code, y->office_code)) != 0 ||
        (d = text_collate_cmp(x->title_name, y->title_name)) != 0 ||
        (d = strcmp(x->title_code, y->title_code)) != 0 ||
        (d = text_collate_cmp(x->subject_name, y->subject_name)) != 0 ||
        (d = strcmp(x->subject_id, y->subject_id)) != 0)
        return d;
    return i < j ? -1 : i > j;
}

static int report_cmp_title(const void *a, const void *b)
{
    const struct report_title_count *x = a, *y = b;
    int d;

    if ((d = text_collate_cmp(x->name, y->name)) != 0)
        return d;
    return strcmp(x->code, y->code);
}

void report_order_free(struct report_order *o)
{
    if (!o)
        return;
    for (size_t c = 0; c < o->n_clusters; c++) {
        free(o->members[c]);
        free(o->rank[c]);
    }
    free(o->members);
    free(o->rank);
    free(o->clusters);
    free(o->proposals);
    free(o->pending);
    free(o->titles);
    memset(o, 0, sizeof *o);
}

/* Members of cluster cl in rank order into members[] and their ranks (by
 * report index) into rank[]. */
static int report_order_cluster(const struct report_cluster *cl, size_t *members, unsigned *rank)
{
    struct report_sort_member *v;

    if (cl->n_members == 0)
        return 0;
    if (!(v = calloc(cl->n_members, sizeof *v)))
        return TDKT_ENOMEM;
    for (size_t m = 0; m < cl->n_members; m++) {
        v[m].s = &cl->members[m];
        v[m].i = m;
    }
    qsort(v, cl->n_members, sizeof *v, report_cmp_member);
    for (size_t m = 0; m < cl->n_members; m++) {
        /* Standard competition ranking: equal points share the rank of the
         * first of them, and the ranks after a tie are skipped. */
        v[m].rank = m > 0 && v[m].s->points == v[m - 1].s->points ? v[m - 1].rank : (unsigned)m + 1;
        members[m] = v[m].i;
        rank[v[m].i] = v[m].rank;
    }
    free(v);
    return 0;
}

static int report_order_titles(const struct report *r, struct report_order *o)
{
    if (r->n_proposals == 0)
        return 0;
    if (!(o->titles = calloc(REPORT_TITLES_MAX, sizeof *o->titles)))
        return TDKT_ENOMEM;
    for (size_t i = 0; i < r->n_proposals; i++) {
        const struct report_proposal *p = &r->proposals[i];
        size_t k = 0;

        while (k < o->n_titles && strcmp(o->titles[k].code, p->title_code) != 0)
            k++;
        if (k == o->n_titles) {
            if (k == REPORT_TITLES_MAX) /* report_validate refuses this */
                return TDKT_ETOOBIG;
            o->titles[k].code = p->title_code;
            o->titles[k].name = p->title_name;
            o->n_titles++;
        }
        o->titles[k].proposed++;
        o->titles[k].decided += p->state == REPORT_DECIDED;
        o->titles[k].pending += report_state_pending(p->state) != 0;
    }
    qsort(o->titles, o->n_titles, sizeof *o->titles, report_cmp_title);
    return 0;
}

int report_order_build(const struct report *r, struct report_order *o)
{
    struct report_sort_cluster *vc = NULL;
    struct report_sort_proposal *vp = NULL;
    size_t nc = r->n_clusters, np = r->n_proposals;
    int rc = TDKT_ENOMEM;

    memset(o, 0, sizeof *o);
    /* One more element than needed, so that an empty report still gets
     * arrays (calloc(0) may return NULL). */
    if (!(o->members = calloc(nc + 1, sizeof *o->members)) ||
        !(o->rank = calloc(nc + 1, sizeof *o->rank)))
        goto out;
    o->n_clusters = nc;
    if (!(o->clusters = calloc(nc + 1, sizeof *o->clusters)) ||
        !(o->proposals = calloc(np + 1, sizeof *o->proposals)) ||
        !(o->pending = calloc(np + 1, sizeof *o->pending)) || !(vc = calloc(nc + 1, sizeof *vc)) ||
        !(vp = calloc(np + 1, sizeof *vp)))
        goto out;

    for (size_t c = 0; c < nc; c++) {
        vc[c].c = &r->clusters[c];
        vc[c].i = c;
    }
    qsort(vc, nc, sizeof *vc, report_cmp_cluster);
    for (size_t c = 0; c < nc; c++) {
        size_t n = r->clusters[c].n_members;

        o->clusters[c] = vc[c].i;
        if (!(o->members[c] = calloc(n + 1, sizeof *o->members[c])) ||
            !(o->rank[c] = calloc(n + 1, sizeof *o->rank[c])))
            goto out;
        if ((rc = report_order_cluster(&r->clusters[c], o->members[c], o->rank[c])) < 0)
            goto out;
        rc = TDKT_ENOMEM;
    }

    for (size_t i = 0; i < np; i++) {
        vp[i].p = &r->proposals[i];
        vp[i].i = i;
    }
    qsort(vp, np, sizeof *vp, report_cmp_proposal);
    for (size_t i = 0; i < np; i++) {
        o->proposals[i] = vp[i].i;
        if (report_state_pending(vp[i].p->state))
            o->pending[o->n_pending++] = vp[i].i;
    }
    rc = report_order_titles(r, o);
out:
    free(vc);
    free(vp);
    if (rc < 0)
        report_order_free(o);
    return rc;
}

/* ---- files ---------------------------------------------------------------- */

int report_file_open(const char *path, char tmp[REPORT_PATH_MAX], FILE **f)
{
    int fd, n;

    *f = NULL;
    n = snprintf(tmp, REPORT_PATH_MAX, "%s.XXXXXX", path);
    if (n < 0 || n >= REPORT_PATH_MAX)
        return TDKT_ETOOBIG;
    if ((fd = mkstemp(tmp)) < 0)
        return TDKT_EIO;
    if (!(*f = fdopen(fd, "wb"))) {
        close(fd);
        unlink(tmp);
        return TDKT_EIO;
    }
    return 0;
}

int report_file_close(FILE *f, const char *tmp, const char *path, int rc)
{
    if (ferror(f) && rc == 0)
        rc = TDKT_EIO;
    if (fflush(f) != 0 && rc == 0)
        rc = TDKT_EIO;
    if (rc == 0 && fsync(fileno(f)) != 0)
        rc = TDKT_EIO;
    if (fclose(f) != 0 && rc == 0)
        rc = TDKT_EIO;
    /* mkstemp creates the file 0600; a report is meant to be handed on. */
    if (rc == 0 && chmod(tmp, 0644) != 0)
        rc = TDKT_EIO;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = TDKT_EIO;
    if (rc < 0)
        unlink(tmp);
    return rc;
}

/* ---- the tables ----------------------------------------------------------- */

static const struct report_col report_standing_cols[] = {
    /* header, width, wrap */
    {"Mã cụm", 10, 0},
    {"Cụm thi đua", 22, 0},
    {"Xếp hạng", 9, 0},
    {"Mã đơn vị", 12, 0},
    {"Đơn vị", 50, 0},
    {"Điểm tiêu chí", 13, 0},
    {"Điểm tối đa", 12, 0},
    {"Số chỉ tiêu", 11, 0},
    {"Chỉ tiêu đạt và vượt", 19, 0},
    {"Chỉ tiêu vượt", 13, 0},
    {"Nhiệm vụ trọng tâm hoàn thành", 17, 0},
    {"Nhiệm vụ trọng tâm kế hoạch", 17, 0}};

/* The pending table is the proposals table without its decision columns,
 * the last REPORT_DECISION_COLS. */
#define REPORT_DECISION_COLS 3
static const struct report_col report_proposal_cols[] = {
    {"Mã đơn vị đề nghị", 12, 0}, {"Đơn vị đề nghị", 40, 0}, {"Đối tượng", 10, 0},
    {"Mã đối tượng", 12, 0},      {"Tên đối tượng", 40, 0},  {"Mã danh hiệu", 14, 0},
    {"Danh hiệu", 36, 0},         {"Trạng thái", 26, 0},     {"Kết quả xét", 22, 0},
    {"Điều kiện", 12, 0},         {"Lý do", 50, 1},          {"Số quyết định", 30, 0},
    {"Ngày quyết định", 15, 0},   {"Người ký", 16, 0}};

#define REPORT_NCOLS(a) (sizeof(a) / sizeof(a)[0])
_Static_assert(REPORT_NCOLS(report_standing_cols) <= REPORT_COLS_MAX, "standings fit");
_Static_assert(REPORT_NCOLS(report_proposal_cols) <= REPORT_COLS_MAX, "proposals fit");

const struct report_col *report_table_cols(enum report_table t, size_t *n)
{
    if (t == REPORT_STANDINGS) {
        *n = REPORT_NCOLS(report_standing_cols);
        return report_standing_cols;
    }
    *n = REPORT_NCOLS(report_proposal_cols) - (t == REPORT_PENDING ? REPORT_DECISION_COLS : 0);
    return report_proposal_cols;
}

static struct report_cell report_text(const char *s)
{
    return (struct report_cell){s ? s : "", 0};
}

static struct report_cell report_num(double v)
{
    return (struct report_cell){NULL, v};
}

static void report_standing_rows(const struct report *r, const struct report_order *o,
                                 void (*fn)(void *arg, const struct report_cell *cells), void *arg)
{
    for (size_t k = 0; k < r->n_clusters; k++) {
        size_t c = o->clusters[k];
        const struct report_cluster *cl = &r->clusters[c];

        for (size_t j = 0; j < cl->n_members; j++) {
            size_t m = o->members[c][j];
            const struct report_standing *s = &cl->members[m];
            const struct report_cell cells[] = {
                report_text(cl->code),      report_text(cl->name),
                report_num(o->rank[c][m]),  report_text(s->unit_code),
                report_text(s->unit_name),  report_num(s->points),
                report_num(s->points_max),  report_num(s->targets),
                report_num(s->targets_met), report_num(s->targets_exceeded),
                report_num(s->tasks_done),  report_num(s->tasks_planned),
            };
            fn(arg, cells);
        }
    }
}

static void report_proposal_row(const struct report_proposal *p,
                                void (*fn)(void *arg, const struct report_cell *cells), void *arg)
{
    const struct report_cell cells[] = {
        report_text(p->office_code),
        report_text(p->office_name),
        report_text(report_subject_label(p->subject_kind)),
        report_text(p->subject_id),
        report_text(p->subject_name),
        report_text(p->title_code),
        report_text(p->title_name),
        report_text(report_state_label(p->state)),
        report_text(report_verdict_label(p->verdict)),
        report_text(p->rule_id),
        report_text(p->reason),
        report_text(p->decision_number),
        report_text(p->decision_date),
        report_text(p->decision_signer),
    };
    _Static_assert(REPORT_NCOLS(cells) == REPORT_NCOLS(report_proposal_cols), "a cell a column");
    fn(arg, cells);
}

void report_table_each(const struct report *r, const struct report_order *o, enum report_table t,
                       void (*fn)(void *arg, const struct report_cell *cells), void *arg)
{
    if (t == REPORT_STANDINGS)
        report_standing_rows(r, o, fn, arg);
    else if (t == REPORT_PROPOSALS)
        for (size_t i = 0; i < r->n_proposals; i++)
            report_proposal_row(&r->proposals[o->proposals[i]], fn, arg);
    else
        for (size_t i = 0; i < o->n_pending; i++)
            report_proposal_row(&r->proposals[o->pending[i]], fn, arg);
}

/* ---- CSV ------------------------------------------------------------------ */

/* A spreadsheet runs a cell that starts with one of these as a formula
 * (OWASP "CSV injection"); tab and CR are on OWASP's list too. */
static int report_csv_dangerous(const char *s)
{
    return s[0] && strchr("=+-@\t\r", s[0]) != NULL;
}

/* One text cell, with a separator before it unless it is the first. */
static void report_csv_text(FILE *f, const char *s, int first)
{
    size_t len;
    int guard;

    s = s ? s : "";
    len = strlen(s);
    guard = report_csv_dangerous(s);
    if (!first)
        fputc(',', f);
    if (!csv_needs_quotes(s, len, ',')) {
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

/* Where report_csv_row writes, and how many cells a row has. */
struct report_csv {
    FILE *f;
    size_t ncols;
};

static void report_csv_row(void *arg, const struct report_cell *cells)
{
    const struct report_csv *w = arg;
    char num[EXPORT_NUMBER_MAX];

    for (size_t c = 0; c < w->ncols; c++) {
        if (cells[c].text) {
            report_csv_text(w->f, cells[c].text, c == 0);
            continue;
        }
        export_number(cells[c].number, num);
        fprintf(w->f, "%s%s", c == 0 ? "" : ",", num);
    }
    fputs("\r\n", w->f);
}

int report_write_csv(FILE *f, const struct report *r, enum report_table table)
{
    struct report_csv w = {f, 0};
    const struct report_col *cols;
    struct report_order o;
    int rc;

    if ((unsigned)table >= REPORT_TABLE_COUNT_)
        return TDKT_EINVAL;
    if ((rc = report_validate(r)) < 0 || (rc = report_order_build(r, &o)) < 0)
        return rc;
    cols = report_table_cols(table, &w.ncols);
    fputs("\xEF\xBB\xBF", f);
    for (size_t c = 0; c < w.ncols; c++)
        report_csv_text(f, cols[c].header, c == 0);
    fputs("\r\n", f);
    report_table_each(r, &o, table, report_csv_row, &w);
    report_order_free(&o);
    return ferror(f) ? TDKT_EIO : 0;
}

int report_write_csv_dir(const struct report *r, const char *dir)
{
    static const char *const names[REPORT_TABLE_COUNT_] = {
        [REPORT_STANDINGS] = "standings.csv",
        [REPORT_PROPOSALS] = "proposals.csv",
        [REPORT_PENDING] = "pending.csv",
    };
    char path[REPORT_PATH_MAX], tmp[REPORT_PATH_MAX];
    int rc, n;

    /* Refuse a bad report before any file is touched. */
    if ((rc = report_validate(r)) < 0)
        return rc;
    for (int t = 0; t < REPORT_TABLE_COUNT_; t++) {
        FILE *f;

        n = snprintf(path, sizeof path, "%s/%s", dir, names[t]);
        if (n < 0 || (size_t)n >= sizeof path)
            return TDKT_ETOOBIG;
        if ((rc = report_file_open(path, tmp, &f)) < 0)
            return rc;
        rc = report_write_csv(f, r, (enum report_table)t);
        if ((rc = report_file_close(f, tmp, path, rc)) < 0)
            return rc;
    }
    return 0;
}
