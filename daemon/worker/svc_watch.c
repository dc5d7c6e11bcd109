/*
 * svc_watch.c: file and directory watches for plugins: inotify where it
 * works, stat() polling where it does not, one callback per changed path.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "rdd.h"

#define WATCH_DEFAULT_POLL_MS 1000
#define WATCH_MASK                                                             \
	(IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM |              \
	    IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB)
#define WATCH_GONE (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)

enum watch_mode {
	WATCH_POLL = 0,
	WATCH_FILE,	/* inotify on the parent, filtered by name */
	WATCH_DIR,	/* inotify on the directory itself */
};

struct watch_snap {
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	mode_t mode;
	struct timespec mtime, ctime;
};

struct watch {
	struct watch *prev, *next;
	uint64_t h;
	const void *owner;	/* a key only, never dereferenced */
	rdd_watch_cb cb;
	void *arg;
	char *path;		/* without trailing slashes */
	char *dir;		/* its parent */
	char *name;		/* its last component */
	enum watch_mode mode;
	int wd;
	int lost;		/* the inotify watch went away this batch */
	struct watch_snap snap;
};

struct watch_pend {
	uint64_t h;
	char *path;
};

struct svc_watch {
	struct event_base *base;
	int64_t poll_ms;
	int ifd;		/* inotify, -1 when unavailable or forced off */
	struct event *ev_ino;
	struct event *ev_poll;
	struct watch *head;
	size_t npoll;		/* watches in WATCH_POLL mode */
	uint64_t next_h;
	struct watch_pend *pend;
	size_t npend, apend;
	int depth;		/* callbacks running now */
	int dying;		/* freed from inside a callback */
};

static void watch_destroy(struct svc_watch *s);

static void
watch_snap_take(const char *path, struct watch_snap *sn)
{
	struct stat st;

	memset(sn, 0, sizeof(*sn));
	if (stat(path, &st) == -1)
		return;
	sn->exists = 1;
	sn->dev = st.st_dev;
	sn->ino = st.st_ino;
	sn->size = st.st_size;
	sn->mode = st.st_mode;
	sn->mtime = st.st_mtim;
	sn->ctime = st.st_ctim;
}

static int
watch_snap_differs(const struct watch_snap *a, const struct watch_snap *b)
{
	if (a->exists != b->exists)
		return 1;
	if (!a->exists)
		return 0;
	return a->dev != b->dev || a->ino != b->ino || a->size != b->size ||
	    a->mode != b->mode || a->mtime.tv_sec != b->mtime.tv_sec ||
	    a->mtime.tv_nsec != b->mtime.tv_nsec ||
	    a->ctime.tv_sec != b->ctime.tv_sec ||
	    a->ctime.tv_nsec != b->ctime.tv_nsec;
}

static void
watch_pend(struct svc_watch *s, struct watch *w, const char *path)
{
	struct watch_pend *np;
	size_t i, na;
	char *p;

	/* Coalescing: one callback per watch and path per batch. */
	for (i = 0; i < s->npend; i++)
		if (s->pend[i].h == w->h && strcmp(s->pend[i].path, path) == 0)
			return;
	if (s->npend == s->apend) {
		na = s->apend ? s->apend * 2 : 8;
		if ((np = realloc(s->pend, na * sizeof(*np))) == NULL)
			return;
		s->pend = np;
		s->apend = na;
	}
	if ((p = strdup(path)) == NULL)
		return;
	s->pend[s->npend].h = w->h;
	s->pend[s->npend].path = p;
	s->npend++;
}

static struct watch *
watch_find(struct svc_watch *s, uint64_t h)
{
	struct watch *w;

	for (w = s->head; w != NULL; w = w->next)
		if (w->h == h)
			return w;
	return NULL;
}

/* Run the batch's callbacks; s may be gone afterwards. */
static void
watch_deliver(struct svc_watch *s)
{
	struct watch_pend *pend = s->pend;
	size_t n = s->npend, i;
	struct watch *w;

	s->pend = NULL;
	s->npend = s->apend = 0;
	s->depth++;
	for (i = 0; i < n; i++) {
		/* Looked up again: an earlier callback may have deleted it. */
		if (!s->dying && (w = watch_find(s, pend[i].h)) != NULL)
			w->cb(w->arg, pend[i].path);
		free(pend[i].path);
	}
	s->depth--;
	free(pend);
	if (s->dying && s->depth == 0)
		watch_destroy(s);
}

static void
watch_timer_start(struct svc_watch *s)
{
	struct timeval tv;

	if (evtimer_pending(s->ev_poll, NULL))
		return;
	tv.tv_sec = s->poll_ms / 1000;
	tv.tv_usec = (s->poll_ms % 1000) * 1000;
	evtimer_add(s->ev_poll, &tv);
}

