/* libmemcached-rs: deriving cluster-wide figures from memcached_stat() output. */
#ifndef LIBMEMCACHED_RS_ANALYZE_H
#define LIBMEMCACHED_RS_ANALYZE_H

#include <libmemcached-1.0/visibility.h>
#include <libmemcached-1.0/types.h>
#include <libmemcached-1.0/types/return.h>
#include <libmemcached-1.0/struct/analysis.h>

#ifdef __cplusplus
extern "C" {
#endif

/* memc_stat is the array returned by memcached_stat(); the result is freed
 * with memcached_analyze_free(). */
LIBMEMCACHED_API
memcached_analysis_st *memcached_analyze(memcached_st *memc, memcached_stat_st *memc_stat,
                                         memcached_return_t *error);

LIBMEMCACHED_API
void memcached_analyze_free(memcached_analysis_st *);

#ifdef __cplusplus
}
#endif

#endif
