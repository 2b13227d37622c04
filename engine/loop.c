/* loop.c - the run loop: batches of runnable tasks, I/O polls, deadline expiry,
** the clock, idle detection (wait_all_tasks_blocked, MockClock autojump) and
** Ctrl-C delivery. A single uv_loop_t serves every run of the process. */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

#define POLL_EVERY_BATCHES 64
#define POLL_EVERY_NS 500000u   /* 0.5 ms */
#define MAX_TIMEOUT 86400.0     /* 24 h */

static uv_loop_t loop;
static uv_timer_t timer;       /* the next deadline, or an idle cushion */
static uv_async_t wakeup;      /* signals and thread results; referenced during runs */
static int loop_ready;
static lt_run_t *current;

static volatile sig_atomic_t interrupt_pending;
static int (*interrupt_hook)(void);
static struct sigaction saved_sigint;
static int sigint_installed;

/* The deadline (or idle cushion) came: end this uv_run. uv_run(UV_RUN_ONCE) runs due
** timers before it polls; without uv_stop a timer that fired there would leave the
** poll to wait with no timeout at all. */
static void on_timer(uv_timer_t *t) { uv_stop(t->loop); }
static void on_wakeup(uv_async_t *a) { (void)a; lt_run_note_event(); }

/* libuv must not get 0, 1 or 2 for its own fds (its exit handler then aborts, and stdio
** would write into its epoll fd): a closed standard fd is pointed at /dev/null first,
** as daemons do. */
static void fill_std_fds(void) {
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    int n = open("/dev/null", O_RDWR);
    if (n >= 0 && n != fd) close(n);  /* not the lowest free number: leave it */
  }
}

uv_loop_t *lt_loop_uv(void) {
  if (!loop_ready) {
    fill_std_fds();
    if (uv_loop_init(&loop) != 0) return NULL;
    uv_timer_init(&loop, &timer);
    uv_unref((uv_handle_t *)&timer);
    uv_async_init(&loop, &wakeup, on_wakeup);
    uv_unref((uv_handle_t *)&wakeup);
    loop_ready = 1;
  }
  return &loop;
}

lt_run_t *lt_run_current(void) { return current; }

void lt_run_note_event(void) {
  if (current != NULL) current->events++;
}

void lt_loop_wakeup(void) {
  if (loop_ready) uv_async_send(&wakeup);
}

/* ---- clock ---- */

void lt_clock_init_mock(lt_clock_t *c, double rate, double autojump) {
  c->mock = 1;
  c->rate = rate;
  c->autojump = autojump;
  c->virt_base = 0.0;
  c->real_base = uv_hrtime();
}

static double clock_now(const lt_clock_t *c) {
  uint64_t real = uv_hrtime();
  if (!c->mock) return (double)real / 1e9;
  return c->virt_base + (double)(real - c->real_base) / 1e9 * c->rate;
}

void lt_clock_set_rate(lt_clock_t *c, double rate) {
  c->virt_base = clock_now(c);
  c->real_base = uv_hrtime();
  c->rate = rate;
}

double lt_run_now(const lt_run_t *r) { return clock_now(&r->clock); }

void lt_clock_jump(lt_run_t *r, double seconds) { r->clock.virt_base += seconds; }

/* Real seconds until the virtual time 'deadline' (INFINITY if it never comes). */
static double real_seconds_until(const lt_run_t *r, double deadline) {
  double dt = deadline - lt_run_now(r);
  if (dt <= 0) return 0;
  if (r->clock.mock) return r->clock.rate > 0 ? dt / r->clock.rate : INFINITY;
  return dt;
}

/* ---- Ctrl-C ---- */

static void on_sigint(int sig) {
  (void)sig;
  int saved = errno;
  /* a second Ctrl-C: the hook raises the pending one in the code running now */
  if (interrupt_pending && interrupt_hook != NULL && interrupt_hook()) interrupt_pending = 0;
  else interrupt_pending = 1;
  lt_loop_wakeup();
  errno = saved;
}

