/* SPDX-License-Identifier: MIT */
/*
 * tdkt: the regional and central offices' command line. A thin shell over
 * client/lib: it reads the configuration, parses the command, calls the
 * library and prints text or --json. Exit codes are documented in
 * docs/client.md and in `tdkt --help`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/lib/client.h"
#include "client/lib/store.h"
#include "client/lib/store_outbox.h"
#include "common/err.h"
#include "common/text/i18n.h"
#include "common/util/hex.h"
#include "common/util/kvconf.h"
#include "common/crypto/sth.h"
#include "common/wire/envelope.h"
#include "common/wire/utf8.h"

#include "client/cli/cli.h"

/* One message of the catalogue. */
static const char *const usage_text = N_(
    "usage: tdkt [options] <command> [args]\n"
    "\n"
    "Commands:\n"
    "  status               server and protocol version, ledger height and head, your unit\n"
    "  note put KEY TEXT    record a note of your unit in the ledger (stored in the outbox\n"
    "                       first; sent now if the server is reachable)\n"
    "  push                 send every pending outbox entry (retries never duplicate)\n"
    "  sync                 push the outbox, then pull what the server changed since the\n"
    "                       last checkpoint; retries with backoff (--retries, --no-pull)\n"
    "  reconcile            nightly check: re-send the outbox, audit the server's signed\n"
    "                       log, compare records by range digests and repair (--report)\n"
    "  ballot ...           cluster ballots: open FILE, list, show ID, cast ID C=V...,\n"
    "                       seal|tally|publish ID, paper FILE, verify ID (docs/ballots.md)\n"
    "  submit FILE          an office submits its dossier of proposals (docs/review.md)\n"
    "  review ...           central office: list, show ID, receive|return ID, approve|reject|\n"
    "                       cancel|decide|annul ID PROPOSAL (--reason, --decision-no/-date,\n"
    "                       --signer); record ID TITLE --year Y --person P|--unit U\n"
    "                       --decision-no/-date --signer --source: a decision from the\n"
    "                       central office's files (before the ledger); quota YEAR: the\n"
    "                       TTLĐXS candidates ranked, with the quota's cut line\n"
    "  council ...          the sector Council's votes (docs/council.md): vote FILE (central\n"
    "                       office: a paper ballot's result from the minutes, or an\n"
    "                       electronic vote opened), cast ID C=yes|no|abstain... (a member,\n"
    "                       with their own certificate), close ID (central office)\n"
    "  eligibility check FILE  preview the verdicts of a dossier over this office's data\n"
    "  history              titles, decisions and ratings of --person ID or --unit CODE\n"
    "  report               --year Y --format html|xlsx|csv -o PATH (central office)\n"
    "  results import FILE  import results from CSV, XLSX or JSON into the local store and\n"
    "                       outbox (--unit, --year, --kind, --sheet, --locale, --dry-run)\n"
    "  results export       write local results as JSON, CSV or XLSX (--format, --kind,\n"
    "                       --excel-vi, -o)\n"
    "  results show         list results (local; --remote asks the server)\n"
    "  registry import FILE central office: send a registry file (docs/registry.md)\n"
    "  registry show        the local copy of the registry\n"
    "  registry list units|persons|clusters  names and ids (--year, --cluster, --unit,\n"
    "                       --name TEXT: case and tone marks ignored)\n"
    "  outbox [--state S]   list the outbox (S: pending, acked, refused, discarded)\n"
    "  outbox discard ID... set refused entries aside (local, logged)\n"
    "  help [COMMAND]       this text, or a command's\n"
    "\n"
    "Options (override the configuration file):\n"
    "  --config FILE        default: $TDKT_CONFIG, else ~/.config/tdkt/tdkt.conf if present\n"
    "  --server HOST:PORT   tdktd address (config: server)\n"
    "  --lang vi|en         language of what tdkt prints (config: language; default: the locale)\n"
    "  --ca FILE            the sector CA certificate to pin (config: ca)\n"
    "  --cert FILE          this unit's certificate (config: cert)\n"
    "  --key FILE           this unit's private key (config: key)\n"
    "  --store FILE         local store with the outbox (config: store)\n"
    "  --timeout MS         per network step, default 15000 (config: timeout_ms)\n"
    "  --plain-unit CODE    plain TCP to a loopback test daemon (config: plain_unit)\n"
    "  --json               machine-readable output\n"
    "  --version            the versions of tdkt and of its protocol\n"
    "\n"
    "Exit codes: 0 ok, 1 internal failure, 2 usage, 3 configuration or local store,\n"
    "4 cannot reach the server, 5 identity refused, 6 request refused, 7 queued offline,\n"
    "8 reconcile found differences it cannot repair, 9 the server's log failed a check.\n");

