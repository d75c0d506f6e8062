/* libmemcached-rs: accessors for the opaque strings returned by
 * hashkit_encrypt/hashkit_decrypt. */
#ifndef LIBMEMCACHED_RS_HASHKIT_STRING_H
#define LIBMEMCACHED_RS_HASHKIT_STRING_H

#include <libhashkit-1.0/types.h>
#include <libhashkit-1.0/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

HASHKIT_API
void hashkit_string_free(hashkit_string_st *ptr);

HASHKIT_API
size_t hashkit_string_length(const hashkit_string_st *self);

HASHKIT_API
const char *hashkit_string_c_str(const hashkit_string_st *self);

#ifdef __cplusplus
}
#endif

#endif
