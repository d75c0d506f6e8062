/* libmemcached-rs: pre-1.0 type names, still used by older sources. */
#ifndef LIBMEMCACHED_RS_DEPRECATED_TYPES_H
#define LIBMEMCACHED_RS_DEPRECATED_TYPES_H

#include <libmemcached-1.0/alloc.h>
#include <libmemcached-1.0/callbacks.h>
#include <libmemcached-1.0/triggers.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/behavior.h>
#include <libmemcached-1.0/types/callback.h>
#include <libmemcached-1.0/types/connection.h>
#include <libmemcached-1.0/types/hash.h>
#include <libmemcached-1.0/types/return.h>
#include <libmemcached-1.0/types/server_distribution.h>

typedef memcached_return_t memcached_return;
typedef memcached_server_distribution_t memcached_server_distribution;
typedef memcached_behavior_t memcached_behavior;
typedef memcached_callback_t memcached_callback;
typedef memcached_hash_t memcached_hash;
typedef memcached_connection_t memcached_connection;
typedef memcached_clone_fn memcached_clone_func;
typedef memcached_cleanup_fn memcached_cleanup_func;
typedef memcached_execute_fn memcached_execute_function;
typedef memcached_server_fn memcached_server_function;
typedef memcached_trigger_key_fn memcached_trigger_key;
typedef memcached_trigger_delete_key_fn memcached_trigger_delete_key;
typedef memcached_dump_fn memcached_dump_func;
/* Note: not const-qualified, matching the 1.1.4 headers. */
typedef memcached_instance_st *memcached_server_instance_st;

#endif
