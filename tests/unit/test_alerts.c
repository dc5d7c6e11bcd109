/*
 * test_alerts: the outbox half of issue 10: receivers parsed with file:line
 * and a fix, channel rendering, and the outbox's persistence and bounds.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <json-c/json.h>
#include <libconfig.h>

#include "daemon.h"
#include "alerts/alerts.h"
#include "alerts/delivery.h"

/* ---- receivers ---- */

struct parsed {
	config_t cfg;
	struct alert_receiver *r;
	size_t n;
	struct errlist errs;
	int rc;
};

static void
parse(struct parsed *p, const char *text)
{
	const config_setting_t *l;

	memset(p, 0, sizeof(*p));
	config_init(&p->cfg);
	assert_int_equal(config_read_string(&p->cfg, text), CONFIG_TRUE);
	l = config_lookup(&p->cfg, "receivers");
	assert_non_null(l);
	p->rc = alerts_receivers_parse(l, &p->r, &p->n, &p->errs);
}

static void
parsed_free(struct parsed *p)
{
	alerts_receivers_free(p->r, p->n);
	errlist_free(&p->errs);
	config_destroy(&p->cfg);
}

/* Does any error contain s? */
static int
has_err(const struct parsed *p, const char *s)
{
	size_t i;

	for (i = 0; i < p->errs.n; i++)
		if (strstr(p->errs.v[i], s) != NULL)
			return 1;
	return 0;
}

static void
test_receivers_ok(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p,
	    "receivers = (\n"
	    "{ name = \"hook\"; type = \"webhook\"; url = \"https://x/y\"; "
	    "timeout = \"3s\"; },\n"
	    "{ name = \"chat\"; type = \"slack\"; url_env = \"SLACK_URL\"; },\n"
	    "{ name = \"mail\"; type = \"email\"; url = \"smtps://m.example\"; "
	    "user = \"u\"; token_file = \"/etc/pw\"; from = \"a@b\"; "
	    "to = [\"c@d\", \"e@f\"]; },\n"
	    "{ name = \"sms\"; type = \"sms\"; user = \"AC1\"; "
	    "token_env = \"TW\"; to = \"+1555\"; fields = [\"A=b\"]; },\n"
	    "{ name = \"run\"; type = \"command\"; command = [\"/bin/x\", "
	    "\"y\"]; retry_min = \"1s\"; retry_max = \"10s\"; }\n);\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.n, 5);
	assert_string_equal(p.r[0].name, "hook");
	assert_int_equal(p.r[0].type, RCV_WEBHOOK);
	assert_int_equal(p.r[0].timeout_ms, 3000);
	assert_int_equal(p.r[0].retry_min_ms, 5000);
	assert_int_equal(p.r[0].retry_max_ms, 300000);
	assert_int_equal(p.r[0].line, 2);
	assert_string_equal(p.r[1].url_env, "SLACK_URL");
	assert_int_equal(p.r[2].to.n, 2);
	assert_string_equal(p.r[2].to.v[1], "e@f");
	assert_null(p.r[2].to.v[2]);
	assert_int_equal(p.r[3].to.n, 1);
	assert_int_equal(p.r[4].command.n, 2);
	assert_null(p.r[4].command.v[2]);
	assert_int_equal(p.r[4].retry_max_ms, 10000);
	parsed_free(&p);
}

static void
test_receivers_errors(void **state)
{
	static const struct {
		const char *conf, *err;
	} cases[] = {
	    {"{ name = \"a\"; type = \"webhook\"; url = \"https://x\"; "
	     "token = \"t0ps3cret\"; }",
	        "token_env"},
	    {"{ name = \"a\"; type = \"webhook\"; url = \"https://x\"; "
	     "colour = \"red\"; }",
	        "unknown key 'colour'"},
	    {"{ name = \"a\"; type = \"webhook\"; }", "needs url"},
	    {"{ name = \"a\"; type = \"email\"; url = \"smtp://m\"; "
	     "to = \"x@y\"; }",
	        "needs from"},
	    {"{ name = \"a\"; type = \"email\"; url = \"smtp://m\"; "
	     "from = \"x@y\"; }",
	        "needs to"},
	    {"{ name = \"a\"; type = \"email\"; url = \"http://m\"; "
	     "from = \"x@y\"; to = \"z@w\"; }",
	        "smtp://"},
	    {"{ name = \"a\"; type = \"sms\"; url = \"https://g\"; }",
	        "needs to"},
	    {"{ name = \"a\"; type = \"command\"; }", "needs command"},
	    {"{ name = \"a\"; type = \"pager\"; }", "not a receiver type"},
	    {"{ type = \"webhook\"; url = \"https://x\"; }", "name: missing"},
	    {"{ name = \"a\"; type = \"webhook\"; "
	     "url = \"https://u:pw@x\"; }",
	        "holds a password"},
	    {"{ name = \"a\"; type = \"webhook\"; url = \"https://x\"; "
	     "url_env = \"U\"; }",
	        "one of url"},
	    {"{ name = \"a\"; type = \"webhook\"; url = \"https://x\"; "
	     "timeout = \"0s\"; }",
	        "timeout"},
	    {"{ name = \"a\"; type = \"webhook\"; url = \"https://x\"; },"
	     "{ name = \"a\"; type = \"slack\"; url = \"https://y\"; }",
	        "a second receiver named 'a'"},
	};
	char text[1024];
	struct parsed p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "receivers = (\n%s\n);\n",
		    cases[i].conf);
		parse(&p, text);
		if (p.rc == 0 || !has_err(&p, cases[i].err))
			fail_msg("case %zu: wanted '%s', got %s", i,
			    cases[i].err, p.errs.n ? p.errs.v[0] : "no error");
		/* file:line first, the receiver named, never the secret. */
		assert_non_null(strstr(p.errs.v[0], ":2: alerts.receivers["));
		assert_null(strstr(p.errs.v[0], "t0ps3cret"));
		parsed_free(&p);
	}
}

