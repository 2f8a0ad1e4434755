/* SPDX-License-Identifier: MIT */
/*
 * Matching keys for words people type: header names of import files and the
 * spellings of enum values (docs/results.md). A key is the text in NFC,
 * case-folded (ICU full folding), without combining marks (tone marks,
 * breve, circumflex, horn), with đ/Đ as d, and with every run of white
 * space, '_' and '-' as one space, trimmed. So "Mã chỉ tiêu", "MA_CHI_TIEU"
 * and " ma  chi tieu " all have the key "ma chi tieu".
 *
 * A key is for comparing, never for storing or showing. Pure: no I/O; the
 * ICU normaliser it uses is process-wide and owned by ICU. The caller owns
 * both buffers.
 */
#ifndef TDKT_COMMON_TEXT_FOLD_H
#define TDKT_COMMON_TEXT_FOLD_H

#include <stddef.h>

#define TEXT_FOLD_MAX (64u * 1024u) /* bytes of input accepted */

/*
 * Write the key of s (len bytes of UTF-8) to out, NUL-terminated; cap counts
 * the NUL. 0, TDKT_EINVAL for bad UTF-8 or a NUL byte, TDKT_ETOOBIG when s
 * is above TEXT_FOLD_MAX or the key does not fit in cap (out is then ""),
 * TDKT_ENOMEM.
 */
int text_fold(const char *s, size_t len, char *out, size_t cap);

/* 1 if a and b (NUL-terminated) have the same key, else 0 (also when either
 * cannot be folded into TEXT_FOLD_MAX bytes). */
int text_fold_equal(const char *a, const char *b);

#endif
