/* SPDX-License-Identifier: MIT */
/*
 * Ballots on the database thread. See ballot.h and docs/ballots.md.
 */
#include "server/ballot/ballot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/crypto/sign.h"
#include "common/domain/ballot_rules.h"
#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "server/ledger/catalog.h"
#include "server/ledger/sql.h"

#define BALLOT_ACTOR_MAX (LEDGER_UNIT_MAX + 1)

struct ballot_row {
    char id[RECORD_CODE_MAX + 1];
    uint32_t year;
    char cluster[RECORD_CODE_MAX + 1];
    char opened_by[LEDGER_UNIT_MAX + 1];
    int64_t opens_ms, closes_ms;
    unsigned roll;
    char state[16];
    int flag;
    uint64_t seq, sealed_seq, tally_seq, published_seq;
};

/* --- storage helpers -------------------------------------------------------- */

static int row_get(struct ledger *l, const char *id, struct ballot_row *b)
{
    sqlite3_stmt *st;
    int rc =
        sql_query(l, &st,
                  "SELECT id, year, cluster, opened_by, opens_ms, closes_ms, roll, state, flag,"
                  " seq, coalesce(sealed_seq, 0), coalesce(tally_seq, 0),"
                  " coalesce(published_seq, 0) FROM ballots WHERE id = ?1",
                  "t", id);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a ballot");
    if (rc == 1) {
        memset(b, 0, sizeof *b);
        sql_col_text(st, 0, b->id, sizeof b->id);
        b->year = (uint32_t)sqlite3_column_int64(st, 1);
        sql_col_text(st, 2, b->cluster, sizeof b->cluster);
        sql_col_text(st, 3, b->opened_by, sizeof b->opened_by);
        b->opens_ms = sqlite3_column_int64(st, 4);
        b->closes_ms = sqlite3_column_int64(st, 5);
        b->roll = (unsigned)sqlite3_column_int64(st, 6);
        sql_col_text(st, 7, b->state, sizeof b->state);
        b->flag = sqlite3_column_int(st, 8);
        b->seq = (uint64_t)sqlite3_column_int64(st, 9);
        b->sealed_seq = (uint64_t)sqlite3_column_int64(st, 10);
        b->tally_seq = (uint64_t)sqlite3_column_int64(st, 11);
        b->published_seq = (uint64_t)sqlite3_column_int64(st, 12);
    }
    sql_done(st);
    return rc < 0 ? rc : rc == 1 ? 0 : TDKT_ENOTFOUND;
}

/* The payload of entry seq, malloc'd. */
static int entry_payload(struct ledger *l, uint64_t seq, const char *kind, uint8_t **out,
                         size_t *len)
{
    sqlite3_stmt *st;
    int rc =
        sql_query(l, &st, "SELECT kind, payload FROM ledger WHERE seq = ?1", "i", (int64_t)seq);
    /* Both outputs are set on every path, so callers never read an undefined length. */
    *out = NULL;
    *len = 0;
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading an entry");
    if (rc == 1) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        if (!k || strcmp(k, kind) != 0) {
            rc = TDKT_ECORRUPT;
        } else if ((*out = malloc(n ? n : 1))) {
            if (n)
                memcpy(*out, sqlite3_column_blob(st, 1), n);
            *len = n;
            rc = 0;
        } else {
            rc = TDKT_ENOMEM;
        }
    } else if (rc == 0) {
        rc = TDKT_ECORRUPT;
    }
    sql_done(st);
    return rc;
}

static int load_opened(struct ledger *l, const struct ballot_row *b, Tdkt__BallotOpened **out)
{
    uint8_t *p;
    size_t n;
    int rc;

    *out = NULL;
    if (strcmp(b->state, "paper") == 0)
        return TDKT_ENOTFOUND; /* a paper ballot has no electronic definition */
    rc = entry_payload(l, b->seq, ENTRY_BALLOT_OPEN, &p, &n);
    if (rc < 0)
        return rc;
    *out = tdkt__ballot_opened__unpack(NULL, n, p);
    free(p);
    return *out && (*out)->ballot ? 0 : TDKT_ECORRUPT;
}

static int on_roll(const Tdkt__BallotOpened *o, const char *unit)
{
    for (size_t i = 0; i < o->n_roll; i++)
        if (strcmp(o->roll[i], unit) == 0)
            return 1;
    return 0;
}

/* Turn SQLite's secure_delete on for this connection (on = 1). It stays on:
 * freed pages of the pending box (a replaced ballot, the emptied box) are
 * zeroed, so the link between a voter and a sealed ballot does not linger in
 * free space. Debian's SQLite has it on by default anyway. */
static int secure_delete(struct ledger *l, int on)
{
    return sqlite3_exec(ledger_db(l),
                        on ? "PRAGMA secure_delete = ON" : "PRAGMA secure_delete = OFF", NULL, NULL,
                        NULL) == SQLITE_OK
               ? 0
               : TDKT_EDB;
}

/* --- open ------------------------------------------------------------------------ */

static const char *threshold_key(int purpose)
{
    switch (purpose) {
    case TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_LEADER:
        return "vote.leader.threshold_pct";
    case TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_DEPUTY:
        return "vote.deputy.threshold_pct";
    case TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG:
        return "vote.flag.threshold_pct";
    case TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_COLLECTIVE_EXCELLENT:
        return "vote.collective_excellent.threshold_pct";
    case TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_COLLECTIVE_ADVANCED:
        return "vote.collective_advanced.threshold_pct";
    default:
        return NULL;
    }
}

/* Was unit considered for emulation in year (a member of some cluster)? */
static int considered(struct ledger *l, const char *unit, uint32_t year)
{
    sqlite3_stmt *st;
    int rc = sql_query(l, &st, "SELECT 1 FROM cluster_members WHERE year = ?1 AND unit = ?2", "ut",
                       year, unit);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading cluster members");
    sql_done(st);
    return rc;
}

static int cluster_roll(struct ledger *l, uint32_t year, const char *cluster, char ***roll,
                        size_t *n, char leader[LEDGER_UNIT_MAX + 1])
{
    sqlite3_stmt *st;
    int rc;

    *roll = NULL;
    *n = 0;
    leader[0] = '\0';
    rc =
        sql_query(l, &st, "SELECT coalesce(leader, '') FROM clusters WHERE year = ?1 AND code = ?2",
                  "ut", year, cluster);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a cluster");
    if (rc == 1)
        sql_col_text(st, 0, leader, LEDGER_UNIT_MAX + 1);
    sql_done(st);
    if (rc <= 0)
        return rc < 0 ? rc : TDKT_ENOTFOUND;
    *roll = calloc(BALLOT_VOTERS_MAX, sizeof **roll);
    if (!*roll)
        return TDKT_ENOMEM;
    rc = sql_query(
        l, &st, "SELECT unit FROM cluster_members WHERE year = ?1 AND cluster = ?2 ORDER BY unit",
        "ut", year, cluster);
    while (rc >= 0 && (rc = sql_step(l, st, "reading the roll")) == 1 && *n < BALLOT_VOTERS_MAX) {
        const char *u = (const char *)sqlite3_column_text(st, 0);
        if (u && !((*roll)[*n] = strdup(u))) {
            rc = TDKT_ENOMEM;
            break;
        }
        *n += u != NULL;
    }
    if (rc >= 0)
        sql_done(st);
    return rc < 0 ? rc : 0;
}

