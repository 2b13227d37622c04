/* loadgen.c - ltrio's load generator: echo traffic to 127.0.0.1 over epoll.
**
** Modes:  pingpong  N connections, S-byte messages, one outstanding per connection
**         stream    bulk echo: keep up to a window in flight, report MB/s
**         connect   connect-echo-close with N in flight, report connections/s
**         idle      hold N connections open, report server RSS per connection (--pid)
**         soak      pingpong plus server RSS after warm-up vs end and server fds (--pid)
** Every echoed byte is checked against the pattern sent. The last line printed is
** "RESULT mode=... key=value ..." for scripts. No dependency beyond libc. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { PINGPONG, STREAM, CONNECT, IDLE, SOAK };
enum { SETUP, WARM, RUN, DRAIN, DONE };
enum { C_FREE, C_CONNECTING, C_OPEN };

#define PRIME 251              /* pattern period: byte at stream offset k is (k+seed)%251 */
#define MAXIO (256 * 1024)
#define HIST_US (1 << 21)      /* latency histogram: 1 us buckets up to ~2 s */
#define WINDOW (1024 * 1024)   /* stream mode: bytes in flight per connection */
#define SETUP_INFLIGHT 128     /* connections not yet echoed during set-up */

typedef struct conn {
  int fd, state, idx;
  uint32_t seed;
  uint64_t sent, rcvd, goal;   /* stream offsets; goal: end of the current message */
  uint64_t t0;                 /* start of the current message, us */
  int ready;                   /* first echo received */
} conn;

static int mode, nconns = 100, size = 64, port = 5555, pid = 0, ep;
static double secs = 5, warm = 1;
static int phase = SETUP;
static conn *conns;
static unsigned char *pat, *rbuf;
static uint32_t *hist;
static uint64_t hist_over, nreq, nbytes, nerr, ncorrupt, nready, nopened, nseed;
static const char *errwhat = "";

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + ts.tv_nsec / 1000;
}

static void fail(conn *c, const char *what) {
  nerr++;
  if (nerr <= 5) fprintf(stderr, "loadgen: conn %d: %s%s%s%s\n", c->idx, what, errno ? " (" : "",
                        errno ? strerror(errno) : "", errno ? ")" : "");
  errwhat = what;
}

/* ---- the server process, read through /proc ---- */

static long proc_rss_kb(void) {
  char path[64], line[256];
  long kb = -1;
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld", &kb) == 1) break;
  fclose(f);
  return kb;
}

/* utime + stime of the server, seconds; its utime alone in *user (the engine's own work,
** where a server's system calls are alike). -1 when /proc cannot be read. */
static double proc_cpu_s(double *user) {
  char path[64], buf[1024];
  unsigned long ut = 0, st = 0;
  *user = -1;
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
    return -1;
  *user = (double)ut / sysconf(_SC_CLK_TCK);
  return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int proc_fds(void) {
  char path[64];
  int n = 0;
  snprintf(path, sizeof path, "/proc/%d/fd", pid);
  DIR *d = opendir(path);
  if (!d) return -1;
  for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* ---- connections ---- */

static void conn_close(conn *c) {
  if (c->state == C_FREE) return;
  close(c->fd);   /* also removes it from the epoll set */
  c->state = C_FREE;
}

static void on_event(conn *c, uint32_t ev, uint64_t t);

/* Opens a connection and sends at once: on loopback the handshake is usually done
** when connect returns, which saves a wait; if not, send gets EAGAIN and EPOLLOUT follows. */
static int conn_open(conn *c) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int one = 1;
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) { fail(c, "socket"); return -1; }
  if (mode != CONNECT) setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->state = C_CONNECTING;
  c->sent = c->rcvd = c->goal = 0;
  c->ready = 0;
  c->seed = (uint32_t)(nseed++ * 37 % PRIME);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
  nopened++;
  if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
    fail(c, "connect");
    conn_close(c);
    return -1;
  }
  on_event(c, EPOLLOUT, now_us());
  return 0;
}


/* Writes from c->sent towards c->goal until EAGAIN (epoll is edge-triggered: no epoll_ctl
** per message; EPOLLOUT comes again once the socket drains). */
static int write_some(conn *c) {
  while (c->sent < c->goal) {
    size_t len = c->goal - c->sent, chunk = mode == STREAM ? (size_t)size : MAXIO;
    if (len > chunk) len = chunk;
    ssize_t n = send(c->fd, pat + (c->sent + c->seed) % PRIME, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN) break;
      fail(c, "send");
      return -1;
    }
    c->sent += (uint64_t)n;
  }
  return 0;
}

