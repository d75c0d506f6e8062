/*
 * harness.c - implementation of ctests/harness.h (see there).
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <libmemcached-1.0/memcached.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_failures;

/* The file names (prefixes of the basename) that the check looks for. */
static const char *const harness_libs[] = {
    "libmemcached.so.11",
    "libhashkit.so.2",
    "libmemcachedutil.so.2",
};
#define HARNESS_NLIBS (sizeof harness_libs / sizeof harness_libs[0])

/* True when path lies under prefix ("/usr/lib" matches "/usr/lib/x/y.so"). */
static int harness_under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    while (n > 1 && prefix[n - 1] == '/') {
        n--;
    }
    if (strncmp(path, prefix, n) != 0) {
        return 0;
    }
    return path[n] == '/' || path[n] == '\0' || prefix[n - 1] == '/';
}

void harness_check_loaded_library(void)
{
    const char *expect = getenv("HARNESS_EXPECT_LIB");
    char found[HARNESS_NLIBS][4096];
    char line[8192];
    size_t i;
    int bad = 0;
    FILE *maps = fopen("/proc/self/maps", "r");

    memset(found, 0, sizeof found);
    if (maps == NULL) {
        fprintf(stderr, "harness: cannot open /proc/self/maps\n");
        exit(2);
    }
    while (fgets(line, sizeof line, maps) != NULL) {
        char *path = strchr(line, '/');
        char *base;
        if (path == NULL) {
            continue;
        }
        path[strcspn(path, "\n")] = '\0';
        base = strrchr(path, '/') + 1;
        for (i = 0; i < HARNESS_NLIBS; i++) {
            if (strncmp(base, harness_libs[i], strlen(harness_libs[i])) == 0 && found[i][0] == '\0') {
                snprintf(found[i], sizeof found[i], "%s", path);
            }
        }
    }
    fclose(maps);

    for (i = 0; i < HARNESS_NLIBS; i++) {
        if (found[i][0] == '\0') {
            continue;
        }
        fprintf(stderr, "harness: loaded %s\n", found[i]);
        if (expect != NULL && !harness_under(found[i], expect)) {
            fprintf(stderr, "harness: %s is not under HARNESS_EXPECT_LIB=%s\n", found[i], expect);
            bad = 1;
        }
    }
    if (found[0][0] == '\0') {
        fprintf(stderr, "harness: %s is not mapped into this process\n", harness_libs[0]);
        bad = 1;
    }
    if (bad) {
        exit(2);
    }
}

const char *harness_servers(void)
{
    const char *servers = getenv("MEMCACHED_SERVERS");
    if (servers == NULL || servers[0] == '\0') {
        fprintf(stderr, "harness: MEMCACHED_SERVERS is not set (mark the program '// ctest: needs-server')\n");
        exit(2);
    }
    return servers;
}

void harness_fail(const char *file, int line, const char *what)
{
    harness_failures++;
    fprintf(stderr, "%s:%d: failed: %s\n", file, line, what);
}

int harness_finish(void)
{
    if (harness_failures != 0) {
        fprintf(stderr, "harness: %d check(s) failed\n", harness_failures);
        return 1;
    }
    return 0;
}

size_t harness_key(unsigned i, char *buf)
{
    static const char *const utf8[] = {"ключ", "鍵", "clé", "Schlüssel", "🔑"};
    uint32_t x = 2463534242u ^ (i * 2654435761u);
    size_t len;

    switch (i % 6) {
    case 0: /* the empty key, 250-byte keys, short ASCII */
        if (i == 0)
            return 0;
        if (i % 12 == 0) {
            for (size_t k = 0; k < 250; k++)
                buf[k] = (char)('a' + (i + k) % 26);
            return 250;
        }
        return (size_t)snprintf(buf, 251, "k%u", i);
    case 1: /* printable ASCII */
        return (size_t)snprintf(buf, 251, "user:%u:session", i);
    case 2: /* UTF-8 */
        return (size_t)snprintf(buf, 251, "%s-%u", utf8[i % 5], i);
    case 3: /* binary, any byte including NUL and >= 0x80 */
    default:
        len = 1 + (x % 250);
        for (size_t k = 0; k < len; k++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[k] = (char)(x & 0xff);
        }
        return len;
    case 4: /* only high bytes */
        len = 1 + (i % 40);
        for (size_t k = 0; k < len; k++)
            buf[k] = (char)(0x80 + (i * 7 + k * 13) % 128);
        return len;
    }
}

memcached_st *harness_handle(int binary)
{
    memcached_st *m = memcached_create(NULL);
    CHECK(m != NULL);
    memcached_server_st *list = memcached_servers_parse(harness_servers());
    CHECK(list != NULL);
    CHECK(memcached_server_push(m, list) == MEMCACHED_SUCCESS);
    memcached_server_list_free(list);
    CHECK(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, (uint64_t)binary) ==
          MEMCACHED_SUCCESS);
    return m;
}
