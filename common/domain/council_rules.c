/* SPDX-License-Identifier: MIT */
/* The shape of a Council vote and of a member's cast, and the count; see
 * council_rules.h. */
#include "common/domain/council_rules.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

#define CV "council_vote."

static const char *str(const char *s)
{
    return s ? s : "";
}

static int person_title(int t)
{
    return t == TDKT__TITLE__TITLE_LDTT || t == TDKT__TITLE__TITLE_CSTDCS ||
           t == TDKT__TITLE__TITLE_CSTD_NGANH || t == TDKT__TITLE__TITLE_CSTD_TQ ||
           t == TDKT__TITLE__TITLE_BK_VT || t == TDKT__TITLE__TITLE_BK_TTG ||
           (t >= TDKT__TITLE__TITLE_HCLD_1 && t <= TDKT__TITLE__TITLE_HCLD_3);
}

/* Subject k of contest i: one person or one unit, a title that fits it. */
static int subject_check(const Tdkt__CouncilSubject *s, size_t i, size_t k, struct fault *f)
{
    char field[RECORD_FIELD_MAX];
    int person = *str(s->person_id) != '\0', unit = *str(s->unit_code) != '\0';
    const struct record_label *t = record_label_of(record_titles, (int)s->title);

    snprintf(field, sizeof field, CV "contests[%zu].subjects[%zu]", i, k);
    if (person == unit)
        return fault_set(f, TDKT_EINVAL, field, "name exactly one person or one unit");
    if (person ? !record_code_valid(s->person_id) : !record_code_valid(s->unit_code))
        return fault_set(f, TDKT_EINVAL, field, RECORD_CODE_RULE,
                         person ? "a person id" : "a unit code");
    snprintf(field, sizeof field, CV "contests[%zu].subjects[%zu].title", i, k);
    if (t == NULL)
        return fault_set(f, TDKT_EINVAL, field, "title %d is not a title", (int)s->title);
    if (person && !person_title((int)s->title))
        return fault_set(f, TDKT_EINVAL, field, "%s is a unit's title, not a person's", t->code);
    if (unit && person_title((int)s->title))
        return fault_set(f, TDKT_EINVAL, field, "%s is a person's title, not a unit's", t->code);
    return 0;
}

/* Is subject s of contest i already voted on earlier in v (before contest i,
 * subject k)? */
static int subject_seen(const Tdkt__CouncilVote *v, size_t i, size_t k, size_t *at)
{
    const Tdkt__CouncilSubject *s = v->contests[i]->subjects[k];

    for (size_t a = 0; a <= i; a++) {
        const Tdkt__CouncilContest *c = v->contests[a];
        for (size_t b = 0; b < (a == i ? k : c->n_subjects); b++) {
            const Tdkt__CouncilSubject *o = c->subjects[b];
            if (o->title == s->title && strcmp(str(o->person_id), str(s->person_id)) == 0 &&
                strcmp(str(o->unit_code), str(s->unit_code)) == 0) {
                *at = a;
                return 1;
            }
        }
    }
    return 0;
}

