/*
 * config.c - the configuration-string language: libmemcached_check_configuration()
 * return codes for many strings (lexical rules, options, statements, files),
 * memcached() results (servers, namespace, behaviors of the handle it
 * builds) and memcached(NULL, 0) with $LIBMEMCACHED.
 *
 * No server is contacted. Messages differ between Debian's library and ours
 * (Debian's embed a pointer), so only their presence is printed; file names
 * are replaced by labels. Known intended differences (HSIEH is available
 * here) are left out.
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached-1.0/memcached.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char *const strings[] = {
    /* servers, ports, weights */
    "--SERVER=localhost",
    "--SERVER=h1",
    "--SERVER=abc",
    "--SERVER=a.b",
    "--SERVER=127.0.0.1",
    "--SERVER=127.0.0.1:11211",
    "--SERVER=127.0.0.1:11211/?3",
    "--SERVER=127.0.0.1/?3",
    "--SERVER=localhost:1/2",
    "--SERVER=[::1]",
    "--SERVER=localhost:99999",
    "--SERVER=localhost:123456",
    "--SERVER=localhost:0",
    "--SERVER=localhost:11211/?0",
    "--SERVER=localhost/?123456",
    "--SERVER=localhost:",
    "--SERVER=localhost:abc",
    "--SERVER=localhost/?",
    "--SERVER=localhost:11211:11212",
    "--SERVER=abc/?2:11211",
    "--SERVER=abc:1 /?2",
    "--SERVER=1.2.3.4.5",
    "--SERVER=256.1.1.1",
    "--SERVER=127.0.0.1abc",
    "--SERVER=1234.1.1.1",
    "--SERVER=1234",
    "--SERVER=123",
    "--SERVER=a_b",
    "--SERVER=a-b",
    "--SERVER=-ab",
    "--SERVER=ab-",
    "--SERVER=ab_",
    "--SERVER=_ab",
    "--SERVER=ab\"cd",
    "--SERVER=\"localhost\"",
    "--SERVER=$abc",
    "--server=localhost",
    "--SERVER=LOCALHOST",
    "--SOCKET=\"/tmp/sock\"",
    "--SOCKET=\"/tmp/sock\"/?3",
    "--SOCKET=/tmp/sock",
    "--SOCKET=abc",
    "--SOCKET=abc/?2",
    "--SOCKET=\"\"",
    "--SOCKET=\"/tmp/s\":11211",
    "--SOCKET=\"abc\"/?2/?3",
    /* spacing */
    "--SERVER=localhost --SERVER=abc",
    "--SERVER=localhost  --SERVER=abc",
    "--SERVER=localhost,--SERVER=abc",
    "--SERVER=localhost\n--SERVER=abc",
    " --SERVER=localhost",
    "--SERVER=localhost ",
    "\t--SERVER=abc",
    "--SERVER=abc\t",
    "--SERVER=abc\n",
    "--SERVER=\tabc",
    "--SERVER\t=abc",
    "\n",
    "a",
    "-",
    "--",
    "=",
    "\"abc\"",
    /* flags and numbers */
    "--BINARY-PROTOCOL",
    "--binary-protocol",
    "--BINARY-PROTOCOLX",
    "--BINARY-PROTOCOL --VERIFY-KEY",
    "--VERIFY-KEY --BINARY-PROTOCOL",
    "--USE-UDP",
    "--USE-UDP --SERVER=localhost",
    "--USE-UDP --BUFFER-REQUESTS",
    "--BUFFER-REQUESTS --USE-UDP",
    "--SUPPORT-CAS --SORT-HOSTS --NOREPLY --TCP-NODELAY --TCP-KEEPALIVE --RANDOMIZE-REPLICA-READ "
    "--BUFFER-REQUESTS --HASH-WITH-NAMESPACE",
    "--TCP-KEEPIDLE",
    "--TCP-NODELAY --TCP-NODELAY",
    "--NOREPLYX",
    "--CONNECT-TIMEOUT=10",
    "--CONNECT-TIMEOUT=",
    "--CONNECT-TIMEOUT=abc",
    "--CONNECT-TIMEOUT=10abc",
    "--CONNECT-TIMEOUT=-5",
    "--CONNECT-TIMEOUT=0",
    "--CONNECT-TIMEOUT=99999999999",
    "--POLL-TIMEOUT=4294967295",
    "--SND-TIMEOUT=99999999999999999999999",
    "--IO-MSG-WATERMARK=5 --IO-BYTES-WATERMARK=6 --IO-KEY-PREFETCH=7 --RCV-TIMEOUT=8 --RETRY-TIMEOUT=9 "
    "--SOCKET-RECV-SIZE=10 --SOCKET-SEND-SIZE=11",
    "--REMOVE-FAILED-SERVERS=1",
    "--NUMBER-OF-REPLICAS=2",
    "--POOL-MIN=3",
    "--POOL-MAX=10",
    "--POOL-MIN=0",
    "--POOL-MAX=abc",
    "--POOL-MIN=99999999999999",
    "--FETCH-VERSION",
    "--USER-DATA",
    "--FOO",
    "--SERVER-FAILURE-LIMIT=3",
    "--KETAMA-HASH",
    "--REMOVE_FAILED_SERVERS=1",
    "--DEAD-TIMEOUT=1",
    "--SERVER=abc --FOO --BAR",
    "--BINARY-PROTOCOL --VERIFY-KEY --FOO",
    "--FOO --BINARY-PROTOCOL --VERIFY-KEY",
    /* hash and distribution */
    "--HASH=MD5",
    "--HASH=md5",
    "--HASH=CRC",
    "--HASH=FNV1_64",
    "--HASH=FNV1A_64",
    "--HASH=FNV1_32",
    "--HASH=FNV1A_32",
    "--HASH=MURMUR",
    "--HASH=JENKINS",
    "--HASH=MURMUR3",
    "--HASH=FOO",
    "--HASH=",
    "--HASH=MD5x",
    "--HASH=MD5 --HASH=CRC",
    "--HASH=MD5 RESET --HASH=CRC",
    "--DISTRIBUTION=CONSISTENT",
    "--DISTRIBUTION=MODULA",
    "--DISTRIBUTION=RANDOM",
    "--DISTRIBUTION=KETAMA",
    "--DISTRIBUTION=MODULA,MD5",
    "--DISTRIBUTION=CONSISTENT,MURMUR",
    "--DISTRIBUTION=CONSISTENT,MD5 --DISTRIBUTION=MODULA",
    "--DISTRIBUTION=CONSISTENT,",
    "--DISTRIBUTION=CONSISTENT,FOO",
    "--DISTRIBUTION=CONSISTENT,MD5,CRC",
    "--DISTRIBUTION=",
    "--DISTRIBUTION=CONSISTENT --HASH=MD5 --HASH=MD5",
    "--HASH=md5 --DISTRIBUTION=modula,crc --NAMESPACE=ns1",
    /* namespace */
    "--NAMESPACE=abc",
    "--NAMESPACE=a",
    "--NAMESPACE=\"a\"",
    "--NAMESPACE=\"a b\"",
    "--NAMESPACE=\"\"",
    "--NAMESPACE=abc --NAMESPACE=def",
    "--NAMESPACE=abc RESET --NAMESPACE=def",
    "--NAMESPACE=\"ab\"cd\"",
    "--NAMESPACE=ab\"cd",
    "--NAMESPACE=\"a\\\"b\"",
    "--NAMESPACE=L\"abc\"",
    "--NAMESPACE=123",
    "--NAMESPACE=1234a",
    "--NAMESPACE=1.2.3.4",
    "--NAMESPACE=end",
    "--NAMESPACE=random",
    "--NAMESPACE=md5x",
    "--NAMESPACE=a.b",
    "--NAMESPACE=\"abc\" --BINARY-PROTOCOL",
    "--BINARY-PROTOCOL --NAMESPACE=\"a b\"",
    /* statements */
    "END",
    "END --FOO",
    "END garbage  garbage",
    "--SERVER=localhost END --FOO",
    "ENDX",
    "end",
    "RESET",
    "Reset",
    "--SERVER=abc RESET --SERVER=def",
    "CSL_ERROR",
    "csl_error",
    "ERROR",
    "TRUE",
    "--SERVER=abc TRUE",
    "SERVERS",
    "#comment",
    "#comment\n",
    "#\n",
    "#comment\n --SERVER=abc",
    "#comment\n--SERVER=abc",
    "--SERVER=abc\n#comment\n",
    "--SERVER=abc \n#comment\n",
    "INCLUDE",
    "INCLUDE /tmp/x",
    "INCLUDE \"\"",
    "INCLUDE \"/nonexistent/config\"",
    "--CONFIGURE-FILE=\"/nonexistent/config\"",
    "--CONFIGURE-FILE=/nonexistent",
    "--CONFIGURE-FILE=\"/nonexistent/config\" RESET",
};

