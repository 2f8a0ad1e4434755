/* SPDX-License-Identifier: MIT */
/*
 * The sector's small PKI, on OpenSSL 3: create the CA, issue unit, person and
 * server certificates, read a certificate's unit code and serial. Keys are
 * EC P-256. A unit certificate's subject CN is the unit code (e.g.
 * "VKSCC2"); O is "VKSND"; it carries extendedKeyUsage clientAuth. A person
 * certificate (a Council member's own, docs/council.md) is made the same
 * way with the person id as CN: the ledger, not the certificate, says which
 * of the two a serial is. A server certificate has a
 * subjectAltName with the host (IP or DNS) and serverAuth.
 *
 * This module writes only the files it is asked to write: private keys with
 * mode 0600, created with O_EXCL so an existing key is never overwritten. It
 * does not know about the ledger; the caller records serials there.
 */
#ifndef TDKT_COMMON_CRYPTO_PKI_H
#define TDKT_COMMON_CRYPTO_PKI_H

#include <stddef.h>

typedef struct asn1_string_st ASN1_INTEGER;
typedef struct x509_st X509;

#define PKI_SERIAL_HEX_MAX 41 /* 20-byte serial as hex + NUL */
#define PKI_UNIT_CODE_MAX  64
#define PKI_CA_DAYS        3650
#define PKI_CERT_DAYS      825

/* Create ca_dir/ca.key (0600) and ca_dir/ca.crt, a self-signed CA named
 * "CN=<name>". TDKT_EEXIST if ca.key exists. err gets a readable reason. */
int pki_ca_create(const char *ca_dir, const char *name, char *err, size_t err_cap);

/* Issue a unit (client) certificate: writes key_path (0600) and cert_path,
 * signed by ca_dir's key; returns the serial in serial_hex (lowercase hex). */
int pki_issue_unit(const char *ca_dir, const char *unit_code, const char *key_path,
                   const char *cert_path, char serial_hex[PKI_SERIAL_HEX_MAX], char *err,
                   size_t err_cap);

/* Issue a Council member's certificate: CN = person_id (1..PKI_UNIT_CODE_MAX
 * of A-Z, 0-9, _ and -), otherwise as pki_issue_unit. */
int pki_issue_person(const char *ca_dir, const char *person_id, const char *key_path,
                     const char *cert_path, char serial_hex[PKI_SERIAL_HEX_MAX], char *err,
                     size_t err_cap);

/* Issue the daemon's server certificate for host (IP literal or DNS name). */
int pki_issue_server(const char *ca_dir, const char *host, const char *key_path,
                     const char *cert_path, char serial_hex[PKI_SERIAL_HEX_MAX], char *err,
                     size_t err_cap);

/* Read a PEM certificate file: unit code (CN) and serial. */
int pki_cert_info(const char *cert_path, char *unit_code, size_t code_cap,
                  char serial_hex[PKI_SERIAL_HEX_MAX], char *err, size_t err_cap);

/* The same for a parsed certificate (the TLS transport's peer). The subject
 * must hold exactly one CN of 1..PKI_UNIT_CODE_MAX bytes with no NUL:
 * TDKT_EAUTH otherwise. code_cap must leave room for the NUL (TDKT_EINVAL). */
int pki_x509_info(const X509 *cert, char *unit_code, size_t code_cap,
                  char serial_hex[PKI_SERIAL_HEX_MAX], char *err, size_t err_cap);

/* The one spelling of a serial: lowercase hex of its big-endian value without
 * a sign, as BN_bn2hex writes it (whole bytes, so "0a1b..." may start with a
 * 0 nibble). TDKT_EINVAL for a negative serial, TDKT_ETOOBIG above 20 bytes. */
int pki_serial_hex(const ASN1_INTEGER *serial, char out[PKI_SERIAL_HEX_MAX]);

#endif
