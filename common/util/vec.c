/* SPDX-License-Identifier: MIT */
/* Growing arrays; see vec.h. The array pointer is read and written through
 * memcpy, so any pointer type may be passed by its address. */
#include "common/util/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

/* Resize the array at *arr to count elements of size bytes. */
static int vec_resize(void *arr, size_t count, size_t size)
{
    void *p, *q;

    if (count > SIZE_MAX / size)
        return TDKT_ENOMEM;
    memcpy(&p, arr, sizeof p);
    q = realloc(p, count * size);
    if (!q)
        return TDKT_ENOMEM;
    memcpy(arr, &q, sizeof q);
    return 0;
}

int vec_reserve(void *arr, size_t *cap, size_t n, size_t size, size_t first)
{
    size_t want;

    if (n < *cap)
        return 0;
    want = *cap ? *cap * 2 : first;
    if (want < *cap || vec_resize(arr, want, size) < 0)
        return TDKT_ENOMEM;
    *cap = want;
    return 0;
}

/* Store p as element n of the array of pointers at *arr. */
static void vec_store_ptr(void *arr, size_t n, void *p)
{
    char *a;

    memcpy(&a, arr, sizeof a);
    memcpy(a + n * sizeof p, &p, sizeof p);
}

int vec_append_ptr(void *arr, size_t *n, size_t *cap, void *p)
{
    if (vec_reserve(arr, cap, *n, sizeof p, VEC_FIRST) < 0)
        return TDKT_ENOMEM;
    vec_store_ptr(arr, (*n)++, p);
    return 0;
}

int vec_push_ptr(void *arr, size_t *n, void *p)
{
    if (vec_resize(arr, *n + 1, sizeof p) < 0)
        return TDKT_ENOMEM;
    vec_store_ptr(arr, (*n)++, p);
    return 0;
}
