/* SPDX-License-Identifier: MIT */
/*
 * Vietnamese collation (ICU, locale "vi"): the order in which people expect
 * names and titles in lists and reports. Byte order puts "Đà Nẵng" after
 * "Em" and "ă" after "z"; Vietnamese order is a < ă < â < b < c < d < đ < e
 * < ê ..., with tone marks a secondary difference.
 *
 * One collator is opened lazily (pthread_once) and then only used through
 * ICU's const API (ucol_strcollUTF8, ucol_getSortKey take a const
 * UCollator*), which ICU4C documents as safe to call from several threads
 * on one shared object. The collator is owned by this module and lives
 * until the process exits. No I/O.
 */
#ifndef TDKT_COMMON_TEXT_COLLATE_H
#define TDKT_COMMON_TEXT_COLLATE_H

#include <stddef.h>
#include <stdint.h>

#define TEXT_COLLATE_LOCALE "vi"
#define TEXT_SORT_KEY_MAX   (64u * 1024u) /* bytes of input to text_sort_key */

/*
 * Compare two NUL-terminated UTF-8 strings in Vietnamese order: <0, 0, >0,
 * like strcmp. Equal keys fall back to byte order, so the order is total
 * and 0 means the strings are identical. Invalid UTF-8, or a process
 * without ICU collation data, compares in byte order.
 */
int text_collate_cmp(const char *a, const char *b);

/*
 * The sort key of s (len bytes of UTF-8): comparing two keys with memcmp
 * orders them as text_collate_cmp does (up to its byte-order tie break).
 * Writes at most cap bytes to key and the key's length to *key_len (the key
 * ends with a 0 byte that is counted). 0, TDKT_EINVAL for bad UTF-8 or no
 * collator, TDKT_ETOOBIG when the key needs more than cap bytes (*key_len
 * then tells how many) or s is above TEXT_SORT_KEY_MAX, TDKT_ENOMEM.
 */
int text_sort_key(const char *s, size_t len, uint8_t *key, size_t cap, size_t *key_len);

#endif
