// ctest: nodiff
// ctest: needs-server
// ctest: libs=-lhashkit -lmemcachedutil
/*
 * bad_args.c - every exported function called with bad arguments: NULL
 * handles, NULL keys with non-zero lengths, zero-length and 251-byte keys,
 * NULL values with non-zero lengths, NULL out-pointers, and a handle with no
 * servers, one with an unreachable server, one with two (so group keys are
 * hashed) and one with the live server of MEMCACHED_SERVERS (so NULL
 * out-pointers and callbacks are reached on success paths). Nothing may
 * crash.
 *
 * Where 1.1.4 (Debian) answers bad input with something other than
 * INVALID_ARGUMENTS / a bad-key code / NULL, our library must either give a
 * sensible code or the same answer as 1.1.4: those codes are marked COMPAT
 * below (compatibility wins; the run prints them for review).
 *
 * Each call runs in a forked child (with a 10 s alarm), so a crash is
 * reported per call instead of ending the program. On our library a crash,
 * a hang or a return code outside the listed "sensible" set is a failure.
 * Debian's libmemcached crashes on many of these calls (its crashes are
 * only printed as "# debian: ..." lines) and returns odd codes for others,
 * so on Debian's library nothing is checked: the run only has to finish.
 * Hence `nodiff`.
 *
 * Return codes are printed as "<call>: <code>" so the two libraries can be
 * compared by hand.
 */
#define _POSIX_C_SOURCE 200809L

#include <time.h>

#include <libhashkit/hashkit.h>
#include <libmemcached/memcached.h>
#include <libmemcached/util.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* 1 when the loaded libmemcached.so.11 is the system's (Debian's). */
static int on_debian;
/* Failed checks inside the current child. */
static int child_failures;
/* Calls that crashed on Debian's library (printed at the end). */
static int debian_crashes;

static int loaded_from_system(void) {
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096];
    int system = 0;
    if (maps == NULL) {
        return 0;
    }
    while (fgets(line, sizeof line, maps) != NULL) {
        const char *path = strchr(line, '/');
        if (path != NULL && strstr(path, "/libmemcached.so.11") != NULL) {
            system = strncmp(path, "/usr/lib", 8) == 0 || strncmp(path, "/lib/", 5) == 0;
            break;
        }
    }
    fclose(maps);
    return system;
}

#define BIT(rc) (UINT64_C(1) << (rc))
/* Sensible answers to bad input. */
#define INV BIT(MEMCACHED_INVALID_ARGUMENTS)
#define BADKEY (BIT(MEMCACHED_BAD_KEY_PROVIDED) | BIT(MEMCACHED_KEY_TOO_BIG) | BIT(MEMCACHED_NO_KEY_PROVIDED))
#define NOSRV BIT(MEMCACHED_NO_SERVERS)
#define NOTSUP BIT(MEMCACHED_NOT_SUPPORTED)
/* Any of the above. */
#define BAD (INV | BADKEY | NOSRV)
/* What 1.1.4 answers to this bad input (accepted for compatibility). */
#define COMPAT(rc) BIT(rc)
/* The "never set" value TRY puts into rc before each call. */
#define UNSET COMPAT(MEMCACHED_MAXIMUM_RETURN)

/*
 * Set by KNOWN_BUG around a check that fails on our library today: the
 * failure is printed as "# KNOWN BUG" and not counted, unless the
 * environment has BAD_ARGS_STRICT=1. Remove the KNOWN_BUG once fixed.
 */
static const char *known_bug;

static void failed_check(int line, const char *what) {
    if (known_bug != NULL && getenv("BAD_ARGS_STRICT") == NULL) {
        printf("# KNOWN BUG (%s): bad_args.c:%d: %s\n", known_bug, line, what);
        fprintf(stderr, "bad_args.c:%d: known bug (%s): %s\n", line, known_bug, what);
        return;
    }
    child_failures++;
}

#define KNOWN_BUG(note, ...)                                                   \
    do {                                                                       \
        known_bug = (note);                                                    \
        __VA_ARGS__;                                                           \
        known_bug = NULL;                                                      \
    } while (0)

/* In a child: check a return code against a mask of allowed codes. */
static void check_rc(const char *what, int line, memcached_return_t rc, uint64_t allowed) {
    printf("%s: %d\n", what, (int)rc);
    if (!on_debian && ((int)rc < 0 || (int)rc >= 64 || (allowed & BIT(rc)) == 0)) {
        fprintf(stderr, "bad_args.c:%d: %s returned %d (%s)\n", line, what, (int)rc,
                memcached_strerror(NULL, rc));
        failed_check(line, what);
    }
}

/* In a child: check a condition (only on our library). */
static void check_true(const char *what, int line, int ok) {
    printf("%s: %s\n", what, ok ? "ok" : "unexpected");
    if (!on_debian && !ok) {
        fprintf(stderr, "bad_args.c:%d: %s\n", line, what);
        failed_check(line, what);
    }
}

#define RC(call, allowed) check_rc(#call, __LINE__, (call), (allowed))
#define IS_NULL(call) check_true(#call " == NULL", __LINE__, (call) == NULL)
#define TRUE(what, cond) check_true(what, __LINE__, (cond))

/* Waits for the child of TRY and reports how it ended. */
static void reap(const char *label, pid_t pid, int line) {
    int status = 0;
    if (pid < 0) {
        harness_fail(__FILE__, line, "fork failed");
        return;
    }
    if (waitpid(pid, &status, 0) != pid) {
        harness_fail(__FILE__, line, "waitpid failed");
        return;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return;
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (on_debian) {
            printf("# debian: %s crashed (signal %d)\n", label, sig);
            debian_crashes++;
            return;
        }
        printf("%s: CRASHED (signal %d%s)\n", label, sig, sig == SIGALRM ? ", hung for 10 s" : "");
        fprintf(stderr, "bad_args.c:%d: %s: killed by signal %d%s\n", line, label, sig,
                sig == SIGALRM ? " (hung for 10 s)" : "");
        harness_fail(__FILE__, line, label);
        return;
    }
    if (!on_debian) {
        harness_fail(__FILE__, line, label);
    }
}

/*
 * Runs the statements in a forked child; the child exits 3 when a check
 * failed. Output is flushed before forking so nothing is printed twice.
 */
#define TRY(label, ...)                                                        \
    do {                                                                       \
        fflush(stdout);                                                        \
        fflush(stderr);                                                        \
        pid_t pid_ = fork();                                                   \
        if (pid_ == 0) {                                                       \
            alarm(10);                                                         \
            child_failures = 0;                                                \
            rc = MEMCACHED_MAXIMUM_RETURN; /* "never set" */                   \
            __VA_ARGS__;                                                       \
            fflush(stdout);                                                    \
            fflush(stderr);                                                    \
            _exit(child_failures ? 3 : 0);                                     \
        }                                                                      \
        reap(label, pid_, __LINE__);                                           \
    } while (0)

/* Callbacks that must never be called. */
static memcached_return_t never_execute(const memcached_st *m, memcached_result_st *r, void *c) {
    (void)m, (void)r, (void)c;
    return MEMCACHED_SUCCESS;
}
static memcached_return_t never_dump(const memcached_st *m, const char *k, size_t l, void *c) {
    (void)m, (void)k, (void)l, (void)c;
    return MEMCACHED_SUCCESS;
}
static memcached_return_t never_server(const memcached_st *m, const memcached_instance_st *s, void *c) {
    (void)m, (void)s, (void)c;
    return MEMCACHED_SUCCESS;
}
static memcached_return_t never_stat(const memcached_instance_st *s, const char *k, size_t kl, const char *v,
                                     size_t vl, void *c) {
    (void)s, (void)k, (void)kl, (void)v, (void)vl, (void)c;
    return MEMCACHED_SUCCESS;
}
static uint32_t zero_hash(const char *k, size_t l, void *c) {
    (void)k, (void)l, (void)c;
    return 0;
}

static char k251[251];

