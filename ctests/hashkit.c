// ctest: libs=-lhashkit
/*
 * hashkit.c - the libhashkit API and the hash exports of libmemcached:
 * hashkit_create/clone/free/compare, set/get (custom) functions, digest,
 * strerror and names, every algorithm over many keys (empty, 250 bytes,
 * bytes >= 0x80, UTF-8, binary with NULs) through each entry point,
 * md5_signature, AES encryption, and the memcached_* key hash setters.
 *
 * HSIEH is compiled out of Debian's libhashkit but implemented here, so its
 * lines start with '#' (not compared). Encryption with keys shorter than 32
 * bytes depends on memory after the key in Debian's build (it reads 32
 * bytes), so only round trips are compared for them.
 */
#include <libmemcached-1.0/memcached.h>
#include <libhashkit-1.0/hashkit.h>

#include <stdio.h>
#include <string.h>

#include "harness.h"

#define NKEYS 12000
#define HSIEH 7

static uint64_t mix(uint64_t h, uint32_t v)
{
    return (h ^ v) * 1099511628211ull;
}

static const char *mark(int alg)
{
    return alg == HSIEH ? "# " : "";
}

typedef uint32_t (*named_fn)(const char *, size_t);

static void algorithms_over_keys(void)
{
    static const named_fn named[11] = {
        libhashkit_one_at_a_time, libhashkit_md5, libhashkit_crc32, libhashkit_fnv1_64,
        libhashkit_fnv1a_64, libhashkit_fnv1_32, libhashkit_fnv1a_32, libhashkit_hsieh,
        libhashkit_murmur, libhashkit_jenkins, libhashkit_murmur3,
    };
    char key[251];

    for (int alg = 0; alg <= 10; alg++) {
        hashkit_st kit;
        uint64_t sum = 1469598103934665603ull;
        unsigned disagree = 0;

        CHECK(hashkit_create(&kit) == &kit);
        CHECK(hashkit_set_function(&kit, (hashkit_hash_algorithm_t)alg) == HASHKIT_SUCCESS || alg == HSIEH);
        for (unsigned i = 0; i < NKEYS; i++) {
            size_t len = harness_key(i, key);
            uint32_t v = libhashkit_digest(key, len, (hashkit_hash_algorithm_t)alg);
            if (alg != HSIEH) {
                disagree += memcached_generate_hash_value(key, len, (memcached_hash_t)alg) != v;
                disagree += named[alg](key, len) != v && alg != 2;
                disagree += hashkit_digest(&kit, key, len) != v;
                disagree += kit.base_hash.function(key, len, kit.base_hash.context) != v;
            }
            sum = mix(sum, v);
            if (i < 6 || i == 12 || i == NKEYS - 1)
                printf("%s%s key %u len %zu: %u\n", mark(alg), libhashkit_string_hash((hashkit_hash_algorithm_t)alg), i, len, v);
        }
        printf("%s%s checksum %016llx over %d keys, entry points disagree %u\n", mark(alg),
               libhashkit_string_hash((hashkit_hash_algorithm_t)alg), (unsigned long long)sum, NKEYS, disagree);
        hashkit_free(&kit);
    }
    /* libhashkit_crc32 is the 15-bit CRC too in 1.1.4. */
    printf("crc32(hello) %u digest %u\n", libhashkit_crc32("hello", 5), libhashkit_digest("hello", 5, HASHKIT_HASH_CRC));
    for (int alg = 11; alg <= 13; alg++)
        printf("digest alg %d: %u, generate_hash_value %u\n", alg,
               libhashkit_digest("hello", 5, (hashkit_hash_algorithm_t)alg),
               memcached_generate_hash_value("hello", 5, (memcached_hash_t)alg));
}

static uint32_t seen_length;
static void *seen_context;

static uint32_t custom_hash(const char *key, size_t len, void *context)
{
    uint32_t h = 7;
    for (size_t i = 0; i < len; i++)
        h = h * 31 + (unsigned char)key[i];
    seen_length = (uint32_t)len;
    seen_context = context;
    return h;
}

