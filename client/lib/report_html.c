/* SPDX-License-Identifier: MIT */
/*
 * The report as one self-contained HTML page; see report.h. The page is
 * meant to be mailed or copied to a share and opened years later, so it
 * loads nothing: the CSS sits in a <style> element, the charts are inline
 * SVG drawn here, and there is no script. Every text from the model goes
 * through html_text(), which escapes & < > " and ', so a name can never
 * close an element or an attribute.
 *
 * Layout, top to bottom: heading (title, year, who made it and when), the
 * standings of each cluster (bar chart of points, then the table), the
 * proposals and decisions grouped by proposing office, the pending list,
 * and a summary by title with its bar chart. Figures are written the
 * Vietnamese way ("93,5", "63/64").
 *
 * This file only formats into the caller's FILE (or, for
 * report_write_html_file(), a file it replaces through a temporary name).
 */
#include "report.h"

#include <string.h>

#include "common/err.h"

/* Chart geometry, in SVG user units (the SVG scales to the page width). */
#define HTML_CHART_WIDTH 800 /* whole chart */
#define HTML_BAR_MAX     640 /* a bar at the scale's maximum */
#define HTML_ROW_HEIGHT  40  /* label line plus bar */
#define HTML_BAR_HEIGHT  16
#define HTML_LABEL_Y     14 /* baseline of the label in its row */
#define HTML_BAR_Y       20 /* top of the bar in its row */

static const char html_style[] =
    "*{box-sizing:border-box}"
    "body{font-family:\"Segoe UI\",\"Noto Sans\",\"DejaVu Sans\",Arial,sans-serif;"
    "color:#1b1b1b;margin:0 auto;max-width:1100px;padding:24px;line-height:1.4}"
    "h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.3em;margin:32px 0 8px;"
    "border-bottom:2px solid #8b1a1a;padding-bottom:4px}h3{font-size:1.1em;margin:20px 0 6px}"
    ".meta{color:#555;margin:0 0 16px}"
    "table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:.92em}"
    "th,td{border:1px solid #bbb;padding:4px 6px;text-align:left;vertical-align:top}"
    "th{background:#f1e9e2}td.n{text-align:right;white-space:nowrap}"
    ".code{color:#666;font-size:.85em}.reason{white-space:pre-line}"
    ".empty{color:#666;font-style:italic}"
    /* Every office's table has the same columns; fixed widths line them up. */
    "table.p{table-layout:fixed}table.p th:nth-child(1){width:25%}"
    "table.p th:nth-child(2){width:22%}table.p th:nth-child(3){width:13%}"
    "table.p th:nth-child(4){width:20%}"
    "svg{display:block;width:100%;height:auto;margin:6px 0}"
    "svg text{font-family:inherit;font-size:13px;fill:#1b1b1b}"
    "section.cluster,section.office{break-inside:avoid}"
    "@media print{body{max-width:none;padding:0;font-size:10pt}"
    "h2{break-after:avoid}h3{break-after:avoid}thead{display:table-header-group}"
    "tr{break-inside:avoid}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "@page{size:A4;margin:15mm}}";

