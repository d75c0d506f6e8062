// ctest: needs-server
/*
 * callbacks.c - memcached_callback_set/get: namespace (prefix key) on the
 * wire and stripped from results, user data, clone and cleanup hooks, the
 * get-failure (read-through) callback, the delete trigger; user data and
 * custom allocators.
 */
#include <libmemcached/memcached.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static int clones, cleanups, deletes, allocs, frees;

static memcached_return_t on_clone(memcached_st *dst, const memcached_st *src) {
    (void)dst;
    (void)src;
    clones++;
    return MEMCACHED_SUCCESS;
}

static memcached_return_t on_cleanup(const memcached_st *m) {
    (void)m;
    cleanups++;
    return MEMCACHED_SUCCESS;
}

static memcached_return_t on_miss(const memcached_st *m, const char *key, size_t len, memcached_result_st *res) {
    (void)m;
    char buf[300];
    snprintf(buf, sizeof buf, "made-for-%.*s", (int)len, key);
    memcached_result_set_value(res, buf, strlen(buf));
    memcached_result_set_flags(res, 9);
    return MEMCACHED_SUCCESS;
}

static memcached_return_t on_delete(const memcached_st *m, const char *key, size_t len) {
    (void)m;
    printf("delete trigger for %.*s\n", (int)len, key);
    deletes++;
    return MEMCACHED_SUCCESS;
}

static void *my_malloc(const memcached_st *m, size_t n, void *ctx) {
    (void)m;
    (void)ctx;
    allocs++;
    return malloc(n);
}
static void my_free(const memcached_st *m, void *p, void *ctx) {
    (void)m;
    (void)ctx;
    if (p) frees++;
    free(p);
}
static void *my_realloc(const memcached_st *m, void *p, size_t n, void *ctx) {
    (void)m;
    (void)ctx;
    allocs++;
    return realloc(p, n);
}
static void *my_calloc(const memcached_st *m, size_t c, size_t n, void *ctx) {
    (void)m;
    (void)ctx;
    allocs++;
    return calloc(c, n);
}

static void show_get(memcached_st *m, const char *key) {
    size_t len = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char *v = memcached_get(m, key, strlen(key), &len, &flags, &rc);
    printf("get %s: rc=%d flags=%u value=%s\n", key, (int)rc, flags, v ? v : "(null)");
    free(v);
}

