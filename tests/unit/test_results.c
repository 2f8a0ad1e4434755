/* SPDX-License-Identifier: MIT */
/*
 * The yearly registry (catalog.c) and results (results.c) on a real ledger
 * file: each change is one entry, an equal record appends nothing, every
 * refusal names its field and writes nothing, and the authorization and
 * period rules hold, CLUSTER-LEAD among them.
 */
#include "ledger_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/registry_json.h"
#include "common/err.h"
#include "server/registry/catalog.h"
#include "server/ledger/ledger.h"
#include "server/registry/registry.h"
#include "server/results/results.h"

#define T0 1700000000000

static const char base_registry[] =
    "{\"units\":["
    "{\"code\":\"VKSTC\",\"name\":\"Viện kiểm sát nhân dân tối cao\",\"kind\":\"supreme\"},"
    "{\"code\":\"VKSCC1\",\"name\":\"VKSND cấp cao tại Hà Nội\",\"kind\":\"high\","
    "\"parent\":\"VKSTC\"},"
    "{\"code\":\"VKSCC2\",\"name\":\"VKSND cấp cao tại Đà Nẵng\",\"kind\":\"high\","
    "\"parent\":\"VKSTC\"},"
    "{\"code\":\"VKSCC2-P1\",\"name\":\"Phòng 1\",\"kind\":\"division\",\"parent\":\"VKSCC2\"}],"
    "\"persons\":[{\"id\":\"CC2-001\",\"name\":\"Lê Văn Cường\",\"unit\":\"VKSCC2-P1\"},"
    "{\"id\":\"CC1-001\",\"name\":\"Nguyễn Văn An\",\"unit\":\"VKSCC1\"}],"
    "\"periods\":[{\"year\":2020,\"state\":\"closed\"},{\"year\":2021,\"state\":\"open\"}],"
    "\"clusters\":[{\"year\":2021,\"code\":\"CUM1\",\"name\":\"Cụm thi đua số 1\","
    "\"kind\":\"cluster\",\"members\":[\"VKSCC1\",\"VKSCC2\"]}],"
    "\"criteria\":[{\"year\":2021,\"cluster\":\"CUM1\",\"criteria\":["
    "{\"code\":\"TC1\",\"name\":\"Chuyên môn\",\"max_points\":60}]}]}";

/* An empty ledger with base_registry applied, and three of its units. */
struct fx {
    struct tu_ledger t;
    struct registry_unit cc2, cc1, tc;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct fault rf;
    int a;

