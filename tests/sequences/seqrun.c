/*
 * seqrun.c - the sequence runner of the differential sequence tester
 * (tests/sequences/README.md).
 *
 *   seqrun SEED PORT[,PORT...] [FUZZFILE|-]
 *
 * Turns SEED (and, when given, the bytes of FUZZFILE or stdin: they are used
 * first, the PRNG after them) into a random but legal sequence of public
 * libmemcached calls against the memcached servers on 127.0.0.1:PORT... and
 * prints one trace line per call: call, arguments, return code and, for
 * values, length, flags and a hash of the bytes, never a pointer or a CAS
 * number. At the end it prints what every server holds for every key of the
 * key space (a get per key with a fresh one-server handle), so lost writes
 * show.
 *
 * Built against the system's (Debian's) libmemcached headers and run over
 * Debian's library or ours by LD_LIBRARY_PATH; ctests/harness.c checks (from
 * /proc/self/maps) which libmemcached.so.11 was loaded (HARNESS_EXPECT_LIB).
 *
 * Ownership follows libmemcached 1.1.4's documentation: values returned by
 * memcached_get / memcached_fetch are freed with free(); results returned by
 * memcached_fetch_result(memc, NULL, ...) with memcached_result_free; a
 * caller's memcached_result_st (memcached_result_create) is reused and freed
 * before its handle; nothing is used after it is freed.
 *
 * Everything printed is a function of the seed and the libraries' answers:
 * fetch loops print their items sorted (multi-server replies come back in an
 * order that depends on timing), a multi-server multi-get is abandoned only
 * before its first fetch, expiration times are 0, an hour, or a time in
 * 1970 (expired at once).
 *
 * Environment:
 *   SEQRUN_OPS=N        N operations instead of the seed's 40-79 (shrinking)
 *   SEQRUN_RECORD=FILE  write every choice as replayable fuzzer bytes, and the
 *                       offset where each operation starts to FILE.steps
 *   SEQRUN_AVOID=LIST   leave out abandon,binbuf,hsieh,bufget (see below)
 *   SEQRUN_DEBUG_ORDER  number the items of fetch loops in fetch order
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached/memcached.h>
#include <libmemcachedutil-1.0/util.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

/* ------------------------------------------------------------------ */
/* Randomness: fuzzer bytes first, then xorshift64* seeded from SEED.  */

static uint64_t rng_state;
static const unsigned char *fuzz_bytes;
static size_t fuzz_len, fuzz_pos;

static uint64_t rng_next(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 2685821657736338717ULL;
}

/* SEQRUN_RECORD=FILE: every choice is written there as the fuzzer bytes
 * that replay it (one byte, two for n > 256), so the driver can shrink a
 * failing sequence by cutting bytes out. */
static FILE *record;
static FILE *record_steps; /* FILE.steps: the offset where each operation starts */

/* A number in [0, n). */
static unsigned rnd(unsigned n)
{
    unsigned v;
    if (n <= 1) {
        return 0;
    }
    if (fuzz_pos < fuzz_len) {
        v = fuzz_bytes[fuzz_pos++];
        if (n > 256 && fuzz_pos < fuzz_len) {
            v = v << 8 | fuzz_bytes[fuzz_pos++];
        }
        v %= n;
    } else {
        v = (unsigned)(rng_next() % n);
    }
    if (record != NULL) {
        if (n > 256) {
            fputc((int)(v >> 8), record);
        }
        fputc((int)(v & 0xff), record);
    }
    return v;
}

/* True with probability num/den. */
static int chance(unsigned num, unsigned den)
{
    return rnd(den) < num;
}

/* ------------------------------------------------------------------ */
/* Output.                                                             */

static unsigned step_no;

/* SEQRUN_AVOID=abandon,binbuf,hsieh: leave out calls that only show known,
 * explained differences (the choices are still drawn, so the rest of the
 * sequence stays the same), to look past them for other differences. */
static int avoid_abandon, avoid_binbuf, avoid_hsieh, avoid_bufget;

static const char *const rc_names[] = {
    "SUCCESS", "FAILURE", "HOST_LOOKUP_FAILURE", "CONNECTION_FAILURE",
    "CONNECTION_BIND_FAILURE", "WRITE_FAILURE", "READ_FAILURE",
    "UNKNOWN_READ_FAILURE", "PROTOCOL_ERROR", "CLIENT_ERROR", "SERVER_ERROR",
    "ERROR", "DATA_EXISTS", "DATA_DOES_NOT_EXIST", "NOTSTORED", "STORED",
    "NOTFOUND", "MEMORY_ALLOCATION_FAILURE", "PARTIAL_READ", "SOME_ERRORS",
    "NO_SERVERS", "END", "DELETED", "VALUE", "STAT", "ITEM", "ERRNO",
    "FAIL_UNIX_SOCKET", "NOT_SUPPORTED", "NO_KEY_PROVIDED", "FETCH_NOTFINISHED",
    "TIMEOUT", "BUFFERED", "BAD_KEY_PROVIDED", "INVALID_HOST_PROTOCOL",
    "SERVER_MARKED_DEAD", "UNKNOWN_STAT_KEY", "E2BIG", "INVALID_ARGUMENTS",
    "KEY_TOO_BIG", "AUTH_PROBLEM", "AUTH_FAILURE", "AUTH_CONTINUE",
    "PARSE_ERROR", "PARSE_USER_ERROR", "DEPRECATED", "IN_PROGRESS",
    "SERVER_TEMPORARILY_DISABLED", "SERVER_MEMORY_ALLOCATION_FAILURE",
};

static const char *rc_name(memcached_return_t rc)
{
    size_t i = (size_t)rc;
    return i < sizeof rc_names / sizeof rc_names[0] ? rc_names[i] : "?";
}

/*
 * Cross-connection order. A request that a library sent without waiting for
 * its answer (NOREPLY, BUFFER_REQUESTS, a connection closed right after its
 * last request) may reach a server after a later request on another
 * connection, so a value read on one handle would depend on timing. The
 * runner remembers which handles may have such requests in flight (a bit per
 * slot; OTHER_BIT for closed connections and handles back in the pool) and,
 * before a call on another handle, waits SETTLE_NS for the servers to catch
 * up. This wait is not traced.
 */
#define OTHER_BIT (1u << 8)
#define SETTLE_NS 3000000L
static unsigned unsynced;

static void settle_for(int slot)
{
    unsigned mine = slot >= 0 ? 1u << slot : 0;
    if (unsynced & ~mine) {
        struct timespec ts = {0, SETTLE_NS};
        nanosleep(&ts, NULL);
        unsynced &= mine;
    }
}

/* Before a handle closes its connections: a request still in flight when
 * the client closes with replies unread makes the server reset the
 * connection, and the request may be lost or not depending on timing. */
static void settle_own(int slot)
{
    if (unsynced & (1u << slot)) {
        struct timespec ts = {0, SETTLE_NS};
        nanosleep(&ts, NULL);
        unsynced &= ~(1u << slot);
    }
}

/* The start of a trace line: "<step> h<slot> ". */
static void line_start(int slot)
{
    settle_for(slot);
    step_no++;
    if (slot >= 0) {
        printf("%u h%d ", step_no, slot);
    } else {
        printf("%u -- ", step_no);
    }
}

static void print_rc(memcached_return_t rc)
{
    printf(" -> %d %s", (int)rc, rc_name(rc));
}

