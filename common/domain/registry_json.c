/* SPDX-License-Identifier: MIT */
/*
 * The registry import file; see registry_json.h and docs/registry.md. jansson
 * builds the tree; this module checks the shape (types, known keys, required
 * fields, spellings of enums), builds the protobuf-c records with malloc, and
 * leaves the value rules to registry_record_validate() so the client and the
 * server refuse the same things. It adds only what a single file can show:
 * duplicates, a parent listed after its child, a unit in two clusters of a
 * year.
 */
#include "registry_json.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/domain/records.h"
#include "common/domain/registry_xlsx.h"
#include "common/err.h"
#include "common/text/filekind.h"
#include "common/wire/utf8.h"
#include "common/text/i18n.h"

/* The sections, in the order their records are emitted. */
enum section {
    SEC_RULES,
    SEC_UNITS,
    SEC_PERSONS,
    SEC_PERIODS,
    SEC_CLUSTERS,
    SEC_CRITERIA,
    SEC_COUNCILS,
    SEC_COUNT
};

static const char *const section_names[SEC_COUNT] = {"rules",    "units",    "persons", "periods",
                                                     "clusters", "criteria", "councils"};

static const struct record_label roles[] = {
    {TDKT__ROLE__ROLE_REGIONAL, "regional", NULL},
    {TDKT__ROLE__ROLE_CENTRAL, "central", NULL},
    {0, NULL, NULL},
};

struct rj {
    char *err;
    size_t cap;
    Tdkt__RegistryRecord **recs; /* capacity: the sum of the section sizes */
    size_t n;
    size_t first[SEC_COUNT + 1]; /* recs[first[s] .. first[s + 1]) belong to section s */
};

/* One key of a record for the duplicate checks: rec is the index within its
 * section, sub the index of a cluster member. */
struct rj_key {
    char key[RECORD_KEY_MAX + 1];
    size_t rec;
    size_t sub;
};

__attribute__((format(printf, 4, 5))) static int rj_fail(struct rj *cx, int rc, const char *path,
                                                         const char *fmt, ...)
{
    va_list ap;
    int k;

    if (!cx->err || cx->cap == 0)
        return rc;
    k = path && *path ? snprintf(cx->err, cx->cap, "%s: ", path) : 0;
    if (k < 0 || (size_t)k >= cx->cap)
        return rc;
    va_start(ap, fmt);
    vsnprintf(cx->err + k, cx->cap - (size_t)k, tdkt_gettext(fmt), ap);
    va_end(ap);
    /* A quoted key ('%.40s') or jansson's "near '...'" may end inside a
     * character: keep the message UTF-8. */
    utf8_scrub(cx->err);
    return rc;
}

static int join_path(char out[REGISTRY_JSON_PATH_MAX], const char *base, const char *key)
{
    int k = snprintf(out, REGISTRY_JSON_PATH_MAX, "%s%s%s", base, *base ? "." : "", key);
    return k < 0 || k >= REGISTRY_JSON_PATH_MAX ? TDKT_ETOOBIG : 0;
}

/* The codes of a label table as "a, b, c" for a message. */
static void list_codes(const struct record_label *table, char *buf, size_t cap)
{
    size_t used = 0;

    buf[0] = '\0';
    for (; table->code && used < cap; table++) {
        int k = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", table->code);
        if (k < 0)
            return;
        used += (size_t)k;
    }
}

static int check_object(struct rj *cx, const json_t *o, const char *path,
                        const char *const *allowed)
{
    const char *key;
    json_t *v;

    if (!json_is_object(o))
        return rj_fail(cx, TDKT_EINVAL, path, "must be an object {...}");
    json_object_foreach((json_t *)o, key, v)
    {
        const char *const *a = allowed;
        char expected[160];
        size_t used = 0;

        while (*a && strcmp(*a, key) != 0)
            a++;
        if (*a)
            continue;
        expected[0] = '\0';
        for (a = allowed; *a && used < sizeof expected; a++) {
            int k = snprintf(expected + used, sizeof expected - used, "%s%s", used ? ", " : "", *a);
            if (k < 0)
                break;
            used += (size_t)k;
        }
        return rj_fail(cx, TDKT_EINVAL, path, "unknown key '%.40s' (expected %s)", key, expected);
    }
    return 0;
}

/*
 * Store o[key] as a malloc'd copy in *dst. A missing optional key leaves *dst
 * as it is: the protobuf-c default empty string, which free_unpacked skips.
 */
static int get_string(struct rj *cx, const json_t *o, const char *path, const char *key,
                      int required, char **dst)
{
    char p[REGISTRY_JSON_PATH_MAX];
    json_t *v = json_object_get(o, key);
    char *s;

    if (join_path(p, path, key))
        return rj_fail(cx, TDKT_ETOOBIG, path, "path too long");
    if (!v) {
        if (required)
            return rj_fail(cx, TDKT_EINVAL, p, "is required");
        return 0;
    }
    if (!json_is_string(v))
        return rj_fail(cx, TDKT_EINVAL, p, "must be a string");
    s = strdup(json_string_value(v));
    if (!s)
        return rj_fail(cx, TDKT_ENOMEM, p, "out of memory");
    *dst = s;
    return 0;
}