/* The key-taking storage commands: NULL handle, bad keys, NULL value. */
#define STORAGE(fn)                                                                                  \
    do {                                                                                             \
        TRY(#fn " NULL handle", RC(fn(NULL, "k", 1, "v", 1, 0, 0), INV));                            \
        TRY(#fn " NULL key", RC(fn(m0, NULL, 3, "v", 1, 0, 0), BAD));                                \
        TRY(#fn " empty key", RC(fn(m0, "", 0, "v", 1, 0, 0), BAD));                                 \
        TRY(#fn " 251-byte key", RC(fn(m0, k251, sizeof k251, "v", 1, 0, 0), BAD));                  \
        TRY(#fn " NULL value", RC(fn(m0, "k", 1, NULL, 5, 0, 0), BAD));                              \
        TRY(#fn " NULL value, server", RC(fn(m1, "k", 1, NULL, 5, 0, 0), INV));                      \
        TRY(#fn " NULL key, server", RC(fn(m1, NULL, 3, "v", 1, 0, 0), INV | BADKEY));               \
        TRY(#fn " empty key, server", RC(fn(m1, "", 0, "v", 1, 0, 0), INV | BADKEY));                \
        TRY(#fn " 251-byte key, server", RC(fn(m1, k251, sizeof k251, "v", 1, 0, 0), INV | BADKEY)); \
    } while (0)

#define STORAGE_BY_KEY(fn)                                                                           \
    do {                                                                                             \
        TRY(#fn " NULL handle", RC(fn(NULL, "g", 1, "k", 1, "v", 1, 0, 0), INV));                    \
        TRY(#fn " NULL group", RC(fn(m0, NULL, 3, "k", 1, "v", 1, 0, 0), BAD));                      \
        TRY(#fn " NULL key", RC(fn(m0, "g", 1, NULL, 3, "v", 1, 0, 0), BAD));                        \
        TRY(#fn " empty key", RC(fn(m0, "g", 1, "", 0, "v", 1, 0, 0), BAD));                         \
        TRY(#fn " 251-byte key", RC(fn(m0, "g", 1, k251, sizeof k251, "v", 1, 0, 0), BAD));          \
        TRY(#fn " NULL value", RC(fn(m0, "g", 1, "k", 1, NULL, 5, 0, 0), BAD));                      \
        TRY(#fn " NULL group, server",                                                             \
            RC(fn(m1, NULL, 3, "k", 1, "v", 1, 0, 0), INV | BADKEY | COMPAT(MEMCACHED_CONNECTION_FAILURE)));     \
        TRY(#fn " NULL key, server", RC(fn(m1, "g", 1, NULL, 3, "v", 1, 0, 0), INV | BADKEY));       \
        /* A group key is only hashed (1.1.4): a long one is fine. */                             \
        TRY(#fn " 251-byte group, server",                                                           \
            RC(fn(m1, k251, sizeof k251, "k", 1, "v", 1, 0, 0), COMPAT(MEMCACHED_CONNECTION_FAILURE))); \
        TRY(#fn " NULL value, server", RC(fn(m1, "g", 1, "k", 1, NULL, 5, 0, 0), INV));              \
    } while (0)

/* delete/touch/exist shapes: (handle, key, len, extra...). */
#define KEY_ONLY(fn, ...)                                                                     \
    do {                                                                                      \
        TRY(#fn " NULL handle", RC(fn(NULL, "k", 1 __VA_ARGS__), INV));                       \
        TRY(#fn " NULL key", RC(fn(m0, NULL, 3 __VA_ARGS__), BAD));                           \
        TRY(#fn " empty key", RC(fn(m0, "", 0 __VA_ARGS__), BAD));                            \
        TRY(#fn " 251-byte key", RC(fn(m0, k251, sizeof k251 __VA_ARGS__), BAD));             \
        TRY(#fn " NULL key, server", RC(fn(m1, NULL, 3 __VA_ARGS__), INV | BADKEY));          \
        TRY(#fn " empty key, server", RC(fn(m1, "", 0 __VA_ARGS__), INV | BADKEY));           \
        TRY(#fn " 251-byte key, server", RC(fn(m1, k251, sizeof k251 __VA_ARGS__), INV | BADKEY)); \
    } while (0)

#define KEY_ONLY_BY_KEY(fn, ...)                                                                    \
    do {                                                                                            \
        TRY(#fn " NULL handle", RC(fn(NULL, "g", 1, "k", 1 __VA_ARGS__), INV));                     \
        TRY(#fn " NULL group", RC(fn(m0, NULL, 3, "k", 1 __VA_ARGS__), BAD));                       \
        TRY(#fn " NULL key", RC(fn(m0, "g", 1, NULL, 3 __VA_ARGS__), BAD));                         \
        TRY(#fn " 251-byte key", RC(fn(m0, "g", 1, k251, sizeof k251 __VA_ARGS__), BAD));           \
        TRY(#fn " NULL group, server",                                                             \
            RC(fn(m1, NULL, 3, "k", 1 __VA_ARGS__), INV | BADKEY | COMPAT(MEMCACHED_CONNECTION_FAILURE)));      \
        TRY(#fn " NULL key, server", RC(fn(m1, "g", 1, NULL, 3 __VA_ARGS__), INV | BADKEY));        \
        TRY(#fn " empty key, server", RC(fn(m1, "g", 1, "", 0 __VA_ARGS__), INV | BADKEY));         \
        TRY(#fn " 251-byte key, server", RC(fn(m1, "g", 1, k251, sizeof k251 __VA_ARGS__), INV | BADKEY)); \
    } while (0)

int main(void) {
    harness_check_loaded_library();
    on_debian = loaded_from_system();
    printf("# library: %s\n", on_debian ? "system (Debian)" : "ours");
    memset(k251, 'k', sizeof k251);

    /* m0: no servers. m1: one server on a closed port (nothing is sent for
     * bad arguments; a call that does try to connect gets a connection
     * failure, which the masks do not allow). */
    memcached_st *m0 = memcached_create(NULL);
    memcached_st *m1 = memcached_create(NULL);
    CHECK(m0 != NULL && m1 != NULL);
    CHECK(memcached_server_add(m1, "127.0.0.1", 1) == MEMCACHED_SUCCESS);
    CHECK(memcached_behavior_set(m1, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, 200) == MEMCACHED_SUCCESS);
    memcached_return_t rc;
    size_t len;
    uint32_t flags;
    uint64_t value;
    const char *keys[2] = {"a", NULL};
    size_t lens[2] = {1, 3};
    const char *keys251[1] = {k251};
    size_t lens251[1] = {sizeof k251};
    memcached_execute_fn exec[1] = {never_execute};
    memcached_dump_fn dumpers[1] = {never_dump};
    memcached_server_fn cursor[1] = {never_server};
    (void)rc, (void)len, (void)flags, (void)value;

    /* ----- handles -------------------------------------------------------- */
    TRY("memcached NULL string", memcached_free(memcached(NULL, 5)));
    TRY("memcached empty", memcached_free(memcached("", 0)));
    TRY("memcached garbage", memcached_free(memcached("--SERVER", 8)));
    TRY("memcached_create NULL", memcached_free(memcached_create(NULL)));
    TRY("memcached_free NULL", memcached_free(NULL));
    TRY("memcached_clone NULL source", memcached_free(memcached_clone(NULL, NULL)));
    TRY("memcached_push NULL", RC(memcached_push(NULL, m0), INV));
    TRY("memcached_push NULL source", RC(memcached_push(m0, NULL), INV));
    TRY("memcached_reset NULL", RC(memcached_reset(NULL), INV));
    TRY("memcached_servers_reset NULL", memcached_servers_reset(NULL));
    TRY("memcached_quit NULL", memcached_quit(NULL));
    TRY("memcached_quit no servers", memcached_quit(m0));
    TRY("memcached_autoeject NULL", memcached_autoeject(NULL));
    TRY("memcached_query_id NULL", TRUE("memcached_query_id(NULL) == 0", memcached_query_id(NULL) == 0));
    TRY("memcached_get_user_data NULL", IS_NULL(memcached_get_user_data(NULL)));
    TRY("memcached_set_user_data NULL", IS_NULL(memcached_set_user_data(NULL, m0)));
    TRY("memcached_lib_version", TRUE("lib_version", memcached_lib_version() != NULL));

    /* ----- errors --------------------------------------------------------- */
    TRY("memcached_last_error NULL", RC(memcached_last_error(NULL), INV));
    TRY("memcached_last_error_errno NULL", TRUE("errno(NULL) == 0", memcached_last_error_errno(NULL) == 0));
    TRY("memcached_last_error_message NULL", TRUE("message(NULL)", memcached_last_error_message(NULL) != NULL));
    TRY("memcached_error NULL", TRUE("error(NULL)", memcached_error(NULL) != NULL));
    TRY("memcached_error_print NULL", memcached_error_print(NULL));
    TRY("memcached_strerror NULL handle", TRUE("strerror(NULL, 0)", memcached_strerror(NULL, MEMCACHED_SUCCESS) != NULL));
    TRY("memcached_strerror out of range",
        TRUE("strerror(m0, 999)", memcached_strerror(m0, (memcached_return_t)999) != NULL));
    TRY("memcached_strerror negative",
        TRUE("strerror(m0, -1)", memcached_strerror(m0, (memcached_return_t)-1) != NULL));

    /* ----- behaviors ------------------------------------------------------ */
    TRY("memcached_behavior_set NULL", RC(memcached_behavior_set(NULL, MEMCACHED_BEHAVIOR_NO_BLOCK, 1), INV));
    TRY("memcached_behavior_set bad id",
        RC(memcached_behavior_set(m0, (memcached_behavior_t)9999, 1), INV | NOTSUP));
    TRY("memcached_behavior_get NULL",
        TRUE("behavior_get(NULL) == 0", memcached_behavior_get(NULL, MEMCACHED_BEHAVIOR_NO_BLOCK) == 0));
    TRY("memcached_behavior_get bad id", (void)memcached_behavior_get(m0, (memcached_behavior_t)9999));
    TRY("memcached_behavior_get_distribution NULL", (void)memcached_behavior_get_distribution(NULL));
    TRY("memcached_behavior_get_distribution_hash NULL", (void)memcached_behavior_get_distribution_hash(NULL));
    TRY("memcached_behavior_get_key_hash NULL", (void)memcached_behavior_get_key_hash(NULL));
    TRY("memcached_behavior_set_distribution NULL",
        RC(memcached_behavior_set_distribution(NULL, MEMCACHED_DISTRIBUTION_MODULA), INV));
    TRY("memcached_behavior_set_distribution bad",
        RC(memcached_behavior_set_distribution(m0, (memcached_server_distribution_t)999), INV));
    TRY("memcached_behavior_set_distribution_hash NULL",
        RC(memcached_behavior_set_distribution_hash(NULL, MEMCACHED_HASH_MD5), INV));
    TRY("memcached_behavior_set_distribution_hash bad",
        RC(memcached_behavior_set_distribution_hash(m0, (memcached_hash_t)999), INV | BIT(MEMCACHED_FAILURE) | COMPAT(MEMCACHED_SUCCESS)));
    TRY("memcached_behavior_set_key_hash NULL", RC(memcached_behavior_set_key_hash(NULL, MEMCACHED_HASH_MD5), INV));
    TRY("memcached_behavior_set_key_hash bad",
        RC(memcached_behavior_set_key_hash(m0, (memcached_hash_t)999), INV | BIT(MEMCACHED_FAILURE) | COMPAT(MEMCACHED_SUCCESS)));
    TRY("libmemcached_string_behavior bad", (void)libmemcached_string_behavior((memcached_behavior_t)9999));
    TRY("libmemcached_string_distribution bad",
        (void)libmemcached_string_distribution((memcached_server_distribution_t)9999));
    TRY("libmemcached_string_hash bad", (void)libmemcached_string_hash((memcached_hash_t)9999));
    TRY("memcached_bucket_set NULL", RC(memcached_bucket_set(NULL, NULL, NULL, 1, 0), INV));
    TRY("memcached_bucket_set NULL maps", RC(memcached_bucket_set(m0, NULL, NULL, 4, 0), INV));
    TRY("memcached_bucket_set zero buckets",
        do { uint32_t map[1] = {0}; RC(memcached_bucket_set(m0, map, NULL, 0, 0), INV); } while (0));

    /* ----- callbacks, allocators, sasl, encoding, hashkit ------------------- */
    TRY("memcached_callback_set NULL",
        RC(memcached_callback_set(NULL, MEMCACHED_CALLBACK_USER_DATA, NULL), INV));
    TRY("memcached_callback_set bad id",
        RC(memcached_callback_set(m0, (memcached_callback_t)999, NULL), INV | BIT(MEMCACHED_FAILURE)));
    TRY("memcached_callback_set NULL namespace",
        RC(memcached_callback_set(m0, MEMCACHED_CALLBACK_PREFIX_KEY, NULL), BIT(MEMCACHED_SUCCESS)));
    TRY("memcached_callback_set 251-byte namespace",
        do { char ns[252]; memset(ns, 'n', 251); ns[251] = 0;
             RC(memcached_callback_set(m0, MEMCACHED_CALLBACK_PREFIX_KEY, ns), BADKEY | INV); } while (0));
    TRY("memcached_callback_get NULL",
        IS_NULL(memcached_callback_get(NULL, MEMCACHED_CALLBACK_USER_DATA, &rc)));
    TRY("memcached_callback_get NULL, NULL error",
        IS_NULL(memcached_callback_get(NULL, MEMCACHED_CALLBACK_USER_DATA, NULL)));
    TRY("memcached_callback_get bad id, NULL error",
        IS_NULL(memcached_callback_get(m0, (memcached_callback_t)999, NULL)));
    TRY("memcached_set_memory_allocators NULL",
        RC(memcached_set_memory_allocators(NULL, NULL, NULL, NULL, NULL, NULL), INV));
    TRY("memcached_set_memory_allocators partial",
        RC(memcached_set_memory_allocators(m0, NULL, NULL, NULL, NULL, NULL), BIT(MEMCACHED_SUCCESS) | INV));
    TRY("memcached_get_memory_allocators NULL",
        do { memcached_malloc_fn a; memcached_free_fn b; memcached_realloc_fn c; memcached_calloc_fn d;
             memcached_get_memory_allocators(NULL, &a, &b, &c, &d); } while (0));
    TRY("memcached_get_memory_allocators NULL outs",
        memcached_get_memory_allocators(m0, NULL, NULL, NULL, NULL));
    TRY("memcached_get_memory_allocators_context NULL",
        IS_NULL(memcached_get_memory_allocators_context(NULL)));
    TRY("memcached_set_sasl_auth_data NULL", RC(memcached_set_sasl_auth_data(NULL, "u", "p"), INV));
    TRY("memcached_set_sasl_auth_data NULL user",
        RC(memcached_set_sasl_auth_data(m0, NULL, "p"), INV | NOTSUP));
    TRY("memcached_set_sasl_auth_data NULL password",
        RC(memcached_set_sasl_auth_data(m0, "u", NULL), INV | NOTSUP));
    TRY("memcached_destroy_sasl_auth_data NULL", RC(memcached_destroy_sasl_auth_data(NULL), INV));
    TRY("memcached_destroy_sasl_auth_data none",
        RC(memcached_destroy_sasl_auth_data(m0), BIT(MEMCACHED_SUCCESS) | BIT(MEMCACHED_FAILURE) | INV));
    TRY("memcached_set_sasl_callbacks NULL", memcached_set_sasl_callbacks(NULL, NULL));
    TRY("memcached_get_sasl_callbacks NULL", IS_NULL(memcached_get_sasl_callbacks(NULL)));
    TRY("memcached_set_encoding_key NULL", RC(memcached_set_encoding_key(NULL, "k", 1), INV));
    TRY("memcached_set_encoding_key NULL key", RC(memcached_set_encoding_key(m0, NULL, 4), INV));
    TRY("memcached_set_encoding_key empty", RC(memcached_set_encoding_key(m0, "", 0), INV | COMPAT(MEMCACHED_SUCCESS)));
    TRY("memcached_get_hashkit NULL", IS_NULL(memcached_get_hashkit(NULL)));
    TRY("memcached_set_hashkit NULL", RC(memcached_set_hashkit(NULL, NULL), INV));
    TRY("memcached_set_hashkit NULL kit", RC(memcached_set_hashkit(m0, NULL), INV | COMPAT(MEMCACHED_SUCCESS)));
    TRY("memcached_generate_hash NULL",
        TRUE("generate_hash(NULL)", (memcached_generate_hash(NULL, "k", 1), 1)));
    TRY("memcached_generate_hash NULL key",
        TRUE("generate_hash(NULL key)", (memcached_generate_hash(m0, NULL, 5), 1)));
    TRY("memcached_generate_hash_value NULL key",
        TRUE("generate_hash_value(NULL key)", (memcached_generate_hash_value(NULL, 5, MEMCACHED_HASH_MD5), 1)));
    TRY("memcached_generate_hash_value bad algorithm",
        TRUE("generate_hash_value(bad)", (memcached_generate_hash_value("k", 1, (memcached_hash_t)999), 1)));

    /* ----- storage -------------------------------------------------------- */
    STORAGE(memcached_set);
    STORAGE(memcached_add);
    STORAGE(memcached_replace);
    STORAGE(memcached_append);
    STORAGE(memcached_prepend);
    STORAGE_BY_KEY(memcached_set_by_key);
    STORAGE_BY_KEY(memcached_add_by_key);
    STORAGE_BY_KEY(memcached_replace_by_key);
    STORAGE_BY_KEY(memcached_append_by_key);
    STORAGE_BY_KEY(memcached_prepend_by_key);
    TRY("memcached_cas NULL", RC(memcached_cas(NULL, "k", 1, "v", 1, 0, 0, 1), INV));
    TRY("memcached_cas NULL key", RC(memcached_cas(m0, NULL, 3, "v", 1, 0, 0, 1), BAD));
    TRY("memcached_cas 251-byte key", RC(memcached_cas(m0, k251, sizeof k251, "v", 1, 0, 0, 1), BAD));
    TRY("memcached_cas NULL value", RC(memcached_cas(m0, "k", 1, NULL, 5, 0, 0, 1), BAD));
    TRY("memcached_cas NULL value, server", RC(memcached_cas(m1, "k", 1, NULL, 5, 0, 0, 1), INV));
    TRY("memcached_cas NULL key, server", RC(memcached_cas(m1, NULL, 3, "v", 1, 0, 0, 1), INV | BADKEY));
    TRY("memcached_cas_by_key NULL", RC(memcached_cas_by_key(NULL, "g", 1, "k", 1, "v", 1, 0, 0, 1), INV));
    TRY("memcached_cas_by_key NULL group", RC(memcached_cas_by_key(m0, NULL, 3, "k", 1, "v", 1, 0, 0, 1), BAD));
    TRY("memcached_cas_by_key NULL value, server",
        RC(memcached_cas_by_key(m1, "g", 1, "k", 1, NULL, 5, 0, 0, 1), INV));
    TRY("memcached_cas_by_key 251-byte key, server",
        RC(memcached_cas_by_key(m1, "g", 1, k251, sizeof k251, "v", 1, 0, 0, 1), INV | BADKEY));

    /* ----- delete, touch, exist -------------------------------------------- */
    KEY_ONLY(memcached_delete, , 0);
    KEY_ONLY_BY_KEY(memcached_delete_by_key, , 0);
    KEY_ONLY(memcached_touch, , 0);
    KEY_ONLY_BY_KEY(memcached_touch_by_key, , 0);
    KEY_ONLY(memcached_exist, );
    KEY_ONLY_BY_KEY(memcached_exist_by_key, );

    /* ----- counters ------------------------------------------------------- */
    KEY_ONLY(memcached_increment, , 1, &value);
    KEY_ONLY(memcached_decrement, , 1, &value);
    KEY_ONLY_BY_KEY(memcached_increment_by_key, , 1, &value);
    KEY_ONLY_BY_KEY(memcached_decrement_by_key, , 1, &value);
    KEY_ONLY(memcached_increment_with_initial, , 1, 0, 0, &value);
    KEY_ONLY(memcached_decrement_with_initial, , 1, 0, 0, &value);
    KEY_ONLY_BY_KEY(memcached_increment_with_initial_by_key, , 1, 0, 0, &value);
    KEY_ONLY_BY_KEY(memcached_decrement_with_initial_by_key, , 1, 0, 0, &value);
    TRY("memcached_increment NULL out", RC(memcached_increment(m1, "k", 1, 1, NULL), INV | COMPAT(MEMCACHED_CONNECTION_FAILURE)));
    TRY("memcached_decrement NULL out", RC(memcached_decrement(m1, "k", 1, 1, NULL), INV | COMPAT(MEMCACHED_CONNECTION_FAILURE)));
    TRY("memcached_increment_by_key NULL out", RC(memcached_increment_by_key(m1, "g", 1, "k", 1, 1, NULL), INV | COMPAT(MEMCACHED_CONNECTION_FAILURE)));
    TRY("memcached_decrement_by_key NULL out", RC(memcached_decrement_by_key(m1, "g", 1, "k", 1, 1, NULL), INV | COMPAT(MEMCACHED_CONNECTION_FAILURE)));
    TRY("memcached_increment_with_initial NULL out",
        RC(memcached_increment_with_initial(m1, "k", 1, 1, 0, 0, NULL), INV | COMPAT(MEMCACHED_CONNECTION_FAILURE)));
    TRY("memcached_decrement_with_initial NULL out",
        RC(memcached_decrement_with_initial(m1, "k", 1, 1, 0, 0, NULL), INV | COMPAT(MEMCACHED_CONNECTION_FAILURE)));
    TRY("memcached_increment_with_initial_by_key NULL out",
        RC(memcached_increment_with_initial_by_key(m1, "g", 1, "k", 1, 1, 0, 0, NULL), INV | COMPAT(MEMCACHED_CONNECTION_FAILURE)));
    TRY("memcached_decrement_with_initial_by_key NULL out",
        RC(memcached_decrement_with_initial_by_key(m1, "g", 1, "k", 1, 1, 0, 0, NULL), INV | COMPAT(MEMCACHED_CONNECTION_FAILURE)));

    /* ----- get ------------------------------------------------------------ */
    TRY("memcached_get NULL",
        do { IS_NULL(memcached_get(NULL, "k", 1, &len, &flags, &rc)); check_rc("rc", __LINE__, rc, INV); } while (0));
    TRY("memcached_get NULL key",
        do { IS_NULL(memcached_get(m0, NULL, 3, &len, &flags, &rc)); check_rc("rc", __LINE__, rc, BAD); } while (0));
    TRY("memcached_get empty key",
        do { IS_NULL(memcached_get(m0, "", 0, &len, &flags, &rc)); check_rc("rc", __LINE__, rc, BAD); } while (0));
    TRY("memcached_get 251-byte key",
        do { IS_NULL(memcached_get(m0, k251, sizeof k251, &len, &flags, &rc)); check_rc("rc", __LINE__, rc, BAD); } while (0));
    TRY("memcached_get NULL key, server",
        do { IS_NULL(memcached_get(m1, NULL, 3, &len, &flags, &rc)); check_rc("rc", __LINE__, rc, INV | BADKEY); } while (0));
    TRY("memcached_get 251-byte key, server",
        do { IS_NULL(memcached_get(m1, k251, sizeof k251, &len, &flags, &rc)); check_rc("rc", __LINE__, rc, INV | BADKEY); } while (0));
    TRY("memcached_get NULL outs", IS_NULL(memcached_get(m0, "k", 1, NULL, NULL, NULL)));
    TRY("memcached_get NULL handle, NULL outs", IS_NULL(memcached_get(NULL, "k", 1, NULL, NULL, NULL)));
    TRY("memcached_get NULL outs, bad key", IS_NULL(memcached_get(m1, NULL, 9, NULL, NULL, NULL)));
    TRY("memcached_get_by_key NULL",
        do { IS_NULL(memcached_get_by_key(NULL, "g", 1, "k", 1, &len, &flags, &rc)); check_rc("rc", __LINE__, rc, INV); } while (0));
    TRY("memcached_get_by_key NULL group",
        do { IS_NULL(memcached_get_by_key(m1, NULL, 3, "k", 1, &len, &flags, &rc)); check_rc("rc", __LINE__, rc, INV | BADKEY | COMPAT(MEMCACHED_CONNECTION_FAILURE)); } while (0));
    TRY("memcached_get_by_key NULL key",
        do { IS_NULL(memcached_get_by_key(m1, "g", 1, NULL, 3, &len, &flags, &rc)); check_rc("rc", __LINE__, rc, INV | BADKEY); } while (0));
    TRY("memcached_get_by_key NULL outs", IS_NULL(memcached_get_by_key(m1, "g", 1, NULL, 3, NULL, NULL, NULL)));

    /* ----- mget and fetch -------------------------------------------------- */
    TRY("memcached_mget NULL", RC(memcached_mget(NULL, keys, lens, 1), INV));
    TRY("memcached_mget NULL keys", RC(memcached_mget(m1, NULL, lens, 1), INV | BADKEY));
    TRY("memcached_mget NULL lengths", RC(memcached_mget(m1, keys, NULL, 1), INV | BADKEY));
    TRY("memcached_mget NULL key in array", RC(memcached_mget(m1, keys, lens, 2), INV | BADKEY));
    TRY("memcached_mget 251-byte key", RC(memcached_mget(m1, keys251, lens251, 1), INV | BADKEY));
    TRY("memcached_mget no servers", RC(memcached_mget(m0, keys, lens, 1), BAD));
    TRY("memcached_mget zero keys", RC(memcached_mget(m1, keys, lens, 0), INV | BADKEY | BIT(MEMCACHED_NOTFOUND)));
    TRY("memcached_mget_by_key NULL", RC(memcached_mget_by_key(NULL, "g", 1, keys, lens, 1), INV));
    TRY("memcached_mget_by_key NULL group", RC(memcached_mget_by_key(m1, NULL, 3, keys, lens, 1), INV | BADKEY | COMPAT(MEMCACHED_CONNECTION_FAILURE)));
    TRY("memcached_mget_by_key NULL keys", RC(memcached_mget_by_key(m1, "g", 1, NULL, NULL, 1), INV | BADKEY));
    TRY("memcached_mget_execute NULL", RC(memcached_mget_execute(NULL, keys, lens, 1, exec, NULL, 1), INV));
    TRY("memcached_mget_execute NULL keys", RC(memcached_mget_execute(m1, NULL, NULL, 1, exec, NULL, 1), INV | BADKEY | NOTSUP));
    TRY("memcached_mget_execute NULL callbacks",
        RC(memcached_mget_execute(m1, keys, lens, 1, NULL, NULL, 1), INV | BADKEY | NOTSUP));
    TRY("memcached_mget_execute_by_key NULL",
        RC(memcached_mget_execute_by_key(NULL, "g", 1, keys, lens, 1, exec, NULL, 1), INV));
    TRY("memcached_mget_execute_by_key NULL group",
        RC(memcached_mget_execute_by_key(m1, NULL, 3, keys, lens, 1, exec, NULL, 1), INV | BADKEY | NOTSUP));
    TRY("memcached_fetch NULL",
        do { char kb[MEMCACHED_MAX_KEY]; IS_NULL(memcached_fetch(NULL, kb, &len, &len, &flags, &rc)); } while (0));
    TRY("memcached_fetch nothing pending, NULL outs", IS_NULL(memcached_fetch(m0, NULL, NULL, NULL, NULL, NULL)));
    TRY("memcached_fetch_result NULL", IS_NULL(memcached_fetch_result(NULL, NULL, &rc)));
    TRY("memcached_fetch_result NULL error", IS_NULL(memcached_fetch_result(NULL, NULL, NULL)));
    TRY("memcached_fetch_result nothing pending", IS_NULL(memcached_fetch_result(m0, NULL, NULL)));
    TRY("memcached_fetch_execute NULL", RC(memcached_fetch_execute(NULL, exec, NULL, 1), INV));
    TRY("memcached_fetch_execute NULL callbacks",
        RC(memcached_fetch_execute(m0, NULL, NULL, 1), INV | BIT(MEMCACHED_NOTFOUND) | BIT(MEMCACHED_END)));

    /* ----- results -------------------------------------------------------- */
    TRY("memcached_result_create NULL, NULL", memcached_result_free(memcached_result_create(NULL, NULL)));
    TRY("memcached_result_free NULL", memcached_result_free(NULL));
    TRY("memcached_result_reset NULL", memcached_result_reset(NULL));
    TRY("memcached_result_cas NULL", TRUE("result_cas(NULL) == 0", memcached_result_cas(NULL) == 0));
    TRY("memcached_result_flags NULL", TRUE("result_flags(NULL) == 0", memcached_result_flags(NULL) == 0));
    TRY("memcached_result_key_length NULL", TRUE("key_length(NULL) == 0", memcached_result_key_length(NULL) == 0));
    TRY("memcached_result_key_value NULL", IS_NULL(memcached_result_key_value(NULL)));
    TRY("memcached_result_length NULL", TRUE("result_length(NULL) == 0", memcached_result_length(NULL) == 0));
    TRY("memcached_result_value NULL", IS_NULL(memcached_result_value(NULL)));
    TRY("memcached_result_take_value NULL", IS_NULL(memcached_result_take_value(NULL)));
    TRY("memcached_result_set_expiration NULL", memcached_result_set_expiration(NULL, 5));
    TRY("memcached_result_set_flags NULL", memcached_result_set_flags(NULL, 5));
    TRY("memcached_result_set_value NULL", RC(memcached_result_set_value(NULL, "v", 1), INV));
    TRY("memcached_result_set_value NULL value",
        do { memcached_result_st *r = memcached_result_create(m0, NULL);
             RC(memcached_result_set_value(r, NULL, 5), INV);
             memcached_result_free(r); } while (0));
    TRY("memcached_result_take_value empty",
        do { memcached_result_st *r = memcached_result_create(m0, NULL);
             free(memcached_result_take_value(r));
             memcached_result_free(r); } while (0));

    /* ----- servers -------------------------------------------------------- */
    TRY("memcached_server_add NULL", RC(memcached_server_add(NULL, "127.0.0.1", 1), INV));
    TRY("memcached_server_add NULL host", RC(memcached_server_add(m0, NULL, 1), BIT(MEMCACHED_SUCCESS) | INV));
    TRY("memcached_server_add empty host", RC(memcached_server_add(m0, "", 1), BIT(MEMCACHED_SUCCESS) | INV));
    TRY("memcached_server_add huge host",
        do { char h[2000]; memset(h, 'h', sizeof h - 1); h[sizeof h - 1] = 0;
             RC(memcached_server_add(m0, h, 1), INV | BIT(MEMCACHED_SUCCESS)); } while (0));
    TRY("memcached_server_add_with_weight NULL", RC(memcached_server_add_with_weight(NULL, "127.0.0.1", 1, 1), INV));
    TRY("memcached_server_add_udp NULL", RC(memcached_server_add_udp(NULL, "127.0.0.1", 1), INV));
    TRY("memcached_server_add_udp NULL host", (void)memcached_server_add_udp(m0, NULL, 1));
    TRY("memcached_server_add_udp_with_weight NULL",
        RC(memcached_server_add_udp_with_weight(NULL, "127.0.0.1", 1, 1), INV));
    TRY("memcached_server_add_unix_socket NULL", RC(memcached_server_add_unix_socket(NULL, "/tmp/x"), INV | COMPAT(MEMCACHED_FAILURE)));
    TRY("memcached_server_add_unix_socket NULL path", RC(memcached_server_add_unix_socket(m0, NULL), INV));
    TRY("memcached_server_add_unix_socket_with_weight NULL",
        RC(memcached_server_add_unix_socket_with_weight(NULL, "/tmp/x", 1), INV | COMPAT(MEMCACHED_FAILURE)));
    TRY("memcached_server_add_unix_socket_with_weight NULL path",
        RC(memcached_server_add_unix_socket_with_weight(m0, NULL, 1), INV));
    TRY("memcached_server_push NULL", RC(memcached_server_push(NULL, NULL), INV | COMPAT(MEMCACHED_SUCCESS)));
    TRY("memcached_server_push NULL list", RC(memcached_server_push(m0, NULL), BIT(MEMCACHED_SUCCESS) | INV));
    TRY("memcached_server_count NULL", TRUE("server_count(NULL) == 0", memcached_server_count(NULL) == 0));
    TRY("memcached_server_by_key NULL",
        do { IS_NULL(memcached_server_by_key(NULL, "k", 1, &rc)); check_rc("rc", __LINE__, rc, INV); } while (0));
    TRY("memcached_server_by_key NULL error", IS_NULL(memcached_server_by_key(NULL, "k", 1, NULL)));
    TRY("memcached_server_by_key no servers",
        do { IS_NULL(memcached_server_by_key(m0, "k", 1, &rc)); check_rc("rc", __LINE__, rc, BAD); } while (0));
    TRY("memcached_server_by_key NULL key",
        do { IS_NULL(memcached_server_by_key(m1, NULL, 3, &rc)); check_rc("rc", __LINE__, rc, INV | BADKEY); } while (0));
    TRY("memcached_server_by_key 251-byte key",
        do { IS_NULL(memcached_server_by_key(m1, k251, sizeof k251, &rc)); check_rc("rc", __LINE__, rc, INV | BADKEY); } while (0));
    TRY("memcached_server_by_key NULL key and error", IS_NULL(memcached_server_by_key(m1, NULL, 3, NULL)));
    TRY("memcached_server_instance_by_position NULL", IS_NULL(memcached_server_instance_by_position(NULL, 0)));
    TRY("memcached_server_instance_by_position past end", IS_NULL(memcached_server_instance_by_position(m1, 5)));
    TRY("memcached_server_get_last_disconnect NULL", IS_NULL(memcached_server_get_last_disconnect(NULL)));
    TRY("memcached_reset_last_disconnected_server NULL", memcached_reset_last_disconnected_server(NULL));
    TRY("memcached_server_cursor NULL", RC(memcached_server_cursor(NULL, cursor, NULL, 1), INV));
    TRY("memcached_server_cursor NULL callbacks",
        RC(memcached_server_cursor(m1, NULL, NULL, 1), INV | BIT(MEMCACHED_SUCCESS)));
    TRY("memcached_server_name NULL", IS_NULL(memcached_server_name(NULL)));
    TRY("memcached_server_port NULL", TRUE("server_port(NULL) == 0", memcached_server_port(NULL) == 0));
    TRY("memcached_server_srcport NULL", TRUE("srcport(NULL) == 0", memcached_server_srcport(NULL) == 0));
    TRY("memcached_server_type NULL", (void)memcached_server_type(NULL));
    TRY("memcached_server_major_version NULL", (void)memcached_server_major_version(NULL));
    TRY("memcached_server_minor_version NULL", (void)memcached_server_minor_version(NULL));
    TRY("memcached_server_micro_version NULL", (void)memcached_server_micro_version(NULL));
    TRY("memcached_server_response_count NULL",
        TRUE("response_count(NULL) == 0", memcached_server_response_count(NULL) == 0));
    TRY("memcached_server_error NULL", IS_NULL(memcached_server_error(NULL)));
    TRY("memcached_server_error_return NULL", RC(memcached_server_error_return(NULL), INV | BIT(MEMCACHED_SUCCESS)));
    TRY("memcached_server_error_reset NULL", memcached_server_error_reset(NULL));
    TRY("memcached_instance_next_retry NULL", memcached_instance_next_retry(NULL, 0));
    TRY("memcached_server_free NULL", memcached_server_free(NULL));
    TRY("memcached_server_list_free NULL", memcached_server_list_free(NULL));
    TRY("memcached_server_list_count NULL", TRUE("list_count(NULL) == 0", memcached_server_list_count(NULL) == 0));
    TRY("memcached_server_list_append NULL host",
        do { memcached_server_list_st l = memcached_server_list_append(NULL, NULL, 1, &rc);
             check_rc("rc", __LINE__, rc, BIT(MEMCACHED_SUCCESS) | INV);
             memcached_server_list_free(l); } while (0));
    TRY("memcached_server_list_append NULL error",
        memcached_server_list_free(memcached_server_list_append(NULL, "127.0.0.1", 1, NULL)));
    TRY("memcached_server_list_append_with_weight NULL error",
        memcached_server_list_free(memcached_server_list_append_with_weight(NULL, "127.0.0.1", 1, 1, NULL)));
    TRY("memcached_servers_parse NULL", IS_NULL(memcached_servers_parse(NULL)));
    TRY("memcached_servers_parse empty", memcached_server_list_free(memcached_servers_parse("")));
    TRY("memcached_servers_parse garbage", memcached_server_list_free(memcached_servers_parse(",,:::,")));

    /* ----- admin ---------------------------------------------------------- */
    TRY("memcached_flush NULL", RC(memcached_flush(NULL, 0), INV));
    TRY("memcached_flush no servers", RC(memcached_flush(m0, 0), BAD | BIT(MEMCACHED_SUCCESS)));
    TRY("memcached_flush_buffers NULL", RC(memcached_flush_buffers(NULL), INV));
    TRY("memcached_version NULL", RC(memcached_version(NULL), INV));
    TRY("memcached_version no servers", RC(memcached_version(m0), BAD | BIT(MEMCACHED_SUCCESS)));
    TRY("memcached_verbosity NULL", RC(memcached_verbosity(NULL, 1), INV));
    TRY("memcached_verbosity no servers", RC(memcached_verbosity(m0, 1), BAD | BIT(MEMCACHED_SUCCESS)));
    TRY("memcached_dump NULL", RC(memcached_dump(NULL, dumpers, NULL, 1), INV));
    TRY("memcached_dump NULL callbacks", RC(memcached_dump(m1, NULL, NULL, 1), INV | COMPAT(MEMCACHED_SERVER_TEMPORARILY_DISABLED)));
    TRY("memcached_dump no servers", RC(memcached_dump(m0, dumpers, NULL, 1), BAD));
    TRY("memcached_stat NULL",
        do { IS_NULL(memcached_stat(NULL, NULL, &rc)); check_rc("rc", __LINE__, rc, INV); } while (0));
    TRY("memcached_stat NULL, NULL error", IS_NULL(memcached_stat(NULL, NULL, NULL)));
    TRY("memcached_stat no servers",
        do { memcached_stat_st *s = memcached_stat(m0, NULL, &rc); check_rc("rc", __LINE__, rc, BAD | BIT(MEMCACHED_SUCCESS));
             memcached_stat_free(m0, s); } while (0));
    TRY("memcached_stat_free NULL", memcached_stat_free(NULL, NULL));
    TRY("memcached_stat_execute NULL", RC(memcached_stat_execute(NULL, NULL, never_stat, NULL), INV));
    TRY("memcached_stat_execute NULL callback", RC(memcached_stat_execute(m1, NULL, NULL, NULL), INV | COMPAT(MEMCACHED_CONNECTION_FAILURE)));
    TRY("memcached_stat_get_keys NULL",
        do { char **k = memcached_stat_get_keys(NULL, NULL, &rc); free(k); } while (0));
    TRY("memcached_stat_get_keys NULL error", do { char **k = memcached_stat_get_keys(m0, NULL, NULL); free(k); } while (0));
    TRY("memcached_stat_get_value NULL",
        do { IS_NULL(memcached_stat_get_value(NULL, NULL, "pid", &rc)); } while (0));
    TRY("memcached_stat_get_value NULL key",
        do { memcached_stat_st st; memset(&st, 0, sizeof st);
             IS_NULL(memcached_stat_get_value(m0, &st, NULL, &rc)); check_rc("rc", __LINE__, rc, INV | BIT(MEMCACHED_NOTFOUND)); } while (0));
    TRY("memcached_stat_get_value NULL error",
        do { memcached_stat_st st; memset(&st, 0, sizeof st);
             free(memcached_stat_get_value(m0, &st, "nope", NULL)); } while (0));
    TRY("memcached_stat_servername NULL", RC(memcached_stat_servername(NULL, NULL, "127.0.0.1", 1), INV | COMPAT(MEMCACHED_CONNECTION_FAILURE)));
    TRY("memcached_stat_servername NULL host",
        do { memcached_stat_st st; memset(&st, 0, sizeof st);
             RC(memcached_stat_servername(&st, NULL, NULL, 1), INV | BIT(MEMCACHED_CONNECTION_FAILURE)); } while (0));
    TRY("memcached_analyze NULL",
        do { IS_NULL(memcached_analyze(NULL, NULL, &rc)); check_rc("rc", __LINE__, rc, INV | UNSET); } while (0));
    TRY("memcached_analyze NULL stats", IS_NULL(memcached_analyze(m0, NULL, NULL)));
    TRY("memcached_analyze_free NULL", memcached_analyze_free(NULL));

    /* ----- configuration -------------------------------------------------- */
    TRY("libmemcached_check_configuration NULL", RC(libmemcached_check_configuration(NULL, 5, NULL, 0), INV));
    TRY("libmemcached_check_configuration NULL buffer",
        RC(libmemcached_check_configuration("--SERVER", 8, NULL, 10), INV | BIT(MEMCACHED_PARSE_ERROR)));
    TRY("libmemcached_check_configuration tiny buffer",
        do { char b[1]; RC(libmemcached_check_configuration("--NOPE", 6, b, 1), BIT(MEMCACHED_PARSE_ERROR) | INV); } while (0));

    /* ----- pools ---------------------------------------------------------- */
    TRY("memcached_pool NULL", IS_NULL(memcached_pool(NULL, 5)));
    TRY("memcached_pool_create NULL", IS_NULL(memcached_pool_create(NULL, 1, 2)));
    TRY("memcached_pool_create bad sizes", IS_NULL(memcached_pool_create(m0, 5, 1)));
    TRY("memcached_pool_destroy NULL", IS_NULL(memcached_pool_destroy(NULL)));
    TRY("memcached_pool_pop NULL",
        do { IS_NULL(memcached_pool_pop(NULL, false, &rc)); check_rc("rc", __LINE__, rc, INV | UNSET); } while (0));
    TRY("memcached_pool_pop NULL, blocking, NULL rc", IS_NULL(memcached_pool_pop(NULL, true, NULL)));
    TRY("memcached_pool_fetch NULL",
        do { IS_NULL(memcached_pool_fetch(NULL, NULL, &rc)); check_rc("rc", __LINE__, rc, INV | UNSET); } while (0));
    TRY("memcached_pool_fetch NULL rc", IS_NULL(memcached_pool_fetch(NULL, NULL, NULL)));
    TRY("memcached_pool_push NULL", RC(memcached_pool_push(NULL, m0), INV));
    TRY("memcached_pool_release NULL", RC(memcached_pool_release(NULL, m0), INV));
    TRY("memcached_pool_release NULL handle",
        do { memcached_pool_st *p = memcached_pool_create(m0, 1, 1); CHECK(p != NULL);
             RC(memcached_pool_release(p, NULL), INV); memcached_pool_destroy(p); } while (0));
    TRY("memcached_pool_release foreign handle",
        do { memcached_pool_st *p = memcached_pool_create(m0, 1, 1); CHECK(p != NULL);
             RC(memcached_pool_release(p, m1), INV | COMPAT(MEMCACHED_SUCCESS)); memcached_pool_destroy(p); } while (0));
    TRY("memcached_pool_behavior_set NULL", RC(memcached_pool_behavior_set(NULL, MEMCACHED_BEHAVIOR_NO_BLOCK, 1), INV));
    TRY("memcached_pool_behavior_get NULL", RC(memcached_pool_behavior_get(NULL, MEMCACHED_BEHAVIOR_NO_BLOCK, &value), INV));
    TRY("memcached_pool_behavior_get NULL out",
        do { memcached_pool_st *p = memcached_pool_create(m0, 1, 1); CHECK(p != NULL);
             RC(memcached_pool_behavior_get(p, MEMCACHED_BEHAVIOR_NO_BLOCK, NULL), INV); memcached_pool_destroy(p); } while (0));

    /* ----- libmemcachedutil (a closed port: nothing may be flushed) -------- */
    TRY("libmemcached_util_ping NULL host",
        do { TRUE("ping false", !libmemcached_util_ping(NULL, 1, &rc)); } while (0));
    TRY("libmemcached_util_ping NULL rc", TRUE("ping false", !libmemcached_util_ping("127.0.0.1", 1, NULL)));
    TRY("libmemcached_util_ping2 NULLs", TRUE("ping2 false", !libmemcached_util_ping2(NULL, 1, NULL, NULL, NULL)));
    TRY("libmemcached_util_getpid NULLs", TRUE("getpid -1", libmemcached_util_getpid(NULL, 1, NULL) == -1));
    TRY("libmemcached_util_getpid2 NULLs", TRUE("getpid2 -1", libmemcached_util_getpid2(NULL, 1, NULL, NULL, NULL) == -1));
    TRY("libmemcached_util_flush NULLs", TRUE("flush false", !libmemcached_util_flush(NULL, 1, NULL)));
    TRY("libmemcached_util_version_check NULL", TRUE("version_check false", !libmemcached_util_version_check(NULL, 1, 0, 0)));
    TRY("libmemcached_util_version_check no servers", (void)libmemcached_util_version_check(m0, 1, 0, 0));

    /* ----- libhashkit ----------------------------------------------------- */
    TRY("hashkit_create NULL", hashkit_free(hashkit_create(NULL)));
    TRY("hashkit_free NULL", hashkit_free(NULL));
    TRY("hashkit_clone NULL, NULL", hashkit_free(hashkit_clone(NULL, NULL)));
    TRY("hashkit_compare NULL, NULL", (void)hashkit_compare(NULL, NULL));
    TRY("hashkit_compare kit, NULL",
        do { hashkit_st *h = hashkit_create(NULL); TRUE("compare(h, NULL) false", !hashkit_compare(h, NULL)); hashkit_free(h); } while (0));
    TRY("hashkit_digest NULL", (void)hashkit_digest(NULL, "k", 1));
    TRY("hashkit_digest NULL key",
        do { hashkit_st *h = hashkit_create(NULL); (void)hashkit_digest(h, NULL, 5); hashkit_free(h); } while (0));
    TRY("hashkit_encrypt NULL", IS_NULL(hashkit_encrypt(NULL, "v", 1)));
    TRY("hashkit_decrypt NULL", IS_NULL(hashkit_decrypt(NULL, "v", 1)));
    TRY("hashkit_encrypt NULL source",
        do { hashkit_st *h = hashkit_create(NULL); hashkit_string_free(hashkit_encrypt(h, NULL, 5)); hashkit_free(h); } while (0));
    TRY("hashkit_decrypt NULL source",
        do { hashkit_st *h = hashkit_create(NULL); hashkit_string_free(hashkit_decrypt(h, NULL, 5)); hashkit_free(h); } while (0));
    TRY("hashkit_key NULL", TRUE("hashkit_key(NULL) false", !hashkit_key(NULL, "k", 1)));
    TRY("hashkit_key NULL key",
        do { hashkit_st *h = hashkit_create(NULL); TRUE("hashkit_key(NULL key) false", !hashkit_key(h, NULL, 5)); hashkit_free(h); } while (0));
    TRY("hashkit_get_function NULL", (void)hashkit_get_function(NULL));
    TRY("hashkit_get_distribution_function NULL", (void)hashkit_get_distribution_function(NULL));
    TRY("hashkit_set_function NULL",
        TRUE("set_function(NULL) fails", hashkit_set_function(NULL, HASHKIT_HASH_MD5) != HASHKIT_SUCCESS));
    TRY("hashkit_set_function bad",
        do { hashkit_st *h = hashkit_create(NULL);
             (void)hashkit_set_function(h, (hashkit_hash_algorithm_t)999); /* 1.1.4: SUCCESS */
             hashkit_free(h); } while (0));
    TRY("hashkit_set_distribution_function NULL",
        TRUE("set_distribution_function(NULL) fails",
             hashkit_set_distribution_function(NULL, HASHKIT_HASH_MD5) != HASHKIT_SUCCESS));
    TRY("hashkit_set_custom_function NULL",
        TRUE("set_custom_function(NULL) fails", hashkit_set_custom_function(NULL, zero_hash, NULL) != HASHKIT_SUCCESS));
    TRY("hashkit_set_custom_function NULL fn",
        do { hashkit_st *h = hashkit_create(NULL);
             TRUE("set_custom_function(NULL fn) fails", hashkit_set_custom_function(h, NULL, NULL) != HASHKIT_SUCCESS);
             hashkit_free(h); } while (0));
    TRY("hashkit_set_custom_distribution_function NULL",
        TRUE("set_custom_distribution_function(NULL) fails",
             hashkit_set_custom_distribution_function(NULL, zero_hash, NULL) != HASHKIT_SUCCESS));
    TRY("hashkit_strerror NULL", TRUE("hashkit_strerror", hashkit_strerror(NULL, (hashkit_return_t)999) != NULL));
    TRY("hashkit_string_c_str NULL", IS_NULL(hashkit_string_c_str(NULL)));
    TRY("hashkit_string_length NULL", TRUE("string_length(NULL) == 0", hashkit_string_length(NULL) == 0));
    TRY("hashkit_string_free NULL", hashkit_string_free(NULL));
    TRY("libhashkit_has_algorithm bad", TRUE("has_algorithm(999) false", !libhashkit_has_algorithm((hashkit_hash_algorithm_t)999)));
    TRY("libhashkit_string_hash bad", (void)libhashkit_string_hash((hashkit_hash_algorithm_t)999));
    TRY("libhashkit_digest NULL key", (void)libhashkit_digest(NULL, 5, HASHKIT_HASH_MD5));
    TRY("libhashkit_digest bad algorithm", (void)libhashkit_digest("k", 1, (hashkit_hash_algorithm_t)999));
    TRY("libhashkit_crc32 NULL key", (void)libhashkit_crc32(NULL, 5));
    TRY("libhashkit_fnv1_32 NULL key", (void)libhashkit_fnv1_32(NULL, 5));
    TRY("libhashkit_fnv1_64 NULL key", (void)libhashkit_fnv1_64(NULL, 5));
    TRY("libhashkit_fnv1a_32 NULL key", (void)libhashkit_fnv1a_32(NULL, 5));
    TRY("libhashkit_fnv1a_64 NULL key", (void)libhashkit_fnv1a_64(NULL, 5));
    TRY("libhashkit_hsieh NULL key", (void)libhashkit_hsieh(NULL, 5));
    TRY("libhashkit_jenkins NULL key", (void)libhashkit_jenkins(NULL, 5));
    TRY("libhashkit_md5 NULL key", (void)libhashkit_md5(NULL, 5));
    TRY("libhashkit_murmur NULL key", (void)libhashkit_murmur(NULL, 5));
    TRY("libhashkit_murmur3 NULL key", (void)libhashkit_murmur3(NULL, 5));
    TRY("libhashkit_one_at_a_time NULL key", (void)libhashkit_one_at_a_time(NULL, 5));
    TRY("libhashkit_md5_signature NULL key",
        do { unsigned char sig[16]; libhashkit_md5_signature(NULL, 5, sig); } while (0));
    TRY("libhashkit_md5_signature NULL result", libhashkit_md5_signature((const unsigned char *)"k", 1, NULL));

    /* ----- two servers: group keys and keys are hashed -------------------- */
    memcached_st *m2 = memcached_create(NULL);
    CHECK(m2 != NULL);
    CHECK(memcached_server_add(m2, "127.0.0.1", 1) == MEMCACHED_SUCCESS);
    CHECK(memcached_server_add(m2, "127.0.0.1", 2) == MEMCACHED_SUCCESS);
    TRY("memcached_set_by_key NULL group, 2 servers",
        RC(memcached_set_by_key(m2, NULL, 3, "k", 1, "v", 1, 0, 0), INV | BADKEY | COMPAT(MEMCACHED_CONNECTION_FAILURE)));
    TRY("memcached_get_by_key NULL group, 2 servers",
        do { IS_NULL(memcached_get_by_key(m2, NULL, 3, "k", 1, &len, &flags, &rc));
             check_rc("rc", __LINE__, rc, INV | BADKEY | COMPAT(MEMCACHED_CONNECTION_FAILURE)); } while (0));
    TRY("memcached_mget_by_key NULL group, 2 servers",
        RC(memcached_mget_by_key(m2, NULL, 3, keys, lens, 1), INV | BADKEY | COMPAT(MEMCACHED_CONNECTION_FAILURE)));
    TRY("memcached_mget NULL key in array, 2 servers", RC(memcached_mget(m2, keys, lens, 2), INV | BADKEY));
    TRY("memcached_delete_by_key NULL group, 2 servers",
        RC(memcached_delete_by_key(m2, NULL, 3, "k", 1, 0), INV | BADKEY | COMPAT(MEMCACHED_CONNECTION_FAILURE)));
    TRY("memcached_server_by_key NULL key, 2 servers",
        do { IS_NULL(memcached_server_by_key(m2, NULL, 3, &rc)); check_rc("rc", __LINE__, rc, INV | BADKEY); } while (0));
    TRY("memcached_generate_hash NULL key, 2 servers", (void)memcached_generate_hash(m2, NULL, 5));

    /* ----- a live server: NULL outs and callbacks on success paths --------- */
    memcached_st *ml = memcached_create(NULL);
    CHECK(ml != NULL);
    memcached_server_st *list = memcached_servers_parse(harness_servers());
    CHECK(list != NULL);
    CHECK(memcached_server_push(ml, list) == MEMCACHED_SUCCESS);
    memcached_server_list_free(list);
    const char *live_host = "127.0.0.1";
    in_port_t live_port = (in_port_t)atoi(strrchr(harness_servers(), ':') + 1);
    CHECK(memcached_set(ml, "k", 1, "v", 1, 0, 0) == MEMCACHED_SUCCESS);
    CHECK(memcached_set(ml, "n", 1, "1", 1, 0, 0) == MEMCACHED_SUCCESS);
    const char *live_keys[1] = {"k"};
    size_t live_lens[1] = {1};
    TRY("memcached_get live, NULL outs",
        do { char *v = memcached_get(ml, "k", 1, NULL, NULL, NULL); TRUE("value returned", v != NULL); free(v); } while (0));
    TRY("memcached_get_by_key live, NULL outs",
        do { char *v = memcached_get_by_key(ml, "g", 1, "k", 1, NULL, NULL, NULL); free(v); } while (0));
    TRY("memcached_get live, NULL value", RC(memcached_set(ml, "k2", 2, NULL, 5, 0, 0), INV));
    TRY("memcached_increment live, NULL out", RC(memcached_increment(ml, "n", 1, 1, NULL), BIT(MEMCACHED_SUCCESS)));
    TRY("memcached_decrement_with_initial live, NULL out",
        RC(memcached_decrement_with_initial(ml, "n", 1, 1, 0, 0, NULL), BIT(MEMCACHED_SUCCESS) | COMPAT(MEMCACHED_INVALID_ARGUMENTS)));
    TRY("memcached_fetch live, NULL outs",
        do { RC(memcached_mget(ml, live_keys, live_lens, 1), BIT(MEMCACHED_SUCCESS));
             free(memcached_fetch(ml, NULL, NULL, NULL, NULL, NULL)); } while (0));
    TRY("memcached_fetch_result live, NULL error",
        do { RC(memcached_mget(ml, live_keys, live_lens, 1), BIT(MEMCACHED_SUCCESS));
             memcached_result_st *r = memcached_fetch_result(ml, NULL, NULL);
             TRUE("result returned", r != NULL); memcached_result_free(r); } while (0));
    TRY("memcached_fetch_execute live, NULL callbacks",
        do { RC(memcached_mget(ml, live_keys, live_lens, 1), BIT(MEMCACHED_SUCCESS));
             RC(memcached_fetch_execute(ml, NULL, NULL, 1), INV | BIT(MEMCACHED_SUCCESS)); } while (0));
    TRY("memcached_fetch_execute live, nothing pending",
        RC(memcached_fetch_execute(ml, exec, NULL, 1), BIT(MEMCACHED_NOTFOUND) | BIT(MEMCACHED_END)));
    TRY("memcached_dump live, NULL callbacks", RC(memcached_dump(ml, NULL, NULL, 1), INV | COMPAT(MEMCACHED_SUCCESS)));
    TRY("memcached_dump live, zero callbacks", RC(memcached_dump(ml, dumpers, NULL, 0), INV | BIT(MEMCACHED_SUCCESS)));
    TRY("memcached_stat_execute live, NULL callback", RC(memcached_stat_execute(ml, NULL, NULL, NULL), INV | COMPAT(MEMCACHED_SUCCESS)));
    TRY("memcached_server_cursor live, NULL callbacks",
        RC(memcached_server_cursor(ml, NULL, NULL, 1), INV | BIT(MEMCACHED_SUCCESS)));
    TRY("memcached_stat_servername live, NULL stat",
        RC(memcached_stat_servername(NULL, NULL, live_host, live_port), INV | COMPAT(MEMCACHED_SUCCESS)));
    TRY("memcached_stat live, NULL error",
        do { memcached_stat_st *st = memcached_stat(ml, NULL, NULL); TRUE("stats returned", st != NULL);
             memcached_stat_free(ml, st); } while (0));
    TRY("memcached_stat_get_keys live, NULL stat",
        do { char **k = memcached_stat_get_keys(ml, NULL, NULL); free(k); } while (0));
    TRY("memcached_stat_get_value live, NULL stat",
        do { IS_NULL(memcached_stat_get_value(ml, NULL, "pid", &rc)); } while (0));
    TRY("memcached_analyze live, NULL stat", IS_NULL(memcached_analyze(ml, NULL, &rc)));
    TRY("memcached_server_by_key live, NULL error", TRUE("server", memcached_server_by_key(ml, "k", 1, NULL) != NULL));
    TRY("memcached_version live, then versions",
        do { RC(memcached_version(ml), BIT(MEMCACHED_SUCCESS));
             (void)memcached_server_major_version(memcached_server_instance_by_position(ml, 0)); } while (0));
    TRY("libmemcached_util_ping live, NULL rc", TRUE("ping", libmemcached_util_ping(live_host, live_port, NULL)));
    TRY("libmemcached_util_getpid live, NULL rc", TRUE("pid", libmemcached_util_getpid(live_host, live_port, NULL) > 0));
    TRY("libmemcached_util_ping2 live, NULL user", TRUE("ping2", libmemcached_util_ping2(live_host, live_port, NULL, NULL, NULL)));
    TRY("memcached_mget_execute live, NULL callbacks",
        RC(memcached_mget_execute(ml, live_keys, live_lens, 1, NULL, NULL, 1), INV | NOTSUP));
    TRY("memcached_pool_pop live, NULL rc",
        do { memcached_pool_st *p = memcached_pool_create(ml, 1, 1); CHECK(p != NULL);
             memcached_st *a = memcached_pool_pop(p, false, NULL); TRUE("popped", a != NULL);
             IS_NULL(memcached_pool_pop(p, false, NULL));
             IS_NULL(memcached_pool_fetch(p, NULL, NULL));
             RC(memcached_pool_push(p, a), BIT(MEMCACHED_SUCCESS));
             RC(memcached_pool_push(p, a), INV | COMPAT(MEMCACHED_SUCCESS) | BIT(MEMCACHED_FAILURE));
             memcached_pool_destroy(p); } while (0));
    memcached_free(m2);
    memcached_free(ml);

    /* The handles still work after all that (in this process nothing ran). */
    CHECK(memcached_server_count(m0) == 0);
    CHECK(memcached_server_count(m1) == 1);
    memcached_free(m0);
    memcached_free(m1);
    if (on_debian) {
        printf("# debian: %d call(s) crashed\n", debian_crashes);
    }
    return harness_finish();
}
