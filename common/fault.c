/* SPDX-License-Identifier: MIT */
/* The one shape of an error's detail: see fault.h. */
#include "common/fault.h"

#include <stdarg.h>
#include <string.h>

#include "common/err.h"
#include "common/wire/envelope.h"
#include "common/wire/utf8.h"

_Static_assert(FAULT_FIELD_MAX == ENVELOPE_PATH_MAX, "a fault holds every field path sent");

static void fault_vset(struct fault *f, int code, int wire, const char *field, const char *fmt,
                       va_list ap) __attribute__((format(printf, 5, 0)));

static void fault_vset(struct fault *f, int code, int wire, const char *field, const char *fmt,
                       va_list ap)
{
    f->code = code;
    f->wire = wire;
    utf8_format(f->field, sizeof f->field, "%s", field ? field : "");
    reason_vset(&f->why, fmt, ap);
}

int fault_set(struct fault *f, int code, const char *field, const char *fmt, ...)
{
    va_list ap;

    if (f == NULL)
        return code;
    va_start(ap, fmt);
    fault_vset(f, code, 0, field, fmt, ap);
    va_end(ap);
    return code;
}

int fault_set_wire(struct fault *f, int code, int wire, const char *field, const char *fmt, ...)
{
    va_list ap;

    if (f == NULL)
        return code;
    va_start(ap, fmt);
    fault_vset(f, code, wire, field, fmt, ap);
    va_end(ap);
    return code;
}

int fault_move(struct fault *dst, const struct fault *src, int code, const char *field)
{
    char path[FAULT_FIELD_MAX];

    utf8_format(path, sizeof path, "%s", field ? field : "");
    if (dst != src)
        dst->why = src->why;
    if (dst->why.text[0] == '\0')
        reason_set_text(&dst->why, tdkt_strerror(code));
    dst->code = code;
    dst->wire = 0;
    memcpy(dst->field, path, sizeof path);
    return code;
}

int fault_is_set(const struct fault *f)
{
    return f->code != 0 || f->wire != 0;
}

int fault_wire(const struct fault *f)
{
    return f->wire ? f->wire : tdkt_err_to_wire(f->code);
}
