/* SPDX-License-Identifier: MIT */
/*
 * The registry import file (docs/registry.md): a good file becomes records in
 * the documented order, with the documented defaults and NFC names, that the
 * caller frees record by record; a bad file is refused as a whole with the
 * JSON path (or line and column) of its first error; the named limits hold.
 * Then the fixtures in data/: the registry parses, the 2021 results files
 * agree with it and with the seed figures data/README.md cites, and each of
 * the seeds' decisions is one `tdkt review record` accepts about a
 * registered person or unit.
 */
#include "regfile.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain/records.h"
#include "common/domain/registry_json.h"
#include "common/err.h"
#include "server/review/review.h"

static const char example[] =
    "{\"units\":    [{\"code\":\"VKSTC\",\"name\":\"Viện kiểm sát nhân dân tối "
    "cao\",\"kind\":\"supreme\",\"role\":\"central\",\"parent\":\"\"},\n"
    "               {\"code\":\"VKSCC2\",\"name\":\"Viện kiểm sát nhân dân cấp cao tại Đà "
    "Nẵng\",\"kind\":\"high\",\"parent\":\"VKSTC\"}],\n"
    " \"persons\":  [{\"id\":\"CC2-001\",\"name\":\"Lê Thị Mỹ Dung\",\"unit\":\"VKSCC2\"}],\n"
    " \"periods\":  [{\"year\":2021,\"state\":\"open\",\"deadline\":\"2022-01-15\"}],\n"
    " \"clusters\": [{\"year\":2021,\"code\":\"CUM1\",\"name\":\"Cụm thi đua số "
    "1\",\"kind\":\"cluster\",\"members\":[\"VKSCC1\",\"VKSCC2\",\"VKSCC3\"],\"leader\":"
    "\"VKSCC2\",\"deputy\":\"VKSCC1\"}],\n"
    " \"criteria\": [{\"year\":2021,\"cluster\":\"CUM1\",\"criteria\":[{\"code\":\"TC1\",\"name\":"
    "\"Chỉ tiêu công tác\",\"max_points\":40},{\"code\":\"TC2\",\"name\":\"Nhiệm vụ trọng "
    "tâm\",\"max_points\":12.5}]}]}\n";

/* ---- good files ---------------------------------------------------------- */

static void test_example_in_order(void **state)
{
    struct tu_regfile p;
    const Tdkt__RegistryRecord *const *r;

    tu_regfile_parse_ok(&p, example);
    assert_int_equal(p.n, 6);
    r = (const Tdkt__RegistryRecord *const *)p.recs;

    assert_int_equal(r[0]->item_case, TDKT__REGISTRY_RECORD__ITEM_UNIT);
    assert_string_equal(r[0]->unit->unit->code, "VKSTC");
    assert_string_equal(r[0]->unit->unit->name, "Viện kiểm sát nhân dân tối cao");
    assert_int_equal(r[0]->unit->unit->role, TDKT__ROLE__ROLE_CENTRAL);
    assert_int_equal(r[0]->unit->kind, TDKT__UNIT_KIND__UNIT_KIND_SUPREME);
    assert_string_equal(r[0]->unit->parent_code, "");

    /* No role given: a high-level procuracy writes as a regional office. */
    assert_string_equal(r[1]->unit->unit->code, "VKSCC2");
    assert_int_equal(r[1]->unit->unit->role, TDKT__ROLE__ROLE_REGIONAL);
    assert_int_equal(r[1]->unit->kind, TDKT__UNIT_KIND__UNIT_KIND_HIGH);
    assert_string_equal(r[1]->unit->parent_code, "VKSTC");

    assert_int_equal(r[2]->item_case, TDKT__REGISTRY_RECORD__ITEM_PERSON);
    assert_string_equal(r[2]->person->id, "CC2-001");
    assert_string_equal(r[2]->person->name, "Lê Thị Mỹ Dung");
    assert_string_equal(r[2]->person->unit_code, "VKSCC2");

    assert_int_equal(r[3]->item_case, TDKT__REGISTRY_RECORD__ITEM_PERIOD);
    assert_int_equal(r[3]->period->year, 2021);
    assert_int_equal(r[3]->period->state, TDKT__PERIOD_STATE__PERIOD_STATE_OPEN);
    assert_string_equal(r[3]->period->deadline, "2022-01-15");

    assert_int_equal(r[4]->item_case, TDKT__REGISTRY_RECORD__ITEM_CLUSTER);
    assert_int_equal(r[4]->cluster->year, 2021);
    assert_string_equal(r[4]->cluster->code, "CUM1");
    assert_int_equal(r[4]->cluster->kind, TDKT__CLUSTER_KIND__CLUSTER_KIND_CLUSTER);
    assert_int_equal(r[4]->cluster->n_members, 3);
    assert_string_equal(r[4]->cluster->members[2], "VKSCC3");
    assert_string_equal(r[4]->cluster->leader, "VKSCC2");
    assert_string_equal(r[4]->cluster->deputy, "VKSCC1");

    assert_int_equal(r[5]->item_case, TDKT__REGISTRY_RECORD__ITEM_CRITERIA);
    assert_string_equal(r[5]->criteria->cluster_code, "CUM1");
    assert_int_equal(r[5]->criteria->n_criteria, 2);
    assert_string_equal(r[5]->criteria->criteria[1]->code, "TC2");
    assert_true(r[5]->criteria->criteria[1]->max_points == 12.5);

    /* Each record is the caller's, freed with the default allocator. */
    for (size_t i = 0; i < p.n; i++)
        tdkt__registry_record__free_unpacked(p.recs[i], NULL);
    free(p.recs);
}

