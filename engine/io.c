/* io.c - fd waiting: the fd-indexed table of lt_io_t and its sticky uv_poll_t handles. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errors.h"
#include "loop.h"

static lt_io_t *table;      /* indexed by fd; entries past table_len are all empty */
static size_t table_len;
static long handles_alive;  /* poll handles in use: initialised, not kept, not closed */
static long waiting[2];     /* parked tasks per direction */

static const int dir_event[2] = {UV_READABLE, UV_WRITABLE};

/* The entry of 'fd' (open, so below the process's fd limit), growing the table;
** NULL on allocation failure. */
static lt_io_t *slot(int fd) {
  if ((size_t)fd >= table_len) {
    size_t n = table_len ? table_len : 64;
    while (n <= (size_t)fd) n *= 2;
    lt_io_t *t = realloc(table, n * sizeof *t);
    if (!t) return NULL;
    memset(t + table_len, 0, (n - table_len) * sizeof *t);
    table = t;
    table_len = n;
  }
  return &table[fd];
}

static void free_cb(uv_handle_t *h) { free(h); }

/* ---- bare fds closed behind our back ----
** A bare fd (not an ltrio socket: trio.lowlevel.wait_readable(fd), FdStream) may be
** closed by its owner without notify_closing, a misuse Trio survives. libuv applies a
** poll's changes at its next epoll_wait and aborts the process if epoll_ctl fails
** there (EBADF for a closed fd; ENOENT or EPERM when the number now names another
** file). So each bare fd with a handle is listed with the identity of its open file,
** and before each poll (lt_io_check_bare) those whose poll changed are checked: a
** closed or replaced fd wakes its waiters with EBADF and loses its handle instead. */
typedef struct {
  int fd;
  int changed;  /* uv_poll_start since the last check */
  dev_t dev;
  ino_t ino;
} bare_t;

static bare_t *bare;
static int bare_n, bare_cap;

static bare_t *bare_find(int fd) {
  for (int i = 0; i < bare_n; i++)
    if (bare[i].fd == fd) return &bare[i];
  return NULL;
}

/* Lists 'fd' (a new bare handle) with its file's identity; -errno on failure. */
static int bare_add(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return -errno;
  if (bare_n == bare_cap) {
    int n = bare_cap ? bare_cap * 2 : 8;
    bare_t *b = realloc(bare, (size_t)n * sizeof *b);
    if (!b) return -ENOMEM;
    bare = b;
    bare_cap = n;
  }
  bare[bare_n++] = (bare_t){.fd = fd, .changed = 1, .dev = st.st_dev, .ino = st.st_ino};
  return 0;
}

static void bare_forget(int fd) {
  bare_t *b = bare_find(fd);
  if (b) *b = bare[--bare_n];
}

static void bare_changed(int fd) {
  bare_t *b = bare_find(fd);
  if (b) b->changed = 1;
}

/* A poll handle's 'data' packs its fd, the KEPT bit and the UV_READABLE|UV_WRITABLE
** events it is started with (0: stopped), which keeps the fd table at three pointers
** per fd. */
#define EVENT_BITS 2
#define KEPT_BIT (1 << EVENT_BITS)
#define FD_SHIFT (EVENT_BITS + 1)
_Static_assert((UV_READABLE | UV_WRITABLE) < (1 << EVENT_BITS), "poll events fit in EVENT_BITS");
static int poll_fd(const uv_poll_t *p) { return (int)((intptr_t)p->data >> FD_SHIFT); }
static int poll_events(const uv_poll_t *p) { return (int)((intptr_t)p->data & (KEPT_BIT - 1)); }
static int poll_kept(const uv_poll_t *p) { return ((intptr_t)p->data & KEPT_BIT) != 0; }
static void set_poll(uv_poll_t *p, int fd, int events) {
  p->data = (void *)(((intptr_t)fd << FD_SHIFT) | events);
}

/* Stops and releases the poll handle of 'io' (uv_close stops it: one epoll DEL). */
static void release(lt_io_t *io) {
  if (!io->poll) return;
  bare_forget(poll_fd(io->poll));
  if (!poll_kept(io->poll)) handles_alive--;
  uv_close((uv_handle_t *)io->poll, free_cb);
  io->poll = NULL;
}

/* Stops the poll handle of a socket's fd that is about to be closed and keeps it
** for the next socket that gets the same fd number: uv_poll_init costs an epoll
** ADD and DEL and an ioctl, which a new connection then does not pay. Only sockets
** reuse a kept handle (lt_io_wait_sock): any other kind of fd may not be pollable. */
static void keep(lt_io_t *io) {
  if (!io->poll || poll_kept(io->poll)) return;
  bare_forget(poll_fd(io->poll));
  uv_poll_stop(io->poll);
  set_poll(io->poll, poll_fd(io->poll), KEPT_BIT);
  handles_alive--;
}

static void wake(lt_io_t *io, int dir, int outcome) {
  lt_task_t *t = io->waiter[dir];
  if (!t) return;
  io->waiter[dir] = NULL;
  waiting[dir]--;
  lt_task_reschedule(t, outcome);
}

