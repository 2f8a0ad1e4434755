/* SPDX-License-Identifier: MIT */
/*
 * A tiny configuration file reader: lines of `key = value`, `#` comments,
 * blank lines, optional `[section]` headers (the section is passed along).
 * Pure apart from reading the one file it is given. Limits: KVCONF_LINE_MAX
 * bytes per line; a longer line is an error with its line number.
 */
#ifndef TDKT_COMMON_UTIL_KVCONF_H
#define TDKT_COMMON_UTIL_KVCONF_H

#include <stddef.h>

#define KVCONF_LINE_MAX 1024

/* cb returns 0 to go on or a negative code to stop; unknown keys should be
 * reported by cb. err gets "FILE:LINE: reason" on failure. */
typedef int (*kvconf_cb)(void *arg, const char *section, const char *key, const char *value,
                         int line);

int kvconf_parse_file(const char *path, kvconf_cb cb, void *arg, char *err, size_t err_cap);
int kvconf_parse_buf(const char *name, const char *buf, size_t len, kvconf_cb cb, void *arg,
                     char *err, size_t err_cap);

#endif