static int get_year(struct rj *cx, const json_t *o, const char *path, uint32_t *year)
{
    char p[REGISTRY_JSON_PATH_MAX];
    json_t *v = json_object_get(o, "year");
    json_int_t y;

    if (join_path(p, path, "year"))
        return rj_fail(cx, TDKT_ETOOBIG, path, "path too long");
    if (!v)
        return rj_fail(cx, TDKT_EINVAL, p, "is required");
    if (!json_is_integer(v))
        return rj_fail(cx, TDKT_EINVAL, p, "must be a whole number (a year such as 2021)");
    y = json_integer_value(v);
    if (y < RECORD_YEAR_MIN || y > RECORD_YEAR_MAX)
        return rj_fail(cx, TDKT_EINVAL, p, "%lld is not a year from %d to %d", (long long)y,
                       RECORD_YEAR_MIN, RECORD_YEAR_MAX);
    *year = (uint32_t)y;
    return 0;
}

/* o[key], spelled as one of table's codes. A missing optional key gives
 * fallback. */
static int get_enum(struct rj *cx, const json_t *o, const char *path, const char *key,
                    const struct record_label *table, int required, int fallback, int *out)
{
    char p[REGISTRY_JSON_PATH_MAX], codes[160];
    json_t *v = json_object_get(o, key);
    const char *s;

    if (join_path(p, path, key))
        return rj_fail(cx, TDKT_ETOOBIG, path, "path too long");
    list_codes(table, codes, sizeof codes);
    if (!v) {
        if (required)
            return rj_fail(cx, TDKT_EINVAL, p, "is required (one of %s)", codes);
        *out = fallback;
        return 0;
    }
    if (!json_is_string(v))
        return rj_fail(cx, TDKT_EINVAL, p, "must be a string, one of %s", codes);
    s = json_string_value(v);
    for (; table->code; table++) {
        if (strcmp(table->code, s) == 0) {
            *out = table->value;
            return 0;
        }
    }
    return rj_fail(cx, TDKT_EINVAL, p, "'%.40s' is not one of %s", s, codes);
}

static Tdkt__RegistryRecord *rec_new(struct rj *cx)
{
    Tdkt__RegistryRecord *r = malloc(sizeof *r);

    if (!r)
        return NULL;
    tdkt__registry_record__init(r);
    cx->recs[cx->n++] = r;
    return r;
}

/* Field names of a record fault ("unit.unit.code", after its first
 * component) that the file spells differently. */
static const struct {
    const char *field;
    const char *key;
} fault_keys[] = {
    {"unit.code", "code"},     {"unit.name", "name"}, {"unit.role", "role"},
    {"parent_code", "parent"}, {"unit_code", "unit"}, {"cluster_code", "cluster"},
};

/* Normalise and validate the record just built from path. */
static int finish(struct rj *cx, Tdkt__RegistryRecord *r, const char *path)
{
    struct fault f = {0};
    const char *rest;
    int rc = registry_record_check(r, &f);

    if (rc == 0)
        return 0;
    if (rc == TDKT_ENOMEM)
        return rj_fail(cx, rc, path, "out of memory");
    rest = strchr(f.field, '.');
    if (!rest)
        return rj_fail(cx, TDKT_EINVAL, path, "%s", f.why.text);
    rest++;
    for (size_t i = 0; i < sizeof fault_keys / sizeof fault_keys[0]; i++) {
        if (strcmp(rest, fault_keys[i].field) == 0) {
            rest = fault_keys[i].key;
            break;
        }
    }
    return rj_fail(cx, TDKT_EINVAL, NULL, "%s.%s: %s", path, rest, f.why.text);
}

static int parse_unit(struct rj *cx, const json_t *o, const char *path)
{
    static const char *const keys[] = {"code", "name", "kind", "role", "parent", NULL};
    Tdkt__RegistryRecord *r;
    Tdkt__UnitRegister *u;
    int kind, role, rc;

    if ((rc = check_object(cx, o, path, keys)))
        return rc;
    if (!(r = rec_new(cx)) || !(u = malloc(sizeof *u)))
        return rj_fail(cx, TDKT_ENOMEM, path, "out of memory");
    tdkt__unit_register__init(u);
    r->item_case = TDKT__REGISTRY_RECORD__ITEM_UNIT;
    r->unit = u;
    if (!(u->unit = malloc(sizeof *u->unit)))
        return rj_fail(cx, TDKT_ENOMEM, path, "out of memory");
    tdkt__unit__init(u->unit);
    if ((rc = get_string(cx, o, path, "code", 1, &u->unit->code)) ||
        (rc = get_string(cx, o, path, "name", 1, &u->unit->name)) ||
        (rc = get_string(cx, o, path, "parent", 0, &u->parent_code)) ||
        (rc = get_enum(cx, o, path, "kind", record_unit_kinds, 1, 0, &kind)))
        return rc;
    /* The central office is the supreme procuracy; every other unit, a
     * division included, writes as a regional office unless told. */
    if ((rc = get_enum(cx, o, path, "role", roles, 0,
                       kind == TDKT__UNIT_KIND__UNIT_KIND_SUPREME ? TDKT__ROLE__ROLE_CENTRAL
                                                                  : TDKT__ROLE__ROLE_REGIONAL,
                       &role)))
        return rc;
    u->kind = (Tdkt__UnitKind)kind;
    u->unit->role = (Tdkt__Role)role;
    return finish(cx, r, path);
}

