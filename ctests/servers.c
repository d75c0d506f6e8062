// ctest: needs-server
/*
 * servers.c - server lists and the servers of a handle: memcached_servers_parse,
 * memcached_server_list_append*, _count, _free, memcached_server_push,
 * memcached_server_add* (hostname/port/weight defaults, unix sockets, the
 * deprecated UDP calls), memcached_push, memcached_server_cursor,
 * memcached_server_by_key, memcached_bucket_set, the instance accessors, and
 * versions/source port/last disconnect against the server in MEMCACHED_SERVERS.
 *
 * Everything printed on non-'#' lines is independent of ports and pointers,
 * so Debian's libmemcached and ours must print the same.
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached-1.0/memcached.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Prints the elements of a server list as callers read them. */
static void show_list(const char *what, memcached_server_list_st l)
{
    uint32_t n = memcached_server_list_count(l);
    printf("%s: %s count=%u\n", what, l ? "list" : "NULL", n);
    for (uint32_t i = 0; i < n; i++) {
        printf("  [%u] host='%s' port=%u weight=%u type=%d number_of_hosts=%u\n", i,
               l[i].hostname, (unsigned)l[i].port, l[i].weight, (int)l[i].type,
               l[i].number_of_hosts);
    }
}

/* Prints the servers of a handle through the accessors. */
static void show_handle(const char *what, memcached_st *m)
{
    uint32_t n = memcached_server_count(m);
    printf("%s: count=%u weighted=%d distribution=%d\n", what, n, (int)m->ketama.weighted_,
           (int)memcached_behavior_get_distribution(m));
    for (uint32_t i = 0; i < n; i++) {
        const memcached_instance_st *s = memcached_server_instance_by_position(m, i);
        CHECK(s != NULL);
        printf("  [%u] name='%.40s' len=%zu port=%u type=%s version=%u.%u.%u error_return=%d "
               "error='%s' responses=%u\n",
               i, memcached_server_name(s), strlen(memcached_server_name(s)),
               (unsigned)memcached_server_port(s), memcached_server_type(s),
               memcached_server_major_version(s), memcached_server_minor_version(s),
               memcached_server_micro_version(s), (int)memcached_server_error_return(s),
               memcached_server_error(s), memcached_server_response_count(s));
    }
}

static int cursor_calls;

static memcached_return_t cursor_fail(const memcached_st *m, const memcached_instance_st *s,
                                      void *ctx)
{
    (void)m;
    cursor_calls++;
    printf("  cursor_fail %.20s:%u ctx=%s\n", memcached_server_name(s),
           (unsigned)memcached_server_port(s), (const char *)ctx);
    return MEMCACHED_FAILURE;
}

static memcached_return_t cursor_ok(const memcached_st *m, const memcached_instance_st *s,
                                    void *ctx)
{
    (void)m;
    (void)ctx;
    cursor_calls++;
    printf("  cursor_ok %.20s\n", memcached_server_name(s));
    return MEMCACHED_SUCCESS;
}

static void lists(void)
{
    memcached_return_t rc = MEMCACHED_MAXIMUM_RETURN;
    memcached_server_list_st l = memcached_servers_parse("a:1 2, /tmp/s:3:4,[::1]:5");
    show_list("parse", l);
    l = memcached_server_list_append(l, "b", 0, &rc);
    printf("append b,0 -> %d\n", (int)rc);
    rc = MEMCACHED_MAXIMUM_RETURN;
    l = memcached_server_list_append_with_weight(l, NULL, 0, 0, &rc);
    printf("append NULL -> %d\n", (int)rc);
    l = memcached_server_list_append_with_weight(l, "/x", 9, 7, NULL);
    rc = MEMCACHED_MAXIMUM_RETURN;
    l = memcached_server_list_append_with_weight(l, "", 9, 7, &rc);
    printf("append '' -> %d\n", (int)rc);
    show_list("appended", l);

    memcached_st *m = memcached_create(NULL);
    CHECK(m != NULL);
    printf("push -> %d\n", (int)memcached_server_push(m, l));
    printf("push NULL -> %d\n", (int)memcached_server_push(m, NULL));
    show_handle("pushed", m);
    memcached_server_list_free(l);
    memcached_free(m);

    show_list("parse ''", memcached_servers_parse(""));
    show_list("parse overflow", memcached_servers_parse("a:99999999999999999999"));
    memcached_server_list_st one = memcached_server_list_append(NULL, "z", 3, &rc);
    show_list("new", one);
    memcached_server_free(one);
    memcached_server_list_free(NULL);
    memcached_server_free(NULL);
    printf("count NULL=%u\n", memcached_server_list_count(NULL));
}

