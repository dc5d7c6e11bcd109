/*
 * test_sdk: the SDK header's ABI arithmetic, which every loader check and
 * every plugin's RDD_HOST_HAS / host's RDD_PLUGIN_HAS test depends on, and
 * the mock host's 1.1 additions (post, validate, start_err), which plugin
 * authors' tests depend on.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "redundancyd/rdd_plugin.h"
#include "tests/lib/mock_host.h"

static void
test_magic_spells_rddp(void **state)
{
	uint32_t m = RDD_PLUGIN_MAGIC;

	assert_int_equal((m >> 24) & 0xff, 'R');
	assert_int_equal((m >> 16) & 0xff, 'D');
	assert_int_equal((m >> 8) & 0xff, 'D');
	assert_int_equal(m & 0xff, 'P');
}

static void
test_v1_size_covers_every_callback(void **state)
{
	/* 1.0's descriptor ends at destroy; 1.1 only appended after it. */
	assert_int_equal(RDD_PLUGIN_SIZE_V1_0,
	    offsetof(struct rdd_plugin, destroy) + sizeof(void (*)(void *)));
	assert_true(RDD_PLUGIN_SIZE_V1_0 > offsetof(struct rdd_plugin, check));
	assert_true(
	    RDD_PLUGIN_SIZE_V1_0 <= offsetof(struct rdd_plugin, validate));
}

static void
test_v1_1_appends_at_the_end(void **state)
{
	assert_int_equal(RDD_ABI_MAJOR, 1);
	assert_int_equal(RDD_ABI_MINOR, 4);
	/* Nothing after the 1.1 fields: the next minor appends after them. */
	assert_int_equal(sizeof(struct rdd_plugin),
	    offsetof(struct rdd_plugin, start_err) +
		sizeof(((struct rdd_plugin *)0)->start_err));
	assert_true(offsetof(struct rdd_plugin, validate) <
	    offsetof(struct rdd_plugin, start_err));
	/* 1.2 appended read_only after 1.1's post, nothing else. */
	assert_int_equal(RDD_HOST_SIZE_V1_1,
	    offsetof(struct rdd_host, read_only));
	/* 1.3 appended report_bounds after 1.2's read_only, nothing else. */
	assert_int_equal(
	    RDD_HOST_SIZE_V1_2, offsetof(struct rdd_host, report_bounds));
	/* 1.4 appended stopping_for_good after 1.3's report_bounds. */
	assert_int_equal(
	    RDD_HOST_SIZE_V1_3, offsetof(struct rdd_host, stopping_for_good));
	assert_int_equal(sizeof(struct rdd_host),
	    offsetof(struct rdd_host, stopping_for_good) +
	        sizeof(((struct rdd_host *)0)->stopping_for_good));
	assert_true(RDD_HOST_SIZE_V1_0 <= offsetof(struct rdd_host, post));
	assert_true(
	    RDD_HOST_SIZE_V1_0 > offsetof(struct rdd_host, command_done));
}

static void
test_header_initialiser(void **state)
{
	static const struct rdd_plugin p = { RDD_PLUGIN_HEADER, .name = "x" };

	assert_int_equal(p.magic, RDD_PLUGIN_MAGIC);
	assert_int_equal(p.abi_major, RDD_ABI_MAJOR);
	assert_int_equal(p.abi_minor, RDD_ABI_MINOR);
	assert_int_equal(p.size, sizeof(struct rdd_plugin));
}

static void
test_host_has(void **state)
{
	struct rdd_host h = { .size = sizeof(struct rdd_host) };

	assert_true(RDD_HOST_HAS(&h, command_done));
	h.size = offsetof(struct rdd_host, report);
	assert_true(RDD_HOST_HAS(&h, log));
	assert_false(RDD_HOST_HAS(&h, report));
	assert_false(RDD_HOST_HAS(&h, command_done));
}

/* A 1.1 plugin on a 1.0 host sees a table that ends at command_done. */
static void
test_host_has_on_a_1_0_host(void **state)
{
	struct rdd_host h = { .size = RDD_HOST_SIZE_V1_0 };

	assert_true(RDD_HOST_HAS(&h, command_done));
	assert_false(RDD_HOST_HAS(&h, post));
	h.size = sizeof(struct rdd_host);
	assert_true(RDD_HOST_HAS(&h, post));
}

/* The host's view of a 1.0 descriptor and of a 1.1 one. */
static void
test_plugin_has(void **state)
{
	struct rdd_plugin p = { RDD_PLUGIN_HEADER };

	assert_true(RDD_PLUGIN_HAS(&p, destroy));
	assert_true(RDD_PLUGIN_HAS(&p, validate));
	assert_true(RDD_PLUGIN_HAS(&p, start_err));
	p.size = RDD_PLUGIN_SIZE_V1_0;
	assert_true(RDD_PLUGIN_HAS(&p, destroy));
	assert_false(RDD_PLUGIN_HAS(&p, validate));
	assert_false(RDD_PLUGIN_HAS(&p, start_err));
}

