// ctest: needs-server
// ctest: libs=-lmemcachedutil -lpthread
/*
 * pool.c - libmemcachedutil's memcached_pool_st: creation limits, pop/fetch
 * when the pool is exhausted (NOTFOUND without waiting, TIMEOUT after
 * waiting, ERRNO for a bad timespec), waking a waiter on push, behavior_set
 * reaching idle clones and re-cloning the ones that were out,
 * memcached_pool() option strings, destroy's return value, and a 16-thread
 * stress run sharing one pool against the server in MEMCACHED_SERVERS.
 * Also the other libmemcachedutil helpers (ping, getpid, flush,
 * version_check) against that server and a closed port.
 *
 * Only codes, counts and values are printed, so Debian's output and ours
 * must be identical.
 */
#define _POSIX_C_SOURCE 200809L

/* pool.h names struct timespec without including <time.h>. */
#include <time.h>

#include <libmemcached-1.0/memcached.h>
#include <libmemcachedutil-1.0/util.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define THREADS 16
#define ITERATIONS 150
#define STRESS_MAX 6

static memcached_st *master;

static void show(const char *what, memcached_st *m, memcached_return_t rc)
{
    printf("%s: %s rc=%d %s\n", what, m ? "handle" : "NULL", (int)rc, memcached_strerror(NULL, rc));
}

/* ----- limits ---------------------------------------------------------- */

static void creation_limits(void)
{
    memcached_pool_st *p;
    printf("create(0,1): %s\n", memcached_pool_create(master, 0, 1) ? "pool" : "NULL");
    printf("create(1,0): %s\n", memcached_pool_create(master, 1, 0) ? "pool" : "NULL");
    printf("create(3,2): %s\n", memcached_pool_create(master, 3, 2) ? "pool" : "NULL");
    p = memcached_pool_create(master, 2, 2);
    CHECK(p != NULL);
    printf("destroy returns master: %d\n", memcached_pool_destroy(p) == master);
    printf("destroy(NULL): %s\n", memcached_pool_destroy(NULL) ? "handle" : "NULL");
}

/* ----- exhaustion ------------------------------------------------------ */

static void exhaustion(void)
{
    memcached_return_t rc = MEMCACHED_MAXIMUM_RETURN;
    memcached_st *h[3];
    memcached_st *m;
    struct timespec zero = {0, 0}, tenth = {0, 100000000}, one = {1, 0}, bad = {0, 2000000000};
    memcached_pool_st *p = memcached_pool_create(master, 1, 3);
    CHECK(p != NULL);

    for (int i = 0; i < 3; i++) {
        h[i] = memcached_pool_pop(p, false, &rc);
        printf("pop %d: %s rc=%d\n", i, h[i] ? "handle" : "NULL", (int)rc);
    }
    EXPECT(h[0] != h[1] && h[1] != h[2] && h[0] != h[2]);
    m = memcached_pool_pop(p, false, &rc);
    show("pop exhausted", m, rc);
    m = memcached_pool_fetch(p, NULL, &rc);
    show("fetch(NULL) exhausted", m, rc);
    m = memcached_pool_fetch(p, &zero, &rc);
    show("fetch(0) exhausted", m, rc);
    m = memcached_pool_fetch(p, &tenth, &rc);
    show("fetch(0.1s) exhausted", m, rc);
    m = memcached_pool_fetch(p, &one, &rc);
    show("fetch(1s) exhausted", m, rc);
    m = memcached_pool_fetch(p, &bad, &rc);
    show("fetch(bad nsec) exhausted", m, rc);
    m = memcached_pool_pop(p, true, &rc);
    show("pop(block) exhausted", m, rc);
    m = memcached_pool_pop(p, false, NULL);
    printf("pop without rc: %s\n", m ? "handle" : "NULL");

    printf("push(NULL): %d\n", (int)memcached_pool_push(p, NULL));
    printf("release(NULL pool): %d\n", (int)memcached_pool_release(NULL, h[0]));
    printf("pop(NULL pool): %s\n", memcached_pool_pop(NULL, false, &rc) ? "handle" : "NULL");
    for (int i = 0; i < 3; i++) {
        printf("push %d: %d\n", i, (int)memcached_pool_push(p, h[i]));
    }
    /* The last one pushed comes out first. */
    m = memcached_pool_fetch(p, &zero, &rc);
    show("fetch after push", m, rc);
    printf("lifo: %d\n", m == h[2]);
    printf("release: %d\n", (int)memcached_pool_release(p, m));
    printf("destroy returns master: %d\n", memcached_pool_destroy(p) == master);
}