static uint32_t fnv1a(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

/* " v=LEN/FLAGS/HASH" (or " v=null/LEN/FLAGS" for a NULL pointer). */
static void print_value(const char *value, size_t len, uint32_t flags)
{
    if (value == NULL) {
        printf(" v=null/%zu/%" PRIu32, len, flags);
    } else {
        printf(" v=%zu/%" PRIu32 "/%08" PRIx32, len, flags, fnv1a(value, len));
    }
}

/* ------------------------------------------------------------------ */
/* Key space, group keys, namespaces, values.                          */

#define NKEYS 8
static char long_key[201];
static const char *keys[NKEYS] = {
    "a", "k1", "key:2", "user/3/session", "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87-4", "k5", NULL, "num7",
};
static const char *const key_names[NKEYS] = {
    "a", "k1", "key:2", "user/3/session", "kljuch-4", "k5", "L200", "num7",
};

static const char *const groups[] = {"g1", "", "g 2"};
static const char *const group_names[] = {"g1", "''", "'g 2'"};
#define NGROUPS 3

/* Namespace 0 is none. */
static const char *const namespaces[] = {NULL, "ns:", "n2/"};
#define NNS 3

static void init_keys(void)
{
    for (int i = 0; i < 200; i++) {
        long_key[i] = (char)('A' + (i * 7) % 26);
    }
    long_key[200] = '\0';
    keys[6] = long_key;
}

static unsigned pick_key(void)
{
    /* Half the operations go to three hot keys, so calls interact. */
    return chance(1, 2) ? rnd(3) : rnd(NKEYS);
}

static char value_buf[4096];

/* Numeric values stay below 2^63: memcached 1.6.18 refuses to incr/decr a
 * value >= 2^63 when the bytes after the item's data in its slab (left
 * there by earlier items) hold a '-' before a NUL (its strtoull check scans
 * past the value), so the answer would depend on the servers' history. */
static const char *const numbers[] = {"0", "41", "9223372036854700000", "100", "7 "};

/* Fills value_buf with a value and returns its length. */
static size_t make_value(void)
{
    unsigned kind = rnd(20);
    size_t len;
    if (kind < 3) {
        const char *n = numbers[rnd(sizeof numbers / sizeof numbers[0])];
        len = strlen(n);
        memcpy(value_buf, n, len);
        return len;
    }
    if (kind < 5) {
        len = 0;
    } else if (kind < 11) {
        len = 1 + rnd(16);
    } else if (kind < 15) {
        len = 17 + rnd(400);
    } else {
        len = 400 + rnd(2601);
    }
    unsigned char b = (unsigned char)rnd(256);
    unsigned step = 1 + rnd(31);
    for (size_t i = 0; i < len; i++) {
        value_buf[i] = (char)(b + i * step + (i >> 4));
    }
    return len;
}

static uint32_t pick_flags(void)
{
    static const uint32_t f[] = {0, 0, 1, 7, 65535, 0xdeadbeefu};
    return f[rnd(6)];
}

static time_t pick_exptime(void)
{
    unsigned k = rnd(10);
    if (k < 8) {
        return 0;
    }
    return k == 8 ? 3600 : 5000000; /* 5000000: an absolute time in 1970 */
}

/* ------------------------------------------------------------------ */
/* Handles.                                                            */

/* What the runner set on a handle (a mirror of its own calls). */
typedef struct {
    int binary, buffering, noreply, cas, ns, hash_prefix;
    int weighted; /* 1.1.4's weighted-ketama flag: set by CONSISTENT_WEIGHTED,
                     cleared by CONSISTENT and CONSISTENT_KETAMA only */
    int dist;     /* the distribution last set (an index of dists[]) */
    int nservers;
} settings_t;

enum { K_EMPTY, K_HEAP, K_CLONE, K_STACK, K_POOLED };
static const char *const kind_names[] = {"empty", "heap", "clone", "stack", "pooled"};

#define NSLOTS 3
typedef struct {
    memcached_st *m;
    int kind;
    settings_t s;
    int pool_version; /* for K_POOLED */
    int res_live;
    memcached_result_st res;
    memcached_st storage; /* the caller-allocated handle of K_STACK */
    int pending;          /* a multi-get whose replies were not all fetched */
    int junk;             /* binary NOREPLY requests were sent: the server may
                             have answered failed ones anyway */
    int queued;           /* binary BUFFER_REQUESTS requests were made whose
                             replies no call has read yet */
} slot_t;

static slot_t slots[NSLOTS];

static int nports;
static in_port_t ports[3];
static int seq_servers;  /* servers given to new handles */
static int seq_binary;   /* protocol of new handles */

/* The pool: its master, the mirror of the settings of its free members
 * (a stack, as memcached_pool_pop takes the last one pushed). */
static memcached_pool_st *pool;
static memcached_st *pool_master;
static settings_t pool_settings;
static int pool_version;
static int pool_free_n;
static settings_t pool_free[8];
static int pool_free_version[8];
static int pool_free_pending[8], pool_free_queued[8]; /* unread replies kept in the pool */
static int pool_popped;

/* The last CAS seen for (namespace, key); 0 when none. */
static uint64_t last_cas[NNS][NKEYS];

static int key_index(const char *k, size_t len, int ns)
{
    size_t nl = namespaces[ns] ? strlen(namespaces[ns]) : 0;
    if (len >= nl && nl && memcmp(k, namespaces[ns], nl) == 0) {
        k += nl;
        len -= nl;
    }
    for (int i = 0; i < NKEYS; i++) {
        if (strlen(keys[i]) == len && memcmp(k, keys[i], len) == 0) {
            return i;
        }
    }
    return -1;
}

static void print_tags(int slot)
{
    if (slot >= 0 && slots[slot].m != NULL) {
        const settings_t *s = &slots[slot].s;
        /* With unread replies pending, 1.1.4 returns a stale reply as the
         * call's and the call's own request may still be in flight. */
        if (s->noreply || s->buffering || slots[slot].pending || slots[slot].junk) {
            unsynced |= 1u << slot;
        }
        printf(" [%s%s%s%s%s%s]", s->binary ? "bin" : "ascii", s->buffering ? ",buf" : "",
               s->noreply ? ",noreply" : "", s->ns ? ",ns" : "",
               slots[slot].queued ? ",queued" : "", slots[slot].pending ? ",unfetched" : "");
    }
    printf("\n");
}

static void end_line(int slot, memcached_return_t rc)
{
    print_rc(rc);
    print_tags(slot);
}

static const struct {
    memcached_server_distribution_t d;
    const char *name;
} dists[] = {
    {MEMCACHED_DISTRIBUTION_MODULA, "MODULA"},
    {MEMCACHED_DISTRIBUTION_CONSISTENT, "CONSISTENT"},
    {MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA, "KETAMA"},
    {MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA_SPY, "KETAMA_SPY"},
    {MEMCACHED_DISTRIBUTION_CONSISTENT_WEIGHTED, "WEIGHTED"},
};
#define DIST_WEIGHTED 4

/* A handle's connections were closed (quit, free, protocol change): what
 * they sent last may still be in flight. */
static void closing(int slot)
{
    const settings_t *s = &slots[slot].s;
    if ((unsynced & (1u << slot)) || s->noreply || s->buffering) {
        unsynced &= ~(1u << slot);
        unsynced |= OTHER_BIT;
    }
    slots[slot].junk = 0;
    slots[slot].pending = 0;
    slots[slot].queued = 0;
}

/*
 * Binary NOREPLY sends quiet commands, and memcached answers the ones that
 * fail anyway. 1.1.4 reads those answers with the next reply it waits for,
 * and whether a multi-get then stops early depends on how the bytes arrived
 * (its read buffer), so 1.1.4's own traces would differ run to run. Before
 * a call that reads replies on such a handle the runner calls memcached_quit
 * (traced), which drops them. quiet_ok: the call is itself a quiet write.
 */
static void junk_check(int slot, int quiet_ok)
{
    slot_t *sl = &slots[slot];
    if (!sl->junk || (quiet_ok && sl->s.binary && sl->s.noreply)) {
        return;
    }
    line_start(slot);
    printf("quit (drops unsolicited replies) -> void");
    print_tags(slot);
    settle_own(slot);
    memcached_quit(sl->m);
    closing(slot);
}

/* After a call that waited for its reply: in ASCII, 1.1.4 first reads the
 * replies left unread (it counts them), unless NOREPLY kept the call's own
 * request from being counted or the call was buffered. */
static void replied(int slot)
{
    const settings_t *s = &slots[slot].s;
    if (!s->binary && !s->noreply && !s->buffering) {
        slots[slot].pending = 0;
    }
}

/* After a write: under binary NOREPLY its failure may be answered; under
 * binary BUFFER_REQUESTS its reply is read by a later call (the "queued"
 * tag: 1.1.4 then returns an earlier request's reply as a call's, until a
 * multi-get reads them all). */
static void maybe_junk(int slot)
{
    if (slots[slot].s.binary && slots[slot].s.noreply) {
        slots[slot].junk = 1;
    }
    if (slots[slot].s.binary && slots[slot].s.buffering) {
        slots[slot].queued = 1;
    }
}

static void behavior(int slot, memcached_st *m, memcached_behavior_t b, const char *name,
                     uint64_t v)
{
    line_start(slot);
    printf("behavior_set %s=%" PRIu64, name, v);
    end_line(slot, memcached_behavior_set(m, b, v));
}

/* Servers and protocol for a new handle (heap or caller storage). */
static void setup_handle(int slot, memcached_st *m, settings_t *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < seq_servers; i++) {
        line_start(slot);
        printf("server_add s%d", i);
        memcached_return_t rc = memcached_server_add(m, "127.0.0.1", ports[i]);
        print_rc(rc);
        printf(" count=%" PRIu32 "\n", memcached_server_count(m));
        if (rc == MEMCACHED_SUCCESS) {
            s->nservers++;
        }
    }
    /* No Nagle: a write on one connection reaches the server before a read
     * on another one is sent (the servers run one worker thread). */
    behavior(slot, m, MEMCACHED_BEHAVIOR_TCP_NODELAY, "TCP_NODELAY", 1);
    if (seq_binary) {
        behavior(slot, m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, "BINARY_PROTOCOL", 1);
        s->binary = 1;
    }
}

