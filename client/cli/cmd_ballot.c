/* SPDX-License-Identifier: MIT */
/*
 * `tdkt ballot ...`: open, list, show, cast, seal, tally, publish, paper and
 * verify (docs/ballots.md). Writes go through the outbox with a fresh
 * request id, like every write, so a cut connection never casts twice and a
 * vote made offline is sent by the next push or sync. Reads need the server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cli/cli.h"
#include "client/lib/ballots.h"
#include "client/lib/forms.h"
#include "client/lib/store.h"
#include "client/lib/store_ballots.h"
#include "client/lib/store_outbox.h"
#include "common/crypto/pki.h"
#include "common/domain/ballot_rules.h"
#include "common/err.h"
#include "common/text/datefmt.h"
#include "common/text/i18n.h"
#include "common/text/table.h"
#include "common/util/hex.h"
#include "common/wire/envelope.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A time for a person: dd/mm/yyyy HH:MM in Vietnam's time. */
static void print_time(int64_t ms)
{
    char buf[TEXT_TIME_MAX];

    fputs(text_time(ms, buf, sizeof buf), stdout);
}

/* Queue one write, send it, and say so (the ballot commands print no
 * receipt of their own). */
static int queue_and_push(const struct cfg *cfg, const char *kind, const ProtobufCMessage *m)
{
    int code = cli_queue_and_push(cfg, kind, m);
    if (code == EXIT_OK && !cfg->json)
        printf(_("%s: recorded in the ledger\n"), kind);
    return code;
}

/* The two files the command sends as one write each: how forms.c reads
 * one into its message, and the outbox kind it is queued under. */
struct ballot_form {
    const char *sub;  /* tdkt ballot SUB FILE */
    const char *kind; /* OUTBOX_* */
    cli_form_fn read;
};

static int form_read_open(const char *data, size_t len, ProtobufCMessage **out, char *why,
                          size_t cap)
{
    Tdkt__BallotOpen *b;
    int rc = forms_ballot_open(data, len, now_ms(), &b, why, cap);

    *out = rc == 0 ? &b->base : NULL;
    return rc;
}

static int form_read_paper(const char *data, size_t len, ProtobufCMessage **out, char *why,
                           size_t cap)
{
    Tdkt__BallotPaper *p;
    int rc = forms_ballot_paper(data, len, &p, why, cap);

    *out = rc == 0 ? &p->base : NULL;
    return rc;
}

static const struct ballot_form ballot_forms[] = {
    {"open", OUTBOX_BALLOT_OPEN, form_read_open},
    {"paper", OUTBOX_BALLOT_PAPER, form_read_paper},
};

/* Read the file at path whole, check it as form says, and send it. A file
 * that cannot be read or is refused is said with its name (exit 2), and
 * nothing is queued. */
static int ballot_send_file(const struct cfg *cfg, const struct ballot_form *form, const char *path)
{
    ProtobufCMessage *m;
    int code = cli_read_form(path, FORMS_BALLOT_MAX, "ballot", form->read, &m);

    if (code != EXIT_OK)
        return code;
    code = queue_and_push(cfg, form->kind, m);
    protobuf_c_message_free_unpacked(m, NULL);
    return code;
}

/* One read: send env, expect reply_case; *reply is the caller's. what
 * names the command in a refusal. */
static int ballot_call(const struct cfg *cfg, Tdkt__Envelope *env, int reply_case, const char *what,
                       Tdkt__Envelope **reply)
{
    struct tdkt_client *c;
    uint8_t rid[REQUEST_ID_LEN];
    int rc, code = connect_server(cfg, &c);

    *reply = NULL;
    if (code)
        return code;
    request_id_generate(rid);
    env->version = tdkt_client_version(c);
    env->request_id.data = rid;
    env->request_id.len = sizeof rid;
    rc = tdkt_client_call(c, env, reply);
    code = rc < 0 ? report(c, rc, what, cfg->json) : EXIT_OK;
    tdkt_client_close(c);
    if (code == EXIT_OK && (int)(*reply)->body_case != reply_case) {
        fprintf(stderr, _("tdkt: the server answered with the wrong message type\n"));
        code = EXIT_FAILURE_;
    }
    if (code != EXIT_OK && *reply) {
        tdkt__envelope__free_unpacked(*reply, NULL);
        *reply = NULL;
    }
    return code;
}