static void message_start(conn *c, uint64_t t) {
  c->goal = c->sent + (uint64_t)size;
  c->t0 = t;
  write_some(c);
}

/* One message came back whole: record it, then decide what the connection does next. */
static void message_done(conn *c, uint64_t t) {
  if (!c->ready) { c->ready = 1; nready++; }
  if (phase == RUN) {
    uint64_t us = t - c->t0;
    if (us < HIST_US) hist[us]++; else hist_over++;
    nreq++;
    nbytes += (uint64_t)size;
  }
  if (mode == CONNECT) {
    conn_close(c);
    if (phase < DRAIN) conn_open(c);
  } else if (mode != IDLE && phase != SETUP && phase < DRAIN) {   /* set-up: wait for all */
    message_start(c, t);
  }
}

static void on_readable(conn *c, uint64_t t) {
  for (;;) {
    ssize_t n = recv(c->fd, rbuf, MAXIO, 0);
    if (n < 0) {
      if (errno != EAGAIN) { fail(c, "recv"); conn_close(c); }
      return;
    }
    if (n == 0) { errno = 0; fail(c, "unexpected EOF"); conn_close(c); return; }
    if (c->rcvd + (uint64_t)n > c->sent) { errno = 0; fail(c, "more bytes than sent"); }
    const unsigned char *want = pat + (c->rcvd + c->seed) % PRIME;
    if (memcmp(rbuf, want, (size_t)n) != 0) {
      for (ssize_t i = 0; i < n; i++) ncorrupt += rbuf[i] != want[i];
      errno = 0;
      fail(c, "corrupted bytes");
    }
    c->rcvd += (uint64_t)n;
    if (mode == STREAM) {
      if (!c->ready) { c->ready = 1; nready++; }
      if (phase == RUN) nbytes += (uint64_t)n;
      if (phase < DRAIN) { c->goal = c->rcvd + WINDOW; write_some(c); }
    } else if (c->rcvd == c->goal) {
      message_done(c, t);
      if (c->state != C_OPEN) return;
    }
    if (n < MAXIO) return;
  }
}

static void on_event(conn *c, uint32_t ev, uint64_t t) {
  if (c->state == C_CONNECTING) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) {
      errno = err;
      fail(c, "connect");
      conn_close(c);
      if (mode == CONNECT && phase < DRAIN) conn_open(c);
      return;
    }
    if (!(ev & (EPOLLOUT | EPOLLIN))) return;
    c->state = C_OPEN;
    if (mode == STREAM) { c->goal = WINDOW; c->t0 = t; write_some(c); }
    else message_start(c, t);
    return;
  }
  if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c, t);
  if (c->state == C_OPEN && (ev & EPOLLOUT) && write_some(c) < 0) conn_close(c);
}

/* Runs the event loop until 'until' (us) or, when 'stop' is given, until stop() holds. */
static void loop(uint64_t until, int (*stop)(void)) {
  struct epoll_event evs[512];
  for (;;) {
    uint64_t t = now_us();
    if (t >= until || (stop && stop())) return;
    int ms = (int)((until - t) / 1000);
    int n = epoll_wait(ep, evs, 512, ms > 10 ? 10 : ms);
    t = now_us();
    for (int i = 0; i < n; i++) on_event(evs[i].data.ptr, evs[i].events, t);
    if (phase == SETUP) {   /* open more while few are pending their first echo */
      while (nopened < (uint64_t)nconns && (int64_t)(nopened - nready) - (int64_t)nerr < SETUP_INFLIGHT)
        conn_open(&conns[nopened]);
    }
  }
}

static int all_ready(void) { return nready + nerr >= (uint64_t)nconns; }
static int all_quiet(void) {
  for (int i = 0; i < nconns; i++)
    if (conns[i].state != C_FREE && conns[i].rcvd < conns[i].sent) return 0;
  if (mode == CONNECT) for (int i = 0; i < nconns; i++) if (conns[i].state != C_FREE) return 0;
  return 1;
}

static uint64_t percentile(double p) {
  uint64_t want = (uint64_t)(p * (double)nreq), acc = 0;
  if (!nreq) return 0;
  for (uint64_t us = 0; us < HIST_US; us++) if ((acc += hist[us]) >= want && acc) return us;
  return HIST_US;
}

static void usage(void) {
  fprintf(stderr, "usage: loadgen pingpong|stream|connect|idle|soak [-c conns] [-s bytes]"
                  " [-d seconds] [-w warmup] [-p port] [--pid server-pid]\n");
  exit(2);
}