static const struct {
    const char *name, *help;
} command_help[] = {
    {"status", N_("usage: tdkt status [--json]\n"
                  "Connects, authenticates and prints the server version, protocol version,\n"
                  "ledger height and head hash, and the unit the server identified you as.\n")},
    {"note", N_("usage: tdkt note put KEY TEXT [--json]\n"
                "Stores the note in the local outbox with a fresh request id, then sends it.\n"
                "If the server cannot be reached the note stays queued (exit 7); `tdkt push`\n"
                "sends it later. KEY: 1-128 bytes; TEXT: up to 65536 bytes of UTF-8.\n")},
    {"push", N_("usage: tdkt push [--json]\n"
                "Sends every pending outbox entry with its original request id, so an entry\n"
                "that reached the server before a failure is not written twice.\n")},
    {"outbox",
     N_("usage: tdkt outbox [--state pending|acked|refused|discarded] [--json]\n"
        "       tdkt outbox discard ID...\n"
        "Lists the outbox: what this office queued, and whether the server acknowledged\n"
        "it (with its ledger entry) or refused it (with the server's reason).\n"
        "discard sets refused entries aside once they are read (an id or a unique prefix\n"
        "of 8 or more hex digits): local only and logged; nothing is deleted, and\n"
        "`tdkt reconcile` stops reporting them.\n")},
    {"sync",
     N_("usage: tdkt sync [--retries N] [--backoff-ms MS] [--no-pull] [--json]\n"
        "Pushes every pending outbox entry with its original request id, then pulls\n"
        "the ledger entries your unit may see since the last checkpoint (registry,\n"
        "your results) in pages. A cut connection is retried after an exponential\n"
        "backoff with jitter (default 6 retries from 250 ms, capped at 30 s); an\n"
        "interrupted sync resumes where it stopped. A refused entry keeps its local\n"
        "records, marked refused with the server's reason (tdkt results show).\n"
        "Exit: 0 all done, 6 some entries refused, 7 still queued (server unreachable).\n")},
    {"reconcile",
     N_("usage: tdkt reconcile [--report FILE] [--no-push] [--json]\n"
        "The office's nightly job (docs/reconcile.md). Re-sends unacknowledged outbox\n"
        "entries; checks the server's signed tree head against the one verified last\n"
        "(consistency proof) and this office's receipts (inclusion proofs); compares\n"
        "the local records with the server's by range digests, fetching what is missing\n"
        "or stale here; reports what cannot be repaired (e.g. an edit refused because\n"
        "the period closed). --report FILE also writes the report to FILE.\n"
        "--forget-head drops the head verified before; use it only after the centre\n"
        "has announced a restore of its ledger from a backup (docs/admin.md).\n"
        "Exit: 0 in sync (or repaired), 8 differences remain, 9 tamper evidence,\n"
        "4 server unreachable.\n")},
    {"ballot",
     N_("usage: tdkt ballot open FILE | list [--year Y] | show ID | cast ID CONTEST=VALUE...\n"
        "       tdkt ballot seal ID | tally ID | publish ID | paper FILE | verify ID\n"
        "open: the cluster leader or the central office opens a ballot from a JSON file\n"
        "(docs/ballots.md); the roll is the cluster's members that year, frozen now.\n"
        "cast: CONTEST=CODE (one_choice), CONTEST=A,B (approve), CONTEST=CODE:yes,CODE2:no\n"
        "(yes_no; unlisted candidates abstain), '-' for a blank ballot. Signed with your\n"
        "certificate key; queued in the outbox first, so it can be cast offline once the\n"
        "ballot was seen with `show`. Prints the tracker. Vote again to replace your ballot.\n"
        "seal (after closing), tally, publish: the opener or the central office.\n"
        "verify: checks every signature, the sealed box and recounts; exit 9 if anything\n"
        "fails, and confirms your own ballot is in the box.\n")},
    {"results", N_("usage: tdkt results import FILE [--unit U] [--year Y] [--kind K] [--dry-run]\n"
                   "                           [--sheet NAME] [--locale vi|en]\n"
                   "       tdkt results export [--unit U] [--year Y] [--format json|csv|xlsx]\n"
                   "                           [--kind K] [--excel-vi] [-o FILE]\n"
                   "       tdkt results show [--unit U] [--year Y] [--remote] [--json]\n"
                   "import reads CSV (UTF-8, with or without BOM; Vietnamese or English headers)\n"
                   "or JSON, as docs/results.md describes. A file with any bad row is refused\n"
                   "whole, listing FILE:LINE:COLUMN for every error; nothing is stored. Good\n"
                   "files go to the local store and the outbox; `tdkt sync` sends them.\n")},
    {"council",
     N_("usage: tdkt council vote FILE | cast VOTE_ID CONTEST=yes|no|abstain ... | close VOTE_ID\n"
        "vote (central office): a JSON file (docs/council.md). With \"mode\": \"paper\" (the\n"
        "default) it enters a Council ballot's counts from the minutes; with \"mode\":\n"
        "\"electronic\" and no counts it opens a vote for the Council's members to cast. The\n"
        "dossiers the vote covers are judged again; while an electronic vote is open they\n"
        "wait (deferred, VOTE-PENDING).\n"
        "cast (a member of that year's Council): your answer to each contest you name, with\n"
        "your own certificate and key (--cert, --key: tdktd cert issue --person). A contest\n"
        "you leave out is not counted for you; cast again to replace your cast: the last one\n"
        "counts. In a secret vote nobody reads your answers before the close, which counts\n"
        "them apart from who cast them.\n"
        "close (central office): ends the vote and counts the last cast of each member on\n"
        "the Council's whole membership, as the paper counts are read.\n")},
    {"registry", N_("usage: tdkt registry import FILE | tdkt registry show [--json]\n"
                    "       tdkt registry list units|persons|clusters [--year Y] [--cluster C]\n"
                    "                          [--unit U] [--name TEXT] [--json]\n"
                    "import (central office only) queues the registry file's records (JSON or\n"
                    "XLSX) and sends them; show counts the local copy pulled by `tdkt sync`; list\n"
                    "prints what a dossier needs, names first, with their ids. --name matches\n"
                    "any part of the name, ignoring case and tone marks (\"nguyen van\" finds\n"
                    "\"Nguyễn Văn An\"); --unit keeps that unit and those below it.\n")},
    {"submit",
     N_("usage: tdkt submit FILE [--json]\n"
        "An office submits its dossier of proposals for the year (docs/review.md): a JSON\n"
        "file naming each proposal's id, title and person or unit. The server judges each\n"
        "one at once; read the verdicts with `tdkt review show ID`. Preview them first,\n"
        "offline, with `tdkt eligibility check FILE`. A returned dossier is submitted\n"
        "again with the same id: a new revision.\n")},
    {"review",
     N_("usage: tdkt review list [--year Y] [--unit U] [--cluster C] [--state S]\n"
        "       tdkt review show ID\n"
        "       tdkt review receive|return ID [--reason TEXT]\n"
        "       tdkt review approve|reject|cancel|decide|annul ID PROPOSAL\n"
        "                   [--reason TEXT] [--decision-no N] [--decision-date D]\n"
        "                   [--signer S]\n"
        "       tdkt review record ID TITLE --year Y (--person P | --unit U)\n"
        "                   --decision-no N --decision-date D --signer S --source TEXT\n"
        "       tdkt review quota YEAR\n"
        "The central office reviews the dossiers (docs/review.md): receive a dossier, or\n"
        "return it with a reason; approve or reject each proposal (against an ineligible\n"
        "verdict only with a reason), decide it with the decision's number, date\n"
        "(dd/mm/yyyy or YYYY-MM-DD) and signer, or annul a decided title with a reason.\n"
        "record enters a decision from the central office's files. quota ranks the\n"
        "TTLĐXS proposals of the year against the quota's cut line. Each step is one\n"
        "ledger entry; nothing is deleted.\n")},
    {"eligibility",
     N_("usage: tdkt eligibility check FILE [--json]\n"
        "Judges the dossier FILE over this office's own data, offline, with the rule\n"
        "set in force for the year, and prints each proposal's verdict and reason.\n"
        "Nothing is sent; the server judges again at `tdkt submit` with what the\n"
        "ledger holds.\n")},
    {"history",
     N_("usage: tdkt history (--person ID | --unit CODE) [--json]\n"
        "One timeline for a person or a unit: by year, the rating, then the titles\n"
        "decided and annulled, each with its decision's number and date. An office sees\n"
        "its own persons and units; the central office sees all.\n")},
    {"report", N_("usage: tdkt report --year Y [--format html|xlsx|csv] -o PATH\n"
                  "The year's report for the Council (central office): the clusters' standings,\n"
                  "the proposals with their verdicts, and the decisions. html is one page; xlsx a\n"
                  "workbook; csv a directory of three tables.\n")},
    {"help", N_("usage: tdkt help [COMMAND]\n"
                "tdkt COMMAND --help prints the same.\n")},
};

