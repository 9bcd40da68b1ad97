/* ll_tool_cli: the command line the offline tools share. "TOOL COMMAND --option
 * value ...", checked against a table of commands and option bits; errors on stderr. */
#ifndef LL_TOOL_CLI_H
#define LL_TOOL_CLI_H

#include <stddef.h>
#include <stdint.h>

struct option;

/* A malformed request: the exit code every tool gives for it. */
#define LL_TOOL_CLI_EXIT_USAGE 2

/* The tool's name, the prefix of its messages: each tool defines it. */
extern const char ll_tool_cli_name[];

/* One command and the option bits it needs and accepts. */
struct ll_tool_cli_cmd {
	const char *name;
	int cmd;			/* the tool's own enum command */
	unsigned required, allowed;	/* option bits */
};

/*
 * A tool's command line. Each option takes a value and has its bit as val; only
 * "help" (no value) has 'h'. set stores one option's value in the tool's request:
 * it returns 0, or an exit code once it has said why (ll_tool_cli_fail).
 */
struct ll_tool_cli {
	const char *usage;		/* for help, --help and -h */
	const struct ll_tool_cli_cmd *cmds;
	size_t n_cmds;
	const struct option *options;	/* for getopt_long: ends with a NULL name */
	int (*set)(void *ctx, unsigned bit, const char *value);
};

/* ll_tool_cli_fail: prints "NAME: message" and a newline to stderr; returns code. */
int ll_tool_cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * ll_tool_cli_parse_u64: a decimal u64, digits only, no sign, no overflow. what
 * is the option's name without "--". Returns 0, or LL_TOOL_CLI_EXIT_USAGE once said.
 */
int ll_tool_cli_parse_u64(const char *what, const char *s, uint64_t *out);

/*
 * ll_tool_cli_parse: argv[1] is the command, the rest its options, each checked
 * against the command's bits and handed to cli->set with ctx. Returns 0 with *cmd
 * its table entry and *given the option bits seen; -1 when help was asked for and
 * the usage went to stdout (exit 0); else the exit code, once stderr has said why
 * (with no command at all, the usage goes there).
 */
int ll_tool_cli_parse(const struct ll_tool_cli *cli, int argc, char **argv, void *ctx,
		      const struct ll_tool_cli_cmd **cmd, unsigned *given);

#endif /* LL_TOOL_CLI_H */