static void roll_free(char **roll, size_t n)
{
    for (size_t i = 0; roll && i < n; i++)
        free(roll[i]);
    free(roll);
}

/* Did a flag ballot of this cluster and year choose a unit, or is one still
 * under way (not tallied)? 1 with its id in other, 0 when a new flag ballot
 * may be held (none, or every earlier one elected nobody). */
static int flag_taken(struct ledger *l, uint32_t year, const char *cluster,
                      char other[RECORD_CODE_MAX + 1])
{
    char ids[BALLOT_VOTERS_MAX][RECORD_CODE_MAX + 1];
    size_t n = 0;
    sqlite3_stmt *st;
    int rc =
        sql_query(l, &st, "SELECT id FROM ballots WHERE year = ?1 AND cluster = ?2 AND flag = 1",
                  "ut", year, cluster);
    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "reading flag ballots")) == 1 && n < BALLOT_VOTERS_MAX)
        sql_col_text(st, 0, ids[n++], sizeof ids[0]);
    sql_done(st);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct ballot_row b;
        Tdkt__BallotTallied *t = NULL;
        uint8_t *pl;
        size_t len;
        int chose = 0;
        snprintf(other, RECORD_CODE_MAX + 1, "%.64s", ids[i]);
        if ((rc = row_get(l, ids[i], &b)) < 0)
            return rc;
        if (!b.tally_seq)
            return 1; /* under way */
        if ((rc = entry_payload(l, b.tally_seq, ENTRY_BALLOT_TALLY, &pl, &len)) < 0)
            return rc;
        t = tdkt__ballot_tallied__unpack(NULL, len, pl);
        free(pl);
        if (!t)
            return TDKT_ECORRUPT;
        /* Any unit elected in the flag contest means the flag was given. */
        for (size_t j = 0; j < t->n_results; j++) {
            Tdkt__BallotOpened *o = NULL;
            int is_flag = t->paper;
            if (!is_flag && load_opened(l, &b, &o) == 0) {
                for (size_t k = 0; k < o->ballot->n_contests; k++)
                    is_flag |= o->ballot->contests[k]->purpose ==
                                   TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG &&
                               strcmp(o->ballot->contests[k]->code, t->results[j]->contest) == 0;
                tdkt__ballot_opened__free_unpacked(o, NULL);
            }
            chose |= is_flag && t->results[j]->n_elected > 0;
        }
        tdkt__ballot_tallied__free_unpacked(t, NULL);
        if (chose)
            return 1;
    }
    return 0;
}

/* Thresholds from the rule set, candidate rules; fills c->rule. */
static int check_contest(struct ledger *l, uint32_t year, Tdkt__Contest *c, char **roll,
                         size_t nroll, size_t index, struct record_fault *f)
{
    char field[RECORD_FIELD_MAX], ruleset[RECORD_CODE_MAX + 1], rule[160];
    int rc;

    snprintf(field, sizeof field, "contests[%zu].candidates", index);
    for (size_t i = 0; i < c->n_candidates; i++) {
        int member = 0;
        for (size_t j = 0; j < nroll; j++)
            member |= strcmp(roll[j], c->candidates[i]) == 0;
        if (!member)
            return record_fail(f, TDKT_EINVAL, field,
                               "candidate '%s' is not a member of the cluster in %u",
                               c->candidates[i], year);
        if (c->purpose == TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_LEADER ||
            c->purpose == TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_DEPUTY) {
            rc = considered(l, c->candidates[i], year - 1);
            if (rc < 0)
                return rc;
            if (rc == 0)
                return record_fail(f, TDKT_EINVAL, field,
                                   "candidate '%s' was not considered for emulation in %u and "
                                   "may not be leader or deputy (CLUSTER-LEAD)",
                                   c->candidates[i], year - 1);
        }
    }
    if (c->threshold_pct) {
        snprintf(rule, sizeof rule, "given by the opener");
    } else {
        const char *key = threshold_key(c->purpose);
        double v = 0;
        snprintf(field, sizeof field, "contests[%zu].threshold_pct", index);
        rc = key ? catalog_rule_value(l, year, key, &v, ruleset) : TDKT_ENOTFOUND;
        if (rc == TDKT_ENOTFOUND)
            return record_fail(f, TDKT_EINVAL, field,
                               "no rule set in force for %u gives %s; state threshold_pct "
                               "(a policy decision)",
                               year, key ? key : "a threshold for this purpose");
        if (rc < 0)
            return rc;
        if (v < 1 || v > 100 || v != (double)(uint32_t)v)
            return record_fail(f, TDKT_EINVAL, field,
                               "rule set %s gives %s = %g, not a whole percent 1..100", ruleset,
                               key, v);
        c->threshold_pct = (uint32_t)v;
        snprintf(rule, sizeof rule, "%s %s", ruleset, key);
    }
    /* An unset string is protobuf-c's static empty string, not ours to free. */
    if (c->rule != protobuf_c_empty_string)
        free(c->rule);
    c->rule = strdup(rule);
    return c->rule ? 0 : TDKT_ENOMEM;
}

