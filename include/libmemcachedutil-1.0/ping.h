/* libmemcached-rs: checking that one server answers (libmemcachedutil). */
#ifndef LIBMEMCACHED_RS_UTIL_PING_H
#define LIBMEMCACHED_RS_UTIL_PING_H

#include <libmemcached-1.0/memcached.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
bool libmemcached_util_ping(const char *hostname, in_port_t port, memcached_return_t *ret);

/* As above, authenticating with SASL first. */
LIBMEMCACHED_API
bool libmemcached_util_ping2(const char *hostname, in_port_t port, const char *username,
                             const char *password, memcached_return_t *ret);

#ifdef __cplusplus
}
#endif

#endif
