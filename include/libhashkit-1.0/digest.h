/* libmemcached-rs: hashing a key with a hashkit_st or a named algorithm. */
#ifndef LIBMEMCACHED_RS_HASHKIT_DIGEST_H
#define LIBMEMCACHED_RS_HASHKIT_DIGEST_H

#include <libhashkit-1.0/types.h>
#include <libhashkit-1.0/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Hash with the kit's base function. */
HASHKIT_API
uint32_t hashkit_digest(const hashkit_st *self, const char *key, size_t key_length);

/* Hash with a given built-in algorithm, without a hashkit_st. */
HASHKIT_API
uint32_t libhashkit_digest(const char *key, size_t key_length,
                           hashkit_hash_algorithm_t hash_algorithm);

#ifdef __cplusplus
}
#endif

#endif