void lt_run_interrupt(void) { on_sigint(SIGINT); }

void lt_run_set_interrupt_hook(int (*hook)(void)) { interrupt_hook = hook; }

static void install_sigint(void) {
  struct sigaction sa;
  sigint_installed = 0;
  if (sigaction(SIGINT, NULL, &saved_sigint) != 0) return;
  if (saved_sigint.sa_handler == SIG_IGN) return;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGINT, &sa, NULL) == 0) sigint_installed = 1;
}

static void deliver_interrupt(lt_run_t *r) {
  interrupt_pending = 0;
  lt_task_t *t = r->main;
  if (t == NULL || t->state == LT_TASK_DONE) {  /* tasks of orphaned nurseries are left */
    r->interrupted_late = 1;
    lt_scope_interrupt_all(&r->root);
    return;
  }
  lt_task_interrupt(t);
}

void lt_run_poll_interrupt(void) {
  if (interrupt_pending && current != NULL) deliver_interrupt(current);
}

/* ---- runs ---- */

int lt_run_begin(lt_run_t *r, const lt_clock_t *clock, lt_step_cb step, void *ud) {
  if (current != NULL) return -EBUSY;
  if (lt_loop_uv() == NULL) return -ENOMEM;
  memset(r, 0, sizeof *r);
  lt_list_init(&r->runq);
  lt_list_init(&r->idle_waiters);
  lt_deadlines_init(&r->deadlines);
  if (clock != NULL) r->clock = *clock;
  else r->clock.mock = 0;
  r->step = step;
  r->step_ud = ud;
  r->last_poll = uv_hrtime();
  current = r;
  lt_scope_init(&r->root, INFINITY, 0);
  lt_scope_open(&r->root, NULL);
  uv_ref((uv_handle_t *)&wakeup);
  interrupt_pending = 0;
  install_sigint();
  return 0;
}

void lt_run_end(lt_run_t *r) {
  if (sigint_installed) sigaction(SIGINT, &saved_sigint, NULL);
  sigint_installed = 0;
  uv_timer_stop(&timer);
  uv_unref((uv_handle_t *)&wakeup);
  lt_deadlines_free(&r->deadlines);
  lt_scope_close(&r->root, 0);
  current = NULL;
}

static int wait_idle_abort(lt_task_t *t, void *data, int err) {
  (void)data, (void)err;
  lt_list_remove(&t->wait_node);
  return 1;
}

void lt_run_wait_idle(lt_run_t *r, lt_task_t *t, double cushion) {
  lt_list_t *n = r->idle_waiters.next;
  while (n != &r->idle_waiters && lt_container_of(n, lt_task_t, wait_node)->wait_key <= cushion)
    n = n->next;
  t->wait_key = cushion;
  lt_list_push(n, &t->wait_node);  /* before n: the list stays sorted by cushion */
  lt_task_park(t, wait_idle_abort, NULL);
}

static void expire_deadlines(lt_run_t *r) {
  lt_scope_t *s;
  if (lt_deadlines_top(&r->deadlines) == NULL) return;
  double now = lt_run_now(r);
  while ((s = lt_deadlines_top(&r->deadlines)) != NULL && s->deadline <= now) lt_scope_cancel(s, LT_CANCEL_DEADLINE);
}

static void poll_nowait(lt_run_t *r) {
  lt_io_check_bare();  /* right before libuv applies poll changes */
  uv_run(&loop, UV_RUN_NOWAIT);
  r->last_poll = uv_hrtime();
  r->batches_since_poll = 0;
}

/* Wakes the idle waiters with the smallest cushion. */
static void wake_idle_waiters(lt_run_t *r) {
  double key = lt_container_of(r->idle_waiters.next, lt_task_t, wait_node)->wait_key;
  while (!lt_list_empty(&r->idle_waiters)) {
    lt_task_t *t = lt_container_of(r->idle_waiters.next, lt_task_t, wait_node);
    if (t->wait_key != key) break;
    lt_list_remove(&t->wait_node);
    lt_task_reschedule(t, 0);
  }
}

