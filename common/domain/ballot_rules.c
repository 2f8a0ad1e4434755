/* SPDX-License-Identifier: MIT */
/*
 * Ballot rules shared by the server, the client's files and the verifier.
 * See ballot_rules.h.
 */
#include "common/domain/ballot_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "common/text/i18n.h"

/* Codes of the ballot files, each also a message (N_) shown translated. */
static const char *const purpose_names[] = {
    [TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_LEADER] = N_("leader"),
    [TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_DEPUTY] = N_("deputy"),
    [TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG] = N_("flag"),
    [TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_COLLECTIVE_EXCELLENT] = N_("collective_excellent"),
    [TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_COLLECTIVE_ADVANCED] = N_("collective_advanced"),
    [TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_OTHER] = N_("other"),
};

static const char *const method_names[] = {
    [TDKT__VOTE_METHOD__VOTE_METHOD_ONE_CHOICE] = N_("one_choice"),
    [TDKT__VOTE_METHOD__VOTE_METHOD_APPROVE] = N_("approve"),
    [TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO] = N_("yes_no"),
};

#define NAMES_LEN(a) ((int)(sizeof a / sizeof a[0]))

const char *ballot_rules_purpose_name(int p)
{
    return p > 0 && p < NAMES_LEN(purpose_names) && purpose_names[p] ? purpose_names[p] : "?";
}

int ballot_rules_purpose_parse(const char *s)
{
    for (int i = 1; s && i < NAMES_LEN(purpose_names); i++)
        if (purpose_names[i] && strcmp(s, purpose_names[i]) == 0)
            return i;
    return 0;
}

const char *ballot_rules_method_name(int m)
{
    return m > 0 && m < NAMES_LEN(method_names) && method_names[m] ? method_names[m] : "?";
}

int ballot_rules_method_parse(const char *s)
{
    for (int i = 1; s && i < NAMES_LEN(method_names); i++)
        if (method_names[i] && strcmp(s, method_names[i]) == 0)
            return i;
    return 0;
}

int ballot_rules_has_secret(const Tdkt__BallotOpen *b)
{
    for (size_t i = 0; i < b->n_contests; i++)
        if (b->contests[i]->secret)
            return 1;
    return 0;
}

int ballot_rules_contest_tally(const Tdkt__Contest *c, unsigned roll, struct tally_contest *out)
{
    memset(out, 0, sizeof *out);
    out->method = (enum tally_method)c->method;
    out->ncandidates = (unsigned)c->n_candidates;
    out->seats = c->seats;
    out->max_choices = c->method == TDKT__VOTE_METHOD__VOTE_METHOD_ONE_CHOICE ? 1 : c->max_choices;
    if (c->method == TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO)
        out->max_choices = 0;
    out->threshold_pct = c->threshold_pct;
    out->roll = roll;
    return tally_contest_check(out);
}

/* The three fields a ballot and a paper ballot share. */
static int header_validate(const char *ballot_id, uint32_t year, const char *cluster,
                           struct fault *f)
{
    if (!record_code_valid(ballot_id))
        return fault_set(f, TDKT_EINVAL, "ballot_id",
                         "a ballot id is 1 to %d characters of A-Z, a-z, 0-9, '_', '.', '-'",
                         RECORD_CODE_MAX);
    if (!record_year_valid(year))
        return fault_set(f, TDKT_EINVAL, "year", "year must be %d to %d", RECORD_YEAR_MIN,
                         RECORD_YEAR_MAX);
    if (!record_code_valid(cluster))
        return fault_set(f, TDKT_EINVAL, "cluster_code", "not a cluster code");
    return 0;
}

/* 1 to TALLY_CANDIDATES_MAX unit codes, none twice; each refusal names the
 * candidate by its index. */
