/* SPDX-License-Identifier: MIT */
/*
 * tdktd: the central daemon and its administration subcommands. This file
 * parses arguments and calls the modules; it holds no logic of its own
 * beyond the order of steps. Exit codes: 0 ok, 1 failure, 2 usage.
 */
#include "server/admin/tdktd.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sqlite3.h>
#include <uv.h>

#include "common/crypto/pki.h"
#include "common/crypto/sth.h"
#include "common/err.h"
#include "common/log.h"
#include "common/net/tport.h"
#include "common/wire/envelope.h"
#include "common/domain/registry_json.h"
#include "server/clock/clock.h"
#include "server/ledger/backup.h"
#include "server/ledger/catalog.h"
#include "server/db/dbthread.h"
#include "server/ledger/ledger.h"
#include "server/ledger/registry.h"
#include "server/ledger/replay.h"
#include "server/ledger/treelog.h"
#include "server/loop/server.h"

#define EXIT_USAGE      2
#define ADMIN_ACTOR     "ADMIN" /* acting unit recorded for tdktd subcommands */
#define LEDGER_FILE     "ledger.db"
#define LEDGER_KEY_FILE "ledger.key"

struct opts {
    const char *data, *ca, *name, *code, *role, *parent, *reason, *out, *host, *serial, *cert;
    const char *listen, *tls_dir, *port_file, *log_level, *ledger_key;
    const char *test_clock; /* serve --test-clock FILE (server/clock/clock.h) */
    const char *file;       /* the one positional argument, where a command takes it */
    unsigned max_conns, idle_timeout, handshake_timeout;
    long auto_seal_s; /* --auto-seal-after: seconds, -1 never; default when unset (-2) */
    int plain, syslog, json;
};

static const char usage_text[] =
    "usage: tdktd <command> [options]\n"
    "\n"
    "Ledger:\n"
    "  init     --data DIR                 create an empty ledger in DIR/" LEDGER_FILE "\n"
    "                                      and its signing key DIR/" LEDGER_KEY_FILE "\n"
    "  status   --data DIR [--json]        height, Merkle root and last signed tree head\n"
    "  verify   --data DIR                 recompute every leaf, node and signed head,\n"
    "                                      PRAGMA integrity_check, replay the state tables\n"
    "  backup   --data DIR --out FILE      online copy of the ledger to a new FILE, verified\n"
    "  serve    --data DIR --tls-dir DIR [--listen HOST:PORT] [--max-conns N]\n"
    "           [--idle-timeout SECONDS] [--port-file FILE] [--log-level LEVEL] [--syslog]\n"
    "           [--handshake-timeout SECONDS]   TLS and Hello after accept (default 10)\n"
    "           [--auto-seal-after SECONDS|never]   seal a ballot box left unsealed this\n"
    "           long after it closed (default 600)\n"
    "           [--plain]   plain TCP, loopback only, for tests (no --tls-dir)\n"
    "           [--test-clock FILE]   tests only: add the seconds in FILE to the\n"
    "           clock, read at every use (docs/testing.md)\n"
    "           [--ledger-key FILE]   Ed25519 key signing tree heads (default\n"
    "           DIR/" LEDGER_KEY_FILE ", created when missing)\n"
    "Certificate authority and units:\n"
    "  ca init     --ca DIR [--name NAME]  create the sector CA (DIR/ca.key, DIR/ca.crt)\n"
    "  cert server --ca DIR --host HOST --out DIR   the daemon's certificate\n"
    "  unit add    --data DIR --code CODE --name NAME --role regional|central [--parent CODE]\n"
    "  unit list   --data DIR [--json]\n"
    "  unit revoke --data DIR --code CODE [--reason TEXT]\n"
    "  registry import --data DIR FILE   apply a registry file (docs/registry.md): units,\n"
    "              persons, periods, clusters, criteria; all or nothing\n"
    "  cert issue  --data DIR --ca DIR --unit CODE --out DIR   key + certificate of a unit\n"
    "  cert revoke --data DIR (--serial HEX | --cert FILE) [--reason TEXT]\n"
    "\n"
    "--tls-dir DIR holds ca.crt, server.crt and server.key. Log levels: error, warn, info,\n"
    "debug. See docs/admin.md.\n";