/* The command being run, for the hint of a usage error. */
static const char *current_cmd;

/* A usage error is one line saying what is wrong and one hint; the whole
 * usage only when asked for (why NULL). */
int usage(const char *why)
{
    if (!why) {
        fputs(_(usage_text), stdout);
        return EXIT_OK;
    }
    fprintf(stderr, "tdkt: %s\n", why);
    if (current_cmd)
        fprintf(stderr, _("Try `tdkt help %s`.\n"), current_cmd);
    else
        fprintf(stderr, "%s\n", _("Try `tdkt help`."));
    return EXIT_USAGE;
}

static int command_usage(const char *cmd)
{
    for (size_t i = 0; i < sizeof command_help / sizeof command_help[0]; i++) {
        if (strcmp(command_help[i].name, cmd) == 0) {
            fputs(_(command_help[i].help), stdout);
            return EXIT_OK;
        }
    }
    fprintf(stderr, _("tdkt: unknown command '%s'\n"), cmd);
    fprintf(stderr, "%s\n", _("Try `tdkt help`."));
    return EXIT_USAGE;
}

static int set_value(char *dst, const char *v)
{
    size_t n = strlen(v);
    if (n >= CONF_VALUE_MAX)
        return TDKT_ETOOBIG;
    memcpy(dst, v, n + 1);
    return 0;
}

/* `language` and --lang: vi or en. */
static int language_set(char *dst, size_t cap, const char *v)
{
    if (strcmp(v, "vi") != 0 && strcmp(v, "en") != 0)
        return TDKT_EINVAL;
    snprintf(dst, cap, "%s", v);
    return 0;
}

static int conf_cb(void *arg, const char *section, const char *key, const char *value, int line)
{
    struct cfg *c = arg;
    (void)section;
    (void)line;
    if (strcmp(key, "server") == 0)
        return set_value(c->server, value);
    if (strcmp(key, "ca") == 0)
        return set_value(c->ca, value);
    if (strcmp(key, "cert") == 0)
        return set_value(c->cert, value);
    if (strcmp(key, "key") == 0)
        return set_value(c->key, value);
    if (strcmp(key, "store") == 0)
        return set_value(c->store, value);
    if (strcmp(key, "plain_unit") == 0)
        return set_value(c->plain_unit, value);
    if (strcmp(key, "language") == 0)
        return language_set(c->language, sizeof c->language, value);
    if (strcmp(key, "import_locale") == 0)
        return numlocale_from_name(value, &c->locale);
    if (strcmp(key, "timeout_ms") == 0) {
        char *end;
        long v = strtol(value, &end, 10);
        if (*end || v <= 0 || v > 600000)
            return TDKT_EINVAL;
        c->timeout_ms = (int)v;
        return 0;
    }
    return TDKT_EINVAL;
}