static int candidates_validate(const Tdkt__Contest *c, const char *prefix, struct fault *f)
{
    char field[RECORD_FIELD_MAX];

    if (c->n_candidates == 0 || c->n_candidates > TALLY_CANDIDATES_MAX) {
        snprintf(field, sizeof field, "%.40s.candidates", prefix);
        return fault_set(f, TDKT_EINVAL, field, "a contest has 1 to %d candidates",
                         TALLY_CANDIDATES_MAX);
    }
    for (size_t j = 0; j < c->n_candidates; j++) {
        snprintf(field, sizeof field, "%.40s.candidates[%zu]", prefix, j);
        if (!record_code_valid(c->candidates[j]))
            return fault_set(f, TDKT_EINVAL, field, RECORD_CODE_RULE, "a unit code");
        for (size_t k = 0; k < j; k++)
            if (strcmp(c->candidates[j], c->candidates[k]) == 0)
                return fault_set(f, TDKT_EINVAL, field,
                                 "'%s' is listed twice (also candidates[%zu])", c->candidates[j],
                                 k);
    }
    return 0;
}

/* Seats, max_choices and threshold for the contest's method and purpose:
 * what tally_contest_check() requires of a contest, said field by field. */
static int counting_validate(const Tdkt__Contest *c, const char *prefix, struct fault *f)
{
    char field[RECORD_FIELD_MAX];
    size_t n = c->n_candidates;

    snprintf(field, sizeof field, "%.40s.seats", prefix);
    if (c->seats < 1 || c->seats > n)
        return fault_set(f, TDKT_EINVAL, field,
                         "a contest has 1 to %zu seats (its number of candidates), not %u", n,
                         c->seats);
    if ((c->purpose == TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_LEADER ||
         c->purpose == TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_DEPUTY ||
         c->purpose == TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG) &&
        c->seats != 1)
        return fault_set(f, TDKT_EINVAL, field,
                         "a %s contest has exactly one seat (CLUSTER-LEAD, CO-NGANH)",
                         ballot_rules_purpose_name(c->purpose));
    snprintf(field, sizeof field, "%.40s.max_choices", prefix);
    if (c->method == TDKT__VOTE_METHOD__VOTE_METHOD_APPROVE &&
        (c->max_choices < 1 || c->max_choices > n))
        return fault_set(f, TDKT_EINVAL, field,
                         "an approve contest lets a voter mark 1 to %zu candidates (its number "
                         "of candidates), not %u",
                         n, c->max_choices);
    if (c->method != TDKT__VOTE_METHOD__VOTE_METHOD_APPROVE && c->max_choices)
        return fault_set(f, TDKT_EINVAL, field,
                         "only an approve contest takes max_choices; this one is %s",
                         ballot_rules_method_name(c->method));
    snprintf(field, sizeof field, "%.40s.threshold_pct", prefix);
    if (c->threshold_pct > TALLY_PCT_MAX)
        return fault_set(f, TDKT_EINVAL, field, "a threshold is 0 to %d percent, not %u",
                         TALLY_PCT_MAX, c->threshold_pct);
    return 0;
}

/* The shape of one contest; fields are named under prefix ("contests[2]",
 * "contest"). */
static int contest_validate(const Tdkt__Contest *c, const char *prefix, struct fault *f)
{
    char field[RECORD_FIELD_MAX];
    int rc;

    snprintf(field, sizeof field, "%.40s.code", prefix);
    if (!record_code_valid(c->code))
        return fault_set(f, TDKT_EINVAL, field, "a contest code is required");
    snprintf(field, sizeof field, "%.40s.purpose", prefix);
    if (!ballot_rules_purpose_parse(ballot_rules_purpose_name(c->purpose)))
        return fault_set(f, TDKT_EINVAL, field,
                         "purpose must be leader, deputy, flag, collective_excellent, "
                         "collective_advanced or other");
    snprintf(field, sizeof field, "%.40s.title", prefix);
    if (!record_name_valid(c->title, RECORD_NAME_MAX))
        return fault_set(f, TDKT_EINVAL, field, "a title of 1 to %d bytes is required",
                         RECORD_NAME_MAX);
    if ((rc = candidates_validate(c, prefix, f)) < 0)
        return rc;
    snprintf(field, sizeof field, "%.40s.method", prefix);
    if (!ballot_rules_method_parse(ballot_rules_method_name(c->method)))
        return fault_set(f, TDKT_EINVAL, field, "method must be one_choice, approve or yes_no");
    return counting_validate(c, prefix, f);
}