static int parse_person(struct rj *cx, const json_t *o, const char *path)
{
    static const char *const keys[] = {"id", "name", "unit", NULL};
    Tdkt__RegistryRecord *r;
    Tdkt__PersonRegister *p;
    int rc;

    if ((rc = check_object(cx, o, path, keys)))
        return rc;
    if (!(r = rec_new(cx)) || !(p = malloc(sizeof *p)))
        return rj_fail(cx, TDKT_ENOMEM, path, "out of memory");
    tdkt__person_register__init(p);
    r->item_case = TDKT__REGISTRY_RECORD__ITEM_PERSON;
    r->person = p;
    if ((rc = get_string(cx, o, path, "id", 0, &p->id)) ||
        (rc = get_string(cx, o, path, "name", 1, &p->name)) ||
        (rc = get_string(cx, o, path, "unit", 1, &p->unit_code)))
        return rc;
    return finish(cx, r, path);
}

static int parse_period(struct rj *cx, const json_t *o, const char *path)
{
    static const char *const keys[] = {"year", "state", "deadline", NULL};
    Tdkt__RegistryRecord *r;
    Tdkt__PeriodSet *p;
    int state, rc;

    if ((rc = check_object(cx, o, path, keys)))
        return rc;
    if (!(r = rec_new(cx)) || !(p = malloc(sizeof *p)))
        return rj_fail(cx, TDKT_ENOMEM, path, "out of memory");
    tdkt__period_set__init(p);
    r->item_case = TDKT__REGISTRY_RECORD__ITEM_PERIOD;
    r->period = p;
    if ((rc = get_year(cx, o, path, &p->year)) ||
        (rc = get_enum(cx, o, path, "state", record_period_states, 1, 0, &state)) ||
        (rc = get_string(cx, o, path, "deadline", 0, &p->deadline)))
        return rc;
    p->state = (Tdkt__PeriodState)state;
    return finish(cx, r, path);
}

/* o[key], a required JSON number, into *out; or a refusal naming its path. */
static int get_number(struct rj *cx, const json_t *o, const char *path, const char *key,
                      double *out)
{
    char p[REGISTRY_JSON_PATH_MAX];
    json_t *v;

    if (join_path(p, path, key))
        return rj_fail(cx, TDKT_ETOOBIG, path, "path too long");
    v = json_object_get(o, key);
    if (!v)
        return rj_fail(cx, TDKT_EINVAL, p, "is required");
    if (!json_is_number(v))
        return rj_fail(cx, TDKT_EINVAL, p, "must be a number");
    *out = json_number_value(v);
    return 0;
}

/*
 * o[key], a required array of at most max items, into *list, with the path
 * of the key in p: 0, or a refusal naming the path ("must be kind", "%zu
 * items; whole has at most max"). Whether an empty one will do is the
 * record's validator's to say.
 */
static int get_list(struct rj *cx, const json_t *o, const char *path, const char *key,
                    const char *kind, size_t max, const char *whole, const char *items,
                    char p[REGISTRY_JSON_PATH_MAX], json_t **list)
{
    if (join_path(p, path, key))
        return rj_fail(cx, TDKT_ETOOBIG, path, "path too long");
    *list = json_object_get(o, key);
    if (!*list)
        return rj_fail(cx, TDKT_EINVAL, p, "is required");
    if (!json_is_array(*list))
        return rj_fail(cx, TDKT_EINVAL, p, "must be %s", kind);
    if (json_array_size(*list) > max)
        return rj_fail(cx, TDKT_ETOOBIG, p, "%zu %s; %s has at most %zu", json_array_size(*list),
                       items, whole, max);
    return 0;
}

