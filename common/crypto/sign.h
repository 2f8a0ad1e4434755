/* SPDX-License-Identifier: MIT */
/*
 * Signatures by a unit's certificate key (ballots, docs/ballots.md): sign
 * bytes with the private key file a unit already holds for TLS, and verify
 * them with the certificate carried next to them, which must be issued by
 * the sector CA. EC keys sign with ECDSA over SHA-256, Ed25519 keys as they
 * are. No state; no I/O beyond reading the named files.
 *
 * Ownership: *sig and *der are malloc'd; the caller frees them.
 */
#ifndef TDKT_COMMON_CRYPTO_SIGN_H
#define TDKT_COMMON_CRYPTO_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define SIGN_SIG_MAX  512   /* bytes in a signature (ECDSA P-521 DER is 139) */
#define SIGN_CERT_MAX 16384 /* bytes in a DER certificate */

int sign_file_key(const char *key_path, const uint8_t *data, size_t len, uint8_t **sig,
                  size_t *sig_len, char *err, size_t err_cap);
/* The first certificate of a PEM file, as DER. */
int sign_cert_der(const char *cert_path, uint8_t **der, size_t *len, char *err, size_t err_cap);
/*
 * Verify sig over data with the DER certificate: TDKT_ECORRUPT when the
 * signature does not hold, TDKT_EINVAL when the certificate cannot be read.
 * When ca_path is not NULL the certificate must be issued by that CA
 * (TDKT_EAUTH otherwise). unit (may be NULL, 65 bytes) and serial (may be
 * NULL, 41 bytes) get the certificate's unit code and serial.
 */
int sign_verify_cert(const uint8_t *der, size_t der_len, const uint8_t *data, size_t len,
                     const uint8_t *sig, size_t sig_len, const char *ca_path, char *unit,
                     char *serial);

#endif