void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

/* Map a failed connect or call to an exit code and print why. */
int report(struct tdkt_client *c, int rc, const char *what, int json)
{
    const struct fault *se = c ? tdkt_client_last_error(c) : NULL;
    int code;
    if (se && se->wire) {
        code = (rc == TDKT_EAUTH || rc == TDKT_EREVOKED) ? EXIT_AUTH : EXIT_REFUSED;
    } else if (rc == TDKT_EAUTH || rc == TDKT_EREVOKED) {
        code = EXIT_AUTH;
    } else if (rc == TDKT_EIO || rc == TDKT_ETIMEDOUT || rc == TDKT_ECLOSED || rc == TDKT_ETLS) {
        code = EXIT_CONNECT;
    } else if (rc == TDKT_EINVAL && !(se && se->wire)) {
        code = EXIT_CONFIG;
    } else {
        code = EXIT_FAILURE_;
    }
    if (json) {
        printf("{\"ok\":false,\"exit\":%d,\"error\":", code);
        json_str(se && se->wire ? wire_error_name(se->wire) : tdkt_strerror(rc));
        printf(",\"message\":");
        json_str(se && se->wire ? se->why.text : tdkt_client_errmsg(c));
        printf(",\"field\":");
        json_str(se && se->wire ? se->field : "");
        printf("}\n");
    }
    fprintf(stderr, "tdkt: %s: %s\n", what, tdkt_client_errmsg(c));
    return code;
}

/* Say why only when not quiet. */
#define QFPRINTF(...) (quiet ? (void)0 : (void)fprintf(stderr, __VA_ARGS__))

int connect_server(const struct cfg *cfg, struct tdkt_client **out)
{
    return connect_server_opt(cfg, out, 0);
}

int connect_server_opt(const struct cfg *cfg, struct tdkt_client **out, int quiet)
{
    struct tdkt_client_opts o = {0};
    char host[256];
    const char *colon = strrchr(cfg->server, ':');
    char *end;

    *out = NULL;
    if (!cfg->server[0] || !colon || colon == cfg->server ||
        (size_t)(colon - cfg->server) >= sizeof host) {
        QFPRINTF(_("tdkt: no server configured: set 'server = HOST:PORT' or --server\n"));
        return EXIT_CONFIG;
    }
    memcpy(host, cfg->server, (size_t)(colon - cfg->server));
    host[colon - cfg->server] = '\0';
    long port = strtol(colon + 1, &end, 10);
    if (*end || port <= 0 || port > 65535) {
        QFPRINTF(_("tdkt: server port in '%s' is not a number from 1 to 65535\n"), cfg->server);
        return EXIT_CONFIG;
    }
    o.host = host;
    o.port = (int)port;
    o.timeout_ms = cfg->timeout_ms;
    if (cfg->plain_unit[0]) {
        o.plain_unit = cfg->plain_unit;
    } else {
        if (!cfg->ca[0] || !cfg->cert[0] || !cfg->key[0]) {
            QFPRINTF(_("tdkt: TLS needs ca, cert and key (config file or --ca/--cert/--key)\n"));
            return EXIT_CONFIG;
        }
        /* A file that cannot be read is the configuration's fault, not the
         * network's: say which, before dialling. */
        const char *files[][2] = {{"ca", cfg->ca}, {"cert", cfg->cert}, {"key", cfg->key}};
        for (size_t i = 0; i < 3; i++) {
            if (access(files[i][1], R_OK) != 0) {
                QFPRINTF(_("tdkt: cannot read the file '%s' (%s, --%s): %s\n"), files[i][1],
                         files[i][0], files[i][0], strerror(errno));
                return EXIT_CONFIG;
            }
        }
        o.ca_file = cfg->ca;
        o.cert_file = cfg->cert;
        o.key_file = cfg->key;
    }
    int rc = tdkt_client_connect(&o, out);
    if (rc < 0) {
        int code = quiet ? EXIT_CONNECT : report(*out, rc, "connect", cfg->json);
        tdkt_client_close(*out);
        *out = NULL;
        return code;
    }
    return EXIT_OK;
}

