/* libmemcached-rs: SASL authentication (binary protocol). */
#ifndef LIBMEMCACHED_RS_SASL_H
#define LIBMEMCACHED_RS_SASL_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>
#include <libmemcached-1.0/struct/sasl.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
void memcached_set_sasl_callbacks(memcached_st *ptr, const sasl_callback_t *callbacks);

/* Copies username and password; releases with memcached_destroy_sasl_auth_data(). */
LIBMEMCACHED_API
memcached_return_t memcached_set_sasl_auth_data(memcached_st *ptr, const char *username,
                                                const char *password);

LIBMEMCACHED_API
memcached_return_t memcached_destroy_sasl_auth_data(memcached_st *ptr);

LIBMEMCACHED_API
sasl_callback_t *memcached_get_sasl_callbacks(memcached_st *ptr);

#ifdef __cplusplus
}
#endif

#endif
