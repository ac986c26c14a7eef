#include "plan/ModelShape.h"

#include "util/Error.h"

#include <cmath>
#include <limits>

namespace flopsfit {

QString flopsModelName(FlopsModel model)
{
    switch (model) {
    case FlopsModel::SixNDNonEmbedding: return QStringLiteral("6nd_nonembedding");
    case FlopsModel::SixNDTotal: return QStringLiteral("6nd_total");
    case FlopsModel::SixNDAttention: return QStringLiteral("6nd_attention");
    }
    return {};
}

FlopsModel parseFlopsModel(const QString &name, const QString &origin)
{
    for (FlopsModel m : {FlopsModel::SixNDNonEmbedding, FlopsModel::SixNDTotal,
                         FlopsModel::SixNDAttention}) {
        if (flopsModelName(m) == name)
            return m;
    }
    throw InputError(QStringLiteral("%1: flops_model '%2' is not one of 6nd_nonembedding, "
                                    "6nd_total, 6nd_attention")
                         .arg(origin, name));
}

double ModelShape::nonEmbeddingParams() const
{
    const double d = d_model;
    const double perBlock = 4.0 * d * d + 3.0 * d * d_ff + 2.0 * d;
    return n_layers * perBlock + d;
}

double ModelShape::totalParams() const
{
    return nonEmbeddingParams() + embeddingParams() + outputHeadParams();
}

double ModelShape::params(FlopsModel model) const
{
    switch (model) {
    case FlopsModel::SixNDNonEmbedding: return nonEmbeddingParams();
    case FlopsModel::SixNDTotal: return totalParams();
    case FlopsModel::SixNDAttention: return nonEmbeddingParams() + outputHeadParams();
    }
    return 0;
}

double ModelShape::flopsPerToken(FlopsModel model) const
{
    double f = 6.0 * params(model);
    if (model == FlopsModel::SixNDAttention)
        f += 6.0 * n_layers * double(seq_len) * d_model;
    return f;
}

QJsonObject ModelShape::toJson() const
{
    return {{QStringLiteral("d_model"), d_model},       {QStringLiteral("n_layers"), n_layers},
            {QStringLiteral("n_heads"), n_heads},       {QStringLiteral("d_ff"), d_ff},
            {QStringLiteral("vocab_size"), vocab_size}, {QStringLiteral("seq_len"), seq_len}};
}

ModelShape ModelShape::fromJson(const QJsonObject &o)
{
    ModelShape s;
    s.d_model = o.value(QStringLiteral("d_model")).toInt();
    s.n_layers = o.value(QStringLiteral("n_layers")).toInt();
    s.n_heads = o.value(QStringLiteral("n_heads")).toInt();
    s.d_ff = o.value(QStringLiteral("d_ff")).toInt();
    s.vocab_size = o.value(QStringLiteral("vocab_size")).toInt();
    s.seq_len = o.value(QStringLiteral("seq_len")).toInt();
    return s;
}

bool ModelShape::operator==(const ModelShape &o) const
{
    return d_model == o.d_model && n_layers == o.n_layers && n_heads == o.n_heads &&
           d_ff == o.d_ff && vocab_size == o.vocab_size && seq_len == o.seq_len;
}

ModelShape solveModelShape(double targetParams, const ShapeRule &rule, FlopsModel model)
{
    ModelShape best;
    double bestScore = std::numeric_limits<double>::infinity();
    const double perD2 = 4.0 + 3.0 * rule.ffn_mult; // params per block ≈ perD2 · d²
    for (int layers = 1; layers <= rule.max_layers; ++layers) {
        const double dGuess = std::sqrt(std::max(targetParams, 1.0) / (layers * perD2));
        const int lower = std::max(1, int(std::floor(dGuess / rule.round_to)));
        for (int m : {lower, lower + 1}) {
            ModelShape s;
            s.d_model = m * rule.round_to;
            s.n_layers = layers;
            s.n_heads = std::max(1, s.d_model / rule.head_dim);
            s.d_ff = int(std::lround(rule.ffn_mult * s.d_model));
            s.vocab_size = rule.vocab_size;
            s.seq_len = rule.seq_len;
            const double n = s.params(model);
            const double score =
                std::abs(std::log(n / targetParams)) +
                0.1 * std::abs(std::log(double(s.d_model) / layers / rule.aspect_ratio));
            if (score < bestScore) {
                bestScore = score;
                best = s;
            }
        }
    }
    return best;
}

} // namespace flopsfit
