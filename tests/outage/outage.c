/*
 * Server outages through the C API (issue 16), run by tests/outage.rs over
 * our library and over Debian's 1.1.4.
 *
 * Usage: outage SCENARIO ascii|binary
 *
 * Starts its own memcached processes on loopback (stopped by PID before it
 * exits), checks every value it reads, and prints one line
 * `RESULT ops=N failed=N wrong=N ms=N lib=PATH`:
 *
 *   restart      one server restarted under an idle connection; 5 ops
 *   killed       3 servers, the seed settings, one killed; 25 rounds of
 *                set+get on 60 keys, memcached_quit after each
 *   hung         3 servers, one SIGSTOPped, the seed settings with 300 ms
 *                timeouts; 8 rounds of set+get on 30 keys 0.25 s apart,
 *                memcached_quit after each
 *   hung-noquit  the same without memcached_quit between rounds
 *   proxy        one server behind a proxy (a child process of this
 *                program) that resets (RST) every connection idle for
 *                150 ms, as a NAT box or firewall does; 8 ops 300 ms apart
 *                (get, set, get, incr, append, get, a multi-get)
 */
#define _POSIX_C_SOURCE 200809L
#include <libmemcached/memcached.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SERVERS 3

static pid_t pids[MAX_SERVERS];
static int ports[MAX_SERVERS];
static int nservers;
static unsigned long ops, failed, wrong;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("free_port");
        exit(2);
    }
    close(fd);
    return ntohs(a.sin_port);
}

static int listening(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    int ok;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static void start_server(int i) {
    char port[16];
    pid_t pid;
    double deadline = now_ms() + 5000;
    snprintf(port, sizeof port, "%d", ports[i]);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 1);
        dup2(null, 2);
        if (geteuid() == 0)
            execlp("memcached", "memcached", "-l", "127.0.0.1", "-p", port, "-U", "0", "-u",
                   "nobody", (char *)NULL);
        else
            execlp("memcached", "memcached", "-l", "127.0.0.1", "-p", port, "-U", "0",
                   (char *)NULL);
        _exit(127);
    }
    pids[i] = pid;
    while (!listening(ports[i])) {
        if (now_ms() > deadline) {
            fprintf(stderr, "memcached on port %d did not start\n", ports[i]);
            exit(2);
        }
        sleep_ms(10);
    }
}

static void kill_server(int i) {
    if (pids[i] > 0) {
        kill(pids[i], SIGCONT);
        kill(pids[i], SIGKILL);
        waitpid(pids[i], NULL, 0);
        pids[i] = 0;
    }
}

static void stop_all(void) {
    for (int i = 0; i < nservers; i++)
        kill_server(i);
}

/* The resetting proxy: forwards 127.0.0.1:listen_port to the server on
 * target_port; a connection pair with no traffic for PROXY_IDLE_MS is
 * aborted with an RST towards the client. Runs in a child process (stopped
 * by PID at exit) until it is killed. */
#define PROXY_IDLE_MS 150
#define PROXY_PAIRS 16
static pid_t proxy_pid;

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void abort_pair(int *pair) {
    struct linger lg = {1, 0};
    setsockopt(pair[0], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(pair[0]);
    close(pair[1]);
    pair[0] = pair[1] = -1;
}

static void proxy_loop(int lfd, int target_port) {
    int pairs[PROXY_PAIRS][2];
    double last[PROXY_PAIRS];
    for (int i = 0; i < PROXY_PAIRS; i++)
        pairs[i][0] = pairs[i][1] = -1;
    for (;;) {
        struct pollfd fds[1 + 2 * PROXY_PAIRS];
        int n = 0;
        fds[n++] = (struct pollfd){lfd, POLLIN, 0};
        for (int i = 0; i < PROXY_PAIRS; i++)
            for (int j = 0; j < 2; j++)
                fds[n++] = (struct pollfd){pairs[i][j], POLLIN, 0};
        if (poll(fds, (nfds_t)n, 20) < 0 && errno != EINTR)
            _exit(3);
        if (fds[0].revents & POLLIN) {
            int c = accept(lfd, NULL, NULL);
            int u = c >= 0 ? connect_to(target_port) : -1;
            int slot = -1;
            for (int i = 0; i < PROXY_PAIRS && slot < 0; i++)
                if (pairs[i][0] < 0)
                    slot = i;
            if (c >= 0 && u >= 0 && slot >= 0) {
                pairs[slot][0] = c;
                pairs[slot][1] = u;
                last[slot] = now_ms();
            } else {
                if (c >= 0)
                    close(c);
                if (u >= 0)
                    close(u);
            }
        }
        for (int i = 0; i < PROXY_PAIRS; i++) {
            for (int j = 0; j < 2 && pairs[i][0] >= 0; j++) {
                char buf[65536];
                ssize_t got;
                if (!(fds[1 + 2 * i + j].revents & (POLLIN | POLLHUP | POLLERR)))
                    continue;
                got = read(pairs[i][j], buf, sizeof buf);
                if (got <= 0 || write(pairs[i][1 - j], buf, (size_t)got) != got) {
                    abort_pair(pairs[i]);
                    break;
                }
                last[i] = now_ms();
            }
            if (pairs[i][0] >= 0 && now_ms() - last[i] > PROXY_IDLE_MS)
                abort_pair(pairs[i]);
        }
    }
}

/* Start the proxy in front of server 0; returns its port. */
static int start_proxy(void) {
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int one = 1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 16) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &len) != 0) {
        perror("proxy");
        exit(2);
    }
    proxy_pid = fork();
    if (proxy_pid < 0) {
        perror("fork");
        exit(2);
    }
    if (proxy_pid == 0)
        proxy_loop(lfd, ports[0]);
    close(lfd);
    return ntohs(a.sin_port);
}