static int parse_cluster(struct rj *cx, const json_t *o, const char *path)
{
    static const char *const keys[] = {"year",    "code",   "name",   "kind",
                                       "members", "leader", "deputy", NULL};
    char p[REGISTRY_JSON_PATH_MAX];
    Tdkt__RegistryRecord *r;
    Tdkt__ClusterSet *c;
    json_t *members, *m;
    size_t j;
    int kind, rc;

    if ((rc = check_object(cx, o, path, keys)))
        return rc;
    if (!(r = rec_new(cx)) || !(c = malloc(sizeof *c)))
        return rj_fail(cx, TDKT_ENOMEM, path, "out of memory");
    tdkt__cluster_set__init(c);
    r->item_case = TDKT__REGISTRY_RECORD__ITEM_CLUSTER;
    r->cluster = c;
    if ((rc = get_year(cx, o, path, &c->year)) ||
        (rc = get_string(cx, o, path, "code", 1, &c->code)) ||
        (rc = get_string(cx, o, path, "name", 1, &c->name)) ||
        (rc = get_enum(cx, o, path, "kind", record_cluster_kinds, 1, 0, &kind)) ||
        (rc = get_string(cx, o, path, "leader", 0, &c->leader)) ||
        (rc = get_string(cx, o, path, "deputy", 0, &c->deputy)))
        return rc;
    c->kind = (Tdkt__ClusterKind)kind;

    if ((rc = get_list(cx, o, path, "members", "an array of unit codes", CLUSTER_MEMBERS_MAX,
                       "a cluster", "members", p, &members)))
        return rc;
    if (json_array_size(members) > 0 &&
        !(c->members = calloc(json_array_size(members), sizeof *c->members)))
        return rj_fail(cx, TDKT_ENOMEM, p, "out of memory");
    json_array_foreach(members, j, m)
    {
        if (!json_is_string(m))
            return rj_fail(cx, TDKT_EINVAL, NULL, "%s[%zu]: must be a string (a unit code)", p, j);
        if (!(c->members[j] = strdup(json_string_value(m))))
            return rj_fail(cx, TDKT_ENOMEM, p, "out of memory");
        c->n_members = j + 1;
    }
    return finish(cx, r, path);
}

/* One member of a Council: {"person": ID, "role": chair|vice_chair|member}. */
static int parse_council_member(struct rj *cx, const json_t *o, const char *path,
                                Tdkt__CouncilMember *m)
{
    static const char *const keys[] = {"person", "role", NULL};
    int role, rc;

    if ((rc = check_object(cx, o, path, keys)) ||
        (rc = get_string(cx, o, path, "person", 1, &m->person_id)) ||
        (rc = get_enum(cx, o, path, "role", record_council_roles, 1, 0, &role)))
        return rc;
    m->role = (Tdkt__CouncilRole)role;
    return 0;
}

static int parse_council(struct rj *cx, const json_t *o, const char *path)
{
    static const char *const keys[] = {"year", "code", "name", "members", NULL};
    char p[REGISTRY_JSON_PATH_MAX], q[REGISTRY_JSON_PATH_MAX + 24];
    Tdkt__RegistryRecord *r;
    Tdkt__CouncilSet *c;
    json_t *members, *m;
    size_t j;
    int rc;

    if ((rc = check_object(cx, o, path, keys)))
        return rc;
    if (!(r = rec_new(cx)) || !(c = malloc(sizeof *c)))
        return rj_fail(cx, TDKT_ENOMEM, path, "out of memory");
    tdkt__council_set__init(c);
    r->item_case = TDKT__REGISTRY_RECORD__ITEM_COUNCIL;
    r->council = c;
    if ((rc = get_year(cx, o, path, &c->year)) ||
        (rc = get_string(cx, o, path, "code", 1, &c->code)) ||
        (rc = get_string(cx, o, path, "name", 1, &c->name)))
        return rc;
    if ((rc = get_list(cx, o, path, "members", "an array of {person, role}", COUNCIL_MEMBERS_MAX,
                       "a Council", "members", p, &members)))
        return rc;
    if (json_array_size(members) > 0 &&
        !(c->members = calloc(json_array_size(members), sizeof *c->members)))
        return rj_fail(cx, TDKT_ENOMEM, p, "out of memory");
    json_array_foreach(members, j, m)
    {
        if (!(c->members[j] = malloc(sizeof *c->members[j])))
            return rj_fail(cx, TDKT_ENOMEM, p, "out of memory");
        tdkt__council_member__init(c->members[j]);
        c->n_members = j + 1;
        snprintf(q, sizeof q, "%s[%zu]", p, j);
        if ((rc = parse_council_member(cx, m, q, c->members[j])))
            return rc;
    }
    return finish(cx, r, path);
}

static int parse_criterion(struct rj *cx, const json_t *o, const char *path, Tdkt__Criterion *k)
{
    static const char *const keys[] = {"code", "name", "max_points", NULL};
    int rc;

    if ((rc = check_object(cx, o, path, keys)) ||
        (rc = get_string(cx, o, path, "code", 1, &k->code)) ||
        (rc = get_string(cx, o, path, "name", 1, &k->name)))
        return rc;
    return get_number(cx, o, path, "max_points", &k->max_points);
}

