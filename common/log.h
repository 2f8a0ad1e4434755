/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr (default) or syslog, with a level threshold. Messages at
 * a level above the threshold cost one comparison. Thread-safe: each message
 * is formatted into a local buffer and written with one write(2) / syslog(3).
 */
#ifndef TDKT_COMMON_LOG_H
#define TDKT_COMMON_LOG_H

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

#define LOG_LINE_MAX 1024 /* longer messages are truncated */

/* ident: program name shown in each line. use_syslog: 1 to send to syslog. */
void log_init(const char *ident, enum log_level level, int use_syslog);
/* "error", "warn", "info", "debug" -> level; TDKT_EINVAL otherwise. */
int log_level_parse(const char *s, enum log_level *out);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)                                                                              \
    do {                                                                                           \
        if (log_get_level() >= LOG_LEVEL_INFO)                                                     \
            log_msg(LOG_LEVEL_INFO, __VA_ARGS__);                                                  \
    } while (0)
#define log_debug(...)                                                                             \
    do {                                                                                           \
        if (log_get_level() >= LOG_LEVEL_DEBUG)                                                    \
            log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);                                                 \
    } while (0)

#endif
