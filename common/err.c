/* SPDX-License-Identifier: MIT */
/*
 * Text and wire mapping of each TDKT_E* code, generated from TDKT_ERRORS
 * (err.h), and tdkt_errf, the one formatter of a sentence for a person.
 * Pure.
 */
#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>

#include "proto/tdkt.pb-c.h"
#include "common/text/i18n.h"

const char *tdkt_strerror(int err)
{
#define TDKT_ERR_TEXT_(name, value, text, wire, primary)                                           \
    case TDKT_E##name:                                                                             \
        return tdkt_gettext(text);
    switch (err) {
    case TDKT_OK:
        return _("ok");
        TDKT_ERRORS(TDKT_ERR_TEXT_)
    default:
        return _("unknown error");
    }
#undef TDKT_ERR_TEXT_
}

int tdkt_err_to_wire(int err)
{
#define TDKT_ERR_WIRE_(name, value, text, wire, primary)                                           \
    case TDKT_E##name:                                                                             \
        return TDKT__ERROR_CODE__ERROR_CODE_##wire;
    switch (err) {
        TDKT_ERRORS(TDKT_ERR_WIRE_)
    default:
        return TDKT__ERROR_CODE__ERROR_CODE_INTERNAL;
    }
#undef TDKT_ERR_WIRE_
}

int tdkt_wire_to_err(int wire_code)
{
#define TDKT_ERR_BACK_(name, value, text, wire, primary)                                           \
    if (primary && wire_code == TDKT__ERROR_CODE__ERROR_CODE_##wire)                               \
        return TDKT_E##name;
#define TDKT_ERR_ALIAS_(wire, name)                                                                \
    if (wire_code == TDKT__ERROR_CODE__ERROR_CODE_##wire)                                          \
        return TDKT_E##name;
    TDKT_ERRORS(TDKT_ERR_BACK_)
    TDKT_WIRE_ALIASES(TDKT_ERR_ALIAS_)
#undef TDKT_ERR_BACK_
#undef TDKT_ERR_ALIAS_
    return TDKT_EIO;
}

void tdkt_errf(char *msg, size_t cap, const char *fmt, ...)
{
    va_list ap;

    if (!msg || cap == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, cap, tdkt_gettext(fmt), ap);
    va_end(ap);
}
