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

#define SPEC_MAX 1024 /* bytes in one CONTEST=VALUE argument */

__attribute__((format(printf, 3, 4))) static int refuse(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
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
                    return refuse(why, cap, "%s: '%s' is not a candidate", k->code, tok);
            } else if (k->n_candidates != 1) {
                return refuse(why, cap, "%s: answer per candidate as CODE:yes,CODE:no", k->code);
            }
            if (strcmp(ans, "yes") == 0)
                a = TDKT__VOTE_ANSWER__VOTE_ANSWER_YES;
            else if (strcmp(ans, "no") == 0)
                a = TDKT__VOTE_ANSWER__VOTE_ANSWER_NO;
            else if (strcmp(ans, "abstain") == 0)
                a = TDKT__VOTE_ANSWER__VOTE_ANSWER_ABSTAIN;
            else
                return refuse(why, cap, "%s: '%s' is not yes, no or abstain", k->code, ans);
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
    struct record_fault f;
    int rc = 0;

    memset(out, 0, sizeof *out);
    if (!b)
        return refuse(why, cap, "the ballot definition is unreadable");
    named = calloc(b->n_contests ? b->n_contests : 1, sizeof *named);
    secret = calloc(b->n_contests ? b->n_contests : 1, sizeof *secret);
    if (!named || !secret) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *eq = strchr(specs[i], '=');
        const Tdkt__Contest *k = NULL;
        Tdkt__ContestChoice *c;
        if (!eq || strlen(specs[i]) >= SPEC_MAX) {
            rc = refuse(why, cap, "'%.60s' is not CONTEST=VALUE", specs[i]);
            break;
        }
        for (size_t j = 0; j < b->n_contests; j++)
            if (strlen(b->contests[j]->code) == (size_t)(eq - specs[i]) &&
                strncmp(b->contests[j]->code, specs[i], (size_t)(eq - specs[i])) == 0)
                k = b->contests[j];
        if (!k) {
            rc = refuse(why, cap, "'%.*s' is not a contest of ballot %s", (int)(eq - specs[i]),
                        specs[i], b->ballot_id);
            break;
        }
        c = calloc(1, sizeof *c);
        if (!c) {
            rc = TDKT_ENOMEM;
            break;
        }
        tdkt__contest_choice__init(c);
        if (k->secret)
            secret[ns++] = c;
        else
            named[nn++] = c;
        if (!(c->contest = strdup(k->code)))
            rc = TDKT_ENOMEM;
        if (rc == 0)
            rc = parse_value(k, eq + 1, c, why, cap);
    }
    if (rc < 0)
        goto out;
    /* The same checks the server makes, so a bad choice is refused here,
     * offline too, with the contest named. */
    memset(&f, 0, sizeof f);
    if (ballot_rules_choices_check(b, named, nn, 0, "named", &f) < 0 ||
        ballot_rules_choices_check(b, secret, ns, 1, "secret", &f) < 0) {
        rc = refuse(why, cap, "%s", f.why);
        goto out;
    }
    out->has_secret = ballot_rules_has_secret(b);
    if (out->has_secret) {
        if (RAND_bytes(nonce, sizeof nonce) != 1 || RAND_bytes(out->salt, sizeof out->salt) != 1) {
            rc = refuse(why, cap, "no randomness for the sealed ballot");
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
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
    r->failed = 1;
    return TDKT_ECORRUPT;
}

int ballots_verify(const Tdkt__BallotInfo *info, const char *ca_path,
                   const struct ballots_mine *mine, struct ballots_verify_report *r)
{
    const Tdkt__BallotOpened *o = info->opened;
    Tdkt__BallotStatement **st = NULL;
    Tdkt__SealedBallot **sb = NULL;
    Tdkt__ContestResult **res = NULL;
    uint8_t(*trackers)[BALLOT_HASH_LEN] = NULL;
    size_t nst = 0, nsb = 0, nres = 0;
    int rc = 0, secret;

    memset(r, 0, sizeof *r);
    if (!o || !o->ballot)
        return fail_report(r, "the reply holds no ballot definition");
    if (!info->seal || !info->tally) {
        snprintf(r->why, sizeof r->why,
                 "ballot %s is not published yet (state %s): nothing to verify",
                 o->ballot->ballot_id, info->state ? info->state : "?");
        return TDKT_EAGAIN;
    }
    secret = ballot_rules_has_secret(o->ballot);
    r->roll = (unsigned)o->n_roll;
    st = calloc(info->n_voted ? info->n_voted : 1, sizeof *st);
    sb = calloc(info->n_box ? info->n_box : 1, sizeof *sb);
    trackers =
        calloc((info->n_box > info->n_voted ? info->n_box : info->n_voted) + 1, BALLOT_HASH_LEN);
    if (!st || !sb || !trackers) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    /* 1. Every final statement: signed by a roll member's CA-issued
     *    certificate, one per voter. */
    for (size_t i = 0; i < info->n_voted; i++) {
        const Tdkt__BallotVoted *v = info->voted[i];
        char unit[RECORD_CODE_MAX + 1];
        int member = 0;
        rc = sign_verify_cert(v->certificate.data, v->certificate.len, v->statement.data,
                              v->statement.len, v->signature.data, v->signature.len, ca_path, unit,
                              NULL);
        if (rc < 0) {
            rc = fail_report(r, "statement %zu: %s", i,
                             rc == TDKT_EAUTH    ? "the certificate is not issued by the sector CA"
                             : rc == TDKT_EINVAL ? "the certificate cannot be read"
                                                 : "the signature does not match the statement");
            goto out;
        }
        st[nst] = tdkt__ballot_statement__unpack(NULL, v->statement.len, v->statement.data);
        if (!st[nst] || !st[nst]->voter || strcmp(st[nst]->voter, unit) != 0 ||
            !st[nst]->ballot_id || strcmp(st[nst]->ballot_id, o->ballot->ballot_id) != 0) {
            rc =
                fail_report(r, "statement %zu is not by its certificate's unit for this ballot", i);
            goto out;
        }
        for (size_t j = 0; j < o->n_roll; j++)
            member |= strcmp(o->roll[j], unit) == 0;
        for (size_t j = 0; j < nst; j++)
            if (strcmp(st[j]->voter, unit) == 0) {
                rc = fail_report(r, "unit %s has two final statements", unit);
                goto out;
            }
        if (!member) {
            rc = fail_report(r, "unit %s voted but is not on the roll", unit);
            goto out;
        }
        if (!secret)
            ballot_rules_tracker(v->statement.data, v->statement.len, trackers[nst]);
        nst++;
        r->signatures_ok++;
    }
    r->voters = (unsigned)nst;
    /* 2. The box: one sealed ballot per voter, hashing to the seal. */
    if (secret) {
        for (size_t i = 0; i < info->n_box; i++) {
            ballot_rules_tracker(info->box[i].data, info->box[i].len, trackers[i]);
            sb[nsb] = tdkt__sealed_ballot__unpack(NULL, info->box[i].len, info->box[i].data);
            if (!sb[nsb] || !sb[nsb]->ballot_id ||
                strcmp(sb[nsb]->ballot_id, o->ballot->ballot_id) != 0) {
                rc = fail_report(r,
                                 "sealed ballot %zu in the box is unreadable or for another "
                                 "ballot",
                                 i);
                goto out;
            }
            nsb++;
        }
        if (nsb != nst) {
            rc = fail_report(r, "the box holds %zu sealed ballots for %zu voters", nsb, nst);
            goto out;
        }
    }
    r->box = (unsigned)(secret ? nsb : nst);
    {
        uint8_t h[BALLOT_HASH_LEN];
        ballot_rules_box_hash(trackers, r->box, h);
        if (info->seal->box_hash.len != BALLOT_HASH_LEN ||
            memcmp(h, info->seal->box_hash.data, BALLOT_HASH_LEN) != 0 ||
            info->seal->voters != nst || (secret && info->seal->ballots != nsb)) {
            rc = fail_report(r, "the box does not match the hash and counts recorded at the seal");
            goto out;
        }
        r->box_hash_ok = 1;
    }
    /* 3. The recount with the same rules as the server. */
    rc = ballot_rules_tally(o, st, nst, sb, nsb, &res, &nres);
    if (rc < 0) {
        rc = fail_report(r, "the recount failed: %s", tdkt_strerror(rc));
        goto out;
    }
    if (nres != info->tally->n_results) {
        rc = fail_report(r, "the server's tally has %zu results for %zu contests",
                         info->tally->n_results, nres);
        goto out;
    }
    for (size_t i = 0; i < nres; i++)
        if (ballot_rules_results_differ(res[i], info->tally->results[i], r->why, sizeof r->why)) {
            r->failed = 1;
            rc = TDKT_ECORRUPT;
            goto out;
        }
    r->contests = (unsigned)nres;
    r->recount_ok = 1;
    /* 4. This office's own ballot. */
    if (mine && mine->have) {
        int found = 0;
        for (size_t i = 0; i < r->box; i++)
            found |= memcmp(trackers[i], mine->tracker, BALLOT_HASH_LEN) == 0;
        if (!found) {
            rc =
                fail_report(r, "your ballot (tracker %02x%02x%02x%02x...) is not in the box",
                            mine->tracker[0], mine->tracker[1], mine->tracker[2], mine->tracker[3]);
            goto out;
        }
        if (secret && mine->salt && mine->salt_len == BALLOT_SALT_LEN) {
            /* The commitment must be in this office's OWN final statement. */
            Tdkt__BallotStatement *own =
                tdkt__ballot_statement__unpack(NULL, mine->statement_len, mine->statement);
            uint8_t c[BALLOT_HASH_LEN];
            int ok = 0;
            ballot_rules_commitment(mine->tracker, mine->salt, c);
            for (size_t i = 0; own && own->voter && i < nst; i++)
                ok |= strcmp(st[i]->voter, own->voter) == 0 &&
                      st[i]->commitment.len == BALLOT_HASH_LEN &&
                      memcmp(st[i]->commitment.data, c, BALLOT_HASH_LEN) == 0;
            if (own)
                tdkt__ballot_statement__free_unpacked(own, NULL);
            if (!ok) {
                rc = fail_report(r, "your final statement does not carry your ballot's commitment "
                                    "(your last cast is not the one counted)");
                goto out;
            }
        }
        r->mine_found = 1;
    }
    rc = 0;
out:
    ballot_rules_results_free(res, nres);
    for (size_t i = 0; st && i < nst; i++)
        tdkt__ballot_statement__free_unpacked(st[i], NULL);
    if (st && nst < info->n_voted && st[nst])
        tdkt__ballot_statement__free_unpacked(st[nst], NULL);
    for (size_t i = 0; sb && i < nsb; i++)
        tdkt__sealed_ballot__free_unpacked(sb[i], NULL);
    if (sb && nsb < info->n_box && sb[nsb])
        tdkt__sealed_ballot__free_unpacked(sb[nsb], NULL);
    free(st);
    free(sb);
    free(trackers);
    return rc;
}
