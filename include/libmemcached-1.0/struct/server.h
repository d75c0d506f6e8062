/* libmemcached-rs: memcached_server_st, an element of a server list
 * (1168 bytes). Lists are contiguous arrays; callers read hostname, port,
 * weight, type and, in element 0 only, number_of_hosts. */
#ifndef LIBMEMCACHED_RS_STRUCT_SERVER_H
#define LIBMEMCACHED_RS_STRUCT_SERVER_H

#include <libmemcached-1.0/configure.h>
#include <libmemcached-1.0/platform.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/connection.h>

#if defined(HAVE_NETDB_H) && HAVE_NETDB_H
#include <netdb.h>
#endif

/* Capacity of a host name / service name, as getnameinfo() uses them. */
#ifdef NI_MAXHOST
#define MEMCACHED_NI_MAXHOST NI_MAXHOST
#else
#define MEMCACHED_NI_MAXHOST 1025
#endif

#ifdef NI_MAXSERV
#define MEMCACHED_NI_MAXSERV NI_MAXSERV
#else
#define MEMCACHED_NI_MAXSERV 32
#endif

/* Connection life cycle of a server. */
enum memcached_server_state_t {
  MEMCACHED_SERVER_STATE_NEW = 0,         /* not resolved, no socket */
  MEMCACHED_SERVER_STATE_ADDRINFO = 1,    /* address resolved */
  MEMCACHED_SERVER_STATE_IN_PROGRESS = 2, /* non-blocking connect pending */
  MEMCACHED_SERVER_STATE_CONNECTED = 3,
  MEMCACHED_SERVER_STATE_IN_TIMEOUT = 4, /* waiting for the retry timeout */
  MEMCACHED_SERVER_STATE_DISABLED = 5
};

struct memcached_server_st {
  struct {
    bool is_allocated : 1;
    bool is_initialized : 1;
    bool is_shutting_down : 1;
    bool is_dead : 1;
  } options;
  uint32_t number_of_hosts; /* list length; meaningful in element 0 */
  uint32_t cursor_active;
  in_port_t port;
  uint32_t io_bytes_sent;
  uint32_t request_id;
  uint32_t server_failure_counter;
  uint64_t server_failure_counter_query_id;
  uint32_t server_timeout_counter;
  uint64_t server_timeout_counter_query_id;
  uint32_t weight;
  uint32_t version;
  enum memcached_server_state_t state;
  struct {
    uint32_t read;
    uint32_t write;
    uint32_t timeouts;
    size_t _bytes_read;
  } io_wait_count;
  /* Server version parts; UINT8_MAX when unknown. */
  uint8_t major_version;
  uint8_t micro_version;
  uint8_t minor_version;
  memcached_connection_t type;
  time_t next_retry;
  struct memcached_st *root;
  uint64_t limit_maxbytes;
  struct memcached_error_t *error_messages;
  char hostname[MEMCACHED_NI_MAXHOST];
};

#endif
