// ctest: servers=3
// ctest: libs=-lmemcachedutil -lpthread
/*
 * stress.c - 16 threads, each with its own memcached_clone of a master and
 * all sharing one memcached_pool_st, run set/get/mget/delete/increment on
 * 3 servers, in the ASCII and then the binary protocol. Every value is
 * "KEY#VERSION#" plus filler bytes derived from both (flags too), so a
 * value read for the wrong key, a stale read of the writer's own key, an
 * mget result not asked for, or a wrong counter is a failure. At the end
 * every key is read back and compared with its owner's last write.
 *
 * STRESS_OPS (default 16000) is the number of commands per protocol over
 * all threads; tests/sanitizers.rs runs fewer under valgrind. tests/stress.rs
 * does the same in Rust with 100,000 commands. Output: one summary line per
 * protocol, identical for Debian's library and ours.
 */
#define _POSIX_C_SOURCE 200809L

#include <time.h>

#include <libmemcached-1.0/memcached.h>
#include <libmemcachedutil-1.0/util.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define THREADS 16
#define KEYS 24
#define MGET_KEYS 6
#define MAX_VALUE (40 * 1024)

struct worker {
    int thread;
    const char *proto;
    memcached_st *own;
    memcached_pool_st *pool;
    long ops;
    long version[KEYS]; /* last version written, -1: none */
    long next_version;
    uint64_t counter;
    uint64_t rng;
    char error[300]; /* first failure, "" when none */
};

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    }
    return h;
}

static size_t key_of(char *buf, const char *proto, int t, int k)
{
    return (size_t)snprintf(buf, 64, "c-%s-t%d-k%d", proto, t, k);
}

/* The value of key at version into buf (MAX_VALUE bytes); its length. */
static size_t value_of(char *buf, const char *key, size_t klen, long version, uint32_t *flags)
{
    uint64_t seed = mix(hash(key, klen) ^ (uint64_t)version);
    size_t len = seed % 32 == 0 ? 8192 + (seed >> 8) % 24576 : (seed >> 8) % 200;
    size_t n = (size_t)snprintf(buf, 128, "%.*s#%ld#", (int)klen, key, version);
    uint64_t x = seed;
    for (size_t i = 0; i < len; i++) {
        if (i % 8 == 0) {
            x = mix(x);
        }
        buf[n + i] = (char)('!' + (unsigned char)(x >> ((i % 8) * 8)) % 90);
    }
    *flags = (uint32_t)(seed >> 32);
    return n + len;
}

/* The version of a value read for key, or -1 when it is not key's value. */
static long check_value(const char *key, size_t klen, const char *v, size_t vlen, uint32_t flags)
{
    static __thread char want[MAX_VALUE];
    if (vlen <= klen + 2 || memcmp(v, key, klen) != 0 || v[klen] != '#') {
        return -1;
    }
    long version = strtol(v + klen + 1, NULL, 10);
    uint32_t want_flags;
    size_t n = value_of(want, key, klen, version, &want_flags);
    return n == vlen && memcmp(want, v, n) == 0 && flags == want_flags ? version : -1;
}

static int fail(struct worker *w, const char *what, const char *key, long got, long want)
{
    snprintf(w->error, sizeof w->error, "%s thread %d command %ld: %s %s: got %ld, want %ld", w->proto,
             w->thread, w->ops, what, key, got, want);
    return -1;
}

static uint64_t rnd(struct worker *w, uint64_t below)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return w->rng % below;
}

/* get: the version read, -1 for a miss, -2 for a wrong value, -3 for an error. */
static long get_version(memcached_st *m, const char *key, size_t klen)
{
    size_t len = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char *v = memcached_get(m, key, klen, &len, &flags, &rc);
    if (v == NULL) {
        return rc == MEMCACHED_NOTFOUND ? -1 : -3;
    }
    long version = check_value(key, klen, v, len, flags);
    free(v);
    return rc != MEMCACHED_SUCCESS ? -3 : version < 0 ? -2 : version;
}

/* mget of keys[0..n) (distinct): each found key's version in got[] (-1:
 * missing); 0, or -1 with w->error set. */
