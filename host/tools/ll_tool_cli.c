/* ll_tool_cli: the command line the offline tools share: the command table, the
 * option checks around getopt_long, and their messages. */
#include "ll_tool_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ll_tool_cli_fail(int code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", ll_tool_cli_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int ll_tool_cli_parse_u64(const char *what, const char *s, uint64_t *out)
{
	char *end;
	/* digits first: strtoull would also take a sign or leading space */
	if (s[0] >= '0' && s[0] <= '9') {
		errno = 0;
		unsigned long long v = strtoull(s, &end, 10);
		if (!errno && !*end) {
			*out = v;
			return 0;
		}
	}
	return ll_tool_cli_fail(LL_TOOL_CLI_EXIT_USAGE, "--%s: not a number: '%s'", what, s);
}

static const char *option_name(const struct option *options, unsigned bit)
{
	for (const struct option *o = options; o->name; o++)
		if ((unsigned)o->val == bit)
			return o->name;
	return "?";
}

static const struct ll_tool_cli_cmd *find_cmd(const struct ll_tool_cli *cli, const char *name)
{
	for (size_t i = 0; i < cli->n_cmds; i++)
		if (strcmp(name, cli->cmds[i].name) == 0)
			return &cli->cmds[i];
	return NULL;
}

int ll_tool_cli_parse(const struct ll_tool_cli *cli, int argc, char **argv, void *ctx,
		      const struct ll_tool_cli_cmd **cmd, unsigned *given)
{
	const int usage = LL_TOOL_CLI_EXIT_USAGE;
	const struct ll_tool_cli_cmd *c;
	int opt, rc;

	if (argc < 2) {
		fputs(cli->usage, stderr);
		return usage;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(cli->usage, stdout);
		return -1;
	}
	if (!(c = find_cmd(cli, argv[1])))
		return ll_tool_cli_fail(usage, "unknown command '%s' (try %s --help)", argv[1],
					ll_tool_cli_name);

	/*
	 * getopt_long sees the arguments after the command, with argv[1] as its
	 * argv[0]: its optind is one behind, so argv[optind] is the option just read.
	 */
	*given = 0;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc - 1, argv + 1, ":h", cli->options, NULL)) != -1) {
		if (opt == 'h') {
			fputs(cli->usage, stdout);
			return -1;
		}
		if (opt == '?' && optopt)	/* a short option, perhaps inside a group */
			return ll_tool_cli_fail(usage, "%s: unknown option '-%c'", c->name, optopt);
		if (opt == '?')
			return ll_tool_cli_fail(usage, "%s: unknown option '%s'", c->name,
						argv[optind]);
		if (opt == ':')
			return ll_tool_cli_fail(usage, "%s: option '%s' needs a value", c->name,
						argv[optind]);
		unsigned bit = (unsigned)opt;
		if (!(c->allowed & bit))
			return ll_tool_cli_fail(usage, "%s: --%s does not apply", c->name,
						option_name(cli->options, bit));
		if (*given & bit)
			return ll_tool_cli_fail(usage, "%s: --%s given twice", c->name,
						option_name(cli->options, bit));
		*given |= bit;
		if ((rc = cli->set(ctx, bit, optarg)))
			return rc;
	}
	if (optind < argc - 1)
		return ll_tool_cli_fail(usage, "%s: unexpected argument '%s'", c->name,
					argv[optind + 1]);
	unsigned missing = c->required & ~*given;
	if (missing)	/* the first in bit order */
		return ll_tool_cli_fail(usage, "%s: --%s is required", c->name,
					option_name(cli->options, missing & -missing));
	*cmd = c;
	return 0;
}
