/* SPDX-License-Identifier: MIT */
/*
 * The registry's rules that the server applies whichever way a record
 * comes (issue 15), seen from outside a real tdktd over mutual TLS:
 *   - a rule set with a key no rule reads, or a value out of its key's
 *     range, is refused by `tdktd registry import` (the file on the server),
 *     by `tdkt registry import` before anything is sent, and on the wire
 *     when a client that skips that check sends it anyway;
 *   - a cluster whose leader or deputy was not considered for emulation the
 *     year before (CLUSTER-LEAD) is refused by `tdktd registry import` and
 *     by `tdkt registry import` (the server's refusal), and one whose leader
 *     and deputy were considered is accepted.
 * Every refusal leaves the ledger as it was.
 */
#include "util/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/client.h"
#include "common/err.h"
#include "common/wire/envelope.h"

/* 2020: VKSCC1 and VKSCC2 in CUM1, VKSCC3 in no cluster. */
static const char registry_json[] =
    "{\"periods\":[{\"year\":2020,\"state\":\"closed\"},{\"year\":2021,\"state\":\"open\"}],"
    "\"clusters\":[{\"year\":2020,\"code\":\"CUM1\",\"name\":\"Cụm thi đua số 1\","
    "\"kind\":\"cluster\",\"members\":[\"VKSCC1\",\"VKSCC2\"]}]}";

#define CLUSTER_2021(leader, deputy)                                                               \
    "{\"clusters\":[{\"year\":2021,\"code\":\"CUM1\",\"name\":\"Cụm thi đua số 1\","          \
    "\"kind\":\"cluster\",\"members\":[\"VKSCC1\",\"VKSCC2\",\"VKSCC3\"],\"leader\":\"" leader     \
    "\",\"deputy\":\"" deputy "\"}]}"

#define UNKNOWN_KEY_WHY                                                                            \
    "unknown rule key 'ttldxs.quota': no rule reads it (the keys are listed in docs/review.md "    \
    "§3.2)"
#define LEAD_WHY(who, unit)                                                                        \
    who " '" unit "' was not considered for emulation in 2020 and may not be leader or deputy "    \
        "(CLUSTER-LEAD)"

static int64_t entries(const struct tu_fx *f)
{
    return tu_sql_int(f->db, "SELECT count(*) FROM ledger");
}

/* `tdktd registry import` of json on f's ledger (the daemon stopped):
 * its exit status, output in out. */
static int server_import(const struct tu_fx *f, const char *name, const char *json, char *out,
                         char *path)
{
    tu_path(path, TU_PATH_MAX, "%s/%s.json", f->dir, name);
    tu_write_file(path, json);
    return tu_runf(out, TU_OUT_MAX, TDKTD_BIN, "registry", "import", "--data", f->data, path, NULL);
}

/* `tdkt registry import` of json as the central office. */
static int client_import(const struct tu_fx *f, const char *name, const char *json, char *out,
                         char *path)
{
    const char *args[] = {"registry", "import", path, NULL};

    tu_path(path, TU_PATH_MAX, "%s/%s.json", f->dir, name);
    tu_write_file(path, json);
    return tu_fx_tdkt_tls(f, "VKSTC", out, TU_OUT_MAX, args);
}

/* The file on the server: refused with the record and field, nothing
 * written. Then served. */
static int setup(void **state)
{
    struct tu_fx *f = calloc(1, sizeof *f);
    char out[TU_OUT_MAX], path[TU_PATH_MAX], want[TU_OUT_MAX];
    int64_t n;

    assert_non_null(f);
    tu_fx_init(f);
    tu_fx_import(f, registry_json);
    n = entries(f);

    TU_EXIT_IS(server_import(f, "keys",
                             "{\"rules\":[{\"code\":\"TT01-2019\",\"name\":\"Thông tư 01/2019\","
                             "\"effective_from\":\"2019-01-01\",\"values\":["
                             "{\"key\":\"vote.flag.threshold_pct\",\"value\":80},"
                             "{\"key\":\"ttldxs.quota\",\"value\":20}]}]}",
                             out, path),
               2, out);
    tu_path(want, sizeof want, "tdktd: %s: rules[0].values[1].key: " UNKNOWN_KEY_WHY "\n", path);
    assert_string_equal(out, want);

    TU_EXIT_IS(server_import(f, "lead", CLUSTER_2021("VKSCC3", ""), out, path), 1, out);
    tu_path(want, sizeof want,
            "tdktd: %s: record 1: cluster.leader: " LEAD_WHY("the leader", "VKSCC3"), path);
    assert_non_null(strstr(out, want));
    TU_EXIT_IS(server_import(f, "deputy", CLUSTER_2021("VKSCC1", "VKSCC3"), out, path), 1, out);
    tu_path(want, sizeof want,
            "tdktd: %s: record 1: cluster.deputy: " LEAD_WHY("the deputy", "VKSCC3"), path);
    assert_non_null(strstr(out, want));
    assert_int_equal(entries(f), n);

    tu_fx_serve(f, TU_FX_TLS, NULL);
    *state = f;
    return 0;
}

