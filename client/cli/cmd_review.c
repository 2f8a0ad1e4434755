/* SPDX-License-Identifier: MIT */
/*
 * `tdkt submit`, `tdkt review ...`, `tdkt history`, `tdkt report`
 * (docs/review.md). Writes go through the outbox like every write; reads
 * ask the server. The report command fills client/lib/report.h's model from
 * the server's ReportReply and renders CSV, XLSX or HTML.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client/cli/cli.h"
#include "client/lib/elig_local.h"
#include "client/lib/forms.h"
#include "client/lib/report.h"
#include "client/lib/store.h"
#include "client/lib/store_outbox.h"
#include "client/lib/store_registry.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "common/text/datefmt.h"
#include "common/text/i18n.h"
#include "common/text/numlocale.h"
#include "common/text/table.h"
#include "common/text/width.h"
#include "common/wire/envelope.h"
#include "common/wire/reason_pb.h"

/* Codes, as --json and the wire spell them; their labels for a person below. */
/* Proposals one bulk review command may name. */
#define REVIEW_BULK_MAX 1000

static const char *const pstate_names[] = {"?",         "pending", "approved", "rejected",
                                           "cancelled", "decided", "annulled"};
static const char *const sstate_names[] = {"?", "submitted", "received", "returned"};
static const char *const verdict_names[] = {"-",        "eligible", "ineligible",
                                            "deferred", "blocked",  "policy"};
static const char *const pstate_labels[] = {
    "?",           N_("pending"), N_("approved"), N_("rejected"), N_("cancelled"),
    N_("decided"), N_("annulled")};
static const char *const sstate_labels[] = {"?", N_("submitted"), N_("received"), N_("returned")};
static const char *const verdict_labels[] = {"-",
                                             N_("eligible"),
                                             N_("ineligible"),
                                             N_("deferred"),
                                             N_("blocked"),
                                             N_("needs a policy decision")};

static const char *pstate_name(int s)
{
    return s >= 1 && s <= 6 ? pstate_names[s] : "?";
}

static const char *pstate_label(int s)
{
    return s >= 1 && s <= 6 ? _(pstate_labels[s]) : "?";
}

static const char *sstate_label(int s)
{
    return s >= 1 && s <= 3 ? _(sstate_labels[s]) : "?";
}

static const char *title_code(int t)
{
    const struct record_label *l = record_label_of(record_titles, t);
    return l ? l->code : "?";
}

static const char *title_vi(int t)
{
    const struct record_label *l = record_label_of(record_titles, t);
    return l && l->vi ? l->vi : "?";
}

/* "Name (ID)", the name first; the id alone when there is no name. */
static const char *subject_text(const char *name, const char *id, char *out, size_t cap)
{
    if (name && *name)
        snprintf(out, cap, "%s (%s)", name, id ? id : "");
    else
        snprintf(out, cap, "%s", id ? id : "");
    return out;
}

/* "ineligible (LDTT)": the verdict's label and the rule it names. */
static const char *verdict_text(int vd, const char *rule, char *out, size_t cap)
{
    const char *label = vd >= 1 && vd <= 5 ? _(verdict_labels[vd]) : "-";

    if (rule && *rule)
        snprintf(out, cap, "%s (%s)", label, rule);
    else
        snprintf(out, cap, "%s", label);
    return out;
}

static int title_parse(const char *s)
{
    for (const struct record_label *l = record_titles; s && l->code; l++)
        if (strcmp(l->code, s) == 0)
            return l->value;
    return 0;
}

/* One read: send body, expect reply_case; *reply is the caller's. */
static int call(const struct cfg *cfg, Tdkt__Envelope *env, int reply_case, Tdkt__Envelope **reply)
{
    struct tdkt_client *c;
    int code = connect_server(cfg, &c);
    *reply = NULL;
    if (code)
        return code;
    int rc = tdkt_client_request(c, env, NULL, reply);
    if (rc < 0) {
        code = report(c, rc, "review", cfg->json);
        tdkt_client_close(c);
        return code;
    }
    tdkt_client_close(c);
    if ((int)(*reply)->body_case != reply_case) {
        tdkt__envelope__free_unpacked(*reply, NULL);
        *reply = NULL;
        fprintf(stderr, _("tdkt: the server answered with the wrong message type\n"));
        return EXIT_FAILURE_;
    }
    return EXIT_OK;
}

/* One JSON document on stdout (--json): UTF-8, keys in insertion order.
 * Takes the reference to j. */
static int print_json(json_t *j)
{
    int rc = j ? json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) : -1;
    json_decref(j);
    if (rc != 0) {
        fprintf(stderr, _("tdkt: out of memory writing JSON\n"));
        return EXIT_FAILURE_;
    }
    putchar('\n');
    return EXIT_OK;
}

/* A string for JSON: protobuf-c leaves absent strings as "" or NULL. */
static json_t *jstr(const char *s)
{
    return json_string(s ? s : "");
}

/* The rule a verdict names, as the server records it: the missing key of a
 * policy question, else the rule id. */
static const char *verdict_rule(const struct elig_verdict *v)
{
    if (v->outcome == ELIG_POLICY && v->key && *v->key)
        return v->key;
    return v->rule ? v->rule : "";
}