static int cmd_status(const struct cfg *cfg)
{
    struct tdkt_client *c;
    struct tdkt_status st;
    char head[65];
    int code = connect_server(cfg, &c);
    if (code)
        return code;
    int rc = tdkt_client_status(c, &st);
    if (rc < 0) {
        code = report(c, rc, "status", cfg->json);
        tdkt_client_close(c);
        return code;
    }
    hex_encode(st.head_hash, sizeof st.head_hash, head);
    const char *role = st.unit_role == TDKT__ROLE__ROLE_CENTRAL ? "central" : "regional";
    /* The head's signature is checked with the key the server announced;
     * tdkt reconcile checks that key against the one pinned locally. */
    const uint8_t *lk = tdkt_client_ledger_key(c);
    char key_hex[65] = "";
    int sig_ok = 0;
    if (lk) {
        struct tree_head h;
        hex_encode(lk, 32, key_hex);
        h.size = st.head_size;
        h.time_ms = st.head_time_ms;
        memcpy(h.root, st.head_root, 32);
        memcpy(h.sig, st.head_sig, 64);
        sig_ok = st.has_head && sth_verify(lk, &h) == 0;
    }
    if (cfg->json) {
        printf("{\"ok\":true,\"server_version\":");
        json_str(st.server_version);
        printf(",\"protocol_version\":%u,\"ledger_height\":%llu,\"head_hash\":\"%s\","
               "\"ledger_key\":\"%s\",\"head_signature_valid\":%s,\"unit\":{\"code\":",
               st.protocol_version, (unsigned long long)st.ledger_height, head, key_hex,
               sig_ok ? "true" : "false");
        json_str(st.unit_code);
        printf(",\"name\":");
        json_str(st.unit_name);
        printf(",\"role\":\"%s\"},\"server_time_ms\":%llu}\n", role,
               (unsigned long long)st.server_time_ms);
    } else {
        printf(_("server:    tdktd %s at %s\n"), st.server_version, cfg->server);
        printf(_("protocol:  v%u\n"), st.protocol_version);
        printf(_("ledger:    height %llu, root %s\n"), (unsigned long long)st.ledger_height, head);
        printf(_("signed:    tree head of %llu entries, signature %s\n"),
               (unsigned long long)st.head_size, sig_ok ? "valid" : "NOT VALID");
        printf(_("key:       %s\n"), key_hex[0] ? key_hex : "(none sent)");
        printf(_("unit:      %s — %s (%s)\n"), st.unit_code, st.unit_name, role);
    }
    tdkt_client_close(c);
    return EXIT_OK;
}

int open_store(const struct cfg *cfg, struct store **s)
{
    char err[512];
    if (!cfg->store[0]) {
        fprintf(stderr, _("tdkt: no local store configured: set 'store = FILE' or --store\n"));
        return EXIT_CONFIG;
    }
    if (store_open(cfg->store, s, err, sizeof err) < 0) {
        fprintf(stderr, "tdkt: %s\n", err);
        return EXIT_CONFIG;
    }
    return EXIT_OK;
}

static int cmd_note_put(const struct cfg *cfg, const char *key, const char *text)
{
    Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;
    uint8_t id[REQUEST_ID_LEN];
    struct store *s;
    int code;

    if (!*key || strlen(key) > 128)
        return usage(_("note KEY must be 1 to 128 bytes"));
    if (utf8_validate((const uint8_t *)key, strlen(key)) != 0 ||
        utf8_validate((const uint8_t *)text, strlen(text)) != 0) {
        fprintf(stderr, _("tdkt: note key and text must be valid UTF-8\n"));
        return EXIT_USAGE;
    }
    code = open_store(cfg, &s);
    if (code)
        return code;
    np.key = (char *)key;
    np.text = (char *)text;
    size_t len = tdkt__note_put__get_packed_size(&np);
    uint8_t *body = malloc(len ? len : 1);
    if (!body) {
        store_close(s);
        return EXIT_FAILURE_;
    }
    tdkt__note_put__pack(&np, body);
    if (request_id_generate(id) < 0 || store_outbox_add(s, id, OUTBOX_NOTE_PUT, body, len) < 0) {
        fprintf(stderr, _("tdkt: cannot store the note in the outbox %s\n"), cfg->store);
        free(body);
        store_close(s);
        return EXIT_CONFIG;
    }
    free(body);
    code = cli_push(cfg, s, 1);
    store_close(s);
    return code;
}

struct list_ctx {
    int json, n;
};

static int list_one(void *arg, const struct store_item *it)
{
    struct list_ctx *l = arg;
    char idhex[33];
    hex_encode(it->id, 16, idhex);
    if (l->json) {
        printf("%s{\"request_id\":\"%s\",\"kind\":", l->n ? "," : "", idhex);
        json_str(it->kind);
        printf(",\"state\":\"%s\",\"seq\":%llu,\"created_ms\":%lld,\"error\":", it->state,
               (unsigned long long)it->seq, (long long)it->created_ms);
        json_str(it->error ? it->error : "");
        printf("}");
    } else {
        printf("%s  %-8s %-8s", idhex, it->kind, it->state);
        if (it->seq)
            printf(_(" entry %llu"), (unsigned long long)it->seq);
        if (it->error)
            printf(" %s", it->error);
        printf("\n");
    }
    l->n++;
    return 0;
}

static int cmd_outbox(const struct cfg *cfg)
{
    struct store *s;
    struct list_ctx l = {cfg->json, 0};
    int code = open_store(cfg, &s);
    if (code)
        return code;
    if (cfg->state && strcmp(cfg->state, "pending") && strcmp(cfg->state, "acked") &&
        strcmp(cfg->state, "refused") && strcmp(cfg->state, "discarded")) {
        store_close(s);
        return usage(_("--state must be pending, acked, refused or discarded"));
    }
    if (cfg->json)
        printf("[");
    int rc = store_outbox_each(s, cfg->state, list_one, &l);
    if (cfg->json)
        printf("]\n");
    store_close(s);
    return rc < 0 ? EXIT_CONFIG : EXIT_OK;
}

static int load_config(struct cfg *cfg, const char *path, int explicit_path)
{
    char err[600];
    int rc = kvconf_parse_file(path, conf_cb, cfg, err, sizeof err);
    if (rc == TDKT_ENOTFOUND && !explicit_path)
        return 0;
    if (rc < 0) {
        fprintf(stderr, "tdkt: %s\n", err);
        return -1;
    }
    return 0;
}

