/*
 * loader.c: finds plugin .so files, refuses unsafe or incompatible ones with a
 * message naming the file, the versions and the fix, and dlopens the rest.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dladdr1, dlinfo */
#endif

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rdd.h"

#define LOADER_NAME_MAX 64
#define LOADER_OPTS_MAX 256
#define LOADER_ACTIONS_MAX 32
#define LOADER_CONFIG_MAX (1024 * 1024)
/* Descriptor numbers tried for a name no loaded object answers to. */
#define LOADER_FD_TRIES 256
/* magic, abi_major, abi_minor, size: readable before size is trusted. */
#define LOADER_HDR_SIZE (offsetof(struct rdd_plugin, size) + sizeof(uint32_t))

/*
 * Used when even the refusal text cannot be allocated: an entry must never
 * look loaded (error == NULL) just because memory ran out.
 */
static char loader_oom[] = "out of memory while loading the plugin";

static const struct {
	const char *name;
	size_t size;
	size_t align;
} loader_types[] = {
    [RDD_OPT_END] = {"end", 0, 1},
    [RDD_OPT_BOOL] = {"bool", sizeof(int), _Alignof(int)},
    [RDD_OPT_INT] = {"int", sizeof(int64_t), _Alignof(int64_t)},
    [RDD_OPT_DOUBLE] = {"double", sizeof(double), _Alignof(double)},
    [RDD_OPT_STRING] = {"string", sizeof(char *), _Alignof(char *)},
    [RDD_OPT_DURATION] = {"duration", sizeof(int64_t), _Alignof(int64_t)},
    [RDD_OPT_SIZE] = {"size", sizeof(int64_t), _Alignof(int64_t)},
    [RDD_OPT_STRLIST] = {"strlist", sizeof(struct rdd_strlist),
        _Alignof(struct rdd_strlist)},
    [RDD_OPT_GROUP] = {"group", sizeof(void *), _Alignof(void *)},
};
#define LOADER_NTYPES (sizeof(loader_types) / sizeof(loader_types[0]))

static void loader_refuse(struct loader_entry *e, const char *fmt, ...)
    RDD_PRINTF(2, 3);

static void
loader_refuse(struct loader_entry *e, const char *fmt, ...)
{
	char buf[RDD_ERRLEN * 2];
	const char *who = e->file != NULL ? e->file : "plugin";
	va_list ap;
	int n;

	if (e->error != NULL && e->error != loader_oom)
		free(e->error);
	n = snprintf(buf, sizeof(buf), "%s: ", who);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	e->error = strdup(buf);
	if (e->error == NULL)
		e->error = loader_oom;
}

/*
 * Plugin-supplied text (names, descriptions) may hold anything; it reaches a
 * terminal or a log only with control bytes masked and its length capped.
 */
static void
loader_clean(char *dst, size_t dstlen, const char *src)
{
	size_t i, max = 200;

	if (dstlen == 0)
		return;
	if (src == NULL)
		src = "";
	for (i = 0; src[i] != '\0' && i + 1 < dstlen && i < max; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[i] = '\0';
	if (src[i] != '\0' && i >= 3) {
		dst[i - 1] = '.';
		dst[i - 2] = '.';
		dst[i - 3] = '.';
	}
}

static const char *
loader_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

static int
loader_owner_ok(uid_t owner, uid_t allowed_uid)
{
	return owner == 0 || owner == allowed_uid;
}

/*
 * A directory anyone can write to lets anyone plant a plugin, even with the
 * sticky bit (a new file needs no rename), so it is refused outright; a
 * group-writable one lets every member of the group do the same.
 */
static int
loader_check_dir(const struct stat *st, const char *dir, uid_t allowed_uid,
    char *buf, size_t len)
{
	if (!S_ISDIR(st->st_mode)) {
		snprintf(buf, len,
		    "plugin directory %s is %s: point "
		    "plugin_dir at a directory",
		    dir, loader_kind(st->st_mode));
		return -1;
	}
	if (st->st_mode & S_IWOTH) {
		snprintf(buf, len,
		    "plugin directory %s is world-writable "
		    "(mode %04o): anyone could plant a plugin; run chmod o-w "
		    "%s",
		    dir, (unsigned)(st->st_mode & 07777), dir);
		return -1;
	}
	if (st->st_mode & S_IWGRP) {
		snprintf(buf, len,
		    "plugin directory %s is group-writable "
		    "(mode %04o): any member of its group could plant a "
		    "plugin; run chmod g-w %s",
		    dir, (unsigned)(st->st_mode & 07777), dir);
		return -1;
	}
	if (!loader_owner_ok(st->st_uid, allowed_uid)) {
		snprintf(buf, len,
		    "plugin directory %s is owned by uid %lu, "
		    "neither root nor uid %lu: run chown root %s",
		    dir, (unsigned long)st->st_uid, (unsigned long)allowed_uid,
		    dir);
		return -1;
	}
	return 0;
}

/*
 * Whoever can write to a directory above the plugin directory can rename the
 * plugin directory away and put another in its place, so each one must be
 * owned by root or the daemon's user and writable by nobody else. The one
 * exception is a root-owned sticky directory such as /tmp: there nobody may
 * rename or remove an entry they do not own, and the entry below it is
 * checked in turn.
 */
static int
loader_check_parent(const struct stat *st, const char *dir, uid_t allowed_uid,
    char *buf, size_t len)
{
	if (!S_ISDIR(st->st_mode)) {
		snprintf(buf, len,
		    "%s, above the plugin directory, is %s: "
		    "point plugin_dir at a directory",
		    dir, loader_kind(st->st_mode));
		return -1;
	}
	if (st->st_uid == 0 && (st->st_mode & S_ISVTX))
		return 0;
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(buf, len,
		    "directory %s, above the plugin directory, is %s-writable "
		    "(mode %04o) and not a root-owned sticky directory: "
		    "others could swap the plugin directory; run chmod go-w %s",
		    dir, (st->st_mode & S_IWOTH) ? "world" : "group",
		    (unsigned)(st->st_mode & 07777), dir);
		return -1;
	}
	if (!loader_owner_ok(st->st_uid, allowed_uid)) {
		snprintf(buf, len,
		    "directory %s, above the plugin directory, is owned by "
		    "uid %lu, neither root nor uid %lu: its owner could swap "
		    "the plugin directory; run chown root %s",
		    dir, (unsigned long)st->st_uid, (unsigned long)allowed_uid,
		    dir);
		return -1;
	}
	return 0;
}

