// ctest: compile-only
/* header_check.c: compile-time checks of the public C headers.
 *
 * Every struct size and field offset that callers depend on, every enum
 * value and the version macros are asserted here, so a layout or numbering
 * mistake in include/ is a compile error. The file compiles against both
 * our headers and Debian's libmemcached 1.1.4 headers (the reference);
 * checks of our private memcached_st fields are guarded by LIBMEMCACHED_RS,
 * which only our configure.h defines.
 *
 *   gcc -std=c99 -Wall -Wextra -Werror -pedantic -c -I include ctests/header_check.c
 *   gcc -std=c99 -Wall -Wextra -Werror -pedantic -c -I /usr/include ctests/header_check.c
 *   g++ -x c++ -std=c++11 -Wall -Wextra -Werror -c -I include ctests/header_check.c
 *
 * Layouts are those of x86_64 (LP64); other targets are not checked.
 * Linked into a program (no library needed), main() also exercises the
 * inline helpers of return.h and libhashkit-1.0/types.h. */

#include <libmemcached/memcached.h>
#include <libmemcached/util.h>
#include <libhashkit-1.0/hashkit.h>

#include <stddef.h>

#ifdef __cplusplus
#define HC_ASSERT(cond, msg) static_assert(cond, msg)
#else
/* __extension__ keeps -std=c99 -pedantic quiet about this C11 keyword. */
#define HC_ASSERT(cond, msg) __extension__ _Static_assert(cond, msg)
#endif

