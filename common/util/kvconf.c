/* SPDX-License-Identifier: MIT */
/* `key = value` configuration reader (see kvconf.h). */
#include "kvconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/wire/utf8.h"

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

int kvconf_parse_buf(const char *name, const char *buf, size_t len, kvconf_cb cb, void *arg,
                     char *err, size_t err_cap)
{
    char line[KVCONF_LINE_MAX + 1];
    char section[128] = "";
    size_t pos = 0;
    int lineno = 0;

    while (pos < len) {
        size_t end = pos;
        while (end < len && buf[end] != '\n')
            end++;
        lineno++;
        if (end - pos > KVCONF_LINE_MAX) {
            snprintf(err, err_cap, "%s:%d: line longer than %d bytes", name, lineno,
                     KVCONF_LINE_MAX);
            return TDKT_ETOOBIG;
        }
        if (memchr(buf + pos, '\0', end - pos)) {
            snprintf(err, err_cap, "%s:%d: NUL byte in line", name, lineno);
            return TDKT_EINVAL;
        }
        memcpy(line, buf + pos, end - pos);
        line[end - pos] = '\0';
        pos = end + 1;
        char *s = trim(line);
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || close[1] != '\0' || (size_t)(close - s - 1) >= sizeof section) {
                snprintf(err, err_cap, "%s:%d: bad section header", name, lineno);
                return TDKT_EINVAL;
            }
            memcpy(section, s + 1, (size_t)(close - s - 1));
            section[close - s - 1] = '\0';
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, err_cap, "%s:%d: expected 'key = value'", name, lineno);
            return TDKT_EINVAL;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (!*key) {
            snprintf(err, err_cap, "%s:%d: empty key", name, lineno);
            return TDKT_EINVAL;
        }
        int rc = cb(arg, section, key, value, lineno);
        if (rc < 0) {
            snprintf(err, err_cap, "%s:%d: bad or unknown setting '%s'", name, lineno, key);
            /* A long key is cut to fit, maybe inside a character, and a
             * file may hold any bytes: the client prints this. */
            if (err_cap)
                utf8_scrub(err);
            return rc;
        }
    }
    return 0;
}

int kvconf_parse_file(const char *path, kvconf_cb cb, void *arg, char *err, size_t err_cap)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, len = 0;
    int rc;

    if (!f) {
        snprintf(err, err_cap, "cannot open %s: %s", path, strerror(errno));
        return errno == ENOENT ? TDKT_ENOTFOUND : TDKT_EIO;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= 1u << 20) {
                fclose(f);
                free(buf);
                snprintf(err, err_cap, "%s: larger than 1 MiB", path);
                return TDKT_ETOOBIG;
            }
            cap = cap ? cap * 2 : 4096;
            char *nb = realloc(buf, cap);
            if (!nb) {
                fclose(f);
                free(buf);
                return TDKT_ENOMEM;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    rc = kvconf_parse_buf(path, buf, len, cb, arg, err, err_cap);
    free(buf);
    return rc;
}
