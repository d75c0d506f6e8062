/* libmemcached-rs: helpers spreading a (c_str, size) pair into argument lists. */
#ifndef LIBMEMCACHED_RS_HASHKIT_BASIC_STRING_H
#define LIBMEMCACHED_RS_HASHKIT_BASIC_STRING_H

#define hashkit_size(X) ((X).size)
#define hashkit_c_str(X) ((X).c_str)
#define hashkit_string_param(X) (X).c_str, (X).size
#ifdef __cplusplus
#define hashkit_string_printf(X) static_cast<int>((X).size), (X).c_str
#else
#define hashkit_string_printf(X) (int)((X).size), (X).c_str
#endif

#endif
