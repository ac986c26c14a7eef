#pragma once
#include "fit/IsoFlopAnalysis.h"

#include <QString>
#include <QStringList>
#include <QVector>

namespace flopsfit {

// Results made elsewhere, as a CSV with a header row. `columns` maps roles to header names:
// "N=<col>,C=<col>,loss=<col>" or with D=<col> instead of (or beside) C; id=<col> and
// weight=<col> (the run's weight in approach 3) are optional.
// The missing one of C and D follows from C = 6·N·D. Runs whose C agree within 5 % (relative to
// the first of the group, in increasing order) share one compute budget, the geometric mean.
struct ResultsCsv {
    QVector<FitPoint> points;
    QStringList errors;   // rows left out for bad values (line numbers named)
    QStringList warnings;
};

// Throws InputError when the file cannot be read, the mapping is malformed, or a named column is
// missing (the message lists the columns the file has).
ResultsCsv readResultsCsv(const QString &path, const QString &columns);

} // namespace flopsfit
