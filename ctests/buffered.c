// ctest: needs-server
/*
 * buffered.c - MEMCACHED_BEHAVIOR_BUFFER_REQUESTS, alone and with NOREPLY,
 * over ASCII and binary:
 *
 *   - a buffered set followed by memcached_quit, by memcached_free, by
 *     memcached_flush_buffers or by a get: the value must reach the server
 *     (1.1.4 flushes the write buffer before it quits);
 *   - add, replace, append, prepend and cas are not buffered in 1.1.4: they
 *     return the server's answer (NOTSTORED for an add of an existing key);
 *   - delete returns BUFFERED, with or without NOREPLY;
 *   - increment is sent at once; with NOREPLY its value is UINT64_MAX.
 *
 * Each value is read back over a separate, unbuffered handle.
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached-1.0/memcached.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static memcached_st *reader;

static memcached_st *handle(int binary, int buffered, int noreply)
{
    memcached_st *m = harness_handle(binary);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BUFFER_REQUESTS, (uint64_t)buffered);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_NOREPLY, (uint64_t)noreply);
    return m;
}

/* Set while 1.1.4 reads each reply one command late (see run()). */
static int shifted;

static void show(const char *what, memcached_return_t rc)
{
    printf("%s  %-28s %d %s\n", shifted ? "#" : "", what, (int)rc, memcached_strerror(NULL, rc));
}

/* A get through `m`, printed as "  LABEL KEY -> RC VALUE". */
static void show_get(memcached_st *m, const char *label, const char *key)
{
    size_t len;
    uint32_t flags;
    memcached_return_t rc;
    char *v = memcached_get(m, key, strlen(key), &len, &flags, &rc);
    printf("  %s %s -> %d %.*s\n", label, key, (int)rc, v ? (int)len : 0, v ? v : "");
    free(v);
}

/* What the server holds for `key`, read over the unbuffered handle, after
 * a pause: requests sent without waiting for a reply (noreply, quiet) must
 * have been processed by the server before another connection reads. */
static void server_has(const char *key)
{
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    show_get(reader, "server:", key);
}

static void get(memcached_st *m, const char *key)
{
    show_get(m, "get", key);
}

static memcached_return_t set(memcached_st *m, const char *key, const char *value)
{
    return memcached_set(m, key, strlen(key), value, strlen(value), 0, 0);
}

static void run(int binary, int noreply)
{
    printf("== %s%s\n", binary ? "binary" : "ascii", noreply ? " noreply" : "");
    memcached_flush(reader, 0);

    /* Arithmetic is never buffered; without a reply the new value is
     * unknown (UINT64_MAX). */
    memcached_st *m = handle(binary, 1, noreply);
    uint64_t out = 7;
    set(reader, "counter", "10");
    show("increment counter", memcached_increment(m, "counter", 7, 5, &out));
    printf("  value %llu\n", (unsigned long long)out);
    server_has("counter");

    /* A set, then quit: the consumers' case (a get of a missing key first). */
    get(m, "q");
    show("set q (buffered)", set(m, "q", "quit-value"));
    memcached_quit(m);
    get(m, "q");
    server_has("q");

    /* A set, then free. */
    show("set f (buffered)", set(m, "f", "free-value"));
    memcached_free(m);
    server_has("f");

    /* A set, then flush_buffers. */
    m = handle(binary, 1, noreply);
    show("set b (buffered)", set(m, "b", "flushed"));
    show("flush_buffers", memcached_flush_buffers(m));
    server_has("b");

    /* The other storage commands are sent at once. In the binary protocol
     * with replies, 1.1.4 sends a buffered set as a SET whose reply it never
     * reads, so from here on it returns each command the reply of the one
     * before (README, difference `binary-buffered-replies`): those lines
     * are not compared. */
    shifted = binary && !noreply;
    show("add b (exists)", memcached_add(m, "b", 1, "x", 1, 0, 0));
    show("add n (new)", memcached_add(m, "n", 1, "new", 3, 0, 0));
    server_has("n");
    show("replace r (missing)", memcached_replace(m, "r", 1, "x", 1, 0, 0));
    show("replace n", memcached_replace(m, "n", 1, "NEW", 3, 0, 0));
    show("append a (missing)", memcached_append(m, "a", 1, "x", 1, 0, 0));
    show("append n", memcached_append(m, "n", 1, "+", 1, 0, 0));
    show("prepend n", memcached_prepend(m, "n", 1, "-", 1, 0, 0));
    show("cas n (stale cas)", memcached_cas(m, "n", 1, "c", 1, 0, 0, 12345));
    server_has("n");

    /* A buffered set followed by an add of the same key. */
    show("set s (buffered)", set(m, "s", "first"));
    show("add s (after buffered set)", memcached_add(m, "s", 1, "second", 6, 0, 0));
    server_has("s");

    /* Delete is buffered. */
    shifted = 0;
    show("delete n (buffered)", memcached_delete(m, "n", 1, 0));
    show("flush_buffers", memcached_flush_buffers(m));
    server_has("n");
    show("delete b (buffered)", memcached_delete(m, "b", 1, 0));
    memcached_quit(m);
    server_has("b");
    memcached_free(m);
}

int main(void)
{
    harness_check_loaded_library();
    reader = harness_handle(0);
    for (int binary = 0; binary < 2; binary++) {
        for (int noreply = 0; noreply < 2; noreply++) {
            run(binary, noreply);
        }
    }
    memcached_free(reader);
    return harness_finish();
}
