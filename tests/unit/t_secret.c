/*
 * t_secret: the published signature vectors (PROTOCOLS.md 3.2, 4.1 and
 * 7), the comparison a server makes, and loading keys: a 0600 key file
 * in both spellings; refusals of mode 0644, a directory, a symbolic
 * link, a malformed file, each with a reason that names the file and
 * never the secret; the environment, which is emptied afterwards (in a
 * re-executed child, where /proc/self/environ is the kernel's copy);
 * systemd's credentials directory; wiping; PR_SET_DUMPABLE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/secret.h"
#include "tap.h"

/* Binance spot's documentation pair (rest-api.md, web-socket-api.md). */
#define SPOT_KEY \
	"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
#define SPOT_SECRET \
	"NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
/* Binance USD-M futures' documentation secret. */
#define FUT_SECRET \
	"2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
/* Not Bybit-published: the vectors of PROTOCOLS.md 4.1 were made with it. */
#define BYBIT_SECRET "TEST_SECRET_DO_NOT_USE"

#define ENV_SECRET_VALUE "envSECRETvalue0123456789"

static char dir[] = "/tmp/t_secret.XXXXXX";

static void
hmac_is(const char *secret, const char *msg, const char *want,
    const char *name)
{
	char hex[65] = "";
	int rc;

	rc = secret_hmac_hex((const unsigned char *)secret, strlen(secret),
	    msg, strlen(msg), hex);
	tap_ok(rc == 0, "%s: computed", name);
	tap_eq_s(hex, want, name);
}

/* Binance's mixed form: query string then body, nothing between. */
static void
hmac2_is(const char *secret, const char *query, const char *body,
    const char *want, const char *name)
{
	char hex[65] = "";
	int rc;

	rc = secret_hmac2_hex((const unsigned char *)secret, strlen(secret),
	    query, strlen(query), body, strlen(body), hex);
	tap_ok(rc == 0, "%s: computed", name);
	tap_eq_s(hex, want, name);
}

static void
test_vectors(void)
{
	/* PROTOCOLS.md 3.2, spot. */
	hmac_is(SPOT_SECRET, "symbol=LTCBTC&side=BUY&type=LIMIT&"
	    "timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
	    "timestamp=1499827319559",
	    "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71",
	    "binance spot V1");
	hmac_is(SPOT_SECRET, "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF"
	    "%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&"
	    "price=0.1&recvWindow=5000&timestamp=1499827319559",
	    "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3",
	    "binance spot V2 (percent-encoded full-width digits)");
	hmac2_is(SPOT_SECRET, "symbol=LTCBTC&side=BUY&type=LIMIT&"
	    "timeInForce=GTC", "quantity=1&price=0.1&recvWindow=5000&"
	    "timestamp=1499827319559",
	    "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77",
	    "binance spot V3 (query then body)");
	/* 3.2, USD-M futures. */
	hmac_is(FUT_SECRET, "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&"
	    "price=9000&timeInForce=GTC&recvWindow=5000&"
	    "timestamp=1591702613943",
	    "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9",
	    "binance futures");
	hmac2_is(FUT_SECRET, "symbol=BTCUSDT&side=BUY&type=LIMIT&"
	    "timeInForce=GTC", "quantity=1&price=9000&recvWindow=5000&"
	    "timestamp=1591702613943",
	    "30baaf0fab549bbeda7f5ef201898b34122da25fd23c646cac2c529aebe670a4",
	    "binance futures mixed, without the doc's stray space");
	hmac2_is(FUT_SECRET, "symbol=BTCUSDT&side=BUY&type=LIMIT&"
	    "timeInForce=GTC", "quantity=1&price=9000&recvWindow=5000&"
	    "timestamp= 1591702613943",
	    "f9d0ae5e813ef6ccf15c2b5a434047a0181cb5a342b903b367ca6d27a66e36f2",
	    "binance futures mixed, the doc's value with its stray space");
	/* 4.1, Bybit's strings with the derived secret. */
	hmac_is(BYBIT_SECRET, "1658384314791XXXXXXXXXX5000category=option&"
	    "symbol=BTC-29JUL22-25000-C",
	    "0732b85d286ff2e8ccdeffe1ffbd41b4766a153e804f0604bbff970ac75075ad",
	    "bybit GET");
	hmac_is(BYBIT_SECRET, "1658385579423XXXXXXXXXX5000{\"category\": "
	    "\"option\"}",
	    "469e179c90d29a941481334c6ac2a05b023a0daf74a47c8e2caa5c4f3b2d4041",
	    "bybit POST (the exact body bytes)");
	hmac_is(BYBIT_SECRET, "GET/realtime1662350400000",
	    "6380b120036dd6c87d0f4a94e9ce767d9b050862e9c4fc8ba1b4739db6bb48db",
	    "bybit WebSocket auth");
	/*
	 * 7, the WebSocket API (web-socket-api.md "SIGNED request example
	 * (HMAC)"): every parameter but signature, sorted, k=v joined by &.
	 */
	hmac_is(SPOT_SECRET, "apiKey=" SPOT_KEY "&price=52000.00&"
	    "quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&"
	    "timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
	    "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24",
	    "binance WebSocket API, ASCII");
	hmac_is(SPOT_SECRET, "apiKey=" SPOT_KEY "&price=0.10000000&"
	    "quantity=1.00000000&recvWindow=5000&side=BUY&symbol="
	    "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95"
	    "\xef\xbc\x96&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
	    "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd",
	    "binance WebSocket API, UTF-8 symbol unencoded");
}

