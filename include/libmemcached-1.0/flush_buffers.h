/* libmemcached-rs: sending any buffered requests now. */
#ifndef LIBMEMCACHED_RS_FLUSH_BUFFERS_H
#define LIBMEMCACHED_RS_FLUSH_BUFFERS_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
memcached_return_t memcached_flush_buffers(memcached_st *mem);

#ifdef __cplusplus
}
#endif

#endif
