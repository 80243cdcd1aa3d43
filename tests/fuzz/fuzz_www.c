/*
 * fuzz_www: libFuzzer harness for mkt-serve's static file serving
 * (cmd/serve/www.c, compiled in whole).  Each input is a request path;
 * the served directory holds index.html, app.js and a symbolic link to
 * a file beside it that must never be served.  Whatever the path, an
 * answer of 200 is exactly one of the directory's own regular files,
 * with a type, and a path outside the page's is left to the API.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cmd/serve/www.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char page[] = "<p>page</p>\n";
static const char script[] = "var x;\n";
static const char secret[] = "SECRET\n";

static void
check(int cond)
{
	if (!cond)
		abort();
}

/* req_error lives in http.c, with lws; the harness needs its effect. */
int
req_error(struct req *r, unsigned status, const char *param,
    const char *fmt, ...)
{
	(void)param;
	(void)fmt;
	buf_reset(r->body);
	buf_adds(r->body, "{}");
	r->status = status;
	return 0;
}

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	check(f != NULL);
	check(fputs(text, f) >= 0);
	check(fclose(f) == 0);
}

static char dir[64];

static void
cleanup(void)
{
	char path[128];
	static const char *const files[] = { "index.html", "app.js",
	    "link.js", "../secret.js" };
	size_t i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
}

static const char *
setup(void)
{
	char path[128];

	snprintf(dir, sizeof dir, "/tmp/fuzz_www.%ld/www", (long)getpid());
	snprintf(path, sizeof path, "/tmp/fuzz_www.%ld", (long)getpid());
	check(mkdir(path, 0700) == 0 || access(path, F_OK) == 0);
	check(mkdir(dir, 0700) == 0 || access(dir, F_OK) == 0);
	snprintf(path, sizeof path, "%s/../secret.js", dir);
	put(path, secret);
	snprintf(path, sizeof path, "%s/index.html", dir);
	put(path, page);
	snprintf(path, sizeof path, "%s/app.js", dir);
	put(path, script);
	snprintf(path, sizeof path, "%s/link.js", dir);
	if (access(path, F_OK) != 0)
		check(symlink("../secret.js", path) == 0);
	check(atexit(cleanup) == 0);
	return dir;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *dir;
	static struct opts o;
	static struct serve sv;
	char path[4096];
	struct buf body;
	struct req r;
	int routed;

	if (dir == NULL) {
		dir = setup();
		o.www = dir;
		sv.o = &o;
	}
	if (size >= sizeof path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	buf_init(&body, BODY_MAX);
	memset(&r, 0, sizeof r);
	r.sv = &sv;
	r.body = &body;
	r.status = 200;
	routed = www_route(&r, path);
	check(routed || (r.status == 200 && body.len == 0));
	if (routed && r.status == 200) {
		check(r.type != NULL);
		check((body.len == strlen(page) &&
		    memcmp(body.p, page, body.len) == 0) ||
		    (body.len == strlen(script) &&
		    memcmp(body.p, script, body.len) == 0));
	}
	if (routed && r.status != 200)
		check(r.type == NULL);
	buf_free(&body);
	return 0;
}
