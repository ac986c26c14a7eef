#include "model/Gpt.h"

#include "util/Error.h"
#include "util/Simd.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <QString>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

namespace flopsfit {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

Parametrization parseParametrization(const std::string &name, const std::string &origin)
{
    if (name == "umup")
        return Parametrization::UMuP;
    if (name == "standard")
        return Parametrization::Standard;
    throw InputError(QStringLiteral("%1: 'training.parametrization' = '%2' is not one of umup, standard")
                         .arg(QString::fromStdString(origin), QString::fromStdString(name)));
}

namespace {

constexpr float kNormEps = 1e-6f;

// exp(x) for x in [-87, 88] (clamped outside), written so that loops over it vectorise:
// 2^i · 2^f with Cephes' degree-6 polynomial for 2^f on [-0.5, 0.5], relative error ≈ 2e-7.
inline float fastExp(float x)
{
    x = std::min(std::max(x, -87.0f), 88.0f);
    const float t = x * 1.44269504089f;
    const float fi = (t + 12582912.0f) - 12582912.0f; // round to nearest (1.5 · 2^23 trick)
    const float f = t - fi;                            // [-0.5, 0.5]
    float p = 1.535336188319500e-4f;
    p = p * f + 1.339887440266574e-3f;
    p = p * f + 9.618437357674640e-3f;
    p = p * f + 5.550332471162809e-2f;
    p = p * f + 2.402264791363012e-1f;
    p = p * f + 6.931472028550421e-1f;
    p = p * f + 1.0f;
    const std::int32_t bits = (int(fi) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

inline float sigmoid(float x)
{
    return 1.0f / (1.0f + fastExp(-x));
}

// Σ f(j) for j < n in eight interleaved partial sums, so the loop vectorises without
// reassociating floating-point math.
template <class F>
inline float sumOver(std::int64_t n, F f)
{
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        for (int k = 0; k < 8; ++k)
            acc[k] += f(j + k);
    }
    for (; j < n; ++j)
        acc[0] += f(j);
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

inline float maxOf(const float *x, std::int64_t n)
{
    float acc[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    std::int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        for (int k = 0; k < 8; ++k)
            acc[k] = acc[k] > x[j + k] ? acc[k] : x[j + k];
    }
    for (; j < n; ++j)
        acc[0] = acc[0] > x[j] ? acc[0] : x[j];
    float m = acc[0];
    for (int k = 1; k < 8; ++k)
        m = m > acc[k] ? m : acc[k];
    return m;
}

std::int64_t grainFor(std::int64_t rowCost)
{
    return std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(1, rowCost));
}

// ---- RMSNorm: y = x · rsqrt(mean(x²) + eps) · w ----------------------------------------------

FLOPSFIT_SIMD void rmsNormRows(const float *x, const float *w, float *y, float *rstd,
                               std::int64_t begin, std::int64_t end, std::int64_t d)
{
    for (std::int64_t i = begin; i < end; ++i) {
        const float *xi = x + i * d;
        const float ss = sumOver(d, [&](std::int64_t j) { return xi[j] * xi[j]; });
        const float r = 1.0f / std::sqrt(ss / float(d) + kNormEps);
        rstd[i] = r;
        float *yi = y + i * d;
        for (std::int64_t j = 0; j < d; ++j)
            yi[j] = xi[j] * r * w[j];
    }
}

FLOPSFIT_SIMD void rmsNormBackwardRows(const float *x, const float *w, const float *rstd,
                                       const float *gy, float *gx, float *gw,
                                       std::int64_t begin, std::int64_t end, std::int64_t d)
{
    for (std::int64_t i = begin; i < end; ++i) {
        const float *xi = x + i * d;
        const float *gi = gy + i * d;
        const float r = rstd[i];
        const float dot = sumOver(d, [&](std::int64_t j) { return gi[j] * w[j] * xi[j]; });
        const float c = dot * r * r * r / float(d);
        float *gxi = gx + i * d;
        for (std::int64_t j = 0; j < d; ++j) {
            gxi[j] = gi[j] * w[j] * r - xi[j] * c;
            gw[j] += gi[j] * xi[j] * r;
        }
    }
}

struct RmsNormFunction : torch::autograd::Function<RmsNormFunction> {
    static Tensor forward(AutogradContext *ctx, const Tensor &x, const Tensor &w)
    {
        const std::int64_t d = x.size(-1);
        const std::int64_t n = x.numel() / d;
        Tensor xc = x.contiguous();
        Tensor y = torch::empty_like(xc);
        Tensor rstd = torch::empty({n}, xc.options());
        const float *px = xc.data_ptr<float>();
        const float *pw = w.data_ptr<float>();
        float *py = y.data_ptr<float>();
        float *pr = rstd.data_ptr<float>();
        at::parallel_for(0, n, grainFor(d), [&](std::int64_t b, std::int64_t e) {
            rmsNormRows(px, pw, py, pr, b, e, d);
        });
        ctx->save_for_backward({xc, w, rstd});
        return y;
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const Tensor &x = saved[0], &w = saved[1], &rstd = saved[2];
        const Tensor gy = grads[0].contiguous();
        const std::int64_t d = x.size(-1);
        const std::int64_t n = x.numel() / d;
        Tensor gx = torch::empty_like(x);
        const int threads = at::get_num_threads();
        Tensor partial = torch::zeros({threads, d}, x.options());
        const float *px = x.data_ptr<float>(), *pw = w.data_ptr<float>(), *pr = rstd.data_ptr<float>();
        const float *pg = gy.data_ptr<float>();
        float *pgx = gx.data_ptr<float>(), *pp = partial.data_ptr<float>();
        at::parallel_for(0, n, grainFor(d), [&](std::int64_t b, std::int64_t e) {
            rmsNormBackwardRows(px, pw, pr, pg, pgx, pp + at::get_thread_num() * d, b, e, d);
        });
        return {gx, partial.sum(0)};
    }
};

Tensor rmsNormComposite(const Tensor &x, const Tensor &w)
{
    return x * torch::rsqrt(x.pow(2).mean(-1, true) + kNormEps) * w;
}

// ---- SwiGLU: [a | b] → silu(a) · b ------------------------------------------------------------

FLOPSFIT_SIMD void swigluRows(const float *h, float *y, std::int64_t begin, std::int64_t end,
                              std::int64_t f)
{
    for (std::int64_t i = begin; i < end; ++i) {
        const float *a = h + i * 2 * f;
        const float *b = a + f;
        float *yi = y + i * f;
        for (std::int64_t j = 0; j < f; ++j)
            yi[j] = a[j] * sigmoid(a[j]) * b[j];
    }
}

FLOPSFIT_SIMD void swigluBackwardRows(const float *h, const float *gy, float *gh, std::int64_t begin,
                                      std::int64_t end, std::int64_t f)
{
    for (std::int64_t i = begin; i < end; ++i) {
        const float *a = h + i * 2 * f;
        const float *b = a + f;
        const float *g = gy + i * f;
        float *ga = gh + i * 2 * f;
        float *gb = ga + f;
        for (std::int64_t j = 0; j < f; ++j) {
            const float s = sigmoid(a[j]);
            const float silu = a[j] * s;
            gb[j] = g[j] * silu;
            ga[j] = g[j] * b[j] * (s + silu * (1.0f - s));
        }
    }
}

struct SwiGluFunction : torch::autograd::Function<SwiGluFunction> {
    static Tensor forward(AutogradContext *ctx, const Tensor &h)
    {
        const std::int64_t f = h.size(-1) / 2;
        const std::int64_t n = h.numel() / (2 * f);
        Tensor hc = h.contiguous();
        Tensor y = torch::empty({n, f}, hc.options());
        const float *ph = hc.data_ptr<float>();
        float *py = y.data_ptr<float>();
        at::parallel_for(0, n, grainFor(4 * f), [&](std::int64_t b, std::int64_t e) {
            swigluRows(ph, py, b, e, f);
        });
        ctx->save_for_backward({hc});
        return y;
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const Tensor h = ctx->get_saved_variables()[0];
        const Tensor gy = grads[0].contiguous();
        const std::int64_t f = h.size(-1) / 2;
        const std::int64_t n = h.numel() / (2 * f);
        Tensor gh = torch::empty_like(h);
        const float *ph = h.data_ptr<float>(), *pg = gy.data_ptr<float>();
        float *pgh = gh.data_ptr<float>();
        at::parallel_for(0, n, grainFor(6 * f), [&](std::int64_t b, std::int64_t e) {
            swigluBackwardRows(ph, pg, pgh, b, e, f);
        });
        return {gh};
    }
};

Tensor swigluComposite(const Tensor &h)
{
    const auto parts = h.chunk(2, -1);
    return torch::silu(parts[0]) * parts[1];
}

// ---- QKV → heads with rotary embedding ---------------------------------------------------------
// qkv [B, T, 3, H, hd] → q, k, v [B·H, T, hd]; q and k rotated: for j < hd/2, with c = cos, s = sin,
// (a, b) = (x[j], x[j + hd/2]) → (a·c − b·s, b·c + a·s).

struct HeadLayout {
    std::int64_t batch, seq, heads, headDim;
};

FLOPSFIT_SIMD void ropeSplitRows(const float *qkv, const float *cosT, const float *sinT, float *q,
                                 float *k, float *v, HeadLayout l, std::int64_t begin,
                                 std::int64_t end)
{
    const std::int64_t d = l.heads * l.headDim, half = l.headDim / 2;
    for (std::int64_t row = begin; row < end; ++row) { // row = b·T + t
        const std::int64_t b = row / l.seq, t = row % l.seq;
        const float *c = cosT + t * half, *s = sinT + t * half;
        const float *src = qkv + row * 3 * d;
        for (std::int64_t h = 0; h < l.heads; ++h) {
            const std::int64_t dst = ((b * l.heads + h) * l.seq + t) * l.headDim;
            const float *sq = src + h * l.headDim, *sk = src + d + h * l.headDim;
            const float *sv = src + 2 * d + h * l.headDim;
            float *dq = q + dst, *dk = k + dst;
            for (std::int64_t j = 0; j < half; ++j) {
                dq[j] = sq[j] * c[j] - sq[j + half] * s[j];
                dq[j + half] = sq[j + half] * c[j] + sq[j] * s[j];
                dk[j] = sk[j] * c[j] - sk[j + half] * s[j];
                dk[j + half] = sk[j + half] * c[j] + sk[j] * s[j];
            }
            std::memcpy(v + dst, sv, sizeof(float) * l.headDim);
        }
    }
}

FLOPSFIT_SIMD void ropeMergeRows(const float *gq, const float *gk, const float *gv, const float *cosT,
                                 const float *sinT, float *gqkv, HeadLayout l, std::int64_t begin,
                                 std::int64_t end)
{
    const std::int64_t d = l.heads * l.headDim, half = l.headDim / 2;
    for (std::int64_t row = begin; row < end; ++row) {
        const std::int64_t b = row / l.seq, t = row % l.seq;
        const float *c = cosT + t * half, *s = sinT + t * half;
        float *dst = gqkv + row * 3 * d;
        for (std::int64_t h = 0; h < l.heads; ++h) {
            const std::int64_t src = ((b * l.heads + h) * l.seq + t) * l.headDim;
            float *dq = dst + h * l.headDim, *dk = dst + d + h * l.headDim;
            const float *sq = gq + src, *sk = gk + src;
            for (std::int64_t j = 0; j < half; ++j) {
                dq[j] = sq[j] * c[j] + sq[j + half] * s[j];
                dq[j + half] = sq[j + half] * c[j] - sq[j] * s[j];
                dk[j] = sk[j] * c[j] + sk[j + half] * s[j];
                dk[j + half] = sk[j + half] * c[j] - sk[j] * s[j];
            }
            std::memcpy(dst + 2 * d + h * l.headDim, gv + src, sizeof(float) * l.headDim);
        }
    }
}

struct RopeSplitFunction : torch::autograd::Function<RopeSplitFunction> {
    static variable_list forward(AutogradContext *ctx, const Tensor &qkv, const Tensor &cosT,
                                 const Tensor &sinT, std::int64_t batch, std::int64_t heads)
    {
        const std::int64_t seq = qkv.size(0) / batch;
        const std::int64_t headDim = qkv.size(1) / (3 * heads);
        const HeadLayout l{batch, seq, heads, headDim};
        Tensor src = qkv.contiguous();
        auto opts = src.options();
        Tensor q = torch::empty({batch * heads, seq, headDim}, opts);
        Tensor k = torch::empty_like(q), v = torch::empty_like(q);
        const float *pc = cosT.data_ptr<float>(), *ps = sinT.data_ptr<float>();
        const float *pqkv = src.data_ptr<float>();
        float *pq = q.data_ptr<float>(), *pk = k.data_ptr<float>(), *pv = v.data_ptr<float>();
        at::parallel_for(0, batch * seq, grainFor(3 * heads * headDim), [&](std::int64_t b, std::int64_t e) {
            ropeSplitRows(pqkv, pc, ps, pq, pk, pv, l, b, e);
        });
        ctx->save_for_backward({cosT, sinT});
        ctx->saved_data["batch"] = batch;
        ctx->saved_data["heads"] = heads;
        return {q, k, v};
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const std::int64_t batch = ctx->saved_data["batch"].toInt();
        const std::int64_t heads = ctx->saved_data["heads"].toInt();
        Tensor ref = grads[0].defined() ? grads[0] : (grads[1].defined() ? grads[1] : grads[2]);
        const std::int64_t seq = ref.size(1), headDim = ref.size(2);
        const HeadLayout l{batch, seq, heads, headDim};
        Tensor g[3];
        for (int i = 0; i < 3; ++i)
            g[i] = grads[i].defined() ? grads[i].contiguous() : torch::zeros_like(ref);
        Tensor gqkv = torch::empty({batch * seq, 3 * heads * headDim}, ref.options());
        const float *pc = saved[0].data_ptr<float>(), *ps = saved[1].data_ptr<float>();
        const float *pq = g[0].data_ptr<float>(), *pk = g[1].data_ptr<float>(), *pv = g[2].data_ptr<float>();
        float *out = gqkv.data_ptr<float>();
        at::parallel_for(0, batch * seq, grainFor(3 * heads * headDim), [&](std::int64_t b, std::int64_t e) {
            ropeMergeRows(pq, pk, pv, pc, ps, out, l, b, e);
        });
        return {gqkv, Tensor(), Tensor(), Tensor(), Tensor()};
    }
};

Tensor rotateComposite(const Tensor &x, const Tensor &cosT, const Tensor &sinT)
{
    // x [B, H, T, hd]; tables [T, hd/2]
    const auto parts = x.chunk(2, -1);
    const Tensor &a = parts[0], &b = parts[1];
    return torch::cat({a * cosT - b * sinT, b * cosT + a * sinT}, -1);
}

// ---- causal attention core: softmax(q·kᵀ / √hd, causal) · v on [B·H, T, hd] --------------------

// Softmax of row i of a causal score matrix: entries 0..i, scaled, zero from i+1 to `width`.
FLOPSFIT_SIMD void causalSoftmaxRow(float *s, std::int64_t i, std::int64_t width, float scale)
{
    const std::int64_t n = i + 1;
    const float mx = maxOf(s, n);
    const float sum = sumOver(n, [&](std::int64_t j) {
        const float e = fastExp((s[j] - mx) * scale);
        s[j] = e;
        return e;
    });
    const float inv = 1.0f / sum;
    for (std::int64_t j = 0; j < n; ++j)
        s[j] *= inv;
    for (std::int64_t j = n; j < width; ++j)
        s[j] = 0;
}

// dS = P ⊙ (dP − Σ_j P·dP) · scale over entries 0..i of a row, written over dP; zero up to `width`.
FLOPSFIT_SIMD void causalSoftmaxBackwardRow(const float *p, float *g, std::int64_t i, std::int64_t width,
                                            float scale)
{
    const std::int64_t n = i + 1;
    const float dot = sumOver(n, [&](std::int64_t j) { return p[j] * g[j]; });
    for (std::int64_t j = 0; j < n; ++j)
        g[j] = p[j] * (g[j] - dot) * scale;
    for (std::int64_t j = n; j < width; ++j)
        g[j] = 0;
}

// Rows are processed in blocks of kAttentionBlock; block r needs only key columns
// [0, (r + 1) · kAttentionBlock), so about half of the score matrix is never computed. Each head
// is one task of a single parallel region (its matrix products run on one thread), which costs
// far less synchronisation than a batched product per step.
constexpr std::int64_t kAttentionBlock = 64;

struct CausalAttentionFunction : torch::autograd::Function<CausalAttentionFunction> {
    static Tensor forward(AutogradContext *ctx, const Tensor &q, const Tensor &k, const Tensor &v)
    {
        const std::int64_t heads = q.size(0), seq = q.size(1);
        const float scale = 1.0f / std::sqrt(float(q.size(2)));
        Tensor probs = torch::empty({heads, seq, seq}, q.options());
        Tensor out = torch::empty_like(q);
        at::parallel_for(0, heads, 1, [&](std::int64_t h0, std::int64_t h1) {
            for (std::int64_t h = h0; h < h1; ++h) {
                const Tensor qh = q[h], kh = k[h], vh = v[h], ph = probs[h], oh = out[h];
                float *pp = ph.data_ptr<float>();
                for (std::int64_t r0 = 0; r0 < seq; r0 += kAttentionBlock) {
                    const std::int64_t rows = std::min(kAttentionBlock, seq - r0), width = r0 + rows;
                    Tensor s = ph.narrow(0, r0, rows).narrow(1, 0, width);
                    at::mm_out(s, qh.narrow(0, r0, rows), kh.narrow(0, 0, width).t());
                    for (std::int64_t i = r0; i < r0 + rows; ++i)
                        causalSoftmaxRow(pp + i * seq, i, width, scale);
                    Tensor o = oh.narrow(0, r0, rows);
                    at::mm_out(o, s, vh.narrow(0, 0, width));
                }
            }
        });
        ctx->save_for_backward({q, k, v, probs});
        return out;
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const Tensor &q = saved[0], &k = saved[1], &v = saved[2], &probs = saved[3];
        const Tensor go = grads[0].contiguous();
        const std::int64_t heads = q.size(0), seq = q.size(1);
        const float scale = 1.0f / std::sqrt(float(q.size(2)));
        Tensor gq = torch::empty_like(q), gk = torch::empty_like(k), gv = torch::empty_like(v);
        Tensor gs = torch::empty_like(probs);
        at::parallel_for(0, heads, 1, [&](std::int64_t h0, std::int64_t h1) {
            for (std::int64_t h = h0; h < h1; ++h) {
                const Tensor qh = q[h], kh = k[h], vh = v[h], ph = probs[h], goh = go[h], gsh = gs[h];
                const float *pp = ph.data_ptr<float>();
                float *pg = gsh.data_ptr<float>();
                for (std::int64_t r0 = 0; r0 < seq; r0 += kAttentionBlock) {
                    const std::int64_t rows = std::min(kAttentionBlock, seq - r0), width = r0 + rows;
                    Tensor g = gsh.narrow(0, r0, rows).narrow(1, 0, width);
                    at::mm_out(g, goh.narrow(0, r0, rows), vh.narrow(0, 0, width).t());
                    for (std::int64_t i = r0; i < r0 + rows; ++i)
                        causalSoftmaxBackwardRow(pp + i * seq, pg + i * seq, i, width, scale);
                    Tensor gqr = gq[h].narrow(0, r0, rows);
                    at::mm_out(gqr, g, kh.narrow(0, 0, width));
                }
                // Key block c is seen by the rows from c onwards.
                for (std::int64_t c0 = 0; c0 < seq; c0 += kAttentionBlock) {
                    const std::int64_t cols = std::min(kAttentionBlock, seq - c0), rows = seq - c0;
                    Tensor gvc = gv[h].narrow(0, c0, cols), gkc = gk[h].narrow(0, c0, cols);
                    at::mm_out(gvc, ph.narrow(0, c0, rows).narrow(1, c0, cols).t(), goh.narrow(0, c0, rows));
                    at::mm_out(gkc, gsh.narrow(0, c0, rows).narrow(1, c0, cols).t(), qh.narrow(0, c0, rows));
                }
            }
        });
        return {gq, gk, gv};
    }
};

Tensor attentionComposite(const Tensor &q, const Tensor &k, const Tensor &v)
{
    const std::int64_t seq = q.size(-2);
    const double scale = 1.0 / std::sqrt(double(q.size(-1)));
#if TORCH_VERSION_MAJOR >= 2
    (void)seq;
    (void)scale;
    return at::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true);
#else
    const Tensor mask = torch::ones({seq, seq}, q.options().dtype(torch::kBool)).triu(1);
    const Tensor att = torch::matmul(q, k.transpose(-2, -1)).mul(scale).masked_fill(mask, -INFINITY);
    return torch::matmul(att.softmax(-1), v);
#endif
}

// ---- output head and cross-entropy --------------------------------------------------------------

// Turns each row of logits into probabilities in place and returns Σ_rows (logsumexp − target).
FLOPSFIT_SIMD double softmaxCrossEntropyRows(float *logits, const std::int64_t *targets,
                                             std::int64_t vocab, std::int64_t begin, std::int64_t end)
{
    double total = 0;
    for (std::int64_t i = begin; i < end; ++i) {
        float *x = logits + i * vocab;
        const float mx = maxOf(x, vocab);
        const float target = x[targets[i]];
        const float sum = sumOver(vocab, [&](std::int64_t j) {
            const float e = fastExp(x[j] - mx);
            x[j] = e;
            return e;
        });
        const float inv = 1.0f / sum;
        for (std::int64_t j = 0; j < vocab; ++j)
            x[j] *= inv;
        total += double(std::log(sum)) + double(mx) - double(target);
    }
    return total;
}

// Rows of the head are processed in chunks whose logits stay in cache: each chunk's logits are
// computed, turned into probabilities and, when gradients are wanted, straight away into
// d loss / d logits and multiplied back into the gradients of the hidden states and of the head.
// The [N, V] logits never exist whole. Each chunk is one task of a single parallel region (its
// matrix products run on one thread); each thread sums its own head gradient.
constexpr std::int64_t kHeadChunk = 64;

struct HeadLossResult {
    double loss;          // mean cross-entropy
    Tensor ghidden, ghead; // its gradients, when asked for
};

HeadLossResult headLoss(const Tensor &hidden, const Tensor &head, const Tensor &targets, bool withGrad)
{
    const Tensor h = hidden.contiguous(), w = head.contiguous(), tc = targets.contiguous();
    const std::int64_t n = h.size(0), d = h.size(1), vocab = w.size(0);
    const std::int64_t chunks = (n + kHeadChunk - 1) / kHeadChunk;
    const int threads = at::get_num_threads();
    const std::int64_t *pt = tc.data_ptr<std::int64_t>();
    Tensor logits = torch::empty({threads, kHeadChunk, vocab}, h.options());
    HeadLossResult r{0, Tensor(), Tensor()};
    Tensor gheads;
    if (withGrad) {
        r.ghidden = torch::empty_like(h);
        gheads = torch::zeros({threads, vocab, d}, h.options());
    }
    std::vector<double> partial(std::size_t(threads), 0.0);
    const float invN = 1.0f / float(n);
    at::parallel_for(0, chunks, 1, [&](std::int64_t c0, std::int64_t c1) {
        const int t = at::get_thread_num();
        for (std::int64_t c = c0; c < c1; ++c) {
            const std::int64_t r0 = c * kHeadChunk, rows = std::min(kHeadChunk, n - r0);
            Tensor lc = logits[t].narrow(0, 0, rows);
            const Tensor hc = h.narrow(0, r0, rows);
            at::mm_out(lc, hc, w.t());
            float *pl = lc.data_ptr<float>();
            partial[std::size_t(t)] += softmaxCrossEntropyRows(pl, pt + r0, vocab, 0, rows);
            if (!withGrad)
                continue;
            for (std::int64_t i = 0; i < rows; ++i) {
                float *x = pl + i * vocab;
                x[pt[r0 + i]] -= 1.0f;
                for (std::int64_t j = 0; j < vocab; ++j)
                    x[j] *= invN;
            }
            Tensor gh = r.ghidden.narrow(0, r0, rows);
            at::mm_out(gh, lc, w);
            Tensor gw = gheads[t];
            gw.addmm_(lc.t(), hc);
        }
    });
    for (double p : partial)
        r.loss += p;
    r.loss /= double(n);
    if (withGrad)
        r.ghead = threads == 1 ? gheads[0] : gheads.sum(0);
    return r;
}

struct HeadLossFunction : torch::autograd::Function<HeadLossFunction> {
    // hidden [N, d], head [V, d], targets [N] → mean cross-entropy; the gradients are computed with
    // the loss and scaled in the backward pass.
    static Tensor forward(AutogradContext *ctx, const Tensor &hidden, const Tensor &head,
                          const Tensor &targets)
    {
        HeadLossResult r = headLoss(hidden, head, targets, true);
        ctx->save_for_backward({r.ghidden, r.ghead});
        return torch::full({}, r.loss, hidden.options());
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const Tensor g = grads[0];
        return {saved[0] * g, saved[1] * g, Tensor()};
    }
};

bool canFuse(const Tensor &t)
{
    return t.device().is_cpu() && t.scalar_type() == torch::kFloat;
}

} // namespace

// ---- the model -----------------------------------------------------------------------------------

GptImpl::GptImpl(const GptOptions &options) : m_options(options)
{
    build({});
    initialize(options.seed);
}

GptImpl::GptImpl(const GptOptions &options, const Tensor &sharedParams) : m_options(options)
{
    build(sharedParams);
}

void GptImpl::build(const Tensor &sharedParams)
{
    const GptOptions &options = m_options;
    const ModelShape &s = options.shape;
    if (s.d_model <= 0 || s.n_layers <= 0 || s.n_heads <= 0 || s.d_model % s.n_heads != 0 ||
        (s.d_model / s.n_heads) % 2 != 0 || s.d_ff <= 0 || s.vocab_size <= 1 || s.seq_len <= 0)
        throw InputError(QStringLiteral("model shape d_model=%1 n_layers=%2 n_heads=%3 d_ff=%4 vocab=%5: "
                                        "not a valid GPT (heads must split d_model into even head widths)")
                             .arg(s.d_model).arg(s.n_layers).arg(s.n_heads).arg(s.d_ff).arg(s.vocab_size));
    const std::int64_t d = s.d_model, f = s.d_ff, v = s.vocab_size;
    const bool umup = options.parametrization == Parametrization::UMuP;

    // Parameters in optimizer-group order, so each group is one contiguous range.
    struct Entry {
        std::string name;
        std::vector<std::int64_t> shape;
        int group;
        Tensor *slot;
    };
    enum { Embedding, Gains, HiddenD, HiddenF, Head, GroupCount };
    m_blocks.resize(std::size_t(s.n_layers));
    std::vector<Entry> entries;
    entries.push_back({"embedding", {v, d}, Embedding, &m_embedding});
    for (int l = 0; l < s.n_layers; ++l) {
        Block &b = m_blocks[std::size_t(l)];
        const std::string p = "block" + std::to_string(l) + "_";
        entries.push_back({p + "norm1", {d}, Gains, &b.norm1});
        entries.push_back({p + "qkv", {3 * d, d}, HiddenD, &b.qkv});
        entries.push_back({p + "out", {d, d}, HiddenD, &b.out});
        entries.push_back({p + "norm2", {d}, Gains, &b.norm2});
        entries.push_back({p + "gate_up", {2 * f, d}, HiddenD, &b.gateUp});
        entries.push_back({p + "down", {d, f}, HiddenF, &b.down});
    }
    entries.push_back({"final_norm", {d}, Gains, &m_finalNorm});
    entries.push_back({"head", {v, d}, Head, &m_head});
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry &a, const Entry &b) { return a.group < b.group; });

    std::int64_t total = 0;
    for (const Entry &e : entries) {
        std::int64_t n = 1;
        for (std::int64_t x : e.shape)
            n *= x;
        total += n;
    }
    const auto opts = torch::TensorOptions().dtype(torch::kFloat).device(options.device);
    if (sharedParams.defined() && (sharedParams.numel() != total || sharedParams.device() != options.device))
        throw InputError(QStringLiteral("a lane of a GPT with %1 parameters cannot share a buffer of %2")
                             .arg(total).arg(sharedParams.numel()));
    m_flat = sharedParams.defined() ? sharedParams : torch::zeros({total}, opts);
    m_flatGrad = torch::zeros({total}, opts);
    const double base = std::max(1, options.baseWidth);
    const char *groupNames[GroupCount] = {"embedding", "gains", "hidden", "hidden_ff", "head"};
    std::int64_t offset = 0;
    int currentGroup = -1;
    for (const Entry &e : entries) {
        std::int64_t n = 1;
        for (std::int64_t x : e.shape)
            n *= x;
        if (e.group != currentGroup) {
            ParamGroup g;
            g.name = groupNames[e.group];
            g.offset = offset;
            const double fanIn = e.group == HiddenF ? double(f) : double(d);
            const bool matrix = e.group != Gains;
            // u-muP with Adam: a matrix's update size should not grow with its fan-in, so its lr
            // scales as base/fan_in; decoupled weight decay is applied as lr·wd, so wd scales the
            // other way and the decay time-scale stays width-independent. The embedding (fan-in 1)
            // and the gains keep the base lr.
            if (umup && (e.group == HiddenD || e.group == HiddenF || e.group == Head)) {
                g.lrScale = base / fanIn;
                g.weightDecayScale = fanIn / base;
            }
            if (!matrix)
                g.weightDecayScale = 0;
            m_groups.push_back(g);
            currentGroup = e.group;
        }
        m_groups.back().count += n;
        Tensor p = m_flat.narrow(0, offset, n).view(e.shape);
        *e.slot = register_parameter(e.name, p, true);
        e.slot->mutable_grad() = m_flatGrad.narrow(0, offset, n).view(e.shape);
        offset += n;
    }

    // Rotary tables for positions 0..seq_len-1.
    const std::int64_t headDim = d / s.n_heads, half = headDim / 2;
    Tensor inv = torch::pow(10000.0, -torch::arange(0, half, torch::kFloat) * 2.0 / double(headDim));
    Tensor angles = torch::outer(torch::arange(s.seq_len, torch::kFloat), inv);
    m_cos = angles.cos().to(options.device);
    m_sin = angles.sin().to(options.device);
}

