/* SPDX-License-Identifier: MIT */
/*
 * tdkt-bench: a load generator that drives a running tdktd over mutual TLS
 * through the public client library (client/lib/client.h), as simulated
 * regional offices, and prints throughput, latency percentiles and the
 * daemon's memory (VmRSS / VmHWM of the pid given with --pid). It owns no
 * daemon and writes no files; scripts/bench sets up the sector, starts
 * tdktd and compares the figures with its references.
 *
 * Scenarios (one per run, chosen by the first argument):
 *   put     closed loop: --conns offices, one thread and one connection each,
 *           each sending NotePut (one record per request) back to back.
 *   bulk    closed loop: --conns offices, each sending ResultsPut with
 *           --records Target records for year --year; every request changes
 *           every record's value, so every record is a new ledger entry.
 *   status  closed loop: one connection sending StatusRequest back to back.
 *   paced   open loop: --conns connections served by BENCH_PACED_THREADS
 *           threads; request i (a NotePut) is due at start + i / --rate and
 *           its latency is measured from that due time, so a stalled reply
 *           also charges every request queued behind it.
 *   idle    --conns connections opened by BENCH_CONNECT_THREADS threads and
 *           left idle; the daemon's RSS is read while they are all open,
 *           then each answers one StatusRequest to prove it is alive.
 *
 * Offices connect as units PREFIX01..PREFIXnn (--unit-prefix, --units) with
 * the certificates in --certs DIR; when there are more connections than
 * units, connection i uses unit i mod nn, so several connections share one
 * unit certificate (the output says so). Every request id comes from
 * request_id_generate() and is used once. Every run is bounded by --seconds
 * and by BENCH_SAMPLES_MAX latency samples per thread.
 *
 * Errors follow common/err.h: functions return 0 or a negative TDKT_E*
 * code. A request that fails is counted as an error (never as throughput)
 * and the first failure's text is printed; a connection that broke is
 * reopened before the thread's next request.
 *
 * Output: a readable report and one line "RESULT key=value ..." for scripts.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "client/lib/client.h"
#include "bench_util.h"
#include "common/err.h"
#include "common/wire/envelope.h"

#define BENCH_CONNS_MAX        20000      /* connections one run may open */
#define BENCH_UNITS_MAX        999        /* unit codes PREFIX01..PREFIX999 */
#define BENCH_SECONDS_MAX      600        /* the longest measured phase */
#define BENCH_RECORDS_MAX      20000      /* = the server's RESULTS_BATCH_MAX */
#define BENCH_RATE_MAX         100000     /* requests/s offered in the paced scenario */
#define BENCH_SAMPLES_MAX      (4u << 20) /* latency samples kept per thread */
#define BENCH_PACED_THREADS    32         /* threads serving the paced connections */
#define BENCH_CONNECT_THREADS  8          /* threads opening the idle connections */
#define BENCH_IDLE_SETTLE_MS   1000       /* wait before reading the idle RSS */
#define BENCH_TIMEOUT_MS       30000      /* client step timeout */
#define BENCH_NOFILE           65536      /* RLIMIT_NOFILE we ask for */
#define BENCH_RECONNECT_NAP_MS 50         /* pause before reopening a broken connection */
#define BENCH_PATH_MAX         512
#define BENCH_CODE_MAX         64
#define BENCH_ERRMSG_MAX       CLIENT_ERRMSG_MAX
#define BENCH_FIRST_ERROR_MAX  (2 * CLIENT_ERRMSG_MAX) /* a prefix and a client message */
#define BENCH_PACED_START_MS   200 /* the open-loop schedule starts this far ahead */
#define BENCH_TASKS_MAX        16  /* tdktd threads whose CPU time is reported */

/* What a note carries: about the size of a real one-line notice. */
static const char bench_note_text[] =
    "Thông báo rút kinh nghiệm: hồ sơ vụ án đã được kiểm sát đúng hạn, đủ thủ tục.";

/* The command line: the scenario, then the options (parse_opts). */
struct bench_opts {
    const char *scenario, *host, *ca, *certs, *unit_prefix;
    int port, units, pid, seconds, conns, rate, records, year;
};

/* Latency samples of one thread, in microseconds. Owned by the thread until
 * joined, then merged by stats_merge. */
struct lat {
    uint32_t *us;
    size_t n, cap;
    int full; /* BENCH_SAMPLES_MAX reached: later samples are not kept */
};

/* Everything one thread reports; summed after the join. */
struct tally {
    uint64_t ok, errors, records, reconnects;
    struct lat lat;
    char first_error[BENCH_FIRST_ERROR_MAX];
};

struct worker {
    const struct bench_opts *o;
    int idx;
    struct tally t;
    /* paced / idle: the connections this thread owns */
    struct tdkt_client **conns;
    int nconns;
    int first_conn; /* global index of conns[0] */
};

