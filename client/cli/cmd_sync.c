/* SPDX-License-Identifier: MIT */
/*
 * tdkt sync, tdkt results ..., tdkt registry ...: thin shells over
 * client/lib/sync.c (outbox and pull), import.c/export.c (files) and
 * the local store (store*.c: records, the registry copy).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cli/cli.h"
#include "client/lib/export_cols.h"
#include "client/lib/export.h"
#include "client/lib/import.h"
#include "client/lib/report.h"
#include "client/lib/sync.h"
#include "client/lib/store_outbox.h"
#include "client/lib/store_records.h"
#include "client/lib/store_registry.h"
#include "common/domain/key_tasks.h"
#include "common/domain/records.h"
#include "common/domain/registry_json.h"
#include "common/err.h"
#include "common/text/datefmt.h"
#include "common/text/i18n.h"
#include "common/text/table.h"
#include "common/util/hex.h"
#include "common/util/vec.h"
#include "common/wire/envelope.h"

/* --- sync ----------------------------------------------------------------- */

struct sync_cli {
    const struct cfg *cfg;
    struct store *s;
    int tty;
};

static int sync_connect(void *arg, struct tdkt_client **c)
{
    struct sync_cli *sc = arg;
    int code = connect_server(sc->cfg, c);
    if (code == EXIT_OK) {
        /* Remember who we are, for imports made offline later. */
        store_meta_set(sc->s, "unit", tdkt_client_unit(*c));
        return 0;
    }
    *c = NULL;
    /* connect_server has printed why; EIO is "unreachable, retry". */
    return code == EXIT_CONNECT ? TDKT_EIO : code == EXIT_AUTH ? TDKT_EAUTH : TDKT_EINVAL;
}

static void sync_progress(void *arg, const struct sync_progress *p)
{
    struct sync_cli *sc = arg;
    if (!sc->tty)
        return;
    fputc('\r', stderr); /* the progress line rewrites itself */
    fprintf(stderr, _("sync: %s %llu/%llu%s%-12s"), p->phase, (unsigned long long)p->done,
            (unsigned long long)p->total, strcmp(p->phase, "push") == 0 ? " batches" : " entries",
            p->attempt ? " (retry)" : "");
    if (p->done >= p->total)
        fputc('\n', stderr);
}

static void sync_settled(void *arg, const struct store_item *it, const char *state,
                         const struct tdkt_receipt *rcpt, const char *error)
{
    struct sync_cli *sc = arg;
    if (strcmp(state, "refused") == 0 && !sc->cfg->json)
        fprintf(stderr, _("tdkt: %s refused: %s\n"), it->kind, error);
}

/* Each acknowledged entry on its own line, for `tdkt push` / `note put`. */
static void push_settled(void *arg, const struct store_item *it, const char *state,
                         const struct tdkt_receipt *rcpt, const char *error)
{
    struct sync_cli *sc = arg;
    char idhex[33], hashhex[65];

    hex_encode(it->id, 16, idhex);
    if (!rcpt) {
        sync_settled(arg, it, state, rcpt, error);
        return;
    }
    hex_encode(rcpt->entry_hash, 32, hashhex);
    if (sc->cfg->json)
        printf("{\"ok\":true,\"request_id\":\"%s\",\"seq\":%llu,\"entry_hash\":\"%s\","
               "\"replayed\":%s}\n",
               idhex, (unsigned long long)rcpt->seq, hashhex, rcpt->replayed ? "true" : "false");
    else
        printf(_("acknowledged %s: ledger entry %llu%s\n"), idhex, (unsigned long long)rcpt->seq,
               rcpt->replayed ? " (already recorded)" : "");
}

