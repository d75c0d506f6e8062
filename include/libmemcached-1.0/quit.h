/* libmemcached-rs: closing all connections of a handle. */
#ifndef LIBMEMCACHED_RS_QUIT_H
#define LIBMEMCACHED_RS_QUIT_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
void memcached_quit(memcached_st *ptr);

#ifdef __cplusplus
}
#endif

#endif
