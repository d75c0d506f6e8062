/*
 * bench.c: one workload of the libmemcached benchmark (`make bench`).
 *
 * Compiled ONCE against Debian's libmemcached 1.1.4 headers (/usr/include,
 * -lmemcached, no rpath) and run against either Debian's library or ours by
 * swapping LD_LIBRARY_PATH; benches/bench.py drives it.
 *
 *   bench WORKLOAD SERVERS (--ops N | --seconds S)
 *
 *   WORKLOAD  get32-ascii get32-binary set32-ascii set32-binary mget100-1srv
 *             mget100-3srv-ketama mget100-3srv-ketama-binary set512k get512k
 *             noreply10k request
 *   SERVERS   comma-separated host:port list (the first one is used by the
 *             single-server workloads, the first three by the 3-server ones)
 *   --ops N   exactly N operations (0 is valid: setup only, the baseline that
 *             valgrind/strace figures are subtracted from)
 *   --seconds S  operations until S seconds have passed (throughput)
 *
 * Phases: setup (create the handle, add servers, set behaviors, store the
 * data the workload reads, one warm-up operation so connections are open),
 * then the measured loop between two getppid() system calls that mark it in
 * strace output, then teardown. One "operation" is one get/set, one mget of
 * 100 keys with all results fetched, or 10,000 noreply sets followed by one
 * get. Every reply is checked; any error exits with status 1 (a 512 KiB
 * value is compared whole outside the loop and sampled inside it: see
 * same_value).
 *
 * `request` is the round-trip workload (one operation = one web request as
 * Django makes it: a get of a present key, a get of a missing key, a set of
 * that key, then memcached_quit) with the README's Django settings (binary
 * protocol, TCP_NODELAY, keepalive, ketama, REMOVE_FAILED_SERVERS, ...);
 * SASL credentials come from BENCH_SASL_USER / BENCH_SASL_PASSWORD when
 * set. It is run through benches/delay_proxy.py, and every operation counts
 * from the first connect, so the first connection's extra cost is included.
 *
 * Prints one line:
 * `ops=N seconds=S first_seconds=F ops_per_sec=R cpu_us_per_op=C vmhwm_kb=K lib=PATH`
 * (F: time of the first operation; C: user+system CPU time of the loop
 * per operation; PATH: the file
 * memcached_create was loaded from).
 */
#define _GNU_SOURCE
#include <libmemcached/memcached.h>

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NKEYS 100
#define SMALL 32
#define LARGE (512 * 1024)
#define NOREPLY_SETS 10000

static char keys[NKEYS][64];
static size_t key_lens[NKEYS];
static const char *key_ptrs[NKEYS];
static char small_vals[NKEYS][SMALL];
static char *large_val;

static void die(const char *what, memcached_st *memc, memcached_return_t rc)
{
    fprintf(stderr, "bench: %s: %s (%d)\n", what,
            memc ? memcached_strerror(memc, rc) : "-", (int)rc);
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Marks the measured loop in strace output (getppid is always a real
 * system call and the benchmark makes no other). */
static void marker(void)
{
    (void)syscall(SYS_getppid);
}

/* User + system CPU time of this process, in seconds: the scheduler's
 * nanosecond run-time account (getrusage's is sampled at the timer tick,
 * too coarse for runs of a fraction of a second). */
static double cpu_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0)
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static long vmhwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static void add_servers(memcached_st *memc, const char *list, int max)
{
    char buf[1024];
    int n = 0;
    if (strlen(list) >= sizeof buf) {
        fprintf(stderr, "bench: server list too long\n");
        exit(2);
    }
    strcpy(buf, list);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok && n < max;
         tok = strtok_r(NULL, ",", &save), n++) {
        char *colon = strrchr(tok, ':');
        if (!colon) {
            fprintf(stderr, "bench: bad server %s\n", tok);
            exit(2);
        }
        *colon = '\0';
        memcached_return_t rc =
            memcached_server_add(memc, tok, (in_port_t)atoi(colon + 1));
        if (rc != MEMCACHED_SUCCESS)
            die("memcached_server_add", memc, rc);
    }
    if (n < max) {
        fprintf(stderr, "bench: need %d servers, got %d\n", max, n);
        exit(2);
    }
}

