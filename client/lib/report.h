/* SPDX-License-Identifier: MIT */
/*
 * Reports for one emulation period (docs/reports.md): the standings of every
 * cluster, the proposals of titles and awards with their verdicts and
 * decisions, and what is still pending, rendered as CSV (report.c), one XLSX
 * workbook (report_xlsx.c) and one self-contained HTML page with inline SVG
 * charts (report_html.c).
 *
 * The model is plain C: the caller owns every array and string and keeps
 * them alive while a function runs; this module only reads them (strings
 * are borrowed UTF-8, NFC as the ledger stores it). It does not know where
 * the data comes from (the server's ledger, a client preview, a test).
 *
 * Order is part of this module's job: report_order_build() puts clusters,
 * members and proposals in Vietnamese collation order (common/text/collate.h,
 * ICU "vi": a ă â b c d đ e ê ...), not byte order, and ranks each cluster's
 * members by points. The renderers call it themselves, so the caller never
 * sorts. Renderers write files only through the paths or FILE they are
 * given; a path-based renderer writes to a temporary name in the same
 * directory and renames it, so a reader never sees half a report.
 */
#ifndef TDKT_CLIENT_LIB_REPORT_H
#define TDKT_CLIENT_LIB_REPORT_H

#include <stddef.h>
#include <stdio.h>

#define REPORT_CLUSTERS_MAX  1000     /* clusters in one report */
#define REPORT_MEMBERS_MAX   1000     /* members of one cluster */
#define REPORT_PROPOSALS_MAX 100000   /* proposals in one report */
#define REPORT_TITLES_MAX    64       /* distinct titles in the summary */
#define REPORT_TEXT_MAX      4096     /* bytes of one text field */
#define REPORT_COUNT_MAX     1000000u /* targets or tasks of one unit */
#define REPORT_POINTS_MAX    1e6      /* criteria points of one unit */
#define REPORT_PATH_MAX      4096     /* bytes of a file path we build */
#define REPORT_NUMBER_MAX    64       /* bytes of a formatted number, with the NUL */

/* The workflow states of a proposal (the ledger's, issue 5). */
enum report_state {
    REPORT_SUBMITTED = 0,
    REPORT_RECEIVED,
    REPORT_RETURNED,
    REPORT_APPROVED,
    REPORT_REJECTED,
    REPORT_CANCELLED,
    REPORT_DECIDED,
    REPORT_ANNULLED,
    REPORT_STATE_COUNT_
};

/* The eligibility engine's verdict; NONE when it has not judged yet. */
enum report_verdict {
    REPORT_VERDICT_NONE = 0,
    REPORT_ELIGIBLE,
    REPORT_INELIGIBLE,
    REPORT_DEFERRED,
    REPORT_BLOCKED,
    REPORT_POLICY,
    REPORT_VERDICT_COUNT_
};

enum report_subject_kind { REPORT_PERSON = 0, REPORT_UNIT, REPORT_SUBJECT_COUNT_ };

/* The three tables every renderer writes. */
enum report_table { REPORT_STANDINGS = 0, REPORT_PROPOSALS, REPORT_PENDING, REPORT_TABLE_COUNT_ };

struct report_header {
    unsigned year;            /* the emulation period */
    const char *title;        /* e.g. "Báo cáo thi đua, khen thưởng năm 2021" */
    const char *generated_at; /* ISO 8601, e.g. "2022-01-20T09:30:00+07:00" */
    const char *generated_by; /* unit code or name, e.g. "VKSTC" */
};

/* One member unit of a cluster with its results for the period. */
struct report_standing {
    const char *unit_code;     /* "VKSCC2" */
    const char *unit_name;     /* "Viện kiểm sát nhân dân cấp cao tại Đà Nẵng" */
    double points;             /* criteria points after the leader's re-scoring */
    double points_max;         /* the criteria sheet's maximum (100) */
    unsigned targets;          /* work targets in the plan (64) */
    unsigned targets_met;      /* met or exceeded ("đạt và vượt 63/64") */
    unsigned targets_exceeded; /* of those, exceeded; <= targets_met */
    unsigned tasks_done;       /* key tasks done, emerging ones included */
    unsigned tasks_planned;    /* key tasks in the plan (done may exceed it) */
};