/* A small 1.1 plugin: a thread that posts, validate and start_err. */

#define NPOSTS 50

struct tp_config {
	int64_t n;
};

struct tp;

/* What the plugin's thread hands to the loop: one result. */
struct tp_item {
	struct tp *t;
	int v;
};

struct tp {
	const struct rdd_host *host;
	struct rdd_monitor *m;
	struct tp_item items[NPOSTS];
	int nseen;
	int order_ok;
	pthread_t thr;
};

static const struct rdd_option tp_options[] = {
	{ "n", RDD_OPT_INT, "1", 0, 0, offsetof(struct tp_config, n), 0,
	    "a number" },
	RDD_OPTIONS_END,
};

static int tp_never_calls;

static int
tp_validate(const struct rdd_host *host, const void *config, char *err,
    size_t errlen)
{
	const struct tp_config *cfg = config;

	if (cfg->n < 0) {
		snprintf(err, errlen, "n: %lld is negative", (long long)cfg->n);
		return -1;
	}
	return 0;
}

static int
tp_start_err(void *ctx, char *err, size_t errlen)
{
	snprintf(err, errlen, "cannot bind: address in use");
	return -1;
}

static int
tp_start(void *ctx)
{
	return 0;
}

static int
tp_fail_if_called(const struct rdd_host *host, const void *config, char *err,
    size_t errlen)
{
	tp_never_calls++;
	return -1;
}

static void
tp_check(void *ctx, struct rdd_check *c)
{
}

static int
tp_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	return -1;
}

static const struct rdd_plugin tp_plugin = {
	RDD_PLUGIN_HEADER,
	.name = "tp",
	.version = "0",
	.options = tp_options,
	.config_size = sizeof(struct tp_config),
	.create = tp_create,
	.check = tp_check,
	.validate = tp_validate,
	.start_err = tp_start_err,
};

/* On the loop thread, in the order the plugin thread posted. */
static void
tp_on_result(void *arg)
{
	struct tp_item *it = arg;
	struct tp *t = it->t;

	if (t->nseen != it->v)
		t->order_ok = 0;
	t->nseen++;
	/* Host functions are allowed here: this is the loop thread. */
	t->host->log(t->m, RDD_LOG_DEBUG, "result %d", it->v);
}

static void *
tp_thread(void *arg)
{
	struct tp *t = arg;
	int i;

	for (i = 0; i < NPOSTS; i++) {
		t->items[i].t = t;
		t->items[i].v = i;
		if (t->host->post(t->m, tp_on_result, &t->items[i]) != 0)
			return NULL;
	}
	return NULL;
}

static void
test_mock_is_a_1_1_host(void **state)
{
	struct mock_host mh;

	mock_host_init(&mh, "tp");
	assert_int_equal(mh.host.abi_minor, 4);
	assert_int_equal(mh.host.size, sizeof(struct rdd_host));
	assert_true(RDD_HOST_HAS(&mh.host, post));
	assert_true(RDD_HOST_HAS(&mh.host, read_only));
	assert_int_equal(mh.host.read_only(mock_monitor(&mh)), 0);
	mh.read_only = 1;
	assert_int_equal(mh.host.read_only(mock_monitor(&mh)), 1);
	assert_non_null(mh.host.post);
	mock_host_set_minor(&mh, 0);
	assert_false(RDD_HOST_HAS(&mh.host, post));
	assert_true(RDD_HOST_HAS(&mh.host, command_done));
	assert_null(mh.host.post);
	mock_host_set_minor(&mh, 1);
	assert_true(RDD_HOST_HAS(&mh.host, post));
	assert_false(RDD_HOST_HAS(&mh.host, read_only));
	mock_host_set_minor(&mh, 2);
	assert_true(RDD_HOST_HAS(&mh.host, read_only));
	assert_false(RDD_HOST_HAS(&mh.host, report_bounds));
	mock_host_set_minor(&mh, 3);
	assert_true(RDD_HOST_HAS(&mh.host, report_bounds));
	assert_non_null(mh.host.report_bounds);
	assert_false(RDD_HOST_HAS(&mh.host, stopping_for_good));
	mock_host_set_minor(&mh, 4);
	assert_true(RDD_HOST_HAS(&mh.host, stopping_for_good));
	assert_int_equal(mh.host.stopping_for_good(mock_monitor(&mh)), 0);
	mh.stopping_for_good = 1;
	assert_int_equal(mh.host.stopping_for_good(mock_monitor(&mh)), 1);
	mock_host_free(&mh);
}

