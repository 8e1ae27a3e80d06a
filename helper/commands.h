/* npm-release subcommands. Each returns the process exit status. */
#ifndef NS_COMMANDS_H
#define NS_COMMANDS_H

/* Exit codes shared by all commands (npm-release(8)). */
#define NS_EXIT_OK 0
#define NS_EXIT_FAIL 1   /* a check failed, approval denied, or the operation failed */
#define NS_EXIT_USAGE 2  /* usage or configuration error */

/* The identity a command runs as (npm-release(8), PRIVILEGE MODEL). */
enum ns_run_as {
	/* Needs no state: main drops to the caller for good before the command parses
	 * a single argument, so every path it names is opened with the caller's rights. */
	NS_RUN_CALLER,
	/* Needs the root-owned state: session_open admits members only, then takes all
	 * root ids; caller-named paths are opened through as_caller only. */
	NS_RUN_PRIVILEGED,
};

struct ns_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	enum ns_run_as run_as;
};

int cmd_version(int argc, char **argv);
int cmd_stage(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_approve(int argc, char **argv);
/* approve ID ID... or by selectors (approve_train.c); show --train (dry_run). */
int cmd_approve_train(int argc, char **argv);
int cmd_show_train(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_reject(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_audit_signatures(int argc, char **argv);  /* audit --signatures */
int cmd_advisories(int argc, char **argv);
int cmd_provenance(int argc, char **argv);
int cmd_signatures(int argc, char **argv);
int cmd_trust(int argc, char **argv);
int cmd_check_config(int argc, char **argv);

#endif
