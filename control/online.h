/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread is RCU-offline while it waits on its socket and online
 * inside a command handler (it reads RCU tables and writes them). BL_ONLINE
 * (name) defines name##_online, a bl_ctl_handler that runs name online.
 */
#ifndef BL_CTL_ONLINE_H
#define BL_CTL_ONLINE_H

#include <urcu-qsbr.h>

#define BL_ONLINE(name)                                                                            \
	static int name##_online(void *arg, json_t *req, json_t *reply, char *errmsg,              \
				 size_t errlen)                                                    \
	{                                                                                          \
		int ret;                                                                           \
		rcu_thread_online();                                                               \
		ret = name(arg, req, reply, errmsg, errlen);                                       \
		rcu_thread_offline();                                                              \
		return ret;                                                                        \
	}

#endif /* BL_CTL_ONLINE_H */