static int
loader_check_file(
    struct loader_entry *e, const struct stat *st, uid_t allowed_uid)
{
	if (!S_ISREG(st->st_mode)) {
		loader_refuse(e,
		    "%s is %s, not a regular file: remove it "
		    "from the plugin directory",
		    e->path, loader_kind(st->st_mode));
		return -1;
	}
	if (st->st_mode & S_IWOTH) {
		loader_refuse(e,
		    "%s is world-writable (mode %04o): anyone "
		    "could replace its code; run chmod o-w %s",
		    e->path, (unsigned)(st->st_mode & 07777), e->path);
		return -1;
	}
	if (st->st_mode & S_IWGRP) {
		loader_refuse(e,
		    "%s is group-writable (mode %04o): any "
		    "member of its group could replace its code; run chmod "
		    "g-w %s",
		    e->path, (unsigned)(st->st_mode & 07777), e->path);
		return -1;
	}
	if (!loader_owner_ok(st->st_uid, allowed_uid)) {
		loader_refuse(e,
		    "%s is owned by uid %lu, neither root nor "
		    "uid %lu: run chown root %s or remove it",
		    e->path, (unsigned long)st->st_uid,
		    (unsigned long)allowed_uid, e->path);
		return -1;
	}
	return 0;
}

/*
 * A link's target can change between the check and the load, so links are
 * not followed at all (O_NOFOLLOW), however safe their target looks.
 */
static void
loader_refuse_link(struct loader_entry *e)
{
	loader_refuse(e,
	    "%s is a symbolic link, which the loader does not follow "
	    "(the file it checks must be the file it loads): copy the "
	    "plugin itself into the plugin directory instead of linking to it",
	    e->path);
}

/* The plugin directory itself (last) or one above it. */
static int
loader_check_step(const struct stat *st, const char *dir, int last,
    uid_t allowed_uid, char *buf, size_t len)
{
	if (last)
		return loader_check_dir(st, dir, allowed_uid, buf, len);
	return loader_check_parent(st, dir, allowed_uid, buf, len);
}

/*
 * Open the directory holding the plugin by walking its real path from / one
 * component at a time with O_NOFOLLOW, checking each directory through the
 * descriptor the next step starts from: the file is then reached through
 * exactly the directories that were checked, whatever is renamed or relinked
 * meanwhile. Returns that descriptor (O_PATH) or -1 with e->error set.
 */
static int
loader_open_dir(struct loader_entry *e, uid_t allowed_uid)
{
	char msg[RDD_ERRLEN], comp[NAME_MAX + 1], *dir, *real, *slash, *p;
	struct stat st;
	size_t clen;
	int dfd, nfd, last, saved;

	dir = strdup(e->path);
	if (dir == NULL) {
		loader_refuse(e, "out of memory");
		return -1;
	}
	/* e->path always holds a slash: loader_load_file adds "./". */
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	real = realpath(dir, NULL);
	saved = errno;
	free(dir);
	if (real == NULL) {
		loader_refuse(e,
		    "cannot stat %s: %s: check the plugin "
		    "directory",
		    e->path, strerror(saved));
		return -1;
	}
	dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1 || fstat(dfd, &st) == -1) {
		loader_refuse(e, "cannot open /: %s", strerror(errno));
		goto fail;
	}
	p = real + 1;
	last = *p == '\0';
	if (loader_check_step(&st, "/", last, allowed_uid, msg, sizeof(msg)) ==
	    -1) {
		loader_refuse(e, "%s", msg);
		goto fail;
	}
	while (*p != '\0') {
		slash = strchr(p, '/');
		clen = slash != NULL ? (size_t)(slash - p) : strlen(p);
		last = slash == NULL;
		if (clen >= sizeof(comp)) {
			loader_refuse(
			    e, "%s: a path component is too long", real);
			goto fail;
		}
		memcpy(comp, p, clen);
		comp[clen] = '\0';
		nfd = openat(
		    dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		saved = errno;
		close(dfd);
		dfd = nfd;
		p += clen;
		/* Cut real after this component to name it in messages. */
		if (!last)
			*p = '\0';
		if (dfd == -1) {
			loader_refuse(e,
			    "cannot open directory %s: %s: it changed while "
			    "being checked or is not a directory; check the "
			    "plugin directory",
			    real, strerror(saved));
			goto fail;
		}
		if (fstat(dfd, &st) == -1) {
			loader_refuse(
			    e, "cannot stat %s: %s", real, strerror(errno));
			goto fail;
		}
		if (loader_check_step(
		        &st, real, last, allowed_uid, msg, sizeof(msg)) == -1) {
			loader_refuse(e, "%s", msg);
			goto fail;
		}
		if (!last)
			*p++ = '/';
	}
	free(real);
	return dfd;
fail:
	if (dfd != -1)
		close(dfd);
	free(real);
	return -1;
}

static int
loader_name_ok(const char *s, const char *extra)
{
	size_t i;

	if (s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= LOADER_NAME_MAX)
			return 0;
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_')
			continue;
		if (extra != NULL && strchr(extra, s[i]) != NULL)
			continue;
		return 0;
	}
	return 1;
}

/*
 * The host writes each option's value at its offset into a buffer of
 * config_size bytes, so a table that points outside it would corrupt the
 * daemon's heap: checked here, before any plugin is trusted.
 */
static int
loader_check_options(struct loader_entry *e, const struct rdd_plugin *pd)
{
	const struct rdd_option *o;
	char nm[LOADER_NAME_MAX + 8];
	size_t i, j;

	if (pd->config_size > LOADER_CONFIG_MAX) {
		loader_refuse(e,
		    "config_size of %zu bytes is implausible "
		    "(at most %d): set .config_size = sizeof(your config "
		    "struct) and rebuild",
		    pd->config_size, LOADER_CONFIG_MAX);
		return -1;
	}
	if (pd->options == NULL)
		return 0;
	for (i = 0;; i++) {
		if (i >= LOADER_OPTS_MAX) {
			loader_refuse(e,
			    "option table has no RDD_OPTIONS_END "
			    "within %d entries: end it with RDD_OPTIONS_END",
			    LOADER_OPTS_MAX);
			return -1;
		}
		o = &pd->options[i];
		if (o->name == NULL)
			break;
		loader_clean(nm, sizeof(nm), o->name);
		if (!loader_name_ok(o->name, "-")) {
			loader_refuse(e,
			    "option '%s' has an invalid name: use "
			    "lowercase letters, digits, '_' and '-' (at most "
			    "%d)",
			    nm, LOADER_NAME_MAX);
			return -1;
		}
		if ((unsigned)o->type == RDD_OPT_END ||
		    (unsigned)o->type >= LOADER_NTYPES) {
			loader_refuse(e,
			    "option '%s' has unknown type %d: use "
			    "one of the RDD_OPT_* types",
			    nm, (int)o->type);
			return -1;
		}
		if (o->offset > pd->config_size ||
		    loader_types[o->type].size > pd->config_size - o->offset) {
			loader_refuse(e,
			    "option '%s' (%s, %zu bytes at offset "
			    "%zu) lies outside the config struct of %zu "
			    "bytes: set .config_size = sizeof(your config "
			    "struct) and use offsetof()",
			    nm, loader_types[o->type].name,
			    loader_types[o->type].size, o->offset,
			    pd->config_size);
			return -1;
		}
		if (o->offset % loader_types[o->type].align != 0) {
			loader_refuse(e,
			    "option '%s' (%s) at offset %zu is "
			    "misaligned: use offsetof() of a field of that "
			    "type",
			    nm, loader_types[o->type].name, o->offset);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(pd->options[j].name, o->name) == 0) {
				loader_refuse(e,
				    "option '%s' is declared "
				    "twice: remove one entry",
				    nm);
				return -1;
			}
		}
	}
	return 0;
}