/* Nothing is runnable: wait for I/O, a deadline, a wakeup, or idleness. */
static void poll_blocking(lt_run_t *r) {
  uint64_t events = r->events;
  lt_scope_t *next = lt_deadlines_top(&r->deadlines);
  int may_idle = !lt_list_empty(&r->idle_waiters) ||
                 (r->clock.mock && next != NULL && r->clock.autojump < INFINITY);
  if (may_idle) {  /* idleness is judged only after a poll that saw nothing */
    poll_nowait(r);
    if (r->events != events || !lt_list_empty(&r->runq) || interrupt_pending) return;
    next = lt_deadlines_top(&r->deadlines);
  }

  double timeout = next != NULL ? real_seconds_until(r, next->deadline) : INFINITY;
  double idle = INFINITY;
  int idle_kind = 0;  /* 1: wait_all_tasks_blocked, 2: autojump */
  if (!lt_list_empty(&r->idle_waiters)) {
    idle = lt_container_of(r->idle_waiters.next, lt_task_t, wait_node)->wait_key;
    idle_kind = 1;
  } else if (r->clock.mock && next != NULL && r->clock.autojump < INFINITY) {
    idle = r->clock.autojump;  /* as Trio: no autojump while a task waits for idleness */
    idle_kind = 2;
  }
  if (idle_kind && idle <= timeout) timeout = idle;
  else idle_kind = 0;

  if (timeout > 0) {
    lt_io_check_bare();  /* right before libuv applies poll changes; it may wake tasks */
    if (!lt_list_empty(&r->runq)) return;
    if (timeout < INFINITY) {
      double ms = ceil(timeout * 1000.0);
      if (ms > MAX_TIMEOUT * 1000.0) ms = MAX_TIMEOUT * 1000.0;
      uv_update_time(&loop);
      uv_timer_start(&timer, on_timer, (uint64_t)ms, 0);
      uv_ref((uv_handle_t *)&timer);
    }
    uv_run(&loop, UV_RUN_ONCE);
    uv_timer_stop(&timer);
    uv_unref((uv_handle_t *)&timer);
    r->last_poll = uv_hrtime();
    r->batches_since_poll = 0;
    if (r->events != events || !lt_list_empty(&r->runq) || interrupt_pending) return;
  }
  if (idle_kind == 1) {
    wake_idle_waiters(r);
  } else if (idle_kind == 2) {
    double dt = next->deadline - lt_run_now(r);
    if (dt > 0) lt_clock_jump(r, dt);
  }
}

static void run_batch(lt_run_t *r) {
  lt_list_t batch;
  lt_list_init(&batch);
  lt_list_splice(&batch, &r->runq);
  while (!lt_list_empty(&batch)) {
    lt_task_t *t = lt_container_of(batch.next, lt_task_t, run_node);
    lt_list_t *n1 = t->run_node.next;  /* the next two steps, for the cache */
    if (r->prefetch && n1 != &batch) {
      r->prefetch(lt_container_of(n1, lt_task_t, run_node), 1);
      if (n1->next != &batch) r->prefetch(lt_container_of(n1->next, lt_task_t, run_node), 2);
    }
    lt_list_remove(&t->run_node);
    t->state = LT_TASK_RUNNING;
    r->step(t, r->step_ud);
  }
}

int lt_run_loop(lt_run_t *r) {
  while (!r->stop) {
    expire_deadlines(r);  /* a clock jump or an elapsed deadline may make tasks runnable */
    if (lt_list_empty(&r->runq)) {
      poll_blocking(r);
    } else if (++r->batches_since_poll >= POLL_EVERY_BATCHES ||
               uv_hrtime() - r->last_poll >= POLL_EVERY_NS) {
      poll_nowait(r);
    }
    if (interrupt_pending) deliver_interrupt(r);
    expire_deadlines(r);
    run_batch(r);
  }
  if (interrupt_pending) {  /* came during the last step: the run still raises it (Trio) */
    interrupt_pending = 0;
    r->interrupted_late = 1;
  }
  return 0;
}
