/* libmemcached-rs: system headers and portable basic types used by the API. */
#ifndef LIBMEMCACHED_RS_PLATFORM_H
#define LIBMEMCACHED_RS_PLATFORM_H

#include <libmemcached-1.0/configure.h>

/* Ask <inttypes.h> for the PRIu64-style macros even in C++. */
#ifndef __STDC_FORMAT_MACROS
#define __STDC_FORMAT_MACROS
#endif

#ifdef __cplusplus
#include <cinttypes>
#include <cstddef>
#include <cstdlib>
#else
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#endif

#include <sys/types.h>
#include <time.h>

#if defined(HAVE_NETDB_H) && HAVE_NETDB_H
#include <netdb.h>
#endif

/* Fallbacks for platforms lacking the POSIX types (never used on Linux). */
#if !defined(HAVE_IN_PORT_T)
typedef int in_port_t;
#endif
#if !defined(HAVE_PID_T)
typedef int pid_t;
#endif
#if !defined(HAVE_SSIZE_T)
typedef long int ssize_t;
#endif

/* A connected socket descriptor. */
typedef int memcached_socket_t;

#endif