static int parse_criteria(struct rj *cx, const json_t *o, const char *path)
{
    static const char *const keys[] = {"year", "cluster", "criteria", NULL};
    char p[REGISTRY_JSON_PATH_MAX], q[REGISTRY_JSON_PATH_MAX + 24];
    Tdkt__RegistryRecord *r;
    Tdkt__CriteriaSet *c;
    json_t *list, *item;
    size_t j;
    int rc;

    if ((rc = check_object(cx, o, path, keys)))
        return rc;
    if (!(r = rec_new(cx)) || !(c = malloc(sizeof *c)))
        return rj_fail(cx, TDKT_ENOMEM, path, "out of memory");
    tdkt__criteria_set__init(c);
    r->item_case = TDKT__REGISTRY_RECORD__ITEM_CRITERIA;
    r->criteria = c;
    if ((rc = get_year(cx, o, path, &c->year)) ||
        (rc = get_string(cx, o, path, "cluster", 1, &c->cluster_code)))
        return rc;

    if ((rc = get_list(cx, o, path, "criteria", "an array of criteria", CRITERIA_MAX, "a sheet",
                       "criteria", p, &list)))
        return rc;
    if (json_array_size(list) > 0 &&
        !(c->criteria = calloc(json_array_size(list), sizeof *c->criteria)))
        return rj_fail(cx, TDKT_ENOMEM, p, "out of memory");
    json_array_foreach(list, j, item)
    {
        Tdkt__Criterion *k = malloc(sizeof *k);

        if (!k)
            return rj_fail(cx, TDKT_ENOMEM, p, "out of memory");
        tdkt__criterion__init(k);
        c->criteria[j] = k;
        c->n_criteria = j + 1;
        snprintf(q, sizeof q, "%s[%zu]", p, j);
        if ((rc = parse_criterion(cx, item, q, k)))
            return rc;
    }
    return finish(cx, r, path);
}

static int key_cmp(const void *a, const void *b)
{
    const struct rj_key *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    if (c)
        return c;
    if (x->rec != y->rec)
        return x->rec < y->rec ? -1 : 1;
    return x->sub < y->sub ? -1 : x->sub > y->sub;
}

/*
 * Sort keys; if two are equal, return 1 and the pair whose later one comes
 * first in the file, so the message names the first repetition a reader
 * meets.
 */
static int key_dup(struct rj_key *keys, size_t n, const struct rj_key **first,
                   const struct rj_key **again)
{
    int found = 0;

    qsort(keys, n, sizeof *keys, key_cmp);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(keys[i - 1].key, keys[i].key) != 0)
            continue;
        if (!found || keys[i].rec < (*again)->rec ||
            (keys[i].rec == (*again)->rec && keys[i].sub < (*again)->sub)) {
            /* The earliest occurrence of this key is where its run starts. */
            size_t s = i - 1;
            while (s > 0 && strcmp(keys[s - 1].key, keys[i].key) == 0)
                s--;
            *first = &keys[s];
            *again = &keys[i];
            found = 1;
        }
    }
    return found;
}

static Tdkt__RegistryRecord *sec_rec(const struct rj *cx, enum section s, size_t i)
{
    return cx->recs[cx->first[s] + i];
}

static size_t sec_len(const struct rj *cx, enum section s)
{
    return cx->first[s + 1] - cx->first[s];
}

/* The first entry of code in keys sorted by key_cmp, or NULL. */
static const struct rj_key *unit_find(const struct rj_key *keys, size_t n, const char *code)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(keys[mid].key, code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(keys[lo].key, code) == 0 ? &keys[lo] : NULL;
}

/* The field of a record that must not repeat within its section. */
static const char *const unique_fields[SEC_COUNT] = {
    [SEC_RULES] = "code",    [SEC_UNITS] = "code",    [SEC_PERSONS] = "id",
    [SEC_PERIODS] = "year",  [SEC_CLUSTERS] = "code", [SEC_CRITERIA] = "cluster",
    [SEC_COUNCILS] = "code",
};

/* The key of record i of section s, and what a message calls the record
 * ("unit 'A'"); 0 when it has no key (a person without an id is matched by
 * name). */
static int unique_key(const struct rj *cx, enum section s, size_t i, char *key, size_t key_cap,
                      char *what, size_t what_cap)
{
    const Tdkt__RegistryRecord *r = sec_rec(cx, s, i);

    switch (s) {
    case SEC_RULES:
        snprintf(key, key_cap, "%s", r->rules->code);
        snprintf(what, what_cap, "rule set '%s'", r->rules->code);
        return 1;
    case SEC_UNITS:
        snprintf(key, key_cap, "%s", r->unit->unit->code);
        snprintf(what, what_cap, "unit '%s'", r->unit->unit->code);
        return 1;
    case SEC_PERSONS:
        snprintf(key, key_cap, "%s", r->person->id ? r->person->id : "");
        snprintf(what, what_cap, "person '%s'", key);
        return key[0] != '\0';
    case SEC_PERIODS:
        snprintf(key, key_cap, "%u", r->period->year);
        snprintf(what, what_cap, "%u", r->period->year);
        return 1;
    case SEC_CLUSTERS:
        snprintf(key, key_cap, "%u %s", r->cluster->year, r->cluster->code);
        snprintf(what, what_cap, "cluster '%s' of %u", r->cluster->code, r->cluster->year);
        return 1;
    case SEC_COUNCILS:
        snprintf(key, key_cap, "%u", r->council->year);
        snprintf(what, what_cap, "the Council of %u", r->council->year);
        return 1;
    case SEC_CRITERIA:
        snprintf(key, key_cap, "%u %s", r->criteria->year, r->criteria->cluster_code);
        snprintf(what, what_cap, "the sheet of '%s' for %u", r->criteria->cluster_code,
                 r->criteria->year);
        return 1;
    default:
        return 0;
    }
}