/* --- options ------------------------------------------------------------------ */

/* Options without a short form: getopt values above any character. */
enum {
    O_CONFIG = 256,
    O_SERVER,
    O_LANG,
    O_CA,
    O_CERT,
    O_KEY,
    O_STORE,
    O_TIMEOUT,
    O_PLAIN,
    O_JSON,
    O_STATE,
    O_HELP,
    O_VERSION,
    O_UNIT,
    O_YEAR,
    O_KIND,
    O_FORMAT,
    O_OUTPUT,
    O_RETRIES,
    O_BACKOFF,
    O_NO_PULL,
    O_NO_PUSH,
    O_ALL,
    O_YES,
    O_REPORT,
    O_FORGET_HEAD,
    O_PERSON,
    O_NAME,
    O_CLUSTER,
    O_REASON,
    O_DECISION_NO,
    O_DECISION_DATE,
    O_SIGNER,
    O_SOURCE,
    O_REMOTE,
    O_DRY_RUN,
    O_SHEET,
    O_LOCALE,
    O_EXCEL_VI
};

static const struct option longopts[] = {
    {"config", required_argument, NULL, O_CONFIG},
    {"server", required_argument, NULL, O_SERVER},
    {"lang", required_argument, NULL, O_LANG},
    {"ca", required_argument, NULL, O_CA},
    {"cert", required_argument, NULL, O_CERT},
    {"key", required_argument, NULL, O_KEY},
    {"store", required_argument, NULL, O_STORE},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"plain-unit", required_argument, NULL, O_PLAIN},
    {"json", no_argument, NULL, O_JSON},
    {"state", required_argument, NULL, O_STATE},
    {"help", no_argument, NULL, O_HELP},
    {"version", no_argument, NULL, O_VERSION},
    {"unit", required_argument, NULL, O_UNIT},
    {"year", required_argument, NULL, O_YEAR},
    {"kind", required_argument, NULL, O_KIND},
    {"format", required_argument, NULL, O_FORMAT},
    {"output", required_argument, NULL, O_OUTPUT},
    {"retries", required_argument, NULL, O_RETRIES},
    {"backoff-ms", required_argument, NULL, O_BACKOFF},
    {"no-pull", no_argument, NULL, O_NO_PULL},
    {"no-push", no_argument, NULL, O_NO_PUSH},
    {"all", no_argument, NULL, O_ALL},
    {"yes", no_argument, NULL, O_YES},
    {"report", required_argument, NULL, O_REPORT},
    {"forget-head", no_argument, NULL, O_FORGET_HEAD},
    {"person", required_argument, NULL, O_PERSON},
    {"name", required_argument, NULL, O_NAME},
    {"cluster", required_argument, NULL, O_CLUSTER},
    {"reason", required_argument, NULL, O_REASON},
    {"decision-no", required_argument, NULL, O_DECISION_NO},
    {"decision-date", required_argument, NULL, O_DECISION_DATE},
    {"signer", required_argument, NULL, O_SIGNER},
    {"source", required_argument, NULL, O_SOURCE},
    {"remote", no_argument, NULL, O_REMOTE},
    {"dry-run", no_argument, NULL, O_DRY_RUN},
    {"sheet", required_argument, NULL, O_SHEET},
    {"locale", required_argument, NULL, O_LOCALE},
    {"excel-vi", no_argument, NULL, O_EXCEL_VI},
    {NULL, 0, NULL, 0},
};

/* What option_set makes of one option. */
enum { OPTION_OK, OPTION_BAD, OPTION_VERSION, OPTION_UNKNOWN };

/* Store the value of option ch (getopt_long's) in flags, config_path or
 * help. One case per option: a long list, but each case is one field. */
static int option_set(int ch, char *arg, struct cfg *flags, const char **config_path, int *help)
{
    int bad = 0;
    char *end;

    switch (ch) {
    case O_UNIT:
        flags->unit = arg;
        break;
    case O_YEAR:
        flags->year = (uint32_t)strtoul(arg, &end, 10);
        bad = *end || flags->year < 2000 || flags->year > 2100;
        break;
    case O_KIND:
        flags->kind = arg;
        break;
    case O_FORMAT:
        flags->format = arg;
        break;
    case 'o':
    case O_OUTPUT:
        flags->output = arg;
        break;
    case O_RETRIES:
        flags->retries = (int)strtol(arg, &end, 10);
        bad = *end || flags->retries < 0 || flags->retries > 100;
        break;
    case O_BACKOFF:
        flags->backoff_ms = (int)strtol(arg, &end, 10);
        bad = *end || flags->backoff_ms < 1 || flags->backoff_ms > 600000;
        break;
    case O_NO_PUSH:
        flags->no_push = 1;
        break;
    case O_ALL:
        flags->all = 1;
        break;
    case O_YES:
        flags->yes = 1;
        break;
    case O_REPORT:
        flags->output = arg;
        break;
    case O_FORGET_HEAD:
        flags->forget_head = 1;
        break;
    case O_PERSON:
        flags->person = arg;
        break;
    case O_NAME:
        flags->name = arg;
        break;
    case O_CLUSTER:
        flags->cluster = arg;
        break;
    case O_REASON:
        flags->reason = arg;
        break;
    case O_DECISION_NO:
        flags->decision_no = arg;
        break;
    case O_DECISION_DATE:
        flags->decision_date = arg;
        break;
    case O_SIGNER:
        flags->signer = arg;
        break;
    case O_SOURCE:
        flags->source = arg;
        break;
    case O_NO_PULL:
        flags->no_pull = 1;
        break;
    case O_REMOTE:
        flags->remote = 1;
        break;
    case O_DRY_RUN:
        flags->dry_run = 1;
        break;
    case O_SHEET:
        flags->sheet = arg;
        break;
    case O_LOCALE:
        bad = numlocale_from_name(arg, &flags->locale) != 0;
        break;
    case O_EXCEL_VI:
        flags->excel_vi = 1;
        break;
    case O_CONFIG:
        *config_path = arg;
        break;
    case O_SERVER:
        bad = set_value(flags->server, arg);
        break;
    case O_LANG:
        bad = language_set(flags->language, sizeof flags->language, arg);
        break;
    case O_CA:
        bad = set_value(flags->ca, arg);
        break;
    case O_CERT:
        bad = set_value(flags->cert, arg);
        break;
    case O_KEY:
        bad = set_value(flags->key, arg);
        break;
    case O_STORE:
        bad = set_value(flags->store, arg);
        break;
    case O_PLAIN:
        bad = set_value(flags->plain_unit, arg);
        break;
    case O_TIMEOUT:
        bad = conf_cb(flags, "", "timeout_ms", arg, 0);
        break;
    case O_JSON:
        flags->json = 1;
        break;
    case O_STATE:
        flags->state = arg;
        break;
    case 'h':
    case O_HELP:
        *help = 1;
        break;
    case O_VERSION:
        return OPTION_VERSION;
    default:
        return OPTION_UNKNOWN;
    }
    return bad ? OPTION_BAD : OPTION_OK;
}

