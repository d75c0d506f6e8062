/* libmemcached-rs: a borrowed (pointer, length) string and helpers to spread
 * it into argument lists. */
#ifndef LIBMEMCACHED_RS_BASIC_STRING_H
#define LIBMEMCACHED_RS_BASIC_STRING_H

#include <libmemcached-1.0/types.h>

/* Neither member may be assumed non-NULL/non-zero. */
struct memcached_string_t {
  const char *c_str;
  size_t size;
};

#define memcached_size(X) ((X).size)
#define memcached_c_str(X) ((X).c_str)
/* Expands to "pointer, length" for functions taking both. */
#define memcached_string_param(X) (X).c_str, (X).size
/* Expands to "int length, pointer" for printf's "%.*s". */
#ifdef __cplusplus
#define memcached_string_printf(X) static_cast<int>((X).size), (X).c_str
#else
#define memcached_string_printf(X) (int)((X).size), (X).c_str
#endif

#endif