static void set_behavior(memcached_st *memc, memcached_behavior_t b, uint64_t v)
{
    memcached_return_t rc = memcached_behavior_set(memc, b, v);
    if (rc != MEMCACHED_SUCCESS)
        die("memcached_behavior_set", memc, rc);
}

static void do_set(memcached_st *memc, int i, const char *val, size_t len)
{
    memcached_return_t rc =
        memcached_set(memc, keys[i], key_lens[i], val, len, 0, 0);
    if (rc != MEMCACHED_SUCCESS)
        die("memcached_set", memc, rc);
}

/* Whether a value read back is the expected one. A small value is
 * compared whole. A large one is compared whole in the warm-up and after
 * the measured loop (see `full_check`), and inside the loop at 64 places
 * spread over it, 16 bytes each, plus its last 16 bytes: comparing 512 KiB
 * costs the benchmark itself ~70,000 instructions per operation, counted
 * for both libraries alike, which would hide the libraries' difference. */
static int full_check = 1;

static int same_value(const char *got, const char *expect, size_t len)
{
    if (full_check || len <= 4096)
        return memcmp(got, expect, len) == 0;
    size_t step = len / 64;
    for (size_t at = 0; at + 16 <= len; at += step)
        if (memcmp(got + at, expect + at, 16) != 0)
            return 0;
    return memcmp(got + len - 16, expect + len - 16, 16) == 0;
}

static void do_get(memcached_st *memc, int i, const char *expect, size_t len)
{
    size_t vlen = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char *v = memcached_get(memc, keys[i], key_lens[i], &vlen, &flags, &rc);
    if (!v || rc != MEMCACHED_SUCCESS)
        die("memcached_get", memc, rc);
    if (vlen != len || !same_value(v, expect, len)) {
        fprintf(stderr, "bench: get %s: wrong value (%zu bytes)\n", keys[i], vlen);
        exit(1);
    }
    free(v);
}

static void do_mget(memcached_st *memc, memcached_result_st *res)
{
    memcached_return_t rc = memcached_mget(memc, key_ptrs, key_lens, NKEYS);
    if (rc != MEMCACHED_SUCCESS)
        die("memcached_mget", memc, rc);
    int got = 0;
    while (memcached_fetch_result(memc, res, &rc) != NULL) {
        if (rc != MEMCACHED_SUCCESS)
            die("memcached_fetch_result", memc, rc);
        if (memcached_result_length(res) != SMALL) {
            fprintf(stderr, "bench: mget: wrong value length\n");
            exit(1);
        }
        got++;
    }
    if (rc != MEMCACHED_END && rc != MEMCACHED_NOTFOUND)
        die("memcached_fetch_result (end)", memc, rc);
    if (got != NKEYS) {
        fprintf(stderr, "bench: mget: %d of %d keys\n", got, NKEYS);
        exit(1);
    }
}

/* 10,000 noreply sets cycling over the keys, each value naming its set,
 * then one get that must see the last one. */
static void do_noreply(memcached_st *memc, unsigned long round)
{
    char val[SMALL];
    int last = 0;
    for (int j = 0; j < NOREPLY_SETS; j++) {
        last = j % NKEYS;
        snprintf(val, sizeof val, "%031lu", round * NOREPLY_SETS + (unsigned long)j);
        do_set(memc, last, val, SMALL);
    }
    do_get(memc, last, val, SMALL);
}