static void test_rule_keys_refused_on_the_wire(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX], want[TU_OUT_MAX];
    int64_t n = entries(f);

    /* tdkt refuses the file itself: nothing is queued or sent. */
    TU_EXIT_IS(client_import(f, "range",
                             "{\"rules\":[{\"code\":\"TT01-2019\",\"name\":\"Thông tư 01/2019\","
                             "\"effective_from\":\"2019-01-01\",\"values\":["
                             "{\"key\":\"year.start_month\",\"value\":13}]}]}",
                             out, path),
               2, out);
    tu_path(want, sizeof want,
            "tdkt: %s: rules[0].values[0].value: year.start_month is a month, a whole number "
            "1 to 12, not 13\n",
            path);
    assert_string_equal(out, want);

    /* A client that skips the check meets the server's. */
    Tdkt__RuleValue v[2] = {TDKT__RULE_VALUE__INIT, TDKT__RULE_VALUE__INIT},
                    *vp[2] = {&v[0], &v[1]};
    Tdkt__RuleSet rs = TDKT__RULE_SET__INIT;
    Tdkt__RegistryRecord rec = TDKT__REGISTRY_RECORD__INIT, *recp = &rec;
    Tdkt__RegistryPut put = TDKT__REGISTRY_PUT__INIT;
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *reply = NULL;
    struct tdkt_client *c = NULL;
    struct tu_client_tls o;
    uint8_t id[REQUEST_ID_LEN];

    v[0].key = (char *)"vote.flag.threshold_pct";
    v[0].value = 80;
    v[1].key = (char *)"ttldxs.quota";
    v[1].value = 20;
    rs.code = (char *)"TT01-2019";
    rs.name = (char *)"Thông tư 01/2019";
    rs.effective_from = (char *)"2019-01-01";
    rs.n_values = 2;
    rs.values = vp;
    rec.item_case = TDKT__REGISTRY_RECORD__ITEM_RULES;
    rec.rules = &rs;
    put.n_records = 1;
    put.records = &recp;
    env.body_case = TDKT__ENVELOPE__BODY_REGISTRY_PUT;
    env.registry_put = &put;

    tu_client_tls(&o, f->dir, f->d.port, "VKSTC");
    if (tdkt_client_connect(&o.o, &c) < 0)
        fail_msg("connect: %s", tdkt_client_errmsg(c));
    for (int round = 0; round < 2; round++) {
        const struct fault *e;

        request_id_generate(id);
        env.version = tdkt_client_version(c);
        env.request_id.data = id;
        env.request_id.len = sizeof id;
        assert_int_equal(tdkt_client_call(c, &env, &reply), TDKT_EINVAL);
        e = tdkt_client_last_error(c);
        assert_int_equal(e->wire, TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT);
        if (round == 0) {
            assert_string_equal(e->field, "registry_put.records[0].rules.values[1].key");
            assert_string_equal(e->why.text, UNKNOWN_KEY_WHY);
            /* The key right, the value out of its range. */
            v[1].key = (char *)"ttldxs.quota_pct";
            v[1].value = 120;
        } else {
            assert_string_equal(e->field, "registry_put.records[0].rules.values[1].value");
            assert_string_equal(e->why.text, "ttldxs.quota_pct is a percentage, 0 to 100, not 120");
        }
        if (reply)
            tdkt__envelope__free_unpacked(reply, NULL);
        reply = NULL;
    }
    tdkt_client_close(c);
    assert_int_equal(entries(f), n);
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM rule_sets"), 0);
}

static void test_cluster_lead_over_the_wire(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];
    int64_t n = entries(f);

    TU_EXIT_IS(client_import(f, "lead", CLUSTER_2021("VKSCC3", "VKSCC1"), out, path), 6, out);
    assert_non_null(strstr(out, "registry_put.records[0].cluster.leader"));
    assert_non_null(strstr(out, LEAD_WHY("the leader", "VKSCC3")));
    TU_EXIT_IS(client_import(f, "deputy", CLUSTER_2021("VKSCC2", "VKSCC3"), out, path), 6, out);
    assert_non_null(strstr(out, "registry_put.records[0].cluster.deputy"));
    assert_non_null(strstr(out, LEAD_WHY("the deputy", "VKSCC3")));
    assert_int_equal(entries(f), n);

    /* Both were in a cluster in 2020: accepted, one entry. */
    TU_EXIT_IS(client_import(f, "good", CLUSTER_2021("VKSCC2", "VKSCC1"), out, path), 0, out);
    assert_int_equal(entries(f), n + 1);
    assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM clusters WHERE year = 2021"
                                       " AND leader = 'VKSCC2' AND deputy = 'VKSCC1'"),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rule_keys_refused_on_the_wire, setup,
                                        tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_cluster_lead_over_the_wire, setup,
                                        tu_fx_cmocka_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