/* The section order in the text does not matter; the emitted order does. */
static void test_sections_emitted_parents_first(void **state)
{
    struct tu_regfile p;
    static const int order[] = {
        TDKT__REGISTRY_RECORD__ITEM_UNIT,     TDKT__REGISTRY_RECORD__ITEM_UNIT,
        TDKT__REGISTRY_RECORD__ITEM_PERSON,   TDKT__REGISTRY_RECORD__ITEM_PERIOD,
        TDKT__REGISTRY_RECORD__ITEM_CLUSTER,  TDKT__REGISTRY_RECORD__ITEM_CRITERIA,
        TDKT__REGISTRY_RECORD__ITEM_CRITERIA,
    };

    tu_regfile_parse_ok(
        &p, "{\"criteria\": [{\"year\": 2021, \"cluster\": \"K\", \"criteria\": [{\"code\": "
            "\"A\", \"name\": \"a\", \"max_points\": 1}]},"
            "              {\"year\": 2020, \"cluster\": \"K\", \"criteria\": [{\"code\": "
            "\"A\", \"name\": \"a\", \"max_points\": 1}]}],"
            " \"clusters\": [{\"year\": 2021, \"code\": \"K\", \"name\": \"Khối\", \"kind\": "
            "\"bloc\", \"members\": [\"B\"]}],"
            " \"periods\": [{\"year\": 2021, \"state\": \"closed\"}],"
            " \"persons\": [{\"name\": \"Trần Văn An\", \"unit\": \"B\"}],"
            " \"units\": [{\"code\": \"A\", \"name\": \"a\", \"kind\": \"department\"},"
            "             {\"code\": \"B\", \"name\": \"b\", \"kind\": \"division\", "
            "\"parent\": \"A\"}],"
            " \"version\": 1}");
    assert_int_equal(p.n, sizeof order / sizeof order[0]);
    for (size_t i = 0; i < p.n; i++)
        assert_int_equal(p.recs[i]->item_case, order[i]);
    /* Within a section, file order. */
    assert_int_equal(p.recs[5]->criteria->year, 2021);
    assert_int_equal(p.recs[6]->criteria->year, 2020);
    /* A division without a role is regional; no id means "match by name". */
    assert_int_equal(p.recs[1]->unit->unit->role, TDKT__ROLE__ROLE_REGIONAL);
    assert_string_equal(p.recs[2]->person->id, "");
    assert_string_equal(p.recs[3]->period->deadline, "");
    assert_string_equal(p.recs[4]->cluster->leader, "");
    registry_records_free(p.recs, p.n);
}

static void test_explicit_role_kept(void **state)
{
    struct tu_regfile p;

    tu_regfile_parse_ok(&p, "{\"units\": [{\"code\": \"VU16\", \"name\": \"Vụ 16\", \"kind\": "
                            "\"department\", \"role\": \"central\"},"
                            "{\"code\": \"X\", \"name\": \"x\", \"kind\": \"supreme\", \"role\": "
                            "\"regional\"}]}");
    assert_int_equal(p.recs[0]->unit->unit->role, TDKT__ROLE__ROLE_CENTRAL);
    assert_int_equal(p.recs[1]->unit->unit->role, TDKT__ROLE__ROLE_REGIONAL);
    registry_records_free(p.recs, p.n);
}

/* A decomposed name arrives composed: two spellings are one person. */
static void test_names_normalised_to_nfc(void **state)
{
    struct tu_regfile p;

    /* "Nguyễn" with e + circumflex + tilde as combining marks. */
    tu_regfile_parse_ok(
        &p, "{\"persons\": [{\"name\": \"Nguye\\u0302\\u0303n Va\\u0306n A\", \"unit\": "
            "\"VKSCC2\"}],"
            " \"clusters\": [{\"year\": 2021, \"code\": \"CUM1\", \"name\": \"Cu\\u0323m "
            "thi đua\", \"kind\": \"cluster\", \"members\": [\"VKSCC2\"]}]}");
    assert_string_equal(p.recs[0]->person->name, "Nguyễn Văn A");
    assert_string_equal(p.recs[1]->cluster->name, "Cụm thi đua");
    registry_records_free(p.recs, p.n);
}

static void test_empty_and_bom(void **state)
{
    struct tu_regfile p;

    tu_regfile_parse_ok(&p, "{}");
    assert_int_equal(p.n, 0);
    registry_records_free(p.recs, p.n);

    tu_regfile_parse_ok(&p, "\xEF\xBB\xBF{\"periods\": [{\"year\": 2020, \"state\": \"closed\"}]}");
    assert_int_equal(p.n, 1);
    registry_records_free(p.recs, p.n);
    registry_records_free(NULL, 0);
}

/* The records are well-formed protobuf: they survive the wire unchanged. */
static void test_records_pack_and_unpack(void **state)
{
    struct tu_regfile p;

    tu_regfile_parse_ok(&p, example);
    for (size_t i = 0; i < p.n; i++) {
        size_t len = tdkt__registry_record__get_packed_size(p.recs[i]);
        uint8_t *buf = malloc(len + 1);
        Tdkt__RegistryRecord *back;
        struct fault f;
        size_t len2;
        uint8_t *buf2;

        assert_non_null(buf);
        assert_int_equal(tdkt__registry_record__pack(p.recs[i], buf), len);
        back = tdkt__registry_record__unpack(NULL, len, buf);
        assert_non_null(back);
        assert_int_equal(registry_record_validate(back, &f), 0);
        len2 = tdkt__registry_record__get_packed_size(back);
        assert_int_equal(len2, len);
        buf2 = malloc(len2 + 1);
        assert_non_null(buf2);
        tdkt__registry_record__pack(back, buf2);
        assert_memory_equal(buf, buf2, len);
        free(buf2);
        free(buf);
        tdkt__registry_record__free_unpacked(back, NULL);
    }
    registry_records_free(p.recs, p.n);
}

/* ---- bad files ----------------------------------------------------------- */

static void test_syntax_errors_give_line_and_column(void **state)
{
    struct tu_regfile p;

    tu_regfile_parse(&p, "{\n  \"units\": [\n    {\"code\": \"A\",}\n  ]\n}");
    assert_int_equal(p.rc, TDKT_EINVAL);
    assert_non_null(strstr(p.err, "line 3, column "));
    assert_null(p.recs);

    /* A key given twice in one object is an error, not "the last one wins". */
    tu_regfile_parse(&p, "{\"units\": [], \"units\": []}");
    assert_int_equal(p.rc, TDKT_EINVAL);
    assert_non_null(strstr(p.err, "line 1, column "));
    assert_non_null(strstr(p.err, "duplicate"));

    /* Not UTF-8; a NUL inside a string. */
    tu_regfile_parse(&p, "{\"persons\": [{\"name\": \"\xC3\x28\", \"unit\": \"A\"}]}");
    assert_int_equal(p.rc, TDKT_EINVAL);
    tu_regfile_parse(&p, "{\"persons\": [{\"name\": \"a\\u0000b\", \"unit\": \"A\"}]}");
    assert_int_equal(p.rc, TDKT_EINVAL);
    tu_regfile_parse(&p, "");
    assert_int_equal(p.rc, TDKT_EINVAL);
}

