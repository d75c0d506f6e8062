/* libmemcached-rs: callback signatures for fetch, server iteration and stats. */
#ifndef LIBMEMCACHED_RS_CALLBACKS_H
#define LIBMEMCACHED_RS_CALLBACKS_H

#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Called once per fetched result (memcached_fetch_execute, mget_execute). */
typedef memcached_return_t (*memcached_execute_fn)(const memcached_st *ptr,
                                                   memcached_result_st *result, void *context);

/* Called once per server (memcached_server_cursor). */
typedef memcached_return_t (*memcached_server_fn)(const memcached_st *ptr,
                                                  const memcached_instance_st *server,
                                                  void *context);

/* Called once per "STAT name value" line (memcached_stat_execute). */
typedef memcached_return_t (*memcached_stat_fn)(const memcached_instance_st *server,
                                                const char *key, size_t key_length,
                                                const char *value, size_t value_length,
                                                void *context);

#ifdef __cplusplus
}
#endif

#endif