int cli_push(const struct cfg *cfg, struct store *s, int quiet)
{
    struct sync_cli sc = {.cfg = cfg, .s = s};
    struct sync_opts o = {0};
    struct sync_report rep;
    uint64_t pending = 0;

    o.no_pull = 1;
    o.connect = sync_connect;
    o.connect_arg = &sc;
    o.settled = push_settled;
    o.settled_arg = &sc;
    int rc = sync_run(s, &o, &rep);
    store_outbox_count(s, "pending", &pending);
    if (rep.key_changed || rc == TDKT_ECORRUPT) {
        fprintf(stderr, "tdkt: %s\n", rep.last_error);
        return EXIT_TAMPER;
    }
    if (rc < 0 && rc != TDKT_EAUTH && rc != TDKT_EREVOKED && rc != TDKT_EINVAL) {
        fprintf(stderr,
                _n("tdkt: %llu entry stays queued in the outbox; run `tdkt push` later\n",
                   "tdkt: %llu entries stay queued in the outbox; run `tdkt push` later\n",
                   pending),
                (unsigned long long)pending);
        return EXIT_QUEUED;
    }
    if (rc == TDKT_EAUTH || rc == TDKT_EREVOKED)
        return EXIT_AUTH;
    if (rc < 0)
        return EXIT_CONFIG;
    if (!quiet && !cfg->json)
        printf(_("pushed %u (of which %u were already recorded), refused %u\n"), rep.pushed,
               rep.replayed, rep.refused);
    return rep.refused ? EXIT_REFUSED : EXIT_OK;
}

int cmd_sync(const struct cfg *cfg)
{
    struct sync_cli sc = {.cfg = cfg};
    struct sync_opts o = {0};
    struct sync_report rep;
    uint64_t pending = 0;
    int code = open_store(cfg, &sc.s);
    if (code)
        return code;
    sc.tty = isatty(STDERR_FILENO) && !cfg->json;
    o.retries = cfg->retries >= 0 ? (unsigned)cfg->retries : SYNC_RETRIES_DEFAULT;
    o.backoff_base_ms = cfg->backoff_ms;
    o.no_pull = cfg->no_pull;
    o.connect = sync_connect;
    o.connect_arg = &sc;
    o.progress = sync_progress;
    o.progress_arg = &sc;
    o.settled = sync_settled;
    o.settled_arg = &sc;

    int rc = sync_run(sc.s, &o, &rep);
    store_outbox_count(sc.s, "pending", &pending);
    store_close(sc.s);

    if (rc == 0)
        code = rep.refused ? EXIT_REFUSED : EXIT_OK;
    else if (rep.key_changed || rc == TDKT_ECORRUPT)
        code = EXIT_TAMPER; /* a changed ledger key or a receipt that proves nothing */
    else if (rc == TDKT_EAUTH || rc == TDKT_EREVOKED)
        code = EXIT_AUTH;
    else if (rc == TDKT_EINVAL)
        code = EXIT_CONFIG;
    else
        code = pending ? EXIT_QUEUED : EXIT_CONNECT;
    if (cfg->json) {
        printf("{\"ok\":%s,\"attempts\":%u,\"pushed\":%u,\"replayed\":%u,\"refused\":%u,"
               "\"records_acked\":%llu,\"pulled\":%llu,\"checkpoint\":%llu,\"height\":%llu,"
               "\"pending\":%llu,\"error\":",
               rc == 0 ? "true" : "false", rep.attempts, rep.pushed, rep.replayed, rep.refused,
               (unsigned long long)rep.records_acked, (unsigned long long)rep.pulled,
               (unsigned long long)rep.checkpoint, (unsigned long long)rep.height,
               (unsigned long long)pending);
        json_str(rep.last_error);
        printf("}\n");
    } else {
        printf(_n("sync: pushed %u batch (%u already recorded), refused %u; pulled %llu "
                  "entries, checkpoint %llu of %llu",
                  "sync: pushed %u batches (%u already recorded), refused %u; pulled %llu "
                  "entries, checkpoint %llu of %llu",
                  rep.pushed),
               rep.pushed, rep.replayed, rep.refused, (unsigned long long)rep.pulled,
               (unsigned long long)rep.checkpoint, (unsigned long long)rep.height);
        printf(_n("; %u attempt\n", "; %u attempts\n", rep.attempts), rep.attempts);
        if (rc < 0)
            fprintf(stderr,
                    _n("tdkt: sync stopped: %s; %llu outbox entry stays queued\n",
                       "tdkt: sync stopped: %s; %llu outbox entries stay queued\n", pending),
                    rep.last_error[0] ? rep.last_error : _("the server cannot be reached"),
                    (unsigned long long)pending);
    }
    return code;
}