static void stop_proxy(void) {
    if (proxy_pid > 0) {
        kill(proxy_pid, SIGKILL);
        waitpid(proxy_pid, NULL, 0);
        proxy_pid = 0;
    }
}

static memcached_st *handle(int binary, int timeout_ms) {
    memcached_st *memc = memcached_create(NULL);
    for (int i = 0; i < nservers; i++)
        memcached_server_add(memc, "127.0.0.1", (in_port_t)ports[i]);
    memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, (uint64_t)binary);
    if (timeout_ms > 0) {
        /* The seed settings (timeouts given in ms; SND/RCV are in µs). */
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_TCP_KEEPALIVE, 1);
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT,
                               (uint64_t)(timeout_ms == 750 ? 2000 : timeout_ms));
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_SND_TIMEOUT, (uint64_t)timeout_ms * 1000);
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, (uint64_t)timeout_ms * 1000);
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT,
                               (uint64_t)(timeout_ms == 750 ? 2000 : timeout_ms));
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA, 1);
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 1);
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 2);
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_DEAD_TIMEOUT, 30);
    }
    return memc;
}

static void op_set(memcached_st *memc, const char *key, const char *value) {
    memcached_return_t rc =
        memcached_set(memc, key, strlen(key), value, strlen(value), 0, 0);
    ops++;
    if (rc != MEMCACHED_SUCCESS) {
        failed++;
        if (failed <= 3)
            fprintf(stderr, "set %s: %s\n", key, memcached_last_error_message(memc));
    }
}

/* expect NULL: a miss is the right answer. */
static void op_get(memcached_st *memc, const char *key, const char *expect) {
    size_t len = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char *v = memcached_get(memc, key, strlen(key), &len, &flags, &rc);
    ops++;
    if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTFOUND) {
        failed++;
        if (failed <= 3)
            fprintf(stderr, "get %s: %s\n", key, memcached_last_error_message(memc));
    } else if (expect == NULL ? v != NULL
                              : (v == NULL || len != strlen(expect) || memcmp(v, expect, len))) {
        wrong++;
    }
    free(v);
}

static void rounds(memcached_st *memc, int n, int keys, long pause_ms, int quit, const char *tag) {
    char key[32], value[64];
    for (int r = 0; r < n; r++) {
        for (int k = 0; k < keys; k++) {
            snprintf(key, sizeof key, "key%d", k);
            snprintf(value, sizeof value, "%s-%d-%d", tag, r, k);
            op_set(memc, key, value);
            op_get(memc, key, value);
        }
        if (quit)
            memcached_quit(memc);
        if (pause_ms && r + 1 < n)
            sleep_ms(pause_ms);
    }
}

static void print_lib(void) {
    char line[4096];
    FILE *maps = fopen("/proc/self/maps", "r");
    while (maps && fgets(line, sizeof line, maps)) {
        char *p = strstr(line, "libmemcached.so");
        if (p) {
            char *path = strchr(line, '/');
            line[strcspn(line, "\n")] = 0;
            printf(" lib=%s", path ? path : p);
            break;
        }
    }
    if (maps)
        fclose(maps);
}

