/* The loss after the last layer (implicit in the model format): softmax cross-entropy. */
#ifndef BT_LOSS_H
#define BT_LOSS_H

#include <stdint.h>

#include "bt/real.h"

/* Softmax cross-entropy over k classes for n samples. Returns the summed loss; writes
 * dz = softmax(z) - onehot(label) when dz is not NULL (dz may alias z), probabilities when probs is
 * not NULL, and the arg-max class of each sample when predicted is not NULL. labels may be NULL
 * (prediction: no loss). */
bt_real bt_softmax_ce(uint32_t n, uint32_t k, const bt_real *z, const uint32_t *labels, bt_real *dz,
                      bt_real *probs, uint32_t *predicted);

#endif
