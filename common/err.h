/* SPDX-License-Identifier: MIT */
/*
 * The one error convention of tdkt. Every function that can fail returns int:
 * 0 on success or a negative TDKT_E* code. TDKT_EAGAIN is not a failure: a
 * parser or non-blocking step needs more input (nginx's NGX_AGAIN). Results go
 * through out-parameters. This module owns the code list and the text of each
 * code; it does no I/O.
 */
#ifndef TDKT_COMMON_ERR_H
#define TDKT_COMMON_ERR_H

enum tdkt_err {
    TDKT_OK = 0,
    TDKT_EAGAIN = -1,    /* need more input or output space; try again */
    TDKT_EINVAL = -2,    /* an argument or input value is invalid */
    TDKT_ENOMEM = -3,    /* allocation failed */
    TDKT_ETOOBIG = -4,   /* input exceeds a named limit */
    TDKT_EPROTO = -5,    /* malformed frame or message */
    TDKT_EIO = -6,       /* operating-system I/O error */
    TDKT_ETLS = -7,      /* TLS handshake or record error */
    TDKT_EAUTH = -8,     /* peer identity not accepted */
    TDKT_EDB = -9,       /* SQLite returned an error */
    TDKT_ECORRUPT = -10, /* stored data failed an integrity check */
    TDKT_ENOTFOUND = -11,
    TDKT_EEXIST = -12,
    TDKT_ECLOSED = -13, /* peer closed the connection */
    TDKT_ETIMEDOUT = -14,
    TDKT_EVERSION = -15,  /* no protocol or schema version in common */
    TDKT_EPERM = -16,     /* role does not allow the request */
    TDKT_EUNAVAIL = -17,  /* service draining or storage failed */
    TDKT_EREVOKED = -18,  /* certificate or unit revoked */
    TDKT_EREUSED = -19,   /* request id reused for a different request */
    TDKT_EBUSY = -20,     /* limit on connections or in-flight work reached */
    TDKT_EPERIOD = -21,   /* the emulation period is closed */
    TDKT_ECONFLICT = -22, /* contradicts the current state (e.g. a unit in two clusters) */
    TDKT_ERR_COUNT_ = 23
};

/* Static text for a code; never NULL. */
const char *tdkt_strerror(int err);

#endif