static int usage(const char *why)
{
    if (why)
        fprintf(stderr, "tdktd: %s\n\n", why);
    fputs(usage_text, why ? stderr : stdout);
    return why ? EXIT_USAGE : 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    enum {
        O_DATA = 256,
        O_CA,
        O_NAME,
        O_CODE,
        O_ROLE,
        O_PARENT,
        O_REASON,
        O_OUT,
        O_HOST,
        O_SERIAL,
        O_CERT,
        O_LISTEN,
        O_TLS_DIR,
        O_PORT_FILE,
        O_LOG_LEVEL,
        O_LEDGER_KEY,
        O_MAX_CONNS,
        O_IDLE,
        O_HANDSHAKE,
        O_AUTO_SEAL,
        O_TEST_CLOCK,
        O_PLAIN,
        O_SYSLOG,
        O_JSON,
        O_UNIT,
        O_HELP
    };
    static const struct option longopts[] = {
        {"data", required_argument, NULL, O_DATA},
        {"ca", required_argument, NULL, O_CA},
        {"name", required_argument, NULL, O_NAME},
        {"code", required_argument, NULL, O_CODE},
        {"unit", required_argument, NULL, O_UNIT},
        {"role", required_argument, NULL, O_ROLE},
        {"parent", required_argument, NULL, O_PARENT},
        {"reason", required_argument, NULL, O_REASON},
        {"out", required_argument, NULL, O_OUT},
        {"host", required_argument, NULL, O_HOST},
        {"serial", required_argument, NULL, O_SERIAL},
        {"cert", required_argument, NULL, O_CERT},
        {"listen", required_argument, NULL, O_LISTEN},
        {"ledger-key", required_argument, NULL, O_LEDGER_KEY},
        {"tls-dir", required_argument, NULL, O_TLS_DIR},
        {"port-file", required_argument, NULL, O_PORT_FILE},
        {"log-level", required_argument, NULL, O_LOG_LEVEL},
        {"max-conns", required_argument, NULL, O_MAX_CONNS},
        {"idle-timeout", required_argument, NULL, O_IDLE},
        {"handshake-timeout", required_argument, NULL, O_HANDSHAKE},
        {"auto-seal-after", required_argument, NULL, O_AUTO_SEAL},
        {"test-clock", required_argument, NULL, O_TEST_CLOCK},
        {"plain", no_argument, NULL, O_PLAIN},
        {"syslog", no_argument, NULL, O_SYSLOG},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    int ch;
    char *end;
    unsigned long v;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case O_DATA:
            o->data = optarg;
            break;
        case O_CA:
            o->ca = optarg;
            break;
        case O_NAME:
            o->name = optarg;
            break;
        case O_CODE:
        case O_UNIT:
            o->code = optarg;
            break;
        case O_ROLE:
            o->role = optarg;
            break;
        case O_PARENT:
            o->parent = optarg;
            break;
        case O_REASON:
            o->reason = optarg;
            break;
        case O_OUT:
            o->out = optarg;
            break;
        case O_HOST:
            o->host = optarg;
            break;
        case O_SERIAL:
            o->serial = optarg;
            break;
        case O_CERT:
            o->cert = optarg;
            break;
        case O_LEDGER_KEY:
            o->ledger_key = optarg;
            break;
        case O_LISTEN:
            o->listen = optarg;
            break;
        case O_TLS_DIR:
            o->tls_dir = optarg;
            break;
        case O_PORT_FILE:
            o->port_file = optarg;
            break;
        case O_LOG_LEVEL:
            o->log_level = optarg;
            break;
        case O_TEST_CLOCK:
            o->test_clock = optarg;
            break;
        case O_PLAIN:
            o->plain = 1;
            break;
        case O_SYSLOG:
            o->syslog = 1;
            break;
        case O_JSON:
            o->json = 1;
            break;
        case O_HELP:
            return 1;
        case O_AUTO_SEAL:
            if (strcmp(optarg, "never") == 0) {
                o->auto_seal_s = -1;
                break;
            }
            errno = 0;
            v = strtoul(optarg, &end, 10);
            if (errno || *end || !*optarg || v > 31536000) {
                fprintf(stderr, "tdktd: --auto-seal-after must be seconds from 0 to 31536000, "
                                "or never\n");
                return -1;
            }
            o->auto_seal_s = (long)v;
            break;
        case O_MAX_CONNS:
        case O_IDLE:
            errno = 0;
            v = strtoul(optarg, &end, 10);
            if (errno || *end || v == 0 || v > 1000000) {
                fprintf(stderr, "tdktd: %s must be a number from 1 to 1000000\n",
                        ch == O_IDLE ? "--idle-timeout" : "--max-conns");
                return -1;
            }
            if (ch == O_IDLE)
                o->idle_timeout = (unsigned)v;
            else
                o->max_conns = (unsigned)v;
            break;
        case O_HANDSHAKE:
            errno = 0;
            v = strtoul(optarg, &end, 10);
            if (errno || *end || v == 0 || v > SERVER_HANDSHAKE_TIMEOUT_MAX_S) {
                fprintf(stderr, "tdktd: --handshake-timeout must be seconds from 1 to %d\n",
                        SERVER_HANDSHAKE_TIMEOUT_MAX_S);
                return -1;
            }
            o->handshake_timeout = (unsigned)v;
            break;
        default:
            return -1;
        }
    }
    /* One positional argument is allowed: the FILE of `registry import`. */
    if (optind < argc)
        o->file = argv[optind++];
    if (optind != argc) {
        fprintf(stderr, "tdktd: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

static int need(const char *v, const char *flag)
{
    if (!v || !*v) {
        fprintf(stderr, "tdktd: %s is required (see tdktd --help)\n", flag);
        return 0;
    }
    return 1;
}

static int ledger_path(const struct opts *o, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/%s", o->data, LEDGER_FILE);
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "tdktd: --data path is too long\n");
        return -1;
    }
    return 0;
}

