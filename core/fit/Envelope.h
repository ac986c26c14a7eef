#pragma once
#include "fit/PowerLaw.h"

#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

namespace flopsfit {

// One run's training curve: loss against FLOPs spent so far (runs/<id>/metrics.jsonl).
struct TrainingCurve {
    QString id;
    double params = 0;
    QVector<double> flops, loss; // increasing flops
};

// Reads `flops` and `loss` from a metrics.jsonl; non-finite or non-positive lines are skipped.
TrainingCurve readTrainingCurve(const QString &metricsPath, const QString &id, double params);

struct EnvelopePoint {
    double flops = 0;
    double loss = 0;      // the lowest loss any run reached at these FLOPs
    QString runId;        // the run on the envelope
    double params = 0;    // its N; D = C / (6N)
};

// Chinchilla approach 1: the envelope of the training curves at log-spaced FLOP levels, and the
// power laws N_opt(C), D_opt(C), L_opt(C) fitted on its points.
struct EnvelopeReport {
    QVector<EnvelopePoint> points;
    PowerLawFit nOpt, dOpt, lossOpt;
    bool fitted = false;
    QStringList warnings;
    QJsonObject toJson() const;
};

// `levels` FLOP values log-spaced from the smallest to the largest final FLOPs of the curves.
// Between logged points a curve is interpolated linearly in (ln FLOPs, loss); a run counts at a
// level only within the FLOPs it logged. The first `skipFraction` of each curve (warm-up) is
// ignored. Needs at least two runs with curves; fewer, or fewer than three distinct winners,
// leaves `fitted` false with a warning.
EnvelopeReport fitEnvelope(const QVector<TrainingCurve> &curves, int levels = 30, double skipFraction = 0.1);

} // namespace flopsfit
