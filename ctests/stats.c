// ctest: servers=2
/*
 * stats.c - memcached_stat (array layout, pid/root of every element, argument
 * checks, unknown groups, a server that is down), memcached_stat_get_keys,
 * memcached_stat_get_value, memcached_stat_servername, memcached_stat_execute,
 * memcached_analyze and memcached_dump, over both protocols where they apply,
 * against the servers in MEMCACHED_SERVERS (fresh for every run).
 *
 * Only values that do not depend on the run are printed on non-'#' lines:
 * counters the test itself drives (items, bytes, gets, sets), the server's
 * version, pointer size, memory limit and thread count; run-dependent fields
 * (pid, uptime, time, rusage, connection and byte counters) are printed as
 * "present"/well-formed checks only.
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached-1.0/memcached.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

/* Names whose values the test controls or that are fixed for a server build. */
static int stable(const char *key)
{
    static const char *const names[] = {
        "version",     "pointer_size", "limit_maxbytes", "threads", "curr_items", "total_items",
        "bytes",       "cmd_get",      "cmd_set",        "get_hits", "get_misses", "evictions",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(key, names[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* "digits.digits", as memcached_stat_get_value formats rusage. */
static int seconds_dot_micros(const char *v)
{
    const char *p = v;
    if (!isdigit((unsigned char)*p)) {
        return 0;
    }
    while (isdigit((unsigned char)*p)) {
        p++;
    }
    if (*p++ != '.' || !isdigit((unsigned char)*p)) {
        return 0;
    }
    while (isdigit((unsigned char)*p)) {
        p++;
    }
    return *p == '\0';
}

/* Prints every value of one element through memcached_stat_get_value. */
static void show_stat(memcached_st *m, memcached_stat_st *st, const char *label)
{
    memcached_return_t rc = MEMCACHED_MAXIMUM_RETURN;
    char **keys = memcached_stat_get_keys(m, st, &rc);
    CHECK(keys != NULL);
    printf("%s: keys rc=%d pid>0=%d root==memc=%d\n", label, (int)rc, st->pid > 0, st->root == m);
    for (char **k = keys; *k != NULL; k++) {
        char *v = memcached_stat_get_value(m, st, *k, &rc);
        CHECK(v != NULL);
        if (stable(*k)) {
            printf("  %s=%s rc=%d\n", *k, v, (int)rc);
        } else if (strncmp(*k, "rusage_", 7) == 0) {
            printf("  %s well-formed=%d rc=%d\n", *k, seconds_dot_micros(v), (int)rc);
        } else {
            printf("  %s present rc=%d\n", *k, (int)rc);
        }
        printf("# %s=%s\n", *k, v);
        free(v);
    }
    free(keys);
}

static memcached_st *connect_all(void)
{
    memcached_st *m = memcached_create(NULL);
    CHECK(m != NULL);
    memcached_server_list_st l = memcached_servers_parse(harness_servers());
    CHECK(l != NULL);
    CHECK(memcached_server_push(m, l) == MEMCACHED_SUCCESS);
    memcached_server_list_free(l);
    return m;
}

static int stat_lines;
static int stat_version_seen;

static memcached_return_t count_stat(const memcached_instance_st *s, const char *key,
                                     size_t key_length, const char *value, size_t value_length,
                                     void *ctx)
{
    (void)s;
    (void)value;
    stat_lines++;
    if (key_length == 7 && memcmp(key, "version", 7) == 0 && value_length > 0 &&
        key[key_length] == '\0' && value[value_length] == '\0') {
        stat_version_seen++;
    }
    CHECK(ctx == (void *)&stat_lines);
    return MEMCACHED_FAILURE; /* ignored by memcached_stat_execute */
}

#define MAX_KEYS 64
static char dumped[MAX_KEYS][64];
static int ndumped;
static int dump_calls;

static memcached_return_t dump_key(const memcached_st *m, const char *key, size_t length,
                                   void *ctx)
{
    (void)m;
    (void)ctx;
    dump_calls++;
    if (ndumped < MAX_KEYS && length < sizeof dumped[0]) {
        memcpy(dumped[ndumped], key, length);
        dumped[ndumped][length] = '\0';
        ndumped++;
    }
    return MEMCACHED_SUCCESS;
}

static memcached_return_t dump_refuse(const memcached_st *m, const char *key, size_t length,
                                      void *ctx)
{
    (void)m;
    (void)key;
    (void)length;
    (void)ctx;
    dump_calls++;
    return MEMCACHED_NOTFOUND;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void dump(void)
{
    memcached_st *m = connect_all();
    memcached_return_t rc;
    memcached_dump_fn fns[2] = {dump_key, dump_key};

    /* memcached 1.6 lists only items that left the HOT LRU, which takes a
     * moment after they are stored: retry for up to 5 s. */
    for (int tries = 0; tries < 50; tries++) {
        ndumped = dump_calls = 0;
        rc = memcached_dump(m, fns, NULL, 2);
        if (rc != MEMCACHED_SUCCESS || ndumped >= 10) {
            break;
        }
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    printf("dump -> %d calls=%d\n", (int)rc, dump_calls);
    qsort(dumped, (size_t)ndumped, sizeof dumped[0], by_name);
    printf("dumped:");
    for (int i = 0; i < ndumped; i += 2) {
        printf(" %s", dumped[i]);
    }
    printf("\n");

    memcached_dump_fn refuse[2] = {dump_refuse, dump_key};
    ndumped = dump_calls = 0;
    rc = memcached_dump(m, refuse, NULL, 2);
    printf("dump refusing -> %d calls=%d last=%d\n", (int)rc, dump_calls,
           (int)memcached_last_error(m));
    rc = memcached_dump(m, fns, NULL, 0);
    printf("dump no callbacks -> %d\n", (int)rc);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1);
    printf("dump binary -> %d\n", (int)memcached_dump(m, fns, NULL, 2));
    memcached_free(m);

    memcached_st *none = memcached_create(NULL);
    CHECK(none != NULL);
    printf("dump no servers -> %d\n", (int)memcached_dump(none, fns, NULL, 2));
    memcached_free(none);

    memcached_st *down = connect_all();
    memcached_server_add(down, "127.0.0.1", 1);
    ndumped = dump_calls = 0;
    rc = memcached_dump(down, fns, NULL, 2);
    printf("dump with a server down -> %d calls=%d\n", (int)rc, dump_calls);
    memcached_free(down);
}

int main(void)
{
    harness_check_loaded_library();
    memcached_return_t rc = MEMCACHED_MAXIMUM_RETURN;

    memcached_st *none = memcached_create(NULL);
    CHECK(none != NULL);
    memcached_stat_st *st = memcached_stat(none, NULL, &rc);
    printf("stat no servers -> %s rc=%d last=%d\n", st ? "array" : "NULL", (int)rc,
           (int)memcached_last_error(none));
    rc = MEMCACHED_MAXIMUM_RETURN;
    char **keys = memcached_stat_get_keys(none, NULL, &rc);
    CHECK(keys != NULL);
    printf("keys without stats rc=%d:", (int)rc);
    for (char **k = keys; *k != NULL; k++) {
        printf(" %s", *k);
    }
    printf("\n");
    free(keys);
    printf("execute no servers -> %d\n", (int)memcached_stat_execute(none, NULL, count_stat, NULL));
    memcached_free(none);

    /* Drive the counters: 5 sets, 3 hits, 2 misses, spread over the servers. */
    memcached_st *m = connect_all();
    uint32_t n = memcached_server_count(m);
    printf("servers=%u\n", n);
    CHECK(memcached_flush(m, 0) == MEMCACHED_SUCCESS);
    const char *names[5] = {"alpha", "beta", "gamma", "delta", "epsilon"};
    for (int i = 0; i < 5; i++) {
        CHECK(memcached_set(m, names[i], strlen(names[i]), "0123456789", (size_t)(i + 1) * 2, 0, 0) ==
              MEMCACHED_SUCCESS);
    }
    const char *gets[5] = {"alpha", "beta", "gamma", "nope1", "nope2"};
    for (int i = 0; i < 5; i++) {
        size_t len;
        uint32_t flags;
        char *v = memcached_get(m, gets[i], strlen(gets[i]), &len, &flags, &rc);
        free(v);
    }

    st = memcached_stat(m, NULL, &rc);
    CHECK(st != NULL);
    printf("stat -> %d\n", (int)rc);
    for (uint32_t i = 0; i < n; i++) {
        char label[32];
        snprintf(label, sizeof label, "server %u", i);
        show_stat(m, st + i, label);
    }

    char *v = memcached_stat_get_value(m, st, "nope", &rc);
    printf("get_value unknown -> %s rc=%d last=%d\n", v ? "value" : "NULL", (int)rc,
           (int)memcached_last_error(m));
    v = memcached_stat_get_value(m, NULL, "pid", &rc);
    printf("get_value NULL stat -> %s rc=%d\n", v ? "value" : "NULL", (int)rc);
    v = memcached_stat_get_value(NULL, st, "pointer_size", &rc);
    printf("get_value NULL memc -> %s rc=%d\n", v ? v : "NULL", (int)rc);
    free(v);

    memcached_analysis_st *a = memcached_analyze(m, st, &rc);
    CHECK(a != NULL);
    printf("analyze rc=%d average_item_size=%u most_consumed=%u most_used_bytes=%llu "
           "least_free=%u hit_ratio=%.3f root==memc=%d\n",
           (int)rc, a->average_item_size, a->most_consumed_server,
           (unsigned long long)a->most_used_bytes, a->least_free_server, a->pool_hit_ratio,
           a->root == m);
    printf("# analyze oldest=%u longest_uptime=%u least_remaining=%llu\n", a->oldest_server,
           a->longest_uptime, (unsigned long long)a->least_remaining_bytes);
    memcached_analyze_free(a);
    memcached_stat_free(NULL, st);

    /* Arguments. */
    char args[64];
    strcpy(args, "items");
    st = memcached_stat(m, args, &rc);
    printf("stat items -> %d pid=%d curr_items=%lu\n", (int)rc, st ? st->pid : 0,
           st ? st->curr_items : 0);
    free(st);
    strcpy(args, "slabs");
    st = memcached_stat(m, args, &rc);
    printf("stat slabs -> %d\n", (int)rc);
    free(st);
    strcpy(args, "settings");
    st = memcached_stat(m, args, &rc);
    printf("stat settings -> %d\n", (int)rc);
    free(st);
    strcpy(args, "foo");
    st = memcached_stat(m, args, &rc);
    printf("stat foo -> %d %s pid=%d last=%d\n", (int)rc, st ? "array" : "NULL", st ? st->pid : 0,
           (int)memcached_last_error(m));
    if (st != NULL && n > 1) {
        printf("stat foo second element pid=%d root==NULL=%d\n", st[1].pid, st[1].root == NULL);
    }
    free(st);
    args[0] = '\0';
    st = memcached_stat(m, args, &rc);
    printf("stat '' -> %d %s\n", (int)rc, st ? "array" : "NULL");
    free(st);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_VERIFY_KEY, 1);
    strcpy(args, "detail on");
    st = memcached_stat(m, args, &rc);
    printf("stat 'detail on' verify_key -> %d %s\n", (int)rc, st ? "array" : "NULL");
    free(st);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_VERIFY_KEY, 0);

    /* memcached_stat_servername: the first server, a closed port. */
    char host[64];
    unsigned port = 0;
    CHECK(sscanf(harness_servers(), "%63[^:]:%u", host, &port) == 2);
    memcached_stat_st one;
    memset(&one, 0x55, sizeof one);
    rc = memcached_stat_servername(&one, NULL, host, (in_port_t)port);
    printf("servername -> %d pid>0=%d root==NULL=%d pointer_size=%lu version-set=%d\n", (int)rc,
           one.pid > 0, one.root == NULL, one.pointer_size, one.version[0] != '\0');
    memset(&one, 0x55, sizeof one);
    rc = memcached_stat_servername(&one, NULL, "127.0.0.1", 1);
    printf("servername closed -> %d pid=%d\n", (int)rc, one.pid);
    printf("servername NULL stat -> %d\n",
           (int)memcached_stat_servername(NULL, NULL, host, (in_port_t)port));
    strcpy(args, "foo");
    printf("servername foo -> %d\n", (int)memcached_stat_servername(&one, args, host, (in_port_t)port));

    /* memcached_stat_execute. */
    stat_lines = stat_version_seen = 0;
    rc = memcached_stat_execute(m, NULL, count_stat, &stat_lines);
    printf("execute -> %d lines>20*servers=%d version lines=%d\n", (int)rc,
           stat_lines > 20 * (int)n, stat_version_seen);
    stat_lines = 0;
    rc = memcached_stat_execute(m, "foo", count_stat, &stat_lines);
    printf("execute foo -> %d lines=%d\n", (int)rc, stat_lines);
    rc = memcached_stat_execute(m, "settings", NULL, NULL);
    printf("execute without callback -> %d\n", (int)rc);

    /* The binary protocol. */
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1);
    st = memcached_stat(m, NULL, &rc);
    CHECK(st != NULL);
    printf("binary stat -> %d\n", (int)rc);
    show_stat(m, st, "binary server 0");
    free(st);
    strcpy(args, "foo");
    st = memcached_stat(m, args, &rc);
    printf("binary stat foo -> %d %s\n", (int)rc, st ? "array" : "NULL");
    free(st);
    stat_lines = 0;
    rc = memcached_stat_execute(m, "foo", count_stat, &stat_lines);
    printf("binary execute foo -> %d lines=%d\n", (int)rc, stat_lines);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 0);

    /* A server that is down: its element keeps pid -1 and the root. */
    memcached_server_add(m, "127.0.0.1", 1);
    st = memcached_stat(m, NULL, &rc);
    CHECK(st != NULL);
    printf("stat with a server down -> %d first pid>0=%d down pid=%d root==memc=%d version='%s'\n",
           (int)rc, st[0].pid > 0, st[n].pid, st[n].root == m, st[n].version);
    a = memcached_analyze(m, st, &rc);
    CHECK(a != NULL);
    printf("analyze rc=%d least_free=%u least_remaining=%llu most_consumed=%u\n", (int)rc,
           a->least_free_server, (unsigned long long)a->least_remaining_bytes,
           a->most_consumed_server);
    memcached_analyze_free(a);
    memcached_stat_free(m, st);
    stat_lines = 0;
    rc = memcached_stat_execute(m, NULL, count_stat, &stat_lines);
    printf("execute with a server down -> %d lines=%d\n", (int)rc, stat_lines);
    memcached_free(m);

    dump();
    return harness_finish();
}
