/* SPDX-License-Identifier: MIT */
/*
 * Casting and verifying ballots on the office side. See ballots.h.
 */
#include "client/lib/ballots.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "common/crypto/sign.h"
#include "common/err.h"
#include "common/text/i18n.h"

#define SPEC_MAX 1024 /* bytes in one CONTEST=VALUE argument */

__attribute__((format(printf, 3, 4))) static int ballots_refuse(char *why, size_t cap,
                                                                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, tdkt_gettext(fmt), ap);
    va_end(ap);
    return TDKT_EINVAL;
}

static void choice_free(Tdkt__ContestChoice *c)
{
    if (!c)
        return;
    free(c->contest);
    for (size_t i = 0; i < c->n_marks; i++)
        free(c->marks[i]);
    free(c->marks);
    free(c->answers);
    free(c);
}

/* Parse VALUE for contest k into a choice. */
static int parse_value(const Tdkt__Contest *k, const char *value, Tdkt__ContestChoice *c, char *why,
                       size_t cap)
{
    char buf[SPEC_MAX], *save = NULL, *tok;

    snprintf(buf, sizeof buf, "%s", value);
    if (k->method == TDKT__VOTE_METHOD__VOTE_METHOD_YES_NO) {
        c->answers = calloc(k->n_candidates, sizeof *c->answers);
        if (!c->answers)
            return TDKT_ENOMEM;
        c->n_answers = k->n_candidates;
        for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            char *colon = strchr(tok, ':');
            const char *ans = colon ? colon + 1 : tok;
            size_t idx = 0;
            Tdkt__VoteAnswer a;
            if (colon) {
                *colon = '\0';
                for (idx = 0; idx < k->n_candidates; idx++)
                    if (strcmp(k->candidates[idx], tok) == 0)
                        break;
                if (idx == k->n_candidates)
                    return ballots_refuse(why, cap, "%s: '%s' is not a candidate", k->code, tok);
            } else if (k->n_candidates != 1) {
                return ballots_refuse(why, cap, "%s: answer per candidate as CODE:yes,CODE:no",
                                      k->code);
            }
            if (strcmp(ans, "yes") == 0)
                a = TDKT__VOTE_ANSWER__VOTE_ANSWER_YES;
            else if (strcmp(ans, "no") == 0)
                a = TDKT__VOTE_ANSWER__VOTE_ANSWER_NO;
            else if (strcmp(ans, "abstain") == 0)
                a = TDKT__VOTE_ANSWER__VOTE_ANSWER_ABSTAIN;
            else
                return ballots_refuse(why, cap, "%s: '%s' is not yes, no or abstain", k->code, ans);
            c->answers[idx] = a;
        }
        return 0;
    }
    if (strcmp(value, "-") == 0)
        return 0; /* a blank ballot */
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char **m = realloc(c->marks, (c->n_marks + 1) * sizeof *m);
        if (!m)
            return TDKT_ENOMEM;
        c->marks = m;
        if (!(c->marks[c->n_marks] = strdup(tok)))
            return TDKT_ENOMEM;
        c->n_marks++;
    }
    return 0;
}

static int pack_dup(const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    *out = malloc(*len ? *len : 1);
    if (!*out)
        return TDKT_ENOMEM;
    protobuf_c_message_pack(m, *out);
    return 0;
}

void ballots_cast_free(struct ballots_cast *c)
{
    free(c->packed);
    free(c->statement);
    free(c->sealed);
    memset(c, 0, sizeof *c);
}

/* The voter's CONTEST=VALUE specs into choices, named or secret by the
 * contest; the choices made so far are the caller's to free, also on
 * failure. */
static int choices_parse(const Tdkt__BallotOpen *b, char *const *specs, size_t n,
                         Tdkt__ContestChoice **named, size_t *nn, Tdkt__ContestChoice **secret,
                         size_t *ns, char *why, size_t cap)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *eq = strchr(specs[i], '=');
        const Tdkt__Contest *k = NULL;
        Tdkt__ContestChoice *c;
        if (!eq || strlen(specs[i]) >= SPEC_MAX) {
            rc = ballots_refuse(why, cap, "'%.60s' is not CONTEST=VALUE", specs[i]);
            break;
        }
        for (size_t j = 0; j < b->n_contests; j++)
            if (strlen(b->contests[j]->code) == (size_t)(eq - specs[i]) &&
                strncmp(b->contests[j]->code, specs[i], (size_t)(eq - specs[i])) == 0)
                k = b->contests[j];
        if (!k) {
            rc = ballots_refuse(why, cap, "'%.*s' is not a contest of ballot %s",
                                (int)(eq - specs[i]), specs[i], b->ballot_id);
            break;
        }
        c = calloc(1, sizeof *c);
        if (!c) {
            rc = TDKT_ENOMEM;
            break;
        }
        tdkt__contest_choice__init(c);
        if (k->secret)
            secret[(*ns)++] = c;
        else
            named[(*nn)++] = c;
        if (!(c->contest = strdup(k->code)))
            rc = TDKT_ENOMEM;
        if (rc == 0)
            rc = parse_value(k, eq + 1, c, why, cap);
    }
    return rc;
}