    assert_non_null(f);
    tu_ledger_open_empty(&f->t);
    assert_int_equal(tu_ledger_apply(&f->t, base_registry, &a, &rf), 0);
    assert_int_equal(a, 4 + 2 + 2 + 1 + 1);
    assert_int_equal(registry_unit_get(f->t.l, "VKSCC2", &f->cc2), 0);
    assert_int_equal(registry_unit_get(f->t.l, "VKSCC1", &f->cc1), 0);
    assert_int_equal(registry_unit_get(f->t.l, "VKSTC", &f->tc), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    tu_ledger_close(&f->t);
    free(f);
    return 0;
}

static void test_registry_reimport_appends_nothing(void **state)
{
    struct fx *f = *state;
    struct fault rf;
    int a;
    uint64_t h = tu_ledger_height(&f->t);
    assert_int_equal(tu_ledger_apply(&f->t, base_registry, &a, &rf), 0);
    assert_int_equal(a, 0);
    assert_int_equal(tu_ledger_height(&f->t), h);
    assert_int_equal(f->cc2.kind, TDKT__UNIT_KIND__UNIT_KIND_HIGH);
    assert_string_equal(f->cc2.parent, "VKSTC");
}

static void test_person_by_nfd_name_is_same_person(void **state)
{
    struct fx *f = *state;
    struct fault rf;
    int a;
    /* "Nguyễn Văn An" decomposed, without an id: names CC1-001. */
    assert_int_equal(
        tu_ledger_apply(&f->t,
                        "{\"persons\":[{\"name\":\"Nguye\xcc\x82\xcc\x83n Va\xcc\x86n An\","
                        "\"unit\":\"VKSCC1\"}]}",
                        &a, &rf),
        0);
    assert_int_equal(a, 0);
    assert_int_equal(tu_ledger_sql_int(&f->t, "SELECT count(*) FROM persons"), 2);
    /* A new name without an id gets "<UNIT>-<n>". */
    assert_int_equal(
        tu_ledger_apply(&f->t, "{\"persons\":[{\"name\":\"Trần Thị Bình\",\"unit\":\"VKSCC1\"}]}",
                        &a, &rf),
        0);
    assert_int_equal(a, 1);
    assert_int_equal(tu_ledger_sql_int(&f->t, "SELECT count(*) FROM persons WHERE id='VKSCC1-2'"),
                     1);
}

static void test_unit_in_two_clusters_refused(void **state)
{
    struct fx *f = *state;
    struct fault rf;
    int a;
    uint64_t h = tu_ledger_height(&f->t);
    assert_int_equal(
        tu_ledger_apply(&f->t,
                        "{\"clusters\":[{\"year\":2021,\"code\":\"CUM2\",\"name\":\"Cụm 2\","
                        "\"kind\":\"cluster\",\"members\":[\"VKSTC\",\"VKSCC2\"]}]}",
                        &a, &rf),
        TDKT_EEXIST);
    assert_string_equal(rf.field, "cluster.members[1]");
    assert_non_null(strstr(rf.why.text, "CUM1"));
    assert_int_equal(tu_ledger_height(&f->t), h);
}

/* Apply one 2021 CUM1 of VKSCC1 and VKSCC2 led by leader, deputy ("" for
 * none); 0 or the refusal, the height grown by what was appended. */
static int put_cum1(struct fx *f, const char *leader, const char *deputy, int *a, struct fault *rf)
{
    char json[512];

    snprintf(json, sizeof json,
             "{\"clusters\":[{\"year\":2021,\"code\":\"CUM1\",\"name\":\"Cụm thi đua số 1\","
             "\"kind\":\"cluster\",\"members\":[\"VKSCC1\",\"VKSCC2\"],\"leader\":\"%s\","
             "\"deputy\":\"%s\"}]}",
             leader, deputy);
    memset(rf, 0, sizeof *rf);
    return tu_ledger_apply(&f->t, json, a, rf);
}

/*
 * CLUSTER-LEAD in the registry: a leader or deputy must have been
 * considered for emulation the year before (a member of some cluster then),
 * the check the ballot makes of its candidates. In the ledger's first year
 * of clusters (none registered for 2020) nobody can be shown to have been,
 * and the refusal says what to register.
 */
static void test_cluster_lead_checked(void **state)
{
    struct fx *f = *state;
    struct fault rf;
    uint64_t h = tu_ledger_height(&f->t);
    int a = -1;

    assert_int_equal(put_cum1(f, "VKSCC1", "", &a, &rf), TDKT_EINVAL);
    assert_string_equal(rf.field, "cluster.leader");
    assert_string_equal(rf.why.text,
                        "the leader 'VKSCC1' cannot be checked: no cluster is registered "
                        "for 2020, the year before; register 2020's clusters first "
                        "(CLUSTER-LEAD)");
    assert_int_equal(put_cum1(f, "", "VKSCC2", &a, &rf), TDKT_EINVAL);
    assert_string_equal(rf.field, "cluster.deputy");
    assert_int_equal(tu_ledger_height(&f->t), h);

    /* 2020: VKSCC1 in CUM1; VKSCC2 in no cluster. */
    assert_int_equal(
        tu_ledger_apply(&f->t,
                        "{\"clusters\":[{\"year\":2020,\"code\":\"CUM1\",\"name\":\"Cụm 1\","
                        "\"kind\":\"cluster\",\"members\":[\"VKSCC1\"]}]}",
                        &a, &rf),
        0);
    h = tu_ledger_height(&f->t);
    assert_int_equal(put_cum1(f, "VKSCC2", "", &a, &rf), TDKT_EINVAL);
    assert_string_equal(rf.field, "cluster.leader");
    assert_string_equal(rf.why.text,
                        "the leader 'VKSCC2' was not considered for emulation in 2020 and "
                        "may not be leader or deputy (CLUSTER-LEAD)");
    assert_int_equal(put_cum1(f, "VKSCC1", "VKSCC2", &a, &rf), TDKT_EINVAL);
    assert_string_equal(rf.field, "cluster.deputy");
    assert_string_equal(rf.why.text,
                        "the deputy 'VKSCC2' was not considered for emulation in 2020 and "
                        "may not be leader or deputy (CLUSTER-LEAD)");
    assert_int_equal(tu_ledger_height(&f->t), h);
    assert_int_equal(tu_ledger_sql_int(&f->t, "SELECT count(*) FROM clusters WHERE year = 2021"
                                              " AND leader IS NOT NULL"),
                     0);

    /* Considered the year before: accepted. */
    assert_int_equal(put_cum1(f, "VKSCC1", "", &a, &rf), 0);
    assert_int_equal(a, 1);
    /* A unit in another cluster the year before was considered too. */
    assert_int_equal(
        tu_ledger_apply(&f->t,
                        "{\"clusters\":[{\"year\":2020,\"code\":\"CUM9\",\"name\":\"Cụm 9\","
                        "\"kind\":\"cluster\",\"members\":[\"VKSCC2\"]}]}",
                        &a, &rf),
        0);
    assert_int_equal(put_cum1(f, "VKSCC1", "VKSCC2", &a, &rf), 0);
    assert_int_equal(a, 1);
    assert_int_equal(tu_ledger_sql_int(&f->t, "SELECT count(*) FROM clusters WHERE year = 2021"
                                              " AND leader = 'VKSCC1' AND deputy = 'VKSCC2'"),
                     1);
}

/* A new result record (malloc'd, as tdkt__result_record__free_unpacked
 * frees it) whose item is a new message of the type of the oneof member
 * named field; *item points at that message. */
static Tdkt__ResultRecord *record_new(const char *field, void **item)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(&tdkt__result_record__descriptor, field);
    const ProtobufCMessageDescriptor *type;
    Tdkt__ResultRecord *r = malloc(sizeof *r);
    ProtobufCMessage *m;