static void test_shape_errors_name_the_path(void **state)
{
    tu_regfile_refused("[]", TDKT_EINVAL,
                       "the file must hold one JSON object {\"units\": [...], ...}");
    tu_regfile_refused(
        "{\"unit\": []}", TDKT_EINVAL,
        "unknown key 'unit' (expected version, rules, units, persons, periods, clusters, "
        "criteria, councils)");
    tu_regfile_refused("{\"units\": {}}", TDKT_EINVAL, "units: must be an array [...]");
    tu_regfile_refused("{\"version\": 2}", TDKT_EINVAL, "version: this program reads version 1");
    tu_regfile_refused("{\"units\": [7]}", TDKT_EINVAL, "units[0]: must be an object {...}");
    tu_regfile_refused(
        "{\"units\": [{\"code\": \"A\", \"name\": \"a\", \"kind\": \"high\", \"kidn\": 1}]}",
        TDKT_EINVAL, "units[0]: unknown key 'kidn' (expected code, name, kind, role, parent)");
    tu_regfile_refused("{\"units\": [{\"code\": \"A\", \"kind\": \"high\"}]}", TDKT_EINVAL,
                       "units[0].name: is required");
    tu_regfile_refused("{\"units\": [{\"code\": \"A\", \"name\": 5, \"kind\": \"high\"}]}",
                       TDKT_EINVAL, "units[0].name: must be a string");
    tu_regfile_refused(
        "{\"units\": [{\"code\": \"A\", \"name\": \"a\", \"kind\": \"high\"},"
        "{\"code\": \"B\", \"name\": \"b\", \"kind\": \"provincal\"}]}",
        TDKT_EINVAL,
        "units[1].kind: 'provincal' is not one of supreme, department, high, provincial, "
        "district, division");
    tu_regfile_refused(
        "{\"units\": [{\"code\": \"A\", \"name\": \"a\"}]}", TDKT_EINVAL,
        "units[0].kind: is required (one of supreme, department, high, provincial, district, "
        "division)");
    tu_regfile_refused(
        "{\"units\": [{\"code\": \"A\", \"name\": \"a\", \"kind\": \"high\", \"role\": "
        "\"boss\"}]}",
        TDKT_EINVAL, "units[0].role: 'boss' is not one of regional, central");
    tu_regfile_refused("{\"periods\": [{\"year\": \"2021\", \"state\": \"open\"}]}", TDKT_EINVAL,
                       "periods[0].year: must be a whole number (a year such as 2021)");
    tu_regfile_refused("{\"periods\": [{\"year\": 2021.5, \"state\": \"open\"}]}", TDKT_EINVAL,
                       "periods[0].year: must be a whole number (a year such as 2021)");
    tu_regfile_refused("{\"periods\": [{\"year\": 1999, \"state\": \"open\"}]}", TDKT_EINVAL,
                       "periods[0].year: 1999 is not a year from 2000 to 2100");
    tu_regfile_refused("{\"periods\": [{\"year\": -1, \"state\": \"open\"}]}", TDKT_EINVAL,
                       "periods[0].year: -1 is not a year from 2000 to 2100");
    tu_regfile_refused("{\"periods\": [{\"year\": 2021, \"state\": \"locked\"}]}", TDKT_EINVAL,
                       "periods[0].state: 'locked' is not one of open, closed");
    tu_regfile_refused(
        "{\"clusters\": [{\"year\": 2021, \"code\": \"C\", \"name\": \"c\", \"kind\": "
        "\"cluster\", \"members\": \"A\"}]}",
        TDKT_EINVAL, "clusters[0].members: must be an array of unit codes");
    tu_regfile_refused(
        "{\"clusters\": [{\"year\": 2021, \"code\": \"C\", \"name\": \"c\", \"kind\": "
        "\"cluster\", \"members\": [\"A\", 3]}]}",
        TDKT_EINVAL, "clusters[0].members[1]: must be a string (a unit code)");
    tu_regfile_refused(
        "{\"clusters\": [{\"year\": 2021, \"code\": \"C\", \"name\": \"c\", \"kind\": "
        "\"group\", \"members\": [\"A\"]}]}",
        TDKT_EINVAL, "clusters[0].kind: 'group' is not one of cluster, bloc");
    tu_regfile_refused(
        "{\"criteria\": [{\"year\": 2021, \"cluster\": \"C\", \"criteria\": [{\"code\": "
        "\"T\", \"name\": \"t\", \"max_points\": \"40\"}]}]}",
        TDKT_EINVAL, "criteria[0].criteria[0].max_points: must be a number");
    tu_regfile_refused(
        "{\"criteria\": [{\"year\": 2021, \"cluster\": \"C\", \"criteria\": [{\"code\": "
        "\"T\", \"name\": \"t\"}]}]}",
        TDKT_EINVAL, "criteria[0].criteria[0].max_points: is required");
}

/* Value rules come from registry_record_validate, named in the file's terms. */
static void test_value_errors_name_the_path(void **state)
{
    tu_regfile_refused("{\"units\": [{\"code\": \"vkscc2\", \"name\": \"a\", \"kind\": \"high\"}]}",
                       TDKT_EINVAL,
                       "units[0].code: a unit code is 1 to 64 characters of A-Z, 0-9, '_', '-'");
    tu_regfile_refused("{\"units\": [{\"code\": \"A\", \"name\": \"\", \"kind\": \"high\"}]}",
                       TDKT_EINVAL,
                       "units[0].name: must be 1 to 512 bytes of text without control characters");
    tu_regfile_refused(
        "{\"units\": [{\"code\": \"A\", \"name\": \"a\", \"kind\": \"high\", \"parent\": "
        "\"A\"}]}",
        TDKT_EINVAL, "units[0].parent: a unit cannot be its own parent");
    tu_regfile_refused(
        "{\"units\": [{\"code\": \"A\", \"name\": \"a\", \"kind\": \"high\", \"parent\": "
        "\"a b\"}]}",
        TDKT_EINVAL, "units[0].parent: a unit code is 1 to 64 characters of A-Z, 0-9, '_', '-'");
    tu_regfile_refused(
        "{\"persons\": [{\"id\": \"X/1\", \"name\": \"a\", \"unit\": \"A\"}]}", TDKT_EINVAL,
        "persons[0].id: a person id is 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', '-'");
    tu_regfile_refused("{\"persons\": [{\"name\": \"a\", \"unit\": \"\"}]}", TDKT_EINVAL,
                       "persons[0].unit: a unit code is 1 to 64 characters of A-Z, 0-9, '_', '-'");
    tu_regfile_refused("{\"periods\": [{\"year\": 2021, \"state\": \"open\", \"deadline\": "
                       "\"2022-02-30\"}]}",
                       TDKT_EINVAL, "periods[0].deadline: '2022-02-30' is not a date YYYY-MM-DD");
    tu_regfile_refused(
        "{\"clusters\": [{\"year\": 2021, \"code\": \"C\", \"name\": \"c\", \"kind\": "
        "\"cluster\", \"members\": []}]}",
        TDKT_EINVAL, "clusters[0].members: a cluster has 1 to 64 members");
    tu_regfile_refused(
        "{\"clusters\": [{\"year\": 2021, \"code\": \"C\", \"name\": \"c\", \"kind\": "
        "\"cluster\", \"members\": [\"A\", \"B\", \"A\"]}]}",
        TDKT_EINVAL, "clusters[0].members[2]: unit 'A' is listed twice");
    tu_regfile_refused(
        "{\"clusters\": [{\"year\": 2021, \"code\": \"C\", \"name\": \"c\", \"kind\": "
        "\"cluster\", \"members\": [\"A\", \"B\"], \"leader\": \"Z\"}]}",
        TDKT_EINVAL, "clusters[0].leader: the leader 'Z' is not a member");
    tu_regfile_refused(
        "{\"clusters\": [{\"year\": 2021, \"code\": \"C\", \"name\": \"c\", \"kind\": "
        "\"cluster\", \"members\": [\"A\", \"B\"], \"leader\": \"A\", \"deputy\": \"A\"}]}",
        TDKT_EINVAL, "clusters[0].deputy: the deputy must differ from the leader");
    tu_regfile_refused("{\"criteria\": [{\"year\": 2021, \"cluster\": \"C\", \"criteria\": []}]}",
                       TDKT_EINVAL, "criteria[0].criteria: a sheet has 1 to 100 criteria");
    tu_regfile_refused(
        "{\"criteria\": [{\"year\": 2021, \"cluster\": \"C\", \"criteria\": [{\"code\": "
        "\"T\", \"name\": \"t\", \"max_points\": 10}, {\"code\": \"U\", \"name\": \"u\", "
        "\"max_points\": 0}]}]}",
        TDKT_EINVAL, "criteria[0].criteria[1].max_points: maximum points must be above 0");
    tu_regfile_refused(
        "{\"criteria\": [{\"year\": 2021, \"cluster\": \"C\", \"criteria\": [{\"code\": "
        "\"T\", \"name\": \"t\", \"max_points\": 10}, {\"code\": \"T\", \"name\": \"u\", "
        "\"max_points\": 5}]}]}",
        TDKT_EINVAL, "criteria[0].criteria[1].code: criterion 'T' is listed twice");
    tu_regfile_refused(
        "{\"criteria\": [{\"year\": 2021, \"cluster\": \"C D\", \"criteria\": [{\"code\": "
        "\"T\", \"name\": \"t\", \"max_points\": 10}]}]}",
        TDKT_EINVAL,
        "criteria[0].cluster: a code is 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', '-'");
}