int ballot_open(struct ledger *l, int64_t now, const struct registry_unit *actor,
                Tdkt__BallotOpen *m, struct record_fault *f)
{
    Tdkt__BallotOpened o = TDKT__BALLOT_OPENED__INIT;
    char leader[LEDGER_UNIT_MAX + 1];
    struct ballot_row existing;
    char **roll = NULL;
    size_t nroll = 0;
    uint64_t seq = 0;
    int rc, flag = 0;

    rc = ballot_rules_open_validate(m, f);
    if (rc < 0)
        return rc;
    if (m->opens_ms == 0)
        m->opens_ms = now;
    if (m->closes_ms <= now || m->closes_ms <= m->opens_ms)
        return record_fail(f, TDKT_EINVAL, "closes_ms", "the closing time is already past");
    if (m->closes_ms - m->opens_ms > BALLOT_DURATION_MAX)
        return record_fail(f, TDKT_EINVAL, "closes_ms", "a ballot is open at most 90 days");
    rc = row_get(l, m->ballot_id, &existing);
    if (rc == 0)
        return record_fail(f, TDKT_EEXIST, "ballot_id", "ballot '%s' already exists", m->ballot_id);
    if (rc != TDKT_ENOTFOUND)
        return rc;
    rc = cluster_roll(l, m->year, m->cluster_code, &roll, &nroll, leader);
    if (rc == TDKT_ENOTFOUND)
        return record_fail(f, TDKT_ENOTFOUND, "cluster_code",
                           "cluster '%s' is not registered for %u", m->cluster_code, m->year);
    if (rc < 0)
        goto out;
    if (actor->role != REGISTRY_ROLE_CENTRAL && strcmp(actor->code, leader) != 0) {
        rc = record_fail(f, TDKT_EPERM, "cluster_code",
                         "only the central office or the leader of '%s' in %u ('%s') opens its "
                         "ballots",
                         m->cluster_code, m->year, leader[0] ? leader : "none");
        goto out;
    }
    if (nroll == 0) {
        rc = record_fail(f, TDKT_EINVAL, "cluster_code", "cluster '%s' has no members in %u",
                         m->cluster_code, m->year);
        goto out;
    }
    for (size_t i = 0; i < m->n_contests; i++) {
        rc = check_contest(l, m->year, m->contests[i], roll, nroll, i, f);
        if (rc < 0)
            goto out;
        if (m->contests[i]->purpose == TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG) {
            if (flag) {
                rc = record_fail(f, TDKT_EINVAL, "contests",
                                 "a ballot holds at most one flag contest (CO-NGANH)");
                goto out;
            }
            flag = 1;
        }
    }
    if (flag) {
        char other[RECORD_CODE_MAX + 1];
        rc = flag_taken(l, m->year, m->cluster_code, other);
        if (rc == 1)
            rc = record_fail(f, TDKT_ECONFLICT, "contests",
                             "cluster '%s' already has a flag ballot for %u ('%s') that is under "
                             "way or chose a unit: at most one flag nominee per cluster and year "
                             "(CO-NGANH)",
                             m->cluster_code, m->year, other);
        if (rc < 0)
            goto out;
    }

    o.ballot = m;
    o.roll = roll;
    o.n_roll = nroll;
    o.opened_by = (char *)actor->code;
    rc = ledger_op_begin(l);
    if (rc < 0)
        goto out;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_OPEN, &o.base, &seq);
    if (rc == 0)
        rc = sql_exec(l, "storing a ballot",
                      "INSERT INTO ballots(id, year, cluster, opened_by, opens_ms, closes_ms, roll,"
                      " state, flag, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8, ?9)",
                      "tuttiiiii", m->ballot_id, m->year, m->cluster_code, actor->code, m->opens_ms,
                      m->closes_ms, (int64_t)nroll, (int64_t)flag, (int64_t)seq);
    rc = ledger_op_end(l, rc);
out:
    roll_free(roll, nroll);
    return rc;
}

/* --- cast --------------------------------------------------------------------- */