/* `tdkt eligibility check`: judge the dossier over the local store. */
static int preview_dossier(const struct cfg *cfg, const Tdkt__SubmissionPut *m)
{
    struct elig_verdict *v = calloc(m->n_proposals ? m->n_proposals : 1, sizeof *v);
    struct store *s;
    char ruleset[RECORD_CODE_MAX + 1];
    char(*names)[RECORD_NAME_MAX + 1] = NULL; /* each subject's registered name */
    size_t failed;
    int code = open_store(cfg, &s), rc;

    if (code || !v) {
        free(v);
        free(names);
        return code ? code : EXIT_FAILURE_;
    }
    rc = elig_local_judge(s, m->year, m->proposals, m->n_proposals, v, ruleset, &failed);
    names = calloc(m->n_proposals ? m->n_proposals : 1, sizeof *names);
    for (size_t i = 0; names != NULL && i < m->n_proposals; i++)
        store_subject_name(s, m->proposals[i]->person_id, m->proposals[i]->unit_code, names[i],
                           sizeof names[i]);
    store_close(s);
    if (rc == TDKT_ENOTFOUND && failed < m->n_proposals) {
        /* The server would refuse the whole dossier (NOT_FOUND). */
        char why[REASON_TEXT_MAX];

        tdkt_reason_text(&v[failed].why, &v[failed].cause, why, sizeof why);
        fprintf(stderr, _("tdkt: proposals[%zu] (%s): %s\n"), failed,
                m->proposals[failed]->proposal_id ? m->proposals[failed]->proposal_id : "", why);
        free(v);
        free(names);
        return EXIT_USAGE;
    }
    if (rc < 0) {
        free(v);
        free(names);
        fprintf(stderr, _("tdkt: cannot judge: %s\n"), tdkt_strerror(rc));
        return EXIT_FAILURE_;
    }
    if (cfg->json) {
        json_t *props = json_array();
        for (size_t i = 0; i < m->n_proposals; i++) {
            const Tdkt__Proposal *p = m->proposals[i];
            char why[REASON_TEXT_MAX];

            tdkt_reason_text(&v[i].why, &v[i].cause, why, sizeof why);
            /* Codes for programs, with the display fields a person reads. */
            json_array_append_new(
                props,
                json_pack("{s:o,s:s,s:s,s:o,s:o,s:s,s:s,s:s,s:s}", "id", jstr(p->proposal_id),
                          "title", title_code(p->title), "title_name", title_vi(p->title), "person",
                          jstr(p->person_id), "unit", jstr(p->unit_code), "subject_name",
                          names ? names[i] : "", "verdict", elig_outcome_name(v[i].outcome), "rule",
                          verdict_rule(&v[i]), "why", why));
        }
        free(v);
        free(names);
        return print_json(json_pack("{s:I,s:s,s:o}", "year", (json_int_t)m->year, "ruleset",
                                    ruleset, "proposals", props));
    }
    if (ruleset[0])
        printf(_("Preview for %u on this office's data (rule set %s); the server judges again "
                 "on submission with what the ledger holds.\n"),
               m->year, ruleset);
    else
        printf(_("Preview for %u on this office's data (no rule set in force); the server judges "
                 "again on submission with what the ledger holds.\n"),
               m->year);
    {
        struct text_table t;
        const char *heads[] = {_("Proposal"), _("Title"), _("Subject"), _("Verdict")};

        text_table_init(&t, 4, heads);
        for (size_t i = 0; i < m->n_proposals; i++) {
            const Tdkt__Proposal *p = m->proposals[i];
            char vd[128], subj[2 * RECORD_NAME_MAX];
            const char *id = p->person_id && *p->person_id ? p->person_id : p->unit_code;

            text_table_add(
                &t, (const char *const[]){
                        p->proposal_id, title_vi(p->title),
                        subject_text(names ? names[i] : "", id, subj, sizeof subj),
                        verdict_text((int)v[i].outcome + 1, verdict_rule(&v[i]), vd, sizeof vd)});
        }
        text_table_print(&t, stdout, "  ");
        text_table_free(&t);
    }
    for (size_t i = 0; i < m->n_proposals; i++) {
        char why[REASON_TEXT_MAX];

        tdkt_reason_text(&v[i].why, &v[i].cause, why, sizeof why);
        if (*why)
            printf("  %s: %s\n", m->proposals[i]->proposal_id, why);
    }
    free(v);
    free(names);
    return EXIT_OK;
}

static int form_read_dossier(const char *data, size_t len, ProtobufCMessage **out, char *why,
                             size_t cap)
{
    Tdkt__SubmissionPut *m;
    int rc = forms_dossier(data, len, &m, why, cap);

    *out = rc == 0 ? &m->base : NULL;
    return rc;
}

/* A person named by id or by name, from the office's registry copy, into
 * id: the one it names, or text itself when the copy knows no such person
 * (the server says so). Several: they are listed, and EXIT_USAGE. where:
 * what named the person, for the message. */
static int person_arg(struct store *s, const char *where, const char *text,
                      char id[RECORD_CODE_MAX + 1])
{
    struct store_person_match found[8];
    size_t n = 0;

    snprintf(id, RECORD_CODE_MAX + 1, "%s", text);
    if (s == NULL || store_person_find(s, text, found, 8, &n) < 0 || n == 0)
        return EXIT_OK;
    if (n == 1) {
        snprintf(id, RECORD_CODE_MAX + 1, "%s", found[0].id);
        return EXIT_OK;
    }
    {
        struct text_table t;
        const char *heads[] = {_("Name"), _("Id"), _("Unit")};

        fprintf(stderr, _("tdkt: %s: '%s' names %zu persons; give the id of one:\n"), where, text,
                n);
        text_table_init(&t, 3, heads);
        for (size_t i = 0; i < n && i < 8; i++)
            text_table_add(&t, (const char *const[]){found[i].name, found[i].id, found[i].unit});
        text_table_print(&t, stderr, "  ");
        text_table_free(&t);
    }
    return EXIT_USAGE;
}

/* Each proposal's person given by name becomes its id (person_arg). */
static int dossier_persons(struct store *s, Tdkt__SubmissionPut *m)
{
    for (size_t i = 0; i < m->n_proposals; i++) {
        Tdkt__Proposal *p = m->proposals[i];
        char id[RECORD_CODE_MAX + 1], where[64];
        int code;

        if (p->person_id == NULL || *p->person_id == '\0')
            continue;
        snprintf(where, sizeof where, "proposals[%zu].person", i);
        if ((code = person_arg(s, where, p->person_id, id)) != EXIT_OK)
            return code;
        if (strcmp(id, p->person_id) != 0) {
            char *dup = strdup(id);

            if (dup == NULL)
                return EXIT_FAILURE_;
            free(p->person_id);
            p->person_id = dup;
        }
    }
    return EXIT_OK;
}

static int submit_file(const struct cfg *cfg, const char *path, int preview)
{
    ProtobufCMessage *read;
    Tdkt__SubmissionPut *m;
    char unit[RECORD_CODE_MAX + 1] = "";
    int code = cli_read_form(path, FORMS_DOSSIER_MAX, "dossier", form_read_dossier, &read);

    if (code != EXIT_OK)
        return code;
    m = (Tdkt__SubmissionPut *)read;
    {
        struct store *s;
        if (open_store(cfg, &s) == EXIT_OK) {
            store_meta_get(s, "unit", unit, sizeof unit);
            code = dossier_persons(s, m);
            store_close(s);
            if (code != EXIT_OK)
                goto out;
        }
        if (!unit[0]) {
            fprintf(stderr,
                    _("tdkt: this store does not know its unit yet: run `tdkt sync` once\n"));
            code = EXIT_CONFIG;
            goto out;
        }
    }
    if (!(m->unit_code = strdup(unit))) {
        code = EXIT_FAILURE_;
        goto out;
    }
    if (preview) {
        code = preview_dossier(cfg, m);
        goto out;
    }
    code = cli_queue_and_push(cfg, OUTBOX_SUBMISSION_PUT, &m->base);
    if (code == EXIT_OK)
        printf(_("submitted; `tdkt review show %s` shows the verdicts\n"), m->submission_id);
out:
    tdkt__submission_put__free_unpacked(m, NULL);
    return code;
}

