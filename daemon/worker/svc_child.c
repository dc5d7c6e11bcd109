/*
 * svc_child.c: asynchronous child processes for plugins: argv only, captured
 * and capped output, timeouts that kill the whole process group, fair caps,
 * and on request (a check's children) the group killed when the child exits.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2 */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "rdd.h"
#include "spawn.h"

#define CHILD_DEFAULT_MAX 32
#define CHILD_DEFAULT_TIMEOUT_MS 60000
#define CHILD_DEFAULT_CAP (64 * 1024)
#define CHILD_KILL_AFTER_MS 2000	/* SIGTERM, then this, then SIGKILL */
#define CHILD_EOF_GRACE_MS 100		/* pipes after the child is reaped */
#define CHILD_WATCH_AFTER_MS 20 /* pipes polled once it runs this long */
#define CHILD_POLL_MS 50		/* waitpid polling without pidfd */
#define CHILD_READS_PER_EVENT 16	/* let other events run too */

extern char **environ;

struct child_stream {
	struct child_job *j;
	int fd;
	struct event *ev;
	char *buf;
	size_t len, alloc;
};

struct child_job {
	struct fairq_ent fq;	/* first: fairq_pop hands this back */
	struct child_job *prev, *next;
	struct svc_child *s;
	uint64_t h;
	const void *owner;	/* a key only, never dereferenced */
	rdd_child_cb cb;
	void *arg;
	int cancelled;
	unsigned flags; /* SVC_CHILD_* */

	char **argv;
	char **env;		/* the spec's additions only */
	char *cwd;
	char *input;
	size_t input_len, input_off;
	int64_t timeout_ms;
	size_t cap;

	pid_t pid;		/* also the process group id */
	uint64_t tag;		/* the caller's, handed to the spawn hook */
	int pidfd;
	int in_fd;
	struct event *ev_in;
	struct event *ev_exit;	/* pidfd readable, or the polling timer */
	struct event *ev_timeout;
	struct event *ev_grace; /* pipe watch, EOF grace, or spawn failure */
	struct child_stream out, err;
	int term_sent;
	int reaped;
	int wstatus;
	int wstatus_valid;
	int timed_out;
	int truncated;
	int spawn_errno;
	int64_t t0;
};

struct svc_child {
	struct event_base *base;
	size_t max;
	uint64_t next_h;
	struct fairq q;
	struct child_job *head, *tail;	/* every job, queued or running */
	int depth;			/* callbacks running now */
	int dying;			/* freed from inside a callback */
	uint64_t tag;			/* given to jobs made from now on */
	svc_child_spawn_fn spawn_fn;	/* told each tagged child's group */
	void *spawn_arg;
	int devnull;			/* every child's stdin without input */
};

static void child_dispatch(struct svc_child *s);
static void child_watch_pipes(struct child_job *j);
static void child_finish(struct child_job *j);
static void child_destroy(struct svc_child *s);

