/*
 * t_rest: the REST scheduler against tests/tools/http-stub.py on
 * 127.0.0.1 -- a plain GET, a budget that the server's own count shows
 * was never passed, 429 and 418 backoffs honoured to the millisecond of
 * the server's log, 5xx and transport errors retried, rest_next_ms; and
 * on an event loop (rest_attach), paced starts from the loop's timers.
 * The stub is started per case and stopped by its PID.
 */
/* load: 3 (sockets, other processes: make check-load runs it 3 times) */

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/buf.h"
#include "io/loop.h"
#include "net/rest.h"
#include "tap.h"
#include "base/timeutil.h"

#define LOG_MAX 256
/*
 * How long a test waits for something that must happen: a bound on a
 * hang only, never a pace (the stub is a python3 process, and the
 * machine may be busy, the build sanitized).
 */
#define HANG_MS 60000

static char dir[] = "/tmp/t_rest.XXXXXX";
static int nstub;

struct stub {
	pid_t pid;
	int port;
};

/* What the stub's /stats said. */
struct stats {
	long total, peak, count;
	int n;
	double t[LOG_MAX];
	int status[LOG_MAX];
	int weight[LOG_MAX];
	char path[LOG_MAX][128];
};

/* What a done callback saw. */
struct res {
	int done;
	int status;
	int tries;
	int book;		/* the body was a decoded depth snapshot */
	int64_t at;		/* epoch ms */
	char body[256];
	char error[256];
};

struct limits {
	int n;
	int status[16];
	int64_t until[16];
	int64_t at[16];
};

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Start http-stub.py with extra flags (NULL-terminated); 0 or -1. */
static int
stub_start(struct stub *s, const char *const *flags)
{
	const char *top = getenv("TOP");
	char script[4096], portfile[256];
	const char *argv[32];
	int64_t end;
	int i, n = 0;
	FILE *f;

	if (!top)
		top = ".";
	snprintf(script, sizeof script, "%s/tests/tools/http-stub.py", top);
	snprintf(portfile, sizeof portfile, "%s/port.%d", dir, nstub++);
	argv[n++] = "python3";
	argv[n++] = script;
	argv[n++] = "--port-file";
	argv[n++] = portfile;
	for (i = 0; flags && flags[i] && n < 31; i++)
		argv[n++] = flags[i];
	argv[n] = NULL;
	s->port = 0;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	/* A bound on a hang only: python3 may start slowly on a busy machine. */
	end = time_now_ms() + HANG_MS;
	while (!s->port && time_now_ms() < end) {
		f = fopen(portfile, "r");
		if (f) {
			if (fscanf(f, "%d", &s->port) != 1)
				s->port = 0;
			fclose(f);
		}
		if (!s->port)
			sleep_ms(10);
	}
	unlink(portfile);
	if (!s->port) {
		tap_diag("http-stub did not start (%s)", script);
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		return -1;
	}
	return 0;
}

