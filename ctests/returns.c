// ctest: needs-server
/*
 * returns.c - return codes, values and errors of the data commands in the
 * ASCII and binary protocols, on one server: storage modes, cas, counters,
 * delete/touch/exist, keys at the length limits, empty values, E2BIG,
 * buffered and noreply modes, mget edge cases, version/verbosity/flush.
 */
#include <libmemcached/memcached.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static memcached_st *connect_to(const char *servers, int binary) {
    memcached_st *m = memcached_create(NULL);
    memcached_server_st *list = memcached_servers_parse(servers);
    CHECK(list != NULL);
    CHECK(memcached_server_push(m, list) == MEMCACHED_SUCCESS);
    memcached_server_list_free(list);
    CHECK(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, (uint64_t)binary) == MEMCACHED_SUCCESS);
    return m;
}

static void show_get(memcached_st *m, const char *p, const char *key) {
    size_t len = 99;
    uint32_t flags = 99;
    memcached_return_t rc;
    char *v = memcached_get(m, key, strlen(key), &len, &flags, &rc);
    printf("%s get %s: rc=%d len=%zu flags=%u value=%s\n", p, key, (int)rc, len, flags, v ? v : "(null)");
    free(v);
}

static void run(const char *servers, int binary) {
    const char *p = binary ? "bin" : "ascii";
    memcached_st *m = connect_to(servers, binary);
    CHECK(memcached_flush(m, 0) == MEMCACHED_SUCCESS);

    printf("%s set: %d\n", p, (int)memcached_set(m, "k", 1, "v1", 2, 0, 5));
    show_get(m, p, "k");
    printf("%s add existing: %d\n", p, (int)memcached_add(m, "k", 1, "x", 1, 0, 0));
    printf("%s add new: %d\n", p, (int)memcached_add(m, "k2", 2, "x", 1, 0, 0));
    printf("%s replace missing: %d\n", p, (int)memcached_replace(m, "nope", 4, "x", 1, 0, 0));
    printf("%s replace: %d\n", p, (int)memcached_replace(m, "k2", 2, "y", 1, 0, 0));
    printf("%s append: %d\n", p, (int)memcached_append(m, "k", 1, "+a", 2, 0, 0));
    printf("%s prepend: %d\n", p, (int)memcached_prepend(m, "k", 1, "p+", 2, 0, 0));
    printf("%s append missing: %d\n", p, (int)memcached_append(m, "nope", 4, "x", 1, 0, 0));
    show_get(m, p, "k");

    /* cas */
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_SUPPORT_CAS, 1);
    const char *keys[] = {"k"};
    size_t lens[] = {1};
    CHECK(memcached_mget(m, keys, lens, 1) == MEMCACHED_SUCCESS);
    memcached_result_st res;
    CHECK(memcached_result_create(m, &res) == &res);
    memcached_return_t rc;
    CHECK(memcached_fetch_result(m, &res, &rc) != NULL);
    uint64_t cas = memcached_result_cas(&res);
    printf("%s cas present: %d\n", p, cas != 0);
    CHECK(memcached_fetch_result(m, &res, &rc) == NULL);
    printf("%s fetch end: %d\n", p, (int)rc);
    memcached_result_free(&res);
    printf("%s cas wrong: %d\n", p, (int)memcached_cas(m, "k", 1, "c", 1, 0, 0, cas + 1000));
    printf("%s cas right: %d\n", p, (int)memcached_cas(m, "k", 1, "c", 1, 0, 0, cas));
    printf("%s cas missing: %d\n", p, (int)memcached_cas(m, "nope", 4, "c", 1, 0, 0, cas));
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_SUPPORT_CAS, 0);
    show_get(m, p, "k");

    /* counters */
    uint64_t val = 7;
    printf("%s set n: %d\n", p, (int)memcached_set(m, "n", 1, "10", 2, 0, 0));
    printf("%s incr: %d ", p, (int)memcached_increment(m, "n", 1, 5, &val));
    printf("-> %llu\n", (unsigned long long)val);
    printf("%s decr: %d ", p, (int)memcached_decrement(m, "n", 1, 100, &val));
    printf("-> %llu\n", (unsigned long long)val);
    val = 7;
    printf("%s incr missing: %d ", p, (int)memcached_increment(m, "nope", 4, 1, &val));
    printf("-> %llu\n", (unsigned long long)val);
    val = 7;
    printf("%s incr with initial: %d ", p, (int)memcached_increment_with_initial(m, "ni", 2, 1, 42, 0, &val));
    printf("-> %llu\n", (unsigned long long)val);
    val = 7;
    printf("%s incr by key: %d ", p, (int)memcached_increment_by_key(m, "g", 1, "n", 1, 2, &val));
    printf("-> %llu\n", (unsigned long long)val);

    /* delete, touch, exist */
    printf("%s delete: %d\n", p, (int)memcached_delete(m, "k2", 2, 0));
    printf("%s delete again: %d\n", p, (int)memcached_delete(m, "k2", 2, 0));
    printf("%s delete with expiration: %d\n", p, (int)memcached_delete(m, "k", 1, 10));
    printf("%s touch: %d\n", p, (int)memcached_touch(m, "k", 1, 100));
    printf("%s touch missing: %d\n", p, (int)memcached_touch(m, "nope", 4, 100));
    printf("%s exist: %d\n", p, (int)memcached_exist(m, "k", 1));
    printf("%s exist missing: %d\n", p, (int)memcached_exist(m, "nope", 4));
    show_get(m, p, "nope");

    /* keys at the limits, empty values */
    char key[300];
    memset(key, 'a', sizeof key);
    printf("%s key 250: %d\n", p, (int)memcached_set(m, key, 250, "v", 1, 0, 0));
    printf("%s key 251: %d\n", p, (int)memcached_set(m, key, 251, "v", 1, 0, 0));
    printf("%s key 0: %d\n", p, (int)memcached_set(m, key, 0, "v", 1, 0, 0));
    printf("%s empty value: %d\n", p, (int)memcached_set(m, "e", 1, "", 0, 0, 3));
    show_get(m, p, "e");
    printf("%s utf8 key: %d\n", p, (int)memcached_set(m, "cl\xc3\xa9", 4, "u", 1, 0, 0));
    show_get(m, p, "cl\xc3\xa9");

    /* a value over the server's item size */
    size_t big = 2 * 1024 * 1024;
    char *huge = calloc(1, big);
    CHECK(huge != NULL);
    rc = memcached_set(m, "huge", 4, huge, big, 0, 0);
    printf("%s too big: %d\n", p, (int)rc);
    free(huge);
    printf("%s after too big: %d\n", p, (int)memcached_set(m, "after", 5, "ok", 2, 0, 0));
    show_get(m, p, "after");

    /* mget edge cases */
    const char *mk[] = {"k", "nope", "after", "e"};
    size_t ml[] = {1, 4, 5, 1};
    printf("%s mget 0 keys: %d\n", p, (int)memcached_mget(m, mk, ml, 0));
    printf("%s mget: %d\n", p, (int)memcached_mget(m, mk, ml, 4));
    int found = 0;
    memcached_result_st *r;
    while ((r = memcached_fetch_result(m, NULL, &rc)) != NULL) {
        found++;
        printf("%s  fetched %.*s = %.*s (%zu)\n", p, (int)memcached_result_key_length(r), memcached_result_key_value(r),
               (int)memcached_result_length(r), memcached_result_value(r) ? memcached_result_value(r) : "",
               memcached_result_length(r));
        memcached_result_free(r);
    }
    printf("%s mget found %d, end rc=%d\n", p, found, (int)rc);
    size_t bad[] = {1, 0, 5, 1};
    printf("%s mget with empty key: %d\n", p, (int)memcached_mget(m, mk, bad, 4));

    /* buffered and noreply */
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BUFFER_REQUESTS, 1);
    printf("%s buffered set: %d\n", p, (int)memcached_set(m, "b", 1, "bv", 2, 0, 0));
    printf("%s buffered delete: %d\n", p, (int)memcached_delete(m, "after", 5, 0));
    printf("%s flush_buffers: %d\n", p, (int)memcached_flush_buffers(m));
    /* Read on the same connection: the buffered requests are processed
     * before it (switching behaviors reconnects, and a new connection may
     * overtake the old one inside the server). */
    show_get(m, p, "b");
    show_get(m, p, "after");
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BUFFER_REQUESTS, 0);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_NOREPLY, 1);
    printf("%s noreply set: %d\n", p, (int)memcached_set(m, "q", 1, "qv", 2, 0, 0));
    printf("%s noreply delete: %d\n", p, (int)memcached_delete(m, "b", 1, 0));
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_NOREPLY, 0);
    show_get(m, p, "q");
    show_get(m, p, "b");

    /* by_key and server-wide commands */
    printf("%s set by key: %d\n", p, (int)memcached_set_by_key(m, "grp", 3, "bk", 2, "bkv", 3, 0, 0));
    size_t l;
    uint32_t f;
    char *v = memcached_get_by_key(m, "grp", 3, "bk", 2, &l, &f, &rc);
    printf("%s get by key: %d %s\n", p, (int)rc, v ? v : "(null)");
    free(v);
    printf("%s version: %d\n", p, (int)memcached_version(m));
    printf("%s verbosity: %d\n", p, (int)memcached_verbosity(m, 0));
    printf("%s flush: %d\n", p, (int)memcached_flush(m, 0));
    show_get(m, p, "q");
    memcached_quit(m);
    show_get(m, p, "q");
    memcached_free(m);
}

