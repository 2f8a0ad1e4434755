/* SPDX-License-Identifier: MIT */
/*
 * Casting: ballot_cast() takes one voter's signed statement while the
 * ballot is open (no transition: the ballot stays "open"). It appends
 * "ballot.voted" (statement, signature, certificate, cast number) with the
 * voter as acting unit, and keeps the sealed ballot of the secret contests
 * in ballot_pending until the seal. A later cast by the same voter replaces
 * both: the last one counts.
 *
 * The checks, in order: the statement reads and names this ballot, which
 * is open now; the connection's unit is on the roll and is the statement's
 * voter; the choices fit the ballot (ballot_rules_choices_check(), which
 * the voter's client ran too); the sealed ballot, salt and commitment
 * match; the signature holds under a registered, unrevoked certificate of
 * the voter. A refused cast writes nothing.
 *
 * It must never put the sealed ballot or the salt in the ledger: only the
 * seal (ballot_step.c) moves sealed ballots there, apart from their voters.
 */
#include "server/ballot/ballot.h"

#include <string.h>

#include <sqlite3.h>

#include "common/crypto/sign.h"
#include "common/domain/ballot_rules.h"
#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "server/ballot/ballot_store.h"
#include "server/ledger/sql.h"

/* What the checks found, for the steps after them; freed by cast_free(). */
struct cast {
    Tdkt__BallotStatement *s;
    Tdkt__BallotOpened *o;
    struct ballot_row b;
};

static void cast_free(struct cast *c)
{
    if (c->s)
        tdkt__ballot_statement__free_unpacked(c->s, NULL);
    if (c->o)
        tdkt__ballot_opened__free_unpacked(c->o, NULL);
}

/* The statement, its ballot (open now) and its voter (this unit, on the
 * roll). */
static int cast_statement(struct ledger *l, int64_t now, const struct registry_unit *actor,
                          const Tdkt__BallotCast *m, struct cast *c, struct fault *f)
{
    const char *id;
    int rc;

    if (m->statement.len == 0 || m->statement.len > BALLOT_STATEMENT_MAX ||
        !(c->s = tdkt__ballot_statement__unpack(NULL, m->statement.len, m->statement.data)))
        return fault_set(f, TDKT_EINVAL, "ballot_cast.statement",
                         "the signed statement is missing or cannot be read");
    id = c->s->ballot_id ? c->s->ballot_id : "";
    rc = ballot_row_get(l, id, &c->b);
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, TDKT_ENOTFOUND, "ballot_cast.statement.ballot_id",
                         "ballot '%s' does not exist", id);
    if (rc < 0)
        return rc;
    if (strcmp(c->b.state, "open") != 0 || now >= c->b.closes_ms)
        return fault_set(f, TDKT_EPERIOD, "ballot_cast.statement.ballot_id",
                         "ballot '%s' is closed: votes were taken until %lld (ms since 1970)",
                         c->b.id, (long long)c->b.closes_ms);
    if (now < c->b.opens_ms)
        return fault_set(f, TDKT_EPERIOD, "ballot_cast.statement.ballot_id",
                         "ballot '%s' opens at %lld (ms since 1970)", c->b.id,
                         (long long)c->b.opens_ms);
    rc = ballot_opened_load(l, &c->b, &c->o);
    if (rc < 0)
        return rc;
    if (!ballot_on_roll(c->o, actor->code))
        return fault_set(f, TDKT_EPERM, "ballot_cast",
                         "unit '%s' is not on the roll of ballot '%s' (the members of '%s' in "
                         "%u)",
                         actor->code, c->b.id, c->b.cluster, c->b.year);
    if (!c->s->voter || strcmp(c->s->voter, actor->code) != 0)
        return fault_set(f, TDKT_EPERM, "ballot_cast.statement.voter",
                         "the statement names voter '%s' but the connection is unit '%s'",
                         c->s->voter ? c->s->voter : "", actor->code);
    return 0;
}

/* A ballot with secret contests: the sealed ballot is for this ballot,
 * its choices fit, and the statement's commitment binds it with the
 * salt. */
static int cast_sealed(const Tdkt__BallotCast *m, const struct cast *c, struct fault *f)
{
    uint8_t tracker[BALLOT_HASH_LEN], commit[BALLOT_HASH_LEN];
    Tdkt__SealedBallot *sb = NULL;
    int rc;

    if (m->sealed.len == 0 || m->salt.len != BALLOT_SALT_LEN ||
        c->s->commitment.len != BALLOT_HASH_LEN ||
        !(sb = tdkt__sealed_ballot__unpack(NULL, m->sealed.len, m->sealed.data)))
        return fault_set(f, TDKT_EINVAL, "ballot_cast.sealed",
                         "this ballot has secret contests: a sealed ballot, a 32-byte salt "
                         "and the statement's commitment are required");
    if (!sb->ballot_id || strcmp(sb->ballot_id, c->b.id) != 0 || sb->nonce.len != BALLOT_NONCE_LEN)
        rc = fault_set(f, TDKT_EINVAL, "ballot_cast.sealed",
                       "the sealed ballot is for another ballot or has no 16-byte nonce");
    else
        rc = ballot_rules_choices_check(c->o->ballot, sb->choices, sb->n_choices, 1,
                                        "ballot_cast.sealed.choices", f);
    tdkt__sealed_ballot__free_unpacked(sb, NULL);
    if (rc < 0)
        return rc;
    ballot_rules_tracker(m->sealed.data, m->sealed.len, tracker);
    ballot_rules_commitment(tracker, m->salt.data, commit);
    if (memcmp(commit, c->s->commitment.data, BALLOT_HASH_LEN) != 0)
        return fault_set(f, TDKT_EINVAL, "ballot_cast.statement.commitment",
                         "the commitment does not match the sealed ballot and salt");
    return 0;
}

