/* SPDX-License-Identifier: MIT */
/*
 * The HTML report in a real browser: the page report_write_html_file()
 * writes for the 2021 period (util/report_sample.h: Cụm thi đua số 1,
 * Cục 3, the awards the seeds report) is opened in headless Chromium, and
 * the DOM Chromium built is checked: the units, the figures ("63/64",
 * "97/100", the decision numbers) are in the body's visible text, not
 * swallowed by a stray <title>, <style> or unclosed tag; the charts are SVG
 * elements with bars of non-zero width; the page is not blank.
 *
 * Chromium is a test dependency (scripts/deps --test). Without it this
 * test fails and says how to install it: a skipped browser test would let
 * a broken page pass unnoticed. TDKT_CHROMIUM names another binary.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_sample.h"

#define BROWSER_TIMEOUT "120" /* seconds Chromium may take to dump the DOM */
#define DOM_MAX         (4u * 1024u * 1024u)

/* The whole file at path, NUL-terminated; the caller frees it. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(DOM_MAX + 1);
    size_t n;

    assert_non_null(f);
    assert_non_null(buf);
    n = fread(buf, 1, DOM_MAX, f);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The text a reader sees: the body without its tags, without <style>,
 * <title> (also the SVG's) and <script> content, entities left as they
 * are. The caller frees it. */
static char *visible_text(const char *dom)
{
    const char *body = strstr(dom, "<body");
    char *out = malloc(strlen(dom) + 1), *o = out;

    assert_non_null(out);
    assert_non_null(body);
    for (const char *p = body; *p;) {
        if (*p != '<') {
            *o++ = *p++;
            continue;
        }
        if (strncmp(p, "<style", 6) == 0 || strncmp(p, "<title", 6) == 0 ||
            strncmp(p, "<script", 7) == 0) {
            const char *end = strstr(p, p[1] == 's' && p[2] == 't' ? "</style>"
                                        : p[1] == 't'              ? "</title>"
                                                                   : "</script>");
            assert_non_null(end);
            p = end + 1;
        }
        while (*p && *p != '>')
            p++;
        if (*p)
            p++;
        *o++ = ' ';
    }
    *o = '\0';
    return out;
}

static void find_chromium(char *path, size_t cap)
{
    const char *env = getenv("TDKT_CHROMIUM");
    const char *candidates[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                                "/usr/lib/chromium/chromium"};

    if (env && *env) {
        if (access(env, X_OK) != 0)
            fail_msg("TDKT_CHROMIUM=%s is not an executable", env);
        tu_path(path, cap, "%s", env);
        return;
    }
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (access(candidates[i], X_OK) == 0) {
            tu_path(path, cap, "%s", candidates[i]);
            return;
        }
    fail_msg("chromium not found: the HTML report must be checked in a real browser. Install it "
             "with `apt-get install chromium` (or scripts/deps --test), or set TDKT_CHROMIUM to "
             "a Chromium binary");
}

static void test_html_report_in_chromium(void **state)
{
    struct report r = tu_report_sample();
    /* The units and figures a reader must find on the page. */
    const char *expected[] = {
        "Báo cáo thi đua, khen thưởng năm 2021",
        "Cụm thi đua số 1",
        "Khối thi đua số 3",
        VKSCC1_NAME,
        VKSCC2_NAME,
        VKSCC3_NAME,
        CUC3_NAME,
        "63/64",
        "61/64",
        "97/100",
        "93,5/100",
        "89/100",
        "17/8",
        CO_NAME,
        TTLDXS_NAME,
        CSTDN_NAME,
        "Quyết định số 123/QĐ-VKSTC",
        "Quyết định số 124/QĐ-VKSTC",
        "Quyết định số 125/QĐ-VKSTC",
        "Viện trưởng",
        "Lâm Quang Vinh",
        "Sáng kiến SK01 mới được công nhận ở phạm vi cơ sở",
        "Đã có quyết định",
        "Trả lại để hoàn thiện",
        "2 đề nghị chưa có quyết định hoặc chưa bị từ chối.",
        "3 đề nghị, 2 quyết định",
    };
    char dir[TU_PATH_MAX], html[TU_PATH_MAX], dom[TU_PATH_MAX], err[TU_PATH_MAX];
    char chromium[TU_PATH_MAX], cmd[4 * TU_PATH_MAX], out[TU_OUT_MAX];
    char *page, *text;
    size_t len;
    int status;

    find_chromium(chromium, sizeof chromium);
    tu_mkdtemp(dir);
    tu_path(html, sizeof html, "%s/bao-cao-2021.html", dir);
    tu_path(dom, sizeof dom, "%s/dom.html", dir);
    tu_path(err, sizeof err, "%s/chromium.log", dir);
    assert_int_equal(report_write_html_file(&r, html), 0);

    /* The DOM goes to a file and Chromium's chatter to another, so the
     * one cannot corrupt the other. A private profile keeps the run from
     * touching $HOME. */
    tu_path(cmd, sizeof cmd,
            "timeout " BROWSER_TIMEOUT " '%s' --headless --disable-gpu --no-sandbox "
            "--no-first-run --user-data-dir='%s/profile' --dump-dom 'file://%s' >'%s' 2>'%s'",
            chromium, dir, html, dom, err);
    status = tu_runf(out, sizeof out, "/bin/sh", "-c", cmd, (char *)NULL);
    if (status != 0) {
        char *log = slurp(err, &len);
        fail_msg("chromium exited with %d:\n%s", status, log);
    }
    page = slurp(dom, &len);
    if (len == 0) {
        char *log = slurp(err, &len);
        fail_msg("chromium dumped an empty DOM:\n%s", log);
    }

    /* Chromium parsed the page as HTML in Vietnamese with our title. */
    assert_non_null(strstr(page, "<html lang=\"vi\">"));
    assert_non_null(strstr(page, "<title>Báo cáo thi đua, khen thưởng năm 2021</title>"));
    /* The charts survived parsing as SVG with drawn bars: 97 of 100 on the
     * 640-unit track is 620.8 units wide. */
    assert_non_null(strstr(page, "<svg"));
    assert_non_null(strstr(page, "width=\"620.8\""));
    {
        size_t drawn = 0;
        for (const char *p = page; (p = strstr(p, "class=\"bar\"")); p++)
            drawn += strncmp(strstr(p, "width=\""), "width=\"0.0\"", 11) != 0;
        assert_true(drawn >= 3); /* the three procuracies' points at least */
    }

    text = visible_text(page);
    /* Not blank: the body holds a substantial amount of text. */
    assert_true(strlen(text) > 2000);
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        if (!strstr(text, expected[i]))
            fail_msg("not in the page's visible text: \"%s\"", expected[i]);
    /* Standings in rank order: Đà Nẵng (97) before Thành phố Hồ Chí Minh
     * (93,5) before Hà Nội (89), in the table after the chart. */
    {
        const char *table = strstr(text, "Hạng");
        const char *a, *b, *c;

        assert_non_null(table);
        a = strstr(table, VKSCC2_NAME);
        b = strstr(table, VKSCC3_NAME);
        c = strstr(table, VKSCC1_NAME);
        assert_true(a && b && c && a < b && b < c);
    }

    free(text);
    free(page);
    tu_rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_report_in_chromium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
