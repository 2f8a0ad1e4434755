/* SPDX-License-Identifier: MIT */
/*
 * Eligibility: judges one proposal (a title or award for a person or a unit,
 * for one year) against the subject's history and the rule values of the rule
 * set in force for that year, and returns a verdict with the rule id and the
 * condition that failed. It owns the rules of domain.md §3 that concern a
 * single proposal, and the TTLĐXS quota and one-flag-per-cluster helpers. It
 * does no I/O, no allocation and no logging and keeps no state: the server
 * runs it at submission over the ledger, the client as a preview over the
 * office's data. Gathering the facts, counting the units of a quota and
 * storing the verdict are the caller's job. Vote counting is tally.h's job;
 * this module only compares a counted result with its threshold.
 *
 * Rule values come through elig_rules.get for the proposal's year (server:
 * catalog_rule_value; client: its copy of the registry). Nothing a rule
 * needs is a constant here: a value the rule set lacks gives the verdict
 * POLICY naming the key. A key is read only when the facts make it matter (a
 * person recruited years ago is not held up because the set lacks
 * ldtt.min_months_recruited; a unit that met every target is not held up by
 * exceeding.targets_met_pct). Values are doubles; "count" keys must be
 * whole numbers >= 0, "pct" keys 0..100, "flag" keys 0 or 1; anything else is
 * a broken rule set and gives TDKT_EINVAL naming the key.
 *
 * Keys (value under TT 01/2019 -> TT 02/2024 where known):
 *   ldtt.min_months_recruited     count  LĐTT: fewest full months served by a
 *                                        person recruited in the year (10 -> 6)
 *   ldtt.leave_months_min         count  LĐTT: unpaid/sick leave from this many
 *   ldtt.leave_months_max         count  months up to (not including) this many
 *                                        bars the title (3, 6). Leave at or past
 *                                        the max is not covered: POLICY.
 *   ldtt.discipline_min           count  LĐTT: the Discipline level from which a
 *                                        discipline in the year bars it (1 =
 *                                        khiển trách)
 *   cstdcs.cap_pct                pct    CSTĐCS: legacy cap as % of the unit's
 *                                        LĐTT (15). ABSENT = NO CAP (the one key
 *                                        whose absence is not a policy question)
 *   cstd_nganh.years              count  CSTĐ ngành: consecutive CSTĐCS years (3);
 *                                        also the length of one CSTĐ ngành term
 *                                        for CSTĐ toàn quốc
 *   cstd_nganh.vote_pct           pct    CSTĐ ngành: legacy council vote, % of
 *                                        all members (90). Absent = no vote needed
 *   cstd_tq.times                 count  CSTĐ toàn quốc: consecutive CSTĐ ngành (2)
 *   ttldtt.members_ldtt_pct       pct    TTLĐTT: share of members LĐTT (50)
 *   ttldtt.member_discipline_min  count  TTLĐTT: a member disciplined at this
 *                                        Discipline level or above bars it (2 =
 *                                        cảnh cáo)
 *   ttldxs.members_ldtt_pct       pct    TTLĐXS: share of members LĐTT (70)
 *   ttldxs.members_completed_pct  pct    TTLĐXS: share of members that completed
 *                                        their duties (100)
 *   ttldxs.cstdcs_min             count  TTLĐXS: fewest members CSTĐCS (1)
 *   ttldxs.quota_pct              pct    TTLĐXS: quota, % of the TTLĐTT units (20)
 *   htxsnv.requires_exceeding     flag   TTLĐXS: 1 = rated HTXSNV also means
 *                                        exceeding the plan (this sector); 0 = the
 *                                        rating alone suffices. Read only for a
 *                                        unit that did not fully exceed its plan.
 *   exceeding.targets_met_pct     pct    what share of targets met or exceeded
 *                                        still counts as exceeding the plan (is
 *                                        63/64 exceeding?). Read only when some
 *                                        target was missed.
 *   co_nganh.per_cluster          count  Cờ thi đua ngành: flags per cluster per
 *                                        year (1); read by elig_flag_check
 *   vote.flag.threshold_pct       pct    Cờ thi đua ngành: legacy cluster vote, %
 *                                        of all members (80). Absent = no vote
 *   bk_vt.years                   count  BK Viện trưởng: consecutive years (2)
 *   bk_vt.initiatives             count  BK Viện trưởng: initiatives in those
 *                                        years on the HTXSNV path (2)
 *   bk_ttg.years                  count  BK Thủ tướng: consecutive years HTTNV or
 *                                        better after the sector Bằng khen (5)
 *   bk_ttg.cstdcs                 count  BK Thủ tướng: CSTĐCS among them (3)
 *   bk_ttg.vote_pct               pct    BK Thủ tướng: council secret ballot, % of
 *                                        all members (80)
 *   hcld3.years                   count  Huân chương Lao động hạng Ba: years
 *                                        HTTNV or better after the BK Thủ tướng (5)
 *   hcld3.cstdcs                  count  HCLĐ hạng Ba: CSTĐCS among them (3)
 *
 * Rules (ids of domain.md §3; Y = the proposal year):
 * LDTT       Y evaluated and rated HTTNV or better; not recruited in Y with
 *            fewer full months than the minimum; leave (maternity excluded:
 *            it counts as working time) not in [leave_months_min,
 *            leave_months_max); no discipline at ldtt.discipline_min or above
 *            in Y unless that violation already denied the title in an
 *            earlier year (discipline_counted_before).
 * CSTDCS     Meets LĐTT and one of: rated HTXSNV, an initiative recognised in
 *            Y (base scope or wider), an accepted research topic; optional cap.
 * CSTD-NGANH CSTĐCS in each of the cstd_nganh.years years ending in Y, and an
 *            initiative of sector or national scope in those years.
 * CSTD-TQ    CSTĐ ngành in Y, Y-n, ... (cstd_tq.times terms of n =
 *            cstd_nganh.years), every year of those terms evaluated, a
 *            national initiative in them, and the Council's secret-ballot
 *            result in the dossier (secret_ballot).
 * TTLDTT     Rated HTTNV or better; members LĐTT >= pct; no member disciplined
 *            at ttldtt.member_discipline_min or above.
 * TTLDXS     TTLĐTT in Y; rated HTXSNV (and exceeding, per the flag above);
 *            completed, LĐTT and CSTĐCS member shares; within the quota.
 * CO-NGANH   TTLĐXS in Y, exceeded its plan, leads its cluster, legacy vote;
 *            fewer than co_nganh.per_cluster flags of the cluster's other
 *            units proposed, approved or decided for Y (cluster_flags). At
 *            approval the limit is checked again: elig_flag_check().
 * CO-CP      Leads its cluster and the council's secret-ballot result is in.
 * BK-VT      Person: CSTĐCS in each of the bk_vt.years years ending in Y, or
 *            rated HTXSNV in each with bk_vt.initiatives initiatives among
 *            them.
 * BK-TTG     Person: a sector Bằng khen in year S; every year of the
 *            bk_ttg.years ending in Y evaluated, rated HTTNV or better and
 *            after S; bk_ttg.cstdcs CSTĐCS among them; council vote.
 * HCLD-3     Person: as BK-TTG from the BK Thủ tướng, with the hcld3 keys.
 * DEFER      The subject is under review in Y: DEFERRED.
 * VOTE-PENDING The ballot the proposal names exists but its result is not
 *            published, or the Council's electronic vote on the proposal
 *            is still open: DEFERRED until it is published (closed), for
 *            every title, so that the verdict tells nothing of an
 *            unpublished count.
 * DISSOLVED  The unit is dissolved in Y: BLOCKED.
 * ONCE       The title is already held for Y (titles of Y, or
 *            already_awarded): INELIGIBLE. An annulled decision is not held:
 *            the caller leaves it out.
 * A title the rules of domain.md §3 do not cover for the subject (BK-VT,
 * BK-TTG or HCLĐ for a unit; HCLĐ hạng Nhất/Nhì; Cờ dẫn đầu khối) is POLICY
 * with key "".
 *
 * "Consecutive" means every year of the run is in the history, evaluated and
 * meets the condition; the first year (counting back from Y) that does not
 * is named in the reason and in verdict.year. A lower title a rule needs
 * (CSTĐCS for CSTĐ ngành, TTLĐXS for the flag...) must be held (the year's
 * titles) in earlier years; in Y it may be held or be met now, judged by
 * these rules, because one dossier proposes both. Runs and counts use the
 * rule values of Y: earlier years' titles were decided under their own sets.
 *
 * Verdict order: BLOCKED, then DEFERRED, then INELIGIBLE (ONCE first, then the
 * first failed condition), then POLICY, then ELIGIBLE. A dissolved unit
 * cannot be commended however the review ends, so blocking outranks
 * deferral; while a review is open the facts are not settled, and the decree
 * says defer, not refuse, so deferral outranks every failure. A failure that
 * holds whatever the missing value turns out to be is certain, so it
 * outranks a policy question.
 */