static atomic_int paced_ready;

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void sleep_until_us(int64_t t)
{
    struct timespec ts = {(time_t)(t / 1000000), (long)(t % 1000000) * 1000L};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static int lat_add(struct lat *l, int64_t us)
{
    if (l->n == l->cap) {
        if (l->cap >= BENCH_SAMPLES_MAX) {
            l->full = 1;
            return 0;
        }
        size_t cap = l->cap ? l->cap * 2 : 4096;
        uint32_t *p = realloc(l->us, cap * sizeof *p);
        if (!p)
            return TDKT_ENOMEM;
        l->us = p;
        l->cap = cap;
    }
    l->us[l->n++] = us < 0 ? 0 : (us > UINT32_MAX ? UINT32_MAX : (uint32_t)us);
    return 0;
}

/* Count an error; keep the first one's text (prefix and message). */
static void tally_error(struct tally *t, const char *prefix, const char *msg)
{
    if (t->errors++ == 0)
        snprintf(t->first_error, sizeof t->first_error, "%s%s", prefix, msg);
}

/* --- units and connections ------------------------------------------------ */

static void unit_code(const struct bench_opts *o, int i, char out[BENCH_CODE_MAX])
{
    snprintf(out, BENCH_CODE_MAX, "%s%02d", o->unit_prefix, i % o->units + 1);
}

/* Open connection number i (its unit is i mod --units). On failure *out is
 * NULL and err holds the client's message. */
static int bench_connect(const struct bench_opts *o, int i, struct tdkt_client **out,
                         char err[BENCH_ERRMSG_MAX])
{
    char code[BENCH_CODE_MAX], crt[BENCH_PATH_MAX], key[BENCH_PATH_MAX];
    struct tdkt_client *c = NULL;

    unit_code(o, i, code);
    snprintf(crt, sizeof crt, "%s/%s.crt", o->certs, code);
    snprintf(key, sizeof key, "%s/%s.key", o->certs, code);
    struct tdkt_client_opts co = {
        .host = o->host,
        .port = o->port,
        .ca_file = o->ca,
        .cert_file = crt,
        .key_file = key,
        .timeout_ms = BENCH_TIMEOUT_MS,
        .client_name = "tdkt-bench",
    };
    int rc = tdkt_client_connect(&co, &c);
    if (rc < 0) {
        snprintf(err, BENCH_ERRMSG_MAX, "%s", c ? tdkt_client_errmsg(c) : tdkt_strerror(rc));
        tdkt_client_close(c);
        *out = NULL;
        return rc;
    }
    *out = c;
    return 0;
}

/* Keep a failed call's message; a local failure (no server error code)
 * leaves the connection BROKEN, so it is closed for the caller to reopen. */
static void call_failed(struct tally *t, struct tdkt_client **c)
{
    tally_error(t, "", tdkt_client_errmsg(*c));
    if (tdkt_client_last_error(*c)->code == 0) {
        tdkt_client_close(*c);
        *c = NULL;
    }
}

/* Make sure *c is open; count a reopen. */
static int ensure_conn(struct worker *w, int i, struct tdkt_client **c)
{
    char err[BENCH_ERRMSG_MAX];
    if (*c)
        return 0;
    int rc = bench_connect(w->o, i, c, err);
    if (rc < 0) {
        tally_error(&w->t, "connect: ", err);
        nap_ms(BENCH_RECONNECT_NAP_MS);
        return rc;
    }
    return 0;
}

static int note_put_once(struct worker *w, struct tdkt_client **c, uint64_t n)
{
    uint8_t id[REQUEST_ID_LEN];
    char key[BENCH_CODE_MAX * 2];
    struct tdkt_receipt r;

    if (request_id_generate(id) < 0) {
        tally_error(&w->t, "", "request_id_generate failed");
        return TDKT_EIO;
    }
    snprintf(key, sizeof key, "bench/%d/%" PRIu64, w->idx, n);
    int rc = tdkt_client_note_put(*c, id, key, bench_note_text, &r);
    if (rc < 0) {
        call_failed(&w->t, c);
        return rc;
    }
    if (r.replayed) {
        /* A fresh id can never be a replay; count it, never as throughput. */
        tally_error(&w->t, "", "a fresh request id was answered as a replay");
        return TDKT_EPROTO;
    }
    w->t.ok++;
    w->t.records++;
    return 0;
}

/* --- scenario: put (one record per request) -------------------------------- */

static void *put_main(void *arg)
{
    struct worker *w = arg;
    struct tdkt_client *c = NULL;
    int64_t end = bench_mono_us() + (int64_t)w->o->seconds * 1000000;
    uint64_t n = 0;

    while (bench_mono_us() < end) {
        if (ensure_conn(w, w->idx, &c) < 0)
            continue;
        int64_t t0 = bench_mono_us();
        if (note_put_once(w, &c, n++) == 0 && lat_add(&w->t.lat, bench_mono_us() - t0) < 0)
            break;
        if (!c)
            w->t.reconnects++;
    }
    tdkt_client_close(c);
    return NULL;
}

/* --- scenario: bulk (ResultsPut of --records targets) ----------------------- */

struct bulk_batch {
    Tdkt__ResultsPut put;
    Tdkt__ResultRecord *recs;
    Tdkt__ResultRecord **recp;
    Tdkt__Target *targets;
    char (*codes)[16];
    char (*names)[48];
};

static void bulk_batch_free(struct bulk_batch *b)
{
    free(b->recs);
    free(b->recp);
    free(b->targets);
    free(b->codes);
    free(b->names);
}

static int bulk_batch_init(struct bulk_batch *b, const char *unit, int year, int n)
{
    size_t k = (size_t)n;
    memset(b, 0, sizeof *b);
    b->recs = calloc(k, sizeof *b->recs);
    b->recp = calloc(k, sizeof *b->recp);
    b->targets = calloc(k, sizeof *b->targets);
    b->codes = calloc(k, sizeof *b->codes);
    b->names = calloc(k, sizeof *b->names);
    if (!b->recs || !b->recp || !b->targets || !b->codes || !b->names) {
        bulk_batch_free(b);
        return TDKT_ENOMEM;
    }
    tdkt__results_put__init(&b->put);
    b->put.unit_code = (char *)unit;
    b->put.year = (uint32_t)year;
    b->put.n_records = k;
    b->put.records = b->recp;
    for (size_t i = 0; i < k; i++) {
        snprintf(b->codes[i], sizeof b->codes[i], "CT%05d", (int)i + 1);
        snprintf(b->names[i], sizeof b->names[i], "Chỉ tiêu công tác số %d", (int)i + 1);
        tdkt__target__init(&b->targets[i]);
        b->targets[i].code = b->codes[i];
        b->targets[i].name = b->names[i];
        b->targets[i].planned = 100;
        tdkt__result_record__init(&b->recs[i]);
        b->recs[i].item_case = TDKT__RESULT_RECORD__ITEM_TARGET;
        b->recs[i].target = &b->targets[i];
        b->recp[i] = &b->recs[i];
    }
    return 0;
}

/* One timed request: the envelope (its body set by the caller), the id it
 * carries, the reply (the caller frees it) and the latency. */
struct call {
    Tdkt__Envelope req, *reply;
    uint8_t id[REQUEST_ID_LEN];
    int64_t dt;
};

/*
 * Open *c if it is not (ensure_conn), then send k->req over it with a fresh
 * request id and the connection's version, and time the call: 0 with
 * k->reply and k->dt; a negative code once a failure is tallied (a broken
 * connection is dropped and counted, to be reopened); 1 when no request id
 * could be made (tallied: the thread stops).
 */
static int timed_call(struct worker *w, struct tdkt_client **c, struct call *k)
{
    int64_t t0;
    int rc;

    if ((rc = ensure_conn(w, w->idx, c)) < 0)
        return rc;
    if (request_id_generate(k->id) < 0) {
        tally_error(&w->t, "", "request_id_generate failed");
        return 1;
    }
    k->req.version = tdkt_client_version(*c);
    k->req.request_id.data = k->id;
    k->req.request_id.len = sizeof k->id;
    t0 = bench_mono_us();
    rc = tdkt_client_call(*c, &k->req, &k->reply);
    k->dt = bench_mono_us() - t0;
    if (rc < 0) {
        call_failed(&w->t, c);
        if (!*c)
            w->t.reconnects++;
    }
    return rc;
}

static void *bulk_main(void *arg)
{
    struct worker *w = arg;
    struct tdkt_client *c = NULL;
    struct bulk_batch b;
    char unit[BENCH_CODE_MAX];
    int64_t end = bench_mono_us() + (int64_t)w->o->seconds * 1000000;
    uint64_t n = 0;

    unit_code(w->o, w->idx, unit);
    if (bulk_batch_init(&b, unit, w->o->year, w->o->records) < 0) {
        tally_error(&w->t, "", "out of memory building the batch");
        return NULL;
    }
    while (bench_mono_us() < end) {
        struct call k = {.req = TDKT__ENVELOPE__INIT};
        int rc;

        /* New content every time: achieved moves on, so no record is
         * "unchanged" and every one is appended to the ledger. */
        n++;
        for (size_t i = 0; i < b.put.n_records; i++)
            b.targets[i].achieved = (double)n + (double)i / 8.0;
        k.req.body_case = TDKT__ENVELOPE__BODY_RESULTS_PUT;
        k.req.results_put = &b.put;
        rc = timed_call(w, &c, &k);
        if (rc > 0)
            break;
        if (rc < 0)
            continue;
        if (k.reply->body_case != TDKT__ENVELOPE__BODY_RECEIPT || k.reply->receipt->replayed ||
            k.reply->receipt->appended != b.put.n_records) {
            char why[128];
            snprintf(why, sizeof why, "reply %d, appended %u of %zu", (int)k.reply->body_case,
                     k.reply->body_case == TDKT__ENVELOPE__BODY_RECEIPT ? k.reply->receipt->appended
                                                                        : 0u,
                     b.put.n_records);
            tally_error(&w->t, "unexpected reply: ", why);
        } else {
            w->t.ok++;
            w->t.records += k.reply->receipt->appended;
            lat_add(&w->t.lat, k.dt);
        }
        tdkt__envelope__free_unpacked(k.reply, NULL);
    }
    tdkt_client_close(c);
    bulk_batch_free(&b);
    return NULL;
}

/* --- scenario: status (read-only, one connection) --------------------------- */

static void *status_main(void *arg)
{
    struct worker *w = arg;
    struct tdkt_client *c = NULL;
    int64_t end = bench_mono_us() + (int64_t)w->o->seconds * 1000000;
    Tdkt__StatusRequest st = TDKT__STATUS_REQUEST__INIT;

    while (bench_mono_us() < end) {
        struct call k = {.req = TDKT__ENVELOPE__INIT};
        int rc;

        k.req.body_case = TDKT__ENVELOPE__BODY_STATUS;
        k.req.status = &st;
        rc = timed_call(w, &c, &k);
        if (rc > 0)
            break;
        if (rc < 0)
            continue;
        if (k.reply->body_case != TDKT__ENVELOPE__BODY_STATUS_REPLY) {
            tally_error(&w->t, "", "a StatusRequest was not answered with a StatusReply");
        } else {
            if (w->t.ok == 0)
                /* The sizes the plain TCP ping-pong reference must use. */
                printf("frame bytes: request %zu, reply %zu (4-byte length + Envelope)\n",
                       tdkt__envelope__get_packed_size(&k.req) + 4,
                       tdkt__envelope__get_packed_size(k.reply) + 4);
            w->t.ok++;
            lat_add(&w->t.lat, k.dt);
        }
        tdkt__envelope__free_unpacked(k.reply, NULL);
    }
    tdkt_client_close(c);
    return NULL;
}

/* --- scenarios: paced and idle (many connections per thread) ---------------- */

/* Open this worker's share of the connections; a failure is counted and the
 * slot stays NULL (paced reopens it on first use, idle reports it). */
static void open_share(struct worker *w)
{
    char err[BENCH_ERRMSG_MAX];
    for (int k = 0; k < w->nconns; k++) {
        int64_t t0 = bench_mono_us();
        if (bench_connect(w->o, w->first_conn + k, &w->conns[k], err) < 0) {
            tally_error(&w->t, "connect: ", err);
            continue;
        }
        w->t.reconnects++; /* here: connections opened */
        lat_add(&w->t.lat, bench_mono_us() - t0);
    }
}

struct paced_ctx {
    int64_t start_us;
    int threads;
};
static struct paced_ctx paced;

static void *paced_main(void *arg)
{
    struct worker *w = arg;
    const struct bench_opts *o = w->o;
    uint64_t total = (uint64_t)o->rate * (uint64_t)o->seconds;

    open_share(w);
    w->t.reconnects = 0;
    w->t.lat.n = 0; /* the connect latencies are not this scenario's */
    atomic_fetch_add(&paced_ready, 1);
    while (atomic_load(&paced_ready) >= 0)
        nap_ms(1);
    /* Request i is this thread's if i mod threads == idx; the k-th of them
     * goes to its connection k mod nconns. */
    uint64_t k = 0;
    for (uint64_t i = (uint64_t)w->idx; i < total; i += (uint64_t)paced.threads, k++) {
        int64_t due = paced.start_us + (int64_t)(i * 1000000u / (uint64_t)o->rate);
        struct tdkt_client **c = &w->conns[k % (uint64_t)w->nconns];
        sleep_until_us(due);
        if (ensure_conn(w, w->first_conn + (int)(k % (uint64_t)w->nconns), c) < 0)
            continue;
        if (note_put_once(w, c, i) == 0)
            lat_add(&w->t.lat, bench_mono_us() - due);
        if (!*c)
            w->t.reconnects++;
    }
    return NULL;
}

static void *idle_open_main(void *arg)
{
    open_share((struct worker *)arg);
    return NULL;
}

/* One StatusRequest on each open connection: they are alive and served. */
static void *idle_check_main(void *arg)
{
    struct worker *w = arg;
    uint64_t alive = 0;
    for (int k = 0; k < w->nconns; k++) {
        struct tdkt_status st;
        if (!w->conns[k])
            continue;
        if (tdkt_client_status(w->conns[k], &st) < 0) {
            call_failed(&w->t, &w->conns[k]);
            continue;
        }
        alive++;
    }
    w->t.ok = alive;
    return NULL;
}

/* --- reporting ------------------------------------------------------------ */

struct mem {
    long rss_kb, hwm_kb;
};

/* VmRSS and VmHWM of pid from /proc; -1 when unreadable (no --pid). */
static struct mem mem_read(int pid)
{
    struct mem m = {-1, -1};
    char path[64], line[256];
    if (pid <= 0)
        return m;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return m;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            m.rss_kb = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "VmHWM:", 6) == 0)
            m.hwm_kb = strtol(line + 6, NULL, 10);
    }
    fclose(f);
    return m;
}

