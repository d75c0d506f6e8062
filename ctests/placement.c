/*
 * placement.c - differential key placement: for each configuration
 * (distribution x key hash, weighted or not, 1/3/8 servers, port 11211 and
 * others, unix sockets, a namespace with and without HASH_WITH_PREFIX_KEY,
 * SORT_HOSTS, the hash changed after the servers, virtual buckets) the
 * server index memcached_generate_hash gives for 12000 keys (the empty key,
 * 250-byte keys, bytes >= 0x80, UTF-8, binary keys with NULs) is folded
 * into a checksum and per-server counts; a few keys are printed, with
 * memcached_server_by_key's answer for them.
 *
 * No server is contacted. HSIEH is not in Debian's build, so its lines start
 * with '#' and are not compared.
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached-1.0/memcached.h>

#include <stdio.h>
#include <string.h>

#include "harness.h"

#define NKEYS 12000
#define MAXSERVERS 8

/* How a configuration selects its distribution. */
enum how { DIST, KETAMA_ON, KETAMA_WEIGHTED_ON, BUCKETS };

struct config {
    const char *name;
    enum how how;
    int distribution;   /* for DIST */
    int hash;           /* MEMCACHED_BEHAVIOR_HASH value, -1 to keep the default */
    const char *servers; /* "host:port:weight" or "/unix/path:0:weight", comma separated */
    int sort_hosts;
    const char *ns;     /* namespace, or NULL */
    int prefix_key;     /* HASH_WITH_PREFIX_KEY */
    int hash_after;     /* set the hash after adding the servers */
};

static const char *const EIGHT_11211 =
    "10.0.1.1:11211:1,10.0.1.2:11211:1,10.0.1.3:11211:1,10.0.1.4:11211:1,"
    "10.0.1.5:11211:1,10.0.1.6:11211:1,10.0.1.7:11211:1,10.0.1.8:11211:1";
static const char *const EIGHT_PORTS =
    "cache-a.example:11211:1,cache-b.example:11212:1,10.0.0.3:22122:1,10.0.0.4:11211:1,"
    "localhost:1:1,10.0.0.6:65535:1,10.0.0.7:11213:1,10.0.0.8:11211:1";
static const char *const EIGHT_WEIGHTED =
    "10.0.1.1:11211:600,10.0.1.2:11211:300,10.0.1.3:11211:200,10.0.1.4:11211:350,"
    "10.0.1.5:11211:1000,10.0.1.6:11211:800,10.0.1.7:11211:950,10.0.1.8:11211:100";
static const char *const THREE = "10.0.0.1:11211:1,10.0.0.2:11211:1,10.0.0.3:11211:1";
static const char *const THREE_PORTS = "192.168.1.10:11211:1,192.168.1.10:11212:1,192.168.1.11:30000:1";
static const char *const THREE_WEIGHTS = "10.0.0.1:11211:1,10.0.0.2:11211:3,10.0.0.3:11211:7";
static const char *const UNSORTED = "zeta:11211:1,alpha:11212:1,mid:11211:1,alpha:11211:1,beta:9999:1";
static const char *const UNIX3 = "/tmp/mc-a.sock:0:1,/tmp/mc-b.sock:0:1,/var/run/mc-c.sock:0:1";
static const char *const MIXED = "/tmp/mc-a.sock:0:1,10.0.0.2:11211:1,10.0.0.3:11300:1";