#define HC_SIZE(type, n) HC_ASSERT(sizeof(type) == (n), "sizeof(" #type ") == " #n)
#define HC_OFF(type, field, n) \
  HC_ASSERT(offsetof(type, field) == (n), "offsetof(" #type ", " #field ") == " #n)
#define HC_EQ(name, v) HC_ASSERT((name) == (v), #name " == " #v)

#if defined(__x86_64__) && defined(__LP64__)

/* ---- version and configuration macros ---- */
HC_ASSERT(sizeof(LIBMEMCACHED_VERSION_STRING) == sizeof("1.1.4"), "LIBMEMCACHED_VERSION_STRING");
HC_EQ(LIBMEMCACHED_VERSION_HEX, 0x01001004);
HC_ASSERT(sizeof(LIBHASHKIT_VERSION_STRING) == sizeof("1.1.0"), "LIBHASHKIT_VERSION_STRING");
HC_EQ(LIBHASHKIT_VERSION_HEX, 0x00100100);
#ifdef __cplusplus
/* Indexing a string literal is a constant expression only in C++. */
HC_ASSERT(LIBMEMCACHED_VERSION_STRING[0] == '1' && LIBMEMCACHED_VERSION_STRING[1] == '.'
              && LIBMEMCACHED_VERSION_STRING[2] == '1' && LIBMEMCACHED_VERSION_STRING[3] == '.'
              && LIBMEMCACHED_VERSION_STRING[4] == '4',
          "LIBMEMCACHED_VERSION_STRING is 1.1.4");
HC_ASSERT(LIBHASHKIT_VERSION_STRING[0] == '1' && LIBHASHKIT_VERSION_STRING[1] == '.'
              && LIBHASHKIT_VERSION_STRING[2] == '1' && LIBHASHKIT_VERSION_STRING[3] == '.'
              && LIBHASHKIT_VERSION_STRING[4] == '0',
          "LIBHASHKIT_VERSION_STRING is 1.1.0");
#endif
HC_EQ(LIBMEMCACHED_WITH_SASL_SUPPORT, 1);
HC_EQ(LIBMEMCACHED_ENABLE_DEPRECATED, 0);
HC_EQ(LIBMEMCACHED_AWESOME, 1);
#if !defined(SASL_OK)
#error "LIBMEMCACHED_WITH_SASL_SUPPORT must pull in <sasl/sasl.h>"
#endif

/* ---- constants ---- */
HC_EQ(MEMCACHED_DEFAULT_PORT, 11211);
HC_EQ(MEMCACHED_POINTS_PER_SERVER, 100);
HC_EQ(MEMCACHED_POINTS_PER_SERVER_KETAMA, 160);
HC_EQ(MEMCACHED_CONTINUUM_ADDITION, 10);
HC_EQ(MEMCACHED_DEFAULT_TIMEOUT, 5000);
HC_EQ(MEMCACHED_DEFAULT_CONNECT_TIMEOUT, 4000);
HC_EQ(MEMCACHED_EXPIRATION_NOT_ADD, 0xffffffffU);
HC_EQ(MEMCACHED_SERVER_FAILURE_LIMIT, 5);
HC_EQ(MEMCACHED_SERVER_FAILURE_RETRY_TIMEOUT, 2);
HC_EQ(MEMCACHED_SERVER_FAILURE_DEAD_TIMEOUT, 0);
HC_EQ(MEMCACHED_SERVER_TIMEOUT_LIMIT, 0);
HC_EQ(MEMCACHED_MAX_BUFFER, 8196);
HC_EQ(MEMCACHED_MAX_KEY, 251);
HC_EQ(MEMCACHED_MAX_NAMESPACE, 128);
HC_EQ(MEMCACHED_MAX_HOST_SORT_LENGTH, 86);
HC_EQ(MEMCACHED_VERSION_STRING_LENGTH, 24);
HC_EQ(MEMCACHED_NI_MAXHOST, 1025);
HC_EQ(MEMCACHED_NI_MAXSERV, 32);
HC_SIZE(memcached_socket_t, sizeof(int));

/* ---- enum values ---- */
/* The aliases are enum constants, not macros. */
#if defined(MEMCACHED_CALLBACK_NAMESPACE) || defined(MEMCACHED_CONNECTION_SOCKET_CREATE_FAILURE)
#error "enum aliases must not be macros"
#endif

/* memcached_return_t */
HC_EQ(MEMCACHED_SUCCESS, 0);
HC_EQ(MEMCACHED_FAILURE, 1);
HC_EQ(MEMCACHED_HOST_LOOKUP_FAILURE, 2);
HC_EQ(MEMCACHED_CONNECTION_FAILURE, 3);
HC_EQ(MEMCACHED_CONNECTION_BIND_FAILURE, 4);
HC_EQ(MEMCACHED_WRITE_FAILURE, 5);
HC_EQ(MEMCACHED_READ_FAILURE, 6);
HC_EQ(MEMCACHED_UNKNOWN_READ_FAILURE, 7);
HC_EQ(MEMCACHED_PROTOCOL_ERROR, 8);
HC_EQ(MEMCACHED_CLIENT_ERROR, 9);
HC_EQ(MEMCACHED_SERVER_ERROR, 10);
HC_EQ(MEMCACHED_ERROR, 11);
HC_EQ(MEMCACHED_DATA_EXISTS, 12);
HC_EQ(MEMCACHED_DATA_DOES_NOT_EXIST, 13);
HC_EQ(MEMCACHED_NOTSTORED, 14);
HC_EQ(MEMCACHED_STORED, 15);
HC_EQ(MEMCACHED_NOTFOUND, 16);
HC_EQ(MEMCACHED_MEMORY_ALLOCATION_FAILURE, 17);
HC_EQ(MEMCACHED_PARTIAL_READ, 18);
HC_EQ(MEMCACHED_SOME_ERRORS, 19);
HC_EQ(MEMCACHED_NO_SERVERS, 20);
HC_EQ(MEMCACHED_END, 21);
HC_EQ(MEMCACHED_DELETED, 22);
HC_EQ(MEMCACHED_VALUE, 23);
HC_EQ(MEMCACHED_STAT, 24);
HC_EQ(MEMCACHED_ITEM, 25);
HC_EQ(MEMCACHED_ERRNO, 26);
HC_EQ(MEMCACHED_FAIL_UNIX_SOCKET, 27);
HC_EQ(MEMCACHED_NOT_SUPPORTED, 28);
HC_EQ(MEMCACHED_NO_KEY_PROVIDED, 29);
HC_EQ(MEMCACHED_FETCH_NOTFINISHED, 30);
HC_EQ(MEMCACHED_TIMEOUT, 31);
HC_EQ(MEMCACHED_BUFFERED, 32);
HC_EQ(MEMCACHED_BAD_KEY_PROVIDED, 33);
HC_EQ(MEMCACHED_INVALID_HOST_PROTOCOL, 34);
HC_EQ(MEMCACHED_SERVER_MARKED_DEAD, 35);
HC_EQ(MEMCACHED_UNKNOWN_STAT_KEY, 36);
HC_EQ(MEMCACHED_E2BIG, 37);
HC_EQ(MEMCACHED_INVALID_ARGUMENTS, 38);
HC_EQ(MEMCACHED_KEY_TOO_BIG, 39);
HC_EQ(MEMCACHED_AUTH_PROBLEM, 40);
HC_EQ(MEMCACHED_AUTH_FAILURE, 41);
HC_EQ(MEMCACHED_AUTH_CONTINUE, 42);
HC_EQ(MEMCACHED_PARSE_ERROR, 43);
HC_EQ(MEMCACHED_PARSE_USER_ERROR, 44);
HC_EQ(MEMCACHED_DEPRECATED, 45);
HC_EQ(MEMCACHED_IN_PROGRESS, 46);
HC_EQ(MEMCACHED_SERVER_TEMPORARILY_DISABLED, 47);
HC_EQ(MEMCACHED_SERVER_MEMORY_ALLOCATION_FAILURE, 48);
HC_EQ(MEMCACHED_MAXIMUM_RETURN, 49);
HC_EQ(MEMCACHED_CONNECTION_SOCKET_CREATE_FAILURE, 11);

/* memcached_behavior_t */
HC_EQ(MEMCACHED_BEHAVIOR_NO_BLOCK, 0);
HC_EQ(MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
HC_EQ(MEMCACHED_BEHAVIOR_HASH, 2);
HC_EQ(MEMCACHED_BEHAVIOR_KETAMA, 3);
HC_EQ(MEMCACHED_BEHAVIOR_SOCKET_SEND_SIZE, 4);
HC_EQ(MEMCACHED_BEHAVIOR_SOCKET_RECV_SIZE, 5);
HC_EQ(MEMCACHED_BEHAVIOR_CACHE_LOOKUPS, 6);
HC_EQ(MEMCACHED_BEHAVIOR_SUPPORT_CAS, 7);
HC_EQ(MEMCACHED_BEHAVIOR_POLL_TIMEOUT, 8);
HC_EQ(MEMCACHED_BEHAVIOR_DISTRIBUTION, 9);
HC_EQ(MEMCACHED_BEHAVIOR_BUFFER_REQUESTS, 10);
HC_EQ(MEMCACHED_BEHAVIOR_USER_DATA, 11);
HC_EQ(MEMCACHED_BEHAVIOR_SORT_HOSTS, 12);
HC_EQ(MEMCACHED_BEHAVIOR_VERIFY_KEY, 13);
HC_EQ(MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, 14);
HC_EQ(MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 15);
HC_EQ(MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 16);
HC_EQ(MEMCACHED_BEHAVIOR_KETAMA_HASH, 17);
HC_EQ(MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 18);
HC_EQ(MEMCACHED_BEHAVIOR_SND_TIMEOUT, 19);
HC_EQ(MEMCACHED_BEHAVIOR_RCV_TIMEOUT, 20);
HC_EQ(MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 21);
HC_EQ(MEMCACHED_BEHAVIOR_IO_MSG_WATERMARK, 22);
HC_EQ(MEMCACHED_BEHAVIOR_IO_BYTES_WATERMARK, 23);
HC_EQ(MEMCACHED_BEHAVIOR_IO_KEY_PREFETCH, 24);
HC_EQ(MEMCACHED_BEHAVIOR_HASH_WITH_PREFIX_KEY, 25);
HC_EQ(MEMCACHED_BEHAVIOR_NOREPLY, 26);
HC_EQ(MEMCACHED_BEHAVIOR_USE_UDP, 27);
HC_EQ(MEMCACHED_BEHAVIOR_AUTO_EJECT_HOSTS, 28);
HC_EQ(MEMCACHED_BEHAVIOR_NUMBER_OF_REPLICAS, 29);
HC_EQ(MEMCACHED_BEHAVIOR_RANDOMIZE_REPLICA_READ, 30);
HC_EQ(MEMCACHED_BEHAVIOR_CORK, 31);
HC_EQ(MEMCACHED_BEHAVIOR_TCP_KEEPALIVE, 32);
HC_EQ(MEMCACHED_BEHAVIOR_TCP_KEEPIDLE, 33);
HC_EQ(MEMCACHED_BEHAVIOR_LOAD_FROM_FILE, 34);
HC_EQ(MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 35);
HC_EQ(MEMCACHED_BEHAVIOR_DEAD_TIMEOUT, 36);
HC_EQ(MEMCACHED_BEHAVIOR_SERVER_TIMEOUT_LIMIT, 37);
HC_EQ(MEMCACHED_BEHAVIOR_MAX, 38);

/* memcached_hash_t and hashkit_hash_algorithm_t (same numbering) */
HC_EQ(MEMCACHED_HASH_DEFAULT, 0);
HC_EQ(MEMCACHED_HASH_MD5, 1);
HC_EQ(MEMCACHED_HASH_CRC, 2);
HC_EQ(MEMCACHED_HASH_FNV1_64, 3);
HC_EQ(MEMCACHED_HASH_FNV1A_64, 4);
HC_EQ(MEMCACHED_HASH_FNV1_32, 5);
HC_EQ(MEMCACHED_HASH_FNV1A_32, 6);
HC_EQ(MEMCACHED_HASH_HSIEH, 7);
HC_EQ(MEMCACHED_HASH_MURMUR, 8);
HC_EQ(MEMCACHED_HASH_JENKINS, 9);
HC_EQ(MEMCACHED_HASH_MURMUR3, 10);
HC_EQ(MEMCACHED_HASH_CUSTOM, 11);
HC_EQ(MEMCACHED_HASH_MAX, 12);
HC_EQ(HASHKIT_HASH_DEFAULT, 0);
HC_EQ(HASHKIT_HASH_MD5, 1);
HC_EQ(HASHKIT_HASH_CRC, 2);
HC_EQ(HASHKIT_HASH_FNV1_64, 3);
HC_EQ(HASHKIT_HASH_FNV1A_64, 4);
HC_EQ(HASHKIT_HASH_FNV1_32, 5);
HC_EQ(HASHKIT_HASH_FNV1A_32, 6);
HC_EQ(HASHKIT_HASH_HSIEH, 7);
HC_EQ(HASHKIT_HASH_MURMUR, 8);
HC_EQ(HASHKIT_HASH_JENKINS, 9);
HC_EQ(HASHKIT_HASH_MURMUR3, 10);
HC_EQ(HASHKIT_HASH_CUSTOM, 11);
HC_EQ(HASHKIT_HASH_MAX, 12);

/* memcached_server_distribution_t */
HC_EQ(MEMCACHED_DISTRIBUTION_MODULA, 0);
HC_EQ(MEMCACHED_DISTRIBUTION_CONSISTENT, 1);
HC_EQ(MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, 2);
HC_EQ(MEMCACHED_DISTRIBUTION_RANDOM, 3);
HC_EQ(MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA_SPY, 4);
HC_EQ(MEMCACHED_DISTRIBUTION_CONSISTENT_WEIGHTED, 5);
HC_EQ(MEMCACHED_DISTRIBUTION_VIRTUAL_BUCKET, 6);
HC_EQ(MEMCACHED_DISTRIBUTION_CONSISTENT_MAX, 7);

/* memcached_callback_t (NAMESPACE is an enum alias of PREFIX_KEY) */
HC_EQ(MEMCACHED_CALLBACK_PREFIX_KEY, 0);
HC_EQ(MEMCACHED_CALLBACK_USER_DATA, 1);
HC_EQ(MEMCACHED_CALLBACK_CLEANUP_FUNCTION, 2);
HC_EQ(MEMCACHED_CALLBACK_CLONE_FUNCTION, 3);
HC_EQ(MEMCACHED_CALLBACK_GET_FAILURE, 7);
HC_EQ(MEMCACHED_CALLBACK_DELETE_TRIGGER, 8);
HC_EQ(MEMCACHED_CALLBACK_MAX, 9);
HC_EQ(MEMCACHED_CALLBACK_NAMESPACE, 0);

/* memcached_connection_t */
HC_EQ(MEMCACHED_CONNECTION_TCP, 0);
HC_EQ(MEMCACHED_CONNECTION_UDP, 1);
HC_EQ(MEMCACHED_CONNECTION_UNIX_SOCKET, 2);

/* enum memcached_server_state_t */
HC_EQ(MEMCACHED_SERVER_STATE_NEW, 0);
HC_EQ(MEMCACHED_SERVER_STATE_ADDRINFO, 1);
HC_EQ(MEMCACHED_SERVER_STATE_IN_PROGRESS, 2);
HC_EQ(MEMCACHED_SERVER_STATE_CONNECTED, 3);
HC_EQ(MEMCACHED_SERVER_STATE_IN_TIMEOUT, 4);
HC_EQ(MEMCACHED_SERVER_STATE_DISABLED, 5);

/* hashkit_return_t */
HC_EQ(HASHKIT_SUCCESS, 0);
HC_EQ(HASHKIT_FAILURE, 1);
HC_EQ(HASHKIT_MEMORY_ALLOCATION_FAILURE, 2);
HC_EQ(HASHKIT_INVALID_HASH, 3);
HC_EQ(HASHKIT_INVALID_ARGUMENT, 4);
HC_EQ(HASHKIT_MAXIMUM_RETURN, 5);

/* hashkit_distribution_t */
HC_EQ(HASHKIT_DISTRIBUTION_MODULA, 0);
HC_EQ(HASHKIT_DISTRIBUTION_RANDOM, 1);
HC_EQ(HASHKIT_DISTRIBUTION_KETAMA, 2);
HC_EQ(HASHKIT_DISTRIBUTION_MAX, 3);

/* All enums are int-sized. */
HC_SIZE(memcached_return_t, 4);
HC_SIZE(memcached_behavior_t, 4);
HC_SIZE(memcached_hash_t, 4);
HC_SIZE(memcached_server_distribution_t, 4);
HC_SIZE(memcached_callback_t, 4);
HC_SIZE(memcached_connection_t, 4);
HC_SIZE(enum memcached_server_state_t, 4);
HC_SIZE(hashkit_return_t, 4);
HC_SIZE(hashkit_hash_algorithm_t, 4);
HC_SIZE(hashkit_distribution_t, 4);

/* ---- memcached_server_st (list elements are read directly) ---- */
HC_SIZE(memcached_server_st, 1168);
HC_OFF(memcached_server_st, options, 0);
HC_OFF(memcached_server_st, number_of_hosts, 4);
HC_OFF(memcached_server_st, cursor_active, 8);
HC_OFF(memcached_server_st, port, 12);
HC_OFF(memcached_server_st, io_bytes_sent, 16);
HC_OFF(memcached_server_st, request_id, 20);
HC_OFF(memcached_server_st, server_failure_counter, 24);
HC_OFF(memcached_server_st, server_failure_counter_query_id, 32);
HC_OFF(memcached_server_st, server_timeout_counter, 40);
HC_OFF(memcached_server_st, server_timeout_counter_query_id, 48);
HC_OFF(memcached_server_st, weight, 56);
HC_OFF(memcached_server_st, version, 60);
HC_OFF(memcached_server_st, state, 64);
HC_OFF(memcached_server_st, io_wait_count, 72);
HC_OFF(memcached_server_st, io_wait_count.read, 72);
HC_OFF(memcached_server_st, io_wait_count.write, 76);
HC_OFF(memcached_server_st, io_wait_count.timeouts, 80);
HC_OFF(memcached_server_st, io_wait_count._bytes_read, 88);
HC_OFF(memcached_server_st, major_version, 96);
HC_OFF(memcached_server_st, micro_version, 97);
HC_OFF(memcached_server_st, minor_version, 98);
HC_OFF(memcached_server_st, type, 100);
HC_OFF(memcached_server_st, next_retry, 104);
HC_OFF(memcached_server_st, root, 112);
HC_OFF(memcached_server_st, limit_maxbytes, 120);
HC_OFF(memcached_server_st, error_messages, 128);
HC_OFF(memcached_server_st, hostname, 136);
HC_SIZE(((memcached_server_st *) 0)->hostname, 1025);
HC_SIZE(((memcached_server_st *) 0)->port, sizeof(in_port_t));

/* ---- memcached_stat_st (fields read directly, arrays indexed) ---- */
HC_SIZE(memcached_stat_st, 224);
HC_OFF(memcached_stat_st, connection_structures, 0);
HC_OFF(memcached_stat_st, curr_connections, 8);
HC_OFF(memcached_stat_st, curr_items, 16);
HC_OFF(memcached_stat_st, pid, 24);
HC_OFF(memcached_stat_st, pointer_size, 32);
HC_OFF(memcached_stat_st, rusage_system_microseconds, 40);
HC_OFF(memcached_stat_st, rusage_system_seconds, 48);
HC_OFF(memcached_stat_st, rusage_user_microseconds, 56);
HC_OFF(memcached_stat_st, rusage_user_seconds, 64);
HC_OFF(memcached_stat_st, threads, 72);
HC_OFF(memcached_stat_st, time, 80);
HC_OFF(memcached_stat_st, total_connections, 88);
HC_OFF(memcached_stat_st, total_items, 96);
HC_OFF(memcached_stat_st, uptime, 104);
HC_OFF(memcached_stat_st, bytes, 112);
HC_OFF(memcached_stat_st, bytes_read, 120);
HC_OFF(memcached_stat_st, bytes_written, 128);
HC_OFF(memcached_stat_st, cmd_get, 136);
HC_OFF(memcached_stat_st, cmd_set, 144);
HC_OFF(memcached_stat_st, evictions, 152);
HC_OFF(memcached_stat_st, get_hits, 160);
HC_OFF(memcached_stat_st, get_misses, 168);
HC_OFF(memcached_stat_st, limit_maxbytes, 176);
HC_OFF(memcached_stat_st, version, 184);
HC_OFF(memcached_stat_st, __future, 208);
HC_OFF(memcached_stat_st, root, 216);

/* ---- memcached_analysis_st ---- */
HC_SIZE(memcached_analysis_st, 56);
HC_OFF(memcached_analysis_st, root, 0);
HC_OFF(memcached_analysis_st, average_item_size, 8);
HC_OFF(memcached_analysis_st, longest_uptime, 12);
HC_OFF(memcached_analysis_st, least_free_server, 16);
HC_OFF(memcached_analysis_st, most_consumed_server, 20);
HC_OFF(memcached_analysis_st, oldest_server, 24);
HC_OFF(memcached_analysis_st, pool_hit_ratio, 32);
HC_OFF(memcached_analysis_st, most_used_bytes, 40);
HC_OFF(memcached_analysis_st, least_remaining_bytes, 48);

/* ---- memcached_string_st and memcached_result_st ---- */
HC_SIZE(memcached_string_st, 40);
HC_OFF(memcached_string_st, end, 0);
HC_OFF(memcached_string_st, string, 8);
HC_OFF(memcached_string_st, current_size, 16);
HC_OFF(memcached_string_st, root, 24);
HC_OFF(memcached_string_st, options, 32);

HC_SIZE(memcached_result_st, 352);
HC_OFF(memcached_result_st, item_flags, 0);
HC_OFF(memcached_result_st, item_expiration, 8);
HC_OFF(memcached_result_st, key_length, 16);
HC_OFF(memcached_result_st, item_cas, 24);
HC_OFF(memcached_result_st, root, 32);
HC_OFF(memcached_result_st, value, 40);
HC_OFF(memcached_result_st, numeric_value, 80);
HC_OFF(memcached_result_st, count, 88);
HC_OFF(memcached_result_st, item_key, 96);
HC_SIZE(((memcached_result_st *) 0)->item_key, 251);
HC_OFF(memcached_result_st, options, 347);

/* ---- hashkit_st (embedded in memcached_st) ---- */
HC_SIZE(hashkit_st, 48);
HC_OFF(hashkit_st, base_hash, 0);
HC_OFF(hashkit_st, base_hash.function, 0);
HC_OFF(hashkit_st, base_hash.context, 8);
HC_OFF(hashkit_st, distribution_hash, 16);
HC_OFF(hashkit_st, distribution_hash.function, 16);
HC_OFF(hashkit_st, distribution_hash.context, 24);
HC_OFF(hashkit_st, flags, 32);
HC_OFF(hashkit_st, options, 33);
HC_OFF(hashkit_st, _key, 40);

/* ---- memcached_st: public prefix, ketama summary and options ---- */
HC_SIZE(memcached_st, 696);
HC_OFF(memcached_st, state, 0);
HC_SIZE(((memcached_st *) 0)->state, 1);
HC_OFF(memcached_st, flags, 1);
HC_SIZE(((memcached_st *) 0)->flags, 2);
HC_OFF(memcached_st, distribution, 4);
HC_OFF(memcached_st, hashkit, 8);
HC_OFF(memcached_st, ketama, 512);
HC_OFF(memcached_st, ketama.weighted_, 512);
HC_OFF(memcached_st, ketama.continuum_count, 516);
HC_OFF(memcached_st, ketama.continuum_points_counter, 520);
HC_OFF(memcached_st, ketama.next_distribution_rebuild, 528);
HC_OFF(memcached_st, ketama.continuum, 536);
HC_OFF(memcached_st, user_data, 136);
HC_OFF(memcached_st, options, 688);
HC_SIZE(((memcached_st *) 0)->options, 1);

#ifdef LIBMEMCACHED_RS
/* Our private region (Debian has its own, different fields here). */
HC_EQ(LIBMEMCACHED_RS, 1);
HC_OFF(memcached_st, private_handle_, 56);
HC_OFF(memcached_st, private_magic_, 64);
HC_OFF(memcached_st, private_reserved_, 72);
HC_SIZE(((memcached_st *) 0)->private_reserved_, 64);
HC_OFF(memcached_st, private_reserved1_, 144);
HC_SIZE(((memcached_st *) 0)->private_reserved1_, 368);
HC_OFF(memcached_st, private_reserved2_, 544);
HC_SIZE(((memcached_st *) 0)->private_reserved2_, 144);
#endif

/* ---- members of Debian's memcached_st, kept as public types ---- */
HC_SIZE(struct memcached_allocator_t, 40);
HC_OFF(struct memcached_allocator_t, calloc, 0);
HC_OFF(struct memcached_allocator_t, free, 8);
HC_OFF(struct memcached_allocator_t, malloc, 16);
HC_OFF(struct memcached_allocator_t, realloc, 24);
HC_OFF(struct memcached_allocator_t, context, 32);
HC_SIZE(struct memcached_sasl_st, 16);
HC_OFF(struct memcached_sasl_st, callbacks, 0);
HC_OFF(struct memcached_sasl_st, is_allocated, 8);
HC_SIZE(memcached_callback_st, 24);
HC_OFF(memcached_callback_st, callback, 0);
HC_OFF(memcached_callback_st, context, 8);
HC_OFF(memcached_callback_st, number_of_callback, 16);
HC_SIZE(struct memcached_string_t, 16);

#else
#error "header_check.c asserts x86_64 (LP64) layouts"
#endif

/* ---- typedefs and helpers that must exist with these shapes ---- */
static memcached_return_t hc_server_fn(const memcached_st *ptr, const memcached_instance_st *server,
                                       void *context) {
  (void) ptr;
  (void) server;
  (void) context;
  return MEMCACHED_SUCCESS;
}

/* Returns the number of expectations met (HC_EXPECTED when all hold). */
#define HC_EXPECTED 11
int header_check_use(void);
int header_check_use(void) {
  memcached_server_fn server_fns[1];
  memcached_server_instance_st instance = NULL;
  memcached_server_list_st list = NULL;
  memcached_pool_st *pool = NULL;
  memcached_execute_fn execute = NULL;
  memcached_dump_fn dump = NULL;
  memcached_stat_fn stat = NULL;
  memcached_clone_fn clone_fn = NULL;
  memcached_cleanup_fn cleanup_fn = NULL;
  memcached_trigger_key_fn trigger = NULL;
  memcached_trigger_delete_key_fn delete_trigger = NULL;
  memcached_malloc_fn m = NULL;
  memcached_free_fn f = NULL;
  memcached_realloc_fn r = NULL;
  memcached_calloc_fn c = NULL;
  hashkit_hash_fn h = NULL;
  memcached_callback_t cb = MEMCACHED_CALLBACK_NAMESPACE;
  memcached_return_t rc = MEMCACHED_CONNECTION_SOCKET_CREATE_FAILURE;
  int n = 0;

  server_fns[0] = hc_server_fn;
  n += server_fns[0] != NULL;
  n += instance == NULL && list == NULL && pool == NULL && execute == NULL && dump == NULL;
  n += stat == NULL && clone_fn == NULL && cleanup_fn == NULL && trigger == NULL;
  n += delete_trigger == NULL && m == NULL && f == NULL && r == NULL && c == NULL && h == NULL;
  n += cb == MEMCACHED_CALLBACK_PREFIX_KEY;
  n += memcached_success(rc) ? 0 : 1;
  n += memcached_failed(rc) ? 1 : 0;
  n += memcached_fatal(rc) ? 0 : 1;
  n += memcached_continue(MEMCACHED_IN_PROGRESS) ? 1 : 0;
  n += hashkit_success(HASHKIT_SUCCESS) ? 1 : 0;
  n += hashkit_failed(HASHKIT_FAILURE) ? 1 : 0;
  return n;
}

/* Also buildable as a stand-alone program (needs no library):
 * gcc -std=c99 -I include ctests/header_check.c -o header_check && ./header_check */
int main(void) {
  return header_check_use() == HC_EXPECTED ? 0 : 1;
}
