/* SPDX-License-Identifier: MIT */
/*
 * Format-string binding of SQLite parameters (sqlbind.h).
 */
#include "common/util/sqlbind.h"

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

int sqlbind_v(sqlite3_stmt *st, const char *fmt, va_list ap)
{
    int i = 1, rc = SQLITE_OK;

    for (const char *f = fmt; f && *f && rc == SQLITE_OK; f++, i++) {
        switch (*f) {
        case 't': {
            const char *t = va_arg(ap, const char *);
            rc = t ? sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
            break;
        }
        case 'n': {
            const char *t = va_arg(ap, const char *);
            rc = t && *t ? sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT)
                         : sqlite3_bind_null(st, i);
            break;
        }
        case 'i':
            rc = sqlite3_bind_int64(st, i, (sqlite3_int64)va_arg(ap, int64_t));
            break;
        case 'u':
            rc = sqlite3_bind_int64(st, i, (sqlite3_int64)va_arg(ap, uint32_t));
            break;
        case 'd':
            rc = sqlite3_bind_double(st, i, va_arg(ap, double));
            break;
        case 'b': {
            const void *p = va_arg(ap, const void *);
            size_t n = va_arg(ap, size_t);
            rc = sqlite3_bind_blob(st, i, p ? p : "", (int)n, SQLITE_TRANSIENT);
            break;
        }
        default:
            return TDKT_EINVAL;
        }
    }
    return rc == SQLITE_OK ? 0 : TDKT_EDB;
}

int sqlbind(sqlite3_stmt *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sqlbind_v(st, fmt, ap);
    va_end(ap);
    return rc;
}