/* --- results -------------------------------------------------------------- */

static int resolve_person(void *arg, const char *unit, const char *text, char id[65])
{
    return store_person_resolve(arg, unit, text, id);
}

static int own_unit(const struct cfg *cfg, struct store *s, char *out, size_t cap)
{
    if (cfg->unit) {
        snprintf(out, cap, "%s", cfg->unit);
        return 0;
    }
    if (store_meta_get(s, "unit", out, cap) == 0 && out[0])
        return 0;
    if (cfg->plain_unit[0]) {
        snprintf(out, cap, "%.64s", cfg->plain_unit);
        return 0;
    }
    out[0] = '\0';
    return TDKT_ENOTFOUND;
}

static int results_import(const struct cfg *cfg, const char *path)
{
    struct import_result res;
    struct import_opts io = {0};
    struct store *s;
    char unit[RECORD_CODE_MAX + 1];
    uint64_t queued = 0, batches = 0;
    int code = open_store(cfg, &s), rc;

    if (code)
        return code;
    own_unit(cfg, s, unit, sizeof unit);
    io.unit = unit[0] ? unit : NULL;
    io.year = cfg->year;
    io.kind = cfg->kind;
    io.sheet = cfg->sheet;
    io.locale = cfg->locale;
    io.resolve_person = resolve_person;
    io.resolve_arg = s;
    rc = import_file(path, &io, &res);
    if (rc == TDKT_EINVAL) {
        for (size_t i = 0; i < res.nerrors; i++) {
            const struct import_error *e = &res.errors[i];
            char place[IMPORT_PLACE_MAX];

            /* FILE:LINE:COLUMN (CSV), FILE:SHEET:ROW:COLUMN (XLSX), or FILE
             * and the JSON path of a value, which jansson gives instead of
             * its position. */
            import_error_place(&res, e, place, sizeof place);
            fprintf(stderr, "%s%s%s: %s%s%s\n", path, place[0] ? ":" : "", place, e->where,
                    e->where[0] ? ": " : "", e->message);
        }
        fprintf(stderr,
                _n("tdkt: %s refused: %zu error%s; nothing was imported\n",
                   "tdkt: %s refused: %zu errors%s; nothing was imported\n", res.nerrors),
                path, res.nerrors, res.truncated ? _(" (list truncated)") : "");
        import_result_free(&res);
        store_close(s);
        return EXIT_USAGE;
    }
    if (rc < 0) {
        fprintf(stderr, _("tdkt: cannot import %s: %s\n"), path, tdkt_strerror(rc));
        store_close(s);
        return EXIT_CONFIG;
    }
    /* A year whose period the registry copy knows closed would be refused
     * by the server (PERIOD_CLOSED): refuse it here, before queueing. */
    for (size_t g = 0; g < res.ngroups; g++) {
        int state = 0;

        if (store_period_state(s, res.groups[g].year, &state) == 0 &&
            state == TDKT__PERIOD_STATE__PERIOD_STATE_CLOSED) {
            fprintf(stderr,
                    _("tdkt: %s: the emulation period %u is closed: the server accepts no more "
                      "results for it; nothing was imported\n"),
                    path, res.groups[g].year);
            import_result_free(&res);
            store_close(s);
            return EXIT_USAGE;
        }
    }
    if (cfg->dry_run) {
        /* A workbook's sheet is named: the one read by default may not be
         * the one the user meant. */
        printf(_n("%s%s%s: %zu records in %zu unit-year group are valid (dry run: nothing "
                  "stored)\n",
                  "%s%s%s: %zu records in %zu unit-year groups are valid (dry run: nothing "
                  "stored)\n",
                  res.ngroups),
               path, res.sheet[0] ? ":" : "", res.sheet, res.nrecords, res.ngroups);
        import_result_free(&res);
        store_close(s);
        return EXIT_OK;
    }
    rc = store_begin(s);
    for (size_t g = 0; rc == 0 && g < res.ngroups; g++)
        rc = sync_enqueue_results(s, res.groups[g].unit, res.groups[g].year, res.groups[g].records,
                                  res.groups[g].n, &queued, &batches);
    if (rc == 0)
        rc = store_commit(s);
    else
        store_rollback(s);
    if (rc < 0) {
        fprintf(stderr, _("tdkt: cannot store the import in %s: %s; nothing was imported\n"),
                cfg->store, tdkt_strerror(rc));
        import_result_free(&res);
        store_close(s);
        return EXIT_CONFIG;
    }
    if (cfg->json) {
        printf("{\"ok\":true,\"records\":%zu,\"changed\":%llu,\"batches\":%llu", res.nrecords,
               (unsigned long long)queued, (unsigned long long)batches);
        if (res.sheet[0]) {
            printf(",\"sheet\":");
            json_str(res.sheet);
        }
        printf("}\n");
    } else {
        printf(_n("%s%s%s: %zu records, %llu new or changed, queued in %llu outbox batch; run "
                  "`tdkt sync` to send them\n",
                  "%s%s%s: %zu records, %llu new or changed, queued in %llu outbox batches; run "
                  "`tdkt sync` to send them\n",
                  batches),
               path, res.sheet[0] ? ":" : "", res.sheet, res.nrecords, (unsigned long long)queued,
               (unsigned long long)batches);
    }
    import_result_free(&res);
    store_close(s);
    return EXIT_OK;
}

