/* io.c - fd waiting: the fd-indexed table of lt_io_t and its sticky uv_poll_t handles. */
#include "io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "loop.h"

static lt_io_t *table;      /* indexed by fd; entries past table_len are all empty */
static int table_len;
static long handles_alive;  /* poll handles between uv_poll_init and uv_close */
static long waiting[2];     /* parked tasks per direction */

static const int dir_event[2] = {UV_READABLE, UV_WRITABLE};

/* The entry of 'fd', growing the table; NULL on allocation failure. */
static lt_io_t *slot(int fd) {
  if (fd >= table_len) {
    int n = table_len ? table_len : 64;
    while (n <= fd) n *= 2;
    lt_io_t *t = realloc(table, (size_t)n * sizeof *t);
    if (!t) return NULL;
    memset(t + table_len, 0, (size_t)(n - table_len) * sizeof *t);
    table = t;
    table_len = n;
  }
  return &table[fd];
}

static void free_cb(uv_handle_t *h) { free(h); }

/* A poll handle's 'data' packs its fd and the UV_READABLE|UV_WRITABLE events it is
** started with (0: stopped), which keeps the fd table at three pointers per fd. */
#define EVENT_BITS 2
_Static_assert((UV_READABLE | UV_WRITABLE) < (1 << EVENT_BITS), "poll events fit in EVENT_BITS");
static int poll_fd(const uv_poll_t *p) { return (int)((intptr_t)p->data >> EVENT_BITS); }
static int poll_events(const uv_poll_t *p) { return (int)((intptr_t)p->data & ((1 << EVENT_BITS) - 1)); }
static void set_poll(uv_poll_t *p, int fd, int events) {
  p->data = (void *)(((intptr_t)fd << EVENT_BITS) | events);
}

/* Stops and releases the poll handle of 'io' (uv_close stops it: one epoll DEL). */
static void release(lt_io_t *io) {
  if (!io->poll) return;
  uv_close((uv_handle_t *)io->poll, free_cb);
  io->poll = NULL;
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
    }
    set_poll(h, fd, ev);
  }
}

int lt_io_wait(int fd, int dir, lt_task_t *t) {
  if (fd < 0) return -EBADF;
  lt_io_t *io = slot(fd);
  if (!io) return -ENOMEM;
  if (io->waiter[dir]) return LT_EBUSY;
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
  }
  io->waiter[dir] = t;
  waiting[dir]++;
  return 0;
}

int lt_io_abort(lt_task_t *task, void *data, int err) {
  (void)err;
  intptr_t d = (intptr_t)data;
  int fd = (int)(d / 2), dir = (int)(d % 2);
  if (fd < table_len && table[fd].waiter[dir] == task) {
    table[fd].waiter[dir] = NULL;
    waiting[dir]--;
  }
  return 1;
}

void lt_io_close(int fd) {
  if (fd < 0 || fd >= table_len) return;
  lt_io_t *io = &table[fd];
  wake(io, LT_IO_READ, LT_ECLOSED);
  wake(io, LT_IO_WRITE, LT_ECLOSED);
  release(io);
}

void lt_io_forget(int fd) {
  if (fd < 0 || fd >= table_len) return;
  release(&table[fd]);
}

void lt_io_release_idle(int fd) {
  if (fd < 0 || fd >= table_len) return;
  lt_io_t *io = &table[fd];
  if (io->waiter[LT_IO_READ] == NULL && io->waiter[LT_IO_WRITE] == NULL) release(io);
}

long lt_io_handles(void) { return handles_alive; }

long lt_io_waiting(int dir) { return waiting[dir & 1]; }
