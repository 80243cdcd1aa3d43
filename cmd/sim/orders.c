/*
 * orders.c: mkt-sim's private side: the order endpoints' routing and
 * bodies, the keys and the signature checks as the venues document
 * them, order-rate limits, faults on demand (--order-fault,
 * --ack-delay), and the routing of the truth endpoints /sim/orders and
 * /sim/positions (orders_truth.c).  The venues' answers are in
 * orders_bn.c and orders_by.c, the user data stream in ustream.c; the
 * matching engine is lib/sim/simorders.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fixed.h"
#include "base/timeutil.h"
#include "prog/err.h"

#include "orders.h"

const char *const fault_names[FAULT_COUNT] = {
	"hang", "close", "5xx", "timeout", "reject",
};

#define BODY_MAX (1 << 20)

static const struct {
	const char *path;
	enum oep ep;
	int api;		/* enum api, -1: the simulator's own */
} oroutes[] = {
	{ "/api/v3/order", OE_BN_ORDER, API_SPOT },
	{ "/api/v3/openOrders", OE_BN_OPEN, API_SPOT },
	{ "/api/v3/myTrades", OE_BN_TRADES, API_SPOT },
	{ "/api/v3/account", OE_BN_ACCOUNT, API_SPOT },
	{ "/fapi/v1/order", OE_BN_ORDER, API_FUT },
	{ "/fapi/v1/openOrders", OE_BN_OPEN, API_FUT },
	{ "/fapi/v1/userTrades", OE_BN_TRADES, API_FUT },
	{ "/fapi/v3/positionRisk", OE_FUT_POSITION, API_FUT },
	{ "/fapi/v3/balance", OE_FUT_BALANCE, API_FUT },
	{ "/fapi/v1/listenKey", OE_BN_LISTENKEY, API_FUT },
	{ "/v5/order/create", OE_BY_CREATE, API_BYBIT },
	{ "/v5/order/cancel", OE_BY_CANCEL, API_BYBIT },
	{ "/v5/order/realtime", OE_BY_REALTIME, API_BYBIT },
	{ "/v5/execution/list", OE_BY_EXECUTIONS, API_BYBIT },
	{ "/v5/position/list", OE_BY_POSITION, API_BYBIT },
	{ "/v5/account/wallet-balance", OE_BY_WALLET, API_BYBIT },
	{ "/sim/orders", OE_TRUTH_ORDERS, -1 },
	{ "/sim/positions", OE_TRUTH_POSITIONS, -1 },
};
#define NROUTES (sizeof oroutes / sizeof oroutes[0])

int
orders_path(const char *path)
{
	size_t i;

	for (i = 0; i < NROUTES; i++)
		if (strcmp(path, oroutes[i].path) == 0)
			return (int)i;
	return -1;
}

/* ---------------------------------------------------------------- */
/* Keys, setup */

static uint64_t
rng_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Set the key and secret from two strings; -1 when too long. */
static int
set_keys(struct secret *c, const char *key, size_t kn, const char *sec,
    size_t sn)
{
	if (!kn || !sn || kn > SECRET_MAX || sn > SECRET_MAX)
		return -1;
	memcpy(c->key, key, kn);
	c->key[kn] = '\0';
	c->key_len = kn;
	memcpy(c->secret, sec, sn);
	c->secret_len = sn;
	return 0;
}

/* The line p[0..n) without a "key=" or "secret=" tag and trailing
 * blanks. */
static const char *
key_line(const char *p, size_t *n, const char *tag)
{
	size_t t = strlen(tag);

	if (*n >= t && memcmp(p, tag, t) == 0) {
		p += t;
		*n -= t;
	}
	while (*n && (p[*n - 1] == '\r' || p[*n - 1] == ' ' ||
	    p[*n - 1] == '\t'))
		(*n)--;
	return p;
}

