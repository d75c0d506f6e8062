/* libmemcached-rs: default port, timeouts and distribution tuning constants. */
#ifndef LIBMEMCACHED_RS_DEFAULTS_H
#define LIBMEMCACHED_RS_DEFAULTS_H

#define MEMCACHED_DEFAULT_PORT 11211
#define MEMCACHED_DEFAULT_PORT_STRING "11211"

/* Continuum points per server: plain consistent hashing, and ketama. */
#define MEMCACHED_POINTS_PER_SERVER 100
#define MEMCACHED_POINTS_PER_SERVER_KETAMA 160
/* Historical continuum capacity (100 servers' worth of points). */
#define MEMCACHED_CONTINUUM_SIZE (MEMCACHED_POINTS_PER_SERVER * 100)
/* Spare continuum slots allocated on each growth step. */
#define MEMCACHED_CONTINUUM_ADDITION 10
#define MEMCACHED_STRIDE 4

/* Milliseconds. */
#define MEMCACHED_DEFAULT_TIMEOUT 5000
#define MEMCACHED_DEFAULT_CONNECT_TIMEOUT 4000

/* Expiration sentinel meaning "do not create the item" for incr/decr with initial. */
#define MEMCACHED_EXPIRATION_NOT_ADD 0xffffffffU

#define MEMCACHED_SERVER_FAILURE_LIMIT 5
#define MEMCACHED_SERVER_FAILURE_RETRY_TIMEOUT 2
#define MEMCACHED_SERVER_FAILURE_DEAD_TIMEOUT 0
#define MEMCACHED_SERVER_TIMEOUT_LIMIT 0

#endif
