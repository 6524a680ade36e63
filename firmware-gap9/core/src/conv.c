#include "bt/conv.h"

#include <stddef.h>
#include <string.h>

#include "bt/parallel.h"

/* Native x86-64 builds with AVX2 and FMA run the hottest tiles with 8-lane (or 4-lane) fused
 * multiply-adds across their independent accumulators: each lane is exactly the scalar bt_fma,
 * and every accumulator still takes its terms in the same order, so the bits do not change (the
 * cross-port test compares them with the RV32 build). Other targets run the scalar loops. */
#if defined(__AVX2__) && defined(__FMA__) && !defined(BT_REAL_DOUBLE)
#include <immintrin.h>
#define BT_X86_SIMD 1
#else
#define BT_X86_SIMD 0
#endif

/* Convolution kernels.
 *
 * Summation order. Every output, weight gradient and input gradient is summed in one fixed order,
 * whichever path computes it and however the work is split:
 *   forward         y = (sum over icl, kh, kw ascending of w x, from 0) + bias (when there is one)
 *   weight grad     dw += (sum over samples, oh, ow ascending of dy x, from 0)
 *   input grad      dx = sum over ocl ascending, kh descending, kw descending of w dy, from 0
 *                   (that is, over the outputs it feeds in ascending order)
 * with one fused multiply-add (bt_fma) per term. Padding taps are skipped, not added as zeros.
 *
 * Register blocking. The fast paths keep a tile of accumulators in registers and reuse every load:
 *   forward, output-channel tile   OCB channels x OWB outputs: per tap OCB weight and OWB input
 *                                  loads feed OCB x OWB multiply-adds (4 x 4: 8 loads, 16 FMAs);
 *   forward, depthwise (one channel per group, stride 1), input gradient (stride 1) and weight
 *   gradient (stride 1): a Toeplitz tile, TT consecutive outputs (or taps) x TU taps (or outputs):
 *   the TT + TU - 1 inputs it reads are loaded once for TT x TU multiply-adds.
 * Outputs near the borders, where some taps fall into the padding, take a scalar path with the
 * same order. Strided input and weight gradients take a scalar path (no shipped model uses them).
 *
 * Work is split through bt_parallel_for by output ownership: forward jobs are (sample, group,
 * channel block, output row, chunk of the row), input-gradient jobs (sample, input channel, input
 * row, chunk), weight-gradient jobs (output channel, input channel, kernel row, block of taps). */

#define ZERO ((bt_real)0)

#define OCB 4u     /* output channels per forward tile */
#define OWB 4u     /* outputs per forward tile */
#define TT 8u      /* Toeplitz tile: outputs (forward, input gradient) */
#define TU 8u      /* Toeplitz tile: taps per step */
#define WU 8u      /* weight-gradient tile: taps */
#define WT 8u      /* weight-gradient tile: outputs per step */
#define CHUNK 256u /* outputs per job along a row */

#define UNROLL _Pragma("GCC unroll 16")
#define INLINE static inline __attribute__((always_inline))

bool bt_conv2d_geom_finish(bt_conv2d_geom *g, uint32_t pad_bottom, uint32_t pad_right)
{
    if (g->kh == 0u || g->kw == 0u || g->sh == 0u || g->sw == 0u || g->groups == 0u || g->in_c == 0u ||
        g->out_c == 0u || g->in_c % g->groups != 0u || g->out_c % g->groups != 0u) {
        return false;
    }
    uint32_t ph = g->in_h + g->pad_top + pad_bottom;
    uint32_t pw = g->in_w + g->pad_left + pad_right;
    if (ph < g->kh || pw < g->kw || g->pad_top >= g->kh || g->pad_left >= g->kw || pad_bottom >= g->kh ||
        pad_right >= g->kw) {
        return false; /* padding wider than the kernel would make windows of padding only */
    }
    g->out_h = (ph - g->kh) / g->sh + 1u;
    g->out_w = (pw - g->kw) / g->sw + 1u;
    return true;
}

uint64_t bt_conv2d_macs(const bt_conv2d_geom *g)
{
    return (uint64_t)g->out_c * g->out_h * g->out_w * (g->in_c / g->groups) * g->kh * g->kw;
}

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }
static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }
static uint32_t div_up(uint32_t a, uint32_t b) { return (a + b - 1u) / b; }

/* Job indices are mixed-radix numbers, least significant digit first: takes the next digit. */
static uint32_t digit(uint32_t *rest, uint32_t radix)
{
    uint32_t d = *rest % radix;
    *rest /= radix;
    return d;
}

/* Kernel taps [lo, hi) that land inside the input for output position o along one axis. */
static void tap_range(uint32_t o, uint32_t stride, uint32_t pad, uint32_t k, uint32_t in, int32_t *origin,
                      uint32_t *lo, uint32_t *hi)
{
    int32_t start = (int32_t)(o * stride) - (int32_t)pad;
    int32_t l = start < 0 ? -start : 0;
    int32_t h = (int32_t)in - start;
    if (h > (int32_t)k) {
        h = (int32_t)k;
    }
    if (h < l) {
        h = l;
    }
    *origin = start;
    *lo = (uint32_t)l;
    *hi = (uint32_t)h;
}

/* Output positions [lo, hi) along one axis whose tap k lands inside the input. */
static void out_range(uint32_t k, uint32_t stride, uint32_t pad, uint32_t in, uint32_t out, uint32_t *lo,
                      uint32_t *hi)
{
    /* in index = o * stride - pad + k must lie in [0, in). */
    int32_t first = (int32_t)pad - (int32_t)k; /* smallest o * stride allowed */
    uint32_t l = first > 0 ? ((uint32_t)first + stride - 1u) / stride : 0u;
    int32_t last = (int32_t)in - 1 + (int32_t)pad - (int32_t)k; /* largest o * stride allowed */
    uint32_t h = last < 0 ? 0u : (uint32_t)last / stride + 1u;
    if (h > out) {
        h = out;
    }
    if (l > h) {
        l = h;
    }
    *lo = l;
    *hi = h;
}

typedef struct conv_ctx {
    const bt_conv2d_geom *g;
    const bt_real *x, *w, *bias, *dy;
    bt_real *y, *dx, *dw, *dbias;
    uint32_t n;
    uint32_t icpg, ocpg;   /* channels per group */
    uint32_t rk;           /* weights per output channel: icpg kh kw */
    size_t in_hw, out_hw;
    uint32_t lo, hi;       /* positions along the width whose taps all fall inside */
    uint32_t chunks;       /* jobs per row */
    uint32_t chunk_w;      /* positions per chunk (a multiple of the tile width) */
    uint32_t blocks;       /* forward: channel blocks per group; weight gradient: tap blocks */
} conv_ctx;

/* Cuts rows of `width` positions into chunks (bt_parallel_chunks, at least two tiles wide) whose
 * widths are multiples of `align` (the tile width). */
static void cut_rows(conv_ctx *c, uint32_t width, uint32_t jobs, uint32_t align, uint32_t most)
{
    uint32_t n = bt_parallel_chunks(width, jobs, 2u * align, most);
    c->chunk_w = div_up(div_up(width, n), align) * align;
    c->chunks = div_up(width, c->chunk_w);
}

static conv_ctx ctx_of(const bt_conv2d_geom *g, uint32_t n)
{
    conv_ctx c;
    memset(&c, 0, sizeof c);
    c.g = g;
    c.n = n;
    c.icpg = g->in_c / g->groups;
    c.ocpg = g->out_c / g->groups;
    c.rk = c.icpg * g->kh * g->kw;
    c.in_hw = (size_t)g->in_h * g->in_w;
    c.out_hw = (size_t)g->out_h * g->out_w;
    return c;
}

/* ---- tiles ---------------------------------------------------------------------------------------- */

/* The taps a tile of n consecutive outputs (or input gradients) uses: position i takes taps
 * [lo[i], hi[i]); both bounds fall (never rise) with i. The taps all positions share, [clo, chi),
 * run through the register-blocked loop; the others, before and after, one position at a time,
 * so that every position still sums its taps in ascending order. */
typedef struct tile_taps {
    uint32_t lo[TT], hi[TT];
    uint32_t pre_end[TT], post_begin[TT]; /* position i: [lo, pre_end) before, [post_begin, hi) after */
    uint32_t clo, chi;
} tile_taps;

static void tile_taps_finish(tile_taps *t, uint32_t n)
{
    t->clo = t->lo[0];
    t->chi = t->hi[n - 1u];
    bool common = t->chi > t->clo;
    if (!common) {
        t->chi = t->clo;
    }
    for (uint32_t i = 0; i < n; i++) {
        t->pre_end[i] = common ? min_u32(t->hi[i], t->clo) : t->hi[i];
        t->post_begin[i] = common ? max_u32(t->lo[i], t->chi) : t->hi[i];
    }
}