/* Text with the five characters that matter in HTML escaped. */
static void html_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* <tag class="cls">text</tag>, cls may be NULL. */
static void html_cell(FILE *f, const char *tag, const char *cls, const char *s)
{
    fprintf(f, "<%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    html_text(f, s);
    fprintf(f, "</%s>", tag);
}

static void html_number(FILE *f, double v)
{
    char num[REPORT_NUMBER_MAX];

    report_number_vi(v, num);
    fputs(num, f);
}

/* A bar width for v on a scale of max, in whole user units. */
static double html_bar(double v, double max)
{
    if (max <= 0 || v <= 0)
        return 0;
    return v >= max ? HTML_BAR_MAX : (double)HTML_BAR_MAX * v / max;
}

static void html_head(FILE *f, const struct report *r)
{
    fputs("<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"tdkt\">\n<title>",
          f);
    html_text(f, r->header.title);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>", html_style);
    html_text(f, r->header.title);
    fprintf(f, "</h1>\n<p class=\"meta\">Năm thi đua: <strong>%u</strong> · Lập lúc: <time>",
            r->header.year);
    html_text(f, r->header.generated_at);
    fputs("</time> · Đơn vị lập: ", f);
    html_text(f, r->header.generated_by);
    fputs("</p>\n</header>\n", f);
}

/* The horizontal bar chart of a cluster's points, members in rank order. */
static void html_cluster_chart(FILE *f, const struct report_cluster *cl, const size_t *order)
{
    double max = 0;
    size_t n = cl->n_members;

    for (size_t m = 0; m < n; m++) {
        if (cl->members[m].points_max > max)
            max = cl->members[m].points_max;
        if (cl->members[m].points > max)
            max = cl->members[m].points;
    }
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 %d %zu\" "
            "width=\"%d\" height=\"%zu\"><title>Điểm tiêu chí – ",
            HTML_CHART_WIDTH, n * HTML_ROW_HEIGHT + 4, HTML_CHART_WIDTH, n * HTML_ROW_HEIGHT + 4);
    html_text(f, cl->name);
    fputs("</title>\n", f);
    for (size_t j = 0; j < n; j++) {
        const struct report_standing *s = &cl->members[order[j]];
        size_t y = j * HTML_ROW_HEIGHT;
        double w = html_bar(s->points, max);

        fprintf(f, "<text x=\"0\" y=\"%zu\">", y + HTML_LABEL_Y);
        html_text(f, s->unit_name);
        fputs("</text>", f);
        /* The track shows the maximum, the bar the points on it. */
        fprintf(f,
                "<rect x=\"0\" y=\"%zu\" width=\"%d\" height=\"%d\" fill=\"#eee4dc\"/>"
                "<rect class=\"bar\" x=\"0\" y=\"%zu\" width=\"%.1f\" height=\"%d\" "
                "fill=\"#8b1a1a\"/>",
                y + HTML_BAR_Y, HTML_BAR_MAX, HTML_BAR_HEIGHT, y + HTML_BAR_Y, w, HTML_BAR_HEIGHT);
        fprintf(f, "<text x=\"%d\" y=\"%zu\">", HTML_BAR_MAX + 8, y + HTML_BAR_Y + 13);
        html_number(f, s->points);
        fputs("/", f);
        html_number(f, s->points_max);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
}

static void html_standings(FILE *f, const struct report *r, const struct report_order *o)
{
    fputs("<section id=\"xep-hang\">\n<h2>Xếp hạng theo cụm, khối thi đua</h2>\n", f);
    if (r->n_clusters == 0)
        fputs("<p class=\"empty\">Không có cụm, khối thi đua nào trong báo cáo.</p>\n", f);
    for (size_t k = 0; k < r->n_clusters; k++) {
        size_t c = o->clusters[k];
        const struct report_cluster *cl = &r->clusters[c];

        fputs("<section class=\"cluster\">\n<h3>", f);
        html_text(f, cl->name);
        fputs(" <span class=\"code\">(", f);
        html_text(f, cl->code);
        fputs(")</span></h3>\n", f);
        if (cl->n_members == 0) {
            fputs("<p class=\"empty\">Cụm chưa có đơn vị thành viên.</p>\n</section>\n", f);
            continue;
        }
        html_cluster_chart(f, cl, o->members[c]);
        fputs("<table>\n<thead><tr><th>Hạng</th><th>Đơn vị</th><th>Điểm tiêu chí</th>"
              "<th>Chỉ tiêu đạt và vượt</th><th>Chỉ tiêu vượt</th>"
              "<th>Nhiệm vụ trọng tâm (hoàn thành/kế hoạch)</th></tr></thead>\n<tbody>\n",
              f);
        for (size_t j = 0; j < cl->n_members; j++) {
            size_t m = o->members[c][j];
            const struct report_standing *s = &cl->members[m];

            fprintf(f, "<tr><td class=\"n\">%u</td><td>", o->rank[c][m]);
            html_text(f, s->unit_name);
            fputs(" <span class=\"code\">", f);
            html_text(f, s->unit_code);
            fputs("</span></td><td class=\"n\">", f);
            html_number(f, s->points);
            fputs("/", f);
            html_number(f, s->points_max);
            fprintf(f,
                    "</td><td class=\"n\">%u/%u</td><td class=\"n\">%u</td>"
                    "<td class=\"n\">%u/%u</td></tr>\n",
                    s->targets_met, s->targets, s->targets_exceeded, s->tasks_done,
                    s->tasks_planned);
        }
        fputs("</tbody>\n</table>\n</section>\n", f);
    }
    fputs("</section>\n", f);
}

/* The verdict cell: the label, then the rule and the reason when given. */
static void html_verdict(FILE *f, const struct report_proposal *p)
{
    fputs("<td>", f);
    html_text(f, report_verdict_label(p->verdict));
    if (p->rule_id && *p->rule_id) {
        fputs(" <span class=\"code\">[", f);
        html_text(f, p->rule_id);
        fputs("]</span>", f);
    }
    if (p->reason && *p->reason) {
        fputs("<div class=\"reason\">", f);
        html_text(f, p->reason);
        fputs("</div>", f);
    }
    fputs("</td>", f);
}

static void html_subject(FILE *f, const struct report_proposal *p)
{
    fputs("<td>", f);
    html_text(f, p->subject_name);
    fputs(" <span class=\"code\">", f);
    html_text(f, report_subject_label(p->subject_kind));
    fputs(", ", f);
    html_text(f, p->subject_id);
    fputs("</span></td>", f);
}

static void html_proposal_row(FILE *f, const struct report_proposal *p)
{
    fputs("<tr>", f);
    html_subject(f, p);
    html_cell(f, "td", NULL, p->title_name);
    html_cell(f, "td", NULL, report_state_label(p->state));
    html_verdict(f, p);
    fputs("<td>", f);
    if (p->decision_number && *p->decision_number) {
        html_text(f, p->decision_number);
        if (p->decision_date && *p->decision_date) {
            fputs(", ngày ", f);
            html_text(f, p->decision_date);
        }
        if (p->decision_signer && *p->decision_signer) {
            fputs("<br><span class=\"code\">Người ký: ", f);
            html_text(f, p->decision_signer);
            fputs("</span>", f);
        }
    }
    fputs("</td></tr>\n", f);
}

static void html_proposals(FILE *f, const struct report *r, const struct report_order *o)
{
    const struct report_proposal *office = NULL;

    fputs("<section id=\"de-nghi\">\n<h2>Đề nghị và quyết định khen thưởng</h2>\n", f);
    if (r->n_proposals == 0)
        fputs("<p class=\"empty\">Không có đề nghị nào.</p>\n", f);
    for (size_t i = 0; i < r->n_proposals; i++) {
        const struct report_proposal *p = &r->proposals[o->proposals[i]];

        /* The order groups an office's proposals together. */
        if (!office || strcmp(office->office_code, p->office_code) != 0) {
            if (office)
                fputs("</tbody>\n</table>\n</section>\n", f);
            office = p;
            fputs("<section class=\"office\">\n<h3>", f);
            html_text(f, p->office_name);
            fputs(" <span class=\"code\">(", f);
            html_text(f, p->office_code);
            fputs(")</span></h3>\n<table class=\"p\">\n<thead><tr>"
                  "<th>Đối tượng</th><th>Danh hiệu</th><th>Trạng thái</th>"
                  "<th>Kết quả xét</th><th>Quyết định</th></tr></thead>\n<tbody>\n",
                  f);
        }
        html_proposal_row(f, p);
    }
    if (office)
        fputs("</tbody>\n</table>\n</section>\n", f);
    fputs("</section>\n", f);
}

static void html_pending(FILE *f, const struct report *r, const struct report_order *o)
{
    fputs("<section id=\"chua-xu-ly\">\n<h2>Đề nghị chưa xử lý xong</h2>\n", f);
    if (o->n_pending == 0) {
        fputs("<p class=\"empty\">Không có đề nghị nào đang chờ xử lý.</p>\n</section>\n", f);
        return;
    }
    fprintf(f, "<p>%zu đề nghị chưa có quyết định hoặc chưa bị từ chối.</p>\n", o->n_pending);
    fputs("<table>\n<thead><tr><th>Đơn vị đề nghị</th><th>Đối tượng</th><th>Danh hiệu</th>"
          "<th>Trạng thái</th><th>Kết quả xét</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t i = 0; i < o->n_pending; i++) {
        const struct report_proposal *p = &r->proposals[o->pending[i]];

        fputs("<tr>", f);
        html_cell(f, "td", NULL, p->office_name);
        html_subject(f, p);
        html_cell(f, "td", NULL, p->title_name);
        html_cell(f, "td", NULL, report_state_label(p->state));
        html_verdict(f, p);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n</section>\n", f);
}

/* The summary by title: a chart of proposals (light) and decisions (dark)
 * per title, then the same counts as a table. */
static void html_summary(FILE *f, const struct report_order *o)
{
    size_t max = 0, n = o->n_titles;

    fputs("<section id=\"tong-hop\">\n<h2>Tổng hợp theo danh hiệu</h2>\n", f);
    if (n == 0) {
        fputs("<p class=\"empty\">Không có đề nghị nào.</p>\n</section>\n", f);
        return;
    }
    for (size_t t = 0; t < n; t++)
        if (o->titles[t].proposed > max)
            max = o->titles[t].proposed;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 %d %zu\" "
            "width=\"%d\" height=\"%zu\"><title>Số đề nghị và số quyết định theo danh hiệu"
            "</title>\n",
            HTML_CHART_WIDTH, n * HTML_ROW_HEIGHT + 4, HTML_CHART_WIDTH, n * HTML_ROW_HEIGHT + 4);
    for (size_t t = 0; t < n; t++) {
        const struct report_title_count *c = &o->titles[t];
        size_t y = t * HTML_ROW_HEIGHT;

        fprintf(f, "<text x=\"0\" y=\"%zu\">", y + HTML_LABEL_Y);
        html_text(f, c->name);
        fprintf(f,
                "</text><rect x=\"0\" y=\"%zu\" width=\"%.1f\" height=\"%d\" fill=\"#d9b8a8\"/>"
                "<rect class=\"bar\" x=\"0\" y=\"%zu\" width=\"%.1f\" height=\"%d\" "
                "fill=\"#8b1a1a\"/><text x=\"%.1f\" y=\"%zu\">%zu đề nghị, %zu quyết định"
                "</text>\n",
                y + HTML_BAR_Y, html_bar((double)c->proposed, (double)max), HTML_BAR_HEIGHT,
                y + HTML_BAR_Y, html_bar((double)c->decided, (double)max), HTML_BAR_HEIGHT,
                html_bar((double)c->proposed, (double)max) + 8, y + HTML_BAR_Y + 13, c->proposed,
                c->decided);
    }
    fputs("</svg>\n<table>\n<thead><tr><th>Danh hiệu</th><th>Mã</th><th>Số đề nghị</th>"
          "<th>Đã có quyết định</th><th>Chưa xử lý xong</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t t = 0; t < n; t++) {
        const struct report_title_count *c = &o->titles[t];

        fputs("<tr>", f);
        html_cell(f, "td", NULL, c->name);
        html_cell(f, "td", "code", c->code);
        fprintf(f,
                "<td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td></tr>\n",
                c->proposed, c->decided, c->pending);
    }
    fputs("</tbody>\n</table>\n</section>\n", f);
}

int report_write_html(FILE *f, const struct report *r)
{
    struct report_order o;
    int rc;

    if ((rc = report_validate(r)) < 0 || (rc = report_order_build(r, &o)) < 0)
        return rc;
    html_head(f, r);
    fputs("<main>\n", f);
    html_standings(f, r, &o);
    html_proposals(f, r, &o);
    html_pending(f, r, &o);
    html_summary(f, &o);
    fputs("</main>\n<footer><p class=\"meta\">Lập bằng tdkt. Danh sách xếp theo thứ tự tiếng "
          "Việt; hạng theo điểm tiêu chí, đơn vị bằng điểm cùng hạng.</p></footer>\n"
          "</body>\n</html>\n",
          f);
    report_order_free(&o);
    return ferror(f) ? TDKT_EIO : 0;
}

int report_write_html_file(const struct report *r, const char *path)
{
    char tmp[REPORT_PATH_MAX];
    FILE *f;
    int rc;

    if ((rc = report_validate(r)) < 0)
        return rc;
    if ((rc = report_file_open(path, tmp, &f)) < 0)
        return rc;
    rc = report_write_html(f, r);
    return report_file_close(f, tmp, path, rc);
}
