/* SPDX-License-Identifier: MIT */
/*
 * The language a person reads: English, or Vietnamese from the gettext
 * catalogue "tdkt" (po/vi.po, built by po/CMakeLists.txt). Every sentence a
 * person reads is written in English in the source, marked _("...") (or
 * N_("...") where it is only named, as in a table), and looked up here.
 *
 * Which language: the `language` setting (vi or en) when a program has one,
 * else the locale: LC_ALL, LC_MESSAGES, then LANG starting with "vi" means
 * Vietnamese; English otherwise. The catalogue is read from $TDKT_LOCALEDIR,
 * else the share/locale beside the program's own bin/ or sbin/ (wherever a
 * package put it), else the configured install prefix's, else the build
 * tree's, so a program run from the build directory speaks Vietnamese too.
 * Vietnamese does not need the vi_VN locale installed: only LC_MESSAGES
 * changes (to C.UTF-8 when the system has no Vietnamese locale) and LC_CTYPE
 * (to C.UTF-8, so the C library's own translated messages keep their
 * letters), never LC_NUMERIC, so numbers in files are read the same in
 * every language.
 *
 * Owns process-wide state: call tdkt_i18n_init once at start, before
 * threads. The rest is read-only after it.
 */
#ifndef TDKT_COMMON_TEXT_I18N_H
#define TDKT_COMMON_TEXT_I18N_H

#include <stddef.h>

#include "common/text/reason.h"

enum tdkt_lang { TDKT_LANG_EN = 0, TDKT_LANG_VI = 1 };

/* Choose the language: "vi", "en", or NULL / "" to follow the locale.
 * Returns 0, or TDKT_EINVAL for any other name (English is then in force). */
int tdkt_i18n_init(const char *language);

/* The language that tdkt_i18n_init chose; English before it. */
enum tdkt_lang tdkt_i18n_lang(void);

/* msgid in the chosen language (msgid itself in English, or when the
 * catalogue has no translation). Never NULL. */
const char *tdkt_gettext(const char *msgid) __attribute__((format_arg(1)));

/* The singular or the plural message for n, in the chosen language (one
 * form in Vietnamese). Never NULL. */
const char *tdkt_ngettext(const char *singular, const char *plural, unsigned long n)
    __attribute__((format_arg(1))) __attribute__((format_arg(2)));

/* A reason in the chosen language, Vietnamese numbers included; cause as in
 * reason_render (NULL: none). */
void tdkt_reason_text(const struct reason *r, const struct reason *cause, char *out, size_t cap);

#define _(s)        tdkt_gettext(s)
#define _n(s, p, n) tdkt_ngettext(s, p, n)
#define N_(s)       (s)

#endif