/* nb channels x OWB positions, tap loop over [0, taps): weight of channel j and tap k is
 * w[j cs + dir k], input of position i is x[i sw + k]. dir is +1 (forward) or -1 (input gradient:
 * the kernel reversed). One pointer per channel keeps the weight loads at fixed offsets. */
INLINE void oc_taps(bt_real acc[OCB][OWB], const bt_real *x, const bt_real *w, size_t cs, uint32_t taps,
                    const uint32_t nb, const uint32_t sw, const int dir)
{
    const bt_real *wp[OCB];
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        wp[j] = w + j * cs;
    }
#if BT_X86_SIMD
    if (sw == 1u) { /* the 4 positions of each channel in one register */
        _Static_assert(OWB == 4u, "one SSE register of positions");
        __m128 a[OCB];
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            a[j] = _mm_loadu_ps(acc[j]);
        }
        for (uint32_t k = 0; k < taps; k++, x++) {
            __m128 xv = _mm_loadu_ps(x);
            UNROLL for (uint32_t j = 0; j < nb; j++) {
                a[j] = _mm_fmadd_ps(_mm_set1_ps(wp[j][dir * (int)k]), xv, a[j]);
            }
        }
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            _mm_storeu_ps(acc[j], a[j]);
        }
        return;
    }
#endif
    uint32_t k = 0;
    for (; k + 4u <= taps; k += 4u, x += 4) {
        UNROLL for (uint32_t u = 0; u < 4u; u++) {
            bt_real wv[OCB], xv[OWB];
            UNROLL for (uint32_t j = 0; j < nb; j++) {
                wv[j] = wp[j][dir * (int)u];
            }
            UNROLL for (uint32_t i = 0; i < OWB; i++) {
                xv[i] = x[i * sw + u];
            }
            UNROLL for (uint32_t j = 0; j < nb; j++) {
                UNROLL for (uint32_t i = 0; i < OWB; i++) {
                    acc[j][i] = bt_fma(wv[j], xv[i], acc[j][i]);
                }
            }
        }
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            wp[j] += dir * 4;
        }
    }
    for (; k < taps; k++, x++) {
        bt_real wv[OCB], xv[OWB];
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            wv[j] = *wp[j];
            wp[j] += dir;
        }
        UNROLL for (uint32_t i = 0; i < OWB; i++) {
            xv[i] = x[i * sw];
        }
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            UNROLL for (uint32_t i = 0; i < OWB; i++) {
                acc[j][i] = bt_fma(wv[j], xv[i], acc[j][i]);
            }
        }
    }
}

/* The taps of a tile's positions that some of them lack (borders), one position at a time: taps
 * [from[i], to[i]) of position i, for nb channels (weights as in oc_taps). */
INLINE void oc_border_taps(bt_real acc[OCB][OWB], const bt_real *x, const bt_real *w, size_t cs, const uint32_t *from,
                           const uint32_t *to, const uint32_t nb, const uint32_t sw, const int dir)
{
    UNROLL for (uint32_t i = 0; i < OWB; i++) {
        for (uint32_t k = from[i]; k < to[i]; k++) {
            UNROLL for (uint32_t j = 0; j < nb; j++) {
                acc[j][i] = bt_fma(w[(ptrdiff_t)(j * cs) + dir * (ptrdiff_t)k], x[(int32_t)(i * sw + k)], acc[j][i]);
            }
        }
    }
}

/* TT positions, tap loop over [0, taps): tap k has weight w[dir k] and position t reads v[t + k].
 * dir is +1 (forward) or -1 (input gradient: the kernel reversed). */
INLINE void toeplitz_taps(bt_real acc[TT], const bt_real *v, const bt_real *w, uint32_t taps, const int dir)
{
#if BT_X86_SIMD
    _Static_assert(TT == 8u, "one AVX register of accumulators");
    __m256 a = _mm256_loadu_ps(acc);
    for (uint32_t k = 0; k < taps; k++, v++, w += dir) {
        a = _mm256_fmadd_ps(_mm256_set1_ps(*w), _mm256_loadu_ps(v), a);
    }
    _mm256_storeu_ps(acc, a);
    return;
#endif
    uint32_t k = 0;
    _Pragma("GCC unroll 2") for (; k + TU <= taps; k += TU, v += TU, w += dir * (int)TU) {
        bt_real xv[TT + TU - 1u];
        UNROLL for (uint32_t q = 0; q < TT + TU - 1u; q++) {
            xv[q] = v[q];
        }
        UNROLL for (uint32_t u = 0; u < TU; u++) {
            bt_real wv = w[dir * (int)u];
            UNROLL for (uint32_t t = 0; t < TT; t++) {
                acc[t] = bt_fma(wv, xv[t + u], acc[t]);
            }
        }
    }
    for (; k < taps; k++, v++, w += dir) {
        bt_real wv = *w;
        UNROLL for (uint32_t t = 0; t < TT; t++) {
            acc[t] = bt_fma(wv, v[t], acc[t]);
        }
    }
}

/* ---- forward ----------------------------------------------------------------------------------- */

/* One output row of a block of output channels: where its inputs and weights start. */
typedef struct fwd_row {
    const bt_real *xs;   /* the group's first input channel in this sample, at input row ih0 + khl */
    const bt_real *wo;   /* weights of the block's first output channel, kernel row khl */
    bt_real *yo;         /* the block's first output channel, this row */
    const bt_real *bias; /* the block's first bias, or NULL */
    uint32_t khl, khh;   /* kernel rows inside the input */
    uint32_t nb;         /* output channels in the block */
} fwd_row;

/* y[i] = acc[i] + bias (no addition without a bias). */
INLINE void store_outputs(bt_real *y, const bt_real *acc, const uint32_t n, const bt_real *bias)
{
    if (bias) {
        bt_real b = *bias;
        UNROLL for (uint32_t i = 0; i < n; i++) {
            y[i] = acc[i] + b;
        }
    } else {
        UNROLL for (uint32_t i = 0; i < n; i++) {
            y[i] = acc[i];
        }
    }
}

/* Walks the kernel rows (icl, kh) of a forward row: x and w point at their first tap. */
#define FOR_FWD_ROWS(c, r, x0, xr, wr)                                                                       \
    for (uint32_t icl_ = 0; icl_ < (c)->icpg; icl_++)                                                        \
        for (const bt_real *xr = (x0) + icl_ * (c)->in_hw, *wr = (r)->wo + (size_t)icl_ * (c)->g->kh * (c)->g->kw, \
                           *xend_ = xr + (size_t)((r)->khh - (r)->khl) * (c)->g->in_w;                      \
             xr < xend_; xr += (c)->g->in_w, wr += (c)->g->kw)

/* nb channels x OWB outputs from ow; edges: some taps of some outputs fall into the padding. */
INLINE void fwd_tile_oc(const conv_ctx *c, const fwd_row *r, uint32_t ow, const uint32_t nb, const uint32_t sw,
                        const bool edges)
{
    const bt_conv2d_geom *g = c->g;
    const size_t rk = c->rk;
    bt_real acc[OCB][OWB];
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        UNROLL for (uint32_t i = 0; i < OWB; i++) {
            acc[j][i] = ZERO;
        }
    }
    tile_taps t;
    int32_t iw0 = (int32_t)(ow * sw) - (int32_t)g->pad_left;
    if (edges) {
        for (uint32_t i = 0; i < OWB; i++) {
            int32_t origin;
            tap_range(ow + i, sw, g->pad_left, g->kw, g->in_w, &origin, &t.lo[i], &t.hi[i]);
        }
        tile_taps_finish(&t, OWB);
    } else {
        t.clo = 0u;
        t.chi = g->kw;
    }
    FOR_FWD_ROWS(c, r, r->xs + iw0, xr, wr)
    {
        if (edges) {
            oc_border_taps(acc, xr, wr, rk, t.lo, t.pre_end, nb, sw, 1);
        }
        oc_taps(acc, xr + t.clo, wr + t.clo, rk, t.chi - t.clo, nb, sw, 1);
        if (edges) {
            oc_border_taps(acc, xr, wr, rk, t.post_begin, t.hi, nb, sw, 1);
        }
    }
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        store_outputs(r->yo + (size_t)j * c->out_hw + ow, acc[j], OWB, r->bias ? r->bias + j : NULL);
    }
}