/* Files for INCLUDE and --CONFIGURE-FILE, and the strings that use them. */
struct file_case {
    const char *label;
    const char *contents;
    const char *format; /* %s is replaced by the file's path */
};

static const struct file_case files[] = {
    {"good", "--SERVER=abc\n\n--HASH=MD5\n--HASH=CRC\n", "--CONFIGURE-FILE=\"%s\" --SERVER=zzz"},
    {"good", "--SERVER=abc\n\n--HASH=MD5\n--HASH=CRC\n", "INCLUDE \"%s\""},
    {"good", "--SERVER=abc\n\n--HASH=MD5\n--HASH=CRC\n", "include \"%s\" --SERVER=zzz"},
    {"empty", "", "--CONFIGURE-FILE=\"%s\""},
    {"empty", "", "INCLUDE \"%s\""},
    {"blank", "\n\n", "--CONFIGURE-FILE=\"%s\""},
    {"bad", "--SERVER=abc\n--FOO\n", "--CONFIGURE-FILE=\"%s\""},
    {"bad", "--SERVER=abc\n--FOO\n", "INCLUDE \"%s\""},
    {"comment", "#comment\n--SERVER=abc", "--CONFIGURE-FILE=\"%s\""},
    {"no-newline", "--SERVER=abc --NAMESPACE=filens", "--CONFIGURE-FILE=\"%s\""},
    {"twice", "--NAMESPACE=one\n--NAMESPACE=two\n", "--CONFIGURE-FILE=\"%s\""},
};