/* No key of section s given twice. keys has room for the whole section; it
 * is left sorted. */
static int check_unique(struct rj *cx, enum section s, struct rj_key *keys)
{
    const struct rj_key *a, *b;
    char key[RECORD_KEY_MAX + 1], what[RECORD_KEY_MAX + 40];
    size_t nk = 0;

    for (size_t i = 0; i < sec_len(cx, s); i++) {
        if (!unique_key(cx, s, i, keys[nk].key, sizeof keys[nk].key, what, sizeof what))
            continue;
        keys[nk++].rec = i;
    }
    if (!key_dup(keys, nk, &a, &b))
        return 0;
    unique_key(cx, s, b->rec, key, sizeof key, what, sizeof what);
    return rj_fail(cx, TDKT_EINVAL, NULL, "%s[%zu].%s: %s is already given at %s[%zu]",
                   section_names[s], b->rec, unique_fields[s], what, section_names[s], a->rec);
}

/* A parent listed before its units. units: every unit's key, sorted. */
static int check_parents(struct rj *cx, const struct rj_key *units)
{
    size_t nu = sec_len(cx, SEC_UNITS);

    for (size_t i = 0; i < nu; i++) {
        const char *parent = sec_rec(cx, SEC_UNITS, i)->unit->parent_code;
        const struct rj_key *hit;

        if (!parent || !*parent)
            continue;
        hit = unit_find(units, nu, parent);
        if (hit && hit->rec > i)
            return rj_fail(cx, TDKT_EINVAL, NULL,
                           "units[%zu].parent: unit '%s' is given later, at units[%zu]; list a "
                           "parent before its units",
                           i, parent, hit->rec);
    }
    return 0;
}

/* A unit in one cluster a year. keys has room for every member of every
 * cluster. */
static int check_members(struct rj *cx, struct rj_key *keys)
{
    const struct rj_key *a, *b;
    const Tdkt__ClusterSet *c;
    size_t nk = 0;

    for (size_t i = 0; i < sec_len(cx, SEC_CLUSTERS); i++) {
        c = sec_rec(cx, SEC_CLUSTERS, i)->cluster;
        for (size_t j = 0; j < c->n_members; j++) {
            snprintf(keys[nk].key, sizeof keys[nk].key, "%u %s", c->year, c->members[j]);
            keys[nk].rec = i;
            keys[nk++].sub = j;
        }
    }
    if (!key_dup(keys, nk, &a, &b))
        return 0;
    c = sec_rec(cx, SEC_CLUSTERS, b->rec)->cluster;
    return rj_fail(cx, TDKT_EINVAL, NULL,
                   "clusters[%zu].members[%zu]: unit '%s' is already a member of '%s' in %u "
                   "(clusters[%zu])",
                   b->rec, b->sub, c->members[b->sub],
                   sec_rec(cx, SEC_CLUSTERS, a->rec)->cluster->code, c->year, a->rec);
}

/* Duplicates and order within the file. */
static int check_file(struct rj *cx)
{
    struct rj_key *keys = NULL, *units = NULL;
    size_t nu = sec_len(cx, SEC_UNITS), members = 0, cap = 0;
    int rc;

    /* keys serves each check in turn: room for the largest section or for
     * every cluster member, whichever is more. units keeps the unit codes
     * for the parent check. */
    for (int s = 0; s < SEC_COUNT; s++)
        if (s != SEC_UNITS && sec_len(cx, (enum section)s) > cap)
            cap = sec_len(cx, (enum section)s);
    for (size_t i = 0; i < sec_len(cx, SEC_CLUSTERS); i++)
        members += sec_rec(cx, SEC_CLUSTERS, i)->cluster->n_members;
    if (members > cap)
        cap = members;
    keys = calloc(cap ? cap : 1, sizeof *keys);
    units = calloc(nu ? nu : 1, sizeof *units);
    if (!keys || !units)
        rc = rj_fail(cx, TDKT_ENOMEM, NULL, "out of memory");
    else if (!(rc = check_unique(cx, SEC_UNITS, units)) && !(rc = check_parents(cx, units)) &&
             !(rc = check_unique(cx, SEC_PERSONS, keys)) &&
             !(rc = check_unique(cx, SEC_PERIODS, keys)) &&
             !(rc = check_unique(cx, SEC_CLUSTERS, keys)) && !(rc = check_members(cx, keys)) &&
             !(rc = check_unique(cx, SEC_RULES, keys)))
        rc = check_unique(cx, SEC_CRITERIA, keys);
    free(units);
    free(keys);
    return rc;
}