static void free_result(int slot)
{
    slot_t *sl = &slots[slot];
    if (sl->res_live) {
        line_start(slot);
        printf("result_free caller -> void\n");
        memcached_result_free(&sl->res);
        sl->res_live = 0;
    }
}

static int empty_slot(void)
{
    int cand[NSLOTS], n = 0;
    for (int i = 0; i < NSLOTS; i++) {
        if (slots[i].m == NULL) {
            cand[n++] = i;
        }
    }
    return n ? cand[rnd((unsigned)n)] : -1;
}

static int live_slot(void)
{
    int cand[NSLOTS], n = 0;
    for (int i = 0; i < NSLOTS; i++) {
        if (slots[i].m != NULL) {
            cand[n++] = i;
        }
    }
    return n ? cand[rnd((unsigned)n)] : -1;
}

static void op_create(int slot)
{
    slot_t *sl = &slots[slot];
    int stack = chance(1, 3);
    line_start(slot);
    memset(&sl->storage, 0, sizeof sl->storage);
    if (stack) {
        memcached_st *m = memcached_create(&sl->storage);
        printf("create caller -> %s\n", m == NULL ? "null" : m == &sl->storage ? "same" : "other");
        if (m == NULL) {
            return;
        }
        sl->kind = K_STACK;
        sl->m = m;
    } else {
        memcached_st *m = memcached_create(NULL);
        printf("create NULL -> %s\n", m == NULL ? "null" : "handle");
        if (m == NULL) {
            return;
        }
        sl->kind = K_HEAP;
        sl->m = m;
    }
    sl->pending = 0;
    sl->junk = 0;
    sl->queued = 0;
    sl->res_live = 0;
    setup_handle(slot, sl->m, &sl->s);
}

static void op_clone(int to, int from)
{
    slot_t *dst = &slots[to], *src = &slots[from];
    int stack = chance(1, 3);
    line_start(to);
    memset(&dst->storage, 0, sizeof dst->storage);
    memcached_st *m = memcached_clone(stack ? &dst->storage : NULL, src->m);
    printf("clone h%d %s -> %s", from, stack ? "caller" : "NULL",
           m == NULL ? "null" : (stack && m == &dst->storage) ? "same" : "handle");
    if (m != NULL) {
        printf(" count=%" PRIu32, memcached_server_count(m));
    }
    print_tags(from);
    if (m == NULL) {
        return;
    }
    dst->m = m;
    dst->kind = stack ? K_STACK : K_CLONE;
    dst->s = src->s;
    /* 1.1.4's memcached_clone does not copy the weighted-ketama flag (set by
     * CONSISTENT_WEIGHTED, kept by MODULA and KETAMA_SPY) unless a server
     * weighs more than 1; ours places a clone's keys the same way. */
    dst->s.weighted = 0;
    dst->pending = 0;
    dst->junk = 0;
    dst->queued = 0;
    dst->res_live = 0;
}

static void op_free(int slot)
{
    slot_t *sl = &slots[slot];
    free_result(slot);
    line_start(slot);
    printf("free %s -> void", kind_names[sl->kind]);
    print_tags(slot);
    settle_own(slot);
    memcached_free(sl->m);
    closing(slot);
    sl->m = NULL;
    sl->kind = K_EMPTY;
}

/* ------------------------------------------------------------------ */
/* Pool.                                                               */

static void op_pool_create(void)
{
    line_start(-1);
    printf("create NULL (pool master)");
    pool_master = memcached_create(NULL);
    printf(" -> %s\n", pool_master ? "handle" : "null");
    if (pool_master == NULL) {
        return;
    }
    setup_handle(-1, pool_master, &pool_settings);
    uint32_t initial = 1 + rnd(2);
    uint32_t max = initial + rnd(2);
    line_start(-1);
    pool = memcached_pool_create(pool_master, initial, max);
    printf("pool_create initial=%" PRIu32 " max=%" PRIu32 " -> %s\n", initial, max,
           pool ? "pool" : "null");
    if (pool == NULL) {
        memcached_free(pool_master);
        pool_master = NULL;
        return;
    }
    pool_version = 0;
    pool_free_n = (int)initial;
    for (uint32_t i = 0; i < initial; i++) {
        pool_free[i] = pool_settings;
        pool_free_version[i] = 0;
        pool_free_pending[i] = 0;
        pool_free_queued[i] = 0;
    }
    pool_popped = 0;
}

