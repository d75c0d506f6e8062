// ctest: needs-server
/*
 * fetch_reuse.c - every way a fetched value or result is handed to the caller
 * and then reused, over the ASCII and the binary protocol:
 *
 *   - memcached_fetch twice and past the end (the value's buffer is handed
 *     over; the next value must get a new one);
 *   - values of growing and shrinking sizes (a buffer that is reused must
 *     never be written through once it belongs to the caller);
 *   - memcached_fetch_result with the caller's result (stack and heap) and
 *     with NULL (a result allocated for the caller, or the handle's own);
 *   - memcached_get, a *_by_key get, memcached_clone and
 *     memcached_flush_buffers between an mget and its fetches;
 *   - the return code of every call after the last value (END or NOTFOUND).
 *
 * Every value is checked to be NUL-terminated and printed with its length,
 * so Debian's libmemcached and ours can be diffed line by line.
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached-1.0/memcached.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static memcached_st *memc;

static void show_rc(const char *what, memcached_return_t rc)
{
    printf("%s: %d %s\n", what, (int)rc, memcached_strerror(memc, rc));
}

/* A value of `len` bytes that says which key and size it belongs to. */
static char *make_value(const char *key, size_t len)
{
    char *v = malloc(len + 1);
    CHECK(v != NULL);
    for (size_t i = 0; i < len; i++) {
        v[i] = (char)('a' + (key[0] + i) % 26);
    }
    v[len] = 0;
    return v;
}

static void put(const char *key, size_t len)
{
    char *v = make_value(key, len);
    memcached_return_t rc = memcached_set(memc, key, strlen(key), v, len, 0, (uint32_t)len);
    if (rc != MEMCACHED_SUCCESS) {
        show_rc("set", rc);
    }
    free(v);
}

/* Prints a value and checks it is the one `put` stored for `key`. */
static void show_value(const char *how, const char *key, size_t key_len, const char *value,
                       size_t len, uint32_t flags)
{
    printf("  %s key=%.*s length=%zu flags=%u", how, (int)key_len, key, len, (unsigned)flags);
    if (value != NULL) {
        char k[300];
        snprintf(k, sizeof k, "%.*s", (int)key_len, key);
        char *want = make_value(k, len);
        /* memcached_fetch and memcached_get terminate the value; a
         * result's value is only counted (1.1.4 leaves no NUL there). */
        if (strcmp(how, "result") != 0) {
            EXPECT(value[len] == 0);
        }
        printf(" %s", memcmp(value, want, len) == 0 ? "intact" : "CORRUPT");
        free(want);
    }
    printf("\n");
}

static const char *keys[] = {"a", "b", "c", "d", "e", "f"};

static memcached_return_t mget(size_t n)
{
    size_t lens[6];
    for (size_t i = 0; i < n; i++) {
        lens[i] = strlen(keys[i]);
    }
    memcached_return_t rc = memcached_mget(memc, keys, lens, n);
    show_rc("mget", rc);
    return rc;
}

/* memcached_fetch until it returns NULL, then once more. */
static void fetch_all(const char *label)
{
    printf("%s\n", label);
    for (int round = 0; round < 10; round++) {
        char key[MEMCACHED_MAX_KEY];
        size_t key_len = 99, len = 99;
        uint32_t flags = 99;
        memcached_return_t rc = MEMCACHED_MAXIMUM_RETURN;
        char *v = memcached_fetch(memc, key, &key_len, &len, &flags, &rc);
        show_rc("  fetch", rc);
        if (rc == MEMCACHED_SUCCESS) {
            show_value("fetch", key, key_len, v, len, flags);
        } else {
            printf("  after: value=%s length=%zu flags=%u\n", v ? "set" : "NULL", len, (unsigned)flags);
        }
        free(v);
        if (rc != MEMCACHED_SUCCESS) {
            rc = MEMCACHED_MAXIMUM_RETURN;
            v = memcached_fetch(memc, key, &key_len, &len, &flags, &rc);
            show_rc("  fetch again", rc);
            free(v);
            return;
        }
    }
}

/* memcached_fetch_result into `res` (NULL: one the library provides). A
 * result from memcached_result_create(memc, NULL) is freed by the library
 * when the loop ends (1.1.4), so `again` must be 0 for those. */
static void fetch_results(const char *label, memcached_result_st *res, int again)
{
    printf("%s\n", label);
    for (int round = 0; round < 10; round++) {
        memcached_return_t rc = MEMCACHED_MAXIMUM_RETURN;
        memcached_result_st *got = memcached_fetch_result(memc, res, &rc);
        show_rc("  fetch_result", rc);
        if (got == NULL) {
            if (!again) {
                return;
            }
            rc = MEMCACHED_MAXIMUM_RETURN;
            got = memcached_fetch_result(memc, res, &rc);
            show_rc("  fetch_result again", rc);
            if (got != NULL && res == NULL) {
                memcached_result_free(got);
            }
            return;
        }
        EXPECT(res == NULL || got == res);
        show_value("result", memcached_result_key_value(got), memcached_result_key_length(got),
                   memcached_result_value(got), memcached_result_length(got),
                   memcached_result_flags(got));
        if (res == NULL) {
            memcached_result_free(got);
        }
    }
}