/* CPU time of tdktd, of each of its threads, and of this process, so a
 * report can say which side and which thread used the two cores. */
struct cpu {
    double proc_s, self_s;
    int ntask;
    int tid[BENCH_TASKS_MAX];
    double task_s[BENCH_TASKS_MAX];
    char name[BENCH_TASKS_MAX][16];
};

/* utime + stime of a /proc/.../stat file, in seconds; -1 if unreadable. */
static double stat_cpu_s(const char *path)
{
    char buf[1024];
    unsigned long ut = 0, st = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold spaces; fields resume after the last ')'. */
    const char *p = strrchr(buf, ')');
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void cpu_read(int pid, struct cpu *c)
{
    char path[BENCH_PATH_MAX];
    struct rusage ru;
    memset(c, 0, sizeof *c);
    getrusage(RUSAGE_SELF, &ru);
    c->self_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    if (pid <= 0)
        return;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    c->proc_s = stat_cpu_s(path);
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && c->ntask < BENCH_TASKS_MAX) {
        int tid = atoi(e->d_name);
        if (tid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, tid);
        c->tid[c->ntask] = tid;
        c->task_s[c->ntask] = stat_cpu_s(path);
        snprintf(path, sizeof path, "/proc/%d/task/%d/comm", pid, tid);
        FILE *f = fopen(path, "r");
        if (f) {
            if (fgets(c->name[c->ntask], sizeof c->name[c->ntask], f))
                c->name[c->ntask][strcspn(c->name[c->ntask], "\n")] = '\0';
            fclose(f);
        }
        c->ntask++;
    }
    if (d)
        closedir(d);
}

