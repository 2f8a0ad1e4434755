/* SPDX-License-Identifier: MIT */
/*
 * What the tdkt commands share: the configuration, exit codes, and the
 * helpers of main.c (connecting, opening the local store, reporting errors).
 * Each cmd_*.c file is a thin shell over client/lib.
 */
#ifndef TDKT_CLIENT_CLI_CLI_H
#define TDKT_CLIENT_CLI_CLI_H

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

#include "client/lib/client.h"
#include "client/lib/store.h"
#include "common/text/numlocale.h"

enum exit_code {
    EXIT_OK = 0,
    EXIT_FAILURE_ = 1, /* unexpected internal failure */
    EXIT_USAGE = 2,    /* bad command line */
    EXIT_CONFIG = 3,   /* configuration or local store problem */
    EXIT_CONNECT = 4,  /* cannot reach the server (network, TLS, timeout) */
    EXIT_AUTH = 5,     /* the server refused our identity (unknown/revoked unit, wrong CA) */
    EXIT_REFUSED = 6,  /* the server refused the request with a typed error */
    EXIT_QUEUED = 7,   /* stored in the outbox, not yet acknowledged (offline) */
    EXIT_DIFFERS = 8,  /* reconcile: differences remain that cannot be repaired */
    EXIT_TAMPER = 9,   /* reconcile: the server's log failed a check (history rewritten) */
};

#define CONF_VALUE_MAX 512

struct cfg {
    char server[CONF_VALUE_MAX], ca[CONF_VALUE_MAX], cert[CONF_VALUE_MAX], key[CONF_VALUE_MAX];
    char store[CONF_VALUE_MAX], plain_unit[CONF_VALUE_MAX];
    char language[8]; /* "vi", "en" or "" (the locale decides; common/text/i18n.h) */
    int timeout_ms;
    int json;
    const char *state;
    /* results / sync / registry */
    const char *unit, *kind, *format, *output;
    uint32_t year;
    int retries, backoff_ms, no_pull, remote, dry_run, no_push, forget_head;
    int all, yes; /* review approve|decide --all; --yes: no question on a terminal */
    /* spreadsheets: the sheet to import (--sheet), how text numbers are read
     * (--locale, config import_locale), CSV export for Vietnamese Excel */
    const char *sheet;
    enum numlocale locale;
    int excel_vi;
    /* review, history */
    const char *person, *cluster, *reason, *decision_no, *decision_date, *signer, *source;
    const char *name; /* registry list --name */
};

int usage(const char *why);
void json_str(const char *s);
/* Print the failure of rc (server error or local) and map it to an exit code. */
int report(struct tdkt_client *c, int rc, const char *what, int json);
int connect_server(const struct cfg *cfg, struct tdkt_client **out);
/* The same; quiet: say nothing on failure (the caller goes on offline). */
int connect_server_opt(const struct cfg *cfg, struct tdkt_client **out, int quiet);
int open_store(const struct cfg *cfg, struct store **s);

/* Send every pending outbox entry once (no retries, no pull): `tdkt push`
 * and `tdkt note put`. quiet: no summary line (a single put prints its
 * receipt). Exit code: 0, 6 some refused, 7 still queued, 5 identity. */
int cli_push(const struct cfg *cfg, struct store *s, int quiet);
/* Queue one write (kind, packed m) in the outbox under a new request id and
 * send it with cli_push: the exit code of the push, or EXIT_CONFIG when it
 * cannot be stored. Used by every command that writes one message. */
int cli_queue_and_push(const struct cfg *cfg, const char *kind, const ProtobufCMessage *m);
/* The same for n writes of one kind, queued in one transaction (all or
 * none), each its own entry with its own request id, then one push. */
int cli_queue_many_and_push(const struct cfg *cfg, const char *kind,
                            const ProtobufCMessage *const *ms, size_t n);
/* A form file's parser (client/lib/forms.h) as cli_read_form calls it. */
typedef int (*cli_form_fn)(const char *data, size_t len, ProtobufCMessage **out, char *why,
                           size_t cap);
/* Read the form at path (at most max bytes; what names it in a refusal) and
 * parse it with read: EXIT_OK with *m (free_unpacked by the caller), or
 * EXIT_USAGE after saying why with the file's name; nothing is queued. */
int cli_read_form(const char *path, size_t max, const char *what, cli_form_fn read,
                  ProtobufCMessage **m);
int cmd_sync(const struct cfg *cfg);
/* `tdkt registry list units|persons|clusters` (cmd_registry_list.c). */
int cli_registry_list(const struct cfg *cfg, const char *what);
int cmd_reconcile(const struct cfg *cfg);
int cmd_ballot(const struct cfg *cfg, int nargs, char **args);
int cmd_council(const struct cfg *cfg, int nargs, char **args);
/* submit, review, history, report */
int cmd_review(const struct cfg *cfg, const char *cmd, int nargs, char **args);
int cmd_results(const struct cfg *cfg, int nargs, char **args);
int cmd_registry(const struct cfg *cfg, int nargs, char **args);

#endif
