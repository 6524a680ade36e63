/* Token sequences: a tensor (c, h, w) holds c h tokens of w features, row-major, h the position
 * within channel c. Layer kinds:
 *   PATCH_EMBED   (c, h, w) -> (c h, w / P, D): every row cut into patches of P samples, each patch
 *                 one token through a shared linear map (weights [D][P], bias [D]);
 *   TOKEN_LINEAR  (c, h, w) -> (c, h, out): one linear map for every token ([out][w], bias [out]);
 *   RECON_HEAD    (c, h, w) -> (1, c, h P): every token back to P samples ([P][w], bias [P]), the
 *                 input's layout again (masked-patch reconstruction);
 *   TOKEN_MEAN    (c, h, w) -> (1, 1, w): the mean over the tokens.
 * The three maps are the fully connected kernels (linear.h) with one row per token. */
#ifndef BT_TOKENS_H
#define BT_TOKENS_H

#include <stdint.h>

#include "bt/layer.h"
#include "bt/real.h"

/* y[k] = (sum over the tokens, ascending, of x[t][k]) / tokens; dx[t][k] = dy[k] / tokens. */
void bt_token_mean_forward(uint32_t n, uint32_t tokens, uint32_t w, const bt_real *x, bt_real *y);
void bt_token_mean_backward(uint32_t n, uint32_t tokens, uint32_t w, const bt_real *dy, bt_real *dx);

extern const bt_layer_ops bt_kind_patch_embed;
extern const bt_layer_ops bt_kind_token_linear;
extern const bt_layer_ops bt_kind_recon_head;
extern const bt_layer_ops bt_kind_token_mean;

#endif