/* The configuration file (--config, else $TDKT_CONFIG, else the user's
 * if present) into cfg, then the command-line flags over it. -1 when the
 * file cannot be read. */
static int config_merge(struct cfg *cfg, const struct cfg *flags, const char *config_path)
{
    char home_conf[512];
    int explicit_path = config_path != NULL;

    if (!config_path)
        config_path = getenv("TDKT_CONFIG");
    if (config_path)
        explicit_path = 1;
    if (!config_path && getenv("HOME")) {
        snprintf(home_conf, sizeof home_conf, "%s/.config/tdkt/tdkt.conf", getenv("HOME"));
        config_path = home_conf;
    }
    if (config_path && load_config(cfg, config_path, explicit_path) < 0)
        return -1;
#define OVERRIDE(f)                                                                                \
    if (flags->f[0])                                                                               \
    memcpy(cfg->f, flags->f, sizeof cfg->f)
    OVERRIDE(server);
    OVERRIDE(ca);
    OVERRIDE(cert);
    OVERRIDE(key);
    OVERRIDE(store);
    OVERRIDE(plain_unit);
    OVERRIDE(language);
#undef OVERRIDE
    if (flags->timeout_ms)
        cfg->timeout_ms = flags->timeout_ms;
    cfg->json = flags->json;
    cfg->state = flags->state;
    cfg->unit = flags->unit;
    cfg->year = flags->year;
    cfg->kind = flags->kind;
    cfg->format = flags->format;
    cfg->output = flags->output;
    cfg->retries = flags->retries;
    cfg->backoff_ms = flags->backoff_ms;
    cfg->no_pull = flags->no_pull;
    cfg->no_push = flags->no_push;
    cfg->all = flags->all;
    cfg->yes = flags->yes;
    cfg->forget_head = flags->forget_head;
    cfg->person = flags->person;
    cfg->name = flags->name;
    cfg->cluster = flags->cluster;
    cfg->reason = flags->reason;
    cfg->decision_no = flags->decision_no;
    cfg->decision_date = flags->decision_date;
    cfg->signer = flags->signer;
    cfg->source = flags->source;
    cfg->remote = flags->remote;
    cfg->dry_run = flags->dry_run;
    cfg->sheet = flags->sheet;
    if (flags->locale != NUMLOCALE_NONE)
        cfg->locale = flags->locale;
    cfg->excel_vi = flags->excel_vi;
    return 0;
}

/* --- commands ----------------------------------------------------------------- */

static int run_status(const struct cfg *cfg, const char *cmd, int nargs, char **args)
{
    (void)cmd;
    (void)args;
    if (nargs)
        return usage(_("status takes no arguments"));
    return cmd_status(cfg);
}

static int run_note(const struct cfg *cfg, const char *cmd, int nargs, char **args)
{
    (void)cmd;
    if (nargs != 3 || strcmp(args[0], "put") != 0)
        return usage(_("usage: tdkt note put KEY TEXT"));
    return cmd_note_put(cfg, args[1], args[2]);
}

static int run_push(const struct cfg *cfg, const char *cmd, int nargs, char **args)
{
    struct store *s;
    int code;

    (void)cmd;
    (void)args;
    if (nargs)
        return usage(_("push takes no arguments"));
    code = open_store(cfg, &s);
    if (code)
        return code;
    code = cli_push(cfg, s, 0);
    store_close(s);
    return code;
}

