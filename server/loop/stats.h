/* SPDX-License-Identifier: MIT */
/*
 * The daemon's counters, for an administrator (issue 13): connections,
 * requests, every Error the loop sent by code, connections closed after a
 * refusal, refusals over the input budget, pauses over the output budget,
 * refusal log lines left out by the rate limit, and the memory the budgets
 * count. The server's sweep writes them to DATA/stats.json (STATS_FILE)
 * when they changed, and once more at shutdown with "running": false;
 * `tdktd status` prints them (docs/admin.md §4.2).
 *
 * stats_format is pure (counters and gauges in, JSON text out);
 * stats_write is the I/O shell: it writes the text beside the file and
 * renames it over, so a reader never sees half a file. Nothing is fsynced:
 * the counters are a view of a running daemon, not a record.
 */
#ifndef TDKT_SERVER_LOOP_STATS_H
#define TDKT_SERVER_LOOP_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_FILE "stats.json"
/* Error codes counted one by one (proto/tdkt.proto ErrorCode values below
 * this); a larger code, which this build cannot send, would be counted as
 * UNSPECIFIED. */
#define STATS_CODES 32
/* Longest stats.json: about 40 bytes per line below; far more than it
 * needs. */
#define STATS_JSON_MAX 4096

/* Counters since the daemon started; only the loop thread writes them. */
struct stats_counters {
    uint64_t accepted;                    /* connections served (not refused at accept) */
    uint64_t refused_full;                /* connections over --max-conns */
    uint64_t closed;                      /* connections freed */
    uint64_t requests;                    /* complete frames received */
    uint64_t errors_sent;                 /* every Error frame, the database's answers included */
    uint64_t refused_conns;               /* connections closed because of a refusal */
    uint64_t budget_refusals;             /* partial frames refused over the input budget */
    uint64_t output_pauses;               /* times the output budget paused reading */
    uint64_t log_suppressed;              /* refusal log lines left out by the rate limit */
    uint64_t tls_failures;                /* connections that failed TLS (handshake or record) */
    uint64_t handshake_timeouts;          /* connections closed at CONN_HANDSHAKE_TIMEOUT_MS */
    uint64_t refused_frames[STATS_CODES]; /* Errors sent by the loop, by ErrorCode */
};

/* What the daemon holds at the moment of writing. */
struct stats_gauges {
    uint64_t conns;
    uint64_t input_bytes, input_peak, input_budget;
    uint64_t output_bytes, output_peak, output_budget;
};

/* Count one refusal of the given ErrorCode. */
void stats_count_refusal(struct stats_counters *s, int code);
/*
 * The JSON text of stats.json: {"running":..,"pid":..,"started_ms":..,
 * "written_ms":.., "connections":{..}, "requests":.., "errors_sent":..,
 * "refused":{"frames":{"MALFORMED":3,...},"connections":..,
 * "over_input_budget":..,"tls_failures":..,"handshake_timeouts":..,
 * "log_lines_suppressed":..}, "input":{..}, "output":{..}}
 * (docs/admin.md §4.2 has every key). Only codes counted at least once are
 * listed under "frames". 0 and *len, or TDKT_ETOOBIG if cap is too small.
 */
int stats_format(const struct stats_counters *s, const struct stats_gauges *g, int running,
                 long pid, int64_t started_ms, int64_t written_ms, char *buf, size_t cap,
                 size_t *len);
/* Write len bytes of json to path: to "path.tmp", then rename over path.
 * 0, or TDKT_EIO (the temporary file is removed). */
int stats_write(const char *path, const char *json, size_t len);

#endif