static int open_ledger(const struct opts *o, int flags, struct ledger **l)
{
    char path[PATH_MAX], err[512];
    if (!need(o->data, "--data") || ledger_path(o, path, sizeof path) < 0)
        return -1;
    int rc = ledger_open(path, flags, l, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "tdktd: %s\n", err);
        return -1;
    }
    return 0;
}

static void print_hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

/* The ledger key: --ledger-key FILE or DIR/ledger.key. create makes it when
 * missing (init, serve). Prints what failed; NULL on failure. */
static EVP_PKEY *load_ledger_key(const struct opts *o, int create)
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

static int cmd_init(const struct opts *o)
{
    struct ledger *l;
    if (!need(o->data, "--data"))
        return EXIT_USAGE;
    if (mkdir(o->data, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "tdktd: cannot create %s: %s\n", o->data, strerror(errno));
        return 1;
    }
    if (open_ledger(o, LEDGER_OPEN_CREATE, &l) < 0)
        return 1;
    char id[64] = "";
    ledger_meta_get(l, "ledger_id", id, sizeof id);
    ledger_close(l);
    EVP_PKEY *key = load_ledger_key(o, 1);
    uint8_t pub[STH_PUB_LEN];
    if (!key || sth_key_public(key, pub) < 0) {
        sth_key_free(key);
        return 1;
    }
    sth_key_free(key);
    printf("ledger ready: %s/%s (id %s)\nledger key: ", o->data, LEDGER_FILE, id);
    print_hex(stdout, pub, sizeof pub);
    printf(" (tree heads are signed with it; keep a copy of %s)\n",
           o->ledger_key ? o->ledger_key : LEDGER_KEY_FILE);
    return 0;
}

