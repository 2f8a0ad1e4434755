/* SPDX-License-Identifier: MIT */
/*
 * The CLI as a person uses it (issue 16), against the real daemon: help on
 * every command, a usage error in one line with a hint, an unreadable
 * certificate as a configuration error, the registry listed with names
 * found without tone marks, a refused outbox entry discarded so that it is
 * no longer reported, and the same output in Vietnamese.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fixture.h"

static const char registry_json[] =
    "{\"persons\":[{\"id\":\"CC1-001\",\"name\":\"Nguyễn Văn An\",\"unit\":\"VKSCC1\"},"
    "{\"id\":\"CC1-002\",\"name\":\"Trần Thị Bình\",\"unit\":\"VKSCC1\"},"
    "{\"id\":\"CC2-001\",\"name\":\"Nguyễn Thị Lan\",\"unit\":\"VKSCC2\"}],"
    "\"periods\":[{\"year\":2020,\"state\":\"closed\"},{\"year\":2021,\"state\":\"open\"}],"
    "\"clusters\":[{\"year\":2021,\"code\":\"CUM1\",\"name\":\"Cụm thi đua số 1\","
    "\"kind\":\"cluster\",\"members\":[\"VKSCC1\",\"VKSCC2\"]}]}";

static int setup(void **state)
{
    *state = tu_fx_new(registry_json, TU_FX_PLAIN, NULL);
    return 0;
}

#define MUST(st, want)          TU_EXIT_IS(st, want, out)
#define TDKT(f, unit, out, ...) tu_tdkt((f)->dir, (f)->d.port, unit, out, __VA_ARGS__, NULL)

static void test_help_on_every_command(void **state)
{
    static const char *const cmds[] = {
        "status", "note",    "push",    "outbox", "sync",        "reconcile", "ballot",   "submit",
        "review", "council", "history", "report", "eligibility", "results",   "registry", "help"};
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], want[64];

    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        snprintf(want, sizeof want, "usage: tdkt %s", cmds[i]);
        MUST(TDKT(f, "VKSCC1", out, "help", cmds[i]), 0);
        assert_non_null(strstr(out, want));
        MUST(TDKT(f, "VKSCC1", out, cmds[i], "--help"), 0);
        assert_non_null(strstr(out, want));
    }
    /* A usage error: one line naming what is wrong, one hint; not the whole usage. */
    MUST(TDKT(f, "VKSCC1", out, "review", "frob"), 2);
    tu_has_all(out, (const char *const[]){"unknown review step", "Try `tdkt help review`", NULL});
    assert_null(strstr(out, "Commands:"));
    MUST(TDKT(f, "VKSCC1", out, "--year", "abc", "status"), 2);
    assert_non_null(strstr(out, "--year: the value 'abc'"));
    MUST(TDKT(f, "VKSCC1", out, "bogus"), 2);
    assert_non_null(strstr(out, "unknown command 'bogus'"));
    /* Vietnamese where asked. */
    MUST(TDKT(f, "VKSCC1", out, "--lang", "vi", "bogus"), 2);
    assert_non_null(strstr(out, "bogus"));
    assert_null(strstr(out, "unknown command"));
}

static void test_unreadable_certificate_is_configuration(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], port[16];

    (void)f;
    snprintf(port, sizeof port, "127.0.0.1:%d", f->d.port);
    MUST(tu_runf(out, sizeof out, TDKT_BIN, "--server", port, "--ca", "/nonexistent/ca.crt",
                 "--cert", "/nonexistent/u.crt", "--key", "/nonexistent/u.key", "status", NULL),
         3);
    tu_has_all(out, (const char *const[]){"/nonexistent/ca.crt", "--ca", NULL});
}

