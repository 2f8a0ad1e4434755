/* SPDX-License-Identifier: MIT */
/*
 * `tdkt ballot ...`: open, list, show, cast, seal, tally, publish, paper and
 * verify (docs/ballots.md). Writes go through the outbox with a fresh
 * request id, like every write, so a cut connection never casts twice and a
 * vote made offline is sent by the next push or sync. Reads need the server.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cli/cli.h"
#include "client/lib/ballots.h"
#include "client/lib/store.h"
#include "client/lib/store_ballots.h"
#include "client/lib/store_outbox.h"
#include "common/crypto/pki.h"
#include "common/domain/ballot.h"
#include "common/err.h"
#include "common/util/hex.h"
#include "common/wire/envelope.h"

#define BALLOT_FILE_MAX (256 * 1024) /* bytes of a ballot or paper file */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "2023-12-20T17:00:00Z" or with "+07:00"; ms since 1970, or -1. */
static int64_t parse_time(const char *s)
{
    struct tm tm;
    int y, mo, d, h, mi, sec, oh = 0, om = 0, n = 0;
    char sign = 'Z';
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
        return -1;
    s += n;
    if (*s == 'Z' && !s[1])
        sign = 'Z';
    else if ((*s == '+' || *s == '-') && sscanf(s + 1, "%2d:%2d", &oh, &om) == 2 && strlen(s) == 6)
        sign = *s;
    else
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    int64_t t = (int64_t)timegm(&tm);
    int64_t off = (int64_t)(oh * 3600 + om * 60);
    if (sign == '+')
        t -= off;
    else if (sign == '-')
        t += off;
    return t * 1000;
}

static void print_time(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
    fputs(buf, stdout);
}

static char *jdup(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? strdup(s) : NULL;
}

static void contest_free(Tdkt__Contest *c)
{
    if (!c)
        return;
    free(c->code);
    free(c->title);
    for (size_t i = 0; i < c->n_candidates; i++)
        free(c->candidates[i]);
    free(c->candidates);
    free(c);
}

static Tdkt__Contest *parse_contest(const json_t *o, char *why, size_t cap)
{
    Tdkt__Contest *c = calloc(1, sizeof *c);
    json_t *cands = json_object_get(o, "candidates"), *v;
    size_t i;

    if (!c)
        return NULL;
    tdkt__contest__init(c);
    c->code = jdup(o, "code");
    c->title = jdup(o, "title");
    c->purpose = (Tdkt__ContestPurpose)ballot_purpose_parse(
        json_string_value(json_object_get(o, "purpose")));
    c->method =
        (Tdkt__VoteMethod)ballot_method_parse(json_string_value(json_object_get(o, "method")));
    c->seats = (uint32_t)json_integer_value(json_object_get(o, "seats"));
    c->max_choices = (uint32_t)json_integer_value(json_object_get(o, "max_choices"));
    c->threshold_pct = (uint32_t)json_integer_value(json_object_get(o, "threshold_pct"));
    c->secret = json_is_true(json_object_get(o, "secret"));
    if (!c->seats)
        c->seats = 1;
    if (!json_is_array(cands) || json_array_size(cands) > TALLY_CANDIDATES_MAX) {
        snprintf(why, cap, "contest %s: candidates must be a list of unit codes",
                 c->code ? c->code : "?");
        contest_free(c);
        return NULL;
    }
    c->candidates = calloc(json_array_size(cands) + 1, sizeof *c->candidates);
    json_array_foreach(cands, i, v)
    {
        if (json_is_string(v))
            c->candidates[c->n_candidates++] = strdup(json_string_value(v));
    }
    return c;
}

/* Refuse keys the format does not have: a misspelt "secret" or
 * "threshold_pct" must not be silently dropped. */
