/* libmemcached-rs: draining pending results through callbacks. */
#ifndef LIBMEMCACHED_RS_FETCH_H
#define LIBMEMCACHED_RS_FETCH_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>
#include <libmemcached-1.0/callbacks.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
memcached_return_t memcached_fetch_execute(memcached_st *ptr, memcached_execute_fn *callback,
                                           void *context, uint32_t number_of_callbacks);

#ifdef __cplusplus
}
#endif

#endif
