/* SPDX-License-Identifier: MIT */
/* A sentence kept as data: see reason.h. */
#include "common/text/reason.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "common/err.h"
#include "common/wire/utf8.h"

/* One printf conversion as parsed from a template. */
struct conv {
    size_t len;        /* bytes from '%' to the conversion letter, both included */
    unsigned position; /* 1-based "%n$" position; 0 when sequential */
    int star_width, star_prec;
    char length[3]; /* "", "h", "hh", "l", "ll", "L", "z", "j", "t" */
    char letter;
};

/* Parse the conversion at s (s[0] == '%', s[1] != '%'). 0 or TDKT_EINVAL. */
static int conv_parse(const char *s, struct conv *c)
{
    const char *p = s + 1, *q;
    size_t n;

    memset(c, 0, sizeof *c);
    for (q = p; *q >= '0' && *q <= '9'; q++)
        ;
    if (q > p && *q == '$') {
        for (; p < q; p++)
            c->position = c->position * 10 + (unsigned)(*p - '0');
        p = q + 1;
        if (c->position == 0 || c->position > REASON_ARGS)
            return TDKT_EINVAL;
    }
    p += strspn(p, "-+ #0'");
    if (*p == '*') {
        c->star_width = 1;
        p++;
    } else {
        p += strspn(p, "0123456789");
    }
    if (*p == '.') {
        p++;
        if (*p == '*') {
            c->star_prec = 1;
            p++;
        } else {
            p += strspn(p, "0123456789");
        }
    }
    n = strspn(p, "hlLzjt");
    if (n > 2)
        return TDKT_EINVAL;
    memcpy(c->length, p, n);
    p += n;
    if (*p == '\0' || strchr("diouxXeEfFgGaAcsp", *p) == NULL)
        return TDKT_EINVAL;
    c->letter = *p;
    c->len = (size_t)(p - s) + 1;
    return 0;
}

static int is_float(char letter)
{
    return strchr("eEfFgGaA", letter) != NULL;
}

/*
 * Format the one argument of conversion c (spec: its text, '*' already
 * replaced by numbers) into out, taking it from ap by its type. The spec is
 * one the compiler checked at the reason_set call, cut out of that literal.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void conv_value(const struct conv *c, const char *spec, va_list *ap, char *out, size_t cap)
{
    const char *l = c->length;

    if (is_float(c->letter)) {
        if (strcmp(l, "L") == 0)
            snprintf(out, cap, spec, va_arg(*ap, long double));
        else
            snprintf(out, cap, spec, va_arg(*ap, double));
    } else if (c->letter == 's') {
        snprintf(out, cap, spec, va_arg(*ap, const char *));
    } else if (c->letter == 'p') {
        snprintf(out, cap, spec, va_arg(*ap, void *));
    } else if (c->letter == 'c' || strcmp(l, "") == 0 || strcmp(l, "h") == 0 ||
               strcmp(l, "hh") == 0) {
        snprintf(out, cap, spec, va_arg(*ap, int)); /* promoted; the spec narrows */
    } else if (strcmp(l, "l") == 0) {
        snprintf(out, cap, spec, va_arg(*ap, long));
    } else if (strcmp(l, "ll") == 0) {
        snprintf(out, cap, spec, va_arg(*ap, long long));
    } else if (strcmp(l, "z") == 0) {
        snprintf(out, cap, spec, va_arg(*ap, size_t));
    } else if (strcmp(l, "j") == 0) {
        snprintf(out, cap, spec, va_arg(*ap, intmax_t));
    } else {
        snprintf(out, cap, spec, va_arg(*ap, ptrdiff_t));
    }
    utf8_cut(out);
}
#pragma GCC diagnostic pop

/* The spec of c at s with each '*' replaced by the int it takes from ap. */
static void conv_spec(const char *s, const struct conv *c, va_list *ap, char *spec, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < c->len && o + 12 < cap; i++) {
        if (s[i] == '*')
            o += (size_t)snprintf(spec + o, cap - o, "%d", va_arg(*ap, int));
        else
            spec[o++] = s[i];
    }
    spec[o] = '\0';
}

