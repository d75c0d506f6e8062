/* libmemcached-rs: version of the libhashkit API these headers describe (1.1.0). */
#ifndef LIBMEMCACHED_RS_HASHKIT_CONFIGURE_H
#define LIBMEMCACHED_RS_HASHKIT_CONFIGURE_H

#define LIBHASHKIT_VERSION_STRING "1.1.0"
#define LIBHASHKIT_VERSION_HEX 0x00100100

#endif
