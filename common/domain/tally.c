/* SPDX-License-Identifier: MIT */
/*
 * Tally: counting one contest and deciding who passes and who is elected, by
 * the rules written in tally.h (VOTE-BASE, CO-NGANH, CLUSTER-LEAD). Pure: no
 * I/O, no allocation, no logging. Both entry points, ballots one by one and
 * paper counts, end in tally_decide() so that a recount from the minutes
 * reaches exactly the same decision and sentence as the ballots themselves.
 */
#include "tally.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/wire/utf8.h"

/* A sentence built piece by piece into a fixed buffer; a sentence that does
   not fit ends in "..." rather than being cut silently. */
struct why {
    char *buf;
    size_t cap;
    size_t len;
    int full;
};

__attribute__((format(printf, 2, 3))) static void why_add(struct why *w, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (w->full)
        return;
    va_start(ap, fmt);
    n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= w->cap - w->len) {
        w->full = 1;
        utf8_ellipsize(w->buf, w->cap);
        w->len = strlen(w->buf);
        return;
    }
    w->len += (size_t)n;
}

static const char *votes_word(unsigned n)
{
    return n == 1 ? "vote" : "votes";
}

/* Clear *out and put the reason for a refusal in out->why. */
__attribute__((format(printf, 2, 3))) static int tally_refuse(struct tally_result *out,
                                                              const char *fmt, ...)
{
    va_list ap;

    if (out == NULL)
        return TDKT_EINVAL;
    memset(out, 0, sizeof *out);
    va_start(ap, fmt);
    utf8_vformat(out->why, sizeof out->why, fmt, ap);
    va_end(ap);
    return TDKT_EINVAL;
}

int tally_contest_check(const struct tally_contest *k)
{
    if (k == NULL)
        return TDKT_EINVAL;
    if (k->method != TALLY_ONE_CHOICE && k->method != TALLY_APPROVE && k->method != TALLY_YES_NO)
        return TDKT_EINVAL;
    if (k->ncandidates < 1 || k->ncandidates > TALLY_CANDIDATES_MAX)
        return TDKT_EINVAL;
    if (k->seats < 1 || k->seats > k->ncandidates)
        return TDKT_EINVAL;
    if (k->method == TALLY_ONE_CHOICE && k->max_choices != 1)
        return TDKT_EINVAL;
    if (k->method == TALLY_APPROVE && (k->max_choices < 1 || k->max_choices > k->ncandidates))
        return TDKT_EINVAL;
    if (k->threshold_pct > TALLY_PCT_MAX || k->roll < 1)
        return TDKT_EINVAL;
    return 0;
}

/* The ballot rules for a contest already checked. */
static int ballot_valid(const struct tally_contest *k, const struct tally_ballot *b)
{
    unsigned marked = 0;

    for (unsigned i = 0; i < TALLY_CANDIDATES_MAX; i++) {
        uint8_t m = b->marks[i];

        if (m == 0)
            continue;
        if (i >= k->ncandidates)
            return 0;
        if (k->method == TALLY_YES_NO) {
            if (m > TALLY_NO)
                return 0;
            continue;
        }
        if (m != 1)
            return 0;
        marked++;
    }
    if (k->method == TALLY_ONE_CHOICE && marked > 1)
        return 0;
    if (k->method == TALLY_APPROVE && marked > k->max_choices)
        return 0;
    return 1;
}

int tally_check_ballot(const struct tally_contest *k, const struct tally_ballot *b)
{
    if (tally_contest_check(k) != 0 || b == NULL)
        return TDKT_EINVAL;
    return ballot_valid(k, b) ? 0 : TDKT_EINVAL;
}

/* VOTE-BASE: yes votes needed out of the whole roll, never below 1. */
static unsigned votes_needed(const struct tally_contest *k)
{
    uint64_t need = ((uint64_t)k->threshold_pct * k->roll + TALLY_PCT_MAX - 1) / TALLY_PCT_MAX;

    return need < 1 ? 1 : (unsigned)need;
}