/* Codes and errno after failures against a closed port. */
static void dead_server(void) {
    memcached_st *m = memcached_create(NULL);
    memcached_server_add(m, "127.0.0.1", 1);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 30);
    const memcached_instance_st *in = memcached_server_instance_by_position(m, 0);
    memcached_return_t rc = memcached_set(m, "k", 1, "v", 1, 0, 0);
    printf("dead set: %d last=%d errno=%d server=%d\n", (int)rc, (int)memcached_last_error(m),
           memcached_last_error_errno(m), (int)memcached_server_error_return(in));
    rc = memcached_set(m, "k", 1, "v", 1, 0, 0);
    printf("dead set again: %d last=%d server=%d\n", (int)rc, (int)memcached_last_error(m),
           (int)memcached_server_error_return(in));
    size_t len;
    uint32_t flags;
    char *v = memcached_get(m, "k", 1, &len, &flags, &rc);
    printf("dead get: %d %p\n", (int)rc, (void *)v);
    memcached_free(m);
    m = memcached_create(NULL);
    rc = memcached_set(m, "k", 1, "v", 1, 0, 0);
    printf("no servers set: %d\n", (int)rc);
    const char *keys[] = {"k"};
    size_t lens[] = {1};
    printf("no servers mget: %d\n", (int)memcached_mget(m, keys, lens, 1));
    printf("no servers flush: %d\n", (int)memcached_flush(m, 0));
    memcached_free(m);
}

