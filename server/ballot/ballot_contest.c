/* SPDX-License-Identifier: MIT */
/*
 * The contest rules that read the ledger: the roll, candidates on it,
 * CLUSTER-LEAD (the registry's check, catalog_cluster_lead_check, so that a
 * leader the ballot elects and one the registry is given pass the same
 * rule), thresholds from the rule set, CO-NGANH. See
 * ballot_contest.h. The shape of a contest is ballot_rules.c's; this file
 * writes nothing.
 */
#include "server/ballot/ballot_contest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "server/ballot/ballot.h"
#include "server/ballot/ballot_store.h"
#include "server/registry/catalog.h"
#include "server/ledger/sql.h"

/* The rule key of a purpose's threshold (docs/ballots.md §2.4); NULL for
 * "other", which must state its own. */
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

int ballot_roll_load(struct ledger *l, uint32_t year, const char *cluster, char ***roll, size_t *n,
                     char leader[LEDGER_UNIT_MAX + 1])
{
    sqlite3_stmt *st;
    int rc, rows = 0;

    *n = 0;
    leader[0] = '\0';
    if (!(*roll = calloc(BALLOT_VOTERS_MAX, sizeof **roll)))
        return TDKT_ENOMEM;
    /* One row per member, each with the leader; one row with no member for
     * a cluster without members; none for a cluster not registered. */
    rc = sql_query(l, &st,
                   "SELECT coalesce(c.leader, ''), m.unit FROM clusters c"
                   " LEFT JOIN cluster_members m ON m.year = c.year AND m.cluster = c.code"
                   " WHERE c.year = ?1 AND c.code = ?2 ORDER BY m.unit",
                   "ut", year, cluster);
    while (rc >= 0 && (rc = sql_step(l, st, "reading the roll")) == 1 && *n < BALLOT_VOTERS_MAX) {
        const char *u = (const char *)sqlite3_column_text(st, 1);
        if (rows++ == 0)
            sql_col_text(st, 0, leader, LEDGER_UNIT_MAX + 1);
        if (u && !((*roll)[*n] = strdup(u))) {
            rc = TDKT_ENOMEM;
            break;
        }
        *n += u != NULL;
    }
    sql_done(st);
    return rc < 0 ? rc : rows ? 0 : TDKT_ENOTFOUND;
}

void ballot_roll_free(char **roll, size_t n)
{
    for (size_t i = 0; roll && i < n; i++)
        free(roll[i]);
    free(roll);
}

int ballot_roll_for_new(struct ledger *l, const char *id, uint32_t year, const char *cluster,
                        char ***roll, size_t *n, char leader[LEDGER_UNIT_MAX + 1], struct fault *f)
{
    struct ballot_row existing;
    int rc = ballot_row_get(l, id, &existing);

    *roll = NULL;
    *n = 0;
    if (rc == 0)
        return fault_set(f, TDKT_EEXIST, "ballot_id", "ballot '%s' already exists", id);
    if (rc != TDKT_ENOTFOUND)
        return rc;
    rc = ballot_roll_load(l, year, cluster, roll, n, leader);
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, TDKT_ENOTFOUND, "cluster_code", "cluster '%s' is not registered for %u",
                         cluster, year);
    if (rc == 0 && *n == 0)
        return fault_set(f, TDKT_EINVAL, "cluster_code", "cluster '%s' has no members in %u",
                         cluster, year);
    return rc;
}

/* Every candidate on the roll; a leader or deputy considered the year
 * before (CLUSTER-LEAD). */
static int check_candidates(struct ledger *l, uint32_t year, const Tdkt__Contest *c, char **roll,
                            size_t nroll, const char *prefix, struct fault *f)
{
    int lead = c->purpose == TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_LEADER ||
               c->purpose == TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_ELECT_DEPUTY;
    char field[RECORD_FIELD_MAX];

    for (size_t i = 0; i < c->n_candidates; i++) {
        int member = 0, rc;

        snprintf(field, sizeof field, "%.40s.candidates[%zu]", prefix, i);
        for (size_t j = 0; j < nroll; j++)
            member |= strcmp(roll[j], c->candidates[i]) == 0;
        if (!member)
            return fault_set(f, TDKT_EINVAL, field,
                             "candidate '%s' is not a member of the cluster in %u",
                             c->candidates[i], year);
        if (!lead)
            continue;
        /* The registry's own check of a leader or deputy it is given. */
        if ((rc = catalog_cluster_lead_check(l, year, c->candidates[i], "candidate", field, f)))
            return rc;
    }
    return 0;
}

