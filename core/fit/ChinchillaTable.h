#pragma once
#include "fit/StudyAnalysis.h"

#include <QString>
#include <QVector>

namespace flopsfit {

enum class TableFormat { Text, Csv, Markdown, Latex };
// "text", "csv", "md" (or "markdown"), "latex"; throws InputError otherwise.
TableFormat parseTableFormat(const QString &name);

struct TableRow {
    double flops = 0;
    QString approach;                 // isoflop / empirical, parametric, envelope
    double params = 0, tokens = 0, loss = 0;
    Interval paramsInterval, tokensInterval, lossInterval; // when bootstrapped
};

// The Chinchilla-style table: for each target budget, the optimal N, D (and D/N) and loss by
// every approach that was fitted, with bootstrap intervals where there are any.
QVector<TableRow> chinchillaRows(const StudyAnalysis &analysis, const QVector<double> &targets);
QString chinchillaTable(const StudyAnalysis &analysis, const QVector<double> &targets, TableFormat format);

} // namespace flopsfit
