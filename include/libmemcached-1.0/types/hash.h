/* libmemcached-rs: memcached_hash_t, key hash algorithms (same numbering as
 * hashkit_hash_algorithm_t). */
#ifndef LIBMEMCACHED_RS_TYPES_HASH_H
#define LIBMEMCACHED_RS_TYPES_HASH_H

enum memcached_hash_t {
  MEMCACHED_HASH_DEFAULT = 0, /* one-at-a-time */
  MEMCACHED_HASH_MD5 = 1,
  MEMCACHED_HASH_CRC = 2,
  MEMCACHED_HASH_FNV1_64 = 3,
  MEMCACHED_HASH_FNV1A_64 = 4,
  MEMCACHED_HASH_FNV1_32 = 5,
  MEMCACHED_HASH_FNV1A_32 = 6,
  MEMCACHED_HASH_HSIEH = 7,
  MEMCACHED_HASH_MURMUR = 8,
  MEMCACHED_HASH_JENKINS = 9,
  MEMCACHED_HASH_MURMUR3 = 10,
  MEMCACHED_HASH_CUSTOM = 11,
  MEMCACHED_HASH_MAX = 12
};

typedef enum memcached_hash_t memcached_hash_t;

#endif
