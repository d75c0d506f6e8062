/* libmemcached-rs: one server's "stats" answer (224 bytes). memcached_stat()
 * returns an array with one element per server, in server order. */
#ifndef LIBMEMCACHED_RS_STRUCT_STAT_H
#define LIBMEMCACHED_RS_STRUCT_STAT_H

#include <libmemcached-1.0/limits.h>
#include <libmemcached-1.0/types.h>

struct memcached_stat_st {
  unsigned long connection_structures;
  unsigned long curr_connections;
  unsigned long curr_items;
  pid_t pid;
  unsigned long pointer_size;
  unsigned long rusage_system_microseconds;
  unsigned long rusage_system_seconds;
  unsigned long rusage_user_microseconds;
  unsigned long rusage_user_seconds;
  unsigned long threads;
  unsigned long time;
  unsigned long total_connections;
  unsigned long total_items;
  unsigned long uptime;
  unsigned long long bytes;
  unsigned long long bytes_read;
  unsigned long long bytes_written;
  unsigned long long cmd_get;
  unsigned long long cmd_set;
  unsigned long long evictions;
  unsigned long long get_hits;
  unsigned long long get_misses;
  unsigned long long limit_maxbytes;
  char version[MEMCACHED_VERSION_STRING_LENGTH];
  void *__future; /* unused */
  memcached_st *root;
};

#endif