/* One channel (depthwise), stride 1: TT outputs from ow. */
INLINE void fwd_tile_dw(const conv_ctx *c, const fwd_row *r, uint32_t ow, const bool edges)
{
    const bt_conv2d_geom *g = c->g;
    bt_real acc[TT];
    UNROLL for (uint32_t i = 0; i < TT; i++) {
        acc[i] = ZERO;
    }
    tile_taps t;
    int32_t iw0 = (int32_t)ow - (int32_t)g->pad_left;
    if (edges) {
        for (uint32_t i = 0; i < TT; i++) {
            int32_t origin;
            tap_range(ow + i, 1u, g->pad_left, g->kw, g->in_w, &origin, &t.lo[i], &t.hi[i]);
        }
        tile_taps_finish(&t, TT);
    } else {
        t.clo = 0u;
        t.chi = g->kw;
    }
    FOR_FWD_ROWS(c, r, r->xs + iw0, xr, wr)
    {
        if (edges) {
            UNROLL for (uint32_t i = 0; i < TT; i++) {
                for (uint32_t k = t.lo[i]; k < t.pre_end[i]; k++) {
                    acc[i] = bt_fma(wr[k], xr[(int32_t)(i + k)], acc[i]);
                }
            }
        }
        toeplitz_taps(acc, xr + t.clo, wr + t.clo, t.chi - t.clo, 1);
        if (edges) {
            UNROLL for (uint32_t i = 0; i < TT; i++) {
                for (uint32_t k = t.post_begin[i]; k < t.hi[i]; k++) {
                    acc[i] = bt_fma(wr[k], xr[(int32_t)(i + k)], acc[i]);
                }
            }
        }
    }
    store_outputs(r->yo + ow, acc, TT, r->bias);
}

/* Kernels one tap wide (spatial C x 1, pointwise 1 x 1), stride 1: nb channels x OWB outputs, a
 * matrix product over the kernel rows (icl, kh) with the rows as the inner loop. When every kernel
 * row of every input channel is used and the rows are evenly spaced in the input (pointwise: one
 * per channel; spatial: all rows of each channel), they are one loop of icpg kh rows, two per step. */
INLINE void k1_matmul(bt_real acc[OCB][OWB], const bt_real *xr, size_t step, const bt_real *w, size_t rk, uint32_t rows,
                    const uint32_t nb)
{
    const bt_real *wp[OCB];
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        wp[j] = w + j * rk;
    }
#if BT_X86_SIMD
    __m128 a[OCB];
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        a[j] = _mm_loadu_ps(acc[j]);
    }
    for (uint32_t k = 0; k < rows; k++, xr += step) {
        __m128 xv = _mm_loadu_ps(xr);
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            a[j] = _mm_fmadd_ps(_mm_set1_ps(wp[j][k]), xv, a[j]);
        }
    }
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        _mm_storeu_ps(acc[j], a[j]);
    }
    return;
#endif
    uint32_t k = 0;
    const bt_real *xn = xr + step; /* the second row of a step */
    for (; k + 2u <= rows; k += 2u, xr += 2u * step, xn += 2u * step) {
        UNROLL for (uint32_t u = 0; u < 2u; u++) {
            bt_real wv[OCB], xv[OWB];
            UNROLL for (uint32_t j = 0; j < nb; j++) {
                wv[j] = wp[j][u];
            }
            UNROLL for (uint32_t i = 0; i < OWB; i++) {
                xv[i] = (u == 0u ? xr : xn)[i];
            }
            UNROLL for (uint32_t j = 0; j < nb; j++) {
                UNROLL for (uint32_t i = 0; i < OWB; i++) {
                    acc[j][i] = bt_fma(wv[j], xv[i], acc[j][i]);
                }
            }
        }
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            wp[j] += 2;
        }
    }
    if (k < rows) {
        bt_real wv[OCB], xv[OWB];
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            wv[j] = *wp[j];
        }
        UNROLL for (uint32_t i = 0; i < OWB; i++) {
            xv[i] = xr[i];
        }
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            UNROLL for (uint32_t i = 0; i < OWB; i++) {
                acc[j][i] = bt_fma(wv[j], xv[i], acc[j][i]);
            }
        }
    }
}

INLINE void fwd_tile_k1(const conv_ctx *c, const fwd_row *r, uint32_t ow, const uint32_t nb)
{
    const bt_conv2d_geom *g = c->g;
    bt_real acc[OCB][OWB];
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        UNROLL for (uint32_t i = 0; i < OWB; i++) {
            acc[j][i] = ZERO;
        }
    }
    uint32_t rows = r->khh - r->khl;
    if (rows == g->kh && (g->kh == 1u || g->kh == g->in_h)) {
        k1_matmul(acc, r->xs + ow, g->kh == 1u ? c->in_hw : g->in_w, r->wo, c->rk, c->icpg * rows, nb);
    } else {
        for (uint32_t icl = 0; icl < c->icpg; icl++) {
            k1_matmul(acc, r->xs + icl * c->in_hw + ow, g->in_w, r->wo + (size_t)icl * g->kh, c->rk, rows, nb);
        }
    }
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        store_outputs(r->yo + (size_t)j * c->out_hw + ow, acc[j], OWB, r->bias ? r->bias + j : NULL);
    }
}

/* Runs of `tiles` consecutive tiles from ow: one call (and one register save) per run. */
typedef void (*fwd_tile_fn)(const conv_ctx *c, const fwd_row *r, uint32_t ow, uint32_t tiles);
#define FWD_TILES(name, width, tile)                                                                 \
    static void name(const conv_ctx *c, const fwd_row *r, uint32_t ow, uint32_t tiles)               \
    {                                                                                                \
        for (uint32_t k_ = 0; k_ < tiles; k_++, ow += (width)) {                                     \
            tile;                                                                                    \
        }                                                                                            \
    }
FWD_TILES(fwd_oc4_s1, OWB, fwd_tile_oc(c, r, ow, 4u, 1u, false))
FWD_TILES(fwd_oc2_s1, OWB, fwd_tile_oc(c, r, ow, 2u, 1u, false))
FWD_TILES(fwd_oc1_s1, OWB, fwd_tile_oc(c, r, ow, 1u, 1u, false))
FWD_TILES(fwd_oc4_s1_edge, OWB, fwd_tile_oc(c, r, ow, 4u, 1u, true))
FWD_TILES(fwd_oc2_s1_edge, OWB, fwd_tile_oc(c, r, ow, 2u, 1u, true))
FWD_TILES(fwd_oc1_s1_edge, OWB, fwd_tile_oc(c, r, ow, 1u, 1u, true))
FWD_TILES(fwd_oc4_edge, OWB, fwd_tile_oc(c, r, ow, 4u, c->g->sw, true))
FWD_TILES(fwd_oc1_edge, OWB, fwd_tile_oc(c, r, ow, 1u, c->g->sw, true))
FWD_TILES(fwd_k1_oc4, OWB, fwd_tile_k1(c, r, ow, 4u))
FWD_TILES(fwd_k1_oc2, OWB, fwd_tile_k1(c, r, ow, 2u))
FWD_TILES(fwd_k1_oc1, OWB, fwd_tile_k1(c, r, ow, 1u))
FWD_TILES(fwd_dw, TT, fwd_tile_dw(c, r, ow, false))
FWD_TILES(fwd_dw_edge, TT, fwd_tile_dw(c, r, ow, true))

/* Output ow of channel j of the block (the last positions of a row, fewer than a tile). */
static void fwd_point(const conv_ctx *c, const fwd_row *r, uint32_t j, uint32_t ow)
{
    const bt_conv2d_geom *g = c->g;
    int32_t iw0;
    uint32_t kwl, kwh;
    tap_range(ow, g->sw, g->pad_left, g->kw, g->in_w, &iw0, &kwl, &kwh);
    const fwd_row rj = {r->xs, r->wo + (size_t)j * c->rk, r->yo, r->bias, r->khl, r->khh, 1u};
    bt_real acc = ZERO;
    FOR_FWD_ROWS(c, &rj, r->xs + iw0, xr, wr)
    {
        for (uint32_t k = kwl; k < kwh; k++) {
            acc = bt_fma(wr[k], xr[k], acc);
        }
    }
    store_outputs(r->yo + (size_t)j * c->out_hw + ow, &acc, 1u, r->bias ? r->bias + j : NULL);
}

/* How many whole tiles of `width` positions from pos, before b, lie inside [lo, hi) where every
 * tap is inside (0: the tile at pos needs the border variant). */
static uint32_t inner_tiles(const conv_ctx *c, uint32_t pos, uint32_t b, uint32_t width)
{
    return pos >= c->lo ? (min_u32(b, c->hi) - min_u32(pos, c->hi)) / width : 0u;
}

