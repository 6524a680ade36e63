/* Multi-head self-attention over a token sequence, layer kind ATTENTION: (c, h, D) -> (c, h, D) over
 * T = c h tokens, H heads of hd = D / H features.
 *   qkv = x Wqkv^T + bqkv          [T][3D]: q, k, v, head j in features [j hd, (j + 1) hd) of each
 *   q, k rotated (rope.h)          when the layer has a rotary table (positions reset per channel)
 *   o = softmax(q k^T / sqrt(hd)) v per head, in tiles (below)
 *   y = o Wo^T + bo
 * Weights Wqkv [3D][D] then Wo [D][D]; biases bqkv [3D] then bo [D].
 *
 * The T x T scores are never stored. Forward: for each query row, the keys go by in tiles of
 * BT_ATTN_TILE with a running maximum and sum (online softmax), the output row rescaled as the
 * maximum grows; the row's log-sum-exp is kept. Backward (FlashAttention-style): the scores and
 * probabilities are computed again from q, k and the log-sum-exp, tile by tile, in two passes that
 * each own their outputs (deterministic, no atomics): per key, dV and dK summed over the queries;
 * per query, dQ summed over the keys.
 * Statistics kept per sample: qkv (3 T D), o (T D), log-sum-exp (H T). Scratch: the rotary table
 * (forward and backward), and in the backward pass dO (T D), dqkv (3 T D) and the row terms
 * delta = rowsum(dO o) (H T). */
#ifndef BT_ATTENTION_H
#define BT_ATTENTION_H

#include <stdint.h>

#include "bt/layer.h"
#include "bt/real.h"

#define BT_ATTN_TILE 16u /* keys per online-softmax step */

typedef struct bt_attn_geom {
    uint32_t tokens, width, heads;
    uint32_t positions;   /* per channel (the sequence's h) */
    uint32_t rotary;      /* rotary table rows (max positions), 0: no rotary embedding */
    bt_real base;         /* rotary base */
} bt_attn_geom;

/* Per-sample statistics and scratch sizes, in elements. */
uint32_t bt_attn_stats_elems(const bt_attn_geom *g);
uint32_t bt_attn_work_elems(const bt_attn_geom *g, bool backward);

/* n samples; w = [Wqkv | Wo], b = [bqkv | bo] or NULL. */
void bt_attn_forward(const bt_attn_geom *g, uint32_t n, const bt_real *x, const bt_real *w, const bt_real *b,
                     bt_real *stats, bt_real *work, bt_real *y);
/* gw, gb (accumulated, same layout as w, b), dx: each may be NULL. x may be NULL when gw is. */
void bt_attn_backward(const bt_attn_geom *g, uint32_t n, const bt_real *x, const bt_real *w, const bt_real *stats,
                      const bt_real *dy, bt_real *work, bt_real *dx, bt_real *gw, bt_real *gb);

extern const bt_layer_ops bt_kind_attention;

#endif
