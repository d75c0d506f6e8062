/* libmemcached-rs: printable text of a hashkit_return_t. */
#ifndef LIBMEMCACHED_RS_HASHKIT_STRERROR_H
#define LIBMEMCACHED_RS_HASHKIT_STRERROR_H

#include <libhashkit-1.0/types.h>
#include <libhashkit-1.0/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

HASHKIT_API
const char *hashkit_strerror(hashkit_st *ptr, hashkit_return_t rc);

#ifdef __cplusplus
}
#endif

#endif