static const struct config CONFIGS[] = {
    {"modula default 3", DIST, MEMCACHED_DISTRIBUTION_MODULA, -1, THREE, 0, NULL, 0, 0},
    {"modula md5 8 ports", DIST, MEMCACHED_DISTRIBUTION_MODULA, MEMCACHED_HASH_MD5, EIGHT_PORTS, 0, NULL, 0, 0},
    {"modula crc 3", DIST, MEMCACHED_DISTRIBUTION_MODULA, MEMCACHED_HASH_CRC, THREE, 0, NULL, 0, 0},
    {"modula fnv1_64 8", DIST, MEMCACHED_DISTRIBUTION_MODULA, MEMCACHED_HASH_FNV1_64, EIGHT_11211, 0, NULL, 0, 0},
    {"modula fnv1a_64 8", DIST, MEMCACHED_DISTRIBUTION_MODULA, MEMCACHED_HASH_FNV1A_64, EIGHT_11211, 0, NULL, 0, 0},
    {"modula fnv1_32 8", DIST, MEMCACHED_DISTRIBUTION_MODULA, MEMCACHED_HASH_FNV1_32, EIGHT_11211, 0, NULL, 0, 0},
    {"modula fnv1a_32 8", DIST, MEMCACHED_DISTRIBUTION_MODULA, MEMCACHED_HASH_FNV1A_32, EIGHT_11211, 0, NULL, 0, 0},
    {"modula murmur 8", DIST, MEMCACHED_DISTRIBUTION_MODULA, MEMCACHED_HASH_MURMUR, EIGHT_11211, 0, NULL, 0, 0},
    {"modula jenkins 8", DIST, MEMCACHED_DISTRIBUTION_MODULA, MEMCACHED_HASH_JENKINS, EIGHT_11211, 0, NULL, 0, 0},
    {"modula murmur3 8", DIST, MEMCACHED_DISTRIBUTION_MODULA, MEMCACHED_HASH_MURMUR3, EIGHT_11211, 0, NULL, 0, 0},
    {"modula hsieh 8", DIST, MEMCACHED_DISTRIBUTION_MODULA, MEMCACHED_HASH_HSIEH, EIGHT_11211, 0, NULL, 0, 0},
    {"modula 1 server", DIST, MEMCACHED_DISTRIBUTION_MODULA, MEMCACHED_HASH_MD5, "10.9.9.9:11211:1", 0, NULL, 0, 0},
    {"consistent default 3", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT, -1, THREE, 0, NULL, 0, 0},
    {"ketama default 8", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, -1, EIGHT_11211, 0, NULL, 0, 0},
    {"ketama md5 8 ports", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, MEMCACHED_HASH_MD5, EIGHT_PORTS, 0, NULL, 0, 0},
    {"ketama crc 3 ports", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, MEMCACHED_HASH_CRC, THREE_PORTS, 0, NULL, 0, 0},
    {"KETAMA=1 fnv1a_32 8", KETAMA_ON, 0, MEMCACHED_HASH_FNV1A_32, EIGHT_11211, 0, NULL, 0, 0},
    {"ketama fnv1_64 8 ports", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, MEMCACHED_HASH_FNV1_64, EIGHT_PORTS, 0, NULL, 0, 0},
    {"ketama murmur 3 ports", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, MEMCACHED_HASH_MURMUR, THREE_PORTS, 0, NULL, 0, 0},
    {"ketama jenkins 8", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, MEMCACHED_HASH_JENKINS, EIGHT_11211, 0, NULL, 0, 0},
    {"ketama murmur3 8 ports", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, MEMCACHED_HASH_MURMUR3, EIGHT_PORTS, 0, NULL, 0, 0},
    {"ketama hsieh 8", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, MEMCACHED_HASH_HSIEH, EIGHT_11211, 0, NULL, 0, 0},
    {"ketama 1 server", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, -1, "10.9.9.9:4000:1", 0, NULL, 0, 0},
    {"spy default 8", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA_SPY, -1, EIGHT_11211, 0, NULL, 0, 0},
    {"spy md5 3 ports", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA_SPY, MEMCACHED_HASH_MD5, THREE_PORTS, 0, NULL, 0, 0},
    {"spy fnv1a_64 8 weighted", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA_SPY, MEMCACHED_HASH_FNV1A_64, EIGHT_WEIGHTED, 0, NULL, 0, 0},
    {"weighted md5 8 weights", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_WEIGHTED, MEMCACHED_HASH_MD5, EIGHT_WEIGHTED, 0, NULL, 0, 0},
    {"weighted default 3 weights", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_WEIGHTED, -1, THREE_WEIGHTS, 0, NULL, 0, 0},
    {"KETAMA_WEIGHTED=1 3", KETAMA_WEIGHTED_ON, 0, -1, THREE, 0, NULL, 0, 0},
    {"KETAMA_WEIGHTED=1 8 ports", KETAMA_WEIGHTED_ON, 0, -1, EIGHT_PORTS, 0, NULL, 0, 0},
    {"ketama auto-weighted 3", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, -1, THREE_WEIGHTS, 0, NULL, 0, 0},
    {"ketama unix 3", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, -1, UNIX3, 0, NULL, 0, 0},
    {"spy unix+tcp 3", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA_SPY, MEMCACHED_HASH_MD5, MIXED, 0, NULL, 0, 0},
    {"modula unix+tcp 3", DIST, MEMCACHED_DISTRIBUTION_MODULA, MEMCACHED_HASH_CRC, MIXED, 0, NULL, 0, 0},
    {"modula namespace", DIST, MEMCACHED_DISTRIBUTION_MODULA, -1, THREE, 0, "app:", 0, 0},
    {"modula namespace prefix-hash", DIST, MEMCACHED_DISTRIBUTION_MODULA, -1, THREE, 0, "app:", 1, 0},
    {"ketama namespace prefix-hash md5", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, MEMCACHED_HASH_MD5, EIGHT_11211, 0, "tenant-42/", 1, 0},
    {"ketama namespace no prefix-hash", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, MEMCACHED_HASH_MD5, EIGHT_11211, 0, "tenant-42/", 0, 0},
    {"modula prefix-hash without namespace", DIST, MEMCACHED_DISTRIBUTION_MODULA, MEMCACHED_HASH_FNV1A_32, EIGHT_11211, 0, NULL, 1, 0},
    {"modula sort_hosts 5", DIST, MEMCACHED_DISTRIBUTION_MODULA, -1, UNSORTED, 1, NULL, 0, 0},
    {"ketama sort_hosts 5", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, -1, UNSORTED, 1, NULL, 0, 0},
    {"ketama unsorted 5", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, -1, UNSORTED, 0, NULL, 0, 0},
    {"ketama md5 set after servers", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, MEMCACHED_HASH_MD5, EIGHT_11211, 0, NULL, 0, 1},
    {"weighted crc set after servers", DIST, MEMCACHED_DISTRIBUTION_CONSISTENT_WEIGHTED, MEMCACHED_HASH_CRC, EIGHT_WEIGHTED, 0, NULL, 0, 1},
    {"virtual buckets 3", BUCKETS, 0, -1, THREE, 0, NULL, 0, 0},
};

