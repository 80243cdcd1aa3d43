/*
 * restxfer: a transfer of the REST scheduler (see restxfer.h).
 *
 * The easy handles are reused from request to request so connections
 * stay alive; every option that one request sets and another does not
 * (method, body, headers, timeouts) is therefore set on each load.
 *
 * libcurl resends a request by itself when a reused connection closes
 * before any byte of the answer came (a keep-alive connection the
 * server had dropped).  The server may have read the first one, so for
 * a request that must go at most once the second attempt is refused
 * from CURLOPT_PREREQFUNCTION, which libcurl calls before each attempt
 * (older libcurl: such a request gets a fresh connection instead).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/buf.h"
#include "restxfer.h"

#ifndef MKT_VERSION
#define MKT_VERSION "unknown"
#endif

#define HAVE_PREREQ (LIBCURL_VERSION_NUM >= 0x075000)	/* 7.80.0 */

static size_t
xfer_write(char *p, size_t size, size_t n, void *ud)
{
	struct rest_xfer *x = ud;
	size_t len = size * n;

	if (len > REST_BODY_MAX - x->body.len) {
		x->toobig = 1;
		return 0;
	}
	buf_add(&x->body, p, len);
	return buf_failed(&x->body) ? 0 : len;
}

/*
 * When header line p[0..len) is "name: value", the value's start in
 * *v and its length (blanks and CRLF trimmed) in *vn; 1, else 0.
 */
static int
header_value(const char *p, size_t len, const char *name, const char **v,
    size_t *vn)
{
	size_t k = strlen(name), i, e;

	if (len <= k || strncasecmp(p, name, k) != 0 || p[k] != ':')
		return 0;
	for (i = k + 1; i < len && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	for (e = len; e > i && (p[e - 1] == '\r' || p[e - 1] == '\n' ||
	    p[e - 1] == ' ' || p[e - 1] == '\t'); e--)
		;
	*v = p + i;
	*vn = e - i;
	return 1;
}

/* The value of header "name: 123" as a number, or -1. */
static int64_t
header_num(const char *p, size_t len, const char *name)
{
	const char *s;
	size_t n, i;
	int64_t v = 0;

	if (!header_value(p, len, name, &s, &n) || n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v < INT_MAX)
			v = v * 10 + (s[i] - '0');
	}
	return v < INT_MAX ? v : INT_MAX;
}

/* Keep the values of the headers the caller wants. */
static void
header_wanted(struct rest_req *q, const char *p, size_t len)
{
	const char *v;
	size_t n;
	int i;

	for (i = 0; i < REST_MAX_WANT && q->want[i]; i++) {
		if (!header_value(p, len, q->want[i], &v, &n))
			continue;
		if (n >= REST_HVAL_MAX)
			n = REST_HVAL_MAX - 1;
		memcpy(q->got[i], v, n);
		q->got[i][n] = '\0';
	}
}

static size_t
xfer_header(char *p, size_t size, size_t n, void *ud)
{
	struct rest_xfer *x = ud;
	size_t len = size * n;
	int64_t v;
	int i;

	/* A new header block (after a 100 Continue, say) starts afresh. */
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		x->used_weight = -1;
		x->retry_after = -1;
		for (i = 0; x->q && i < REST_MAX_WANT; i++)
			x->q->got[i][0] = '\0';
		return len;
	}
	if ((v = header_num(p, len, "x-mbx-used-weight-1m")) >= 0)
		x->used_weight = (int)v;
	else if ((v = header_num(p, len, "retry-after")) >= 0)
		x->retry_after = v;
	if (x->q)
		header_wanted(x->q, p, len);
	return len;
}

#if HAVE_PREREQ
/* libcurl is about to send the request on an established connection. */
static int
xfer_prereq(void *ud, char *ip, char *local_ip, int port, int local_port)
{
	struct rest_xfer *x = ud;

	(void)ip;
	(void)local_ip;
	(void)port;
	(void)local_port;
	x->prereqs++;
	return x->once && x->prereqs > 1 ? CURL_PREREQFUNC_ABORT :
	    CURL_PREREQFUNC_OK;
}
#endif

/*
 * Create x's easy handle with what every request shares.  0, or -1
 * with errno (ENOMEM, EIO).
 */
int
xfer_setup(struct rest_xfer *x, const char *ca_file)
{
	CURL *e = curl_easy_init();
	int bad = 0;

	if (!e) {
		errno = ENOMEM;
		return -1;
	}
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, xfer_write);
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	bad |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, xfer_header);
	bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_err);
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	bad |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, "mkt/" MKT_VERSION);
#if HAVE_PREREQ
	bad |= curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, xfer_prereq);
	bad |= curl_easy_setopt(e, CURLOPT_PREREQDATA, x);
#endif
#if LIBCURL_VERSION_NUM >= 0x075500
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	if (ca_file)
		bad |= curl_easy_setopt(e, CURLOPT_CAINFO, ca_file);
	if (bad) {
		curl_easy_cleanup(e);
		errno = EIO;
		return -1;
	}
	x->easy = e;
	buf_init(&x->body, REST_BODY_MAX + 1);
	return 0;
}

/* A header line "Name: value", nothing that could end it early. */
static int
header_line_ok(const char *h)
{
	const char *c = strchr(h, ':');

	return c && c > h && !strpbrk(h, "\r\n");
}