static int parse_rule_value(struct rj *cx, const json_t *o, const char *path, Tdkt__RuleValue *v)
{
    static const char *const keys[] = {"key", "value", "source", NULL};
    int rc;

    if ((rc = check_object(cx, o, path, keys)) ||
        (rc = get_string(cx, o, path, "key", 1, &v->key)) ||
        (rc = get_string(cx, o, path, "source", 0, &v->source)))
        return rc;
    return get_number(cx, o, path, "value", &v->value);
}

static int parse_rules(struct rj *cx, const json_t *o, const char *path)
{
    static const char *const keys[] = {"code", "name", "effective_from", "values", NULL};
    char p[REGISTRY_JSON_PATH_MAX], q[REGISTRY_JSON_PATH_MAX + 24];
    Tdkt__RegistryRecord *r;
    Tdkt__RuleSet *rs;
    json_t *list, *item;
    size_t j;
    int rc;

    if ((rc = check_object(cx, o, path, keys)))
        return rc;
    if (!(r = rec_new(cx)) || !(rs = malloc(sizeof *rs)))
        return rj_fail(cx, TDKT_ENOMEM, path, "out of memory");
    tdkt__rule_set__init(rs);
    r->item_case = TDKT__REGISTRY_RECORD__ITEM_RULES;
    r->rules = rs;
    if ((rc = get_string(cx, o, path, "code", 1, &rs->code)) ||
        (rc = get_string(cx, o, path, "name", 1, &rs->name)) ||
        (rc = get_string(cx, o, path, "effective_from", 1, &rs->effective_from)))
        return rc;
    if ((rc = get_list(cx, o, path, "values", "an array of {key, value, source}", RULE_VALUES_MAX,
                       "a rule set", "values", p, &list)))
        return rc;
    if (json_array_size(list) > 0 &&
        !(rs->values = calloc(json_array_size(list), sizeof *rs->values)))
        return rj_fail(cx, TDKT_ENOMEM, p, "out of memory");
    json_array_foreach(list, j, item)
    {
        Tdkt__RuleValue *v = malloc(sizeof *v);
        if (!v)
            return rj_fail(cx, TDKT_ENOMEM, p, "out of memory");
        tdkt__rule_value__init(v);
        rs->values[j] = v;
        rs->n_values = j + 1;
        snprintf(q, sizeof q, "%s[%zu]", p, j);
        if ((rc = parse_rule_value(cx, item, q, v)))
            return rc;
    }
    return finish(cx, r, path);
}

typedef int (*parse_fn)(struct rj *cx, const json_t *o, const char *path);

static int parse_root(struct rj *cx, const json_t *root)
{
    static const char *const keys[] = {"version",  "rules",    "units",    "persons", "periods",
                                       "clusters", "criteria", "councils", NULL};
    static const parse_fn parsers[SEC_COUNT] = {parse_rules,  parse_unit,    parse_person,
                                                parse_period, parse_cluster, parse_criteria,
                                                parse_council};
    const json_t *arrays[SEC_COUNT];
    const json_t *version;
    size_t total = 0;
    int rc;

    if (!json_is_object(root))
        return rj_fail(cx, TDKT_EINVAL, NULL,
                       "the file must hold one JSON object {\"units\": [...], ...}");
    if ((rc = check_object(cx, root, "", keys)))
        return rc;
    version = json_object_get(root, "version");
    if (version &&
        (!json_is_integer(version) || json_integer_value(version) != REGISTRY_JSON_VERSION))
        return rj_fail(cx, TDKT_EINVAL, "version", "this program reads version %d",
                       REGISTRY_JSON_VERSION);
    for (int s = 0; s < SEC_COUNT; s++) {
        arrays[s] = json_object_get(root, section_names[s]);
        if (arrays[s] && !json_is_array(arrays[s]))
            return rj_fail(cx, TDKT_EINVAL, section_names[s], "must be an array [...]");
        total += arrays[s] ? json_array_size(arrays[s]) : 0;
    }
    if (total > REGISTRY_JSON_RECORDS_MAX)
        return rj_fail(cx, TDKT_ETOOBIG, NULL, "%zu records; a file holds at most %u", total,
                       REGISTRY_JSON_RECORDS_MAX);
    cx->recs = calloc(total ? total : 1, sizeof *cx->recs);
    if (!cx->recs)
        return rj_fail(cx, TDKT_ENOMEM, NULL, "out of memory");

    for (int s = 0; s < SEC_COUNT; s++) {
        size_t i;
        json_t *item;

        cx->first[s] = cx->n;
        if (!arrays[s])
            continue;
        json_array_foreach(arrays[s], i, item)
        {
            char path[REGISTRY_JSON_PATH_MAX];
            snprintf(path, sizeof path, "%s[%zu]", section_names[s], i);
            if ((rc = parsers[s](cx, item, path)))
                return rc;
        }
    }
    cx->first[SEC_COUNT] = cx->n;
    return check_file(cx);
}