/* Print the CPU used between a and b over secs; the cores tdktd kept busy
 * go to *server, the cores this load generator used to *client. */
static void cpu_report(const struct cpu *a, const struct cpu *b, double secs, double *server,
                       double *client)
{
    *server = secs > 0 && a->proc_s >= 0 ? (b->proc_s - a->proc_s) / secs : -1;
    *client = secs > 0 ? (b->self_s - a->self_s) / secs : -1;
    printf("  CPU         tdktd %.2f cores, tdkt-bench %.2f cores (of %ld); tdktd threads:",
           *server, *client, sysconf(_SC_NPROCESSORS_ONLN));
    for (int i = 0; i < b->ntask; i++) {
        double before = 0;
        for (int k = 0; k < a->ntask; k++)
            if (a->tid[k] == b->tid[i])
                before = a->task_s[k];
        printf(" %s/%d %.2f", b->name[i], b->tid[i], (b->task_s[i] - before) / secs);
    }
    printf("\n");
}

/* Nearest-rank percentile of sorted samples, in milliseconds. */
struct summary {
    uint64_t ok, errors, records, reconnects;
    size_t samples;
    int truncated;
    double p50, p95, p99, max;
    char first_error[BENCH_FIRST_ERROR_MAX];
};

/* Sum the workers' tallies and sort their samples together. */
static int summarize(struct worker *w, int n, struct summary *s)
{
    size_t total = 0, at = 0;
    memset(s, 0, sizeof *s);
    for (int i = 0; i < n; i++)
        total += w[i].t.lat.n;
    uint32_t *all = malloc((total ? total : 1) * sizeof *all);
    if (!all)
        return TDKT_ENOMEM;
    for (int i = 0; i < n; i++) {
        struct tally *t = &w[i].t;
        s->ok += t->ok;
        s->errors += t->errors;
        s->records += t->records;
        s->reconnects += t->reconnects;
        s->truncated |= t->lat.full;
        if (t->errors && !s->first_error[0])
            snprintf(s->first_error, sizeof s->first_error, "%s", t->first_error);
        if (t->lat.n)
            memcpy(all + at, t->lat.us, t->lat.n * sizeof *all);
        at += t->lat.n;
    }
    bench_sort_us(all, total);
    s->samples = total;
    s->p50 = bench_pct_ms(all, total, 50);
    s->p95 = bench_pct_ms(all, total, 95);
    s->p99 = bench_pct_ms(all, total, 99);
    s->max = total ? all[total - 1] / 1000.0 : 0;
    free(all);
    return 0;
}