static int64_t
child_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timeval
child_tv(int64_t ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

/* kill(2) of the child's group; never with a pid that would hit our own. */
static void
child_kill_group(struct child_job *j, int sig)
{
	if (j->pid > 1)
		(void)kill(-j->pid, sig);
}

static char **
child_strv_dup(const char *const *v)
{
	char **r;
	size_t n, i;

	if (v == NULL)
		return NULL;
	for (n = 0; v[n] != NULL; n++)
		;
	if ((r = calloc(n + 1, sizeof(*r))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((r[i] = strdup(v[i])) == NULL) {
			while (i > 0)
				free(r[--i]);
			free(r);
			return NULL;
		}
	}
	return r;
}

static void
child_strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/*
 * The daemon's environment with the spec's "K=V" entries replacing or adding
 * keys. Built before fork because the child may only make async-signal-safe
 * calls. The strings are borrowed, only the array is allocated.
 */
static char **
child_envp(char **add)
{
	char **r;
	size_t ne, na, n = 0, i, k, klen;
	const char *eq;
	int replaced;

	for (ne = 0; environ != NULL && environ[ne] != NULL; ne++)
		;
	for (na = 0; add[na] != NULL; na++)
		;
	if ((r = calloc(ne + na + 1, sizeof(*r))) == NULL)
		return NULL;
	for (i = 0; i < ne; i++) {
		eq = strchr(environ[i], '=');
		klen = eq != NULL ? (size_t)(eq - environ[i]) :
		    strlen(environ[i]);
		replaced = 0;
		for (k = 0; k < na && !replaced; k++)
			if (strncmp(add[k], environ[i], klen) == 0 &&
			    add[k][klen] == '=')
				replaced = 1;
		if (!replaced)
			r[n++] = environ[i];
	}
	for (k = 0; k < na; k++)
		r[n++] = add[k];
	r[n] = NULL;
	return r;
}

static void
child_stream_close(struct child_stream *st)
{
	if (st->ev != NULL) {
		event_free(st->ev);
		st->ev = NULL;
	}
	if (st->fd != -1) {
		close(st->fd);
		st->fd = -1;
	}
}

static int
child_done(const struct child_job *j)
{
	return j->reaped && j->out.fd == -1 && j->err.fd == -1;
}

static void
child_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child_stream *st = arg;
	struct child_job *j = st->j;
	char scratch[16384], *nb;
	size_t want, na;
	ssize_t n;
	int i;

	for (i = 0; i < CHILD_READS_PER_EVENT; i++) {
		if (st->len < j->cap) {
			if (st->alloc < st->len + 4096 + 1 &&
			    st->alloc < j->cap + 1) {
				na = st->alloc ? st->alloc * 2 : 4096;
				if (na > j->cap + 1)
					na = j->cap + 1;
				if ((nb = realloc(st->buf, na)) == NULL)
					goto discard;
				st->buf = nb;
				st->alloc = na;
			}
			want = st->alloc - 1 - st->len;
			if (want > j->cap - st->len)
				want = j->cap - st->len;
			n = read(fd, st->buf + st->len, want);
			if (n > 0)
				st->len += (size_t)n;
		} else {
discard:
			n = read(fd, scratch, sizeof(scratch));
			if (n > 0)
				j->truncated = 1;
		}
		if (n > 0)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		/* EOF, or an error that leaves nothing more to read. */
		child_stream_close(st);
		if (child_done(j))
			child_finish(j);
		return;
	}
}

/*
 * A write to a pipe whose reader is gone raises SIGPIPE, which would kill a
 * daemon that did not ignore it. Block it for the write and swallow the one
 * this write raised, so the module does not depend on the daemon's setup.
 */
static ssize_t
child_write_nosigpipe(int fd, const void *buf, size_t len)
{
	sigset_t pipeset, old;
	struct timespec zero = { 0, 0 };
	ssize_t n;
	int e;

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &old);
	n = write(fd, buf, len);
	e = errno;
	if (n == -1 && e == EPIPE)
		(void)sigtimedwait(&pipeset, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return n;
}

static void
child_stdin_close(struct child_job *j)
{
	if (j->ev_in != NULL) {
		event_free(j->ev_in);
		j->ev_in = NULL;
	}
	if (j->in_fd != -1) {
		close(j->in_fd);
		j->in_fd = -1;
	}
}

static void
child_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child_job *j = arg;
	ssize_t n;

	while (j->input_off < j->input_len) {
		n = child_write_nosigpipe(fd, j->input + j->input_off,
		    j->input_len - j->input_off);
		if (n > 0) {
			j->input_off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		break;	/* EPIPE: the child does not read its input */
	}
	child_stdin_close(j);
}

static void
child_reaped(struct child_job *j)
{
	struct timeval tv;

	if (j->ev_exit != NULL) {
		event_free(j->ev_exit);
		j->ev_exit = NULL;
	}
	if (j->pidfd != -1) {
		close(j->pidfd);
		j->pidfd = -1;
	}
	j->reaped = 1;
	child_stdin_close(j);
	if (child_done(j)) {
		child_finish(j);
		return;
	}
	/* A grandchild holds the pipes: give it a moment, then end it. */
	child_watch_pipes(j);
	tv = child_tv(CHILD_EOF_GRACE_MS);
	evtimer_add(j->ev_grace, &tv);
}

/*
 * SVC_CHILD_KILL_GROUP: the child has exited; end what it left in its group
 * before reaping it. Until then the zombie holds its pid, which is also the
 * group's id, so no new process can take that id and be hit by mistake.
 * Returns 0 while the child still runs.
 */
static int
child_exited_kill_group(struct child_job *j)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)j->pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1)
		return errno != EINTR; /* ECHILD: reaped elsewhere, let it be */
	if (si.si_pid == 0)
		return 0;
	child_kill_group(j, SIGKILL);
	return 1;
}

