/* libmemcached-rs: setting and reading callbacks and per-handle data by key. */
#ifndef LIBMEMCACHED_RS_CALLBACK_H
#define LIBMEMCACHED_RS_CALLBACK_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>
#include <libmemcached-1.0/types/callback.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
memcached_return_t memcached_callback_set(memcached_st *ptr, const memcached_callback_t flag,
                                          const void *data);

LIBMEMCACHED_API
void *memcached_callback_get(memcached_st *ptr, const memcached_callback_t flag,
                             memcached_return_t *error);

#ifdef __cplusplus
}
#endif

#endif