static void adding(void)
{
    char big[1100];
    memcached_st *m = memcached_create(NULL);
    CHECK(m != NULL);
    printf("add NULL,0 -> %d\n", (int)memcached_server_add(m, NULL, 0));
    printf("add '',5 -> %d\n", (int)memcached_server_add(m, "", 5));
    printf("add /tmp/x.sock,5 -> %d\n", (int)memcached_server_add(m, "/tmp/x.sock", 5));
    printf("add w0 -> %d\n", (int)memcached_server_add_with_weight(m, "h2", 7, 0));
    printf("add w3 -> %d\n", (int)memcached_server_add_with_weight(m, "h3", 8, 3));
    printf("add udp -> %d last=%d\n", (int)memcached_server_add_udp(m, "h4", 9),
           (int)memcached_last_error(m));
    printf("add udp w -> %d\n", (int)memcached_server_add_udp_with_weight(m, "h4", 9, 2));
    printf("add unix NULL -> %d last=%d\n", (int)memcached_server_add_unix_socket(m, NULL),
           (int)memcached_last_error(m));
    printf("add unix '' -> %d\n", (int)memcached_server_add_unix_socket(m, ""));
    printf("add unix w4 -> %d\n", (int)memcached_server_add_unix_socket_with_weight(m, "/tmp/y", 4));
    printf("add unix relative -> %d\n", (int)memcached_server_add_unix_socket(m, "relative"));
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    printf("add 1099 -> %d last=%d\n", (int)memcached_server_add(m, big, 1),
           (int)memcached_last_error(m));
    big[1025] = '\0';
    printf("add 1025 -> %d\n", (int)memcached_server_add(m, big, 1));
    big[1024] = '\0';
    printf("add 1024 -> %d\n", (int)memcached_server_add(m, big, 1));
    printf("add unix 1024 -> %d\n", (int)memcached_server_add_unix_socket(m, big));
    show_handle("added", m);

    cursor_calls = 0;
    memcached_server_fn fns[2] = {cursor_fail, cursor_ok};
    memcached_return_t crc = memcached_server_cursor(m, fns, (void *)"ctx", 2);
    printf("cursor -> %d calls=%d\n", (int)crc, cursor_calls);
    printf("cursor 0 -> %d\n", (int)memcached_server_cursor(m, fns, NULL, 0));

    /* Keys: *error is left alone on success. */
    memcached_return_t e = MEMCACHED_MAXIMUM_RETURN;
    const memcached_instance_st *s = memcached_server_by_key(m, "foo", 3, &e);
    printf("by_key foo -> %s e=%d\n", s ? memcached_server_name(s) : "NULL", (int)e);
    e = MEMCACHED_MAXIMUM_RETURN;
    s = memcached_server_by_key(m, "foo", 0, &e);
    printf("by_key len0 -> %s e=%d\n", s ? "server" : "NULL", (int)e);
    e = MEMCACHED_MAXIMUM_RETURN;
    s = memcached_server_by_key(m, big, 251, &e);
    printf("by_key len251 -> %s e=%d\n", s ? "server" : "NULL", (int)e);
    e = MEMCACHED_MAXIMUM_RETURN;
    s = memcached_server_by_key(m, big, 250, &e);
    printf("by_key len250 -> %s e=%d\n", s ? "server" : "NULL", (int)e);
    e = MEMCACHED_MAXIMUM_RETURN;
    s = memcached_server_by_key(m, "a b", 3, &e);
    printf("by_key 'a b' -> %s e=%d\n", s ? "server" : "NULL", (int)e);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_VERIFY_KEY, 1);
    e = MEMCACHED_MAXIMUM_RETURN;
    s = memcached_server_by_key(m, "a b", 3, &e);
    printf("by_key 'a b' verify -> %s e=%d\n", s ? "server" : "NULL", (int)e);

    memcached_st *none = memcached_create(NULL);
    CHECK(none != NULL);
    e = MEMCACHED_MAXIMUM_RETURN;
    s = memcached_server_by_key(none, "foo", 3, &e);
    printf("by_key no servers -> %s e=%d last=%d\n", s ? "server" : "NULL", (int)e,
           (int)memcached_last_error(none));
    printf("cursor no servers -> %d\n", (int)memcached_server_cursor(none, fns, NULL, 2));
    printf("last disconnect none -> %s\n",
           memcached_server_get_last_disconnect(none) ? "server" : "NULL");
    printf("memcached_push -> %d\n", (int)memcached_push(none, m));
    show_handle("copied", none);
    memcached_free(none);

    /* Weighting: a weight above 1 under MODULA does not turn it on... */
    memcached_st *w = memcached_create(NULL);
    CHECK(w != NULL);
    memcached_server_add_with_weight(w, "a", 1, 5);
    printf("modula w5 weighted=%d\n", (int)w->ketama.weighted_);
    /* ...and USE_UDP does not stop TCP or socket servers from being added. */
    memcached_behavior_set(w, MEMCACHED_BEHAVIOR_USE_UDP, 1);
    printf("udp handle add -> %d\n", (int)memcached_server_add(w, "udp1", 1));
    printf("udp handle add unix -> %d\n", (int)memcached_server_add_unix_socket(w, "/tmp/s"));
    show_handle("udp handle", w);
    memcached_free(w);

    /* Consistent distribution: a weight above 1 turns weighting on. */
    memcached_st *k = memcached_create(NULL);
    CHECK(k != NULL);
    memcached_behavior_set(k, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                           MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
    memcached_server_add_with_weight(k, "a", 1, 1);
    printf("ketama w1 weighted=%d\n", (int)k->ketama.weighted_);
    memcached_server_add_with_weight(k, "b", 1, 2);
    printf("ketama w2 weighted=%d\n", (int)k->ketama.weighted_);
    memcached_free(k);

    memcached_free(m);

    printf("NULL instance: name=%s port=%u type=%s major=%u error_return=%d responses=%u\n",
           memcached_server_name(NULL) ? "set" : "NULL", (unsigned)memcached_server_port(NULL),
           memcached_server_type(NULL), memcached_server_major_version(NULL),
           (int)memcached_server_error_return(NULL), memcached_server_response_count(NULL));
    printf("count NULL=%u\n", memcached_server_count(NULL));
}