static void report(const struct bench_opts *o, const struct summary *s, double secs,
                   struct mem before, struct mem after, const struct cpu *c0, const struct cpu *c1,
                   const char *extra_kv)
{
    double server_cpu = -1, client_cpu = -1;
    double rps = secs > 0 ? (double)s->ok / secs : 0;
    double recs = secs > 0 ? (double)s->records / secs : 0;
    printf("  completed   %" PRIu64 " requests in %.2f s: %.1f requests/s", s->ok, secs, rps);
    if (s->records)
        printf(", %.1f records/s", recs);
    printf("\n  errors      %" PRIu64 "%s%s\n", s->errors, s->errors ? "  -- first: " : "",
           s->errors ? s->first_error : "");
    printf("  latency ms  p50 %.3f  p95 %.3f  p99 %.3f  max %.3f  (%zu samples%s)\n", s->p50,
           s->p95, s->p99, s->max, s->samples, s->truncated ? ", truncated" : "");
    if (after.rss_kb >= 0)
        printf("  tdktd RSS   %.1f MB before, %.1f MB after, peak (VmHWM) %.1f MB\n",
               before.rss_kb / 1024.0, after.rss_kb / 1024.0, after.hwm_kb / 1024.0);
    if (c0 && c1)
        cpu_report(c0, c1, secs, &server_cpu, &client_cpu);
    if (s->errors)
        printf("  WARNING: this run had %" PRIu64 " errors\n", s->errors);
    printf("RESULT scenario=%s conns=%d units=%d seconds=%.3f ok=%" PRIu64 " errors=%" PRIu64
           " reconnects=%" PRIu64 " rps=%.1f records_per_s=%.1f p50_ms=%.3f p95_ms=%.3f"
           " p99_ms=%.3f max_ms=%.3f rss_kb=%ld hwm_kb=%ld server_cpu=%.2f client_cpu=%.2f%s%s\n",
           o->scenario, o->conns, o->units < o->conns ? o->units : o->conns, secs, s->ok, s->errors,
           s->reconnects, rps, recs, s->p50, s->p95, s->p99, s->max, after.rss_kb, after.hwm_kb,
           server_cpu, client_cpu, extra_kv ? " " : "", extra_kv ? extra_kv : "");
    fflush(stdout);
}