static void op_pool_pop(int slot)
{
    slot_t *sl = &slots[slot];
    memcached_return_t rc = MEMCACHED_MAXIMUM_RETURN;
    line_start(slot);
    printf("pool_pop nonblocking");
    memcached_st *m = memcached_pool_pop(pool, false, &rc);
    print_rc(rc);
    printf(" %s\n", m ? "handle" : "null");
    if (m == NULL) {
        return;
    }
    sl->m = m;
    sl->kind = K_POOLED;
    sl->pending = 0;
    sl->junk = 0;
    sl->queued = 0;
    sl->res_live = 0;
    if (pool_free_n > 0) {
        pool_free_n--;
        sl->s = pool_free[pool_free_n];
        sl->pool_version = pool_free_version[pool_free_n];
        /* The pool hands back the same handle, connections and all. */
        sl->pending = pool_free_pending[pool_free_n];
        sl->queued = pool_free_queued[pool_free_n];
    } else {
        sl->s = pool_settings; /* a new clone of the master */
        sl->pool_version = pool_version;
    }
    pool_popped++;
}

static void op_pool_push(int slot)
{
    slot_t *sl = &slots[slot];
    junk_check(slot, 0);
    free_result(slot);
    line_start(slot);
    printf("pool_push");
    settle_own(slot);
    memcached_return_t rc = memcached_pool_push(pool, sl->m);
    end_line(slot, rc);
    if (pool_free_n < 8) {
        if (sl->pool_version != pool_version) {
            pool_free[pool_free_n] = pool_settings; /* replaced by a new clone */
            pool_free_pending[pool_free_n] = 0;
            pool_free_queued[pool_free_n] = 0;
        } else {
            pool_free[pool_free_n] = sl->s;
            pool_free_pending[pool_free_n] = sl->pending;
            pool_free_queued[pool_free_n] = sl->queued;
        }
        pool_free_version[pool_free_n] = pool_version;
        pool_free_n++;
    }
    pool_popped--;
    closing(slot); /* its connections now belong to the pool */
    sl->m = NULL;
    sl->kind = K_EMPTY;
}

static void op_pool_behavior(void)
{
    int which = rnd(3);
    memcached_behavior_t b;
    const char *name;
    uint64_t v = rnd(2);
    if (which == 0) {
        b = MEMCACHED_BEHAVIOR_SUPPORT_CAS;
        name = "SUPPORT_CAS";
    } else if (which == 1) {
        b = MEMCACHED_BEHAVIOR_BINARY_PROTOCOL;
        name = "BINARY_PROTOCOL";
        if (avoid_binbuf) {
            v = 0;
        }
    } else {
        b = MEMCACHED_BEHAVIOR_NOREPLY;
        name = "NOREPLY";
    }
    line_start(-1);
    printf("pool_behavior_set %s=%" PRIu64, name, v);
    memcached_return_t rc = memcached_pool_behavior_set(pool, b, v);
    print_rc(rc);
    uint64_t got = 12345;
    memcached_return_t rc2 = memcached_pool_behavior_get(pool, b, &got);
    printf(" get=%d/%" PRIu64 "\n", (int)rc2, got);
    if (rc == MEMCACHED_SUCCESS) {
        settings_t *targets[9];
        int n = 0;
        targets[n++] = &pool_settings;
        for (int i = 0; i < pool_free_n; i++) {
            targets[n++] = &pool_free[i];
            pool_free_version[i] = pool_version + 1;
            if (which == 1) { /* BINARY_PROTOCOL closes their connections */
                pool_free_pending[i] = 0;
                pool_free_queued[i] = 0;
            }
        }
        for (int i = 0; i < n; i++) {
            if (which == 0) {
                targets[i]->cas = (int)v;
            } else if (which == 1) {
                targets[i]->binary = (int)v;
            } else {
                targets[i]->noreply = (int)v;
            }
        }
        pool_version++;
    }
}

static void op_pool_destroy(void)
{
    line_start(-1);
    memcached_st *m = memcached_pool_destroy(pool);
    printf("pool_destroy -> %s\n", m == pool_master ? "master" : m == NULL ? "null" : "other");
    pool = NULL;
    line_start(-1);
    printf("free heap (pool master) -> void\n");
    memcached_free(pool_master);
    pool_master = NULL;
}

/* ------------------------------------------------------------------ */
/* Fetching.                                                           */

#define MAX_ITEMS 64
static char item_lines[MAX_ITEMS][200];
static int n_items;

