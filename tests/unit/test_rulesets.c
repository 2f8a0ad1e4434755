/* SPDX-License-Identifier: MIT */
/*
 * Rule sets (docs/registry.md): the thresholds and limits of a year come from
 * the rule set in force on 31 December of that year, as data in the
 * registry. The import file refuses a malformed set with the JSON path of
 * the fault (a key no rule reads, a value out of its key's range among
 * them); on a real ledger, which refuses the same, a set is one "rules.set" entry whose payload
 * is the RuleSet, applying it unchanged appends nothing, a change replaces
 * every value, a key missing from the set in force is a policy gap reported
 * as not found (never a value from an older set), and `tdktd verify`
 * (ledger_verify_log, replay_check) agrees with the tables afterwards.
 */
#include "ledger_fixture.h"
#include "regfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/elig_keys.h"
#include "common/domain/records.h"
#include "common/domain/registry_json.h"
#include "common/err.h"
#include "proto/tdkt.pb-c.h"
#include "server/registry/catalog.h"
#include "server/ledger/ledger.h"
#include "server/ledger/replay.h"

#define T0     1700000000000LL
#define ACTOR  "VKSTC"
#define FLAG   "vote.flag.threshold_pct"
#define LEADER "vote.leader.threshold_pct"
#define CAP    "cstdcs.cap_pct"

/* ---- the import file ----------------------------------------------------- */

/* {"rules": [one set with the given effective_from member and values]}. */
static void refused_set(const char *from, const char *values, const char *msg)
{
    char json[1024];

    tu_path(json, sizeof json,
            "{\"rules\": [{\"code\": \"TT01-2019\", \"name\": \"Thông tư 01/2019\"%s%s%s}]}", from,
            values ? ", \"values\": " : "", values ? values : "");
    tu_regfile_refused(json, TDKT_EINVAL, msg);
}

#define FROM_OK ", \"effective_from\": \"2019-01-01\""
#define KEY_MSG "a rule key is 1 to 64 characters of a-z, 0-9, '_', '.'"

static void test_json_rules_accepted(void **state)
{
    struct tu_regfile p;
    const Tdkt__RuleSet *rs;

    tu_regfile_parse(
        &p, "{\"units\": [{\"code\": \"VKSTC\", \"name\": \"Viện kiểm sát nhân dân tối "
            "cao\", \"kind\": \"supreme\", \"role\": \"central\"}],"
            " \"rules\": [{\"code\": \"TT01-2019\", \"name\": \"Thông tư 01/2019\","
            " \"effective_from\": \"2019-01-01\", \"values\": ["
            "{\"key\": \"vote.flag.threshold_pct\", \"value\": 80, \"source\": \"Điều 8\"},"
            "{\"key\": \"vote.leader.threshold_pct\", \"value\": 50.5}]},"
            "{\"code\": \"TT02-2024\", \"name\": \"Thông tư 02/2024\","
            " \"effective_from\": \"2024-10-01\", \"values\": ["
            "{\"key\": \"vote.leader.threshold_pct\", \"value\": 60, \"source\": \"Điều "
            "9\"}]}]}");
    if (p.rc != 0)
        fail_msg("refused: %s", p.err);
    assert_int_equal(p.n, 3);

    /* Rule sets come first: the rest of the registry may depend on them. */
    assert_int_equal(p.recs[0]->item_case, TDKT__REGISTRY_RECORD__ITEM_RULES);
    assert_int_equal(p.recs[1]->item_case, TDKT__REGISTRY_RECORD__ITEM_RULES);
    assert_int_equal(p.recs[2]->item_case, TDKT__REGISTRY_RECORD__ITEM_UNIT);

    rs = p.recs[0]->rules;
    assert_string_equal(rs->code, "TT01-2019");
    assert_string_equal(rs->name, "Thông tư 01/2019");
    assert_string_equal(rs->effective_from, "2019-01-01");
    assert_int_equal(rs->n_values, 2);
    assert_string_equal(rs->values[0]->key, FLAG);
    assert_true(rs->values[0]->value == 80);
    assert_string_equal(rs->values[0]->source, "Điều 8");
    assert_string_equal(rs->values[1]->key, LEADER);
    assert_true(rs->values[1]->value == 50.5);
    assert_string_equal(rs->values[1]->source, "");
    rs = p.recs[1]->rules;
    assert_string_equal(rs->code, "TT02-2024");
    assert_string_equal(rs->effective_from, "2024-10-01");
    assert_int_equal(rs->n_values, 1);
    registry_records_free(p.recs, p.n);

    /* A key of exactly RULE_KEY_MAX characters is spelt right: what refuses
     * it is only that no rule reads it. */
    {
        char json[512], key[RULE_KEY_MAX + 1], msg[256];

        memset(key, 'k', RULE_KEY_MAX);
        key[RULE_KEY_MAX] = '\0';
        tu_path(json, sizeof json,
                "{\"rules\": [{\"code\": \"R\", \"name\": \"r\", \"effective_from\": "
                "\"2020-02-29\", \"values\": [{\"key\": \"%s\", \"value\": 1}]}]}",
                key);
        tu_path(msg, sizeof msg,
                "rules[0].values[0].key: unknown rule key '%s': no rule reads it (the keys are "
                "listed in docs/review.md §3.2)",
                key);
        tu_regfile_refused(json, TDKT_EINVAL, msg);
    }
}