/* The proposals of a submission, one aligned row each (names before codes),
 * then each one's reasons: the verdict's, in the reader's language, the
 * decision and the council's. */
static void show_proposals(const Tdkt__SubmissionInfo *s)
{
    struct text_table t;
    const char *heads[] = {_("Proposal"), _("Title"), _("Subject"), _("State"), _("Verdict")};

    text_table_init(&t, 5, heads);
    for (size_t i = 0; i < s->n_proposals; i++) {
        const Tdkt__ProposalStatus *p = s->proposals[i];
        const Tdkt__ProposalVerdict *v = p->verdict;
        char subj[2 * RECORD_NAME_MAX], vd[128];

        text_table_add(&t,
                       (const char *const[]){
                           p->proposal->proposal_id, title_vi(p->proposal->title),
                           subject_text(p->subject_name,
                                        p->proposal->person_id && *p->proposal->person_id
                                            ? p->proposal->person_id
                                            : p->proposal->unit_code,
                                        subj, sizeof subj),
                           pstate_label(p->state),
                           verdict_text(v ? (int)v->verdict : 0, v ? v->rule : "", vd, sizeof vd)});
    }
    text_table_print(&t, stdout, "  ");
    text_table_free(&t);
    for (size_t i = 0; i < s->n_proposals; i++) {
        const Tdkt__ProposalStatus *p = s->proposals[i];
        const Tdkt__ProposalVerdict *v = p->verdict;
        char why[REASON_TEXT_MAX] = "", date[TEXT_DATE_MAX];

        if (v != NULL)
            reason_pb_verdict_text(v, why, sizeof why);
        if (*why && v->ruleset && *v->ruleset)
            printf(_("  %s: %s [rule set %s]\n"), p->proposal->proposal_id, why, v->ruleset);
        else if (*why)
            printf("  %s: %s\n", p->proposal->proposal_id, why);
        if (p->decision_no && *p->decision_no)
            printf(_("  %s: Decision No. %s of %s, signed by %s\n"), p->proposal->proposal_id,
                   p->decision_no, text_date(p->decision_date, date, sizeof date), p->signer);
        if (p->reason && *p->reason)
            printf(_("  %s: reason given: %s\n"), p->proposal->proposal_id, p->reason);
    }
}

static int review_show(const struct cfg *cfg, const char *id)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply;
    Tdkt__SubmissionGet g = TDKT__SUBMISSION_GET__INIT;
    g.submission_id = (char *)id;
    env.body_case = TDKT__ENVELOPE__BODY_SUBMISSION_GET;
    env.submission_get = &g;
    int code = call(cfg, &env, TDKT__ENVELOPE__BODY_SUBMISSION_INFO, &reply);
    if (code)
        return code;
    const Tdkt__SubmissionInfo *s = reply->submission_info;
    if (cfg->json) {
        json_t *props = json_array(), *hist = json_array();
        for (size_t i = 0; i < s->n_proposals; i++) {
            const Tdkt__ProposalStatus *p = s->proposals[i];
            const Tdkt__ProposalVerdict *v = p->verdict;
            int vd = v && v->verdict <= 5 ? (int)v->verdict : 0;
            char why[REASON_TEXT_MAX] = "";

            if (v != NULL)
                reason_pb_verdict_text(v, why, sizeof why);
            json_array_append_new(
                props,
                json_pack("{s:o,s:s,s:s,s:o,s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
                          jstr(p->proposal->proposal_id), "title", title_code(p->proposal->title),
                          "title_name", title_vi(p->proposal->title), "person",
                          jstr(p->proposal->person_id), "unit", jstr(p->proposal->unit_code),
                          "subject_name", jstr(p->subject_name), "state", pstate_name(p->state),
                          "verdict", verdict_names[vd], "rule", jstr(v ? v->rule : ""), "why",
                          jstr(why), "ruleset", jstr(v ? v->ruleset : ""), "reason",
                          jstr(p->reason), "decision_no", jstr(p->decision_no), "decision_date",
                          jstr(p->decision_date), "signer", jstr(p->signer)));
        }
        for (size_t i = 0; i < s->n_history; i++)
            json_array_append_new(
                hist, json_pack("{s:I,s:I,s:o,s:o}", "entry", (json_int_t)s->history[i]->seq,
                                "time_ms", (json_int_t)s->history[i]->time_ms, "actor",
                                jstr(s->history[i]->actor), "what", jstr(s->history[i]->what)));
        json_t *j = json_pack("{s:s,s:o,s:I,s:s,s:I,s:o,s:o,s:o}", "submission", id, "unit",
                              jstr(s->submission ? s->submission->unit_code : ""), "year",
                              (json_int_t)(s->submission ? s->submission->year : 0), "state",
                              s->state >= 1 && s->state <= 3 ? sstate_names[s->state] : "?",
                              "revision", (json_int_t)s->revision, "note",
                              jstr(s->submission ? s->submission->note : ""), "proposals", props,
                              "history", hist);
        tdkt__envelope__free_unpacked(reply, NULL);
        return print_json(j);
    }
    {
        const char *code =
            s->submission && s->submission->unit_code ? s->submission->unit_code : "?";
        char name[RECORD_NAME_MAX + 1] = "", unit[2 * RECORD_NAME_MAX];
        struct store *st;

        if (open_store(cfg, &st) == EXIT_OK) {
            store_subject_name(st, NULL, code, name, sizeof name);
            store_close(st);
        }
        printf(_("Submission %s of %s for %u: %s, revision %u\n"), id,
               subject_text(name, code, unit, sizeof unit), s->submission ? s->submission->year : 0,
               sstate_label(s->state), s->revision);
    }
    show_proposals(s);
    printf("%s\n", _("History:"));
    {
        struct text_table t;
        const char *heads[] = {_("Entry"), _("Time"), _("By"), _("What")};

        text_table_init(&t, 4, heads);
        t.right = 1u;
        for (size_t i = 0; i < s->n_history; i++) {
            char seq[24], when[TEXT_TIME_MAX];

            snprintf(seq, sizeof seq, "%llu", (unsigned long long)s->history[i]->seq);
            text_table_add(
                &t, (const char *const[]){seq, text_time(s->history[i]->time_ms, when, sizeof when),
                                          s->history[i]->actor, s->history[i]->what});
        }
        text_table_print(&t, stdout, "  ");
        text_table_free(&t);
    }
    tdkt__envelope__free_unpacked(reply, NULL);
    return EXIT_OK;
}

