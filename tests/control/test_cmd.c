/* SPDX-License-Identifier: BSD-3-Clause */
/* Command grammar: every form, every error, and the value codecs the daemon uses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/cmd.h"
#include "control/errors.h"
#include "cmd_test.h"

static void test_simple_commands(void **state)
{
	(void)state;
	expect_json("status", "{\"cmd\":\"status\"}");
	expect_json("stats", "{\"cmd\":\"stats\"}");
	expect_json("help", "{\"cmd\":\"help\"}");
	expect_error("status now", "unexpected word 'now'", NULL);
	expect_error("stats x y", "unexpected word 'x'", NULL);
}

static void test_unknown_and_missing_words(void **state)
{
	char *argv0[] = { NULL };

	(void)state;
	expect_error("frobnicate", "unknown command 'frobnicate'", "status", "stats", "route",
		     "help", NULL);
	expect_error("route", "route: missing subcommand", "add", "del", "list", "count", "batch",
		     NULL);
	expect_error("route flip 1", "unknown route subcommand 'flip'", "add", "del", "list",
		     "batch", NULL);
	assert_null(bl_cmd_from_words(0, argv0, err, sizeof(err)));
	assert_non_null(strstr(err, "missing command"));
}

static void test_keys(void **state)
{
	(void)state;
	expect_json("route add 42 drop",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":42,\"action\":\"drop\"}]}");
	expect_json("route add 0x2A drop",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":42,\"action\":\"drop\"}]}");
	expect_json(
	    "route add default drop",
	    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":\"default\",\"action\":\"drop\"}]}");
	/* 2^63 - 1 is still an integer; 2^63 and up are decimal strings. */
	expect_json("route add 9223372036854775807 drop",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":9223372036854775807,"
		    "\"action\":\"drop\"}]}");
	expect_json("route add 9223372036854775808 drop",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":\"9223372036854775808\","
		    "\"action\":\"drop\"}]}");
	expect_json("route add 0xffffffffffffffff drop",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":\"18446744073709551615\","
		    "\"action\":\"drop\"}]}");
	expect_error("route add 18446744073709551616 drop", "bad key '18446744073709551616'",
		     "2^64", NULL);
	expect_error("route add 0x10000000000000000 drop", "bad key", NULL);
	expect_error("route add abc drop", "bad key 'abc'", "decimal or 0x-hex", NULL);
	expect_error("route add -1 drop", "bad key '-1'", NULL);
	expect_error("route add 0x drop", "bad key '0x'", NULL);
	expect_error("route add 12x drop", "bad key '12x'", NULL);
	expect_error("route add '' drop", "bad key ''", NULL);
	expect_error("route add Default drop", "bad key 'Default'", NULL);
}

static void test_route_add_forward(void **state)
{
	(void)state;
	expect_json("route add 7 port 0 mac 02:00:00:00:00:01 ip 10.0.0.2",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":7,\"action\":\"forward\","
		    "\"port\":0,\"mac\":\"02:00:00:00:00:01\",\"ip\":\"10.0.0.2\",\"udp\":7447}]}");
	expect_json("route add 7 port 3 mac 02:AB:cd:00:00:01 ip 192.168.1.255 udp 9000",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":7,\"action\":\"forward\","
		    "\"port\":3,\"mac\":\"02:ab:cd:00:00:01\",\"ip\":\"192.168.1.255\","
		    "\"udp\":9000}]}");
	/* The pairs may come in any order. */
	expect_json("route add default ip 10.0.0.9 udp 1 mac 0e:00:00:00:00:02 port 65535",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":\"default\",\"action\":"
		    "\"forward\",\"port\":65535,\"mac\":\"0e:00:00:00:00:02\",\"ip\":\"10.0.0.9\","
		    "\"udp\":1}]}");
}

/* A next hop with a colon in its address is IPv6, shown in its short form. */
static void test_route_add_ipv6(void **state)
{
	(void)state;
	expect_json("route add 7 port 1 mac 02:00:00:00:00:06 ip 2001:0DB8:0:0::2 udp 9000",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":7,\"action\":\"forward\","
		    "\"port\":1,\"mac\":\"02:00:00:00:00:06\",\"ip\":\"2001:db8::2\","
		    "\"udp\":9000}]}");
	expect_json("route add 8 port 0 mac 02:00:00:00:00:06 ip fe80::1",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":8,\"action\":\"forward\","
		    "\"port\":0,\"mac\":\"02:00:00:00:00:06\",\"ip\":\"fe80::1\","
		    "\"udp\":7447}]}");
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip ::", "bad IPv6 address '::'",
		     NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip ff02::1",
		     "bad IPv6 address 'ff02::1': a multicast address", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 2001:db8::zz",
		     "bad IPv6 address '2001:db8::zz'", "2001:db8::2", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 1:2:3:4:5:6:7:8:9", "bad IPv6",
		     NULL);
}

