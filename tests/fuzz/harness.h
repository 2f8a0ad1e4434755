/* SPDX-License-Identifier: MIT */
/*
 * What the harnesses of parsed files check alike. A parser of a file that a
 * person wrote owes its caller two things whatever the bytes: a refusal
 * that a person can read (a sentence, whole characters of UTF-8), and a
 * result that holds only text the rest of tdkt may print, store and send
 * (well-formed UTF-8 without NUL, which the wire gate of
 * common/wire/envelope.c would refuse otherwise). Every check aborts, so
 * libFuzzer records the input as a crash.
 */
#ifndef TDKT_TESTS_FUZZ_HARNESS_H
#define TDKT_TESTS_FUZZ_HARNESS_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* s, in a buffer of cap bytes, is a message a person reads: 1 byte or
 * more, NUL-terminated, well-formed UTF-8 (whether it was cut to fit is
 * the caller's to check: only some parsers promise a size that holds every
 * message). It may quote the file, control characters included. */
void harness_check_why(const char *s, size_t cap);

/* s starts with one of the NULL-terminated prefixes: the places a refusal
 * may name (a line, a key, a field) or the sentences about a whole file. */
void harness_check_prefix(const char *s, const char *const *prefixes);

/* s[0..n) is well-formed UTF-8 without NUL. */
void harness_check_text(const char *s, size_t n);

/* Every string of m, of its repeated fields and of the messages in it is
 * NULL or passes harness_check_text; m packs, and what it packs to unpacks
 * and packs again to the same bytes. */
void harness_check_message(const ProtobufCMessage *m);

/* a and b pack to the same bytes: the same message as the wire sees it. */
void harness_check_same(const ProtobufCMessage *a, const ProtobufCMessage *b);

#endif
