#pragma once
#include "fit/IsoFlopAnalysis.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace flopsfit {

struct StudyAnalysisOptions {
    double targetFlops = 0;    // 0: the plan's fit.target_flops
    OptimumMethod method = OptimumMethod::Parabola;
};

struct StudyAnalysis {
    QVector<FitPoint> used;
    QStringList excluded;  // "id: reason"
    IsoFlopReport isoFlop;
    QStringList warnings;

    QJsonObject toJson() const;
    // The compact summary `flopsfit --batch analyze --json` prints.
    QJsonObject summaryJson() const;
};

// Reads results.jsonl (torn last line ignored and reported), keeps finished runs with a finite
// loss, and fits. Throws InputError on a corrupt results file or too few runs.
StudyAnalysis analyzeStudy(const QString &studyDir, const StudyAnalysisOptions &options);

// Writes analysis.json atomically.
void saveAnalysis(const StudyAnalysis &analysis, const QString &studyDir);

} // namespace flopsfit
