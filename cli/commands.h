/* commands.h — every `redes` command.  Each is implemented in its own file
 * cli/cmd_NAME.c as `int rn_cmd_NAME(int argc, char **argv)` (argv[0] is the
 * command name) and listed in the table in redes.c. */
#ifndef REDES_COMMANDS_H
#define REDES_COMMANDS_H

#define RN_COMMAND(fn) int fn(int argc, char **argv) __attribute__((weak))

/* Chapter 1 */
RN_COMMAND(rn_cmd_hh);
/* Chapter 2 */
RN_COMMAND(rn_cmd_perceptron);
RN_COMMAND(rn_cmd_gates);
RN_COMMAND(rn_cmd_activations);
RN_COMMAND(rn_cmd_losses);
RN_COMMAND(rn_cmd_metrics);
RN_COMMAND(rn_cmd_data);
/* Chapter 3 */
RN_COMMAND(rn_cmd_xor);
RN_COMMAND(rn_cmd_gradients);
RN_COMMAND(rn_cmd_modes);
RN_COMMAND(rn_cmd_regularization);
RN_COMMAND(rn_cmd_train);
RN_COMMAND(rn_cmd_eval);
RN_COMMAND(rn_cmd_predict);
RN_COMMAND(rn_cmd_inspect);
/* Chapter 4 */
RN_COMMAND(rn_cmd_family_tree);
/* Chapter 7 */
RN_COMMAND(rn_cmd_conv);

#endif