/* Keep the ballot's definition in the local store, for casting offline. */
static void remember_definition(const struct cfg *cfg, const char *id,
                                const Tdkt__BallotOpened *opened)
{
    size_t n = tdkt__ballot_opened__get_packed_size(opened);
    uint8_t *buf = malloc(n ? n : 1);
    struct store *s;

    if (buf && open_store(cfg, &s) == EXIT_OK) {
        tdkt__ballot_opened__pack(opened, buf);
        store_ballot_seen_put(s, id, buf, n);
        store_close(s);
    }
    free(buf);
}

/* Fetch one ballot; remember its definition for offline casting. */
static int fetch_info(const struct cfg *cfg, const char *id, Tdkt__BallotInfo **out)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply;
    Tdkt__BallotGet g = TDKT__BALLOT_GET__INIT;
    int code;

    *out = NULL;
    g.ballot_id = (char *)id;
    env.body_case = TDKT__ENVELOPE__BODY_BALLOT_GET;
    env.ballot_get = &g;
    code = ballot_call(cfg, &env, TDKT__ENVELOPE__BODY_BALLOT_INFO, "ballot", &reply);
    if (code)
        return code;
    /* Keep the reply's body; the envelope goes. */
    *out = reply->ballot_info;
    reply->ballot_info = NULL;
    reply->body_case = TDKT__ENVELOPE__BODY__NOT_SET;
    tdkt__envelope__free_unpacked(reply, NULL);
    if ((*out)->opened)
        remember_definition(cfg, id, (*out)->opened);
    return EXIT_OK;
}

/* The method of contest code in the ballot's definition; 0 when unknown
 * (a paper ballot entered without one). */
/* The states a ballot is in (server/ballot), shown translated: _(state). */
static const char *const ballot_state_words[] __attribute__((unused)) = {
    N_("open"), N_("closed"), N_("sealed"), N_("tallied"), N_("published"), N_("paper")};

static int contest_method(const Tdkt__BallotInfo *info, const char *code)
{
    const Tdkt__BallotOpen *b = info->opened ? info->opened->ballot : NULL;

    for (size_t i = 0; b != NULL && i < b->n_contests; i++)
        if (strcmp(b->contests[i]->code, code) == 0)
            return (int)b->contests[i]->method;
    return 0;
}

/* The results: a choice among candidates reads as votes per candidate,
 * a yes/no contest as its three counts per candidate. */
static void print_results(const Tdkt__BallotInfo *info, const Tdkt__BallotTallied *t)
{
    printf("%s\n", t->paper ? _("Result (paper ballot):") : _("Result:"));
    if (t->paper && t->minutes_ref)
        printf(_("  minutes: %s\n"), t->minutes_ref);
    for (size_t i = 0; i < t->n_results; i++) {
        const Tdkt__ContestResult *r = t->results[i];
        int method = contest_method(info, r->contest);
        int choice = method == TDKT__VOTE_METHOD__VOTE_METHOD_ONE_CHOICE ||
                     method == TDKT__VOTE_METHOD__VOTE_METHOD_APPROVE;
        const char *heads_choice[] = {_("Candidate"), _("Votes")};
        const char *heads_yes_no[] = {_("Candidate"), _("Yes"), _("No"), _("Abstain")};
        struct text_table tb;

        printf(_("  %s: %u ballots of %u members, threshold %u%% of the members (%u blank, %u "
                 "invalid)\n"),
               r->contest, r->ballots, r->roll, r->threshold_pct, r->blank, r->invalid);
        text_table_init(&tb, choice ? 2 : 4, choice ? heads_choice : heads_yes_no);
        tb.right = 0xeu;
        for (size_t j = 0; j < r->n_candidates; j++) {
            char y[12], n[12], a[12];

            snprintf(y, sizeof y, "%u", j < r->n_yes ? r->yes[j] : 0);
            snprintf(n, sizeof n, "%u", j < r->n_no ? r->no[j] : 0);
            snprintf(a, sizeof a, "%u", j < r->n_abstain ? r->abstain[j] : 0);
            text_table_add(&tb, (const char *const[]){r->candidates[j], y, n, a});
        }
        text_table_print(&tb, stdout, "    ");
        text_table_free(&tb);
        printf("    -> %s\n", r->why);
    }
}