/* What one file can show on its own. */
static void test_file_level_errors(void **state)
{
    tu_regfile_refused("{\"units\": [{\"code\": \"A\", \"name\": \"a\", \"kind\": \"high\"},"
                       "{\"code\": \"B\", \"name\": \"b\", \"kind\": \"high\"},"
                       "{\"code\": \"A\", \"name\": \"a2\", \"kind\": \"high\"}]}",
                       TDKT_EINVAL, "units[2].code: unit 'A' is already given at units[0]");
    tu_regfile_refused(
        "{\"units\": [{\"code\": \"C\", \"name\": \"c\", \"kind\": \"division\", \"parent\": "
        "\"B\"},"
        "{\"code\": \"B\", \"name\": \"b\", \"kind\": \"high\"}]}",
        TDKT_EINVAL,
        "units[0].parent: unit 'B' is given later, at units[1]; list a parent before its "
        "units");
    tu_regfile_refused("{\"persons\": [{\"id\": \"P1\", \"name\": \"a\", \"unit\": \"A\"},"
                       "{\"name\": \"b\", \"unit\": \"A\"}, {\"name\": \"b\", \"unit\": \"A\"},"
                       "{\"id\": \"P1\", \"name\": \"c\", \"unit\": \"A\"}]}",
                       TDKT_EINVAL, "persons[3].id: person 'P1' is already given at persons[0]");
    tu_regfile_refused(
        "{\"periods\": [{\"year\": 2021, \"state\": \"open\"}, {\"year\": 2021, \"state\": "
        "\"closed\"}]}",
        TDKT_EINVAL, "periods[1].year: 2021 is already given at periods[0]");
    tu_regfile_refused(
        "{\"clusters\": [{\"year\": 2021, \"code\": \"C\", \"name\": \"c\", \"kind\": "
        "\"cluster\", \"members\": [\"A\"]},"
        "{\"year\": 2022, \"code\": \"C\", \"name\": \"c\", \"kind\": \"cluster\", "
        "\"members\": [\"A\"]},"
        "{\"year\": 2021, \"code\": \"C\", \"name\": \"c\", \"kind\": \"cluster\", "
        "\"members\": [\"B\"]}]}",
        TDKT_EINVAL, "clusters[2].code: cluster 'C' of 2021 is already given at clusters[0]");
    tu_regfile_refused(
        "{\"clusters\": [{\"year\": 2021, \"code\": \"C\", \"name\": \"c\", \"kind\": "
        "\"cluster\", \"members\": [\"A\", \"B\"]},"
        "{\"year\": 2021, \"code\": \"K\", \"name\": \"k\", \"kind\": \"bloc\", "
        "\"members\": [\"X\", \"B\"]}]}",
        TDKT_EINVAL,
        "clusters[1].members[1]: unit 'B' is already a member of 'C' in 2021 (clusters[0])");
    tu_regfile_refused(
        "{\"criteria\": [{\"year\": 2021, \"cluster\": \"C\", \"criteria\": [{\"code\": "
        "\"T\", \"name\": \"t\", \"max_points\": 10}]},"
        "{\"year\": 2021, \"cluster\": \"C\", \"criteria\": [{\"code\": \"U\", \"name\": "
        "\"u\", \"max_points\": 10}]}]}",
        TDKT_EINVAL,
        "criteria[1].cluster: the sheet of 'C' for 2021 is already given at "
        "criteria[0]");
}

/* Build {"persons": [ n times {"name":"a","unit":"A"} ]}. */
static char *many_persons(size_t n)
{
    static const char head[] = "{\"persons\": [", item[] = "{\"name\":\"a\",\"unit\":\"A\"},",
                      tail[] = "{\"name\":\"a\",\"unit\":\"A\"}]}";
    size_t len = sizeof head - 1 + (n - 1) * (sizeof item - 1) + sizeof tail;
    char *s = malloc(len), *w = s;

    assert_non_null(s);
    w += sprintf(w, "%s", head);
    for (size_t i = 1; i < n; i++)
        w += sprintf(w, "%s", item);
    sprintf(w, "%s", tail);
    return s;
}