/* ----- a waiter is woken by a push -------------------------------------- */

struct waiter {
    memcached_pool_st *pool;
    memcached_st *got;
    memcached_return_t rc;
};

static void *wait_for_handle(void *arg)
{
    struct waiter *w = arg;
    struct timespec five = {5, 0};
    w->got = memcached_pool_fetch(w->pool, &five, &w->rc);
    return NULL;
}

static void wake_up(void)
{
    memcached_return_t rc;
    pthread_t t;
    struct waiter w;
    struct timespec pause = {0, 200000000};
    memcached_st *a, *b;
    memcached_pool_st *p = memcached_pool_create(master, 2, 2);
    CHECK(p != NULL);
    a = memcached_pool_pop(p, false, &rc);
    b = memcached_pool_pop(p, false, &rc);
    CHECK(a && b);
    w.pool = p;
    w.got = NULL;
    w.rc = MEMCACHED_MAXIMUM_RETURN;
    CHECK(pthread_create(&t, NULL, wait_for_handle, &w) == 0);
    nanosleep(&pause, NULL);
    printf("push while waiting: %d\n", (int)memcached_pool_push(p, b));
    CHECK(pthread_join(t, NULL) == 0);
    show("waiter", w.got, w.rc);
    printf("waiter got the pushed handle: %d\n", w.got == b);
    memcached_pool_push(p, a);
    memcached_pool_push(p, w.got);
    memcached_pool_destroy(p);
}

/* ----- behaviors ---------------------------------------------------------- */

static void behaviors(void)
{
    memcached_return_t rc;
    uint64_t v = 0;
    memcached_st *out, *idle, *back;
    memcached_pool_st *p = memcached_pool_create(master, 2, 3);
    CHECK(p != NULL);
    out = memcached_pool_pop(p, false, &rc);
    CHECK(out != NULL);

    printf("pool behavior_set(POLL_TIMEOUT): %d\n",
           (int)memcached_pool_behavior_set(p, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, 1234));
    printf("pool behavior_get: %d", (int)memcached_pool_behavior_get(p, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, &v));
    printf(" value=%llu\n", (unsigned long long)v);
    printf("master value: %llu\n",
           (unsigned long long)memcached_behavior_get(master, MEMCACHED_BEHAVIOR_POLL_TIMEOUT));
    printf("handle out before the change: %llu\n",
           (unsigned long long)memcached_behavior_get(out, MEMCACHED_BEHAVIOR_POLL_TIMEOUT));
    idle = memcached_pool_pop(p, false, &rc);
    printf("idle handle: %llu\n", (unsigned long long)memcached_behavior_get(idle, MEMCACHED_BEHAVIOR_POLL_TIMEOUT));
    memcached_pool_push(p, idle);

    printf("push the old handle: %d\n", (int)memcached_pool_push(p, out));
    back = memcached_pool_pop(p, false, &rc);
    printf("it was re-cloned: %d\n", back != out);
    printf("re-cloned value: %llu\n",
           (unsigned long long)memcached_behavior_get(back, MEMCACHED_BEHAVIOR_POLL_TIMEOUT));
    printf("re-cloned servers: %u\n", memcached_server_count(back));
    memcached_pool_push(p, back);

    /* A handle from outside the pool, pushed after a change: replaced too. */
    {
        memcached_st *stranger = memcached_create(NULL);
        memcached_st *m;
        printf("push a stranger: %d\n", (int)memcached_pool_push(p, stranger));
        m = memcached_pool_pop(p, false, &rc);
        printf("stranger replaced: %d servers=%u\n", m != stranger, memcached_server_count(m));
        memcached_pool_push(p, m);
    }
    memcached_pool_behavior_set(p, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, 1000);
    memcached_pool_destroy(p);
}

/* ----- memcached_pool() -------------------------------------------------- */

