/* SPDX-License-Identifier: MIT */
/*
 * Ballots in the local store (store.h; docs/ballots.md): the packed
 * BallotOpened of ballots seen, so that the office can vote offline, and
 * this office's own last cast of each ballot: its tracker, the salt of its
 * commitment (secret contests) and the signed statement, which let it find
 * its ballot in the published box and prove its commitment. Gets return
 * TDKT_ENOTFOUND when absent; buffers are malloc'd for the caller. This
 * module checks no ballot (common/domain/ballot.h does).
 */
#ifndef TDKT_CLIENT_LIB_STORE_BALLOTS_H
#define TDKT_CLIENT_LIB_STORE_BALLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "client/lib/store.h"

int store_ballot_seen_put(struct store *s, const char *id, const uint8_t *opened, size_t len);
int store_ballot_seen_get(struct store *s, const char *id, uint8_t **opened, size_t *len);
int store_my_ballot_put(struct store *s, const char *id, const uint8_t tracker[32],
                        const uint8_t *salt, size_t salt_len, const uint8_t *statement,
                        size_t statement_len, const uint8_t *sealed, size_t sealed_len);
int store_my_ballot_get(struct store *s, const char *id, uint8_t tracker[32], uint8_t **salt,
                        size_t *salt_len, uint8_t **statement, size_t *statement_len);

#endif
