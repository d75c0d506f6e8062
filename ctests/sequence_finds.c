// ctest: servers=2
/*
 * sequence_finds.c - the shortest call sequences of the differences the
 * sequence tester (tests/sequences/) found between 1.1.4 and ours, each
 * fixed to behave as 1.1.4:
 *
 *   1. A get or multi-get first sends the requests buffered on every
 *      server (BUFFER_REQUESTS), not only on the servers it reads from:
 *      another handle then sees the buffered set (seed 1577).
 *   2. memcached_clone does not copy the weighted-ketama flag unless a
 *      server weighs more than 1: a clone of a CONSISTENT_WEIGHTED handle
 *      places keys as 1.1.4's clones do (seed 536).
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached-1.0/memcached.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* A key of `m` that lives on server `want`, and one of another server. */
static void key_on(memcached_st *m, uint32_t want, char *out, size_t size)
{
    for (int i = 0; i < 1000; i++) {
        snprintf(out, size, "key-%d", i);
        if (memcached_generate_hash(m, out, strlen(out)) == want) {
            return;
        }
    }
    CHECK(0);
}

static void buffered_then_get(int binary)
{
    printf("== buffered set, then a get on another server (%s)\n", binary ? "binary" : "ascii");
    memcached_st *writer = harness_handle(binary);
    memcached_st *reader = harness_handle(binary);
    memcached_flush(reader, 0);
    char on0[32], on1[32];
    key_on(writer, 0, on0, sizeof on0);
    key_on(writer, 1, on1, sizeof on1);
    memcached_behavior_set(writer, MEMCACHED_BEHAVIOR_BUFFER_REQUESTS, 1);
    printf("set on server 1 (buffered): %d\n",
           (int)memcached_set(writer, on1, strlen(on1), "buffered", 8, 0, 0));
    size_t len;
    uint32_t flags;
    memcached_return_t rc;
    char *v = memcached_get(writer, on0, strlen(on0), &len, &flags, &rc);
    printf("get on server 0: %d\n", (int)rc);
    free(v);
    /* The other handle sees the buffered set now. */
    v = memcached_get(reader, on1, strlen(on1), &len, &flags, &rc);
    printf("another handle reads it: %d %.*s\n", (int)rc, v ? (int)len : 0, v ? v : "");
    free(v);
    /* The same through a multi-get on server 0 only. */
    printf("set again (buffered): %d\n",
           (int)memcached_set(writer, on1, strlen(on1), "buffered2", 9, 0, 0));
    const char *keys[] = {on0};
    size_t lens[] = {strlen(on0)};
    printf("mget on server 0: %d\n", (int)memcached_mget(writer, keys, lens, 1));
    memcached_result_st *r;
    while ((r = memcached_fetch_result(writer, NULL, &rc)) != NULL) {
        memcached_result_free(r);
    }
    v = memcached_get(reader, on1, strlen(on1), &len, &flags, &rc);
    printf("another handle reads it: %d %.*s\n", (int)rc, v ? (int)len : 0, v ? v : "");
    free(v);
    memcached_free(reader);
    memcached_free(writer);
}

static void print_placement(const char *what, memcached_st *m)
{
    printf("%s:", what);
    for (int i = 0; i < 16; i++) {
        char key[16];
        snprintf(key, sizeof key, "key:%d", i);
        printf(" %u", memcached_generate_hash(m, key, strlen(key)));
    }
    printf("\n");
}

static void clone_of_weighted(void)
{
    printf("== clone of a CONSISTENT_WEIGHTED handle\n");
    memcached_st *m = memcached_create(NULL);
    CHECK(m != NULL);
    memcached_server_add(m, "10.0.0.1", 11211);
    memcached_server_add(m, "10.0.0.2", 11211);
    memcached_server_add(m, "10.0.0.3", 11211);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                           MEMCACHED_DISTRIBUTION_CONSISTENT_WEIGHTED);
    print_placement("original", m);
    memcached_st *c = memcached_clone(NULL, m);
    CHECK(c != NULL);
    print_placement("clone", c);
    printf("clone KETAMA_WEIGHTED: %llu\n",
           (unsigned long long)memcached_behavior_get(c, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED));
    memcached_free(c);
    /* With a server weighing more than 1 the clone stays weighted. */
    memcached_server_add_with_weight(m, "10.0.0.4", 11211, 2);
    print_placement("original, a weight-2 server", m);
    c = memcached_clone(NULL, m);
    CHECK(c != NULL);
    print_placement("clone, a weight-2 server", c);
    memcached_free(c);
    memcached_free(m);
}

int main(void)
{
    harness_check_loaded_library();
    buffered_then_get(0);
    buffered_then_get(1);
    clone_of_weighted();
    return harness_finish();
}