#ifndef TDKT_COMMON_DOMAIN_ELIGIBILITY_H
#define TDKT_COMMON_DOMAIN_ELIGIBILITY_H

#include <stddef.h>
#include <stdint.h>

#include "common/domain/elig_period.h"
#include "common/text/reason.h"

#define ELIG_YEARS_MAX 64 /* history entries per subject */

enum elig_outcome {
    ELIG_ELIGIBLE = 0,
    ELIG_INELIGIBLE = 1, /* rule and why say which condition failed */
    ELIG_DEFERRED = 2,   /* DEFER: under review; judge again after it */
    ELIG_BLOCKED = 3,    /* DISSOLVED */
    ELIG_POLICY = 4      /* key names the missing value; "" for a question left open */
};

/* A rule value for the proposal's year: 0 with *value set, TDKT_ENOTFOUND
   when the rule set lacks it, any other negative code for a failure (passed
   back to the caller of elig_judge). */
typedef int (*elig_get_fn)(void *arg, const char *key, double *value);

struct elig_rules {
    elig_get_fn get;
    void *arg;
};

/* Initiatives recognised in a year, by their widest scope (proto Scope). */
struct elig_initiatives {
    unsigned base, sector, national;
};

/* One year of a person's history. titles: bit (1u << t) for each proto Title
   t held for that year (annulled decisions left out). */