/*
 * 1 when q can be put on the wire as it is: an http(s) URL, a method
 * rest knows, a body pointer for a body length, header lines that are
 * lines, a timeout not below 0.
 */
int
xfer_req_ok(const struct rest_req *q)
{
	const char *m = q->method;
	int i;

	if (!memchr(q->url, '\0', sizeof q->url) ||
	    (strncmp(q->url, "http://", 7) != 0 &&
	    strncmp(q->url, "https://", 8) != 0))
		return 0;
	if (m && strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0 &&
	    strcmp(m, "PUT") != 0 && strcmp(m, "DELETE") != 0)
		return 0;
	if ((q->body_len > 0 && !q->body) || q->timeout_ms < 0)
		return 0;
	for (i = 0; i < REST_MAX_HEADERS; i++)
		if (q->headers[i] && !header_line_ok(q->headers[i]))
			return 0;
	return 1;
}

/* The method and body options: libcurl keeps them from the last use. */
static int
load_method(CURL *e, const struct rest_req *q)
{
	const char *m = q->method ? q->method : "GET";
	int bad = 0;

	bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, (char *)NULL);
	/* PUT and POST send a Content-Length even when empty. */
	if (strcmp(m, "GET") != 0 &&
	    (strcmp(m, "DELETE") != 0 || q->body_len > 0)) {
		bad |= curl_easy_setopt(e, CURLOPT_POST, 1L);
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)q->body_len);
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS,
		    q->body_len ? q->body : "");
		if (strcmp(m, "POST") != 0)
			bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
	} else {
		bad |= curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
		if (strcmp(m, "GET") != 0)
			bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
	}
	return bad;
}

/*
 * Put q into x's options and reset what a transfer collects.  0, or -1
 * with errno (ENOMEM) and nothing to undo.
 */
int
xfer_load(struct rest_xfer *x, struct rest_req *q)
{
	struct curl_slist *h = NULL, *t;
	long ms = q->timeout_ms > 0 ? q->timeout_ms : REST_TIMEOUT_MS;
	int bad = 0, i;

	for (i = 0; i < REST_MAX_HEADERS; i++) {
		if (!q->headers[i])
			continue;
		t = curl_slist_append(h, q->headers[i]);
		if (!t)
			goto nomem;
		h = t;
	}
	/* No 100-continue round trip before a body. */
	if (q->method && strcmp(q->method, "GET") != 0) {
		t = curl_slist_append(h, "Expect:");
		if (!t)
			goto nomem;
		h = t;
	}
	bad |= load_method(x->easy, q);
	bad |= curl_easy_setopt(x->easy, CURLOPT_URL, q->url);
	bad |= curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, h);
	bad |= curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, ms);
	bad |= curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    ms < REST_CONNECT_MS ? ms : (long)REST_CONNECT_MS);
#if !HAVE_PREREQ
	bad |= curl_easy_setopt(x->easy, CURLOPT_FRESH_CONNECT,
	    (long)(q->once != 0));
#endif
	if (bad)
		goto nomem;
	x->hdrs = h;
	buf_reset(&x->body);
	x->used_weight = -1;
	x->retry_after = -1;
	x->toobig = 0;
	x->finished = 0;
	x->once = q->once != 0;
	x->prereqs = 0;
	x->curl_err[0] = '\0';
	for (i = 0; i < REST_MAX_WANT; i++)
		q->got[i][0] = '\0';
	return 0;

nomem:
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER,
	    (struct curl_slist *)NULL);
	curl_slist_free_all(h);
	errno = ENOMEM;
	return -1;
}

/* After a transfer: free its header lines. */
void
xfer_unload(struct rest_xfer *x)
{
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER,
	    (struct curl_slist *)NULL);
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
}

/*
 * Whether the request may have reached the server: 1 with an answer or
 * unless libcurl surely sent nothing (it never got a connection to send
 * on, or wrote no byte of the request on its only attempt).
 */
int
xfer_maybe_sent(const struct rest_xfer *x, int status)
{
	long size = 0;

	if (status > 0)
		return 1;
	switch (x->result) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		/* Unless it was the second attempt that failed so. */
		if (x->prereqs == 0)
			return 0;
		break;
	default:
		break;
	}
#if HAVE_PREREQ
	if (x->prereqs == 0)
		return 0;
	if (x->prereqs > 1)
		return 1;
#endif
	if (curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &size) ==
	    CURLE_OK && size == 0)
		return 0;
	return 1;
}

/* Why the transfer failed, into q->error. */
void
xfer_error(struct rest_req *q, const struct rest_xfer *x)
{
	const char *s;

	if (x->toobig)
		s = "response body over 32 MiB";
	else if (x->once && x->prereqs > 1)
		s = "the connection closed before any answer; not sent again";
	else if (buf_failed(&x->body))
		s = strerror(buf_failed(&x->body));
	else if (x->curl_err[0])
		s = x->curl_err;
	else if (x->result != CURLE_OK)
		s = curl_easy_strerror(x->result);
	else
		s = "no HTTP status";
	strncpy(q->error, s, sizeof q->error - 1);
	q->error[sizeof q->error - 1] = '\0';
}

/* Free x's handle and buffers (not on the multi handle any more). */
void
xfer_destroy(struct rest_xfer *x)
{
	if (!x->easy)
		return;
	xfer_unload(x);
	curl_easy_cleanup(x->easy);
	x->easy = NULL;
	buf_free(&x->body);
}
