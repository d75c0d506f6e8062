/* libmemcached-rs: libhashkit status codes, algorithms, distributions and
 * the custom hash function signature. */
#ifndef LIBMEMCACHED_RS_HASHKIT_TYPES_H
#define LIBMEMCACHED_RS_HASHKIT_TYPES_H

#ifdef __cplusplus
#include <cinttypes>
#include <cstddef>
#else
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#endif

typedef enum {
  HASHKIT_SUCCESS = 0,
  HASHKIT_FAILURE = 1,
  HASHKIT_MEMORY_ALLOCATION_FAILURE = 2,
  HASHKIT_INVALID_HASH = 3,
  HASHKIT_INVALID_ARGUMENT = 4,
  HASHKIT_MAXIMUM_RETURN = 5 /* one past the last real code */
} hashkit_return_t;

static inline bool hashkit_success(const hashkit_return_t rc) {
  return rc == HASHKIT_SUCCESS;
}

static inline bool hashkit_failed(const hashkit_return_t rc) {
  return !hashkit_success(rc);
}

typedef enum {
  HASHKIT_HASH_DEFAULT = 0, /* one-at-a-time */
  HASHKIT_HASH_MD5 = 1,
  HASHKIT_HASH_CRC = 2,
  HASHKIT_HASH_FNV1_64 = 3,
  HASHKIT_HASH_FNV1A_64 = 4,
  HASHKIT_HASH_FNV1_32 = 5,
  HASHKIT_HASH_FNV1A_32 = 6,
  HASHKIT_HASH_HSIEH = 7,
  HASHKIT_HASH_MURMUR = 8,
  HASHKIT_HASH_JENKINS = 9,
  HASHKIT_HASH_MURMUR3 = 10,
  HASHKIT_HASH_CUSTOM = 11, /* set through hashkit_set_custom_function() */
  HASHKIT_HASH_MAX = 12
} hashkit_hash_algorithm_t;

typedef enum {
  HASHKIT_DISTRIBUTION_MODULA = 0,
  HASHKIT_DISTRIBUTION_RANDOM = 1,
  HASHKIT_DISTRIBUTION_KETAMA = 2,
  HASHKIT_DISTRIBUTION_MAX = 3
} hashkit_distribution_t;

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hashkit_st hashkit_st;
/* Opaque result of hashkit_encrypt/decrypt. */
typedef struct hashkit_string_st hashkit_string_st;

/* A user hash: returns the 32-bit hash of key; context is passed through. */
typedef uint32_t (*hashkit_hash_fn)(const char *key, size_t key_length, void *context);

#ifdef __cplusplus
}
#endif

#endif
