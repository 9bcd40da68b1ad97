/* mkmanifest: writes the manifest next to an xclbin (X.xclbin -> X.manifest): the ABI's
 * kernels and the build's facts, with the UUID taken from the xclbin's own header. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xclbin.h>

#include "ll_hex.h"
#include "ll_manifest.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: mkmanifest --xclbin FILE --platform NAME\n"
		"                  --target hw|hw_emu|sw_emu|fakexrt [--clock-mhz N]\n"
		"                  [--fake-uuid HEX32]\n"
		"Writes FILE's manifest (FILE without .xclbin, plus .manifest) with the kernels\n"
		"of hls/ll_job.h and the xclbin's UUID. --fake-uuid first writes FILE itself as\n"
		"a header-only xclbin with that UUID: the card image of tests/fakexrt.\n");
}

static int parse_uuid(const char *hex, uint8_t uuid[LL_MANIFEST_UUID_BYTES])
{
	if (strlen(hex) != 2 * LL_MANIFEST_UUID_BYTES)
		return -EINVAL;
	return ll_hex_decode(hex, 2 * LL_MANIFEST_UUID_BYTES, uuid);
}

/*
 * An xclbin with no sections: the magic, the header fields XRT's loaders look at
 * first, and the UUID where v++ puts it (m_header.uuid, which is what
 * xrtDeviceGetXclbinUUID reports on a card).
 */
static int write_fake_xclbin(const char *path, const uint8_t uuid[LL_MANIFEST_UUID_BYTES],
			     const char *platform)
{
	struct axlf top;
	memset(&top, 0, sizeof top);
	memcpy(top.m_magic, "xclbin2", 8);
	top.m_signature_length = -1;
	memset(top.reserved, 0xff, sizeof top.reserved);
	top.m_header.m_length = sizeof top;
	top.m_header.m_versionMajor = 2;
	snprintf((char *)top.m_header.m_platformVBNV, sizeof top.m_header.m_platformVBNV, "%s",
		 platform);
	memcpy(top.m_header.uuid, uuid, LL_MANIFEST_UUID_BYTES);

	FILE *f = fopen(path, "wb");
	if (!f || fwrite(&top, sizeof top, 1, f) != 1 || fclose(f) != 0) {
		fprintf(stderr, "mkmanifest: write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int read_xclbin_uuid(const char *path, uint8_t uuid[LL_MANIFEST_UUID_BYTES])
{
	struct axlf top;
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "mkmanifest: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t got = fread(&top, 1, sizeof top, f);
	fclose(f);
	if (got < sizeof top || memcmp(top.m_magic, "xclbin2", 8) != 0) {
		fprintf(stderr, "mkmanifest: %s: not an xclbin (no xclbin2 header)\n", path);
		return -1;
	}
	memcpy(uuid, top.m_header.uuid, LL_MANIFEST_UUID_BYTES);
	return 0;
}

static int parse_target(const char *name, enum ll_manifest_target *out)
{
	for (int t = LL_MANIFEST_TARGET_HW; t <= LL_MANIFEST_TARGET_FAKEXRT; t++) {
		if (strcmp(name, ll_manifest_target_name((enum ll_manifest_target)t)) == 0) {
			*out = (enum ll_manifest_target)t;
			return 0;
		}
	}
	return -EINVAL;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "xclbin", required_argument, NULL, 'x' },
		{ "platform", required_argument, NULL, 'p' },
		{ "target", required_argument, NULL, 't' },
		{ "clock-mhz", required_argument, NULL, 'c' },
		{ "fake-uuid", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *xclbin = NULL, *platform = NULL, *target = NULL, *fake_uuid = NULL;
	unsigned long clock_mhz = 300;
	struct ll_manifest m, again;
	char text[4096], path[4096], err[256];
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		char *end = NULL;
		switch (opt) {
		case 'x':
			xclbin = optarg;
			break;
		case 'p':
			platform = optarg;
			break;
		case 't':
			target = optarg;
			break;
		case 'u':
			fake_uuid = optarg;
			break;
		case 'c':
			clock_mhz = strtoul(optarg, &end, 10);
			if (*end || optarg[0] < '0' || optarg[0] > '9' ||
			    clock_mhz > LL_MANIFEST_MAX_CLOCK_MHZ) {
				fprintf(stderr, "mkmanifest: --clock-mhz '%s' is not 1..%d\n",
					optarg, LL_MANIFEST_MAX_CLOCK_MHZ);
				return 2;
			}
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (!xclbin || !platform || !target || optind != argc) {
		usage();
		return 2;
	}

	ll_manifest_init_abi(&m);
	if (parse_target(target, &m.target) < 0) {
		fprintf(stderr, "mkmanifest: --target '%s' is not hw, hw_emu, sw_emu or fakexrt\n",
			target);
		return 2;
	}
	if (strlen(platform) > LL_MANIFEST_PLATFORM_MAX) {
		fprintf(stderr, "mkmanifest: --platform longer than %d characters\n",
			LL_MANIFEST_PLATFORM_MAX);
		return 2;
	}
	strcpy(m.platform, platform);
	m.clock_mhz = (uint32_t)clock_mhz;

	if (fake_uuid) {
		if (parse_uuid(fake_uuid, m.uuid) < 0) {
			fprintf(stderr, "mkmanifest: --fake-uuid '%s' is not 32 hex digits\n",
				fake_uuid);
			return 2;
		}
		if (write_fake_xclbin(xclbin, m.uuid, platform) < 0)
			return 1;
	}
	if (read_xclbin_uuid(xclbin, m.uuid) < 0)
		return 1;

	/* what the host will read must pass the host's own parser and check */
	int len = ll_manifest_format(&m, text, sizeof text);
	if (len < 0 || ll_manifest_parse(text, (size_t)len, &again, err, sizeof err) < 0 ||
	    ll_manifest_check(&again, err, sizeof err) < 0) {
		fprintf(stderr, "mkmanifest: the manifest would not be accepted: %s\n",
			len < 0 ? strerror(-len) : err);
		return 1;
	}
	if (ll_manifest_path(xclbin, path, sizeof path) < 0) {
		fprintf(stderr, "mkmanifest: %s: name too long\n", xclbin);
		return 1;
	}
	FILE *f = fopen(path, "w");
	if (!f || fprintf(f, "# written by bitstreams/mkmanifest\n%s", text) < 0 ||
	    fclose(f) != 0) {
		fprintf(stderr, "mkmanifest: write %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}