static void test_limits(void **state)
{
    struct tu_regfile p;
    char *big, *json;
    size_t len;

    /* Records: exactly the maximum passes; one more is refused before
     * anything is built. */
    json = many_persons(REGISTRY_JSON_RECORDS_MAX);
    tu_regfile_parse_ok(&p, json);
    assert_int_equal(p.n, REGISTRY_JSON_RECORDS_MAX);
    registry_records_free(p.recs, p.n);
    free(json);
    json = many_persons(REGISTRY_JSON_RECORDS_MAX + 1);
    tu_regfile_parse(&p, json);
    assert_int_equal(p.rc, TDKT_ETOOBIG);
    assert_string_equal(p.err, "100001 records; a file holds at most 100000");
    free(json);

    /* Members beyond CLUSTER_MEMBERS_MAX. */
    len = 256 + (CLUSTER_MEMBERS_MAX + 1) * 8;
    json = malloc(len);
    assert_non_null(json);
    {
        char *w = json;
        w += sprintf(w, "{\"clusters\": [{\"year\": 2021, \"code\": \"C\", \"name\": \"c\", "
                        "\"kind\": \"cluster\", \"members\": [");
        for (int i = 0; i <= CLUSTER_MEMBERS_MAX; i++)
            w += sprintf(w, "%s\"U%d\"", i ? "," : "", i);
        sprintf(w, "]}]}");
    }
    tu_regfile_parse(&p, json);
    assert_int_equal(p.rc, TDKT_ETOOBIG);
    assert_string_equal(p.err, "clusters[0].members: 65 members; a cluster has at most 64");
    free(json);

    /* File size: refused before parsing. */
    big = malloc(REGISTRY_JSON_FILE_MAX + 1);
    assert_non_null(big);
    memset(big, ' ', REGISTRY_JSON_FILE_MAX + 1);
    memcpy(big, "{}", 2);
    memset(&p, 0, sizeof p);
    p.rc = registry_json_parse(big, REGISTRY_JSON_FILE_MAX + 1, &p.recs, &p.n, p.err, sizeof p.err);
    assert_int_equal(p.rc, TDKT_ETOOBIG);
    assert_string_equal(p.err, "16777217 bytes; a registry file has at most 16777216");
    p.rc = registry_json_parse(big, REGISTRY_JSON_FILE_MAX, &p.recs, &p.n, p.err, sizeof p.err);
    assert_int_equal(p.rc, 0);
    registry_records_free(p.recs, p.n);
    free(big);
}

/* err may be absent or short; the result code is the same. */
static void test_error_buffer_optional_and_truncated(void **state)
{
    static const char bad[] = "{\"units\": [{\"code\": \"A\", \"name\": \"a\", \"kind\": \"x\"}]}";
    Tdkt__RegistryRecord **recs;
    char small[12];
    size_t n;

    assert_int_equal(registry_json_parse(bad, strlen(bad), &recs, &n, NULL, 0), TDKT_EINVAL);
    memset(small, 'z', sizeof small);
    assert_int_equal(registry_json_parse(bad, strlen(bad), &recs, &n, small, sizeof small),
                     TDKT_EINVAL);
    assert_string_equal(small, "units[0].ki");
}

static void test_load_file(void **state)
{
    char dir[TU_PATH_MAX], path[TU_PATH_MAX + 32], err[TU_REGFILE_ERR];
    Tdkt__RegistryRecord **recs;
    size_t n;
    FILE *f;

    tu_mkdtemp(dir);
    tu_path(path, sizeof path, "%s/missing.json", dir);
    assert_int_equal(registry_json_load_file(path, &recs, &n, err, sizeof err), TDKT_ENOTFOUND);
    assert_non_null(strstr(err, path));
    assert_null(recs);

    tu_path(path, sizeof path, "%s/bad.json", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"periods\": [{\"year\": 2021, \"state\": \"shut\"}]}\n", f);
    fclose(f);
    assert_int_equal(registry_json_load_file(path, &recs, &n, err, sizeof err), TDKT_EINVAL);
    assert_true(strncmp(err, path, strlen(path)) == 0);
    assert_string_equal(err + strlen(path),
                        ": periods[0].state: 'shut' is not one of open, closed");

    tu_path(path, sizeof path, "%s/good.json", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(example, f);
    fclose(f);
    assert_int_equal(registry_json_load_file(path, &recs, &n, err, sizeof err), 0);
    assert_int_equal(n, 6);
    registry_records_free(recs, n);

    assert_int_equal(registry_json_load_file(dir, &recs, &n, err, sizeof err), TDKT_EIO);
    tu_rm_rf(dir);
}

/* ---- the fixtures in data/ ---------------------------------------------- */

struct registry {
    Tdkt__RegistryRecord **recs;
    size_t n;
};

static void load_registry(struct registry *g)
{
    char err[TU_REGFILE_ERR];
    int rc = registry_json_load_file(TDKT_SOURCE_DIR "/data/registry.json", &g->recs, &g->n, err,
                                     sizeof err);
    if (rc != 0)
        fail_msg("data/registry.json: %s", err);
}

static const Tdkt__UnitRegister *find_unit(const struct registry *g, const char *code)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->recs[i]->item_case == TDKT__REGISTRY_RECORD__ITEM_UNIT &&
            strcmp(g->recs[i]->unit->unit->code, code) == 0)
            return g->recs[i]->unit;
    return NULL;
}

static const Tdkt__PersonRegister *find_person(const struct registry *g, const char *id)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->recs[i]->item_case == TDKT__REGISTRY_RECORD__ITEM_PERSON &&
            strcmp(g->recs[i]->person->id, id) == 0)
            return g->recs[i]->person;
    return NULL;
}

static const Tdkt__ClusterSet *find_cluster(const struct registry *g, uint32_t year,
                                            const char *code)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->recs[i]->item_case == TDKT__REGISTRY_RECORD__ITEM_CLUSTER &&
            g->recs[i]->cluster->year == year && strcmp(g->recs[i]->cluster->code, code) == 0)
            return g->recs[i]->cluster;
    return NULL;
}

static const Tdkt__CriteriaSet *find_sheet(const struct registry *g, uint32_t year,
                                           const char *cluster)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->recs[i]->item_case == TDKT__REGISTRY_RECORD__ITEM_CRITERIA &&
            g->recs[i]->criteria->year == year &&
            strcmp(g->recs[i]->criteria->cluster_code, cluster) == 0)
            return g->recs[i]->criteria;
    return NULL;
}

static int period_state(const struct registry *g, uint32_t year)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->recs[i]->item_case == TDKT__REGISTRY_RECORD__ITEM_PERIOD &&
            g->recs[i]->period->year == year)
            return g->recs[i]->period->state;
    return -1;
}