static void poll_cb(uv_poll_t *h, int status, int events) {
  int fd = poll_fd(h);
  lt_io_t *io = &table[fd];
  lt_run_note_event();
  if (io->poll != h) return;  /* a stale event for a released handle */
  if (status < 0) {
    /* libuv stopped the handle (POLLERR): both sides retry their call and see the error */
    set_poll(h, fd, 0);
    wake(io, LT_IO_READ, 0);
    wake(io, LT_IO_WRITE, 0);
    return;
  }
  int fired = events & (UV_READABLE | UV_WRITABLE);
  if (events & UV_DISCONNECT) fired |= UV_READABLE;
  int wanted = (io->waiter[LT_IO_READ] ? UV_READABLE : 0) |
               (io->waiter[LT_IO_WRITE] ? UV_WRITABLE : 0);
  int idle = fired & ~wanted & poll_events(h);
  if (fired & UV_READABLE) wake(io, LT_IO_READ, 0);
  if (fired & UV_WRITABLE) wake(io, LT_IO_WRITE, 0);
  if (idle) {  /* nobody waits that way: narrow the interest */
    int ev = poll_events(h) & ~idle;
    if (ev == 0 || uv_poll_start(h, ev, poll_cb) != 0) {
      uv_poll_stop(h);
      ev = 0;
    } else {
      bare_changed(fd);
    }
    set_poll(h, fd, ev);
  }
}

static int wait_fd(int fd, int dir, lt_task_t *t, int is_socket) {
  if (fd < 0) return -EBADF;
  /* a number past the table is checked first: the table grows only for open fds */
  if ((size_t)fd >= table_len && fcntl(fd, F_GETFD) < 0) return -errno;
  lt_io_t *io = slot(fd);
  if (!io) return -ENOMEM;
  if (io->waiter[dir]) return LT_EBUSY;
  if (io->poll && poll_kept(io->poll)) {
    if (is_socket) {
      set_poll(io->poll, fd, 0);
      handles_alive++;
    } else {
      release(io);
    }
  }
  if (!io->poll) {
    uv_loop_t *loop = lt_loop_uv();
    if (!loop) return -ENOMEM;
    uv_poll_t *p = malloc(sizeof *p);
    if (!p) return -ENOMEM;
    int r = uv_poll_init(loop, p, fd);
    if (r != 0) {
      free(p);
      return r == UV_EPERM ? 1 : r;  /* a regular file is always ready */
    }
    if (!is_socket && (r = bare_add(fd)) != 0) {
      uv_close((uv_handle_t *)p, free_cb);
      return r;
    }
    set_poll(p, fd, 0);
    uv_unref((uv_handle_t *)p);  /* waits keep the run alive, not the handle */
    io->poll = p;
    handles_alive++;
  }
  int started = poll_events(io->poll), ev = started | dir_event[dir];
  if (ev != started) {
    int r = uv_poll_start(io->poll, ev, poll_cb);
    if (r != 0) return r;
    set_poll(io->poll, fd, ev);
    bare_changed(fd);
  }
  io->waiter[dir] = t;
  waiting[dir]++;
  return 0;
}

int lt_io_wait(int fd, int dir, lt_task_t *t) { return wait_fd(fd, dir, t, 0); }

int lt_io_wait_sock(int fd, int dir, lt_task_t *t) { return wait_fd(fd, dir, t, 1); }

int lt_io_abort(lt_task_t *task, void *data, int err) {
  (void)err;
  intptr_t d = (intptr_t)data;
  int fd = (int)(d / 2), dir = (int)(d % 2);
  if ((size_t)fd < table_len && table[fd].waiter[dir] == task) {
    table[fd].waiter[dir] = NULL;
    waiting[dir]--;
  }
  return 1;
}

/* notify_closing: wakes the waiters of 'fd' with LT_ECLOSED, then 'done' (release
** or keep) takes care of its poll handle. */
static void notify_closing(int fd, void (*done)(lt_io_t *)) {
  if (fd < 0 || (size_t)fd >= table_len) return;
  lt_io_t *io = &table[fd];
  wake(io, LT_IO_READ, LT_ECLOSED);
  wake(io, LT_IO_WRITE, LT_ECLOSED);
  done(io);
}

void lt_io_close(int fd) { notify_closing(fd, release); }

void lt_io_close_sock(int fd) { notify_closing(fd, keep); }

void lt_io_release_idle(int fd) {
  if (fd < 0 || (size_t)fd >= table_len) return;
  lt_io_t *io = &table[fd];
  if (io->waiter[LT_IO_READ] == NULL && io->waiter[LT_IO_WRITE] == NULL) release(io);
}

void lt_io_check_bare(void) {
  for (int i = bare_n - 1; i >= 0; i--) {  /* backwards: release() removes entries */
    if (!bare[i].changed) continue;
    bare[i].changed = 0;
    int fd = bare[i].fd;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_dev == bare[i].dev && st.st_ino == bare[i].ino) continue;
    lt_io_t *io = &table[fd];
    wake(io, LT_IO_READ, -EBADF);
    wake(io, LT_IO_WRITE, -EBADF);
    release(io);
  }
}

long lt_io_handles(void) { return handles_alive; }

long lt_io_waiting(int dir) { return waiting[dir & 1]; }