/* Adds the servers of a spec; returns their number. */
static unsigned add_servers(memcached_st *m, const char *spec)
{
    char buf[1024], *save = NULL;
    unsigned n = 0;

    snprintf(buf, sizeof buf, "%s", spec);
    for (char *item = strtok_r(buf, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        char host[256];
        unsigned port = 0, weight = 0;
        CHECK(sscanf(item, "%255[^:]:%u:%u", host, &port, &weight) == 3);
        if (host[0] == '/')
            CHECK(memcached_server_add_unix_socket_with_weight(m, host, weight) == MEMCACHED_SUCCESS);
        else
            CHECK(memcached_server_add_with_weight(m, host, (in_port_t)port, weight) == MEMCACHED_SUCCESS);
        n++;
    }
    return n;
}

static int is_hsieh(const struct config *c)
{
    return c->hash == MEMCACHED_HASH_HSIEH;
}

static void run(const struct config *c)
{
    const char *mark = is_hsieh(c) ? "# " : "";
    memcached_st *m = memcached_create(NULL);
    unsigned counts[MAXSERVERS] = {0};
    uint64_t sum = 1469598103934665603ull;
    unsigned n, out_of_range = 0;
    char key[251];

    CHECK(m != NULL);
    if (c->sort_hosts)
        CHECK(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_SORT_HOSTS, 1) == MEMCACHED_SUCCESS);
    if (c->hash >= 0 && !c->hash_after && !is_hsieh(c))
        CHECK(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_HASH, (uint64_t)c->hash) == MEMCACHED_SUCCESS);
    if (is_hsieh(c))
        (void)memcached_behavior_set(m, MEMCACHED_BEHAVIOR_HASH, (uint64_t)c->hash);
    switch (c->how) {
    case DIST:
        CHECK(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_DISTRIBUTION, (uint64_t)c->distribution) == MEMCACHED_SUCCESS);
        break;
    case KETAMA_ON:
        CHECK(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_KETAMA, 1) == MEMCACHED_SUCCESS);
        break;
    case KETAMA_WEIGHTED_ON:
        CHECK(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1) == MEMCACHED_SUCCESS);
        break;
    case BUCKETS:
        break;
    }
    if (c->ns != NULL)
        CHECK(memcached_callback_set(m, MEMCACHED_CALLBACK_PREFIX_KEY, c->ns) == MEMCACHED_SUCCESS);
    if (c->prefix_key)
        CHECK(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_HASH_WITH_PREFIX_KEY, 1) == MEMCACHED_SUCCESS);
    n = add_servers(m, c->servers);
    CHECK(n <= MAXSERVERS);
    if (c->how == BUCKETS) {
        static const uint32_t host_map[16] = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 1, 0, 0};
        CHECK(memcached_bucket_set(m, host_map, NULL, 16, 1) == MEMCACHED_SUCCESS);
    }
    if (c->hash_after)
        CHECK(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_HASH, (uint64_t)c->hash) == MEMCACHED_SUCCESS);

    printf("%s== %s: distribution %d (%s), key hash %s, weighted %d, servers %u\n", mark, c->name,
           memcached_behavior_get_distribution(m), libmemcached_string_distribution(memcached_behavior_get_distribution(m)),
           libmemcached_string_hash(memcached_behavior_get_key_hash(m)),
           (int)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED), n);
    for (unsigned i = 0; i < NKEYS; i++) {
        size_t len = harness_key(i, key);
        uint32_t idx = memcached_generate_hash(m, key, len);
        if (idx >= n) {
            out_of_range++;
            continue;
        }
        counts[idx]++;
        sum = (sum ^ idx) * 1099511628211ull;
        if (i < 6 || i == 12 || i == 4001 || i == NKEYS - 1) {
            printf("%s  key %u (%zu bytes): server %u", mark, i, len, idx);
            if (len > 0) {
                memcached_return_t rc = MEMCACHED_SUCCESS;
                const memcached_instance_st *inst = memcached_server_by_key(m, key, len, &rc);
                if (inst != NULL)
                    printf(", by_key %s:%u", memcached_server_name(inst), (unsigned)memcached_server_port(inst));
                else
                    printf(", by_key rc %d", (int)rc);
            }
            printf("\n");
        }
    }
    printf("%s  checksum %016llx, out of range %u, counts", mark, (unsigned long long)sum, out_of_range);
    for (unsigned s = 0; s < n; s++)
        printf(" %u", counts[s]);
    printf("\n");
    memcached_free(m);
}

/* RANDOM cannot be compared: only check the index range. */
static void random_in_range(void)
{
    memcached_st *m = memcached_create(NULL);
    unsigned bad = 0, n;
    char key[251];

    CHECK(m != NULL);
    CHECK(memcached_behavior_set_distribution(m, MEMCACHED_DISTRIBUTION_RANDOM) == MEMCACHED_SUCCESS);
    n = add_servers(m, EIGHT_11211);
    for (unsigned i = 0; i < 2000; i++) {
        size_t len = harness_key(i, key);
        bad += memcached_generate_hash(m, key, len) >= n;
    }
    printf("random: %u of 2000 indexes out of range\n", bad);
    memcached_free(m);
}

int main(void)
{
    harness_check_loaded_library();
    for (size_t i = 0; i < sizeof CONFIGS / sizeof CONFIGS[0]; i++)
        run(&CONFIGS[i]);
    random_in_range();
    return harness_finish();
}
