/* libmemcached-rs: key hashing and server selection. */
#ifndef LIBMEMCACHED_RS_HASH_H
#define LIBMEMCACHED_RS_HASH_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>
#include <libmemcached-1.0/types/hash.h>
#include <libhashkit-1.0/hashkit.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Hash key with a given algorithm, independent of any handle. */
LIBMEMCACHED_API
uint32_t memcached_generate_hash_value(const char *key, size_t key_length,
                                       memcached_hash_t hash_algorithm);

LIBMEMCACHED_API
const hashkit_st *memcached_get_hashkit(const memcached_st *ptr);

LIBMEMCACHED_API
memcached_return_t memcached_set_hashkit(memcached_st *ptr, hashkit_st *hashk);

/* Index of the server that key maps to. */
LIBMEMCACHED_API
uint32_t memcached_generate_hash(const memcached_st *ptr, const char *key, size_t key_length);

/* Drops servers marked dead and rebuilds the distribution. */
LIBMEMCACHED_API
void memcached_autoeject(memcached_st *ptr);

LIBMEMCACHED_API
const char *libmemcached_string_hash(memcached_hash_t type);

#ifdef __cplusplus
}
#endif

#endif