    assert_non_null(fd);
    type = fd->descriptor;
    m = malloc(type->sizeof_message);
    assert_non_null(r);
    assert_non_null(m);
    tdkt__result_record__init(r);
    protobuf_c_message_init(type, m);
    tu_pb_oneof_set(&r->base, field, m);
    *item = m;
    return r;
}

static Tdkt__ResultRecord *target(const char *code, double planned, double achieved)
{
    Tdkt__Target *t;
    Tdkt__ResultRecord *r = record_new("target", (void **)&t);

    t->code = strdup(code);
    t->name = strdup("Tỷ lệ giải quyết tin báo");
    t->planned = planned;
    t->achieved = achieved;
    return r;
}

static Tdkt__ResultRecord *score(const char *criterion, double points)
{
    Tdkt__CriterionScore *s;
    Tdkt__ResultRecord *r = record_new("score", (void **)&s);

    s->criterion_code = strdup(criterion);
    s->points = points;
    return r;
}

static Tdkt__ResultRecord *rating(const char *person)
{
    Tdkt__PersonRating *p;
    Tdkt__ResultRecord *r = record_new("person_rating", (void **)&p);

    p->person_id = strdup(person);
    p->rating = TDKT__RATING__RATING_EXCELLENT;
    return r;
}

static int put(struct fx *f, const struct registry_unit *actor, const char *unit, uint32_t year,
               Tdkt__ResultRecord **recs, size_t n, struct results_outcome *o, struct fault *rf)
{
    int rc;
    memset(rf, 0, sizeof *rf);
    assert_int_equal(ledger_begin(f->t.l), 0);
    rc = results_put(f->t.l, T0, actor, unit, year, recs, n, o, rf);
    assert_int_equal(ledger_commit(f->t.l), 0);
    for (size_t i = 0; i < n; i++)
        tdkt__result_record__free_unpacked(recs[i], NULL);
    return rc;
}

