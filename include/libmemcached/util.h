/* libmemcached-rs: legacy entry point for the utility library (pool, ping, pid, ...). */
#ifndef LIBMEMCACHED_RS_LIBMEMCACHED_UTIL_H
#define LIBMEMCACHED_RS_LIBMEMCACHED_UTIL_H

#include <libmemcachedutil-1.0/util.h>

#endif