static void
test_sig_equal(void)
{
	const char *lo =
	    "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24";
	const char *up =
	    "AA1B5712C094BC4E57C05A1A5C1FD8D88DCD628338EA863FEC7B88E59FE2DB24";
	const char *off =
	    "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db25";

	tap_eq_i(secret_sig_equal(lo, lo), 1, "sig_equal: same");
	tap_eq_i(secret_sig_equal(lo, up), 1, "sig_equal: upper case too");
	tap_eq_i(secret_sig_equal(up, lo), 1, "sig_equal: either side");
	tap_eq_i(secret_sig_equal(lo, off), 0, "sig_equal: last digit off");
	tap_eq_i(secret_sig_equal(lo, "aa1b"), 0, "sig_equal: a prefix");
	tap_eq_i(secret_sig_equal("", lo), 0, "sig_equal: empty");
	tap_eq_i(secret_sig_equal(lo, "ab1b5712c094bc4e57c05a1a5c1fd8d88dcd62"
	    "8338ea863fec7b88e59fe2db24"), 0, "sig_equal: first digits off");
}

/* Write text to dir/name with mode; the full path into path. */
static void
put_file(const char *name, const char *text, mode_t mode, char *path,
    size_t n)
{
	int fd;

	snprintf(path, n, "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fchmod(fd, mode) < 0)
		tap_diag("cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

static int
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* A load that must fail: why mentions want and never the secret. */
static void
load_refused(const char *file, const char *want, const char *name)
{
	struct secret s;
	char why[256] = "";
	int rc;

	memset(&s, 0x55, sizeof s);
	errno = 0;
	rc = secret_load(&s, file, why, sizeof why);
	tap_ok(rc < 0 && errno != 0, "%s: refused", name);
	tap_ok(strstr(why, want) != NULL, "%s: reason '%s'", name, why);
	tap_ok(!strstr(why, SPOT_SECRET) && !strstr(why, "NhqPtm") &&
	    !strstr(why, SPOT_KEY), "%s: the reason holds neither key nor "
	    "secret", name);
	tap_ok(all_zero(&s, sizeof s), "%s: nothing left in s", name);
}

static void
loaded_is(const struct secret *s, const char *key, const char *sec,
    const char *name)
{
	tap_eq_s(s->key, key, name);
	tap_ok(s->key_len == strlen(key) && s->secret_len == strlen(sec) &&
	    memcmp(s->secret, sec, s->secret_len) == 0, "%s: secret", name);
}

static void
test_key_file(void)
{
	struct secret s;
	char path[512], link[512], why[256] = "";
	int rc;

	unsetenv("CREDENTIALS_DIRECTORY");
	put_file("k0600", SPOT_KEY "\n" SPOT_SECRET "\n", 0600, path,
	    sizeof path);
	rc = secret_load(&s, path, why, sizeof why);
	tap_ok(rc == 0, "key file 0600: loaded (%s)", why);
	loaded_is(&s, SPOT_KEY, SPOT_SECRET, "key file 0600: key");
	secret_free(&s);
	tap_ok(all_zero(&s, sizeof s), "secret_free wipes everything");

	put_file("knamed", "\nsecret=" SPOT_SECRET "\r\nkey=" SPOT_KEY "\r\n\n",
	    0400, path, sizeof path);
	rc = secret_load(&s, path, why, sizeof why);
	tap_ok(rc == 0, "key=/secret= lines, CRLF, 0400: loaded (%s)", why);
	loaded_is(&s, SPOT_KEY, SPOT_SECRET, "key=/secret= lines: key");
	secret_free(&s);

	put_file("nonl", SPOT_KEY "\n" SPOT_SECRET, 0600, path, sizeof path);
	rc = secret_load(&s, path, why, sizeof why);
	tap_ok(rc == 0, "no final newline: loaded");
	loaded_is(&s, SPOT_KEY, SPOT_SECRET, "no final newline: key");
	secret_free(&s);

	put_file("k0644", SPOT_KEY "\n" SPOT_SECRET "\n", 0644, path,
	    sizeof path);
	load_refused(path, "mode 0644, must be 0600", "mode 0644");
	put_file("k0640", SPOT_KEY "\n" SPOT_SECRET "\n", 0640, path,
	    sizeof path);
	load_refused(path, "mode 0640", "mode 0640");
	put_file("k0604", SPOT_KEY "\n" SPOT_SECRET "\n", 0604, path,
	    sizeof path);
	load_refused(path, "mode 0604", "mode 0604");
	load_refused(dir, "not a regular file", "a directory");

	/* A link to a good file is refused too: give the file itself. */
	put_file("target", SPOT_KEY "\n" SPOT_SECRET "\n", 0600, path,
	    sizeof path);
	snprintf(link, sizeof link, "%s/link", dir);
	unlink(link);
	if (symlink(path, link) < 0)
		tap_diag("symlink: %s", strerror(errno));
	load_refused(link, "a symbolic link", "a symbolic link to a 0600 file");
	unlink(link);

	put_file("three", SPOT_KEY "\n" SPOT_SECRET "\n" SPOT_SECRET "x\n",
	    0600, path, sizeof path);
	load_refused(path, "line 3: a second secret", "three lines");
	put_file("one", SPOT_KEY "\n", 0600, path, sizeof path);
	load_refused(path, "no secret", "one line");
	put_file("space", SPOT_KEY "\n" SPOT_SECRET " tail\n", 0600, path,
	    sizeof path);
	load_refused(path, "holds a space", "a space in the secret");
	snprintf(path, sizeof path, "%s/absent", dir);
	load_refused(path, "No such file", "a missing file");

	rc = secret_set(&s, "a b", 3, "x", 1, why, sizeof why);
	tap_ok(rc < 0 && errno == EINVAL && strstr(why, "key"),
	    "secret_set: a space in the key refused (%s)", why);
	rc = secret_set(&s, "k", 1, "s", 1, why, sizeof why);
	tap_ok(rc == 0 && strcmp(s.key, "k") == 0 && s.secret_len == 1,
	    "secret_set: a good pair");
	secret_free(&s);
}

static void
test_credentials(void)
{
	struct secret s;
	char cdir[512], path[512], why[256] = "";
	int rc;

	snprintf(cdir, sizeof cdir, "%s/creds", dir);
	if (mkdir(cdir, 0700) < 0)
		tap_diag("mkdir: %s", strerror(errno));
	put_file("creds/mkt-api-key", SPOT_KEY "\n", 0400, path, sizeof path);
	setenv("CREDENTIALS_DIRECTORY", cdir, 1);
	load_refused(NULL, "mkt-api-key without mkt-api-secret",
	    "credentials: the secret missing");
	put_file("creds/mkt-api-secret", SPOT_SECRET "\n", 0640, path,
	    sizeof path);
	load_refused(NULL, "mode 0640", "credentials: mode 0640");
	put_file("creds/mkt-api-secret", SPOT_SECRET "\n", 0400, path,
	    sizeof path);
	rc = secret_load(&s, NULL, why, sizeof why);
	tap_ok(rc == 0, "credentials directory: loaded (%s)", why);
	loaded_is(&s, SPOT_KEY, SPOT_SECRET, "credentials directory: key");
	secret_free(&s);
	/* A key file given by the user comes first. */
	put_file("other", "fileKEY\nfileSECRET\n", 0600, path, sizeof path);
	rc = secret_load(&s, path, why, sizeof why);
	tap_ok(rc == 0 && strcmp(s.key, "fileKEY") == 0,
	    "--key-file before the credentials directory");
	secret_free(&s);
	unsetenv("CREDENTIALS_DIRECTORY");
}

static void
test_env(void)
{
	struct secret s;
	char why[256] = "";
	int rc;

	unsetenv("CREDENTIALS_DIRECTORY");
	unsetenv("MKT_API_KEY");
	unsetenv("MKT_API_SECRET");
	load_refused(NULL, "no API key: set MKT_API_KEY and MKT_API_SECRET",
	    "nothing anywhere");
	setenv("MKT_API_KEY", SPOT_KEY, 1);
	load_refused(NULL, "MKT_API_KEY is set but not MKT_API_SECRET",
	    "environment: the key alone");
	tap_ok(!getenv("MKT_API_KEY"), "environment: the key removed even so");
	setenv("MKT_API_KEY", SPOT_KEY, 1);
	setenv("MKT_API_SECRET", SPOT_SECRET, 1);
	rc = secret_load(&s, NULL, why, sizeof why);
	tap_ok(rc == 0, "environment: loaded (%s)", why);
	loaded_is(&s, SPOT_KEY, SPOT_SECRET, "environment: key");
	tap_ok(!getenv("MKT_API_KEY") && !getenv("MKT_API_SECRET"),
	    "environment: both variables removed");
	secret_free(&s);
}

/* 1 when the file's bytes hold needle. */
static int
file_has(const char *path, const char *needle)
{
	char b[65536];
	size_t n = 0, k = strlen(needle), i;
	ssize_t r;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while (n < sizeof b && (r = read(fd, b + n, sizeof b - n)) > 0)
		n += (size_t)r;
	close(fd);
	for (i = 0; i + k <= n; i++)
		if (memcmp(b + i, needle, k) == 0)
			return 1;
	return 0;
}

/*
 * The child, started with the secret in its environment: load, then
 * the kernel's copy of the environment must no longer hold it.  Exit 0
 * when all is well, 1..4 naming the step that failed.
 */
static int
child_env(void)
{
	struct secret s;
	char why[256];

	if (file_has("/proc/self/environ", ENV_SECRET_VALUE) != 1)
		return 1;
	if (secret_load(&s, NULL, why, sizeof why) < 0)
		return 2;
	if (s.secret_len != strlen(ENV_SECRET_VALUE))
		return 3;
	secret_free(&s);
	if (file_has("/proc/self/environ", ENV_SECRET_VALUE) != 0 ||
	    getenv("MKT_API_SECRET"))
		return 4;
	if (secret_no_dump() < 0 || prctl(PR_GET_DUMPABLE) != 0)
		return 5;
	return 0;
}

static void
test_env_child(void)
{
	char *argv[] = { "t_secret", "--child-env", NULL };
	char *envp[] = { "MKT_API_KEY=envKEY",
		"MKT_API_SECRET=" ENV_SECRET_VALUE, "PATH=/usr/bin:/bin",
		NULL };
	int status = -1;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		tap_diag("fork/waitpid: %s", strerror(errno));
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "re-executed child: /proc/self/environ held the secret, then not;"
	    " PR_SET_DUMPABLE 0 (exit %d)", WIFEXITED(status) ?
	    WEXITSTATUS(status) : -1);
}

static void
cleanup(void)
{
	const char *names[] = { "k0600", "knamed", "nonl", "k0644", "k0640",
		"k0604", "target", "three", "one", "space", "other",
		"creds/mkt-api-key", "creds/mkt-api-secret", NULL };
	char path[512];
	int i;

	for (i = 0; names[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/creds", dir);
	rmdir(path);
	rmdir(dir);
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--child-env") == 0)
		return child_env();
	umask(077);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_vectors();
	test_sig_equal();
	test_key_file();
	test_credentials();
	test_env();
	test_env_child();
	cleanup();
	return tap_done();
}
