/* SPDX-License-Identifier: MIT */
/*
 * A unit's key tasks (nhiệm vụ trọng tâm) for a year, counted the one way
 * every reader counts them: the eligibility facts (facts.c: was the plan
 * exceeded?), the report's standings (server/review/review_read.c: tasks
 * done against planned) and `tdkt results show` (the line "Nhiệm vụ trọng
 * tâm: 14 được giao + 3 phát sinh / kế hoạch 8 = 212,5%"). Pure.
 *
 * The plan is the unit's TaskPlan record when it has one (Cục 3, 2021: 8);
 * without one, the assigned tasks stand for it, done or not
 * (docs/results.md). Tasks done count both origins: emerging tasks done
 * are work beyond the plan, which is how 17 tasks done make 212.5% of a
 * plan of 8.
 */
#ifndef TDKT_COMMON_DOMAIN_KEY_TASKS_H
#define TDKT_COMMON_DOMAIN_KEY_TASKS_H

#include "proto/tdkt.pb-c.h"

struct key_tasks {
    unsigned assigned;      /* assigned tasks, done or not */
    unsigned assigned_done; /* assigned tasks done */
    unsigned emerging_done; /* emerging tasks done */
    unsigned plan;          /* the TaskPlan's count, when has_plan */
    int has_plan;
};

/* Count r when it is a current task or task_plan record of the unit-year
 * (a removed revision counts for nothing); other kinds are ignored. */
void key_tasks_add(struct key_tasks *k, const Tdkt__ResultRecord *r);

/* Key tasks done, assigned and emerging. */
unsigned key_tasks_done(const struct key_tasks *k);

/* The plan's count, or the assigned tasks without a plan. */
unsigned key_tasks_planned(const struct key_tasks *k);

/*
 * Did the key tasks go beyond the plan (docs/review.md §3.3)? With a plan:
 * more tasks done than its count. Without one: an emerging task done on top
 * of the assigned ones.
 */
int key_tasks_exceeded(const struct key_tasks *k);

#endif
