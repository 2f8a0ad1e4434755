/* SPDX-License-Identifier: MIT */
/*
 * The shared checks of the file harnesses (harness.h). The message walk
 * reads protobuf-c's descriptors, so one function covers every record type
 * the parsers build, including fields added later.
 */
#include "harness.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire/utf8.h"

void harness_check_why(const char *s, size_t cap)
{
    size_t n;

    if (!s || !s[0])
        abort(); /* a refusal says why */
    n = strnlen(s, cap);
    if (n == cap)
        abort(); /* not terminated */
    harness_check_text(s, n);
}

void harness_check_prefix(const char *s, const char *const *prefixes)
{
    for (; *prefixes; prefixes++)
        if (strncmp(s, *prefixes, strlen(*prefixes)) == 0)
            return;
    abort();
}

void harness_check_text(const char *s, size_t n)
{
    if (n && memchr(s, '\0', n))
        abort();
    if (utf8_validate((const uint8_t *)s, n) != 0)
        abort();
}

static void check_strings(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;

    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *member = (const char *)m + f->offset;

        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
            void *const *items = *(void *const *)member;

            if (n && !items)
                abort();
            for (size_t k = 0; k < n; k++) {
                if (f->type == PROTOBUF_C_TYPE_STRING && items[k])
                    harness_check_text(items[k], strlen(items[k]));
                else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
                    if (!items[k])
                        abort(); /* pack would crash on it */
                    check_strings(items[k]);
                }
            }
            continue;
        }
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            const char *s = *(const char *const *)member;
            if (s)
                harness_check_text(s, strlen(s));
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)member;
            if (sub)
                check_strings(sub);
        }
    }
}

/* m packed into a malloc'd buffer. */
static uint8_t *pack(const ProtobufCMessage *m, size_t *n)
{
    uint8_t *buf;

    *n = protobuf_c_message_get_packed_size(m);
    buf = malloc(*n ? *n : 1);
    if (!buf)
        abort();
    if (protobuf_c_message_pack(m, buf) != *n)
        abort();
    return buf;
}

void harness_check_message(const ProtobufCMessage *m)
{
    ProtobufCMessage *again;
    uint8_t *a, *b;
    size_t na, nb;

    check_strings(m);
    a = pack(m, &na);
    /* What a parser builds must be what a peer reads back: the same
     * message after a trip through the wire format. */
    again = protobuf_c_message_unpack(m->descriptor, NULL, na, a);
    if (!again)
        abort();
    b = pack(again, &nb);
    if (na != nb || memcmp(a, b, na) != 0)
        abort();
    protobuf_c_message_free_unpacked(again, NULL);
    free(a);
    free(b);
}

void harness_check_same(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    uint8_t *pa, *pb;
    size_t na, nb;

    if (a->descriptor != b->descriptor)
        abort();
    pa = pack(a, &na);
    pb = pack(b, &nb);
    if (na != nb || memcmp(pa, pb, na) != 0)
        abort();
    free(pa);
    free(pb);
}
