#pragma once
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace flopsfit {

// The sweep configuration as a JSON tree. `defaultSweepConfig()` is the schema: every key a
// preset or a dotted override may set, with its default value and type.
QJsonObject defaultSweepConfig();

// Merges a preset file over the defaults, then applies `key=value` overrides
// ("compute.min_flops=1e13", "training.seeds=[0,1]"). Throws InputError naming the file or the
// key on an unknown key, a type mismatch or a malformed file.
QJsonObject loadSweepConfig(const QString &presetPath, const QStringList &overrides = {});

// Merges `overlay` into `base`; keys absent from `base` are errors (origin names the source).
void mergeConfig(QJsonObject &base, const QJsonObject &overlay, const QString &origin,
                 const QString &prefix = {});

// Applies one `key=value` override. The value is read as JSON when it parses (numbers, true,
// arrays), else as a string.
void applyOverride(QJsonObject &config, const QString &assignment);

} // namespace flopsfit