void reason_vset(struct reason *r, const char *fmt, va_list ap)
{
    va_list text_ap, arg_ap;
    unsigned n = 0;
    int ok = strlen(fmt) < sizeof r->fmt;

    va_copy(text_ap, ap);
    utf8_vformat(r->text, sizeof r->text, fmt, text_ap);
    va_end(text_ap);

    va_copy(arg_ap, ap);
    for (const char *p = fmt; ok && (p = strchr(p, '%')) != NULL;) {
        struct conv c;
        char spec[64];

        if (p[1] == '%') {
            p += 2;
            continue;
        }
        if (conv_parse(p, &c) < 0 || c.position != 0 || n == REASON_ARGS || c.len >= 40) {
            ok = 0;
            break;
        }
        conv_spec(p, &c, &arg_ap, spec, sizeof spec);
        conv_value(&c, spec, &arg_ap, r->args[n++], sizeof r->args[0]);
        p += c.len;
    }
    va_end(arg_ap);
    if (ok && strcmp(fmt, "%s") == 0)
        ok = 0; /* text passed through: nothing to translate */
    if (ok) {
        memcpy(r->fmt, fmt, strlen(fmt) + 1);
        r->nargs = n;
    } else {
        r->fmt[0] = '\0';
        r->nargs = 0;
    }
}

void reason_set(struct reason *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    reason_vset(r, fmt, ap);
    va_end(ap);
}

void reason_set_text(struct reason *r, const char *text)
{
    r->fmt[0] = '\0';
    r->nargs = 0;
    utf8_format(r->text, sizeof r->text, "%s", text ? text : "");
}

/* Append n bytes of s to out at *o, keeping room for the NUL; 0 or TDKT_ETOOBIG. */
static int put(char *out, size_t cap, size_t *o, const char *s, size_t n, int comma)
{
    int rc = 0;

    if (n > cap - 1 - *o) {
        n = cap - 1 - *o;
        rc = TDKT_ETOOBIG;
    }
    for (size_t i = 0; i < n; i++)
        out[(*o)++] = (comma && s[i] == '.') ? ',' : s[i];
    out[*o] = '\0';
    return rc;
}

int reason_apply(const char *tmpl, const char *const *args, unsigned nargs, unsigned flags,
                 char *out, size_t cap)
{
    size_t o = 0;
    unsigned next = 0;
    const char *p = tmpl, *pc;

    out[0] = '\0';
    while ((pc = strchr(p, '%')) != NULL) {
        struct conv c;
        unsigned at;

        if (put(out, cap, &o, p, (size_t)(pc - p), 0) < 0)
            break;
        if (pc[1] == '%') {
            if (put(out, cap, &o, "%", 1, 0) < 0)
                break;
            p = pc + 2;
            continue;
        }
        /* A '*' width or precision was applied when the value was taken
         * (reason_vset): the value stands for the whole conversion. */
        if (conv_parse(pc, &c) < 0 || (c.position != 0 && (c.star_width || c.star_prec)))
            return TDKT_EINVAL;
        at = c.position ? c.position - 1 : next++;
        if (at >= nargs)
            return TDKT_EINVAL;
        if (put(out, cap, &o, args[at], strlen(args[at]),
                (flags & REASON_DECIMAL_COMMA) && is_float(c.letter)) < 0)
            break;
        p = pc + c.len;
    }
    if (pc == NULL)
        put(out, cap, &o, p, strlen(p), 0);
    utf8_cut(out);
    return 0;
}

void reason_render(const struct reason *r, const struct reason *cause,
                   const char *(*translate)(const char *), unsigned flags, char *out, size_t cap)
{
    const char *args[REASON_ARGS];
    char inner[REASON_TEXT_MAX];

    if (r->fmt[0] == '\0' || translate == NULL || r->nargs > REASON_ARGS) {
        utf8_format(out, cap, "%s", r->text);
        return;
    }
    for (unsigned i = 0; i < r->nargs; i++)
        args[i] = translate(r->args[i]);
    if (cause != NULL && cause->text[0] != '\0' && r->nargs > 0) {
        reason_render(cause, NULL, translate, flags, inner, sizeof inner);
        args[r->nargs - 1] = inner;
    }
    if (reason_apply(translate(r->fmt), args, r->nargs, flags, out, cap) < 0)
        utf8_format(out, cap, "%s", r->text);
}