struct report_cluster {
    const char *code; /* "CUM1" */
    const char *name; /* "Cụm thi đua số 1" */
    const struct report_standing *members;
    size_t n_members;
};

/* One proposal of a title or award, where the workflow has taken it. */
struct report_proposal {
    const char *office_code; /* the proposing office: "CUC3" */
    const char *office_name; /* "Cục Kế hoạch - Tài chính (Cục 3)" */
    enum report_subject_kind subject_kind;
    const char *subject_id;   /* person id or unit code */
    const char *subject_name; /* "Cục Kế hoạch - Tài chính (Cục 3)" or a person */
    const char *title_code;   /* "TTLDXS" */
    const char *title_name;   /* "Tập thể lao động xuất sắc" */
    enum report_state state;
    enum report_verdict verdict;
    const char *rule_id;         /* "TTLDXS", or NULL/"" */
    const char *reason;          /* the failed condition, or NULL/"" */
    const char *decision_number; /* "Quyết định số 123/QĐ-VKSTC", or NULL/"" */
    const char *decision_date;   /* "2021-12-30", or NULL/"" */
    const char *decision_signer; /* "Viện trưởng", or NULL/"" */
};

struct report {
    struct report_header header;
    const struct report_cluster *clusters;
    size_t n_clusters;
    const struct report_proposal *proposals;
    size_t n_proposals;
};

/* How many proposals of one title the report holds, for the summary. */
struct report_title_count {
    const char *code; /* borrowed from the first proposal of the title */
    const char *name;
    size_t proposed; /* every proposal of the title */
    size_t decided;  /* in state DECIDED */
    size_t pending;  /* report_state_pending() */
};

/*
 * The report in display order, as indexes into the report's arrays (the
 * report is not modified). Every array is malloc'd and owned by the order;
 * report_order_free() frees them.
 *
 * - clusters: cluster indexes by name (Vietnamese order), then code.
 * - members[c]: for cluster c (report index), member indexes by rank, then
 *   unit name (Vietnamese order), then code; rank[c][m] is the rank of
 *   member m (report index): 1 + the number of members with more points,
 *   so ties share a rank and the next rank is skipped (1, 1, 3).
 * - proposals: by office name, then title name, then subject name (all in
 *   Vietnamese order), then office code, title code, subject id.
 * - pending: the pending proposals (report_state_pending) in that order.
 * - titles: the summary, by title name in Vietnamese order.
 */
struct report_order {
    size_t n_clusters; /* of the report: members and rank have this many */
    size_t *clusters;
    size_t **members;
    unsigned **rank;
    size_t *proposals;
    size_t *pending;
    size_t n_pending;
    struct report_title_count *titles;
    size_t n_titles;
};

/*
 * Check the report against the limits above: required strings present and
 * valid UTF-8 of at most REPORT_TEXT_MAX bytes without control characters
 * (a reason may hold line breaks and tabs), enums in range, points finite in
 * [0, REPORT_POINTS_MAX], targets_exceeded <= targets_met <= targets, and
 * at most REPORT_TITLES_MAX titles. 0, TDKT_EINVAL, or TDKT_ETOOBIG for a
 * count or text above its limit.
 */
int report_validate(const struct report *r);

/* Fill *o (see struct report_order) for a valid report. 0, TDKT_ENOMEM;
 * *o is zeroed on failure. */
int report_order_build(const struct report *r, struct report_order *o);
void report_order_free(struct report_order *o);

/* 1 when the proposal still waits for the central office: submitted,
 * received, returned or approved. Decided, rejected, cancelled and
 * annulled proposals are closed. */
