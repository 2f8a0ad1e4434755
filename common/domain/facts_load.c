/* SPDX-License-Identifier: MIT */
/* The facts readers' shared handling of their rows; see facts_load.h. */
#include "common/domain/facts_load.h"

int facts_load_record(const char *unit, const void *bytes, size_t len, facts_record_fn cb,
                      void *cb_arg)
{
    Tdkt__ResultRecord *r = tdkt__result_record__unpack(NULL, len, bytes);
    int rc;

    if (!r)
        return 0;
    rc = cb(cb_arg, unit ? unit : "", r);
    tdkt__result_record__free_unpacked(r, NULL);
    return rc;
}
