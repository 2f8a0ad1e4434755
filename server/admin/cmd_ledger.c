/* SPDX-License-Identifier: MIT */
/*
 * tdktd init, status, verify and backup: the ledger file's own commands.
 */
#include "server/admin/admin.h"

#include <string.h>
#include <sqlite3.h>
#include <jansson.h>

#include "common/err.h"
#include "common/text/i18n.h"
#include "server/ledger/backup.h"
#include "server/ledger/replay.h"
#include "server/ledger/treelog.h"
#include "server/loop/server.h"

int admin_ledger_path(const struct opts *o, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/%s", o->data, LEDGER_FILE);
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, _("tdktd: --data path is too long\n"));
        return -1;
    }
    return 0;
}

int admin_open_ledger(const struct opts *o, int flags, struct ledger **l)
{
    char path[PATH_MAX], err[512];
    if (!admin_need(o->data, "--data") || admin_ledger_path(o, path, sizeof path) < 0)
        return -1;
    int rc = ledger_open(path, flags, l, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "tdktd: %s\n", err);
        return -1;
    }
    return 0;
}

void admin_print_hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

/* The ledger key: --ledger-key FILE or DIR/ledger.key. create makes it when
 * missing (init, serve). Prints what failed; NULL on failure. */
EVP_PKEY *admin_load_ledger_key(const struct opts *o, int create)
{
    char path[PATH_MAX], err[512];
    EVP_PKEY *key = NULL;
    int rc;

    if (o->ledger_key)
        snprintf(path, sizeof path, "%s", o->ledger_key);
    else if (snprintf(path, sizeof path, "%s/%s", o->data, LEDGER_KEY_FILE) >= (int)sizeof path)
        return NULL;
    rc = sth_key_load(path, create, &key, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "tdktd: %s\n", err);
        return NULL;
    }
    return key;
}

int admin_cmd_init(const struct opts *o)
{
    struct ledger *l;
    if (!admin_need(o->data, "--data"))
        return ADMIN_EXIT_USAGE;
    if (mkdir(o->data, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, _("tdktd: cannot create %s: %s\n"), o->data, strerror(errno));
        return 1;
    }
    if (admin_open_ledger(o, LEDGER_OPEN_CREATE, &l) < 0)
        return 1;
    char id[64] = "";
    ledger_meta_get(l, "ledger_id", id, sizeof id);
    ledger_close(l);
    EVP_PKEY *key = admin_load_ledger_key(o, 1);
    uint8_t pub[STH_PUB_LEN];
    if (!key || sth_key_public(key, pub) < 0) {
        sth_key_free(key);
        return 1;
    }
    sth_key_free(key);
    printf(_("ledger ready: %s/%s (id %s)\nledger key: "), o->data, LEDGER_FILE, id);
    admin_print_hex(stdout, pub, sizeof pub);
    printf(_(" (tree heads are signed with it; keep a copy of %s)\n"),
           o->ledger_key ? o->ledger_key : LEDGER_KEY_FILE);
    return 0;
}

/* The daemon's counters, DATA/stats.json (written by `tdktd serve`, stats.h);
 * NULL when there is none (*missing set) or it cannot be read (jerr says
 * why). */
static json_t *stats_load(const struct opts *o, json_error_t *jerr, int *missing)
{
    char path[PATH_MAX];
    json_t *j;

    *missing = 0;
    snprintf(jerr->text, sizeof jerr->text, "not a JSON object");
    if (snprintf(path, sizeof path, "%s/%s", o->data, STATS_FILE) >= (int)sizeof path)
        return NULL;
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        *missing = 1;
        return NULL;
    }
    j = json_load_file(path, 0, jerr);
    if (!j)
        return NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* A whole number at a dotted path of the counters (0 when absent). */
static unsigned long long stats_num(json_t *j, const char *a, const char *b)
{
    json_t *v = json_object_get(j, a);
    if (b)
        v = json_object_get(v, b);
    return json_is_integer(v) ? (unsigned long long)json_integer_value(v) : 0;
}

