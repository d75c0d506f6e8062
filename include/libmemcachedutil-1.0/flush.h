/* libmemcached-rs: flushing one server by host and port (libmemcachedutil). */
#ifndef LIBMEMCACHED_RS_UTIL_FLUSH_H
#define LIBMEMCACHED_RS_UTIL_FLUSH_H

#include <libmemcached-1.0/memcached.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
bool libmemcached_util_flush(const char *hostname, in_port_t port, memcached_return_t *ret);

#ifdef __cplusplus
}
#endif

#endif
