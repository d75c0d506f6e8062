/* libmemcached-rs: asking one server for its process id (libmemcachedutil). */
#ifndef LIBMEMCACHED_RS_UTIL_PID_H
#define LIBMEMCACHED_RS_UTIL_PID_H

#include <libmemcached-1.0/memcached.h>
#include <sys/types.h>
#include <netdb.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The pid reported by "stats"; *ret tells whether it could be read. */
LIBMEMCACHED_API
pid_t libmemcached_util_getpid(const char *hostname, in_port_t port, memcached_return_t *ret);

/* As above, authenticating with SASL first. */
LIBMEMCACHED_API
pid_t libmemcached_util_getpid2(const char *hostname, in_port_t port, const char *username,
                                const char *password, memcached_return_t *ret);

#ifdef __cplusplus
}
#endif

#endif