static void get(const char *key)
{
    size_t len = 99;
    uint32_t flags = 99;
    memcached_return_t rc;
    char *v = memcached_get(memc, key, strlen(key), &len, &flags, &rc);
    show_rc("get", rc);
    if (rc == MEMCACHED_SUCCESS) {
        show_value("get", key, strlen(key), v, len, flags);
    }
    free(v);
}

static void run(int binary)
{
    printf("== %s\n", binary ? "binary" : "ascii");
    memc = harness_handle(binary);
    memcached_flush(memc, 0);

    /* Before any value: the end of a fetch loop. */
    mget(2);
    fetch_all("fetch, nothing stored");

    /* The consumers' case: two 2-byte values, two fetches, then END. */
    put("a", 2);
    put("b", 2);
    mget(2);
    fetch_all("fetch, two values");

    /* Growing and shrinking sizes, fetched several times over. */
    static const size_t sizes[][6] = {
        {5, 100, 3, 2000, 1, 0},
        {2000, 1, 0, 5, 100, 3},
        {0, 0, 1, 4096, 4095, 2},
    };
    for (size_t s = 0; s < 3; s++) {
        for (size_t i = 0; i < 6; i++) {
            put(keys[i], sizes[s][i]);
        }
        mget(6);
        fetch_all("fetch, mixed sizes");
        mget(6);
        memcached_result_st stack_res;
        memcached_result_st *r = memcached_result_create(memc, &stack_res);
        CHECK(r == &stack_res);
        fetch_results("fetch_result into the caller's result (stack)", r, 1);
        mget(6);
        fetch_results("fetch_result again into the same result", r, 1);
        memcached_result_free(r);
        mget(6);
        fetch_results("fetch_result with NULL", NULL, 1);
        memcached_result_st *heap = memcached_result_create(memc, NULL);
        CHECK(heap != NULL);
        mget(6);
        fetch_results("fetch_result into a heap result", heap, 0);
        /* 1.1.4 frees a result it allocated (memcached_result_create with
         * NULL) when the fetch loop ends: the caller must not free it. */
    }

    /* Mixing the ways: NULL results, then memcached_fetch, then a get. */
    mget(6);
    {
        memcached_return_t rc;
        memcached_result_st *one = memcached_fetch_result(memc, NULL, &rc);
        show_rc("fetch_result NULL (one)", rc);
        if (one != NULL) {
            show_value("result", memcached_result_key_value(one), memcached_result_key_length(one),
                       memcached_result_value(one), memcached_result_length(one),
                       memcached_result_flags(one));
            memcached_result_free(one);
        }
    }
    fetch_all("fetch after a NULL fetch_result");

    /* Abandoned mget, then a plain get, then a fresh mget. */
    mget(6);
    get("d");
    mget(3);
    fetch_all("fetch after a get");

    /* A *_by_key get between mget and fetch. */
    mget(6);
    {
        size_t len;
        uint32_t flags;
        memcached_return_t rc;
        char *v = memcached_get_by_key(memc, "g", 1, "e", 1, &len, &flags, &rc);
        show_rc("get_by_key", rc);
        free(v);
    }
    mget(2);
    fetch_all("fetch after a get_by_key");

    /* A clone and a flush_buffers between fetches. */
    mget(6);
    {
        memcached_st *clone = memcached_clone(NULL, memc);
        CHECK(clone != NULL);
        memcached_free(clone);
    }
    fetch_all("fetch after a clone");
    mget(6);
    show_rc("flush_buffers", memcached_flush_buffers(memc));
    fetch_all("fetch after flush_buffers");

    /* A get goes through the handle's own result too: after a hit, a fetch
     * loop over misses ends with END; after a miss, with NOTFOUND. */
    static const char *missing[] = {"x1", "x2"};
    size_t missing_lens[] = {2, 2};
    get("a");
    show_rc("mget of misses", memcached_mget(memc, missing, missing_lens, 2));
    fetch_all("fetch after a get hit");
    get("x1");
    show_rc("mget of misses", memcached_mget(memc, missing, missing_lens, 2));
    fetch_all("fetch after a get miss");
    get("a");
    show_rc("mget of misses", memcached_mget(memc, missing, missing_lens, 2));
    fetch_results("fetch_result after a get hit", NULL, 1);
    get("b");
    show_rc("mget of misses", memcached_mget(memc, missing, missing_lens, 2));
    show_rc("fetch_execute after a get hit", memcached_fetch_execute(memc, NULL, NULL, 0));
    show_rc("fetch_execute again", memcached_fetch_execute(memc, NULL, NULL, 0));
    mget(3);
    show_rc("fetch_execute of three", memcached_fetch_execute(memc, NULL, NULL, 0));

    /* After all of it, a plain get still works and values are intact. */
    for (size_t i = 0; i < 6; i++) {
        get(keys[i]);
    }
    memcached_free(memc);
}

int main(void)
{
    harness_check_loaded_library();
    setvbuf(stdout, NULL, _IOLBF, 0);
    run(0);
    run(1);
    return harness_finish();
}