static void
stub_stop(struct stub *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

static size_t
get_write(char *p, size_t size, size_t n, void *ud)
{
	buf_add(ud, p, size * n);
	return size * n;
}

static long
num_after(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* GET /stats with a plain blocking libcurl call, and parse it. */
static int
stub_stats(const struct stub *s, struct stats *st)
{
	struct buf b;
	char url[128];
	const char *p, *q;
	CURL *e;
	int rc;

	memset(st, 0, sizeof *st);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/stats", s->port);
	buf_init(&b, 1 << 24);
	e = curl_easy_init();
	if (!e)
		return -1;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, get_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 5L);
	rc = curl_easy_perform(e) == CURLE_OK ? 0 : -1;
	curl_easy_cleanup(e);
	buf_addc(&b, '\0');
	if (rc < 0 || buf_failed(&b)) {
		buf_free(&b);
		return -1;
	}
	st->total = num_after(b.p, "\"total\":");
	st->peak = num_after(b.p, "\"peak\":");
	st->count = num_after(b.p, "\"count\":");
	for (p = strstr(b.p, "{\"t\":"); p && st->n < LOG_MAX;
	    p = strstr(p + 1, "{\"t\":")) {
		st->t[st->n] = strtod(p + 5, NULL);
		st->status[st->n] = (int)num_after(p, "\"status\":");
		st->weight[st->n] = (int)num_after(p, "\"weight\":");
		q = strstr(p, "\"path\":\"");
		if (q)
			sscanf(q + 8, "%127[^\"]", st->path[st->n]);
		st->n++;
	}
	buf_free(&b);
	return 0;
}

static void
on_done(struct rest_req *q, int status, const char *body, size_t n,
    void *ctx)
{
	struct res *res = ctx;

	res->done++;
	res->status = status;
	res->tries = q->tries;
	res->at = time_now_ms();
	res->book = n > 0 && body[n] == '\0' && body[0] == '{' &&
	    strstr(body, "\"lastUpdateId\":") && strstr(body, "\"bids\":[[");
	snprintf(res->body, sizeof res->body, "%.*s", (int)n, body);
	snprintf(res->error, sizeof res->error, "%s", q->error);
}

static void
on_limit(const char *host, int status, int64_t until, void *ctx)
{
	struct limits *l = ctx;

	(void)host;
	if (l->n < 16) {
		l->status[l->n] = status;
		l->until[l->n] = until;
		l->at[l->n] = time_now_ms();
		l->n++;
	}
}

static void
req_init(struct rest_req *q, const char *host, int port, const char *path,
    int weight, struct res *res)
{
	memset(q, 0, sizeof *q);
	memset(res, 0, sizeof *res);
	snprintf(q->url, sizeof q->url, "http://127.0.0.1:%d%s", port, path);
	q->host_key = host;
	q->weight = weight;
	q->done = on_done;
	q->ctx = res;
}

/* Run until *flag reaches want or ms pass; 0 when it did. */
static int
run_until(struct rest *r, const int *flag, int want, int64_t ms)
{
	int64_t end = time_now_ms() + ms;

	while (*flag < want && time_now_ms() < end)
		if (rest_run(r, 50) < 0) {
			tap_diag("rest_run: %s", strerror(errno));
			return -1;
		}
	return *flag >= want ? 0 : -1;
}

static void
test_get(void)
{
	struct stub s;
	struct rest *r;
	struct rest_req q, q2;
	struct res res, res2;
	struct rest_host_state st;
	int rc;

	if (stub_start(&s, NULL) < 0) {
		tap_ok(0, "http-stub starts");
		return;
	}
	tap_ok(rest_open(&r, NULL) == 0, "rest_open");
	tap_eq_i(rest_next_ms(r), -1, "next_ms: nothing queued");
	req_init(&q, "binance-spot", s.port,
	    "/api/v3/depth?symbol=BTCUSDT&limit=100", 5, &res);
	errno = 0;
	rc = rest_submit(r, &q);
	tap_ok(rc < 0 && errno == ENOENT, "submit without a budget: ENOENT");
	tap_ok(rest_budget(r, "binance-spot", 6000, 60000, 0.5) == 0,
	    "budget 6000/min, share 0.5");
	errno = 0;
	rc = rest_budget(r, "x", 6000, 60000, 1.5);
	tap_ok(rc < 0 && errno == EINVAL, "share above 1: EINVAL");
	q.weight = 3001;
	errno = 0;
	rc = rest_submit(r, &q);
	tap_ok(rc < 0 && errno == E2BIG, "weight above the share: E2BIG");
	q.weight = 5;
	memcpy(q.url, "ftp:", 4);
	errno = 0;
	rc = rest_submit(r, &q);
	tap_ok(rc < 0 && errno == EINVAL, "not http(s): EINVAL");
	memcpy(q.url, "http", 4);

	tap_ok(rest_submit(r, &q) == 0, "submit");
	tap_eq_i(rest_next_ms(r), 0, "next_ms: can start now");
	errno = 0;
	rc = rest_submit(r, &q);
	tap_ok(rc < 0 && errno == EBUSY, "submit twice: EBUSY");
	req_init(&q2, "binance-spot", s.port,
	    "/api/v3/depth?symbol=ETHUSDT&limit=5000", 250, &res2);
	tap_ok(rest_submit(r, &q2) == 0 && rest_pending(r) == 2,
	    "a second request is pending");
	tap_eq_i(rest_cancel(r, &q2), 1, "cancel a queued request");
	tap_eq_i(rest_cancel(r, &q2), 0, "cancel it again: not pending");

	tap_ok(run_until(r, &res.done, 1, HANG_MS) == 0, "GET completes");
	tap_eq_i(res.status, 200, "status 200");
	tap_ok(res.book, "body: a gzip-decoded depth snapshot");
	tap_eq_i(res.tries, 1, "one try");
	tap_eq_i(res2.done, 0, "cancelled request: no callback");
	tap_ok(rest_host_state(r, "binance-spot", &st) == 0, "host state");
	tap_eq_i(st.server_used, 5, "X-MBX-USED-WEIGHT-1M read");
	tap_eq_i(st.used, 5, "used weight 5");
	tap_eq_i(st.limit, 3000, "usable limit 3000");
	tap_eq_i((int64_t)st.sent, 1, "one sent");
	tap_eq_i(rest_next_ms(r), -1, "next_ms: idle again");
	errno = 0;
	rc = rest_host_state(r, "nope", &st);
	tap_ok(rc < 0 && errno == ENOENT, "unknown host state: ENOENT");
	rest_close(r);
	stub_stop(&s);
}

/*
 * On a loop: seven requests, of which REST_PACE_N start at once and the
 * others when the pace allows, from the loop's timer; libcurl's sockets
 * in the loop's set.
 */
#define LOOP_REQS (REST_PACE_N + 2)

static void
test_loop(void)
{
	struct stub s;
	struct rest *r;
	struct loop *l;
	struct rest_req q[LOOP_REQS];
	struct res res[LOOP_REQS];
	struct stats st;
	int64_t end, t0;
	int i, done = 0, ok200 = 0, rc;

	if (stub_start(&s, NULL) < 0) {
		tap_ok(0, "http-stub starts");
		return;
	}
	if (loop_open(&l) < 0 || rest_open(&r, NULL) < 0) {
		tap_ok(0, "loop: open: %s", strerror(errno));
		stub_stop(&s);
		return;
	}
	tap_ok(rest_budget(r, "binance-spot", 6000, 60000, 0.5) == 0 &&
	    rest_attach(r, l) == 0, "loop: attached");
	errno = 0;
	rc = rest_run(r, 0);
	tap_ok(rc < 0 && errno == EINVAL, "loop: rest_run refused");
	t0 = time_now_ms();
	for (i = 0; i < LOOP_REQS; i++) {
		req_init(&q[i], "binance-spot", s.port,
		    "/api/v3/depth?symbol=BTCUSDT&limit=100", 5, &res[i]);
		if (rest_submit(r, &q[i]) < 0)
			tap_diag("submit: %s", strerror(errno));
	}
	end = time_now_ms() + 10000;
	while (done < LOOP_REQS && time_now_ms() < end) {
		if (loop_once(l, 50) < 0) {
			tap_diag("loop_once: %s", strerror(errno));
			break;
		}
		for (done = 0, i = 0; i < LOOP_REQS; i++)
			done += res[i].done;
	}
	for (i = 0; i < LOOP_REQS; i++)
		ok200 += res[i].done == 1 && res[i].status == 200 &&
		    res[i].book;
	tap_eq_i(ok200, LOOP_REQS, "loop: every request answered, 200");
	tap_eq_i(rest_error(r), 0, "loop: no error inside the loop");
	tap_eq_i((int64_t)rest_pending(r), 0, "loop: nothing pending");
	/* The last one cannot start before a pace after the first. */
	tap_ok(res[LOOP_REQS - 1].at - t0 >= REST_PACE_MS - 2,
	    "loop: the last one waited for the pace (%lld ms)",
	    (long long)(res[LOOP_REQS - 1].at - t0));
	rc = stub_stats(&s, &st);
	tap_ok(rc == 0 && st.n == LOOP_REQS, "loop: the server saw %d "
	    "requests", st.n);
	rest_close(r);
	loop_close(l);
	stub_stop(&s);
}

/* Largest number of log entries within any ms window. */
static int
max_within(const struct stats *st, double ms)
{
	int i, j, best = 0;

	for (i = 0; i < st->n; i++) {
		for (j = i; j < st->n && st->t[j] < st->t[i] + ms; j++)
			;
		if (j - i > best)
			best = j - i;
	}
	return best;
}

#define NBUDGET 100

static void
test_budget(void)
{
	const char *flags[] = { "--window-ms", "1000", NULL };
	static struct rest_req q[NBUDGET];
	static struct res res[NBUDGET];
	struct rest_host_state hs;
	struct stats st;
	struct stub s;
	struct rest *r;
	int i, done, all200 = 1, max_used = 0, waited = 0, sane = 1;
	int64_t t0, next, end;
	char path[128];

	if (stub_start(&s, flags) < 0) {
		tap_ok(0, "http-stub starts");
		return;
	}
	if (rest_open(&r, NULL) < 0 ||
	    rest_budget(r, "b", 4000, 1000, 0.5) < 0) {
		tap_ok(0, "rest_open, budget");
		stub_stop(&s);
		return;
	}
	for (i = 0; i < NBUDGET; i++) {
		snprintf(path, sizeof path,
		    "/api/v3/depth?symbol=S%d&limit=1000", i);
		req_init(&q[i], "b", s.port, path, 50, &res[i]);
		if (rest_submit(r, &q[i]) < 0)
			sane = 0;
	}
	tap_ok(sane, "100 requests of weight 50 queued");
	t0 = time_now_ms();
	end = t0 + HANG_MS;
	for (done = 0; done < NBUDGET && time_now_ms() < end;) {
		if (rest_run(r, 50) < 0)
			break;
		if (rest_host_state(r, "b", &hs) == 0 && hs.used > max_used)
			max_used = hs.used;
		next = rest_next_ms(r);
		if (hs.queued > 0 && hs.active == 0) {
			/* Throttled: the wait is known and within a window. */
			if (next > 0)
				waited = 1;
			if (next < 0 || next > 1000)
				sane = 0;
		}
		for (done = 0, i = 0; i < NBUDGET; i++)
			done += res[i].done;
	}
	for (i = 0; i < NBUDGET; i++)
		if (res[i].done != 1 || res[i].status != 200 || !res[i].book)
			all200 = 0;
	tap_eq_i(done, NBUDGET, "all 100 complete");
	tap_ok(all200, "all answered 200 with a book");
	tap_diag("100 x weight 50 at 2000/s took %lld ms",
	    (long long)(time_now_ms() - t0));
	/*
	 * Ours plus others' as estimated: requests in flight beside one
	 * pass for others' until the next answer, so this may top 2000.
	 */
	tap_ok(max_used >= 1500, "used weight reached the budget (max %d)",
	    max_used);
	tap_ok(waited, "rest_next_ms > 0 while throttled");
	tap_ok(sane, "rest_next_ms within one window while throttled");
	tap_ok(stub_stats(&s, &st) == 0, "stub /stats");
	tap_eq_i(st.count, NBUDGET, "server saw 100 requests");
	tap_eq_i(st.total, NBUDGET * 50, "server counted weight 5000");
	tap_ok(st.peak <= 2000, "server's peak in any 1 s <= 2000 (%ld)",
	    st.peak);
	tap_ok(st.peak >= 1000, "the budget was used, not wasted (%ld)",
	    st.peak);
	/* Sent at most N per 100 ms; the server's clock adds jitter. */
	tap_ok(max_within(&st, REST_PACE_MS) <= 3 * REST_PACE_N,
	    "spread out: at most %d in any %d ms (%d)", 3 * REST_PACE_N,
	    REST_PACE_MS, max_within(&st, REST_PACE_MS));
	rest_close(r);
	stub_stop(&s);
}

/* Others on the IP use 1800 of 2000: we keep to the 200 left. */
static void
test_others(void)
{
	const char *flags[] = { "--window-ms", "1000", "--others", "1800",
		NULL };
	struct rest_req q[8];
	struct res res[8];
	struct rest_host_state hs;
	struct stats st;
	struct stub s;
	struct rest *r;
	int i, done = 0;
	char path[64];

	if (stub_start(&s, flags) < 0) {
		tap_ok(0, "http-stub starts");
		return;
	}
	if (rest_open(&r, NULL) < 0 ||
	    rest_budget(r, "b", 4000, 1000, 0.5) < 0) {
		tap_ok(0, "rest_open, budget");
		stub_stop(&s);
		return;
	}
	for (i = 0; i < 8; i++) {
		snprintf(path, sizeof path,
		    "/api/v3/depth?symbol=S%d&limit=1000", i);
		req_init(&q[i], "b", s.port, path, 50, &res[i]);
	}
	/* Nothing is known of the others until the first answer. */
	if (rest_submit(r, &q[0]) < 0 ||
	    run_until(r, &res[0].done, 1, HANG_MS) < 0)
		tap_diag("first request failed");
	tap_ok(rest_host_state(r, "b", &hs) == 0 && hs.server_used == 1850 &&
	    hs.used == 1850, "used: the server's count, others included (%d)",
	    hs.used);
	for (i = 1; i < 8; i++)
		if (rest_submit(r, &q[i]) < 0)
			tap_diag("submit %d failed", i);
	for (i = 1; i < 8; i++)
		if (run_until(r, &res[i].done, 1, HANG_MS) == 0 &&
		    res[i].status == 200)
			done++;
	tap_eq_i(done, 7, "all complete");
	tap_ok(stub_stats(&s, &st) == 0 && st.n == 8, "server saw 8 requests");
	tap_ok(st.peak <= 200, "our peak in any 1 s <= 200 (%ld)", st.peak);
	rest_close(r);
	stub_stop(&s);
}

static void
test_429(void)
{
	const char *flags[] = { "--fail-429", "1", NULL };
	const char *flags5[] = { "--fail-429", "10", "--retry-after-429", "0",
		NULL };
	struct rest_host_state hs;
	struct limits lim = { 0 };
	struct rest_req q;
	struct res res;
	struct stats st;
	struct stub s;
	struct rest *r;
	int64_t next;

	if (stub_start(&s, flags) < 0) {
		tap_ok(0, "http-stub starts");
		return;
	}
	if (rest_open(&r, NULL) < 0 ||
	    rest_budget(r, "spot", 6000, 60000, 0.5) < 0) {
		tap_ok(0, "rest_open, budget");
		stub_stop(&s);
		return;
	}
	rest_on_limit(r, on_limit, &lim);
	req_init(&q, "spot", s.port, "/api/v3/depth?symbol=BTCUSDT&limit=10",
	    5, &res);
	tap_ok(rest_submit(r, &q) == 0, "submit");
	tap_ok(run_until(r, &lim.n, 1, HANG_MS) == 0, "429: on_limit called");
	tap_eq_i(lim.status[0], 429, "on_limit status 429");
	tap_ok(lim.until[0] - lim.at[0] > 900 && lim.until[0] - lim.at[0] <=
	    1000, "on_limit until: Retry-After 1 s from now (%lld ms)",
	    (long long)(lim.until[0] - lim.at[0]));
	tap_eq_i(res.done, 0, "429: done not called");
	next = rest_next_ms(r);
	tap_ok(next > 800 && next <= 1000,
	    "next_ms waits out Retry-After (%lld)", (long long)next);
	tap_ok(rest_host_state(r, "spot", &hs) == 0 && hs.n429 == 1 &&
	    !hs.banned && hs.backoff_until_ms > time_now_ms(),
	    "host state: one 429, backed off, not banned");
	tap_ok(run_until(r, &res.done, 1, HANG_MS) == 0, "then completes");
	tap_eq_i(res.status, 200, "status 200 after the 429");
	tap_eq_i(res.tries, 2, "two tries");
	tap_ok(stub_stats(&s, &st) == 0 && st.n == 2, "server saw 2 requests");
	tap_ok(st.status[0] == 429 && st.status[1] == 200 &&
	    st.t[1] - st.t[0] >= 1000,
	    "nothing sent before Retry-After (%.0f ms later)",
	    st.t[1] - st.t[0]);
	if (rest_run(r, 0) < 0)
		tap_diag("rest_run: %s", strerror(errno));
	tap_ok(lim.n == 2 && lim.status[1] == 0,
	    "on_limit: backoff over (status 0)");
	stub_stop(&s);

	/* Five 429s in a row: the request is given up with 429. */
	if (stub_start(&s, flags5) < 0) {
		tap_ok(0, "http-stub starts");
		rest_close(r);
		return;
	}
	req_init(&q, "spot", s.port, "/api/v3/depth?symbol=BTCUSDT&limit=10",
	    5, &res);
	tap_ok(rest_submit(r, &q) == 0, "submit");
	tap_ok(run_until(r, &res.done, 1, 5000) == 0, "given up in time");
	tap_eq_i(res.status, 429, "done with 429 after the limit");
	tap_eq_i(res.tries, REST_MAX_LIMITED, "after REST_MAX_LIMITED tries");
	tap_ok(strstr(res.body, "-1003") != NULL, "429 body handed over");
	tap_ok(stub_stats(&s, &st) == 0 && st.n == REST_MAX_LIMITED,
	    "server saw %d requests", REST_MAX_LIMITED);
	rest_close(r);
	stub_stop(&s);
}

static void
test_418(void)
{
	const char *flags[] = { "--fail-418", "1", NULL };
	struct rest_host_state hs;
	struct limits lim = { 0 };
	struct rest_req a[3], b;
	struct res ra[3], rb;
	struct stats st;
	struct stub s;
	struct rest *r;
	int i, adone, early = 0, other_in_ban = 0;

	if (stub_start(&s, flags) < 0) {
		tap_ok(0, "http-stub starts");
		return;
	}
	if (rest_open(&r, NULL) < 0 ||
	    rest_budget(r, "ban", 6000, 60000, 0.5) < 0 ||
	    rest_budget(r, "other", 2400, 60000, 0.5) < 0) {
		tap_ok(0, "rest_open, budgets");
		stub_stop(&s);
		return;
	}
	rest_on_limit(r, on_limit, &lim);
	req_init(&a[0], "ban", s.port, "/api/v3/depth?symbol=A0&limit=100", 5,
	    &ra[0]);
	tap_ok(rest_submit(r, &a[0]) == 0, "submit");
	tap_ok(run_until(r, &lim.n, 1, HANG_MS) == 0, "418: on_limit called");
	tap_eq_i(lim.status[0], 418, "on_limit status 418");
	tap_ok(lim.until[0] - lim.at[0] > 1900 && lim.until[0] - lim.at[0] <=
	    2000, "banned until Retry-After 2 s (%lld ms)",
	    (long long)(lim.until[0] - lim.at[0]));
	tap_ok(rest_host_state(r, "ban", &hs) == 0 && hs.banned &&
	    hs.n418 == 1 && hs.backoff_until_ms > time_now_ms(),
	    "host state: banned");
	for (i = 1; i < 3; i++) {
		char path[64];

		snprintf(path, sizeof path,
		    "/api/v3/depth?symbol=A%d&limit=100", i);
		req_init(&a[i], "ban", s.port, path, 5, &ra[i]);
		if (rest_submit(r, &a[i]) < 0)
			tap_diag("submit A%d failed", i);
	}
	req_init(&b, "other", s.port, "/fapi/v1/depth?symbol=B&limit=100", 5,
	    &rb);
	tap_ok(rest_submit(r, &b) == 0, "submit to another host");
	/* Within the ban, however long the other host takes to answer. */
	tap_ok(run_until(r, &rb.done, 1, hs.backoff_until_ms - time_now_ms())
	    == 0 && rb.status == 200,
	    "the other host is served during the ban");
	adone = ra[0].done + ra[1].done + ra[2].done;
	tap_eq_i(adone, 0, "the banned host's requests wait");
	for (i = 0; i < 3; i++)
		if (run_until(r, &ra[i].done, 1, HANG_MS) < 0 ||
		    ra[i].status != 200)
			tap_diag("A%d: done %d status %d", i, ra[i].done,
			    ra[i].status);
	adone = ra[0].done + ra[1].done + ra[2].done;
	tap_eq_i(adone, 3, "after the ban all complete");
	tap_eq_i(ra[0].tries, 2, "the banned request was tried again");
	tap_ok(stub_stats(&s, &st) == 0 && st.n == 5, "server saw 5 requests");
	tap_eq_i(st.status[0], 418, "first answer 418");
	for (i = 1; i < st.n; i++) {
		if (strstr(st.path[i], "symbol=A") && st.t[i] - st.t[0] < 2000)
			early++;
		if (strstr(st.path[i], "symbol=B") && st.t[i] - st.t[0] < 1000)
			other_in_ban = 1;
	}
	tap_eq_i(early, 0, "nothing sent to the banned host before its end");
	tap_ok(other_in_ban, "the other host was called during the ban");
	if (rest_run(r, 0) < 0)
		tap_diag("rest_run: %s", strerror(errno));
	tap_ok(lim.n == 2 && lim.status[1] == 0, "on_limit: ban over");
	tap_ok(rest_host_state(r, "ban", &hs) == 0 && !hs.banned &&
	    hs.backoff_until_ms == 0, "host state: no longer banned");
	rest_close(r);
	stub_stop(&s);
}

/* A port nothing listens on. */
static int
closed_port(void)
{
	struct sockaddr_in sa = { 0 };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void
test_5xx(void)
{
	const char *flags1[] = { "--fail-500", "1", NULL };
	const char *flags5[] = { "--fail-500", "5", NULL };
	struct rest_host_state hs;
	struct rest_req q, q2;
	struct res res, res2;
	struct stats st;
	struct stub s;
	struct rest *r;
	int64_t t0;

	if (stub_start(&s, flags1) < 0) {
		tap_ok(0, "http-stub starts");
		return;
	}
	if (rest_open(&r, NULL) < 0 ||
	    rest_budget(r, "spot", 6000, 60000, 0.5) < 0 ||
	    rest_budget(r, "dead", 6000, 60000, 0.5) < 0) {
		tap_ok(0, "rest_open, budgets");
		stub_stop(&s);
		return;
	}
	req_init(&q, "spot", s.port, "/api/v3/depth?symbol=BTCUSDT&limit=10",
	    5, &res);
	tap_ok(rest_submit(r, &q) == 0, "submit");
	tap_ok(run_until(r, &res.done, 1, HANG_MS) == 0, "500 once: completes");
	tap_eq_i(res.status, 200, "status 200 after a 500");
	tap_eq_i(res.tries, 2, "two tries");
	tap_ok(stub_stats(&s, &st) == 0 && st.n == 2, "server saw 2 requests");
	tap_ok(st.status[0] == 500 && st.status[1] == 200 &&
	    st.t[1] - st.t[0] >= 1000, "retried 1 s later (%.0f ms)",
	    st.t[1] - st.t[0]);
	stub_stop(&s);

	/* A 500 every time, and a refused connection, side by side. */
	if (stub_start(&s, flags5) < 0) {
		tap_ok(0, "http-stub starts");
		rest_close(r);
		return;
	}
	req_init(&q, "spot", s.port, "/api/v3/depth?symbol=BTCUSDT&limit=10",
	    5, &res);
	req_init(&q2, "dead", closed_port(), "/api/v3/depth?symbol=X", 5,
	    &res2);
	t0 = time_now_ms();
	tap_ok(rest_submit(r, &q) == 0 && rest_submit(r, &q2) == 0, "submit");
	tap_ok(run_until(r, &res.done, 1, HANG_MS) == 0 &&
	    run_until(r, &res2.done, 1, HANG_MS) == 0, "both given up");
	tap_eq_i(res.status, 500, "500 handed over after the retries");
	tap_eq_i(res.tries, REST_MAX_TRIES, "after REST_MAX_TRIES tries");
	tap_eq_i(res2.status, -1, "transport error: status -1");
	tap_eq_i(res2.tries, REST_MAX_TRIES, "transport error retried too");
	tap_ok(res2.error[0] != '\0', "with a reason: %s", res2.error);
	tap_ok(res.at - t0 >= 3000, "backoff 1 s then 2 s (%lld ms)",
	    (long long)(res.at - t0));
	tap_ok(stub_stats(&s, &st) == 0 && st.n == 3 &&
	    st.t[1] - st.t[0] >= 1000 && st.t[2] - st.t[1] >= 2000,
	    "server saw 3 tries, 1 s and 2 s apart");
	tap_ok(rest_host_state(r, "dead", &hs) == 0 && hs.nerr == 3 &&
	    hs.sent == 3, "dead host: 3 sent, 3 errors");
	rest_close(r);
	stub_stop(&s);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_get();
	test_budget();
	test_others();
	test_429();
	test_418();
	test_5xx();
	test_loop();
	curl_global_cleanup();
	rmdir(dir);
	return tap_done();
}