/* Outputs [a, b) of one row of a channel block: tiles of `width` positions, the edge variant where
 * a tile reaches outside [lo, hi), single outputs for the rest. */
static void fwd_run(const conv_ctx *c, const fwd_row *r, uint32_t a, uint32_t b, uint32_t width, fwd_tile_fn inner,
                    fwd_tile_fn edge)
{
    uint32_t ow = a;
    while (ow + width <= b) {
        uint32_t run = inner_tiles(c, ow, b, width);
        (run > 0u ? inner : edge)(c, r, ow, run > 0u ? run : 1u);
        ow += (run > 0u ? run : 1u) * width;
    }
    for (; ow < b; ow++) {
        for (uint32_t j = 0; j < r->nb; j++) {
            fwd_point(c, r, j, ow);
        }
    }
}

static void fwd_segment(const conv_ctx *c, const fwd_row *block, uint32_t a, uint32_t b)
{
    bool s1 = c->g->sw == 1u;
    bool k1 = s1 && c->g->kw == 1u; /* no padding along the width either */
    if (block->nb == 1u && s1 && !k1) {
        fwd_run(c, block, a, b, TT, fwd_dw, fwd_dw_edge);
        return;
    }
    fwd_row r = *block;
    while (r.nb > 0u) {
        /* Channel sub-blocks of 4, 2 and 1 (strided: 4 and 1, to keep the code small). */
        uint32_t nb = r.nb >= 4u ? 4u : (r.nb >= 2u && s1 ? 2u : 1u);
        fwd_row sub = r;
        sub.nb = nb;
        fwd_tile_fn edge = nb == 4u   ? (s1 ? fwd_oc4_s1_edge : fwd_oc4_edge)
                           : nb == 2u ? fwd_oc2_s1_edge
                                      : (s1 ? fwd_oc1_s1_edge : fwd_oc1_edge);
        fwd_tile_fn inner = !s1  ? edge
                            : k1 ? (nb == 4u ? fwd_k1_oc4 : (nb == 2u ? fwd_k1_oc2 : fwd_k1_oc1))
                                 : (nb == 4u ? fwd_oc4_s1 : (nb == 2u ? fwd_oc2_s1 : fwd_oc1_s1));
        fwd_run(c, &sub, a, b, OWB, inner, edge);
        r.nb -= nb;
        r.wo += nb * c->rk;
        r.yo += nb * c->out_hw;
        r.bias = r.bias ? r.bias + nb : NULL;
    }
}

static void conv_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const conv_ctx *c = (const conv_ctx *)p;
    const bt_conv2d_geom *g = c->g;
    for (uint32_t idx = begin; idx < end; idx++) {
        uint32_t rest = idx;
        uint32_t chunk = digit(&rest, c->chunks);
        uint32_t oh = digit(&rest, g->out_h);
        uint32_t blk = digit(&rest, c->blocks);
        uint32_t grp = digit(&rest, g->groups);
        uint32_t s = rest;
        uint32_t oc0 = grp * c->ocpg + blk * OCB;
        int32_t ih0;
        fwd_row r;
        tap_range(oh, g->sh, g->pad_top, g->kh, g->in_h, &ih0, &r.khl, &r.khh);
        r.xs = c->x + ((size_t)s * g->in_c + (size_t)grp * c->icpg) * c->in_hw +
               (size_t)(uint32_t)(ih0 + (int32_t)r.khl) * g->in_w;
        r.wo = c->w + (size_t)oc0 * c->rk + (size_t)r.khl * g->kw;
        r.yo = c->y + ((size_t)s * g->out_c + oc0) * c->out_hw + (size_t)oh * g->out_w;
        r.bias = c->bias ? c->bias + oc0 : NULL;
        r.nb = min_u32(OCB, c->ocpg - blk * OCB);
        uint32_t a = chunk * c->chunk_w;
        fwd_segment(c, &r, a, min_u32(a + c->chunk_w, g->out_w));
    }
}

void bt_conv2d_forward(const bt_conv2d_geom *g, uint32_t n, const bt_real *x, const bt_real *w,
                       const bt_real *bias, bt_real *y)
{
    conv_ctx c = ctx_of(g, n);
    c.x = x;
    c.w = w;
    c.bias = bias;
    c.y = y;
    /* Positions whose taps all fall inside: ow sw - pad_left >= 0 and ow sw - pad_left + kw <= in_w. */
    c.lo = min_u32(div_up(g->pad_left, g->sw), g->out_w);
    c.hi = g->in_w + g->pad_left >= g->kw ? min_u32((g->in_w + g->pad_left - g->kw) / g->sw + 1u, g->out_w) : 0u;
    c.hi = max_u32(c.hi, c.lo);
    c.blocks = div_up(c.ocpg, OCB);
    cut_rows(&c, g->out_w, n * g->groups * c.blocks * g->out_h, TT, CHUNK);
    bt_parallel_for(n * g->groups * c.blocks * g->out_h * c.chunks, conv_forward_range, &c);
}

/* ---- input gradient ------------------------------------------------------------------------------ */

/* One input row of one input channel: it gathers from the output rows it feeds, over the output
 * channels of its group in ascending order and its kernel rows in descending order (the output
 * rows ascending). Stride 1 along the width. */
typedef struct bwd_row {
    const bt_real *dys; /* the group's first output-gradient channel in this sample, output row oh_first */
    const bt_real *wi;  /* w[group's first oc][icl][kh_first][0] */
    bt_real *dxr;       /* the input-gradient row */
    uint32_t nkh;       /* kernel rows feeding this input row */
    size_t dy_step;     /* output-gradient elements from one fed row to the next (sh rows... one output row) */
    size_t w_step;      /* weight elements from one kernel row to the next fed one (sh kernel rows back) */
} bwd_row;

/* Walks the (ocl, kh) rows of a gathered input row: dyr and wr point at output 0 and tap 0. */
#define FOR_BWD_ROWS(c, r, dyr, wr)                                                                   \
    for (uint32_t ocl_ = 0; ocl_ < (c)->ocpg; ocl_++)                                                 \
        for (const bt_real *dyr = (r)->dys + ocl_ * (c)->out_hw, *wr = (r)->wi + ocl_ * (c)->rk,      \
                           *dend_ = dyr + (r)->nkh * (r)->dy_step;                                    \
             dyr < dend_; dyr += (r)->dy_step, wr -= (r)->w_step)

/* The taps of n input gradients from iw (tile_taps). Tap t (ascending) is kernel column kw - 1 - t;
 * position i reads output first + i + t, valid when inside [0, out_w). */
static void bwd_taps(const conv_ctx *c, int32_t first, uint32_t n, tile_taps *t)
{
    const uint32_t kw = c->g->kw;
    for (uint32_t i = 0; i < n; i++) {
        int32_t lo = -(first + (int32_t)i);
        int32_t hi = (int32_t)c->g->out_w - (first + (int32_t)i);
        t->lo[i] = lo < 0 ? 0u : min_u32((uint32_t)lo, kw);
        t->hi[i] = hi < 0 ? 0u : min_u32((uint32_t)hi, kw);
        t->hi[i] = max_u32(t->hi[i], t->lo[i]);
    }
    tile_taps_finish(t, n);
}

/* Output read by tap 0 of input position iw. */
static int32_t bwd_first(const conv_ctx *c, uint32_t iw)
{
    return (int32_t)iw - (int32_t)(c->g->kw - 1u - c->g->pad_left);
}

/* One input channel: TT input gradients from iw (Toeplitz tile). */
INLINE void bwd_tile(const conv_ctx *c, const bwd_row *r, uint32_t iw, const bool edges)
{
    const uint32_t kw = c->g->kw;
    bt_real acc[TT];
    UNROLL for (uint32_t i = 0; i < TT; i++) {
        acc[i] = ZERO;
    }
    int32_t first = bwd_first(c, iw);
    tile_taps t;
    if (edges) {
        bwd_taps(c, first, TT, &t);
    } else {
        t.clo = 0u;
        t.chi = kw;
    }
    FOR_BWD_ROWS(c, r, dyr, wr)
    {
        const bt_real *v = dyr + first;
        const bt_real *wt = wr + (kw - 1u); /* tap t has weight wt[-t] */
        if (edges) {
            UNROLL for (uint32_t i = 0; i < TT; i++) {
                for (uint32_t k = t.lo[i]; k < t.pre_end[i]; k++) {
                    acc[i] = bt_fma(wt[-(int32_t)k], v[(int32_t)(i + k)], acc[i]);
                }
            }
        }
        toeplitz_taps(acc, v + t.clo, wt - t.clo, t.chi - t.clo, -1);
        if (edges) {
            UNROLL for (uint32_t i = 0; i < TT; i++) {
                for (uint32_t k = t.post_begin[i]; k < t.hi[i]; k++) {
                    acc[i] = bt_fma(wt[-(int32_t)k], v[(int32_t)(i + k)], acc[i]);
                }
            }
        }
    }
    store_outputs(r->dxr + iw, acc, TT, NULL);
}

