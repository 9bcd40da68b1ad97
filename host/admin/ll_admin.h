/* The out-of-band admin socket: one JSON object a line each way, over a Unix
 * socket and, when configured, TCP on the management address with a token. One
 * thread of its own does all the I/O, so a slow or hostile client never touches
 * the data path; commands that take long (chain.verify, snapshot) run on a
 * worker thread while the socket keeps answering. */
#ifndef LL_ADMIN_H
#define LL_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_t;
typedef struct ll_admin ll_admin_t;

/* A request, parsed and checked against its command's argument names. */
struct ll_admin_request {
	const char *cmd;
	const struct json_t *args;	/* the whole request object */
	const char *who;		/* "unix uid=0 pid=42" or "tcp 10.0.0.2:40123" */
};

#define LL_ADMIN_ERR_MAX 256

/*
 * A command: fills reply (a JSON object, "ok" is added for it) and returns 0,
 * or returns -errno with err saying why (the reply is then
 * {"ok":false,"error":err}). Runs on the admin thread, or on the worker for a
 * slow command: it must not block on the data path.
 */
typedef int ll_admin_command_fn(void *arg, const struct ll_admin_request *req,
				struct json_t *reply, char *err, size_t err_len);

struct ll_admin_command {
	const char *name;
	ll_admin_command_fn *run;
	const char *const *args;	/* the argument names it takes, NULL-terminated
					 * (NULL: none); any other is refused */
	bool slow;			/* on the worker, one slow command at a time */
	bool changes;			/* written to the audit log */
	const char *help;		/* one line */
};

struct ll_admin_cfg {
	const char *socket_path;	/* required */
	uint32_t socket_mode;		/* e.g. 0660 */
	const char *socket_group;	/* NULL or "": the process's */
	const char *tcp_listen;		/* "a.b.c.d:port", NULL or "": no TCP */
	const char *token;		/* TCP's: the first request must be
					 * {"cmd":"auth","token":...} */
	uint32_t max_connections;
	uint32_t max_request_bytes;
	uint32_t idle_timeout_ms;
	const char *audit_log;		/* NULL or "": no audit log */
	const struct ll_admin_command *commands;
	size_t command_count;
	void *arg;			/* handed to every command, and to tick */
	/* optional: called on the admin thread about every 100 ms */
	void (*tick)(void *arg, uint64_t now_ns);
};

/* Counters, summed since open; read with ll_admin_stats. */
struct ll_admin_stats {
	uint64_t accepted, open, requests, ok, failed;
	uint64_t refused_full;		/* over max_connections: told so, closed */
	uint64_t too_long;		/* a line over max_request_bytes */
	uint64_t invalid_json;		/* not JSON, not an object, no "cmd" string */
	uint64_t unknown_command;
	uint64_t bad_arguments;		/* unknown names or wrong types */
	uint64_t idle_closed;		/* sent nothing for idle_timeout_ms */
	uint64_t slow_reader;		/* did not read its replies: closed */
	uint64_t auth_failed, auth_throttled;
	uint64_t busy;			/* a slow command while another runs */
	uint64_t audit_errors;		/* audit lines that could not be written */
};

/*
 * ll_admin_open - binds the Unix socket (a stale file from a dead process is
 * replaced; a live one is -EADDRINUSE), and the TCP listener when asked, then
 * starts the admin thread. Returns 0, -EINVAL (bad cfg), -EADDRINUSE, -errno;
 * logged with the path or address.
 */
int ll_admin_open(const struct ll_admin_cfg *cfg, ll_admin_t **out);

/* ll_admin_close - stops the thread, waits for a running slow command, closes every socket
 * and removes the Unix socket's file. NULL is a no-op. */
void ll_admin_close(ll_admin_t *a);

/* ll_admin_stats - the counters now; any thread. */
void ll_admin_stats(ll_admin_t *a, struct ll_admin_stats *out);

/* ll_admin_set_idle_timeout - a runtime tunable; any thread. */
void ll_admin_set_idle_timeout(ll_admin_t *a, uint32_t ms);

/*
 * ll_admin_parse_request - one request line (len bytes, no newline) into a
 * JSON object with a "cmd" string: 0 with *out (the caller json_decref's it) and
 * *cmd pointing into it, or -EINVAL with err ("invalid JSON: ...", "a request is a
 * JSON object", "cmd: want a string"). Pure: the fuzzers' entry point.
 */
int ll_admin_parse_request(const char *line, size_t len, struct json_t **out, const char **cmd,
			   char *err, size_t err_len);

/*
 * Argument helpers for commands. Each returns 0 and sets *out; 1 when the
 * argument is absent and not required (*out untouched); -EINVAL with err
 * ("height: want a whole number") for a wrong type, or a required one missing.
 */
int ll_admin_arg_u64(const struct ll_admin_request *req, const char *name, bool required,
		     uint64_t *out, char *err, size_t err_len);
int ll_admin_arg_string(const struct ll_admin_request *req, const char *name, bool required,
			const char **out, char *err, size_t err_len);
int ll_admin_arg_bool(const struct ll_admin_request *req, const char *name, bool required,
		      bool *out, char *err, size_t err_len);

#endif /* LL_ADMIN_H */
