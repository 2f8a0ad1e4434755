/* SPDX-License-Identifier: MIT */
/*
 * A sentence for a person, kept as data: the English printf template it was
 * written from (a message-catalogue msgid, po/), the value of each of its
 * conversions as text, and the English sentence itself. The server fills
 * one for every refusal and every verdict (reason_set) and sends all three
 * (proto Reason); a client looks the template up in its catalogue and puts
 * the values back in (reason_render), so a person reads the sentence in
 * their own language while logs and clients that do not render keep the
 * English text.
 *
 * A template is never handed to printf on the reading side: reason_apply
 * replaces each conversion (%s, %u, %g, %2$s ...) with the value of that
 * position, whatever its type letter says ("%.*s" is one value: the
 * precision was applied when it was taken), so a template that came over the
 * wire or from a translator cannot read memory. Pure: no allocation, no I/O.
 *
 * Limits: REASON_ARGS values of at most REASON_ARG_MAX bytes each (cut on a
 * character boundary, like the text); a template of more conversions keeps
 * its text but carries no values (nargs = 0), so it is shown in English.
 */
#ifndef TDKT_COMMON_TEXT_REASON_H
#define TDKT_COMMON_TEXT_REASON_H

#include <stdarg.h>
#include <stddef.h>

#define REASON_FMT_MAX  256 /* the template, NUL included */
#define REASON_ARGS     10  /* conversions with a value */
#define REASON_ARG_MAX  128 /* one value, NUL included */
#define REASON_TEXT_MAX 512 /* the English sentence, NUL included */

struct reason {
    char fmt[REASON_FMT_MAX]; /* "" when the text has no template */
    unsigned nargs;
    char args[REASON_ARGS][REASON_ARG_MAX];
    char text[REASON_TEXT_MAX];
};

/* Fill r from a printf template and its arguments: the text as vsnprintf
 * would write it, and each conversion's value on its own. fmt must be a
 * literal of the catalogue (no %n, no positional %n$). */
void reason_vset(struct reason *r, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void reason_set(struct reason *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* r = text with no template: what came from outside with no values. */
void reason_set_text(struct reason *r, const char *text);

#define REASON_DECIMAL_COMMA 1u /* a floating value's '.' is written ',' (Vietnamese) */

/* Write tmpl into out (cap > 0, always terminated, cut on a character
 * boundary) with every conversion replaced by args[position]; "%%" is "%".
 * flags: REASON_DECIMAL_COMMA or 0. Returns 0, or TDKT_EINVAL when a
 * conversion has no value or is not a printf conversion. */
int reason_apply(const char *tmpl, const char *const *args, unsigned nargs, unsigned flags,
                 char *out, size_t cap);

/* Render r into out: translate(r->fmt) with r's values put back, each value
 * itself passed through translate (so a word of the catalogue such as
 * "council" is translated too; names and numbers are not in it), or r->text
 * when r has no template, the translation does not apply, or translate is
 * NULL. cause (NULL or a reason with empty text: none) is rendered the same
 * way and takes the place of r's last value, which quotes it in English. */
void reason_render(const struct reason *r, const struct reason *cause,
                   const char *(*translate)(const char *), unsigned flags, char *out, size_t cap);

#endif
