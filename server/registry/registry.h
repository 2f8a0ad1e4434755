/* SPDX-License-Identifier: MIT */
/*
 * The registry of units and their certificates, and of the Council members'
 * own certificates (docs/council.md), as current-state tables derived from
 * ledger entries. Each mutating function appends one entry (kind
 * "unit.register", "unit.revoke", "cert.issue", "cert.revoke",
 * "person_cert.issue", "person_cert.revoke"; payload = the protobuf message
 * of the same name in proto/tdkt.proto) and updates the tables in the same
 * transaction, so the caller must be inside ledger_begin()/ledger_commit().
 * registry_auth and registry_person_auth are read-only.
 *
 * Rules: a unit code (and the actor) is 1..LEDGER_UNIT_MAX bytes of
 * [A-Z0-9_-]; a name is valid UTF-8 (stored NFC as given), 1..256 bytes,
 * without control characters; role is ROLE_REGIONAL or ROLE_CENTRAL; a
 * parent, if given, must be registered and not revoked. A serial is spelled
 * as pki_serial_hex() writes it: lowercase hex, whole bytes, at most 20.
 * A certificate is issued only to a registered unit that is not revoked, a
 * person certificate only to a registered person whose id is no unit's code
 * (the ledger records a member's casts under the person id, where a unit
 * of that code would find them as its own); a serial is in one table only. A
 * reason is 0..REGISTRY_REASON_MAX bytes of UTF-8 without control characters
 * (NULL means empty). A revoked unit or certificate stays in the tables,
 * marked, never deleted.
 *
 * Errors: TDKT_EINVAL for a malformed field, TDKT_ETOOBIG for one above its
 * limit, TDKT_EEXIST for a duplicate code or serial or a second revocation,
 * TDKT_ENOTFOUND for an unknown parent, unit or serial, TDKT_EREVOKED for a
 * revoked parent or unit. A mutation that fails writes nothing: no entry and
 * no table change (it runs in a ledger_op_begin()/ledger_op_end() savepoint).
 */
#ifndef TDKT_SERVER_LEDGER_REGISTRY_H
#define TDKT_SERVER_LEDGER_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "server/ledger/ledger.h"

#define REGISTRY_NAME_MAX      256
#define REGISTRY_REASON_MAX    512 /* bytes in a revocation reason */
#define REGISTRY_NOT_AFTER_MAX 32  /* bytes in an ISO 8601 expiry time */

enum registry_role {
    REGISTRY_ROLE_REGIONAL = 1, /* equals TDKT__ROLE__ROLE_REGIONAL */
    REGISTRY_ROLE_CENTRAL = 2,  /* equals TDKT__ROLE__ROLE_CENTRAL */
    REGISTRY_ROLE_PERSON = 3,   /* equals TDKT__ROLE__ROLE_PERSON: a Council member's own
                                   certificate; the connection acts as that person */
};

#define REGISTRY_KIND_MAX 6 /* highest Tdkt__UnitKind */

/* Who a connection acts as: a unit, or (role REGISTRY_ROLE_PERSON) a person,
 * whose id is in code, name in name and unit in parent. */
struct registry_unit {
    char code[LEDGER_UNIT_MAX + 1];
    char name[REGISTRY_NAME_MAX + 1];
    char parent[LEDGER_UNIT_MAX + 1];
    int role;
    int revoked;
    int kind; /* Tdkt__UnitKind; 0 when not stated */
};

/* actor: the unit code recorded as acting ("ADMIN" for tdktd subcommands). */
int registry_unit_register(struct ledger *l, int64_t time_ms, const char *actor,
                           const struct registry_unit *u);
int registry_unit_revoke(struct ledger *l, int64_t time_ms, const char *actor, const char *code,
                         const char *reason);
/* not_after may be NULL or empty when unknown. */
int registry_cert_issue(struct ledger *l, int64_t time_ms, const char *actor,
                        const char *serial_hex, const char *unit_code, const char *not_after);
/* TDKT_ENOTFOUND if the serial is unknown; TDKT_EEXIST if already revoked. */
int registry_cert_revoke(struct ledger *l, int64_t time_ms, const char *actor,
                         const char *serial_hex, const char *reason);
/* A Council member's own certificate: TDKT_ENOTFOUND if no person has that
 * id, TDKT_EEXIST if a unit has that code or the serial is taken. */
int registry_person_cert_issue(struct ledger *l, int64_t time_ms, const char *actor,
                               const char *serial_hex, const char *person_id,
                               const char *not_after);
/* As registry_cert_revoke, for a person certificate; person_id (may be
 * NULL) gets whose it was. */
int registry_person_cert_revoke(struct ledger *l, int64_t time_ms, const char *actor,
                                const char *serial_hex, const char *reason,
                                char person_id[LEDGER_UNIT_MAX + 1]);
/* The registered person id: name and unit into *out as a connection acting
 * as them has them (role REGISTRY_ROLE_PERSON); TDKT_ENOTFOUND. */
int registry_person_get(struct ledger *l, const char *person_id, struct registry_unit *out);

/* TDKT_ENOTFOUND if no unit has this code. */
int registry_unit_get(struct ledger *l, const char *code, struct registry_unit *out);
/* Call cb for every unit in code order; stops early if cb returns non-zero
 * and then returns cb's value if it was negative, 0 otherwise. */
int registry_unit_list(struct ledger *l, int (*cb)(void *arg, const struct registry_unit *u),
                       void *arg);

/*
 * Decide whether a peer presenting a certificate (CN = code, serial) may
 * connect. 0 with *out filled; TDKT_ENOTFOUND if the unit or the serial is
 * not registered, or the serial belongs to another unit; TDKT_EREVOKED if
 * the unit or the certificate is revoked.
 */
int registry_auth(struct ledger *l, const char *code, const char *serial_hex,
                  struct registry_unit *out);
/*
 * The same for a Council member's certificate (CN = person id), looked up
 * first at every handshake: 0 with *out the person (registry_person_get);
 * TDKT_ENOTFOUND when serial_hex is no person certificate (it may be a
 * unit's); TDKT_EAUTH when it is one of another person; TDKT_EREVOKED when
 * it is revoked (*out is filled then too, to name the person).
 */
int registry_person_auth(struct ledger *l, const char *person_id, const char *serial_hex,
                         struct registry_unit *out);

#endif
