#pragma once
#include "FigureFactory.h"

#include <QList>
#include <QSize>
#include <QString>
#include <QStringList>

class QChart;

namespace flopsfit::ui {

struct ExportOptions {
    QStringList formats{QStringLiteral("png"), QStringLiteral("svg")}; // png, svg, pdf
    FigureStyle style = FigureStyle::Paper;
    int dpi = 150;               // PNG resolution
    QSize panelSize{640, 480};   // one chart, in points at 96 dpi
};

// Renders charts side by side (one row) to `path`; the format follows the suffix
// (.png, .svg, .pdf). Works under the offscreen platform. Throws InputError when the file
// cannot be written.
void renderCharts(const QList<QChart *> &charts, const QString &path, const ExportOptions &options);

// Renders every figure of a study to <study>/figures/ and returns the files written:
// isoflop, scaling (N_opt, D_opt, L_opt panels), tokens_per_param and, when approach 3 was
// fitted, parametric (contours of L over (N, D) with the compute-optimal frontier), in each format.
QStringList exportStudyFigures(const QString &studyDir, const StudyAnalysis &analysis,
                               const ExportOptions &options);

} // namespace flopsfit::ui
