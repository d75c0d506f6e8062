/* libmemcached-rs: adding servers and inspecting individual servers. */
#ifndef LIBMEMCACHED_RS_SERVER_H
#define LIBMEMCACHED_RS_SERVER_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>
#include <libmemcached-1.0/callbacks.h>
#include <libmemcached-1.0/struct/server.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Calls each callback for every server. */
LIBMEMCACHED_API
memcached_return_t memcached_server_cursor(const memcached_st *ptr,
                                           const memcached_server_fn *callback, void *context,
                                           uint32_t number_of_callbacks);

/* The server key maps to. */
LIBMEMCACHED_API
const memcached_instance_st *memcached_server_by_key(memcached_st *ptr, const char *key,
                                                     size_t key_length, memcached_return_t *error);

LIBMEMCACHED_API
void memcached_server_error_reset(memcached_server_st *ptr);

LIBMEMCACHED_API
void memcached_server_free(memcached_server_st *ptr);

LIBMEMCACHED_API
const memcached_instance_st *memcached_server_get_last_disconnect(const memcached_st *ptr);

LIBMEMCACHED_API
memcached_return_t memcached_server_add_udp(memcached_st *ptr, const char *hostname,
                                            in_port_t port);

LIBMEMCACHED_API
memcached_return_t memcached_server_add_unix_socket(memcached_st *ptr, const char *filename);

LIBMEMCACHED_API
memcached_return_t memcached_server_add(memcached_st *ptr, const char *hostname, in_port_t port);

LIBMEMCACHED_API
memcached_return_t memcached_server_add_udp_with_weight(memcached_st *ptr, const char *hostname,
                                                        in_port_t port, uint32_t weight);

LIBMEMCACHED_API
memcached_return_t memcached_server_add_unix_socket_with_weight(memcached_st *ptr,
                                                                const char *filename,
                                                                uint32_t weight);

LIBMEMCACHED_API
memcached_return_t memcached_server_add_with_weight(memcached_st *ptr, const char *hostname,
                                                    in_port_t port, uint32_t weight);

/* Accessors for one server (memcached_instance_st is opaque). */
LIBMEMCACHED_API
uint32_t memcached_server_response_count(const memcached_instance_st *self);

LIBMEMCACHED_API
const char *memcached_server_name(const memcached_instance_st *self);

LIBMEMCACHED_API
in_port_t memcached_server_port(const memcached_instance_st *self);

LIBMEMCACHED_API
in_port_t memcached_server_srcport(const memcached_instance_st *self);

LIBMEMCACHED_API
void memcached_instance_next_retry(const memcached_instance_st *self, const time_t absolute_time);

LIBMEMCACHED_API
const char *memcached_server_type(const memcached_instance_st *ptr);

LIBMEMCACHED_API
uint8_t memcached_server_major_version(const memcached_instance_st *ptr);

LIBMEMCACHED_API
uint8_t memcached_server_minor_version(const memcached_instance_st *ptr);

LIBMEMCACHED_API
uint8_t memcached_server_micro_version(const memcached_instance_st *ptr);

#ifdef __cplusplus
}
#endif

#endif
