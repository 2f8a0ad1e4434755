/* SPDX-License-Identifier: MIT */
/*
 * The JSON mapping of a results import (docs/results.md): one object per
 * unit and year, or an array of them, read with jansson (duplicate keys
 * refused, a UTF-8 BOM skipped) and mapped to rows (import_row.h). It owns
 * the layout: "unit" and "year" of the object (else --unit and --year),
 * one array per kind under its JSON key ("rating" a single value), the keys
 * an item of each kind may have, and the JSON path that names every value
 * in an error ("targets[3].planned"). It converts no value itself
 * (import_value.h). Private to client/lib/import*.c.
 */
#ifndef TDKT_CLIENT_LIB_IMPORT_JSON_H
#define TDKT_CLIENT_LIB_IMPORT_JSON_H

#include <stddef.h>

struct import_state;

/* Read the JSON data[0..len) into m's result, errors included. */
void import_json_read(struct import_state *m, const char *data, size_t len);

#endif