static int cmp_lines(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Records one fetched item into item_lines. */
static void add_item(const char *how, const char *key, size_t key_len, const char *value,
                     size_t value_len, uint32_t flags, memcached_return_t rc, int slot)
{
    if (n_items >= MAX_ITEMS) {
        return;
    }
    char *out = item_lines[n_items++];
    size_t cap = sizeof item_lines[0];
    FILE *f = fmemopen(out, cap, "w");
    if (f == NULL) {
        snprintf(out, cap, "fmemopen failed");
        return;
    }
    /* Reuse the printing helpers by pointing stdout-like output at f. */
    fprintf(f, "  item ");
    if (getenv("SEQRUN_DEBUG_ORDER")) {
        fprintf(f, "#%d ", n_items);
    }
    {
        /* key */
        int done = 0;
        for (int ns = 0; ns < NNS && !done; ns++) {
            size_t nl = namespaces[ns] ? strlen(namespaces[ns]) : 0;
            if (key_len < nl || (nl && memcmp(key, namespaces[ns], nl) != 0)) {
                continue;
            }
            for (int i = 0; i < NKEYS; i++) {
                if (strlen(keys[i]) == key_len - nl && memcmp(key + nl, keys[i], key_len - nl) == 0) {
                    fprintf(f, "%s%s", nl ? namespaces[ns] : "", key_names[i]);
                    done = 1;
                    break;
                }
            }
        }
        if (!done) {
            fprintf(f, "?len%zu:%08" PRIx32, key_len, fnv1a(key, key_len));
        }
    }
    if (value == NULL) {
        fprintf(f, " v=null/%zu/%" PRIu32, value_len, flags);
    } else {
        fprintf(f, " v=%zu/%" PRIu32 "/%08" PRIx32, value_len, flags, fnv1a(value, value_len));
    }
    fprintf(f, " rc=%d %s (%s)", (int)rc, rc_name(rc), how);
    fclose(f);
    out[cap - 1] = '\0';
    /* Remember CAS values for memcached_cas. */
    (void)slot;
}

static void remember_cas(int slot, const memcached_result_st *r)
{
    uint64_t c = memcached_result_cas(r);
    int k = key_index(memcached_result_key_value(r), memcached_result_key_length(r),
                      slots[slot].s.ns);
    if (k >= 0 && c != 0) {
        last_cas[slots[slot].s.ns][k] = c;
    }
}

static void add_result_item(const char *how, const memcached_result_st *r, memcached_return_t rc,
                            int slot)
{
    /* An empty value's pointer is whatever buffer the result held before
     * (NULL or not): only a non-empty value must have one. */
    const char *value = memcached_result_value(r);
    if (memcached_result_length(r) == 0) {
        value = "";
    }
    add_item(how, memcached_result_key_value(r), memcached_result_key_length(r), value,
             memcached_result_length(r), memcached_result_flags(r), rc, slot);
    remember_cas(slot, r);
}

static void flush_items(void)
{
    qsort(item_lines, (size_t)n_items, sizeof item_lines[0], cmp_lines);
    for (int i = 0; i < n_items; i++) {
        printf("%s\n", item_lines[i]);
    }
    n_items = 0;
}

static void ensure_result(int slot)
{
    slot_t *sl = &slots[slot];
    if (!sl->res_live) {
        line_start(slot);
        memcached_result_st *r = memcached_result_create(sl->m, &sl->res);
        printf("result_create caller -> %s\n", r == &sl->res ? "same" : r ? "other" : "null");
        sl->res_live = r == &sl->res;
    }
}

/* After a multi-get: fetch its results, to the end or abandoned partway. */
static void fetch_loop(int slot, int single_server)
{
    slot_t *sl = &slots[slot];
    /* 0 fetch, 1 fetch_result(NULL), 2 caller's result, 3 mixed: only with
     * one server, where the order of the items is the server's. */
    int mode = rnd(single_server ? 4 : 3);
    int limit = MAX_ITEMS;
    if (chance(1, 4)) {
        limit = single_server ? (int)rnd(3) : 0;
        if (avoid_abandon) {
            limit = MAX_ITEMS;
        }
    }
    if (mode == 2 || mode == 3) {
        ensure_result(slot);
    }
    int hold = mode == 1 && chance(1, 2); /* free the NULL-results at the end */
    memcached_result_st *held[MAX_ITEMS];
    int n_held = 0;

    line_start(slot);
    printf("fetch_loop %s%s limit=%d\n",
           mode == 0 ? "fetch" : mode == 1 ? "fetch_result(NULL)" : mode == 2 ? "fetch_result(caller)" : "mixed",
           hold ? "+hold" : "", limit == MAX_ITEMS ? -1 : limit);
    fflush(stdout);

    memcached_return_t rc = MEMCACHED_MAXIMUM_RETURN;
    int count = 0, ended = 0, calls = 0;
    n_items = 0;
    while (count < limit && calls < MAX_ITEMS) {
        int m = mode == 3 ? (int)rnd(3) : mode;
        if (m == 2 && !sl->res_live) {
            m = 1;
        }
        calls++;
        if (m == 0) {
            char key[MEMCACHED_MAX_KEY];
            size_t klen = 9999, vlen = 9999;
            uint32_t flags = 9999;
            memset(key, 0, sizeof key);
            char *v = memcached_fetch(sl->m, key, &klen, &vlen, &flags, &rc);
            if (v == NULL && rc != MEMCACHED_SUCCESS) {
                ended = 1;
                break;
            }
            add_item("fetch", key, klen < sizeof key ? klen : 0, v, vlen, flags, rc, slot);
            free(v);
        } else if (m == 1) {
            memcached_result_st *r = memcached_fetch_result(sl->m, NULL, &rc);
            if (r == NULL) {
                ended = 1;
                break;
            }
            add_result_item("result", r, rc, slot);
            if (hold) {
                held[n_held++] = r;
            } else {
                memcached_result_free(r);
            }
        } else {
            memcached_result_st *r = memcached_fetch_result(sl->m, &sl->res, &rc);
            if (r == NULL) {
                ended = 1;
                break;
            }
            add_result_item(r == &sl->res ? "caller" : "caller-other", r, rc, slot);
        }
        count++;
    }
    for (int i = 0; i < n_held; i++) {
        memcached_result_free(held[i]);
    }
    flush_items();
    line_start(slot);
    if (ended) {
        printf("fetch_loop_end n=%d", count);
        print_rc(rc);
        sl->pending = 0;
    } else {
        printf("fetch_loop_abandoned n=%d", count);
        sl->pending = 1;
    }
    print_tags(slot);
}

static memcached_return_t exec_cb(const memcached_st *m, memcached_result_st *r, void *ctx)
{
    (void)m;
    int slot = *(int *)ctx;
    add_result_item("callback", r, MEMCACHED_SUCCESS, slot);
    return MEMCACHED_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Operations on a handle.                                             */

static const char *ns_label(int slot)
{
    return slots[slot].s.ns ? namespaces[slots[slot].s.ns] : "";
}

static void op_behavior(int slot)
{
    slot_t *sl = &slots[slot];
    memcached_st *m = sl->m;
    unsigned which = rnd(12);
    uint64_t v = rnd(2);
    switch (which) {
    case 0:
    case 1:
        if (avoid_binbuf && sl->s.buffering) {
            v = 0;
        }
        settle_own(slot);
        behavior(slot, m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, "BINARY_PROTOCOL", v);
        closing(slot); /* the connections are closed */
        sl->s.binary = (int)v;
        break;
    case 2:
    case 3:
        if (avoid_binbuf && sl->s.binary) {
            v = 0;
        }
        settle_own(slot);
        behavior(slot, m, MEMCACHED_BEHAVIOR_BUFFER_REQUESTS, "BUFFER_REQUESTS", v);
        closing(slot); /* the connections are closed */
        sl->s.buffering = (int)v;
        break;
    case 4:
        v = chance(1, 3); /* replies make better traces */
        behavior(slot, m, MEMCACHED_BEHAVIOR_NOREPLY, "NOREPLY", v);
        sl->s.noreply = (int)v;
        break;
    case 5:
        behavior(slot, m, MEMCACHED_BEHAVIOR_SUPPORT_CAS, "SUPPORT_CAS", v);
        sl->s.cas = (int)v;
        break;
    case 6:
    case 7: {
        int ns = (int)rnd(NNS);
        line_start(slot);
        printf("callback_set NAMESPACE=%s", ns ? namespaces[ns] : "NULL");
        memcached_return_t rc = memcached_callback_set(m, MEMCACHED_CALLBACK_NAMESPACE, namespaces[ns]);
        if (rc == MEMCACHED_SUCCESS) {
            sl->s.ns = ns;
        }
        end_line(slot, rc);
        memcached_return_t rc2 = MEMCACHED_MAXIMUM_RETURN;
        const char *got = memcached_callback_get(m, MEMCACHED_CALLBACK_NAMESPACE, &rc2);
        line_start(slot);
        printf("callback_get NAMESPACE -> %d %s %s\n", (int)rc2, rc_name(rc2),
               got == NULL ? "NULL" : got);
        break;
    }
    case 8: {
        static const struct {
            memcached_hash_t h;
            const char *name;
        } hashes[] = {
            {MEMCACHED_HASH_DEFAULT, "DEFAULT"}, {MEMCACHED_HASH_MD5, "MD5"},
            {MEMCACHED_HASH_CRC, "CRC"},         {MEMCACHED_HASH_FNV1_64, "FNV1_64"},
            {MEMCACHED_HASH_FNV1A_64, "FNV1A_64"}, {MEMCACHED_HASH_FNV1_32, "FNV1_32"},
            {MEMCACHED_HASH_FNV1A_32, "FNV1A_32"}, {MEMCACHED_HASH_MURMUR, "MURMUR"},
            {MEMCACHED_HASH_JENKINS, "JENKINS"},   {MEMCACHED_HASH_MURMUR3, "MURMUR3"},
            {MEMCACHED_HASH_HSIEH, "HSIEH"},
        };
        /* HSIEH (an intentional difference) rarely. */
        unsigned i = chance(1, 20) ? 10 : rnd(10);
        if (avoid_hsieh && i == 10) {
            i = 0;
        }
        behavior(slot, m, MEMCACHED_BEHAVIOR_HASH, hashes[i].name, (uint64_t)hashes[i].h);
        line_start(slot);
        printf("behavior_get HASH -> %" PRIu64 "\n", memcached_behavior_get(m, MEMCACHED_BEHAVIOR_HASH));
        break;
    }
    case 9:
    case 10: {
        unsigned i = rnd(5);
        behavior(slot, m, MEMCACHED_BEHAVIOR_DISTRIBUTION, dists[i].name, (uint64_t)dists[i].d);
        sl->s.dist = (int)i;
        if (i == DIST_WEIGHTED) {
            sl->s.weighted = 1;
        } else if (i == 1 || i == 2) {
            sl->s.weighted = 0;
        }
        line_start(slot);
        printf("behavior_get DISTRIBUTION -> %" PRIu64 "\n",
               memcached_behavior_get(m, MEMCACHED_BEHAVIOR_DISTRIBUTION));
        break;
    }
    default:
        behavior(slot, m, MEMCACHED_BEHAVIOR_HASH_WITH_PREFIX_KEY, "HASH_WITH_PREFIX_KEY", v);
        sl->s.hash_prefix = (int)v;
        break;
    }
}

static const char *const store_names[] = {"set", "add", "replace", "append", "prepend", "cas"};

static void op_store(int slot)
{
    slot_t *sl = &slots[slot];
    junk_check(slot, 1);
    unsigned verb = rnd(12);
    verb = verb < 4 ? 0 : verb < 6 ? 1 : verb < 7 ? 2 : verb < 9 ? 3 : verb < 10 ? 4 : 5;
    int by_key = chance(1, 3);
    unsigned k = pick_key();
    unsigned g = rnd(NGROUPS);
    size_t vlen = make_value();
    uint32_t flags = pick_flags();
    time_t exp = pick_exptime();
    const char *key = keys[k];
    size_t klen = strlen(key);
    memcached_return_t rc;
    uint64_t cas = 0;
    const char *cas_kind = "";
    if (verb == 5) {
        /* A CAS value is one a result returned, or a stale one: calling
         * memcached_cas with 0 is not a legal use (1.1.4 then sends an
         * ASCII "cas" command without its unique and desynchronises). */
        cas = last_cas[sl->s.ns][k];
        if (cas == 0 || chance(1, 3)) {
            cas = 0xfffffffffff0ULL;
            cas_kind = "stale";
        } else {
            cas_kind = "last";
        }
    }

    line_start(slot);
    printf("%s%s", store_names[verb], by_key ? "_by_key" : "");
    if (by_key) {
        printf(" g=%s", group_names[g]);
    }
    printf(" k=%s%s", ns_label(slot), key_names[k]);
    print_value(value_buf, vlen, flags);
    printf(" e=%lld", (long long)exp);
    if (verb == 5) {
        printf(" cas=%s", cas_kind);
    }
    fflush(stdout);
    const char *gk = groups[g];
    size_t gl = strlen(gk);
    switch (verb) {
    case 0:
        rc = by_key ? memcached_set_by_key(sl->m, gk, gl, key, klen, value_buf, vlen, exp, flags)
                    : memcached_set(sl->m, key, klen, value_buf, vlen, exp, flags);
        break;
    case 1:
        rc = by_key ? memcached_add_by_key(sl->m, gk, gl, key, klen, value_buf, vlen, exp, flags)
                    : memcached_add(sl->m, key, klen, value_buf, vlen, exp, flags);
        break;
    case 2:
        rc = by_key ? memcached_replace_by_key(sl->m, gk, gl, key, klen, value_buf, vlen, exp, flags)
                    : memcached_replace(sl->m, key, klen, value_buf, vlen, exp, flags);
        break;
    case 3:
        rc = by_key ? memcached_append_by_key(sl->m, gk, gl, key, klen, value_buf, vlen, exp, flags)
                    : memcached_append(sl->m, key, klen, value_buf, vlen, exp, flags);
        break;
    case 4:
        rc = by_key ? memcached_prepend_by_key(sl->m, gk, gl, key, klen, value_buf, vlen, exp, flags)
                    : memcached_prepend(sl->m, key, klen, value_buf, vlen, exp, flags);
        break;
    default:
        rc = by_key ? memcached_cas_by_key(sl->m, gk, gl, key, klen, value_buf, vlen, exp, flags, cas)
                    : memcached_cas(sl->m, key, klen, value_buf, vlen, exp, flags, cas);
        break;
    }
    maybe_junk(slot);
    end_line(slot, rc);
    replied(slot);
}

/* SEQRUN_AVOID=bufget: send a buffering handle's requests before a get
 * (1.1.4's gets send every server's buffered requests, ours only those of
 * the servers they ask). */
static void bufget_flush(int slot)
{
    if (avoid_bufget && slots[slot].s.buffering) {
        line_start(slot);
        printf("flush_buffers (before get)");
        end_line(slot, memcached_flush_buffers(slots[slot].m));
    }
}

static void op_get(int slot)
{
    slot_t *sl = &slots[slot];
    junk_check(slot, 0);
    bufget_flush(slot);
    int by_key = chance(1, 3);
    unsigned k = pick_key();
    unsigned g = rnd(NGROUPS);
    size_t vlen = 9999;
    uint32_t flags = 9999;
    memcached_return_t rc = MEMCACHED_MAXIMUM_RETURN;
    line_start(slot);
    printf("get%s", by_key ? "_by_key" : "");
    if (by_key) {
        printf(" g=%s", group_names[g]);
    }
    printf(" k=%s%s", ns_label(slot), key_names[k]);
    fflush(stdout);
    char *v = by_key ? memcached_get_by_key(sl->m, groups[g], strlen(groups[g]), keys[k],
                                            strlen(keys[k]), &vlen, &flags, &rc)
                     : memcached_get(sl->m, keys[k], strlen(keys[k]), &vlen, &flags, &rc);
    print_rc(rc);
    print_value(v, vlen, flags);
    print_tags(slot);
    free(v);
    sl->queued = 0; /* a get reads every earlier reply first */
    /* 1.1.4's memcached_get leaves the ASCII "END" after a value unread:
     * the next call reads it first (and, under NOREPLY, as its answer). */
    sl->pending = rc == MEMCACHED_SUCCESS && !sl->s.binary;
}

static void op_mget(int slot)
{
    slot_t *sl = &slots[slot];
    junk_check(slot, 0);
    bufget_flush(slot);
    unsigned variant = rnd(6); /* 0-1 mget, 2 mget_by_key, 3-4 mget_execute, 5 execute_by_key */
    int by_key = variant == 2 || variant == 5;
    int execute = variant >= 3;
    unsigned g = rnd(NGROUPS);
    size_t n = 1 + rnd(NKEYS);
    const char *ks[NKEYS + 2];
    size_t kl[NKEYS + 2];
    line_start(slot);
    printf("%s%s", execute ? "mget_execute" : "mget", by_key ? "_by_key" : "");
    if (by_key) {
        printf(" g=%s", group_names[g]);
    }
    printf(" keys=");
    unsigned start = rnd(NKEYS);
    for (size_t i = 0; i < n; i++) {
        unsigned k = chance(1, 10) ? rnd(NKEYS) : (start + (unsigned)i) % NKEYS;
        ks[i] = keys[k];
        kl[i] = strlen(keys[k]);
        printf("%s%s%s", i ? "," : "", ns_label(slot), key_names[k]);
    }
    fflush(stdout);
    memcached_return_t rc;
    int ctx = slot;
    memcached_execute_fn cbs[1] = {exec_cb};
    n_items = 0;
    if (execute) {
        rc = by_key ? memcached_mget_execute_by_key(sl->m, groups[g], strlen(groups[g]), ks, kl, n,
                                                    cbs, &ctx, 1)
                    : memcached_mget_execute(sl->m, ks, kl, n, cbs, &ctx, 1);
    } else {
        rc = by_key ? memcached_mget_by_key(sl->m, groups[g], strlen(groups[g]), ks, kl, n)
                    : memcached_mget(sl->m, ks, kl, n);
    }
    end_line(slot, rc);
    if (!execute || sl->s.binary) {
        sl->queued = 0; /* a multi-get reads every earlier reply first */
    }
    /* Callbacks that ran inside mget_execute (none are expected). */
    if (n_items) {
        line_start(slot);
        printf("callbacks_during_mget n=%d\n", n_items);
        flush_items();
    }
    if (rc != MEMCACHED_SUCCESS) {
        /* Fetching after a failed multi-get is not a legal use: 1.1.4 then
         * reads the replies of buffered requests as results. */
        return;
    }
    sl->pending = 1;
    /* An empty group key is no group key: the keys spread over the servers. */
    int single = sl->s.nservers <= 1 || (by_key && groups[g][0] != '\0');
    if (execute && chance(1, 2)) {
        line_start(slot);
        printf("fetch_execute\n");
        fflush(stdout);
        n_items = 0;
        memcached_return_t rc2 = memcached_fetch_execute(sl->m, cbs, &ctx, 1);
        flush_items();
        line_start(slot);
        printf("fetch_execute_end");
        sl->pending = 0;
        end_line(slot, rc2);
        return;
    }
    fetch_loop(slot, single);
}

static void op_delete(int slot)
{
    slot_t *sl = &slots[slot];
    junk_check(slot, 1);
    int by_key = chance(1, 3);
    unsigned k = pick_key();
    unsigned g = rnd(NGROUPS);
    line_start(slot);
    printf("delete%s", by_key ? "_by_key" : "");
    if (by_key) {
        printf(" g=%s", group_names[g]);
    }
    printf(" k=%s%s", ns_label(slot), key_names[k]);
    fflush(stdout);
    memcached_return_t rc =
        by_key ? memcached_delete_by_key(sl->m, groups[g], strlen(groups[g]), keys[k],
                                         strlen(keys[k]), 0)
               : memcached_delete(sl->m, keys[k], strlen(keys[k]), 0);
    maybe_junk(slot);
    end_line(slot, rc);
    replied(slot);
}

static void op_arith(int slot)
{
    slot_t *sl = &slots[slot];
    junk_check(slot, 1);
    int incr = chance(1, 2);
    int initial = chance(1, 3);
    int by_key = chance(1, 4);
    unsigned k = chance(1, 2) ? 7 : pick_key();
    unsigned g = rnd(NGROUPS);
    static const uint32_t offsets[] = {1, 7, 1000, 0};
    uint32_t off = offsets[rnd(4)];
    uint64_t init = rnd(2) ? 5 : 0;
    time_t exp = chance(1, 4) ? (time_t)MEMCACHED_EXPIRATION_NOT_ADD : 0;
    uint64_t value = 424242;
    const char *key = keys[k];
    size_t klen = strlen(key);
    const char *gk = groups[g];
    size_t gl = strlen(gk);
    line_start(slot);
    printf("%s%s%s", incr ? "increment" : "decrement", initial ? "_with_initial" : "",
           by_key ? "_by_key" : "");
    if (by_key) {
        printf(" g=%s", group_names[g]);
    }
    printf(" k=%s%s off=%" PRIu32, ns_label(slot), key_names[k], off);
    if (initial) {
        printf(" init=%" PRIu64 " e=%s", init, exp ? "NOT_ADD" : "0");
    }
    fflush(stdout);
    memcached_return_t rc;
    if (initial) {
        if (by_key) {
            rc = incr ? memcached_increment_with_initial_by_key(sl->m, gk, gl, key, klen, off, init,
                                                                exp, &value)
                      : memcached_decrement_with_initial_by_key(sl->m, gk, gl, key, klen, off, init,
                                                                exp, &value);
        } else {
            rc = incr ? memcached_increment_with_initial(sl->m, key, klen, off, init, exp, &value)
                      : memcached_decrement_with_initial(sl->m, key, klen, off, init, exp, &value);
        }
    } else if (by_key) {
        rc = incr ? memcached_increment_by_key(sl->m, gk, gl, key, klen, off, &value)
                  : memcached_decrement_by_key(sl->m, gk, gl, key, klen, off, &value);
    } else {
        rc = incr ? memcached_increment(sl->m, key, klen, off, &value)
                  : memcached_decrement(sl->m, key, klen, off, &value);
    }
    maybe_junk(slot);
    print_rc(rc);
    printf(" value=%" PRIu64, value);
    print_tags(slot);
    replied(slot);
}

static void op_touch_exist(int slot)
{
    slot_t *sl = &slots[slot];
    junk_check(slot, 0);
    if (!sl->s.binary && sl->s.noreply && sl->pending) {
        /* ASCII NOREPLY with replies unread: 1.1.4's touch and exist read an
         * unread line as their answer without counting it, and from then on
         * what its gets purge depends on how the bytes arrived (timing). */
        line_start(slot);
        printf("quit (drops unread replies) -> void");
        print_tags(slot);
        settle_own(slot);
        memcached_quit(sl->m);
        closing(slot);
    }
    int touch = chance(1, 2);
    int by_key = chance(1, 3);
    unsigned k = pick_key();
    unsigned g = rnd(NGROUPS);
    const char *gk = groups[g];
    line_start(slot);
    printf("%s%s", touch ? "touch" : "exist", by_key ? "_by_key" : "");
    if (by_key) {
        printf(" g=%s", group_names[g]);
    }
    printf(" k=%s%s", ns_label(slot), key_names[k]);
    memcached_return_t rc;
    if (touch) {
        time_t exp = pick_exptime();
        printf(" e=%lld", (long long)exp);
        fflush(stdout);
        rc = by_key ? memcached_touch_by_key(sl->m, gk, strlen(gk), keys[k], strlen(keys[k]), exp)
                    : memcached_touch(sl->m, keys[k], strlen(keys[k]), exp);
    } else {
        fflush(stdout);
        rc = by_key ? memcached_exist_by_key(sl->m, gk, strlen(gk), keys[k], strlen(keys[k]))
                    : memcached_exist(sl->m, keys[k], strlen(keys[k]));
    }
    end_line(slot, rc);
    replied(slot);
}

static void op_quit_flush(int slot)
{
    slot_t *sl = &slots[slot];
    line_start(slot);
    if (chance(1, 2)) {
        printf("quit -> void");
        print_tags(slot);
        fflush(stdout);
        settle_own(slot);
        memcached_quit(sl->m);
        closing(slot);
    } else {
        printf("flush_buffers");
        fflush(stdout);
        end_line(slot, memcached_flush_buffers(sl->m));
    }
}

static void op_add_server(int slot)
{
    slot_t *sl = &slots[slot];
    if (sl->s.nservers >= nports) {
        return;
    }
    int i = sl->s.nservers;
    /* 1.1.4 reallocates its server array, and a connection's buffered
     * reply (the END a memcached_get leaves unread) is then read through a
     * stale pointer: add servers to a handle without open connections. */
    line_start(slot);
    printf("quit (before server_add) -> void");
    print_tags(slot);
    settle_own(slot);
    memcached_quit(sl->m);
    closing(slot);
    line_start(slot);
    printf("server_add s%d", i);
    memcached_return_t rc = memcached_server_add(sl->m, "127.0.0.1", ports[i]);
    print_rc(rc);
    printf(" count=%" PRIu32, memcached_server_count(sl->m));
    if (rc == MEMCACHED_SUCCESS) {
        sl->s.nservers++;
    }
    print_tags(slot);
}

/* One random operation. */
static void step(void)
{
    if (record_steps != NULL) {
        fprintf(record_steps, "%ld\n", ftell(record));
    }
    int slot = live_slot();
    if (slot < 0) {
        int e = empty_slot();
        if (pool != NULL && chance(1, 3)) {
            op_pool_pop(e);
        } else {
            op_create(e);
        }
        return;
    }
    unsigned w = rnd(100);
    if (w < 4) {
        int e = empty_slot();
        if (e >= 0) {
            if (chance(1, 2)) {
                op_create(e);
            } else {
                op_clone(e, slot);
            }
        } else {
            op_store(slot);
        }
    } else if (w < 6) {
        if (slots[slot].kind == K_POOLED) {
            op_pool_push(slot);
        } else {
            op_free(slot);
        }
    } else if (w < 9) {
        /* the pool */
        int e = empty_slot();
        if (pool == NULL) {
            op_pool_create();
        } else if (e >= 0 && chance(1, 2)) {
            op_pool_pop(e);
        } else if (pool_popped == 0 && chance(1, 3)) {
            op_pool_destroy();
        } else if (chance(1, 2)) {
            op_pool_behavior();
        } else {
            op_store(slot);
        }
    } else if (w < 19) {
        op_behavior(slot);
    } else if (w < 47) {
        op_store(slot);
    } else if (w < 57) {
        op_get(slot);
    } else if (w < 71) {
        op_mget(slot);
    } else if (w < 77) {
        op_delete(slot);
    } else if (w < 85) {
        op_arith(slot);
    } else if (w < 91) {
        op_touch_exist(slot);
    } else if (w < 98) {
        op_quit_flush(slot);
    } else {
        op_add_server(slot);
    }
}

/* Frees whatever is still alive, in a random legal order. */
static void cleanup(void)
{
    for (int i = 0; i < NSLOTS; i++) {
        int slot = (int)((unsigned)i + rnd(NSLOTS)) % NSLOTS;
        if (slots[slot].m == NULL) {
            continue;
        }
        if (slots[slot].kind == K_POOLED) {
            op_pool_push(slot);
        } else {
            op_free(slot);
        }
    }
    for (int i = 0; i < NSLOTS; i++) {
        if (slots[i].m == NULL) {
            continue;
        }
        if (slots[i].kind == K_POOLED) {
            op_pool_push(i);
        } else {
            op_free(i);
        }
    }
    if (pool != NULL) {
        op_pool_destroy();
    }
}

/* What every server holds, through fresh one-server handles. */
static void dump(void)
{
    settle_for(-1);
    for (int s = 0; s < nports; s++) {
        memcached_st *m = memcached_create(NULL);
        if (m == NULL) {
            printf("dump s%d create failed\n", s);
            continue;
        }
        memcached_return_t rc = memcached_server_add(m, "127.0.0.1", ports[s]);
        if (rc != MEMCACHED_SUCCESS) {
            printf("dump s%d server_add -> %d %s\n", s, (int)rc, rc_name(rc));
        }
        int misses = 0;
        for (int ns = 0; ns < NNS; ns++) {
            for (int k = 0; k < NKEYS; k++) {
                char full[300];
                int fl = snprintf(full, sizeof full, "%s%s", namespaces[ns] ? namespaces[ns] : "",
                                  keys[k]);
                size_t vlen = 9999;
                uint32_t flags = 9999;
                rc = MEMCACHED_MAXIMUM_RETURN;
                char *v = memcached_get(m, full, (size_t)fl, &vlen, &flags, &rc);
                if (rc == MEMCACHED_NOTFOUND) {
                    misses++;
                } else {
                    printf("dump s%d %s%s", s, namespaces[ns] ? namespaces[ns] : "", key_names[k]);
                    print_rc(rc);
                    print_value(v, vlen, flags);
                    printf("\n");
                }
                free(v);
            }
        }
        printf("dump s%d misses=%d\n", s, misses);
        memcached_free(m);
    }
}

static unsigned char *read_all(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    if (buf == NULL) {
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= (1u << 20)) {
                break; /* 1 MiB of fuzz bytes is plenty */
            }
            unsigned char *b = realloc(buf, cap * 2);
            if (b == NULL) {
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0) {
            break;
        }
        n += r;
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s SEED PORT[,PORT...] [FUZZFILE|-]\n", argv[0]);
        return 2;
    }
    harness_check_loaded_library();
    setvbuf(stdout, NULL, _IOLBF, 0);

    char *end;
    errno = 0;
    unsigned long long seed = strtoull(argv[1], &end, 10);
    if (errno || *end) {
        fprintf(stderr, "seqrun: bad seed %s\n", argv[1]);
        return 2;
    }
    for (char *p = argv[2]; *p && nports < 3;) {
        unsigned long port = strtoul(p, &end, 10);
        if (end == p || port == 0 || port > 65535) {
            fprintf(stderr, "seqrun: bad port list %s\n", argv[2]);
            return 2;
        }
        ports[nports++] = (in_port_t)port;
        p = *end == ',' ? end + 1 : end;
    }
    unsigned char *fuzz = NULL;
    if (argc == 4) {
        FILE *f = strcmp(argv[3], "-") == 0 ? stdin : fopen(argv[3], "rb");
        if (f == NULL) {
            fprintf(stderr, "seqrun: cannot open %s\n", argv[3]);
            return 2;
        }
        fuzz = read_all(f, &fuzz_len);
        fuzz_bytes = fuzz;
        if (f != stdin) {
            fclose(f);
        }
    }

    rng_state = seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
    if (rng_state == 0) {
        rng_state = 1;
    }
    for (int i = 0; i < 4; i++) {
        (void)rng_next();
    }
    init_keys();

    const char *avoid = getenv("SEQRUN_AVOID");
    if (avoid != NULL) {
        avoid_abandon = strstr(avoid, "abandon") != NULL;
        avoid_binbuf = strstr(avoid, "binbuf") != NULL;
        avoid_hsieh = strstr(avoid, "hsieh") != NULL;
        avoid_bufget = strstr(avoid, "bufget") != NULL;
    }
    const char *rec = getenv("SEQRUN_RECORD");
    if (rec != NULL) {
        char steps[4096];
        snprintf(steps, sizeof steps, "%s.steps", rec);
        record = fopen(rec, "wb");
        record_steps = fopen(steps, "w");
        if (record == NULL || record_steps == NULL) {
            fprintf(stderr, "seqrun: cannot write %s\n", rec);
            return 2;
        }
    }
    seq_servers = 1 + (int)rnd((unsigned)nports);
    seq_binary = (int)rnd(2);
    unsigned ops = 40 + rnd(40);
    /* SEQRUN_OPS=N: N operations instead (the driver's shrinking). */
    const char *ops_env = getenv("SEQRUN_OPS");
    if (ops_env != NULL) {
        ops = (unsigned)strtoul(ops_env, NULL, 10);
    }
    printf("seed %llu servers=%d protocol=%s ops=%u\n", seed, seq_servers,
           seq_binary ? "binary" : "ascii", ops);

    op_create(0);
    for (unsigned i = 0; i < ops; i++) {
        step();
    }
    if (record_steps != NULL) {
        fprintf(record_steps, "%ld\n", ftell(record));
    }
    cleanup();
    printf("calls %u\n", step_no);
    dump();
    if (record != NULL) {
        fclose(record);
        fclose(record_steps);
    }
    free(fuzz);
    return 0;
}