int ballots_cast_build(const Tdkt__BallotOpened *o, const char *voter, char *const *specs, size_t n,
                       int64_t now_ms, const char *key_path, const char *cert_path,
                       struct ballots_cast *out, char *why, size_t cap)
{
    const Tdkt__BallotOpen *b = o->ballot;
    Tdkt__ContestChoice **named = NULL, **secret = NULL;
    Tdkt__BallotStatement s = TDKT__BALLOT_STATEMENT__INIT;
    Tdkt__SealedBallot sb = TDKT__SEALED_BALLOT__INIT;
    Tdkt__BallotCast cast = TDKT__BALLOT_CAST__INIT;
    uint8_t nonce[BALLOT_NONCE_LEN], commit[BALLOT_HASH_LEN];
    uint8_t *sig = NULL, *der = NULL;
    size_t nn = 0, ns = 0, sig_len = 0, der_len = 0;
    struct fault f;
    int rc = 0;

    memset(out, 0, sizeof *out);
    if (!b)
        return ballots_refuse(why, cap, "the ballot definition is unreadable");
    /* One choice per spec: the voter may name a contest twice (refused by
     * ballot_rules_choices_check below, once they are all read), so the specs,
     * not the contests, bound the choices. */
    named = calloc(n ? n : 1, sizeof *named);
    secret = calloc(n ? n : 1, sizeof *secret);
    if (!named || !secret) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    rc = choices_parse(b, specs, n, named, &nn, secret, &ns, why, cap);
    if (rc < 0)
        goto out;
    /* The same checks the server makes, so a bad choice is refused here,
     * offline too, with the contest named. */
    memset(&f, 0, sizeof f);
    if (ballot_rules_choices_check(b, named, nn, 0, "named", &f) < 0 ||
        ballot_rules_choices_check(b, secret, ns, 1, "secret", &f) < 0) {
        rc = ballots_refuse(why, cap, "%s", f.why.text);
        goto out;
    }
    out->has_secret = ballot_rules_has_secret(b);
    if (out->has_secret) {
        if (RAND_bytes(nonce, sizeof nonce) != 1 || RAND_bytes(out->salt, sizeof out->salt) != 1) {
            rc = ballots_refuse(why, cap, "no randomness for the sealed ballot");
            goto out;
        }
        sb.ballot_id = b->ballot_id;
        sb.choices = secret;
        sb.n_choices = ns;
        sb.nonce.data = nonce;
        sb.nonce.len = sizeof nonce;
        rc = pack_dup(&sb.base, &out->sealed, &out->sealed_len);
        if (rc < 0)
            goto out;
        ballot_rules_tracker(out->sealed, out->sealed_len, out->tracker);
        ballot_rules_commitment(out->tracker, out->salt, commit);
        s.commitment.data = commit;
        s.commitment.len = sizeof commit;
    }
    s.ballot_id = b->ballot_id;
    s.voter = (char *)voter;
    s.named = named;
    s.n_named = nn;
    s.signed_ms = now_ms;
    rc = pack_dup(&s.base, &out->statement, &out->statement_len);
    if (rc < 0)
        goto out;
    if (!out->has_secret)
        ballot_rules_tracker(out->statement, out->statement_len, out->tracker);
    rc = sign_file_key(key_path, out->statement, out->statement_len, &sig, &sig_len, why, cap);
    if (rc == 0)
        rc = sign_cert_der(cert_path, &der, &der_len, why, cap);
    if (rc < 0)
        goto out;
    cast.statement.data = out->statement;
    cast.statement.len = out->statement_len;
    cast.signature.data = sig;
    cast.signature.len = sig_len;
    cast.certificate.data = der;
    cast.certificate.len = der_len;
    if (out->has_secret) {
        cast.sealed.data = out->sealed;
        cast.sealed.len = out->sealed_len;
        cast.salt.data = out->salt;
        cast.salt.len = sizeof out->salt;
    }
    rc = pack_dup(&cast.base, &out->packed, &out->packed_len);
out:
    for (size_t i = 0; named && i < nn; i++)
        choice_free(named[i]);
    for (size_t i = 0; secret && i < ns; i++)
        choice_free(secret[i]);
    free(named);
    free(secret);
    free(sig);
    free(der);
    if (rc < 0)
        ballots_cast_free(out);
    return rc;
}

/* --- verification ------------------------------------------------------------ */

