/* libmemcached-rs: transparent value encryption with a shared key. */
#ifndef LIBMEMCACHED_RS_ENCODING_KEY_H
#define LIBMEMCACHED_RS_ENCODING_KEY_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
memcached_return_t memcached_set_encoding_key(memcached_st *, const char *str, size_t length);

#ifdef __cplusplus
}
#endif

#endif