/* ---- channels ---- */

static json_object *
payload(const char *status, const char *summary)
{
	json_object *p = chan_test_payload("r", 1796310000123LL, "web-1");
	json_object *a =
	    json_object_array_get_idx(json_object_object_get(p, "alerts"), 0);
	json_object *lab = json_object_object_get(a, "labels");
	json_object *ann = json_object_object_get(a, "annotations");

	json_object_object_add(p, "status", json_object_new_string(status));
	json_object_object_add(a, "status", json_object_new_string(status));
	json_object_object_add(
	    lab, "severity", json_object_new_string("critical"));
	json_object_object_add(lab, "monitor", json_object_new_string("api"));
	json_object_object_add(ann, "summary", json_object_new_string(summary));
	return p;
}

static void
test_slack(void **state)
{
	json_object *p = payload("firing", "disk <full> & slow"), *o, *b;
	char *s;

	(void)state;
	s = chan_slack(p);
	assert_non_null(s);
	o = json_tokener_parse(s);
	assert_non_null(o);
	assert_string_equal(
	    json_object_get_string(json_object_object_get(o, "text")),
	    "[FIRING] CRITICAL web-1 (api): disk <full> & slow");
	b = json_object_object_get(o, "blocks");
	assert_int_equal(json_object_array_length(b), 3);
	assert_string_equal(json_object_get_string(json_object_object_get(
	                        json_object_array_get_idx(b, 0), "type")),
	    "header");
	/* mrkdwn escapes in sections */
	assert_non_null(strstr(s, "disk &lt;full&gt; &amp; slow"));
	assert_non_null(strstr(s, "_Next step:_"));
	json_object_put(o);
	free(s);
	json_object_put(p);
	p = payload("resolved", "back");
	s = chan_slack(p);
	assert_non_null(strstr(s, "\"text\":\"[RESOLVED] web-1 (api): back\""));
	assert_non_null(strstr(s, ":large_green_circle:"));
	free(s);
	json_object_put(p);
}

static void
test_email(void **state)
{
	json_object *p = payload("firing", "api down");
	struct rdd_strlist to;
	char *to_v[] = {"a@x", "b@x", NULL}, *m, *m2, *body;

	(void)state;
	to.n = 2;
	to.v = to_v;
	m = chan_email(p, "rdd@x", &to, "k1", 1796310000123LL, "host");
	m2 = chan_email(p, "rdd@x", &to, "k1", 1796310099000LL, "host");
	assert_non_null(m);
	assert_non_null(strstr(m, "Date: Thu, 03 Dec 2026 "));
	assert_non_null(strstr(m, " +0000\r\n"));
	assert_non_null(strstr(m, "\r\nFrom: rdd@x\r\n"));
	assert_non_null(strstr(m, "\r\nTo: a@x, b@x\r\n"));
	assert_non_null(strstr(m, "\r\nSubject: [FIRING] CRITICAL web-1 (api): "
	                          "api down\r\n"));
	/* The same key, the same Message-ID, whenever it is resent. */
	assert_non_null(strstr(m, "Message-ID: <rdd."));
	assert_memory_equal(
	    strstr(m, "Message-ID"), strstr(m2, "Message-ID"), 60);
	body = strstr(m, "\r\n\r\n");
	assert_non_null(body);
	assert_non_null(strstr(body, "What happened:\r\n  api down\r\n"));
	assert_non_null(strstr(body, "What was tried:\r\n"));
	assert_non_null(strstr(body, "Next step:\r\n  None: this receiver "
	                             "works.\r\n"));
	assert_null(strstr(m, "\n\n")); /* no bare LF line ends */
	free(m);
	free(m2);
	json_object_put(p);
	/* A header cannot be injected; non-ASCII goes RFC 2047. */
	p = payload("firing", "x\r\nBcc: evil@x \xc3\xa9t\xc3\xa9");
	m = chan_email(p, "rdd@x", &to, "k", 0, "h");
	assert_null(strstr(m, "\r\nBcc:"));
	assert_non_null(strstr(m, "Subject: =?UTF-8?B?"));
	free(m);
	json_object_put(p);
}

