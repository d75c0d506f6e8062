/* libmemcached-rs: removing items. */
#ifndef LIBMEMCACHED_RS_DELETE_H
#define LIBMEMCACHED_RS_DELETE_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
memcached_return_t memcached_delete(memcached_st *ptr, const char *key, size_t key_length,
                                    time_t expiration);

LIBMEMCACHED_API
memcached_return_t memcached_delete_by_key(memcached_st *ptr, const char *group_key,
                                           size_t group_key_length, const char *key,
                                           size_t key_length, time_t expiration);

#ifdef __cplusplus
}
#endif

#endif