static int cmd_status(const struct opts *o)
{
    struct ledger *l;
    struct tree_head h;
    uint64_t height;
    uint8_t root[LEDGER_HASH_LEN];
    if (open_ledger(o, 0, &l) < 0)
        return 1;
    int rc = ledger_head(l, &height, NULL);
    if (rc == 0)
        rc = treelog_root(l, height, root);
    int have_head = rc == 0 ? treelog_last_head(l, &h) : rc;
    ledger_close(l);
    if (rc < 0 || (have_head < 0 && have_head != TDKT_ENOTFOUND)) {
        fprintf(stderr, "tdktd: cannot read the ledger head: %s\n",
                tdkt_strerror(rc < 0 ? rc : have_head));
        return 1;
    }
    if (o->json) {
        printf("{\"height\":%llu,\"root\":\"", (unsigned long long)height);
        print_hex(stdout, root, sizeof root);
        printf("\"");
        if (have_head == 0) {
            printf(",\"signed_head\":{\"size\":%llu,\"time_ms\":%lld,\"root\":\"",
                   (unsigned long long)h.size, (long long)h.time_ms);
            print_hex(stdout, h.root, sizeof h.root);
            printf("\"}");
        }
        printf("}\n");
    } else {
        printf("height: %llu\nroot:   ", (unsigned long long)height);
        print_hex(stdout, root, sizeof root);
        if (have_head == 0)
            printf("\nsigned: tree head of size %llu", (unsigned long long)h.size);
        else
            printf("\nsigned: no tree head yet (signed when tdktd serves)");
        printf("\n");
    }
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
            fprintf(stderr, "tdktd: integrity_check: %s\n", row ? row : "(null)");
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
        fprintf(stderr, "tdktd: %s: PRAGMA integrity_check failed\n", what);
        status = 1;
    }
    struct treelog_verify v;
    int rc = treelog_verify(l, pub, &v);
    if (rc == TDKT_ECORRUPT) {
        fprintf(stderr, "tdktd: %s: Merkle log: %s\n", what, v.what);
        status = 1;
    } else if (rc < 0) {
        fprintf(stderr, "tdktd: %s: cannot read the log: %s\n", what, tdkt_strerror(rc));
        status = 1;
    }
    if (status == 0) {
        struct replay_report rr;
        rc = replay_check(l, &rr);
        if (rc == TDKT_ECORRUPT) {
            fprintf(stderr, "tdktd: %s: state tables differ from a replay of the entries: %s\n",
                    what, rr.what);
            status = 1;
        } else if (rc < 0) {
            fprintf(stderr, "tdktd: %s: cannot replay the entries: %s\n", what, tdkt_strerror(rc));
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
        fprintf(stderr, "tdktd: %s: cannot read the ledger head: %s\n", what, tdkt_strerror(rc));
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

static int cmd_verify(const struct opts *o)
{
    char path[PATH_MAX];
    uint64_t height;
    uint8_t head[LEDGER_HASH_LEN], pub[STH_PUB_LEN];
    struct treelog_verify v;
    struct replay_report rr;
    int have_key;

    if (!need(o->data, "--data") || ledger_path(o, path, sizeof path) < 0)
        return 1;
    have_key = key_file_public(o, pub) == 0;
    if (verify_ledger_file(path, "verify", have_key ? pub : NULL, &height, head, &v, &rr) != 0)
        return 1;
    printf("ledger verified: %llu entries, %llu Merkle nodes and %llu signed tree heads "
           "recomputed%s; integrity ok; %llu state rows equal a replay of the entries\nroot ",
           (unsigned long long)height, (unsigned long long)v.nodes, (unsigned long long)v.heads,
           have_key ? " (signatures checked with the ledger key file)" : "",
           (unsigned long long)rr.rows);
    print_hex(stdout, head, sizeof head);
    printf("\n");
    return 0;
}

static int cmd_backup(const struct opts *o)
{
    char path[PATH_MAX], err[512];
    uint64_t height, bytes = 0;
    uint8_t head[LEDGER_HASH_LEN];

    if (!need(o->data, "--data") || !need(o->out, "--out"))
        return EXIT_USAGE;
    if (ledger_path(o, path, sizeof path) < 0)
        return 1;
    int rc = ledger_backup(path, o->out, &bytes, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "tdktd: backup: %s\n", err);
        return 1;
    }
    if (verify_ledger_file(o->out, "backup: the copy failed verification", NULL, &height, head,
                           NULL, NULL) != 0) {
        ledger_backup_remove(o->out);
        fprintf(stderr, "tdktd: backup: %s removed; the ledger itself was not changed\n", o->out);
        return 1;
    }
    /* Verifying opened the copy; drop the empty -wal/-shm that left behind so
     * the backup is the one file. */
    ledger_backup_remove_sidecars(o->out);
    printf("backup written: %s, %llu entries, head ", o->out, (unsigned long long)height);
    print_hex(stdout, head, sizeof head);
    printf(", %llu bytes, verified\n", (unsigned long long)bytes);
    return 0;
}

/* Run one registry mutation in its own transaction. */
static int admin_commit(struct ledger *l, int rc, const char *what)
{
    if (rc < 0) {
        ledger_rollback(l);
        fprintf(stderr, "tdktd: %s: %s\n", what, tdkt_strerror(rc));
        return 1;
    }
    rc = ledger_commit(l);
    if (rc < 0) {
        fprintf(stderr, "tdktd: %s: commit failed: %s\n", what, tdkt_strerror(rc));
        return 1;
    }
    return 0;
}

static int parse_role(const char *s, int *role)
{
    if (strcmp(s, "regional") == 0)
        *role = REGISTRY_ROLE_REGIONAL;
    else if (strcmp(s, "central") == 0)
        *role = REGISTRY_ROLE_CENTRAL;
    else
        return -1;
    return 0;
}

static int cmd_unit_add(const struct opts *o)
{
    struct registry_unit u = {0};
    struct ledger *l;
    if (!need(o->code, "--code") || !need(o->name, "--name") || !need(o->role, "--role"))
        return EXIT_USAGE;
    if (parse_role(o->role, &u.role) < 0) {
        fprintf(stderr, "tdktd: --role must be 'regional' or 'central', not '%s'\n", o->role);
        return EXIT_USAGE;
    }
    if (strlen(o->code) > LEDGER_UNIT_MAX || strlen(o->name) > REGISTRY_NAME_MAX ||
        (o->parent && strlen(o->parent) > LEDGER_UNIT_MAX)) {
        fprintf(stderr, "tdktd: code or name too long (code %d, name %d bytes at most)\n",
                LEDGER_UNIT_MAX, REGISTRY_NAME_MAX);
        return EXIT_USAGE;
    }
    snprintf(u.code, sizeof u.code, "%s", o->code);
    snprintf(u.name, sizeof u.name, "%s", o->name);
    snprintf(u.parent, sizeof u.parent, "%s", o->parent ? o->parent : "");
    if (open_ledger(o, 0, &l) < 0)
        return 1;
    int rc = ledger_begin(l);
    if (rc == 0)
        rc = registry_unit_register(l, clock_now_ms(), ADMIN_ACTOR, &u);
    int st = admin_commit(l, rc, "unit add");
    ledger_close(l);
    if (st == 0)
        printf("unit %s registered (%s): %s\n", u.code, o->role, u.name);
    return st;
}

static int cmd_registry_import(const struct opts *o, const char *path)
{
    Tdkt__RegistryRecord **recs = NULL;
    struct record_fault f;
    struct ledger *l;
    size_t n = 0, appended = 0;
    char err[512];
    int rc, a = 0;

    if (!path) {
        fprintf(stderr, "tdktd: registry import needs the registry FILE as its last argument\n");
        return EXIT_USAGE;
    }
    if (registry_json_load_file(path, &recs, &n, err, sizeof err) < 0) {
        fprintf(stderr, "tdktd: %s\n", err);
        return EXIT_USAGE;
    }
    if (open_ledger(o, 0, &l) < 0) {
        registry_records_free(recs, n);
        return 1;
    }
    int64_t t = clock_now_ms();
    rc = ledger_begin(l);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        memset(&f, 0, sizeof f);
        rc = catalog_apply(l, t, ADMIN_ACTOR, recs[i], &a, &f);
        if (rc < 0)
            fprintf(stderr, "tdktd: %s: record %zu: %s%s%s\n", path, i + 1, f.field,
                    f.field[0] ? ": " : "", f.why[0] ? f.why : tdkt_strerror(rc));
        appended += a ? 1 : 0;
    }
    int st = admin_commit(l, rc, "registry import");
    ledger_close(l);
    if (st == 0)
        printf("registry %s: %zu records, %zu changed the ledger, %zu already current\n", path, n,
               appended, n - appended);
    registry_records_free(recs, n);
    return st;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

struct list_ctx {
    int json, n;
};

static int print_unit(void *arg, const struct registry_unit *u)
{
    struct list_ctx *ctx = arg;
    const char *role = u->role == REGISTRY_ROLE_CENTRAL ? "central" : "regional";
    if (ctx->json) {
        printf("%s{\"code\":", ctx->n ? "," : "");
        json_str(stdout, u->code);
        printf(",\"name\":");
        json_str(stdout, u->name);
        printf(",\"role\":\"%s\",\"parent\":", role);
        json_str(stdout, u->parent);
        printf(",\"revoked\":%s}", u->revoked ? "true" : "false");
    } else {
        printf("%-12s %-8s %-8s %s%s\n", u->code, role, u->parent[0] ? u->parent : "-", u->name,
               u->revoked ? "  [revoked]" : "");
    }
    ctx->n++;
    return 0;
}

static int cmd_unit_list(const struct opts *o)
{
    struct ledger *l;
    struct list_ctx ctx = {o->json, 0};
    if (open_ledger(o, LEDGER_OPEN_READONLY, &l) < 0)
        return 1;
    if (o->json)
        printf("[");
    int rc = registry_unit_list(l, print_unit, &ctx);
    if (o->json)
        printf("]\n");
    ledger_close(l);
    if (rc < 0) {
        fprintf(stderr, "tdktd: unit list: %s\n", tdkt_strerror(rc));
        return 1;
    }
    return 0;
}

static int cmd_unit_revoke(const struct opts *o)
{
    struct ledger *l;
    if (!need(o->code, "--code"))
        return EXIT_USAGE;
    if (open_ledger(o, 0, &l) < 0)
        return 1;
    int rc = ledger_begin(l);
    if (rc == 0)
        rc = registry_unit_revoke(l, clock_now_ms(), ADMIN_ACTOR, o->code,
                                  o->reason ? o->reason : "");
    int st = admin_commit(l, rc, "unit revoke");
    ledger_close(l);
    if (st == 0)
        printf("unit %s revoked: its certificates no longer connect\n", o->code);
    return st;
}

static int cmd_ca_init(const struct opts *o)
{
    char err[512];
    if (!need(o->ca, "--ca"))
        return EXIT_USAGE;
    if (mkdir(o->ca, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "tdktd: cannot create %s: %s\n", o->ca, strerror(errno));
        return 1;
    }
    int rc = pki_ca_create(o->ca, o->name ? o->name : "VKSND TDKT CA", err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "tdktd: ca init: %s\n", err);
        return 1;
    }
    printf("CA created: %s/ca.crt (keep %s/ca.key offline)\n", o->ca, o->ca);
    return 0;
}

