/* libmemcached-rs: details of the last error of a handle or server. */
#ifndef LIBMEMCACHED_RS_ERROR_H
#define LIBMEMCACHED_RS_ERROR_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
const char *memcached_error(const memcached_st *);

LIBMEMCACHED_API
const char *memcached_last_error_message(const memcached_st *);

/* Writes the handle's error chain to stderr. */
LIBMEMCACHED_API
void memcached_error_print(const memcached_st *);

LIBMEMCACHED_API
memcached_return_t memcached_last_error(const memcached_st *);

LIBMEMCACHED_API
int memcached_last_error_errno(const memcached_st *);

LIBMEMCACHED_API
const char *memcached_server_error(const memcached_instance_st *ptr);

LIBMEMCACHED_API
memcached_return_t memcached_server_error_return(const memcached_instance_st *ptr);

#ifdef __cplusplus
}
#endif

#endif
