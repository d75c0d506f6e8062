/* libmemcached-rs: server and library versions. */
#ifndef LIBMEMCACHED_RS_VERSION_H
#define LIBMEMCACHED_RS_VERSION_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Asks every server for its version (see memcached_server_*_version). */
LIBMEMCACHED_API
memcached_return_t memcached_version(memcached_st *ptr);

/* "1.1.4" */
LIBMEMCACHED_API
const char *memcached_lib_version(void);

#ifdef __cplusplus
}
#endif

#endif
