/* SPDX-License-Identifier: MIT */
/*
 * Facts: the ledger's records turned into what the eligibility judge
 * (eligibility.h) reads, and a dossier judged with them. This module owns
 * every reading of the records that bears on a verdict, once for both sides
 * of the wire: the server judges a submission over its ledger
 * (server/review/review_facts.c) and an office previews a dossier over its
 * local store (client/lib/store_facts.c) through the same functions, so on the
 * same records they reach the same verdict. The readings (docs/review.md
 * §3.3):
 *
 *   history      the FACTS_HISTORY_YEARS years ending in the proposal year
 *   a year       evaluated when a rating record gives a rating; the rating
 *                and the person facts of a year are those of the record filed
 *                under the lowest unit code when several units filed one;
 *                initiatives are those of the year naming the person among
 *                their authors, by scope
 *   titles held  decided proposals and decisions on record; pending,
 *                approved, rejected, cancelled and annulled ones are not held
 *   the dossier  a person's title proposed in the dossier being judged and
 *                already judged eligible counts as held in the proposal year
 *                for the member counts of a unit (one dossier proposes LĐTT
 *                for the staff and TTLĐXS for the unit); persons are judged
 *                before units, in dossier order
 *   members      the persons registered in the unit or in any unit below it,
 *                down to FACTS_DEPTH_MAX levels; completed = evaluated and
 *                not rated KHTNV; the worst discipline of any member
 *   dissolved    a revoked unit (unit.revoke) is dissolved in every year of
 *                its history: DISSOLVED blocks it
 *   exceeded     the plan is exceeded when a target is exceeded or an
 *                emerging key task is done (the judge weighs missed targets)
 *   leads        first of its cluster that year by the sum of its criteria
 *                points (ties included, above 0), or elected in the tallied
 *                ballot the proposal names
 *   a ballot     the subject's yes votes and the whole roll of the contest
 *                naming it in the ballot's published tally; CO-CP's secret
 *                ballot is in when that tally names the subject. A ballot
 *                that exists but is not published gives no fact at all, only
 *                ballot_pending, whatever its tally says
 *   the Council  the latest Council vote on the proposal (year, subject,
 *                title): its yes count on the Council's whole membership;
 *                a secret one is the secret-ballot result. For the titles
 *                the Council votes on (CSTĐ ngành, CSTĐ toàn quốc, BK Thủ
 *                tướng, Cờ thi đua Chính phủ) it takes the place of a
 *                cluster ballot the proposal names
 *   CSTĐCS cap   the LĐTT held among the members of the person's unit, and
 *                the CSTĐCS approved or decided that year for other persons
 *                of those members
 *   TTLĐXS quota the units with TTLĐTT or TTLĐXS approved or decided that year,
 *                or proposed and judged eligible in the dossier, other than
 *                the unit itself, plus the unit; and the TTLĐXS approved or
 *                decided for other units
 *   BK years     the latest sector Bằng khen (BK Thủ tướng) decided for the
 *                person in or before the proposal year
 *   unjudgeable  a proposal whose facts the judge refuses (TDKT_EINVAL) is
 *                POLICY with no rule: the office has to fix its facts
 *
 * It must not do I/O, SQL or logging: every row comes through struct
 * facts_reader, a small table of callbacks that each side fills over its own
 * database. A reader only fetches (by code, person, year, kind); it filters on
 * nothing a rule depends on (states, scopes, titles...). What a side does not
 * hold it does not return, and then it counts as absent here: an office does
 * not hold the central office's decisions, other offices' results or ballot
 * tallies (results_held says whose results it holds). This module never calls
 * the reader from inside one of the reader's callbacks, so a reader may keep
 * one cached statement per query. It allocates the member and unit lists of
 * one proposal and frees them before it returns.
 */
#ifndef TDKT_COMMON_DOMAIN_FACTS_H
#define TDKT_COMMON_DOMAIN_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/domain/elig_quota.h"
#include "common/domain/eligibility.h"
#include "common/domain/unit_tree.h"
#include "proto/tdkt.pb-c.h"

#define FACTS_HISTORY_YEARS 12 /* years of history judged (runs of 5 and room) */
/* Levels of units below a unit whose persons are its members: the unit tree's one limit. */
#define FACTS_DEPTH_MAX UNIT_TREE_DEPTH_MAX
#define FACTS_CODE_MAX  64 /* bytes of a unit code or a person id (RECORD_CODE_MAX) */

