/* libmemcached-rs: choosing the key hash and the distribution hash of a kit. */
#ifndef LIBMEMCACHED_RS_HASHKIT_FUNCTION_H
#define LIBMEMCACHED_RS_HASHKIT_FUNCTION_H

#include <libhashkit-1.0/types.h>
#include <libhashkit-1.0/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Base (key) hash. */
HASHKIT_API
hashkit_return_t hashkit_set_function(hashkit_st *hash, hashkit_hash_algorithm_t hash_algorithm);

HASHKIT_API
hashkit_return_t hashkit_set_custom_function(hashkit_st *hash, hashkit_hash_fn function,
                                             void *context);

HASHKIT_API
hashkit_hash_algorithm_t hashkit_get_function(const hashkit_st *hash);

/* Distribution hash (used to place servers on the continuum). */
HASHKIT_API
hashkit_return_t hashkit_set_distribution_function(hashkit_st *hash,
                                                   hashkit_hash_algorithm_t hash_algorithm);

HASHKIT_API
hashkit_return_t hashkit_set_custom_distribution_function(hashkit_st *self,
                                                          hashkit_hash_fn function, void *context);

HASHKIT_API
hashkit_hash_algorithm_t hashkit_get_distribution_function(const hashkit_st *self);

#ifdef __cplusplus
}
#endif

#endif
