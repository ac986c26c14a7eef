#include "plan/SweepConfig.h"

#include "util/Error.h"
#include "util/Json.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace flopsfit {

// Kept in one literal so the defaults read like a preset. Presets document each key.
static const char kDefaults[] = R"json({
  "schema_version": 1,
  "name": "study",
  "backend": "simulated",
  "compute": { "min_flops": 1e17, "max_flops": 1e21, "budgets": 5 },
  "model": {
    "min_params": 1e6, "max_params": 1e10, "sizes_per_budget": 7,
    "min_tokens_per_param": 1, "max_tokens_per_param": 1000,
    "aspect_ratio": 64, "head_dim": 64, "round_to": 64, "ffn_mult": 4, "max_layers": 96
  },
  "flops_model": "6nd_nonembedding",
  "data": {
    "source": "builtin", "path": "", "vocab_size": 4096, "seq_len": 256,
    "tokenizer": "bpe", "builtin_tokens": 20000000, "val_fraction": 0.02
  },
  "training": {
    "batch_size": 16, "grad_accum": 1, "lr_rule": "constant", "lr": 0.01, "lr_base_width": 128,
    "warmup_frac": 0.05, "min_lr_frac": 0.1, "weight_decay": 0.1, "grad_clip": 1.0,
    "parametrization": "umup", "eval_every": 100, "eval_batches": 8, "checkpoint_every": 200,
    "seeds": [0], "concurrency": 0, "threads": 0, "lanes": 0, "device": "auto"
  },
  "simulated": {
    "E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28,
    "noise": 0.005, "log_points": 100, "step_delay_ms": 0
  },
  "hardware": { "flops_per_second": 2e10 },
  "fit": { "target_flops": 1e24, "approach": "isoflop", "bootstrap": 0, "bootstrap_seed": 1, "outlier_k": 3 }
})json";

QJsonObject defaultSweepConfig()
{
    return parseJsonObject(QByteArray(kDefaults), QStringLiteral("built-in defaults"));
}

static QString typeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Bool: return QStringLiteral("a boolean");
    case QJsonValue::Double: return QStringLiteral("a number");
    case QJsonValue::String: return QStringLiteral("a string");
    case QJsonValue::Array: return QStringLiteral("an array");
    case QJsonValue::Object: return QStringLiteral("an object");
    default: return QStringLiteral("null");
    }
}

void mergeConfig(QJsonObject &base, const QJsonObject &overlay, const QString &origin,
                 const QString &prefix)
{
    for (auto it = overlay.begin(); it != overlay.end(); ++it) {
        const QString key = prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key();
        if (!base.contains(it.key()))
            throw InputError(QStringLiteral("%1: unknown key '%2'").arg(origin, key));
        const QJsonValue current = base.value(it.key());
        const QJsonValue incoming = it.value();
        if (current.type() != incoming.type())
            throw InputError(QStringLiteral("%1: key '%2' must be %3, not %4")
                                 .arg(origin, key, typeName(current), typeName(incoming)));
        if (current.isObject()) {
            QJsonObject child = current.toObject();
            mergeConfig(child, incoming.toObject(), origin, key);
            base.insert(it.key(), child);
        } else {
            base.insert(it.key(), incoming);
        }
    }
}

void applyOverride(QJsonObject &config, const QString &assignment)
{
    const qsizetype eq = assignment.indexOf(QLatin1Char('='));
    if (eq <= 0)
        throw InputError(
            QStringLiteral("override '%1': expected key=value, e.g. compute.min_flops=1e13")
                .arg(assignment));
    const QString key = assignment.left(eq).trimmed();
    const QString text = assignment.mid(eq + 1).trimmed();
    if (!hasPath(config, key))
        throw InputError(QStringLiteral("override '%1': unknown key '%2'").arg(assignment, key));
    const QJsonValue current = valueAtPath(config, key);
    if (current.isObject())
        throw InputError(QStringLiteral("override '%1': '%2' is a section; set one of its keys")
                             .arg(assignment, key));
    // Wrap in an array so scalars ("1e13", "true") parse as JSON too.
    QJsonValue value(text);
    const QJsonDocument doc =
        QJsonDocument::fromJson(QByteArray("[") + text.toUtf8() + QByteArray("]"));
    if (doc.isArray() && doc.array().size() == 1)
        value = doc.array().at(0);
    if (value.type() != current.type())
        throw InputError(QStringLiteral("override '%1': '%2' must be %3")
                             .arg(assignment, key, typeName(current)));
    setPath(config, key, value);
}

QJsonObject loadSweepConfig(const QString &presetPath, const QStringList &overrides)
{
    QJsonObject config = defaultSweepConfig();
    if (!presetPath.isEmpty()) {
        const QJsonObject preset = readJsonObjectFile(presetPath);
        checkSchemaVersion(preset, presetPath);
        mergeConfig(config, preset, presetPath);
    }
    for (const QString &assignment : overrides)
        applyOverride(config, assignment);
    return config;
}

} // namespace flopsfit