static void test_registry_list_finds_names(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX];

    MUST(TDKT(f, "VKSCC1", out, "sync"), 0);
    /* Case and tone marks ignored; names first, then ids. */
    MUST(TDKT(f, "VKSCC1", out, "registry", "list", "persons", "--name", "nguyen"), 0);
    tu_has_row(out, (const char *const[]){"Nguyễn Văn An", "CC1-001", "VKSCC1", NULL});
    tu_has_row(out, (const char *const[]){"Nguyễn Thị Lan", "CC2-001", "VKSCC2", NULL});
    assert_null(strstr(out, "Trần Thị Bình"));
    MUST(TDKT(f, "VKSCC1", out, "registry", "list", "persons", "--name", "TRAN THI"), 0);
    tu_has_row(out, (const char *const[]){"Trần Thị Bình", "CC1-002", NULL});
    MUST(TDKT(f, "VKSCC1", out, "registry", "list", "persons", "--unit", "VKSCC2"), 0);
    assert_non_null(strstr(out, "CC2-001"));
    assert_null(strstr(out, "CC1-001"));
    MUST(TDKT(f, "VKSCC1", out, "registry", "list", "clusters", "--year", "2021"), 0);
    tu_has_row(out, (const char *const[]){"Cụm thi đua số 1", "CUM1", "2021", NULL});
    MUST(TDKT(f, "VKSCC1", out, "registry", "list", "units", "--cluster", "CUM1"), 2);
    MUST(TDKT(f, "VKSCC1", out, "--json", "registry", "list", "persons", "--cluster", "CUM1",
              "--year", "2021"),
         0);
    {
        json_t *j = tu_json_parse("registry list --json", out);
        assert_int_equal(json_array_size(json_object_get(j, "items")), 3);
        json_decref(j);
    }
    MUST(TDKT(f, "VKSCC1", out, "registry", "list", "things"), 2);

    /* A person by name where it is unique; the candidates where it is not. */
    MUST(TDKT(f, "VKSCC1", out, "history", "--person", "nguyen van an"), 0);
    assert_non_null(strstr(out, "Nguyễn Văn An (CC1-001)"));
    MUST(TDKT(f, "VKSCC1", out, "history", "--person", "Nguyễn"), 2);
    tu_has_row(out, (const char *const[]){"Nguyễn Thị Lan", "CC2-001", "VKSCC2", NULL});
    tu_has_row(out, (const char *const[]){"Nguyễn Văn An", "CC1-001", "VKSCC1", NULL});
    {
        char path[TU_PATH_MAX];

        tu_path(path, sizeof path, "%s/by-name.json", f->dir);
        tu_write_file(path, "{\"submission_id\":\"N-2021\",\"year\":2021,\"proposals\":["
                            "{\"id\":\"P1\",\"title\":\"LDTT\",\"person\":\"Trần Thị Bình\"}]}");
        MUST(TDKT(f, "VKSCC1", out, "eligibility", "check", path), 0);
        tu_has_row(out, (const char *const[]){"P1", "Lao động tiên tiến", "Trần Thị Bình (CC1-002)",
                                              NULL});
        tu_write_file(path, "{\"submission_id\":\"N-2021\",\"year\":2021,\"proposals\":["
                            "{\"id\":\"P1\",\"title\":\"LDTT\",\"person\":\"nguyen\"}]}");
        MUST(TDKT(f, "VKSCC1", out, "eligibility", "check", path), 2);
        assert_non_null(strstr(out, "proposals[0].person: 'nguyen' names 2 persons"));
    }
}

static void test_closed_period_refused_before_queueing(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];

    MUST(TDKT(f, "VKSCC1", out, "sync"), 0);
    tu_path(path, sizeof path, "%s/r2020.json", f->dir);
    tu_write_file(path, "{\"unit\":\"VKSCC1\",\"year\":2020,\"rating\":\"HTTNV\"}");
    MUST(TDKT(f, "VKSCC1", out, "results", "import", path), 2);
    assert_non_null(strstr(out, "the emulation period 2020 is closed"));
    MUST(TDKT(f, "VKSCC1", out, "outbox", "--state", "pending"), 0);
    assert_null(strstr(out, "results"));
}

static void test_refused_entries_can_be_discarded(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], id[40] = "";

    /* An office may not receive a dossier: queued, then refused by the server. */
    MUST(TDKT(f, "VKSCC2", out, "review", "receive", "CC1-2021"), 6);
    MUST(TDKT(f, "VKSCC2", out, "--json", "outbox", "--state", "refused"), 0);
    {
        json_t *j = tu_json_parse("outbox --json", out);
        assert_int_equal(json_array_size(j), 1);
        snprintf(id, sizeof id, "%s",
                 json_string_value(json_object_get(json_array_get(j, 0), "request_id")));
        json_decref(j);
    }
    /* Pending and acknowledged entries stay; a refused one is set aside. */
    MUST(TDKT(f, "VKSCC2", out, "outbox", "discard", "0000000000"), 2);
    id[12] = '\0'; /* a unique prefix is enough */
    MUST(TDKT(f, "VKSCC2", out, "outbox", "discard", id), 0);
    MUST(TDKT(f, "VKSCC2", out, "outbox", "--state", "refused"), 0);
    assert_null(strstr(out, id));
    MUST(TDKT(f, "VKSCC2", out, "outbox", "--state", "discarded"), 0);
    assert_non_null(strstr(out, id));
    MUST(TDKT(f, "VKSCC2", out, "outbox", "discard", id), 2);
    assert_non_null(strstr(out, "only a refused entry"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_help_on_every_command, setup, tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_certificate_is_configuration, setup,
                                        tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_registry_list_finds_names, setup,
                                        tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_closed_period_refused_before_queueing, setup,
                                        tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_refused_entries_can_be_discarded, setup,
                                        tu_fx_cmocka_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