static int review_list(const struct cfg *cfg)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply;
    Tdkt__SubmissionList m = TDKT__SUBMISSION_LIST__INIT;
    m.year = cfg->year;
    m.unit_code = (char *)(cfg->unit ? cfg->unit : "");
    m.cluster_code = (char *)(cfg->cluster ? cfg->cluster : "");
    if (cfg->state) {
        for (int i = 1; i <= 3; i++)
            if (strcmp(cfg->state, sstate_names[i]) == 0)
                m.state = (Tdkt__SubmissionState)i;
        if (!m.state)
            return usage(_("--state must be submitted, received or returned"));
    }
    env.body_case = TDKT__ENVELOPE__BODY_SUBMISSION_LIST;
    env.submission_list = &m;
    int code = call(cfg, &env, TDKT__ENVELOPE__BODY_SUBMISSION_LIST_REPLY, &reply);
    if (code)
        return code;
    if (cfg->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < reply->submission_list_reply->n_submissions; i++) {
            const Tdkt__SubmissionSummary *s = reply->submission_list_reply->submissions[i];
            json_array_append_new(
                arr,
                json_pack("{s:o,s:I,s:o,s:s,s:I,s:I,s:I,s:I}", "submission", jstr(s->submission_id),
                          "year", (json_int_t)s->year, "unit", jstr(s->unit_code), "state",
                          s->state >= 1 && s->state <= 3 ? sstate_names[s->state] : "?", "revision",
                          (json_int_t)s->revision, "proposals", (json_int_t)s->proposals, "pending",
                          (json_int_t)s->pending, "decided", (json_int_t)s->decided));
        }
        tdkt__envelope__free_unpacked(reply, NULL);
        return print_json(json_pack("{s:o}", "submissions", arr));
    }
    {
        struct text_table t;
        struct store *st = NULL;
        const char *heads[] = {_("Submission"), _("Year"),      _("Unit"),    _("State"),
                               _("Revision"),   _("Proposals"), _("Pending"), _("Decided")};

        /* Units by name, from the registry copy when there is one. */
        if (open_store(cfg, &st) != EXIT_OK)
            st = NULL;
        text_table_init(&t, 8, heads);
        t.right = 0xf2u; /* the numbers */
        for (size_t i = 0; i < reply->submission_list_reply->n_submissions; i++) {
            const Tdkt__SubmissionSummary *s = reply->submission_list_reply->submissions[i];
            char y[12], rev[12], np[12], pe[12], de[12], name[RECORD_NAME_MAX + 1] = "";
            char unit[2 * RECORD_NAME_MAX];

            snprintf(y, sizeof y, "%u", s->year);
            snprintf(rev, sizeof rev, "%u", s->revision);
            snprintf(np, sizeof np, "%u", s->proposals);
            snprintf(pe, sizeof pe, "%u", s->pending);
            snprintf(de, sizeof de, "%u", s->decided);
            if (st != NULL)
                store_subject_name(st, NULL, s->unit_code, name, sizeof name);
            text_table_add(
                &t, (const char *const[]){s->submission_id, y,
                                          subject_text(name, s->unit_code, unit, sizeof unit),
                                          sstate_label(s->state), rev, np, pe, de});
        }
        if (st != NULL)
            store_close(st);
        text_table_print(&t, stdout, "");
        text_table_free(&t);
    }
    tdkt__envelope__free_unpacked(reply, NULL);
    return EXIT_OK;
}

/* One timeline for a person or a unit: by year, its rating first, then the
 * titles decided (and annulled) with their decisions. */
static void history_print(const Tdkt__HistoryReply *h)
{
    static const char *const kinds[][2] = {
        {"rating", N_("rating")}, {"title", N_("title")}, {"annulled", N_("annulled title")}};
    struct text_table t;
    const char *heads[] = {_("Year"), _("What"), _("Rating or title"), _("Decision")};
    char subj[2 * RECORD_NAME_MAX];
    unsigned first = UINT32_MAX, last = 0;

    printf("%s\n", subject_text(h->name, h->subject, subj, sizeof subj));
    text_table_init(&t, 4, heads);
    for (size_t i = 0; i < h->n_items; i++) {
        first = h->items[i]->year < first ? h->items[i]->year : first;
        last = h->items[i]->year > last ? h->items[i]->year : last;
    }
    for (unsigned y = first; h->n_items > 0 && y <= last && y >= first; y++) {
        for (int pass = 0; pass < 2; pass++) {
            for (size_t i = 0; i < h->n_items; i++) {
                const Tdkt__HistoryItem *it = h->items[i];
                int rating = strcmp(it->kind, "rating") == 0;
                const char *kind = it->kind, *value = it->value;
                char year[12], dec[400] = "", date[TEXT_DATE_MAX];

                if (it->year != y || rating != (pass == 0))
                    continue;
                for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
                    if (strcmp(it->kind, kinds[k][0]) == 0)
                        kind = _(kinds[k][1]);
                if (!rating) {
                    int t2 = title_parse(it->value);
                    value = t2 ? title_vi(t2) : it->value;
                }
                if (it->decision_no && *it->decision_no)
                    snprintf(dec, sizeof dec, _("No. %s of %s"), it->decision_no,
                             text_date(it->decision_date, date, sizeof date));
                if (it->reason && *it->reason)
                    snprintf(dec + strlen(dec), sizeof dec - strlen(dec), _("; annulled: %s"),
                             it->reason);
                snprintf(year, sizeof year, "%u", it->year);
                text_table_add(&t, (const char *const[]){year, kind, value, dec});
            }
        }
        if (y == UINT32_MAX)
            break;
    }
    text_table_print(&t, stdout, "  ");
    text_table_free(&t);
}

static int history(const struct cfg *cfg, const char *person, const char *unit)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply;
    Tdkt__HistoryGet g = TDKT__HISTORY_GET__INIT;
    g.person_id = (char *)(person ? person : "");
    g.unit_code = (char *)(unit ? unit : "");
    env.body_case = TDKT__ENVELOPE__BODY_HISTORY_GET;
    env.history_get = &g;
    int code = call(cfg, &env, TDKT__ENVELOPE__BODY_HISTORY_REPLY, &reply);
    if (code)
        return code;
    const Tdkt__HistoryReply *h = reply->history_reply;
    if (cfg->json) {
        json_t *items = json_array();
        for (size_t i = 0; i < h->n_items; i++)
            json_array_append_new(
                items, json_pack("{s:I,s:o,s:o,s:o}", "year", (json_int_t)h->items[i]->year, "kind",
                                 jstr(h->items[i]->kind), "value", jstr(h->items[i]->value), "ref",
                                 jstr(h->items[i]->ref)));
        json_t *j = json_pack("{s:o,s:o,s:o}", "subject", jstr(h->subject), "name", jstr(h->name),
                              "items", items);
        tdkt__envelope__free_unpacked(reply, NULL);
        return print_json(j);
    }
    history_print(h);
    tdkt__envelope__free_unpacked(reply, NULL);
    return EXIT_OK;
}