/* One web request: get a present key, get a missing one, set it, quit. */
static void do_request(memcached_st *memc, long n)
{
    char missing[64];
    size_t vlen = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    int len = snprintf(missing, sizeof missing, "bench:request:%ld:%ld",
                       (long)getpid(), n);
    do_get(memc, 0, small_vals[0], SMALL);
    char *v = memcached_get(memc, missing, (size_t)len, &vlen, &flags, &rc);
    if (v || rc != MEMCACHED_NOTFOUND)
        die("memcached_get (missing key)", memc, rc);
    rc = memcached_set(memc, missing, (size_t)len, small_vals[1], SMALL, 0, 0);
    if (rc != MEMCACHED_SUCCESS)
        die("memcached_set (missing key)", memc, rc);
    memcached_quit(memc);
}

/* The README's Django settings (pylibmc behavior names in comments). */
static void django_behaviors(memcached_st *memc)
{
    set_behavior(memc, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1);
    set_behavior(memc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
    set_behavior(memc, MEMCACHED_BEHAVIOR_TCP_KEEPALIVE, 1);
    set_behavior(memc, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, 2000);
    set_behavior(memc, MEMCACHED_BEHAVIOR_SND_TIMEOUT, 750000);
    set_behavior(memc, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, 750000);
    set_behavior(memc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, 2000);
    set_behavior(memc, MEMCACHED_BEHAVIOR_KETAMA, 1);
    set_behavior(memc, MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 1);
    set_behavior(memc, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 2);
    set_behavior(memc, MEMCACHED_BEHAVIOR_DEAD_TIMEOUT, 30);
    const char *user = getenv("BENCH_SASL_USER");
    const char *pass = getenv("BENCH_SASL_PASSWORD");
    if (user && pass) {
        memcached_return_t rc = memcached_set_sasl_auth_data(memc, user, pass);
        if (rc != MEMCACHED_SUCCESS)
            die("memcached_set_sasl_auth_data", memc, rc);
    }
}

enum workload {
    GET32, SET32, MGET100, SET512K, GET512K, NOREPLY10K, REQUEST,
};

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[3], "--ops") && strcmp(argv[3], "--seconds"))) {
        fprintf(stderr, "usage: bench WORKLOAD SERVERS (--ops N | --seconds S)\n");
        return 2;
    }
    const char *name = argv[1];
    int by_time = strcmp(argv[3], "--seconds") == 0;
    long want_ops = by_time ? -1 : atol(argv[4]);
    double want_secs = by_time ? atof(argv[4]) : 0.0;

    enum workload w;
    int binary = 0, nservers = 1, ketama = 0;
    if (!strcmp(name, "get32-ascii")) w = GET32;
    else if (!strcmp(name, "get32-binary")) w = GET32, binary = 1;
    else if (!strcmp(name, "set32-ascii")) w = SET32;
    else if (!strcmp(name, "set32-binary")) w = SET32, binary = 1;
    else if (!strcmp(name, "mget100-1srv")) w = MGET100;
    else if (!strcmp(name, "mget100-3srv-ketama")) w = MGET100, nservers = 3, ketama = 1;
    else if (!strcmp(name, "mget100-3srv-ketama-binary"))
        w = MGET100, nservers = 3, ketama = 1, binary = 1;
    else if (!strcmp(name, "set512k")) w = SET512K;
    else if (!strcmp(name, "get512k")) w = GET512K;
    else if (!strcmp(name, "noreply10k")) w = NOREPLY10K;
    else if (!strcmp(name, "request")) w = REQUEST, binary = 1;
    else {
        fprintf(stderr, "bench: unknown workload %s\n", name);
        return 2;
    }

    /* Setup: keys, values, handle, stored data, warm-up. */
    for (int i = 0; i < NKEYS; i++) {
        int n = snprintf(keys[i], sizeof keys[i], "bench:%s:%03d", name, i);
        if (n < 0 || (size_t)n >= sizeof keys[i]) {
            fprintf(stderr, "bench: workload name too long for its keys\n");
            return 2;
        }
        key_lens[i] = (size_t)n;
        key_ptrs[i] = keys[i];
        snprintf(small_vals[i], SMALL, "value-%03d-", i);
        memset(small_vals[i] + 10, 'a' + i % 26, SMALL - 10);
    }

    if (w == SET512K || w == GET512K) {
        large_val = malloc(LARGE);
        if (!large_val)
            return 1;
        for (size_t i = 0; i < LARGE; i++)
            large_val[i] = (char)('A' + i % 61);
    }

    memcached_st *memc = memcached_create(NULL);
    if (!memc)
        return 1;
    add_servers(memc, argv[2], nservers);
    if (w == REQUEST)
        django_behaviors(memc);
    else if (binary)
        set_behavior(memc, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1);
    if (ketama)
        set_behavior(memc, MEMCACHED_BEHAVIOR_KETAMA, 1);

    memcached_result_st result, *res = NULL;
    switch (w) {
    case GET32:
    case MGET100:
        for (int i = 0; i < NKEYS; i++)
            do_set(memc, i, small_vals[i], SMALL);
        res = memcached_result_create(memc, &result);
        if (!res)
            return 1;
        break;
    case GET512K:
        do_set(memc, 0, large_val, LARGE);
        break;
    case NOREPLY10K:
        set_behavior(memc, MEMCACHED_BEHAVIOR_NOREPLY, 1);
        break;
    case REQUEST: {
        /* The present key is stored through a handle of its own (straight
         * to the server when BENCH_DIRECT names it, not through the
         * proxy), so that the measured handle starts with no connection. */
        const char *direct = getenv("BENCH_DIRECT");
        memcached_st *setup = memcached_create(NULL);
        if (!setup)
            return 1;
        add_servers(setup, direct ? direct : argv[2], nservers);
        django_behaviors(setup);
        do_set(setup, 0, small_vals[0], SMALL);
        memcached_free(setup);
        break;
    }
    default:
        break;
    }

    /* One warm-up operation of each kind the loop does. */
    switch (w) {
    case GET32: do_get(memc, 0, small_vals[0], SMALL); break;
    case SET32: do_set(memc, 0, small_vals[0], SMALL); break;
    case MGET100: do_mget(memc, res); break;
    case SET512K: do_set(memc, 0, large_val, LARGE); break;
    case GET512K: do_get(memc, 0, large_val, LARGE); break;
    case NOREPLY10K: do_noreply(memc, 0); break;
    case REQUEST: break;
    }

    full_check = 0;
    double cpu0 = cpu_seconds();
    marker();
    double t0 = now(), elapsed, first = 0.0;
    long ops = 0;
    for (;;) {
        if (by_time) {
            if ((elapsed = now() - t0) >= want_secs)
                break;
        } else if (ops >= want_ops) {
            break;
        }
        int k = (int)(ops % NKEYS);
        switch (w) {
        case GET32: do_get(memc, k, small_vals[k], SMALL); break;
        case SET32: do_set(memc, k, small_vals[k], SMALL); break;
        case MGET100: do_mget(memc, res); break;
        case SET512K: do_set(memc, 0, large_val, LARGE); break;
        case GET512K: do_get(memc, 0, large_val, LARGE); break;
        case NOREPLY10K: do_noreply(memc, (unsigned long)ops + 1); break;
        case REQUEST: do_request(memc, ops); break;
        }
        if (ops == 0)
            first = now() - t0;
        ops++;
    }
    elapsed = now() - t0;
    marker();
    double cpu = cpu_seconds() - cpu0;
    /* One more operation checked whole, outside the measure. */
    full_check = 1;
    if (w == GET512K)
        do_get(memc, 0, large_val, LARGE);

    if (res)
        memcached_result_free(res);
    memcached_free(memc);
    free(large_val);
    Dl_info info;
    const char *lib = "?";
    if (dladdr((void *)memcached_create, &info) && info.dli_fname)
        lib = info.dli_fname;
    printf("ops=%ld seconds=%.6f first_seconds=%.6f ops_per_sec=%.1f cpu_us_per_op=%.3f "
           "vmhwm_kb=%ld lib=%s\n",
           ops, elapsed, first, elapsed > 0 ? (double)ops / elapsed : 0.0,
           ops > 0 ? cpu * 1e6 / (double)ops : 0.0, vmhwm_kb(), lib);
    return 0;
}