/* Local records regrouped by (unit, year) for export. */
struct groups {
    struct import_group *g;
    size_t n, cap;
    int rc;
};

static int group_record(void *arg, const struct store_record *r)
{
    struct groups *gs = arg;
    struct import_group *g = gs->n ? &gs->g[gs->n - 1] : NULL;
    if (!g || strcmp(g->unit, r->unit) != 0 || g->year != r->year) {
        if (vec_reserve(&gs->g, &gs->cap, gs->n, sizeof *gs->g, 8) < 0)
            return TDKT_ENOMEM;
        g = &gs->g[gs->n++];
        memset(g, 0, sizeof *g);
        snprintf(g->unit, sizeof g->unit, "%s", r->unit);
        g->year = r->year;
    }
    if (vec_reserve(&g->records, &g->cap, g->n, sizeof *g->records, 64) < 0)
        return TDKT_ENOMEM;
    Tdkt__ResultRecord *rec = tdkt__result_record__unpack(NULL, r->record_len, r->record);
    if (!rec)
        return TDKT_ECORRUPT;
    g->records[g->n++] = rec;
    return 0;
}

static void groups_free(struct groups *gs)
{
    for (size_t i = 0; i < gs->n; i++) {
        for (size_t j = 0; j < gs->g[i].n; j++)
            tdkt__result_record__free_unpacked(gs->g[i].records[j], NULL);
        free(gs->g[i].records);
    }
    free(gs->g);
}

static int results_export(const struct cfg *cfg)
{
    struct groups gs = {0};
    struct store *s;
    FILE *f = stdout;
    const char *format = cfg->format ? cfg->format : "json";
    int code, rc;

    if (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "xlsx"))
        return usage(_("--format must be json, csv or xlsx"));
    if (strcmp(format, "csv") == 0 && !cfg->kind)
        return usage(_("CSV export writes one kind per file: give --kind (target, task, ...)"));
    if (strcmp(format, "xlsx") == 0 && !cfg->output)
        return usage(_("XLSX export writes a file: give -o FILE.xlsx"));
    if (cfg->excel_vi && strcmp(format, "csv") != 0)
        return usage(_("--excel-vi is a form of CSV: give --format csv"));
    if (cfg->kind && !import_kind_valid(cfg->kind))
        return usage(_("--kind must be target, task, task_plan, product, score, unit_rating, "
                       "person_rating, registration, initiative or facts"));
    if ((code = open_store(cfg, &s)) != 0)
        return code;
    rc = store_records_each(s, cfg->unit, cfg->year, group_record, &gs);
    store_close(s);
    if (rc < 0) {
        groups_free(&gs);
        fprintf(stderr, _("tdkt: cannot read the local store: %s\n"), tdkt_strerror(rc));
        return EXIT_CONFIG;
    }
    if (strcmp(format, "xlsx") == 0) {
        rc = export_xlsx(cfg->output, cfg->kind, gs.g, gs.n);
        groups_free(&gs);
        if (rc < 0) {
            fprintf(stderr, _("tdkt: cannot write %s: %s\n"), cfg->output, tdkt_strerror(rc));
            return EXIT_CONFIG;
        }
        return EXIT_OK;
    }
    if (cfg->output && !(f = fopen(cfg->output, "w"))) {
        groups_free(&gs);
        fprintf(stderr, _("tdkt: cannot write %s\n"), cfg->output);
        return EXIT_CONFIG;
    }
    rc = strcmp(format, "csv") == 0
             ? export_csv(f, cfg->kind, cfg->excel_vi ? EXPORT_CSV_EXCEL_VI : EXPORT_CSV_PLAIN,
                          gs.g, gs.n)
             : export_json(f, gs.g, gs.n);
    if (f != stdout && fclose(f) != 0)
        rc = rc < 0 ? rc : TDKT_EIO;
    groups_free(&gs);
    if (rc < 0) {
        fprintf(stderr, _("tdkt: export failed: %s\n"), tdkt_strerror(rc));
        return EXIT_CONFIG;
    }
    return EXIT_OK;
}