/* --key-file: a regular file of mode 0600 or stricter, owned by us, of
 * two lines: the key, the secret ("key=..."/"secret=..." read the
 * same). */
static void
load_key_file(struct sim *s, const char *path)
{
	char text[2 * SECRET_MAX + 64];
	struct stat st;
	const char *k, *v, *nl;
	size_t kn, vn;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		die_errno("cannot open '%s'", path);
	if (fstat(fd, &st) < 0)
		die_errno("cannot stat '%s'", path);
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) ||
	    st.st_uid != geteuid())
		die("key file '%s': mode %04o, must be 0600 and the user's",
		    path, (unsigned)(st.st_mode & 07777));
	n = read(fd, text, sizeof text - 1);
	if (n < 0)
		die_errno("cannot read '%s'", path);
	close(fd);
	text[n] = '\0';
	nl = strchr(text, '\n');
	if (!nl)
		die("key file '%s': want two lines, the key and the secret",
		    path);
	kn = (size_t)(nl - text);
	k = key_line(text, &kn, "key=");
	v = nl + 1;
	nl = strchr(v, '\n');
	vn = nl ? (size_t)(nl - v) : strlen(v);
	v = key_line(v, &vn, "secret=");
	if (set_keys(&s->cred, k, kn, v, vn) < 0)
		die("key file '%s': want two lines, the key and the secret",
		    path);
	explicit_bzero(text, sizeof text);
}

/* The key and secret: --key-file, else MKT_API_KEY and MKT_API_SECRET,
 * else the documented test pair. */
static void
load_keys(struct sim *s)
{
	const char *k = getenv("MKT_API_KEY"), *v = getenv("MKT_API_SECRET");

	memset(&s->cred, 0, sizeof s->cred);
	if (s->o->key_file) {
		load_key_file(s, s->o->key_file);
		return;
	}
	if (k && v && *k && *v) {
		if (set_keys(&s->cred, k, strlen(k), v, strlen(v)) < 0)
			die("MKT_API_KEY or MKT_API_SECRET: too long");
		return;
	}
	if (set_keys(&s->cred, SIM_TEST_KEY, strlen(SIM_TEST_KEY),
	    SIM_TEST_SECRET, strlen(SIM_TEST_SECRET)) < 0)
		die("cannot set the test keys");
}

void
orders_init(struct sim *s)
{
	uint64_t x;
	int i;

	so_init(&s->eng, s->o->seed, s->o->fee_ppm);
	load_keys(s);
	s->fault_rng = s->o->fault_seed_given ? s->o->fault_seed :
	    s->o->seed;
	s->stream_rng = s->o->seed ^ 0x73747265616dULL;
	x = s->o->seed ^ 0x6c697374656e6b65ULL;
	for (i = 0; i < 64; i += 16)
		snprintf(s->listen_key + i, 17, "%016llx",
		    (unsigned long long)rng_next(&x));
}

void
orders_free(struct sim *s)
{
	so_free(&s->eng);
	free(s->told);
	explicit_bzero(&s->cred, sizeof s->cred);
}

/* At the end: the orders placed and the faults given, when any. */
void
orders_report(const struct sim *s)
{
	int i;

	if (!s->eng.norders)
		return;
	fprintf(stderr, "%s: orders: %zu placed; faults:", err_progname(),
	    s->eng.norders);
	for (i = 0; i < FAULT_COUNT; i++)
		fprintf(stderr, "%s %s %llu", i ? "," : "", fault_names[i],
		    (unsigned long long)s->faults[i]);
	fputc('\n', stderr);
	if (s->stream_lost || s->stream_dropped)
		fprintf(stderr, "%s: user streams: %llu events lost, %llu "
		    "streams dropped\n", err_progname(),
		    (unsigned long long)s->stream_lost,
		    (unsigned long long)s->stream_dropped);
}

int
is_derivative(enum mk mk)
{
	return mk == MK_BN_FUT || mk == MK_BY_LINEAR;
}

