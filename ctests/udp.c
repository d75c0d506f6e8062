// ctest: udp-server
/*
 * udp.c - handles with MEMCACHED_BEHAVIOR_USE_UDP, ASCII and binary.
 *
 * 1. Against a UDP socket of this program standing in for the server: the
 *    frame header of every datagram (request id, sequence number, datagram
 *    count), the request id rolling over after 1,023 as in 1.1.4 (1,030
 *    sets on one handle), and what quit and free send (nothing).
 * 2. Against a real memcached with UDP on (`-U`, same port number as TCP):
 *    1,025 sets and one of 5,000 bytes (one datagram, as in 1.1.4), a quit, 1,025 deletes of every other key, a quit, free;
 *    values set over UDP are read back over TCP. Each quit and the free are
 *    timed ('#' lines: printed, neither compared nor asserted).
 *
 * UDP may drop datagrams when the sender outpaces the server, so every 100
 * requests the program waits (bounded) until the server has processed the
 * last one, looking over TCP.
 */
#define _POSIX_C_SOURCE 200809L

#include <libmemcached-1.0/memcached.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define KEYS 1025
#define FAKE_SETS 1030

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static memcached_st *udp_handle(int binary, in_port_t port)
{
    memcached_st *m = memcached_create(NULL);
    CHECK(m != NULL);
    CHECK(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, (uint64_t)binary) ==
          MEMCACHED_SUCCESS);
    CHECK(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_USE_UDP, 1) == MEMCACHED_SUCCESS);
    CHECK(memcached_server_add(m, "127.0.0.1", port) == MEMCACHED_SUCCESS);
    return m;
}

/* One datagram from `fd` within `wait_ms` into buf; its length, or -1. */
static ssize_t receive(int fd, unsigned char *buf, size_t size, int wait_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, wait_ms) != 1)
        return -1;
    return recv(fd, buf, size, 0);
}

static unsigned field(const unsigned char *d, size_t at)
{
    return (unsigned)d[at] << 8 | d[at + 1];
}

/* Part 1: the datagrams themselves. */
static void fake_server(int binary)
{
    unsigned char d[2048];
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(fd >= 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);

    printf("fake server, %s\n", binary ? "binary" : "ascii");
    memcached_st *m = udp_handle(binary, ntohs(sa.sin_port));
    unsigned prev = 0;
    int rollovers = 0;
    for (int i = 0; i < FAKE_SETS; i++) {
        char key[32];
        int klen = snprintf(key, sizeof key, "f%d", i);
        memcached_return_t rc = memcached_set(m, key, (size_t)klen, "v", 1, 0, 0);
        EXPECT(rc == MEMCACHED_SUCCESS);
        ssize_t n = receive(fd, d, sizeof d, 2000);
        CHECK(n >= 8);
        unsigned id = field(d, 0);
        if (i == 0) {
            printf("  set %d: rc %d, %zd bytes, id %u seq %u count %u, command %.*s\n",
                   i, (int)rc, n, id, field(d, 2), field(d, 4),
                   binary ? 0 : 3, binary ? "" : (const char *)d + 8);
            if (binary)
                printf("  magic 0x%02x opcode 0x%02x\n", d[8], d[9]);
        } else if (id != prev + 1) {
            rollovers++;
            printf("  set %d: id %u after %u\n", i, id, prev);
        }
        prev = id;
    }
    printf("  last id %u, %d rollover(s)\n", prev, rollovers);

    memcached_quit(m);
    printf("  datagrams after quit: %s\n", receive(fd, d, sizeof d, 100) < 0 ? "none" : "some");
    EXPECT(memcached_set(m, "after-quit", 10, "v", 1, 0, 0) == MEMCACHED_SUCCESS);
    ssize_t n = receive(fd, d, sizeof d, 2000);
    CHECK(n >= 8);
    printf("  set after quit: id %u\n", field(d, 0));
    memcached_free(m);
    printf("  datagrams after free: %s\n", receive(fd, d, sizeof d, 100) < 0 ? "none" : "some");
    close(fd);
}

