/* libmemcached-rs: the libmemcachedutil API (pools and one-shot server helpers). */
#ifndef LIBMEMCACHED_RS_UTIL_UTIL_H
#define LIBMEMCACHED_RS_UTIL_UTIL_H

#include <libmemcached-1.0/memcached.h>
#include <libmemcachedutil-1.0/pid.h>
#include <libmemcachedutil-1.0/flush.h>
#include <libmemcachedutil-1.0/ping.h>
#include <libmemcachedutil-1.0/pool.h>
#include <libmemcachedutil-1.0/version.h>

#endif
