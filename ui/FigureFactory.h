#pragma once
#include "fit/StudyAnalysis.h"

#include <QColor>
#include <QList>
#include <QString>

class QChart;
class QPalette;

namespace flopsfit::ui {

enum class FigureStyle { Paper, Notebook };
FigureStyle parseFigureStyle(const QString &name);

// A colour per compute budget, from dark blue (smallest) to yellow (largest).
QColor budgetColor(int index, int count);

// The charts a study's analysis is drawn with. The GUI shows these same charts and the
// exporter renders them, so a figure on screen and on paper come from one code path.
// The caller owns the returned charts.
QChart *makeIsoFlopChart(const StudyAnalysis &analysis, FigureStyle style);
// N_opt, D_opt, L_opt against C: approach 2's optima and laws, approach 3's frontier, and their
// bootstrap interval bands when the analysis has them.
QList<QChart *> makeScalingCharts(const StudyAnalysis &analysis, FigureStyle style);
QChart *makeTokensPerParamChart(const StudyAnalysis &analysis, FigureStyle style);
// Approach 3: contours of L over (N, D), the compute-optimal frontier and the runs.
// Needs analysis.haveParametric.
QChart *makeParametricChart(const StudyAnalysis &analysis, FigureStyle style);

void applyStyle(QChart *chart, FigureStyle style);

// On screen: draws a chart's background, text and grid in the widget palette (so dark mode
// works) and keeps the series' colours. Exported figures keep their style's white paper.
void followPalette(QChart *chart, const QPalette &palette);

} // namespace flopsfit::ui
