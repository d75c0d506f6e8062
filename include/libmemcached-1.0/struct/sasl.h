/* libmemcached-rs: SASL callbacks attached to a handle (16 bytes). */
#ifndef LIBMEMCACHED_RS_STRUCT_SASL_H
#define LIBMEMCACHED_RS_STRUCT_SASL_H

#include <libmemcached-1.0/configure.h>
#include <libmemcached-1.0/platform.h>

#if defined(LIBMEMCACHED_WITH_SASL_SUPPORT) && LIBMEMCACHED_WITH_SASL_SUPPORT
#include <sasl/sasl.h>
#else
#define sasl_callback_t void
#endif

struct memcached_sasl_st {
  sasl_callback_t *callbacks;
  /* The library allocated callbacks (memcached_set_sasl_auth_data) and frees them. */
  bool is_allocated;
};

#endif