/* After a market's step: the resting orders it reached fill. */
void
orders_step(struct sim *s, struct inst *in)
{
	if (!s->eng.norders)
		return;
	if (so_step(&s->eng, (int)in->mk, in->sm, time_now_ms()) < 0)
		die_nomem();
	ustream_publish(s);
}

/* ---------------------------------------------------------------- */
/* Parameters */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode p[0..n) (x-www-form-urlencoded) onto the store, NUL ended. */
static const char *
store_decoded(struct params *pr, const char *p, size_t n)
{
	char *d, *start;
	size_t i;

	if (pr->used + n + 1 > pr->cap) {
		size_t nc = (pr->cap + n + 1) * 2;
		char *q = realloc(pr->store, nc);

		if (!q)
			die_nomem();
		/* Keep the pointers already handed out valid. */
		for (i = 0; i < pr->n; i++) {
			pr->k[i] = q + (pr->k[i] - pr->store);
			pr->v[i] = q + (pr->v[i] - pr->store);
		}
		pr->store = q;
		pr->cap = nc;
	}
	d = start = pr->store + pr->used;
	for (i = 0; i < n; i++) {
		if (p[i] == '+')
			*d++ = ' ';
		else if (p[i] == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 &&
		    hexval(p[i + 2]) >= 0) {
			*d++ = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
			i += 2;
		} else
			*d++ = p[i];
	}
	*d++ = '\0';
	pr->used = (size_t)(d - pr->store);
	return start;
}

/* Add the k=v pairs of p[0..n) to pr. */
static void
params_add(struct params *pr, const char *p, size_t n)
{
	const char *end = p + n, *amp, *eq;

	while (p < end && pr->n < PARAMS_MAX) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (!amp)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq && eq > p) {
			const char *k = store_decoded(pr, p, (size_t)(eq - p));
			size_t kd = (size_t)(k - pr->store);
			const char *v = store_decoded(pr, eq + 1,
			    (size_t)(amp - eq - 1));

			pr->k[pr->n] = pr->store + kd;
			pr->v[pr->n] = v;
			pr->n++;
		}
		p = amp + 1;
	}
}

const char *
param(const struct oreq *r, const char *k)
{
	size_t i;

	for (i = 0; i < r->prm.n; i++)
		if (strcmp(r->prm.k[i], k) == 0)
			return r->prm.v[i];
	return NULL;
}