static int ballot_show(const struct cfg *cfg, const char *id)
{
    Tdkt__BallotInfo *info;
    int code = fetch_info(cfg, id, &info);
    if (code)
        return code;
    if (info->opened && info->opened->ballot) {
        const Tdkt__BallotOpen *b = info->opened->ballot;
        printf(_("Ballot %s: %s\n"), b->ballot_id, b->title);
        printf(_("Cluster %s, %u; opened by %s; state %s; closes "), b->cluster_code, b->year,
               info->opened->opened_by, _(info->state));
        print_time(b->closes_ms);
        printf(_("\nRoll (%zu):"), info->opened->n_roll);
        for (size_t i = 0; i < info->opened->n_roll; i++)
            printf(" %s", info->opened->roll[i]);
        printf("\n");
        for (size_t i = 0; i < b->n_contests; i++) {
            const Tdkt__Contest *c = b->contests[i];
            printf(_("Contest %s (%s, %s, %s, %u seat(s), threshold %u%% of the members: %s): "
                     "%s\n  candidates:"),
                   c->code, _(ballot_rules_purpose_name(c->purpose)),
                   _(ballot_rules_method_name(c->method)), c->secret ? _("secret") : _("named"),
                   c->seats, c->threshold_pct, c->rule ? c->rule : "", c->title);
            for (size_t j = 0; j < c->n_candidates; j++)
                printf(" %s", c->candidates[j]);
            printf("\n");
        }
        printf(_("Voted: %zu shown\n"), info->n_voted);
    } else {
        printf(_("Ballot %s: paper ballot, state %s\n"), id, _(info->state));
    }
    if (info->seal) {
        char h[65];
        hex_encode(info->seal->box_hash.data,
                   info->seal->box_hash.len > 32 ? 32 : info->seal->box_hash.len, h);
        printf(_("Sealed: %u ballots from %u voters, box hash %s\n"), info->seal->ballots,
               info->seal->voters, h);
    }
    if (info->tally)
        print_results(info, info->tally);
    tdkt__ballot_info__free_unpacked(info, NULL);
    return EXIT_OK;
}

static int list_ballots(const struct cfg *cfg)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply;
    Tdkt__BallotList bl = TDKT__BALLOT_LIST__INIT;
    int code;

    bl.year = cfg->year;
    env.body_case = TDKT__ENVELOPE__BODY_BALLOT_LIST;
    env.ballot_list = &bl;
    code = ballot_call(cfg, &env, TDKT__ENVELOPE__BODY_BALLOT_LIST_REPLY, "ballot list", &reply);
    if (code)
        return code;
    {
        struct text_table tb;
        const char *heads[] = {_("Ballot"), _("Year"),  _("Cluster"),
                               _("State"),  _("Voted"), _("Ballot title")};

        text_table_init(&tb, 6, heads);
        for (size_t i = 0; i < reply->ballot_list_reply->n_ballots; i++) {
            const Tdkt__BallotSummary *b = reply->ballot_list_reply->ballots[i];
            char y[12], v[32];

            snprintf(y, sizeof y, "%u", b->year);
            snprintf(v, sizeof v, "%u/%u", b->voted, b->roll);
            text_table_add(&tb, (const char *const[]){b->ballot_id, y, b->cluster_code, _(b->state),
                                                      v, b->title});
        }
        text_table_print(&tb, stdout, "");
        text_table_free(&tb);
    }
    tdkt__envelope__free_unpacked(reply, NULL);
    return EXIT_OK;
}