/* A value for the kind of a key: the example value of each kind. */
static double kind_example(enum elig_key_kind k)
{
    switch (k) {
    case ELIG_KEY_PCT:
        return 66.5;
    case ELIG_KEY_FLAG:
        return 1;
    case ELIG_KEY_MONTH:
        return 12;
    case ELIG_KEY_COUNT:
        return 0;
    }
    return -1;
}

/* Every key of the table, eligibility's and the ballot thresholds alike,
 * imports: the table and the import agree, and every key fits the spelling
 * of a key (RULE_KEY_MAX characters of a-z, 0-9, '_', '.'). */
static void test_json_every_table_key_accepted(void **state)
{
    static const char *const ballot_keys[] = {FLAG, LEADER, "vote.deputy.threshold_pct",
                                              "vote.collective_excellent.threshold_pct",
                                              "vote.collective_advanced.threshold_pct"};
    const struct elig_key *k;
    struct tu_regfile p;
    char json[8192];
    size_t n = 0, len;

    (void)state;
    len = (size_t)snprintf(json, sizeof json,
                           "{\"rules\": [{\"code\": \"ALL\", \"name\": \"Mọi khóa\","
                           " \"effective_from\": \"2024-01-01\", \"values\": [");
    while ((k = elig_key_at(n)) != NULL) {
        assert_true(strlen(k->name) <= RULE_KEY_MAX);
        len += (size_t)snprintf(json + len, sizeof json - len, "%s{\"key\": \"%s\", \"value\": %g}",
                                n ? ", " : "", k->name, kind_example(k->kind));
        assert_true(len < sizeof json);
        n++;
    }
    snprintf(json + len, sizeof json - len, "]}]}");
    tu_regfile_parse(&p, json);
    if (p.rc != 0)
        fail_msg("refused: %s", p.err);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.recs[0]->rules->n_values, n);
    registry_records_free(p.recs, p.n);

    /* The ballot reads its thresholds by contest purpose
     * (server/ballot/ballot_contest.c); each is a percentage in the table,
     * a policy question when absent save the flag's, which the judge reads
     * as "no cluster vote". */
    for (size_t i = 0; i < sizeof ballot_keys / sizeof ballot_keys[0]; i++) {
        k = elig_key_find(ballot_keys[i]);
        assert_non_null(k);
        assert_int_equal(k->kind, ELIG_KEY_PCT);
        if (i == 0)
            assert_non_null(k->absent);
        else
            assert_null(k->absent);
    }
}