/* A parameter of digits: 1, 0 when absent, -1 when malformed. */
int
param_u64(const struct oreq *r, const char *k, uint64_t *v)
{
	const char *p = param(r, k);
	uint64_t x = 0;
	size_t i;

	*v = 0;
	if (!p)
		return 0;
	for (i = 0; p[i]; i++) {
		if (p[i] < '0' || p[i] > '9' || i >= 19)
			return -1;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	if (!i)
		return -1;
	*v = x;
	return 1;
}

/* A decimal as an integer of dp decimals; -1 when not a positive
 * decimal or finer than dp. */
int64_t
parse_scaled(const char *v, int dp)
{
	struct fx x;
	fx_i128 m;

	if (!v || fx_parse(v, strlen(v), &x) != FX_OK)
		return -1;
	/* "60000.10000000" is 60000.1: trailing zeros are no precision. */
	x = fx_trim(x);
	if (fx_at_scale(x, dp, &m) < 0 || m <= 0 || m > INT64_MAX)
		return -1;
	return (int64_t)m;
}

int
parse_price(struct inst *in, const char *v, int64_t *ticks)
{
	int64_t m = parse_scaled(v, in->sm->p.px_dp);

	if (m < 0 || m % in->sm->p.tick)
		return -1;
	*ticks = m / in->sm->p.tick;
	return 0;
}

int
parse_qty(struct inst *in, const char *v, int64_t *qty)
{
	int64_t m = parse_scaled(v, SM_QTY_DP);

	if (m < 0 || (in->sm->p.lot > 0 && m % in->sm->p.lot))
		return -1;
	*qty = m;
	return 0;
}

void
put_amount(struct buf *b, int64_t v, int dp)
{
	buf_add_fx_dp(b, (struct fx){ v, SM_QTY_DP }, dp);
}

void
put_qty(struct buf *b, int64_t v, int dp)
{
	put_amount(b, v, dp);
}

void
put_px(struct buf *b, struct sim *s, const struct so_order *o, int64_t ticks,
    int dp)
{
	struct inst *in = find_inst(s, (enum mk)o->market, o->symbol,
	    strlen(o->symbol));

	if (!in || simmarket_put_px(b, in->sm, ticks, dp) < 0)
		buf_addc(b, '0');
}

/* The average price of o's fills (quote / qty), 8 decimals at most. */
void
put_avg(struct buf *b, struct sim *s, const struct so_order *o)
{
	fx_i128 m;

	(void)s;
	if (!o->filled) {
		buf_adds(b, "0");
		return;
	}
	m = (fx_i128)o->quote_filled * 100000000 / o->filled;
	buf_add_fx(b, fx_trim((struct fx){ m, 8 }));
}

void
put_uuid(struct buf *b, const char *prefix, uint64_t id)
{
	buf_addf(b, "%s-0000-4000-8000-%012llx", prefix,
	    (unsigned long long)id);
}

/* ---------------------------------------------------------------- */
/* Order-rate limits and faults */

/* Count a new order of mk against its limits: 0, or the HTTP status
 * of the refusal (c->body filled).  The counts go out as headers. */
int
order_rate(struct oreq *r, enum mk mk)
{
	struct sim *s = r->s;
	int64_t win = is_binance(mk) ? 10000 : 1000, now = r->now;
	int64_t lim = s->o->order_limit[mk], day = mk == MK_BN_FUT ? 60000 :
	    86400000, dlim = mk == MK_BN_FUT ? 1200 : 160000;
	int over;

	if (!lim)
		lim = mk == MK_BN_SPOT ? 50 : mk == MK_BN_FUT ? 300 :
		    mk == MK_BY_LINEAR ? 10 : 20;
	if (now - now % win != s->win_start[mk]) {
		s->win_start[mk] = now - now % win;
		s->win_n[mk] = 0;
	}
	if (now - now % day != s->day_start[mk]) {
		s->day_start[mk] = now - now % day;
		s->day_n[mk] = 0;
	}
	over = s->win_n[mk] >= lim || (is_binance(mk) && s->day_n[mk] >= dlim);
	if (!over) {
		s->win_n[mk]++;
		s->day_n[mk]++;
	}
	if (is_binance(mk)) {
		r->h[r->nh].name = "x-mbx-order-count-10s:";
		snprintf(r->h[r->nh++].val, sizeof r->h[0].val, "%lld",
		    (long long)s->win_n[mk]);
		r->h[r->nh].name = mk == MK_BN_FUT ? "x-mbx-order-count-1m:" :
		    "x-mbx-order-count-1d:";
		snprintf(r->h[r->nh++].val, sizeof r->h[0].val, "%lld",
		    (long long)s->day_n[mk]);
	} else {
		r->h[r->nh].name = "x-bapi-limit:";
		snprintf(r->h[r->nh++].val, sizeof r->h[0].val, "%lld",
		    (long long)lim);
		r->h[r->nh].name = "x-bapi-limit-status:";
		snprintf(r->h[r->nh++].val, sizeof r->h[0].val, "%lld",
		    (long long)(lim - s->win_n[mk]));
		r->h[r->nh].name = "x-bapi-limit-reset-timestamp:";
		snprintf(r->h[r->nh++].val, sizeof r->h[0].val, "%lld",
		    (long long)(s->win_start[mk] + win));
	}
	if (!over)
		return 0;
	if (!is_binance(mk)) {
		by_envelope(&r->c->body, 10006, "Too many visits!");
		buf_adds(&r->c->body, "{}");
		by_envelope_end(&r->c->body);
		return 200;
	}
	buf_reset(&r->c->body);
	put_key_int(&r->c->body, "{\"code\":-1015,\"msg\":\"Too many new "
	    "orders; current limit is ", s->win_n[mk] >= lim ? lim : dlim);
	buf_adds(&r->c->body, s->win_n[mk] >= lim ? " orders per 10 SECOND."
	    : mk == MK_BN_FUT ? " orders per 1 MINUTE." :
	    " orders per 1 DAY.");
	buf_adds(&r->c->body, "\"}");
	return 429;
}

/* The fault of this new order (FAULT_COUNT: none): one draw, each
 * fault with its probability, in the order of enum fault. */
enum fault
fault_draw(struct sim *s)
{
	unsigned sum = 0, x;
	int i;

	for (i = 0; i < FAULT_COUNT; i++)
		sum += s->o->fault_pct[i];
	if (!sum)
		return FAULT_COUNT;
	x = (unsigned)(rng_next(&s->fault_rng) % 10000);
	sum = 0;
	for (i = 0; i < FAULT_COUNT; i++) {
		sum += s->o->fault_pct[i] * 100;
		if (x < sum) {
			s->faults[i]++;
			return (enum fault)i;
		}
	}
	return FAULT_COUNT;
}

/* ---------------------------------------------------------------- */
/* Signatures */

/* The value of header name ("x-mbx-apikey:") into v; its length, -1
 * when absent or too long. */
static int
header(struct lws *wsi, const char *name, char *v, size_t cap)
{
	int n = lws_hdr_custom_length(wsi, name, (int)strlen(name));

	if (n < 0 || (size_t)n >= cap)
		return -1;
	if (lws_hdr_custom_copy(wsi, v, (int)cap, name,
	    (int)strlen(name)) < 0)
		return -1;
	return n;
}

static int
key_ok(struct sim *s, const char *key)
{
	return strlen(key) == s->cred.key_len &&
	    secret_sig_equal(key, s->cred.key);
}

static unsigned
bn_fail(struct oreq *r, unsigned st, int code, const char *msg)
{
	buf_reset(&r->c->body);
	bn_error_body(&r->c->body, code, msg);
	return st;
}

/* Copy p[0..n) without its "signature=..." member into out; the
 * signature's value into sig (when there is one). */
static size_t
strip_signature(const char *p, size_t n, char *out, char *sig, size_t cap)
{
	size_t i = 0, o = 0, e;
	int first = 1;

	while (i < n) {
		e = i;
		while (e < n && p[e] != '&')
			e++;
		if (e - i >= 10 && memcmp(p + i, "signature=", 10) == 0) {
			snprintf(sig, cap, "%.*s", (int)(e - i - 10),
			    p + i + 10);
		} else {
			if (!first)
				out[o++] = '&';
			memcpy(out + o, p + i, e - i);
			o += e - i;
			first = 0;
		}
		i = e + 1;
	}
	return o;
}

/* A timestamp outside the window: the -1021 / 10002 test.  recv is the
 * window in ms; 0 when inside. */
static int
stale(int64_t now, int64_t ts, int64_t recv)
{
	if (ts >= 100000000000000LL)	/* microseconds */
		ts /= 1000;
	return !(ts < now + 1000 && now - ts <= recv);
}

/* Binance SIGNED: the key, the timestamp and recvWindow, and the
 * HMAC-SHA256 of query string + body.  0, or the refusal's status. */
static unsigned
bn_auth(struct oreq *r, int signed_ep)
{
	struct sim *s = r->s;
	char key[SECRET_MAX + 1], sig[128] = "", want[65], *q, *b;
	size_t qn, bn;
	uint64_t ts, rw = 5000;
	int t, w;

	if (header(r->wsi, "x-mbx-apikey:", key, sizeof key) <= 0)
		return bn_fail(r, 401, -2014, "API-key format invalid.");
	if (!key_ok(s, key))
		return bn_fail(r, 401, -2015, "Invalid API-key, IP, or "
		    "permissions for action.");
	if (!signed_ep)
		return 0;
	t = param_u64(r, "timestamp", &ts);
	w = param_u64(r, "recvWindow", &rw);
	if (t <= 0)
		return bn_fail(r, 400, -1102, "Mandatory parameter "
		    "'timestamp' was not sent, was empty/null, or malformed.");
	if (w < 0 || (w > 0 && rw > 60000))
		return bn_fail(r, 400, -1131, "recvWindow must be less than "
		    "60000");
	if (!w)
		rw = 5000;
	q = malloc(r->qlen + 1);
	b = malloc(r->blen + 1);
	if (!q || !b)
		die_nomem();
	qn = strip_signature(r->query, r->qlen, q, sig, sizeof sig);
	bn = strip_signature(r->body, r->blen, b, sig, sizeof sig);
	if (!*sig) {
		free(q);
		free(b);
		return bn_fail(r, 400, -1102, "Mandatory parameter "
		    "'signature' was not sent, was empty/null, or malformed.");
	}
	if (secret_hmac2_hex(s->cred.secret, s->cred.secret_len, q, qn, b,
	    bn, want) < 0)
		die("cannot compute a signature");
	free(q);
	free(b);
	if (strlen(sig) != 64 || !secret_sig_equal(sig, want))
		return bn_fail(r, 400, -1022, "Signature for this request is "
		    "not valid.");
	if (stale(r->now, (int64_t)ts, (int64_t)rw))
		return bn_fail(r, 400, -1021, (int64_t)ts >= r->now + 1000 &&
		    ts < 100000000000000ULL ? "Timestamp for this request was "
		    "1000ms ahead of the server's time." : "Timestamp for "
		    "this request is outside of the recvWindow.");
	return 0;
}

static unsigned
by_fail(struct oreq *r, int code, const char *msg)
{
	buf_reset(&r->c->body);
	by_envelope(&r->c->body, code, msg);
	buf_adds(&r->c->body, "{}");
	by_envelope_end(&r->c->body);
	return 200;
}

/* Bybit v5: X-BAPI-* over timestamp + key + recv_window + (the query
 * string of a GET, the exact body of a POST).  0 or the status. */
static unsigned
by_auth(struct oreq *r)
{
	struct sim *s = r->s;
	char key[SECRET_MAX + 1], sig[128], tsb[32], rwb[32] = "5000";
	char want[65], *pre;
	int64_t ts, rw;
	size_t np;
	char *end;

	if (header(r->wsi, "x-bapi-api-key:", key, sizeof key) <= 0 ||
	    !key_ok(s, key))
		return by_fail(r, 10003, "API key is invalid.");
	if (header(r->wsi, "x-bapi-timestamp:", tsb, sizeof tsb) <= 0 ||
	    header(r->wsi, "x-bapi-sign:", sig, sizeof sig) <= 0)
		return by_fail(r, 10004, "error sign! missing "
		    "X-BAPI-TIMESTAMP or X-BAPI-SIGN");
	if (header(r->wsi, "x-bapi-recv-window:", rwb, sizeof rwb) == 0)
		snprintf(rwb, sizeof rwb, "5000");
	errno = 0;
	ts = strtoll(tsb, &end, 10);
	if (errno || *end || end == tsb)
		return by_fail(r, 10002, "invalid request, please check your "
		    "server timestamp or recv_window param");
	rw = strtoll(rwb, &end, 10);
	if (*end || end == rwb || rw <= 0)
		rw = 5000;
	np = strlen(tsb) + strlen(key) + strlen(rwb);
	pre = malloc(np + 1);
	if (!pre)
		die_nomem();
	snprintf(pre, np + 1, "%s%s%s", tsb, key, rwb);
	if (secret_hmac2_hex(s->cred.secret, s->cred.secret_len, pre, np,
	    r->meth == M_GET ? r->query : r->body,
	    r->meth == M_GET ? r->qlen : r->blen, want) < 0)
		die("cannot compute a signature");
	free(pre);
	if (strlen(sig) != 64 || !secret_sig_equal(sig, want))
		return by_fail(r, 10004, "error sign! Signature for this "
		    "request is not valid.");
	if (stale(r->now, ts, rw))
		return by_fail(r, 10002, "invalid request, please check your "
		    "server timestamp or recv_window param");
	return 0;
}

/* ---------------------------------------------------------------- */
/* Requests */

static enum meth
method_of(struct lws *wsi)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
		return M_GET;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
		return M_POST;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI))
		return M_PUT;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_DELETE_URI))
		return M_DELETE;
	return M_OTHER;
}

