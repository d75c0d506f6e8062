/* libmemcached-rs: an array of result callbacks with their shared context. */
#ifndef LIBMEMCACHED_RS_STRUCT_CALLBACK_H
#define LIBMEMCACHED_RS_STRUCT_CALLBACK_H

#include <libmemcached-1.0/callbacks.h>

struct memcached_callback_st {
  memcached_execute_fn *callback;
  void *context;
  uint32_t number_of_callback;
};

#endif