static void print_stats(json_t *j)
{
    char when[32] = "?";
    long long ms = (long long)stats_num(j, "written_ms", NULL);
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    long pid = (long)stats_num(j, "pid", NULL);
    int running = json_is_true(json_object_get(j, "running"));
    json_t *frames = json_object_get(json_object_get(j, "refused"), "frames");
    const char *name;
    json_t *v;
    int n = 0;

    if (gmtime_r(&secs, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* A daemon killed without its shutdown leaves "running": true behind;
     * whether its pid still exists tells (a reused pid can mislead). */
    if (running && pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        printf(_("daemon: not running (pid %ld is gone; it did not shut down cleanly); last "
                 "counters of %s\n"),
               pid, when);
    else
        printf(_("daemon: %s (pid %ld), counters of %s\n"), running ? "running" : "stopped", pid,
               when);
    printf(_("  connections: %llu open; %llu accepted, %llu refused at the limit, %llu closed\n"),
           stats_num(j, "connections", "open"), stats_num(j, "connections", "accepted"),
           stats_num(j, "connections", "refused_at_limit"), stats_num(j, "connections", "closed"));
    printf(_("  requests: %llu; errors sent: %llu\n"), stats_num(j, "requests", NULL),
           stats_num(j, "errors_sent", NULL));
    printf(_("  refused frames:"));
    json_object_foreach(frames, name, v)
    {
        printf("%s %s %llu", n++ ? "," : "", name,
               json_is_integer(v) ? (unsigned long long)json_integer_value(v) : 0ULL);
    }
    printf("%s\n", n ? "" : " none");
    printf(_("  connections closed by a refusal: %llu; over the input budget: %llu; TLS failures: "
             "%llu; handshake timeouts: %llu\n"),
           stats_num(j, "refused", "connections"), stats_num(j, "refused", "over_input_budget"),
           stats_num(j, "refused", "tls_failures"), stats_num(j, "refused", "handshake_timeouts"));
    printf(_("  refusal log lines suppressed: %llu\n"),
           stats_num(j, "refused", "log_lines_suppressed"));
    printf(_("  input held: %llu bytes (peak %llu) of a %llu-byte budget\n"),
           stats_num(j, "input", "bytes"), stats_num(j, "input", "peak"),
           stats_num(j, "input", "budget"));
    printf(_("  output unsent: %llu bytes (peak %llu) of a %llu-byte budget; reading paused %llu "
             "times\n"),
           stats_num(j, "output", "bytes"), stats_num(j, "output", "peak"),
           stats_num(j, "output", "budget"), stats_num(j, "output", "pauses"));
}

int admin_cmd_status(const struct opts *o)
{
    json_error_t jerr;
    json_t *stats;
    int missing;
    struct ledger *l;
    struct tree_head h;
    uint64_t height;
    uint8_t root[LEDGER_HASH_LEN];
    if (admin_open_ledger(o, 0, &l) < 0)
        return 1;
    int rc = ledger_head(l, &height, NULL);
    if (rc == 0)
        rc = treelog_root(l, height, root);
    int have_head = rc == 0 ? treelog_last_head(l, &h) : rc;
    ledger_close(l);
    if (rc < 0 || (have_head < 0 && have_head != TDKT_ENOTFOUND)) {
        fprintf(stderr, _("tdktd: cannot read the ledger head: %s\n"),
                tdkt_strerror(rc < 0 ? rc : have_head));
        return 1;
    }
    stats = stats_load(o, &jerr, &missing);
    if (o->json) {
        printf("{\"height\":%llu,\"root\":\"", (unsigned long long)height);
        admin_print_hex(stdout, root, sizeof root);
        printf("\"");
        if (have_head == 0) {
            printf(",\"signed_head\":{\"size\":%llu,\"time_ms\":%lld,\"root\":\"",
                   (unsigned long long)h.size, (long long)h.time_ms);
            admin_print_hex(stdout, h.root, sizeof h.root);
            printf("\"}");
        }
        if (stats) {
            char *text = json_dumps(stats, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (text)
                printf(",\"daemon\":%s", text);
            free(text);
        }
        printf("}\n");
    } else {
        printf(_("height: %llu\nroot:   "), (unsigned long long)height);
        admin_print_hex(stdout, root, sizeof root);
        if (have_head == 0)
            printf(_("\nsigned: tree head of size %llu"), (unsigned long long)h.size);
        else
            printf(_("\nsigned: no tree head yet (signed when tdktd serves)"));
        printf("\n");
        if (stats)
            print_stats(stats);
        else if (missing)
            printf(_("daemon: no counters (%s/%s is absent: tdktd serve has not run here)\n"),
                   o->data, STATS_FILE);
        else
            printf(_("daemon: cannot read %s/%s: %s\n"), o->data, STATS_FILE, jerr.text);
    }
    json_decref(stats);
    return 0;
}

static int integrity_check(struct ledger *l)
{
    sqlite3_stmt *st;
    int ok = 0;
    if (sqlite3_prepare_v2(ledger_db(l), "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        return 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *row = (const char *)sqlite3_column_text(st, 0);
        if (row && strcmp(row, "ok") == 0)
            ok = 1;
        else
            fprintf(stderr, _("tdktd: integrity_check: %s\n"), row ? row : "(null)");
    }
    sqlite3_finalize(st);
    return ok;
}

/*
 * The checks of `tdktd verify`, shared with `tdktd backup` so that a copy is
 * verified exactly as the ledger is: open read-only (schema version and
 * quick_check), PRAGMA integrity_check, every Merkle leaf, node and signed
 * head (signatures with pub, or the key pinned in the file when NULL), then
 * the state tables against a replay of the entries (server/ledger/replay.c).
 * Prints what failed, prefixed by what. Returns 0 if the file at path passed,
 * with its height and head hash; 1 otherwise.
 */
static int verify_ledger_file(const char *path, const char *what, const uint8_t *pub,
                              uint64_t *height, uint8_t head[LEDGER_HASH_LEN],
                              struct treelog_verify *checked, struct replay_report *report)
{
    struct ledger *l;
    char err[512];
    int status = 0;

    *height = 0;
    memset(head, 0, LEDGER_HASH_LEN);
    if (ledger_open(path, LEDGER_OPEN_READONLY, &l, err, sizeof err) < 0) {
        fprintf(stderr, "tdktd: %s: %s\n", what, err);
        return 1;
    }
    if (!integrity_check(l)) {
        fprintf(stderr, _("tdktd: %s: PRAGMA integrity_check failed\n"), what);
        status = 1;
    }
    struct treelog_verify v;
    int rc = treelog_verify(l, pub, &v);
    if (rc == TDKT_ECORRUPT) {
        fprintf(stderr, _("tdktd: %s: Merkle log: %s\n"), what, v.what);
        status = 1;
    } else if (rc < 0) {
        fprintf(stderr, _("tdktd: %s: cannot read the log: %s\n"), what, tdkt_strerror(rc));
        status = 1;
    }
    if (status == 0) {
        struct replay_report rr;
        rc = replay_check(l, &rr);
        if (rc == TDKT_ECORRUPT) {
            fprintf(stderr, _("tdktd: %s: state tables differ from a replay of the entries: %s\n"),
                    what, rr.what);
            status = 1;
        } else if (rc < 0) {
            fprintf(stderr, _("tdktd: %s: cannot replay the entries: %s\n"), what,
                    tdkt_strerror(rc));
            status = 1;
        }
        if (report)
            *report = rr;
    }
    if (checked)
        *checked = v;
    rc = ledger_head(l, height, NULL);
    if (rc == 0)
        rc = treelog_root(l, *height, head);
    if (rc < 0 && status == 0) {
        fprintf(stderr, _("tdktd: %s: cannot read the ledger head: %s\n"), what, tdkt_strerror(rc));
        status = 1;
    }
    ledger_close(l);
    return status;
}

/* The public half of the ledger key file when it exists (to check the
 * signatures against the key the daemon uses, not only the pinned one). */
static int key_file_public(const struct opts *o, uint8_t pub[STH_PUB_LEN])
{
    char path[PATH_MAX];
    EVP_PKEY *key = NULL;
    int rc;

    if (o->ledger_key)
        snprintf(path, sizeof path, "%s", o->ledger_key);
    else
        snprintf(path, sizeof path, "%s/%s", o->data, LEDGER_KEY_FILE);
    rc = sth_key_load(path, 0, &key, NULL, 0);
    if (rc == 0)
        rc = sth_key_public(key, pub);
    sth_key_free(key);
    return rc;
}

int admin_cmd_verify(const struct opts *o)
{
    char path[PATH_MAX];
    uint64_t height;
    uint8_t head[LEDGER_HASH_LEN], pub[STH_PUB_LEN];
    struct treelog_verify v;
    struct replay_report rr;
    int have_key;

    if (!admin_need(o->data, "--data") || admin_ledger_path(o, path, sizeof path) < 0)
        return 1;
    have_key = key_file_public(o, pub) == 0;
    if (verify_ledger_file(path, "verify", have_key ? pub : NULL, &height, head, &v, &rr) != 0)
        return 1;
    printf(_("ledger verified: %llu entries, %llu Merkle nodes and %llu signed tree heads "
             "recomputed%s; integrity ok; %llu state rows equal a replay of the entries\nroot "),
           (unsigned long long)height, (unsigned long long)v.nodes, (unsigned long long)v.heads,
           have_key ? " (signatures checked with the ledger key file)" : "",
           (unsigned long long)rr.rows);
    admin_print_hex(stdout, head, sizeof head);
    printf("\n");
    return 0;
}

int admin_cmd_backup(const struct opts *o)
{
    char path[PATH_MAX], err[512];
    uint64_t height, bytes = 0;
    uint8_t head[LEDGER_HASH_LEN];

    if (!admin_need(o->data, "--data") || !admin_need(o->out, "--out"))
        return ADMIN_EXIT_USAGE;
    if (admin_ledger_path(o, path, sizeof path) < 0)
        return 1;
    int rc = ledger_backup(path, o->out, &bytes, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, _("tdktd: backup: %s\n"), err);
        return 1;
    }
    if (verify_ledger_file(o->out, "backup: the copy failed verification", NULL, &height, head,
                           NULL, NULL) != 0) {
        ledger_backup_remove(o->out);
        fprintf(stderr, _("tdktd: backup: %s removed; the ledger itself was not changed\n"),
                o->out);
        return 1;
    }
    /* Verifying opened the copy; drop the empty -wal/-shm that left behind so
     * the backup is the one file. */
    ledger_backup_remove_sidecars(o->out);
    printf(_("backup written: %s, %llu entries, head "), o->out, (unsigned long long)height);
    admin_print_hex(stdout, head, sizeof head);
    printf(_(", %llu bytes, verified\n"), (unsigned long long)bytes);
    return 0;
}
