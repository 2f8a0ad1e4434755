/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the registry import file (registry_json_parse,
 * docs/registry.md), which the central office loads from whoever prepared
 * it. A refusal must be one readable sentence that says where: the line
 * and column of a syntax error or the JSON path of the value, and it must
 * fit REGISTRY_JSON_ERR_MIN bytes whole, as registry_json.h promises (the
 * same call with a larger buffer gives the same text). What is accepted
 * must be what the server would take: records in the documented order,
 * each one valid and normalised, every text well-formed UTF-8, and written
 * back out as a registry file it must read back as exactly the same
 * records: the parser loses nothing and makes nothing up.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain/records.h"
#include "common/domain/registry_json.h"
#include "common/err.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The sections of the file in the order registry_json_parse emits them. */
static const struct {
    const char *name;
    int item;
} sections[] = {
    {"rules", TDKT__REGISTRY_RECORD__ITEM_RULES},
    {"units", TDKT__REGISTRY_RECORD__ITEM_UNIT},
    {"persons", TDKT__REGISTRY_RECORD__ITEM_PERSON},
    {"periods", TDKT__REGISTRY_RECORD__ITEM_PERIOD},
    {"clusters", TDKT__REGISTRY_RECORD__ITEM_CLUSTER},
    {"criteria", TDKT__REGISTRY_RECORD__ITEM_CRITERIA},
    {"councils", TDKT__REGISTRY_RECORD__ITEM_COUNCIL},
};
#define SECTIONS (sizeof sections / sizeof sections[0])

static size_t section_of(const Tdkt__RegistryRecord *r)
{
    for (size_t s = 0; s < SECTIONS; s++)
        if ((int)r->item_case == sections[s].item)
            return s;
    abort(); /* a record of no kind */
}

/* The spelling the file uses for an enum value the parser produced. */
static json_t *label(const struct record_label *table, int value)
{
    const struct record_label *l = record_label_of(table, value);

    if (!l)
        abort(); /* accepted a value the file cannot spell */
    return json_string(l->code);
}

static json_t *role(int value)
{
    if (value == TDKT__ROLE__ROLE_REGIONAL)
        return json_string("regional");
    if (value == TDKT__ROLE__ROLE_CENTRAL)
        return json_string("central");
    abort();
}

/* Set key to s when it is not empty: an empty optional string is what the
 * file leaves out. */
static void put_opt(json_t *o, const char *key, const char *s)
{
    if (s && *s)
        json_object_set_new(o, key, json_string(s));
}

static json_t *to_json(const Tdkt__RegistryRecord *r)
{
    json_t *o = json_object(), *list;

    switch (r->item_case) {
    case TDKT__REGISTRY_RECORD__ITEM_UNIT:
        json_object_set_new(o, "code", json_string(r->unit->unit->code));
        json_object_set_new(o, "name", json_string(r->unit->unit->name));
        json_object_set_new(o, "kind", label(record_unit_kinds, r->unit->kind));
        json_object_set_new(o, "role", role(r->unit->unit->role));
        put_opt(o, "parent", r->unit->parent_code);
        break;
    case TDKT__REGISTRY_RECORD__ITEM_PERSON:
        put_opt(o, "id", r->person->id);
        json_object_set_new(o, "name", json_string(r->person->name));
        json_object_set_new(o, "unit", json_string(r->person->unit_code));
        break;
    case TDKT__REGISTRY_RECORD__ITEM_PERIOD:
        json_object_set_new(o, "year", json_integer(r->period->year));
        json_object_set_new(o, "state", label(record_period_states, r->period->state));
        put_opt(o, "deadline", r->period->deadline);
        break;
    case TDKT__REGISTRY_RECORD__ITEM_CLUSTER:
        json_object_set_new(o, "year", json_integer(r->cluster->year));
        json_object_set_new(o, "code", json_string(r->cluster->code));
        json_object_set_new(o, "name", json_string(r->cluster->name));
        json_object_set_new(o, "kind", label(record_cluster_kinds, r->cluster->kind));
        list = json_array();
        for (size_t i = 0; i < r->cluster->n_members; i++)
            json_array_append_new(list, json_string(r->cluster->members[i]));
        json_object_set_new(o, "members", list);
        put_opt(o, "leader", r->cluster->leader);
        put_opt(o, "deputy", r->cluster->deputy);
        break;
    case TDKT__REGISTRY_RECORD__ITEM_CRITERIA:
        json_object_set_new(o, "year", json_integer(r->criteria->year));
        json_object_set_new(o, "cluster", json_string(r->criteria->cluster_code));
        list = json_array();
        for (size_t i = 0; i < r->criteria->n_criteria; i++) {
            const Tdkt__Criterion *k = r->criteria->criteria[i];
            json_array_append_new(list, json_pack("{s:s, s:s, s:f}", "code", k->code, "name",
                                                  k->name, "max_points", k->max_points));
        }
        json_object_set_new(o, "criteria", list);
        break;
    case TDKT__REGISTRY_RECORD__ITEM_COUNCIL:
        json_object_set_new(o, "year", json_integer(r->council->year));
        json_object_set_new(o, "code", json_string(r->council->code));
        json_object_set_new(o, "name", json_string(r->council->name));
        list = json_array();
        for (size_t i = 0; i < r->council->n_members; i++)
            json_array_append_new(
                list, json_pack("{s:s, s:o}", "person", r->council->members[i]->person_id, "role",
                                label(record_council_roles, r->council->members[i]->role)));
        json_object_set_new(o, "members", list);
        break;
    case TDKT__REGISTRY_RECORD__ITEM_RULES:
        json_object_set_new(o, "code", json_string(r->rules->code));
        json_object_set_new(o, "name", json_string(r->rules->name));
        json_object_set_new(o, "effective_from", json_string(r->rules->effective_from));
        list = json_array();
        for (size_t i = 0; i < r->rules->n_values; i++) {
            const Tdkt__RuleValue *v = r->rules->values[i];
            json_t *item = json_pack("{s:s, s:f}", "key", v->key, "value", v->value);
            put_opt(item, "source", v->source);
            json_array_append_new(list, item);
        }
        json_object_set_new(o, "values", list);
        break;
    default:
        abort();
    }
    return o;
}

