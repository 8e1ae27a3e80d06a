/* Downloading OSV's zip export: one GET, no proxy from the environment, https
 * (http only to loopback), redirects only to https, bounded size, and an abort
 * when the transfer stalls rather than a fixed total timeout (the file is large). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "advisories_fetch.h"

int
advisories_url_ok(const char *url)
{
	static const char *const loop[] = { "http://127.0.0.1", "http://[::1]",
		                            "http://localhost", NULL };
	size_t i;

	if (strncmp(url, "https://", 8) == 0)
		return 1;
	for (i = 0; loop[i] != NULL; i++) {
		size_t l = strlen(loop[i]);

		if (strncmp(url, loop[i], l) == 0 && (url[l] == ':' || url[l] == '/'))
			return 1;
	}
	return 0;
}

struct sink {
	int fd;
	long long total;
	int error;
};

static size_t
sink_write(char *p, size_t sz, size_t nm, void *ud)
{
	struct sink *s = ud;
	size_t n = sz * nm, off = 0;

	if (s->total + (long long)n > NS_OSV_EXPORT_MAX) {
		s->error = EFBIG;
		return 0;
	}
	while (off < n) {
		ssize_t w = write(s->fd, p + off, n - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			s->error = errno;
			return 0;
		}
		off += (size_t)w;
	}
	s->total += (long long)n;
	return n;
}

/* A progress bar on stderr, only when it is a terminal (never in logs or pipes). */
static int
progress(void *ud, curl_off_t total, curl_off_t now, curl_off_t ut, curl_off_t un)
{
	int *last = ud, pct, i;

	(void)ut;
	(void)un;
	if (total <= 0) {
		if (now / (1 << 20) != *last) {
			*last = (int)(now / (1 << 20));
			fprintf(stderr, "\rdownloading the OSV export: %lld MB", (long long)now >> 20);
		}
		return 0;
	}
	pct = (int)(now * 100 / total);
	if (pct == *last)
		return 0;
	*last = pct;
	fprintf(stderr, "\rdownloading the OSV export [");
	for (i = 0; i < 30; i++)
		fputc(i < pct * 30 / 100 ? '#' : '.', stderr);
	fprintf(stderr, "] %3d%% %lld/%lld MB", pct, (long long)now >> 20, (long long)total >> 20);
	return 0;
}

int
advisories_fetch(const char *url, int fd, struct ns_err *err)
{
	CURL *h;
	CURLcode cc;
	struct sink s = { fd, 0, 0 };
	long status = 0;
	curl_off_t expected = -1;
	int last = -1, tty = isatty(STDERR_FILENO);

	if (!advisories_url_ok(url))
		return ns_fail(err, "the OSV export URL must be https:// (http:// only to "
		    "127.0.0.1, [::1] or localhost)");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (h = curl_easy_init()) == NULL)
		return ns_fail(err, "cannot initialise libcurl");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L); /* < 1 KB/s for a minute: stalled */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "npm-release/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	if (tty) {
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, &last);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	}
	cc = curl_easy_perform(h);
	if (tty && last >= 0)
		fputc('\n', stderr);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
	curl_easy_cleanup(h);
	if (cc != CURLE_OK) {
		if (s.error == EFBIG)
			return ns_fail(err, "the OSV export is larger than %lld bytes",
			    NS_OSV_EXPORT_MAX);
		if (s.error != 0)
			return ns_fail(err, "writing the OSV export: %s", strerror(s.error));
		if (status >= 400)
			return ns_fail(err, "downloading the OSV export: HTTP %ld", status);
		return ns_fail(err, "downloading the OSV export: %s (after %lld bytes)",
		    curl_easy_strerror(cc), s.total);
	}
	if (status != 200)
		return ns_fail(err, "downloading the OSV export: HTTP %ld", status);
	if (expected >= 0 && expected != (curl_off_t)s.total)
		return ns_fail(err, "downloading the OSV export: %lld of %lld bytes", s.total,
		    (long long)expected);
	return 0;
}