/* Prints what memcached() built from `s`. */
static void show_handle(const char *s, size_t len)
{
    memcached_return_t rc;
    const char *ns;
    memcached_st *m = memcached(s, len);
    if (m == NULL) {
        printf("  memcached(): NULL\n");
        return;
    }
    printf("  servers=%u", memcached_server_count(m));
    for (uint32_t i = 0; i < memcached_server_count(m); i++) {
        const memcached_instance_st *in = memcached_server_instance_by_position(m, i);
        printf(" %s:%u", memcached_server_name(in), (unsigned)memcached_server_port(in));
    }
    ns = memcached_callback_get(m, MEMCACHED_CALLBACK_NAMESPACE, &rc);
    printf(" namespace=%s\n", ns ? ns : "(none)");
    printf("  hash=%llu distribution=%llu ketama_hash=%llu binary=%llu verify=%llu nodelay=%llu connect=%llu "
           "poll=%llu rcv=%llu replicas=%llu\n",
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_HASH),
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_DISTRIBUTION),
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_KETAMA_HASH),
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL),
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_VERIFY_KEY),
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_TCP_NODELAY),
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT),
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_POLL_TIMEOUT),
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_RCV_TIMEOUT),
           (unsigned long long)memcached_behavior_get(m, MEMCACHED_BEHAVIOR_NUMBER_OF_REPLICAS));
    memcached_free(m);
}