void GptImpl::initialize(std::uint64_t seed)
{
    torch::NoGradGuard noGrad;
    const ModelShape &s = m_options.shape;
    const bool umup = m_options.parametrization == Parametrization::UMuP;
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + 0x5DEECE66Dull);
    auto fill = [&](Tensor &t, double stdev) {
        std::normal_distribution<float> gauss(0.0f, float(stdev));
        Tensor cpu = torch::empty(t.sizes(), torch::kFloat);
        float *p = cpu.data_ptr<float>();
        for (std::int64_t i = 0; i < cpu.numel(); ++i)
            p[i] = gauss(rng);
        t.copy_(cpu);
    };
    const double d = s.d_model, f = s.d_ff;
    const double residualStd = 0.02 / std::sqrt(2.0 * s.n_layers);
    fill(m_embedding, umup ? m_options.baseStd : 0.02);
    for (Block &b : m_blocks) {
        b.norm1.fill_(1.0);
        b.norm2.fill_(1.0);
        fill(b.qkv, umup ? m_options.baseStd / std::sqrt(d) : 0.02);
        fill(b.out, umup ? m_options.baseStd / std::sqrt(d) : residualStd);
        fill(b.gateUp, umup ? m_options.baseStd / std::sqrt(d) : 0.02);
        fill(b.down, umup ? m_options.baseStd / std::sqrt(f) : residualStd);
    }
    m_finalNorm.fill_(1.0);
    m_head.zero_();
}

