// ctest: needs-server
/*
 * mget_execute.c - the consumers' large multi-get: one server, binary
 * protocol, POLL_TIMEOUT 1000, REMOVE_FAILED_SERVERS, 20,480 keys of 1 KB,
 * memcached_mget_execute with a counting callback, then memcached_fetch
 * until it returns NULL. The replies (20 MB) do not fit in the socket
 * buffers while the requests are still being written: 1.1.4 runs the
 * callbacks on the replies it must read to go on writing, and
 * memcached_fetch returns the rest. Every key must be seen exactly once,
 * by the callback or by a fetch, and the loop must end with END.
 * Then the same with memcached_fetch_execute and with memcached_fetch_result.
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached-1.0/memcached.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define KEYS 20480
#define VALUE 1024

static char *keys[KEYS];
static size_t lens[KEYS];
static unsigned char seen[KEYS];

static size_t key_index(const char *key, size_t len)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf) {
        return KEYS;
    }
    memcpy(buf, key, len);
    buf[len] = 0;
    return (size_t)strtoul(buf + 4, NULL, 10);
}

static void mark(const char *key, size_t len, size_t value_len, int *bad)
{
    size_t i = key_index(key, len);
    if (i >= KEYS || seen[i] || value_len != VALUE) {
        (*bad)++;
        return;
    }
    seen[i] = 1;
}

static int callback_bad;
static memcached_return_t count(const memcached_st *m, memcached_result_st *r, void *ctx)
{
    (void)m;
    (*(size_t *)ctx)++;
    mark(memcached_result_key_value(r), memcached_result_key_length(r), memcached_result_length(r),
         &callback_bad);
    return MEMCACHED_SUCCESS;
}

static size_t seen_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < KEYS; i++) {
        n += seen[i];
    }
    return n;
}

int main(void)
{
    harness_check_loaded_library();
    memcached_st *memc = harness_handle(1);
    CHECK(memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, 1000) == MEMCACHED_SUCCESS);
    CHECK(memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 1) ==
          MEMCACHED_SUCCESS);

    char *value = malloc(VALUE);
    CHECK(value != NULL);
    memset(value, 'v', VALUE);
    size_t stored = 0;
    for (size_t i = 0; i < KEYS; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "key-%zu", i);
        keys[i] = strdup(buf);
        lens[i] = strlen(buf);
        stored += memcached_set(memc, keys[i], lens[i], value, VALUE, 0, 0) == MEMCACHED_SUCCESS;
    }
    printf("stored %zu of %d\n", stored, KEYS);

    /* mget_execute, then memcached_fetch to the end. */
    size_t by_callback = 0, by_fetch = 0;
    int fetch_bad = 0;
    memcached_execute_fn callbacks[1] = {count};
    memcached_return_t rc =
        memcached_mget_execute(memc, (const char *const *)keys, lens, KEYS, callbacks, &by_callback, 1);
    printf("mget_execute: %d %s\n", (int)rc, memcached_strerror(memc, rc));
    for (size_t guard = 0; guard <= KEYS; guard++) {
        char key[MEMCACHED_MAX_KEY];
        size_t key_len = 0, len = 0;
        uint32_t flags = 0;
        char *v = memcached_fetch(memc, key, &key_len, &len, &flags, &rc);
        if (v == NULL && rc != MEMCACHED_SUCCESS) {
            break;
        }
        by_fetch++;
        mark(key, key_len, len, &fetch_bad);
        free(v);
    }
    printf("fetch loop ended: %d %s\n", (int)rc, memcached_strerror(memc, rc));
    printf("# %zu by the callback, %zu by memcached_fetch\n", by_callback, by_fetch);
    printf("keys seen once: %zu, bad: %d\n", seen_count(), callback_bad + fetch_bad);

    /* mget_execute, then memcached_fetch_execute. */
    memset(seen, 0, sizeof seen);
    callback_bad = 0;
    by_callback = 0;
    rc = memcached_mget_execute(memc, (const char *const *)keys, lens, KEYS, callbacks, &by_callback, 1);
    printf("mget_execute: %d %s\n", (int)rc, memcached_strerror(memc, rc));
    rc = memcached_fetch_execute(memc, callbacks, &by_callback, 1);
    printf("fetch_execute: %d %s\n", (int)rc, memcached_strerror(memc, rc));
    printf("keys seen once: %zu, bad: %d\n", seen_count(), callback_bad);

    /* A plain mget of the same keys, then memcached_fetch_result. */
    memset(seen, 0, sizeof seen);
    int result_bad = 0;
    rc = memcached_mget(memc, (const char *const *)keys, lens, KEYS);
    printf("mget: %d %s\n", (int)rc, memcached_strerror(memc, rc));
    memcached_result_st *r;
    while ((r = memcached_fetch_result(memc, NULL, &rc)) != NULL) {
        mark(memcached_result_key_value(r), memcached_result_key_length(r), memcached_result_length(r),
             &result_bad);
        memcached_result_free(r);
    }
    printf("fetch_result loop ended: %d %s\n", (int)rc, memcached_strerror(memc, rc));
    printf("keys seen once: %zu, bad: %d\n", seen_count(), result_bad);

    for (size_t i = 0; i < KEYS; i++) {
        free(keys[i]);
    }
    free(value);
    memcached_free(memc);
    return harness_finish();
}
