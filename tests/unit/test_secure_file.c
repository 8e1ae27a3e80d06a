/* secure_file: each refusal has its own reason; atomic replacement. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "nstest.h"
#include "secure_file.h"

static char *dir;

static int
setup(void **state)
{
	(void)state;
	dir = nstest_tmpdir();
	return dir == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	nstest_rmtree(dir);
	free(dir);
	return 0;
}

static char *
p(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void
test_reads_good_file(void **state)
{
	struct ns_err err;
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(nstest_write(p("good"), "hello\n", 0600), 0);
	assert_int_equal(sf_read_file(p("good"), 077, 100, &buf, &len, &err), 0);
	assert_string_equal(buf, "hello\n");
	assert_int_equal(len, 6);
	free(buf);
}

static void
expect_refused(const char *path, mode_t forbid, size_t max, const char *needle)
{
	struct ns_err err;
	char *buf = NULL;

	memset(&err, 0, sizeof(err));
	assert_int_equal(sf_read_file(path, forbid, max, &buf, NULL, &err), -1);
	assert_null(buf);
	if (strstr(err.msg, needle) == NULL)
		fail_msg("'%s' lacks '%s'", err.msg, needle);
}

static void
test_refusals(void **state)
{
	(void)state;
	assert_int_equal(nstest_write(p("open"), "x", 0644), 0);
	expect_refused(p("open"), 077, 100, "too open");
	assert_int_equal(nstest_write(p("big"), "0123456789", 0600), 0);
	expect_refused(p("big"), 077, 5, "larger than");
	assert_int_equal(symlink(p("big"), p("link")), 0);
	expect_refused(p("link"), 077, 100, "symbolic link");
	assert_int_equal(mkdir(p("sub"), 0700), 0);
	expect_refused(p("sub"), 077, 100, "not a regular file");
	assert_int_equal(mkfifo(p("fifo"), 0600), 0);
	expect_refused(p("fifo"), 077, 100, "not a regular file");
	expect_refused(p("missing"), 077, 100, "No such file");
	expect_refused("relative/path", 077, 100, "not an absolute path");
	expect_refused(p("sub/../good"), 077, 100, "'..'");
	assert_int_equal(nstest_write(p("nul"), "a", 0600), 0);
	{
		int fd = open(p("nul"), O_WRONLY | O_APPEND);
		assert_int_equal(write(fd, "\0b", 2), 2);
		close(fd);
	}
	expect_refused(p("nul"), 077, 100, "NUL");
}

static void
test_directory_checks(void **state)
{
	struct ns_err err;
	int fd;

	(void)state;
	assert_int_equal(mkdir(p("ww"), 0777), 0);
	assert_int_equal(chmod(p("ww"), 0777), 0);
	assert_int_equal(nstest_write(p("ww/f"), "x", 0600), 0);
	expect_refused(p("ww/f"), 077, 100, "writable by group or others");
	assert_int_equal(symlink(p("sub"), p("dirlink")), 0);
	assert_int_equal(nstest_write(p("sub/f"), "x", 0600), 0);
	expect_refused(p("dirlink/f"), 077, 100, "symbolic link");
	fd = sf_open_dir(p("sub"), 077, &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sf_open_dir(p("ww"), 022, &err), -1);
}

static void
test_atomic_write(void **state)
{
	struct ns_err err;
	struct stat sb;
	char *buf;
	int dfd;

	(void)state;
	dfd = sf_open_dir(dir, 022, &err);
	assert_true(dfd >= 0);
	assert_int_equal(sf_write_atomic(dfd, dir, "atomic", "one", 3, 0600, &err), 0);
	assert_int_equal(sf_write_atomic(dfd, dir, "atomic", "two!", 4, 0600, &err), 0);
	assert_int_equal(sf_read_file(p("atomic"), 077, 100, &buf, NULL, &err), 0);
	assert_string_equal(buf, "two!");
	free(buf);
	assert_int_equal(stat(p("atomic"), &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	/* The target is never followed: a link planted there is replaced, not written through. */
	assert_int_equal(nstest_write(p("victim"), "keep", 0600), 0);
	assert_int_equal(symlink(p("victim"), p("planted")), 0);
	assert_int_equal(sf_write_atomic(dfd, dir, "planted", "new", 3, 0600, &err), 0);
	assert_int_equal(sf_read_file(p("victim"), 077, 100, &buf, NULL, &err), 0);
	assert_string_equal(buf, "keep");
	free(buf);
	close(dfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_good_file),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_directory_checks),
		cmocka_unit_test(test_atomic_write),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
