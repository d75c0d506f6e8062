/* libmemcached-rs: the growable byte buffer embedded in memcached_result_st
 * (40 bytes). Callers never touch it directly; it is public only for its size. */
#ifndef LIBMEMCACHED_RS_STRUCT_STRING_H
#define LIBMEMCACHED_RS_STRUCT_STRING_H

#include <libmemcached-1.0/types.h>

struct memcached_string_st {
  char *end;           /* one past the last byte written */
  char *string;        /* start of the buffer */
  size_t current_size; /* capacity */
  struct memcached_st *root;
  struct {
    bool is_allocated : 1;
    bool is_initialized : 1;
  } options;
};

#endif
