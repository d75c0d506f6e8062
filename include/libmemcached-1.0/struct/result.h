/* libmemcached-rs: one fetched item (352 bytes). Callers may place it on the
 * stack and initialise it with memcached_result_create(); read it through
 * the memcached_result_*() accessors. */
#ifndef LIBMEMCACHED_RS_STRUCT_RESULT_H
#define LIBMEMCACHED_RS_STRUCT_RESULT_H

#include <libmemcached-1.0/limits.h>
#include <libmemcached-1.0/struct/string.h>
#include <libmemcached-1.0/types.h>

struct memcached_result_st {
  uint32_t item_flags;
  time_t item_expiration;
  size_t key_length;
  uint64_t item_cas;
  struct memcached_st *root;
  memcached_string_st value;
  uint64_t numeric_value; /* result of incr/decr */
  uint64_t count;
  char item_key[MEMCACHED_MAX_KEY];
  struct {
    bool is_allocated : 1;
    bool is_initialized : 1;
  } options;
};

#endif