/* A ballot open from opens_ms to closes_ms. */
static int open_span(int64_t opens_ms, int64_t closes_ms, struct fault *f)
{
    if (closes_ms <= opens_ms)
        return fault_set(f, TDKT_EINVAL, "closes_ms", "the ballot must close after it opens");
    if (closes_ms - opens_ms > BALLOT_DURATION_MAX)
        return fault_set(f, TDKT_EINVAL, "closes_ms", "a ballot is open at most %lld days",
                         BALLOT_DURATION_MAX / (24 * 3600 * 1000LL));
    return 0;
}

int ballot_rules_open_times(const Tdkt__BallotOpen *m, int64_t now_ms, struct fault *f)
{
    if (m->closes_ms <= now_ms)
        return fault_set(f, TDKT_EINVAL, "closes_ms", "the closing time is already past");
    return open_span(m->opens_ms ? m->opens_ms : now_ms, m->closes_ms, f);
}

int ballot_rules_open_validate(const Tdkt__BallotOpen *m, struct fault *f)
{
    char prefix[32];
    int rc = header_validate(m->ballot_id, m->year, m->cluster_code, f);

    if (rc < 0)
        return rc;
    if (!record_name_valid(m->title, RECORD_NAME_MAX))
        return fault_set(f, TDKT_EINVAL, "title", "a title of 1 to %d bytes is required",
                         RECORD_NAME_MAX);
    if (m->closes_ms <= 0)
        return fault_set(f, TDKT_EINVAL, "closes_ms", "a closing time is required");
    if (m->opens_ms < 0)
        return fault_set(f, TDKT_EINVAL, "opens_ms", "not a time");
    if (m->opens_ms && (rc = open_span(m->opens_ms, m->closes_ms, f)) < 0)
        return rc;
    if (m->n_contests == 0 || m->n_contests > BALLOT_CONTESTS_MAX)
        return fault_set(f, TDKT_EINVAL, "contests", "a ballot has 1 to %d contests",
                         BALLOT_CONTESTS_MAX);
    for (size_t i = 0; i < m->n_contests; i++) {
        snprintf(prefix, sizeof prefix, "contests[%zu]", i);
        if ((rc = contest_validate(m->contests[i], prefix, f)) < 0)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->contests[i]->code, m->contests[j]->code) == 0) {
                char field[RECORD_FIELD_MAX];
                snprintf(field, sizeof field, "%s.code", prefix);
                return fault_set(f, TDKT_EINVAL, field,
                                 "contest '%s' is listed twice (also contests[%zu])",
                                 m->contests[i]->code, j);
            }
    }
    return 0;
}

/* One count column: n counts for n candidates, or (optional) none. */
static int counts_validate(const char *field, size_t got, size_t n, int required, struct fault *f)
{
    if (got == n || (got == 0 && !required))
        return 0;
    return fault_set(f, TDKT_EINVAL, field,
                     "%zu %s count%s for %zu candidates: give one count per candidate, in the "
                     "order of contest.candidates",
                     got, field, got == 1 ? "" : "s", n);
}

int ballot_rules_paper_validate(const Tdkt__BallotPaper *m, struct fault *f)
{
    int rc = header_validate(m->ballot_id, m->year, m->cluster_code, f), yes_no;
    size_t n;

    if (rc < 0)
        return rc;
    if (!record_name_valid(m->minutes_ref, RECORD_NAME_MAX))
        return fault_set(f, TDKT_EINVAL, "minutes_ref",
                         "the reference of the minutes (1 to %d bytes) is required",
                         RECORD_NAME_MAX);
    if (!m->contest)
        return fault_set(f, TDKT_EINVAL, "contest", "the contest is missing");
    if ((rc = contest_validate(m->contest, "contest", f)) < 0)
        return rc;
    n = m->contest->n_candidates;
    yes_no = m->contest->method == TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO;
    if ((rc = counts_validate("yes", m->n_yes, n, 1, f)) < 0 ||
        (rc = counts_validate("no", m->n_no, n, yes_no, f)) < 0)
        return rc;
    return counts_validate("abstain", m->n_abstain, n, yes_no, f);
}