static int contest_check(const Tdkt__CouncilVote *v, size_t i, struct fault *f)
{
    const Tdkt__CouncilContest *c = v->contests[i];
    char field[RECORD_FIELD_MAX];
    size_t at;
    int rc;

    snprintf(field, sizeof field, CV "contests[%zu].code", i);
    if (!record_code_valid(c->code))
        return fault_set(f, TDKT_EINVAL, field, RECORD_CODE_RULE, "a contest code");
    for (size_t a = 0; a < i; a++)
        if (strcmp(str(v->contests[a]->code), c->code) == 0)
            return fault_set(f, TDKT_EINVAL, field, "contest '%s' is given twice (also [%zu])",
                             c->code, a);
    snprintf(field, sizeof field, CV "contests[%zu].subjects", i);
    if (c->n_subjects == 0 || c->n_subjects > COUNCIL_SUBJECTS_MAX)
        return fault_set(f, TDKT_EINVAL, field,
                         "a contest votes on 1 to %d proposals at once, not %zu",
                         COUNCIL_SUBJECTS_MAX, c->n_subjects);
    for (size_t k = 0; k < c->n_subjects; k++) {
        if ((rc = subject_check(c->subjects[k], i, k, f)))
            return rc;
        if (subject_seen(v, i, k, &at)) {
            snprintf(field, sizeof field, CV "contests[%zu].subjects[%zu]", i, k);
            return fault_set(f, TDKT_EINVAL, field,
                             "this proposal is already voted on in contests[%zu]", at);
        }
    }
    if ((uint64_t)c->yes + c->no + c->abstain > UINT32_MAX) {
        snprintf(field, sizeof field, CV "contests[%zu].yes", i);
        return fault_set(f, TDKT_EINVAL, field, "the counts are out of range");
    }
    if (v->mode == TDKT__VOTE_MODE__VOTE_MODE_ELECTRONIC && (c->yes || c->no || c->abstain)) {
        snprintf(field, sizeof field, CV "contests[%zu].yes", i);
        return fault_set(f, TDKT_EINVAL, field,
                         "an electronic vote is opened without counts (%u yes, %u no, %u "
                         "abstain given): the members cast them, and the close counts them",
                         c->yes, c->no, c->abstain);
    }
    return 0;
}

int council_rules_vote_validate(const Tdkt__CouncilVote *v, struct fault *f)
{
    int rc;

    if (!record_code_valid(v->vote_id))
        return fault_set(f, TDKT_EINVAL, CV "vote_id", RECORD_CODE_RULE, "a vote id");
    if (!record_year_valid(v->year))
        return fault_set(f, TDKT_EINVAL, CV "year", "a year from %d to %d", RECORD_YEAR_MIN,
                         RECORD_YEAR_MAX);
    if (!record_code_valid(v->council_code))
        return fault_set(f, TDKT_EINVAL, CV "council_code", RECORD_CODE_RULE, "a Council code");
    if (v->mode != TDKT__VOTE_MODE__VOTE_MODE_PAPER &&
        v->mode != TDKT__VOTE_MODE__VOTE_MODE_ELECTRONIC)
        return fault_set(f, TDKT_EINVAL, CV "mode",
                         "the mode must be paper (the counts from the minutes) or electronic "
                         "(the members cast)");
    /* An electronic vote may open before the meeting's minutes exist. */
    if ((v->mode == TDKT__VOTE_MODE__VOTE_MODE_PAPER || *str(v->minutes_ref)) &&
        !record_name_valid(v->minutes_ref, RECORD_NAME_MAX))
        return fault_set(f, TDKT_EINVAL, CV "minutes_ref",
                         "the minutes' reference (biên bản số ..., ngày ...) is required: 1 to "
                         "%d bytes of text",
                         RECORD_NAME_MAX);
    if (*str(v->held_on) && !record_date_valid(v->held_on))
        return fault_set(f, TDKT_EINVAL, CV "held_on",
                         "the meeting's date is YYYY-MM-DD, a real calendar date");
    if (v->n_contests == 0 || v->n_contests > COUNCIL_CONTESTS_MAX)
        return fault_set(f, TDKT_EINVAL, CV "contests", "a vote has 1 to %d contests, not %zu",
                         COUNCIL_CONTESTS_MAX, v->n_contests);
    for (size_t i = 0; i < v->n_contests; i++)
        if ((rc = contest_check(v, i, f)))
            return rc;
    return 0;
}

/* --- electronic votes ------------------------------------------------------ */

#define CC "council_cast."