int main(void) {
    harness_check_loaded_library();
    memcached_st *m = memcached_create(NULL);
    memcached_server_st *list = memcached_servers_parse(harness_servers());
    memcached_server_push(m, list);
    memcached_server_list_free(list);
    memcached_flush(m, 0);

    memcached_return_t rc = MEMCACHED_MAXIMUM_RETURN;
    void *got = memcached_callback_get(m, MEMCACHED_CALLBACK_PREFIX_KEY, &rc);
    printf("namespace unset: %p rc=%d\n", got, (int)rc);
    printf("set namespace: %d\n", (int)memcached_callback_set(m, MEMCACHED_CALLBACK_PREFIX_KEY, "app1:"));
    rc = MEMCACHED_MAXIMUM_RETURN;
    got = memcached_callback_get(m, MEMCACHED_CALLBACK_PREFIX_KEY, &rc);
    printf("namespace: %s rc=%d\n", (char *)got, (int)rc);
    printf("bad namespace: %d\n", (int)memcached_callback_set(m, MEMCACHED_CALLBACK_PREFIX_KEY, "bad key"));
    char longns[200];
    memset(longns, 'n', sizeof longns);
    longns[sizeof longns - 1] = 0;
    printf("long namespace: %d\n", (int)memcached_callback_set(m, MEMCACHED_CALLBACK_PREFIX_KEY, longns));
    printf("namespace kept: %s\n", (char *)memcached_callback_get(m, MEMCACHED_CALLBACK_PREFIX_KEY, &rc));
    printf("set: %d\n", (int)memcached_set(m, "nk", 2, "v", 1, 0, 0));
    const char *keys[] = {"nk"};
    size_t lens[] = {2};
    memcached_mget(m, keys, lens, 1);
    memcached_result_st *r = memcached_fetch_result(m, NULL, &rc);
    CHECK(r != NULL);
    printf("fetched key: %.*s\n", (int)memcached_result_key_length(r), memcached_result_key_value(r));
    memcached_result_free(r);
    while ((r = memcached_fetch_result(m, NULL, &rc))) memcached_result_free(r);
    printf("clear namespace: %d\n", (int)memcached_callback_set(m, MEMCACHED_CALLBACK_PREFIX_KEY, NULL));
    show_get(m, "app1:nk");
    show_get(m, "nk");

    int data = 42;
    printf("user data set: %d\n", (int)memcached_callback_set(m, MEMCACHED_CALLBACK_USER_DATA, &data));
    printf("user data: %d\n", *(int *)memcached_callback_get(m, MEMCACHED_CALLBACK_USER_DATA, &rc));
    int other = 7;
    printf("set_user_data returns old: %d\n", *(int *)memcached_set_user_data(m, &other));
    printf("get_user_data: %d\n", *(int *)memcached_get_user_data(m));

    memcached_callback_set(m, MEMCACHED_CALLBACK_CLONE_FUNCTION, (const void *)on_clone);
    memcached_callback_set(m, MEMCACHED_CALLBACK_CLEANUP_FUNCTION, (const void *)on_cleanup);
    memcached_st *c = memcached_clone(NULL, m);
    printf("clone: %d clones=%d user_data=%d\n", c != NULL, clones, *(int *)memcached_get_user_data(c));
    show_get(c, "nk");
    memcached_free(c);
    printf("cleanups after freeing the clone: %d\n", cleanups);

    memcached_callback_set(m, MEMCACHED_CALLBACK_GET_FAILURE, (const void *)on_miss);
    show_get(m, "readthrough");
    memcached_callback_set(m, MEMCACHED_CALLBACK_GET_FAILURE, NULL);
    show_get(m, "readthrough");

    printf("delete trigger set: %d\n", (int)memcached_callback_set(m, MEMCACHED_CALLBACK_DELETE_TRIGGER, (const void *)on_delete));
    printf("delete: %d\n", (int)memcached_delete(m, "readthrough", 11, 0));
    printf("delete missing: %d deletes=%d\n", (int)memcached_delete(m, "readthrough", 11, 0), deletes);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_NOREPLY, 1);
    printf("delete with trigger and noreply: %d\n", (int)memcached_delete(m, "nk", 2, 0));
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_NOREPLY, 0);
    memcached_callback_set(m, MEMCACHED_CALLBACK_DELETE_TRIGGER, NULL);

    printf("partial allocators: %d\n", (int)memcached_set_memory_allocators(m, my_malloc, NULL, NULL, NULL, NULL));
    printf("allocators: %d\n", (int)memcached_set_memory_allocators(m, my_malloc, my_free, my_realloc, my_calloc, &data));
    printf("allocator context: %d\n", *(int *)memcached_get_memory_allocators_context(m));
    memcached_malloc_fn gm;
    memcached_free_fn gf;
    memcached_realloc_fn gr;
    memcached_calloc_fn gc;
    memcached_get_memory_allocators(m, &gm, &gf, &gr, &gc);
    printf("allocators read back: %d\n", gm == my_malloc && gf == my_free && gr == my_realloc && gc == my_calloc);
    memcached_set(m, "av", 2, "allocated", 9, 0, 0);
    size_t len;
    uint32_t flags;
    char *v = memcached_get(m, "av", 2, &len, &flags, &rc);
    printf("custom-allocated get: %s, allocator used: %d\n", v, allocs > 0);
    my_free(m, v, NULL);
    printf("free used: %d\n", frees > 0);
    printf("reset allocators: %d\n", (int)memcached_set_memory_allocators(m, NULL, NULL, NULL, NULL, NULL));
    memcached_free(m);
    printf("cleanups at the end: %d\n", cleanups);
    return harness_finish();
}
