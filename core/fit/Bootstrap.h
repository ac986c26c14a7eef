#pragma once
#include "fit/ParametricFit.h"

#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

#include <cmath>
#include <functional>

namespace flopsfit {

struct BootstrapOptions {
    int samples = 0;        // refits; 0 turns the bootstrap off
    quint64 seed = 1;       // sample i draws from a generator seeded by (seed, i): threads do not change results
    int threads = 0;        // 0: all cores
    double level = 0.95;    // central percentile interval
    std::function<bool()> cancelled;
};

// A percentile interval of one quantity over the bootstrap refits.
struct Interval {
    double lo = std::nan(""), hi = std::nan(""), median = std::nan("");
    int samples = 0;
    bool valid() const { return samples > 0 && std::isfinite(lo) && std::isfinite(hi); }
    QJsonObject toJson() const;
};

// Percentiles (1−level)/2 and (1+level)/2 by linear interpolation between order statistics;
// non-finite values are dropped.
Interval percentileInterval(QVector<double> values, double level);

struct BootstrapResult {
    int requested = 0;
    int succeeded = 0;        // refits that produced every quantity; the others are counted out
    double level = 0.95;
    quint64 seed = 1;
    QMap<QString, Interval> intervals;
    QStringList warnings;

    Interval interval(const QString &name) const { return intervals.value(name); }
    QJsonObject toJson() const;
};
using ParametricBootstrap = BootstrapResult;

// Named quantities one refit produces; an empty map marks a refit that failed.
using Refit = std::function<QMap<QString, double>(const QVector<int> &sample)>;

// Resamples point indices with replacement within each group (pass one group per compute budget,
// so every resample keeps the IsoFLOP structure; all zeros for plain resampling), refits each
// sample in parallel and returns percentile intervals of every quantity.
BootstrapResult bootstrap(const QVector<int> &groups, const Refit &refit, const BootstrapOptions &options);

// Approach 3 alone: refits start from the fit's best distinct optima (not the full grid) and give
// intervals for E, A, B, alpha, beta, a, b and, per target budget C, N_opt@C, D_opt@C, L_opt@C.
BootstrapResult bootstrapParametric(const QVector<ParametricObservation> &points, const ParametricFitReport &fit,
                                    const ParametricFitOptions &fitOptions, const BootstrapOptions &options,
                                    const QVector<double> &targets = {}, const QVector<int> &groups = {});

// Adds the named law quantities of one parametric fit to `out` (used by every refit chain).
void addParametricQuantities(const ParametricLaw &law, const QVector<double> &targets, QMap<QString, double> *out,
                             const QString &prefix = QString());
QString targetKey(const QString &what, double flops);

} // namespace flopsfit