static void test_route_add_errors(void **state)
{
	(void)state;
	expect_error("route add", "route add: missing KEY", "usage", NULL);
	expect_error("route add 1", "missing action", NULL);
	expect_error("route add 1 drop now", "unexpected word 'now' after drop", NULL);
	expect_error("route add 1 jump 3", "unknown word 'jump'", "port, mac, ip, udp, vlan", NULL);
	expect_error("route add 1 port", "'port' needs a value", NULL);
	expect_error("route add 1 port 0 port 1 mac 02:00:00:00:00:01 ip 10.0.0.1",
		     "'port' given twice", NULL);
	expect_error("route add 1 port 65536 mac 02:00:00:00:00:01 ip 10.0.0.1", "bad port '65536'",
		     NULL);
	expect_error("route add 1 port x mac 02:00:00:00:00:01 ip 10.0.0.1", "bad port 'x'", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.1 udp 0",
		     "bad udp port '0'", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.1 udp 70000",
		     "bad udp port '70000'", NULL);
	expect_error("route add 1 mac 02:00:00:00:00:01 ip 10.0.0.1", "missing 'port P'", NULL);
	/* Without mac the router resolves the address (ARP, ND): accepted, no "mac". */
	expect_json("route add 1 port 0 ip 10.0.0.1",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":1,\"action\":\"forward\","
		    "\"port\":0,\"ip\":\"10.0.0.1\",\"udp\":7447}]}");
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01", "missing 'ip A.B.C.D'", NULL);
	/* MACs */
	expect_error("route add 1 port 0 mac 02:00:00:00:00 ip 10.0.0.1", "bad MAC",
		     "02:00:00:00:00:01", NULL);
	expect_error("route add 1 port 0 mac 02-00-00-00-00-01 ip 10.0.0.1",
		     "bad MAC '02-00-00-00-00-01'", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:0g ip 10.0.0.1", "bad MAC", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:011 ip 10.0.0.1", "bad MAC", NULL);
	expect_error("route add 1 port 0 mac 00:00:00:00:00:00 ip 10.0.0.1", "all-zero", NULL);
	/* A next hop is one station: no group address. */
	expect_error("route add 1 port 0 mac ff:ff:ff:ff:ff:ff ip 10.0.0.1",
		     "bad MAC 'ff:ff:ff:ff:ff:ff': the broadcast address is not a next hop", NULL);
	expect_error("route add 1 port 0 mac FF:FF:FF:FF:FF:FF ip 10.0.0.1", "broadcast", NULL);
	expect_error("route add 1 port 0 mac 01:00:5e:00:00:01 ip 10.0.0.1",
		     "bad MAC '01:00:5e:00:00:01': a multicast address", NULL);
	expect_error("route add 1 port 0 mac 33:33:00:00:00:01 ip 10.0.0.1", "multicast", NULL);
	expect_error("route add 1 port 0 mac 03:00:00:00:00:01 ip 10.0.0.1", "multicast", NULL);
	/* IPs */
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0",
		     "bad IPv4 address '10.0.0'", "A.B.C.D", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.256", "over 255", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.01", "leading zero", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.1.5", "bad IPv4", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.1x", "bad IPv4", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 1000.0.0.1", "bad IPv4", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 0.0.0.0", "0.0.0.0", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 255.255.255.255",
		     "bad IPv4 address '255.255.255.255': the broadcast address is not a next hop",
		     NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 224.0.0.1",
		     "bad IPv4 address '224.0.0.1': a multicast address (224.0.0.0/4)", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 239.255.255.255", "multicast",
		     NULL);
	/* Just outside those: unicast, taken. */
	expect_json("route add 1 port 0 mac fe:ff:ff:ff:ff:ff ip 223.255.255.255",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":1,\"action\":\"forward\","
		    "\"port\":0,\"mac\":\"fe:ff:ff:ff:ff:ff\",\"ip\":\"223.255.255.255\","
		    "\"udp\":7447}]}");
	expect_json("route add 1 port 0 mac 02:00:00:00:00:01 ip 240.0.0.1",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":1,\"action\":\"forward\","
		    "\"port\":0,\"mac\":\"02:00:00:00:00:01\",\"ip\":\"240.0.0.1\","
		    "\"udp\":7447}]}");
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip host", "bad IPv4 address 'host'",
		     NULL);
}

