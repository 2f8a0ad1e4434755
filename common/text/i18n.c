/* SPDX-License-Identifier: MIT */
/* The language a person reads: see i18n.h. */
#include "common/text/i18n.h"

#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"

#define I18N_DOMAIN "tdkt"

/* Set by CMakeLists.txt for the programs' library; a build that does not
 * (the fuzzers') finds the catalogue only through $TDKT_LOCALEDIR. */
#ifndef TDKT_LOCALEDIR
#define TDKT_LOCALEDIR ""
#endif
#ifndef TDKT_BUILD_LOCALEDIR
#define TDKT_BUILD_LOCALEDIR ""
#endif

static enum tdkt_lang lang = TDKT_LANG_EN;

/* POSIX order: the first of LC_ALL, LC_MESSAGES, LANG that is set. */
static int locale_is_vi(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};

    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && *v != '\0')
            return strncmp(v, "vi", 2) == 0;
    }
    return 0;
}

/* <the program's directory>/../share/locale, so that a package installed
 * under another prefix than the build's finds its catalogue. */
static const char *exe_locale_dir(void)
{
    static char dir[4096];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 32);
    char *slash;

    if (n <= 0)
        return NULL;
    dir[n] = '\0';
    if ((slash = strrchr(dir, '/')) == NULL)
        return NULL;
    strcpy(slash, "/../share/locale");
    return dir;
}

/* The first directory holding vi/LC_MESSAGES/tdkt.mo: $TDKT_LOCALEDIR, the
 * program's own prefix, the configured prefix, the build tree. */
static const char *catalogue_dir(void)
{
    const char *dirs[] = {getenv("TDKT_LOCALEDIR"), exe_locale_dir(), TDKT_LOCALEDIR,
                          TDKT_BUILD_LOCALEDIR};
    char path[4096];

    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (dirs[i] == NULL || *dirs[i] == '\0')
            continue;
        int n = snprintf(path, sizeof path, "%s/vi/LC_MESSAGES/" I18N_DOMAIN ".mo", dirs[i]);

        if (n > 0 && (size_t)n < sizeof path && access(path, R_OK) == 0)
            return dirs[i];
    }
    return NULL;
}

int tdkt_i18n_init(const char *language)
{
    const char *dir, *cur;
    int rc = 0;

    lang = TDKT_LANG_EN;
    if (language != NULL && strcmp(language, "vi") == 0)
        lang = TDKT_LANG_VI;
    else if (language != NULL && *language != '\0' && strcmp(language, "en") != 0)
        rc = TDKT_EINVAL;
    else if (language == NULL || *language == '\0')
        lang = locale_is_vi() ? TDKT_LANG_VI : TDKT_LANG_EN;
    if (lang == TDKT_LANG_EN || (dir = catalogue_dir()) == NULL)
        return rc;
    /* The catalogue is chosen by LANGUAGE, which gettext reads only when
     * LC_MESSAGES is not "C": take the user's locale, or C.UTF-8. */
    cur = setlocale(LC_MESSAGES, "");
    if (cur == NULL || strcmp(cur, "C") == 0 || strcmp(cur, "POSIX") == 0)
        setlocale(LC_MESSAGES, "C.UTF-8");
    /* The C library's own messages (strerror) are translated too: their
     * characters need a UTF-8 LC_CTYPE, or they come out as '?'. */
    setlocale(LC_CTYPE, "C.UTF-8");
    setenv("LANGUAGE", "vi", 1);
    bindtextdomain(I18N_DOMAIN, dir);
    bind_textdomain_codeset(I18N_DOMAIN, "UTF-8");
    return rc;
}

enum tdkt_lang tdkt_i18n_lang(void)
{
    return lang;
}

const char *tdkt_gettext(const char *msgid)
{
    if (lang == TDKT_LANG_EN || msgid == NULL || *msgid == '\0')
        return msgid;
    return dgettext(I18N_DOMAIN, msgid);
}

const char *tdkt_ngettext(const char *singular, const char *plural, unsigned long n)
{
    if (lang == TDKT_LANG_EN)
        return n == 1 ? singular : plural;
    return dngettext(I18N_DOMAIN, singular, plural, n);
}

void tdkt_reason_text(const struct reason *r, const struct reason *cause, char *out, size_t cap)
{
    reason_render(r, cause, tdkt_gettext, lang == TDKT_LANG_VI ? REASON_DECIMAL_COMMA : 0, out,
                  cap);
}
