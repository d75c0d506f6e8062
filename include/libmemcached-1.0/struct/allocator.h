/* libmemcached-rs: the allocator set stored in a handle (40 bytes). */
#ifndef LIBMEMCACHED_RS_STRUCT_ALLOCATOR_H
#define LIBMEMCACHED_RS_STRUCT_ALLOCATOR_H

#include <libmemcached-1.0/alloc.h>

struct memcached_allocator_t {
  memcached_calloc_fn calloc;
  memcached_free_fn free;
  memcached_malloc_fn malloc;
  memcached_realloc_fn realloc;
  void *context;
};

#endif