static void test_route_del(void **state)
{
	(void)state;
	expect_json("route del 1", "{\"cmd\":\"route.del\",\"keys\":[1]}");
	expect_json("route del 1 0x10 default 18446744073709551615",
		    "{\"cmd\":\"route.del\",\"keys\":[1,16,\"default\",\"18446744073709551615\"]}");
	expect_error("route del", "route del: missing KEY", NULL);
	expect_error("route del 1 two", "bad key 'two'", NULL);
}

/* --cluster, last: the same request with "cluster":true; anywhere else it is a bad word. */
static void test_route_cluster(void **state)
{
	(void)state;
	expect_json("route add 42 drop --cluster",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":42,\"action\":\"drop\"}],"
		    "\"cluster\":true}");
	expect_json("route add 7 pool p least_loaded --cluster",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":7,\"action\":\"pool\","
		    "\"name\":\"p\",\"pick\":\"least_loaded\"}],\"cluster\":true}");
	expect_json("route del 1 default --cluster",
		    "{\"cmd\":\"route.del\",\"keys\":[1,\"default\"],\"cluster\":true}");
	expect_json("cluster", "{\"cmd\":\"cluster.members\"}");
	expect_error("route add 42 --cluster drop", "route add", NULL);
	expect_error("route del --cluster", "route del: missing KEY", NULL);
	expect_error("cluster members", "unexpected word 'members'", NULL);
}

/* route list [limit N] [cursor C]: a limit only when given (none: beamctl walks). */
static void test_route_list(void **state)
{
	(void)state;
	expect_json("route list", "{\"cmd\":\"route.list\"}");
	expect_json("route list limit 5", "{\"cmd\":\"route.list\",\"limit\":5}");
	expect_error("route list limit 0", "bad limit '0'", "1..10000", NULL);
	expect_json("route list limit 10000", "{\"cmd\":\"route.list\",\"limit\":10000}");
	expect_json("route list limit 0x10", "{\"cmd\":\"route.list\",\"limit\":16}");
	expect_json("route list limit 7 cursor 0123456789abcdefABCDEF00",
		    "{\"cmd\":\"route.list\",\"limit\":7,\"cursor\":\"0123456789abcdefABCDEF00\"}");
	/* Pairs in any order; the request's order stays limit, cursor. */
	expect_json("route list cursor 000000000000000000000000 limit 3",
		    "{\"cmd\":\"route.list\",\"limit\":3,\"cursor\":\"000000000000000000000000\"}");
	expect_json("route list cursor 00000001ffffffffffffffff",
		    "{\"cmd\":\"route.list\",\"cursor\":\"00000001ffffffffffffffff\"}");

	expect_error("route list limit", "route list: 'limit' needs a value", NULL);
	expect_error("route list limit -3", "bad limit '-3'", "1..10000", NULL);
	expect_error("route list limit many", "bad limit 'many'", "1..10000", NULL);
	expect_error("route list limit 10001", "route list: bad limit '10001'", "at most 10000",
		     NULL);
	expect_error("route list limit 4294967296", "bad limit '4294967296'", "at most 10000",
		     NULL);
	expect_error("route list limit 99999999999999999999999", "bad limit", "at most 10000",
		     NULL);
	expect_error("route list limit 3 limit 4", "'limit' given twice", NULL);

	expect_error("route list cursor", "route list: 'cursor' needs a value", NULL);
	expect_error("route list cursor abc", "route list: bad cursor 'abc'", "24 hex digits",
		     NULL);
	expect_error("route list cursor 0123456789abcdef0123456", "bad cursor", "24 hex digits",
		     NULL); /* 23 digits */
	expect_error("route list cursor 0123456789abcdef012345678", "bad cursor", NULL);
	expect_error("route list cursor 0123456789abcdef0123456g", "bad cursor", NULL);
	expect_error("route list cursor 0x0123456789abcdef012345", "bad cursor", NULL);
	expect_error("route list cursor 000000000000000000000000 cursor 000000000000000000000000",
		     "'cursor' given twice", NULL);

	expect_error("route list all", "unexpected word 'all'", "route list [limit N] [cursor C]",
		     NULL);
	expect_error("route list limit 3 more", "unexpected word 'more'", NULL);
}

static void test_route_count(void **state)
{
	(void)state;
	expect_json("route count", "{\"cmd\":\"route.count\"}");
	expect_error("route count all", "route count: unexpected word 'all'",
		     "it takes no arguments", NULL);
	expect_error("route count limit 5", "route count: unexpected word 'limit'", NULL);
	expect_error("route counts", "unknown route subcommand 'counts'", "count", NULL);
}

