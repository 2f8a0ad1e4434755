/* SPDX-License-Identifier: MIT */
/*
 * Building, copying and freeing wire record keys (reckey.h).
 */
#include "common/sync/reckey.h"

#include <stdlib.h>
#include <string.h>

Tdkt__RecordKey *reckey_new(const char *unit, uint32_t year, const char *kind, const char *key)
{
    Tdkt__RecordKey *k = malloc(sizeof *k);
    if (!k)
        return NULL;
    tdkt__record_key__init(k);
    k->unit = strdup(unit);
    k->year = year;
    k->kind = strdup(kind);
    k->key = strdup(key);
    if (!k->unit || !k->kind || !k->key) {
        reckey_free(k);
        return NULL;
    }
    return k;
}

Tdkt__RecordKey *reckey_copy(const Tdkt__RecordKey *k)
{
    return k ? reckey_new(k->unit, k->year, k->kind, k->key) : NULL;
}

Tdkt__RecordKey *reckey_from_rd(const struct rd_key *k)
{
    return reckey_new(k->unit, k->year, k->kind, k->key);
}

void reckey_free(Tdkt__RecordKey *k)
{
    if (!k)
        return;
    free(k->unit);
    free(k->kind);
    free(k->key);
    free(k);
}

void reckey_view(const Tdkt__RecordKey *k, struct rd_key *out)
{
    out->unit = k->unit;
    out->year = k->year;
    out->kind = k->kind;
    out->key = k->key;
}