static void kit_api(void)
{
    hashkit_st storage, copy, *heap, *cl;
    int ctx_token = 0;

    memset(&storage, 0xff, sizeof storage);
    CHECK(hashkit_create(&storage) == &storage);
    printf("caller storage: is_allocated %d same_distributed %d function %d distribution %d key %s\n",
           storage.options.is_allocated, storage.flags.is_base_same_distributed, hashkit_get_function(&storage),
           hashkit_get_distribution_function(&storage), storage._key == NULL ? "NULL" : "set");
    heap = hashkit_create(NULL);
    CHECK(heap != NULL);
    printf("heap: is_allocated %d same_distributed %d compare %d\n", heap->options.is_allocated,
           heap->flags.is_base_same_distributed, hashkit_compare(heap, &storage));
    printf("default digest(hello) %u\n", hashkit_digest(heap, "hello", 5));

    for (int alg = 0; alg <= 13; alg++) {
        hashkit_return_t rc, drc;
        hashkit_set_function(heap, HASHKIT_HASH_MD5);
        hashkit_set_distribution_function(heap, HASHKIT_HASH_CRC);
        rc = hashkit_set_function(heap, (hashkit_hash_algorithm_t)alg);
        drc = hashkit_set_distribution_function(heap, (hashkit_hash_algorithm_t)alg);
        printf("%sset %d: rc %d (%s) get %d, distribution rc %d get %d, digest(hello) %u, compare %d\n", mark(alg), alg,
               rc, hashkit_strerror(heap, rc), hashkit_get_function(heap), drc, hashkit_get_distribution_function(heap),
               hashkit_digest(heap, "hello", 5), hashkit_compare(heap, &storage));
    }

    /* (1.1.4 crashes on a NULL kit in the two distribution setters.) */
    printf("custom NULL fn: %d, NULL kit: %d %d\n", hashkit_set_custom_function(heap, NULL, NULL),
           hashkit_set_custom_function(NULL, custom_hash, NULL), hashkit_set_function(NULL, HASHKIT_HASH_MD5));
    printf("custom distribution NULL fn: %d\n", hashkit_set_custom_distribution_function(heap, NULL, NULL));
    printf("get on NULL: %d %d, compare NULL %d\n", hashkit_get_function(NULL), hashkit_get_distribution_function(NULL),
           hashkit_compare(NULL, heap));

    CHECK(hashkit_set_custom_function(heap, custom_hash, &ctx_token) == HASHKIT_SUCCESS);
    printf("custom: get %d distribution %d\n", hashkit_get_function(heap), hashkit_get_distribution_function(heap));
    seen_context = NULL;
    {
        uint32_t v = hashkit_digest(heap, "hello", 5);
        printf("custom digest(hello) %u length %u context ok %d\n", v, seen_length, seen_context == &ctx_token);
    }
    CHECK(hashkit_set_custom_distribution_function(heap, custom_hash, NULL) == HASHKIT_SUCCESS);
    printf("custom distribution: get %d\n", hashkit_get_distribution_function(heap));

    memset(&copy, 0, sizeof copy);
    cl = hashkit_clone(&copy, heap);
    printf("clone into storage: same %d is_allocated %d compare %d get %d context ok %d\n", cl == &copy,
           copy.options.is_allocated, hashkit_compare(&copy, heap), hashkit_get_function(&copy),
           copy.base_hash.context == &ctx_token);
    hashkit_free(&copy);
    cl = hashkit_clone(NULL, heap);
    CHECK(cl != NULL);
    printf("clone to heap: is_allocated %d compare %d\n", cl->options.is_allocated, hashkit_compare(cl, heap));
    hashkit_free(cl);
    cl = hashkit_clone(NULL, NULL);
    CHECK(cl != NULL);
    printf("clone of NULL: is_allocated %d get %d compare default %d\n", cl->options.is_allocated,
           hashkit_get_function(cl), hashkit_compare(cl, &storage));
    hashkit_free(cl);

    for (int rc = 0; rc <= 6; rc++)
        printf("strerror %d: %s\n", rc, hashkit_strerror(NULL, (hashkit_return_t)rc));
    for (int alg = 0; alg <= 13; alg++)
        printf("%sname %d: %s / %s, has %d\n", mark(alg), alg, libhashkit_string_hash((hashkit_hash_algorithm_t)alg),
               libmemcached_string_hash((memcached_hash_t)alg), libhashkit_has_algorithm((hashkit_hash_algorithm_t)alg));

    {
        unsigned char sig[16];
        const char *inputs[] = {"", "hello", "\x80\xff\x00x"};
        size_t lens[] = {0, 5, 4};
        for (int k = 0; k < 3; k++) {
            libhashkit_md5_signature((const unsigned char *)inputs[k], lens[k], sig);
            printf("md5_signature %d: ", k);
            for (int b = 0; b < 16; b++)
                printf("%02x", sig[b]);
            printf("\n");
        }
    }
    hashkit_free(heap);
    hashkit_free(&storage);
}