int ballot_rules_choice_tally(const Tdkt__Contest *c, const Tdkt__ContestChoice *ch,
                              struct tally_ballot *out)
{
    memset(out, 0, sizeof *out);
    if (c->method == TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO) {
        if (ch->n_marks || ch->n_answers != c->n_candidates)
            return TDKT_EINVAL;
        for (size_t i = 0; i < ch->n_answers; i++) {
            if ((unsigned)ch->answers[i] > TALLY_NO)
                return TDKT_EINVAL;
            out->marks[i] = (uint8_t)ch->answers[i];
        }
        return 0;
    }
    if (ch->n_answers)
        return TDKT_EINVAL;
    for (size_t i = 0; i < ch->n_marks; i++) {
        size_t j;
        for (j = 0; j < c->n_candidates; j++)
            if (ch->marks[i] && strcmp(ch->marks[i], c->candidates[j]) == 0)
                break;
        if (j == c->n_candidates || out->marks[j])
            return TDKT_EINVAL; /* not a candidate, or marked twice */
        out->marks[j] = 1;
    }
    return 0;
}

int ballot_rules_choices_check(const Tdkt__BallotOpen *b, Tdkt__ContestChoice *const *choices,
                               size_t n, int secret, const char *field_prefix, struct fault *f)
{
    char field[RECORD_FIELD_MAX];
    size_t want = 0;

    for (size_t i = 0; i < b->n_contests; i++)
        want += (b->contests[i]->secret != 0) == (secret != 0);
    if (n != want)
        return fault_set(f, TDKT_EINVAL, field_prefix,
                         "%zu choices for %zu %s contests: give exactly one for each", n, want,
                         secret ? "secret" : "named");
    for (size_t i = 0; i < n; i++) {
        const Tdkt__ContestChoice *ch = choices[i];
        const Tdkt__Contest *c = NULL;
        struct tally_contest k;
        struct tally_ballot t;

        snprintf(field, sizeof field, "%.40s[%zu]", field_prefix, i);
        for (size_t j = 0; j < b->n_contests; j++)
            if (ch->contest && strcmp(ch->contest, b->contests[j]->code) == 0)
                c = b->contests[j];
        if (!c || (c->secret != 0) != (secret != 0))
            return fault_set(f, TDKT_EINVAL, field, "'%.40s' is not a %s contest of this ballot",
                             ch->contest ? ch->contest : "", secret ? "secret" : "named");
        for (size_t j = 0; j < i; j++)
            if (strcmp(ch->contest, choices[j]->contest) == 0)
                return fault_set(f, TDKT_EINVAL, field, "contest '%s' is chosen twice",
                                 ch->contest);
        if (ballot_rules_contest_tally(c, 1, &k) < 0 || ballot_rules_choice_tally(c, ch, &t) < 0 ||
            tally_check_ballot(&k, &t) < 0)
            return fault_set(f, TDKT_EINVAL, field, "not a valid choice for '%s' (%s: %s)", c->code,
                             ballot_rules_method_name(c->method),
                             c->method == TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO
                                 ? "one answer per candidate"
                                 : "marks name candidates, within the allowed number");
    }
    return 0;
}

void ballot_rules_tracker(const uint8_t *bytes, size_t len, uint8_t out[BALLOT_HASH_LEN])
{
    unsigned int n = BALLOT_HASH_LEN;
    EVP_Digest(len ? bytes : (const uint8_t *)"", len, out, &n, EVP_sha256(), NULL);
}

void ballot_rules_commitment(const uint8_t tracker[BALLOT_HASH_LEN],
                             const uint8_t salt[BALLOT_SALT_LEN], uint8_t out[BALLOT_HASH_LEN])
{
    uint8_t buf[14 + BALLOT_HASH_LEN + BALLOT_SALT_LEN];
    memcpy(buf, "tdkt-commit-v1", 14);
    memcpy(buf + 14, tracker, BALLOT_HASH_LEN);
    memcpy(buf + 14 + BALLOT_HASH_LEN, salt, BALLOT_SALT_LEN);
    ballot_rules_tracker(buf, sizeof buf, out);
}

static int cmp32(const void *a, const void *b)
{
    return memcmp(a, b, BALLOT_HASH_LEN);
}

