/* SPDX-License-Identifier: MIT */
/*
 * Daemon counters (see stats.h): the JSON text of DATA/stats.json, and the
 * shell that writes it beside and renames it over.
 */
#include "server/loop/stats.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/wire/envelope.h"

void stats_count_refusal(struct stats_counters *s, int code)
{
    if (code < 0 || code >= STATS_CODES)
        code = 0;
    s->refused_frames[code]++;
}

/* Append to buf at *len; a cut is remembered in *rc. */
static void stats_put(char *buf, size_t cap, size_t *len, int *rc, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void stats_put(char *buf, size_t cap, size_t *len, int *rc, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*rc < 0)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *len) {
        *rc = TDKT_ETOOBIG;
        return;
    }
    *len += (size_t)n;
}

int stats_format(const struct stats_counters *s, const struct stats_gauges *g, int running,
                 long pid, int64_t started_ms, int64_t written_ms, char *buf, size_t cap,
                 size_t *len)
{
    int rc = 0, first = 1;

    *len = 0;
    if (cap == 0)
        return TDKT_ETOOBIG;
    stats_put(buf, cap, len, &rc,
              "{\"running\":%s,\"pid\":%ld,\"started_ms\":%lld,\"written_ms\":%lld,\n"
              "\"connections\":{\"open\":%llu,\"accepted\":%llu,\"refused_at_limit\":%llu,"
              "\"closed\":%llu},\n"
              "\"requests\":%llu,\"errors_sent\":%llu,\n"
              "\"refused\":{\"frames\":{",
              running ? "true" : "false", pid, (long long)started_ms, (long long)written_ms,
              (unsigned long long)g->conns, (unsigned long long)s->accepted,
              (unsigned long long)s->refused_full, (unsigned long long)s->closed,
              (unsigned long long)s->requests, (unsigned long long)s->errors_sent);
    for (int code = 0; code < STATS_CODES; code++) {
        if (s->refused_frames[code] == 0)
            continue;
        stats_put(buf, cap, len, &rc, "%s\"%s\":%llu", first ? "" : ",", wire_error_name(code),
                  (unsigned long long)s->refused_frames[code]);
        first = 0;
    }
    stats_put(buf, cap, len, &rc,
              "},\"connections\":%llu,\"over_input_budget\":%llu,\"tls_failures\":%llu,"
              "\"handshake_timeouts\":%llu,\"log_lines_suppressed\":%llu},\n"
              "\"input\":{\"bytes\":%llu,\"peak\":%llu,\"budget\":%llu},\n"
              "\"output\":{\"bytes\":%llu,\"peak\":%llu,\"budget\":%llu,\"pauses\":%llu}}\n",
              (unsigned long long)s->refused_conns, (unsigned long long)s->budget_refusals,
              (unsigned long long)s->tls_failures, (unsigned long long)s->handshake_timeouts,
              (unsigned long long)s->log_suppressed, (unsigned long long)g->input_bytes,
              (unsigned long long)g->input_peak, (unsigned long long)g->input_budget,
              (unsigned long long)g->output_bytes, (unsigned long long)g->output_peak,
              (unsigned long long)g->output_budget, (unsigned long long)s->output_pauses);
    return rc;
}

int stats_write(const char *path, const char *json, size_t len)
{
    char tmp[4096];
    FILE *f = NULL;
    int rc = TDKT_EIO;
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);

    if (n < 0 || (size_t)n >= sizeof tmp)
        goto out;
    f = fopen(tmp, "w");
    if (!f)
        goto out;
    if (fwrite(json, 1, len, f) != len) {
        fclose(f);
        goto out_remove;
    }
    if (fclose(f) != 0)
        goto out_remove;
    if (rename(tmp, path) != 0)
        goto out_remove;
    rc = 0;
    goto out;
out_remove:
    unlink(tmp);
out:
    return rc;
}