/* Append "candidate 3" or "candidates 1, 2 and 3" for order[from..to). */
static void why_add_list(struct why *w, const struct tally_result *r, const unsigned *order,
                         unsigned from, unsigned to, int with_votes)
{
    why_add(w, "candidate%s ", to - from > 1 ? "s" : "");
    for (unsigned j = from; j < to; j++) {
        unsigned i = order[j];

        if (j > from)
            why_add(w, "%s", j + 1 == to ? " and " : ", ");
        if (with_votes)
            why_add(w, "%u (%u %s)", i, r->c[i].yes, votes_word(r->c[i].yes));
        else
            why_add(w, "%u", i);
    }
}

/*
 * From the yes/no/abstain counts in r, decide passes and elected (see the
 * election rule in tally.h) and write the sentence. The order of the passing
 * candidates is yes descending, then index ascending, so a tied group is
 * listed by index.
 */
static void tally_decide(const struct tally_contest *k, struct tally_result *r)
{
    unsigned order[TALLY_CANDIDATES_MAX];
    unsigned np = 0, filled, group_end = 0, need = votes_needed(k), best = 0;
    struct why w = {r->why, sizeof r->why, 0, 0};

    for (unsigned i = 0; i < k->ncandidates; i++) {
        struct tally_candidate *c = &r->c[i];
        unsigned j;

        if (c->yes > best)
            best = c->yes;
        c->passes =
            c->yes >= 1 && (uint64_t)c->yes * TALLY_PCT_MAX >= (uint64_t)k->threshold_pct * k->roll;
        c->elected = 0;
        if (!c->passes)
            continue;
        for (j = np; j > 0 && r->c[order[j - 1]].yes < c->yes; j--)
            order[j] = order[j - 1];
        order[j] = i;
        np++;
    }

    filled = np < k->seats ? np : k->seats;
    r->tie = 0;
    if (np > k->seats && r->c[order[k->seats]].yes == r->c[order[k->seats - 1]].yes) {
        unsigned v = r->c[order[k->seats - 1]].yes;

        r->tie = 1;
        for (filled = k->seats - 1; filled > 0 && r->c[order[filled - 1]].yes == v; filled--)
            ;
        for (group_end = k->seats; group_end < np && r->c[order[group_end]].yes == v; group_end++)
            ;
    }
    for (unsigned j = 0; j < filled; j++)
        r->c[order[j]].elected = 1;
    r->elected = filled;

    memset(r->why, 0, sizeof r->why);
    if (np == 0) {
        why_add(&w,
                "no candidate reached the threshold: %u%% of %u members needs %u %s; the most "
                "any candidate had was %u",
                k->threshold_pct, k->roll, need, votes_word(need), best);
        return;
    }
    if (filled > 0) {
        why_add(&w, "elected: ");
        why_add_list(&w, r, order, 0, filled, 1);
        why_add(&w, "; ");
    }
    if (r->tie) {
        unsigned v = r->c[order[filled]].yes;

        why_add_list(&w, r, order, filled, group_end, 0);
        why_add(&w, " tie with %u %s each for ", v, votes_word(v));
        if (k->seats - filled == 1)
            why_add(&w, "seat %u of %u; no winner", filled + 1, k->seats);
        else
            why_add(&w, "seats %u to %u of %u; no winner", filled + 1, k->seats, k->seats);
        return;
    }
    why_add(&w, "%u of %u %s filled", filled, k->seats, k->seats == 1 ? "seat" : "seats");
    if (filled < k->seats)
        why_add(&w, "; no other candidate reached %u%% of %u members (%u %s)", k->threshold_pct,
                k->roll, need, votes_word(need));
}

int tally_count(const struct tally_contest *k, const struct tally_ballot *b, size_t n,
                struct tally_result *out)
{
    if (out == NULL)
        return TDKT_EINVAL;
    if (tally_contest_check(k) != 0)
        return tally_refuse(out, "the contest is malformed");
    if (b == NULL && n > 0)
        return tally_refuse(out, "no ballots given for a count of %zu", n);
    /* Each ballot, valid or not, was handed in by one member of the roll. */
    if (n > k->roll)
        return tally_refuse(out, "%zu ballots for a roll of %u members: more ballots than voters",
                            n, k->roll);

