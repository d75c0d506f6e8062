/* libmemcached-rs: whether an algorithm is built into libhashkit. */
#ifndef LIBMEMCACHED_RS_HASHKIT_HAS_H
#define LIBMEMCACHED_RS_HASHKIT_HAS_H

#include <libhashkit-1.0/types.h>
#include <libhashkit-1.0/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

HASHKIT_API
bool libhashkit_has_algorithm(const hashkit_hash_algorithm_t);

#ifdef __cplusplus
}
#endif

#endif