static enum report_verdict map_verdict(int v)
{
    return v >= 1 && v <= 5 ? (enum report_verdict)v : REPORT_VERDICT_NONE;
}

static enum report_state map_state(int s)
{
    switch (s) {
    case TDKT__PROPOSAL_STATE__PROPOSAL_STATE_APPROVED:
        return REPORT_APPROVED;
    case TDKT__PROPOSAL_STATE__PROPOSAL_STATE_REJECTED:
        return REPORT_REJECTED;
    case TDKT__PROPOSAL_STATE__PROPOSAL_STATE_CANCELLED:
        return REPORT_CANCELLED;
    case TDKT__PROPOSAL_STATE__PROPOSAL_STATE_DECIDED:
        return REPORT_DECIDED;
    case TDKT__PROPOSAL_STATE__PROPOSAL_STATE_ANNULLED:
        return REPORT_ANNULLED;
    default:
        return REPORT_SUBMITTED;
    }
}

/* Row i of the report's proposals from the server's reply; number and
 * reason are the row's buffers for the texts it composes. */
static void proposal_row(const Tdkt__ReportReply *r, size_t i, struct report_proposal *row,
                         char *number, size_t number_cap, char *reason, size_t reason_cap)
{
    const Tdkt__ProposalStatus *p = r->proposals[i];
    int person = p->proposal->person_id && *p->proposal->person_id;
    if (p->decision_no && *p->decision_no)
        snprintf(number, number_cap, "Quyết định số %s", p->decision_no);
    row->office_code = i < r->n_proposal_units ? r->proposal_units[i] : "";
    row->office_name = i < r->n_proposal_unit_names ? r->proposal_unit_names[i] : "";
    row->subject_kind = person ? REPORT_PERSON : REPORT_UNIT;
    row->subject_id = person ? p->proposal->person_id : p->proposal->unit_code;
    row->subject_name = p->subject_name;
    row->title_code = title_code(p->proposal->title);
    row->title_name = title_vi(p->proposal->title);
    row->state = map_state(p->state);
    if (row->state == REPORT_SUBMITTED && i < r->n_proposal_submission_states) {
        /* Still pending: the dossier's own step tells received from
         * returned. */
        if (r->proposal_submission_states[i] == TDKT__SUBMISSION_STATE__SUBMISSION_STATE_RECEIVED)
            row->state = REPORT_RECEIVED;
        else if (r->proposal_submission_states[i] ==
                 TDKT__SUBMISSION_STATE__SUBMISSION_STATE_RETURNED)
            row->state = REPORT_RETURNED;
    }
    row->verdict = map_verdict(p->verdict ? (int)p->verdict->verdict : 0);
    row->rule_id = p->verdict ? p->verdict->rule : "";
    {
        /* The verdict's reason and, when the council gave one (an
         * approval against the verdict, a rejection, a return), the
         * council's, both. */
        char why[REASON_TEXT_MAX] = "";
        const char *council = p->reason ? p->reason : "";

        if (p->verdict != NULL)
            reason_pb_verdict_text(p->verdict, why, sizeof why);
        if (*why && *council)
            snprintf(reason, reason_cap, "%s — Hội đồng: %s", why, council);
        else if (*council)
            snprintf(reason, reason_cap, "Hội đồng: %s", council);
        else
            snprintf(reason, reason_cap, "%s", why);
        row->reason = reason;
    }
    row->decision_number = number;
    row->decision_date = p->decision_date;
    row->decision_signer = p->signer;
}

static int format_known(const char *format)
{
    return strcmp(format, "html") == 0 || strcmp(format, "xlsx") == 0 || strcmp(format, "csv") == 0;
}

/* Render rep as format (format_known) into output; 0 or a negative code. */
static int report_render(const struct report *rep, const char *format, const char *output)
{
    if (strcmp(format, "html") == 0)
        return report_write_html_file(rep, output);
    if (strcmp(format, "xlsx") == 0)
        return report_write_xlsx(rep, output);
    /* csv: -o names the directory of the three tables; made when missing. */
    if (mkdir(output, 0755) != 0 && errno != EEXIST)
        return TDKT_EIO;
    return report_write_csv_dir(rep, output);
}

static int report_cmd(const struct cfg *cfg)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply;
    Tdkt__ReportGet g = TDKT__REPORT_GET__INIT;
    struct report rep;
    struct report_cluster *cl = NULL;
    struct report_standing *st = NULL;
    struct report_proposal *pr = NULL;
    char title[128], when[40],
        (*numbers)[160] = NULL,
        (*reasons)[1200] = NULL; /* a verdict why (< 256) and a council reason (<= 512) */
    const char *format = cfg->format ? cfg->format : "html";
    int code, rc = 0;

    if (!cfg->year || !cfg->output)
        return usage(_("usage: tdkt report --year Y [--format html|xlsx|csv] -o PATH"));
    g.year = cfg->year;
    env.body_case = TDKT__ENVELOPE__BODY_REPORT_GET;
    env.report_get = &g;
    code = call(cfg, &env, TDKT__ENVELOPE__BODY_REPORT_REPLY, &reply);
    if (code)
        return code;
    const Tdkt__ReportReply *r = reply->report_reply;
    size_t ns = r->n_standings, np = r->n_proposals, nc = 0;
    cl = calloc(ns ? ns : 1, sizeof *cl);
    st = calloc(ns ? ns : 1, sizeof *st);
    pr = calloc(np ? np : 1, sizeof *pr);
    numbers = calloc(np ? np : 1, sizeof *numbers);
    reasons = calloc(np ? np : 1, sizeof *reasons);
    if (!cl || !st || !pr || !numbers || !reasons) {
        code = EXIT_FAILURE_;
        goto out;
    }
    /* Rows come grouped by cluster: consecutive rows of one code. */
    for (size_t i = 0; i < ns; i++) {
        const Tdkt__StandingRow *s = r->standings[i];
        st[i] = (struct report_standing){s->unit_code,        s->unit_name,  s->points,
                                         s->max_points,       s->targets,    s->targets_met,
                                         s->targets_exceeded, s->tasks_done, s->tasks_planned};
        if (nc == 0 || strcmp(cl[nc - 1].code, s->cluster_code) != 0) {
            cl[nc].code = s->cluster_code;
            cl[nc].name = s->cluster_name;
            cl[nc].members = &st[i];
            nc++;
        }
        cl[nc - 1].n_members++;
    }
    for (size_t i = 0; i < np; i++)
        proposal_row(r, i, &pr[i], numbers[i], sizeof numbers[i], reasons[i], sizeof reasons[i]);
    {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    snprintf(title, sizeof title, "Báo cáo thi đua, khen thưởng năm %u", cfg->year);
    memset(&rep, 0, sizeof rep);
    rep.header.year = cfg->year;
    rep.header.title = title;
    rep.header.generated_at = when;
    rep.header.generated_by = r->requested_by && *r->requested_by ? r->requested_by : "";
    rep.clusters = cl;
    rep.n_clusters = nc;
    rep.proposals = pr;
    rep.n_proposals = np;
    if (!format_known(format)) {
        code = usage(_("--format must be html, xlsx or csv"));
        goto out;
    }
    rc = report_render(&rep, format, cfg->output);
    if (rc < 0) {
        fprintf(stderr, _("tdkt: cannot write the report to %s: %s\n"), cfg->output,
                tdkt_strerror(rc));
        code = EXIT_FAILURE_;
    } else {
        printf(_("report %u (%s): %zu units in %zu clusters, %zu proposals -> %s\n"), cfg->year,
               format, ns, nc, np, cfg->output);
    }
out:
    free(cl);
    free(st);
    free(pr);
    free(numbers);
    free(reasons);
    tdkt__envelope__free_unpacked(reply, NULL);
    return code;
}