void GptImpl::zeroGrad()
{
    m_flatGrad.zero_();
}

Tensor GptImpl::hidden(const Tensor &inputs)
{
    const ModelShape &s = m_options.shape;
    const std::int64_t batch = inputs.size(0), seq = inputs.size(1);
    if (seq > s.seq_len)
        throw InputError(QStringLiteral("a sequence of %1 tokens is longer than the model's context of %2")
                             .arg(seq).arg(s.seq_len));
    const std::int64_t d = s.d_model, heads = s.n_heads, headDim = d / heads;
    const bool fused = m_fused && canFuse(m_flat);
    const Tensor cosT = m_cos.narrow(0, 0, seq), sinT = m_sin.narrow(0, 0, seq);

    Tensor x = torch::embedding(m_embedding, inputs.reshape({-1}));
    for (const Block &b : m_blocks) {
        Tensor attnOut;
        if (fused) {
            Tensor h = RmsNormFunction::apply(x, b.norm1);
            Tensor qkv = torch::mm(h, b.qkv.t());
            const variable_list qkvHeads = RopeSplitFunction::apply(qkv, cosT, sinT, batch, heads);
            attnOut = CausalAttentionFunction::apply(qkvHeads[0], qkvHeads[1], qkvHeads[2]);
        } else {
            Tensor h = rmsNormComposite(x, b.norm1);
            Tensor qkv = torch::mm(h, b.qkv.t()).view({batch, seq, 3, heads, headDim});
            Tensor q = qkv.select(2, 0).transpose(1, 2);
            Tensor k = qkv.select(2, 1).transpose(1, 2);
            Tensor v = qkv.select(2, 2).transpose(1, 2);
            attnOut = attentionComposite(rotateComposite(q, cosT, sinT), rotateComposite(k, cosT, sinT), v);
        }
        attnOut = attnOut.reshape({batch, heads, seq, headDim}).permute({0, 2, 1, 3}).reshape({batch * seq, d});
        x = torch::addmm(x, attnOut, b.out.t());
        Tensor h2 = fused ? RmsNormFunction::apply(x, b.norm2) : rmsNormComposite(x, b.norm2);
        Tensor gateUp = torch::mm(h2, b.gateUp.t());
        Tensor act = fused ? SwiGluFunction::apply(gateUp) : swigluComposite(gateUp);
        x = torch::addmm(x, act, b.down.t());
    }
    return fused ? RmsNormFunction::apply(x, m_finalNorm) : rmsNormComposite(x, m_finalNorm);
}

Tensor GptImpl::loss(const Tensor &inputs, const Tensor &targets)
{
    Tensor h = hidden(inputs);
    if (m_fused && canFuse(m_flat)) {
        if (torch::GradMode::is_enabled())
            return HeadLossFunction::apply(h, m_head, targets.reshape({-1}));
        return torch::full({}, headLoss(h, m_head, targets.reshape({-1}), false).loss, h.options());
    }
    return torch::nn::functional::cross_entropy(torch::mm(h, m_head.t()), targets.reshape({-1}));
}

Tensor GptImpl::logits(const Tensor &inputs)
{
    Tensor h = hidden(inputs);
    return torch::mm(h, m_head.t()).view({inputs.size(0), inputs.size(1), -1});
}

} // namespace flopsfit