/* A byte a client sent as it is: printable ASCII but for the space and
 * the '&' that would split a value. */
static int
plain(int ch)
{
	return ch > ' ' && ch < 0x7f && ch != '&';
}

/*
 * The query string as the client signed it.  libwebsockets keeps the
 * arguments decoded, one fragment each; the bytes a client must have
 * percent-encoded (Binance: everything outside ASCII, and the space and
 * '&' of a value) are encoded again, upper-case, as the venues'
 * examples do.  A printable character the client encoded needlessly
 * comes back as itself, and its signature fails.
 */
static void
raw_query(struct oreq *r)
{
	char *t = r->s->arg;
	size_t i, o = 0, cap = 1;
	int n, k;

	for (k = 0; lws_hdr_copy_fragment(r->wsi, t, ARG_MAX,
	    WSI_TOKEN_HTTP_URI_ARGS, k) >= 0; k++)
		cap += strlen(t) * 3 + 1;
	r->query = malloc(cap);
	if (!r->query)
		die_nomem();
	for (k = 0; (n = lws_hdr_copy_fragment(r->wsi, t, ARG_MAX,
	    WSI_TOKEN_HTTP_URI_ARGS, k)) >= 0; k++) {
		if (k)
			r->query[o++] = '&';
		for (i = 0; i < (size_t)n && o + 4 <= cap; i++) {
			unsigned char ch = (unsigned char)t[i];

			if (plain(ch))
				r->query[o++] = (char)ch;
			else
				o += (size_t)snprintf(r->query + o, 4, "%%%02X",
				    ch);
		}
	}
	r->query[o] = '\0';
	r->qlen = o;
}