/* `tdkt review quota YEAR`: the TTLĐXS standing the Council approves from,
 * ranked, with the line the quota draws. */
static int review_quota(const struct cfg *cfg, const char *year)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply;
    Tdkt__QuotaGet m = TDKT__QUOTA_GET__INIT;
    const Tdkt__QuotaReply *q;
    char *end;
    unsigned long y = strtoul(year, &end, 10);
    size_t wname = text_width("Đơn vị");
    int code;

    if (*year == '\0' || *end != '\0' || y < 1 || y > 9999)
        return usage(_("usage: tdkt review quota YEAR (a year such as 2025)"));
    m.year = (uint32_t)y;
    env.body_case = TDKT__ENVELOPE__BODY_QUOTA_GET;
    env.quota_get = &m;
    if ((code = call(cfg, &env, TDKT__ENVELOPE__BODY_QUOTA_REPLY, &reply)))
        return code;
    q = reply->quota_reply;
    if (cfg->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < q->n_rows; i++) {
            const Tdkt__QuotaRow *r = q->rows[i];
            json_array_append_new(
                arr,
                json_pack("{s:I,s:o,s:o,s:s,s:I,s:f,s:I,s:I,s:b,s:b}", "position",
                          (json_int_t)r->position, "unit", jstr(r->unit_code), "unit_name",
                          jstr(r->unit_name), "state", pstate_name((int)r->state), "cluster_rank",
                          (json_int_t)r->cluster_rank, "points", r->points, "targets",
                          (json_int_t)r->targets, "targets_exceeded",
                          (json_int_t)r->targets_exceeded, "within", r->within, "tied", r->tied));
        }
        json_t *o = json_pack("{s:I,s:o,s:f,s:I,s:I,s:I,s:o}", "year", (json_int_t)q->year,
                              "ruleset", jstr(q->ruleset), "quota_pct", q->quota_pct,
                              "ttldtt_units", (json_int_t)q->ttldtt_units, "quota",
                              (json_int_t)q->quota, "granted", (json_int_t)q->granted, "rows", arr);
        tdkt__envelope__free_unpacked(reply, NULL);
        return print_json(o);
    }
    printf(_("Danh sách xếp hạng đề nghị Tập thể lao động xuất sắc năm %u (bộ quy tắc %s)\n"),
           q->year, q->ruleset);
    printf(
        _("Chỉ tiêu: %u suất = %g%% của %u tập thể đạt TTLĐTT (%.2f, làm tròn xuống, ít nhất 1); "
          "đã chấp thuận hoặc quyết định: %u\n\n"),
        q->quota, q->quota_pct, q->ttldtt_units, q->quota_pct * q->ttldtt_units / 100.0,
        q->granted);
    for (size_t i = 0; i < q->n_rows; i++)
        if (text_width(q->rows[i]->unit_name) > wname)
            wname = text_width(q->rows[i]->unit_name);
    printf("%-4s ", "TT");
    text_pad(stdout, "Đơn vị", wname);
    {
        static const char *const head[] = {"  Mã", "Hạng cụm", "Điểm", "Vượt chỉ tiêu"};
        static const size_t cols[] = {13, 10, 11, 15};

        for (size_t k = 0; k < 4; k++)
            text_pad(stdout, head[k], cols[k]);
        printf(_("Trạng thái\n"));
    }
    for (size_t i = 0; i < q->n_rows; i++) {
        const Tdkt__QuotaRow *r = q->rows[i];
        char rank[16], exceeded[32];

        if (i == q->quota && q->quota > 0) {
            printf(_("---- hết chỉ tiêu (%u suất) "), q->quota);
            for (size_t k = 0; k < wname + 30; k++)
                putchar('-');
            putchar('\n');
        }
        snprintf(rank, sizeof rank, r->cluster_rank ? "%u" : "-", r->cluster_rank);
        snprintf(exceeded, sizeof exceeded, "%u/%u", r->targets_exceeded, r->targets);
        printf("%-4u ", r->position);
        text_pad(stdout, r->unit_name && *r->unit_name ? r->unit_name : r->unit_code, wname);
        printf("  %-10s %-9s %-10g %-14s %s%s\n", r->unit_code, rank, r->points, exceeded,
               r->state == TDKT__PROPOSAL_STATE__PROPOSAL_STATE_DECIDED ? "Đã có quyết định"
               : r->state == TDKT__PROPOSAL_STATE__PROPOSAL_STATE_APPROVED ? "Đã chấp thuận"
                                                                           : "Chờ xét duyệt",
               r->tied ? " (bằng nhau: Hội đồng quyết định)" : "");
    }
    if (q->n_rows == 0)
        printf(_("(chưa có đề nghị TTLĐXS nào)\n"));
    tdkt__envelope__free_unpacked(reply, NULL);
    return EXIT_OK;
}

/* --decision-date as the ledger keeps it (YYYY-MM-DD) into out, typed as
 * dd/mm/yyyy or YYYY-MM-DD; "" when not given. 0, or -1 after saying which
 * format it must have. */
