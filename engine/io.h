/* io.h - fd waiting: a process-wide, fd-indexed table of lt_io_t, one uv_poll_t
** per fd shared by sockets and bare-fd waits, one reader and one writer slot each.
**
** The poll stays started across waits (sticky interest) and is narrowed only when
** an event arrives for a direction nobody waits on, so a connection that keeps
** reading costs no epoll_ctl per wait. Fds that cannot be polled (regular files)
** are always ready. A socket's handle outlives its fd, stopped, for the next socket
** with that fd number: a new connection then skips uv_poll_init's system calls. */
#ifndef LT_IO_H
#define LT_IO_H

#include <stdint.h>
#include <uv.h>

#include "task.h"

enum { LT_IO_READ = 0, LT_IO_WRITE = 1 };

typedef struct {
  uv_poll_t *poll;        /* separately allocated; freed in its close callback; NULL
                          ** until the first wait and after lt_io_close. Its 'data'
                          ** holds the fd and the events it is started with */
  lt_task_t *waiter[2];   /* parked reader / writer, or NULL */
} lt_io_t;

/* Registers 't' as the waiter of 'fd' in direction 'dir' (LT_IO_READ/LT_IO_WRITE)
** and starts the poll if needed. Returns 0: the caller must now park 't' with
** lt_io_abort and the data LT_IO_DATA(fd, dir) (l_park does both) and yield; the
** poll callback wakes it with lt_task_reschedule(t, 0) once the fd is ready (or
** with LT_ECLOSED when the fd is closed by lt_io_close). Returns 1 when the fd
** cannot be polled (regular file): it is ready, nothing is registered. Returns
** LT_EBUSY if another task waits in that direction, or a negative errno (-EBADF
** for a bad fd, -ENOMEM). Never parks or reschedules by itself. */
int lt_io_wait(int fd, int dir, lt_task_t *t);

/* lt_io_wait for an fd known to be a socket (an lt_sock_t's): it may take over the
** poll handle kept from the last socket closed with that fd number. */
int lt_io_wait_sock(int fd, int dir, lt_task_t *t);

#define LT_IO_DATA(fd, dir) ((void *)(intptr_t)((fd) * 2 + (dir)))

/* The abort callback of an I/O wait: clears the slot, keeps the poll sticky,
** returns 1 (I/O waits are always promptly cancellable). */
int lt_io_abort(lt_task_t *task, void *data, int err);

/* notify_closing: wakes every waiter of 'fd' with LT_ECLOSED, stops and releases
** its poll handle. Call it before close(fd). The fd stays open. Never runs Lua. */
void lt_io_close(int fd);

/* lt_io_close for a socket's fd: the stopped poll handle is kept for the next
** socket with that fd number (lt_io_wait_sock). */
void lt_io_close_sock(int fd);


/* Releases the poll of 'fd' if no task waits on it (after a wait on a bare fd: the
** owner may close the fd without notify_closing, and a later fd with the same
** number must not inherit a registration the kernel already dropped). */
void lt_io_release_idle(int fd);

/* Before each poll: a bare fd (not a socket) whose poll changed but which was closed
** or replaced behind the engine's back wakes its waiters with -EBADF and loses its
** handle (libuv would abort on it). */
void lt_io_check_bare(void);

/* Counters for io_statistics / engine_statistics. */
long lt_io_handles(void);    /* poll handles in use (not closed, not kept for reuse) */
long lt_io_waiting(int dir); /* tasks parked in that direction */

#endif