static unsigned
answer(struct oreq *r, int route)
{
	unsigned st;

	switch (oroutes[route].ep) {
	case OE_TRUTH_ORDERS:
		truth_orders(r->s, &r->c->body);
		return 200;
	case OE_TRUTH_POSITIONS:
		truth_positions(r->s, &r->c->body);
		return 200;
	default:
		break;
	}
	if (oroutes[route].api == API_BYBIT) {
		st = by_auth(r);
		return st ? st : by_orders(r, (int)oroutes[route].ep);
	}
	st = bn_auth(r, oroutes[route].ep != OE_BN_LISTENKEY);
	return st ? st : bn_orders(r, (int)oroutes[route].ep);
}

/* The answer of a placed order whose fault says so, instead of its
 * own: 503, or the venue's "status unknown". */
static unsigned
fault_answer(struct oreq *r, unsigned st)
{
	struct buf *b = &r->c->body;

	if (r->fault == FAULT_5XX) {
		buf_reset(b);
		if (r->api == API_BYBIT) {
			by_envelope(b, 10016, "Service Unavailable");
			buf_adds(b, "{}");
			by_envelope_end(b);
		} else
			bn_error_body(b, -1001, "Internal error; unable to "
			    "process your request. Please try again.");
		return 503;
	}
	if (r->fault == FAULT_TIMEOUT) {
		buf_reset(b);
		if (r->api == API_BYBIT) {
			by_envelope(b, 10016, "Server Timeout");
			buf_adds(b, "{}");
			by_envelope_end(b);
			return 200;
		}
		bn_error_body(b, -1007, "Timeout waiting for response from "
		    "backend server. Send status unknown; execution status "
		    "unknown.");
		return 408;
	}
	return st;
}