void ballot_rules_box_hash(uint8_t (*trackers)[BALLOT_HASH_LEN], size_t n,
                           uint8_t out[BALLOT_HASH_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = BALLOT_HASH_LEN;

    if (n)
        qsort(trackers, n, BALLOT_HASH_LEN, cmp32);
    if (!ctx) {
        memset(out, 0, BALLOT_HASH_LEN);
        return;
    }
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; i < n; i++)
        EVP_DigestUpdate(ctx, trackers[i], BALLOT_HASH_LEN);
    EVP_DigestFinal_ex(ctx, out, &len);
    EVP_MD_CTX_free(ctx);
}

void ballot_rules_results_free(Tdkt__ContestResult **r, size_t n)
{
    for (size_t i = 0; r && i < n; i++) {
        if (!r[i])
            continue;
        free(r[i]->contest);
        for (size_t j = 0; j < r[i]->n_candidates; j++)
            free(r[i]->candidates[j]);
        free(r[i]->candidates);
        free(r[i]->yes);
        free(r[i]->no);
        free(r[i]->abstain);
        for (size_t j = 0; j < r[i]->n_elected; j++)
            free(r[i]->elected[j]);
        free(r[i]->elected);
        free(r[i]->why);
        free(r[i]);
    }
    free(r);
}

Tdkt__ContestResult *ballot_result_new(const Tdkt__Contest *c, const struct tally_contest *k,
                                       const struct tally_result *t)
{
    Tdkt__ContestResult *r = calloc(1, sizeof *r);
    char why[512];
    size_t n = c->n_candidates, off = 0;

    if (!r)
        return NULL;
    tdkt__contest_result__init(r);
    r->contest = strdup(c->code);
    r->candidates = calloc(n, sizeof *r->candidates);
    r->yes = calloc(n, sizeof *r->yes);
    r->no = calloc(n, sizeof *r->no);
    r->abstain = calloc(n, sizeof *r->abstain);
    r->elected = calloc(n, sizeof *r->elected);
    if (!r->contest || !r->candidates || !r->yes || !r->no || !r->abstain || !r->elected)
        goto fail;
    r->n_candidates = r->n_yes = r->n_no = r->n_abstain = n;
    for (size_t i = 0; i < n; i++) {
        if (!(r->candidates[i] = strdup(c->candidates[i])))
            goto fail;
        r->yes[i] = t->c[i].yes;
        r->no[i] = t->c[i].no;
        r->abstain[i] = t->c[i].abstain;
        if (t->c[i].elected && !(r->elected[r->n_elected++] = strdup(c->candidates[i])))
            goto fail;
    }
    r->ballots = t->ballots;
    r->blank = t->blank;
    r->invalid = t->invalid;
    r->roll = k->roll;
    r->threshold_pct = k->threshold_pct;
    r->tie = t->tie != 0;
    /* The sentence names units by code: elected, tied, or none passing. */
    if (r->n_elected) {
        off += (size_t)snprintf(why, sizeof why, "elected:");
        for (size_t i = 0; i < r->n_elected && off < sizeof why; i++)
            off += (size_t)snprintf(why + off, sizeof why - off, " %s", r->elected[i]);
    }
    if (t->tie && off < sizeof why) {
        off += (size_t)snprintf(why + off, sizeof why - off, "%stie between", off ? "; " : "");
        unsigned top = 0;
        for (size_t i = 0; i < n; i++)
            if (t->c[i].passes && !t->c[i].elected && t->c[i].yes > top)
                top = t->c[i].yes;
        for (size_t i = 0; i < n && off < sizeof why; i++)
            if (t->c[i].passes && !t->c[i].elected && t->c[i].yes == top)
                off += (size_t)snprintf(why + off, sizeof why - off, " %s", c->candidates[i]);
        if (off < sizeof why)
            off += (size_t)snprintf(why + off, sizeof why - off,
                                    " with %u votes each: no winner for that seat", top);
    }
    if (!off)
        snprintf(why, sizeof why, "no candidate reached %u%% of the %u members", k->threshold_pct,
                 k->roll);
    r->why = strdup(why);
    if (!r->why)
        goto fail;
    return r;
fail:
    ballot_rules_results_free(&r, 1);
    return NULL;
}

