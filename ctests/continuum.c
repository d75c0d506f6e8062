/*
 * continuum.c - memcached_st.ketama mirrors the consistent-hashing
 * continuum in 1.1.4's layout (one {server index, value} pair per point,
 * sorted by value), as C code written against 1.1.4's struct walks it
 * (libmemcached's own ketama tests do). Unweighted and weighted ketama,
 * after adding servers and after changing the distribution; the servers
 * are never contacted, so fixed addresses make the output comparable.
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached-1.0/memcached.h>

#include <stdio.h>

#include "harness.h"

/* 1.1.4's internal point layout (continuum.hpp). */
struct memcached_continuum_item_st {
    uint32_t index;
    uint32_t value;
};

static void walk(const char *what, const memcached_st *m)
{
    uint32_t n = m->ketama.continuum_points_counter;
    const struct memcached_continuum_item_st *c = m->ketama.continuum;
    printf("%s: points=%u continuum=%s", what, n, c ? "set" : "NULL");
    if (c == NULL || n == 0) {
        printf("\n");
        return;
    }
    uint64_t sum = 0;
    uint32_t per_server[8] = {0};
    int sorted = 1;
    for (uint32_t i = 0; i < n; i++) {
        sum += (uint64_t)c[i].value * (i + 1) + c[i].index;
        if (c[i].index < 8) {
            per_server[c[i].index]++;
        }
        if (i > 0 && c[i].value < c[i - 1].value) {
            sorted = 0;
        }
    }
    printf(" first=%u/%u last=%u/%u sorted=%d checksum=%llu per-server=%u,%u,%u,%u\n",
           c[0].index, c[0].value, c[n - 1].index, c[n - 1].value, sorted,
           (unsigned long long)sum, per_server[0], per_server[1], per_server[2], per_server[3]);
}

int main(void)
{
    harness_check_loaded_library();
    memcached_st *m = memcached_create(NULL);
    CHECK(m != NULL);
    walk("empty", m);
    memcached_server_add(m, "10.0.0.1", 11211);
    memcached_server_add(m, "10.0.0.2", 11211);
    memcached_server_add(m, "10.0.0.3", 11212);
    walk("modula", m);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_DISTRIBUTION, MEMCACHED_DISTRIBUTION_CONSISTENT);
    walk("consistent", m);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_KETAMA, 1);
    walk("ketama", m);
    memcached_server_add(m, "10.0.0.4", 11211);
    walk("ketama, four servers", m);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
    walk("weighted", m);
    memcached_server_add_with_weight(m, "10.0.0.5", 11211, 3);
    walk("weighted, a heavier fifth", m);
    memcached_st *clone = memcached_clone(NULL, m);
    CHECK(clone != NULL);
    walk("clone", clone);
    memcached_free(clone);
    /* 1.1.4 leaves the unused continuum in place; ours clears the mirror
     * (a mirrored field is consistent with the client or zero): not
     * compared. */
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_DISTRIBUTION, MEMCACHED_DISTRIBUTION_MODULA);
    printf("# ");
    walk("back to modula", m);
    memcached_free(m);
    return harness_finish();
}