/* The poll timer runs while some watch polls (npoll counts them). */
static void
watch_set_mode(struct svc_watch *s, struct watch *w, enum watch_mode m)
{
	if (w->mode == WATCH_POLL && m != WATCH_POLL)
		s->npoll--;
	else if (w->mode != WATCH_POLL && m == WATCH_POLL) {
		s->npoll++;
		watch_timer_start(s);
	}
	w->mode = m;
}

/* Try inotify for w; leaves it in WATCH_POLL if that cannot be done. */
static void
watch_arm(struct svc_watch *s, struct watch *w)
{
	struct stat st;
	int wd;

	if (s->ifd == -1)
		return;
	if (stat(w->path, &st) == 0 && S_ISDIR(st.st_mode)) {
		wd = inotify_add_watch(s->ifd, w->path,
		    WATCH_MASK | IN_ONLYDIR);
		if (wd != -1) {
			w->wd = wd;
			watch_set_mode(s, w, WATCH_DIR);
		}
		return;
	}
	/*
	 * A file, or nothing yet: watch the parent, so that deletion and
	 * re-creation (editors, atomic renames) are seen too.
	 */
	wd = inotify_add_watch(s->ifd, w->dir, WATCH_MASK | IN_ONLYDIR);
	if (wd != -1) {
		w->wd = wd;
		watch_set_mode(s, w, WATCH_FILE);
	}
}

static int
watch_wd_shared(struct svc_watch *s, struct watch *self, int wd)
{
	struct watch *w;

	for (w = s->head; w != NULL; w = w->next)
		if (w != self && w->mode != WATCH_POLL && w->wd == wd)
			return 1;
	return 0;
}

/* Drop w's inotify watch; the kernel's is removed with its last user. */
static void
watch_disarm(struct svc_watch *s, struct watch *w, int kernel_gone)
{
	if (w->mode == WATCH_POLL)
		return;
	if (!kernel_gone && !watch_wd_shared(s, w, w->wd))
		(void)inotify_rm_watch(s->ifd, w->wd);
	w->wd = -1;
	watch_set_mode(s, w, WATCH_POLL);
}

static void
watch_event(struct svc_watch *s, const struct inotify_event *ev)
{
	struct watch *w;
	char path[PATH_MAX];

	for (w = s->head; w != NULL; w = w->next) {
		if (w->mode == WATCH_POLL)
			continue;
		if (ev->mask & IN_Q_OVERFLOW) {
			/* Events were lost: anything may have changed. */
			watch_pend(s, w, w->path);
			continue;
		}
		if (w->wd != ev->wd)
			continue;
		if (w->mode == WATCH_FILE) {
			if (ev->len == 0 || strcmp(ev->name, w->name) != 0)
				goto gone;
			watch_pend(s, w, w->path);
			/* The path became a directory: re-arm as one. */
			if ((ev->mask & IN_ISDIR) &&
			    (ev->mask & (IN_CREATE | IN_MOVED_TO)))
				w->lost = 1;
		} else if (ev->len > 0) {
			if (snprintf(path, sizeof(path), "%s/%s",
			    strcmp(w->path, "/") == 0 ? "" : w->path,
			    ev->name) < (int)sizeof(path))
				watch_pend(s, w, path);
		} else if (ev->mask & IN_ATTRIB)
			watch_pend(s, w, w->path);
gone:
		if (ev->mask & WATCH_GONE) {
			watch_pend(s, w, w->path);
			w->lost = ev->mask & IN_MOVE_SELF ? 1 : 2;
		}
	}
}

/*
 * Watches whose directory went away (deleted, moved) fall back to polling
 * until it is back; the poll tick then re-arms inotify.
 */
static void
watch_handle_lost(struct svc_watch *s)
{
	struct watch *w;

	for (w = s->head; w != NULL; w = w->next) {
		if (!w->lost)
			continue;
		/* A moved directory keeps its watch: remove it ourselves. */
		watch_disarm(s, w, w->lost == 2);
		w->lost = 0;
		watch_snap_take(w->path, &w->snap);
	}
}

static void
watch_inotify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct svc_watch *s = arg;
	char buf[8192]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(void *)p;
			watch_event(s, ev);
		}
	}
	watch_handle_lost(s);
	watch_deliver(s);
}

static void
watch_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct svc_watch *s = arg;
	struct watch_snap now;
	struct watch *w;
	struct timeval tv;

	for (w = s->head; w != NULL; w = w->next) {
		if (w->mode != WATCH_POLL)
			continue;
		watch_arm(s, w);
		/* Armed or not, compare so nothing between ticks is lost. */
		watch_snap_take(w->path, &now);
		if (watch_snap_differs(&now, &w->snap))
			watch_pend(s, w, w->path);
		w->snap = now;
	}
	if (s->npoll > 0) {
		tv.tv_sec = s->poll_ms / 1000;
		tv.tv_usec = (s->poll_ms % 1000) * 1000;
		evtimer_add(s->ev_poll, &tv);
	}
	watch_deliver(s);
}