static int cast_ballot(const struct cfg *cfg, const char *id, int n, char **specs)
{
    struct ballots_cast cast;
    struct store *s;
    Tdkt__BallotOpened *o = NULL;
    uint8_t *ob = NULL, rid[REQUEST_ID_LEN];
    size_t olen = 0;
    char why[320] = "", voter[RECORD_CODE_MAX + 1] = "", tr[65];
    int code = open_store(cfg, &s);
    if (code)
        return code;
    /* The definition seen before (offline), or fetched now. */
    if (store_ballot_seen_get(s, id, &ob, &olen) < 0) {
        Tdkt__BallotInfo *info = NULL;
        store_close(s);
        code = fetch_info(cfg, id, &info);
        if (code) {
            fprintf(stderr,
                    _("tdkt: ballot %s is not known here; run `tdkt ballot show %s` while "
                      "the server is reachable\n"),
                    id, id);
            return code;
        }
        tdkt__ballot_info__free_unpacked(info, NULL);
        if ((code = open_store(cfg, &s)))
            return code;
        if (store_ballot_seen_get(s, id, &ob, &olen) < 0) {
            store_close(s);
            return EXIT_FAILURE_;
        }
    }
    o = tdkt__ballot_opened__unpack(NULL, olen, ob);
    free(ob);
    /* The voter is the unit of the signing certificate. */
    if (cfg->cert[0]) {
        char serial[PKI_SERIAL_HEX_MAX];
        if (pki_cert_info(cfg->cert, voter, sizeof voter, serial, NULL, 0) < 0)
            voter[0] = '\0';
    }
    if (!o || !voter[0] || !cfg->key[0] || !cfg->cert[0]) {
        fprintf(stderr, _("tdkt: casting needs the ballot and this unit's certificate and key "
                          "(--cert, --key; the certificate names the voter)\n"));
        code = EXIT_CONFIG;
        goto out;
    }
    if (ballots_cast_build(o, voter, specs, (size_t)n, now_ms(), cfg->key, cfg->cert, &cast, why,
                           sizeof why) < 0) {
        fprintf(stderr, "tdkt: %s\n", why);
        code = EXIT_USAGE;
        goto out;
    }
    if (request_id_generate(rid) < 0 ||
        store_my_ballot_put(s, id, cast.tracker, cast.has_secret ? cast.salt : NULL,
                            cast.has_secret ? BALLOT_SALT_LEN : 0, cast.statement,
                            cast.statement_len, cast.sealed, cast.sealed_len) < 0 ||
        store_outbox_add(s, rid, OUTBOX_BALLOT_CAST, cast.packed, cast.packed_len) < 0) {
        fprintf(stderr, _("tdkt: cannot store the ballot locally\n"));
        ballots_cast_free(&cast);
        code = EXIT_CONFIG;
        goto out;
    }
    hex_encode(cast.tracker, sizeof cast.tracker, tr);
    ballots_cast_free(&cast);
    printf(_("tracker %s (keep it: find it in the published box with `tdkt ballot verify %s`)\n"),
           tr, id);
    code = cli_push(cfg, s, 1);
    if (code == EXIT_OK)
        printf(_("ballot cast: recorded; you may vote again until the ballot closes, the last "
                 "counts\n"));
out:
    if (o)
        tdkt__ballot_opened__free_unpacked(o, NULL);
    store_close(s);
    return code;
}

