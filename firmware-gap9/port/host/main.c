/* The native virtual device: the firmware core behind a Unix or loopback TCP socket, or behind a
 * pseudo-terminal that a host opens like the tty of a USB-UART bridge.
 * Prints "READY <address>" on stdout once it accepts connections, serves one host at a time, and
 * keeps serving after a host disconnects (like a board that stays powered). */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "bt/device.h"
#include "bt/version.h"

/* What the native build reports: GAP9's memory and cluster, so that plans made here hold there. */
static const bt_region host_regions[] = {
    {"L2", 0x1C000000u, 1536u * 1024u},
    {"L1", 0x10000000u, 128u * 1024u},
};

static _Alignas(16) uint8_t host_arena[BT_ARENA_BYTES];

static const bt_device_info host_info = {
    /* one core: the native build runs the parallel-for serially */
    "host", 370000000u, 1u, BT_FEATURE_FPU_F32, 2u, host_regions, host_arena, BT_ARENA_BYTES,
};

typedef struct link_out {
    int fd;
    bool is_socket; /* send() on sockets (no SIGPIPE), write() on the pty master */
    uint8_t buf[16384];
    size_t n;
    bool broken;
} link_out;

static void flush_out(link_out *out)
{
    size_t off = 0;
    while (off < out->n && !out->broken) {
        ssize_t k = out->is_socket ? send(out->fd, out->buf + off, out->n - off, MSG_NOSIGNAL)
                                   : write(out->fd, out->buf + off, out->n - off);
        if (k < 0) {
            if (errno == EINTR) {
                continue;
            }
            out->broken = true;
            break;
        }
        off += (size_t)k;
    }
    out->n = 0;
}

static void write_out(void *ctx, const uint8_t *data, size_t len)
{
    link_out *out = (link_out *)ctx;
    while (len > 0) {
        if (out->n == sizeof out->buf) {
            flush_out(out);
        }
        size_t room = sizeof out->buf - out->n;
        size_t k = len < room ? len : room;
        memcpy(out->buf + out->n, data, k);
        out->n += k;
        data += k;
        len -= k;
    }
}

static uint64_t now_us(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s (--unix PATH | --tcp HOST:PORT | --pty) [--once]\n"
            "  Native virtual GAP9 speaking the BioTrain protocol %u.%u (firmware %s).\n"
            "  --unix PATH      listen on a Unix socket (a stale socket file is replaced)\n"
            "  --tcp HOST:PORT  listen on TCP; HOST must be a loopback address; PORT 0 picks one\n"
            "  --pty            serve on a new pseudo-terminal in raw mode, like a UART bridge's tty;\n"
            "                   its slave side is printed as READY serial:/dev/pts/N\n"
            "  --once           exit after the first host disconnects\n",
            argv0, BT_PROTO_MAJOR, BT_PROTO_MINOR, BT_FIRMWARE_VERSION);
    return 2;
}