static void
test_sms(void **state)
{
	char long_s[400], *b, *f;
	struct rdd_strlist fl;
	char *fv[] = {"StatusCallback=https://x/cb?a=1", NULL};
	json_object *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(long_s) - 1; i++)
		long_s[i] = (char)('a' + i % 26);
	long_s[sizeof(long_s) - 1] = '\0';
	/* a 2-byte character across the cut */
	memcpy(long_s + 120, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 10);
	p = payload("firing", long_s);
	b = chan_sms_body(p);
	assert_true(strlen(b) <= CHAN_SMS_MAX);
	assert_string_equal(b + strlen(b) - 3, "...");
	assert_int_equal(strncmp(b, "[FIRING] CRITICAL web-1 (api): ", 31), 0);
	fl.n = 1;
	fl.v = fv;
	f = chan_sms_form("a b&c=d", "+1 555", "+1666", &fl);
	assert_string_equal(f, "To=%2B1666&From=%2B1+555&Body=a+b%26c%3Dd&"
	                       "StatusCallback=https%3A%2F%2Fx%2Fcb%3Fa%3D1");
	free(f);
	free(b);
	json_object_put(p);
}

static void
test_env(void **state)
{
	json_object *p = payload("resolved", "fine again");
	char **env = chan_env(p, "ops", "key-1");
	int seen = 0;
	size_t i;

	(void)state;
	for (i = 0; env[i] != NULL; i++) {
		seen += strcmp(env[i], "RDD_EVENT=test") == 0;
		seen += strcmp(env[i], "RDD_MONITOR=api") == 0;
		seen += strcmp(env[i], "RDD_TARGET=web-1") == 0;
		seen += strcmp(env[i], "RDD_STATE=OK") == 0;
		seen += strcmp(env[i], "RDD_MESSAGE=fine again") == 0;
		seen += strcmp(env[i], "RDD_KEY=key-1") == 0;
	}
	assert_int_equal(seen, 6);
	chan_env_free(env);
	json_object_put(p);
}

static void
test_rcv_roundtrip(void **state)
{
	struct parsed p;
	struct alert_receiver r;
	json_object *o;

	(void)state;
	parse(&p,
	    "receivers = ( { name = \"mail\"; type = \"email\"; "
	    "url = \"smtp://m:25\"; user = \"u\"; token_env = \"PW\"; "
	    "from = \"a@b\"; to = [\"c@d\", \"e@f\"]; timeout = \"7s\"; } );");
	assert_int_equal(p.rc, 0);
	o = chan_rcv_json(&p.r[0]);
	assert_int_equal(chan_rcv_from_json(o, &r), 0);
	assert_string_equal(r.name, "mail");
	assert_int_equal(r.type, RCV_EMAIL);
	assert_string_equal(r.token_env, "PW");
	assert_int_equal(r.to.n, 2);
	assert_string_equal(r.to.v[1], "e@f");
	assert_null(r.to.v[2]);
	assert_int_equal(r.timeout_ms, 7000);
	chan_rcv_release(&r);
	json_object_put(o);
	parsed_free(&p);
}

/* ---- the outbox, without receivers: nothing is sent, all is kept ---- */

struct obfx {
	char dir[64];
	char box[128];
	struct rdd_daemon d;
};

static int
ob_setup(void **state)
{
	struct obfx *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/test_alerts.XXXXXX");
	if (f == NULL || mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->box, sizeof(f->box), "%s/outbox", f->dir);
	f->d.base = event_base_new();
	*state = f;
	return 0;
}

static int
ob_teardown(void **state)
{
	struct obfx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	event_base_free(f->d.base);
	free(f);
	return 0;
}