static int decision_date_arg(const struct cfg *cfg, char out[TEXT_DATE_MAX])
{
    out[0] = '\0';
    if (cfg->decision_date == NULL || *cfg->decision_date == '\0')
        return 0;
    if (numlocale_date(cfg->decision_date, NUMLOCALE_VI, out) == 0)
        return 0;
    fprintf(stderr,
            _("tdkt: --decision-date: write the date as dd/mm/yyyy (or YYYY-MM-DD), a day that "
              "exists; not '%s'\n"),
            cfg->decision_date);
    return -1;
}

/* `tdkt history`: --person by id or by name. */
static int history_of(const struct cfg *cfg)
{
    char id[RECORD_CODE_MAX + 1];
    struct store *s = NULL;
    int code;

    if (!cfg->person)
        return history(cfg, NULL, cfg->unit);
    if (open_store(cfg, &s) != EXIT_OK)
        s = NULL;
    code = person_arg(s, "--person", cfg->person, id);
    if (s != NULL)
        store_close(s);
    return code != EXIT_OK ? code : history(cfg, id, NULL);
}

/* The submission as the server holds it now, or NULL when it cannot be
 * asked (offline: the step is queued and the server judges it). Quiet. */
static Tdkt__Envelope *submission_now(const struct cfg *cfg, const char *id)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply = NULL;
    Tdkt__SubmissionGet g = TDKT__SUBMISSION_GET__INIT;
    struct tdkt_client *c;

    if (connect_server_opt(cfg, &c, 1) != EXIT_OK)
        return NULL;
    g.submission_id = (char *)id;
    env.body_case = TDKT__ENVELOPE__BODY_SUBMISSION_GET;
    env.submission_get = &g;
    if (tdkt_client_request(c, &env, NULL, &reply) < 0 ||
        reply->body_case != TDKT__ENVELOPE__BODY_SUBMISSION_INFO) {
        if (reply)
            tdkt__envelope__free_unpacked(reply, NULL);
        reply = NULL;
    }
    tdkt_client_close(c);
    return reply;
}

/* Ask on a terminal whether to go on: 1 yes, 0 no. Not a terminal, or
 * --yes: 1. */
static int confirm(const struct cfg *cfg, const char *question)
{
    char line[16];

    if (cfg->yes || cfg->json || !isatty(0) || !isatty(1))
        return 1;
    printf("%s [y/N] ", question);
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL)
        return 0;
    return line[0] == 'y' || line[0] == 'Y' || line[0] == 'c' || line[0] == 'C';
}

/* The proposals a bulk step names: args (already in ids) or, with --all,
 * those of info the step applies to (approve: pending and eligible; decide:
 * approved). Their ids into ids[0..*n), borrowed from args or info. */
static int step_targets(const struct cfg *cfg, int action, const Tdkt__SubmissionInfo *info,
                        int nargs, char **args, const char **ids, size_t cap, size_t *n)
{
    *n = 0;
    if (!cfg->all) {
        for (int k = 2; k < nargs && *n < cap; k++)
            ids[(*n)++] = args[k];
        return EXIT_OK;
    }
    if (action != TDKT__REVIEW_ACTION__REVIEW_ACTION_APPROVE &&
        action != TDKT__REVIEW_ACTION__REVIEW_ACTION_DECIDE)
        return usage(_("--all is for approve (every eligible pending proposal) and decide (every "
                       "approved one)"));
    if (info == NULL) {
        fprintf(stderr, _("tdkt: --all needs the server's view of the dossier, and the server "
                          "cannot be reached now\n"));
        return EXIT_CONNECT;
    }
    for (size_t k = 0; k < info->n_proposals && *n < cap; k++) {
        const Tdkt__ProposalStatus *p = info->proposals[k];
        int ok = action == TDKT__REVIEW_ACTION__REVIEW_ACTION_APPROVE
                     ? p->state == TDKT__PROPOSAL_STATE__PROPOSAL_STATE_PENDING && p->verdict &&
                           p->verdict->verdict == TDKT__VERDICT__VERDICT_ELIGIBLE
                     : p->state == TDKT__PROPOSAL_STATE__PROPOSAL_STATE_APPROVED;
        if (ok)
            ids[(*n)++] = p->proposal->proposal_id;
    }
    return EXIT_OK;
}

/* `tdkt review STEP SUBMISSION [PROPOSAL...]` and `--all`: each proposal
 * its own ledger entry, queued together (all or none) and sent at once.
 * What the server would certainly refuse is refused here, before anything
 * is queued: a missing reason, a date that is no day, a step on proposals
 * of a dossier not received (when the server can be asked). */