/* A registered unit, as the reader's registry holds it. */
struct facts_unit {
    char code[FACTS_CODE_MAX + 1];
    char parent[FACTS_CODE_MAX + 1]; /* "" at the top */
    int revoked;                     /* unit.revoke: dissolved */
};

/* A proposal or a decision on record the reader holds, of any submission but
 * the dossier being judged. Strings are the reader's, valid during the
 * callback; "" when absent. */
struct facts_title {
    uint32_t year;
    int title;               /* proto Title */
    int state;               /* proto ProposalState */
    const char *person;      /* the person proposed; "" for a unit's title */
    const char *unit;        /* the unit proposed; "" for a person's title */
    const char *person_unit; /* the person's registered unit; "" for a unit's title */
};

/* What the reader knows of a ballot a proposal names. Only a published
 * result is a fact (issue 15: no result leaks before it is published); one
 * that exists but is not published makes the verdict wait (VOTE-PENDING). */
enum facts_ballot_state {
    FACTS_BALLOT_NONE,     /* no such ballot held */
    FACTS_BALLOT_OPEN,     /* open or sealed: not counted yet */
    FACTS_BALLOT_TALLIED,  /* counted, not published */
    FACTS_BALLOT_PUBLISHED /* counted and published */
};

/* Callbacks of a reader walk: 0 goes on; a negative code stops the walk and
 * is returned by it. */
typedef int (*facts_code_fn)(void *arg, const char *code);
typedef int (*facts_record_fn)(void *arg, const char *unit, const Tdkt__ResultRecord *r);
typedef int (*facts_title_fn)(void *arg, const struct facts_title *t);
typedef int (*facts_contest_fn)(void *arg, const Tdkt__ContestResult *c);

/* One subject's count in a Council vote (server/council), with the Council's
 * total membership when the vote was entered. An electronic vote still
 * open has no count yet (open = 1): the verdict waits for its close
 * (VOTE-PENDING). Strings are the reader's, valid during the callback. */
struct facts_council_count {
    const char *vote_id;
    int secret;
    unsigned yes, no, abstain, roll;
    int open;
};
typedef int (*facts_council_fn)(void *arg, const struct facts_council_count *c);

/*
 * One side's rows. Every function returns 0 or a negative TDKT_E* code (from
 * the walk's callback, or its own failure). arg is the reader's.
 */
struct facts_reader {
    void *arg;
    /* The unit code; TDKT_ENOTFOUND when it is not registered. */
    int (*unit_get)(void *arg, const char *code, struct facts_unit *out);
    /* The unit a person is registered in; TDKT_ENOTFOUND. */
    int (*person_unit)(void *arg, const char *person, char unit[FACTS_CODE_MAX + 1]);
    /* The units whose parent is code. */
    int (*units_below)(void *arg, const char *code, facts_code_fn cb, void *cb_arg);
    /* The persons registered in unit itself (not below it). */
    int (*persons_in)(void *arg, const char *unit, facts_code_fn cb, void *cb_arg);
    /* The current result records (removed ones left out) of year and kind
     * ("person_rating", "facts", "initiative", "unit_rating", "target",
     * "task", "task_plan", "score"), of unit (NULL: any unit) and key (NULL: any key),
     * with the unit each is filed under. */
    int (*records_each)(void *arg, const char *unit, uint32_t year, const char *kind,
                        const char *key, facts_record_fn cb, void *cb_arg);
    /* The proposals and decisions on record held, in any state: of person
     * (non-NULL), or of unit's own titles (non-NULL), or of everyone (both
     * NULL); of year, or of every year (0). */
    int (*titles_each)(void *arg, const char *person, const char *unit, uint32_t year,
                       facts_title_fn cb, void *cb_arg);
    /* The members of the cluster unit belongs to in year, unit included;
     * TDKT_ENOTFOUND when it is in none. */
    int (*cluster_members)(void *arg, uint32_t year, const char *unit, facts_code_fn cb,
                           void *cb_arg);
    /* 1 when this side holds unit's results (the server holds everyone's),
     * 0 when it does not, or a negative code. */
    int (*results_held)(void *arg, const char *unit);
    /* The ballot's state into *state (enum facts_ballot_state), and the
     * contests of its tally to cb when it is tallied or published; no call
     * when it is not, or not held. */
    int (*ballot_each)(void *arg, const char *ballot_id, int *state, facts_contest_fn cb,
                       void *cb_arg);
    /* The Council's votes of year on title for person (non-NULL) or unit, in
     * the order they were entered. */
    int (*council_each)(void *arg, uint32_t year, const char *person, const char *unit, int title,
                        facts_council_fn cb, void *cb_arg);
};

