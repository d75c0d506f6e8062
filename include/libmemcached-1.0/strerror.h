/* libmemcached-rs: text of a memcached_return_t. */
#ifndef LIBMEMCACHED_RS_STRERROR_H
#define LIBMEMCACHED_RS_STRERROR_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
const char *memcached_strerror(const memcached_st *ptr, memcached_return_t rc);

#ifdef __cplusplus
}
#endif

#endif
