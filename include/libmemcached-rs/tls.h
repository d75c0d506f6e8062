/*
 * libmemcached-rs/tls.h - TLS connections to memcached (an addition of
 * libmemcached-rs; libmemcached 1.1.4 has no TLS).
 *
 * Programs that want the C API include this header and may test for
 * LIBMEMCACHED_RS_TLS. Programs that cannot be changed get TLS from the
 * environment instead (read by memcached_create):
 *   LIBMEMCACHED_TLS=1, LIBMEMCACHED_TLS_CA_FILE, LIBMEMCACHED_TLS_CERT_FILE,
 *   LIBMEMCACHED_TLS_KEY_FILE, LIBMEMCACHED_TLS_SERVER_NAME
 * or from the configuration language of memcached()/memcached_pool():
 *   --TLS --TLS-CA-FILE="..." --TLS-CERT-FILE="..." --TLS-KEY-FILE="..."
 *   --TLS-SERVER-NAME=...
 */
#ifndef LIBMEMCACHED_RS_TLS_H
#define LIBMEMCACHED_RS_TLS_H

#include <libmemcached/memcached.h>

/* Defined when the TLS functions below are available. */
#define LIBMEMCACHED_RS_TLS 1

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Connect to every server of the handle with TLS (1.2 or 1.3), verifying
 * the server's certificate:
 *   ca_file      PEM file of trusted CA certificates; NULL: the system's.
 *   cert_file,   PEM client certificate chain and its private key, for
 *   key_file     mutual TLS; both NULL for none.
 *   server_name  name the certificate must be valid for; NULL: the
 *                server's host name or IP address as added.
 * The files are read at once; a file that cannot be read or parsed gives
 * MEMCACHED_INVALID_ARGUMENTS and memcached_last_error_message() says why.
 * Open connections are closed; memcached_clone() copies the settings.
 * A failed handshake (untrusted certificate, wrong name, a server that does
 * not speak TLS) is a connection failure within CONNECT_TIMEOUT; there is
 * never a fall-back to plain text.
 */
memcached_return_t memcached_set_tls(memcached_st *ptr, const char *ca_file, const char *cert_file,
                                     const char *key_file, const char *server_name);

/* Back to plain connections (closes open ones). */
memcached_return_t memcached_clear_tls(memcached_st *ptr);

#ifdef __cplusplus
}
#endif

#endif /* LIBMEMCACHED_RS_TLS_H */