int registry_json_parse(const char *data, size_t len, Tdkt__RegistryRecord ***out, size_t *n,
                        char *err, size_t cap)
{
    struct rj cx = {.err = err, .cap = cap};
    json_error_t jerr;
    json_t *root = NULL;
    int rc;

    *out = NULL;
    *n = 0;
    if (err && cap)
        err[0] = '\0';
    if (len > REGISTRY_JSON_FILE_MAX)
        return rj_fail(&cx, TDKT_ETOOBIG, NULL, "%zu bytes; a registry file has at most %u", len,
                       REGISTRY_JSON_FILE_MAX);
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return rj_fail(&cx, TDKT_EINVAL, NULL, "line %d, column %d: %s", jerr.line, jerr.column,
                       jerr.text);
    rc = registry_json_parse_tree(root, out, n, err, cap);
    json_decref(root);
    return rc;
}

int registry_json_parse_tree(const json_t *root, Tdkt__RegistryRecord ***out, size_t *n, char *err,
                             size_t cap)
{
    struct rj cx = {.err = err, .cap = cap};
    int rc;

    *out = NULL;
    *n = 0;
    if (err && cap)
        err[0] = '\0';
    rc = parse_root(&cx, root);
    if (rc < 0) {
        registry_records_free(cx.recs, cx.n);
        return rc;
    }
    *out = cx.recs;
    *n = cx.n;
    return 0;
}

int registry_json_load_file(const char *path, Tdkt__RegistryRecord ***out, size_t *n, char *err,
                            size_t cap)
{
    struct stat st;
    struct filekind_info fk;
    char *buf = NULL, *msg = NULL;
    size_t got = 0;
    int fd, rc;

    *out = NULL;
    *n = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = errno == ENOENT ? TDKT_ENOTFOUND : TDKT_EIO;
        if (err && cap)
            snprintf(err, cap, "%s: %s", path, strerror(errno));
        return rc;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (err && cap)
            snprintf(err, cap, "%s: not a regular file", path);
        rc = TDKT_EIO;
        goto out;
    }
    if ((uintmax_t)st.st_size > REGISTRY_JSON_FILE_MAX) {
        if (err && cap)
            snprintf(err, cap, "%s: %jd bytes; a registry file has at most %u", path,
                     (intmax_t)st.st_size, REGISTRY_JSON_FILE_MAX);
        rc = TDKT_ETOOBIG;
        goto out;
    }
    /* One byte more than the size, to notice a file that grew meanwhile. */
    buf = malloc((size_t)st.st_size + 1);
    msg = cap ? malloc(cap) : NULL;
    if (!buf || (cap && !msg)) {
        if (err && cap)
            snprintf(err, cap, "%s: out of memory", path);
        rc = TDKT_ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            if (err && cap)
                snprintf(err, cap, "%s: %s", path, strerror(errno));
            rc = TDKT_EIO;
            goto out;
        }
        if (r == 0)
            break;
        got += (size_t)r;
        if (got > (size_t)st.st_size) {
            if (err && cap)
                snprintf(err, cap, "%s: the file changed while it was read", path);
            rc = TDKT_EIO;
            goto out;
        }
    }
    /* A workbook is read as one (its errors name the file themselves); a
     * file of another kind is named for what it is. */
    filekind_sniff(buf, got, &fk);
    if (fk.kind == FILEKIND_ZIP) {
        rc = registry_xlsx_parse(path, buf, got, out, n, err, cap);
        goto out;
    }
    if (fk.kind != FILEKIND_TEXT && fk.kind != FILEKIND_NOT_UTF8) {
        if (err && cap)
            snprintf(err, cap, "%s: %s", path, filekind_advice(fk.kind));
        rc = TDKT_EINVAL;
        goto out;
    }
    if (fk.kind == FILEKIND_NOT_UTF8) {
        if (err && cap)
            snprintf(err, cap, "%s: line %u, column %u: byte 0x%02X is not UTF-8: %s", path,
                     fk.line, fk.column, fk.byte, filekind_advice(fk.kind));
        rc = TDKT_EINVAL;
        goto out;
    }
    rc = registry_json_parse(buf, got, out, n, msg, cap);
    if (rc < 0 && err && cap)
        snprintf(err, cap, "%s: %s", path, msg);
out:
    free(msg);
    free(buf);
    close(fd);
    return rc;
}

void registry_records_free(Tdkt__RegistryRecord **recs, size_t n)
{
    if (!recs)
        return;
    for (size_t i = 0; i < n; i++)
        if (recs[i])
            tdkt__registry_record__free_unpacked(recs[i], NULL);
    free(recs);
}
