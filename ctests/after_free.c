/*
 * after_free.c - what the Perl module Memcached::libmemcached does on every
 * memcached_free: it reads the handle's user data (MEMCACHED_CALLBACK_USER_DATA)
 * right after freeing the handle, and dereferences it.
 *
 * That is a read of freed memory, but with 1.1.4 it returns the pointer
 * (the struct is still intact); a drop-in must survive it the same way,
 * for handles it allocated and for caller-allocated ones. Any other call
 * on a freed handle is refused by ours (not compared: 1.1.4 may crash).
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached-1.0/memcached.h>

#include <stdio.h>
#include <string.h>

#include "harness.h"

struct state {
    int trace_level;
};

static void check_after_free(const char *what, memcached_st *memc, memcached_st *storage)
{
    struct state st = {7};
    memcached_st *m = memcached_create(memc);
    CHECK(m != NULL);
    CHECK(storage == NULL || m == storage);
    memcached_return_t rc =
        memcached_callback_set(m, MEMCACHED_CALLBACK_USER_DATA, &st);
    printf("%s: callback_set USER_DATA: %d\n", what, (int)rc);
    rc = MEMCACHED_MAXIMUM_RETURN;
    struct state *got = memcached_callback_get(m, MEMCACHED_CALLBACK_USER_DATA, &rc);
    printf("%s: before free: %s %d\n", what, got == &st ? "same" : "other", (int)rc);
    memcached_free(m);
    /* The module's LMC_STATE_FROM_PTR(ptr)->trace_level after the free. */
    got = memcached_callback_get(m, MEMCACHED_CALLBACK_USER_DATA, NULL);
    printf("%s: after free: %s trace_level=%d\n", what, got == &st ? "same" : "other",
           got != NULL ? got->trace_level : -1);
    printf("%s: memcached_get_user_data after free: %s\n", what,
           memcached_get_user_data(m) == &st ? "same" : "other");
}

int main(void)
{
    harness_check_loaded_library();
    /* Many times over, so that a freed struct is reused by later handles. */
    for (int i = 0; i < 40; i++) {
        check_after_free("allocated", NULL, NULL);
    }
    memcached_st storage;
    check_after_free("caller storage", &storage, &storage);
    return harness_finish();
}
