#include "bt/loss.h"

#include <stddef.h>

#include "bt/btmath.h"

#define ZERO ((bt_real)0)
#define ONE ((bt_real)1)

bt_real bt_softmax_ce(uint32_t n, uint32_t k, const bt_real *z, const uint32_t *labels, bt_real *dz,
                      bt_real *probs, uint32_t *predicted)
{
    bt_real total = ZERO;
    for (uint32_t s = 0; s < n; s++) {
        const bt_real *zs = z + (size_t)s * k;
        uint32_t arg = 0;
        for (uint32_t j = 1; j < k; j++) {
            if (zs[j] > zs[arg]) {
                arg = j;
            }
        }
        bt_real mx = zs[arg];
        bt_real sum = ZERO;
        for (uint32_t j = 0; j < k; j++) {
            sum = sum + bt_exp(zs[j] - mx);
        }
        /* loss = log sum e^(z - max) - (z_label - max); sum >= 1, so the log is well conditioned. */
        if (labels) {
            total = total + (bt_log(sum) - (zs[labels[s]] - mx));
        }
        bt_real inv = ONE / sum;
        for (uint32_t j = 0; j < k; j++) {
            bt_real pj = bt_exp(zs[j] - mx) * inv;
            if (probs) {
                probs[(size_t)s * k + j] = pj;
            }
            if (dz) {
                dz[(size_t)s * k + j] = pj - (labels && labels[s] == j ? ONE : ZERO);
            }
        }
        if (predicted) {
            predicted[s] = arg;
        }
    }
    return total;
}
