/* SPDX-License-Identifier: MIT */
/*
 * What the tdktd subcommands share (private to server/admin): the parsed
 * options, the paths of a data folder's files, and one function per
 * subcommand. opts.c parses the command line, cmd_ledger.c holds the ledger
 * commands (init, status, verify, backup), cmd_registry.c the unit,
 * certificate and registry commands, cmd_serve.c the daemon, and tdktd.c
 * the table that maps a command to its function. Each returns an exit code:
 * 0 ok, 1 failure, ADMIN_EXIT_USAGE usage.
 */
#ifndef TDKT_SERVER_ADMIN_ADMIN_H
#define TDKT_SERVER_ADMIN_ADMIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

struct ledger;

#define ADMIN_EXIT_USAGE 2
#define ADMIN_ACTOR      "ADMIN" /* acting unit recorded for tdktd subcommands */
#define LEDGER_FILE      "ledger.db"
#define LEDGER_KEY_FILE  "ledger.key"

struct opts {
    const char *data, *ca, *name, *code, *role, *parent, *reason, *out, *host, *serial, *cert;
    const char *person; /* cert issue --person ID */
    const char *listen, *tls_dir, *port_file, *log_level, *ledger_key;
    const char *test_clock; /* serve --test-clock FILE (server/clock/clock.h) */
    const char *file;       /* the one positional argument, where a command takes it */
    unsigned max_conns, idle_timeout, handshake_timeout;
    long auto_seal_s; /* --auto-seal-after: seconds, -1 never; default when unset (-2) */
    uint64_t input_budget, output_budget; /* --input-budget, --output-budget; 0: default */
    int plain, syslog, json;
};

int admin_usage(const char *why);
/* Parse argv into o: 0, 1 for --help, < 0 after printing why. */
int admin_parse_opts(int argc, char **argv, struct opts *o);
/* 1 when v is set; else says which flag is missing and returns 0. */
int admin_need(const char *v, const char *flag);
int admin_ledger_path(const struct opts *o, char *buf, size_t cap);
int admin_open_ledger(const struct opts *o, int flags, struct ledger **l);
void admin_print_hex(FILE *f, const uint8_t *p, size_t n);
EVP_PKEY *admin_load_ledger_key(const struct opts *o, int create);

int admin_cmd_init(const struct opts *o);
int admin_cmd_status(const struct opts *o);
int admin_cmd_verify(const struct opts *o);
int admin_cmd_backup(const struct opts *o);
int admin_cmd_serve(const struct opts *o);
int admin_cmd_ca_init(const struct opts *o);
int admin_cmd_unit_add(const struct opts *o);
int admin_cmd_unit_list(const struct opts *o);
int admin_cmd_unit_revoke(const struct opts *o);
int admin_cmd_registry_import(const struct opts *o);
int admin_cmd_cert_issue(const struct opts *o);
int admin_cmd_cert_server(const struct opts *o);
int admin_cmd_cert_revoke(const struct opts *o);

#endif
