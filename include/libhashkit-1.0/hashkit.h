/* libmemcached-rs: libhashkit, the key hashing library (hashkit_st and its
 * life cycle). hashkit_st is embedded by value in memcached_st, so its
 * layout (48 bytes on LP64) is part of the ABI. */
#ifndef LIBMEMCACHED_RS_HASHKIT_HASHKIT_H
#define LIBMEMCACHED_RS_HASHKIT_HASHKIT_H

#ifdef __cplusplus
#include <cinttypes>
#else
#include <inttypes.h>
#include <stdbool.h>
#endif
#include <sys/types.h>

#include <libhashkit-1.0/visibility.h>
#include <libhashkit-1.0/configure.h>
#include <libhashkit-1.0/types.h>
#include <libhashkit-1.0/has.h>
#include <libhashkit-1.0/algorithm.h>
#include <libhashkit-1.0/behavior.h>
#include <libhashkit-1.0/digest.h>
#include <libhashkit-1.0/function.h>
#include <libhashkit-1.0/str_algorithm.h>
#include <libhashkit-1.0/strerror.h>
#include <libhashkit-1.0/string.h>

struct hashkit_st {
  /* A hash function and the opaque pointer handed to it (custom hashes). */
  struct hashkit_function_st {
    hashkit_hash_fn function;
    void *context;
  } base_hash, distribution_hash;

  struct {
    /* distribution_hash mirrors base_hash. */
    bool is_base_same_distributed : 1;
  } flags;

  struct {
    /* hashkit_create() allocated this object (vs. caller storage). */
    bool is_allocated : 1;
  } options;

  /* Encryption key set by hashkit_key(); owned by the kit. */
  void *_key;
};

#ifdef __cplusplus
extern "C" {
#endif

/* Initialises hash (or a new heap object when NULL); returns NULL on failure. */
HASHKIT_API
hashkit_st *hashkit_create(hashkit_st *hash);

HASHKIT_API
hashkit_st *hashkit_clone(hashkit_st *destination, const hashkit_st *ptr);

/* True when both kits hash keys identically. */
HASHKIT_API
bool hashkit_compare(const hashkit_st *first, const hashkit_st *second);

HASHKIT_API
void hashkit_free(hashkit_st *hash);

HASHKIT_API
hashkit_string_st *hashkit_encrypt(hashkit_st *, const char *source, size_t source_length);

HASHKIT_API
hashkit_string_st *hashkit_decrypt(hashkit_st *, const char *source, size_t source_length);

HASHKIT_API
bool hashkit_key(hashkit_st *kit, const char *key, const size_t key_length);

#ifdef __cplusplus
}
#endif

#endif
