#pragma once
#include <QJsonObject>
#include <QString>

namespace flopsfit {

// How compute is counted. C = flopsPerToken(shape) * D for every model.
enum class FlopsModel {
    SixNDNonEmbedding, // 6·N·D, N = parameters outside the vocabulary matrices (Kaplan et al.)
    SixNDTotal,        // 6·N·D, N = every parameter, embedding and output head included
    SixNDAttention,    // (6·N + 6·n_layers·seq_len·d_model)·D, N = every matrix applied per token
                       // (all but the input embedding lookup), plus the attention score products
};

QString flopsModelName(FlopsModel model);
// Throws InputError on an unknown name; `origin` names where it came from.
FlopsModel parseFlopsModel(const QString &name, const QString &origin);

// A decoder-only GPT: token embedding, n_layers pre-norm blocks (RMSNorm, attention with a fused
// QKV and an output projection, SwiGLU with three d_model×d_ff matrices), a final RMSNorm and an
// untied output head. No biases.
struct ModelShape {
    int d_model = 0;
    int n_layers = 0;
    int n_heads = 0;
    int d_ff = 0;
    int vocab_size = 0;
    int seq_len = 0;

    // 4·d² (attention) + 3·d·d_ff (SwiGLU) + 2·d (two norms) per block, plus the final norm.
    double nonEmbeddingParams() const;
    double embeddingParams() const { return double(vocab_size) * d_model; }
    double outputHeadParams() const { return double(vocab_size) * d_model; }
    double totalParams() const;

    // N as counted by `model` (the N that the fits use).
    double params(FlopsModel model) const;
    double flopsPerToken(FlopsModel model) const;

    QJsonObject toJson() const;
    static ModelShape fromJson(const QJsonObject &o);
    bool operator==(const ModelShape &o) const;
};

// The aspect-ratio rule: among shapes with d_model a multiple of `round_to` (≥ round_to) and
// 1..max_layers layers, pick the one minimising
//     |ln(N_shape / N_target)| + 0.1 · |ln((d_model / n_layers) / aspect_ratio)|,
// i.e. the closest size, with ties broken towards d_model ≈ aspect_ratio · n_layers.
// n_heads = d_model / head_dim, d_ff = ffn_mult · d_model.
struct ShapeRule {
    double aspect_ratio = 64;
    int head_dim = 64;
    int round_to = 64;
    double ffn_mult = 4;
    int max_layers = 96;
    int vocab_size = 4096;
    int seq_len = 256;
};

ModelShape solveModelShape(double targetParams, const ShapeRule &rule, FlopsModel model);

} // namespace flopsfit