static int ballot_verify(const struct cfg *cfg, const char *id)
{
    Tdkt__BallotInfo *info;
    struct ballots_verify_report r;
    struct ballots_mine mine = {0};
    uint8_t *salt = NULL, *stmt = NULL;
    struct store *s;
    int code = fetch_info(cfg, id, &info);
    if (code)
        return code;
    if (open_store(cfg, &s) == EXIT_OK) {
        if (store_my_ballot_get(s, id, mine.tracker, &salt, &mine.salt_len, &stmt,
                                &mine.statement_len) == 0) {
            mine.have = 1;
            mine.salt = mine.salt_len ? salt : NULL;
            mine.statement = stmt;
        }
        store_close(s);
    }
    int rc = ballots_verify(info, cfg->ca[0] ? cfg->ca : NULL, &mine, &r);
    if (rc == 0) {
        printf(_n("ballot %s verified: %u of %u members voted, %u signatures valid%s; box of %u "
                  "matches the sealed hash; recount equals the server's tally for %u contest\n",
                  "ballot %s verified: %u of %u members voted, %u signatures valid%s; box of %u "
                  "matches the sealed hash; recount equals the server's tally for %u contests\n",
                  r.contests),
               id, r.voters, r.roll, r.signatures_ok,
               cfg->ca[0] ? _(" (certificates issued by the sector CA)") : "", r.box, r.contests);
        if (mine.have)
            printf(_("your ballot is in the box and your commitment is in your last statement\n"));
        if (info->tally)
            print_results(info, info->tally);
        code = EXIT_OK;
    } else if (rc == TDKT_EAGAIN) {
        printf("%s\n", r.why);
        code = EXIT_REFUSED;
    } else {
        printf(_("ballot %s FAILED verification: %s\n"), id, r.why);
        code = r.failed ? EXIT_TAMPER : EXIT_FAILURE_;
    }
    free(salt);
    free(stmt);
    tdkt__ballot_info__free_unpacked(info, NULL);
    return code;
}

int cmd_ballot(const struct cfg *cfg, int nargs, char **args)
{
    if (nargs < 1)
        return usage(_("usage: tdkt ballot open|list|show|cast|seal|tally|publish|paper|verify"));
    const char *sub = args[0];
    for (size_t i = 0; i < sizeof ballot_forms / sizeof ballot_forms[0]; i++)
        if (strcmp(sub, ballot_forms[i].sub) == 0 && nargs == 2)
            return ballot_send_file(cfg, &ballot_forms[i], args[1]);
    if (strcmp(sub, "list") == 0 && nargs == 1)
        return list_ballots(cfg);
    if (strcmp(sub, "show") == 0 && nargs == 2)
        return ballot_show(cfg, args[1]);
    if (strcmp(sub, "verify") == 0 && nargs == 2)
        return ballot_verify(cfg, args[1]);
    if (strcmp(sub, "cast") == 0 && nargs >= 3)
        return cast_ballot(cfg, args[1], nargs - 2, args + 2);
    if ((strcmp(sub, "seal") == 0 || strcmp(sub, "tally") == 0 || strcmp(sub, "publish") == 0) &&
        nargs == 2) {
        Tdkt__BallotAction a = TDKT__BALLOT_ACTION__INIT;
        a.ballot_id = args[1];
        a.step = strcmp(sub, "seal") == 0    ? TDKT__BALLOT_STEP__BALLOT_STEP_SEAL
                 : strcmp(sub, "tally") == 0 ? TDKT__BALLOT_STEP__BALLOT_STEP_TALLY
                                             : TDKT__BALLOT_STEP__BALLOT_STEP_PUBLISH;
        int code = queue_and_push(cfg, OUTBOX_BALLOT_ACTION, &a.base);
        if (code == EXIT_OK && strcmp(sub, "tally") == 0)
            code = ballot_show(cfg, args[1]);
        return code;
    }
    return usage(_("usage: tdkt ballot open FILE | list [--year Y] | show ID | cast ID "
                   "CONTEST=VALUE... | seal ID | tally ID | publish ID | paper FILE | verify ID"));
}
