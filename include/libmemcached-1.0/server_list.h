/* libmemcached-rs: building and releasing server lists (arrays of memcached_server_st). */
#ifndef LIBMEMCACHED_RS_SERVER_LIST_H
#define LIBMEMCACHED_RS_SERVER_LIST_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>
#include <libmemcached-1.0/struct/server.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
void memcached_server_list_free(memcached_server_list_st ptr);

/* Adds every server of list to the handle. */
LIBMEMCACHED_API
memcached_return_t memcached_server_push(memcached_st *ptr, const memcached_server_list_st list);

/* Appends one server, reallocating the list (ptr may be NULL). */
LIBMEMCACHED_API
memcached_server_list_st memcached_server_list_append(memcached_server_list_st ptr,
                                                      const char *hostname, in_port_t port,
                                                      memcached_return_t *error);

LIBMEMCACHED_API
memcached_server_list_st memcached_server_list_append_with_weight(memcached_server_list_st ptr,
                                                                  const char *hostname,
                                                                  in_port_t port, uint32_t weight,
                                                                  memcached_return_t *error);

LIBMEMCACHED_API
uint32_t memcached_server_list_count(const memcached_server_list_st ptr);

#ifdef __cplusplus
}
#endif

#endif