static void test_json_rules_refused_with_path(void **state)
{
    char values[256], key[RULE_KEY_MAX + 2];

    refused_set("", "[{\"key\": \"" CAP "\", \"value\": 1}]",
                "rules[0].effective_from: is required");
    refused_set(", \"effective_from\": \"2019-02-29\"", "[{\"key\": \"" CAP "\", \"value\": 1}]",
                "rules[0].effective_from: the date the rule set applies from, YYYY-MM-DD, is "
                "required");
    refused_set(", \"effective_from\": \"2019-1-01\"", "[{\"key\": \"" CAP "\", \"value\": 1}]",
                "rules[0].effective_from: the date the rule set applies from, YYYY-MM-DD, is "
                "required");
    refused_set(", \"effective_from\": \"\"", "[{\"key\": \"" CAP "\", \"value\": 1}]",
                "rules[0].effective_from: the date the rule set applies from, YYYY-MM-DD, is "
                "required");

    /* Keys: lower case, digits, '_', '.', 1 to 64 of them, each once. */
    refused_set(FROM_OK, "[{\"key\": \"Vote.flag\", \"value\": 1}]",
                "rules[0].values[0].key: " KEY_MSG);
    refused_set(FROM_OK,
                "[{\"key\": \"" CAP "\", \"value\": 1}, {\"key\": \"vote-flag\", \"value\": 1}]",
                "rules[0].values[1].key: " KEY_MSG);
    refused_set(FROM_OK, "[{\"key\": \"\", \"value\": 1}]", "rules[0].values[0].key: " KEY_MSG);
    memset(key, 'k', RULE_KEY_MAX + 1);
    key[RULE_KEY_MAX + 1] = '\0';
    tu_path(values, sizeof values, "[{\"key\": \"%s\", \"value\": 1}]", key);
    refused_set(FROM_OK, values, "rules[0].values[0].key: " KEY_MSG);
    refused_set(FROM_OK,
                "[{\"key\": \"" FLAG "\", \"value\": 1}, {\"key\": \"" CAP "\", \"value\": 2},"
                " {\"key\": \"" FLAG "\", \"value\": 1}]",
                "rules[0].values[2].key: '" FLAG "' is listed twice");

    /* Keys: only those a rule reads (common/domain/elig_keys.c), so a
     * misspelling is refused where it is, never stored and ignored. */
    refused_set(FROM_OK,
                "[{\"key\": \"" FLAG "\", \"value\": 80}, {\"key\": \"" CAP "\", \"value\": 15},"
                " {\"key\": \"ttldxs.members_ldtt_pct\", \"value\": 70},"
                " {\"key\": \"ttldxs.quota\", \"value\": 20}]",
                "rules[0].values[3].key: unknown rule key 'ttldxs.quota': no rule reads it (the "
                "keys are listed in docs/review.md §3.2)");
    refused_set(FROM_OK, "[{\"key\": \"vote.chair.threshold_pct\", \"value\": 50}]",
                "rules[0].values[0].key: unknown rule key 'vote.chair.threshold_pct': no rule "
                "reads it (the keys are listed in docs/review.md §3.2)");

    /* Values: at least one, each a number. */
    refused_set(FROM_OK, "[]", "rules[0].values: a rule set has 1 to 128 values");
    refused_set(FROM_OK, NULL, "rules[0].values: is required");
    refused_set(FROM_OK, "{}", "rules[0].values: must be an array of {key, value, source}");
    refused_set(FROM_OK, "[{\"key\": \"" CAP "\", \"value\": \"80\"}]",
                "rules[0].values[0].value: must be a number");
    refused_set(FROM_OK, "[{\"key\": \"" CAP "\", \"value\": true}]",
                "rules[0].values[0].value: must be a number");
    refused_set(FROM_OK, "[{\"key\": \"" CAP "\"}]", "rules[0].values[0].value: is required");
    refused_set(FROM_OK, "[{\"key\": \"" CAP "\", \"value\": 1, \"note\": 2}]",
                "rules[0].values[0]: unknown key 'note' (expected key, value, source)");

    /* Values: each in the range of its key's kind, at both ends. */
    refused_set(FROM_OK, "[{\"key\": \"" CAP "\", \"value\": 100.5}]",
                "rules[0].values[0].value: " CAP " is a percentage, 0 to 100, not 100.5");
    refused_set(FROM_OK, "[{\"key\": \"" LEADER "\", \"value\": -1}]",
                "rules[0].values[0].value: " LEADER " is a percentage, 0 to 100, not -1");
    refused_set(FROM_OK, "[{\"key\": \"htxsnv.requires_exceeding\", \"value\": 2}]",
                "rules[0].values[0].value: htxsnv.requires_exceeding is a flag, 0 or 1, not 2");
    refused_set(FROM_OK, "[{\"key\": \"cstdcs.via_research\", \"value\": 0.5}]",
                "rules[0].values[0].value: cstdcs.via_research is a flag, 0 or 1, not 0.5");
    refused_set(FROM_OK, "[{\"key\": \"bk_vt.years\", \"value\": 2.5}]",
                "rules[0].values[0].value: bk_vt.years is a count, a whole number 0 to 9999, not "
                "2.5");
    refused_set(FROM_OK, "[{\"key\": \"bk_vt.years\", \"value\": -1}]",
                "rules[0].values[0].value: bk_vt.years is a count, a whole number 0 to 9999, not "
                "-1");
    refused_set(FROM_OK, "[{\"key\": \"year.start_month\", \"value\": 0}]",
                "rules[0].values[0].value: year.start_month is a month, a whole number 1 to 12, "
                "not 0");
    refused_set(FROM_OK, "[{\"key\": \"year.start_month\", \"value\": 13}]",
                "rules[0].values[0].value: year.start_month is a month, a whole number 1 to 12, "
                "not 13");
    {
        struct tu_regfile p;

        tu_regfile_parse(&p, "{\"rules\": [{\"code\": \"R\", \"name\": \"r\","
                             " \"effective_from\": \"2019-01-01\", \"values\": ["
                             "{\"key\": \"" CAP "\", \"value\": 0},"
                             "{\"key\": \"" LEADER "\", \"value\": 100},"
                             "{\"key\": \"cstdcs.via_research\", \"value\": 0},"
                             "{\"key\": \"bk_vt.years\", \"value\": 9999},"
                             "{\"key\": \"year.start_month\", \"value\": 1}]}]}");
        if (p.rc != 0)
            fail_msg("refused: %s", p.err);
        registry_records_free(p.recs, p.n);
    }

    /* A code once per file. */
    tu_regfile_refused(
        "{\"rules\": ["
        "{\"code\": \"TT01-2019\", \"name\": \"a\", \"effective_from\": \"2019-01-01\","
        " \"values\": [{\"key\": \"" CAP "\", \"value\": 1}]},"
        "{\"code\": \"TT02-2024\", \"name\": \"b\", \"effective_from\": \"2024-10-01\","
        " \"values\": [{\"key\": \"" CAP "\", \"value\": 1}]},"
        "{\"code\": \"TT01-2019\", \"name\": \"c\", \"effective_from\": \"2020-01-01\","
        " \"values\": [{\"key\": \"" CAP "\", \"value\": 2}]}]}",
        TDKT_EINVAL, "rules[2].code: rule set 'TT01-2019' is already given at rules[0]");
    tu_regfile_refused("{\"rules\": {}}", TDKT_EINVAL, "rules: must be an array [...]");
}

