/* SPDX-License-Identifier: MIT */
/*
 * The JSON mapping of a results import: objects of a unit and year, arrays
 * of each kind, items (see import_json.h).
 */
#include "client/lib/import_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/lib/import_row.h"
#include "common/domain/records.h"

/* The column a kind given as one bare JSON value fills ("rating": "HTXSNV",
 * "tasks_planned": 8), or -1 for the kinds given as arrays of objects. */
static int json_scalar_col(enum import_kind k)
{
    return k == KIND_UNIT_RATING ? COL_RATING : k == KIND_TASK_PLAN ? COL_TASKS_PLANNED : -1;
}

/* One item of a kind's array (or the value of a scalar kind). */
static void json_item(struct import_state *m, enum import_kind k, json_t *item, const char *path,
                      const char *unit, uint32_t year, struct import_row *w)
{
    uint32_t allowed =
        import_row_kinds[k].required | import_row_kinds[k].optional | COL_BIT(COL_REMOVED);
    const char *key;
    json_t *value;

    memset(w, 0, sizeof *w);
    w->kind = k;
    w->unit = unit;
    w->year = year;
    snprintf(w->where, sizeof w->where, "%s", path);
    if (json_scalar_col(k) >= 0 && !json_is_object(item)) {
        struct import_val *v = &w->v[json_scalar_col(k)];
        v->present = 1;
        if (json_is_string(item)) {
            if (import_row_value_set(m, v, json_string_value(item), json_string_length(item)) < 0)
                goto out;
        } else {
            v->j = item;
        }
        snprintf(v->where, sizeof v->where, "%s", path);
        import_row_finish(m, w);
        goto out;
    }
    if (!json_is_object(item)) {
        import_row_error(m, 0, 0, path, "%s %s is a JSON object",
                         import_row_article(import_row_kinds[k].name), import_row_kinds[k].name);
        goto out;
    }
    json_object_foreach(item, key, value)
    {
        struct import_val *v;
        int c;

        for (c = 0; c < COL_N; c++)
            if ((allowed & COL_BIT(c)) && strcmp(import_row_cols[c].name, key) == 0)
                break;
        if (c == COL_N) {
            import_row_error(m, 0, 0, path, "unknown key '%.40s' in %s %s", key,
                             import_row_article(import_row_kinds[k].name),
                             import_row_kinds[k].name);
            w->bad = 1;
            continue;
        }
        v = &w->v[c];
        v->present = 1;
        snprintf(v->where, sizeof v->where, "%s.%s", path, key);
        if (json_is_string(value)) {
            if (import_row_value_set(m, v, json_string_value(value), json_string_length(value)) < 0)
                goto out;
        } else if (!json_is_null(value)) {
            v->j = value;
        }
    }
    import_row_finish(m, w);
out:
    import_row_reset(w);
}

/* One object of a unit and year. */
static void json_group(struct import_state *m, json_t *g, const char *prefix, struct import_row *w)
{
    const char *unit = m->o->unit, *key;
    uint32_t year = m->o->year;
    char path[IMPORT_WHERE_MAX];
    json_t *value;

    if (!json_is_object(g)) {
        import_row_error(m, 0, 0, prefix, "each unit and year is a JSON object");
        return;
    }
    value = json_object_get(g, "unit");
    snprintf(path, sizeof path, "%s%sunit", prefix, prefix[0] ? "." : "");
    if (value && !json_is_string(value)) {
        import_row_error(m, 0, 0, path, "unit must be a string");
        unit = NULL;
    } else if (value) {
        unit = json_string_value(value);
    }
    if (!unit) {
        if (!value)
            import_row_error(m, 0, 0, path, "the unit is missing: add \"unit\" or give --unit");
    } else if (!record_unit_code_valid(unit)) {
        import_row_error(m, 0, 0, path,
                         "'%.64s' is not a unit code: 1 to %d characters of A-Z, 0-9, "
                         "'_', '-'",
                         unit, RECORD_CODE_MAX);
        unit = NULL;
    }
    value = json_object_get(g, "year");
    snprintf(path, sizeof path, "%s%syear", prefix, prefix[0] ? "." : "");
    if (value) {
        json_int_t y = json_is_integer(value) ? json_integer_value(value) : 0;
        year = 0;
        if (y < RECORD_YEAR_MIN || y > RECORD_YEAR_MAX)
            import_row_error(m, 0, 0, path, "year must be a whole number from %d to %d",
                             RECORD_YEAR_MIN, RECORD_YEAR_MAX);
        else
            year = (uint32_t)y;
    } else if (!year) {
        import_row_error(m, 0, 0, path, "the year is missing: add \"year\" or give --year");
    }
    json_object_foreach(g, key, value)
    {
        int k;

        if (m->stop || m->nomem)
            return;
        if (strcmp(key, "unit") == 0 || strcmp(key, "year") == 0)
            continue;
        for (k = 0; k < KIND_N && strcmp(import_row_kinds[k].json, key) != 0; k++)
            ;
        /* An empty key would make an empty path, which names nothing. */
        snprintf(path, sizeof path, "%s%s%.40s", prefix, prefix[0] ? "." : "",
                 key[0] ? key : "\"\"");
        if (k == KIND_N) {
            import_row_error(
                m, 0, 0, path,
                "unknown key '%.40s': a unit's object has unit, year, targets, tasks, "
                "tasks_planned, products, scores, rating, person_ratings, registrations, "
                "initiatives, facts",
                key);
            continue;
        }
        if (json_scalar_col((enum import_kind)k) >= 0) {
            if (!json_is_null(value))
                json_item(m, (enum import_kind)k, value, path, unit, year, w);
            continue;
        }
        if (!json_is_array(value)) {
            import_row_error(m, 0, 0, path, "%s must be a JSON array", key);
            continue;
        }
        for (size_t i = 0; i < json_array_size(value) && !m->stop && !m->nomem; i++) {
            char item[IMPORT_WHERE_MAX + 24]; /* a path and an index */
            snprintf(item, sizeof item, "%s[%zu]", path, i);
            json_item(m, (enum import_kind)k, json_array_get(value, i), item, unit, year, w);
        }
    }
}

void import_json_read(struct import_state *m, const char *data, size_t len)
{
    struct import_row *w = calloc(1, sizeof *w);
    json_error_t e;
    json_t *root;

    if (!w) {
        m->nomem = 1;
        return;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        data += 3, len -= 3;
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e);
    if (!root) {
        unsigned line = e.line > 0 ? (unsigned)e.line : 0;
        /* jansson counts the characters it read before a byte it cannot
         * decode: 0 at the start of a line, where the column is 1. An error
         * has both or neither (import.h). */
        unsigned column = e.column > 0 ? (unsigned)e.column : line ? 1 : 0;

        import_row_error(m, line, column, "", "JSON: %s", e.text);
    } else if (json_is_array(root)) {
        for (size_t i = 0; i < json_array_size(root) && !m->stop && !m->nomem; i++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "[%zu]", i);
            json_group(m, json_array_get(root, i), prefix, w);
        }
    } else {
        json_group(m, root, "", w);
    }
    json_decref(root);
    free(w);
}