static void print_string(const char *what, hashkit_string_st *s)
{
    if (s == NULL) {
        printf("%s: NULL\n", what);
        return;
    }
    printf("%s: %zu bytes ", what, hashkit_string_length(s));
    for (size_t i = 0; i < hashkit_string_length(s); i++)
        printf("%02x", (unsigned char)hashkit_string_c_str(s)[i]);
    printf("\n");
}

static void encryption(void)
{
    static const char long_key[] = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
    static const char short_key[] = "secret";
    const char *plain[] = {"", "hello world", "0123456789abcdef", "0123456789abcdef0123456789abcdefXYZ"};
    hashkit_st *kit = hashkit_create(NULL);
    hashkit_st *kit2;
    hashkit_string_st *e, *d;

    CHECK(kit != NULL);
    printf("key: %d\n", hashkit_key(kit, long_key, strlen(long_key)));
    for (int i = 0; i < 4; i++) {
        char label[32];
        e = hashkit_encrypt(kit, plain[i], strlen(plain[i]));
        snprintf(label, sizeof label, "encrypt %d", i);
        print_string(label, e);
        CHECK(e != NULL);
        d = hashkit_decrypt(kit, hashkit_string_c_str(e), hashkit_string_length(e));
        CHECK(d != NULL);
        printf("decrypt %d: round trip %d\n", i,
               hashkit_string_length(d) == strlen(plain[i]) &&
                   memcmp(hashkit_string_c_str(d), plain[i], strlen(plain[i])) == 0);
        hashkit_string_free(d);
        hashkit_string_free(e);
    }
    print_string("decrypt bad padding", hashkit_decrypt(kit, "0123456789abcdef", 16));
    print_string("decrypt 15 bytes", hashkit_decrypt(kit, "0123456789abcde", 15));
    print_string("decrypt empty", hashkit_decrypt(kit, "", 0));

    kit2 = hashkit_clone(NULL, kit);
    CHECK(kit2 != NULL);
    e = hashkit_encrypt(kit2, "hello world", 11);
    print_string("clone encrypt", e);
    hashkit_string_free(e);
    hashkit_free(kit2);

    printf("short key: %d\n", hashkit_key(kit, short_key, strlen(short_key)));
    e = hashkit_encrypt(kit, "hello world", 11);
    CHECK(e != NULL);
    printf("short key ciphertext length %zu\n", hashkit_string_length(e));
    d = hashkit_decrypt(kit, hashkit_string_c_str(e), hashkit_string_length(e));
    CHECK(d != NULL);
    printf("short key round trip %d\n",
           hashkit_string_length(d) == 11 && memcmp(hashkit_string_c_str(d), "hello world", 11) == 0);
    hashkit_string_free(d);
    hashkit_string_free(e);
    printf("empty key: %d\n", hashkit_key(kit, "", 0));
    printf("NULL key: %d\n", hashkit_key(kit, NULL, 0));
    hashkit_free(kit);
}

static void show_handle(memcached_st *m, const char *what)
{
    const hashkit_st *kit = memcached_get_hashkit(m);
    printf("%s: kit get %d distribution %d | key_hash %d distribution_hash %d | behavior HASH %d KETAMA_HASH %d\n",
           what, hashkit_get_function(kit), hashkit_get_distribution_function(kit), memcached_behavior_get_key_hash(m),
           memcached_behavior_get_distribution_hash(m), (int)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_HASH),
           (int)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_KETAMA_HASH));
}

