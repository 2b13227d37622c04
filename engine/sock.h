/* sock.h - sockets as raw non-blocking, close-on-exec fds: thin system call
** wrappers that return 0 (or a count / an fd) or a negative errno, never touch
** errno for the caller, and never block. */
#ifndef LT_SOCK_H
#define LT_SOCK_H

#include <sys/socket.h>
#include <sys/types.h>

typedef struct {
  int fd;                  /* -1 once closed or detached */
  int family, type, proto; /* as created or read from the fd; kept after close */
  unsigned shut_wr : 1;    /* a SHUT_WR or SHUT_RDWR shutdown succeeded */
  unsigned stream_sending : 1; /* the send conflict detector of the SocketStream over it */
} lt_sock_t;

/* Marks 's' closed (fd -1). Call before anything can fail, so closing is safe. */
void lt_sock_init(lt_sock_t *s);

/* Creates a socket (SOCK_CLOEXEC|SOCK_NONBLOCK) into 's'. 0 or -errno. */
int lt_sock_open(lt_sock_t *s, int family, int type, int proto);

/* Makes 's' own 'fd': sets O_NONBLOCK and reads SO_DOMAIN/SO_TYPE/SO_PROTOCOL.
** On failure (not a socket: -ENOTSOCK) 's' stays closed and 'fd' is untouched. */
int lt_sock_adopt(lt_sock_t *s, int fd);

/* Makes 's' own 'fd', already non-blocking, whose attributes are known (accept). */
void lt_sock_own(lt_sock_t *s, int fd, int family, int type, int proto);

/* socketpair(2) into 'a' and 'b' (CLOEXEC, NONBLOCK). 0 or -errno. */
int lt_sock_pair(lt_sock_t *a, lt_sock_t *b, int family, int type, int proto);

/* Wakes the fd's waiters with LT_ECLOSED (lt_io_close), then closes it. Idempotent.
** Also for __gc: a task may wait on the bare fd number (wait_readable(fd)). */
void lt_sock_close(lt_sock_t *s);
/* Gives up the fd without closing it (waiters are woken with LT_ECLOSED). Returns it. */
int lt_sock_detach(lt_sock_t *s);

/* A close-on-exec duplicate of 'fd' (F_DUPFD_CLOEXEC), or -errno. */
int lt_sock_dupfd(int fd);

/* The wrappers below return the count / new fd, or -errno (-EAGAIN: wait). */
int lt_sock_accept(int fd, struct sockaddr *addr, socklen_t *len);  /* accept4 CLOEXEC|NONBLOCK */
/* 0 when connected, -EINPROGRESS when under way (wait writable, then
** lt_sock_connect_result), or -errno. */
int lt_sock_connect(int fd, const struct sockaddr *addr, socklen_t len);
int lt_sock_connect_result(int fd);  /* SO_ERROR as 0 or -errno */
ssize_t lt_sock_recv(int fd, void *buf, size_t n, int flags);
ssize_t lt_sock_recvfrom(int fd, void *buf, size_t n, int flags,
                         struct sockaddr *addr, socklen_t *len);
ssize_t lt_sock_recvmsg(int fd, struct msghdr *msg, int flags);  /* adds MSG_CMSG_CLOEXEC */
ssize_t lt_sock_send(int fd, const void *buf, size_t n, int flags);  /* adds MSG_NOSIGNAL */
ssize_t lt_sock_sendto(int fd, const void *buf, size_t n, int flags,
                       const struct sockaddr *addr, socklen_t len);
ssize_t lt_sock_sendmsg(int fd, const struct msghdr *msg, int flags);
/* sendfile(2) of up to 'count' bytes from 'in' at '*offset' (advanced), with
** SIGPIPE blocked in this thread and a pending one consumed: never kills the process. */
ssize_t lt_sock_sendfile(int out, int in, off_t *offset, size_t count);
/* write(2) on any fd (pipes too) with the same SIGPIPE guard; the count or -errno. */
ssize_t lt_fd_write(int fd, const void *buf, size_t n);

/* 1 if 'fd' has data (poll POLLIN, timeout 0), 0 if not, or -errno. */
int lt_sock_readable(int fd);

/* Sockets open through lt_sock_* (for engine_statistics). */
long lt_sock_count(void);

#endif
