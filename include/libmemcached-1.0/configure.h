/* libmemcached-rs: build-time feature switches and the version we are compatible with.
 *
 * The values describe the libmemcached 1.1.4 build that this library replaces
 * (SASL enabled, deprecated API hidden). LIBMEMCACHED_RS marks these headers
 * as the libmemcached-rs ones so test code can tell them apart. */
#ifndef LIBMEMCACHED_RS_CONFIGURE_H
#define LIBMEMCACHED_RS_CONFIGURE_H

/* Set to 1 by every libmemcached-rs header tree; absent from upstream's. */
#define LIBMEMCACHED_RS 1

#define LIBMEMCACHED_ENABLE_DEPRECATED 0
#define LIBMEMCACHED_WITH_SASL_SUPPORT 1
#define LIBMEMCACHED_AWESOME 1

#define HAVE_VISIBILITY 1
#define HAVE_NETDB_H 1
#define HAVE_IN_PORT_T 1
#define HAVE_PID_T 1
#define HAVE_SSIZE_T 1

/* Version 1.1.4, encoded as 0xMMMmmmppp in hex digits (0x001 001 004). */
#define LIBMEMCACHED_VERSION_STRING "1.1.4"
#define LIBMEMCACHED_VERSION_HEX 0x01001004

#endif