static int check_keys(const char *path, const char *where, const json_t *o,
                      const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v)
    {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            ok |= strcmp(key, allowed[i]) == 0;
        if (!ok) {
            fprintf(stderr, "tdkt: %s: %s: unknown key '%s'\n", path, where, key);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

static const char *const contest_keys[] = {"code",          "purpose", "title",  "candidates",
                                           "seats",         "method",  "secret", "max_choices",
                                           "threshold_pct", NULL};

static int read_json(const char *path, json_t **root)
{
    json_error_t e;
    FILE *f = fopen(path, "re");
    long size = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (f)
        fclose(f);
    if (size > BALLOT_FILE_MAX) {
        fprintf(stderr, "tdkt: %s: %ld bytes; a ballot file holds at most %d\n", path, size,
                BALLOT_FILE_MAX);
        return EXIT_USAGE;
    }
    *root = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
    if (!*root) {
        fprintf(stderr, "tdkt: %s:%d:%d: %s\n", path, e.line, e.column, e.text);
        return EXIT_USAGE;
    }
    if (!json_is_object(*root)) {
        fprintf(stderr, "tdkt: %s: the file must hold one JSON object\n", path);
        json_decref(*root);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Queue one write, send it, and say so (the ballot commands print no
 * receipt of their own). */
static int queue_and_push(const struct cfg *cfg, const char *kind, const ProtobufCMessage *m)
{
    int code = cli_queue_and_push(cfg, kind, m);
    if (code == EXIT_OK && !cfg->json)
        printf("%s: recorded in the ledger\n", kind);
    return code;
}

static int ballot_open_file(const struct cfg *cfg, const char *path)
{
    Tdkt__BallotOpen b = TDKT__BALLOT_OPEN__INIT;
    char why[256] = "";
    json_t *root, *contests, *v;
    size_t i;
    static const char *const keys[] = {"ballot_id", "year",  "cluster",           "title",
                                       "closes",    "opens", "closes_in_seconds", "contests",
                                       NULL};
    int code = read_json(path, &root);
    if (code)
        return code;
    if ((code = check_keys(path, "the ballot", root, keys))) {
        json_decref(root);
        return code;
    }
    json_array_foreach(json_object_get(root, "contests"), i, v)
    {
        if (json_is_object(v) && (code = check_keys(path, "a contest", v, contest_keys))) {
            json_decref(root);
            return code;
        }
    }
    b.ballot_id = jdup(root, "ballot_id");
    b.year = (uint32_t)json_integer_value(json_object_get(root, "year"));
    b.cluster_code = jdup(root, "cluster");
    b.title = jdup(root, "title");
    if (json_object_get(root, "closes_in_seconds"))
        b.closes_ms =
            now_ms() + 1000 * json_integer_value(json_object_get(root, "closes_in_seconds"));
    else if (json_string_value(json_object_get(root, "closes")))
        b.closes_ms = parse_time(json_string_value(json_object_get(root, "closes")));
    if (json_string_value(json_object_get(root, "opens")))
        b.opens_ms = parse_time(json_string_value(json_object_get(root, "opens")));
    contests = json_object_get(root, "contests");
    if (b.closes_ms <= 0) {
        fprintf(stderr,
                "tdkt: %s: \"closes\" (2023-12-20T17:00:00+07:00) or "
                "\"closes_in_seconds\" is required\n",
                path);
        code = EXIT_USAGE;
        goto out;
    }
    if (!json_is_array(contests) || json_array_size(contests) > BALLOT_CONTESTS_MAX) {
        fprintf(stderr, "tdkt: %s: \"contests\" must be a list of 1 to %d contests\n", path,
                BALLOT_CONTESTS_MAX);
        code = EXIT_USAGE;
        goto out;
    }
    b.contests = calloc(json_array_size(contests) + 1, sizeof *b.contests);
    json_array_foreach(contests, i, v)
    {
        Tdkt__Contest *c = parse_contest(v, why, sizeof why);
        if (!c) {
            fprintf(stderr, "tdkt: %s: %s\n", path, why);
            code = EXIT_USAGE;
            goto out;
        }
        b.contests[b.n_contests++] = c;
    }
    {
        struct record_fault f;
        memset(&f, 0, sizeof f);
        if (ballot_open_validate(&b, &f) < 0) {
            fprintf(stderr, "tdkt: %s: %s: %s\n", path, f.field, f.why);
            code = EXIT_USAGE;
            goto out;
        }
    }
    code = queue_and_push(cfg, "ballot.open", &b.base);
out:
    for (size_t k = 0; k < b.n_contests; k++)
        contest_free(b.contests[k]);
    free(b.contests);
    free(b.ballot_id);
    free(b.cluster_code);
    free(b.title);
    json_decref(root);
    return code;
}

static int ballot_paper_file(const struct cfg *cfg, const char *path)
{
    Tdkt__BallotPaper p = TDKT__BALLOT_PAPER__INIT;
    char why[256] = "";
    json_t *root, *counts;
    uint32_t *yes = NULL, *no = NULL, *ab = NULL;
    static const char *const keys[] = {"ballot_id", "year",    "cluster", "minutes_ref",
                                       "ballots",   "contest", "counts",  NULL};
    int code = read_json(path, &root);
    if (code)
        return code;
    if ((code = check_keys(path, "the paper ballot", root, keys)) ||
        (json_is_object(json_object_get(root, "contest")) &&
         (code =
              check_keys(path, "the contest", json_object_get(root, "contest"), contest_keys)))) {
        json_decref(root);
        return code;
    }
    p.ballot_id = jdup(root, "ballot_id");
    p.year = (uint32_t)json_integer_value(json_object_get(root, "year"));
    p.cluster_code = jdup(root, "cluster");
    p.minutes_ref = jdup(root, "minutes_ref");
    p.ballots = (uint32_t)json_integer_value(json_object_get(root, "ballots"));
    p.contest = parse_contest(json_object_get(root, "contest"), why, sizeof why);
    counts = json_object_get(root, "counts");
    if (!p.contest || !json_is_object(counts)) {
        fprintf(stderr, "tdkt: %s: %s\n", path,
                why[0] ? why
                       : "\"contest\" and \"counts\" {CODE: {yes, no, abstain}} are required");
        code = EXIT_USAGE;
        goto out;
    }
    yes = calloc(p.contest->n_candidates + 1, sizeof *yes);
    no = calloc(p.contest->n_candidates + 1, sizeof *no);
    ab = calloc(p.contest->n_candidates + 1, sizeof *ab);
    if (!yes || !no || !ab) {
        code = EXIT_FAILURE_;
        goto out;
    }
    for (size_t i = 0; i < p.contest->n_candidates; i++) {
        json_t *c = json_object_get(counts, p.contest->candidates[i]);
        yes[i] = (uint32_t)json_integer_value(json_object_get(c, "yes"));
        no[i] = (uint32_t)json_integer_value(json_object_get(c, "no"));
        ab[i] = (uint32_t)json_integer_value(json_object_get(c, "abstain"));
    }
    p.yes = yes;
    p.n_yes = p.contest->n_candidates;
    if (p.contest->method == TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO) {
        p.no = no;
        p.n_no = p.n_yes;
        p.abstain = ab;
        p.n_abstain = p.n_yes;
    }
    code = queue_and_push(cfg, "ballot.paper", &p.base);
out:
    contest_free(p.contest);
    free(p.ballot_id);
    free(p.cluster_code);
    free(p.minutes_ref);
    free(yes);
    free(no);
    free(ab);
    json_decref(root);
    return code;
}

/* Fetch one ballot; remember its definition for offline casting. */
static int fetch_info(const struct cfg *cfg, const char *id, Tdkt__BallotInfo **out)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply = NULL;
    Tdkt__BallotGet g = TDKT__BALLOT_GET__INIT;
    struct tdkt_client *c;
    uint8_t rid[REQUEST_ID_LEN];
    int code = connect_server(cfg, &c);
    *out = NULL;
    if (code)
        return code;
    request_id_generate(rid);
    g.ballot_id = (char *)id;
    env.version = tdkt_client_version(c);
    env.request_id.data = rid;
    env.request_id.len = sizeof rid;
    env.body_case = TDKT__ENVELOPE__BODY_BALLOT_GET;
    env.ballot_get = &g;
    int rc = tdkt_client_call(c, &env, &reply);
    if (rc < 0) {
        code = report(c, rc, "ballot", cfg->json);
        tdkt_client_close(c);
        return code;
    }
    tdkt_client_close(c);
    if (reply->body_case != TDKT__ENVELOPE__BODY_BALLOT_INFO) {
        tdkt__envelope__free_unpacked(reply, NULL);
        fprintf(stderr, "tdkt: the server answered with the wrong message type\n");
        return EXIT_FAILURE_;
    }
    /* Keep the reply's body; detach it from the envelope. */
    size_t n = tdkt__ballot_info__get_packed_size(reply->ballot_info);
    uint8_t *buf = malloc(n ? n : 1);
    if (buf) {
        tdkt__ballot_info__pack(reply->ballot_info, buf);
        *out = tdkt__ballot_info__unpack(NULL, n, buf);
        free(buf);
    }
    tdkt__envelope__free_unpacked(reply, NULL);
    if (!*out)
        return EXIT_FAILURE_;
    if ((*out)->opened) {
        struct store *s;
        if (open_store(cfg, &s) == EXIT_OK) {
            size_t ln = tdkt__ballot_opened__get_packed_size((*out)->opened);
            uint8_t *ob = malloc(ln ? ln : 1);
            if (ob) {
                tdkt__ballot_opened__pack((*out)->opened, ob);
                store_ballot_seen_put(s, id, ob, ln);
                free(ob);
            }
            store_close(s);
        }
    }
    return EXIT_OK;
}

static void print_results(const Tdkt__BallotTallied *t)
{
    printf("result%s:\n", t->paper ? " (paper ballot)" : "");
    if (t->paper && t->minutes_ref)
        printf("  minutes: %s\n", t->minutes_ref);
    for (size_t i = 0; i < t->n_results; i++) {
        const Tdkt__ContestResult *r = t->results[i];
        printf("  %s: %u ballots of %u members, threshold %u%% of the members (%u blank, %u "
               "invalid)\n",
               r->contest, r->ballots, r->roll, r->threshold_pct, r->blank, r->invalid);
        for (size_t j = 0; j < r->n_candidates; j++)
            printf("    %-10s yes %-3u no %-3u abstain %u\n", r->candidates[j], r->yes[j], r->no[j],
                   r->abstain[j]);
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
        printf("ballot %s: %s\n", b->ballot_id, b->title);
        printf("cluster %s, %u; opened by %s; state %s; closes ", b->cluster_code, b->year,
               info->opened->opened_by, info->state);
        print_time(b->closes_ms);
        printf("\nroll (%zu):", info->opened->n_roll);
        for (size_t i = 0; i < info->opened->n_roll; i++)
            printf(" %s", info->opened->roll[i]);
        printf("\n");
        for (size_t i = 0; i < b->n_contests; i++) {
            const Tdkt__Contest *c = b->contests[i];
            printf("contest %s (%s, %s%s, %u seat%s, threshold %u%% of the members: %s): %s\n  "
                   "candidates:",
                   c->code, ballot_purpose_name(c->purpose), ballot_method_name(c->method),
                   c->secret ? ", secret" : ", named", c->seats, c->seats == 1 ? "" : "s",
                   c->threshold_pct, c->rule ? c->rule : "", c->title);
            for (size_t j = 0; j < c->n_candidates; j++)
                printf(" %s", c->candidates[j]);
            printf("\n");
        }
        printf("voted: %zu shown\n", info->n_voted);
    } else {
        printf("ballot %s: paper ballot, state %s\n", id, info->state);
    }
    if (info->seal) {
        char h[65];
        hex_encode(info->seal->box_hash.data,
                   info->seal->box_hash.len > 32 ? 32 : info->seal->box_hash.len, h);
        printf("sealed: %u ballots from %u voters, box hash %s\n", info->seal->ballots,
               info->seal->voters, h);
    }
    if (info->tally)
        print_results(info->tally);
    tdkt__ballot_info__free_unpacked(info, NULL);
    return EXIT_OK;
}

static int ballot_list(const struct cfg *cfg)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply = NULL;
    Tdkt__BallotList bl = TDKT__BALLOT_LIST__INIT;
    struct tdkt_client *c;
    uint8_t rid[REQUEST_ID_LEN];
    int code = connect_server(cfg, &c);
    if (code)
        return code;
    request_id_generate(rid);
    bl.year = cfg->year;
    env.version = tdkt_client_version(c);
    env.request_id.data = rid;
    env.request_id.len = sizeof rid;
    env.body_case = TDKT__ENVELOPE__BODY_BALLOT_LIST;
    env.ballot_list = &bl;
    int rc = tdkt_client_call(c, &env, &reply);
    if (rc < 0) {
        code = report(c, rc, "ballot list", cfg->json);
        tdkt_client_close(c);
        return code;
    }
    tdkt_client_close(c);
    if (reply->body_case == TDKT__ENVELOPE__BODY_BALLOT_LIST_REPLY) {
        for (size_t i = 0; i < reply->ballot_list_reply->n_ballots; i++) {
            const Tdkt__BallotSummary *b = reply->ballot_list_reply->ballots[i];
            printf("%-24s %u %-8s %-10s %u/%u voted  %s\n", b->ballot_id, b->year, b->cluster_code,
                   b->state, b->voted, b->roll, b->title);
        }
    }
    tdkt__envelope__free_unpacked(reply, NULL);
    return EXIT_OK;
}

static int ballot_cast(const struct cfg *cfg, const char *id, int n, char **specs)
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
                    "tdkt: ballot %s is not known here; run `tdkt ballot show %s` while "
                    "the server is reachable\n",
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
        fprintf(stderr, "tdkt: casting needs the ballot and this unit's certificate and key "
                        "(--cert, --key; the certificate names the voter)\n");
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
        store_outbox_add(s, rid, "ballot.cast", cast.packed, cast.packed_len) < 0) {
        fprintf(stderr, "tdkt: cannot store the ballot locally\n");
        ballots_cast_free(&cast);
        code = EXIT_CONFIG;
        goto out;
    }
    hex_encode(cast.tracker, sizeof cast.tracker, tr);
    ballots_cast_free(&cast);
    printf("tracker %s (keep it: find it in the published box with `tdkt ballot verify %s`)\n", tr,
           id);
    code = cli_push(cfg, s, 1);
    if (code == EXIT_OK)
        printf("ballot cast: recorded; you may vote again until the ballot closes, the last "
               "counts\n");
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
        printf("ballot %s verified: %u of %u members voted, %u signatures valid%s; box of %u "
               "matches the sealed hash; recount equals the server's tally for %u contest%s\n",
               id, r.voters, r.roll, r.signatures_ok,
               cfg->ca[0] ? " (certificates issued by the sector CA)" : "", r.box, r.contests,
               r.contests == 1 ? "" : "s");
        if (mine.have)
            printf("your ballot is in the box and your commitment is in your last statement\n");
        if (info->tally)
            print_results(info->tally);
        code = EXIT_OK;
    } else if (rc == TDKT_EAGAIN) {
        printf("%s\n", r.why);
        code = EXIT_REFUSED;
    } else {
        printf("ballot %s FAILED verification: %s\n", id, r.why);
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
        return usage("usage: tdkt ballot open|list|show|cast|seal|tally|publish|paper|verify");
    const char *sub = args[0];
    if (strcmp(sub, "open") == 0 && nargs == 2)
        return ballot_open_file(cfg, args[1]);
    if (strcmp(sub, "paper") == 0 && nargs == 2)
        return ballot_paper_file(cfg, args[1]);
    if (strcmp(sub, "list") == 0 && nargs == 1)
        return ballot_list(cfg);
    if (strcmp(sub, "show") == 0 && nargs == 2)
        return ballot_show(cfg, args[1]);
    if (strcmp(sub, "verify") == 0 && nargs == 2)
        return ballot_verify(cfg, args[1]);
    if (strcmp(sub, "cast") == 0 && nargs >= 3)
        return ballot_cast(cfg, args[1], nargs - 2, args + 2);
    if ((strcmp(sub, "seal") == 0 || strcmp(sub, "tally") == 0 || strcmp(sub, "publish") == 0) &&
        nargs == 2) {
        Tdkt__BallotAction a = TDKT__BALLOT_ACTION__INIT;
        a.ballot_id = args[1];
        a.step = strcmp(sub, "seal") == 0    ? TDKT__BALLOT_STEP__BALLOT_STEP_SEAL
                 : strcmp(sub, "tally") == 0 ? TDKT__BALLOT_STEP__BALLOT_STEP_TALLY
                                             : TDKT__BALLOT_STEP__BALLOT_STEP_PUBLISH;
        int code = queue_and_push(cfg, "ballot.action", &a.base);
        if (code == EXIT_OK && strcmp(sub, "tally") == 0)
            code = ballot_show(cfg, args[1]);
        return code;
    }
    return usage("usage: tdkt ballot open FILE | list [--year Y] | show ID | cast ID "
                 "CONTEST=VALUE... | seal ID | tally ID | publish ID | paper FILE | verify ID");
}