/* ---- the catalog on a real ledger ---------------------------------------- */

/* A rule set of up to four values, borrowed from this struct. */
struct rules {
    Tdkt__RegistryRecord r;
    Tdkt__RuleSet rs;
    Tdkt__RuleValue v[4], *vp[4];
};

static void rules_init(struct rules *x, const char *code, const char *from)
{
    memset(x, 0, sizeof *x);
    tdkt__registry_record__init(&x->r);
    tdkt__rule_set__init(&x->rs);
    x->r.item_case = TDKT__REGISTRY_RECORD__ITEM_RULES;
    x->r.rules = &x->rs;
    x->rs.code = (char *)code;
    x->rs.name = (char *)"Thông tư hướng dẫn thi đua, khen thưởng";
    x->rs.effective_from = (char *)from;
    x->rs.values = x->vp;
}

static void rules_add(struct rules *x, const char *key, double value, const char *source)
{
    size_t i = x->rs.n_values++;

    assert_true(i < 4);
    tdkt__rule_value__init(&x->v[i]);
    x->v[i].key = (char *)key;
    x->v[i].value = value;
    x->v[i].source = (char *)source;
    x->vp[i] = &x->v[i];
}

/* Apply in a committed transaction; returns the result, *appended and
 * checks the height grew by exactly that. */
