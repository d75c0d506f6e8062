/* libmemcached-rs: summary of a cluster's statistics (memcached_analyze). */
#ifndef LIBMEMCACHED_RS_STRUCT_ANALYSIS_H
#define LIBMEMCACHED_RS_STRUCT_ANALYSIS_H

#include <libmemcached-1.0/types.h>

struct memcached_analysis_st {
  memcached_st *root;
  uint32_t average_item_size;
  uint32_t longest_uptime;       /* server index */
  uint32_t least_free_server;    /* server index */
  uint32_t most_consumed_server; /* server index */
  uint32_t oldest_server;        /* server index */
  double pool_hit_ratio;         /* percent */
  uint64_t most_used_bytes;
  uint64_t least_remaining_bytes;
};

#endif
