/* SPDX-License-Identifier: MIT */
/*
 * Dates, times and numbers as a person in Vietnam reads them (reading them
 * back from what a person typed is common/text/numlocale.h's): 20/12/2021,
 * 20/12/2021 14:05 in Asia/Ho_Chi_Minh time, 1.000,5. Machine formats
 * (--json, CSV for machines, the wire) stay ISO 8601 and plain numbers: only
 * what is printed for a person goes through here.
 *
 * Asia/Ho_Chi_Minh has been UTC+7 without daylight saving since 1975, so a
 * time is shifted by that fixed offset rather than read from the system's
 * time zone database, which a container may lack; every date the ledger
 * holds is after 1975. Pure: no allocation, no I/O.
 */
#ifndef TDKT_COMMON_TEXT_DATEFMT_H
#define TDKT_COMMON_TEXT_DATEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TEXT_DATE_MAX 11 /* "dd/mm/yyyy" and its NUL */
#define TEXT_TIME_MAX 17 /* "dd/mm/yyyy HH:MM" and its NUL */
#define TEXT_NUM_MAX  40

#define TEXT_VN_UTC_OFFSET_S (7 * 3600) /* Asia/Ho_Chi_Minh */

/* "2021-12-20" as "20/12/2021" into out (cap >= TEXT_DATE_MAX); anything
 * that is not YYYY-MM-DD is copied as it is (cut to cap). Returns out. */
const char *text_date(const char *iso, char *out, size_t cap);

/* Unix milliseconds as "dd/mm/yyyy HH:MM" in Vietnam's time into out
 * (cap >= TEXT_TIME_MAX). Returns out. */
const char *text_time(int64_t unix_ms, char *out, size_t cap);

/* v with decimals places (0 to 6; a value that is whole is shown without
 * them), grouped by thousands: Vietnamese "1.234.567,5" when vi is 1,
 * English "1,234,567.5" otherwise. Returns out. */
const char *text_number(double v, int decimals, int vi, char *out, size_t cap);

#endif