static int apply(struct tu_ledger *t, struct rules *x, int *appended, struct fault *f)
{
    uint64_t before = tu_ledger_height(t);
    int rc;

    assert_int_equal(ledger_begin(t->l), 0);
    rc = catalog_apply(t->l, T0, ACTOR, &x->r, appended, f);
    assert_int_equal(ledger_commit(t->l), 0);
    assert_int_equal(tu_ledger_height(t), before + (uint64_t)*appended);
    return rc;
}

static void apply_ok(struct tu_ledger *t, struct rules *x, int want_appended)
{
    struct fault f;
    int appended = -1;

    memset(&f, 0, sizeof f);
    if (apply(t, x, &appended, &f) != 0)
        fail_msg("refused: %s: %s", f.field, f.why.text);
    assert_int_equal(appended, want_appended);
}

/* The two rule sets of the scenario: TT01-2019 sets the flag threshold,
 * TT02-2024 replaces it from October 2024 without one. */
static void apply_scenario(struct tu_ledger *t)
{
    struct rules a, b;

    rules_init(&a, "TT01-2019", "2019-01-01");
    rules_add(&a, FLAG, 80, "Điều 8 khoản 2");
    rules_add(&a, LEADER, 50, "");
    apply_ok(t, &a, 1);
    rules_init(&b, "TT02-2024", "2024-10-01");
    rules_add(&b, LEADER, 60, "Điều 9");
    apply_ok(t, &b, 1);
    assert_int_equal(tu_ledger_height(t), 2);
}

static void value_is(struct ledger *l, uint32_t year, const char *key, double want,
                     const char *want_set)
{
    char set[RECORD_CODE_MAX + 1];
    double v = -1;
    int rc = catalog_rule_value(l, year, key, &v, set);

    if (rc != 0)
        fail_msg("%u %s: rc %d (set '%s')", year, key, rc, set);
    assert_true(v == want);
    assert_string_equal(set, want_set);
}

static void value_missing(struct ledger *l, uint32_t year, const char *key, const char *want_set)
{
    char set[RECORD_CODE_MAX + 1];
    double v = -1;

    memset(set, 'x', sizeof set);
    assert_int_equal(catalog_rule_value(l, year, key, &v, set), TDKT_ENOTFOUND);
    assert_string_equal(set, want_set);
    assert_true(v == -1);
}

static void test_rule_in_force_on_31_december(void **state)
{
    struct tu_ledger *f = *state;

    apply_scenario(f);
    value_is(f->l, 2019, FLAG, 80, "TT01-2019");
    value_is(f->l, 2023, FLAG, 80, "TT01-2019");
    value_is(f->l, 2023, LEADER, 50, "TT01-2019");
    /* On 31 December 2024 TT02-2024 is in force; it has no flag threshold.
     * That is a gap for policy to fill, not a reason to fall back to
     * TT01-2019's 80. */
    value_is(f->l, 2024, LEADER, 60, "TT02-2024");
    value_missing(f->l, 2024, FLAG, "TT02-2024");
    value_missing(f->l, 2030, FLAG, "TT02-2024");
    /* Before any rule set: none is in force. */
    value_missing(f->l, 2018, FLAG, "");
    value_missing(f->l, 2018, LEADER, "");
    /* A key no set has. */
    value_missing(f->l, 2023, "vote.deputy.threshold_pct", "TT01-2019");
}