int main(int argc, char **argv) {
  static const char *names[] = {"pingpong", "stream", "connect", "idle", "soak"};
  if (argc < 2) usage();
  mode = -1;
  for (int i = 0; i < 5; i++) if (!strcmp(argv[1], names[i])) mode = i;
  if (mode < 0) usage();
  if (mode == STREAM) { nconns = 1; size = 65536; }
  for (int i = 2; i + 1 < argc; i += 2) {
    const char *o = argv[i], *v = argv[i + 1];
    if (!strcmp(o, "-c")) nconns = atoi(v);
    else if (!strcmp(o, "-s")) size = atoi(v);
    else if (!strcmp(o, "-d")) secs = atof(v);
    else if (!strcmp(o, "-w")) warm = atof(v);
    else if (!strcmp(o, "-p")) port = atoi(v);
    else if (!strcmp(o, "--pid")) pid = atoi(v);
    else usage();
  }
  if (nconns < 1 || size < 1 || size > MAXIO || secs <= 0) usage();
  if ((mode == IDLE || mode == SOAK) && !pid) { fprintf(stderr, "loadgen: %s needs --pid\n", names[mode]); return 2; }

  struct rlimit rl;   /* one fd per connection, plus a few */
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  if ((rlim_t)nconns + 32 > rl.rlim_cur) {
    nconns = (int)rl.rlim_cur - 32;
    printf("note: fd limit %lu allows %d connections\n", (unsigned long)rl.rlim_cur, nconns);
  }

  pat = malloc(PRIME + MAXIO);
  for (int i = 0; i < PRIME + MAXIO; i++) pat[i] = (unsigned char)(i % PRIME);
  rbuf = malloc(MAXIO);
  hist = calloc(HIST_US, sizeof *hist);
  conns = calloc((size_t)nconns, sizeof *conns);
  for (int i = 0; i < nconns; i++) conns[i].idx = i;
  ep = epoll_create1(EPOLL_CLOEXEC);

  long rss0 = pid ? proc_rss_kb() : -1;
  int fds0 = pid ? proc_fds() : -1;
  uint64_t t0 = now_us();
  if (mode == CONNECT) {   /* N in flight from the start */
    phase = WARM;
    for (int i = 0; i < nconns; i++) conn_open(&conns[i]);
    nopened = (uint64_t)nconns;
  } else {
    loop(t0 + 30000000u + (uint64_t)nconns * 2000u, all_ready);
    if (!all_ready()) {
      errwhat = "set-up timed out";
      nerr++;
      fprintf(stderr, "loadgen: set-up timed out: %llu of %d connections echoed, %llu opened\n",
              (unsigned long long)nready, nconns, (unsigned long long)nopened);
    }
  }
  double setup_s = (double)(now_us() - t0) / 1e6;
  if (mode == IDLE) {   /* hold, measure, then prove every connection still echoes */
    phase = WARM;
    loop(now_us() + (uint64_t)(secs * 1e6), NULL);
    long rss1 = proc_rss_kb();
    int fds1 = proc_fds();
    phase = DRAIN;
    uint64_t t = now_us();
    for (int i = 0; i < nconns; i++) if (conns[i].state == C_OPEN) message_start(&conns[i], t);
    loop(now_us() + 10000000u, all_quiet);
    for (int i = 0; i < nconns; i++) if (conns[i].state == C_OPEN && conns[i].rcvd < conns[i].sent) nerr++;
    double per = (double)(rss1 - rss0) * 1024.0 / (double)nconns;
    printf("idle: %d connections, server RSS %ld -> %ld KiB, %.0f bytes per connection,"
           " server fds %d, set-up %.2f s, %llu errors\n",
           nconns, rss0, rss1, per, fds1, setup_s, (unsigned long long)nerr);
    printf("RESULT mode=idle conns=%d bytes_per_conn=%.0f rss0_kb=%ld rss1_kb=%ld fds=%d errors=%llu\n",
           nconns, per, rss0, rss1, fds1, (unsigned long long)nerr);
    return nerr != 0;
  }

  phase = WARM;   /* every connection is up: now they all start */
  if (mode == PINGPONG || mode == SOAK) {
    uint64_t t = now_us();
    for (int i = 0; i < nconns; i++)
      if (conns[i].state == C_OPEN && conns[i].rcvd == conns[i].goal) message_start(&conns[i], t);
  }
  loop(now_us() + (uint64_t)(warm * 1e6), NULL);
  long rss_warm = pid ? proc_rss_kb() : -1;
  int fds_loaded = pid ? proc_fds() : -1;
  double user0 = -1, user1 = -1;
  double cpu0 = pid ? proc_cpu_s(&user0) : -1, self0 = self_cpu_s();
  phase = RUN;
  uint64_t r0 = now_us();
  loop(r0 + (uint64_t)(secs * 1e6), NULL);
  double el = (double)(now_us() - r0) / 1e6;
  double cpu = pid ? proc_cpu_s(&user1) - cpu0 : -1, user = user1 - user0;
  double load = 100.0 * (self_cpu_s() - self0) / el;   /* loadgen's own CPU, % of one core */
  long rss_end = pid ? proc_rss_kb() : -1;
  phase = DRAIN;   /* no new messages; wait for what is in flight */
  loop(now_us() + 5000000u, all_quiet);
  uint64_t lost = 0;
  for (int i = 0; i < nconns; i++) {
    if (conns[i].state != C_FREE) lost += conns[i].sent - conns[i].rcvd;
    conn_close(&conns[i]);
  }
  phase = DONE;
  double rate = (double)(mode == STREAM ? nbytes : nreq) / el;
  double cpu_us = (pid && nreq) ? cpu * 1e6 / (double)nreq : -1;
  double user_us = (pid && nreq && user0 >= 0 && user1 >= 0) ? user * 1e6 / (double)nreq : -1;
  if (mode == STREAM) {
    double cpu_us_mb = pid ? cpu * 1e6 / ((double)nbytes / 1e6) : -1;
    printf("stream: %d conns, %d-byte writes, %.1f MB/s, loadgen CPU %.0f%%, %llu errors%s%s\n", nconns, size,
           rate / 1e6, load, (unsigned long long)nerr, nerr ? ", last: " : "", errwhat);
    printf("RESULT mode=stream conns=%d size=%d mbps=%.1f cpu_us_per_mb=%.0f load_cpu_pct=%.0f errors=%llu corrupt=%llu lost=%llu bytes=%llu\n",
           nconns, size, rate / 1e6, cpu_us_mb, load, (unsigned long long)nerr, (unsigned long long)ncorrupt,
           (unsigned long long)lost, (unsigned long long)nbytes);
    return nerr != 0;
  }
  uint64_t p50 = percentile(0.5), p99 = percentile(0.99);
  const char *unit = mode == CONNECT ? "conns_s" : "rps";
  printf("%s: %d conns, %d bytes, %.0f %s, p50 %llu us, p99 %llu us, server %.2f us CPU/op,"
         " loadgen CPU %.0f%%, %llu errors%s%s\n", names[mode], nconns, size, rate, unit,
         (unsigned long long)p50, (unsigned long long)p99, cpu_us, load, (unsigned long long)nerr, nerr ? ", last: " : "", errwhat);
  if (mode == SOAK) {
    int fds_after = proc_fds();   /* give the server time to close its side */
    for (int i = 0; i < 50 && fds_after > fds0; i++) { usleep(100000); fds_after = proc_fds(); }
    double growth = rss_warm > 0 ? 100.0 * (double)(rss_end - rss_warm) / (double)rss_warm : 0;
    printf("soak: server RSS %ld KiB after warm-up, %ld KiB at end (%+.1f%%); server fds %d before,"
           " %d loaded, %d after; %llu lost bytes, %llu corrupted\n", rss_warm, rss_end, growth,
           fds0, fds_loaded, fds_after, (unsigned long long)lost, (unsigned long long)ncorrupt);
    printf("RESULT mode=soak conns=%d secs=%.0f rps=%.0f errors=%llu corrupt=%llu lost=%llu"
           " rss_warm_kb=%ld rss_end_kb=%ld rss_growth_pct=%.1f fds_before=%d fds_loaded=%d fds_after=%d\n",
           nconns, el, rate, (unsigned long long)nerr, (unsigned long long)ncorrupt,
           (unsigned long long)lost, rss_warm, rss_end, growth, fds0, fds_loaded, fds_after);
    return nerr || ncorrupt || lost || fds_after > fds0;
  }
  printf("RESULT mode=%s conns=%d size=%d %s=%.0f p50_us=%llu p99_us=%llu cpu_us_per_op=%.2f"
         " user_us_per_op=%.2f load_cpu_pct=%.0f errors=%llu corrupt=%llu lost=%llu bytes=%llu\n", names[mode],
         nconns, size, unit, rate, (unsigned long long)p50, (unsigned long long)p99, cpu_us, user_us, load,
         (unsigned long long)nerr,
         (unsigned long long)ncorrupt, (unsigned long long)lost, (unsigned long long)nbytes);
  return nerr != 0;
}
