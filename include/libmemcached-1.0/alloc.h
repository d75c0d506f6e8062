/* libmemcached-rs: signatures of user-supplied memory allocators. */
#ifndef LIBMEMCACHED_RS_ALLOC_H
#define LIBMEMCACHED_RS_ALLOC_H

#include <libmemcached-1.0/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*memcached_free_fn)(const memcached_st *ptr, void *mem, void *context);
typedef void *(*memcached_malloc_fn)(const memcached_st *ptr, const size_t size, void *context);
typedef void *(*memcached_realloc_fn)(const memcached_st *ptr, void *mem, const size_t size,
                                      void *context);
typedef void *(*memcached_calloc_fn)(const memcached_st *ptr, size_t nelem, const size_t elsize,
                                     void *context);

#ifdef __cplusplus
}
#endif

#endif
