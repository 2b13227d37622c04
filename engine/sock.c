/* sock.c - thin socket system call wrappers: 0/n or -errno, never blocking. */
#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/sendfile.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

static long sockets_open;

void lt_sock_init(lt_sock_t *s) {
  memset(s, 0, sizeof *s);
  s->fd = -1;
}

void lt_sock_own(lt_sock_t *s, int fd, int family, int type, int proto) {
  s->fd = fd;
  s->family = family;
  s->type = type;
  s->proto = proto;
  sockets_open++;
}

int lt_sock_open(lt_sock_t *s, int family, int type, int proto) {
  int fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
  if (fd < 0) return -errno;
  lt_sock_own(s, fd, family, type & ~(SOCK_CLOEXEC | SOCK_NONBLOCK), proto);
  return 0;
}

static int getint(int fd, int opt, int *v) {
  socklen_t len = sizeof *v;
  return getsockopt(fd, SOL_SOCKET, opt, v, &len) == 0 ? 0 : -errno;
}

int lt_sock_adopt(lt_sock_t *s, int fd) {
  int family, type, proto, r;
  if ((r = getint(fd, SO_DOMAIN, &family)) || (r = getint(fd, SO_TYPE, &type)) ||
      (r = getint(fd, SO_PROTOCOL, &proto)))
    return r;
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -errno;
  lt_sock_own(s, fd, family, type, proto);
  return 0;
}

int lt_sock_pair(lt_sock_t *a, lt_sock_t *b, int family, int type, int proto) {
  int fds[2];
  if (socketpair(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, proto, fds) != 0) return -errno;
  type &= ~(SOCK_CLOEXEC | SOCK_NONBLOCK);
  lt_sock_own(a, fds[0], family, type, proto);
  lt_sock_own(b, fds[1], family, type, proto);
  return 0;
}

void lt_sock_close(lt_sock_t *s) {
  if (s->fd < 0) return;
  int fd = s->fd;
  s->fd = -1;
  sockets_open--;
  lt_io_close_sock(fd);
  close(fd);
}

int lt_sock_detach(lt_sock_t *s) {
  int fd = s->fd;
  if (fd < 0) return -1;
  s->fd = -1;
  sockets_open--;
  lt_io_close(fd);
  return fd;
}

int lt_sock_dupfd(int fd) {
  int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return r < 0 ? -errno : r;
}

int lt_sock_accept(int fd, struct sockaddr *addr, socklen_t *len) {
  int r = accept4(fd, addr, len, SOCK_CLOEXEC | SOCK_NONBLOCK);
  return r < 0 ? -errno : r;
}

int lt_sock_connect(int fd, const struct sockaddr *addr, socklen_t len) {
  return connect(fd, addr, len) == 0 ? 0 : -errno;
}

int lt_sock_connect_result(int fd) {
  int e = 0, r = getint(fd, SO_ERROR, &e);
  return r ? r : -e;
}

ssize_t lt_sock_recv(int fd, void *buf, size_t n, int flags) {
  ssize_t r = recv(fd, buf, n, flags);
  return r < 0 ? -errno : r;
}

ssize_t lt_sock_recvfrom(int fd, void *buf, size_t n, int flags,
                         struct sockaddr *addr, socklen_t *len) {
  ssize_t r = recvfrom(fd, buf, n, flags, addr, len);
  return r < 0 ? -errno : r;
}

ssize_t lt_sock_recvmsg(int fd, struct msghdr *msg, int flags) {
  ssize_t r = recvmsg(fd, msg, flags | MSG_CMSG_CLOEXEC);
  return r < 0 ? -errno : r;
}

ssize_t lt_sock_send(int fd, const void *buf, size_t n, int flags) {
  ssize_t r = send(fd, buf, n, flags | MSG_NOSIGNAL);
  return r < 0 ? -errno : r;
}

ssize_t lt_sock_sendto(int fd, const void *buf, size_t n, int flags,
                       const struct sockaddr *addr, socklen_t len) {
  ssize_t r = sendto(fd, buf, n, flags | MSG_NOSIGNAL, addr, len);
  return r < 0 ? -errno : r;
}

ssize_t lt_sock_sendmsg(int fd, const struct msghdr *msg, int flags) {
  ssize_t r = sendmsg(fd, msg, flags | MSG_NOSIGNAL);
  return r < 0 ? -errno : r;
}

/* SIGPIPE blocked in this thread around a call that may raise it ('pipe' and 'old'
** are filled), then (pipe_unblock) a pending one consumed when the call failed with
** EPIPE and the signal was not blocked before. */
static void pipe_block(sigset_t *pipe, sigset_t *old) {
  sigemptyset(pipe);
  sigaddset(pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, pipe, old);
}

static void pipe_unblock(const sigset_t *pipe, const sigset_t *old, int err) {
  if (err == EPIPE && !sigismember(old, SIGPIPE)) {
    struct timespec zero = {0, 0};
    while (sigtimedwait(pipe, NULL, &zero) < 0 && errno == EINTR) {}
  }
  pthread_sigmask(SIG_SETMASK, old, NULL);
}

ssize_t lt_sock_sendfile(int out, int in, off_t *offset, size_t count) {
  sigset_t pipe, old;
  pipe_block(&pipe, &old);
  ssize_t r = sendfile(out, in, offset, count);
  int err = r < 0 ? errno : 0;
  pipe_unblock(&pipe, &old, err);
  return err ? -err : r;
}

ssize_t lt_fd_write(int fd, const void *buf, size_t n) {
  sigset_t pipe, old;
  pipe_block(&pipe, &old);
  ssize_t r = write(fd, buf, n);
  int err = r < 0 ? errno : 0;
  pipe_unblock(&pipe, &old, err);
  return err ? -err : r;
}

int lt_sock_readable(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int r = poll(&p, 1, 0);
  if (r < 0) return -errno;
  return r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) ? 1 : 0;
}

long lt_sock_count(void) { return sockets_open; }
