/* libmemcached-rs: listing the keys held by the servers (cachedump). */
#ifndef LIBMEMCACHED_RS_DUMP_H
#define LIBMEMCACHED_RS_DUMP_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>
#include <libmemcached-1.0/triggers.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
memcached_return_t memcached_dump(memcached_st *ptr, memcached_dump_fn *function, void *context,
                                  uint32_t number_of_callbacks);

#ifdef __cplusplus
}
#endif

#endif
