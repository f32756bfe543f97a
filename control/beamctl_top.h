/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamctl top: a live screen of the busiest processes, the lcores and
 * memory, refreshed every interval until q. CLI code only (no DPDK).
 */
#ifndef BL_CTL_BEAMCTL_TOP_H
#define BL_CTL_BEAMCTL_TOP_H

/*
 * Run `top` with argv[0] == "top" and its options after it, against the
 * daemon at sock_path (each query with timeout_ms). Puts a terminal on stdin
 * into raw mode for the q key and restores it on return or exit. Returns 0
 * or an exit status (usage error, error reply, unreachable daemon).
 */
int bl_beamctl_top(const char *sock_path, int timeout_ms, int argc, char **argv);

#endif /* BL_CTL_BEAMCTL_TOP_H */