int main(void) {
    harness_check_loaded_library();
    const char *servers = harness_servers();
    for (int i = 0; i <= MEMCACHED_MAXIMUM_RETURN; i++) {
        printf("strerror %d: %s\n", i, memcached_strerror(NULL, (memcached_return_t)i));
    }
    run(servers, 0);
    run(servers, 1);
    dead_server();

    /* A handle on the stack and results in uninitialised caller memory. */
    memcached_st onstack;
    CHECK(memcached_create(&onstack) == &onstack);
    memcached_server_st *list = memcached_servers_parse(servers);
    memcached_server_push(&onstack, list);
    memcached_server_list_free(list);
    printf("stack set: %d\n", (int)memcached_set(&onstack, "s", 1, "sv", 2, 0, 0));
    memcached_result_st *results = malloc(3 * sizeof(memcached_result_st));
    memset(results, 0xa5, 3 * sizeof(memcached_result_st));
    for (int i = 0; i < 3; i++) CHECK(memcached_result_create(&onstack, &results[i]) == &results[i]);
    const char *k[] = {"s"};
    size_t kl[] = {1};
    memcached_return_t rc;
    CHECK(memcached_mget(&onstack, k, kl, 1) == MEMCACHED_SUCCESS);
    CHECK(memcached_fetch_result(&onstack, &results[0], &rc) == &results[0]);
    printf("stack fetched %s\n", memcached_result_value(&results[0]));
    CHECK(memcached_fetch_result(&onstack, &results[1], &rc) == NULL);
    printf("stack end: %d\n", (int)rc);
    memcached_result_free(&results[0]);
    memcached_result_free(&results[1]);
    free(results);
    memcached_free(&onstack);
    return harness_finish();
}