int ballot_rules_tally(const Tdkt__BallotOpened *o, Tdkt__BallotStatement *const *named,
                       size_t nnamed, Tdkt__SealedBallot *const *sealed, size_t nsealed,
                       Tdkt__ContestResult ***out, size_t *nout)
{
    const Tdkt__BallotOpen *b = o->ballot;
    struct tally_ballot *tb = NULL;
    Tdkt__ContestResult **res;
    size_t cap = nnamed > nsealed ? nnamed : nsealed;
    int rc = 0;

    *out = NULL;
    *nout = 0;
    if (!b)
        return TDKT_EINVAL;
    res = calloc(b->n_contests ? b->n_contests : 1, sizeof *res);
    tb = calloc(cap ? cap : 1, sizeof *tb);
    if (!res || !tb) {
        free(res);
        free(tb);
        return TDKT_ENOMEM;
    }
    for (size_t i = 0; rc == 0 && i < b->n_contests; i++) {
        const Tdkt__Contest *c = b->contests[i];
        struct tally_contest k;
        struct tally_result t;
        size_t nb = 0;

        rc = ballot_rules_contest_tally(c, (unsigned)o->n_roll, &k);
        if (rc < 0)
            break;
        /* Each ballot's choice for this contest; a missing or invalid one is
         * handed to the tally as invalid (marks out of range). */
        size_t from = c->secret ? nsealed : nnamed;
        for (size_t v = 0; v < from; v++) {
            Tdkt__ContestChoice *const *chs = c->secret ? sealed[v]->choices : named[v]->named;
            size_t nch = c->secret ? sealed[v]->n_choices : named[v]->n_named;
            const Tdkt__ContestChoice *ch = NULL;
            for (size_t j = 0; j < nch; j++)
                if (chs[j]->contest && strcmp(chs[j]->contest, c->code) == 0)
                    ch = chs[j];
            if (!ch || ballot_rules_choice_tally(c, ch, &tb[nb]) < 0) {
                memset(&tb[nb], 0, sizeof tb[nb]);
                tb[nb].marks[0] = 0xff; /* counted as invalid */
            }
            nb++;
        }
        rc = tally_count(&k, tb, nb, &t);
        if (rc < 0)
            break;
        res[i] = ballot_result_new(c, &k, &t);
        if (!res[i])
            rc = TDKT_ENOMEM;
    }
    free(tb);
    if (rc < 0) {
        ballot_rules_results_free(res, b->n_contests);
        return rc;
    }
    *out = res;
    *nout = b->n_contests;
    return 0;
}

int ballot_rules_results_differ(const Tdkt__ContestResult *a, const Tdkt__ContestResult *b,
                                char *why, size_t cap)
{
    if (strcmp(a->contest, b->contest) != 0 || a->n_candidates != b->n_candidates ||
        a->n_yes != b->n_yes || a->n_no != b->n_no || a->n_abstain != b->n_abstain) {
        snprintf(why, cap, "contest %s: the results are not for the same candidates", a->contest);
        return 1;
    }
    for (size_t i = 0; i < a->n_candidates; i++)
        if (strcmp(a->candidates[i], b->candidates[i]) != 0 || a->yes[i] != b->yes[i] ||
            a->no[i] != b->no[i] || a->abstain[i] != b->abstain[i]) {
            snprintf(why, cap,
                     "contest %s, candidate %s: recount %u yes / %u no / %u abstain, server %u / "
                     "%u / %u",
                     a->contest, a->candidates[i], a->yes[i], a->no[i], a->abstain[i], b->yes[i],
                     b->no[i], b->abstain[i]);
            return 1;
        }
    if (a->ballots != b->ballots || a->blank != b->blank || a->invalid != b->invalid ||
        a->roll != b->roll || a->threshold_pct != b->threshold_pct || a->tie != b->tie ||
        a->n_elected != b->n_elected) {
        snprintf(why, cap, "contest %s: ballots, roll, threshold or outcome differ", a->contest);
        return 1;
    }
    for (size_t i = 0; i < a->n_elected; i++)
        if (strcmp(a->elected[i], b->elected[i]) != 0) {
            snprintf(why, cap, "contest %s: recount elects %s, server %s", a->contest,
                     a->elected[i], b->elected[i]);
            return 1;
        }
    return 0;
}
