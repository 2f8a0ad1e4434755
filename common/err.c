/* SPDX-License-Identifier: MIT */
/* Text for each TDKT_E* code. Pure. */
#include "err.h"

const char *tdkt_strerror(int err)
{
    switch (err) {
    case TDKT_OK:
        return "ok";
    case TDKT_EAGAIN:
        return "need more data";
    case TDKT_EINVAL:
        return "invalid argument";
    case TDKT_ENOMEM:
        return "out of memory";
    case TDKT_ETOOBIG:
        return "input exceeds limit";
    case TDKT_EPROTO:
        return "malformed message";
    case TDKT_EIO:
        return "I/O error";
    case TDKT_ETLS:
        return "TLS error";
    case TDKT_EAUTH:
        return "authentication failed";
    case TDKT_EDB:
        return "database error";
    case TDKT_ECORRUPT:
        return "integrity check failed";
    case TDKT_ENOTFOUND:
        return "not found";
    case TDKT_EEXIST:
        return "already exists";
    case TDKT_ECLOSED:
        return "connection closed";
    case TDKT_ETIMEDOUT:
        return "timed out";
    case TDKT_EVERSION:
        return "no common version";
    case TDKT_EPERM:
        return "not permitted for this role";
    case TDKT_EUNAVAIL:
        return "service unavailable";
    case TDKT_EREVOKED:
        return "revoked";
    case TDKT_EREUSED:
        return "request id reused for a different request";
    case TDKT_EBUSY:
        return "busy";
    case TDKT_EPERIOD:
        return "the emulation period is closed";
    case TDKT_ECONFLICT:
        return "conflicts with the current state";
    default:
        return "unknown error";
    }
}