/* The states of a local record (client/lib/store_records.h) and their labels. */
static const char *const record_states[][2] = {{"pending", N_("waiting to be sent")},
                                               {"synced", N_("synced")},
                                               {"refused", N_("refused")},
                                               {"removed", N_("removed")},
                                               {"server", N_("in the ledger")}};

static const char *record_state_label(const char *state)
{
    for (size_t i = 0; i < sizeof record_states / sizeof record_states[0]; i++)
        if (strcmp(state, record_states[i][0]) == 0)
            return _(record_states[i][1]);
    return state;
}

/* A record's value for a person (human: translated words) or for --json
 * (English words, as the record's codes are). */
static void record_value(const Tdkt__ResultRecord *r, int human, char *value, size_t cap)
{
    const struct record_label *lb;
#define W(s) (human ? _(s) : (s))

    value[0] = '\0';
    switch (r->item_case) {
    case TDKT__RESULT_RECORD__ITEM_TARGET:
        if (human && tdkt_i18n_lang() == TDKT_LANG_VI) { /* 1.000,5 */
            char a[TEXT_NUM_MAX], p[TEXT_NUM_MAX];

            snprintf(value, cap, "%s/%s %s", text_number(r->target->achieved, 2, 1, a, sizeof a),
                     text_number(r->target->planned, 2, 1, p, sizeof p),
                     _(record_target_status_name(record_target_status(r->target))));
        } else {
            snprintf(value, cap, "%g/%g %s", r->target->achieved, r->target->planned,
                     record_target_status_name(record_target_status(r->target)));
        }
        break;
    case TDKT__RESULT_RECORD__ITEM_TASK:
        snprintf(value, cap, "%s %s",
                 r->task->origin == TDKT__TASK_ORIGIN__TASK_ORIGIN_EMERGING ? W(N_("emerging"))
                                                                            : W(N_("assigned")),
                 r->task->done ? W(N_("done")) : W(N_("not done")));
        break;
    case TDKT__RESULT_RECORD__ITEM_PRODUCT:
        snprintf(value, cap, "%llu", (unsigned long long)r->product->count);
        break;
    case TDKT__RESULT_RECORD__ITEM_SCORE:
        if (human && tdkt_i18n_lang() == TDKT_LANG_VI)
            text_number(r->score->points, 2, 1, value, cap);
        else
            snprintf(value, cap, "%g", r->score->points);
        break;
    case TDKT__RESULT_RECORD__ITEM_UNIT_RATING:
        lb = record_label_of(record_ratings, (int)r->unit_rating->rating);
        snprintf(value, cap, "%s", lb ? lb->code : "?");
        break;
    case TDKT__RESULT_RECORD__ITEM_PERSON_RATING:
        lb = record_label_of(record_ratings, (int)r->person_rating->rating);
        snprintf(value, cap, "%s", lb ? lb->code : "?");
        break;
    case TDKT__RESULT_RECORD__ITEM_TASK_PLAN:
        snprintf(value, cap, W("plan %u key tasks"), r->task_plan->planned);
        break;
    case TDKT__RESULT_RECORD__ITEM_FACTS:
        /* Maternity leave is working time: shown beside the other leave,
         * never added to it. */
        if (r->facts->maternity_months)
            snprintf(value, cap, W("leave %u, maternity %u months"), r->facts->leave_months,
                     r->facts->maternity_months);
        else if (r->facts->maternity_leave)
            snprintf(value, cap, W("leave %u months, maternity (months not given)"),
                     r->facts->leave_months);
        else
            snprintf(value, cap, W("leave %u months"), r->facts->leave_months);
        break;
    default:
        break;
    }
#undef W
}

