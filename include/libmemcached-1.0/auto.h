/* libmemcached-rs: atomic counters (incr/decr), optionally creating the item. */
#ifndef LIBMEMCACHED_RS_AUTO_H
#define LIBMEMCACHED_RS_AUTO_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Note: the plain forms take a 32-bit offset, the _by_key forms a 64-bit one. */
LIBMEMCACHED_API
memcached_return_t memcached_increment(memcached_st *ptr, const char *key, size_t key_length,
                                       uint32_t offset, uint64_t *value);

LIBMEMCACHED_API
memcached_return_t memcached_decrement(memcached_st *ptr, const char *key, size_t key_length,
                                       uint32_t offset, uint64_t *value);

LIBMEMCACHED_API
memcached_return_t memcached_increment_by_key(memcached_st *ptr, const char *group_key,
                                              size_t group_key_length, const char *key,
                                              size_t key_length, uint64_t offset, uint64_t *value);

LIBMEMCACHED_API
memcached_return_t memcached_decrement_by_key(memcached_st *ptr, const char *group_key,
                                              size_t group_key_length, const char *key,
                                              size_t key_length, uint64_t offset, uint64_t *value);

/* With initial: a missing item is created with value initial (binary protocol),
 * unless expiration is MEMCACHED_EXPIRATION_NOT_ADD. */
LIBMEMCACHED_API
memcached_return_t memcached_increment_with_initial(memcached_st *ptr, const char *key,
                                                    size_t key_length, uint64_t offset,
                                                    uint64_t initial, time_t expiration,
                                                    uint64_t *value);

LIBMEMCACHED_API
memcached_return_t memcached_decrement_with_initial(memcached_st *ptr, const char *key,
                                                    size_t key_length, uint64_t offset,
                                                    uint64_t initial, time_t expiration,
                                                    uint64_t *value);

LIBMEMCACHED_API
memcached_return_t memcached_increment_with_initial_by_key(memcached_st *ptr, const char *group_key,
                                                           size_t group_key_length, const char *key,
                                                           size_t key_length, uint64_t offset,
                                                           uint64_t initial, time_t expiration,
                                                           uint64_t *value);

LIBMEMCACHED_API
memcached_return_t memcached_decrement_with_initial_by_key(memcached_st *ptr, const char *group_key,
                                                           size_t group_key_length, const char *key,
                                                           size_t key_length, uint64_t offset,
                                                           uint64_t initial, time_t expiration,
                                                           uint64_t *value);

#ifdef __cplusplus
}
#endif

#endif