static int listen_unix(const char *path, char *address, size_t address_len)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, "error: socket path too long (%zu bytes, at most %zu): %s\n", strlen(path),
                sizeof sa.sun_path - 1, path);
        return -1;
    }
    strcpy(sa.sun_path, path);

    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            fprintf(stderr, "error: %s exists and is not a socket; refusing to replace it\n", path);
            return -1;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
            close(probe);
            fprintf(stderr, "error: socket path %s is taken: another process is listening on it\n", path);
            return -1;
        }
        if (probe >= 0) {
            close(probe);
        }
        unlink(path); /* stale socket from a process that is gone */
    }

    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1) != 0) {
        fprintf(stderr, "error: cannot listen on %s: %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    snprintf(address, address_len, "unix:%s", path);
    return fd;
}

static int listen_tcp(const char *spec, char *address, size_t address_len)
{
    char host[64];
    const char *colon = strrchr(spec, ':');
    if (colon == NULL || (size_t)(colon - spec) >= sizeof host) {
        fprintf(stderr, "error: --tcp wants HOST:PORT, got %s\n", spec);
        return -1;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, "error: bad TCP port in %s\n", spec);
        return -1;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || (ntohl(sa.sin_addr.s_addr) >> 24) != 127u) {
        fprintf(stderr, "error: the virtual device only listens on loopback (127.x.x.x), got %s\n", host);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        fprintf(stderr, "error: cannot listen on %s: %s\n", spec, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    snprintf(address, address_len, "tcp:%s:%u", host, ntohs(sa.sin_port));
    return fd;
}

/* A pty master in raw mode: no echo, no line editing, no CR/LF translation, 8 bits, VMIN 1.
 * Termios requests on a Linux pty master act on its slave, so the slave is raw before any host
 * opens it (a host that sets its own termios, like SerialPort, changes nothing that matters). */
static int open_pty(char *address, size_t address_len)
{
    int fd = posix_openpt(O_RDWR | O_NOCTTY);
    if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0) {
        fprintf(stderr, "error: cannot create a pseudo-terminal: %s\n", strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    const char *slave = ptsname(fd);
    struct termios tio;
    if (slave == NULL || tcgetattr(fd, &tio) != 0) {
        fprintf(stderr, "error: cannot set up the pseudo-terminal: %s\n", strerror(errno));
        close(fd);
        return -1;
    }
    tio.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF);
    tio.c_oflag &= ~(tcflag_t)OPOST;
    tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB);
    tio.c_cflag |= CS8 | CREAD | CLOCAL;
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &tio) != 0) {
        fprintf(stderr, "error: cannot put the pseudo-terminal in raw mode: %s\n", strerror(errno));
        close(fd);
        return -1;
    }
    snprintf(address, address_len, "serial:%s", slave);
    return fd;
}

/* While no host has the slave open, the master polls POLLHUP (and reads fail with EIO) at once,
 * so a short sleep stands in for "wait until a host opens it". */
static void wait_for_pty_host(int fd)
{
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, -1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0 || (p.revents & POLLHUP) == 0) {
            return;
        }
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

static bt_device device; /* large (frame buffers): static, not on the stack */

/* Serves one host until it leaves: EOF or an error on a socket, EIO on the pty master (the host
 * closed the slave). */
static void serve(int fd, bool is_socket)
{
    if (is_socket) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* fails harmlessly on Unix sockets */
    }
    static link_out out;
    out.fd = fd;
    out.is_socket = is_socket;
    out.n = 0;
    out.broken = false;
    bt_port port = {write_out, NULL, now_us, &out};
    bt_device_init(&device, &port, &host_info);
    uint8_t buf[16384];
    for (;;) {
        ssize_t n = is_socket ? recv(fd, buf, sizeof buf, 0) : read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        bt_device_feed(&device, buf, (size_t)n);
        flush_out(&out);
        if (out.broken) {
            break;
        }
    }
}

static int serve_pty(bool once)
{
    char address[160];
    int fd = open_pty(address, sizeof address);
    if (fd < 0) {
        return 1;
    }
    printf("READY %s\n", address);
    fflush(stdout);
    do {
        wait_for_pty_host(fd);
        serve(fd, false);
    } while (!once);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    const char *unix_path = NULL;
    const char *tcp = NULL;
    bool pty = false;
    bool once = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--unix") == 0 && i + 1 < argc) {
            unix_path = argv[++i];
        } else if (strcmp(argv[i], "--tcp") == 0 && i + 1 < argc) {
            tcp = argv[++i];
        } else if (strcmp(argv[i], "--pty") == 0) {
            pty = true;
        } else if (strcmp(argv[i], "--once") == 0) {
            once = true;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("bt-device-host %s (protocol %u.%u)\n", BT_FIRMWARE_VERSION, BT_PROTO_MAJOR, BT_PROTO_MINOR);
            return 0;
        } else {
            return usage(argv[0]);
        }
    }
    if ((unix_path != NULL) + (tcp != NULL) + pty != 1) {
        return usage(argv[0]);
    }
    signal(SIGPIPE, SIG_IGN);
    if (pty) {
        return serve_pty(once);
    }

    char address[160];
    int listener = unix_path ? listen_unix(unix_path, address, sizeof address)
                             : listen_tcp(tcp, address, sizeof address);
    if (listener < 0) {
        return 1;
    }
    printf("READY %s\n", address);
    fflush(stdout);

    do {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "error: accept failed: %s\n", strerror(errno));
            break;
        }
        serve(fd, true);
        close(fd);
    } while (!once);

    close(listener);
    if (unix_path) {
        unlink(unix_path);
    }
    return 0;
}
