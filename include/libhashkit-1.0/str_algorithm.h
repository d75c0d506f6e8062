/* libmemcached-rs: printable names of hash algorithms. */
#ifndef LIBMEMCACHED_RS_HASHKIT_STR_ALGORITHM_H
#define LIBMEMCACHED_RS_HASHKIT_STR_ALGORITHM_H

#include <libhashkit-1.0/types.h>
#include <libhashkit-1.0/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

HASHKIT_API
const char *libhashkit_string_hash(hashkit_hash_algorithm_t type);

#ifdef __cplusplus
}
#endif

#endif
