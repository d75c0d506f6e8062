/* libmemcached-rs: helpers classifying a memcached_return_t.
 *
 * success:  the operation did what was asked (including "stored", "deleted",
 *           "end of results" and "buffered for later").
 * failed:   neither a success nor an in-flight SASL continuation.
 * fatal:    a failure caused by the transport or the client itself, as
 *           opposed to an ordinary answer such as NOTFOUND or DATA_EXISTS. */
#ifndef LIBMEMCACHED_RS_RETURN_H
#define LIBMEMCACHED_RS_RETURN_H

#include <libmemcached-1.0/platform.h>
#include <libmemcached-1.0/types/return.h>

/* Written as plain comparisons (no switch) so that callers building with
 * -Wswitch-enum get no warnings from this header. */
static inline bool memcached_success(memcached_return_t rc) {
  return rc == MEMCACHED_SUCCESS || rc == MEMCACHED_STORED || rc == MEMCACHED_END
         || rc == MEMCACHED_DELETED || rc == MEMCACHED_VALUE || rc == MEMCACHED_STAT
         || rc == MEMCACHED_ITEM || rc == MEMCACHED_BUFFERED;
}

static inline bool memcached_failed(memcached_return_t rc) {
  return !memcached_success(rc) && rc != MEMCACHED_AUTH_CONTINUE;
}

static inline bool memcached_fatal(memcached_return_t rc) {
  /* Ordinary protocol answers that leave the connection usable. */
  bool answer = rc == MEMCACHED_CLIENT_ERROR || rc == MEMCACHED_DATA_EXISTS
                || rc == MEMCACHED_E2BIG || rc == MEMCACHED_ERROR || rc == MEMCACHED_NOTFOUND
                || rc == MEMCACHED_NOTSTORED || rc == MEMCACHED_SERVER_MEMORY_ALLOCATION_FAILURE;
  return memcached_failed(rc) && !answer;
}

/* True while a non-blocking operation still has work outstanding. */
#define memcached_continue(rc) ((rc) == MEMCACHED_IN_PROGRESS)

#endif
