/* SPDX-License-Identifier: BSD-3-Clause */
/* Command grammar: the VLAN of a next hop (`route add ... vlan V|O.I`), in
 * words and in the daemon's JSON. */
#include <errno.h>

#include "cmd_test.h"
#include "control/cmd_route.h"

/* A next hop on a VLAN: `vlan V` (802.1Q) or `vlan O.I` (QinQ), and what
 * is refused; the daemon's JSON form takes the same text or an integer. */
static void test_route_add_vlan(void **state)
{
	struct bl_cmd_route r;
	json_t *j;
	char *s;

	(void)state;
	expect_json("route add 7 port 0 mac 02:00:00:00:00:01 ip 10.0.0.2 vlan 100",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":7,\"action\":\"forward\","
		    "\"port\":0,\"mac\":\"02:00:00:00:00:01\",\"ip\":\"10.0.0.2\",\"udp\":7447,"
		    "\"vlan\":\"100\"}]}");
	expect_json("route add 7 vlan 300.4094 port 1 mac 02:00:00:00:00:01 ip 2001:db8::2",
		    "{\"cmd\":\"route.add\",\"routes\":[{\"key\":7,\"action\":\"forward\","
		    "\"port\":1,\"mac\":\"02:00:00:00:00:01\",\"ip\":\"2001:db8::2\","
		    "\"udp\":7447,\"vlan\":\"300.4094\"}]}");
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.1 vlan 0", "bad vlan '0'",
		     "1..4094", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.1 vlan 4095",
		     "bad vlan '4095'", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.1 vlan 1.2.3", "bad vlan",
		     NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.1 vlan .5", "bad vlan",
		     NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.1 vlan 5.", "bad vlan",
		     NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.1 vlan x", "bad vlan",
		     NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.1 vlan 5 vlan 6",
		     "'vlan' given twice", NULL);
	expect_error("route add 1 port 0 mac 02:00:00:00:00:01 ip 10.0.0.1 vlan",
		     "'vlan' needs a value", NULL);

	j = json_loads("{\"key\":5,\"action\":\"forward\",\"port\":2,\"mac\":"
		       "\"02:00:00:00:00:09\",\"ip\":\"10.1.2.3\",\"vlan\":\"10.20\"}",
		       0, NULL);
	assert_int_equal(bl_cmd_route_from_json(j, &r, err, sizeof(err)), 0);
	json_decref(j);
	assert_true(r.vlan_outer == 10 && r.vlan == 20);
	j = bl_cmd_route_to_json(&r);
	s = json_dumps(j, JSON_COMPACT);
	assert_non_null(strstr(s, "\"vlan\":\"10.20\""));
	free(s);
	json_decref(j);
	j = json_loads("{\"key\":5,\"action\":\"forward\",\"port\":2,\"mac\":"
		       "\"02:00:00:00:00:09\",\"ip\":\"10.1.2.3\",\"vlan\":42}",
		       0, NULL);
	assert_int_equal(bl_cmd_route_from_json(j, &r, err, sizeof(err)), 0);
	json_decref(j);
	assert_true(r.vlan_outer == 0 && r.vlan == 42);
	j = json_loads("{\"key\":5,\"action\":\"forward\",\"port\":2,\"mac\":"
		       "\"02:00:00:00:00:09\",\"ip\":\"10.1.2.3\",\"vlan\":5000}",
		       0, NULL);
	assert_int_equal(bl_cmd_route_from_json(j, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "route: bad vlan '5000'"));
	json_decref(j);
	j = json_loads("{\"key\":5,\"action\":\"drop\",\"vlan\":\"5\"}", 0, NULL);
	assert_int_equal(bl_cmd_route_from_json(j, &r, err, sizeof(err)), -EINVAL);
	json_decref(j);
	/* untagged: no vlan field */
	memset(&r, 0, sizeof(r));
	r.action = BL_CMD_ACTION_FORWARD;
	j = bl_cmd_route_to_json(&r);
	assert_null(json_object_get(j, "vlan"));
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_add_vlan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
