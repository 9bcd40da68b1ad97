/* The admin socket's commands: what an operator can ask of and do to a running
 * appliance (../shared/DESIGN.md, "Management"; the README's "Operations" has
 * each request and reply). Each runs on the admin thread (chain.verify and
 * snapshot on its worker) over the appliance's management functions. */
#ifndef LL_COMMANDS_H
#define LL_COMMANDS_H

#include <stddef.h>

struct ll_admin_command;

/* ll_commands - the table ll_admin serves, its arg an ll_appliance_t *; *count its length. */
const struct ll_admin_command *ll_commands(size_t *count);

#endif /* LL_COMMANDS_H */