static void buckets(void)
{
    memcached_st *m = memcached_create(NULL);
    CHECK(m != NULL);
    memcached_server_list_st l = memcached_servers_parse("b0:1,b1:1,b2:1,b3:1");
    CHECK(memcached_server_push(m, l) == MEMCACHED_SUCCESS);
    memcached_server_list_free(l);
    const uint32_t host_map[4] = {3, 2, 1, 0};
    printf("bucket_set NULL map -> %d\n", (int)memcached_bucket_set(m, NULL, NULL, 4, 0));
    printf("bucket_set 0 buckets -> %d distribution=%d\n",
           (int)memcached_bucket_set(m, host_map, NULL, 0, 0),
           (int)memcached_behavior_get_distribution(m));
    printf("bucket_set -> %d distribution=%d\n",
           (int)memcached_bucket_set(m, host_map, NULL, 4, 0),
           (int)memcached_behavior_get_distribution(m));
    char key[16];
    printf("placement:");
    for (int i = 0; i < 20; i++) {
        memcached_return_t e;
        snprintf(key, sizeof key, "key%d", i);
        const memcached_instance_st *s = memcached_server_by_key(m, key, strlen(key), &e);
        printf(" %s", s ? memcached_server_name(s) : "NULL");
    }
    printf("\n");
    memcached_free(m);
}

static void live(void)
{
    memcached_st *m = memcached_create(NULL);
    CHECK(m != NULL);
    memcached_server_list_st l = memcached_servers_parse(harness_servers());
    CHECK(l != NULL);
    CHECK(memcached_server_push(m, l) == MEMCACHED_SUCCESS);
    memcached_server_list_free(l);
    const memcached_instance_st *s = memcached_server_instance_by_position(m, 0);
    printf("before version: %u.%u.%u srcport=%u\n", memcached_server_major_version(s),
           memcached_server_minor_version(s), memcached_server_micro_version(s),
           (unsigned)memcached_server_srcport(s));
    printf("version -> %d\n", (int)memcached_version(m));
    printf("known version: %d srcport>0: %d type=%s\n",
           memcached_server_major_version(s) != 255, memcached_server_srcport(s) > 0,
           memcached_server_type(s));
    printf("# server %s:%u version %u.%u.%u srcport %u\n", memcached_server_name(s),
           (unsigned)memcached_server_port(s), memcached_server_major_version(s),
           memcached_server_minor_version(s), memcached_server_micro_version(s),
           (unsigned)memcached_server_srcport(s));
    memcached_quit(m);
    printf("after quit srcport=%u\n", (unsigned)memcached_server_srcport(s));

    /* A refused connection is remembered as the last disconnected server. */
    memcached_st *down = memcached_create(NULL);
    CHECK(down != NULL);
    memcached_server_add(down, "127.0.0.1", 1);
    printf("set on closed port -> %d\n", (int)memcached_set(down, "k", 1, "v", 1, 0, 0));
    const memcached_instance_st *d = memcached_server_get_last_disconnect(down);
    printf("last disconnect: %s:%u\n", d ? memcached_server_name(d) : "NULL",
           d ? (unsigned)memcached_server_port(d) : 0);
    s = memcached_server_instance_by_position(down, 0);
    printf("server error_return=%d\n", (int)memcached_server_error_return(s));
    memcached_free(down);
    memcached_free(m);
}

int main(void)
{
    harness_check_loaded_library();
    lists();
    adding();
    buckets();
    live();
    return harness_finish();
}
