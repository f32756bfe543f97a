/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What only the metrics server's own files (control/metrics*.c) share: the
 * text exposition writer (metrics_fmt.c) and the page builder
 * (metrics_page.c). Control thread only, like the rest of control/.
 */
#ifndef BL_METRICS_PVT_H
#define BL_METRICS_PVT_H

#include <stddef.h>
#include <stdint.h>

struct bl_ctl;
struct bl_router;

/* A growing text buffer; after an allocation failure err is -ENOMEM and
 * every later write is a no-op, so a page is checked once at the end. */
struct bl_mtext {
	char *p;
	size_t len, cap;
	int err;
};

/* printf onto the buffer. */
void bl__mtext_printf(struct bl_mtext *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A family's "# HELP" and "# TYPE" lines; type is counter, gauge or histogram. */
void bl__mtext_family(struct bl_mtext *t, const char *name, const char *type, const char *help);

/*
 * One sample: name{k1="v1",...} value. labels is NULL or an array of
 * key, value strings ended by NULL; values are escaped (\\, \", \n) as the
 * format asks. _u64 prints an exact integer, _f a float.
 */
void bl__mtext_u64(struct bl_mtext *t, const char *name, const char *const *labels, uint64_t v);
void bl__mtext_f(struct bl_mtext *t, const char *name, const char *const *labels, double v);

/*
 * The whole /metrics page onto t, built from the control commands' own
 * replies (run in process through bl_ctl_exec) and the lcores' latency
 * histograms. Returns 0 or -ENOMEM. Control thread, RCU-offline (the
 * handlers go online themselves).
 */
int bl__metrics_page(struct bl_ctl *c, struct bl_router *r, struct bl_mtext *t);

#endif /* BL_METRICS_PVT_H */