static void print_record(const Tdkt__ResultRecord *r, const char *unit, uint32_t year,
                         const char *state, uint64_t seq, const char *error, int json, int *n,
                         struct text_table *t)
{
    char key[RECORD_KEY_MAX + 1], value[160] = "";

    record_key(r, key);
    record_value(r, !json, value, sizeof value);
    if (json) {
        printf("%s{\"unit\":", *n ? "," : "");
        json_str(unit);
        printf(",\"year\":%u,\"kind\":\"%s\",\"key\":", year, record_kind_name(r));
        json_str(key);
        printf(",\"value\":");
        json_str(value);
        printf(",\"state\":\"%s\",\"seq\":%llu,\"error\":", state, (unsigned long long)seq);
        json_str(error ? error : "");
        printf("}");
    } else {
        const struct export_kind *k = export_kind_find(record_kind_name(r));
        char y[12], st[300];

        snprintf(y, sizeof y, "%u", year);
        if (seq)
            snprintf(st, sizeof st, _("%s, entry %llu"), record_state_label(state),
                     (unsigned long long)seq);
        else
            snprintf(st, sizeof st, "%s", record_state_label(state));
        if (error)
            snprintf(st + strlen(st), sizeof st - strlen(st), ": %s", error);
        text_table_add(
            t, (const char *const[]){unit, y, k ? k->sheet : record_kind_name(r), key, value, st});
    }
    (*n)++;
}

/* The records shown, and the key tasks of the unit and year being shown. */
struct show_ctx {
    int json, n;
    char unit[RECORD_CODE_MAX + 1];
    uint32_t year;
    struct key_tasks tasks;
    struct text_table t; /* the unit-year's rows, printed when it ends */
    int t_open;
};

/*
 * After a unit-year's records, its key tasks against the plan, in the
 * report's Vietnamese terms and number format (common/domain/key_tasks.h):
 * "Nhiệm vụ trọng tâm: 14 được giao + 3 phát sinh / kế hoạch 8 = 212,5%".
 * Without a TaskPlan the assigned tasks stand for the plan, and say so. Not
 * in --json, whose output is the records only.
 */
static void show_tasks_line(struct show_ctx *sc)
{
    const struct key_tasks *k = &sc->tasks;
    unsigned planned = key_tasks_planned(k);
    char head[96], pct[REPORT_NUMBER_MAX] = "";

    if (sc->t_open) {
        text_table_print(&sc->t, stdout, "");
        text_table_free(&sc->t);
        sc->t_open = 0;
    }
    if (!sc->json && (k->has_plan || k->assigned || k->emerging_done)) {
        snprintf(head, sizeof head, "Nhiệm vụ trọng tâm: %u được giao + %u phát sinh",
                 k->assigned_done, k->emerging_done);
        if (planned)
            report_number_vi(round(key_tasks_done(k) * 1000.0 / planned) / 10, pct);
        if (k->has_plan)
            printf(_("%-8s %u %s / kế hoạch %u = %s%%\n"), sc->unit, sc->year, head, planned, pct);
        else if (planned)
            printf(_("%-8s %u %s / %u được giao (chưa có kế hoạch) = %s%%\n"), sc->unit, sc->year,
                   head, planned, pct);
        else
            printf(_("%-8s %u %s (chưa có kế hoạch)\n"), sc->unit, sc->year, head);
    }
    memset(&sc->tasks, 0, sizeof sc->tasks);
}

