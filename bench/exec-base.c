/*
 * exec-base: the smallest client that does what mkt-exec does for one
 * intent on the wire, the baseline of bench/exec.sh.  For each line on
 * standard input (never parsed: only counted) it builds one new-order
 * request for BTCUSDT (a limit buy far below the market, so that it
 * rests), signs it with HMAC-SHA256 as the venue documents, writes it
 * whole on one kept-alive socket, reads the answer (status line and
 * Content-Length, nothing else), and prints {"id":"TAGn","status":"new"}
 * so that the driver knows the client is idle again.  No state store, no
 * scheduler, no libcurl: what is left is the floor of the measurement.
 *
 * Usage: exec-base binance|bybit TAG
 * The venue's REST base from MKT_BINANCE_SPOT_REST or MKT_BYBIT_REST
 * (http://127.0.0.1:PORT only), the key from MKT_API_KEY and
 * MKT_API_SECRET.  Built by bench/exec.sh with cc -lcrypto.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX 4096
#define ANS_MAX 65536

static void
die(const char *what)
{
	fprintf(stderr, "exec-base: %s\n", what);
	exit(1);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* HMAC-SHA256 of msg under the secret, as 64 lower-case hex digits. */
static void
sign(const char *secret, const char *msg, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)msg, len, md, &mdlen) || mdlen != 32)
		die("HMAC failed");
	for (unsigned int i = 0; i < mdlen; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
}

static int
connect_to(const char *base)
{
	struct sockaddr_in sa;
	int fd, one = 1;
	unsigned port;

	if (sscanf(base, "http://127.0.0.1:%u", &port) != 1 || port > 65535)
		die("the REST base must be http://127.0.0.1:PORT");
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		die("cannot connect");
	/* libcurl sets TCP_NODELAY too. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
		die("TCP_NODELAY");
	return fd;
}

static int
binance_req(char *req, const char *key, const char *secret, const char *id)
{
	char body[1024], sig[65];
	int n;

	n = snprintf(body, sizeof body, "symbol=BTCUSDT&side=BUY&type=LIMIT"
	    "&timeInForce=GTC&quantity=0.001&price=1000&newClientOrderId=%s"
	    "&recvWindow=5000&timestamp=%lld", id, now_ms());
	sign(secret, body, (size_t)n, sig);
	n = snprintf(body + n, sizeof body - (size_t)n, "&signature=%s", sig) + n;
	return snprintf(req, REQ_MAX, "POST /api/v3/order HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nX-MBX-APIKEY: %s\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: %d\r\n\r\n%s", key, n, body);
}

static int
bybit_req(char *req, const char *key, const char *secret, const char *id)
{
	char body[512], pre[1024], sig[65];
	long long ts = now_ms();
	int n, m;

	n = snprintf(body, sizeof body, "{\"category\":\"linear\","
	    "\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\","
	    "\"qty\":\"0.001\",\"price\":\"1000\",\"timeInForce\":\"GTC\","
	    "\"orderLinkId\":\"%s\"}", id);
	m = snprintf(pre, sizeof pre, "%lld%s5000%s", ts, key, body);
	sign(secret, pre, (size_t)m, sig);
	return snprintf(req, REQ_MAX, "POST /v5/order/create HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nX-BAPI-API-KEY: %s\r\nX-BAPI-SIGN: %s\r\n"
	    "X-BAPI-TIMESTAMP: %lld\r\nX-BAPI-RECV-WINDOW: 5000\r\n"
	    "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
	    key, sig, ts, n, body);
}

static void
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write failed");
		p += w;
		n -= (size_t)w;
	}
}

/* Read one answer: the headers, then Content-Length bytes of body. */
static void
read_answer(int fd)
{
	static char a[ANS_MAX];
	size_t have = 0;
	char *end = NULL, *cl;
	long want = -1;

	for (;;) {
		ssize_t r = read(fd, a + have, sizeof a - 1 - have);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("the venue closed the connection");
		have += (size_t)r;
		a[have] = 0;
		if (!end && (end = strstr(a, "\r\n\r\n"))) {
			cl = strcasestr(a, "\r\ncontent-length:");
			if (!cl || cl > end)
				die("an answer without Content-Length");
			want = (end + 4 - a) + atol(cl + 17);
		}
		if (end && (long)have >= want)
			return;
		if (have == sizeof a - 1)
			die("answer too long");
	}
}

int
main(int argc, char **argv)
{
	const char *key = getenv("MKT_API_KEY");
	const char *secret = getenv("MKT_API_SECRET");
	const char *base;
	char *line = NULL, req[REQ_MAX], id[64];
	size_t cap = 0;
	long n = 0;
	int bybit, fd, len;

	if (argc != 3 || (strcmp(argv[1], "binance") != 0 &&
	    strcmp(argv[1], "bybit") != 0))
		die("usage: exec-base binance|bybit TAG");
	bybit = argv[1][1] == 'y';
	base = getenv(bybit ? "MKT_BYBIT_REST" : "MKT_BINANCE_SPOT_REST");
	if (!base || !key || !secret)
		die("the REST base, MKT_API_KEY and MKT_API_SECRET are needed");
	fd = connect_to(base);
	while (getline(&line, &cap, stdin) > 0) {
		snprintf(id, sizeof id, "%s%ld", argv[2], n++);
		len = bybit ? bybit_req(req, key, secret, id) :
		    binance_req(req, key, secret, id);
		if (len <= 0 || len >= REQ_MAX)
			die("request too long");
		write_all(fd, req, (size_t)len);
		read_answer(fd);
		if (printf("{\"id\":\"%s\",\"status\":\"new\"}\n", id) < 0 ||
		    fflush(stdout) != 0)
			die("cannot write");
	}
	free(line);
	close(fd);
	return 0;
}