__attribute__((format(printf, 2, 3))) static int fail_report(struct ballots_verify_report *r,
                                                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, tdkt_gettext(fmt), ap);
    va_end(ap);
    r->failed = 1;
    return TDKT_ECORRUPT;
}

/* One verification under way: the reply, what was read of it so far (freed
 * by ballots_verify), and the report. */
struct verify {
    const Tdkt__BallotInfo *info;
    const Tdkt__BallotOpened *o;
    struct ballots_verify_report *r;
    int secret;
    Tdkt__BallotStatement **st; /* nst read and checked; st[nst] may hold one being read */
    size_t nst;
    Tdkt__SealedBallot **sb; /* likewise */
    size_t nsb;
    uint8_t (*trackers)[BALLOT_HASH_LEN];
};

/* 1. Every final statement: signed by a roll member's CA-issued
 *    certificate, one per voter. */
static int verify_statements(struct verify *v, const char *ca_path)
{
    const Tdkt__BallotInfo *info = v->info;
    const Tdkt__BallotOpened *o = v->o;
    struct ballots_verify_report *r = v->r;

    for (size_t i = 0; i < info->n_voted; i++) {
        const Tdkt__BallotVoted *bv = info->voted[i];
        char unit[RECORD_CODE_MAX + 1];
        int member = 0;
        int rc = sign_verify_cert(bv->certificate.data, bv->certificate.len, bv->statement.data,
                                  bv->statement.len, bv->signature.data, bv->signature.len, ca_path,
                                  unit, NULL);
        if (rc < 0)
            return fail_report(r, "statement %zu: %s", i,
                               rc == TDKT_EAUTH ? "the certificate is not issued by the sector CA"
                               : rc == TDKT_EINVAL ? "the certificate cannot be read"
                                                   : "the signature does not match the statement");
        v->st[v->nst] = tdkt__ballot_statement__unpack(NULL, bv->statement.len, bv->statement.data);
        if (!v->st[v->nst] || !v->st[v->nst]->voter || strcmp(v->st[v->nst]->voter, unit) != 0 ||
            !v->st[v->nst]->ballot_id ||
            strcmp(v->st[v->nst]->ballot_id, o->ballot->ballot_id) != 0)
            return fail_report(r, "statement %zu is not by its certificate's unit for this ballot",
                               i);
        for (size_t j = 0; j < o->n_roll; j++)
            member |= strcmp(o->roll[j], unit) == 0;
        for (size_t j = 0; j < v->nst; j++)
            if (strcmp(v->st[j]->voter, unit) == 0)
                return fail_report(r, "unit %s has two final statements", unit);
        if (!member)
            return fail_report(r, "unit %s voted but is not on the roll", unit);
        if (!v->secret)
            ballot_rules_tracker(bv->statement.data, bv->statement.len, v->trackers[v->nst]);
        v->nst++;
        r->signatures_ok++;
    }
    r->voters = (unsigned)v->nst;
    return 0;
}

/* 2. The box: one sealed ballot per voter, hashing to the seal. */
static int verify_box(struct verify *v)
{
    const Tdkt__BallotInfo *info = v->info;
    struct ballots_verify_report *r = v->r;
    uint8_t h[BALLOT_HASH_LEN];

    if (v->secret) {
        for (size_t i = 0; i < info->n_box; i++) {
            ballot_rules_tracker(info->box[i].data, info->box[i].len, v->trackers[i]);
            v->sb[v->nsb] = tdkt__sealed_ballot__unpack(NULL, info->box[i].len, info->box[i].data);
            if (!v->sb[v->nsb] || !v->sb[v->nsb]->ballot_id ||
                strcmp(v->sb[v->nsb]->ballot_id, v->o->ballot->ballot_id) != 0)
                return fail_report(r,
                                   "sealed ballot %zu in the box is unreadable or for another "
                                   "ballot",
                                   i);
            v->nsb++;
        }
        if (v->nsb != v->nst)
            return fail_report(r, "the box holds %zu sealed ballots for %zu voters", v->nsb,
                               v->nst);
    }
    r->box = (unsigned)(v->secret ? v->nsb : v->nst);
    ballot_rules_box_hash(v->trackers, r->box, h);
    if (info->seal->box_hash.len != BALLOT_HASH_LEN ||
        memcmp(h, info->seal->box_hash.data, BALLOT_HASH_LEN) != 0 ||
        info->seal->voters != v->nst || (v->secret && info->seal->ballots != v->nsb))
        return fail_report(r, "the box does not match the hash and counts recorded at the seal");
    r->box_hash_ok = 1;
    return 0;
}

