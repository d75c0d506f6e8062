/* libmemcached-rs: legacy entry point for the hashing library. */
#ifndef LIBMEMCACHED_RS_LIBHASHKIT_HASHKIT_H
#define LIBMEMCACHED_RS_LIBHASHKIT_HASHKIT_H

#include <libhashkit-1.0/hashkit.h>

#endif