static void test_apply_is_idempotent_and_replaces(void **state)
{
    struct tu_ledger *f = *state;
    struct rules a;
    uint64_t h;

    apply_scenario(f);
    h = tu_ledger_height(f);

    /* The same set again, and in another order: nothing to append. */
    rules_init(&a, "TT01-2019", "2019-01-01");
    rules_add(&a, FLAG, 80, "Điều 8 khoản 2");
    rules_add(&a, LEADER, 50, "");
    apply_ok(f, &a, 0);
    rules_init(&a, "TT01-2019", "2019-01-01");
    rules_add(&a, LEADER, 50, NULL);
    rules_add(&a, FLAG, 80, "Điều 8 khoản 2");
    apply_ok(f, &a, 0);
    assert_int_equal(tu_ledger_height(f), h);

    /* One value changed: one entry, and the set's values are replaced, not
     * added to. */
    rules_init(&a, "TT01-2019", "2019-01-01");
    rules_add(&a, FLAG, 75, "Điều 8 khoản 2");
    rules_add(&a, LEADER, 50, "");
    apply_ok(f, &a, 1);
    assert_int_equal(tu_ledger_height(f), h + 1);
    value_is(f->l, 2023, FLAG, 75, "TT01-2019");
    value_is(f->l, 2023, LEADER, 50, "TT01-2019");
    assert_int_equal(
        tu_ledger_sql_int(f, "SELECT count(*) FROM rule_values WHERE ruleset = 'TT01-2019'"), 2);
    assert_int_equal(tu_ledger_sql_int(f, "SELECT count(*) FROM rule_sets"), 2);
    apply_ok(f, &a, 0);

    /* Only the source changed: still a change of the record. */
    a.v[0].source = (char *)"Điều 8 khoản 3";
    apply_ok(f, &a, 1);

    /* A key left out is gone: the set replaces the whole list. */
    rules_init(&a, "TT01-2019", "2019-01-01");
    rules_add(&a, FLAG, 75, "Điều 8 khoản 3");
    apply_ok(f, &a, 1);
    value_missing(f->l, 2023, LEADER, "TT01-2019");
    assert_int_equal(
        tu_ledger_sql_int(f, "SELECT count(*) FROM rule_values WHERE ruleset = 'TT01-2019'"), 1);

    /* A new effective date moves the set: from 2021 on only. */
    rules_init(&a, "TT01-2019", "2021-07-01");
    rules_add(&a, FLAG, 75, "Điều 8 khoản 3");
    apply_ok(f, &a, 1);
    value_missing(f->l, 2020, FLAG, "");
    value_is(f->l, 2021, FLAG, 75, "TT01-2019");
    assert_int_equal(tu_ledger_height(f), h + 4);
}