static size_t
ob_files(const char *dir)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	while (d != NULL && (de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return n;
}

/* The keys of one receiver's files, in file-name (sequence) order. */
static char *
ob_keys(const char *dir)
{
	struct dirent **nl;
	char *out = calloc(1, 65536), path[512], *t;
	int n, i;
	json_object *o;

	n = scandir(dir, &nl, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (nl[i]->d_name[0] != '.') {
			snprintf(
			    path, sizeof(path), "%s/%s", dir, nl[i]->d_name);
			t = util_read_file(path, 1 << 20, NULL);
			o = json_tokener_parse(t);
			strcat(out, json_object_get_string(
			                json_object_object_get(o, "key")));
			strcat(out, " ");
			json_object_put(o);
			free(t);
		}
		free(nl[i]);
	}
	free(nl);
	return out;
}

static void
test_outbox_persist(void **state)
{
	struct obfx *f = *state;
	char err[256], *k;
	struct outbox *ob;
	struct outbox_rcv_stats st[4];

	ob = outbox_new(&f->d, f->box, err, sizeof(err));
	assert_non_null(ob);
	assert_int_equal(
	    outbox_put(ob, "a", "k1", "{\"x\":1}", RDD_CRITICAL), 0);
	assert_int_equal(outbox_put(ob, "b", "k2", "{}", RDD_OK), 0);
	assert_int_equal(outbox_put(ob, "a", "k3", "{}", RDD_WARNING), 0);
	/* the same key twice: once */
	assert_int_equal(
	    outbox_put(ob, "a", "k1", "{\"x\":1}", RDD_CRITICAL), 0);
	assert_int_equal(outbox_depth(ob), 3);
	assert_int_equal(ob_files(f->box), 3);
	assert_false(outbox_has_receiver(ob, "a")); /* not configured */
	outbox_free(ob);
	/* a crash left a temporary file behind: removed at start */
	k = NULL;
	assert_true(
	    asprintf(&k, "%s/00000000000000ff.json.tmp.1.0", f->box) > 0);
	assert_int_equal(util_write_atomic(k, "x", 1, 0600), 0);
	free(k);
	ob = outbox_new(&f->d, f->box, err, sizeof(err));
	assert_int_equal(outbox_depth(ob), 3);
	assert_int_equal(ob_files(f->box), 3);
	assert_int_equal(outbox_stats(ob, st, 4), 2);
	/* new entries go after the reloaded ones */
	assert_int_equal(outbox_put(ob, "a", "k4", "{}", RDD_OK), 0);
	k = ob_keys(f->box);
	assert_string_equal(k, "k1 k2 k3 k4 ");
	free(k);
	outbox_free(ob);
}

static void
test_outbox_bound(void **state)
{
	struct obfx *f = *state;
	char err[256], key[32], *k;
	struct outbox *ob;
	int i;

	ob = outbox_new(&f->d, f->box, err, sizeof(err));
	assert_non_null(ob);
	/* 998 critical, then 2 info: full at 1000 */
	for (i = 0; i < 998; i++) {
		snprintf(key, sizeof(key), "c%d", i);
		assert_int_equal(
		    outbox_put(ob, "a", key, "{}", RDD_CRITICAL), 0);
	}
	assert_int_equal(outbox_put(ob, "a", "i0", "{}", RDD_OK), 0);
	assert_int_equal(outbox_put(ob, "a", "i1", "{}", RDD_OK), 0);
	assert_int_equal(outbox_depth(ob), 1000);
	/* a warning in: the oldest info goes */
	assert_int_equal(outbox_put(ob, "a", "w0", "{}", RDD_WARNING), 0);
	assert_int_equal(outbox_depth(ob), 1000);
	assert_int_equal(ob_files(f->box), 1000);
	k = ob_keys(f->box);
	assert_null(strstr(k, "i0 "));
	assert_non_null(strstr(k, "i1 "));
	free(k);
	/* info in when nothing less important is left: the new one goes */
	assert_int_equal(outbox_put(ob, "a", "i2", "{}", RDD_OK), 0);
	assert_int_equal(outbox_put(ob, "a", "w1", "{}", RDD_WARNING), 0);
	assert_int_equal(outbox_put(ob, "a", "i3", "{}", RDD_OK), 0);
	k = ob_keys(f->box);
	assert_null(strstr(k, "i1 "));
	assert_null(strstr(k, "i3 "));
	assert_non_null(strstr(k, "c0 "));
	assert_non_null(strstr(k, "w1 "));
	free(k);
	assert_int_equal(outbox_depth(ob), 1000);
	outbox_free(ob);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_receivers_ok),
	    cmocka_unit_test(test_receivers_errors),
	    cmocka_unit_test(test_slack),
	    cmocka_unit_test(test_email),
	    cmocka_unit_test(test_sms),
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_rcv_roundtrip),
	    cmocka_unit_test_setup_teardown(
	        test_outbox_persist, ob_setup, ob_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_outbox_bound, ob_setup, ob_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