static void memcached_side(void)
{
    memcached_st *m = memcached_create(NULL);
    memcached_st *c;
    hashkit_st *kit;
    int token = 0;
    char key[251];

    CHECK(m != NULL);
    printf("get_hashkit is the embedded kit: %d\n", memcached_get_hashkit(m) == &m->hashkit);
    show_handle(m, "new");
    for (int alg = 0; alg <= 13; alg++) {
        memcached_return_t rc;
        char what[64];
        memcached_behavior_set_key_hash(m, MEMCACHED_HASH_MD5);
        rc = memcached_behavior_set_key_hash(m, (memcached_hash_t)alg);
        snprintf(what, sizeof what, "%sset_key_hash %d rc %d", mark(alg), alg, (int)rc);
        show_handle(m, what);
    }
    for (int alg = 0; alg <= 13; alg++) {
        memcached_return_t rc;
        char what[64];
        memcached_behavior_set_distribution_hash(m, MEMCACHED_HASH_MD5);
        rc = memcached_behavior_set_distribution_hash(m, (memcached_hash_t)alg);
        snprintf(what, sizeof what, "%sset_distribution_hash %d rc %d", mark(alg), alg, (int)rc);
        show_handle(m, what);
    }
    for (int d = 0; d <= 8; d++) {
        memcached_return_t rc = memcached_behavior_set_distribution(m, (memcached_server_distribution_t)d);
        printf("set_distribution %d rc %d get %d name %s\n", d, (int)rc, memcached_behavior_get_distribution(m),
               libmemcached_string_distribution((memcached_server_distribution_t)d));
    }
    printf("behavior names: %s %s %s\n", libmemcached_string_behavior(MEMCACHED_BEHAVIOR_HASH),
           libmemcached_string_behavior(MEMCACHED_BEHAVIOR_KETAMA_HASH), libmemcached_string_behavior(MEMCACHED_BEHAVIOR_MAX));
    printf("NULL handle: generate_hash %u get_hashkit %d key_hash %d distribution_hash %d distribution %d "
           "set_key_hash %d set_distribution_hash %d set_distribution %d set_hashkit %d\n",
           memcached_generate_hash(NULL, "a", 1), memcached_get_hashkit(NULL) == NULL,
           memcached_behavior_get_key_hash(NULL), memcached_behavior_get_distribution_hash(NULL),
           memcached_behavior_get_distribution(NULL), memcached_behavior_set_key_hash(NULL, MEMCACHED_HASH_MD5),
           memcached_behavior_set_distribution_hash(NULL, MEMCACHED_HASH_MD5),
           memcached_behavior_set_distribution(NULL, MEMCACHED_DISTRIBUTION_MODULA),
           memcached_set_hashkit(NULL, NULL));

    /* A custom key hash through memcached_set_hashkit decides placement. */
    CHECK(memcached_behavior_set_distribution(m, MEMCACHED_DISTRIBUTION_MODULA) == MEMCACHED_SUCCESS);
    CHECK(memcached_server_add(m, "10.0.0.1", 11211) == MEMCACHED_SUCCESS);
    CHECK(memcached_server_add(m, "10.0.0.2", 11211) == MEMCACHED_SUCCESS);
    CHECK(memcached_server_add(m, "10.0.0.3", 11211) == MEMCACHED_SUCCESS);
    kit = hashkit_create(NULL);
    CHECK(kit != NULL);
    CHECK(hashkit_set_custom_function(kit, custom_hash, &token) == HASHKIT_SUCCESS);
    CHECK(hashkit_set_distribution_function(kit, HASHKIT_HASH_CRC) == HASHKIT_SUCCESS);
    printf("set_hashkit custom: %d\n", memcached_set_hashkit(m, kit));
    show_handle(m, "custom");
    printf("embedded context ok %d, kit still allocated-flag %d, handle kit is_allocated %d\n",
           memcached_get_hashkit(m)->base_hash.context == &token, kit->options.is_allocated,
           memcached_get_hashkit(m)->options.is_allocated);
    hashkit_free(kit);
    {
        unsigned bad = 0;
        uint64_t sum = 1469598103934665603ull;
        for (unsigned i = 1; i < 2000; i++) {
            size_t len = harness_key(i, key);
            uint32_t want = custom_hash(key, len, NULL) % 3;
            uint32_t got = memcached_generate_hash(m, key, len);
            seen_context = NULL;
            bad += got != want;
            sum = mix(sum, got);
        }
        (void)memcached_generate_hash(m, "x", 1);
        printf("custom placement: %u keys off the custom hash, checksum %016llx, context seen %d\n", bad,
               (unsigned long long)sum, seen_context == &token);
    }
    c = memcached_clone(NULL, m);
    CHECK(c != NULL);
    show_handle(c, "clone");
    printf("clone places like the original: %d %d\n", memcached_generate_hash(c, "abc", 3) == memcached_generate_hash(m, "abc", 3),
           memcached_generate_hash(c, "abcd", 4) == memcached_generate_hash(m, "abcd", 4));
    printf("set_hashkit NULL: %d\n", memcached_set_hashkit(m, NULL));
    show_handle(m, "defaults again");
    printf("default placement of abc: %u (one-at-a-time %% 3 = %u)\n", memcached_generate_hash(m, "abc", 3),
           libhashkit_one_at_a_time("abc", 3) % 3);
    CHECK(memcached_behavior_set_key_hash(m, MEMCACHED_HASH_MURMUR) == MEMCACHED_SUCCESS);
    printf("murmur placement of abc: %u (murmur %% 3 = %u)\n", memcached_generate_hash(m, "abc", 3),
           libhashkit_murmur("abc", 3) % 3);
    memcached_autoeject(m);
    memcached_free(c);
    memcached_free(m);
}

int main(void)
{
    harness_check_loaded_library();
    kit_api();
    algorithms_over_keys();
    encryption();
    memcached_side();
    return harness_finish();
}
