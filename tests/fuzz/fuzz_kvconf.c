/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the configuration reader (kvconf_parse_buf), which
 * reads the client's tdkt.conf. Every setting it hands on must be what the
 * line said with only the blanks around key and value taken away: a key
 * that is not empty and holds no '=', a value and a section without a line
 * break, in strictly increasing line order. The callback refuses keys that
 * start with '!', as it refuses an unknown setting; a refusal, the reader's
 * or the callback's, must name the file and a line of it, and stay
 * well-formed UTF-8 when the file was (the client prints it). Written back
 * out as `key=value` lines under their sections, the settings read back the
 * same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util/kvconf.h"
#include "common/wire/utf8.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "tdkt.conf"
#define FUZZ_ERR  600 /* the client's buffer (client/cli/main.c) */

struct setting {
    char *section, *key, *value;
    int line;
};

struct settings {
    struct setting *v;
    size_t n, cap;
    unsigned lines; /* lines in the file */
    int utf8;       /* the file is well-formed UTF-8 */
};

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void check_trimmed(const char *s, int trailing_cr)
{
    size_t n = strlen(s);

    if (strchr(s, '\n'))
        abort();
    if (n && (is_blank(s[0]) || is_blank(s[n - 1]) || (trailing_cr && s[n - 1] == '\r')))
        abort();
}

static int collect(void *arg, const char *section, const char *key, const char *value, int line)
{
    struct settings *set = arg;
    struct setting *s;

    if (!*key || strchr(key, '=') || strchr(section, ']') || strlen(section) >= 128)
        abort();
    if (strlen(key) + strlen(value) + 1 > KVCONF_LINE_MAX)
        abort(); /* longer than the line it came from */
    if (key[0] == '#' || key[0] == ';' || key[0] == '[')
        abort(); /* a comment or a section header taken for a setting */
    check_trimmed(key, 1);
    check_trimmed(value, 1);
    if (strchr(section, '\n'))
        abort();
    if (line < 1 || (unsigned)line > set->lines || (set->n && line <= set->v[set->n - 1].line))
        abort();
    if (set->utf8 && (utf8_validate((const uint8_t *)section, strlen(section)) ||
                      utf8_validate((const uint8_t *)key, strlen(key)) ||
                      utf8_validate((const uint8_t *)value, strlen(value))))
        abort();
    if (key[0] == '!')
        return TDKT_EINVAL;
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 16;
        if (!(set->v = realloc(set->v, set->cap * sizeof *set->v)))
            abort();
    }
    s = &set->v[set->n++];
    if (!(s->section = strdup(section)) || !(s->key = strdup(key)) || !(s->value = strdup(value)))
        abort();
    s->line = line;
    return 0;
}

static void settings_free(struct settings *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->v[i].section);
        free(set->v[i].key);
        free(set->v[i].value);
    }
    free(set->v);
}

/* A refusal: "tdkt.conf:LINE: reason", LINE a line of the file. */
static void check_refusal(const char *err, const struct settings *set)
{
    char *end;
    unsigned long line;

    if (strncmp(err, FUZZ_NAME ":", sizeof FUZZ_NAME) != 0)
        abort();
    line = strtoul(err + sizeof FUZZ_NAME, &end, 10);
    if (line < 1 || line > set->lines || strncmp(end, ": ", 2) != 0 || !end[2])
        abort();
    if (strnlen(err, FUZZ_ERR) >= FUZZ_ERR)
        abort();
    if (set->utf8 && utf8_validate((const uint8_t *)err, strlen(err)) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct settings set = {0}, again = {0};
    char err[FUZZ_ERR] = "", *text = NULL;
    const char *section = "";
    size_t len = 0;
    FILE *out;
    int rc;

    set.lines = 1;
    for (size_t i = 0; i < size; i++)
        set.lines += data[i] == '\n';
    set.utf8 = utf8_validate(data, size) == 0;
    rc = kvconf_parse_buf(FUZZ_NAME, (const char *)data, size, collect, &set, err, sizeof err);
    if (rc < 0) {
        if (rc != TDKT_EINVAL && rc != TDKT_ETOOBIG)
            abort();
        check_refusal(err, &set);
        settings_free(&set);
        return 0;
    }
    if (rc != 0)
        abort();

    /* Written back out in the shortest form, which is never longer than the
     * line it came from, the settings read back the same. */
    if (!(out = open_memstream(&text, &len)))
        abort();
    for (size_t i = 0; i < set.n; i++) {
        if (strcmp(section, set.v[i].section) != 0)
            fprintf(out, "[%s]\n", set.v[i].section);
        section = set.v[i].section;
        fprintf(out, "%s=%s\n", set.v[i].key, set.v[i].value);
    }
    if (fclose(out) != 0)
        abort();
    again.lines = 1;
    for (size_t i = 0; i < len; i++)
        again.lines += text[i] == '\n';
    again.utf8 = set.utf8;
    if (kvconf_parse_buf(FUZZ_NAME, text, len, collect, &again, err, sizeof err) != 0 ||
        again.n != set.n)
        abort();
    for (size_t i = 0; i < set.n; i++)
        if (strcmp(set.v[i].section, again.v[i].section) != 0 ||
            strcmp(set.v[i].key, again.v[i].key) != 0 ||
            strcmp(set.v[i].value, again.v[i].value) != 0)
            abort();
    free(text);
    settings_free(&again);
    settings_free(&set);
    return 0;
}