/* nb input channels of a group: OWB input gradients from iw each. Their weights for one kernel
 * row are kh kw apart. */
INLINE void bwd_tile_ic(const conv_ctx *c, const bwd_row *r, uint32_t iw, const uint32_t nb, const bool edges)
{
    const uint32_t kw = c->g->kw;
    const size_t cs = (size_t)c->g->kh * kw;
    bt_real acc[OCB][OWB];
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        UNROLL for (uint32_t i = 0; i < OWB; i++) {
            acc[j][i] = ZERO;
        }
    }
    int32_t first = bwd_first(c, iw);
    tile_taps t;
    if (edges) {
        bwd_taps(c, first, OWB, &t);
    } else {
        t.clo = 0u;
        t.chi = kw;
    }
    FOR_BWD_ROWS(c, r, dyr, wr)
    {
        const bt_real *v = dyr + first;
        const bt_real *wt = wr + (kw - 1u);
        if (edges) {
            oc_border_taps(acc, v, wt, cs, t.lo, t.pre_end, nb, 1u, -1);
        }
        oc_taps(acc, v + t.clo, wt - t.clo, cs, t.chi - t.clo, nb, 1u, -1);
        if (edges) {
            oc_border_taps(acc, v, wt, cs, t.post_begin, t.hi, nb, 1u, -1);
        }
    }
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        store_outputs(r->dxr + (size_t)j * c->in_hw + iw, acc[j], OWB, NULL);
    }
}

/* dx at iw of the block's channel j, any position. */
static void bwd_point(const conv_ctx *c, const bwd_row *block, uint32_t j, uint32_t iw)
{
    const bt_conv2d_geom *g = c->g;
    bwd_row rj = *block;
    rj.wi += (size_t)j * g->kh * g->kw;
    rj.dxr += (size_t)j * c->in_hw;
    const bwd_row *r = &rj;
    /* ow = iw + pad_left - kw must lie in [0, out_w). */
    int32_t top = (int32_t)iw + (int32_t)g->pad_left;
    int32_t kw_hi = top < (int32_t)g->kw - 1 ? top : (int32_t)g->kw - 1;
    int32_t kw_lo = top - (int32_t)g->out_w + 1 > 0 ? top - (int32_t)g->out_w + 1 : 0;
    bt_real acc = ZERO;
    FOR_BWD_ROWS(c, r, dyr, wr)
    {
        for (int32_t kw = kw_hi; kw >= kw_lo; kw--) {
            acc = bt_fma(wr[kw], dyr[top - kw], acc);
        }
    }
    r->dxr[iw] = acc;
}

/* Runs of `tiles` tiles from iw, one call each. */
typedef void (*bwd_tile_fn)(const conv_ctx *c, const bwd_row *r, uint32_t iw, uint32_t tiles);
#define BWD_TILES(name, width, tile)                                                                 \
    static void name(const conv_ctx *c, const bwd_row *r, uint32_t iw, uint32_t tiles)               \
    {                                                                                                \
        for (uint32_t k_ = 0; k_ < tiles; k_++, iw += (width)) {                                     \
            tile;                                                                                    \
        }                                                                                            \
    }
BWD_TILES(bwd_dw, TT, bwd_tile(c, r, iw, false))
BWD_TILES(bwd_dw_edge, TT, bwd_tile(c, r, iw, true))
BWD_TILES(bwd_ic4, OWB, bwd_tile_ic(c, r, iw, 4u, false))
BWD_TILES(bwd_ic4_edge, OWB, bwd_tile_ic(c, r, iw, 4u, true))

/* Input gradients [a, b) of one row of nb channels (1 or 4): tiles where they fit (the border
 * variant where a tile reaches outside [lo, hi)), single positions for the rest. */
static void bwd_run(const conv_ctx *c, const bwd_row *r, uint32_t nb, uint32_t a, uint32_t b)
{
    uint32_t width = nb == 1u ? TT : OWB;
    bwd_tile_fn inner = nb == 1u ? bwd_dw : bwd_ic4;
    bwd_tile_fn edge = nb == 1u ? bwd_dw_edge : bwd_ic4_edge;
    uint32_t iw = a;
    while (iw + width <= b) {
        uint32_t run = inner_tiles(c, iw, b, width);
        (run > 0u ? inner : edge)(c, r, iw, run > 0u ? run : 1u);
        iw += (run > 0u ? run : 1u) * width;
    }
    for (; iw < b; iw++) {
        for (uint32_t j = 0; j < nb; j++) {
            bwd_point(c, r, j, iw);
        }
    }
}

/* Jobs (sample, group, block of input channels, input row, chunk of the row); stride 1 along the
 * width. A block is 4 channels when the group has several (their weights share the loads of the
 * output gradient), else the group's one channel. */
static void conv_backward_input_range(void *p, uint32_t begin, uint32_t end)
{
    const conv_ctx *c = (const conv_ctx *)p;
    const bt_conv2d_geom *g = c->g;
    for (uint32_t idx = begin; idx < end; idx++) {
        uint32_t rest = idx;
        uint32_t chunk = digit(&rest, c->chunks);
        uint32_t ih = digit(&rest, g->in_h);
        uint32_t blk = digit(&rest, c->blocks);
        uint32_t grp = digit(&rest, g->groups);
        uint32_t s = rest;
        uint32_t icl0 = blk * OCB;
        uint32_t nb = min_u32(OCB, c->icpg - icl0);
        /* Kernel rows feeding input row ih: kh = ih + pad_top - oh sh for output rows oh in range. */
        uint32_t top = ih + g->pad_top;
        uint32_t oh_first = top >= g->kh ? (top - g->kh) / g->sh + 1u : 0u; /* kh <= kh - 1 */
        uint32_t oh_last = min_u32(top / g->sh + 1u, g->out_h);             /* kh >= 0 */
        bwd_row r;
        r.nkh = oh_last > oh_first ? oh_last - oh_first : 0u;
        r.dy_step = g->out_w;
        r.w_step = (size_t)g->sh * g->kw;
        r.dys = c->dy + ((size_t)s * g->out_c + (size_t)grp * c->ocpg) * c->out_hw + (size_t)oh_first * g->out_w;
        r.wi = c->w + (size_t)grp * c->ocpg * c->rk + (size_t)icl0 * g->kh * g->kw +
               (size_t)(top - oh_first * g->sh) * g->kw;
        r.dxr = c->dx + ((size_t)s * g->in_c + (size_t)grp * c->icpg + icl0) * c->in_hw + (size_t)ih * g->in_w;
        uint32_t a = chunk * c->chunk_w;
        uint32_t b = min_u32(a + c->chunk_w, g->in_w);
        if (r.nkh == 0u) {
            for (uint32_t j = 0; j < nb; j++) {
                memset(r.dxr + (size_t)j * c->in_hw + a, 0, sizeof(bt_real) * (b - a));
            }
            continue;
        }
        while (nb > 0u) { /* sub-blocks of 4 and 1 channels */
            uint32_t sub = nb >= 4u ? 4u : 1u;
            bwd_run(c, &r, sub, a, b);
            r.wi += (size_t)sub * g->kh * g->kw;
            r.dxr += (size_t)sub * c->in_hw;
            nb -= sub;
        }
    }
}

/* Kernels one tap wide, stride 1, no vertical padding, one kernel row per input row (spatial C x 1
 * with one output row, or pointwise): dx[r][p] = sum over ocl of w[oc][r] dy[oc][oh][p], a matrix
 * product. Rows r are (icl, kh) flattened; a tile is nr rows x OWB positions. */
#define K1_CHUNK 64u

typedef struct k1_rows {
    const bt_real *w;  /* w[group's first oc][r0] */
    const bt_real *dy; /* the group's first output-gradient channel, output row, position p */
    bt_real *dx;       /* input-gradient row r0 at position p */
    size_t dx_step;    /* from one row r to the next */
} k1_rows;