/* The dossier being judged: its proposals and the verdicts reached so far
 * (verdicts[i] is read only where judged[i] is non-zero). */
struct facts_dossier {
    Tdkt__Proposal *const *props;
    const struct elig_verdict *verdicts;
    const unsigned char *judged;
    size_t n;
};

/* What the judge reads for one proposal. p.person or p.unit points into this
 * struct: do not copy it. */
struct facts {
    struct elig_person_year person[FACTS_HISTORY_YEARS];
    struct elig_unit_year unit[FACTS_HISTORY_YEARS];
    struct elig_proposal p;
    char flag_unit[FACTS_CODE_MAX + 1]; /* p.cluster_flag_unit points here */
    char vote_id[FACTS_CODE_MAX + 1];   /* p.ballot.ref and p.vote_open point here */
};

/*
 * Fill f for prop (a person's or a unit's title, for year) of dossier d (NULL:
 * a proposal on its own). Returns 0; TDKT_ENOTFOUND when the subject is not
 * registered; TDKT_EINVAL when prop names neither a person nor a unit or year
 * is not a year; TDKT_ENOMEM; or the reader's error.
 */
int facts_build(const struct facts_reader *rd, uint32_t year, const Tdkt__Proposal *prop,
                const struct facts_dossier *d, struct facts *f);

/* Called after each verdict of facts_judge_dossier, in judging order; a
 * negative return stops the judging and is returned. */
typedef int (*facts_verdict_fn)(void *arg, size_t i, const struct elig_verdict *v);

/*
 * Judge the n proposals of a dossier for year under rules into out[0..n):
 * persons first, then units, each in dossier order; done (may be NULL) after
 * each. Returns 0, or the first failure with *failed set to the index of the
 * proposal it concerns (n when none): TDKT_ENOTFOUND (out[*failed].why names
 * the subject that is not registered), the getter's or the reader's error,
 * TDKT_ENOMEM.
 */
int facts_judge_dossier(const struct facts_reader *rd, const struct elig_rules *rules,
                        uint32_t year, Tdkt__Proposal *const *props, size_t n,
                        struct elig_verdict *out, facts_verdict_fn done, void *arg, size_t *failed);

/* One TTLĐXS candidate of the year's standing. */
struct facts_quota_row {
    char unit[FACTS_CODE_MAX + 1];
    int state;                     /* its TTLĐXS proposal's furthest proto ProposalState */
    struct elig_quota_candidate c; /* figures, position, tied, within; c.unit = unit */
};

/* The year's TTLĐXS standing: rows best first (malloc'd; facts_quota_free). */
struct facts_quota {
    uint32_t year;
    double pct;            /* ttldxs.quota_pct of the year's rule set */
    unsigned ttldtt_units; /* units rated TTLĐTT: see below */
    unsigned quota;        /* elig_ttldxs_quota(ttldtt_units, pct) */
    unsigned granted;      /* TTLĐXS approved or decided */
    struct facts_quota_row *rows;
    size_t n;
};

/*
 * The TTLĐXS standing of year under quota pct (docs/review.md §3.4): the
 * candidates are the units with a TTLĐXS proposal proposed (pending),
 * approved or decided; the units rated TTLĐTT are those with TTLĐTT or
 * TTLĐXS approved or decided, and the candidates (a TTLĐXS unit meets
 * TTLĐTT); the candidates ranked by elig_quota_rank() with their cluster
 * standing (criteria points), targets exceeded and points. Returns 0,
 * TDKT_EINVAL, TDKT_ENOMEM or the reader's error; *out is empty on failure.
 */
int facts_quota_read(const struct facts_reader *rd, uint32_t year, double pct,
                     struct facts_quota *out);
void facts_quota_free(struct facts_quota *q);

#endif