static void test_fixture_registry(void **state)
{
    static const char *const khoi3[] = {"VU15", "VU14", "VU16",    "VANPHONG",
                                        "CUC2", "CUC3", "THANHTRA"};
    struct registry g;
    const Tdkt__UnitRegister *u;
    const Tdkt__ClusterSet *c;
    size_t counts[TDKT__REGISTRY_RECORD__ITEM_COUNCIL + 1] = {0};

    load_registry(&g);
    for (size_t i = 0; i < g.n; i++) {
        assert_true((size_t)g.recs[i]->item_case < sizeof counts / sizeof counts[0]);
        counts[g.recs[i]->item_case]++;
    }
    assert_int_equal(counts[TDKT__REGISTRY_RECORD__ITEM_RULES], 2);
    assert_int_equal(counts[TDKT__REGISTRY_RECORD__ITEM_UNIT], 14);
    assert_int_equal(counts[TDKT__REGISTRY_RECORD__ITEM_PERIOD], 4);
    assert_int_equal(counts[TDKT__REGISTRY_RECORD__ITEM_CLUSTER], 6);
    assert_int_equal(counts[TDKT__REGISTRY_RECORD__ITEM_CRITERIA], 6);
    assert_int_equal(counts[TDKT__REGISTRY_RECORD__ITEM_COUNCIL], 1);

    u = find_unit(&g, "VKSTC");
    assert_non_null(u);
    assert_int_equal(u->unit->role, TDKT__ROLE__ROLE_CENTRAL);
    assert_int_equal(u->kind, TDKT__UNIT_KIND__UNIT_KIND_SUPREME);
    for (int i = 1; i <= 3; i++) {
        char code[8];
        snprintf(code, sizeof code, "VKSCC%d", i);
        u = find_unit(&g, code);
        assert_non_null(u);
        assert_int_equal(u->unit->role, TDKT__ROLE__ROLE_REGIONAL);
        assert_int_equal(u->kind, TDKT__UNIT_KIND__UNIT_KIND_HIGH);
        assert_string_equal(u->parent_code, "VKSTC");
    }
    for (size_t i = 0; i < sizeof khoi3 / sizeof khoi3[0]; i++) {
        u = find_unit(&g, khoi3[i]);
        assert_non_null(u);
        assert_int_equal(u->kind, TDKT__UNIT_KIND__UNIT_KIND_DEPARTMENT);
        assert_int_equal(u->unit->role, TDKT__ROLE__ROLE_REGIONAL);
    }
    u = find_unit(&g, "CUC3-TCKT");
    assert_non_null(u);
    assert_string_equal(u->parent_code, "CUC3");
    assert_int_equal(u->kind, TDKT__UNIT_KIND__UNIT_KIND_DIVISION);
    assert_string_equal(find_unit(&g, "CUC3-TMTH")->parent_code, "CUC3");

    assert_int_equal(period_state(&g, 2020), TDKT__PERIOD_STATE__PERIOD_STATE_CLOSED);
    assert_int_equal(period_state(&g, 2021), TDKT__PERIOD_STATE__PERIOD_STATE_OPEN);

    c = find_cluster(&g, 2021, "CUM1");
    assert_non_null(c);
    assert_int_equal(c->kind, TDKT__CLUSTER_KIND__CLUSTER_KIND_CLUSTER);
    assert_int_equal(c->n_members, 3);
    c = find_cluster(&g, 2023, "KHOI3");
    assert_non_null(c);
    assert_int_equal(c->kind, TDKT__CLUSTER_KIND__CLUSTER_KIND_BLOC);
    assert_int_equal(c->n_members, 7);
    assert_string_equal(c->leader, "VU16");
    assert_string_equal(c->deputy, "THANHTRA");

    /* Every reference inside the file resolves inside the file, so the
     * registry loads into an empty ledger. */
    for (size_t i = 0; i < g.n; i++) {
        const Tdkt__RegistryRecord *r = g.recs[i];
        if (r->item_case == TDKT__REGISTRY_RECORD__ITEM_UNIT && *r->unit->parent_code)
            assert_non_null(find_unit(&g, r->unit->parent_code));
        if (r->item_case == TDKT__REGISTRY_RECORD__ITEM_PERSON) {
            assert_true(*r->person->id);
            assert_non_null(find_unit(&g, r->person->unit_code));
        }
        if (r->item_case == TDKT__REGISTRY_RECORD__ITEM_CLUSTER) {
            for (size_t j = 0; j < r->cluster->n_members; j++)
                assert_non_null(find_unit(&g, r->cluster->members[j]));
            assert_true(period_state(&g, r->cluster->year) > 0);
        }
        if (r->item_case == TDKT__REGISTRY_RECORD__ITEM_CRITERIA)
            assert_non_null(find_cluster(&g, r->criteria->year, r->criteria->cluster_code));
    }
    registry_records_free(g.recs, g.n);
}

static json_t *load_json(const char *rel)
{
    char path[TU_PATH_MAX];
    json_error_t jerr;
    json_t *j;

    tu_path(path, sizeof path, "%s/%s", TDKT_SOURCE_DIR, rel);
    j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        fail_msg("%s:%d:%d: %s", rel, jerr.line, jerr.column, jerr.text);
    return j;
}

static int label_value(const struct record_label *t, const char *code)
{
    for (; t->code; t++)
        if (strcmp(t->code, code) == 0)
            return t->value;
    fail_msg("'%s' is not a known spelling", code);
    return 0;
}

/* What a results fixture holds, checked against the rules and the registry. */
struct tally {
    size_t targets, missed, assigned, emerging, done;
};