    memset(out, 0, sizeof *out);
    for (size_t j = 0; j < n; j++) {
        const uint8_t *m = b[j].marks;
        int marked = 0;

        if (!ballot_valid(k, &b[j])) {
            out->invalid++;
            continue;
        }
        out->ballots++;
        for (unsigned i = 0; i < k->ncandidates; i++) {
            struct tally_candidate *c = &out->c[i];

            if (k->method == TALLY_YES_NO) {
                if (m[i] == TALLY_YES)
                    c->yes++;
                else if (m[i] == TALLY_NO)
                    c->no++;
                else
                    c->abstain++;
            } else if (m[i] == 1) {
                c->yes++;
                marked = 1;
            }
        }
        if (k->method != TALLY_YES_NO && !marked)
            out->blank++;
    }
    if (k->method != TALLY_YES_NO)
        for (unsigned i = 0; i < k->ncandidates; i++)
            out->c[i].abstain = out->ballots - out->c[i].yes;
    tally_decide(k, out);
    return 0;
}

int tally_from_counts(const struct tally_contest *k, unsigned ballots, const unsigned yes[],
                      const unsigned no[], const unsigned abstain[], struct tally_result *out)
{
    uint64_t sum_yes = 0;

    if (out == NULL)
        return TDKT_EINVAL;
    if (tally_contest_check(k) != 0)
        return tally_refuse(out, "the contest is malformed");
    if (yes == NULL || (k->method == TALLY_YES_NO && (no == NULL || abstain == NULL)))
        return tally_refuse(out, "the minutes lack a column of counts");
    if (ballots > k->roll)
        return tally_refuse(out, "%u ballots for a roll of %u members: more ballots than voters",
                            ballots, k->roll);

    for (unsigned i = 0; i < k->ncandidates; i++) {
        if (yes[i] > ballots)
            return tally_refuse(out, "candidate %u has %u yes out of %u ballots", i, yes[i],
                                ballots);
        sum_yes += yes[i];
        if (k->method == TALLY_YES_NO) {
            uint64_t sum = (uint64_t)yes[i] + no[i] + abstain[i];

            if (sum != ballots)
                return tally_refuse(out,
                                    "candidate %u: %u yes + %u no + %u abstain is not the %u "
                                    "ballots counted",
                                    i, yes[i], no[i], abstain[i], ballots);
            continue;
        }
        if (no != NULL && no[i] != 0)
            return tally_refuse(out, "candidate %u has %u no votes in a contest without no", i,
                                no[i]);
        if (abstain != NULL && abstain[i] != ballots - yes[i])
            return tally_refuse(out, "candidate %u: %u yes + %u not marking is not the %u ballots",
                                i, yes[i], abstain[i], ballots);
    }
    if (k->method == TALLY_ONE_CHOICE && sum_yes > ballots)
        return tally_refuse(out, "%llu choices on %u one-choice ballots",
                            (unsigned long long)sum_yes, ballots);
    if (k->method == TALLY_APPROVE && sum_yes > (uint64_t)ballots * k->max_choices)
        return tally_refuse(out, "%llu approvals on %u ballots of at most %u each",
                            (unsigned long long)sum_yes, ballots, k->max_choices);

    memset(out, 0, sizeof *out);
    out->ballots = ballots;
    for (unsigned i = 0; i < k->ncandidates; i++) {
        out->c[i].yes = yes[i];
        out->c[i].no = k->method == TALLY_YES_NO ? no[i] : 0;
        out->c[i].abstain = k->method == TALLY_YES_NO ? abstain[i] : ballots - yes[i];
    }
    if (k->method == TALLY_ONE_CHOICE)
        out->blank = ballots - (unsigned)sum_yes;
    tally_decide(k, out);
    return 0;
}