struct svc_watch *
svc_watch_new(struct event_base *base, int64_t poll_ms)
{
	struct svc_watch *s;
	const char *force;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->base = base;
	s->poll_ms = poll_ms > 0 ? poll_ms : WATCH_DEFAULT_POLL_MS;
	s->next_h = 1;
	s->ifd = -1;
	if ((s->ev_poll = evtimer_new(base, watch_poll_cb, s)) == NULL)
		goto fail;
	/* RDD_WATCH_POLL=1: polling only, for tests and odd filesystems. */
	force = getenv("RDD_WATCH_POLL");
	if (force != NULL && strcmp(force, "1") == 0)
		return s;
	if ((s->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		return s;	/* no inotify: everything polls */
	s->ev_ino = event_new(base, s->ifd, EV_READ | EV_PERSIST,
	    watch_inotify_cb, s);
	if (s->ev_ino == NULL || event_add(s->ev_ino, NULL) == -1)
		goto fail;
	return s;

fail:
	if (s->ev_ino != NULL)
		event_free(s->ev_ino);
	if (s->ev_poll != NULL)
		event_free(s->ev_poll);
	if (s->ifd != -1)
		close(s->ifd);
	free(s);
	return NULL;
}

static int
watch_split(struct watch *w, const char *path)
{
	size_t n = strlen(path);
	char *slash;

	while (n > 1 && path[n - 1] == '/')
		n--;
	if ((w->path = strndup(path, n)) == NULL)
		return -1;
	slash = strrchr(w->path, '/');
	if (slash == NULL) {
		w->dir = strdup(".");
		w->name = strdup(w->path);
	} else if (slash == w->path) {
		w->dir = strdup("/");
		w->name = strdup(slash[1] != '\0' ? slash + 1 : ".");
	} else {
		w->dir = strndup(w->path, (size_t)(slash - w->path));
		w->name = strdup(slash + 1);
	}
	return w->dir != NULL && w->name != NULL ? 0 : -1;
}

static void
watch_free1(struct watch *w)
{
	free(w->path);
	free(w->dir);
	free(w->name);
	free(w);
}

uint64_t
svc_watch_add(struct svc_watch *s, const void *owner, const char *path,
    rdd_watch_cb cb, void *arg)
{
	struct watch *w;

	if (s == NULL || s->dying || path == NULL || path[0] == '\0' ||
	    cb == NULL)
		return 0;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return 0;
	w->owner = owner;
	w->cb = cb;
	w->arg = arg;
	w->wd = -1;
	w->mode = WATCH_POLL;
	if (watch_split(w, path) == -1) {
		watch_free1(w);
		return 0;
	}
	w->h = s->next_h++;
	w->next = s->head;
	if (s->head != NULL)
		s->head->prev = w;
	s->head = w;
	watch_snap_take(w->path, &w->snap);
	s->npoll++;	/* polling until armed */
	watch_arm(s, w);
	if (w->mode == WATCH_POLL)
		watch_timer_start(s);
	return w->h;
}

static void
watch_remove(struct svc_watch *s, struct watch *w)
{
	if (w->mode != WATCH_POLL && !watch_wd_shared(s, w, w->wd))
		(void)inotify_rm_watch(s->ifd, w->wd);
	else if (w->mode == WATCH_POLL)
		s->npoll--;
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		s->head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	watch_free1(w);
	if (s->npoll == 0)
		evtimer_del(s->ev_poll);
}

void
svc_watch_del(struct svc_watch *s, uint64_t h)
{
	struct watch *w;

	if (s == NULL || h == 0 || (w = watch_find(s, h)) == NULL)
		return;
	watch_remove(s, w);
}

void
svc_watch_del_owner(struct svc_watch *s, const void *owner)
{
	struct watch *w, *next;

	if (s == NULL)
		return;
	for (w = s->head; w != NULL; w = next) {
		next = w->next;
		if (w->owner == owner)
			watch_remove(s, w);
	}
}

static void
watch_destroy(struct svc_watch *s)
{
	size_t i;

	for (i = 0; i < s->npend; i++)
		free(s->pend[i].path);
	free(s->pend);
	free(s);
}

void
svc_watch_free(struct svc_watch *s)
{
	if (s == NULL || s->dying)
		return;
	while (s->head != NULL)
		watch_remove(s, s->head);
	if (s->ev_ino != NULL)
		event_free(s->ev_ino);
	event_free(s->ev_poll);
	if (s->ifd != -1)
		close(s->ifd);
	s->ev_ino = s->ev_poll = NULL;
	s->ifd = -1;
	s->dying = 1;
	if (s->depth == 0)
		watch_destroy(s);
}
