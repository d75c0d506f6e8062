/* libmemcached-rs: memcached_st, the client handle (696 bytes).
 *
 * Callers may embed a memcached_st in their own storage and pass it to
 * memcached_create(). Only the leading fields (state, flags, distribution,
 * hashkit), user_data, the ketama summary and options are laid out as in
 * libmemcached 1.1.4; everything named private_*_ is internal to libmemcached-rs, which
 * keeps its real state behind private_handle_. Do not touch those fields. */
#ifndef LIBMEMCACHED_RS_STRUCT_MEMCACHED_H
#define LIBMEMCACHED_RS_STRUCT_MEMCACHED_H

#include <libhashkit-1.0/hashkit.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/server_distribution.h>

struct memcached_st {
  /* Transient processing state (offset 0, one byte). */
  struct {
    bool is_purging : 1;
    bool is_processing_input : 1;
    bool is_time_for_rebuild : 1;
    bool is_parsing : 1;
  } state;

  /* Behavior switches (offset 1, two bytes). */
  struct {
    bool auto_eject_hosts : 1;
    bool binary_protocol : 1;
    bool buffer_requests : 1;
    bool hash_with_namespace : 1;
    bool no_block : 1;
    bool reply : 1;
    bool randomize_replica_read : 1;
    bool support_cas : 1;
    bool tcp_nodelay : 1;
    bool use_sort_hosts : 1;
    bool use_udp : 1;
    bool verify_key : 1;
    bool tcp_keepalive : 1;
    bool is_aes : 1;
    bool is_fetching_version : 1;
    bool not_used : 1;
  } flags;

  memcached_server_distribution_t distribution; /* offset 4 */
  hashkit_st hashkit;                           /* offset 8 */

  /* Internal to libmemcached-rs: pointer to the Rust-side client state. */
  void *private_handle_; /* offset 56 */
  /* Internal to libmemcached-rs: marks an initialised handle. */
  uint64_t private_magic_; /* offset 64 */
  /* Internal to libmemcached-rs: reserved, keeps user_data at offset 136. */
  char private_reserved_[64]; /* offset 72 */

  /* The pointer of memcached_set_user_data / MEMCACHED_CALLBACK_USER_DATA
   * (offset 136, as in libmemcached 1.1.4). */
  void *user_data;

  /* Internal to libmemcached-rs: reserved, keeps ketama at offset 512. */
  char private_reserved1_[368]; /* offset 144 */

  /* Summary of the consistent-hashing continuum (offset 512). */
  struct {
    bool weighted_;
    uint32_t continuum_count;
    uint32_t continuum_points_counter;
    time_t next_distribution_rebuild;
    struct memcached_continuum_item_st *continuum;
  } ketama;

  /* Internal to libmemcached-rs: reserved, keeps options at offset 688. */
  char private_reserved2_[144]; /* offset 544 */

  struct {
    /* memcached_create(NULL) allocated the handle (offset 688, bit 0). */
    bool is_allocated : 1;
  } options;
};

#endif
