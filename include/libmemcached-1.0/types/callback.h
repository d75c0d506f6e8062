/* libmemcached-rs: memcached_callback_t, the keys of memcached_callback_set/get. */
#ifndef LIBMEMCACHED_RS_TYPES_CALLBACK_H
#define LIBMEMCACHED_RS_TYPES_CALLBACK_H

enum memcached_callback_t {
  MEMCACHED_CALLBACK_PREFIX_KEY = 0,
  MEMCACHED_CALLBACK_USER_DATA = 1,
  MEMCACHED_CALLBACK_CLEANUP_FUNCTION = 2,
  MEMCACHED_CALLBACK_CLONE_FUNCTION = 3,
  /* 4..6 were used by removed features. */
  MEMCACHED_CALLBACK_GET_FAILURE = 7,
  MEMCACHED_CALLBACK_DELETE_TRIGGER = 8,
  MEMCACHED_CALLBACK_MAX = 9,
  /* The namespace is the key prefix under its newer name. */
  MEMCACHED_CALLBACK_NAMESPACE = MEMCACHED_CALLBACK_PREFIX_KEY
};

typedef enum memcached_callback_t memcached_callback_t;

#endif
