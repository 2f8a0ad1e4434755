/* SPDX-License-Identifier: MIT */
/*
 * Binding a statement's parameters from a format string, the one helper
 * every SQLite user of the tree shares (the daemon's ledger and replay, the
 * client's store). Letters, one per parameter ?1, ?2, ...:
 *   't' const char *  text; NULL binds NULL
 *   'n' const char *  text; NULL or "" binds NULL
 *   'i' int64_t
 *   'u' uint32_t
 *   'd' double
 *   'b' const void *, size_t   a blob (NULL with 0 binds an empty blob)
 * Pure apart from SQLite's own calls; logs nothing.
 */
#ifndef TDKT_COMMON_UTIL_SQLBIND_H
#define TDKT_COMMON_UTIL_SQLBIND_H

#include <sqlite3.h>
#include <stdarg.h>

/* 0, TDKT_EINVAL for a letter not above (a programmer's error), or TDKT_EDB
 * when SQLite refuses a binding (sqlite3_errmsg of the statement's database
 * says why). */
int sqlbind_v(sqlite3_stmt *st, const char *fmt, va_list ap);
int sqlbind(sqlite3_stmt *st, const char *fmt, ...);

#endif
