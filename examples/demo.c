/*
 * demo.c - a short tour of the libmemcached C API.
 *
 *   usage: demo HOST:PORT
 *
 * Stores a few keys, reads them back one by one and in a single multi-get,
 * counts with increment/decrement and deletes a key. Exits 0 when every
 * step behaved as expected. `make demo` builds it against include/ and our
 * library and runs it against a private memcached.
 */
#include <libmemcached-1.0/memcached.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

/* Prints one step's outcome; counts it as a failure unless rc is `want`. */
static void step(memcached_st *memc, const char *what, memcached_return_t rc, memcached_return_t want)
{
    printf("%-34s %s\n", what, memcached_strerror(memc, rc));
    if (rc != want) {
        printf("  !! expected %s\n", memcached_strerror(memc, want));
        failures++;
    }
}

int main(int argc, char **argv)
{
    static const char *const keys[] = {"demo:greeting", "demo:language", "demo:missing"};
    size_t key_lengths[3];
    memcached_server_st *servers;
    memcached_st *memc;
    memcached_return_t rc;
    memcached_result_st result;
    uint64_t visits = 0;
    size_t length;
    uint32_t flags;
    char *value;
    int i;

    if (argc != 2) {
        fprintf(stderr, "usage: %s HOST:PORT\n", argv[0]);
        return 2;
    }
    printf("libmemcached %s, server %s\n\n", memcached_lib_version(), argv[1]);

    memc = memcached_create(NULL);
    servers = memcached_servers_parse(argv[1]);
    if (memc == NULL || servers == NULL) {
        fprintf(stderr, "cannot set up a client for %s\n", argv[1]);
        return 1;
    }
    step(memc, "add server", memcached_server_push(memc, servers), MEMCACHED_SUCCESS);
    memcached_server_list_free(servers);

    /* Store. */
    step(memc, "set demo:greeting", memcached_set(memc, keys[0], strlen(keys[0]), "Hello, memcached!", 17, 0, 42),
         MEMCACHED_SUCCESS);
    step(memc, "set demo:language", memcached_set(memc, keys[1], strlen(keys[1]), "Rust, behind a C ABI", 20, 0, 0),
         MEMCACHED_SUCCESS);

    /* Read one key. */
    value = memcached_get(memc, keys[0], strlen(keys[0]), &length, &flags, &rc);
    step(memc, "get demo:greeting", rc, MEMCACHED_SUCCESS);
    if (value != NULL) {
        printf("  -> \"%.*s\" (flags %u)\n", (int)length, value, (unsigned)flags);
        free(value);
    }

    /* Read several keys in one round trip; the missing one is simply absent. */
    for (i = 0; i < 3; i++) {
        key_lengths[i] = strlen(keys[i]);
    }
    step(memc, "mget 3 keys", memcached_mget(memc, keys, key_lengths, 3), MEMCACHED_SUCCESS);
    memcached_result_create(memc, &result);
    while (memcached_fetch_result(memc, &result, &rc) != NULL) {
        printf("  -> %.*s = \"%.*s\"\n", (int)memcached_result_key_length(&result),
               memcached_result_key_value(&result), (int)memcached_result_length(&result),
               memcached_result_value(&result));
    }
    memcached_result_free(&result);
    step(memc, "end of mget results", rc, MEMCACHED_END);

    /* Count. */
    step(memc, "set demo:visits 0", memcached_set(memc, "demo:visits", 11, "0", 1, 0, 0), MEMCACHED_SUCCESS);
    step(memc, "increment demo:visits by 10", memcached_increment(memc, "demo:visits", 11, 10, &visits),
         MEMCACHED_SUCCESS);
    printf("  -> %llu\n", (unsigned long long)visits);
    step(memc, "decrement demo:visits by 3", memcached_decrement(memc, "demo:visits", 11, 3, &visits),
         MEMCACHED_SUCCESS);
    printf("  -> %llu\n", (unsigned long long)visits);

    /* Delete. */
    step(memc, "delete demo:greeting", memcached_delete(memc, keys[0], strlen(keys[0]), 0), MEMCACHED_SUCCESS);
    value = memcached_get(memc, keys[0], strlen(keys[0]), &length, &flags, &rc);
    free(value);
    step(memc, "get demo:greeting after delete", rc, MEMCACHED_NOTFOUND);

    memcached_free(memc);
    printf("\n%s\n", failures == 0 ? "demo finished: all steps as expected" : "demo finished with failures");
    return failures == 0 ? 0 : 1;
}
