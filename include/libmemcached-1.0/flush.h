/* libmemcached-rs: invalidating all items on all servers. */
#ifndef LIBMEMCACHED_RS_FLUSH_H
#define LIBMEMCACHED_RS_FLUSH_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
memcached_return_t memcached_flush(memcached_st *ptr, time_t expiration);

#ifdef __cplusplus
}
#endif

#endif
