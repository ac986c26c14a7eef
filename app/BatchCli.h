#pragma once
#include <QStringList>

namespace flopsfit {

// `flopsfit --batch <command> …`: plan, train, analyze, export, all.
// Returns the process exit status: 0 success, 1 runs failed, 2 bad input, 130 cancelled.
int runBatch(const QStringList &arguments);

} // namespace flopsfit