int report_state_pending(enum report_state s);

/* Vietnamese labels for the reports ("Đã có quyết định", "Đủ điều kiện",
 * "Cá nhân"); never NULL ("" out of range). */
const char *report_state_label(enum report_state s);
const char *report_verdict_label(enum report_verdict v);
const char *report_subject_label(enum report_subject_kind k);

/*
 * One table as CSV into f: UTF-8 with a byte-order mark, CRLF line ends,
 * a row of Vietnamese headers, RFC 4180 quoting, and every text cell that
 * starts with = + - @ (or a tab or CR) prefixed with an apostrophe so a
 * spreadsheet does not run it as a formula. Numbers use '.' as decimal
 * point. f is the caller's (not flushed or closed). 0, TDKT_EINVAL /
 * TDKT_ETOOBIG (report_validate), TDKT_EIO, TDKT_ENOMEM.
 */
int report_write_csv(FILE *f, const struct report *r, enum report_table table);

/* The three tables as dir/standings.csv, dir/proposals.csv and
 * dir/pending.csv (dir must exist; files are replaced). Errors as
 * report_write_csv. */
int report_write_csv_dir(const struct report *r, const char *dir);

/*
 * One XLSX workbook at path with the sheets "Xếp hạng", "Đề nghị & quyết
 * định" and "Chưa xử lý": a bold, frozen header row, column widths, numbers
 * as numbers. 0, TDKT_EINVAL / TDKT_ETOOBIG (report_validate), TDKT_ENOMEM,
 * TDKT_EIO when libxlsxwriter could not write the file.
 */
int report_write_xlsx(const struct report *r, const char *path);

/*
 * One self-contained HTML page (lang="vi", UTF-8, inline CSS and SVG, no
 * script and no external resource) into f: per-cluster standings with a bar
 * chart of points, proposals and decisions grouped by office, the pending
 * list and a summary by title with a bar chart. All text is escaped. 0,
 * TDKT_EINVAL / TDKT_ETOOBIG (report_validate), TDKT_EIO, TDKT_ENOMEM.
 */
int report_write_html(FILE *f, const struct report *r);
/* The same page at path (replaced). */
int report_write_html_file(const struct report *r, const char *path);

/* ---- shared by the renderers of this module ------------------------------ */

/* Open a new temporary file next to path for writing; its name goes to tmp
 * (REPORT_PATH_MAX bytes). 0, TDKT_ETOOBIG for a path too long, TDKT_EIO. */
int report_file_open(const char *path, char tmp[REPORT_PATH_MAX], FILE **f);
/* Close f and, when rc is 0 and everything was written, rename tmp to path;
 * otherwise remove tmp. Returns rc, or TDKT_EIO when writing failed. */
int report_file_close(FILE *f, const char *tmp, const char *path, int rc);

/* v (finite, >= 0) with the fewest decimals that read back as v, with ','
 * as decimal point as Vietnamese readers expect ("93,5"); into out of
 * REPORT_NUMBER_MAX bytes. */
void report_number_vi(double v, char out[REPORT_NUMBER_MAX]);

/* The three tables as the CSV files and the XLSX sheets both lay them out:
 * the same columns in the same order, from one definition (report.c). */
#define REPORT_COLS_MAX 16 /* columns of one table */

/* A column: its Vietnamese header, its width in a spreadsheet (characters
 * of the default font), and whether its text wraps there. */
struct report_col {
    const char *header;
    double width;
    int wrap;
};

/* One cell: a text ("" when empty), or a number when text is NULL. */
struct report_cell {
    const char *text;
    double number;
};

/* The columns of table t; *n of them. */
const struct report_col *report_table_cols(enum report_table t, size_t *n);
/* Each row of table t, in the order o, handed to fn as its cells, one per
 * column. */
void report_table_each(const struct report *r, const struct report_order *o, enum report_table t,
                       void (*fn)(void *arg, const struct report_cell *cells), void *arg);

#endif
