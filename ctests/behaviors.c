// ctest: needs-server
/*
 * behaviors.c - memcached_behavior_set/get: return codes and read-back
 * values for every behavior and a spread of values, plus the placement
 * side effects (distribution, hashes, weighting) 1.1.4 ties to them.
 * Lines starting with '#' are ours only (HSIEH, which Debian lacks).
 */
#include <libmemcached/memcached.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static void add_servers(memcached_st *m, const char *servers) {
    memcached_server_st *list = memcached_servers_parse(servers);
    CHECK(list != NULL);
    CHECK(memcached_server_push(m, list) == MEMCACHED_SUCCESS);
    memcached_server_list_free(list);
}

int main(void) {
    harness_check_loaded_library();
    const char *servers = harness_servers();
    static const unsigned long long values[] = {0, 1, 2, 7, 11, 12, 100, 0xffffffffULL, 0x100000000ULL};
    memcached_st *fresh = memcached_create(NULL);
    for (int b = 0; b < MEMCACHED_BEHAVIOR_MAX; b++) {
        printf("default %s = %llu\n", libmemcached_string_behavior((memcached_behavior_t)b),
               (unsigned long long)memcached_behavior_get(fresh, (memcached_behavior_t)b) * (b != 4 && b != 5));
    }
    memcached_free(fresh);

    for (int b = 0; b < MEMCACHED_BEHAVIOR_MAX; b++) {
        for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
            memcached_st *m = memcached_create(NULL);
            add_servers(m, servers);
            memcached_return_t rc = memcached_behavior_set(m, (memcached_behavior_t)b, values[i]);
            unsigned long long got = memcached_behavior_get(m, (memcached_behavior_t)b);
            if ((b == MEMCACHED_BEHAVIOR_SOCKET_SEND_SIZE || b == MEMCACHED_BEHAVIOR_SOCKET_RECV_SIZE) &&
                (values[i] == 0 || values[i] >= 0xffffffffULL)) {
                got = got > 0; /* the kernel's buffer size: only say whether one was read */
            }
            const char *mark = ((b == MEMCACHED_BEHAVIOR_HASH || b == MEMCACHED_BEHAVIOR_KETAMA_HASH) && values[i] == 7)
                                   ? "#"
                                   : "";
            printf("%sset %s=%llu rc=%d get=%llu dist=%llu hash=%llu khash=%llu weighted=%llu ketama=%llu\n", mark,
                   libmemcached_string_behavior((memcached_behavior_t)b), values[i], (int)rc, got,
                   (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_DISTRIBUTION),
                   (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_HASH),
                   (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_KETAMA_HASH),
                   (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED),
                   (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_KETAMA));
            memcached_free(m);
        }
    }

    /* Interactions. */
    memcached_st *m = memcached_create(NULL);
    printf("binary then verify_key: %d\n", (int)(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1),
                                                 memcached_behavior_set(m, MEMCACHED_BEHAVIOR_VERIFY_KEY, 1)));
    printf("udp then noreply=0: %d\n", (int)(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 0),
                                             memcached_behavior_set(m, MEMCACHED_BEHAVIOR_USE_UDP, 1),
                                             memcached_behavior_set(m, MEMCACHED_BEHAVIOR_NOREPLY, 0)));
    printf("udp noreply=%llu buffer=%llu\n", (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_NOREPLY),
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_BUFFER_REQUESTS));
    printf("udp then buffer: %d\n", (int)memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BUFFER_REQUESTS, 1));
    memcached_free(m);

    m = memcached_create(NULL);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_KETAMA, 1);
    printf("weighted then ketama: dist=%llu weighted=%llu hash=%llu\n",
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_DISTRIBUTION),
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED),
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_HASH));
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 1);
    printf("remove_failed -> auto_eject=%llu\n",
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_AUTO_EJECT_HOSTS));
    memcached_free(m);
    return harness_finish();
}