static int mkdir_out(const char *dir)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "tdktd: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int cmd_cert_server(const struct opts *o)
{
    char key[PATH_MAX], crt[PATH_MAX], serial[PKI_SERIAL_HEX_MAX], err[512];
    if (!need(o->ca, "--ca") || !need(o->host, "--host") || !need(o->out, "--out"))
        return EXIT_USAGE;
    if (mkdir_out(o->out) < 0)
        return 1;
    snprintf(key, sizeof key, "%s/server.key", o->out);
    snprintf(crt, sizeof crt, "%s/server.crt", o->out);
    if (pki_issue_server(o->ca, o->host, key, crt, serial, err, sizeof err) < 0) {
        fprintf(stderr, "tdktd: cert server: %s\n", err);
        return 1;
    }
    printf("server certificate for %s: %s (serial %s)\n", o->host, crt, serial);
    return 0;
}

static int cmd_cert_issue(const struct opts *o)
{
    char key[PATH_MAX], crt[PATH_MAX], serial[PKI_SERIAL_HEX_MAX], err[512];
    struct registry_unit u;
    struct ledger *l;
    int rc, st;

    if (!need(o->ca, "--ca") || !need(o->code, "--unit") || !need(o->out, "--out"))
        return EXIT_USAGE;
    if (open_ledger(o, 0, &l) < 0)
        return 1;
    /* Refuse before writing any file: the unit must exist and be active. */
    rc = registry_unit_get(l, o->code, &u);
    if (rc < 0 || u.revoked) {
        fprintf(stderr, "tdktd: cert issue: unit %s is %s; register it first (tdktd unit add)\n",
                o->code, rc < 0 ? "not registered" : "revoked");
        ledger_close(l);
        return 1;
    }
    if (mkdir_out(o->out) < 0) {
        ledger_close(l);
        return 1;
    }
    snprintf(key, sizeof key, "%s/%s.key", o->out, o->code);
    snprintf(crt, sizeof crt, "%s/%s.crt", o->out, o->code);
    if (pki_issue_unit(o->ca, o->code, key, crt, serial, err, sizeof err) < 0) {
        fprintf(stderr, "tdktd: cert issue: %s\n", err);
        ledger_close(l);
        return 1;
    }
    rc = ledger_begin(l);
    if (rc == 0)
        rc = registry_cert_issue(l, clock_now_ms(), ADMIN_ACTOR, serial, o->code, "");
    st = admin_commit(l, rc, "cert issue");
    ledger_close(l);
    if (st != 0) {
        /* A certificate not in the ledger cannot connect; remove it so an
         * operator is not misled into handing it out. */
        remove(key);
        remove(crt);
        return st;
    }
    printf("certificate for %s: %s, key %s (serial %s)\n", o->code, crt, key, serial);
    return 0;
}