int council_rules_cast_validate(const Tdkt__CouncilCast *c, struct fault *f)
{
    char field[RECORD_FIELD_MAX];

    if (!record_code_valid(c->vote_id))
        return fault_set(f, TDKT_EINVAL, CC "vote_id", RECORD_CODE_RULE, "a vote id");
    if (c->n_choices == 0 || c->n_choices > COUNCIL_CONTESTS_MAX)
        return fault_set(f, TDKT_EINVAL, CC "choices", "a cast answers 1 to %d contests, not %zu",
                         COUNCIL_CONTESTS_MAX, c->n_choices);
    for (size_t i = 0; i < c->n_choices; i++) {
        const Tdkt__CouncilChoice *ch = c->choices[i];

        snprintf(field, sizeof field, CC "choices[%zu].contest", i);
        if (!record_code_valid(ch->contest))
            return fault_set(f, TDKT_EINVAL, field, RECORD_CODE_RULE, "a contest code");
        for (size_t k = 0; k < i; k++)
            if (strcmp(c->choices[k]->contest, ch->contest) == 0)
                return fault_set(f, TDKT_EINVAL, field,
                                 "contest '%s' is answered twice (also choices[%zu]): one "
                                 "answer a contest",
                                 ch->contest, k);
        if (ch->answer != TDKT__VOTE_ANSWER__VOTE_ANSWER_YES &&
            ch->answer != TDKT__VOTE_ANSWER__VOTE_ANSWER_NO &&
            ch->answer != TDKT__VOTE_ANSWER__VOTE_ANSWER_ABSTAIN) {
            snprintf(field, sizeof field, CC "choices[%zu].answer", i);
            return fault_set(f, TDKT_EINVAL, field,
                             "answer %d is not yes (1), no (2) or abstain (0)", (int)ch->answer);
        }
    }
    if (c->nonce.len != COUNCIL_NONCE_LEN)
        return fault_set(f, TDKT_EINVAL, CC "nonce", "%d random bytes are required, not %zu",
                         COUNCIL_NONCE_LEN, c->nonce.len);
    return 0;
}

/* The index of v's contest coded code; v->n_contests when there is none. */
static size_t contest_index(const Tdkt__CouncilVote *v, const char *code)
{
    for (size_t i = 0; i < v->n_contests; i++)
        if (strcmp(str(v->contests[i]->code), str(code)) == 0)
            return i;
    return v->n_contests;
}

int council_rules_cast_fits(const Tdkt__CouncilVote *v, Tdkt__CouncilChoice *const *choices,
                            size_t n, struct fault *f)
{
    char field[RECORD_FIELD_MAX], codes[160];
    size_t used = 0;

    for (size_t i = 0; i < n; i++) {
        if (contest_index(v, choices[i]->contest) < v->n_contests)
            continue;
        codes[0] = '\0';
        for (size_t k = 0; k < v->n_contests && used < sizeof codes; k++) {
            int w = snprintf(codes + used, sizeof codes - used, "%s%s", k ? ", " : "",
                             str(v->contests[k]->code));
            used += w > 0 ? (size_t)w : 0;
        }
        snprintf(field, sizeof field, CC "choices[%zu].contest", i);
        return fault_set(f, TDKT_EINVAL, field, "vote '%s' has no contest '%s' (its contests: %s)",
                         str(v->vote_id), str(choices[i]->contest), codes);
    }
    return 0;
}

size_t council_rules_count_add(const Tdkt__CouncilVote *v, Tdkt__CouncilChoice *const *choices,
                               size_t n, struct council_tally *t)
{
    size_t unknown = 0;

    for (size_t i = 0; i < n; i++) {
        size_t c = contest_index(v, choices[i]->contest);

        if (c == v->n_contests) {
            unknown++;
            continue;
        }
        if (choices[i]->answer == TDKT__VOTE_ANSWER__VOTE_ANSWER_YES)
            t[c].yes++;
        else if (choices[i]->answer == TDKT__VOTE_ANSWER__VOTE_ANSWER_NO)
            t[c].no++;
        else
            t[c].abstain++;
    }
    return unknown;
}

const char *council_rules_answer_name(int answer)
{
    return answer == TDKT__VOTE_ANSWER__VOTE_ANSWER_YES  ? "yes"
           : answer == TDKT__VOTE_ANSWER__VOTE_ANSWER_NO ? "no"
                                                         : "abstain";
}