static int review_step(const struct cfg *cfg, const char *name, int action, int proposal, int nargs,
                       char **args)
{
    const char *ids[REVIEW_BULK_MAX];
    ProtobufCMessage *msgs[REVIEW_BULK_MAX];
    Tdkt__ReviewStep *steps = NULL;
    Tdkt__Envelope *info = NULL;
    char date[TEXT_DATE_MAX], question[160];
    size_t n = 0;
    int code;
    int needs_reason = action == TDKT__REVIEW_ACTION__REVIEW_ACTION_RETURN ||
                       action == TDKT__REVIEW_ACTION__REVIEW_ACTION_REJECT ||
                       action == TDKT__REVIEW_ACTION__REVIEW_ACTION_ANNUL;
    int needs_received = action == TDKT__REVIEW_ACTION__REVIEW_ACTION_APPROVE ||
                         action == TDKT__REVIEW_ACTION__REVIEW_ACTION_REJECT ||
                         action == TDKT__REVIEW_ACTION__REVIEW_ACTION_DECIDE;

    if (proposal ? (nargs < 2 || (nargs == 2 && !cfg->all) || (nargs > 2 && cfg->all)) : nargs != 2)
        return usage(proposal ? _("usage: tdkt review STEP SUBMISSION PROPOSAL... | --all")
                              : _("usage: tdkt review STEP SUBMISSION"));
    if (nargs - 2 > REVIEW_BULK_MAX)
        return usage(_("at most 1000 proposals in one command"));
    if (needs_reason && !(cfg->reason && *cfg->reason)) {
        fprintf(stderr,
                _("tdkt: review %s: --reason is required: say why, for the office and the "
                  "record (--reason \"...\")\n"),
                name);
        return EXIT_USAGE;
    }
    if (decision_date_arg(cfg, date) != 0)
        return EXIT_USAGE;
    if (proposal && (needs_received || cfg->all))
        info = submission_now(cfg, args[1]);
    if (info != NULL && needs_received &&
        info->submission_info->state != TDKT__SUBMISSION_STATE__SUBMISSION_STATE_RECEIVED) {
        fprintf(stderr,
                _("tdkt: %s is %s, not received: receive it first with `tdkt review receive "
                  "%s`\n"),
                args[1], sstate_label(info->submission_info->state), args[1]);
        tdkt__envelope__free_unpacked(info, NULL);
        return EXIT_USAGE;
    }
    if (!proposal) {
        ids[n++] = "";
    } else if ((code = step_targets(cfg, action, info ? info->submission_info : NULL, nargs, args,
                                    ids, REVIEW_BULK_MAX, &n)) != EXIT_OK) {
        if (info)
            tdkt__envelope__free_unpacked(info, NULL);
        return code;
    }
    if (n == 0) {
        printf(_("%s: no proposal of %s to %s\n"), name, args[1], name);
        if (info)
            tdkt__envelope__free_unpacked(info, NULL);
        return EXIT_OK;
    }
    if (n > 1 && !cfg->json) {
        printf(_("%s %zu proposals of %s:"), name, n, args[1]);
        for (size_t k = 0; k < n; k++)
            printf(" %s", ids[k]);
        printf("\n");
        snprintf(question, sizeof question, _("Record these %zu steps in the ledger?"), n);
        if (!confirm(cfg, question)) {
            printf("%s\n", _("Nothing was queued."));
            if (info)
                tdkt__envelope__free_unpacked(info, NULL);
            return EXIT_OK;
        }
    }
    if ((steps = calloc(n, sizeof *steps)) == NULL) {
        if (info)
            tdkt__envelope__free_unpacked(info, NULL);
        return EXIT_FAILURE_;
    }
    for (size_t k = 0; k < n; k++) {
        tdkt__review_step__init(&steps[k]);
        steps[k].submission_id = args[1];
        steps[k].action = (Tdkt__ReviewAction)action;
        steps[k].proposal_id = (char *)ids[k];
        steps[k].reason = (char *)(cfg->reason ? cfg->reason : "");
        steps[k].decision_no = (char *)(cfg->decision_no ? cfg->decision_no : "");
        steps[k].decision_date = date;
        steps[k].signer = (char *)(cfg->signer ? cfg->signer : "");
        msgs[k] = &steps[k].base;
    }
    code =
        cli_queue_many_and_push(cfg, OUTBOX_REVIEW_STEP, (const ProtobufCMessage *const *)msgs, n);
    if (code == EXIT_OK && !cfg->json)
        for (size_t k = 0; k < n; k++)
            printf(_("%s %s%s%s: recorded in the ledger\n"), name, args[1], *ids[k] ? " " : "",
                   ids[k]);
    free(steps);
    if (info)
        tdkt__envelope__free_unpacked(info, NULL);
    return code;
}

int cmd_review(const struct cfg *cfg, const char *cmd, int nargs, char **args)
{
    if (strcmp(cmd, "submit") == 0)
        return nargs == 1 ? submit_file(cfg, args[0], 0) : usage(_("usage: tdkt submit FILE"));
    if (strcmp(cmd, "eligibility") == 0)
        return nargs == 2 && strcmp(args[0], "check") == 0
                   ? submit_file(cfg, args[1], 1)
                   : usage(_("usage: tdkt eligibility check FILE"));
    if (strcmp(cmd, "history") == 0)
        return cfg->unit || cfg->person ? history_of(cfg)
                                        : usage(_("usage: tdkt history --person ID | --unit CODE"));
    if (strcmp(cmd, "report") == 0)
        return report_cmd(cfg);
    /* review ... */
    if (nargs < 1)
        return usage(_("usage: tdkt review list|show|receive|return|approve|reject|cancel|decide|"
                       "annul|record|quota ..."));
    if (strcmp(args[0], "list") == 0)
        return review_list(cfg);
    if (strcmp(args[0], "quota") == 0)
        return nargs == 2 ? review_quota(cfg, args[1]) : usage(_("usage: tdkt review quota YEAR"));
    if (strcmp(args[0], "show") == 0 && nargs == 2)
        return review_show(cfg, args[1]);
    if (strcmp(args[0], "record") == 0) {
        if (nargs != 3 || !cfg->year || !cfg->person == !cfg->unit)
            return usage(_("usage: tdkt review record ID TITLE --year Y (--person P | --unit U)"
                           " --decision-no N --decision-date YYYY-MM-DD --signer S --source TEXT"));
        Tdkt__DecisionRecord m = TDKT__DECISION_RECORD__INIT;
        Tdkt__Proposal p = TDKT__PROPOSAL__INIT;
        char date[TEXT_DATE_MAX];
        p.proposal_id = args[2];
        p.title = (Tdkt__Title)title_parse(args[2]);
        if (!p.title)
            return usage(_("review record: TITLE is a title code (LDTT, CSTDCS, CSTD_NGANH, "
                           "TTLDTT, TTLDXS, CO_NGANH, ...)"));
        p.person_id = (char *)(cfg->person ? cfg->person : "");
        p.unit_code = (char *)(cfg->unit && !cfg->person ? cfg->unit : "");
        m.record_id = args[1];
        m.year = cfg->year;
        m.proposal = &p;
        m.decision_no = (char *)(cfg->decision_no ? cfg->decision_no : "");
        if (decision_date_arg(cfg, date) != 0)
            return EXIT_USAGE;
        m.decision_date = date;
        m.signer = (char *)(cfg->signer ? cfg->signer : "");
        m.source = (char *)(cfg->source ? cfg->source : "");
        int code = cli_queue_and_push(cfg, OUTBOX_DECISION_RECORD, &m.base);
        if (code == EXIT_OK && !cfg->json)
            printf(
                _("record %s: %s for %u recorded in the ledger (annul with `tdkt review annul %s "
                  "%s`)\n"),
                args[1], args[2], cfg->year, args[1], args[2]);
        return code;
    }
    static const struct {
        const char *name;
        int action, proposal;
    } steps[] = {
        {"receive", TDKT__REVIEW_ACTION__REVIEW_ACTION_RECEIVE, 0},
        {"return", TDKT__REVIEW_ACTION__REVIEW_ACTION_RETURN, 0},
        {"approve", TDKT__REVIEW_ACTION__REVIEW_ACTION_APPROVE, 1},
        {"reject", TDKT__REVIEW_ACTION__REVIEW_ACTION_REJECT, 1},
        {"cancel", TDKT__REVIEW_ACTION__REVIEW_ACTION_CANCEL, 1},
        {"decide", TDKT__REVIEW_ACTION__REVIEW_ACTION_DECIDE, 1},
        {"annul", TDKT__REVIEW_ACTION__REVIEW_ACTION_ANNUL, 1},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (strcmp(args[0], steps[i].name) == 0)
            return review_step(cfg, steps[i].name, steps[i].action, steps[i].proposal, nargs, args);
    return usage(_("unknown review step"));
}