/* Waits (at most 5 s) until the server holds `key` (present = 1) or not. */
static void settle(memcached_st *tcp, const char *key, int present)
{
    for (int tries = 0; tries < 5000; tries++) {
        memcached_return_t rc = memcached_exist(tcp, key, strlen(key));
        if ((rc == MEMCACHED_SUCCESS) == present)
            return;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    fprintf(stderr, "udp.c: %s never became %s\n", key, present ? "present" : "absent");
}

static void key_of(int binary, int i, char *key, size_t size)
{
    snprintf(key, size, "udp-%s-%d", binary ? "bin" : "ascii", i);
}

/* Part 2: a real memcached. */
static void real_server(int binary, in_port_t port)
{
    char key[64], value[64];
    int failed = 0;
    memcached_st *tcp = harness_handle(binary);
    memcached_st *m = udp_handle(binary, port);

    printf("real server, %s\n", binary ? "binary" : "ascii");
    for (int i = 0; i < KEYS; i++) {
        key_of(binary, i, key, sizeof key);
        int vlen = snprintf(value, sizeof value, "value %d", i);
        memcached_return_t rc = memcached_set(m, key, strlen(key), value, (size_t)vlen, 0, 7);
        if (rc != MEMCACHED_SUCCESS && failed++ < 5)
            printf("  set %d: %d %s\n", i, (int)rc, memcached_strerror(NULL, rc));
        if (i % 100 == 99 || i == KEYS - 1)
            settle(tcp, key, 1);
    }
    printf("  sets: %d failed\n", failed);
    /* Larger than 1,400 bytes: still one datagram (memcslap's values). */
    static char big[5000];
    memset(big, 'b', sizeof big);
    printf("  set of %zu bytes: %d\n", sizeof big,
           (int)memcached_set(m, "udp-big", 7, big, sizeof big, 0, 0));
    settle(tcp, "udp-big", 1);
    double t = now_ms();
    memcached_quit(m);
    printf("# quit after %d sets: %.3f ms\n", KEYS, now_ms() - t);

    failed = 0;
    for (int i = 0; i < KEYS; i += 2) {
        key_of(binary, i, key, sizeof key);
        memcached_return_t rc = memcached_delete(m, key, strlen(key), 0);
        if (rc != MEMCACHED_SUCCESS && failed++ < 5)
            printf("  delete %d: %d %s\n", i, (int)rc, memcached_strerror(NULL, rc));
        if (i % 100 == 98 || i >= KEYS - 2)
            settle(tcp, key, 0);
    }
    printf("  deletes: %d failed\n", failed);
    t = now_ms();
    memcached_quit(m);
    printf("# quit after %d deletes: %.3f ms\n", (KEYS + 1) / 2, now_ms() - t);

    /* One more set after the quits, then free right away. */
    EXPECT(memcached_set(m, "udp-last", 8, "last", 4, 0, 0) == MEMCACHED_SUCCESS);
    t = now_ms();
    memcached_free(m);
    printf("# free: %.3f ms\n", now_ms() - t);
    settle(tcp, "udp-last", 1);

    int right = 0, wrong = 0;
    for (int i = 0; i < KEYS; i++) {
        size_t len;
        uint32_t flags;
        memcached_return_t rc;
        key_of(binary, i, key, sizeof key);
        char *v = memcached_get(tcp, key, strlen(key), &len, &flags, &rc);
        int vlen = snprintf(value, sizeof value, "value %d", i);
        int ok = i % 2 ? (rc == MEMCACHED_SUCCESS && len == (size_t)vlen &&
                          memcmp(v, value, len) == 0 && flags == 7)
                       : rc == MEMCACHED_NOTFOUND;
        if (ok) {
            right++;
        } else if (wrong++ < 5) {
            printf("  get %s: %d %.*s\n", key, (int)rc, v ? (int)len : 0, v ? v : "");
        }
        free(v);
    }
    size_t len;
    uint32_t flags;
    memcached_return_t rc;
    char *v = memcached_get(tcp, "udp-big", 7, &len, &flags, &rc);
    printf("  udp-big over TCP: %d, %zu bytes%s\n", (int)rc, v ? len : 0,
           v && len == sizeof big && memcmp(v, big, len) == 0 ? ", same" : "");
    EXPECT(v != NULL && len == sizeof big);
    free(v);
    printf("  read back over TCP: %d right, %d wrong\n", right, wrong);
    EXPECT(wrong == 0);
    memcached_free(tcp);
}

int main(void)
{
    harness_check_loaded_library();
    const char *colon = strrchr(harness_servers(), ':');
    CHECK(colon != NULL);
    in_port_t port = (in_port_t)atoi(colon + 1);

    for (int binary = 0; binary < 2; binary++) {
        fake_server(binary);
        real_server(binary, port);
    }
    return harness_finish();
}
