#include "fit/Envelope.h"

#include "store/StudyFiles.h"

#include <QJsonArray>
#include <QSet>

#include <cmath>
#include <limits>

namespace flopsfit {

TrainingCurve readTrainingCurve(const QString &metricsPath, const QString &id, double params)
{
    TrainingCurve curve;
    curve.id = id;
    curve.params = params;
    const JsonLines lines = readJsonLines(metricsPath);
    for (const QJsonObject &o : lines.records) {
        const double f = o.value(QStringLiteral("flops")).toDouble(std::nan(""));
        const double l = o.value(QStringLiteral("loss")).toDouble(std::nan(""));
        if (!(f > 0) || !(l > 0) || !std::isfinite(f) || !std::isfinite(l))
            continue;
        if (!curve.flops.isEmpty() && f <= curve.flops.last())
            continue;
        curve.flops.append(f);
        curve.loss.append(l);
    }
    return curve;
}

QJsonObject EnvelopeReport::toJson() const
{
    QJsonArray pts;
    for (const EnvelopePoint &p : points)
        pts.append(QJsonObject{{QStringLiteral("flops"), p.flops}, {QStringLiteral("loss"), p.loss},
                               {QStringLiteral("run"), p.runId}, {QStringLiteral("params"), p.params}});
    QJsonObject o{{QStringLiteral("approach"), QStringLiteral("envelope")},
                  {QStringLiteral("fitted"), fitted},
                  {QStringLiteral("points"), pts},
                  {QStringLiteral("warnings"), QJsonArray::fromStringList(warnings)}};
    if (fitted) {
        o.insert(QStringLiteral("n_opt"), nOpt.toJson());
        o.insert(QStringLiteral("d_opt"), dOpt.toJson());
        o.insert(QStringLiteral("l_opt"), lossOpt.toJson());
    }
    return o;
}

EnvelopeReport fitEnvelope(const QVector<TrainingCurve> &input, int levels, double skipFraction)
{
    EnvelopeReport report;
    QVector<TrainingCurve> curves;
    double lo = std::numeric_limits<double>::infinity(), hi = 0;
    for (const TrainingCurve &c : input) {
        if (c.flops.size() < 2 || !(c.params > 0))
            continue;
        TrainingCurve kept = c;
        const int skip = int(std::floor(skipFraction * c.flops.size()));
        kept.flops = c.flops.mid(skip);
        kept.loss = c.loss.mid(skip);
        if (kept.flops.size() < 2)
            continue;
        lo = std::min(lo, kept.flops.last());
        hi = std::max(hi, kept.flops.last());
        curves.append(kept);
    }
    if (curves.size() < 2 || !(hi > lo)) {
        report.warnings.append(QStringLiteral("envelope: needs training curves (metrics.jsonl) of at least two runs with different compute"));
        return report;
    }
    QSet<QString> winners;
    for (int k = 0; k < levels; ++k) {
        const double c = std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * k / std::max(1, levels - 1));
        EnvelopePoint best;
        best.loss = std::numeric_limits<double>::infinity();
        for (const TrainingCurve &curve : curves) {
            if (c < curve.flops.first() * (1 - 1e-12) || c > curve.flops.last() * (1 + 1e-12))
                continue;
            int j = 1;
            while (j < curve.flops.size() - 1 && curve.flops[j] < c)
                ++j;
            const double x0 = std::log(curve.flops[j - 1]), x1 = std::log(curve.flops[j]);
            const double t = x1 > x0 ? std::clamp((std::log(c) - x0) / (x1 - x0), 0.0, 1.0) : 1.0;
            const double l = curve.loss[j - 1] + t * (curve.loss[j] - curve.loss[j - 1]);
            if (l < best.loss) {
                best = {c, l, curve.id, curve.params};
            }
        }
        if (std::isfinite(best.loss)) {
            report.points.append(best);
            winners.insert(best.runId);
        }
    }
    if (winners.size() < 3) {
        report.warnings.append(QStringLiteral("envelope: only %1 distinct run(s) on the envelope; no power law fitted").arg(winners.size()));
        return report;
    }
    QVector<double> c, n, d, l;
    for (const EnvelopePoint &p : report.points) {
        c.append(p.flops);
        n.append(p.params);
        d.append(p.flops / (6 * p.params));
        l.append(p.loss);
    }
    report.nOpt = fitPowerLaw(c, n);
    report.dOpt = fitPowerLaw(c, d);
    report.lossOpt = fitPowerLaw(c, l);
    report.fitted = true;
    return report;
}

} // namespace flopsfit
