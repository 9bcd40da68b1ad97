/* Configuration: INI files of `[section]` and `key = value` lines, read against a
 * table of the keys a program knows, each with its type, default, range and
 * whether it may change while the program runs. Every value is checked, and an
 * error names the key, the value and what is allowed. */
#ifndef LL_CONFIG_H
#define LL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ll_config_type {
	LL_CONFIG_UINT,		/* a whole number in [min, max]: uint32_t or uint64_t (size) */
	LL_CONFIG_BOOL,		/* yes|no, true|false, on|off, 1|0: bool */
	LL_CONFIG_CHOICE,	/* one of choices: its index, as unsigned */
	LL_CONFIG_STRING,	/* text (empty allowed): a char array of `size` bytes */
	LL_CONFIG_ADDRESS,	/* IPv4:port or empty (off): a char array */
	LL_CONFIG_OCTAL,	/* a file mode, 0 to 0777: uint32_t */
};

/*
 * One key of a program's table. `name` is "section.key"; the value lives at
 * `offset` in the program's settings struct, `size` bytes wide. `def` is the
 * default as the file would say it. `check` (optional, strings only) refuses a
 * value with a reason of its own.
 */
struct ll_config_key {
	const char *name;
	enum ll_config_type type;
	size_t offset, size;
	uint64_t min, max;
	const char *const *choices;	/* LL_CONFIG_CHOICE: NULL-terminated */
	const char *def;
	bool runtime;			/* may be set while running (config.set) */
	const char *doc;		/* one line: what it does */
	int (*check)(const char *value, char *why, size_t why_len);
	const char *takes;		/* optional: what it takes, for the docs ("an absolute path") */
};

struct ll_config_table {
	const struct ll_config_key *keys;
	size_t count;
};

/* The longest message the functions below write into err. */
#define LL_CONFIG_ERR_MAX 512

/*
 * ll_config_defaults - sets every key of t in settings to its default.
 * Returns 0, or -EINVAL (err says which default is wrong: a bug in the table).
 */
int ll_config_defaults(const struct ll_config_table *t, void *settings, char *err,
		       size_t err_len);

/* ll_config_find - the key called name ("section.key"), or NULL. */
const struct ll_config_key *ll_config_find(const struct ll_config_table *t, const char *name);

/*
 * ll_config_set - checks value for key name and stores it in settings. Returns
 * 0; -ENOENT for an unknown key (err lists the section's keys); -EINVAL for a
 * bad value (err: "name = value: want ..."). settings is untouched on error.
 */
int ll_config_set(const struct ll_config_table *t, void *settings, const char *name,
		  const char *value, char *err, size_t err_len);

/*
 * ll_config_get - the value of name in settings as the file would write it,
 * into out (cap bytes, always terminated). Returns 0, -ENOENT, -ENOSPC.
 */
int ll_config_get(const struct ll_config_table *t, const void *settings, const char *name,
		  char *out, size_t cap);

/*
 * ll_config_parse_file / ll_config_parse_string - reads INI text into settings
 * (over what is there: call ll_config_defaults first). Lines up to 4,095 bytes;
 * `#` or `;` starts a comment line; a key set twice, a key outside a section,
 * an unknown section or key, a line that is not `key = value`, and any bad
 * value are errors. err says "origin:line: ...". Returns 0, -ENOENT (no such
 * file), -EINVAL, -ENOMEM; on error settings may be partly written.
 */
int ll_config_parse_file(const struct ll_config_table *t, void *settings, const char *path,
			 char *err, size_t err_len);
int ll_config_parse_string(const struct ll_config_table *t, void *settings, const char *text,
			   const char *origin, char *err, size_t err_len);

/*
 * ll_config_describe - what a key accepts, e.g. "a whole number from 1 to 65536",
 * "sha256 or sm3", into out (cap bytes).
 */
void ll_config_describe(const struct ll_config_key *k, char *out, size_t cap);

#endif /* LL_CONFIG_H */