static void sharing_note(const struct bench_opts *o)
{
    if (o->conns > o->units)
        printf("  note        %d connections share %d unit certificates (%s01..%s%02d)\n", o->conns,
               o->units, o->unit_prefix, o->unit_prefix, o->units);
    else
        printf("  note        one unit certificate per connection (%s01..%s%02d)\n", o->unit_prefix,
               o->unit_prefix, o->conns);
}

/* --- drivers -------------------------------------------------------------- */

static void free_workers(struct worker *w, int n)
{
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < w[i].nconns; k++)
            tdkt_client_close(w[i].conns[k]);
        free(w[i].conns);
        free(w[i].t.lat.us);
    }
    free(w);
}

/* Split conns connections over n workers (paced, idle). */
static int share_conns(struct worker *w, int n, int conns)
{
    int at = 0;
    for (int i = 0; i < n; i++) {
        w[i].first_conn = at;
        w[i].nconns = conns / n + (i < conns % n);
        w[i].conns = calloc((size_t)(w[i].nconns ? w[i].nconns : 1), sizeof *w[i].conns);
        if (!w[i].conns)
            return TDKT_ENOMEM;
        at += w[i].nconns;
    }
    return 0;
}

static int run_threads(struct worker *w, int n, void *(*fn)(void *))
{
    pthread_t *th = calloc((size_t)n, sizeof *th);
    int started = 0, rc = 0;
    if (!th)
        return TDKT_ENOMEM;
    for (; started < n; started++) {
        if (pthread_create(&th[started], NULL, fn, &w[started]) != 0) {
            rc = TDKT_ENOMEM;
            break;
        }
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    return rc;
}

static int run_closed(const struct bench_opts *o, int nthreads, void *(*fn)(void *),
                      const char *title)
{
    struct worker *w = calloc((size_t)nthreads, sizeof *w);
    struct summary s;
    int rc;
    if (!w)
        return TDKT_ENOMEM;
    for (int i = 0; i < nthreads; i++) {
        w[i].o = o;
        w[i].idx = i;
    }
    printf("scenario %s: %s, %d s\n", o->scenario, title, o->seconds);
    sharing_note(o);
    fflush(stdout);
    struct mem before = mem_read(o->pid);
    struct cpu c0, c1;
    cpu_read(o->pid, &c0);
    int64_t t0 = bench_mono_us();
    rc = run_threads(w, nthreads, fn);
    double secs = (double)(bench_mono_us() - t0) / 1e6;
    cpu_read(o->pid, &c1);
    struct mem after = mem_read(o->pid);
    if (rc == 0)
        rc = summarize(w, nthreads, &s);
    if (rc == 0)
        report(o, &s, secs, before, after, &c0, &c1, NULL);
    free_workers(w, nthreads);
    return rc;
}

static int run_paced(const struct bench_opts *o)
{
    int n = o->conns < BENCH_PACED_THREADS ? o->conns : BENCH_PACED_THREADS;
    struct worker *w = calloc((size_t)n, sizeof *w);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    struct summary s;
    char kv[128];
    int rc = w && th ? share_conns(w, n, o->conns) : TDKT_ENOMEM, started = 0;

    printf("scenario paced: %d offices connected, %d requests/s offered in total (open loop,"
           " NotePut), %d s, %d client threads\n",
           o->conns, o->rate, o->seconds, n);
    sharing_note(o);
    fflush(stdout);
    atomic_store(&paced_ready, 0);
    for (int i = 0; rc == 0 && i < n; i++, started++) {
        w[i].o = o;
        w[i].idx = i;
        if (pthread_create(&th[i], NULL, paced_main, &w[i]) != 0)
            rc = TDKT_ENOMEM;
    }
    /* Every connection opens before the clock starts. */
    while (rc == 0 && atomic_load(&paced_ready) < n)
        nap_ms(5);
    struct mem before = mem_read(o->pid);
    struct cpu c0, c1;
    cpu_read(o->pid, &c0);
    paced.threads = n;
    paced.start_us = bench_mono_us() + BENCH_PACED_START_MS * 1000;
    atomic_store(&paced_ready, -1);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    double secs = (double)(bench_mono_us() - paced.start_us) / 1e6;
    cpu_read(o->pid, &c1);
    struct mem after = mem_read(o->pid);
    if (rc == 0)
        rc = summarize(w, n, &s);
    if (rc == 0) {
        snprintf(kv, sizeof kv, "offered_rps=%d", o->rate);
        report(o, &s, secs, before, after, &c0, &c1, kv);
    }
    if (w)
        free_workers(w, n);
    free(th);
    return rc;
}

static int run_idle(const struct bench_opts *o)
{
    int n = o->conns < BENCH_CONNECT_THREADS ? o->conns : BENCH_CONNECT_THREADS;
    struct worker *w = calloc((size_t)n, sizeof *w);
    struct summary s, chk;
    char kv[256];
    int rc = w ? share_conns(w, n, o->conns) : TDKT_ENOMEM;

    printf("scenario idle: %d TLS connections opened by %d threads, held %d s\n", o->conns, n,
           o->seconds);
    sharing_note(o);
    fflush(stdout);
    for (int i = 0; rc == 0 && i < n; i++) {
        w[i].o = o;
        w[i].idx = i;
    }
    struct mem before = mem_read(o->pid);
    int64_t t0 = bench_mono_us();
    if (rc == 0)
        rc = run_threads(w, n, idle_open_main);
    double open_s = (double)(bench_mono_us() - t0) / 1e6;
    if (rc == 0)
        rc = summarize(w, n, &s);
    if (rc < 0)
        goto out;
    nap_ms(BENCH_IDLE_SETTLE_MS);
    nap_ms(o->seconds * 1000);
    struct mem idle = mem_read(o->pid);
    printf("  opened      %" PRIu64 " connections in %.2f s (%.0f/s): TLS 1.3 + Hello/Welcome\n",
           s.reconnects, open_s, open_s > 0 ? (double)s.reconnects / open_s : 0);
    printf("  connect ms  p50 %.3f  p95 %.3f  p99 %.3f  max %.3f\n", s.p50, s.p95, s.p99, s.max);
    if (idle.rss_kb >= 0)
        printf("  tdktd RSS   %.1f MB before, %.1f MB with all open and idle (%.1f KB per"
               " connection), peak %.1f MB\n",
               before.rss_kb / 1024.0, idle.rss_kb / 1024.0,
               s.reconnects ? (double)(idle.rss_kb - before.rss_kb) / (double)s.reconnects : 0,
               idle.hwm_kb / 1024.0);
    /* Then each connection answers one Status: they are still served. */
    for (int i = 0; i < n; i++) {
        w[i].t.ok = 0;
        w[i].t.lat.n = 0;
    }
    rc = run_threads(w, n, idle_check_main);
    if (rc == 0)
        rc = summarize(w, n, &chk);
    if (rc < 0)
        goto out;
    struct mem after = mem_read(o->pid);
    printf("  alive       %" PRIu64 " of %d answered a StatusRequest after the idle period\n",
           chk.ok, o->conns);
    chk.records = 0;
    chk.samples = s.samples;
    chk.p50 = s.p50;
    chk.p95 = s.p95;
    chk.p99 = s.p99;
    chk.max = s.max;
    chk.errors = s.errors + (uint64_t)o->conns - chk.ok;
    if (chk.errors && !chk.first_error[0])
        snprintf(chk.first_error, sizeof chk.first_error, "%s",
                 s.first_error[0] ? s.first_error : "a connection did not answer");
    snprintf(kv, sizeof kv, "opened=%" PRIu64 " alive=%" PRIu64 " idle_rss_kb=%ld open_s=%.3f",
             s.reconnects, chk.ok, idle.rss_kb, open_s);
    report(o, &chk, open_s, before, after, NULL, NULL, kv);
out:
    if (w)
        free_workers(w, n);
    return rc;
}

/* --- main ----------------------------------------------------------------- */

static const char usage_text[] =
    "usage: tdkt-bench SCENARIO --port N --ca FILE --certs DIR [options]\n"
    "scenarios: put | bulk | status | paced | idle (see the top of tdkt_bench.c)\n"
    "  --host H          daemon address (127.0.0.1)\n"
    "  --unit-prefix P   units are P01..Pnn (BENCH)      --units N   how many (64)\n"
    "  --pid PID         tdktd's pid, for VmRSS/VmHWM     --seconds S measured time (10)\n"
    "  --conns N         connections / offices (64)      --rate R    paced: requests/s (1000)\n"
    "  --records N       bulk: records per request (10000)\n"
    "  --year Y          bulk: an open period (2030)\n";

/* The options: each one a text kept as given, or a whole number in lo..hi
 * (lo == hi == 0: a text), stored at its offset in struct bench_opts. */
static const struct bench_option {
    const char *name;
    size_t offset;
    int lo, hi;
} bench_options[] = {
    {"host", offsetof(struct bench_opts, host), 0, 0},
    {"ca", offsetof(struct bench_opts, ca), 0, 0},
    {"certs", offsetof(struct bench_opts, certs), 0, 0},
    {"unit-prefix", offsetof(struct bench_opts, unit_prefix), 0, 0},
    {"port", offsetof(struct bench_opts, port), 1, 65535},
    {"units", offsetof(struct bench_opts, units), 1, BENCH_UNITS_MAX},
    {"pid", offsetof(struct bench_opts, pid), 1, INT32_MAX},
    {"seconds", offsetof(struct bench_opts, seconds), 1, BENCH_SECONDS_MAX},
    {"conns", offsetof(struct bench_opts, conns), 1, BENCH_CONNS_MAX},
    {"rate", offsetof(struct bench_opts, rate), 1, BENCH_RATE_MAX},
    {"records", offsetof(struct bench_opts, records), 1, BENCH_RECORDS_MAX},
    {"year", offsetof(struct bench_opts, year), 2000, 2100},
};

#define BENCH_OPTIONS (sizeof bench_options / sizeof bench_options[0])

static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
    struct option longopts[BENCH_OPTIONS + 1];
    int ch, rc = 0;

    if (argc < 2)
        return TDKT_EINVAL;
    /* getopt_long returns the option's index in bench_options. */
    for (size_t i = 0; i < BENCH_OPTIONS; i++)
        longopts[i] = (struct option){bench_options[i].name, required_argument, NULL, (int)i};
    longopts[BENCH_OPTIONS] = (struct option){NULL, 0, NULL, 0};
    o->scenario = argv[1];
    optind = 2;
    while (rc == 0 && (ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        const struct bench_option *b;
        char *field;

        if (ch < 0 || (size_t)ch >= BENCH_OPTIONS) {
            rc = TDKT_EINVAL; /* '?': unknown, or without its value */
            break;
        }
        b = &bench_options[ch];
        field = (char *)o + b->offset;
        if (b->lo == 0 && b->hi == 0)
            memcpy(field, &optarg, sizeof optarg);
        else
            rc = bench_parse_int(optarg, b->lo, b->hi, (int *)(void *)field);
    }
    if (rc == 0 && (optind != argc || !o->port || !o->ca || !o->certs))
        rc = TDKT_EINVAL;
    return rc;
}

/* Enough descriptors for --conns sockets plus the certificate files. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    if (rl.rlim_max < BENCH_NOFILE) {
        struct rlimit up = {BENCH_NOFILE, BENCH_NOFILE};
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            return;
    }
    rl.rlim_cur = rl.rlim_max < BENCH_NOFILE ? rl.rlim_max : BENCH_NOFILE;
    setrlimit(RLIMIT_NOFILE, &rl);
}

int main(int argc, char **argv)
{
    struct bench_opts o = {
        .host = "127.0.0.1",
        .unit_prefix = "BENCH",
        .units = 64,
        .seconds = 10,
        .conns = 64,
        .rate = 1000,
        .records = 10000,
        .year = 2030,
    };
    int rc;

    if (parse_opts(argc, argv, &o) < 0) {
        fputs(usage_text, stderr);
        return 2;
    }
    raise_nofile();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(o.scenario, "put") == 0)
        rc = run_closed(&o, o.conns, put_main, "offices upload one record (NotePut) per request");
    else if (strcmp(o.scenario, "bulk") == 0)
        rc = run_closed(&o, o.conns, bulk_main, "offices upload ResultsPut batches of targets");
    else if (strcmp(o.scenario, "status") == 0) {
        o.conns = 1;
        rc = run_closed(&o, 1, status_main, "StatusRequest back to back on one connection");
    } else if (strcmp(o.scenario, "paced") == 0)
        rc = run_paced(&o);
    else if (strcmp(o.scenario, "idle") == 0)
        rc = run_idle(&o);
    else {
        fputs(usage_text, stderr);
        return 2;
    }
    if (rc < 0) {
        fprintf(stderr, "tdkt-bench: %s\n", tdkt_strerror(rc));
        return 1;
    }
    return 0;
}