static int
dispatch(struct sim *s, struct lws *wsi, struct conn *c)
{
	struct oreq r;
	int route = orders_path(c->opath), rc = 0;
	unsigned st;

	memset(&r, 0, sizeof r);
	r.s = s;
	r.wsi = wsi;
	r.c = c;
	r.api = oroutes[route].api;
	r.meth = (enum meth)c->method;
	r.now = time_now_ms();
	r.body = c->req.p ? c->req.p : "";
	r.blen = c->req.len;
	r.fault = FAULT_COUNT;
	raw_query(&r);
	params_add(&r.prm, r.query, r.qlen);
	if (r.api != API_BYBIT)
		params_add(&r.prm, r.body, r.blen);
	buf_reset(&c->body);
	st = answer(&r, route);
	if (r.new_order && r.fault != FAULT_COUNT)
		st = fault_answer(&r, st);
	ustream_publish(s);
	if (s->o->verbose)
		warn("order api %s: %u%s%s", c->opath, st,
		    r.fault != FAULT_COUNT ? ", fault " : "",
		    r.fault != FAULT_COUNT ? fault_names[r.fault] : "");
	if (r.fault == FAULT_HANG) {
		c->held = 1;
		buf_reset(&c->body);
	} else if (r.fault == FAULT_CLOSE) {
		rc = -1;
	} else if (r.new_order && s->o->ack_delay_ms > 0) {
		c->pend_status = st;
		memcpy(c->pend_h, r.h, sizeof r.h);
		c->pend_nh = r.nh;
		lws_set_timer_usecs(wsi, s->o->ack_delay_ms * 1000);
	} else {
		rc = http_send(wsi, c, st, r.h, r.nh);
	}
	free(r.query);
	free(r.prm.store);
	buf_reset(&c->req);
	return rc;
}

