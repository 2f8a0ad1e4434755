/* SPDX-License-Identifier: MIT */
/*
 * The tdktd command line: its usage text and the parsing of its options
 * into struct opts (admin.h).
 */
#include "server/admin/admin.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "server/loop/server.h"
#include "common/text/i18n.h"

/* One literal, so that it is one message of the catalogue: the file names
 * are written out (held to admin.h's below). */
_Static_assert(sizeof LEDGER_FILE == sizeof "ledger.db" &&
                   sizeof LEDGER_KEY_FILE == sizeof "ledger.key",
               "the usage names the ledger's files");
static const char *const usage_text =
    N_("usage: tdktd <command> [options]\n"
       "\n"
       "Ledger:\n"
       "  init     --data DIR                 create an empty ledger in DIR/ledger.db\n"
       "                                      and its signing key DIR/ledger.key\n"
       "  status   --data DIR [--json]        height, Merkle root and last signed tree head,\n"
       "                                      and the running daemon's counters\n"
       "  verify   --data DIR                 recompute every leaf, node and signed head,\n"
       "                                      PRAGMA integrity_check, replay the state tables\n"
       "  backup   --data DIR --out FILE      online copy of the ledger to a new FILE, verified\n"
       "  serve    --data DIR --tls-dir DIR [--listen HOST:PORT] [--max-conns N]\n"
       "           [--idle-timeout SECONDS] [--handshake-timeout SECONDS (10)]\n"
       "           [--port-file FILE] [--log-level LEVEL] [--syslog]\n"
       "           [--auto-seal-after SECONDS|never]   seal a ballot box left unsealed this\n"
       "           long after it closed (default 600)\n"
       "           [--input-budget BYTES]   unfinished frames held by all connections\n"
       "           (default 256M); beyond, the largest are refused BUSY\n"
       "           [--output-budget BYTES]   replies unsent on all connections (default\n"
       "           256M); beyond, connections with replies unsent stop reading\n"
       "           (BYTES: a number, or with a K, M or G suffix; at least 2M)\n"
       "           [--plain]   plain TCP, loopback only, for tests (no --tls-dir)\n"
       "           [--test-clock FILE]   tests only: add the seconds in FILE to the\n"
       "           clock, read at every use (docs/testing.md)\n"
       "           [--ledger-key FILE]   Ed25519 key signing tree heads (default\n"
       "           DIR/ledger.key, created when missing)\n"
       "Certificate authority and units:\n"
       "  ca init     --ca DIR [--name NAME]  create the sector CA (DIR/ca.key, DIR/ca.crt)\n"
       "  cert server --ca DIR --host HOST --out DIR   the daemon's certificate\n"
       "  unit add    --data DIR --code CODE --name NAME --role regional|central [--parent CODE]\n"
       "  unit list   --data DIR [--json]\n"
       "  unit revoke --data DIR --code CODE [--reason TEXT]\n"
       "  registry import --data DIR FILE   apply a registry file (docs/registry.md): units,\n"
       "              persons, periods, clusters, criteria; all or nothing\n"
       "  cert issue  --data DIR --ca DIR --unit CODE --out DIR   key + certificate of a unit\n"
       "  cert issue  --data DIR --ca DIR --person ID --out DIR   key + certificate of a Council\n"
       "              member (a registered person), who casts the Council's electronic votes\n"
       "  cert revoke --data DIR (--serial HEX | --cert FILE) [--reason TEXT]   a unit's or a\n"
       "              person's\n"
       "\n"
       "--tls-dir DIR holds ca.crt, server.crt and server.key. Log levels: error, warn, info,\n"
       "debug. See docs/admin.md.\n");

int admin_usage(const char *why)
{
    if (why)
        fprintf(stderr, _("tdktd: %s\n\n"), why);
    fputs(_(usage_text), why ? stderr : stdout);
    return why ? ADMIN_EXIT_USAGE : 0;
}

/* What an option does with its argument: each kind is one function below. */
enum opt_kind {
    OPT_TEXT,      /* const char *: the argument itself */
    OPT_FLAG,      /* int: set to 1; takes no argument */
    OPT_COUNT,     /* unsigned: 1 to OPT_COUNT_MAX */
    OPT_BUDGET,    /* uint64_t: bytes, with a K, M or G suffix (budget_parse) */
    OPT_AUTO_SEAL, /* long: seconds up to a year, or -1 for "never" */
    OPT_HELP,      /* admin_parse_opts returns 1 */
};

#define OPT_COUNT_MAX     1000000u
#define OPT_AUTO_SEAL_MAX 31536000ul /* a year, in seconds */

/* One entry an option (nginx ngx_command_t): its name, its kind and the
 * field of struct opts it fills. Adding an option is one line here. */