/* Show rec of unit and year, closing the unit-year before when it changes. */
static void show_record(struct show_ctx *sc, const Tdkt__ResultRecord *rec, const char *unit,
                        uint32_t year, const char *state, uint64_t seq, const char *error)
{
    if (sc->n && (strcmp(sc->unit, unit) != 0 || sc->year != year))
        show_tasks_line(sc);
    snprintf(sc->unit, sizeof sc->unit, "%s", unit);
    sc->year = year;
    key_tasks_add(&sc->tasks, rec);
    if (!sc->json && !sc->t_open) {
        const char *heads[] = {_("Unit"), _("Year"), _("Kind"), _("Key"), _("Value"), _("State")};

        text_table_init(&sc->t, 6, heads);
        sc->t_open = 1;
    }
    print_record(rec, unit, year, state, seq, error, sc->json, &sc->n, &sc->t);
}

static int show_local(void *arg, const struct store_record *r)
{
    struct show_ctx *sc = arg;
    Tdkt__ResultRecord *rec = tdkt__result_record__unpack(NULL, r->record_len, r->record);
    if (!rec)
        return 0;
    show_record(sc, rec, r->unit, r->year, r->state, r->seq, r->error);
    tdkt__result_record__free_unpacked(rec, NULL);
    return 0;
}

static int results_show_remote(const struct cfg *cfg)
{
    struct tdkt_client *c;
    struct show_ctx sc = {.json = cfg->json};
    uint32_t offset = 0;
    int code, rc;

    if (!cfg->unit || !cfg->year)
        return usage(_("results show --remote needs --unit and --year"));
    code = connect_server(cfg, &c);
    if (code)
        return code;
    if (cfg->json)
        printf("[");
    for (;;) {
        Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply = NULL;
        Tdkt__ResultsGet rg = TDKT__RESULTS_GET__INIT;
        env.body_case = TDKT__ENVELOPE__BODY_RESULTS_GET;
        rg.unit_code = (char *)cfg->unit;
        rg.year = cfg->year;
        rg.offset = offset;
        env.results_get = &rg;
        rc = tdkt_client_request(c, &env, NULL, &reply);
        if (rc < 0) {
            if (cfg->json)
                printf("]\n");
            code = report(c, rc, "results show", cfg->json);
            tdkt_client_close(c);
            return code;
        }
        if (reply->body_case != TDKT__ENVELOPE__BODY_RESULTS_REPLY) {
            tdkt__envelope__free_unpacked(reply, NULL);
            tdkt_client_close(c);
            fprintf(stderr, _("tdkt: the server answered with the wrong message type\n"));
            return EXIT_FAILURE_;
        }
        Tdkt__ResultsReply *rr = reply->results_reply;
        for (size_t i = 0; i < rr->n_records; i++)
            show_record(&sc, rr->records[i], rr->unit_code, rr->year, "server",
                        i < rr->n_seqs ? rr->seqs[i] : 0, NULL);
        int more = rr->more && rr->next_offset > offset;
        offset = rr->next_offset;
        tdkt__envelope__free_unpacked(reply, NULL);
        if (!more)
            break;
    }
    show_tasks_line(&sc);
    if (cfg->json)
        printf("]\n");
    tdkt_client_close(c);
    return EXIT_OK;
}

int cmd_results(const struct cfg *cfg, int nargs, char **args)
{
    if (nargs == 2 && strcmp(args[0], "import") == 0)
        return results_import(cfg, args[1]);
    if (nargs == 1 && strcmp(args[0], "export") == 0)
        return results_export(cfg);
    if (nargs == 1 && strcmp(args[0], "show") == 0) {
        struct show_ctx sc = {.json = cfg->json};
        struct store *s;
        int code, rc;
        if (cfg->remote)
            return results_show_remote(cfg);
        code = open_store(cfg, &s);
        if (code)
            return code;
        if (cfg->json)
            printf("[");
        rc = store_records_each(s, cfg->unit, cfg->year, show_local, &sc);
        show_tasks_line(&sc);
        if (cfg->json)
            printf("]\n");
        store_close(s);
        return rc < 0 ? EXIT_CONFIG : EXIT_OK;
    }
    return usage(_("usage: tdkt results import FILE | export | show"));
}

/* --- registry ------------------------------------------------------------- */

