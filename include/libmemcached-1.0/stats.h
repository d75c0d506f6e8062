/* libmemcached-rs: server statistics. */
#ifndef LIBMEMCACHED_RS_STATS_H
#define LIBMEMCACHED_RS_STATS_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>
#include <libmemcached-1.0/callbacks.h>
#include <libmemcached-1.0/struct/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
void memcached_stat_free(const memcached_st *, memcached_stat_st *);

/* One element per server; args selects a stats group (NULL for general). */
LIBMEMCACHED_API
memcached_stat_st *memcached_stat(memcached_st *ptr, char *args, memcached_return_t *error);

LIBMEMCACHED_API
memcached_return_t memcached_stat_servername(memcached_stat_st *memc_stat, char *args,
                                             const char *hostname, in_port_t port);

/* The string is allocated with libc malloc(); free() it. */
LIBMEMCACHED_API
char *memcached_stat_get_value(const memcached_st *ptr, memcached_stat_st *memc_stat,
                               const char *key, memcached_return_t *error);

/* NULL-terminated array of static names in one block; free() the array only. */
LIBMEMCACHED_API
char **memcached_stat_get_keys(memcached_st *ptr, memcached_stat_st *memc_stat,
                               memcached_return_t *error);

LIBMEMCACHED_API
memcached_return_t memcached_stat_execute(memcached_st *memc, const char *args,
                                          memcached_stat_fn func, void *context);

#ifdef __cplusplus
}
#endif

#endif
