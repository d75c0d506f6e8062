// ctest: servers=3
/*
 * group_keys.c - the *_by_key functions with group keys that are not valid
 * keys: empty, with a blank, longer than 250 bytes.
 * 1.1.4 never sends a group key, it only hashes it, so it accepts all of
 * them (PHP's getByKey('', ...) relies on it). An empty group key places
 * a get or multi-get by each key, and every other command by the hash of
 * the empty string. Three servers, so placement shows in what a plain get
 * finds; ASCII and binary; default and ketama distribution. With ketama,
 * which server a key lands on depends on the servers' ports (each run has
 * its own), so lines that depend on placement are printed as comments.
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached-1.0/memcached.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static memcached_st *memc;
/* Set when the next lines depend on ketama placement (see above). */
static int by_port;

static void show(const char *what, const char *group, memcached_return_t rc)
{
    printf("  %-14s [%s]: %d %s\n", what, group, (int)rc, memcached_strerror(memc, rc));
}

static void get_plain(const char *key)
{
    size_t len;
    uint32_t flags;
    memcached_return_t rc;
    char *v = memcached_get(memc, key, strlen(key), &len, &flags, &rc);
    printf("%s  plain get %s: %d %.*s\n", by_port ? "#" : "", key, (int)rc, v ? (int)len : 0,
           v ? v : "");
    free(v);
}

static void round_trip(const char *group, size_t glen, const char *label, int ketama)
{
    /* An empty group places gets by the key but the rest by hash(""). */
    const char *gets = ketama && glen == 0 ? "#" : "";
    char key[64];
    /* Several keys, so that some land elsewhere than the group's server. */
    for (int k = 0; k < 4; k++) {
        snprintf(key, sizeof key, "key-%s-%d", label, k);
        size_t klen = strlen(key);
        memcached_return_t rc;
        rc = memcached_set_by_key(memc, group, glen, key, klen, "v1", 2, 0, 3);
        show("set_by_key", label, rc);
        size_t len = 0;
        uint32_t flags = 0;
        char *v = memcached_get_by_key(memc, group, glen, key, klen, &len, &flags, &rc);
        printf("%s", gets);
        show("get_by_key", label, rc);
        printf("%s    value=%.*s flags=%u\n", gets, v ? (int)len : 0, v ? v : "", (unsigned)flags);
        free(v);
        by_port = ketama;
        get_plain(key);
        by_port = 0;
        show("add_by_key", label,
             memcached_add_by_key(memc, group, glen, key, klen, "v2", 2, 0, 0));
        show("replace_by_key", label,
             memcached_replace_by_key(memc, group, glen, key, klen, "v3", 2, 0, 0));
        show("append_by_key", label,
             memcached_append_by_key(memc, group, glen, key, klen, "+a", 2, 0, 0));
        show("prepend_by_key", label,
             memcached_prepend_by_key(memc, group, glen, key, klen, "p+", 2, 0, 0));
        v = memcached_get_by_key(memc, group, glen, key, klen, &len, &flags, &rc);
        printf("%s", gets);
        show("get_by_key", label, rc);
        printf("%s    value=%.*s\n", gets, v ? (int)len : 0, v ? v : "");
        free(v);
        show("touch_by_key", label, memcached_touch_by_key(memc, group, glen, key, klen, 100));
        show("exist_by_key", label, memcached_exist_by_key(memc, group, glen, key, klen));
        const char *keys[1] = {key};
        size_t lens[1] = {klen};
        show("mget_by_key", label, memcached_mget_by_key(memc, group, glen, keys, lens, 1));
        memcached_result_st *r;
        while ((r = memcached_fetch_result(memc, NULL, &rc)) != NULL) {
            printf("%s    fetched %.*s=%.*s\n", gets, (int)memcached_result_key_length(r),
                   memcached_result_key_value(r), (int)memcached_result_length(r),
                   memcached_result_value(r));
            memcached_result_free(r);
        }
        show("fetch end", label, rc);
        char cnt[64];
        snprintf(cnt, sizeof cnt, "n-%s-%d", label, k);
        uint64_t value = 0;
        show("set counter", label,
             memcached_set_by_key(memc, group, glen, cnt, strlen(cnt), "5", 1, 0, 0));
        rc = memcached_increment_by_key(memc, group, glen, cnt, strlen(cnt), 2, &value);
        show("incr_by_key", label, rc);
        printf("    value=%llu\n", (unsigned long long)value);
        rc = memcached_decrement_by_key(memc, group, glen, cnt, strlen(cnt), 1, &value);
        show("decr_by_key", label, rc);
        printf("    value=%llu\n", (unsigned long long)value);
        show("delete_by_key", label, memcached_delete_by_key(memc, group, glen, key, klen, 0));
        show("delete_by_key", label, memcached_delete_by_key(memc, group, glen, key, klen, 0));
    }
}

static void run(int binary, int ketama)
{
    printf("== %s %s\n", binary ? "binary" : "ascii", ketama ? "ketama" : "modula");
    memc = harness_handle(binary);
    if (ketama) {
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA, 1);
    }
    memcached_flush(memc, 0);
    char big[300];
    memset(big, 'g', sizeof big);
    round_trip("", 0, "empty", ketama);
    round_trip("g1", 2, "g1", ketama);
    round_trip("g 2", 3, "blank", ketama);
    round_trip(big, sizeof big, "long", ketama);
    memcached_free(memc);
}

int main(void)
{
    harness_check_loaded_library();
    for (int binary = 0; binary < 2; binary++) {
        for (int ketama = 0; ketama < 2; ketama++) {
            run(binary, ketama);
        }
    }
    return harness_finish();
}
