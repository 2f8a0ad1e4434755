/* SPDX-License-Identifier: MIT */
/*
 * `tdkt reconcile`: the office's nightly job (docs/reconcile.md). A thin
 * shell over client/lib/reconcile.c: it connects, runs, and prints the report
 * as text or JSON, to stdout and to --report FILE.
 */
#include <stdio.h>
#include <string.h>

#include "client/cli/cli.h"
#include "client/lib/reconcile.h"
#include "common/err.h"
#include "common/text/i18n.h"

struct rec_cli {
    const struct cfg *cfg;
    struct store *s;
};

static int rec_connect(void *arg, struct tdkt_client **c)
{
    struct rec_cli *rc = arg;
    int code = connect_server(rc->cfg, c);
    if (code == EXIT_OK)
        return 0;
    *c = NULL;
    return code == EXIT_CONNECT ? TDKT_EIO : code == EXIT_AUTH ? TDKT_EAUTH : TDKT_EINVAL;
}

static void fjson_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static const char *verdict(int rc, const struct reconcile_report *r)
{
    if (r->tamper)
        return "tamper";
    if (rc == TDKT_ECONFLICT)
        return "differences";
    if (rc < 0)
        return "failed";
    return r->fetched ? "repaired" : "in_sync";
}

static void print_json(FILE *f, const char *unit, int rc, const struct reconcile_report *r)
{
    fprintf(f, "{\"unit\":");
    fjson_str(f, unit);
    fprintf(f,
            ",\"verdict\":\"%s\",\"pushed\":%u,\"push_refused\":%u,\"key_pinned\":%s,"
            "\"head_before\":%llu,\"head\":%llu,\"receipts_proved\":%llu,\"receipts_total\":%llu,"
            "\"tamper\":",
            verdict(rc, r), r->pushed, r->push_refused, r->key_pinned ? "true" : "false",
            (unsigned long long)r->head_before, (unsigned long long)r->head_size,
            (unsigned long long)r->receipts_proved, (unsigned long long)r->receipts_total);
    if (r->tamper)
        fjson_str(f, r->tamper_what);
    else
        fputs("null", f);
    fprintf(f,
            ",\"local_records\":%llu,\"requests\":%u,\"ranges_sent\":%llu,\"ranges_matched\":%llu,"
            "\"fetched\":%llu,\"added\":%llu,\"repaired\":%llu,\"bytes_sent\":%llu,"
            "\"bytes_received\":%llu,\"socket_bytes\":%llu,\"issues_total\":%llu,\"issues\":[",
            (unsigned long long)r->local_records, r->requests, (unsigned long long)r->ranges_sent,
            (unsigned long long)r->ranges_matched, (unsigned long long)r->fetched,
            (unsigned long long)r->added, (unsigned long long)r->repaired,
            (unsigned long long)r->frame_bytes_out, (unsigned long long)r->frame_bytes_in,
            (unsigned long long)(r->wire_out + r->wire_in), (unsigned long long)r->issues_total);
    for (size_t i = 0; i < r->nissues; i++) {
        const struct reconcile_issue *is = &r->issues[i];
        fprintf(f, "%s{\"kind\":\"%s\",\"unit\":", i ? "," : "", reconcile_issue_name(is->kind));
        fjson_str(f, is->unit);
        fprintf(f, ",\"year\":%u,\"record_kind\":", is->year);
        fjson_str(f, is->rkind);
        fprintf(f, ",\"key\":");
        fjson_str(f, is->key);
        fprintf(f, ",\"detail\":");
        fjson_str(f, is->detail);
        fputc('}', f);
    }
    fprintf(f, "],\"error\":");
    fjson_str(f, rc < 0 && rc != TDKT_ECONFLICT && !r->tamper ? r->last_error : "");
    fprintf(f, "}\n");
}

/* An issue's kind for a person; --json keeps its code (reconcile_issue_name). */
static const char *issue_label(enum reconcile_issue_kind k)
{
    switch (k) {
    case RECON_ISSUE_REFUSED_LOCAL:
        return _("refused by the server, kept here");
    case RECON_ISSUE_PENDING_LOCAL:
        return _("not sent yet");
    case RECON_ISSUE_MISSING_ON_SERVER:
        return _("missing on the server");
    }
    return "?";
}

