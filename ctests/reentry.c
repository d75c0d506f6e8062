// ctest: needs-server
/*
 * reentry.c - callbacks that call back into the library with the handle
 * whose call invoked them: the get-failure (read-through) callback, the
 * delete trigger, memcached_fetch_execute's callbacks, the server cursor,
 * memcached_stat_execute, memcached_dump and the clone and cleanup hooks.
 * Each callback reads the handle (server count, server names, the last
 * error, a get of another key) and the results must match 1.1.4's.
 */
#include <libmemcached/memcached.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void peek(const char *where, const memcached_st *m) {
    memcached_st *mm = (memcached_st *)m;
    size_t len = 0;
    uint32_t flags = 0;
    memcached_return_t rc = MEMCACHED_FAILURE;
    char *v = memcached_get(mm, "reentry:other", 13, &len, &flags, &rc);
    printf("%s: servers=%u other=%s rc=%d\n", where, memcached_server_count(m),
           v ? v : "(null)", (int)rc);
    free(v);
}

static memcached_return_t on_miss(const memcached_st *m, const char *key, size_t len,
                                  memcached_result_st *res) {
    (void)key;
    (void)len;
    peek("get-failure", m);
    memcached_result_set_value(res, "made", 4);
    return MEMCACHED_SUCCESS;
}

static memcached_return_t on_delete(const memcached_st *m, const char *key, size_t len) {
    printf("delete trigger for %.*s\n", (int)len, key);
    peek("delete-trigger", m);
    return MEMCACHED_SUCCESS;
}

static memcached_return_t on_fetch(const memcached_st *m, memcached_result_st *r, void *ctx) {
    (void)ctx;
    printf("fetched %.*s servers=%u\n", (int)memcached_result_key_length(r),
           memcached_result_key_value(r), memcached_server_count(m));
    return MEMCACHED_SUCCESS;
}

static memcached_return_t on_server(const memcached_st *m, const memcached_instance_st *s, void *ctx) {
    (void)ctx;
    printf("cursor: servers=%u port-set=%d name-set=%d\n", memcached_server_count(m),
           memcached_server_port(s) != 0, memcached_server_name(s) != NULL);
    return MEMCACHED_SUCCESS;
}

static int stat_lines;
static memcached_return_t on_stat(const memcached_instance_st *s, const char *key, size_t klen,
                                  const char *value, size_t vlen, void *ctx) {
    (void)key;
    (void)klen;
    (void)value;
    (void)vlen;
    memcached_st *m = ctx;
    if (stat_lines++ == 0) {
        printf("stat: servers=%u name-set=%d\n", memcached_server_count(m),
               memcached_server_name(s) != NULL);
    }
    return MEMCACHED_SUCCESS;
}

static int dumped;
static memcached_return_t on_dump(const memcached_st *m, const char *key, size_t len, void *ctx) {
    (void)key;
    (void)len;
    (void)ctx;
    /* Which keys a dump sees depends on the server's LRU, so only the
     * re-entrant call is checked here, not whether there was a key. */
    dumped++;
    EXPECT(memcached_server_count(m) == 1);
    return MEMCACHED_SUCCESS;
}

static memcached_return_t on_clone(memcached_st *dst, const memcached_st *src) {
    printf("clone hook: dst servers=%u src servers=%u\n", memcached_server_count(dst),
           memcached_server_count(src));
    return MEMCACHED_SUCCESS;
}

static memcached_return_t on_cleanup(const memcached_st *m) {
    printf("cleanup hook: servers=%u\n", memcached_server_count(m));
    return MEMCACHED_SUCCESS;
}

static void run(int binary) {
    printf("== %s\n", binary ? "binary" : "ascii");
    memcached_st *m = harness_handle(binary);
    CHECK(memcached_flush(m, 0) == MEMCACHED_SUCCESS);
    CHECK(memcached_set(m, "reentry:other", 13, "there", 5, 0, 0) == MEMCACHED_SUCCESS);

    CHECK(memcached_callback_set(m, MEMCACHED_CALLBACK_GET_FAILURE, (void *)on_miss) == MEMCACHED_SUCCESS);
    size_t len = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char *v = memcached_get(m, "reentry:missing", 15, &len, &flags, &rc);
    printf("read-through: %s rc=%d\n", v ? v : "(null)", (int)rc);
    free(v);
    CHECK(memcached_callback_set(m, MEMCACHED_CALLBACK_GET_FAILURE, NULL) == MEMCACHED_SUCCESS);

    CHECK(memcached_callback_set(m, MEMCACHED_CALLBACK_DELETE_TRIGGER, (void *)on_delete) == MEMCACHED_SUCCESS);
    printf("delete: %d\n", (int)memcached_delete(m, "reentry:missing", 15, 0));
    CHECK(memcached_callback_set(m, MEMCACHED_CALLBACK_DELETE_TRIGGER, NULL) == MEMCACHED_SUCCESS);

    const char *keys[] = {"reentry:other"};
    size_t lens[] = {13};
    CHECK(memcached_mget(m, keys, lens, 1) == MEMCACHED_SUCCESS);
    memcached_execute_fn fetchers[] = {on_fetch};
    printf("fetch_execute: %d\n", (int)memcached_fetch_execute(m, fetchers, NULL, 1));

    memcached_server_fn servers[] = {on_server};
    printf("cursor: %d\n", (int)memcached_server_cursor(m, servers, NULL, 1));

    stat_lines = 0;
    printf("stat_execute: %d\n", (int)memcached_stat_execute(m, NULL, on_stat, m));

    if (!binary) {
        dumped = 0;
        memcached_dump_fn dumpers[] = {on_dump};
        printf("dump: %d\n", (int)memcached_dump(m, dumpers, NULL, 1));
        printf("# dump callback calls: %d\n", dumped);
    }

    /* A server name pointer stays valid (and the same text) across later
     * calls that hand out the same instance and its error text. */
    const memcached_instance_st *inst = memcached_server_instance_by_position(m, 0);
    const char *name = memcached_server_name(inst);
    char saved[64];
    snprintf(saved, sizeof saved, "%s", name ? name : "");
    const char *err = memcached_server_error(memcached_server_instance_by_position(m, 0));
    (void)memcached_server_name(memcached_server_instance_by_position(m, 0));
    printf("name kept: %d, error text: %d\n", name != NULL && strcmp(name, saved) == 0, err != NULL);

    CHECK(memcached_callback_set(m, MEMCACHED_CALLBACK_CLONE_FUNCTION, (void *)on_clone) == MEMCACHED_SUCCESS);
    CHECK(memcached_callback_set(m, MEMCACHED_CALLBACK_CLEANUP_FUNCTION, (void *)on_cleanup) == MEMCACHED_SUCCESS);
    memcached_st *c = memcached_clone(NULL, m);
    CHECK(c != NULL);
    memcached_free(c);
    memcached_free(m);
}

int main(void) {
    harness_check_loaded_library();
    run(0);
    run(1);
    return harness_finish();
}