/* The signature: by a registered, unrevoked certificate of the voter. */
static int cast_signature(struct ledger *l, const struct registry_unit *actor,
                          const Tdkt__BallotCast *m, struct fault *f)
{
    char unit[RECORD_CODE_MAX + 1], serial[64];
    struct registry_unit signer;
    int rc =
        sign_verify_cert(m->certificate.data, m->certificate.len, m->statement.data,
                         m->statement.len, m->signature.data, m->signature.len, NULL, unit, serial);

    if (rc == TDKT_EINVAL)
        return fault_set(f, TDKT_EINVAL, "ballot_cast.certificate",
                         "the certificate cannot be read");
    if (rc == TDKT_ECORRUPT)
        return fault_set(f, TDKT_EINVAL, "ballot_cast.signature",
                         "the signature does not match the statement and certificate");
    if (rc < 0)
        return rc;
    if (strcmp(unit, actor->code) != 0 || registry_auth(l, unit, serial, &signer) != 0)
        return fault_set(f, TDKT_EINVAL, "ballot_cast.certificate",
                         "the certificate is not a registered, unrevoked certificate of '%s'",
                         actor->code);
    return 0;
}

/* Append "ballot.voted" with the next cast number, and keep the sealed
 * ballot (secret contests) in the pending box, replacing an earlier one. */
static int cast_record(struct ledger *l, int64_t now, const struct registry_unit *actor,
                       const Tdkt__BallotCast *m, const struct ballot_row *b, int secret)
{
    Tdkt__BallotVoted v = TDKT__BALLOT_VOTED__INIT;
    uint32_t cast_no = 1;
    uint64_t seq = 0;
    sqlite3_stmt *st;
    int rc = sql_query(l, &st, "SELECT cast_no FROM ballot_voters WHERE ballot = ?1 AND voter = ?2",
                       "tt", b->id, actor->code);

    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a vote");
    if (rc == 1)
        cast_no = (uint32_t)sqlite3_column_int64(st, 0) + 1;
    sql_done(st);
    if (rc < 0)
        return rc;
    v.ballot_id = (char *)b->id;
    v.cast_no = cast_no;
    v.statement = m->statement;
    v.signature = m->signature;
    v.certificate = m->certificate;
    rc = ledger_op_begin(l);
    if (rc < 0)
        return rc;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_VOTED, &v.base, &seq);
    if (rc == 0)
        rc = sql_exec(
            l, "recording a vote",
            "INSERT INTO ballot_voters(ballot, voter, cast_no, seq) VALUES (?1, ?2, ?3, ?4)"
            " ON CONFLICT(ballot, voter) DO UPDATE SET cast_no = excluded.cast_no,"
            " seq = excluded.seq",
            "ttii", b->id, actor->code, (int64_t)cast_no, (int64_t)seq);
    if (rc == 0 && secret)
        rc = sql_secure_delete(l);
    if (rc == 0 && secret)
        rc = sql_exec(l, "keeping a sealed ballot",
                      "INSERT INTO ballot_pending(ballot, voter, sealed) VALUES (?1, ?2, ?3)"
                      " ON CONFLICT(ballot, voter) DO UPDATE SET sealed = excluded.sealed",
                      "ttb", b->id, actor->code, m->sealed.data, m->sealed.len);
    return ledger_op_end(l, rc);
}

int ballot_cast(struct ledger *l, int64_t now, const struct registry_unit *actor,
                const Tdkt__BallotCast *m, struct fault *f)
{
    struct cast c = {0};
    int rc, secret = 0;

    rc = cast_statement(l, now, actor, m, &c, f);
    if (rc == 0)
        rc = ballot_rules_choices_check(c.o->ballot, c.s->named, c.s->n_named, 0,
                                        "ballot_cast.statement.named", f);
    if (rc == 0) {
        secret = ballot_rules_has_secret(c.o->ballot);
        if (secret)
            rc = cast_sealed(m, &c, f);
        else if (m->sealed.len || m->salt.len || c.s->commitment.len)
            rc = fault_set(f, TDKT_EINVAL, "ballot_cast.sealed",
                           "this ballot has no secret contest: no sealed ballot is taken");
    }
    if (rc == 0)
        rc = cast_signature(l, actor, m, f);
    if (rc == 0)
        rc = cast_record(l, now, actor, m, &c.b, secret);
    cast_free(&c);
    return rc;
}