static void check_results(const struct registry *g, const char *unit, json_t *res, struct tally *t)
{
    const Tdkt__ClusterSet *cluster = NULL;
    const Tdkt__CriteriaSet *sheet;
    struct fault f;
    json_t *v;
    size_t i;

    memset(t, 0, sizeof *t);
    assert_string_equal(json_string_value(json_object_get(res, "unit")), unit);
    assert_int_equal(json_integer_value(json_object_get(res, "year")), 2021);
    assert_non_null(find_unit(g, unit));
    assert_int_equal(period_state(g, 2021), TDKT__PERIOD_STATE__PERIOD_STATE_OPEN);

    json_array_foreach(json_object_get(res, "targets"), i, v)
    {
        Tdkt__Target x = TDKT__TARGET__INIT;
        Tdkt__ResultRecord r = TDKT__RESULT_RECORD__INIT;

        x.code = (char *)json_string_value(json_object_get(v, "code"));
        x.name = (char *)json_string_value(json_object_get(v, "name"));
        x.planned = json_number_value(json_object_get(v, "planned"));
        x.achieved = json_number_value(json_object_get(v, "achieved"));
        x.lower_is_better = json_is_true(json_object_get(v, "lower_is_better"));
        r.item_case = TDKT__RESULT_RECORD__ITEM_TARGET;
        r.target = &x;
        if (record_validate(&r, &f) != 0)
            fail_msg("%s targets[%zu].%s: %s", unit, i, f.field, f.why.text);
        t->targets++;
        t->missed += record_target_status(&x) < 0;
    }
    json_array_foreach(json_object_get(res, "tasks"), i, v)
    {
        Tdkt__KeyTask x = TDKT__KEY_TASK__INIT;
        Tdkt__ResultRecord r = TDKT__RESULT_RECORD__INIT;

        x.code = (char *)json_string_value(json_object_get(v, "code"));
        x.name = (char *)json_string_value(json_object_get(v, "name"));
        x.origin = (Tdkt__TaskOrigin)label_value(record_task_origins,
                                                 json_string_value(json_object_get(v, "origin")));
        x.done = json_is_true(json_object_get(v, "done"));
        r.item_case = TDKT__RESULT_RECORD__ITEM_TASK;
        r.task = &x;
        if (record_validate(&r, &f) != 0)
            fail_msg("%s tasks[%zu].%s: %s", unit, i, f.field, f.why.text);
        t->assigned += x.origin == TDKT__TASK_ORIGIN__TASK_ORIGIN_ASSIGNED;
        t->emerging += x.origin == TDKT__TASK_ORIGIN__TASK_ORIGIN_EMERGING;
        t->done += x.done;
    }
    json_array_foreach(json_object_get(res, "products"), i, v)
    {
        Tdkt__WorkProduct x = TDKT__WORK_PRODUCT__INIT;
        Tdkt__ResultRecord r = TDKT__RESULT_RECORD__INIT;

        x.code = (char *)json_string_value(json_object_get(v, "code"));
        x.name = (char *)json_string_value(json_object_get(v, "name"));
        assert_true(json_is_integer(json_object_get(v, "count")));
        x.count = (uint64_t)json_integer_value(json_object_get(v, "count"));
        r.item_case = TDKT__RESULT_RECORD__ITEM_PRODUCT;
        r.product = &x;
        if (record_validate(&r, &f) != 0)
            fail_msg("%s products[%zu].%s: %s", unit, i, f.field, f.why.text);
    }

    /* Scores: on the sheet of the unit's cluster, within its points. */
    for (size_t k = 0; k < g->n && !cluster; k++) {
        const Tdkt__RegistryRecord *r = g->recs[k];
        if (r->item_case != TDKT__REGISTRY_RECORD__ITEM_CLUSTER || r->cluster->year != 2021)
            continue;
        for (size_t m = 0; m < r->cluster->n_members; m++)
            if (strcmp(r->cluster->members[m], unit) == 0)
                cluster = r->cluster;
    }
    assert_non_null(cluster);
    sheet = find_sheet(g, 2021, cluster->code);
    json_array_foreach(json_object_get(res, "scores"), i, v)
    {
        const char *code = json_string_value(json_object_get(v, "criterion"));
        double points = json_number_value(json_object_get(v, "points"));
        size_t k;

        assert_non_null(sheet);
        for (k = 0; k < sheet->n_criteria; k++)
            if (strcmp(sheet->criteria[k]->code, code) == 0)
                break;
        if (k == sheet->n_criteria)
            fail_msg("%s scores[%zu]: '%s' is not on the sheet of %s", unit, i, code,
                     cluster->code);
        assert_true(points >= 0 && points <= sheet->criteria[k]->max_points);
    }

    if (json_object_get(res, "rating"))
        label_value(record_ratings, json_string_value(json_object_get(res, "rating")));

    /* Persons: registered in this unit. */
    json_array_foreach(json_object_get(res, "person_ratings"), i, v)
    {
        const Tdkt__PersonRegister *p =
            find_person(g, json_string_value(json_object_get(v, "person")));
        assert_non_null(p);
        assert_string_equal(p->unit_code, unit);
        label_value(record_ratings, json_string_value(json_object_get(v, "rating")));
    }
    json_array_foreach(json_object_get(res, "registrations"), i, v)
    {
        const char *person = json_string_value(json_object_get(v, "person"));
        if (*person)
            assert_string_equal(find_person(g, person)->unit_code, unit);
        label_value(record_titles, json_string_value(json_object_get(v, "title")));
    }
    json_array_foreach(json_object_get(res, "initiatives"), i, v)
    {
        size_t k;
        json_t *a;
        json_array_foreach(json_object_get(v, "authors"), k, a)
            assert_string_equal(find_person(g, json_string_value(a))->unit_code, unit);
    }
    json_array_foreach(json_object_get(res, "facts"), i, v) assert_string_equal(
        find_person(g, json_string_value(json_object_get(v, "person")))->unit_code, unit);
}

static json_int_t product_count(json_t *res, const char *code)
{
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(res, "products"), i,
                       v) if (strcmp(json_string_value(json_object_get(v, "code")), code) ==
                              0) return json_integer_value(json_object_get(v, "count"));
    return -1;
}

/* Seed 004: the targets on kháng nghị (appeals, cassation and reopening
 * requests) and on complaints "đều hoàn thành vượt tỷ lệ". How many of them
 * were missed. */
static int no_appeal_target_missed(json_t *res)
{
    int missed = 0;
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(res, "targets"), i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        Tdkt__Target x = TDKT__TARGET__INIT;

        if (!strstr(name, "kháng nghị") && !strstr(name, "khiếu nại"))
            continue;
        x.planned = json_number_value(json_object_get(v, "planned"));
        x.achieved = json_number_value(json_object_get(v, "achieved"));
        x.lower_is_better = json_is_true(json_object_get(v, "lower_is_better"));
        missed += record_target_status(&x) < 0;
    }
    return missed;
}

static void test_fixture_results_2021(void **state)
{
    static const char *const units[] = {"VKSCC1", "VKSCC2", "VKSCC3", "CUC3"};
    struct registry g;
    struct tally t;

    load_registry(&g);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        char rel[64];
        json_t *res;

        snprintf(rel, sizeof rel, "data/results/2021/%s.json", units[i]);
        res = load_json(rel);
        check_results(&g, units[i], res, &t);
        if (strcmp(units[i], "VKSCC2") == 0) {
            /* Seed 004: "hoàn thành đạt và vượt 63/64 chỉ tiêu", "69 kiến nghị",
             * "110 thông báo rút kinh nghiệm". */
            assert_int_equal(t.targets, 64);
            assert_int_equal(t.missed, 1);
            assert_int_equal(product_count(res, "KN"), 69);
            assert_int_equal(no_appeal_target_missed(res), 0);
            assert_int_equal(product_count(res, "TBRKN"), 110);
        }
        if (strcmp(units[i], "CUC3") == 0) {
            /* Seed 000 (Cục 3): 14 assigned and 3 emerging key tasks, all
             * done, "vượt 212,5% chỉ tiêu kế hoạch": a plan of 8. */
            assert_int_equal(t.assigned, 14);
            assert_int_equal(t.emerging, 3);
            assert_int_equal(t.done, 17);
            assert_int_equal(json_integer_value(json_object_get(res, "tasks_planned")), 8);
            assert_true(t.done * 1000 / 8 == 2125);
        }
        json_decref(res);
    }
    registry_records_free(g.recs, g.n);
}

/* Split one CSV line (RFC 4180 quoting, no line breaks in fields). */
static size_t csv_split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *r = line, *w;

    while (n < max) {
        fields[n++] = w = r;
        if (*r == '"') {
            r++;
            for (;;) {
                if (*r == '"' && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    assert_true(*r != '\0');
                    *w++ = *r++;
                }
            }
        } else {
            while (*r && *r != ',' && *r != '\n' && *r != '\r')
                *w++ = *r++;
        }
        if (*r != ',') {
            *w = '\0';
            break;
        }
        *w = '\0';
        r++;
    }
    return n;
}

/* data/results/2021/VKSCC1.csv is VKSCC1.json's targets, with Vietnamese
 * headers. */