static void from_strings(void)
{
    static const char *strings[] = {
        "--SERVER=localhost --POOL-MIN=2 --POOL-MAX=3",
        "--SERVER=localhost",
        "--POOL-MIN=5",
        "--POOL-MIN=0 --POOL-MAX=4",
        "--POOL-MAX=0",
        "--FOO",
        "--SERVER=localhost --NAMESPACE=pool_ns --POOL-MAX=2",
    };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        memcached_return_t rc = MEMCACHED_SUCCESS;
        memcached_pool_st *p = memcached_pool(strings[i], strlen(strings[i]));
        int n = 0;
        memcached_st *got[8];
        printf("memcached_pool(\"%s\"): %s", strings[i], p ? "pool" : "NULL");
        if (!p) {
            printf("\n");
            continue;
        }
        while (n < 8 && (got[n] = memcached_pool_pop(p, false, &rc)) != NULL) {
            n++;
        }
        printf(" handles=%d last rc=%d servers=%u", n, (int)rc, memcached_server_count(got[0]));
        {
            memcached_return_t nrc;
            const char *ns = memcached_callback_get(got[0], MEMCACHED_CALLBACK_NAMESPACE, &nrc);
            printf(" namespace=%s", ns ? ns : "(none)");
        }
        for (int k = 0; k < n; k++) {
            memcached_pool_push(p, got[k]);
        }
        printf(" destroy=%s\n", memcached_pool_destroy(p) ? "handle" : "NULL");
    }
}

/* ----- stress ---------------------------------------------------------------- */

static memcached_pool_st *stress_pool;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static memcached_st *handles_out[THREADS];

struct worker {
    int id;
    int ops, errors, crossed, timeouts;
};

/* Records `m` as out (1) or back (0); returns 1 when it was already out. */
static int mark(memcached_st *m, int out)
{
    int twice = 0;
    pthread_mutex_lock(&out_lock);
    if (out) {
        for (int i = 0; i < THREADS; i++) {
            if (handles_out[i] == m) {
                twice = 1;
            }
        }
        for (int i = 0; i < THREADS; i++) {
            if (handles_out[i] == NULL) {
                handles_out[i] = m;
                break;
            }
        }
    } else {
        for (int i = 0; i < THREADS; i++) {
            if (handles_out[i] == m) {
                handles_out[i] = NULL;
                break;
            }
        }
    }
    pthread_mutex_unlock(&out_lock);
    return twice;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < ITERATIONS; i++) {
        memcached_return_t rc;
        char key[64], value[64];
        memcached_st *m = memcached_pool_pop(stress_pool, true, &rc);
        if (m == NULL) {
            w->timeouts++;
            continue;
        }
        w->crossed += mark(m, 1);
        snprintf(key, sizeof key, "pool-t%d-k%d", w->id, i % 7);
        snprintf(value, sizeof value, "value-%d-%d", w->id, i);
        rc = memcached_set(m, key, strlen(key), value, strlen(value), 0, (uint32_t)w->id);
        if (rc != MEMCACHED_SUCCESS) {
            w->errors++;
        } else {
            size_t len = 0;
            uint32_t flags = 0;
            char *got = memcached_get(m, key, strlen(key), &len, &flags, &rc);
            if (got == NULL || len != strlen(value) || memcmp(got, value, len) != 0 || flags != (uint32_t)w->id) {
                w->errors++;
            }
            free(got);
        }
        w->ops++;
        mark(m, 0);
        if (memcached_pool_push(stress_pool, m) != MEMCACHED_SUCCESS) {
            w->errors++;
        }
    }
    return NULL;
}

static void stress(void)
{
    pthread_t t[THREADS];
    struct worker w[THREADS];
    int ops = 0, errors = 0, crossed = 0, timeouts = 0, total = 0;
    memcached_return_t rc;
    memcached_st *left[STRESS_MAX + 1];

    stress_pool = memcached_pool_create(master, 2, STRESS_MAX);
    CHECK(stress_pool != NULL);
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].id = i;
        CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_join(t[i], NULL) == 0);
        ops += w[i].ops;
        errors += w[i].errors;
        crossed += w[i].crossed;
        timeouts += w[i].timeouts;
    }
    printf("stress: threads=%d ops=%d errors=%d crossed=%d timeouts=%d\n", THREADS, ops, errors, crossed, timeouts);
    /* Every handle came back: the pool hands out exactly STRESS_MAX now. */
    while (total <= STRESS_MAX && (left[total] = memcached_pool_pop(stress_pool, false, &rc)) != NULL) {
        total++;
    }
    printf("stress: handles afterwards=%d last rc=%d\n", total, (int)rc);
    for (int i = 0; i < total; i++) {
        memcached_pool_push(stress_pool, left[i]);
    }
    printf("stress: destroy returns master: %d\n", memcached_pool_destroy(stress_pool) == master);
}

