/* libmemcached-rs: validating a configuration string without creating a handle. */
#ifndef LIBMEMCACHED_RS_OPTIONS_H
#define LIBMEMCACHED_RS_OPTIONS_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>

#ifdef __cplusplus
extern "C" {
#endif

/* On failure a message is written to error_buffer (if not NULL). */
LIBMEMCACHED_API
memcached_return_t libmemcached_check_configuration(const char *option_string, size_t length,
                                                    char *error_buffer, size_t error_buffer_size);

#ifdef __cplusplus
}
#endif

#endif
