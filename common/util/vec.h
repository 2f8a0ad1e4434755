/* SPDX-License-Identifier: MIT */
/*
 * Arrays that grow one element at a time: the reply lists, protobuf-c
 * repeated fields and row buffers that the client and the server build.
 * The array's pointer is passed by its address (&r->items), whatever its
 * type; on failure the array and its capacity are left as they were, so
 * the caller frees what it holds as usual.
 */
#ifndef TDKT_COMMON_UTIL_VEC_H
#define TDKT_COMMON_UTIL_VEC_H

#include <stddef.h>

#define VEC_FIRST 16 /* elements vec_append_ptr starts an array with */

/*
 * Make room in the array at *arr (cap elements of size bytes, n of them
 * used) for one more, doubling its capacity, or starting at first: 0 or
 * TDKT_ENOMEM.
 */
int vec_reserve(void *arr, size_t *cap, size_t n, size_t size, size_t first);

/* Append p to a growing array of pointers (*n used, capacity *cap),
 * doubling from VEC_FIRST: 0 or TDKT_ENOMEM. */
int vec_append_ptr(void *arr, size_t *n, size_t *cap, void *p);

/* Append p to an array of pointers sized exactly by its count, as a
 * protobuf-c repeated field is (*arr, *n): 0 or TDKT_ENOMEM. */
int vec_push_ptr(void *arr, size_t *n, void *p);

#endif