int ballot_cast(struct ledger *l, int64_t now, const struct registry_unit *actor,
                const Tdkt__BallotCast *m, struct record_fault *f)
{
    Tdkt__BallotStatement *s = NULL;
    Tdkt__SealedBallot *sb = NULL;
    Tdkt__BallotOpened *o = NULL;
    Tdkt__BallotVoted v = TDKT__BALLOT_VOTED__INIT;
    struct ballot_row b;
    struct registry_unit signer;
    char unit[RECORD_CODE_MAX + 1], serial[64];
    uint8_t tracker[BALLOT_HASH_LEN], commit[BALLOT_HASH_LEN];
    sqlite3_stmt *st;
    uint64_t seq = 0;
    uint32_t cast_no = 1;
    int rc, secret;

    if (m->statement.len == 0 || m->statement.len > BALLOT_STATEMENT_MAX ||
        !(s = tdkt__ballot_statement__unpack(NULL, m->statement.len, m->statement.data)))
        return record_fail(f, TDKT_EINVAL, "ballot_cast.statement",
                           "the signed statement is missing or cannot be read");
    rc = row_get(l, s->ballot_id ? s->ballot_id : "", &b);
    if (rc == TDKT_ENOTFOUND) {
        rc = record_fail(f, TDKT_ENOTFOUND, "ballot_cast.statement.ballot_id",
                         "ballot '%s' does not exist", s->ballot_id ? s->ballot_id : "");
        goto out;
    }
    if (rc < 0)
        goto out;
    if (strcmp(b.state, "open") != 0 || now >= b.closes_ms) {
        rc = record_fail(f, TDKT_EPERIOD, "ballot_cast.statement.ballot_id",
                         "ballot '%s' is closed: votes were taken until %lld (ms since 1970)", b.id,
                         (long long)b.closes_ms);
        goto out;
    }
    if (now < b.opens_ms) {
        rc = record_fail(f, TDKT_EPERIOD, "ballot_cast.statement.ballot_id",
                         "ballot '%s' opens at %lld (ms since 1970)", b.id, (long long)b.opens_ms);
        goto out;
    }
    rc = load_opened(l, &b, &o);
    if (rc < 0)
        goto out;
    if (!on_roll(o, actor->code)) {
        rc = record_fail(f, TDKT_EPERM, "ballot_cast",
                         "unit '%s' is not on the roll of ballot '%s' (the members of '%s' in "
                         "%u)",
                         actor->code, b.id, b.cluster, b.year);
        goto out;
    }
    if (!s->voter || strcmp(s->voter, actor->code) != 0) {
        rc = record_fail(f, TDKT_EPERM, "ballot_cast.statement.voter",
                         "the statement names voter '%s' but the connection is unit '%s'",
                         s->voter ? s->voter : "", actor->code);
        goto out;
    }
    rc = ballot_rules_choices_check(o->ballot, s->named, s->n_named, 0,
                                    "ballot_cast.statement.named", f);
    if (rc < 0)
        goto out;
    secret = ballot_rules_has_secret(o->ballot);
    if (secret) {
        if (m->sealed.len == 0 || m->salt.len != BALLOT_SALT_LEN ||
            s->commitment.len != BALLOT_HASH_LEN ||
            !(sb = tdkt__sealed_ballot__unpack(NULL, m->sealed.len, m->sealed.data))) {
            rc = record_fail(f, TDKT_EINVAL, "ballot_cast.sealed",
                             "this ballot has secret contests: a sealed ballot, a 32-byte salt "
                             "and the statement's commitment are required");
            goto out;
        }
        if (!sb->ballot_id || strcmp(sb->ballot_id, b.id) != 0 ||
            sb->nonce.len != BALLOT_NONCE_LEN) {
            rc = record_fail(f, TDKT_EINVAL, "ballot_cast.sealed",
                             "the sealed ballot is for another ballot or has no 16-byte nonce");
            goto out;
        }
        rc = ballot_rules_choices_check(o->ballot, sb->choices, sb->n_choices, 1,
                                        "ballot_cast.sealed.choices", f);
        if (rc < 0)
            goto out;
        ballot_rules_tracker(m->sealed.data, m->sealed.len, tracker);
        ballot_rules_commitment(tracker, m->salt.data, commit);
        if (memcmp(commit, s->commitment.data, BALLOT_HASH_LEN) != 0) {
            rc = record_fail(f, TDKT_EINVAL, "ballot_cast.statement.commitment",
                             "the commitment does not match the sealed ballot and salt");
            goto out;
        }
    } else if (m->sealed.len || m->salt.len || s->commitment.len) {
        rc = record_fail(f, TDKT_EINVAL, "ballot_cast.sealed",
                         "this ballot has no secret contest: no sealed ballot is taken");
        goto out;
    }
    /* The signature: by a registered, unrevoked certificate of the voter. */
    rc =
        sign_verify_cert(m->certificate.data, m->certificate.len, m->statement.data,
                         m->statement.len, m->signature.data, m->signature.len, NULL, unit, serial);
    if (rc == TDKT_EINVAL) {
        rc = record_fail(f, TDKT_EINVAL, "ballot_cast.certificate",
                         "the certificate cannot be read");
        goto out;
    }
    if (rc == TDKT_ECORRUPT) {
        rc = record_fail(f, TDKT_EINVAL, "ballot_cast.signature",
                         "the signature does not match the statement and certificate");
        goto out;
    }
    if (rc < 0)
        goto out;
    if (strcmp(unit, actor->code) != 0 || registry_auth(l, unit, serial, &signer) != 0) {
        rc = record_fail(f, TDKT_EINVAL, "ballot_cast.certificate",
                         "the certificate is not a registered, unrevoked certificate of '%s'",
                         actor->code);
        goto out;
    }

    rc = sql_query(l, &st, "SELECT cast_no FROM ballot_voters WHERE ballot = ?1 AND voter = ?2",
                   "tt", b.id, actor->code);
    if (rc < 0)
        goto out;
    rc = sql_step(l, st, "reading a vote");
    if (rc == 1)
        cast_no = (uint32_t)sqlite3_column_int64(st, 0) + 1;
    sql_done(st);
    if (rc < 0)
        goto out;

    v.ballot_id = b.id;
    v.cast_no = cast_no;
    v.statement = m->statement;
    v.signature = m->signature;
    v.certificate = m->certificate;
    rc = ledger_op_begin(l);
    if (rc < 0)
        goto out;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_VOTED, &v.base, &seq);
    if (rc == 0)
        rc = sql_exec(
            l, "recording a vote",
            "INSERT INTO ballot_voters(ballot, voter, cast_no, seq) VALUES (?1, ?2, ?3, ?4)"
            " ON CONFLICT(ballot, voter) DO UPDATE SET cast_no = excluded.cast_no,"
            " seq = excluded.seq",
            "ttii", b.id, actor->code, (int64_t)cast_no, (int64_t)seq);
    if (rc == 0 && secret)
        rc = secure_delete(l, 1);
    if (rc == 0 && secret)
        rc = sql_exec(l, "keeping a sealed ballot",
                      "INSERT INTO ballot_pending(ballot, voter, sealed) VALUES (?1, ?2, ?3)"
                      " ON CONFLICT(ballot, voter) DO UPDATE SET sealed = excluded.sealed",
                      "ttb", b.id, actor->code, m->sealed.data, m->sealed.len);
    rc = ledger_op_end(l, rc);
out:
    if (s)
        tdkt__ballot_statement__free_unpacked(s, NULL);
    if (sb)
        tdkt__sealed_ballot__free_unpacked(sb, NULL);
    if (o)
        tdkt__ballot_opened__free_unpacked(o, NULL);
    return rc;
}

/* --- seal, tally, publish ------------------------------------------------------- */

struct pending {
    uint8_t tracker[BALLOT_HASH_LEN];
    uint8_t *sealed;
    size_t len;
};

static int pending_cmp(const void *a, const void *b)
{
    return memcmp(((const struct pending *)a)->tracker, ((const struct pending *)b)->tracker,
                  BALLOT_HASH_LEN);
}

static int do_seal(struct ledger *l, int64_t now, const struct registry_unit *actor,
                   struct ballot_row *b)
{
    struct pending *p = calloc(BALLOT_VOTERS_MAX, sizeof *p);
    uint8_t(*trackers)[BALLOT_HASH_LEN] = calloc(BALLOT_VOTERS_MAX, BALLOT_HASH_LEN);
    Tdkt__BallotSealed sealed = TDKT__BALLOT_SEALED__INIT;
    uint8_t box_hash[BALLOT_HASH_LEN];
    sqlite3_stmt *st;
    size_t n = 0, voters = 0;
    uint64_t seq = 0;
    int rc;

