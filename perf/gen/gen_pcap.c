/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap mode: classic libpcap file format (magic 0xa1b2c3d4, version 2.4,
 * microsecond timestamps, LINKTYPE_ETHERNET), written in host byte order as
 * the format allows. Timestamps are synthetic (frame i at i microseconds) so
 * the same seed gives a byte-identical file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf/gen/gen.h"

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_rec_hdr {
	uint32_t ts_sec;
	uint32_t ts_usec;
	uint32_t caplen;
	uint32_t len;
};

_Static_assert(sizeof(struct pcap_file_hdr) == 24, "pcap file header is 24 bytes");
_Static_assert(sizeof(struct pcap_rec_hdr) == 16, "pcap record header is 16 bytes");

int bl_gen_run_pcap(struct bl_gen *g)
{
	const struct bl_gen_cfg *cfg = g->cfg;
	struct pcap_file_hdr fh = {
		.magic = 0xa1b2c3d4,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = BL_GEN_MAX_FRAME,
		.linktype = 1, /* Ethernet */
	};
	uint8_t *buf;
	uint64_t i;
	FILE *f;
	int rc = 0;

	buf = malloc(BL_GEN_MAX_FRAME);
	if (buf == NULL)
		return -ENOMEM;
	f = fopen(cfg->out, "wb");
	if (f == NULL) {
		rc = -errno;
		fprintf(stderr, "beamline-gen: cannot write %s: %s\n", cfg->out, strerror(errno));
		free(buf);
		return rc;
	}
	fwrite(&fh, sizeof(fh), 1, f);
	for (i = 0; i < cfg->frames; i++) {
		struct pcap_rec_hdr rh;
		uint16_t nmsgs;
		size_t len = bl_gen_next_frame(g, buf, &nmsgs);

		rh.ts_sec = (uint32_t)(i / 1000000);
		rh.ts_usec = (uint32_t)(i % 1000000);
		rh.caplen = (uint32_t)len;
		rh.len = (uint32_t)len;
		if (fwrite(&rh, sizeof(rh), 1, f) != 1 || fwrite(buf, len, 1, f) != 1)
			break;
	}
	if (ferror(f) || fclose(f) != 0) {
		fprintf(stderr, "beamline-gen: error writing %s\n", cfg->out);
		rc = -EIO;
	}
	free(buf);
	return rc;
}