/* Checks one string; `label` is printed instead of it when not NULL. */
static void check(const char *s, const char *label)
{
    char err[512];
    size_t len = strlen(s);
    memcached_return_t rc;
    memset(err, 'x', sizeof err);
    rc = libmemcached_check_configuration(s, len, err, sizeof err);
    printf("[");
    if (label) {
        printf("%s", label);
    } else {
        for (const char *p = s; *p; p++) {
            if (*p == '\n') {
                printf("\\n");
            } else if (*p == '\t') {
                printf("\\t");
            } else {
                putchar(*p);
            }
        }
    }
    printf("] -> %d (%s) message=%s\n", (int)rc, memcached_strerror(NULL, rc),
           rc == MEMCACHED_SUCCESS ? (err[0] == 0 ? "empty" : "junk")
                                   : (memchr(err, 0, sizeof err) && err[0] ? "yes" : "missing"));
    if (rc != MEMCACHED_SUCCESS) {
        printf("# %s\n", err);
    }
    /* memcached() agrees with the check. */
    if (rc == MEMCACHED_SUCCESS) {
        show_handle(s, len);
    } else {
        memcached_st *m = memcached(s, len);
        EXPECT(m == NULL);
        if (m) {
            memcached_free(m);
        }
    }
}

int main(void)
{
    char dir[] = "/tmp/ctest-config-XXXXXX";
    char err[64];
    memcached_st *m;

    harness_check_loaded_library();

    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        check(strings[i], NULL);
    }

    CHECK(mkdtemp(dir) != NULL);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[256], option[512], label[256];
        FILE *f;
        snprintf(path, sizeof path, "%s/%s.cfg", dir, files[i].label);
        f = fopen(path, "w");
        CHECK(f != NULL);
        fputs(files[i].contents, f);
        fclose(f);
        snprintf(option, sizeof option, files[i].format, path);
        snprintf(label, sizeof label, files[i].format, files[i].label);
        check(option, label);
        unlink(path);
    }
    rmdir(dir);

    /* Arguments. */
    printf("check(NULL, 5): %d\n", (int)libmemcached_check_configuration(NULL, 5, err, sizeof err));
    printf("check(\"\", 0): %d\n", (int)libmemcached_check_configuration("", 0, err, sizeof err));
    printf("check(no buffer): %d\n", (int)libmemcached_check_configuration("--FOO", 5, NULL, 0));
    memset(err, 'x', sizeof err);
    printf("check(tiny buffer): %d", (int)libmemcached_check_configuration("--FOO", 5, err, 4));
    printf(" terminated=%d len=%zu\n", err[3] == 0, strlen(err));
    /* The length counts, not the NUL. */
    printf("check(prefix): %d\n", (int)libmemcached_check_configuration("--SERVER=abc --FOO", 12, err, sizeof err));

    m = memcached("", 0);
    printf("memcached(\"\", 0): %s\n", m ? "handle" : "NULL");
    m = memcached(NULL, 5);
    printf("memcached(NULL, 5): %s\n", m ? "handle" : "NULL");
    unsetenv("LIBMEMCACHED");
    m = memcached(NULL, 0);
    printf("memcached(NULL, 0): %s servers=%u\n", m ? "handle" : "NULL", m ? memcached_server_count(m) : 0);
    memcached_free(m);
    setenv("LIBMEMCACHED", "--SERVER=abc --SERVER=def:5555", 1);
    m = memcached(NULL, 0);
    printf("memcached(NULL, 0) with $LIBMEMCACHED: %s servers=%u\n", m ? "handle" : "NULL",
           m ? memcached_server_count(m) : 0);
    memcached_free(m);
    setenv("LIBMEMCACHED", "--FOO", 1);
    m = memcached(NULL, 0);
    printf("memcached(NULL, 0) with a bad $LIBMEMCACHED: %s\n", m ? "handle" : "NULL");
    unsetenv("LIBMEMCACHED");

    return harness_finish();
}