static void test_apply_refuses_bad_set(void **state)
{
    struct tu_ledger *f = *state;
    struct fault fault;
    struct rules a;
    int appended = -1;

    apply_scenario(f);
    rules_init(&a, "TT01-2019", "2019-01-01");
    rules_add(&a, "Vote.Flag", 90, "");
    memset(&fault, 0, sizeof fault);
    assert_int_equal(apply(f, &a, &appended, &fault), TDKT_EINVAL);
    assert_int_equal(appended, 0);
    assert_string_equal(fault.field, "rules.values[0].key");

    rules_init(&a, "TT03-2025", "2025-13-01");
    rules_add(&a, FLAG, 90, "");
    assert_int_equal(apply(f, &a, &appended, &fault), TDKT_EINVAL);
    assert_string_equal(fault.field, "rules.effective_from");

    rules_init(&a, "TT03-2025", "2025-01-01");
    assert_int_equal(apply(f, &a, &appended, &fault), TDKT_EINVAL);
    assert_string_equal(fault.field, "rules.values");

    /* The server's own check, which a RegistryPut and `tdktd registry
     * import` both meet: a key no rule reads, a value out of its range. */
    rules_init(&a, "TT03-2025", "2025-01-01");
    rules_add(&a, FLAG, 90, "");
    rules_add(&a, "ttldxs.quota", 20, "");
    assert_int_equal(apply(f, &a, &appended, &fault), TDKT_EINVAL);
    assert_string_equal(fault.field, "rules.values[1].key");
    assert_string_equal(fault.why.text,
                        "unknown rule key 'ttldxs.quota': no rule reads it (the keys "
                        "are listed in docs/review.md §3.2)");
    rules_init(&a, "TT03-2025", "2025-01-01");
    rules_add(&a, FLAG, 150, "");
    assert_int_equal(apply(f, &a, &appended, &fault), TDKT_EINVAL);
    assert_string_equal(fault.field, "rules.values[0].value");
    assert_string_equal(fault.why.text, FLAG " is a percentage, 0 to 100, not 150");

    /* Nothing of the refused sets reached the tables. */
    assert_int_equal(tu_ledger_height(f), 2);
    value_is(f->l, 2023, FLAG, 80, "TT01-2019");
    value_is(f->l, 2025, LEADER, 60, "TT02-2024");
}

struct found {
    int n;
    Tdkt__RuleSet *last;
    char unit[LEDGER_UNIT_MAX + 1];
};

static int collect_rules(void *arg, const struct ledger_entry *e)
{
    struct found *x = arg;

    if (strcmp(e->kind, "rules.set") != 0)
        return 0;
    x->n++;
    if (x->last)
        tdkt__rule_set__free_unpacked(x->last, NULL);
    x->last = tdkt__rule_set__unpack(NULL, e->payload_len, e->payload);
    snprintf(x->unit, sizeof x->unit, "%s", e->unit);
    return x->last ? 0 : TDKT_ECORRUPT;
}

static void test_entry_payload_and_verify(void **state)
{
    struct tu_ledger *f = *state;
    struct replay_report rep;
    struct found got;
    struct rules a;
    uint64_t bad = 99;

    apply_scenario(f);
    rules_init(&a, "TT01-2019", "2019-01-01");
    rules_add(&a, FLAG, 75, "Điều 8 khoản 2");
    rules_add(&a, LEADER, 50, "");
    apply_ok(f, &a, 1);
    apply_ok(f, &a, 0);

    memset(&got, 0, sizeof got);
    assert_int_equal(ledger_entries_after(f->l, 0, 100, collect_rules, &got), 0);
    assert_int_equal(got.n, 3);
    assert_non_null(got.last);
    assert_string_equal(got.unit, ACTOR);
    assert_string_equal(got.last->code, "TT01-2019");
    assert_string_equal(got.last->name, "Thông tư hướng dẫn thi đua, khen thưởng");
    assert_string_equal(got.last->effective_from, "2019-01-01");
    assert_int_equal(got.last->n_values, 2);
    assert_string_equal(got.last->values[0]->key, FLAG);
    assert_true(got.last->values[0]->value == 75);
    assert_string_equal(got.last->values[0]->source, "Điều 8 khoản 2");
    assert_string_equal(got.last->values[1]->key, LEADER);
    assert_true(got.last->values[1]->value == 50);
    tdkt__rule_set__free_unpacked(got.last, NULL);

    assert_int_equal(ledger_verify_log(f->l, &bad), 0);
    memset(&rep, 0, sizeof rep);
    if (replay_check(f->l, &rep) != 0)
        fail_msg("replay: %s", rep.what);
    assert_int_equal(rep.entries, tu_ledger_height(f));
    assert_string_equal(rep.what, "");
}

/*
 * A rule value edited in the table without an entry must show up in
 * `tdktd verify`, like an edited criterion does: the threshold decides who
 * gets the flag: replay.c folds "rules.set" into r_rule_sets/r_rule_values
 * and compares them with rule_sets and rule_values.
 */