static int
loader_check_actions(struct loader_entry *e, const struct rdd_plugin *pd)
{
	char nm[LOADER_NAME_MAX + 8];
	size_t i;

	if (pd->actions == NULL)
		return 0;
	for (i = 0;; i++) {
		if (i >= LOADER_ACTIONS_MAX) {
			loader_refuse(e,
			    "recovery ladder has no NULL end "
			    "within %d actions: end .actions with NULL",
			    LOADER_ACTIONS_MAX);
			return -1;
		}
		if (pd->actions[i] == NULL)
			break;
		if (!loader_name_ok(pd->actions[i], "-.")) {
			loader_clean(nm, sizeof(nm), pd->actions[i]);
			loader_refuse(e,
			    "recovery action '%s' has an invalid "
			    "name: use lowercase letters, digits, '_', '-' "
			    "and '.'",
			    nm);
			return -1;
		}
	}
	if (i > 0 && pd->recover == NULL) {
		loader_refuse(e, "declares recovery actions but no recover "
		                 "callback: set .recover or drop .actions");
		return -1;
	}
	return 0;
}

/*
 * Validate the descriptor as data. Nothing of the plugin but its descriptor
 * is read here, and fields beyond its declared size stay zero in the copy.
 */
static int
loader_check_desc(struct loader_entry *e, void *dl)
{
	const ElfW(Sym) *es = NULL;
	struct link_map *lm = NULL;
	struct rdd_plugin hdr;
	const struct rdd_plugin *pd;
	size_t symsize = 0, n;
	char nm[LOADER_NAME_MAX + 8];
	const void *sym;
	Dl_info info;

	dlerror();
	sym = dlsym(dl, "rdd_plugin");
	if (sym == NULL) {
		loader_refuse(e,
		    "no rdd_plugin symbol: not a redundancyd "
		    "plugin (build it with RDD_EXPORT const struct "
		    "rdd_plugin rdd_plugin)");
		return -1;
	}
	memset(&info, 0, sizeof(info));
	if (dladdr1(sym, &info, (void **)&es, RTLD_DL_SYMENT) != 0 &&
	    es != NULL && info.dli_saddr == sym) {
		if (ELF32_ST_TYPE(es->st_info) == STT_FUNC ||
		    ELF32_ST_TYPE(es->st_info) == STT_GNU_IFUNC) {
			loader_refuse(e,
			    "rdd_plugin is a function, not the "
			    "descriptor: declare RDD_EXPORT const struct "
			    "rdd_plugin rdd_plugin = { RDD_PLUGIN_HEADER, "
			    "... }");
			return -1;
		}
		symsize = es->st_size;
		if (dlinfo(dl, RTLD_DI_LINKMAP, &lm) == 0 && lm != NULL &&
		    info.dli_fname != NULL && lm->l_name != NULL &&
		    strcmp(info.dli_fname, lm->l_name) != 0) {
			loader_refuse(e,
			    "rdd_plugin comes from %s, a library "
			    "it links, not from the file itself: export the "
			    "descriptor from the plugin",
			    info.dli_fname);
			return -1;
		}
	}
	if (symsize != 0 && symsize < LOADER_HDR_SIZE) {
		loader_refuse(e,
		    "the rdd_plugin symbol is %zu bytes, too "
		    "small for a descriptor: not a redundancyd plugin (build "
		    "it with RDD_EXPORT const struct rdd_plugin rdd_plugin)",
		    symsize);
		return -1;
	}
	memset(&hdr, 0, sizeof(hdr));
	memcpy(&hdr, sym, LOADER_HDR_SIZE);
	if (hdr.magic != RDD_PLUGIN_MAGIC) {
		loader_refuse(e,
		    "bad magic 0x%08x, expected 0x%08x: not a "
		    "redundancyd plugin or a corrupted file",
		    (unsigned)hdr.magic, (unsigned)RDD_PLUGIN_MAGIC);
		return -1;
	}
	if (hdr.abi_major > RDD_ABI_MAJOR) {
		loader_refuse(e,
		    "ABI %u.%u, host %d.%d: rebuild the plugin "
		    "against redundancyd-plugin %d.x",
		    hdr.abi_major, hdr.abi_minor, RDD_ABI_MAJOR, RDD_ABI_MINOR,
		    RDD_ABI_MAJOR);
		return -1;
	}
	if (hdr.abi_major < RDD_ABI_MAJOR) {
		loader_refuse(e,
		    "ABI %u.%u, host %d.%d: rebuild the plugin "
		    "against redundancyd-plugin >= %d",
		    hdr.abi_major, hdr.abi_minor, RDD_ABI_MAJOR, RDD_ABI_MINOR,
		    RDD_ABI_MAJOR);
		return -1;
	}
	/*
	 * A newer minor of the same major is accepted (the Redis-module
	 * rule): minors only append fields, the copy below keeps the ones
	 * this host knows and drops the rest, and the plugin must test
	 * RDD_HOST_HAS before calling a host function newer than the host.
	 */
	if (hdr.size < RDD_PLUGIN_SIZE_V1_0) {
		loader_refuse(e,
		    "descriptor of %u bytes, at least %zu "
		    "expected for ABI 1.0: rebuild the plugin",
		    (unsigned)hdr.size, (size_t)RDD_PLUGIN_SIZE_V1_0);
		return -1;
	}
	if (symsize != 0 && hdr.size > symsize) {
		loader_refuse(e,
		    "descriptor declares %u bytes but the "
		    "rdd_plugin symbol holds %zu: a corrupted file or a "
		    "hand-made header; rebuild the plugin with "
		    "RDD_PLUGIN_HEADER",
		    (unsigned)hdr.size, symsize);
		return -1;
	}

	/* min(declared, known): an older plugin's missing fields stay 0. */
	n = hdr.size < sizeof(e->copy) ? hdr.size : sizeof(e->copy);
	memset(&e->copy, 0, sizeof(e->copy));
	memcpy(&e->copy, sym, n);
	pd = &e->copy;

	if (pd->name == NULL) {
		loader_refuse(e, "the descriptor has no name: set .name");
		return -1;
	}
	if (!loader_name_ok(pd->name, NULL)) {
		loader_clean(nm, sizeof(nm), pd->name);
		loader_refuse(e,
		    "plugin name '%s' is invalid: use lowercase "
		    "letters, digits and '_' only (at most %d)",
		    nm, LOADER_NAME_MAX);
		return -1;
	}
	if (pd->create == NULL) {
		loader_refuse(e,
		    "plugin '%s' has no create callback: set "
		    ".create",
		    pd->name);
		return -1;
	}
	if (pd->check == NULL) {
		loader_refuse(e,
		    "plugin '%s' has no check callback: set "
		    ".check",
		    pd->name);
		return -1;
	}
	if (loader_check_options(e, pd) == -1 ||
	    loader_check_actions(e, pd) == -1)
		return -1;
	e->pd = pd;
	return 0;
}