/* The report for a person (stdout and --report), in the reader's language. */
static void print_text(FILE *f, const char *unit, int rc, const struct reconcile_report *r)
{
    const char *v = verdict(rc, r);
    fprintf(f, _("reconcile %s: %s\n"), unit,
            strcmp(v, "in_sync") == 0       ? _("in sync")
            : strcmp(v, "repaired") == 0    ? _("repaired, now in sync")
            : strcmp(v, "differences") == 0 ? _("differences remain that cannot be repaired here")
            : strcmp(v, "tamper") == 0      ? _("TAMPER EVIDENCE: the server's log failed a check")
                                            : _("failed"));
    if (r->pushed || r->push_refused)
        fprintf(f,
                _n("  outbox: %u entry re-sent, %u refused\n",
                   "  outbox: %u entries re-sent, %u refused\n", r->pushed),
                r->pushed, r->push_refused);
    if (r->key_pinned)
        fprintf(f, "%s\n",
                _("  ledger key pinned on first contact (check its fingerprint with the centre)"));
    if (r->tamper)
        fprintf(f, _("  log: %s\n"), r->tamper_what);
    else if (r->head_size) {
        char before[160];

        if (r->head_before)
            snprintf(before, sizeof before, _(", consistent with the head of %llu verified before"),
                     (unsigned long long)r->head_before);
        else
            snprintf(before, sizeof before, "%s", _(", the first this office has verified"));
        fprintf(f,
                _n("  log: signed head of %llu entries verified%s; %llu receipt proved (%llu "
                   "acknowledged in all)\n",
                   "  log: signed head of %llu entries verified%s; %llu receipts proved (%llu "
                   "acknowledged in all)\n",
                   r->receipts_proved),
                (unsigned long long)r->head_size, before, (unsigned long long)r->receipts_proved,
                (unsigned long long)r->receipts_total);
    }
    fprintf(f,
            _("  records: %llu here; %llu range(s) compared in %u request(s), %llu matched; "
              "fetched %llu (%llu missing here, %llu stale here)\n"),
            (unsigned long long)r->local_records, (unsigned long long)r->ranges_sent, r->requests,
            (unsigned long long)r->ranges_matched, (unsigned long long)r->fetched,
            (unsigned long long)r->added, (unsigned long long)r->repaired);
    fprintf(f,
            _("  traffic: %llu bytes of requests and replies (%llu sent, %llu received); %llu "
              "bytes on the socket with the handshake\n"),
            (unsigned long long)(r->frame_bytes_out + r->frame_bytes_in),
            (unsigned long long)r->frame_bytes_out, (unsigned long long)r->frame_bytes_in,
            (unsigned long long)(r->wire_out + r->wire_in));
    for (size_t i = 0; i < r->nissues; i++) {
        const struct reconcile_issue *is = &r->issues[i];
        fprintf(f, "  %s: %s %u %s %s: %s\n", issue_label(is->kind), is->unit, is->year, is->rkind,
                is->key, is->detail);
    }
    if (r->issues_total > r->nissues)
        fprintf(f, _("  ... and %llu more issue(s)\n"),
                (unsigned long long)(r->issues_total - r->nissues));
    if (rc < 0 && rc != TDKT_ECONFLICT && !r->tamper && r->last_error[0])
        fprintf(f, _("  error: %s\n"), r->last_error);
}

int cmd_reconcile(const struct cfg *cfg)
{
    struct rec_cli rc_arg = {.cfg = cfg};
    struct reconcile_opts o;
    struct reconcile_report rep;
    char unit[65] = "?";
    int code = open_store(cfg, &rc_arg.s);
    if (code)
        return code;

    memset(&o, 0, sizeof o);
    o.sync.retries = cfg->retries >= 0 ? (unsigned)cfg->retries : SYNC_RETRIES_DEFAULT;
    o.sync.backoff_base_ms = cfg->backoff_ms;
    o.sync.connect = rec_connect;
    o.sync.connect_arg = &rc_arg;
    o.no_push = cfg->no_push;
    o.forget_head = cfg->forget_head;
    int rc = reconcile_run(rc_arg.s, &o, &rep);
    store_meta_get(rc_arg.s, "unit", unit, sizeof unit);
    store_close(rc_arg.s);

    if (cfg->json)
        print_json(stdout, unit, rc, &rep);
    else
        print_text(stdout, unit, rc, &rep);
    if (cfg->output) {
        FILE *f = fopen(cfg->output, "w");
        if (!f) {
            fprintf(stderr, _("tdkt: cannot write the report to %s\n"), cfg->output);
            code = EXIT_CONFIG;
        } else {
            if (cfg->json)
                print_json(f, unit, rc, &rep);
            else
                print_text(f, unit, rc, &rep);
            if (fclose(f) != 0)
                code = EXIT_CONFIG;
        }
    }
    reconcile_report_free(&rep);
    if (code)
        return code;
    if (rep.tamper)
        return EXIT_TAMPER;
    if (rc == TDKT_ECONFLICT)
        return EXIT_DIFFERS;
    if (rc == TDKT_EAUTH || rc == TDKT_EREVOKED)
        return EXIT_AUTH;
    if (rc == TDKT_EIO || rc == TDKT_ECLOSED || rc == TDKT_ETIMEDOUT || rc == TDKT_EUNAVAIL)
        return EXIT_CONNECT;
    if (rc == TDKT_EINVAL)
        return EXIT_CONFIG;
    return rc < 0 ? EXIT_FAILURE_ : EXIT_OK;
}
