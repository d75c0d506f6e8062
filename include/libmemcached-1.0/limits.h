/* libmemcached-rs: size limits of keys, buffers and version strings. */
#ifndef LIBMEMCACHED_RS_LIMITS_H
#define LIBMEMCACHED_RS_LIMITS_H

/* Size of the per-connection write/read buffer. */
#define MEMCACHED_MAX_BUFFER 8196
/* Longest key the text protocol accepts is 250; one more for the NUL. */
#define MEMCACHED_MAX_KEY 251
/* Longest namespace (key prefix). */
#define MEMCACHED_MAX_NAMESPACE 128
/* Room for "host:port-index" strings hashed onto the ketama continuum. */
#define MEMCACHED_MAX_HOST_SORT_LENGTH 86
/* Digits of a 64-bit unsigned number. */
#define MEMCACHED_MAX_INTEGER_DISPLAY_LENGTH 20
/* Size of memcached_stat_st.version. */
#define MEMCACHED_VERSION_STRING_LENGTH 24

/* Older spellings kept for source compatibility. */
#define MEMCACHED_MAXIMUM_INTEGER_DISPLAY_LENGTH MEMCACHED_MAX_INTEGER_DISPLAY_LENGTH
#define MEMCACHED_PREFIX_KEY_MAX_SIZE MEMCACHED_MAX_NAMESPACE

#endif