static char tmpdir[64];

static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_route_batch(void **state)
{
	char line[256];
	const char *path;

	(void)state;
	path =
	    write_file("good.txt", "# a batch\n"
				   "\n"
				   "add 1 drop\n"
				   "   add 0x2 port 1 mac 02:00:00:00:00:02 ip 10.0.0.3 udp 9 # c\n"
				   "del 5 default\n"
				   "add default drop");
	snprintf(line, sizeof(line), "route batch '%s'", path);
	/* The checked lines go as they are (the last one given its newline). */
	expect_json(line, "{\"cmd\":\"route.batch\",\"text\":\"# a batch\\n\\nadd 1 drop\\n"
			  "   add 0x2 port 1 mac 02:00:00:00:00:02 ip 10.0.0.3 udp 9 # c\\n"
			  "del 5 default\\nadd default drop\\n\"}");

	path = write_file("empty.txt", "# nothing\n\n");
	snprintf(line, sizeof(line), "route batch %s", path);
	expect_json(line, "{\"cmd\":\"route.batch\",\"text\":\"# nothing\\n\\n\"}");

	path = write_file("bad3.txt", "add 1 drop\n"
				      "del 2\n"
				      "add 3 port 0 mac 02:00:00:00:00:01 ip 10.0.0.300\n"
				      "add 4 drop\n");
	snprintf(line, sizeof(line), "route batch %s", path);
	{
		char want[160];

		snprintf(want, sizeof(want), "%s:3: add: bad IPv4 address '10.0.0.300'", path);
		expect_error(line, want, NULL);
	}

	path = write_file("badop.txt", "add 1 drop\nreplace 2 drop\n");
	snprintf(line, sizeof(line), "route batch %s", path);
	expect_error(line, "badop.txt:2: unknown operation 'replace'", "add or del", NULL);

	path = write_file("badquote.txt", "add 1 drop\n\nadd 'x drop\n");
	snprintf(line, sizeof(line), "route batch %s", path);
	expect_error(line, "badquote.txt:3: unterminated single quote", NULL);

	path = write_file("baddel.txt", "del\n");
	snprintf(line, sizeof(line), "route batch %s", path);
	expect_error(line, "baddel.txt:1: del: missing KEY", NULL);

	snprintf(line, sizeof(line), "route batch %s/missing.txt", tmpdir);
	expect_error(line, "cannot open", "missing.txt", "No such file", NULL);
	expect_error("route batch", "missing FILE", NULL);
	expect_error("route batch a b", "too many words", NULL);
}

/* What bl_cmd_batch_line hands its callback, line by line. */
struct changes {
	int n;
	bool del[8];
	struct bl_cmd_route r[8];
};

static int take_change(void *arg, bool del, const struct bl_cmd_route *r)
{
	struct changes *c = arg;

	if (c->n == 8)
		return -E2BIG;
	c->del[c->n] = del;
	c->r[c->n++] = *r;
	return 0;
}