/* `tdkt outbox discard ID...`: set refused entries aside (local, logged). */
static int outbox_discard(const struct cfg *cfg, int nargs, char **args)
{
    const char *who = getenv("USER") ? getenv("USER") : "?";
    struct store *s;
    int code = open_store(cfg, &s), failed = 0;

    if (code)
        return code;
    for (int i = 0; i < nargs; i++) {
        uint8_t id[16];
        struct timespec ts;
        int rc;

        clock_gettime(CLOCK_REALTIME, &ts);
        rc = store_outbox_discard(s, args[i], who, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
                                  id);
        if (rc == 0)
            printf(_("%s: discarded (the refusal stays on record in this store)\n"), args[i]);
        else if (rc == TDKT_ECONFLICT)
            fprintf(stderr,
                    _("tdkt: %s: only a refused entry can be discarded; pending ones are still "
                      "sent, acknowledged ones are in the ledger\n"),
                    args[i]);
        else if (rc == TDKT_EEXIST)
            fprintf(stderr, _("tdkt: %s: several entries start so; give more of the id\n"),
                    args[i]);
        else if (rc == TDKT_ENOTFOUND || rc == TDKT_EINVAL)
            fprintf(stderr,
                    _("tdkt: %s: no outbox entry has this id (8 to 32 hex digits, as `tdkt "
                      "outbox --state refused` prints it)\n"),
                    args[i]);
        else
            fprintf(stderr, _("tdkt: %s: cannot discard: %s\n"), args[i], tdkt_strerror(rc));
        failed |= rc != 0;
    }
    store_close(s);
    return failed ? EXIT_USAGE : EXIT_OK;
}

static int run_outbox(const struct cfg *cfg, const char *cmd, int nargs, char **args)
{
    (void)cmd;
    if (nargs >= 2 && strcmp(args[0], "discard") == 0)
        return outbox_discard(cfg, nargs - 1, args + 1);
    if (nargs > 0)
        return usage(_("outbox: say nothing (the list), or discard ID..."));
    return cmd_outbox(cfg);
}

static int run_sync(const struct cfg *cfg, const char *cmd, int nargs, char **args)
{
    (void)cmd;
    (void)args;
    if (nargs)
        return usage(_("sync takes no arguments"));
    return cmd_sync(cfg);
}

static int run_reconcile(const struct cfg *cfg, const char *cmd, int nargs, char **args)
{
    (void)cmd;
    (void)args;
    if (nargs)
        return usage(_("reconcile takes no arguments"));
    return cmd_reconcile(cfg);
}

static int run_results(const struct cfg *cfg, const char *cmd, int nargs, char **args)
{
    (void)cmd;
    return cmd_results(cfg, nargs, args);
}

static int run_ballot(const struct cfg *cfg, const char *cmd, int nargs, char **args)
{
    (void)cmd;
    return cmd_ballot(cfg, nargs, args);
}

static int run_council(const struct cfg *cfg, const char *cmd, int nargs, char **args)
{
    (void)cmd;
    return cmd_council(cfg, nargs, args);
}

static int run_registry(const struct cfg *cfg, const char *cmd, int nargs, char **args)
{
    (void)cmd;
    return cmd_registry(cfg, nargs, args);
}

/* Every command: its name and what runs it (the review family shares one
 * entry point, told apart by the name). */
static const struct {
    const char *name;
    int (*run)(const struct cfg *cfg, const char *cmd, int nargs, char **args);
} commands[] = {
    {"status", run_status},   {"note", run_note},          {"push", run_push},
    {"outbox", run_outbox},   {"sync", run_sync},          {"reconcile", run_reconcile},
    {"results", run_results}, {"ballot", run_ballot},      {"submit", cmd_review},
    {"review", cmd_review},   {"eligibility", cmd_review}, {"history", cmd_review},
    {"report", cmd_review},   {"registry", run_registry},  {"council", run_council},
};

int main(int argc, char **argv)
{
    struct cfg cfg = {0};
    struct cfg flags = {0};
    const char *config_path = NULL;
    int help = 0, ch, li = -1;

    flags.retries = -1;
    tdkt_i18n_init(NULL); /* the locale's, until the configuration is read */
    while ((li = -1, ch = getopt_long(argc, argv, "ho:", longopts, &li)) != -1) {
        switch (option_set(ch, optarg, &flags, &config_path, &help)) {
        case OPTION_BAD:
            fprintf(stderr, _("tdkt: %s%s: the value '%s' is not valid here, or too long\n"),
                    li >= 0 ? "--" : "-", li >= 0 ? longopts[li].name : (const char[]){(char)ch, 0},
                    optarg ? optarg : "");
            fprintf(stderr, "%s\n", _("Try `tdkt help`."));
            return EXIT_USAGE;
        case OPTION_VERSION:
            printf(_("tdkt %s (protocol %d)\n"), TDKT_VERSION, PROTOCOL_VERSION);
            return EXIT_OK;
        case OPTION_UNKNOWN:
            return EXIT_USAGE;
        }
    }
    const char *cmd = optind < argc ? argv[optind] : NULL;
    /* The config first: its `language` decides the language of help too. */
    int conf_rc = config_merge(&cfg, &flags, config_path);
    if (cfg.language[0])
        tdkt_i18n_init(cfg.language);
    if (help || !cmd)
        return cmd ? command_usage(cmd) : usage(help ? NULL : _("missing command"));
    if (strcmp(cmd, "help") == 0)
        return optind + 1 < argc ? command_usage(argv[optind + 1]) : usage(NULL);
    if (conf_rc < 0)
        return EXIT_CONFIG;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) == 0) {
            current_cmd = cmd;
            return commands[i].run(&cfg, cmd, argc - optind - 1, argv + optind + 1);
        }
    }
    return command_usage(cmd);
}
