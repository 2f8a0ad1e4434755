/* SPDX-License-Identifier: MIT */
/*
 * tdktd: the central daemon and its administration subcommands. This file
 * maps a command to its function (a table); the functions are in the
 * cmd_*.c files beside it (admin.h) and hold no logic of their own beyond
 * the order of steps. Exit codes: 0 ok, 1 failure, 2 usage.
 */
#include "server/admin/tdktd.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/wire/envelope.h"
#include "server/admin/admin.h"
#include "common/text/i18n.h"

/* Every subcommand: its words, whether it takes one file argument, its
 * function. A command with a sub word ("unit add") has it in sub. */
static const struct admin_command {
    const char *cmd, *sub;
    int takes_file;
    int (*run)(const struct opts *o);
} admin_commands[] = {
    {"init", NULL, 0, admin_cmd_init},
    {"serve", NULL, 0, admin_cmd_serve},
    {"status", NULL, 0, admin_cmd_status},
    {"verify", NULL, 0, admin_cmd_verify},
    {"backup", NULL, 0, admin_cmd_backup},
    {"ca", "init", 0, admin_cmd_ca_init},
    {"unit", "add", 0, admin_cmd_unit_add},
    {"unit", "list", 0, admin_cmd_unit_list},
    {"unit", "revoke", 0, admin_cmd_unit_revoke},
    {"registry", "import", 1, admin_cmd_registry_import},
    {"cert", "issue", 0, admin_cmd_cert_issue},
    {"cert", "server", 0, admin_cmd_cert_server},
    {"cert", "revoke", 0, admin_cmd_cert_revoke},
};

/* Does some command start with the word cmd and take a sub word? */
static int admin_has_sub(const char *cmd)
{
    for (size_t i = 0; i < sizeof admin_commands / sizeof admin_commands[0]; i++)
        if (admin_commands[i].sub && strcmp(admin_commands[i].cmd, cmd) == 0)
            return 1;
    return 0;
}

int tdktd_main(int argc, char **argv)
{
    struct opts o = {.auto_seal_s = -2};
    const char *cmd, *sub = NULL;
    int shift = 1;

    /* The language of what tdktd prints for a person: the locale's (LANG=vi_VN...). */
    tdkt_i18n_init(NULL);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return admin_usage(argc < 2 ? "missing command" : NULL);
    if (strcmp(argv[1], "--version") == 0) {
        printf(_("tdktd %s (protocol %d)\n"), TDKT_VERSION, PROTOCOL_VERSION);
        return 0;
    }
    cmd = argv[1];
    if (admin_has_sub(cmd)) {
        if (argc < 3)
            return admin_usage("missing subcommand");
        sub = argv[2];
        shift = 2;
    }
    for (size_t i = 0; i < sizeof admin_commands / sizeof admin_commands[0]; i++) {
        const struct admin_command *c = &admin_commands[i];
        if (strcmp(c->cmd, cmd) != 0 || (c->sub && (!sub || strcmp(c->sub, sub) != 0)))
            continue;
        int pr = admin_parse_opts(argc - shift, argv + shift, &o);
        if (pr > 0)
            return admin_usage(NULL);
        if (pr < 0)
            return ADMIN_EXIT_USAGE;
        if (o.file && !c->takes_file) {
            fprintf(stderr, _("tdktd: unexpected argument '%s'\n"), o.file);
            return ADMIN_EXIT_USAGE;
        }
        log_init("tdktd", LOG_LEVEL_INFO, 0);
        return c->run(&o);
    }
    return admin_usage("unknown command");
}