/* The threshold the contest states, or the rule set's for its purpose;
 * where it came from into rule (cap bytes). */
static int resolve_threshold(struct ledger *l, uint32_t year, Tdkt__Contest *c, const char *prefix,
                             char *rule, size_t cap, struct fault *f)
{
    const char *key = threshold_key(c->purpose);
    char field[RECORD_FIELD_MAX], ruleset[RECORD_CODE_MAX + 1];
    double v = 0;
    int rc;

    if (c->threshold_pct) {
        snprintf(rule, cap, "given by the opener");
        return 0;
    }
    snprintf(field, sizeof field, "%.40s.threshold_pct", prefix);
    rc = key ? catalog_rule_value(l, year, key, &v, ruleset) : TDKT_ENOTFOUND;
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, TDKT_EINVAL, field,
                         "no rule set in force for %u gives %s; state threshold_pct "
                         "(a policy decision)",
                         year, key ? key : "a threshold for this purpose");
    if (rc < 0)
        return rc;
    if (v < 1 || v > 100 || v != (double)(uint32_t)v)
        return fault_set(f, TDKT_EINVAL, field,
                         "rule set %s gives %s = %g, not a whole percent 1..100", ruleset, key, v);
    c->threshold_pct = (uint32_t)v;
    snprintf(rule, cap, "%s %s", ruleset, key);
    return 0;
}

int ballot_contest_check(struct ledger *l, uint32_t year, Tdkt__Contest *c, char **roll,
                         size_t nroll, const char *prefix, struct fault *f)
{
    char rule[160];
    int rc = check_candidates(l, year, c, roll, nroll, prefix, f);

    if (rc == 0)
        rc = resolve_threshold(l, year, c, prefix, rule, sizeof rule, f);
    if (rc < 0)
        return rc;
    /* An unset string is protobuf-c's static empty string, not ours to free. */
    if (c->rule != protobuf_c_empty_string)
        free(c->rule);
    c->rule = strdup(rule);
    return c->rule ? 0 : TDKT_ENOMEM;
}

/* Did the tally of ballot b elect anyone in a flag contest? 1 yes, 0 no. */
static int tally_chose_flag(struct ledger *l, const struct ballot_row *b)
{
    Tdkt__BallotOpened *o = NULL;
    Tdkt__BallotTallied *t;
    uint8_t *pl;
    size_t len;
    int rc, chose = 0;

    if ((rc = sql_entry_payload(l, b->tally_seq, ENTRY_BALLOT_TALLY, &pl, &len)) < 0)
        return rc;
    t = tdkt__ballot_tallied__unpack(NULL, len, pl);
    free(pl);
    if (!t)
        return TDKT_ECORRUPT;
    /* A paper ballot's one contest is the flag; an electronic ballot's
     * flag contest is found by its code. */
    if (!t->paper && ballot_opened_load(l, b, &o) < 0)
        o = NULL;
    for (size_t j = 0; j < t->n_results; j++) {
        int is_flag = t->paper;
        for (size_t k = 0; o && k < o->ballot->n_contests; k++)
            is_flag |=
                o->ballot->contests[k]->purpose == TDKT__CONTEST_PURPOSE__CONTEST_PURPOSE_FLAG &&
                strcmp(o->ballot->contests[k]->code, t->results[j]->contest) == 0;
        chose |= is_flag && t->results[j]->n_elected > 0;
    }
    if (o)
        tdkt__ballot_opened__free_unpacked(o, NULL);
    tdkt__ballot_tallied__free_unpacked(t, NULL);
    return chose;
}

/* 1 when a flag ballot of cluster and year chose a unit or is under way,
 * with its id in other; 0 when none did. */
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

        snprintf(other, RECORD_CODE_MAX + 1, "%.64s", ids[i]);
        if ((rc = ballot_row_get(l, ids[i], &b)) < 0)
            return rc;
        if (!b.tally_seq)
            return 1; /* under way */
        if ((rc = tally_chose_flag(l, &b)) != 0)
            return rc;
    }
    return 0;
}

int ballot_flag_check(struct ledger *l, uint32_t year, const char *cluster, const char *field,
                      struct fault *f)
{
    char other[RECORD_CODE_MAX + 1];
    int rc = flag_taken(l, year, cluster, other);

    if (rc == 1)
        return fault_set(f, TDKT_ECONFLICT, field,
                         "cluster '%s' already has a flag ballot for %u ('%s') that is under "
                         "way or chose a unit: at most one flag nominee per cluster and year "
                         "(CO-NGANH)",
                         cluster, year, other);
    return rc;
}