    if (!p || !trackers) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    rc = sql_query(l, &st, "SELECT sealed FROM ballot_pending WHERE ballot = ?1", "t", b->id);
    while (rc >= 0 && (rc = sql_step(l, st, "reading sealed ballots")) == 1 &&
           n < BALLOT_VOTERS_MAX) {
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        p[n].sealed = malloc(len ? len : 1);
        if (!p[n].sealed) {
            rc = TDKT_ENOMEM;
            break;
        }
        if (len)
            memcpy(p[n].sealed, sqlite3_column_blob(st, 0), len);
        p[n].len = len;
        ballot_rules_tracker(p[n].sealed, len, p[n].tracker);
        n++;
    }
    if (rc >= 0)
        sql_done(st);
    if (rc < 0)
        goto out;
    rc = sql_query(l, &st, "SELECT seq FROM ballot_voters WHERE ballot = ?1", "t", b->id);
    while (rc >= 0 && (rc = sql_step(l, st, "reading voters")) == 1) {
        /* Named-only ballots: the box is the final statements themselves. */
        if (voters < BALLOT_VOTERS_MAX) {
            uint8_t *pl;
            size_t len;
            int r2 = entry_payload(l, (uint64_t)sqlite3_column_int64(st, 0), ENTRY_BALLOT_VOTED,
                                   &pl, &len);
            if (r2 < 0) {
                rc = r2;
                break;
            }
            Tdkt__BallotVoted *v = tdkt__ballot_voted__unpack(NULL, len, pl);
            free(pl);
            if (!v) {
                rc = TDKT_ECORRUPT;
                break;
            }
            ballot_rules_tracker(v->statement.data, v->statement.len, trackers[voters]);
            tdkt__ballot_voted__free_unpacked(v, NULL);
        }
        voters++;
    }
    if (rc >= 0)
        sql_done(st);
    if (rc < 0)
        goto out;
    /* In tracker order, so the order of the box says nothing of who voted
     * when. */
    qsort(p, n, sizeof *p, pending_cmp);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        Tdkt__BoxedBallot bb = TDKT__BOXED_BALLOT__INIT;
        bb.ballot_id = b->id;
        bb.sealed.data = p[i].sealed;
        bb.sealed.len = p[i].len;
        rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_BOX, &bb.base, NULL);
        memcpy(trackers[i], p[i].tracker, BALLOT_HASH_LEN);
    }
    if (rc < 0)
        goto out;
    ballot_rules_box_hash(trackers, n ? n : voters, box_hash);
    sealed.ballot_id = b->id;
    sealed.ballots = (uint32_t)n;
    sealed.voters = (uint32_t)voters;
    sealed.box_hash.data = box_hash;
    sealed.box_hash.len = BALLOT_HASH_LEN;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_SEAL, &sealed.base, &seq);
    if (rc < 0)
        goto out;
    /* The voter-to-ballot link goes; secure_delete overwrites its pages. */
    rc = secure_delete(l, 1);
    if (rc == 0)
        rc = sql_exec(l, "emptying the pending box", "DELETE FROM ballot_pending WHERE ballot = ?1",
                      "t", b->id);
    if (rc == 0)
        rc = sql_exec(l, "sealing a ballot",
                      "UPDATE ballots SET state = 'sealed', sealed_seq = ?2 WHERE id = ?1", "ti",
                      b->id, (int64_t)seq);
out:
    for (size_t i = 0; p && i < n; i++)
        free(p[i].sealed);
    free(p);
    free(trackers);
    return rc;
}

/* The final statements (by ballot_voters) and the boxed sealed ballots. */
static int load_box(struct ledger *l, const struct ballot_row *b, Tdkt__BallotVoted ***voted,
                    size_t *nvoted, Tdkt__BoxedBallot ***box, size_t *nbox)
{
    sqlite3_stmt *st;
    int rc;

    *voted = calloc(BALLOT_VOTERS_MAX, sizeof **voted);
    *box = calloc(BALLOT_VOTERS_MAX, sizeof **box);
    *nvoted = *nbox = 0;
    if (!*voted || !*box)
        return TDKT_ENOMEM;
    rc = sql_query(l, &st, "SELECT seq FROM ballot_voters WHERE ballot = ?1 ORDER BY voter", "t",
                   b->id);
    while (rc >= 0 && (rc = sql_step(l, st, "reading voters")) == 1 &&
           *nvoted < BALLOT_VOTERS_MAX) {
        uint8_t *pl;
        size_t len;
        int r2 =
            entry_payload(l, (uint64_t)sqlite3_column_int64(st, 0), ENTRY_BALLOT_VOTED, &pl, &len);
        if (r2 < 0) {
            rc = r2;
            break;
        }
        (*voted)[*nvoted] = tdkt__ballot_voted__unpack(NULL, len, pl);
        free(pl);
        if (!(*voted)[*nvoted]) {
            rc = TDKT_ECORRUPT;
            break;
        }
        (*nvoted)++;
    }
    if (rc >= 0)
        sql_done(st);
    if (rc < 0 || !b->sealed_seq)
        return rc < 0 ? rc : 0;
    rc = sql_query(
        l, &st,
        "SELECT payload FROM ledger WHERE seq > ?1 AND seq < ?2 AND kind = '" ENTRY_BALLOT_BOX "'"
        " ORDER BY seq",
        "ii", (int64_t)b->seq, (int64_t)b->sealed_seq);
    while (rc >= 0 && (rc = sql_step(l, st, "reading the box")) == 1 && *nbox < BALLOT_VOTERS_MAX) {
        Tdkt__BoxedBallot *bb = tdkt__boxed_ballot__unpack(
            NULL, (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 0));
        if (!bb) {
            rc = TDKT_ECORRUPT;
            break;
        }
        if (!bb->ballot_id || strcmp(bb->ballot_id, b->id) != 0) {
            tdkt__boxed_ballot__free_unpacked(bb, NULL);
            continue; /* another ballot sealed in between */
        }
        (*box)[(*nbox)++] = bb;
    }
    if (rc >= 0)
        sql_done(st);
    return rc < 0 ? rc : 0;
}

static void box_free(Tdkt__BallotVoted **voted, size_t nv, Tdkt__BoxedBallot **box, size_t nb)
{
    for (size_t i = 0; voted && i < nv; i++)
        tdkt__ballot_voted__free_unpacked(voted[i], NULL);
    for (size_t i = 0; box && i < nb; i++)
        tdkt__boxed_ballot__free_unpacked(box[i], NULL);
    free(voted);
    free(box);
}

static int do_tally(struct ledger *l, int64_t now, const struct registry_unit *actor,
                    struct ballot_row *b)
{
    Tdkt__BallotOpened *o = NULL;
    Tdkt__BallotVoted **voted = NULL;
    Tdkt__BoxedBallot **box = NULL;
    Tdkt__BallotStatement **st = NULL;
    Tdkt__SealedBallot **sb = NULL;
    Tdkt__ContestResult **res = NULL;
    Tdkt__BallotTallied t = TDKT__BALLOT_TALLIED__INIT;
    size_t nv = 0, nb = 0, ns = 0, nsb = 0, nres = 0;
    uint64_t seq = 0;
    int rc = load_opened(l, b, &o);

    if (rc == 0)
        rc = load_box(l, b, &voted, &nv, &box, &nb);
    if (rc < 0)
        goto out;
    st = calloc(nv ? nv : 1, sizeof *st);
    sb = calloc(nb ? nb : 1, sizeof *sb);
    if (!st || !sb) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < nv; i++)
        if ((st[ns] = tdkt__ballot_statement__unpack(NULL, voted[i]->statement.len,
                                                     voted[i]->statement.data)))
            ns++;
    for (size_t i = 0; i < nb; i++)
        if ((sb[nsb] = tdkt__sealed_ballot__unpack(NULL, box[i]->sealed.len, box[i]->sealed.data)))
            nsb++;
    rc = ballot_rules_tally(o, st, ns, sb, nsb, &res, &nres);
    if (rc < 0)
        goto out;
    t.ballot_id = b->id;
    t.results = res;
    t.n_results = nres;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_TALLY, &t.base, &seq);
    if (rc == 0)
        rc = sql_exec(l, "recording a tally",
                      "UPDATE ballots SET state = 'tallied', tally_seq = ?2 WHERE id = ?1", "ti",
                      b->id, (int64_t)seq);