/*
 * What a child that has exited wrote is in the pipes: read without waiting.
 * Most checks end before their pipes were ever watched, which saves each
 * two epoll_ctl to add and two to remove (issue 13).
 */
static void
child_drain(struct child_job *j)
{
	if (j->out.fd != -1)
		child_read_cb(j->out.fd, EV_READ, &j->out);
	if (j->err.fd != -1)
		child_read_cb(j->err.fd, EV_READ, &j->err);
}

static void
child_exit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child_job *j = arg;
	pid_t r;
	int st;

	if (j->flags & SVC_CHILD_KILL_GROUP) {
		/* A readable pidfd says it has exited: no need to ask. */
		if (j->pidfd != -1 && (what & EV_READ))
			child_kill_group(j, SIGKILL);
		else if (!child_exited_kill_group(j))
			return;
	}
	r = waitpid(j->pid, &st, WNOHANG);
	if (r == 0 || (r == -1 && errno == EINTR))
		return;
	if (r == j->pid) {
		j->wstatus = st;
		j->wstatus_valid = 1;
	}
	/* -1 ECHILD: someone reaped it (SIGCHLD ignored); status unknown. */
	child_drain(j);
	child_reaped(j);
}

static void
child_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child_job *j = arg;

	if (!j->reaped) {
		/*
		 * Still running: from now on its output is read as it comes,
		 * or one that writes more than a pipe holds would wait for us.
		 */
		child_watch_pipes(j);
		return;
	}
	child_kill_group(j, SIGKILL);
	child_stream_close(&j->out);
	child_stream_close(&j->err);
	child_finish(j);
}

static void
child_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child_job *j = arg;
	struct timeval tv;

	if (!j->term_sent) {
		j->timed_out = 1;
		j->term_sent = 1;
		child_kill_group(j, SIGTERM);
		tv = child_tv(CHILD_KILL_AFTER_MS);
		evtimer_add(j->ev_timeout, &tv);
		return;
	}
	child_kill_group(j, SIGKILL);
}

static int
child_stream_watch(struct child_job *j, struct child_stream *st)
{
	st->j = j;
	if (st->fd == -1 || st->ev != NULL)
		return 0;
	st->ev = event_new(j->s->base, st->fd, EV_READ | EV_PERSIST,
	    child_read_cb, st);
	if (st->ev == NULL || event_add(st->ev, NULL) == -1)
		return -1;
	return 0;
}

/*
 * Without an event (out of memory) the pipes are still read at exit; a
 * child that fills one then waits for its timeout.
 */
static void
child_watch_pipes(struct child_job *j)
{
	(void)child_stream_watch(j, &j->out);
	(void)child_stream_watch(j, &j->err);
}

/*
 * Starts the job's child: stdin from its input or /dev/null (opened once),
 * stdout and stderr to pipes. Fills j->pid and j->pidfd, or returns -1
 * with errno (exec's own included).
 */
