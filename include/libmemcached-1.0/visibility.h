/* libmemcached-rs: symbol decoration for the public C API.
 *
 * The library itself is written in Rust, so for C callers these macros
 * only mark declarations; they expand to nothing unless the caller
 * already defined them. */
#ifndef LIBMEMCACHED_RS_VISIBILITY_H
#define LIBMEMCACHED_RS_VISIBILITY_H

#ifndef LIBMEMCACHED_API
#define LIBMEMCACHED_API
#endif

#ifndef LIBMEMCACHED_LOCAL
#define LIBMEMCACHED_LOCAL
#endif

#endif
