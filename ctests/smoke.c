// ctest: needs-server
/*
 * smoke.c - the basic data commands, once over the ASCII protocol and once
 * over the binary protocol, against the server in MEMCACHED_SERVERS.
 *
 * Prints return codes as "<number> <strerror text>" and values, so the output
 * of Debian's libmemcached and ours can be diffed line by line. Nothing
 * run-dependent (CAS values, ports) is printed on non-'#' lines.
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached-1.0/memcached.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static memcached_st *memc;

/* Prints "<what>: <code> <text>" for a return code. */
static void show_rc(const char *what, memcached_return_t rc)
{
    printf("%s: %d %s\n", what, (int)rc, memcached_strerror(memc, rc));
}

static memcached_return_t set(const char *key, const char *value, uint32_t flags)
{
    return memcached_set(memc, key, strlen(key), value, strlen(value), 0, flags);
}

/* memcached_get, printing the code, and the value and flags when found. */
static void show_get(const char *key)
{
    size_t len = 0;
    uint32_t flags = 0;
    memcached_return_t rc = MEMCACHED_FAILURE;
    char *value = memcached_get(memc, key, strlen(key), &len, &flags, &rc);
    char label[300];

    snprintf(label, sizeof label, "get %s", key);
    show_rc(label, rc);
    if (value != NULL) {
        EXPECT(rc == MEMCACHED_SUCCESS);
        EXPECT(strlen(value) == len); /* the value is NUL-terminated */
        printf("  value=\"%.*s\" length=%zu flags=%u\n", (int)len, value, len, (unsigned)flags);
        free(value);
    }
}