static int
child_spawn(struct child_job *j)
{
	struct spawn_req rq;
	int inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int e, in;
	char **envp = NULL;

	if (j->env != NULL && (envp = child_envp(j->env)) == NULL)
		goto fail;
	if (j->input != NULL) {
		if (pipe2(inp, O_CLOEXEC | O_NONBLOCK) == -1)
			goto fail;
		in = inp[0];
	} else {
		if (j->s->devnull == -1 &&
		    (j->s->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) ==
		        -1)
			goto fail;
		in = j->s->devnull;
	}
	if (pipe2(outp, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    pipe2(errp, O_CLOEXEC | O_NONBLOCK) == -1)
		goto fail;
	memset(&rq, 0, sizeof(rq));
	rq.unblock = 1;
	rq.argv = j->argv;
	rq.envp = envp;
	rq.cwd = j->cwd;
	rq.fd[0] = in;
	rq.fd[1] = outp[1];
	rq.fd[2] = errp[1];
	if ((e = spawn_run(&rq, &j->pid, &j->pidfd)) != 0) {
		j->pid = 0;
		errno = e;
		goto fail;
	}
	free(envp);
	if (inp[0] != -1)
		close(inp[0]);
	close(outp[1]);
	close(errp[1]);
	j->in_fd = inp[1];
	j->out.fd = outp[0];
	j->err.fd = errp[0];
	if (j->tag != 0 && j->s->spawn_fn != NULL)
		j->s->spawn_fn(j->s->spawn_arg, j->tag, j->pid);
	return 0;

fail:
	e = errno;
	free(envp);
	if (inp[0] != -1)
		close(inp[0]);
	if (inp[1] != -1)
		close(inp[1]);
	if (outp[0] != -1)
		close(outp[0]);
	if (outp[1] != -1)
		close(outp[1]);
	if (errp[0] != -1)
		close(errp[0]);
	if (errp[1] != -1)
		close(errp[1]);
	errno = e;
	return -1;
}

static void
child_fail_later(struct child_job *j, int e)
{
	struct timeval tv = { 0, 0 };

	j->spawn_errno = e ? e : EIO;
	j->reaped = 1;
	if (j->ev_exit != NULL) {
		event_free(j->ev_exit);
		j->ev_exit = NULL;
	}
	if (j->pidfd != -1) {
		close(j->pidfd);
		j->pidfd = -1;
	}
	evtimer_del(j->ev_timeout);
	child_stream_close(&j->out);
	child_stream_close(&j->err);
	child_stdin_close(j);
	/* Deferred so a callback never runs inside svc_child_run. */
	evtimer_add(j->ev_grace, &tv);
}

static void
child_start(struct child_job *j)
{
	struct event_base *base = j->s->base;
	struct timeval tv;
	short ev;

	j->t0 = child_now_ms();
	if (child_spawn(j) == -1) {
		child_fail_later(j, errno);
		return;
	}
	j->out.j = j;
	j->err.j = j;
	tv = child_tv(CHILD_WATCH_AFTER_MS);
	if (evtimer_add(j->ev_grace, &tv) == -1)
		goto fail;
	if (j->in_fd != -1) {
		if (j->input_len == 0) {
			child_stdin_close(j);
		} else {
			j->ev_in = event_new(base, j->in_fd,
			    EV_WRITE | EV_PERSIST, child_write_cb, j);
			if (j->ev_in == NULL || event_add(j->ev_in, NULL) == -1)
				goto fail;
		}
	}
	/* pidfd: no global SIGCHLD handler to share with the rest. */
	if (j->pidfd != -1 || (j->pidfd = spawn_pidfd_open(j->pid)) != -1) {
		j->ev_exit = event_new(base, j->pidfd, EV_READ | EV_PERSIST,
		    child_exit_cb, j);
		ev = 0;
	} else {
		j->ev_exit = event_new(base, -1, EV_PERSIST, child_exit_cb, j);
		ev = 1;
	}
	if (j->ev_exit == NULL)
		goto fail;
	tv = child_tv(CHILD_POLL_MS);
	if (event_add(j->ev_exit, ev ? &tv : NULL) == -1)
		goto fail;
	tv = child_tv(j->timeout_ms);
	if (evtimer_add(j->ev_timeout, &tv) == -1)
		goto fail;
	return;

fail:
	/* Out of memory with a live child: end it, then report as a timeout. */
	child_kill_group(j, SIGKILL);
	while (waitpid(j->pid, NULL, 0) == -1 && errno == EINTR)
		;
	j->pid = 0;
	child_fail_later(j, ENOMEM);
}

static void
child_release(struct child_job *j)
{
	child_stream_close(&j->out);
	child_stream_close(&j->err);
	child_stdin_close(j);
	if (j->ev_exit != NULL)
		event_free(j->ev_exit);
	if (j->pidfd != -1)
		close(j->pidfd);
	if (j->ev_timeout != NULL)
		event_free(j->ev_timeout);
	if (j->ev_grace != NULL)
		event_free(j->ev_grace);
	free(j->out.buf);
	free(j->err.buf);
	child_strv_free(j->argv);
	child_strv_free(j->env);
	free(j->cwd);
	free(j->input);
	free(j);
}

static void
child_unlink(struct svc_child *s, struct child_job *j)
{
	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		s->head = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	else
		s->tail = j->prev;
	j->prev = j->next = NULL;
	fairq_remove(&s->q, &j->fq);
}

static void
child_finish(struct child_job *j)
{
	struct svc_child *s = j->s;
	struct rdd_child_result res;

	memset(&res, 0, sizeof(res));
	res.spawn_errno = j->spawn_errno;
	if (j->wstatus_valid && WIFEXITED(j->wstatus)) {
		res.exited = 1;
		res.status = WEXITSTATUS(j->wstatus);
	} else if (j->wstatus_valid && WIFSIGNALED(j->wstatus))
		res.signal = WTERMSIG(j->wstatus);
	res.timed_out = j->timed_out;
	res.truncated = j->truncated;
	if (j->out.buf != NULL)
		j->out.buf[j->out.len] = '\0';
	if (j->err.buf != NULL)
		j->err.buf[j->err.len] = '\0';
	res.out = j->out.buf != NULL ? j->out.buf : "";
	res.out_len = j->out.len;
	res.err = j->err.buf != NULL ? j->err.buf : "";
	res.err_len = j->err.len;
	res.duration_ms = child_now_ms() - j->t0;

	child_unlink(s, j);
	if (!j->cancelled && j->cb != NULL) {
		s->depth++;
		j->cb(j->arg, &res);
		s->depth--;
	}
	child_release(j);
	if (s->dying) {
		if (s->depth == 0)
			child_destroy(s);
		return;
	}
	child_dispatch(s);
}

static void
child_dispatch(struct svc_child *s)
{
	struct fairq_ent *e;

	while (fairq_running(&s->q) < s->max &&
	    (e = fairq_pop(&s->q)) != NULL)
		child_start((struct child_job *)e);
}

struct svc_child *
svc_child_new(struct event_base *base, int max_children)
{
	struct svc_child *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->base = base;
	s->max = max_children > 0 ? (size_t)max_children : CHILD_DEFAULT_MAX;
	s->next_h = 1;
	s->devnull = -1;
	fairq_init(&s->q);
	return s;
}

uint64_t
svc_child_run(struct svc_child *s, const void *owner,
    const struct rdd_child_spec *spec, rdd_child_cb cb, void *arg)
{
	return svc_child_run_flags(s, owner, spec, 0, cb, arg);
}

void
svc_child_set_tag(struct svc_child *s, uint64_t tag)
{
	if (s != NULL)
		s->tag = tag;
}

void
svc_child_on_spawn(struct svc_child *s, svc_child_spawn_fn fn, void *arg)
{
	if (s == NULL)
		return;
	s->spawn_fn = fn;
	s->spawn_arg = arg;
}

uint64_t
svc_child_run_flags(struct svc_child *s, const void *owner,
    const struct rdd_child_spec *spec, unsigned flags, rdd_child_cb cb,
    void *arg)
{
	struct child_job *j;

	if (s == NULL || s->dying || spec == NULL || spec->argv == NULL ||
	    spec->argv[0] == NULL || spec->argv[0][0] == '\0')
		return 0;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return 0;
	j->s = s;
	j->owner = owner;
	j->cb = cb;
	j->arg = arg;
	j->flags = flags;
	j->tag = s->tag;
	j->pidfd = j->in_fd = j->out.fd = j->err.fd = -1;
	j->timeout_ms = spec->timeout_ms > 0 ? spec->timeout_ms :
	    CHILD_DEFAULT_TIMEOUT_MS;
	j->cap = spec->output_cap > 0 ? spec->output_cap : CHILD_DEFAULT_CAP;
	/* Copies: the job may wait in the queue after the caller returns. */
	if ((j->argv = child_strv_dup(spec->argv)) == NULL)
		goto fail;
	if (spec->env != NULL && (j->env = child_strv_dup(spec->env)) == NULL)
		goto fail;
	if (spec->cwd != NULL && (j->cwd = strdup(spec->cwd)) == NULL)
		goto fail;
	if (spec->input != NULL) {
		if ((j->input = malloc(spec->input_len + 1)) == NULL)
			goto fail;
		memcpy(j->input, spec->input, spec->input_len);
		j->input_len = spec->input_len;
	}
	j->ev_timeout = evtimer_new(s->base, child_timeout_cb, j);
	j->ev_grace = evtimer_new(s->base, child_grace_cb, j);
	if (j->ev_timeout == NULL || j->ev_grace == NULL)
		goto fail;
	if (fairq_push(&s->q, &j->fq, owner) == -1)
		goto fail;
	j->h = s->next_h++;
	j->prev = s->tail;
	if (s->tail != NULL)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	child_dispatch(s);
	return j->h;

fail:
	child_release(j);
	return 0;
}

static struct child_job *
child_find(struct svc_child *s, uint64_t h)
{
	struct child_job *j;

	for (j = s->head; j != NULL; j = j->next)
		if (j->h == h && !j->cancelled)
			return j;
	return NULL;
}

static void
child_cancel_job(struct svc_child *s, struct child_job *j)
{
	if (j->fq.queued) {
		child_unlink(s, j);
		child_release(j);
		return;
	}
	/* Running: it keeps its slot until reaped, but reports to no one. */
	j->cancelled = 1;
	child_kill_group(j, SIGKILL);
}

void
svc_child_cancel(struct svc_child *s, uint64_t h)
{
	struct child_job *j;

	if (s == NULL || h == 0 || (j = child_find(s, h)) == NULL)
		return;
	child_cancel_job(s, j);
}

void
svc_child_cancel_owner(struct svc_child *s, const void *owner)
{
	struct child_job *j, *next;

	if (s == NULL)
		return;
	for (j = s->head; j != NULL; j = next) {
		next = j->next;
		if (j->owner == owner && !j->cancelled)
			child_cancel_job(s, j);
	}
}

size_t
svc_child_running(struct svc_child *s)
{
	return s != NULL ? fairq_running(&s->q) : 0;
}

size_t
svc_child_queued(struct svc_child *s)
{
	return s != NULL ? fairq_queued(&s->q) : 0;
}

static void
child_destroy(struct svc_child *s)
{
	if (s->devnull != -1)
		close(s->devnull);
	fairq_free(&s->q);
	free(s);
}

void
svc_child_free(struct svc_child *s)
{
	struct child_job *j;

	if (s == NULL || s->dying)
		return;
	/* Shutdown: blocking waitpid after SIGKILL is acceptable here. */
	while ((j = s->head) != NULL) {
		if (j->pid > 0 && !j->reaped) {
			child_kill_group(j, SIGKILL);
			while (waitpid(j->pid, NULL, 0) == -1 && errno == EINTR)
				;
		} else if (j->pid > 0)
			child_kill_group(j, SIGKILL);
		child_unlink(s, j);
		child_release(j);
	}
	if (s->depth > 0) {
		/* child_finish frees s when the callback returns. */
		s->dying = 1;
		return;
	}
	child_destroy(s);
}