out:
    ballot_rules_results_free(res, nres);
    for (size_t i = 0; st && i < ns; i++)
        tdkt__ballot_statement__free_unpacked(st[i], NULL);
    for (size_t i = 0; sb && i < nsb; i++)
        tdkt__sealed_ballot__free_unpacked(sb[i], NULL);
    free(st);
    free(sb);
    box_free(voted, nv, box, nb);
    if (o)
        tdkt__ballot_opened__free_unpacked(o, NULL);
    return rc;
}

int ballot_step(struct ledger *l, int64_t now, const struct registry_unit *actor,
                const char *ballot_id, int step, struct record_fault *f)
{
    struct ballot_row b;
    int rc;

    if (!ballot_id || !record_code_valid(ballot_id))
        return record_fail(f, TDKT_EINVAL, "ballot_action.ballot_id", RECORD_CODE_RULE,
                           "a ballot id");
    rc = row_get(l, ballot_id, &b);
    if (rc == TDKT_ENOTFOUND)
        return record_fail(f, TDKT_ENOTFOUND, "ballot_action.ballot_id",
                           "ballot '%s' does not exist", ballot_id ? ballot_id : "");
    if (rc < 0)
        return rc;
    if (actor->role != REGISTRY_ROLE_CENTRAL && strcmp(actor->code, b.opened_by) != 0)
        return record_fail(f, TDKT_EPERM, "ballot_action",
                           "only the opener ('%s') or the central office seals, tallies and "
                           "publishes ballot '%s'",
                           b.opened_by, b.id);
    rc = ledger_op_begin(l);
    if (rc < 0)
        return rc;
    switch (step) {
    case TDKT__BALLOT_STEP__BALLOT_STEP_SEAL:
        if (strcmp(b.state, "open") != 0)
            rc = record_fail(f, TDKT_ECONFLICT, "ballot_action.step",
                             "ballot '%s' is %s; only an open ballot is sealed", b.id, b.state);
        else if (now < b.closes_ms)
            rc = record_fail(f, TDKT_ECONFLICT, "ballot_action.step",
                             "ballot '%s' is still open; it can be sealed after it closes", b.id);
        else
            rc = do_seal(l, now, actor, &b);
        break;
    case TDKT__BALLOT_STEP__BALLOT_STEP_TALLY:
        if (strcmp(b.state, "sealed") != 0)
            rc = record_fail(f, TDKT_ECONFLICT, "ballot_action.step",
                             "ballot '%s' is %s; the box must be sealed before the tally", b.id,
                             b.state);
        else
            rc = do_tally(l, now, actor, &b);
        break;
    case TDKT__BALLOT_STEP__BALLOT_STEP_PUBLISH:
        if (strcmp(b.state, "tallied") != 0) {
            rc =
                record_fail(f, TDKT_ECONFLICT, "ballot_action.step",
                            "ballot '%s' is %s; only a tallied ballot is published", b.id, b.state);
        } else {
            Tdkt__BallotAction a = TDKT__BALLOT_ACTION__INIT;
            uint64_t seq = 0;
            a.ballot_id = b.id;
            a.step = TDKT__BALLOT_STEP__BALLOT_STEP_PUBLISH;
            rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_PUBLISH, &a.base, &seq);
            if (rc == 0)
                rc = sql_exec(l, "publishing a ballot",
                              "UPDATE ballots SET state = 'published', published_seq = ?2"
                              " WHERE id = ?1",
                              "ti", b.id, (int64_t)seq);
        }
        break;
    default:
        rc = record_fail(f, TDKT_EINVAL, "ballot_action.step",
                         "step must be seal, tally or "
                         "publish");
    }
    return ledger_op_end(l, rc);
}

/* A paper ballot has no roll of its own: its cluster's members that year
 * see its result, as a roll would once published. */
static int paper_member(struct ledger *l, const struct ballot_row *b, const char *unit)
{
    char cluster[RECORD_CODE_MAX + 1];
    return strcmp(b->state, "paper") == 0 && catalog_unit_cluster(l, b->year, unit, cluster) == 0 &&
           strcmp(cluster, b->cluster) == 0;
}

/* --- paper ------------------------------------------------------------------------ */