INLINE void bwd_k1_tile(const conv_ctx *c, const k1_rows *t, const uint32_t nr)
{
    bt_real acc[OCB][OWB];
    UNROLL for (uint32_t j = 0; j < nr; j++) {
        UNROLL for (uint32_t i = 0; i < OWB; i++) {
            acc[j][i] = ZERO;
        }
    }
    const bt_real *wp = t->w;
    const bt_real *dp = t->dy;
    for (uint32_t ocl = 0; ocl < c->ocpg; ocl++, wp += c->rk, dp += c->out_hw) {
        bt_real wv[OCB], dv[OWB];
        UNROLL for (uint32_t j = 0; j < nr; j++) {
            wv[j] = wp[j];
        }
        UNROLL for (uint32_t i = 0; i < OWB; i++) {
            dv[i] = dp[i];
        }
        UNROLL for (uint32_t j = 0; j < nr; j++) {
            UNROLL for (uint32_t i = 0; i < OWB; i++) {
                acc[j][i] = bt_fma(wv[j], dv[i], acc[j][i]);
            }
        }
    }
    UNROLL for (uint32_t j = 0; j < nr; j++) {
        store_outputs(t->dx + j * t->dx_step, acc[j], OWB, NULL);
    }
}

static void bwd_k1_r4(const conv_ctx *c, const k1_rows *t) { bwd_k1_tile(c, t, 4u); }
static void bwd_k1_r1(const conv_ctx *c, const k1_rows *t) { bwd_k1_tile(c, t, 1u); }

/* One input gradient (the last positions of a row). */
static void bwd_k1_point(const conv_ctx *c, const k1_rows *t)
{
    bt_real acc = ZERO;
    const bt_real *wp = t->w;
    const bt_real *dp = t->dy;
    for (uint32_t ocl = 0; ocl < c->ocpg; ocl++, wp += c->rk, dp += c->out_hw) {
        acc = bt_fma(*wp, *dp, acc);
    }
    *t->dx = acc;
}

/* Jobs (sample, group, input row of the pointwise case, block of 4 rows, chunk of the row). */
static void conv_backward_input_k1_range(void *p, uint32_t begin, uint32_t end)
{
    const conv_ctx *c = (const conv_ctx *)p;
    const bt_conv2d_geom *g = c->g;
    uint32_t rows = c->icpg * g->kh;
    uint32_t ihs = g->kh == 1u ? g->in_h : 1u;
    for (uint32_t idx = begin; idx < end; idx++) {
        uint32_t rest = idx;
        uint32_t chunk = digit(&rest, c->chunks);
        uint32_t rb = digit(&rest, c->blocks);
        uint32_t ih = digit(&rest, ihs);
        uint32_t grp = digit(&rest, g->groups);
        uint32_t s = rest;
        uint32_t r0 = rb * 4u;
        uint32_t nr = min_u32(4u, rows - r0);
        uint32_t a = chunk * c->chunk_w;
        uint32_t b = min_u32(a + c->chunk_w, g->in_w);
        k1_rows t;
        t.dx_step = g->kh == 1u ? c->in_hw : g->in_w;
        t.w = c->w + (size_t)grp * c->ocpg * c->rk + r0;
        for (uint32_t iw = a; iw < b;) {
            t.dy = c->dy + ((size_t)s * g->out_c + (size_t)grp * c->ocpg) * c->out_hw + (size_t)ih * g->out_w + iw;
            t.dx = c->dx + ((size_t)s * g->in_c + (size_t)grp * c->icpg) * c->in_hw + r0 * t.dx_step +
                   (size_t)ih * g->in_w + iw;
            if (iw + OWB <= b) {
                k1_rows u = t;
                for (uint32_t j = 0; j < nr;) {
                    uint32_t step = nr - j >= 4u ? 4u : 1u;
                    (step == 4u ? bwd_k1_r4 : bwd_k1_r1)(c, &u);
                    u.w += step;
                    u.dx += step * u.dx_step;
                    j += step;
                }
                iw += OWB;
                continue;
            }
            for (uint32_t j = 0; j < nr; j++) {
                k1_rows u = t;
                u.w += j;
                u.dx += j * u.dx_step;
                bwd_k1_point(c, &u);
            }
            iw++;
        }
    }
}

/* Strided along the width: one (sample, input channel) plane per job, scattered from the outputs of
 * its group in ascending order (the same order as the gather above). */
static void conv_backward_input_strided_range(void *p, uint32_t begin, uint32_t end)
{
    const conv_ctx *c = (const conv_ctx *)p;
    const bt_conv2d_geom *g = c->g;
    for (uint32_t idx = begin; idx < end; idx++) {
        uint32_t s = idx / g->in_c;
        uint32_t ic = idx % g->in_c;
        uint32_t grp = ic / c->icpg;
        uint32_t icl = ic % c->icpg;
        bt_real *dxp = c->dx + ((size_t)s * g->in_c + ic) * c->in_hw;
        memset(dxp, 0, sizeof(bt_real) * c->in_hw);
        for (uint32_t ocl = 0; ocl < c->ocpg; ocl++) {
            uint32_t oc = grp * c->ocpg + ocl;
            const bt_real *dyo = c->dy + ((size_t)s * g->out_c + oc) * c->out_hw;
            const bt_real *wo = c->w + ((size_t)oc * c->icpg + icl) * g->kh * g->kw;
            for (uint32_t oh = 0; oh < g->out_h; oh++) {
                int32_t ih0;
                uint32_t khl, khh;
                tap_range(oh, g->sh, g->pad_top, g->kh, g->in_h, &ih0, &khl, &khh);
                for (uint32_t ow = 0; ow < g->out_w; ow++) {
                    int32_t iw0;
                    uint32_t kwl, kwh;
                    tap_range(ow, g->sw, g->pad_left, g->kw, g->in_w, &iw0, &kwl, &kwh);
                    bt_real d = dyo[(size_t)oh * g->out_w + ow];
                    for (uint32_t kh = khl; kh < khh; kh++) {
                        bt_real *xr = dxp + (size_t)(uint32_t)(ih0 + (int32_t)kh) * g->in_w + iw0;
                        const bt_real *wr = wo + (size_t)kh * g->kw;
                        for (uint32_t kw = kwl; kw < kwh; kw++) {
                            xr[kw] = bt_fma(wr[kw], d, xr[kw]);
                        }
                    }
                }
            }
        }
    }
}

void bt_conv2d_backward_input(const bt_conv2d_geom *g, uint32_t n, const bt_real *dy, const bt_real *w,
                              bt_real *dx)
{
    conv_ctx c = ctx_of(g, n);
    c.dy = dy;
    c.w = w;
    c.dx = dx;
    if (g->kw == 1u && g->sw == 1u && g->sh == 1u && g->pad_top == 0u && g->out_h + g->kh == g->in_h + 1u &&
        (g->out_h == 1u || g->kh == 1u)) {
        c.blocks = div_up(c.icpg * g->kh, 4u);
        uint32_t ihs = g->kh == 1u ? g->in_h : 1u;
        cut_rows(&c, g->in_w, n * g->groups * ihs * c.blocks, OWB, K1_CHUNK);
        bt_parallel_for(n * g->groups * ihs * c.blocks * c.chunks, conv_backward_input_k1_range, &c);
        return;
    }
    if (g->sw != 1u) {
        bt_parallel_for(n * g->in_c, conv_backward_input_strided_range, &c);
        return;
    }
    /* Positions whose taps all feed outputs: ow = iw + pad_left - kw in [0, out_w) for every kw. */
    uint32_t q = g->kw - 1u - g->pad_left;
    c.lo = min_u32(q, g->in_w);
    c.hi = g->out_w + q + 1u >= g->kw ? min_u32(g->out_w + q + 1u - g->kw, g->in_w) : 0u;
    c.hi = max_u32(c.hi, c.lo);
    c.blocks = div_up(c.icpg, OCB);
    cut_rows(&c, g->in_w, n * g->groups * c.blocks * g->in_h, TT, CHUNK);
    bt_parallel_for(n * g->groups * c.blocks * g->in_h * c.chunks, conv_backward_input_range, &c);
}

/* ---- weight and bias gradients -------------------------------------------------------------------- */

/* acc += dy[ow] x[ow] over ow in [a, b), ascending. */
static bt_real wgrad_dot(bt_real acc, const bt_real *dyr, const bt_real *xr, uint32_t a, uint32_t b)
{
    for (uint32_t ow = a; ow < b; ow++) {
        acc = bt_fma(dyr[ow], xr[ow], acc);
    }
    return acc;
}

/* nu taps of one kernel row (oc, icl, kh) from tap k0, stride 1 along the width: sums over samples
 * and output rows, each tap in ascending output order. Tap k0 + u covers outputs [lo[u], hi[u]);
 * the positions all nu taps cover run WT at a time through registers, the others (borders) one
 * tap at a time, before and after. */