/* 3. The recount with the same rules as the server. */
static int verify_recount(struct verify *v)
{
    struct ballots_verify_report *r = v->r;
    Tdkt__ContestResult **res = NULL;
    size_t nres = 0;
    int rc = ballot_rules_tally(v->o, v->st, v->nst, v->sb, v->nsb, &res, &nres);

    if (rc < 0) {
        rc = fail_report(r, "the recount failed: %s", tdkt_strerror(rc));
        goto out;
    }
    if (nres != v->info->tally->n_results) {
        rc = fail_report(r, "the server's tally has %zu results for %zu contests",
                         v->info->tally->n_results, nres);
        goto out;
    }
    for (size_t i = 0; i < nres; i++)
        if (ballot_rules_results_differ(res[i], v->info->tally->results[i], r->why,
                                        sizeof r->why)) {
            r->failed = 1;
            rc = TDKT_ECORRUPT;
            goto out;
        }
    r->contests = (unsigned)nres;
    r->recount_ok = 1;
out:
    ballot_rules_results_free(res, nres);
    return rc;
}

/* 4. This office's own ballot: in the box, and (secret contests) committed
 *    to in its own final statement. */
static int verify_mine(struct verify *v, const struct ballots_mine *mine)
{
    struct ballots_verify_report *r = v->r;
    int found = 0;

    for (size_t i = 0; i < r->box; i++)
        found |= memcmp(v->trackers[i], mine->tracker, BALLOT_HASH_LEN) == 0;
    if (!found)
        return fail_report(r, "your ballot (tracker %02x%02x%02x%02x...) is not in the box",
                           mine->tracker[0], mine->tracker[1], mine->tracker[2], mine->tracker[3]);
    if (v->secret && mine->salt && mine->salt_len == BALLOT_SALT_LEN) {
        /* The commitment must be in this office's OWN final statement. */
        Tdkt__BallotStatement *own =
            tdkt__ballot_statement__unpack(NULL, mine->statement_len, mine->statement);
        uint8_t c[BALLOT_HASH_LEN];
        int ok = 0;
        ballot_rules_commitment(mine->tracker, mine->salt, c);
        for (size_t i = 0; own && own->voter && i < v->nst; i++)
            ok |= strcmp(v->st[i]->voter, own->voter) == 0 &&
                  v->st[i]->commitment.len == BALLOT_HASH_LEN &&
                  memcmp(v->st[i]->commitment.data, c, BALLOT_HASH_LEN) == 0;
        if (own)
            tdkt__ballot_statement__free_unpacked(own, NULL);
        if (!ok)
            return fail_report(r, "your final statement does not carry your ballot's commitment "
                                  "(your last cast is not the one counted)");
    }
    r->mine_found = 1;
    return 0;
}

int ballots_verify(const Tdkt__BallotInfo *info, const char *ca_path,
                   const struct ballots_mine *mine, struct ballots_verify_report *r)
{
    const Tdkt__BallotOpened *o = info->opened;
    struct verify v = {info, o, r, 0, NULL, 0, NULL, 0, NULL};
    int rc = 0;

    memset(r, 0, sizeof *r);
    if (!o || !o->ballot)
        return fail_report(r, "the reply holds no ballot definition");
    if (!info->seal || !info->tally) {
        snprintf(r->why, sizeof r->why,
                 "ballot %s is not published yet (state %s): nothing to verify",
                 o->ballot->ballot_id, info->state ? info->state : "?");
        return TDKT_EAGAIN;
    }
    v.secret = ballot_rules_has_secret(o->ballot);
    r->roll = (unsigned)o->n_roll;
    v.st = calloc(info->n_voted ? info->n_voted : 1, sizeof *v.st);
    v.sb = calloc(info->n_box ? info->n_box : 1, sizeof *v.sb);
    v.trackers =
        calloc((info->n_box > info->n_voted ? info->n_box : info->n_voted) + 1, BALLOT_HASH_LEN);
    if (!v.st || !v.sb || !v.trackers) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    rc = verify_statements(&v, ca_path);
    if (rc == 0)
        rc = verify_box(&v);
    if (rc == 0)
        rc = verify_recount(&v);
    if (rc == 0 && mine && mine->have)
        rc = verify_mine(&v, mine);
out:
    for (size_t i = 0; v.st && i < v.nst; i++)
        tdkt__ballot_statement__free_unpacked(v.st[i], NULL);
    if (v.st && v.nst < info->n_voted && v.st[v.nst])
        tdkt__ballot_statement__free_unpacked(v.st[v.nst], NULL);
    for (size_t i = 0; v.sb && i < v.nsb; i++)
        tdkt__sealed_ballot__free_unpacked(v.sb[i], NULL);
    if (v.sb && v.nsb < info->n_box && v.sb[v.nsb])
        tdkt__sealed_ballot__free_unpacked(v.sb[v.nsb], NULL);
    free(v.st);
    free(v.sb);
    free(v.trackers);
    return rc;
}
