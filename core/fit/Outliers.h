#pragma once
#include "fit/IsoFlopAnalysis.h"

#include <QString>
#include <QVector>

namespace flopsfit {

// The outlier rule. Per budget with at least four sizes, a parabola of ln(loss) in ln N is
// fitted; a run is flagged when its residual lies ABOVE the parabola by more than
// k · 1.4826 · MAD (the median absolute deviation of all those residuals, pooled over budgets,
// a robust standard deviation) and by at least `minExcess` in ln(loss) (so a near-noiseless
// study does not flag round-off). Runs below their neighbours are never flagged.
struct OutlierRule {
    double k = 3.0;
    double minExcess = 0.01; // ≈ 1 % of the loss
};

struct OutlierFlag {
    QString id;
    double residual = 0;  // ln(loss) above the parabola
    double threshold = 0; // the ln(loss) excess it was compared with
    QString reason;
};

QVector<OutlierFlag> flagIsoFlopOutliers(const QVector<FitPoint> &points, const OutlierRule &rule = {});

} // namespace flopsfit