int main(int argc, char **argv) {
    const char *scenario;
    int binary;
    memcached_st *memc;
    double t0, ms;
    if (argc != 3) {
        fprintf(stderr, "usage: outage SCENARIO ascii|binary\n");
        return 2;
    }
    scenario = argv[1];
    binary = strcmp(argv[2], "binary") == 0;
    signal(SIGPIPE, SIG_IGN);
    atexit(stop_all);

    if (strcmp(scenario, "restart") == 0) {
        nservers = 1;
        ports[0] = free_port();
        start_server(0);
        memc = handle(binary, 0);
        op_set(memc, "k0", "v0");
        op_get(memc, "k0", "v0");
        if (failed || wrong)
            return 1;
        ops = 0;
        kill_server(0);
        start_server(0);
        sleep_ms(100);
        t0 = now_ms();
        op_get(memc, "k0", NULL);
        op_set(memc, "k1", "v1");
        op_get(memc, "k1", "v1");
        op_set(memc, "k2", "v2");
        op_get(memc, "k2", "v2");
    } else if (strcmp(scenario, "proxy") == 0) {
        uint64_t n = 0;
        const char *keys[] = {"k0", "k1"};
        size_t lens[] = {2, 2};
        nservers = 1;
        ports[0] = free_port();
        start_server(0);
        atexit(stop_proxy);
        memc = memcached_create(NULL);
        memcached_server_add(memc, "127.0.0.1", (in_port_t)start_proxy());
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, (uint64_t)binary);
        op_set(memc, "k0", "v0");
        op_set(memc, "n", "1");
        if (failed || wrong)
            return 1;
        ops = 0;
        t0 = now_ms();
        /* Each operation finds its connection reset while it was idle. */
        sleep_ms(300);
        op_get(memc, "k0", "v0");
        sleep_ms(300);
        op_set(memc, "k1", "v1");
        sleep_ms(300);
        op_get(memc, "k1", "v1");
        sleep_ms(300);
        ops++;
        if (memcached_increment(memc, "n", 1, 1, &n) != MEMCACHED_SUCCESS) {
            failed++;
            fprintf(stderr, "incr: %s\n", memcached_last_error_message(memc));
        } else if (n != 2) {
            wrong++;
        }
        sleep_ms(300);
        ops++;
        if (memcached_append(memc, "k0", 2, "+", 1, 0, 0) != MEMCACHED_SUCCESS) {
            failed++;
            fprintf(stderr, "append: %s\n", memcached_last_error_message(memc));
        }
        sleep_ms(300);
        op_get(memc, "k0", "v0+");
        sleep_ms(300);
        ops++;
        if (memcached_mget(memc, keys, lens, 2) != MEMCACHED_SUCCESS) {
            failed++;
            fprintf(stderr, "mget: %s\n", memcached_last_error_message(memc));
        } else {
            memcached_return_t rc;
            memcached_result_st *r;
            int found = 0;
            while ((r = memcached_fetch_result(memc, NULL, &rc)) != NULL) {
                found++;
                memcached_result_free(r);
            }
            if (rc != MEMCACHED_END && rc != MEMCACHED_NOTFOUND)
                failed++;
            else if (found != 2)
                wrong++;
        }
        sleep_ms(300);
        op_get(memc, "k1", "v1");
    } else {
        int hung = strncmp(scenario, "hung", 4) == 0;
        int quit = strcmp(scenario, "hung-noquit") != 0;
        if (!hung && strcmp(scenario, "killed") != 0) {
            fprintf(stderr, "unknown scenario %s\n", scenario);
            return 2;
        }
        nservers = 3;
        for (int i = 0; i < 3; i++) {
            ports[i] = free_port();
            start_server(i);
        }
        memc = handle(binary, hung ? 300 : 750);
        rounds(memc, 1, 60, 0, quit, "warm");
        if (failed || wrong) {
            fprintf(stderr, "warm-up failed\n");
            return 1;
        }
        ops = 0;
        if (hung)
            kill(pids[1], SIGSTOP);
        else
            kill_server(1);
        sleep_ms(50);
        t0 = now_ms();
        if (hung)
            rounds(memc, 8, 30, 250, quit, "req");
        else
            rounds(memc, 25, 60, 0, quit, "req");
    }
    ms = now_ms() - t0;
    printf("RESULT ops=%lu failed=%lu wrong=%lu ms=%.0f", ops, failed, wrong, ms);
    print_lib();
    printf("\n");
    memcached_free(memc);
    return 0;
}
