/* libmemcached-rs: replacing and querying the memory allocators of a handle. */
#ifndef LIBMEMCACHED_RS_ALLOCATORS_H
#define LIBMEMCACHED_RS_ALLOCATORS_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>
#include <libmemcached-1.0/alloc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Any of the functions may be NULL to restore the libc default; context is
 * passed to every call. */
LIBMEMCACHED_API
memcached_return_t memcached_set_memory_allocators(memcached_st *ptr,
                                                   memcached_malloc_fn mem_malloc,
                                                   memcached_free_fn mem_free,
                                                   memcached_realloc_fn mem_realloc,
                                                   memcached_calloc_fn mem_calloc, void *context);

LIBMEMCACHED_API
void memcached_get_memory_allocators(const memcached_st *ptr, memcached_malloc_fn *mem_malloc,
                                     memcached_free_fn *mem_free, memcached_realloc_fn *mem_realloc,
                                     memcached_calloc_fn *mem_calloc);

LIBMEMCACHED_API
void *memcached_get_memory_allocators_context(const memcached_st *ptr);

#ifdef __cplusplus
}
#endif

#endif