static void test_fixture_csv_matches_json(void **state)
{
    char path[TU_PATH_MAX], line[1024], *fields[8];
    json_t *res = load_json("data/results/2021/VKSCC1.json");
    json_t *targets = json_object_get(res, "targets");
    size_t row = 0;
    FILE *f;

    tu_path(path, sizeof path, "%s/data/results/2021/VKSCC1.csv", TDKT_SOURCE_DIR);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_int_equal(csv_split(line, fields, 8), 5);
    assert_string_equal(fields[0], "Mã chỉ tiêu");
    assert_string_equal(fields[1], "Tên chỉ tiêu");
    assert_string_equal(fields[2], "Kế hoạch");
    assert_string_equal(fields[3], "Thực hiện");
    assert_string_equal(fields[4], "Càng thấp càng tốt");
    while (fgets(line, sizeof line, f)) {
        json_t *t = json_array_get(targets, row);

        assert_non_null(t);
        assert_int_equal(csv_split(line, fields, 8), 5);
        assert_string_equal(fields[0], json_string_value(json_object_get(t, "code")));
        assert_string_equal(fields[1], json_string_value(json_object_get(t, "name")));
        assert_true(strtod(fields[2], NULL) == json_number_value(json_object_get(t, "planned")));
        assert_true(strtod(fields[3], NULL) == json_number_value(json_object_get(t, "achieved")));
        assert_string_equal(fields[4],
                            json_is_true(json_object_get(t, "lower_is_better")) ? "có" : "không");
        row++;
    }
    assert_int_equal(row, json_array_size(targets));
    fclose(f);
    json_decref(res);
}

static const char *member_str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* data/decisions.json (data/README.md): each decision passes the checks of
 * `tdkt review record` that need no ledger (docs/review.md §5.1), names a
 * person or unit of registry.json, cites the seed its id names, and says which
 * of its values stand in for what the seed does not give; no title, subject
 * and year is decided twice, and no id is used twice. */
static void test_fixture_decisions(void **state)
{
    static const char *const keys[] = {"record", "year",        "title",         "person",
                                       "unit",   "decision_no", "decision_date", "signer",
                                       "source", "stand_ins"};
    static const char *const standable[] = {"year", "decision_no", "decision_date", "signer"};
    json_t *doc = load_json("data/decisions.json");
    json_t *list = json_object_get(doc, "decisions"), *d, *e;
    struct registry g;
    size_t i, j;

    load_registry(&g);
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), 1);
    assert_true(json_is_array(list) && json_array_size(list) > 0);
    json_array_foreach(list, i, d)
    {
        const char *id = member_str(d, "record"), *person = member_str(d, "person");
        const char *unit = member_str(d, "unit"), *no = member_str(d, "decision_no");
        const char *date = member_str(d, "decision_date"), *source = member_str(d, "source");
        json_int_t year = json_integer_value(json_object_get(d, "year"));
        const char *key;

        json_object_foreach(d, key, e)
        {
            size_t k = 0;
            while (k < sizeof keys / sizeof keys[0] && strcmp(keys[k], key) != 0)
                k++;
            if (k == sizeof keys / sizeof keys[0])
                fail_msg("decisions[%zu]: unknown key '%s'", i, key);
        }
        if (!id || !record_code_valid(id))
            fail_msg("decisions[%zu]: the record id is not a code", i);
        assert_true(json_is_integer(json_object_get(d, "year")));
        assert_true(record_year_valid((uint32_t)year));
        label_value(record_titles, member_str(d, "title"));
        if ((person != NULL) == (unit != NULL))
            fail_msg("%s: name exactly one of person and unit", id);
        if (person && !find_person(&g, person))
            fail_msg("%s: person '%s' is not in registry.json", id, person);
        if (unit && !find_unit(&g, unit))
            fail_msg("%s: unit '%s' is not in registry.json", id, unit);
        if (!record_name_valid(no, REVIEW_TEXT_MAX) ||
            !record_name_valid(member_str(d, "signer"), REVIEW_TEXT_MAX) ||
            !record_name_valid(source, REVIEW_TEXT_MAX))
            fail_msg("%s: the number, signer and source are required text of at most %d bytes", id,
                     REVIEW_TEXT_MAX);
        /* A decision is taken in its year or later. */
        if (!record_date_valid(date) || atoi(date) < year)
            fail_msg("%s: decision date '%s' is not a date in or after %d", id, date ? date : "",
                     (int)year);
        /* "S0 (…): …" for seed S0, which the id names too. */
        if (source[0] != 'S' || source[1] < '0' || source[1] > '4' || source[2] != ' ' ||
            strncmp(id, source, 2) != 0 || id[2] != '-')
            fail_msg("%s: the source must start with the seed the id names (S0 to S4)", id);
        json_array_foreach(json_object_get(d, "stand_ins"), j, e)
        {
            size_t k = 0;
            while (k < sizeof standable / sizeof standable[0] &&
                   strcmp(standable[k], json_string_value(e) ? json_string_value(e) : "") != 0)
                k++;
            if (k == sizeof standable / sizeof standable[0])
                fail_msg("%s: stand_ins[%zu] is not a value that can stand in", id, j);
            /* A number that is not the seed's says it is not known. */
            if (strcmp(standable[k], "decision_no") == 0 && !strstr(no, "chưa rõ"))
                fail_msg("%s: a stand-in decision number must say \"chưa rõ\"", id);
        }
        for (j = 0; j < i; j++) {
            json_t *o = json_array_get(list, j);
            const char *op = member_str(o, "person"), *ou = member_str(o, "unit");

            if (strcmp(member_str(o, "record"), id) == 0)
                fail_msg("%s: the record id is used twice", id);
            if (json_integer_value(json_object_get(o, "year")) == year &&
                strcmp(member_str(o, "title"), member_str(d, "title")) == 0 &&
                strcmp(op ? op : "", person ? person : "") == 0 &&
                strcmp(ou ? ou : "", unit ? unit : "") == 0)
                fail_msg("%s: the same title, subject and year as %s", id, member_str(o, "record"));
        }
    }
    registry_records_free(g.recs, g.n);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_in_order),
        cmocka_unit_test(test_sections_emitted_parents_first),
        cmocka_unit_test(test_explicit_role_kept),
        cmocka_unit_test(test_names_normalised_to_nfc),
        cmocka_unit_test(test_empty_and_bom),
        cmocka_unit_test(test_records_pack_and_unpack),
        cmocka_unit_test(test_syntax_errors_give_line_and_column),
        cmocka_unit_test(test_shape_errors_name_the_path),
        cmocka_unit_test(test_value_errors_name_the_path),
        cmocka_unit_test(test_file_level_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_error_buffer_optional_and_truncated),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_fixture_registry),
        cmocka_unit_test(test_fixture_results_2021),
        cmocka_unit_test(test_fixture_csv_matches_json),
        cmocka_unit_test(test_fixture_decisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