int cmd_registry(const struct cfg *cfg, int nargs, char **args)
{
    struct store *s;
    int code;

    if (nargs == 2 && strcmp(args[0], "list") == 0)
        return cli_registry_list(cfg, args[1]);
    if (nargs == 1 && strcmp(args[0], "show") == 0) {
        uint64_t units, persons, clusters, periods;
        char cp[32] = "0";
        code = open_store(cfg, &s);
        if (code)
            return code;
        store_registry_counts(s, &units, &persons, &clusters, &periods);
        store_meta_get(s, "checkpoint", cp, sizeof cp);
        store_close(s);
        if (cfg->json)
            printf("{\"units\":%llu,\"persons\":%llu,\"clusters\":%llu,\"periods\":%llu,"
                   "\"checkpoint\":%s}\n",
                   (unsigned long long)units, (unsigned long long)persons,
                   (unsigned long long)clusters, (unsigned long long)periods, cp);
        else
            printf(_("local registry copy (checkpoint %s): %llu units, %llu persons, %llu "
                     "clusters, %llu periods\n"),
                   cp, (unsigned long long)units, (unsigned long long)persons,
                   (unsigned long long)clusters, (unsigned long long)periods);
        return EXIT_OK;
    }
    if (nargs == 2 && strcmp(args[0], "import") == 0) {
        Tdkt__RegistryRecord **recs = NULL;
        size_t n = 0;
        uint64_t batches = 0;
        char err[512];
        int rc = registry_json_load_file(args[1], &recs, &n, err, sizeof err);
        if (rc < 0) {
            fprintf(stderr, "tdkt: %s\n", err);
            return EXIT_USAGE;
        }
        code = open_store(cfg, &s);
        if (code) {
            registry_records_free(recs, n);
            return code;
        }
        rc = store_begin(s);
        if (rc == 0)
            rc = sync_enqueue_registry(s, recs, n, &batches);
        rc = rc == 0 ? store_commit(s) : (store_rollback(s), rc);
        registry_records_free(recs, n);
        store_close(s);
        if (rc < 0) {
            fprintf(stderr, _("tdkt: cannot queue the registry: %s\n"), tdkt_strerror(rc));
            return EXIT_CONFIG;
        }
        if (!cfg->json)
            printf(_n("%s: %zu registry records queued in %llu batch; sending\n",
                      "%s: %zu registry records queued in %llu batches; sending\n", batches),
                   args[1], n, (unsigned long long)batches);
        return cmd_sync(cfg);
    }
    return usage(_("usage: tdkt registry import FILE | tdkt registry show"));
}

/* Queue one write in the outbox and send it. */
int cli_queue_and_push(const struct cfg *cfg, const char *kind, const ProtobufCMessage *m)
{
    return cli_queue_many_and_push(cfg, kind, &m, 1);
}

/* Queue one message under a fresh request id: 0 or < 0. */
static int queue_one(struct store *s, const char *kind, const ProtobufCMessage *m)
{
    uint8_t id[REQUEST_ID_LEN], *body;
    size_t len = protobuf_c_message_get_packed_size(m);
    int rc;

    if ((body = malloc(len ? len : 1)) == NULL)
        return TDKT_ENOMEM;
    protobuf_c_message_pack(m, body);
    rc = request_id_generate(id);
    if (rc == 0)
        rc = store_outbox_add(s, id, kind, body, len);
    free(body);
    return rc;
}

int cli_queue_many_and_push(const struct cfg *cfg, const char *kind,
                            const ProtobufCMessage *const *ms, size_t n)
{
    struct store *s;
    int code = open_store(cfg, &s), rc;

    if (code)
        return code;
    /* All queued or none: one transaction. */
    rc = n > 1 ? store_begin(s) : 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = queue_one(s, kind, ms[i]);
    if (n > 1)
        rc = rc == 0 ? store_commit(s) : (store_rollback(s), rc);
    if (rc < 0) {
        store_close(s);
        fprintf(stderr, _("tdkt: cannot store the request in the outbox\n"));
        return EXIT_CONFIG;
    }
    code = cli_push(cfg, s, 1);
    store_close(s);
    return code;
}
