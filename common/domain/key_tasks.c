/* SPDX-License-Identifier: MIT */
/* A unit's key tasks for a year; see key_tasks.h. */
#include "common/domain/key_tasks.h"

void key_tasks_add(struct key_tasks *k, const Tdkt__ResultRecord *r)
{
    if (r->removed)
        return;
    if (r->item_case == TDKT__RESULT_RECORD__ITEM_TASK_PLAN) {
        k->plan = r->task_plan->planned;
        k->has_plan = 1;
    } else if (r->item_case == TDKT__RESULT_RECORD__ITEM_TASK) {
        int emerging = r->task->origin == TDKT__TASK_ORIGIN__TASK_ORIGIN_EMERGING;

        k->assigned += !emerging;
        k->assigned_done += !emerging && r->task->done;
        k->emerging_done += emerging && r->task->done;
    }
}

unsigned key_tasks_done(const struct key_tasks *k)
{
    return k->assigned_done + k->emerging_done;
}

unsigned key_tasks_planned(const struct key_tasks *k)
{
    return k->has_plan ? k->plan : k->assigned;
}

int key_tasks_exceeded(const struct key_tasks *k)
{
    return k->has_plan ? key_tasks_done(k) > k->plan : k->emerging_done > 0;
}
