/* libmemcached-rs: libhashkit behaviors. libhashkit 1.1 declares none; the
 * file exists so that sources including it keep compiling. */
#ifndef LIBMEMCACHED_RS_HASHKIT_BEHAVIOR_H
#define LIBMEMCACHED_RS_HASHKIT_BEHAVIOR_H

#include <libhashkit-1.0/types.h>

#endif
