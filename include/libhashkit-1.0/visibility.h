/* libmemcached-rs: symbol decoration for the libhashkit C API (expands to
 * nothing for callers unless predefined). */
#ifndef LIBMEMCACHED_RS_HASHKIT_VISIBILITY_H
#define LIBMEMCACHED_RS_HASHKIT_VISIBILITY_H

#ifndef HASHKIT_API
#define HASHKIT_API
#endif

#ifndef HASHKIT_LOCAL
#define HASHKIT_LOCAL
#endif

#endif