static void test_results_revisions(void **state)
{
    struct fx *f = *state;
    struct results_outcome o;
    struct fault rf;
    uint64_t h = tu_ledger_height(&f->t);
    Tdkt__ResultRecord *b1[] = {target("CT01", 100, 105), target("CT02", 100, 90), score("TC1", 55),
                                rating("CC2-001")};
    assert_int_equal(put(f, &f->cc2, "VKSCC2", 2021, b1, 4, &o, &rf), 0);
    assert_int_equal(o.appended, 4);
    assert_int_equal(o.first_seq, h + 1);
    assert_int_equal(tu_ledger_height(&f->t), h + 4);
    /* Same again: unchanged. One change: one entry, revision 2. */
    Tdkt__ResultRecord *b2[] = {target("CT01", 100, 105), target("CT02", 100, 101)};
    assert_int_equal(put(f, &f->cc2, "VKSCC2", 2021, b2, 2, &o, &rf), 0);
    assert_int_equal(o.appended, 1);
    assert_int_equal(o.unchanged, 1);
    assert_int_equal(tu_ledger_height(&f->t), h + 5);
    assert_int_equal(tu_ledger_sql_int(&f->t, "SELECT revision FROM results WHERE key='CT02'"), 2);
    assert_int_equal(
        tu_ledger_sql_int(&f->t, "SELECT count(*) FROM ledger WHERE kind='result.put'"), 5);
}

static void test_results_refusals_write_nothing(void **state)
{
    struct fx *f = *state;
    struct results_outcome o;
    struct fault rf;
    uint64_t h = tu_ledger_height(&f->t);

    /* Another office's unit. */
    Tdkt__ResultRecord *a[] = {target("CT01", 1, 1)};
    assert_int_equal(put(f, &f->cc1, "VKSCC2", 2021, a, 1, &o, &rf), TDKT_EPERM);
    assert_string_equal(rf.field, "results_put.unit_code");
    /* The central office reads everything but writes only its own. */
    Tdkt__ResultRecord *a2[] = {target("CT01", 1, 1)};
    assert_int_equal(put(f, &f->tc, "VKSCC2", 2021, a2, 1, &o, &rf), TDKT_EPERM);
    /* Closed and unknown periods. */
    Tdkt__ResultRecord *b[] = {target("CT01", 1, 1)};
    assert_int_equal(put(f, &f->cc2, "VKSCC2", 2020, b, 1, &o, &rf), TDKT_EPERIOD);
    Tdkt__ResultRecord *c[] = {target("CT01", 1, 1)};
    assert_int_equal(put(f, &f->cc2, "VKSCC2", 2022, c, 1, &o, &rf), TDKT_ENOTFOUND);
    /* A score above its maximum, second in the batch: the first is not kept. */
    Tdkt__ResultRecord *d[] = {target("CT09", 1, 1), score("TC1", 61)};
    assert_int_equal(put(f, &f->cc2, "VKSCC2", 2021, d, 2, &o, &rf), TDKT_EINVAL);
    assert_string_equal(rf.field, "results_put.records[1].score.points");
    /* An unknown criterion, a person of another office. */
    Tdkt__ResultRecord *e[] = {score("TC9", 1)};
    assert_int_equal(put(f, &f->cc2, "VKSCC2", 2021, e, 1, &o, &rf), TDKT_ENOTFOUND);
    Tdkt__ResultRecord *g[] = {rating("CC1-001")};
    assert_int_equal(put(f, &f->cc2, "VKSCC2", 2021, g, 1, &o, &rf), TDKT_EPERM);
    assert_string_equal(rf.field, "results_put.records[0].person_rating.person_id");
    /* A person of the division, written for the division by its office. */
    Tdkt__ResultRecord *p[] = {rating("CC2-001")};
    assert_int_equal(put(f, &f->cc2, "VKSCC2-P1", 2021, p, 1, &o, &rf), 0);
    h++;
    /* The same key twice in one batch. */
    Tdkt__ResultRecord *k[] = {target("CT05", 1, 1), target("CT06", 1, 1), target("CT05", 2, 2)};
    assert_int_equal(put(f, &f->cc2, "VKSCC2", 2021, k, 3, &o, &rf), TDKT_EINVAL);
    assert_string_equal(rf.field, "results_put.records[2]");
    assert_int_equal(tu_ledger_height(&f->t), h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_registry_reimport_appends_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_person_by_nfd_name_is_same_person, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_in_two_clusters_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cluster_lead_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_revisions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_refusals_write_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
