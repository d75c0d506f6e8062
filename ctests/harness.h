/*
 * harness.h - tiny helpers shared by the C test programs in ctests/.
 *
 * Every program calls harness_check_loaded_library() first, so a run proves
 * which libmemcached.so.11 it actually loaded, and finishes with
 * `return harness_finish();`. CHECK stops the program at the first failure;
 * EXPECT records the failure and carries on. Both print file:line.
 *
 * Output convention (tests/ctests.rs): stdout is compared between Debian's
 * library and ours, except lines starting with '#'; stderr is only shown.
 */
#ifndef CTESTS_HARNESS_H
#define CTESTS_HARNESS_H

#include <stdint.h>
#include <stdlib.h>

/*
 * Finds libmemcached.so.11 (and libhashkit.so.2 / libmemcachedutil.so.2 when
 * they are loaded) in /proc/self/maps and prints their paths to stderr.
 * When the environment variable HARNESS_EXPECT_LIB is set (a directory or
 * path prefix), exits with status 2 unless every one of them lies under it.
 * Also exits with status 2 when libmemcached.so.11 is not mapped at all.
 */
void harness_check_loaded_library(void);

/* The value of MEMCACHED_SERVERS ("127.0.0.1:PORT"); exits with status 2 when unset. */
const char *harness_servers(void);

/* A new handle (memcached_create(NULL)) with the servers of
 * MEMCACHED_SERVERS pushed and the binary protocol on or off; exits with
 * status 1 when that fails. */
struct memcached_st;
struct memcached_st *harness_handle(int binary);

/* Key number i of a fixed mixed set (the empty key, 250-byte keys, ASCII,
 * UTF-8, only high bytes, any byte including NUL), written to buf (251
 * bytes); returns its length. hashkit.c and placement.c hash the same keys. */
size_t harness_key(unsigned i, char *buf);

/* Records one failure at file:line with a message (used by the macros). */
void harness_fail(const char *file, int line, const char *what);

/* 0 when nothing failed, 1 otherwise; prints a summary to stderr. */
int harness_finish(void);

/* Fatal: on failure print file:line and the condition, then exit(1). */
#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            harness_fail(__FILE__, __LINE__, "CHECK(" #cond ")");              \
            (void)harness_finish();                                            \
            exit(1);                                                           \
        }                                                                      \
    } while (0)

/* Non-fatal: on failure print file:line and the condition, remember it, go on. */
#define EXPECT(cond)                                                           \
    do {                                                                       \
        if (!(cond)) {                                                         \
            harness_fail(__FILE__, __LINE__, "EXPECT(" #cond ")");             \
        }                                                                      \
    } while (0)

#endif /* CTESTS_HARNESS_H */