/* The records as a registry file, one array per section. */
static char *write_file(Tdkt__RegistryRecord **recs, size_t n)
{
    json_t *root = json_pack("{s:i}", "version", REGISTRY_JSON_VERSION);
    char *text;

    for (size_t s = 0; s < SECTIONS; s++)
        json_object_set_new(root, sections[s].name, json_array());
    for (size_t i = 0; i < n; i++) {
        json_t *item = to_json(recs[i]);
        if (!item)
            abort();
        json_array_append_new(json_object_get(root, sections[section_of(recs[i])].name), item);
    }
    text = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!text)
        abort();
    json_decref(root);
    return text;
}

/* A refusal names its place: a line and column, a JSON path starting with
 * a section (or "version"), a key of the top object, or it is about the
 * file as a whole. */
static void check_place(const char *why)
{
    static const char *const whole[] = {"the file must hold one JSON object", "out of memory",
                                        "unknown key '"};
    size_t k;

    if (strncmp(why, "line ", 5) == 0 || strncmp(why, "version: ", 9) == 0)
        return;
    for (size_t s = 0; s < SECTIONS; s++) {
        k = strlen(sections[s].name);
        if (strncmp(why, sections[s].name, k) == 0 && (why[k] == '[' || why[k] == ':'))
            return;
    }
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
        if (strncmp(why, whole[i], strlen(whole[i])) == 0)
            return;
    if (strstr(why, " records; a file holds at most ") || strstr(why, " bytes; a registry file "))
        return;
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char big[4096];
    Tdkt__RegistryRecord **recs, **again;
    char why[REGISTRY_JSON_ERR_MIN];
    size_t n, n2, last = 0;
    char *text;
    int rc;

    rc = registry_json_parse((const char *)data, size, &recs, &n, why, sizeof why);
    if (rc < 0) {
        if (recs || n || (rc != TDKT_EINVAL && rc != TDKT_ETOOBIG && rc != TDKT_ENOMEM))
            abort();
        harness_check_why(why, sizeof why);
        check_place(why);
        /* The promised buffer holds the message whole. */
        if (registry_json_parse((const char *)data, size, &again, &n2, big, sizeof big) != rc ||
            strcmp(big, why) != 0)
            abort();
        return 0;
    }
    if (n > REGISTRY_JSON_RECORDS_MAX || (n && !recs))
        abort();
    for (size_t i = 0; i < n; i++) {
        struct fault f;
        size_t s = section_of(recs[i]);

        if (s < last)
            abort(); /* out of the order the central office applies them in */
        last = s;
        if (registry_record_validate(recs[i], &f) != 0)
            abort();
        harness_check_message(&recs[i]->base);
    }

    /* Written back out, the file reads back as the same records. */
    text = write_file(recs, n);
    rc = registry_json_parse(text, strlen(text), &again, &n2, why, sizeof why);
    if (rc != 0 || n2 != n)
        abort();
    for (size_t i = 0; i < n; i++)
        harness_check_same(&recs[i]->base, &again[i]->base);
    registry_records_free(again, n2);
    free(text);
    registry_records_free(recs, n);
    return 0;
}