int ballot_paper(struct ledger *l, int64_t now, const struct registry_unit *actor,
                 Tdkt__BallotPaper *m, struct record_fault *f)
{
    Tdkt__BallotOpen open = TDKT__BALLOT_OPEN__INIT;
    Tdkt__Contest *contests[1];
    char leader[LEDGER_UNIT_MAX + 1];
    char **roll = NULL;
    size_t nroll = 0;
    struct ballot_row existing;
    struct tally_contest k;
    struct tally_result t;
    Tdkt__ContestResult **res = NULL;
    Tdkt__BallotTallied tl = TDKT__BALLOT_TALLIED__INIT;
    uint64_t seq = 0, tseq = 0;
    int rc, flag;

    if (!m->contest)
        return record_fail(f, TDKT_EINVAL, "ballot_paper.contest", "the contest is missing");
    if (!m->minutes_ref || !record_name_valid(m->minutes_ref, RECORD_NAME_MAX))
        return record_fail(f, TDKT_EINVAL, "ballot_paper.minutes_ref",
                           "the reference of the minutes is required");
    /* The same shape rules as an electronic ballot, one contest. */
    contests[0] = m->contest;
    open.ballot_id = m->ballot_id;
    open.year = m->year;
    open.cluster_code = m->cluster_code;
    open.title = m->contest->title;
    open.contests = contests;
    open.n_contests = 1;
    open.opens_ms = 1;
    open.closes_ms = 2;
    rc = ballot_rules_open_validate(&open, f);
    if (rc < 0)
        return rc;
    rc = row_get(l, m->ballot_id, &existing);
    if (rc == 0)
        return record_fail(f, TDKT_EEXIST, "ballot_paper.ballot_id", "ballot '%s' already exists",
                           m->ballot_id);
    if (rc != TDKT_ENOTFOUND)
        return rc;
    rc = cluster_roll(l, m->year, m->cluster_code, &roll, &nroll, leader);
    if (rc == TDKT_ENOTFOUND)
        return record_fail(f, TDKT_ENOTFOUND, "ballot_paper.cluster_code",
                           "cluster '%s' is not registered for %u", m->cluster_code, m->year);
    if (rc < 0)
        goto out;
    rc = check_contest(l, m->year, m->contest, roll, nroll, 0, f);
    if (rc < 0)
        goto out;
    flag = m->contest->purpose == TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG;
    if (flag) {
        char other[RECORD_CODE_MAX + 1];
        rc = flag_taken(l, m->year, m->cluster_code, other);
        if (rc == 1)
            rc = record_fail(f, TDKT_ECONFLICT, "ballot_paper.contest",
                             "cluster '%s' already has a flag ballot for %u ('%s') that is under "
                             "way or chose a unit (CO-NGANH)",
                             m->cluster_code, m->year, other);
        if (rc < 0)
            goto out;
    }
    /* t.why is read on every refusal below, also when the counts were never
     * tallied: start from an empty sentence, not from the stack. */
    memset(&t, 0, sizeof t);
    rc = ballot_rules_contest_tally(m->contest, (unsigned)nroll, &k);
    if (rc == 0 &&
        (m->n_yes != m->contest->n_candidates || (m->n_no && m->n_no != m->contest->n_candidates) ||
         (m->n_abstain && m->n_abstain != m->contest->n_candidates)))
        rc = TDKT_EINVAL;
    if (rc == 0)
        rc = tally_from_counts(&k, m->ballots, m->yes, m->n_no ? m->no : NULL,
                               m->n_abstain ? m->abstain : NULL, &t);
    if (rc < 0) {
        rc = record_fail(f, TDKT_EINVAL, "ballot_paper.yes",
                         "the counts do not fit the contest and its %zu members: %s", nroll,
                         t.why[0] ? t.why : "one count per candidate is required");
        goto out;
    }
    res = calloc(1, sizeof *res);
    if (res)
        res[0] = ballot_result_new(m->contest, &k, &t);
    if (!res || !res[0]) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    tl.ballot_id = m->ballot_id;
    tl.results = res;
    tl.n_results = 1;
    tl.paper = 1;
    tl.minutes_ref = m->minutes_ref;
    rc = ledger_op_begin(l);
    if (rc < 0)
        goto out;
    rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_PAPER, &m->base, &seq);
    /* The entry's own time (never before the previous entry's) dates it. */
    int64_t at = ledger_head_time(l);
    if (rc == 0)
        rc = ledger_append_msg(l, now, actor->code, ENTRY_BALLOT_TALLY, &tl.base, &tseq);
    if (rc == 0)
        rc = sql_exec(l, "storing a paper ballot",
                      "INSERT INTO ballots(id, year, cluster, opened_by, opens_ms, closes_ms, roll,"
                      " state, flag, seq, tally_seq, published_seq)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, 'paper', ?7, ?8, ?9, ?9)",
                      "tuttiiiii", m->ballot_id, m->year, m->cluster_code, actor->code, at,
                      (int64_t)nroll, (int64_t)flag, (int64_t)seq, (int64_t)tseq);
    rc = ledger_op_end(l, rc);
out:
    ballot_rules_results_free(res, res ? 1 : 0);
    roll_free(roll, nroll);
    return rc;
}

/* --- reads ------------------------------------------------------------------------ */

void ballot_info_free(Tdkt__BallotInfo *i)
{
    if (i)
        tdkt__ballot_info__free_unpacked(i, NULL);
}

void ballot_list_free(Tdkt__BallotListReply *r)
{
    if (r)
        tdkt__ballot_list_reply__free_unpacked(r, NULL);
}

static const char *state_now(const struct ballot_row *b, int64_t now)
{
    if (strcmp(b->state, "open") == 0 && now >= b->closes_ms)
        return "closed";
    return b->state;
}

/* Build the reply as a message of our own, then round-trip it through
 * pack/unpack so that it has one owner and one free function. */
static int info_finish(Tdkt__BallotInfo *tmp, Tdkt__BallotInfo **out)
{
    size_t n = tdkt__ballot_info__get_packed_size(tmp);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return TDKT_ENOMEM;
    tdkt__ballot_info__pack(tmp, buf);
    *out = tdkt__ballot_info__unpack(NULL, n, buf);
    free(buf);
    return *out ? 0 : TDKT_ENOMEM;
}

int ballot_get(struct ledger *l, int64_t now, const struct registry_unit *actor,
               const char *ballot_id, Tdkt__BallotInfo **out, struct record_fault *f)
{
    Tdkt__BallotInfo info = TDKT__BALLOT_INFO__INIT;
    Tdkt__BallotOpened *o = NULL;
    Tdkt__BallotVoted **voted = NULL, **shown = NULL;
    Tdkt__BoxedBallot **box = NULL;
    Tdkt__BallotSealed *seal = NULL;
    Tdkt__BallotTallied *tally = NULL;
    ProtobufCBinaryData *boxdata = NULL;
    struct ballot_row b;
    size_t nv = 0, nb = 0;
    int rc, central, opener, member, published, paper;

    *out = NULL;
    rc = row_get(l, ballot_id ? ballot_id : "", &b);
    if (rc == TDKT_ENOTFOUND)
        return record_fail(f, TDKT_ENOTFOUND, "ballot_get.ballot_id", "ballot '%s' does not exist",
                           ballot_id ? ballot_id : "");
    if (rc < 0)
        return rc;
    paper = strcmp(b.state, "paper") == 0;
    central = actor->role == REGISTRY_ROLE_CENTRAL;
    opener = strcmp(actor->code, b.opened_by) == 0;
    published = b.published_seq != 0;
    if (!paper) {
        rc = load_opened(l, &b, &o);
        if (rc < 0)
            return rc;
    }
    member = o ? on_roll(o, actor->code) : paper_member(l, &b, actor->code);
    if (!central && !opener && !member) {
        rc = record_fail(f, TDKT_EPERM, "ballot_get.ballot_id",
                         "unit '%s' is not on the roll of ballot '%s'", actor->code, b.id);
        goto out;
    }
    info.opened = o;
    info.state = (char *)state_now(&b, now);
    info.server_time_ms = (uint64_t)now;
    if (!paper) {
        rc = load_box(l, &b, &voted, &nv, &box, &nb);
        if (rc < 0)
            goto out;
        /* Who voted is public to the roll; what a named statement says is
         * shown once published (the voter always sees its own). */
        shown = calloc(nv ? nv : 1, sizeof *shown);
        if (!shown) {
            rc = TDKT_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < nv; i++) {
            Tdkt__BallotStatement *st = tdkt__ballot_statement__unpack(
                NULL, voted[i]->statement.len, voted[i]->statement.data);
            int mine = st && st->voter && strcmp(st->voter, actor->code) == 0;
            if (st)
                tdkt__ballot_statement__free_unpacked(st, NULL);
            if (published || central || opener || mine) {
                shown[info.n_voted++] = voted[i];
            }
        }
        info.voted = shown;
        if (b.sealed_seq && (published || central || opener)) {
            boxdata = calloc(nb ? nb : 1, sizeof *boxdata);
            if (!boxdata) {
                rc = TDKT_ENOMEM;
                goto out;
            }
            for (size_t i = 0; i < nb; i++)
                boxdata[i] = box[i]->sealed;
            info.box = boxdata;
            info.n_box = nb;
        }
        if (b.sealed_seq) {
            uint8_t *pl;
            size_t len;
            rc = entry_payload(l, b.sealed_seq, ENTRY_BALLOT_SEAL, &pl, &len);
            if (rc < 0)
                goto out;
            seal = tdkt__ballot_sealed__unpack(NULL, len, pl);
            free(pl);
            info.seal = seal;
        }
    }
    if (b.tally_seq && (published || central || opener)) {
        uint8_t *pl;
        size_t len;
        rc = entry_payload(l, b.tally_seq, ENTRY_BALLOT_TALLY, &pl, &len);
        if (rc < 0)
            goto out;
        tally = tdkt__ballot_tallied__unpack(NULL, len, pl);
        free(pl);
        info.tally = tally;
    }
    rc = info_finish(&info, out);
out:
    free(shown);
    free(boxdata);
    box_free(voted, nv, box, nb);
    if (seal)
        tdkt__ballot_sealed__free_unpacked(seal, NULL);
    if (tally)
        tdkt__ballot_tallied__free_unpacked(tally, NULL);
    if (o)
        tdkt__ballot_opened__free_unpacked(o, NULL);
    return rc;
}