static void test_batch_line(void **state)
{
	struct changes c = { 0 };
	char msg[256];

	(void)state;
	assert_int_equal(bl_cmd_batch_line("# only a comment", take_change, &c, msg, sizeof(msg)),
			 0);
	assert_int_equal(bl_cmd_batch_line("   \n", take_change, &c, msg, sizeof(msg)), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(bl_cmd_batch_line("add 0x2 port 1 mac 02:00:00:00:00:02 ip 10.0.0.3 udp 9",
					   take_change, &c, msg, sizeof(msg)),
			 0);
	assert_int_equal(c.n, 1);
	assert_false(c.del[0]);
	assert_int_equal(c.r[0].key.value, 2);
	assert_int_equal(c.r[0].action, BL_CMD_ACTION_FORWARD);
	assert_int_equal(c.r[0].port, 1);
	assert_int_equal(c.r[0].mac[5], 2);
	assert_int_equal(c.r[0].ip, 0x0a000003);
	assert_int_equal(c.r[0].udp, 9);
	assert_int_equal(bl_cmd_batch_line("add 7 pool workers", take_change, &c, msg, sizeof(msg)),
			 0);
	assert_int_equal(c.r[1].action, BL_CMD_ACTION_POOL);
	assert_string_equal(c.r[1].name, "workers");
	assert_int_equal(bl_cmd_batch_line("del 5 default 6", take_change, &c, msg, sizeof(msg)),
			 0);
	assert_int_equal(c.n, 5);
	assert_true(c.del[2] && c.del[3] && c.del[4]);
	assert_int_equal(c.r[2].key.value, 5);
	assert_true(c.r[3].key.is_default);
	assert_int_equal(c.r[4].key.value, 6);
	/* Errors name what is wrong; the callback is not called. */
	assert_int_equal(bl_cmd_batch_line("add 8 port 1 mac 02:00:00:00:00:02", take_change, &c,
					   msg, sizeof(msg)),
			 -EINVAL);
	assert_non_null(strstr(msg, "missing 'ip A.B.C.D'"));
	assert_int_equal(bl_cmd_batch_line("add 8 port 1 mac 01:00:5e:00:00:01 ip 10.0.0.3",
					   take_change, &c, msg, sizeof(msg)),
			 -EINVAL);
	assert_non_null(strstr(msg, "multicast"));
	assert_int_equal(bl_cmd_batch_line("add 8 port 1 mac 02:00:00:00:00:02 ip 255.255.255.255",
					   take_change, &c, msg, sizeof(msg)),
			 -EINVAL);
	assert_non_null(strstr(msg, "broadcast"));
	assert_int_equal(bl_cmd_batch_line("del 9 x", take_change, &c, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "del: "));
	assert_int_equal(c.n, 6); /* del 9 came before the bad word */
	assert_int_equal(bl_cmd_batch_line("move 1", take_change, &c, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "unknown operation 'move'"));
	/* The callback's own error stops the line. */
	c.n = 8;
	assert_int_equal(bl_cmd_batch_line("add 1 drop", take_change, &c, msg, sizeof(msg)),
			 -E2BIG);
}

static void test_route_batch_stdin(void **state)
{
	const char *path = write_file("stdin.txt", "add 9 drop\ndel 8\n");
	char *got;
	int saved = dup(0);

	(void)state;
	assert_true(saved >= 0);
	assert_non_null(freopen(path, "r", stdin));
	got = build("route batch -");
	assert_non_null(got);
	assert_string_equal(got, "{\"cmd\":\"route.batch\",\"text\":\"add 9 drop\\ndel 8\\n\"}");
	free(got);

	path = write_file("stdin2.txt", "add 9 drop\nadd 9\n");
	assert_non_null(freopen(path, "r", stdin));
	assert_null(build("route batch -"));
	assert_non_null(strstr(err, "stdin:2: add: missing action"));
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	clearerr(stdin);
}

static void split_expect(const char *line, int n, ...)
{
	char **argv;
	int argc;
	va_list ap;

	assert_int_equal(bl_cmd_split(line, &argc, &argv, err, sizeof(err)), 0);
	assert_int_equal(argc, n);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(argv[i], va_arg(ap, const char *));
	va_end(ap);
	assert_null(argv[argc]);
	free(argv);
}

static void test_split(void **state)
{
	char **argv = NULL;
	int argc;

	(void)state;
	split_expect("", 0);
	split_expect("   \t\n", 0);
	split_expect("# comment only", 0);
	split_expect("a  b\tc\n", 3, "a", "b", "c");
	split_expect("a 'b c' \"d e\"", 3, "a", "b c", "d e");
	split_expect("x'y z'w", 1, "xy zw");
	split_expect("'' \"\"", 2, "", "");
	split_expect("\"a \\\" b \\\\ c \\n\"", 1, "a \" b \\ c \\n");
	split_expect("'a \\ b'", 1, "a \\ b");
	split_expect("a\\ b c", 2, "a b", "c");
	split_expect("route add 1 drop # why", 4, "route", "add", "1", "drop");
	split_expect("a#b '#c'", 2, "a#b", "#c");
	split_expect("x y\r\n", 2, "x", "y");

	assert_int_equal(bl_cmd_split("a 'b", &argc, &argv, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unterminated single quote"));
	assert_int_equal(bl_cmd_split("a \"b", &argc, &argv, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unterminated double quote"));
	assert_int_equal(bl_cmd_split("a b\\", &argc, &argv, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "trailing backslash"));
}

static void test_key_json(void **state)
{
	struct bl_cmd_key k;
	json_t *j;
	char buf[32];

	(void)state;
	k = (struct bl_cmd_key){ .value = UINT64_MAX };
	j = bl_cmd_key_to_json(&k);
	assert_string_equal(json_string_value(j), "18446744073709551615");
	memset(&k, 0, sizeof(k));
	assert_int_equal(bl_cmd_key_from_json(j, &k, err, sizeof(err)), 0);
	assert_true(k.value == UINT64_MAX && !k.is_default);
	json_decref(j);

	j = json_integer(12);
	assert_int_equal(bl_cmd_key_from_json(j, &k, err, sizeof(err)), 0);
	assert_true(k.value == 12 && !k.is_default);
	json_decref(j);

	j = json_string("default");
	assert_int_equal(bl_cmd_key_from_json(j, &k, err, sizeof(err)), 0);
	assert_true(k.is_default);
	bl_cmd_key_format(&k, buf, sizeof(buf));
	assert_string_equal(buf, "default");
	json_decref(j);

	j = json_integer(-1);
	assert_int_equal(bl_cmd_key_from_json(j, &k, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unsigned"));
	json_decref(j);

	j = json_real(1.5);
	assert_int_equal(bl_cmd_key_from_json(j, &k, err, sizeof(err)), -EINVAL);
	json_decref(j);

	j = json_string("12ab");
	assert_int_equal(bl_cmd_key_from_json(j, &k, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad key '12ab'"));
	json_decref(j);

	k = (struct bl_cmd_key){ .value = 99 };
	bl_cmd_key_format(&k, buf, sizeof(buf));
	assert_string_equal(buf, "99");
}

static json_t *parse(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	assert_non_null(j);
	return j;
}

static int route_from(const char *s, struct bl_cmd_route *r)
{
	json_t *j = parse(s);
	int rc;

	err[0] = '\0';
	rc = bl_cmd_route_from_json(j, r, err, sizeof(err));
	json_decref(j);
	return rc;
}

static void test_route_json(void **state)
{
	struct bl_cmd_route r;
	json_t *j;
	char *s;

	(void)state;
	assert_int_equal(route_from("{\"key\":5,\"action\":\"forward\",\"port\":2,"
				    "\"mac\":\"02:00:00:00:00:09\",\"ip\":\"10.1.2.3\"}",
				    &r),
			 0);
	assert_int_equal(r.key.value, 5);
	assert_int_equal(r.action, BL_CMD_ACTION_FORWARD);
	assert_int_equal(r.port, 2);
	assert_int_equal(r.mac[5], 9);
	assert_int_equal(r.ip, 0x0a010203);
	assert_int_equal(r.udp, BL_CMD_UDP_DEFAULT);
	/* A JSON route (route.add, a batch op) is held to the same next-hop rules. */
	assert_int_equal(route_from("{\"key\":5,\"action\":\"forward\",\"port\":2,"
				    "\"mac\":\"ff:ff:ff:ff:ff:ff\",\"ip\":\"10.1.2.3\"}",
				    &r),
			 -EINVAL);
	assert_non_null(strstr(err, "route: bad MAC 'ff:ff:ff:ff:ff:ff': the broadcast address"));
	assert_int_equal(route_from("{\"key\":5,\"action\":\"forward\",\"port\":2,"
				    "\"mac\":\"02:00:00:00:00:09\",\"ip\":\"230.1.2.3\"}",
				    &r),
			 -EINVAL);
	assert_non_null(strstr(err, "route: bad IPv4 address '230.1.2.3': a multicast address"));
	assert_int_equal(route_from("{\"key\":5,\"action\":\"forward\",\"port\":2,"
				    "\"mac\":\"02:00:00:00:00:09\",\"ip\":\"10.1.2.3\"}",
				    &r),
			 0);
	/* And back: the encoder writes what the decoder reads. */
	j = bl_cmd_route_to_json(&r);
	s = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s, "{\"key\":5,\"action\":\"forward\",\"port\":2,\"mac\":"
			       "\"02:00:00:00:00:09\",\"ip\":\"10.1.2.3\",\"udp\":7447}");
	free(s);
	json_decref(j);

	assert_int_equal(route_from("{\"key\":\"default\",\"action\":\"drop\"}", &r), 0);
	assert_true(r.key.is_default);
	assert_int_equal(r.action, BL_CMD_ACTION_DROP);

	assert_int_equal(route_from("[1]", &r), -EINVAL);
	assert_non_null(strstr(err, "expected an object"));
	assert_int_equal(route_from("{\"action\":\"drop\"}", &r), -EINVAL);
	assert_non_null(strstr(err, "missing \"key\""));
	assert_int_equal(route_from("{\"key\":1}", &r), -EINVAL);
	assert_non_null(strstr(err, "route: missing \"action\""));
	assert_int_equal(route_from("{\"key\":1,\"action\":\"jump\"}", &r), -EINVAL);
	assert_non_null(
	    strstr(err, "\"action\" must be drop, forward, process, group or pool, not 'jump'"));
	assert_int_equal(route_from("{\"key\":1,\"action\":\"drop\",\"port\":1}", &r), -EINVAL);
	assert_non_null(strstr(err, "unknown field \"port\""));
	assert_int_equal(route_from("{\"key\":1,\"action\":\"forward\",\"port\":1,\"mac\":"
				    "\"02:00:00:00:00:01\",\"ip\":\"10.0.0.1\",\"upd\":5}",
				    &r),
			 -EINVAL);
	assert_non_null(strstr(err, "unknown field \"upd\""));
	assert_int_equal(route_from("{\"key\":1,\"action\":\"forward\",\"mac\":"
				    "\"02:00:00:00:00:01\",\"ip\":\"10.0.0.1\"}",
				    &r),
			 -EINVAL);
	assert_non_null(strstr(err, "missing \"port\""));
	assert_int_equal(route_from("{\"key\":1,\"action\":\"forward\",\"port\":70000,\"mac\":"
				    "\"02:00:00:00:00:01\",\"ip\":\"10.0.0.1\"}",
				    &r),
			 -EINVAL);
	assert_non_null(strstr(err, "\"port\" must be an integer in 0..65535"));
	assert_int_equal(route_from("{\"key\":1,\"action\":\"forward\",\"port\":1,\"mac\":"
				    "\"02:00:00:00:00:01\",\"ip\":\"10.0.0.1\",\"udp\":0}",
				    &r),
			 -EINVAL);
	assert_non_null(strstr(err, "\"udp\" must be an integer in 1..65535"));
	assert_int_equal(route_from("{\"key\":1,\"action\":\"forward\",\"port\":1,\"mac\":"
				    "\"zz\",\"ip\":\"10.0.0.1\"}",
				    &r),
			 -EINVAL);
	assert_non_null(strstr(err, "bad MAC 'zz'"));
	assert_int_equal(route_from("{\"key\":1,\"action\":\"forward\",\"port\":1,\"mac\":"
				    "\"02:00:00:00:00:01\",\"ip\":7}",
				    &r),
			 -EINVAL);
	assert_non_null(strstr(err, "\"ip\" must be a string"));
	assert_int_equal(route_from("{\"key\":-4,\"action\":\"drop\"}", &r), -EINVAL);
	assert_non_null(strstr(err, "route: \"key\" must be a u64"));
}

static void test_process_words(void **state)
{
	struct bl_cmd_route r;
	json_t *j;

	(void)state;
	expect_json("route add 7 process echo1",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":7,\"action\":\"process\","
		    "\"name\":\"echo1\"}]}");
	expect_json("route add 8 group feed",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":8,\"action\":\"group\","
		    "\"name\":\"feed\"}]}");
	expect_json("route add default pool workers",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":\"default\",\"action\":"
		    "\"pool\",\"name\":\"workers\"}]}");
	expect_json("route add 9 pool workers least_loaded",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":9,\"action\":\"pool\","
		    "\"name\":\"workers\",\"pick\":\"least_loaded\"}]}");
	expect_json("route add 9 pool workers hash",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":9,\"action\":\"pool\","
		    "\"name\":\"workers\"}]}");
	expect_error("route add 9 pool workers busiest", "unexpected word 'busiest'",
		     "(least_loaded or hash)", NULL);
	expect_error("route add 9 group workers least_loaded", "unexpected word 'least_loaded'",
		     NULL);
	expect_error("route add 7 process", "'process' needs a NAME", NULL);
	expect_error("route add 7 group a b", "unexpected word 'b'", NULL);
	expect_error("route add 7 pool 0123456789012345678901234567890123", "bad name", NULL);
	j = json_loads("{\"key\":3,\"action\":\"pool\",\"name\":\"w\",\"port\":1}", 0, NULL);
	assert_int_equal(bl_cmd_route_from_json(j, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown field \"port\" for action pool"));
	json_decref(j);
	j = json_loads("{\"key\":3,\"action\":\"pool\",\"name\":\"w\",\"pick\":\"least_loaded\"}",
		       0, NULL);
	assert_int_equal(bl_cmd_route_from_json(j, &r, err, sizeof(err)), 0);
	assert_true(r.least_loaded);
	json_decref(j);
	j = json_loads("{\"key\":3,\"action\":\"group\",\"name\":\"w\",\"pick\":\"hash\"}", 0,
		       NULL);
	assert_int_equal(bl_cmd_route_from_json(j, &r, err, sizeof(err)), -EINVAL);
	json_decref(j);
	j = json_loads("{\"key\":3,\"action\":\"group\",\"name\":\"w\"}", 0, NULL);
	assert_int_equal(bl_cmd_route_from_json(j, &r, err, sizeof(err)), 0);
	assert_int_equal(r.action, BL_CMD_ACTION_GROUP);
	assert_string_equal(r.name, "w");
	json_decref(j);

	expect_json("spawn counter name c1 lcore any max_keys 100",
		    "{\"cmd\":\"spawn\",\"behaviour\":\"counter\",\"name\":\"c1\","
		    "\"lcore\":\"any\",\"args\":{\"max_keys\":100}}");
	expect_json("spawn forward count 3 group g port 1 mac 02:00:00:00:00:02 ip 10.0.0.2",
		    "{\"cmd\":\"spawn\",\"behaviour\":\"forward\",\"count\":3,\"group\":\"g\","
		    "\"args\":{\"port\":1,\"mac\":\"02:00:00:00:00:02\",\"ip\":\"10.0.0.2\"}}");
	expect_error("spawn", "spawn: missing behaviour", NULL);
	expect_error("spawn echo name", "'name' needs a value", NULL);
	expect_error("spawn echo name a name b", "'name' given twice", NULL);
	expect_json("ps --sort memory --top 5", "{\"cmd\":\"ps\",\"sort\":\"memory\",\"top\":5}");
	expect_error("ps --colour red", "unexpected word '--colour'", NULL);
	expect_json("kill <1.2.3>", "{\"cmd\":\"kill\",\"target\":\"<1.2.3>\"}");
	expect_json("exit c1 shutdown",
		    "{\"cmd\":\"exit\",\"target\":\"c1\",\"reason\":\"shutdown\"}");
	expect_error("exit c1", "exit: missing reason", NULL);
	expect_json("group join g c1",
		    "{\"cmd\":\"group.join\",\"group\":\"g\",\"target\":\"c1\"}");
	expect_json("memory", "{\"cmd\":\"memory\"}");
}

static void test_usage_and_errors_table(void **state)
{
	const char *form, *summary, *name;
	bool saw_forward = false;
	unsigned int i;
	int e;

	(void)state;
	for (i = 0; bl_cmd_usage_entry(i, &form, &summary) == 0; i++) {
		assert_non_null(summary);
		saw_forward |=
		    strcmp(form, "route add KEY port P [mac MAC] ip A.B.C.D [udp N]") == 0;
	}
	assert_true(saw_forward);
	assert_true(i >= 19); /* routes, processes, groups, introspection */

	assert_string_equal(bl_err_name(-EINVAL), "invalid_argument");
	assert_string_equal(bl_err_name(ENOENT), "not_found");
	assert_string_equal(bl_err_name(-EEXIST), "exists");
	assert_string_equal(bl_err_name(-ENOSPC), "no_space");
	assert_string_equal(bl_err_name(-E2BIG), "too_big");
	assert_string_equal(bl_err_name(-ENODEV), "no_device");
	assert_string_equal(bl_err_name(-EBUSY), "busy");
	assert_string_equal(bl_err_name(-ENOSYS), "unknown_command");
	assert_string_equal(bl_err_name(-EPROTO), "bad_request");
	assert_string_equal(bl_err_name(-ETIMEDOUT), "timeout");
	assert_string_equal(bl_err_name(-ESRCH), "not_running");
	assert_string_equal(bl_err_name(-EALREADY), "already");
	assert_string_equal(bl_err_name(-ENOEXEC), "not_loadable");
	assert_string_equal(bl_err_name(-EPERM), "not_permitted");
	assert_string_equal(bl_err_name(-ENOTCONN), "not_connected");
	assert_string_equal(bl_err_name(-EAGAIN), "try_again");
	assert_string_equal(bl_err_name(-EIO), "error");
	assert_string_equal(bl_err_name(0), "error");
	for (i = 0; bl_err_entry(i, &e, &name) == 0; i++)
		assert_int_equal(bl_err_from_name(name), e);
	assert_int_equal(i, 16);
	assert_int_equal(bl_err_from_name("error"), 0);
	assert_int_equal(bl_err_from_name(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_commands),
		cmocka_unit_test(test_unknown_and_missing_words),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_route_add_forward),
		cmocka_unit_test(test_route_add_ipv6),
		cmocka_unit_test(test_route_add_errors),
		cmocka_unit_test(test_route_del),
		cmocka_unit_test(test_route_cluster),
		cmocka_unit_test(test_route_list),
		cmocka_unit_test(test_route_count),
		cmocka_unit_test(test_route_batch),
		cmocka_unit_test(test_batch_line),
		cmocka_unit_test(test_route_batch_stdin),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_key_json),
		cmocka_unit_test(test_route_json),
		cmocka_unit_test(test_process_words),
		cmocka_unit_test(test_usage_and_errors_table),
	};
	char cmd[96];
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bl-test-cmd-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return rc;
}
