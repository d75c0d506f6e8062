/* libmemcached-rs: setting the servers' log verbosity. */
#ifndef LIBMEMCACHED_RS_VERBOSITY_H
#define LIBMEMCACHED_RS_VERBOSITY_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
memcached_return_t memcached_verbosity(memcached_st *ptr, uint32_t verbosity);

#ifdef __cplusplus
}
#endif

#endif