int ballot_list(struct ledger *l, int64_t now, const struct registry_unit *actor, uint32_t year,
                Tdkt__BallotListReply **out)
{
    Tdkt__BallotListReply r = TDKT__BALLOT_LIST_REPLY__INIT;
    Tdkt__BallotSummary **items = NULL;
    sqlite3_stmt *st;
    size_t n = 0, cap = 0;
    int rc;

    *out = NULL;
    rc = sql_query(l, &st, "SELECT id FROM ballots WHERE ?1 = 0 OR year = ?1 ORDER BY year, id",
                   "u", year);
    if (rc < 0)
        return rc;
    while ((rc = sql_step(l, st, "listing ballots")) == 1) {
        char id[RECORD_CODE_MAX + 1];
        struct ballot_row b;
        Tdkt__BallotOpened *o = NULL;
        Tdkt__BallotSummary *s;
        sqlite3_stmt *c2;
        int visible;

        sql_col_text(st, 0, id, sizeof id);
        if (row_get(l, id, &b) < 0)
            continue;
        if (strcmp(b.state, "paper") != 0)
            load_opened(l, &b, &o);
        visible = actor->role == REGISTRY_ROLE_CENTRAL || strcmp(actor->code, b.opened_by) == 0 ||
                  (o ? on_roll(o, actor->code) : paper_member(l, &b, actor->code));
        if (!visible) {
            if (o)
                tdkt__ballot_opened__free_unpacked(o, NULL);
            continue;
        }
        if (n == cap) {
            void *p = realloc(items, (cap ? cap * 2 : 8) * sizeof *items);
            if (!p) {
                rc = TDKT_ENOMEM;
                if (o)
                    tdkt__ballot_opened__free_unpacked(o, NULL);
                break;
            }
            items = p;
            cap = cap ? cap * 2 : 8;
        }
        s = calloc(1, sizeof *s);
        if (!s) {
            rc = TDKT_ENOMEM;
            if (o)
                tdkt__ballot_opened__free_unpacked(o, NULL);
            break;
        }
        tdkt__ballot_summary__init(s);
        s->ballot_id = strdup(b.id);
        s->year = b.year;
        s->cluster_code = strdup(b.cluster);
        s->title = strdup(o && o->ballot->title ? o->ballot->title : "(paper ballot)");
        s->state = strdup(state_now(&b, now));
        s->opens_ms = b.opens_ms;
        s->closes_ms = b.closes_ms;
        s->roll = b.roll;
        if (sql_query(l, &c2, "SELECT count(*) FROM ballot_voters WHERE ballot = ?1", "t", b.id) ==
            0) {
            if (sql_step(l, c2, "counting voters") == 1)
                s->voted = (uint32_t)sqlite3_column_int64(c2, 0);
            sql_done(c2);
        }
        items[n++] = s;
        if (o)
            tdkt__ballot_opened__free_unpacked(o, NULL);
    }
    sql_done(st);
    r.ballots = items;
    r.n_ballots = n;
    if (rc >= 0) {
        size_t len = tdkt__ballot_list_reply__get_packed_size(&r);
        uint8_t *buf = malloc(len ? len : 1);
        if (buf) {
            tdkt__ballot_list_reply__pack(&r, buf);
            *out = tdkt__ballot_list_reply__unpack(NULL, len, buf);
            free(buf);
        }
        rc = *out ? 0 : TDKT_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        free(items[i]->ballot_id);
        free(items[i]->cluster_code);
        free(items[i]->title);
        free(items[i]->state);
        free(items[i]);
    }
    free(items);
    return rc;
}

int ballot_seal_due(struct ledger *l, int64_t now, int64_t grace_ms, unsigned max, unsigned *sealed)
{
    struct registry_unit self;
    struct record_fault f;
    char ids[BALLOT_SEAL_BATCH][LEDGER_UNIT_MAX + 1];
    sqlite3_stmt *st;
    unsigned n = 0;
    int rc;

    *sealed = 0;
    if (max > BALLOT_SEAL_BATCH)
        max = BALLOT_SEAL_BATCH;
    rc = sql_query(l, &st,
                   "SELECT id FROM ballots WHERE state = 'open' AND closes_ms <= ?1"
                   " ORDER BY closes_ms, id LIMIT ?2",
                   "ii", now - grace_ms, (int64_t)max);
    if (rc < 0)
        return rc;
    while (n < max && sql_step(l, st, "reading ballots due") == 1)
        sql_col_text(st, 0, ids[n++], sizeof ids[0]);
    sql_done(st);
    memset(&self, 0, sizeof self);
    snprintf(self.code, sizeof self.code, "%s", BALLOT_SELF);
    self.role = REGISTRY_ROLE_CENTRAL;
    for (unsigned i = 0; i < n; i++) {
        memset(&f, 0, sizeof f);
        rc = ballot_step(l, now, &self, ids[i], TDKT__BALLOT_STEP__BALLOT_STEP_SEAL, &f);
        if (rc < 0)
            return rc; /* the caller's batch is rolled back; tried again later */
        (*sealed)++;
    }
    return 0;
}
