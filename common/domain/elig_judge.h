/* SPDX-License-Identifier: MIT */
/*
 * The judge's own workings, shared by its two files and by nothing else:
 * eligibility.c holds the machinery (the verdict, rule values, runs of
 * years, titles held, the input check and elig_judge itself), elig_titles.c
 * the rule of each title (domain.md §3); elig_quota.c builds the flag
 * check's verdict with the same helpers. Include it only from those three.
 *
 * A check returns PASS, FAIL (the verdict is set: a certain failure) or,
 * from elig_need(), HOLE (the value is missing: a policy question is
 * pending unless the key's absence has a reading, elig_keys.h); any of them
 * may instead return a negative TDKT_E* code, passed back by elig_judge.
 */
#ifndef TDKT_COMMON_DOMAIN_ELIG_JUDGE_H
#define TDKT_COMMON_DOMAIN_ELIG_JUDGE_H

#include <stdint.h>

#include "common/domain/eligibility.h"
#include "common/text/i18n.h"
#include "proto/tdkt.pb-c.h"

#define PASS 0
#define FAIL 1
#define HOLE 2 /* elig_need(): the value is missing; a policy question is pending */

#define R_EXCELLENT  TDKT__RATING__RATING_EXCELLENT
#define R_GOOD       TDKT__RATING__RATING_GOOD
#define R_FAILED     TDKT__RATING__RATING_FAILED
#define D_NONE       TDKT__DISCIPLINE__DISCIPLINE_NONE
#define D_MAX        TDKT__DISCIPLINE__DISCIPLINE_DISMISSAL
#define T_LDTT       TDKT__TITLE__TITLE_LDTT
#define T_CSTDCS     TDKT__TITLE__TITLE_CSTDCS
#define T_CSTD_NGANH TDKT__TITLE__TITLE_CSTD_NGANH
#define T_CSTD_TQ    TDKT__TITLE__TITLE_CSTD_TQ
#define T_TTLDTT     TDKT__TITLE__TITLE_TTLDTT
#define T_TTLDXS     TDKT__TITLE__TITLE_TTLDXS
#define T_CO_NGANH   TDKT__TITLE__TITLE_CO_NGANH
#define T_CO_DDK     TDKT__TITLE__TITLE_CO_DAN_DAU_KHOI
#define T_CO_CP      TDKT__TITLE__TITLE_CO_CP
#define T_BK_VT      TDKT__TITLE__TITLE_BK_VT
#define T_BK_TTG     TDKT__TITLE__TITLE_BK_TTG
#define T_HCLD_1     TDKT__TITLE__TITLE_HCLD_1
#define T_HCLD_2     TDKT__TITLE__TITLE_HCLD_2
#define T_HCLD_3     TDKT__TITLE__TITLE_HCLD_3
#define T_LAST       T_HCLD_3

#define ELIG_RATINGS     5 /* proto Rating values, 0 = unrated */
#define ELIG_DISCIPLINES 6 /* proto Discipline values */

/* The rule id and the Vietnamese short name of each title, by proto value. */
struct elig_title_name {
    const char *rule, *name;
};
extern const struct elig_title_name elig_titles[T_LAST + 1];
extern const char *const elig_rating_names[ELIG_RATINGS];
extern const char *const elig_discipline_names[ELIG_DISCIPLINES];

/* One judgement in progress; judge_title() may nest one for a lower title. */
struct judge {
    const struct elig_proposal *p;
    const struct elig_rules *r;
    struct elig_verdict *out;
    int title;               /* the title being judged: the proposed one or a lower one */
    int depth;               /* 0: the proposed title; >0: a lower title it needs in Y */
    const char *policy_rule; /* the first pending policy question, NULL if none */
    const char *policy_key;
    struct reason policy_why;
    const char *vote_body; /* a vote passed: "council" or "cluster", NULL if none; its counts */
    double vote_pct;       /* are j->p->ballot's, for the eligible reason */
};

void elig_verdict_set(struct elig_verdict *v, enum elig_outcome o, const char *rule,
                      const char *key, unsigned year);
/* Refuse to judge: *v is INELIGIBLE with no rule, key set, why formatted; returns rc. */
__attribute__((format(printf, 4, 5))) int elig_refuse(struct elig_verdict *v, int rc,
                                                      const char *key, const char *fmt, ...);
/* A certain failure of rule in year: the verdict, at once; returns FAIL. */
__attribute__((format(printf, 4, 5))) int elig_fail(struct judge *j, const char *rule,
                                                    unsigned year, const char *fmt, ...);
/* Remember the first policy question; the judgement goes on. */
__attribute__((format(printf, 4, 5))) void elig_policy(struct judge *j, const char *rule,
                                                       const char *key, const char *fmt, ...);
/* Read key into *v: 0, HOLE or < 0 (above). */
int elig_need(struct judge *j, const char *rule, const char *key, double *v);
/* A flag whose absence has a reading: the value or that reading; < 0 on a failure. */
int elig_flag_or_default(struct judge *j, const char *rule, const char *key);
/* n * 100 >= pct * of, the share test of every percentage rule. */
int elig_share_ok(unsigned n, unsigned of, double pct);
const struct elig_person_year *elig_person_in(const struct elig_proposal *p, unsigned y);
const struct elig_unit_year *elig_unit_in(const struct elig_proposal *p, unsigned y);
/* The subject's evaluation of year y: 1 evaluated (rating, titles), 0 not. */
int elig_year_of(const struct elig_proposal *p, unsigned y, int *rating, uint32_t *held);
/* Does the subject hold title t in year y (held, or in the proposal year met
 * now)? 1 or 0 (sub says why not), or < 0. */
int elig_holds(struct judge *j, int t, unsigned y, struct elig_verdict *sub);
/* Fail rule because t is not held in y, with the lower title's own reason. */
int elig_fail_lower(struct judge *j, const char *rule, int t, unsigned y,
                    const struct elig_verdict *sub);
/* The run of n years ending in the proposal year, each holding t (t > 0) or
 * rated at least min_rating (t == 0). */
int elig_run(struct judge *j, const char *rule, unsigned n, int t, int min_rating,
             const char *what);
/* A counted vote against pct of the whole membership (VOTE-BASE). */
int elig_vote(struct judge *j, const char *rule, double pct, const char *body);
/* Initiatives of at least min_scope in the n years ending in the proposal year. */
unsigned elig_initiatives_in(const struct judge *j, unsigned n, int min_scope);
/* Judge title for the subject (the proposed one or a lower one it needs). */
int elig_judge_title(struct judge *j, int title);

/* The title rules, elig_titles.c. */
int elig_judge_ldtt(struct judge *j);
int elig_judge_cstdcs(struct judge *j);
int elig_judge_cstd_nganh(struct judge *j);
int elig_judge_cstd_tq(struct judge *j);
int elig_judge_ttldtt(struct judge *j);
int elig_judge_ttldxs(struct judge *j);
int elig_judge_co_nganh(struct judge *j);
int elig_judge_co_cp(struct judge *j);
int elig_judge_bk_vt(struct judge *j);
int elig_judge_bk_ttg(struct judge *j);
/* BK-TTG and HCLD-3: years after a prior award, rated HTTNV or better, with CSTĐCS among them. */
int elig_judge_after_award(struct judge *j, const char *rule, unsigned since, const char *award,
                           const char *years_key, const char *cstdcs_key);

#endif