static int mget(struct worker *w, memcached_st *m, char keys[][64], size_t n, long *got)
{
    const char *ptrs[MGET_KEYS];
    size_t lens[MGET_KEYS];
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = keys[i];
        lens[i] = strlen(keys[i]);
        got[i] = -1;
    }
    memcached_return_t rc = memcached_mget(m, ptrs, lens, n);
    if (rc != MEMCACHED_SUCCESS) {
        return fail(w, "mget rc", keys[0], rc, 0);
    }
    for (size_t round = 0; round <= n; round++) {
        memcached_result_st *r = memcached_fetch_result(m, NULL, &rc);
        if (r == NULL) {
            return rc == MEMCACHED_END || rc == MEMCACHED_NOTFOUND ? 0 : fail(w, "fetch rc", keys[0], rc, 0);
        }
        const char *k = memcached_result_key_value(r);
        size_t kl = memcached_result_key_length(r);
        size_t i = 0;
        while (i < n && !(lens[i] == kl && memcmp(keys[i], k, kl) == 0)) {
            i++;
        }
        long version = i == n ? -2
                              : check_value(k, kl, memcached_result_value(r), memcached_result_length(r),
                                            memcached_result_flags(r));
        memcached_result_free(r);
        if (i == n || got[i] != -1 || version < 0) {
            return fail(w, i == n ? "mget key not asked for" : got[i] != -1 ? "mget key twice" : "mget value",
                        i == n ? keys[0] : keys[i], version, 0);
        }
        got[i] = version;
    }
    return fail(w, "mget: more results than keys", keys[0], 0, 0);
}

static int step(struct worker *w)
{
    char key[64], keys[MGET_KEYS][64];
    static __thread char value[MAX_VALUE];
    long got[MGET_KEYS];
    uint32_t flags;
    int k = (int)rnd(w, KEYS);
    size_t klen = key_of(key, w->proto, w->thread, k);
    uint64_t choice = rnd(w, 100);
    w->ops++;
    if (choice < 25 || (choice >= 58 && choice < 63)) { /* set, with our clone or a pooled handle */
        long version = w->next_version++;
        size_t vlen = value_of(value, key, klen, version, &flags);
        memcached_return_t rc, prc = MEMCACHED_SUCCESS;
        if (choice < 25) {
            rc = memcached_set(w->own, key, klen, value, vlen, 0, flags);
        } else {
            memcached_st *p = memcached_pool_pop(w->pool, true, &prc);
            if (p == NULL) {
                return fail(w, "pool_pop", key, prc, 0);
            }
            rc = memcached_set(p, key, klen, value, vlen, 0, flags);
            prc = memcached_pool_push(w->pool, p);
        }
        if (rc != MEMCACHED_SUCCESS || prc != MEMCACHED_SUCCESS) {
            return fail(w, "set rc", key, rc, prc);
        }
        w->version[k] = version;
    } else if (choice < 58) { /* get own key, with our clone or a pooled handle */
        long version;
        if (choice < 50) {
            version = get_version(w->own, key, klen);
        } else {
            memcached_return_t prc;
            memcached_st *p = memcached_pool_pop(w->pool, true, &prc);
            if (p == NULL) {
                return fail(w, "pool_pop", key, prc, 0);
            }
            version = get_version(p, key, klen);
            if ((prc = memcached_pool_push(w->pool, p)) != MEMCACHED_SUCCESS) {
                return fail(w, "pool_push", key, prc, 0);
            }
        }
        if (version != w->version[k]) {
            return fail(w, "get", key, version, w->version[k]);
        }
    } else if (choice < 73) { /* mget of own keys */
        size_t n = 0;
        int ks[MGET_KEYS];
        for (size_t want = 1 + rnd(w, MGET_KEYS); n < want;) {
            int c = (int)rnd(w, KEYS), dup = 0;
            for (size_t i = 0; i < n; i++) {
                dup |= ks[i] == c;
            }
            if (!dup) {
                ks[n] = c;
                key_of(keys[n++], w->proto, w->thread, c);
            }
        }
        if (mget(w, w->own, keys, n, got) != 0) {
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if (got[i] != w->version[ks[i]]) {
                return fail(w, "mget", keys[i], got[i], w->version[ks[i]]);
            }
        }
    } else if (choice < 78) { /* delete */
        memcached_return_t rc = memcached_delete(w->own, key, klen, 0);
        memcached_return_t want = w->version[k] >= 0 ? MEMCACHED_SUCCESS : MEMCACHED_NOTFOUND;
        if (rc != want) {
            return fail(w, "delete rc", key, rc, want);
        }
        w->version[k] = -1;
    } else if (choice < 83) { /* increment own counter */
        char ckey[64];
        uint64_t v = 0;
        size_t clen = (size_t)snprintf(ckey, sizeof ckey, "c-%s-t%d-counter", w->proto, w->thread);
        memcached_return_t rc = memcached_increment(w->own, ckey, clen, 1, &v);
        if (rc != MEMCACHED_SUCCESS || v != ++w->counter) {
            return fail(w, "increment", ckey, rc == MEMCACHED_SUCCESS ? (long)v : -(long)rc, (long)w->counter);
        }
    } else { /* another thread's key, with a pooled handle: its value or a miss */
        memcached_return_t prc;
        klen = key_of(key, w->proto, (int)rnd(w, THREADS), k);
        memcached_st *p = memcached_pool_pop(w->pool, true, &prc);
        if (p == NULL) {
            return fail(w, "pool_pop", key, prc, 0);
        }
        long version = get_version(p, key, klen);
        if ((prc = memcached_pool_push(w->pool, p)) != MEMCACHED_SUCCESS) {
            return fail(w, "pool_push", key, prc, 0);
        }
        if (version < -1) {
            return fail(w, "get of another thread's key", key, version, 0);
        }
    }
    return 0;
}

