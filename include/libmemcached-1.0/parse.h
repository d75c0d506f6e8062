/* libmemcached-rs: parsing "host:port weight, ..." server lists. */
#ifndef LIBMEMCACHED_RS_PARSE_H
#define LIBMEMCACHED_RS_PARSE_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Release the list with memcached_server_list_free(). */
LIBMEMCACHED_API
memcached_server_list_st memcached_servers_parse(const char *server_strings);

#ifdef __cplusplus
}
#endif

#endif