static void
test_mock_post_from_a_thread(void **state)
{
	struct mock_host mh;
	struct tp t;

	mock_host_init(&mh, "tp");
	memset(&t, 0, sizeof(t));
	t.host = &mh.host;
	t.m = mock_monitor(&mh);
	t.order_ok = 1;
	assert_int_equal(pthread_create(&t.thr, NULL, tp_thread, &t), 0);
	/* Run while the thread may still post: the lock makes it safe. */
	while (t.nseen < NPOSTS) {
		mock_post_run(&mh);
		sched_yield();
	}
	assert_int_equal(pthread_join(t.thr, NULL), 0);
	assert_int_equal(mock_post_pending(&mh), 0);
	assert_int_equal(mh.posts, NPOSTS);
	assert_int_equal(mh.posts_run, NPOSTS);
	assert_true(t.order_ok);
	assert_int_equal(mh.nlogs, NPOSTS);
	assert_int_equal(mh.violations, 0);
	mock_host_free(&mh);
}

static int tp_counter;

static void
tp_count(void *arg)
{
	tp_counter++;
}

/* A callback that posts again waits for the next turn of the loop. */
static void
tp_repost(void *arg)
{
	struct mock_host *mh = arg;

	tp_counter++;
	mh->host.post(mock_monitor(mh), tp_repost, mh);
}

static void
test_mock_post_rules(void **state)
{
	struct mock_host mh;
	struct rdd_monitor *m;

	mock_host_init(&mh, "tp");
	m = mock_monitor(&mh);
	errno = 0;
	assert_int_equal(mh.host.post(m, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	mh.refuse_post = 1;
	assert_int_equal(mh.host.post(m, tp_count, NULL), -1);
	assert_int_equal(errno, ENOMEM);
	mh.refuse_post = 0;

	tp_counter = 0;
	assert_int_equal(mh.host.post(m, tp_repost, &mh), 0);
	assert_int_equal(mock_post_run(&mh), 1);
	assert_int_equal(mock_post_run(&mh), 1);
	assert_int_equal(tp_counter, 2);
	assert_int_equal(mock_post_pending(&mh), 1);

	/* stop: what is queued and what comes later is never called. */
	assert_int_equal(mh.host.post(m, tp_count, NULL), 0);
	mock_plugin_stop(&mh, &tp_plugin, NULL);
	assert_int_equal(mh.host.post(m, tp_count, NULL), 0);
	assert_int_equal(mock_post_pending(&mh), 0);
	assert_int_equal(mock_post_run(&mh), 0);
	assert_int_equal(tp_counter, 2);
	assert_int_equal(mh.posts_dropped, 3);

	/* Posts are taken again once the plugin is started again. */
	assert_int_equal(
	    mock_plugin_start(&mh, &tp_plugin, NULL, NULL, 0), -1);
	assert_int_equal(mh.host.post(m, tp_count, NULL), 0);
	assert_int_equal(mock_post_run(&mh), 1);
	assert_int_equal(tp_counter, 3);
	mock_host_free(&mh);
}

static void
test_mock_validate_and_start_err(void **state)
{
	struct mock_host mh;
	struct rdd_plugin old;
	char err[128];
	void *cfg;

	mock_host_init(&mh, "tp");
	cfg = mock_config_new(&mh, &tp_plugin, "n", "3", NULL);
	assert_non_null(cfg);
	assert_int_equal(
	    mock_plugin_validate(&mh, &tp_plugin, cfg, err, sizeof(err)), 0);
	cfg = mock_config_new(&mh, &tp_plugin, "n", "-2", NULL);
	assert_int_equal(
	    mock_plugin_validate(&mh, &tp_plugin, cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "n: -2 is negative");

	/* start_err is preferred over start, and its reason comes back. */
	old = tp_plugin;
	old.start = tp_start;
	assert_int_equal(mock_plugin_start(&mh, &old, NULL, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "cannot bind: address in use");

	/*
	 * A descriptor of 1.0's size: fields past it are not the plugin's,
	 * whatever they hold, so neither validate nor start_err is called.
	 */
	old.size = RDD_PLUGIN_SIZE_V1_0;
	old.validate = tp_fail_if_called;
	tp_never_calls = 0;
	assert_int_equal(
	    mock_plugin_validate(&mh, &old, cfg, err, sizeof(err)), 0);
	assert_int_equal(tp_never_calls, 0);
	assert_int_equal(mock_plugin_start(&mh, &old, NULL, err, sizeof(err)),
	    0);
	assert_int_equal(mh.violations, 0);
	mock_host_free(&mh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_magic_spells_rddp),
		cmocka_unit_test(test_v1_size_covers_every_callback),
		cmocka_unit_test(test_v1_1_appends_at_the_end),
		cmocka_unit_test(test_header_initialiser),
		cmocka_unit_test(test_host_has),
		cmocka_unit_test(test_host_has_on_a_1_0_host),
		cmocka_unit_test(test_plugin_has),
		cmocka_unit_test(test_mock_is_a_1_1_host),
		cmocka_unit_test(test_mock_post_from_a_thread),
		cmocka_unit_test(test_mock_post_rules),
		cmocka_unit_test(test_mock_validate_and_start_err),
	};

	return cmocka_run_group_tests_name("sdk", tests, NULL, NULL);
}