static int cmd_cert_revoke(const struct opts *o)
{
    char serial[PKI_SERIAL_HEX_MAX], code[PKI_UNIT_CODE_MAX + 1], err[512];
    struct ledger *l;
    if (!o->serial && !o->cert)
        return usage("cert revoke needs --serial HEX or --cert FILE");
    if (o->cert) {
        if (pki_cert_info(o->cert, code, sizeof code, serial, err, sizeof err) < 0) {
            fprintf(stderr, "tdktd: cert revoke: %s\n", err);
            return 1;
        }
    } else {
        snprintf(serial, sizeof serial, "%s", o->serial);
    }
    if (open_ledger(o, 0, &l) < 0)
        return 1;
    int rc = ledger_begin(l);
    if (rc == 0)
        rc = registry_cert_revoke(l, clock_now_ms(), ADMIN_ACTOR, serial,
                                  o->reason ? o->reason : "");
    int st = admin_commit(l, rc, "cert revoke");
    ledger_close(l);
    if (st == 0)
        printf("certificate %s revoked\n", serial);
    return st;
}

/* --- serve ---------------------------------------------------------------- */

static int split_listen(const char *s, char *host, size_t cap, int *port)
{
    const char *colon = strrchr(s, ':');
    char *end;
    long p;
    if (!colon || (size_t)(colon - s) >= cap || colon == s)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    p = strtol(colon + 1, &end, 10);
    if (*end || p < 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

static int cmd_serve(const struct opts *o)
{
    char host[64] = "127.0.0.1", path[PATH_MAX], err[512];
    char ca[PATH_MAX], crt[PATH_MAX], key[PATH_MAX];
    int port = 7443;
    enum log_level level = LOG_LEVEL_INFO;
    struct ledger *l = NULL;
    struct dbthread *db = NULL;
    SSL_CTX *tls = NULL;
    EVP_PKEY *signing_key = NULL;
    struct server srv;
    uv_loop_t loop;
    int rc;

    if (o->log_level && log_level_parse(o->log_level, &level) < 0)
        return usage("--log-level must be error, warn, info or debug");
    log_init("tdktd", level, o->syslog);
    if (!need(o->data, "--data"))
        return EXIT_USAGE;
    if (o->listen && split_listen(o->listen, host, sizeof host, &port) < 0)
        return usage("--listen must be HOST:PORT, e.g. 127.0.0.1:7443");
    if (!o->plain && !o->tls_dir)
        return usage("serve needs --tls-dir DIR (or --plain for loopback tests)");
    if (o->plain && o->tls_dir)
        return usage("--plain and --tls-dir exclude each other");
    if (o->test_clock) {
        if (clock_set_test_file(o->test_clock) < 0)
            return usage("--test-clock: the path is too long");
        log_warn("test clock: the time is shifted by the seconds in %s (tests only)",
                 o->test_clock);
    }

    /* A peer closing while we write must not kill the daemon. */
    signal(SIGPIPE, SIG_IGN);

    if (o->tls_dir) {
        snprintf(ca, sizeof ca, "%s/ca.crt", o->tls_dir);
        snprintf(crt, sizeof crt, "%s/server.crt", o->tls_dir);
        snprintf(key, sizeof key, "%s/server.key", o->tls_dir);
        if (tport_tls_server_ctx(ca, crt, key, &tls, err, sizeof err) < 0) {
            log_error("TLS setup failed: %s", err);
            return 1;
        }
    }
    if (ledger_path(o, path, sizeof path) < 0) {
        tport_tls_ctx_free(tls);
        return 1;
    }
    rc = ledger_open(path, 0, &l, err, sizeof err);
    if (rc < 0) {
        log_error("%s", err);
        tport_tls_ctx_free(tls);
        return 1;
    }
    uint64_t height;
    struct tree_head sth;
    uint8_t pub[STH_PUB_LEN];
    {
        /* A ledger already signed has pinned its key: a missing key file is
         * restored from backup, never silently replaced by a new key. */
        uint8_t pinned[STH_PUB_LEN];
        int have_pin = treelog_pinned_key(l, pinned) == 0;
        signing_key = load_ledger_key(o, !have_pin);
        if (!signing_key || sth_key_public(signing_key, pub) < 0) {
            log_error("cannot load the ledger key%s; see docs/admin.md",
                      have_pin ? " that signed this ledger (restore ledger.key from its backup)"
                               : "");
            goto fail_early;
        }
        if (have_pin && memcmp(pinned, pub, STH_PUB_LEN) != 0) {
            log_error("the ledger key file is not the key this ledger is signed with (meta "
                      "ledger_key); restore the right ledger.key (docs/admin.md)");
            goto fail_early;
        }
    }
    ledger_set_signer(l, signing_key);
    /* A ledger that no longer matches the last head it signed is not
     * served: run tdktd verify and restore a backup (docs/admin.md). */
    rc = treelog_check_last(l, err, sizeof err);
    if (rc < 0) {
        log_error("the ledger fails its last signed tree head: %s; run 'tdktd verify'",
                  rc == TDKT_ECORRUPT ? err : tdkt_strerror(rc));
        goto fail_early;
    }
    /* Sign the head now so that reads never have to: a key that is not the
     * one pinned in this ledger stops the daemon here, not at first write. */
    rc = ledger_begin(l);
    if (rc == 0) {
        rc = treelog_head(l, clock_now_ms(), &sth);
        rc = rc == 0 ? ledger_commit(l) : (ledger_rollback(l), rc);
    }
    if (rc < 0) {
        log_error("cannot sign the tree head: %s%s", tdkt_strerror(rc),
                  rc == TDKT_EAUTH ? " (the ledger key is not the one this ledger is signed "
                                     "with)"
                                   : "");
        goto fail_early;
    }
    ledger_head(l, &height, NULL);
    log_info("ledger %s: %llu entries, signed tree head of size %llu", path,
             (unsigned long long)height, (unsigned long long)sth.size);

    uv_loop_init(&loop);
    rc = dbthread_start(&loop, l, &db);
    if (rc < 0) {
        log_error("cannot start the database thread: %s", tdkt_strerror(rc));
        uv_loop_close(&loop);
        goto fail_early;
    }
    struct server_config cfg = {
        .listen_host = host,
        .port = port,
        .tls = tls,
        .max_conns = o->max_conns,
        .idle_timeout_s = o->idle_timeout,
        .handshake_timeout_s = o->handshake_timeout,
        .port_file = o->port_file,
        .auto_seal_ms = o->auto_seal_s == -2 ? (int64_t)SERVER_AUTO_SEAL_DEFAULT_S * 1000
                        : o->auto_seal_s < 0 ? -1
                                             : (int64_t)o->auto_seal_s * 1000,
    };
    memcpy(cfg.ledger_key, pub, sizeof cfg.ledger_key);
    rc = server_start(&srv, &loop, &cfg, db, err, sizeof err);
    if (rc < 0) {
        log_error("%s", err);
        srv.draining = 1;
        srv.db_stopped = 1;
        dbthread_stop(db, NULL, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        tport_tls_ctx_free(tls);
        sth_key_free(signing_key);
        return 1;
    }
    log_info("tdktd %s ready, protocol v%d", TDKT_VERSION, PROTOCOL_VERSION);
    uv_run(&loop, UV_RUN_DEFAULT);
    rc = uv_loop_close(&loop);
    if (rc != 0)
        log_warn("event loop closed with handles still open: %s", uv_strerror(rc));
    tport_tls_ctx_free(tls);
    sth_key_free(signing_key);
    return srv.exit_code;

fail_early:
    ledger_close(l);
    sth_key_free(signing_key);
    tport_tls_ctx_free(tls);
    return 1;
}

int tdktd_main(int argc, char **argv)
{
    struct opts o = {.auto_seal_s = -2};
    const char *cmd, *sub = NULL;
    int shift = 1;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return usage(argc < 2 ? "missing command" : NULL);
    if (strcmp(argv[1], "--version") == 0) {
        printf("tdktd %s (protocol %d)\n", TDKT_VERSION, PROTOCOL_VERSION);
        return 0;
    }
    cmd = argv[1];
    if (strcmp(cmd, "ca") == 0 || strcmp(cmd, "unit") == 0 || strcmp(cmd, "cert") == 0 ||
        strcmp(cmd, "registry") == 0) {
        if (argc < 3)
            return usage("missing subcommand");
        sub = argv[2];
        shift = 2;
    }
    int pr = parse_opts(argc - shift, argv + shift, &o);
    if (pr > 0)
        return usage(NULL);
    if (pr < 0)
        return EXIT_USAGE;
    if (o.file && strcmp(cmd, "registry") != 0) {
        fprintf(stderr, "tdktd: unexpected argument '%s'\n", o.file);
        return EXIT_USAGE;
    }
    log_init("tdktd", LOG_LEVEL_INFO, 0);

    if (!sub) {
        if (strcmp(cmd, "init") == 0)
            return cmd_init(&o);
        if (strcmp(cmd, "serve") == 0)
            return cmd_serve(&o);
        if (strcmp(cmd, "status") == 0)
            return cmd_status(&o);
        if (strcmp(cmd, "verify") == 0)
            return cmd_verify(&o);
        if (strcmp(cmd, "backup") == 0)
            return cmd_backup(&o);
    } else if (strcmp(cmd, "ca") == 0 && strcmp(sub, "init") == 0) {
        return cmd_ca_init(&o);
    } else if (strcmp(cmd, "unit") == 0) {
        if (strcmp(sub, "add") == 0)
            return cmd_unit_add(&o);
        if (strcmp(sub, "list") == 0)
            return cmd_unit_list(&o);
        if (strcmp(sub, "revoke") == 0)
            return cmd_unit_revoke(&o);
    } else if (strcmp(cmd, "registry") == 0 && strcmp(sub, "import") == 0) {
        return cmd_registry_import(&o, o.file);
    } else if (strcmp(cmd, "cert") == 0) {
        if (strcmp(sub, "issue") == 0)
            return cmd_cert_issue(&o);
        if (strcmp(sub, "server") == 0)
            return cmd_cert_server(&o);
        if (strcmp(sub, "revoke") == 0)
            return cmd_cert_revoke(&o);
    }
    return usage("unknown command");
}
