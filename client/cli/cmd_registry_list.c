/* SPDX-License-Identifier: MIT */
/*
 * `tdkt registry list units|persons|clusters [--year Y] [--cluster C]
 * [--unit U] [--name TEXT]`: what a dossier needs, with its ids, from the
 * office's copy of the registry (client/lib/store_registry.h), names first,
 * aligned by display width; offline like every read of the local store.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "client/cli/cli.h"
#include "client/lib/store.h"
#include "client/lib/store_registry.h"
#include "common/err.h"
#include "common/text/i18n.h"
#include "common/text/table.h"

struct list_out {
    enum store_reg_kind kind;
    struct text_table t;
    json_t *rows; /* --json, else NULL */
    size_t n;
};

static int list_row(void *arg, const struct store_reg_row *r)
{
    struct list_out *o = arg;
    char year[12];

    o->n++;
    snprintf(year, sizeof year, "%u", r->year);
    if (o->rows != NULL) {
        json_t *j =
            o->kind == STORE_REG_CLUSTERS
                ? json_pack("{s:s,s:s,s:I,s:s}", "code", r->id, "name", r->name, "year",
                            (json_int_t)r->year, "members", r->extra)
            : o->kind == STORE_REG_UNITS
                ? json_pack("{s:s,s:s,s:s}", "code", r->id, "name", r->name, "parent", r->unit)
                : json_pack("{s:s,s:s,s:s}", "id", r->id, "name", r->name, "unit", r->unit);
        return j && json_array_append_new(o->rows, j) == 0 ? 0 : TDKT_ENOMEM;
    }
    if (o->kind == STORE_REG_CLUSTERS)
        return text_table_add(&o->t, (const char *const[]){r->name, r->id, year, r->extra});
    return text_table_add(&o->t, (const char *const[]){r->name, r->id, r->unit});
}

int cli_registry_list(const struct cfg *cfg, const char *what)
{
    static const char *const kinds[] = {"units", "persons", "clusters"};
    struct store_reg_filter f = {cfg->year, cfg->cluster, cfg->unit, cfg->name};
    struct list_out o;
    struct store *s;
    int code, rc, k;

    memset(&o, 0, sizeof o);
    for (k = 0; k < 3 && strcmp(what, kinds[k]) != 0; k++)
        ;
    if (k == 3)
        return usage(_("registry list: say units, persons or clusters"));
    if (k != STORE_REG_CLUSTERS && cfg->cluster && !cfg->year)
        return usage(_("registry list: --cluster needs --year (clusters are formed each year)"));
    o.kind = (enum store_reg_kind)k;
    if ((code = open_store(cfg, &s)) != 0)
        return code;
    if (cfg->json) {
        o.rows = json_array();
    } else if (o.kind == STORE_REG_CLUSTERS) {
        const char *heads[] = {_("Name"), _("Code"), _("Year"), _("Members")};
        text_table_init(&o.t, 4, heads);
    } else {
        const char *heads[] = {_("Name"), o.kind == STORE_REG_UNITS ? _("Code") : _("Id"),
                               o.kind == STORE_REG_UNITS ? _("Parent unit") : _("Unit")};
        text_table_init(&o.t, 3, heads);
    }
    rc = store_registry_list(s, o.kind, &f, list_row, &o);
    store_close(s);
    if (rc == TDKT_ENOTFOUND) {
        fprintf(stderr, _("tdkt: no cluster '%s' in %u in this office's copy of the registry\n"),
                cfg->cluster, cfg->year);
        code = EXIT_USAGE;
    } else if (rc < 0) {
        fprintf(stderr, _("tdkt: cannot list the registry: %s\n"), tdkt_strerror(rc));
        code = EXIT_CONFIG;
    } else if (o.rows != NULL) {
        json_t *j = json_pack("{s:s,s:o}", "list", what, "items", o.rows);

        o.rows = NULL;
        code = j && json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0 ? EXIT_OK
                                                                                   : EXIT_FAILURE_;
        json_decref(j);
        putchar('\n');
    } else {
        text_table_print(&o.t, stdout, "");
        if (o.n == 0)
            printf("%s\n", _("(nothing matches; `tdkt sync` brings the registry up to date)"));
        code = EXIT_OK;
    }
    json_decref(o.rows);
    if (!cfg->json)
        text_table_free(&o.t);
    return code;
}