static const struct opt_def {
    const char *name;
    enum opt_kind kind;
    size_t off;
} opt_defs[] = {
    {"data", OPT_TEXT, offsetof(struct opts, data)},
    {"ca", OPT_TEXT, offsetof(struct opts, ca)},
    {"name", OPT_TEXT, offsetof(struct opts, name)},
    {"code", OPT_TEXT, offsetof(struct opts, code)},
    {"unit", OPT_TEXT, offsetof(struct opts, code)},
    {"person", OPT_TEXT, offsetof(struct opts, person)},
    {"role", OPT_TEXT, offsetof(struct opts, role)},
    {"parent", OPT_TEXT, offsetof(struct opts, parent)},
    {"reason", OPT_TEXT, offsetof(struct opts, reason)},
    {"out", OPT_TEXT, offsetof(struct opts, out)},
    {"host", OPT_TEXT, offsetof(struct opts, host)},
    {"serial", OPT_TEXT, offsetof(struct opts, serial)},
    {"cert", OPT_TEXT, offsetof(struct opts, cert)},
    {"listen", OPT_TEXT, offsetof(struct opts, listen)},
    {"ledger-key", OPT_TEXT, offsetof(struct opts, ledger_key)},
    {"tls-dir", OPT_TEXT, offsetof(struct opts, tls_dir)},
    {"port-file", OPT_TEXT, offsetof(struct opts, port_file)},
    {"log-level", OPT_TEXT, offsetof(struct opts, log_level)},
    {"test-clock", OPT_TEXT, offsetof(struct opts, test_clock)},
    {"max-conns", OPT_COUNT, offsetof(struct opts, max_conns)},
    {"idle-timeout", OPT_COUNT, offsetof(struct opts, idle_timeout)},
    {"handshake-timeout", OPT_COUNT, offsetof(struct opts, handshake_timeout)},
    {"auto-seal-after", OPT_AUTO_SEAL, offsetof(struct opts, auto_seal_s)},
    {"input-budget", OPT_BUDGET, offsetof(struct opts, input_budget)},
    {"output-budget", OPT_BUDGET, offsetof(struct opts, output_budget)},
    {"plain", OPT_FLAG, offsetof(struct opts, plain)},
    {"syslog", OPT_FLAG, offsetof(struct opts, syslog)},
    {"json", OPT_FLAG, offsetof(struct opts, json)},
    {"help", OPT_HELP, 0},
};
#define OPT_DEFS (sizeof opt_defs / sizeof opt_defs[0])
/* getopt_long's value of opt_defs[i], clear of '?' and ':'. */
#define OPT_VAL_BASE 256

/* Store arg in the field d names: 0, 1 for --help, -1 after saying why. */
static int opt_apply(const struct opt_def *d, const char *arg, struct opts *o)
{
    void *field = (char *)o + d->off;
    unsigned long v;
    char *end;

    switch (d->kind) {
    case OPT_TEXT:
        *(const char **)field = arg;
        return 0;
    case OPT_FLAG:
        *(int *)field = 1;
        return 0;
    case OPT_HELP:
        return 1;
    case OPT_COUNT:
        errno = 0;
        v = strtoul(arg, &end, 10);
        if (errno || *end || v == 0 || v > OPT_COUNT_MAX) {
            fprintf(stderr, _("tdktd: --%s must be a number from 1 to %u\n"), d->name,
                    OPT_COUNT_MAX);
            return -1;
        }
        *(unsigned *)field = (unsigned)v;
        return 0;
    case OPT_BUDGET:
        if (budget_parse(arg, (uint64_t *)field) < 0) {
            fprintf(stderr,
                    _("tdktd: --%s must be a number of bytes from %llu to %llu, optionally with "
                      "a K, M or G suffix (e.g. 256M)\n"),
                    d->name, (unsigned long long)BUDGET_MIN, (unsigned long long)BUDGET_MAX);
            return -1;
        }
        return 0;
    case OPT_AUTO_SEAL:
        if (strcmp(arg, "never") == 0) {
            *(long *)field = -1;
            return 0;
        }
        errno = 0;
        v = strtoul(arg, &end, 10);
        if (errno || *end || !*arg || v > OPT_AUTO_SEAL_MAX) {
            fprintf(stderr, _("tdktd: --%s must be seconds from 0 to %lu, or never\n"), d->name,
                    OPT_AUTO_SEAL_MAX);
            return -1;
        }
        *(long *)field = (long)v;
        return 0;
    }
    return -1;
}

int admin_parse_opts(int argc, char **argv, struct opts *o)
{
    struct option longopts[OPT_DEFS + 1];
    int ch, rc;

    for (size_t i = 0; i < OPT_DEFS; i++) {
        int bare = opt_defs[i].kind == OPT_FLAG || opt_defs[i].kind == OPT_HELP;
        longopts[i] = (struct option){opt_defs[i].name, bare ? no_argument : required_argument,
                                      NULL, OPT_VAL_BASE + (int)i};
    }
    longopts[OPT_DEFS] = (struct option){NULL, 0, NULL, 0};

    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch < OPT_VAL_BASE || ch >= OPT_VAL_BASE + (int)OPT_DEFS)
            return -1; /* getopt_long has said what is wrong */
        rc = opt_apply(&opt_defs[ch - OPT_VAL_BASE], optarg, o);
        if (rc != 0)
            return rc;
    }
    /* One positional argument is allowed: the FILE of `registry import`. */
    if (optind < argc)
        o->file = argv[optind++];
    if (optind != argc) {
        fprintf(stderr, _("tdktd: unexpected argument '%s'\n"), argv[optind]);
        return -1;
    }
    return 0;
}

int admin_need(const char *v, const char *flag)
{
    if (!v || !*v) {
        fprintf(stderr, _("tdktd: %s is required (see tdktd --help)\n"), flag);
        return 0;
    }
    return 1;
}
