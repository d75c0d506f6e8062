/* libmemcached-rs: testing whether an item exists without fetching it. */
#ifndef LIBMEMCACHED_RS_EXIST_H
#define LIBMEMCACHED_RS_EXIST_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
memcached_return_t memcached_exist(memcached_st *memc, const char *key, size_t key_length);

LIBMEMCACHED_API
memcached_return_t memcached_exist_by_key(memcached_st *memc, const char *group_key,
                                          size_t group_key_length, const char *key,
                                          size_t key_length);

#ifdef __cplusplus
}
#endif

#endif
