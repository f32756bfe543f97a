/* SPDX-License-Identifier: BSD-3-Clause */
/* Pids as text, for the CLI, logs and crash reports (the encoding is in pid.h). */
#include <stdio.h>

#include "actors/pid.h"

void bl_pid_format(uint64_t pid, char *buf, size_t len)
{
	snprintf(buf, len, "<%u.%u.%u>", bl_pid_lcore(pid), bl_pid_slot(pid), bl_pid_gen(pid));
}
