#pragma once
#include <QString>
#include <QStringList>

namespace flopsfit {

// Folders searched for shipped presets, in order: $FLOPSFIT_PRESETS, the installed
// share/flopsfit/presets next to the running program, and the source tree's presets/ (for a
// build that is run from its build folder).
QStringList presetSearchDirs();

// The names of the shipped presets ("cpu_fast", "demo", …) found in presetSearchDirs(), sorted,
// each name once (the first folder wins).
QStringList shippedPresetNames();

// A preset is a file path, or the name of a shipped preset ("demo", "cpu_fast"). Throws
// InputError when a name matches no shipped preset.
QString resolvePreset(const QString &preset);

} // namespace flopsfit
