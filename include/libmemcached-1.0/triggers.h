/* libmemcached-rs: signatures of clone/cleanup hooks, read-through and
 * delete triggers, and the key-dump callback. */
#ifndef LIBMEMCACHED_RS_TRIGGERS_H
#define LIBMEMCACHED_RS_TRIGGERS_H

#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Run after memcached_clone() copied source into destination. */
typedef memcached_return_t (*memcached_clone_fn)(memcached_st *destination,
                                                 const memcached_st *source);
/* Run when a handle is freed. */
typedef memcached_return_t (*memcached_cleanup_fn)(const memcached_st *ptr);

/* Read-through cache: may fill result when a get misses. */
typedef memcached_return_t (*memcached_trigger_key_fn)(const memcached_st *ptr, const char *key,
                                                       size_t key_length,
                                                       memcached_result_st *result);
/* Notified after a successful delete. */
typedef memcached_return_t (*memcached_trigger_delete_key_fn)(const memcached_st *ptr,
                                                              const char *key, size_t key_length);
/* Called once per key listed by memcached_dump(). */
typedef memcached_return_t (*memcached_dump_fn)(const memcached_st *ptr, const char *key,
                                                size_t key_length, void *context);

#ifdef __cplusplus
}
#endif

#endif