/* ----- the other libmemcachedutil helpers ----------------------------------- */

static void helpers(void)
{
    char host[64];
    const char *colon;
    in_port_t port;
    memcached_return_t rc;
    bool ok;
    pid_t pid;
    memcached_st *m;

    /* The first server of MEMCACHED_SERVERS ("127.0.0.1:PORT,..."). */
    colon = strchr(harness_servers(), ':');
    CHECK(colon != NULL && (size_t)(colon - harness_servers()) < sizeof host);
    memcpy(host, harness_servers(), (size_t)(colon - harness_servers()));
    host[colon - harness_servers()] = 0;
    port = (in_port_t)atoi(colon + 1);

    rc = MEMCACHED_MAXIMUM_RETURN;
    ok = libmemcached_util_ping(host, port, &rc);
    printf("ping: %d rc=%d\n", ok, (int)rc);
    rc = MEMCACHED_MAXIMUM_RETURN;
    ok = libmemcached_util_ping(host, 1, &rc);
    printf("ping closed port: %d rc=%d\n", ok, (int)rc);
    printf("ping without rc: %d\n", libmemcached_util_ping(host, port, NULL));
    rc = MEMCACHED_MAXIMUM_RETURN;
    ok = libmemcached_util_ping2(host, port, NULL, NULL, &rc);
    printf("ping2 without user: %d rc=%d\n", ok, (int)rc);
    rc = MEMCACHED_MAXIMUM_RETURN;
    ok = libmemcached_util_ping2(host, 1, "user", "secret", &rc);
    printf("ping2 closed port: %d rc=%d\n", ok, (int)rc);

    rc = MEMCACHED_MAXIMUM_RETURN;
    pid = libmemcached_util_getpid(host, port, &rc);
    printf("getpid: positive=%d rc=%d\n", pid > 0, (int)rc);
    rc = MEMCACHED_MAXIMUM_RETURN;
    pid = libmemcached_util_getpid(host, 1, &rc);
    printf("getpid closed port: %d rc=%d\n", (int)pid, (int)rc);
    rc = MEMCACHED_MAXIMUM_RETURN;
    pid = libmemcached_util_getpid2(host, port, NULL, NULL, &rc);
    printf("getpid2 without user: positive=%d rc=%d\n", pid > 0, (int)rc);

    rc = MEMCACHED_MAXIMUM_RETURN;
    ok = libmemcached_util_flush(host, port, &rc);
    printf("flush: %d rc=%d\n", ok, (int)rc);
    rc = MEMCACHED_MAXIMUM_RETURN;
    ok = libmemcached_util_flush(host, 1, &rc);
    printf("flush closed port: %d rc=%d\n", ok, (int)rc);

    m = memcached_create(NULL);
    memcached_server_add(m, host, port);
    printf("version_check 1.0.0: %d\n", libmemcached_util_version_check(m, 1, 0, 0));
    printf("version_check 1.4.0: %d\n", libmemcached_util_version_check(m, 1, 4, 0));
    printf("version_check 1.255.0: %d\n", libmemcached_util_version_check(m, 1, 255, 0));
    printf("version_check 2.0.0: %d\n", libmemcached_util_version_check(m, 2, 0, 0));
    memcached_server_add(m, host, 1);
    printf("version_check with a closed port: %d\n", libmemcached_util_version_check(m, 1, 0, 0));
    memcached_free(m);
    m = memcached_create(NULL);
    printf("version_check without servers: %d\n", libmemcached_util_version_check(m, 1, 0, 0));
    memcached_free(m);
}

int main(void)
{
    memcached_server_list_st servers;
    harness_check_loaded_library();
    master = memcached_create(NULL);
    CHECK(master != NULL);
    servers = memcached_servers_parse(harness_servers());
    CHECK(servers != NULL);
    CHECK(memcached_server_push(master, servers) == MEMCACHED_SUCCESS);
    memcached_server_list_free(servers);

    creation_limits();
    exhaustion();
    wake_up();
    behaviors();
    from_strings();
    stress();
    helpers();

    memcached_free(master);
    return harness_finish();
}
