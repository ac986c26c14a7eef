#pragma once
// The GPT trained by the torch backend. Includes torch: never include this from ui/ or app/.
#include "plan/ModelShape.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace flopsfit {

enum class Parametrization {
    UMuP,     // init std = base_std · fan_in^-½, per-group lr and weight decay scaled by width
    Standard, // std 0.02 (residual outputs 0.02 / √(2·n_layers)), one lr and weight decay
};

// Throws InputError for anything but "umup" / "standard"; `origin` names where it came from.
Parametrization parseParametrization(const std::string &name, const std::string &origin);

struct GptOptions {
    ModelShape shape;
    Parametrization parametrization = Parametrization::UMuP;
    double baseStd = 1.0;  // u-muP: std = baseStd / √fan_in
    int baseWidth = 128;   // u-muP: the width at which the hidden matrices take the base lr
    std::uint64_t seed = 0;
    torch::Device device = torch::kCPU;
};

// Parameters sharing one learning-rate and weight-decay multiplier; they lie contiguously in the
// model's flat parameter buffer at [offset, offset + count).
struct ParamGroup {
    std::string name;
    std::int64_t offset = 0;
    std::int64_t count = 0;
    double lrScale = 1;
    double weightDecayScale = 1;
};

// Decoder-only GPT: token embedding, pre-norm blocks (RMSNorm, causal attention with rotary
// position embeddings and a fused QKV projection, SwiGLU with gate and up fused in one matrix),
// final RMSNorm, untied zero-initialised output head, no biases, no dropout. Its parameter count
// is ModelShape::totalParams() exactly.
//
// Every parameter is a view into one flat buffer, and so is every gradient, so that the optimizer
// updates the model in one pass. On CPU the element-wise parts (norms, SwiGLU, rotary embedding,
// causal softmax, cross-entropy) run as fused kernels with hand-written backward passes; on other
// devices they fall back to composite torch operations.
class GptImpl : public torch::nn::Module {
public:
    explicit GptImpl(const GptOptions &options);
    // A data-parallel lane of another model: its parameters are views into `sharedParams` (that
    // model's flatParams()), its gradients are its own. Nothing is initialised.
    GptImpl(const GptOptions &options, const torch::Tensor &sharedParams);

    // Mean next-token cross-entropy of `inputs` → `targets` (both [batch, seq] int64).
    torch::Tensor loss(const torch::Tensor &inputs, const torch::Tensor &targets);
    // Logits [batch, seq, vocab] (for tests and sampling).
    torch::Tensor logits(const torch::Tensor &inputs);

    const GptOptions &options() const { return m_options; }
    const std::vector<ParamGroup> &groups() const { return m_groups; }
    torch::Tensor &flatParams() { return m_flat; }
    torch::Tensor &flatGrads() { return m_flatGrad; }
    std::int64_t parameterCount() const { return m_flat.numel(); }
    // Sets every gradient to zero (one pass over the flat gradient buffer).
    void zeroGrad();
    // Draws the initial weights again from `seed`.
    void initialize(std::uint64_t seed);

    // Composite (unfused) operations everywhere, as on non-CPU devices; for tests.
    void setFused(bool fused) { m_fused = fused; }

private:
    struct Block {
        torch::Tensor norm1, qkv, out, norm2, gateUp, down;
    };
    torch::Tensor hidden(const torch::Tensor &inputs);
    void build(const torch::Tensor &sharedParams);

    GptOptions m_options;
    torch::Tensor m_flat, m_flatGrad;
    torch::Tensor m_embedding, m_finalNorm, m_head;
    std::vector<Block> m_blocks;
    std::vector<ParamGroup> m_groups;
    torch::Tensor m_cos, m_sin; // rotary tables [seq, head_dim / 2]
    bool m_fused = true;
};
TORCH_MODULE(Gpt);

} // namespace flopsfit
