#include "plan/Presets.h"

#include "util/Error.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace flopsfit {

QStringList presetSearchDirs()
{
    QStringList dirs;
    if (!qEnvironmentVariableIsEmpty("FLOPSFIT_PRESETS"))
        dirs.append(qEnvironmentVariable("FLOPSFIT_PRESETS"));
    if (QCoreApplication::instance())
        dirs.append(QDir::cleanPath(QCoreApplication::applicationDirPath() + QStringLiteral("/../share/flopsfit/presets")));
    dirs.append(QStringLiteral(FLOPSFIT_SOURCE_PRESETS));
    return dirs;
}

QStringList shippedPresetNames()
{
    QStringList names;
    for (const QString &dir : presetSearchDirs()) {
        const QFileInfoList files = QDir(dir).entryInfoList({QStringLiteral("*.jsonc")}, QDir::Files, QDir::Name);
        for (const QFileInfo &file : files) {
            if (!names.contains(file.completeBaseName()))
                names.append(file.completeBaseName());
        }
    }
    names.sort();
    return names;
}

QString resolvePreset(const QString &preset)
{
    if (QFileInfo::exists(preset) || preset.contains(QLatin1Char('/')) || preset.endsWith(QLatin1String(".jsonc")))
        return preset;
    const QStringList dirs = presetSearchDirs();
    for (const QString &dir : dirs) {
        const QString path = QDir(dir).filePath(preset + QStringLiteral(".jsonc"));
        if (QFileInfo::exists(path))
            return path;
    }
    throw InputError(QStringLiteral("preset '%1': no such file, and no shipped preset of that name in %2")
                         .arg(preset, dirs.join(QStringLiteral(", "))));
}

} // namespace flopsfit