INLINE void wgrad_block(const conv_ctx *c, uint32_t oc, uint32_t icl, uint32_t kh, uint32_t k0, const uint32_t nu)
{
    const bt_conv2d_geom *g = c->g;
    uint32_t ic = (oc / c->ocpg) * c->icpg + icl;
    bt_real acc[WU];
    uint32_t lo[WU], hi[WU];
    UNROLL for (uint32_t u = 0; u < nu; u++) {
        acc[u] = ZERO;
        out_range(k0 + u, 1u, g->pad_left, g->in_w, g->out_w, &lo[u], &hi[u]);
    }
    uint32_t clo = lo[0], chi = hi[nu - 1u];
    bool common = chi > clo;
    bool borders = !common || lo[nu - 1u] != clo || hi[0] != chi;
    uint32_t ohl, ohh;
    out_range(kh, g->sh, g->pad_top, g->in_h, g->out_h, &ohl, &ohh);
    for (uint32_t s = 0; s < c->n; s++) {
        const bt_real *dyr = c->dy + ((size_t)s * g->out_c + oc) * c->out_hw + (size_t)ohl * g->out_w;
        /* x index of (ow, tap k0 + u) is ow - pad_left + k0 + u: shift so that xr[ow + u] is it. */
        const bt_real *xr = c->x + ((size_t)s * g->in_c + ic) * c->in_hw +
                            (size_t)(ohl * g->sh + kh - g->pad_top) * g->in_w + ((int32_t)k0 - (int32_t)g->pad_left);
        for (uint32_t oh = ohl; oh < ohh; oh++, dyr += g->out_w, xr += (size_t)g->sh * g->in_w) {
            if (!common) {
                for (uint32_t u = 0; u < nu; u++) {
                    acc[u] = wgrad_dot(acc[u], dyr, xr + u, lo[u], hi[u]);
                }
                continue;
            }
            if (borders) { /* positions before the common range */
                for (uint32_t u = 1; u < nu; u++) {
                    acc[u] = wgrad_dot(acc[u], dyr, xr + u, lo[u], clo);
                }
            }
            uint32_t ow = clo;
#if BT_X86_SIMD
            if (nu == 8u) { /* the 8 taps in one register; positions in order */
                __m256 a = _mm256_loadu_ps(acc);
                for (; ow < chi; ow++) {
                    a = _mm256_fmadd_ps(_mm256_set1_ps(dyr[ow]), _mm256_loadu_ps(xr + ow), a);
                }
                _mm256_storeu_ps(acc, a);
            }
#endif
            _Pragma("GCC unroll 2") for (; ow + WT <= chi; ow += WT) {
                bt_real dv[WT], xv[WT + WU - 1u];
                UNROLL for (uint32_t t = 0; t < WT; t++) {
                    dv[t] = dyr[ow + t];
                }
                UNROLL for (uint32_t q = 0; q < WT + nu - 1u; q++) {
                    xv[q] = xr[ow + q];
                }
                UNROLL for (uint32_t t = 0; t < WT; t++) {
                    UNROLL for (uint32_t u = 0; u < nu; u++) {
                        acc[u] = bt_fma(dv[t], xv[t + u], acc[u]);
                    }
                }
            }
            for (; ow < chi; ow++) {
                bt_real d = dyr[ow];
                UNROLL for (uint32_t u = 0; u < nu; u++) {
                    acc[u] = bt_fma(d, xr[ow + u], acc[u]);
                }
            }
            if (borders) { /* and after it */
                for (uint32_t u = 0; u + 1u < nu; u++) {
                    acc[u] = wgrad_dot(acc[u], dyr, xr + u, chi, hi[u]);
                }
            }
        }
    }
    bt_real *d = c->dw + (((size_t)oc * c->icpg + icl) * g->kh + kh) * g->kw + k0;
    UNROLL for (uint32_t u = 0; u < nu; u++) {
        d[u] = d[u] + acc[u];
    }
}

/* Taps [k0, k0 + n) of a kernel row, n <= WU: blocks of 8, 4 and single taps. */
static void wgrad_taps(const conv_ctx *c, uint32_t oc, uint32_t icl, uint32_t kh, uint32_t k0, uint32_t n)
{
    uint32_t k = k0;
    if (n == WU) {
        wgrad_block(c, oc, icl, kh, k, WU);
        return;
    }
    for (; k + 4u <= k0 + n; k += 4u) {
        wgrad_block(c, oc, icl, kh, k, 4u);
    }
    for (; k < k0 + n; k++) {
        wgrad_block(c, oc, icl, kh, k, 1u);
    }
}

/* Jobs (output channel, input channel of its group, kernel row, block of WU taps). */
static void conv_backward_weights_range(void *p, uint32_t begin, uint32_t end)
{
    const conv_ctx *c = (const conv_ctx *)p;
    const bt_conv2d_geom *g = c->g;
    for (uint32_t idx = begin; idx < end; idx++) {
        uint32_t rest = idx;
        uint32_t blk = digit(&rest, c->blocks);
        uint32_t kh = digit(&rest, g->kh);
        uint32_t icl = digit(&rest, c->icpg);
        uint32_t oc = rest;
        uint32_t k0 = blk * WU;
        wgrad_taps(c, oc, icl, kh, k0, min_u32(WU, g->kw - k0));
    }
}

/* Kernels one tap wide, stride 1, no vertical padding: dw[oc][r] += sum over samples and positions
 * p of dy[oc][p] x[r][p], rows r = (icl, kh) with x[r] the input channel icl from row kh on: a
 * matrix product of the output gradient and the input, nb channels x nr rows per tile. */
INLINE void wgrad_k1_tile(const conv_ctx *c, uint32_t oc0, uint32_t r0, const uint32_t nb, const uint32_t nr)
{
    const bt_conv2d_geom *g = c->g;
    uint32_t ic0 = (oc0 / c->ocpg) * c->icpg;
    bt_real acc[OCB][4];
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        UNROLL for (uint32_t i = 0; i < nr; i++) {
            acc[j][i] = ZERO;
        }
    }
    for (uint32_t s = 0; s < c->n; s++) {
        const bt_real *dp[OCB], *xp[4];
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            dp[j] = c->dy + ((size_t)s * g->out_c + oc0 + j) * c->out_hw;
        }
        UNROLL for (uint32_t i = 0; i < nr; i++) {
            uint32_t r = r0 + i;
            xp[i] = c->x + ((size_t)s * g->in_c + ic0 + r / g->kh) * c->in_hw + (size_t)(r % g->kh) * g->in_w;
        }
        size_t p = 0;
        for (; p + 4u <= c->out_hw; p += 4u) {
            UNROLL for (uint32_t q = 0; q < 4u; q++) {
                bt_real dv[OCB], xv[4];
                UNROLL for (uint32_t j = 0; j < nb; j++) {
                    dv[j] = dp[j][q];
                }
                UNROLL for (uint32_t i = 0; i < nr; i++) {
                    xv[i] = xp[i][q];
                }
                UNROLL for (uint32_t j = 0; j < nb; j++) {
                    UNROLL for (uint32_t i = 0; i < nr; i++) {
                        acc[j][i] = bt_fma(dv[j], xv[i], acc[j][i]);
                    }
                }
            }
            UNROLL for (uint32_t j = 0; j < nb; j++) {
                dp[j] += 4;
            }
            UNROLL for (uint32_t i = 0; i < nr; i++) {
                xp[i] += 4;
            }
        }
        for (; p < c->out_hw; p++) {
            UNROLL for (uint32_t j = 0; j < nb; j++) {
                bt_real dv = *dp[j]++;
                UNROLL for (uint32_t i = 0; i < nr; i++) {
                    acc[j][i] = bt_fma(dv, xp[i][0], acc[j][i]);
                }
            }
            UNROLL for (uint32_t i = 0; i < nr; i++) {
                xp[i]++;
            }
        }
    }
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        bt_real *d = c->dw + (size_t)(oc0 + j) * c->rk + r0;
        UNROLL for (uint32_t i = 0; i < nr; i++) {
            d[i] = d[i] + acc[j][i];
        }
    }
}

static void wgrad_k1_4x4(const conv_ctx *c, uint32_t oc0, uint32_t r0) { wgrad_k1_tile(c, oc0, r0, 4u, 4u); }
static void wgrad_k1_1x4(const conv_ctx *c, uint32_t oc0, uint32_t r0) { wgrad_k1_tile(c, oc0, r0, 1u, 4u); }
static void wgrad_k1_4x1(const conv_ctx *c, uint32_t oc0, uint32_t r0) { wgrad_k1_tile(c, oc0, r0, 4u, 1u); }
static void wgrad_k1_1x1(const conv_ctx *c, uint32_t oc0, uint32_t r0) { wgrad_k1_tile(c, oc0, r0, 1u, 1u); }

