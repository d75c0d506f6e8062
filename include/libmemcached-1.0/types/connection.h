/* libmemcached-rs: memcached_connection_t, the transport of a server entry. */
#ifndef LIBMEMCACHED_RS_TYPES_CONNECTION_H
#define LIBMEMCACHED_RS_TYPES_CONNECTION_H

enum memcached_connection_t {
  MEMCACHED_CONNECTION_TCP = 0,
  MEMCACHED_CONNECTION_UDP = 1,
  MEMCACHED_CONNECTION_UNIX_SOCKET = 2
};

typedef enum memcached_connection_t memcached_connection_t;

#endif
