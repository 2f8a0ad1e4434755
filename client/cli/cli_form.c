/* SPDX-License-Identifier: MIT */
/*
 * The one way a command reads a file a person filled in (a ballot, a paper
 * ballot, a dossier, a Council vote; client/lib/forms.h): read it whole,
 * parse and check it, and on a refusal say why with the file's name.
 */
#include <stdio.h>
#include <stdlib.h>

#include "client/cli/cli.h"
#include "client/lib/forms.h"

int cli_read_form(const char *path, size_t max, const char *what, cli_form_fn read,
                  ProtobufCMessage **m)
{
    char why[FORMS_WHY_MAX], *data = NULL;
    size_t len;

    *m = NULL;
    if (forms_read_file(path, max, what, &data, &len, why, sizeof why) < 0 ||
        read(data, len, m, why, sizeof why) < 0) {
        fprintf(stderr, "tdkt: %s: %s\n", path, why);
        free(data);
        return EXIT_USAGE;
    }
    free(data);
    return EXIT_OK;
}