/* Jobs (group, block of 4 output channels, block of 4 rows). */
static void conv_backward_weights_k1_range(void *p, uint32_t begin, uint32_t end)
{
    static void (*const tiles[2][2])(const conv_ctx *, uint32_t, uint32_t) = {
        {wgrad_k1_4x4, wgrad_k1_1x4},
        {wgrad_k1_4x1, wgrad_k1_1x1},
    };
    const conv_ctx *c = (const conv_ctx *)p;
    uint32_t rows = c->icpg * c->g->kh;
    uint32_t rbs = div_up(rows, 4u);
    uint32_t obs = div_up(c->ocpg, OCB);
    for (uint32_t idx = begin; idx < end; idx++) {
        uint32_t rest = idx;
        uint32_t rb = digit(&rest, rbs);
        uint32_t ob = digit(&rest, obs);
        uint32_t grp = rest;
        uint32_t oc_end = grp * c->ocpg + min_u32(c->ocpg, (ob + 1u) * OCB);
        uint32_t r_end = min_u32(rows, (rb + 1u) * 4u);
        for (uint32_t oc = grp * c->ocpg + ob * OCB; oc < oc_end;) {
            uint32_t nb = oc_end - oc >= 4u ? 4u : 1u;
            for (uint32_t r = rb * 4u; r < r_end;) {
                uint32_t nr = r_end - r >= 4u ? 4u : 1u;
                tiles[nr == 4u ? 0 : 1][nb == 4u ? 0 : 1](c, oc, r);
                r += nr;
            }
            oc += nb;
        }
    }
}

/* Strided along the width: one output channel per job, one weight at a time. */
static void conv_backward_weights_strided_range(void *p, uint32_t begin, uint32_t end)
{
    const conv_ctx *c = (const conv_ctx *)p;
    const bt_conv2d_geom *g = c->g;
    for (uint32_t oc = begin; oc < end; oc++) {
        uint32_t ic0 = (oc / c->ocpg) * c->icpg;
        for (uint32_t icl = 0; icl < c->icpg; icl++) {
            for (uint32_t kh = 0; kh < g->kh; kh++) {
                uint32_t ohl, ohh;
                out_range(kh, g->sh, g->pad_top, g->in_h, g->out_h, &ohl, &ohh);
                for (uint32_t kw = 0; kw < g->kw; kw++) {
                    uint32_t owl, owh;
                    out_range(kw, g->sw, g->pad_left, g->in_w, g->out_w, &owl, &owh);
                    bt_real acc = ZERO;
                    for (uint32_t s = 0; s < c->n; s++) {
                        const bt_real *dyo = c->dy + ((size_t)s * g->out_c + oc) * c->out_hw;
                        const bt_real *xc = c->x + ((size_t)s * g->in_c + ic0 + icl) * c->in_hw;
                        for (uint32_t oh = ohl; oh < ohh; oh++) {
                            const bt_real *xr = xc + (size_t)(oh * g->sh + kh - g->pad_top) * g->in_w;
                            const bt_real *dr = dyo + (size_t)oh * g->out_w;
                            uint32_t iw = owl * g->sw + kw - g->pad_left;
                            for (uint32_t ow = owl; ow < owh; ow++, iw += g->sw) {
                                acc = bt_fma(dr[ow], xr[iw], acc);
                            }
                        }
                    }
                    bt_real *d = c->dw + (((size_t)oc * c->icpg + icl) * g->kh + kh) * g->kw + kw;
                    *d = *d + acc;
                }
            }
        }
    }
}

/* One output channel per job. */
static void conv_backward_bias_range(void *p, uint32_t begin, uint32_t end)
{
    const conv_ctx *c = (const conv_ctx *)p;
    for (uint32_t oc = begin; oc < end; oc++) {
        bt_real acc = ZERO;
        for (uint32_t s = 0; s < c->n; s++) {
            const bt_real *dyo = c->dy + ((size_t)s * c->g->out_c + oc) * c->out_hw;
            for (size_t i = 0; i < c->out_hw; i++) {
                acc = acc + dyo[i];
            }
        }
        c->dbias[oc] = c->dbias[oc] + acc;
    }
}

void bt_conv2d_backward_params(const bt_conv2d_geom *g, uint32_t n, const bt_real *x, const bt_real *dy,
                               bt_real *dw, bt_real *dbias)
{
    conv_ctx c = ctx_of(g, n);
    c.x = x;
    c.dy = dy;
    c.dw = dw;
    c.dbias = dbias;
    if (dw && g->kw == 1u && g->sw == 1u && g->sh == 1u && g->pad_top == 0u && g->out_h + g->kh == g->in_h + 1u) {
        bt_parallel_for(g->groups * div_up(c.ocpg, OCB) * div_up(c.icpg * g->kh, 4u), conv_backward_weights_k1_range, &c);
    } else if (dw && g->sw != 1u) {
        bt_parallel_for(g->out_c, conv_backward_weights_strided_range, &c);
    } else if (dw) {
        c.blocks = div_up(g->kw, WU);
        bt_parallel_for(g->out_c * c.icpg * g->kh * c.blocks, conv_backward_weights_range, &c);
    }
    if (dbias) {
        bt_parallel_for(g->out_c, conv_backward_bias_range, &c);
    }
}
/* ---- the CONV2D layer kind ------------------------------------------------------------------- */

static bt_conv2d_geom geom_of(const bt_layer_desc *d)
{
    bt_conv2d_geom g = {d->in.c, d->in.h, d->in.w, d->out.c, d->out.h, d->out.w, d->p[BT_P_KH], d->p[BT_P_KW],
                        d->p[BT_P_SH], d->p[BT_P_SW], d->p[BT_P_PAD_TOP], d->p[BT_P_PAD_LEFT], d->p[BT_P_GROUPS]};
    return g;
}

static bool conv_derive(bt_layer_desc *d, unsigned index, char *err, size_t cap)
{
    bt_conv2d_geom g = {d->in.c, d->in.h, d->in.w, d->p[BT_P_OUT_C], 0, 0, d->p[BT_P_KH], d->p[BT_P_KW],
                        d->p[BT_P_SH], d->p[BT_P_SW], d->p[BT_P_PAD_TOP], d->p[BT_P_PAD_LEFT], d->p[BT_P_GROUPS]};
    if (!bt_conv2d_geom_finish(&g, d->p[BT_P_PAD_BOTTOM], d->p[BT_P_PAD_RIGHT])) {
        return bt_layer_reject(err, cap, index,
                               "convolution does not fit its input (kernel, stride, padding or groups)");
    }
    d->out = (bt_shape){g.out_c, g.out_h, g.out_w};
    d->weight_count = g.out_c * (g.in_c / g.groups) * g.kh * g.kw;
    d->bias_count = (d->flags & BT_LAYER_FLAG_BIAS) ? g.out_c : 0u;
    d->macs = bt_conv2d_macs(&g);
    return true;
}

static bool conv_plan(const bt_layer_desc *d, const bt_layer_config *cfg, bool train_w, bool need_dx,
                      bt_layer_plan *p, unsigned index, char *err, size_t cap)
{
    (void)d, (void)cfg, (void)need_dx, (void)index, (void)err, (void)cap;
    p->keep = train_w ? BT_KEEP_INPUT : 0u; /* the weight gradient reads the input */
    return true;
}

static void conv_forward(const bt_layer_call *c)
{
    bt_conv2d_geom g = geom_of(c->d);
    bt_conv2d_forward(&g, c->n, c->x, c->w, c->b, c->y);
}

static void conv_backward(const bt_layer_call *c)
{
    bt_conv2d_geom g = geom_of(c->d);
    bt_conv2d_backward_params(&g, c->n, c->x, c->dy, c->gw, c->gb);
    if (c->dx) {
        bt_conv2d_backward_input(&g, c->n, c->dy, c->w, c->dx);
    }
}

static void conv_init(const bt_layer_desc *d, const bt_param_init *out)
{
    bt_init_he_uniform(out, d->weight_count, (d->in.c / d->p[BT_P_GROUPS]) * d->p[BT_P_KH] * d->p[BT_P_KW]);
    bt_init_fill(out, d->bias_count, 0.0f);
}

const bt_layer_ops bt_kind_conv2d = {
    BT_LAYER_CONV2D, "conv2d", BT_INPLACE_NEVER, false, conv_derive, conv_plan, conv_forward, conv_backward, conv_init,
};