/* An --ack-delay ran out: send the answer held back. */
int
orders_timer(struct sim *s, struct lws *wsi, struct conn *c)
{
	unsigned st = c->pend_status;

	(void)s;
	if (!st)
		return 0;
	c->pend_status = 0;
	return http_send(wsi, c, st, c->pend_h, c->pend_nh);
}

/* The start of a request to the private side: answered now, or once
 * its body has arrived (orders_body_done). */
int
orders_request(struct sim *s, struct lws *wsi, struct conn *c,
    const char *path)
{
	char cl[32];

	c->ord = 1;
	c->held = 0;
	c->pend_status = 0;
	c->method = (int)method_of(wsi);
	snprintf(c->opath, sizeof c->opath, "%s", path);
	buf_reset(&c->req);
	/* libwebsockets ends a body it was told of, even of length 0
	 * (libcurl's POST without data): answered then, and once. */
	if (c->method != M_GET && lws_hdr_copy(wsi, cl, sizeof cl,
	    WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
		return 0;
	return dispatch(s, wsi, c);
}

int
orders_body(struct conn *c, const void *in, size_t len)
{
	if (!c->ord)
		return -1;
	buf_add(&c->req, in, len);
	return buf_failed(&c->req) ? -1 : 0;
}

int
orders_body_done(struct sim *s, struct lws *wsi, struct conn *c)
{
	if (!c->ord)
		return -1;
	buf_addc(&c->req, '\0');
	if (buf_failed(&c->req))
		return -1;
	c->req.len--;
	return dispatch(s, wsi, c);
}
