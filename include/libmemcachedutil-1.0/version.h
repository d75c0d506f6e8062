/* libmemcached-rs: checking that every server runs at least a given version (libmemcachedutil). */
#ifndef LIBMEMCACHED_RS_UTIL_VERSION_H
#define LIBMEMCACHED_RS_UTIL_VERSION_H

#include <libmemcached-1.0/memcached.h>

#ifdef __cplusplus
extern "C" {
#endif

LIBMEMCACHED_API
bool libmemcached_util_version_check(memcached_st *memc, uint8_t major_version,
                                     uint8_t minor_version, uint8_t micro_version);

#ifdef __cplusplus
}
#endif

#endif
