/* libmemcached-rs: the complete libmemcached 1.1.4 C API.
 *
 * Include this (or <libmemcached/memcached.h>) rather than the individual
 * headers. The functions are implemented in Rust by libmemcached-rs and
 * exported from libmemcached.so.11 with the same ABI as libmemcached 1.1.4. */
#ifndef LIBMEMCACHED_RS_MEMCACHED_H
#define LIBMEMCACHED_RS_MEMCACHED_H

/* Configuration, basic types and constants. */
#include <libmemcached-1.0/configure.h>
#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/platform.h>
#include <libmemcached-1.0/limits.h>
#include <libmemcached-1.0/defaults.h>

/* Enumerations. */
#include <libmemcached-1.0/types/behavior.h>
#include <libmemcached-1.0/types/callback.h>
#include <libmemcached-1.0/types/connection.h>
#include <libmemcached-1.0/types/hash.h>
#include <libmemcached-1.0/types/return.h>
#include <libmemcached-1.0/types/server_distribution.h>

#include <libmemcached-1.0/return.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/callbacks.h>
#include <libmemcached-1.0/alloc.h>
#include <libmemcached-1.0/triggers.h>

#include <libhashkit-1.0/hashkit.h>

/* Structures. */
#include <libmemcached-1.0/struct/callback.h>
#include <libmemcached-1.0/struct/string.h>
#include <libmemcached-1.0/struct/result.h>
#include <libmemcached-1.0/struct/allocator.h>
#include <libmemcached-1.0/struct/sasl.h>
#include <libmemcached-1.0/struct/memcached.h>
#include <libmemcached-1.0/struct/server.h>
#include <libmemcached-1.0/struct/stat.h>
#include <libmemcached-1.0/struct/analysis.h>

#include <libmemcached-1.0/basic_string.h>

/* Functions, by area. */
#include <libmemcached-1.0/error.h>
#include <libmemcached-1.0/stats.h>
#include <libmemcached-1.0/allocators.h>
#include <libmemcached-1.0/analyze.h>
#include <libmemcached-1.0/auto.h>
#include <libmemcached-1.0/behavior.h>
#include <libmemcached-1.0/callback.h>
#include <libmemcached-1.0/delete.h>
#include <libmemcached-1.0/dump.h>
#include <libmemcached-1.0/encoding_key.h>
#include <libmemcached-1.0/exist.h>
#include <libmemcached-1.0/fetch.h>
#include <libmemcached-1.0/flush.h>
#include <libmemcached-1.0/flush_buffers.h>
#include <libmemcached-1.0/get.h>
#include <libmemcached-1.0/hash.h>
#include <libmemcached-1.0/options.h>
#include <libmemcached-1.0/parse.h>
#include <libmemcached-1.0/quit.h>
#include <libmemcached-1.0/result.h>
#include <libmemcached-1.0/server.h>
#include <libmemcached-1.0/server_list.h>
#include <libmemcached-1.0/storage.h>
#include <libmemcached-1.0/strerror.h>
#include <libmemcached-1.0/touch.h>
#include <libmemcached-1.0/verbosity.h>
#include <libmemcached-1.0/version.h>
#include <libmemcached-1.0/sasl.h>
#include <libmemcached-1.0/deprecated_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Handle life cycle. */

/* Initialises ptr (caller storage) or, when NULL, a newly allocated handle. */
LIBMEMCACHED_API
memcached_st *memcached_create(memcached_st *ptr);

/* Creates a handle from a configuration string such as "--SERVER=host:11211". */
LIBMEMCACHED_API
memcached_st *memcached(const char *string, size_t string_length);

/* Releases the handle's resources, and the handle itself if it was allocated. */
LIBMEMCACHED_API
void memcached_free(memcached_st *ptr);

LIBMEMCACHED_API
memcached_return_t memcached_reset(memcached_st *ptr);

LIBMEMCACHED_API
void memcached_reset_last_disconnected_server(memcached_st *ptr);

/* Copies ptr into clone (or a new handle when clone is NULL). */
LIBMEMCACHED_API
memcached_st *memcached_clone(memcached_st *clone, const memcached_st *ptr);

LIBMEMCACHED_API
void *memcached_get_user_data(const memcached_st *ptr);

/* Returns the previous user data. */
LIBMEMCACHED_API
void *memcached_set_user_data(memcached_st *ptr, void *data);

/* Copies the servers of source into destination. */
LIBMEMCACHED_API
memcached_return_t memcached_push(memcached_st *destination, const memcached_st *source);

/* Servers of a handle. */

LIBMEMCACHED_API
void memcached_servers_reset(memcached_st *ptr);

LIBMEMCACHED_API
const memcached_instance_st *memcached_server_instance_by_position(const memcached_st *ptr,
                                                                   uint32_t server_key);

LIBMEMCACHED_API
uint32_t memcached_server_count(const memcached_st *);

/* Counter incremented by every command issued through the handle. */
LIBMEMCACHED_API
uint64_t memcached_query_id(const memcached_st *);

#ifdef __cplusplus
}
#endif

#endif