static void *run(void *arg)
{
    struct worker *w = arg;
    long ops = w->ops;
    char ckey[64];
    size_t clen = (size_t)snprintf(ckey, sizeof ckey, "c-%s-t%d-counter", w->proto, w->thread);
    w->ops = 0;
    if (memcached_set(w->own, ckey, clen, "0", 1, 0, 0) != MEMCACHED_SUCCESS) {
        fail(w, "set counter", ckey, 0, 0);
        return NULL;
    }
    while (w->ops < ops && step(w) == 0) {
        if (w->thread == 0 && w->ops % 500 == 0) {
            memcached_pool_behavior_set(w->pool, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, 5000 + (uint64_t)w->ops / 500);
        }
    }
    return NULL;
}

/* Every key of w and its counter hold what w last wrote. */
static void verify(struct worker *w, memcached_st *m)
{
    char keys[MGET_KEYS][64];
    long got[MGET_KEYS];
    for (int base = 0; base < KEYS && w->error[0] == 0; base += MGET_KEYS) {
        for (int i = 0; i < MGET_KEYS; i++) {
            key_of(keys[i], w->proto, w->thread, base + i);
        }
        if (mget(w, m, keys, MGET_KEYS, got) == 0) {
            for (int i = 0; i < MGET_KEYS; i++) {
                if (got[i] != w->version[base + i]) {
                    fail(w, "final (lost write)", keys[i], got[i], w->version[base + i]);
                    break;
                }
            }
        }
    }
    char ckey[64];
    size_t clen = (size_t)snprintf(ckey, sizeof ckey, "c-%s-t%d-counter", w->proto, w->thread);
    size_t len;
    uint32_t flags;
    memcached_return_t rc;
    char *v = memcached_get(m, ckey, clen, &len, &flags, &rc);
    if (w->error[0] == 0 && (v == NULL || (uint64_t)strtoull(v, NULL, 10) != w->counter)) {
        fail(w, "final counter", ckey, v ? (long)strtoull(v, NULL, 10) : -1, (long)w->counter);
    }
    free(v);
}

static void stress(memcached_st *master, const char *proto, long total)
{
    static struct worker workers[THREADS];
    pthread_t threads[THREADS];
    memcached_st *clones[THREADS];
    CHECK(memcached_behavior_set(master, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, proto[0] == 'b') == MEMCACHED_SUCCESS);
    for (int t = 0; t < THREADS; t++) {
        clones[t] = memcached_clone(NULL, master);
        CHECK(clones[t] != NULL);
    }
    memcached_pool_st *pool = memcached_pool_create(master, 2, 6);
    CHECK(pool != NULL);
    for (int t = 0; t < THREADS; t++) {
        struct worker *w = &workers[t];
        memset(w, 0, sizeof *w);
        w->thread = t;
        w->proto = proto;
        w->own = clones[t];
        w->pool = pool;
        w->ops = total / THREADS;
        w->rng = mix((uint64_t)t + 1) | 1;
        for (int k = 0; k < KEYS; k++) {
            w->version[k] = -1;
        }
        CHECK(pthread_create(&threads[t], NULL, run, w) == 0);
    }
    long ops = 0, failed = 0;
    for (int t = 0; t < THREADS; t++) {
        CHECK(pthread_join(threads[t], NULL) == 0);
    }
    for (int t = 0; t < THREADS; t++) {
        struct worker *w = &workers[t];
        if (w->error[0] == 0) {
            verify(w, clones[(t + 1) % THREADS]);
        }
    }
    for (int t = 0; t < THREADS; t++) {
        struct worker *w = &workers[t];
        ops += w->ops;
        if (w->error[0] != 0) {
            failed++;
            fprintf(stderr, "stress.c: %s\n", w->error);
            harness_fail(__FILE__, __LINE__, w->error);
        }
        memcached_free(clones[t]);
    }
    CHECK(memcached_pool_destroy(pool) == master);
    printf("%s: %ld commands by %d threads, %ld thread(s) failed\n", proto, ops, THREADS, failed);
}

int main(void)
{
    harness_check_loaded_library();
    const char *env = getenv("STRESS_OPS");
    long total = env ? strtol(env, NULL, 10) : 16000;
    CHECK(total >= THREADS);
    memcached_st *master = memcached_create(NULL);
    CHECK(master != NULL);
    memcached_server_list_st list = memcached_servers_parse(harness_servers());
    CHECK(memcached_server_push(master, list) == MEMCACHED_SUCCESS);
    memcached_server_list_free(list);
    stress(master, "ascii", total);
    stress(master, "binary", total);
    memcached_free(master);
    return harness_finish();
}
