/* SPDX-License-Identifier: MIT */
/*
 * The tdktd command line: its usage text and the parsing of its options
 * into struct opts (admin.h).
 */
#include "server/admin/admin.h"

#include <getopt.h>
#include <string.h>

#include "server/loop/server.h"

static const char usage_text[] =
    "usage: tdktd <command> [options]\n"
    "\n"
    "Ledger:\n"
    "  init     --data DIR                 create an empty ledger in DIR/" LEDGER_FILE "\n"
    "                                      and its signing key DIR/" LEDGER_KEY_FILE "\n"
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

int admin_usage(const char *why)
{
    if (why)
        fprintf(stderr, "tdktd: %s\n\n", why);
    fputs(usage_text, why ? stderr : stdout);
    return why ? ADMIN_EXIT_USAGE : 0;
}

int admin_parse_opts(int argc, char **argv, struct opts *o)
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
        O_INPUT_BUDGET,
        O_OUTPUT_BUDGET,
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
        {"input-budget", required_argument, NULL, O_INPUT_BUDGET},
        {"output-budget", required_argument, NULL, O_OUTPUT_BUDGET},
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
        case O_INPUT_BUDGET:
        case O_OUTPUT_BUDGET:
            if (budget_parse(optarg, ch == O_INPUT_BUDGET ? &o->input_budget : &o->output_budget) <
                0) {
                fprintf(stderr,
                        "tdktd: %s must be a number of bytes from %llu to %llu, optionally with "
                        "a K, M or G suffix (e.g. 256M)\n",
                        ch == O_INPUT_BUDGET ? "--input-budget" : "--output-budget",
                        (unsigned long long)BUDGET_MIN, (unsigned long long)BUDGET_MAX);
                return -1;
            }
            break;
        case O_MAX_CONNS:
        case O_IDLE:
        case O_HANDSHAKE:
            errno = 0;
            v = strtoul(optarg, &end, 10);
            if (errno || *end || v == 0 || v > 1000000) {
                fprintf(stderr, "tdktd: %s must be a number from 1 to 1000000\n",
                        ch == O_IDLE        ? "--idle-timeout"
                        : ch == O_HANDSHAKE ? "--handshake-timeout"
                                            : "--max-conns");
                return -1;
            }
            if (ch == O_IDLE)
                o->idle_timeout = (unsigned)v;
            else if (ch == O_HANDSHAKE)
                o->handshake_timeout = (unsigned)v;
            else
                o->max_conns = (unsigned)v;
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

int admin_need(const char *v, const char *flag)
{
    if (!v || !*v) {
        fprintf(stderr, "tdktd: %s is required (see tdktd --help)\n", flag);
        return 0;
    }
    return 1;
}
