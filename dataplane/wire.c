/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-source sequence tracking (see wire.h); filled in by the wire module. */
#include "dataplane/wire.h"
