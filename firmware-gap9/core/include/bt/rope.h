/* Rotary position embedding (RoFormer): in each group of hd features, the pairs (2i, 2i + 1) turn by
 * the angle pos theta_i, theta_i = base^(-2i / hd), where pos is the token's position within its
 * channel (the h index of a sequence (c, h, w): positions start again at 0 in every channel).
 * Layer kind ROPE rotates whole tokens; ATTENTION rotates its queries and keys with the same
 * functions. The angles' cosines and sines are a table computed for each pass into the layer's
 * planned scratch (positions x hd values), sized by the layer's maximum positions. */
#ifndef BT_ROPE_H
#define BT_ROPE_H

#include <stdbool.h>
#include <stdint.h>

#include "bt/layer.h"
#include "bt/real.h"

/* table[(pos hd / 2 + i) 2] = cos, [... + 1] = sin of pos theta_i, for pos < positions. */
void bt_rope_table(uint32_t positions, uint32_t hd, bt_real base, bt_real *table);
/* In each of `rows` rows of `stride` values, rotates the features [0, span) (span a multiple of hd)
 * group by group, row r at position r % positions; `inverse` turns back (the transpose: input
 * gradients). y may alias x. */
void bt_rope_apply(uint32_t rows, uint32_t positions, uint32_t stride, uint32_t span, uint32_t hd,
                   const bt_real *table, bool inverse, const bt_real *x, bt_real *y);

/* The refusal of a sequence longer than the rotary table (BT_MODEL_ERR_SEQUENCE); returns false. */
bool bt_rope_too_long(bt_reject *rj, uint32_t positions, uint32_t table);

extern const bt_layer_ops bt_kind_rope;

#endif
