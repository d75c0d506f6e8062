/* libmemcached-rs: reading and changing behaviors, distribution and hashes. */
#ifndef LIBMEMCACHED_RS_BEHAVIOR_H
#define LIBMEMCACHED_RS_BEHAVIOR_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>
#include <libmemcached-1.0/types/behavior.h>
#include <libmemcached-1.0/types/hash.h>
#include <libmemcached-1.0/types/server_distribution.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
memcached_return_t memcached_behavior_set(memcached_st *ptr, const memcached_behavior_t flag,
                                          uint64_t data);

LIBMEMCACHED_API
uint64_t memcached_behavior_get(memcached_st *ptr, const memcached_behavior_t flag);

LIBMEMCACHED_API
memcached_return_t memcached_behavior_set_distribution(memcached_st *ptr,
                                                       memcached_server_distribution_t type);

LIBMEMCACHED_API
memcached_server_distribution_t memcached_behavior_get_distribution(memcached_st *ptr);

LIBMEMCACHED_API
memcached_return_t memcached_behavior_set_key_hash(memcached_st *ptr, memcached_hash_t type);

LIBMEMCACHED_API
memcached_hash_t memcached_behavior_get_key_hash(memcached_st *ptr);

LIBMEMCACHED_API
memcached_return_t memcached_behavior_set_distribution_hash(memcached_st *ptr,
                                                            memcached_hash_t type);

LIBMEMCACHED_API
memcached_hash_t memcached_behavior_get_distribution_hash(memcached_st *ptr);

/* Names of enum values, e.g. "MEMCACHED_BEHAVIOR_NO_BLOCK". */
LIBMEMCACHED_API
const char *libmemcached_string_behavior(const memcached_behavior_t flag);

LIBMEMCACHED_API
const char *libmemcached_string_distribution(const memcached_server_distribution_t flag);

/* Switches to virtual-bucket distribution with the given bucket tables. */
LIBMEMCACHED_API
memcached_return_t memcached_bucket_set(memcached_st *self, const uint32_t *host_map,
                                        const uint32_t *forward_map, const uint32_t buckets,
                                        const uint32_t replicas);

#ifdef __cplusplus
}
#endif

#endif
