/* SPDX-License-Identifier: MIT */
/*
 * Parsing the registry import file in tests (see regfile.h).
 */
#include "regfile.h"

#include <string.h>

#include "common/domain/registry_json.h"

void tu_regfile_parse(struct tu_regfile *p, const char *json)
{
    memset(p, 0, sizeof *p);
    p->rc = registry_json_parse(json, strlen(json), &p->recs, &p->n, p->err, sizeof p->err);
}

void tu_regfile_parse_ok(struct tu_regfile *p, const char *json)
{
    tu_regfile_parse(p, json);
    if (p->rc != 0)
        fail_msg("refused: %s", p->err);
}

void tu_regfile_refused(const char *json, int rc, const char *msg)
{
    struct tu_regfile p;

    tu_regfile_parse(&p, json);
    if (p.rc != rc || strcmp(p.err, msg) != 0)
        fail_msg("rc %d err \"%s\", expected rc %d \"%s\"", p.rc, p.err, rc, msg);
    assert_null(p.recs);
    assert_int_equal(p.n, 0);
}