void
loader_entry_free(struct loader_entry *e)
{
	if (e->dl != NULL)
		dlclose(e->dl);
	free(e->path);
	free(e->file);
	if (e->error != loader_oom)
		free(e->error);
	memset(e, 0, sizeof(*e));
}

/*
 * glibc's dlopen returns an object already loaded under the same name (or
 * under an alias it recorded when the same file came in by another name)
 * without opening the path at all. Descriptors are closed after dlopen and
 * their numbers reused, so "/proc/self/fd/N" may still name a plugin loaded
 * earlier from another file. The descriptor is therefore moved to a number
 * that no loaded object answers to: probed while that number is closed,
 * RTLD_NOLOAD can only find an object by its name, never by the file.
 * Returns the new descriptor, its name in buf, or -1.
 */
static int
loader_fresh_fd(int fd, char *buf, size_t len)
{
	void *h;
	int n, nfd;

	for (n = fd + 1; n < fd + 1 + LOADER_FD_TRIES; n++) {
		if (fcntl(n, F_GETFD) != -1)
			continue;
		snprintf(buf, len, "/proc/self/fd/%d", n);
		h = dlopen(buf, RTLD_LAZY | RTLD_NOLOAD);
		if (h != NULL) {
			dlclose(h);
			continue;
		}
		nfd = fcntl(fd, F_DUPFD_CLOEXEC, n);
		if (nfd == n)
			return nfd;
		if (nfd == -1)
			return -1;
		/* Another thread took n between the probe and the dup. */
		close(nfd);
	}
	errno = EMFILE;
	return -1;
}

/*
 * dlopen the very file fd refers to, through /proc/self/fd: reopening the
 * path would load whatever the path names by then. Closes fd.
 */
static void *
loader_dlopen_fd(struct loader_entry *e, int fd, const struct stat *st)
{
	char name[64];
	struct stat pst;
	const char *why;
	size_t nlen;
	void *dl;
	int nfd;

	nfd = loader_fresh_fd(fd, name, sizeof(name));
	close(fd);
	if (nfd == -1) {
		loader_refuse(e, "cannot duplicate the descriptor of %s: %s",
		    e->path, strerror(errno));
		return NULL;
	}
	if (stat(name, &pst) == -1 || pst.st_dev != st->st_dev ||
	    pst.st_ino != st->st_ino) {
		loader_refuse(e,
		    "cannot load %s through %s: /proc must be mounted: the "
		    "loader loads the descriptor it checked, never the path "
		    "again",
		    e->path, name);
		close(nfd);
		return NULL;
	}
	dlerror();
	dl = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	close(nfd);
	if (dl == NULL) {
		why = dlerror();
		if (why == NULL)
			why = "unknown dlopen error";
		/* dlerror names /proc/self/fd/N; the message names the file. */
		nlen = strlen(name);
		if (strncmp(why, name, nlen) == 0 &&
		    strncmp(why + nlen, ": ", 2) == 0)
			why += nlen + 2;
		loader_refuse(e,
		    "cannot load: %s: rebuild it or remove it "
		    "from the plugin directory",
		    why);
		return NULL;
	}
	return dl;
}

/*
 * The file is opened once, checked through that descriptor and loaded from
 * it, so nothing can be swapped in between the check and the load.
 */
