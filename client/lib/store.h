/* SPDX-License-Identifier: MIT */
/*
 * The client's local store: a SQLite file (WAL, synchronous=FULL) holding the
 * outbox of mutating requests. A request gets its 128-bit id and is stored
 * here BEFORE it is sent, so a crash or a dropped link between sending and
 * the receipt can only lead to a resend with the same id, which the server
 * answers from its idempotency table without writing twice.
 *
 *   pending --receipt--> acked (seq, entry hash kept as the receipt)
 *   pending --typed refusal (not retryable)--> refused (code, message kept)
 *
 * Ownership: the store owns its connection; strings passed to callbacks are
 * valid only during the callback.
 */
#ifndef TDKT_CLIENT_LIB_STORE_H
#define TDKT_CLIENT_LIB_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION 1

struct store;

struct store_item {
    uint8_t id[16];
    const char *kind; /* "note.put" */
    const uint8_t *body;
    size_t body_len;
    int64_t created_ms;
    const char *state; /* "pending", "acked", "refused" */
    uint64_t seq;
    const char *error;
};

int store_open(const char *path, struct store **out, char *err, size_t err_cap);
void store_close(struct store *s);
int store_outbox_add(struct store *s, const uint8_t id[16], const char *kind, const uint8_t *body,
                     size_t len);
/* Call cb for items in state (NULL: all), oldest first; cb returning non-zero
 * stops the walk and is returned. */
int store_outbox_each(struct store *s, const char *state,
                      int (*cb)(void *arg, const struct store_item *it), void *arg);
int store_outbox_ack(struct store *s, const uint8_t id[16], uint64_t seq, const uint8_t hash[32],
                     int64_t time_ms);
int store_outbox_refuse(struct store *s, const uint8_t id[16], const char *error);
int store_outbox_count(struct store *s, const char *state, uint64_t *n);

#endif