struct elig_person_year {
    unsigned year;
    int evaluated; /* 0: no evaluation this year; it breaks any run */
    int rating;    /* proto Rating; required when evaluated */
    uint32_t titles;
    struct elig_initiatives initiatives;
    int research;                  /* an accepted research topic */
    struct elig_date recruited_on; /* year 0: recruited long ago */
    unsigned leave_months;         /* unpaid / sick leave, maternity excluded */
    unsigned maternity_months;     /* counts as working time */
    int discipline;                /* proto Discipline decided in this year */
    struct elig_date disciplined_on;
    int discipline_counted_before; /* the violation already denied the title in an earlier year */
    int under_review;              /* DEFER */
};

/* One year of a unit's history. */
struct elig_unit_year {
    unsigned year;
    int evaluated;
    int rating;
    uint32_t titles;
    unsigned targets_total, targets_met; /* met or exceeded; 0 of 0 = no targets */
    int exceeded_plan;                   /* output beyond the plan's targets and tasks */
    unsigned members, members_completed, members_ldtt, members_cstdcs;
    int member_discipline; /* most severe proto Discipline of a member in the year */
    int under_review;      /* DEFER */
    int dissolved;         /* DISSOLVED */
};

/* A counted vote (tally.h): yes of roll, the total membership. */
struct elig_ballot {
    int present;
    unsigned yes, roll;
    const char *ref; /* the vote's id, borrowed; NULL or "" when not known */
};

/*
 * One proposal. Exactly one of person / unit is non-NULL, with n entries in
 * any order, one per year (years missing from it count as not evaluated).
 * The context fields are read only by the titles named beside them.
 */
struct elig_proposal {
    int title; /* proto Title */
    unsigned year;
    int already_awarded; /* ONCE: the ledger holds this title for this year */
    const struct elig_person_year *person;
    const struct elig_unit_year *unit;
    size_t n;
    unsigned bk_sector_year; /* BK-TTG: year of the latest sector Bằng khen, 0 none */
    unsigned bk_ttg_year;    /* HCLD-3: year of the latest BK Thủ tướng, 0 none */
    unsigned unit_ldtt, unit_cstdcs_granted; /* CSTDCS cap: the unit's LĐTT; CSTĐCS
                                                already granted, this one excluded */
    unsigned ttldtt_units, ttldxs_granted;   /* TTLDXS quota: units rated TTLĐTT in
                                                the quota's scope; TTLĐXS already granted */
    int leads_cluster;                       /* CO-NGANH, CO-CP */
    unsigned cluster_flags;        /* CO-NGANH: flags of the cluster's other units proposed
                                      (pending), approved or decided for the year */
    const char *cluster_flag_unit; /* CO-NGANH: one of those units (borrowed), or NULL */
    int secret_ballot;             /* CO-CP: the council's secret-ballot result is in the dossier */
    int ballot_pending;            /* the ballot the dossier names is not published yet, or
                                      the Council's electronic vote on it is still open */
    const char *vote_open;         /* that open Council vote's id (borrowed), or NULL */
    struct elig_ballot ballot;     /* CSTD-NGANH, CO-NGANH (legacy), BK-TTG */
};

struct elig_verdict {
    enum elig_outcome outcome;
    const char *rule;    /* static: "LDTT", "TTLDXS", "ONCE"...; "" when eligible */
    const char *key;     /* static: POLICY's missing key, "" otherwise */
    unsigned year;       /* the year whose facts failed (e.g. broke a run); 0 if none */
    struct reason why;   /* the reason; why.text is the English sentence (common/text/reason.h) */
    struct reason cause; /* a lower title's reason, which why quotes as its last value; its
                            text is "" when there is none (elig_reason_text) */
};

/*
 * Judge p under the rule values r into *out. Returns 0 with a verdict;
 * TDKT_EINVAL (with out->why saying what) for NULL arguments, a malformed
 * history (duplicate or impossible years, counts past the members, an
 * evaluated year without a rating, leave past 12 months, a bad date), a
 * title that is not for the subject (CSTĐCS for a unit), or a rule value
 * out of its range; or the getter's own error code.
 */
int elig_judge(const struct elig_proposal *p, const struct elig_rules *r, struct elig_verdict *out);

/* "eligible", "ineligible", "deferred", "blocked", "policy"; never NULL. */
const char *elig_outcome_name(enum elig_outcome o);

#endif