static void test_replay_sees_edited_rule_value(void **state)
{
    struct tu_ledger *f = *state;
    struct replay_report rep;

    apply_scenario(f);
    memset(&rep, 0, sizeof rep);
    assert_int_equal(replay_check(f->l, &rep), 0);
    assert_int_equal(sqlite3_exec(ledger_db(f->l),
                                  "UPDATE rule_values SET value = 60 WHERE ruleset = 'TT01-2019'"
                                  " AND key = 'vote.flag.threshold_pct'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    value_is(f->l, 2023, FLAG, 60, "TT01-2019");
    memset(&rep, 0, sizeof rep);
    assert_int_equal(replay_check(f->l, &rep), TDKT_ECORRUPT);
    assert_non_null(strstr(rep.what, "rule_values"));
}

/*
 * A ledger written before keys were checked may hold a rule set with a key
 * no rule reads. `tdktd verify` replays entries as they are, without
 * checking them again, so such a ledger still verifies and the set still
 * gives its other values; only giving the set again with the key is
 * refused (docs/registry.md, "Rule sets").
 */
static void test_old_unknown_key_still_verifies(void **state)
{
    struct tu_ledger *f = *state;
    struct replay_report rep;
    struct fault fault;
    struct rules a;
    uint64_t seq = 0, bad = 99;
    int appended = -1;

    /* What the catalog wrote then: the entry, and its rows. */
    rules_init(&a, "TT01-2019", "2019-01-01");
    rules_add(&a, FLAG, 80, "Điều 8 khoản 2");
    rules_add(&a, "ttldxs.quota", 20, "");
    assert_int_equal(ledger_begin(f->l), 0);
    assert_int_equal(ledger_append_msg(f->l, T0, ACTOR, "rules.set", &a.rs.base, &seq), 0);
    assert_int_equal(
        sqlite3_exec(ledger_db(f->l),
                     "INSERT INTO rule_sets(code, name, effective_from, seq) VALUES"
                     " ('TT01-2019', 'Thông tư hướng dẫn thi đua, khen thưởng', '2019-01-01', 1);"
                     "INSERT INTO rule_values(ruleset, key, value, source) VALUES"
                     " ('TT01-2019', 'vote.flag.threshold_pct', 80, 'Điều 8 khoản 2'),"
                     " ('TT01-2019', 'ttldxs.quota', 20, NULL);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(ledger_commit(f->l), 0);
    assert_int_equal(seq, 1);

    assert_int_equal(ledger_verify_log(f->l, &bad), 0);
    memset(&rep, 0, sizeof rep);
    if (replay_check(f->l, &rep) != 0)
        fail_msg("replay: %s", rep.what);
    value_is(f->l, 2023, FLAG, 80, "TT01-2019");

    memset(&fault, 0, sizeof fault);
    assert_int_equal(apply(f, &a, &appended, &fault), TDKT_EINVAL);
    assert_string_equal(fault.field, "rules.values[1].key");
    rules_init(&a, "TT01-2019", "2019-01-01");
    rules_add(&a, FLAG, 80, "Điều 8 khoản 2");
    apply_ok(f, &a, 1);
    memset(&rep, 0, sizeof rep);
    if (replay_check(f->l, &rep) != 0)
        fail_msg("replay: %s", rep.what);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_rules_accepted),
        cmocka_unit_test(test_json_rules_refused_with_path),
        cmocka_unit_test(test_json_every_table_key_accepted),
        cmocka_unit_test_setup_teardown(test_rule_in_force_on_31_december,
                                        tu_ledger_cmocka_setup_empty, tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_apply_is_idempotent_and_replaces,
                                        tu_ledger_cmocka_setup_empty, tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_apply_refuses_bad_set, tu_ledger_cmocka_setup_empty,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_entry_payload_and_verify, tu_ledger_cmocka_setup_empty,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_old_unknown_key_still_verifies,
                                        tu_ledger_cmocka_setup_empty, tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_replay_sees_edited_rule_value,
                                        tu_ledger_cmocka_setup_empty, tu_ledger_cmocka_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
