/* c_libuv_echo.c - the reference echo server: raw C on libuv uv_tcp_t, written as a
** careful C programmer would. Usage: c_libuv_echo PORT [READ_SIZE]
** Reads land in one shared buffer (default: libuv's suggested 64 KiB); each read is
** written back at once with uv_try_write, and only a remainder the kernel did not take
** is copied into a uv_write request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef struct { uv_write_t req; uv_buf_t buf; } wreq_t;

static uv_loop_t *loop;
static char *rbuf;
static size_t rsize;

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h; (void)suggested;
  *buf = uv_buf_init(rbuf, (unsigned)rsize);   /* consumed in on_read before the next read */
}

static void on_close(uv_handle_t *h) { free(h); }

static void on_write(uv_write_t *req, int status) {
  wreq_t *w = (wreq_t *)req;
  (void)status;
  free(w->buf.base);
  free(w);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  if (n < 0) { uv_close((uv_handle_t *)s, on_close); return; }
  if (n == 0) return;
  uv_buf_t b = uv_buf_init(buf->base, (unsigned)n);
  int done = uv_stream_get_write_queue_size(s) ? UV_EAGAIN : uv_try_write(s, &b, 1);
  if (done == n) return;
  if (done < 0 && done != UV_EAGAIN) { uv_close((uv_handle_t *)s, on_close); return; }
  if (done < 0) done = 0;
  wreq_t *w = malloc(sizeof *w);   /* the rest waits in a write request of its own */
  w->buf = uv_buf_init(malloc((size_t)n - (size_t)done), (unsigned)(n - done));
  memcpy(w->buf.base, buf->base + done, (size_t)(n - done));
  uv_write(&w->req, s, &w->buf, 1, on_write);
}

static void on_conn(uv_stream_t *server, int status) {
  if (status < 0) return;
  uv_tcp_t *c = malloc(sizeof *c);
  uv_tcp_init(loop, c);
  if (uv_accept(server, (uv_stream_t *)c) == 0) {
    uv_tcp_nodelay(c, 1);
    uv_read_start((uv_stream_t *)c, on_alloc, on_read);
  } else {
    uv_close((uv_handle_t *)c, on_close);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: c_libuv_echo PORT [READ_SIZE]\n"); return 2; }
  rsize = argc > 2 ? (size_t)atoi(argv[2]) : 65536;
  rbuf = malloc(rsize);
  loop = uv_default_loop();
  uv_tcp_t server;
  struct sockaddr_in addr;
  uv_tcp_init(loop, &server);
  uv_ip4_addr("127.0.0.1", atoi(argv[1]), &addr);
  int r = uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0);
  if (!r) r = uv_listen((uv_stream_t *)&server, 4096, on_conn);
  if (r) { fprintf(stderr, "c_libuv_echo: %s\n", uv_strerror(r)); return 1; }
  fprintf(stderr, "c_libuv_echo: libuv %s, %zu-byte reads, port %s\n", uv_version_string(), rsize, argv[1]);
  return uv_run(loop, UV_RUN_DEFAULT);
}
