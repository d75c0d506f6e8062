/* libmemcached-rs: short names for the public structures.
 *
 * memcached_instance_st (a connected server), memcached_array_st and
 * memcached_error_t stay opaque: callers only ever hold pointers to them. */
#ifndef LIBMEMCACHED_RS_TYPES_H
#define LIBMEMCACHED_RS_TYPES_H

#include <libmemcached-1.0/platform.h>

typedef struct memcached_st memcached_st;
typedef struct memcached_stat_st memcached_stat_st;
typedef struct memcached_analysis_st memcached_analysis_st;
typedef struct memcached_result_st memcached_result_st;
typedef struct memcached_array_st memcached_array_st;
typedef struct memcached_error_t memcached_error_t;

/* A server description as produced by memcached_servers_parse(). */
typedef struct memcached_server_st memcached_server_st;
/* A live server inside a memcached_st; opaque, use memcached_server_*(). */
typedef struct memcached_instance_st memcached_instance_st;
/* A server list is a pointer to its first element. */
typedef struct memcached_server_st *memcached_server_list_st;

typedef struct memcached_callback_st memcached_callback_st;

/* Library-internal; only their sizes/pointers appear in public structs. */
typedef struct memcached_string_st memcached_string_st;
typedef struct memcached_string_t memcached_string_t;
struct memcached_continuum_item_st;

#endif