int
loader_load_file(struct loader_entry *e, const char *path, uid_t allowed_uid)
{
	const char *base;
	struct stat st;
	void *dl;
	size_t len;
	int dfd, fd, saved;

	memset(e, 0, sizeof(*e));
	base = strrchr(path, '/');
	e->file = strdup(base != NULL ? base + 1 : path);
	/* Without a slash dlopen would search the library path instead. */
	len = strlen(path) + 3;
	e->path = malloc(len);
	if (e->path == NULL || e->file == NULL) {
		e->error = loader_oom;
		return -1;
	}
	snprintf(e->path, len, "%s%s", base != NULL ? "" : "./", path);

	dfd = loader_open_dir(e, allowed_uid);
	if (dfd == -1)
		return -1;
	/* A first look that opens no FIFO or device; the fstat below rules. */
	if (fstatat(dfd, e->file, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		loader_refuse(e,
		    "cannot stat %s: %s: check the plugin "
		    "directory",
		    e->path, strerror(errno));
		close(dfd);
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		loader_refuse_link(e);
		close(dfd);
		return -1;
	}
	if (loader_check_file(e, &st, allowed_uid) == -1) {
		close(dfd);
		return -1;
	}
	/* O_NONBLOCK: a FIFO swapped in meanwhile must not block the open. */
	fd = openat(dfd, e->file,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	saved = errno;
	close(dfd);
	if (fd == -1) {
		if (saved == ELOOP)
			loader_refuse_link(e);
		else
			loader_refuse(e,
			    "cannot open %s: %s: check the plugin "
			    "directory",
			    e->path, strerror(saved));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		loader_refuse(
		    e, "cannot stat %s: %s", e->path, strerror(errno));
		close(fd);
		return -1;
	}
	if (loader_check_file(e, &st, allowed_uid) == -1) {
		close(fd);
		return -1;
	}
	dl = loader_dlopen_fd(e, fd, &st);
	if (dl == NULL)
		return -1;
	if (loader_check_desc(e, dl) == -1) {
		dlclose(dl);
		memset(&e->copy, 0, sizeof(e->copy));
		return -1;
	}
	e->dl = dl;
	return 0;
}

int
loader_load_name(struct loader_entry *e, const char *dir, const char *name,
    uid_t allowed_uid)
{
	char nm[LOADER_NAME_MAX + 8], *path;
	size_t len;
	int rc;

	if (name == NULL || !loader_name_ok(name, NULL)) {
		memset(e, 0, sizeof(*e));
		loader_clean(nm, sizeof(nm), name);
		loader_refuse(e,
		    "'%s' is not a valid plugin name: use lowercase letters, "
		    "digits and '_' only (at most %d), the name the plugin "
		    "declares in .name",
		    nm, LOADER_NAME_MAX);
		return -1;
	}
	len = strlen(dir) + strlen(name) + sizeof("/.so");
	path = malloc(len);
	if (path == NULL) {
		memset(e, 0, sizeof(*e));
		e->error = loader_oom;
		return -1;
	}
	snprintf(path, len, "%s/%s.so", dir, name);
	rc = loader_load_file(e, path, allowed_uid);
	free(path);
	if (rc == -1)
		return -1;
	/*
	 * The configuration names the plugin, the file name only finds it:
	 * a file that declares another name is not the plugin asked for.
	 */
	if (strcmp(e->pd->name, name) != 0) {
		loader_refuse(e,
		    "%s declares the plugin name '%s', not '%s': "
		    "rename the file to %s.so or use '%s' in the "
		    "configuration",
		    e->path, e->pd->name, name, e->pd->name, e->pd->name);
		dlclose(e->dl);
		e->dl = NULL;
		e->pd = NULL;
		memset(&e->copy, 0, sizeof(e->copy));
		return -1;
	}
	return 0;
}

static int
loader_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
loader_is_plugin_name(const char *n)
{
	size_t len = strlen(n);

	/* Hidden files are editors' and package managers' leftovers. */
	return n[0] != '.' && len > 3 && strcmp(n + len - 3, ".so") == 0;
}

static int
loader_list(DIR *d, char ***namesp, size_t *np)
{
	char **names = NULL, **nv;
	size_t n = 0, cap = 0;
	struct dirent *de;

	while ((de = readdir(d)) != NULL) {
		if (!loader_is_plugin_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(names, cap * sizeof(*names));
			if (nv == NULL)
				goto fail;
			names = nv;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL)
			goto fail;
		n++;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), loader_cmp);
	*namesp = names;
	*np = n;
	return 0;
fail:
	while (n > 0)
		free(names[--n]);
	free(names);
	return -1;
}

/* The later of two plugins with one name loses, so name order decides. */
static void
loader_dedup(struct loader *l, size_t i)
{
	struct loader_entry *e = &l->v[i];
	size_t j;

	for (j = 0; j < i; j++) {
		if (l->v[j].dl == NULL ||
		    strcmp(l->v[j].pd->name, e->pd->name) != 0)
			continue;
		loader_refuse(e,
		    "duplicate plugin name '%s' also in %s: "
		    "remove one of the two files",
		    e->pd->name, l->v[j].file);
		dlclose(e->dl);
		e->dl = NULL;
		e->pd = NULL;
		memset(&e->copy, 0, sizeof(e->copy));
		return;
	}
}

/*
 * Open dir, judge it, and list its *.so names in order. Returns -1 with errno
 * if it cannot be read; *dir_ok is 0 with dirmsg set if it is unsafe.
 */
static int
loader_open_list(const char *dir, uid_t allowed_uid, int *dir_ok, char *dirmsg,
    size_t msglen, char ***namesp, size_t *np)
{
	struct stat st;
	int fd, saved;
	DIR *d;

	*namesp = NULL;
	*np = 0;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	*dir_ok = loader_check_dir(&st, dir, allowed_uid, dirmsg, msglen) == 0;
	d = fdopendir(fd);
	if (d == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (loader_list(d, namesp, np) == -1) {
		closedir(d);
		errno = ENOMEM;
		return -1;
	}
	closedir(d);
	return 0;
}

static void
loader_free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
loader_scan(struct loader *l, const char *dir, uid_t allowed_uid)
{
	char dirmsg[RDD_ERRLEN], *path, **names = NULL;
	size_t i, n = 0, len;
	int dir_ok = 0;

	l->v = NULL;
	l->n = 0;
	if (loader_open_list(dir, allowed_uid, &dir_ok, dirmsg, sizeof(dirmsg),
	        &names, &n) == -1)
		return -1;
	if (n == 0) {
		free(names);
		return 0;
	}
	/* Allocated once: pd points into each entry, which must not move. */
	l->v = calloc(n, sizeof(*l->v));
	if (l->v == NULL) {
		loader_free_names(names, n);
		errno = ENOMEM;
		return -1;
	}
	l->n = n;
	for (i = 0; i < n; i++) {
		struct loader_entry *e = &l->v[i];

		len = strlen(dir) + strlen(names[i]) + 2;
		path = malloc(len);
		if (path == NULL) {
			e->file = names[i];
			names[i] = NULL;
			e->error = loader_oom;
			continue;
		}
		snprintf(path, len, "%s/%s", dir, names[i]);
		if (!dir_ok) {
			e->path = path;
			e->file = names[i];
			names[i] = NULL;
			loader_refuse(e, "%s", dirmsg);
			continue;
		}
		if (loader_load_file(e, path, allowed_uid) == 0)
			loader_dedup(l, i);
		free(path);
		free(names[i]);
	}
	free(names);
	return 0;
}

const struct rdd_plugin *
loader_find(struct loader *l, const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < l->n; i++) {
		if (l->v[i].dl != NULL && l->v[i].pd != NULL &&
		    strcmp(l->v[i].pd->name, name) == 0)
			return l->v[i].pd;
	}
	return NULL;
}

void
loader_free(struct loader *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		loader_entry_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

#define LOADER_NO_PLUGINS "no plugins (*.so) in the plugin directory\n"

/* File names are padded to the longest, at most 64 columns. */
static int
loader_file_width(size_t w)
{
	return w > 64 ? 64 : (int)w;
}

static void
loader_print_entry(const struct loader_entry *e, int fw, FILE *out)
{
	char ver[64], desc[256];
	const char *why;
	size_t flen;

	if (e->dl == NULL || e->pd == NULL) {
		why = e->error != NULL ? e->error : "not loaded";
		flen = e->file != NULL ? strlen(e->file) : 0;
		if (flen > 0 && strncmp(why, e->file, flen) == 0 &&
		    strncmp(why + flen, ": ", 2) == 0)
			why += flen + 2;
		fprintf(out, "%-*s  REFUSED: %s\n", fw,
		    e->file != NULL ? e->file : "?", why);
		return;
	}
	loader_clean(
	    ver, sizeof(ver), e->pd->version != NULL ? e->pd->version : "?");
	loader_clean(desc, sizeof(desc),
	    e->pd->description != NULL ? e->pd->description : "");
	fprintf(out, "%-*s  %s %s  ABI %u.%u  %s\n", fw, e->file, e->pd->name,
	    ver, e->pd->abi_major, e->pd->abi_minor, desc);
}

void
loader_print(const struct loader *l, FILE *out)
{
	size_t i, w = 0, flen;
	int fw;

	if (l->n == 0) {
		fputs(LOADER_NO_PLUGINS, out);
		return;
	}
	for (i = 0; i < l->n; i++) {
		flen = l->v[i].file != NULL ? strlen(l->v[i].file) : 0;
		if (flen > w)
			w = flen;
	}
	fw = loader_file_width(w);
	for (i = 0; i < l->n; i++)
		loader_print_entry(&l->v[i], fw, out);
}

/*
 * Inspection in a child process: a plugin whose constructor, or a library it
 * needs, aborts, crashes or hangs takes down only that child, and --plugins
 * reports it and goes on with the next file.
 */
#define LOADER_INSPECT_MS 5000
#define LOADER_INSPECT_MAX (1024 * 1024)

struct loader_child {
	char *buf; /* what the child wrote, NUL-terminated */
	size_t len;
	int status;    /* from waitpid */
	int timed_out; /* killed after LOADER_INSPECT_MS */
};

typedef void (*loader_child_fn)(FILE *out, void *arg);

static int64_t
loader_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
loader_child_main(int wfd, loader_child_fn fn, void *arg)
{
	static const int sigs[] = {
	    SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS};
	sigset_t set;
	size_t i;
	FILE *f;

	/*
	 * The parent's crash handlers (a daemon's, a test framework's) must
	 * not catch the plugin's fault: the child has to die by the signal
	 * for the parent to name it.
	 */
	sigemptyset(&set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		signal(sigs[i], SIG_DFL);
		sigaddset(&set, sigs[i]);
	}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	/* A constructor's chatter must not mix into the parent's listing. */
	dup2(STDERR_FILENO, STDOUT_FILENO);
	f = fdopen(wfd, "w");
	if (f == NULL)
		_exit(1);
	fn(f, arg);
	_exit(fclose(f) == 0 ? 0 : 1);
}

/* Read the child's output until EOF or the deadline. */
static void
loader_child_read(int rfd, pid_t pid, int64_t deadline, struct loader_child *r)
{
	struct pollfd pfd;
	char tmp[4096], *nb;
	int64_t left;
	ssize_t n;

	for (;;) {
		left = deadline - loader_now_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			r->timed_out = 1;
			return;
		}
		pfd.fd = rfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(rfd, tmp, sizeof(tmp));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		if (r->len + (size_t)n > LOADER_INSPECT_MAX)
			continue; /* drained, not kept */
		nb = realloc(r->buf, r->len + (size_t)n + 1);
		if (nb == NULL)
			continue;
		r->buf = nb;
		memcpy(r->buf + r->len, tmp, (size_t)n);
		r->len += (size_t)n;
		r->buf[r->len] = '\0';
	}
}

/*
 * Run fn(out, arg) in a child and collect what it writes to out, within
 * LOADER_INSPECT_MS. Returns 0, or -1 if no child could be started.
 */
static int
loader_run_child(loader_child_fn fn, void *arg, struct loader_child *r)
{
	int64_t deadline;
	int p[2], saved;
	pid_t pid, w;

	memset(r, 0, sizeof(*r));
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	/*
	 * A constructor that calls exit() flushes the stdio buffers the child
	 * inherited: flushed here, they hold nothing to print twice.
	 */
	fflush(NULL);
	deadline = loader_now_ms() + LOADER_INSPECT_MS;
	pid = fork();
	if (pid == -1) {
		saved = errno;
		close(p[0]);
		close(p[1]);
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		loader_child_main(p[1], fn, arg);
	}
	close(p[1]);
	loader_child_read(p[0], pid, deadline, r);
	close(p[0]);
	/*
	 * EOF comes when the child closed the pipe, normally by exiting; a
	 * child that closed it and went on is given the rest of its time.
	 * Polled in 1 ms steps, since there is no descriptor to wait on.
	 */
	while (!r->timed_out) {
		w = waitpid(pid, &r->status, WNOHANG);
		if (w == pid)
			return 0;
		if (w == -1 && errno != EINTR)
			break;
		if (loader_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			r->timed_out = 1;
			break;
		}
		poll(NULL, 0, 1);
	}
	while (waitpid(pid, &r->status, 0) == -1 && errno == EINTR)
		;
	return 0;
}

static const char *
loader_signame(int sig, char *buf, size_t len)
{
	static const struct {
		int sig;
		const char *name;
	} t[] = {{SIGABRT, "SIGABRT"}, {SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"},
	    {SIGILL, "SIGILL"}, {SIGFPE, "SIGFPE"}, {SIGTRAP, "SIGTRAP"},
	    {SIGSYS, "SIGSYS"}, {SIGKILL, "SIGKILL"}, {SIGTERM, "SIGTERM"},
	    {SIGINT, "SIGINT"}, {SIGQUIT, "SIGQUIT"}, {SIGHUP, "SIGHUP"},
	    {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGUSR1, "SIGUSR1"},
	    {SIGUSR2, "SIGUSR2"}, {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"}};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].sig == sig)
			return t[i].name;
	snprintf(buf, len, "signal %d, %s", sig, strsignal(sig));
	return buf;
}

/*
 * Why a child gave no answer, or NULL if it exited normally: the reason
 * without the file name, ending in the fix.
 */
static const char *
loader_child_why(
    const struct loader_child *r, const char *dir, char *buf, size_t len)
{
	char sn[64];

	if (r->timed_out)
		snprintf(buf, len,
		    "loading it did not finish within %d s, so the "
		    "inspecting process was killed: a constructor or a "
		    "library it needs hangs; remove it from %s or rebuild it",
		    LOADER_INSPECT_MS / 1000, dir);
	else if (WIFSIGNALED(r->status))
		snprintf(buf, len,
		    "loading it killed the inspecting process (%s): a "
		    "constructor or a library it needs is broken; remove it "
		    "from %s or rebuild it",
		    loader_signame(WTERMSIG(r->status), sn, sizeof(sn)), dir);
	else if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
		snprintf(buf, len,
		    "loading it made the inspecting process exit with "
		    "status %d: a constructor or a library it needs is "
		    "broken; remove it from %s or rebuild it",
		    WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1, dir);
	else if (r->buf == NULL)
		snprintf(buf, len,
		    "loading it ended the inspecting process before it "
		    "answered: a constructor or a library it needs exits; "
		    "remove it from %s or rebuild it",
		    dir);
	else
		return NULL;
	return buf;
}

/*
 * The child's text came from a process that ran the plugin's code: control
 * bytes other than newlines are masked before they reach a terminal.
 */
static void
loader_put_clean(const char *s, FILE *out)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		fputc((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f
		          ? '?'
		          : (int)c,
		    out);
	}
}

struct loader_probe {
	const char *dir;
	const char *file; /* for inspect_dir */
	const char *name; /* for inspect_help */
	uid_t allowed_uid;
	int fw;
	int man; /* inspect_help: man(7) instead of the table */
};

/* Child of loader_inspect_dir: "NAME\nLINE", NAME empty if refused. */
static void
loader_probe_file(FILE *out, void *arg)
{
	const struct loader_probe *pr = arg;
	struct loader_entry e;
	char *path;
	size_t len;

	len = strlen(pr->dir) + strlen(pr->file) + 2;
	path = malloc(len);
	if (path == NULL) {
		fprintf(
		    out, "\n%-*s  REFUSED: %s\n", pr->fw, pr->file, loader_oom);
		return;
	}
	snprintf(path, len, "%s/%s", pr->dir, pr->file);
	loader_load_file(&e, path, pr->allowed_uid);
	free(path);
	fprintf(out, "%s\n", e.pd != NULL ? e.pd->name : "");
	loader_print_entry(&e, pr->fw, out);
	loader_entry_free(&e);
}

/* Print a refusal for file the way loader_print would. */
static void loader_print_refusal(
    const char *file, int fw, FILE *out, const char *fmt, ...) RDD_PRINTF(4, 5);

static void
loader_print_refusal(const char *file, int fw, FILE *out, const char *fmt, ...)
{
	char buf[RDD_ERRLEN * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(out, "%-*s  REFUSED: %s\n", fw, file, buf);
}

int
loader_inspect_dir(const char *dir, uid_t allowed_uid, FILE *out)
{
	char dirmsg[RDD_ERRLEN], why[RDD_ERRLEN], **names = NULL, **seen;
	struct loader_probe pr;
	struct loader_child r;
	size_t i, j, n = 0, w = 0;
	char *line;
	int dir_ok = 0, fw;

	if (loader_open_list(dir, allowed_uid, &dir_ok, dirmsg, sizeof(dirmsg),
	        &names, &n) == -1)
		return -1;
	if (n == 0) {
		free(names);
		fputs(LOADER_NO_PLUGINS, out);
		return 0;
	}
	/* seen[i]: the plugin name file i loaded as, to refuse duplicates. */
	seen = calloc(n, sizeof(*seen));
	if (seen == NULL) {
		loader_free_names(names, n);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < n; i++)
		if (strlen(names[i]) > w)
			w = strlen(names[i]);
	fw = loader_file_width(w);
	for (i = 0; i < n; i++) {
		if (!dir_ok) {
			loader_print_refusal(names[i], fw, out, "%s", dirmsg);
			continue;
		}
		memset(&pr, 0, sizeof(pr));
		pr.dir = dir;
		pr.file = names[i];
		pr.allowed_uid = allowed_uid;
		pr.fw = fw;
		if (loader_run_child(loader_probe_file, &pr, &r) == -1) {
			loader_print_refusal(names[i], fw, out,
			    "cannot start a process to inspect it: %s",
			    strerror(errno));
			continue;
		}
		line = NULL;
		if (loader_child_why(&r, dir, why, sizeof(why)) == NULL &&
		    (line = strchr(r.buf, '\n')) == NULL)
			snprintf(why, sizeof(why),
			    "the inspecting process gave a garbled answer: "
			    "remove it from %s or rebuild it",
			    dir);
		if (line == NULL) {
			loader_print_refusal(names[i], fw, out, "%s", why);
			free(r.buf);
			continue;
		}
		*line++ = '\0';
		for (j = 0; r.buf[0] != '\0' && j < i; j++)
			if (seen[j] != NULL && strcmp(seen[j], r.buf) == 0)
				break;
		if (r.buf[0] != '\0' && j < i) {
			/* As loader_dedup: the later file in name order loses.
			 */
			loader_print_refusal(names[i], fw, out,
			    "duplicate plugin name '%s' also in %s: remove "
			    "one of the two files",
			    r.buf, names[j]);
			free(r.buf);
			continue;
		}
		if (r.buf[0] != '\0' && loader_name_ok(r.buf, NULL))
			seen[i] = strdup(r.buf);
		loader_put_clean(line, out);
		free(r.buf);
	}
	loader_free_names(seen, n);
	loader_free_names(names, n);
	return 0;
}

/* Child of loader_inspect_help: "O" and the help, or "E" and the reason. */
static void
loader_probe_help(FILE *out, void *arg)
{
	const struct loader_probe *pr = arg;
	struct loader_entry e;

	if (loader_load_name(&e, pr->dir, pr->name, pr->allowed_uid) == -1) {
		fprintf(out, "E%s", e.error != NULL ? e.error : "not loaded");
		loader_entry_free(&e);
		return;
	}
	fputc('O', out);
	if (pr->man)
		loader_print_help_man(e.pd, out);
	else
		loader_print_help(e.pd, out);
	loader_entry_free(&e);
}

static int
loader_inspect_help_as(const char *dir, const char *name, uid_t allowed_uid,
    int man, FILE *out)
{
	char why[RDD_ERRLEN], nm[LOADER_NAME_MAX + 8];
	struct loader_probe pr;
	struct loader_child r;

	memset(&pr, 0, sizeof(pr));
	pr.dir = dir;
	pr.name = name;
	pr.allowed_uid = allowed_uid;
	pr.man = man;
	loader_clean(nm, sizeof(nm), name);
	if (loader_run_child(loader_probe_help, &pr, &r) == -1) {
		fprintf(stderr,
		    "%s/%s.so: cannot start a process to inspect it: %s\n", dir,
		    nm, strerror(errno));
		return 1;
	}
	if (loader_child_why(&r, dir, why, sizeof(why)) != NULL ||
	    (r.buf[0] != 'O' && r.buf[0] != 'E')) {
		if (!r.timed_out && WIFEXITED(r.status) &&
		    WEXITSTATUS(r.status) == 0 && r.buf != NULL)
			snprintf(why, sizeof(why),
			    "the inspecting process gave a garbled answer: "
			    "remove it from %s or rebuild it",
			    dir);
		fprintf(stderr, "%s/%s.so: %s\n", dir, nm, why);
		free(r.buf);
		return 1;
	}
	if (r.buf[0] == 'E') {
		loader_put_clean(r.buf + 1, stderr);
		fputc('\n', stderr);
		free(r.buf);
		return 1;
	}
	loader_put_clean(r.buf + 1, out);
	free(r.buf);
	return 0;
}

int
loader_inspect_help(
    const char *dir, const char *name, uid_t allowed_uid, FILE *out)
{
	return loader_inspect_help_as(dir, name, allowed_uid, 0, out);
}

int
loader_inspect_help_man(
    const char *dir, const char *name, uid_t allowed_uid, FILE *out)
{
	return loader_inspect_help_as(dir, name, allowed_uid, 1, out);
}

static void
loader_fmt_ms(char *buf, size_t len, double v)
{
	static const struct {
		int64_t ms;
		const char *unit;
	} u[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
	int64_t ms = (int64_t)v;
	size_t i;

	if (ms != 0) {
		for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
			if (ms % u[i].ms == 0) {
				snprintf(buf, len, "%lld%s",
				    (long long)(ms / u[i].ms), u[i].unit);
				return;
			}
		}
	}
	snprintf(buf, len, "%lldms", (long long)ms);
}

static void
loader_fmt_bytes(char *buf, size_t len, double v)
{
	static const char units[] = "GMK";
	int64_t b = (int64_t)v, m;
	int i;

	for (i = 0; i < 3; i++) {
		m = (int64_t)1 << (10 * (3 - i));
		if (b != 0 && b % m == 0) {
			snprintf(
			    buf, len, "%lld%c", (long long)(b / m), units[i]);
			return;
		}
	}
	snprintf(buf, len, "%lld", (long long)b);
}

static void
loader_fmt_bound(char *buf, size_t len, enum rdd_opt_type t, double v)
{
	if (t == RDD_OPT_DURATION)
		loader_fmt_ms(buf, len, v);
	else if (t == RDD_OPT_SIZE)
		loader_fmt_bytes(buf, len, v);
	else if (t == RDD_OPT_INT)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%g", v);
}

struct loader_row {
	char name[LOADER_NAME_MAX + 8];
	char type[16];
	char def[64];
	char range[64];
	char flags[24];
	char desc[256];
};

static void
loader_fill_row(struct loader_row *r, const struct rdd_option *o)
{
	char lo[24], hi[24];
	unsigned t = (unsigned)o->type;

	loader_clean(r->name, sizeof(r->name), o->name);
	snprintf(r->type, sizeof(r->type), "%s",
	    t < LOADER_NTYPES ? loader_types[t].name : "?");
	loader_clean(r->def, sizeof(r->def), o->def != NULL ? o->def : "-");
	snprintf(r->range, sizeof(r->range), "-");
	if (o->min < o->max &&
	    (o->type == RDD_OPT_INT || o->type == RDD_OPT_DOUBLE ||
	        o->type == RDD_OPT_DURATION || o->type == RDD_OPT_SIZE)) {
		loader_fmt_bound(lo, sizeof(lo), o->type, o->min);
		loader_fmt_bound(hi, sizeof(hi), o->type, o->max);
		snprintf(r->range, sizeof(r->range), "%s..%s", lo, hi);
	}
	snprintf(r->flags, sizeof(r->flags), "%s%s%s",
	    (o->flags & RDD_OPT_REQUIRED) ? "required" : "",
	    (o->flags & RDD_OPT_REQUIRED) && (o->flags & RDD_OPT_SECRET) ? ","
	                                                                 : "",
	    (o->flags & RDD_OPT_SECRET) ? "secret" : "");
	if (r->flags[0] == '\0')
		snprintf(r->flags, sizeof(r->flags), "-");
	loader_clean(r->desc, sizeof(r->desc), o->desc != NULL ? o->desc : "");
}

static int
loader_widen(int w, const char *s)
{
	int n = (int)strlen(s);

	return n > w ? n : w;
}

void
loader_print_help(const struct rdd_plugin *pd, FILE *out)
{
	static const struct loader_row head = {
	    "NAME", "TYPE", "DEFAULT", "RANGE", "FLAGS", "DESCRIPTION"};
	char s1[128], s2[256];
	struct loader_row *rows;
	size_t i, n = 0;
	int wn, wt, wd, wr, wf;

	loader_clean(s1, sizeof(s1), pd->version != NULL ? pd->version : "?");
	loader_clean(
	    s2, sizeof(s2), pd->description != NULL ? pd->description : "");
	fprintf(out, "%s %s: %s\nABI %u.%u\n\n", pd->name, s1, s2,
	    pd->abi_major, pd->abi_minor);

	fprintf(out, "Recovery actions: ");
	if (pd->actions == NULL || pd->actions[0] == NULL)
		fprintf(out, "none (the plugin only checks)");
	for (i = 0; pd->actions != NULL && pd->actions[i] != NULL &&
	            i < LOADER_ACTIONS_MAX;
	     i++) {
		loader_clean(s1, sizeof(s1), pd->actions[i]);
		fprintf(out, "%s%s", i > 0 ? " -> " : "", s1);
	}
	fprintf(out, "\n\n");

	while (pd->options != NULL && n < LOADER_OPTS_MAX &&
	       pd->options[n].name != NULL)
		n++;
	if (n == 0) {
		fprintf(out, "Options: none\n");
		return;
	}
	rows = calloc(n, sizeof(*rows));
	if (rows == NULL) {
		fprintf(out, "Options: (out of memory)\n");
		return;
	}
	wn = (int)strlen(head.name);
	wt = (int)strlen(head.type);
	wd = (int)strlen(head.def);
	wr = (int)strlen(head.range);
	wf = (int)strlen(head.flags);
	for (i = 0; i < n; i++) {
		loader_fill_row(&rows[i], &pd->options[i]);
		wn = loader_widen(wn, rows[i].name);
		wt = loader_widen(wt, rows[i].type);
		wd = loader_widen(wd, rows[i].def);
		wr = loader_widen(wr, rows[i].range);
		wf = loader_widen(wf, rows[i].flags);
	}
	fprintf(out, "Options:\n");
	for (i = 0; i <= n; i++) {
		const struct loader_row *r = i == 0 ? &head : &rows[i - 1];

		fprintf(out, "  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wn,
		    r->name, wt, r->type, wd, r->def, wr, r->range, wf,
		    r->flags, r->desc);
	}
	free(rows);
}

/* Text for roff: a backslash is \e, and a line never starts a request. */
static void
loader_roff(FILE *out, const char *s)
{
	const char *p;

	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\\')
			fputs("\\e", out);
		else if (*p == '-')
			fputs("\\-", out);
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fputc(' ', out);
		else
			fputc(*p, out);
	}
}

void
loader_print_help_man(const struct rdd_plugin *pd, FILE *out)
{
	struct loader_row r;
	char s[256];
	size_t i;

	loader_clean(s, sizeof(s), pd->name);
	fprintf(out, ".SS \"plugin = \\(dq");
	loader_roff(out, s);
	fprintf(out, "\\(dq\"\n");
	loader_clean(s, sizeof(s), pd->description != NULL ? pd->description
	                                                    : "");
	loader_roff(out, s);
	loader_clean(s, sizeof(s), pd->version != NULL ? pd->version : "?");
	fprintf(out, " (version ");
	loader_roff(out, s);
	fprintf(out, ", ABI %u.%u).\n.PP\nRecovery actions, in order: ",
	    pd->abi_major, pd->abi_minor);
	if (pd->actions == NULL || pd->actions[0] == NULL)
		fprintf(out, "none (the plugin only checks)");
	for (i = 0; pd->actions != NULL && pd->actions[i] != NULL &&
	            i < LOADER_ACTIONS_MAX;
	     i++) {
		loader_clean(s, sizeof(s), pd->actions[i]);
		fprintf(out, "%s\\fB", i > 0 ? ", " : "");
		loader_roff(out, s);
		fprintf(out, "\\fR");
	}
	fprintf(out, ".\n");
	for (i = 0; pd->options != NULL && i < LOADER_OPTS_MAX &&
	            pd->options[i].name != NULL;
	     i++) {
		loader_fill_row(&r, &pd->options[i]);
		fprintf(out, ".TP\n\\fB");
		loader_roff(out, r.name);
		fprintf(out, "\\fR (\\fI");
		loader_roff(out, r.type);
		fprintf(out, "\\fR");
		if (strcmp(r.def, "-") != 0) {
			fprintf(out, ", default ");
			loader_roff(out, r.def);
		}
		if (strcmp(r.range, "-") != 0) {
			fprintf(out, ", ");
			loader_roff(out, r.range);
		}
		if (strcmp(r.flags, "-") != 0) {
			fprintf(out, ", ");
			loader_roff(out, r.flags);
		}
		fprintf(out, ")\n");
		/* Whole: the table's 200-character cut is for terminals. */
		loader_roff(out, pd->options[i].desc != NULL
		                     ? pd->options[i].desc
		                     : "");
		fprintf(out, "\n");
	}
}