/* Compares two result lines for qsort. */
static int compare_lines(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/*
 * memcached_mget + memcached_fetch_result into a result that lives on the
 * stack and starts uninitialised. Lines are sorted so that the order in
 * which the server answers does not matter.
 */
static void show_mget(const char *prefix)
{
    static const char *const names[] = {"k1", "missing", "k2", "k3"};
    char keys[4][64];
    const char *key_ptrs[4];
    size_t key_lens[4];
    char lines[8][256];
    size_t nlines = 0;
    size_t i;
    memcached_result_st storage; /* deliberately not initialised */
    memcached_result_st *result;
    memcached_return_t rc;

    for (i = 0; i < 4; i++) {
        snprintf(keys[i], sizeof keys[i], "%s%s", prefix, names[i]);
        key_ptrs[i] = keys[i];
        key_lens[i] = strlen(keys[i]);
    }
    rc = memcached_mget(memc, key_ptrs, key_lens, 4);
    show_rc("mget", rc);

    result = memcached_result_create(memc, &storage);
    CHECK(result == &storage);
    while (nlines < 8) {
        memcached_result_st *got = memcached_fetch_result(memc, &storage, &rc);
        if (got == NULL) {
            break;
        }
        EXPECT(got == &storage);
        EXPECT(memcached_result_cas(got) != 0);
        snprintf(lines[nlines], sizeof lines[nlines], "  fetched %.*s=\"%.*s\" flags=%u",
                 (int)memcached_result_key_length(got), memcached_result_key_value(got),
                 (int)memcached_result_length(got), memcached_result_value(got),
                 (unsigned)memcached_result_flags(got));
        nlines++;
    }
    show_rc("fetch_result end", rc);
    qsort(lines, nlines, sizeof lines[0], compare_lines);
    for (i = 0; i < nlines; i++) {
        printf("%s\n", lines[i]);
    }
    memcached_result_free(&storage);
}

static void show_counter(const char *what, const char *key, int up, uint32_t offset)
{
    uint64_t value = 12345;
    memcached_return_t rc;
    char label[300];

    if (up) {
        rc = memcached_increment(memc, key, strlen(key), offset, &value);
    } else {
        rc = memcached_decrement(memc, key, strlen(key), offset, &value);
    }
    snprintf(label, sizeof label, "%s %s by %u", what, key, (unsigned)offset);
    show_rc(label, rc);
    if (rc == MEMCACHED_SUCCESS) {
        printf("  value=%llu\n", (unsigned long long)value);
    }
}

/* cas with the right CAS value succeeds; with a stale one it does not. */
static void show_cas(const char *key)
{
    memcached_result_st storage;
    memcached_return_t rc;
    uint64_t cas;
    const char *keys[1];
    size_t lens[1];

    keys[0] = key;
    lens[0] = strlen(key);
    show_rc("set for cas", set(key, "original", 0));
    show_rc("mget for cas", memcached_mget(memc, keys, lens, 1));
    CHECK(memcached_result_create(memc, &storage) == &storage);
    CHECK(memcached_fetch_result(memc, &storage, &rc) == &storage);
    cas = memcached_result_cas(&storage);
    printf("  cas nonzero: %s\n", cas != 0 ? "yes" : "no");
    while (memcached_fetch_result(memc, &storage, &rc) != NULL) {
        EXPECT(0); /* only one key was asked for */
    }
    memcached_result_free(&storage);

    show_rc("cas right", memcached_cas(memc, key, strlen(key), "swapped", 7, 0, 0, cas));
    show_get(key);
    show_rc("cas stale", memcached_cas(memc, key, strlen(key), "again", 5, 0, 0, cas));
    show_get(key);
    show_rc("delete for cas", memcached_delete(memc, key, strlen(key), 0));
    show_rc("cas deleted", memcached_cas(memc, key, strlen(key), "gone", 4, 0, 0, cas));
}

static void run(const char *protocol, const char *prefix)
{
    char key[64], k1[64], k2[64], k3[64], counter[64], text[64];

    printf("== %s\n", protocol);
    snprintf(key, sizeof key, "%skey", prefix);
    snprintf(k1, sizeof k1, "%sk1", prefix);
    snprintf(k2, sizeof k2, "%sk2", prefix);
    snprintf(k3, sizeof k3, "%sk3", prefix);
    snprintf(counter, sizeof counter, "%scounter", prefix);
    snprintf(text, sizeof text, "%stext", prefix);

    show_rc("set key", set(key, "hello", 7));
    show_get(key);
    show_rc("add existing", memcached_add(memc, key, strlen(key), "x", 1, 0, 0));
    show_rc("replace existing", memcached_replace(memc, key, strlen(key), "world", 5, 0, 3));
    show_get(key);
    show_rc("append", memcached_append(memc, key, strlen(key), "!", 1, 0, 0));
    show_rc("prepend", memcached_prepend(memc, key, strlen(key), ">", 1, 0, 0));
    show_get(key);
    show_rc("exist key", memcached_exist(memc, key, strlen(key)));
    show_rc("touch key", memcached_touch(memc, key, strlen(key), 600));

    show_rc("set k1", set(k1, "one", 1));
    show_rc("set k2", set(k2, "", 2));
    show_rc("set k3", set(k3, "three", 3));
    show_mget(prefix);

    show_rc("delete key", memcached_delete(memc, key, strlen(key), 0));
    show_get(key);
    show_rc("delete again", memcached_delete(memc, key, strlen(key), 0));
    show_rc("exist deleted", memcached_exist(memc, key, strlen(key)));
    show_rc("touch deleted", memcached_touch(memc, key, strlen(key), 600));
    show_rc("replace missing", memcached_replace(memc, key, strlen(key), "x", 1, 0, 0));
    show_rc("add missing", memcached_add(memc, key, strlen(key), "added", 5, 0, 0));
    show_get(key);

    show_counter("incr missing", counter, 1, 1);
    show_rc("set counter", set(counter, "10", 0));
    show_counter("incr", counter, 1, 5);
    show_counter("decr", counter, 0, 3);
    show_counter("decr below zero", counter, 0, 100);
    show_get(counter);
    show_rc("set text", set(text, "abc", 0));
    show_counter("incr text", text, 1, 1);

    show_cas(key);
}

int main(void)
{
    memcached_server_st *servers;
    memcached_return_t rc;

    harness_check_loaded_library();
    printf("lib_version: %s\n", memcached_lib_version());

    memc = memcached_create(NULL);
    CHECK(memc != NULL);
    servers = memcached_servers_parse(harness_servers());
    CHECK(servers != NULL);
    rc = memcached_server_push(memc, servers);
    memcached_server_list_free(servers);
    show_rc("server_push", rc);
    printf("server_count: %u\n", (unsigned)memcached_server_count(memc));
    /* CAS values in ASCII need "gets". */
    show_rc("behavior support_cas", memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_SUPPORT_CAS, 1));

    run("ascii", "a:");

    show_rc("behavior binary", memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1));
    printf("binary: %llu\n",
           (unsigned long long)memcached_behavior_get(memc, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL));
    run("binary", "b:");

    memcached_free(memc);
    return harness_finish();
}
