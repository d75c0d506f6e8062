/* libmemcached-rs: a thread-safe pool of cloned handles (libmemcachedutil). */
#ifndef LIBMEMCACHED_RS_UTIL_POOL_H
#define LIBMEMCACHED_RS_UTIL_POOL_H

#include <libmemcached-1.0/memcached.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Declared here so strict ISO C modes (without POSIX time.h) accept the prototype. */
struct timespec;

/* Opaque pool object. */
typedef struct memcached_pool_st memcached_pool_st;

/* Pool of clones of mmc (which stays owned by the caller). */
LIBMEMCACHED_API
memcached_pool_st *memcached_pool_create(memcached_st *mmc, uint32_t initial, uint32_t max);

/* Pool configured from a configuration string (POOL-MIN / POOL-MAX options). */
LIBMEMCACHED_API
memcached_pool_st *memcached_pool(const char *option_string, size_t option_string_length);

/* Frees the pool; returns the handle given to memcached_pool_create(), if any. */
LIBMEMCACHED_API
memcached_st *memcached_pool_destroy(memcached_pool_st *pool);

LIBMEMCACHED_API
memcached_st *memcached_pool_pop(memcached_pool_st *pool, bool block, memcached_return_t *rc);

LIBMEMCACHED_API
memcached_return_t memcached_pool_push(memcached_pool_st *pool, memcached_st *mmc);

/* Returns a handle obtained from memcached_pool_fetch(). */
LIBMEMCACHED_API
memcached_return_t memcached_pool_release(memcached_pool_st *pool, memcached_st *mmc);

/* Like memcached_pool_pop(), waiting at most relative_time for a free handle. */
LIBMEMCACHED_API
memcached_st *memcached_pool_fetch(memcached_pool_st *, struct timespec *relative_time,
                                   memcached_return_t *rc);

/* Applies a behavior to the master handle and, lazily, to every pooled clone. */
LIBMEMCACHED_API
memcached_return_t memcached_pool_behavior_set(memcached_pool_st *ptr, memcached_behavior_t flag,
                                               uint64_t data);

LIBMEMCACHED_API
memcached_return_t memcached_pool_behavior_get(memcached_pool_st *ptr, memcached_behavior_t flag,
                                               uint64_t *value);

#ifdef __cplusplus
}
#endif

#endif
