/* SPDX-License-Identifier: MIT */
/*
 * Unicode normalisation (ICU): names are stored in NFC so that one name typed
 * in composed and decomposed forms is one name (docs/results.md). Pure
 * functions over UTF-8; the ICU normaliser instance is process-wide and
 * owned by ICU.
 */
#ifndef TDKT_COMMON_TEXT_NFC_H
#define TDKT_COMMON_TEXT_NFC_H

#include <stddef.h>
#include <stdint.h>

#include <unicode/utypes.h>

#define TEXT_NFC_MAX (1024u * 1024u) /* bytes of input accepted */

/* 1 if s (len bytes of UTF-8) is already NFC, 0 if not, TDKT_EINVAL if it is
 * not UTF-8, TDKT_ETOOBIG above TEXT_NFC_MAX. */
int text_is_nfc(const char *s, size_t len);

/* NFC of s into *out (malloc'd, NUL-terminated; caller frees), length in
 * *out_len (may be NULL). TDKT_EINVAL for invalid UTF-8, TDKT_ENOMEM,
 * TDKT_ETOOBIG. */
int text_nfc(const char *s, size_t len, char **out, size_t *out_len);

/* s (len bytes, checked to be UTF-8) as a malloc'd, NUL-terminated UTF-16
 * string for ICU; *out_len code units without the NUL. Caller frees.
 * TDKT_EINVAL for invalid UTF-8, TDKT_ETOOBIG above INT32_MAX, TDKT_ENOMEM.
 * Shared by the text modules (nfc, fold, collate). */
int text_utf16(const char *s, size_t len, UChar **out, int32_t *out_len);

#endif
