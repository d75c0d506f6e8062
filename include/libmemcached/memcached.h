/* libmemcached-rs: legacy entry point; everything lives in <libmemcached-1.0/memcached.h>. */
#ifndef LIBMEMCACHED_RS_LIBMEMCACHED_MEMCACHED_H
#define LIBMEMCACHED_RS_LIBMEMCACHED_MEMCACHED_H

#include <libmemcached-1.0/memcached.h>

#endif
