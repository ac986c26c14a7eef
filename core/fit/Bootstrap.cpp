#include "fit/Bootstrap.h"

#include <QJsonArray>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <thread>

namespace flopsfit {

QJsonObject Interval::toJson() const
{
    return {{QStringLiteral("lo"), lo}, {QStringLiteral("hi"), hi}, {QStringLiteral("median"), median},
            {QStringLiteral("samples"), samples}};
}

Interval percentileInterval(QVector<double> values, double level)
{
    values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
    Interval out;
    out.samples = int(values.size());
    if (values.isEmpty())
        return out;
    std::sort(values.begin(), values.end());
    const auto at = [&](double q) {
        const double pos = q * (values.size() - 1);
        const int i = int(std::floor(pos));
        const int j = std::min(i + 1, int(values.size()) - 1);
        return values[i] + (pos - i) * (values[j] - values[i]);
    };
    out.lo = at((1 - level) / 2);
    out.hi = at((1 + level) / 2);
    out.median = at(0.5);
    return out;
}

QJsonObject BootstrapResult::toJson() const
{
    QJsonObject iv;
    for (auto it = intervals.begin(); it != intervals.end(); ++it)
        iv.insert(it.key(), it.value().toJson());
    return {{QStringLiteral("method"), QStringLiteral("percentile, resampling runs with replacement within each budget")},
            {QStringLiteral("requested"), requested},
            {QStringLiteral("succeeded"), succeeded},
            {QStringLiteral("level"), level},
            {QStringLiteral("seed"), QString::number(seed)},
            {QStringLiteral("intervals"), iv},
            {QStringLiteral("warnings"), QJsonArray::fromStringList(warnings)}};
}

static quint64 splitmix(quint64 x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

BootstrapResult bootstrap(const QVector<int> &groups, const Refit &refit, const BootstrapOptions &options)
{
    BootstrapResult result;
    result.requested = options.samples;
    result.level = options.level;
    result.seed = options.seed;
    if (options.samples <= 0 || groups.isEmpty())
        return result;
    QMap<int, QVector<int>> members;
    for (int i = 0; i < groups.size(); ++i)
        members[groups[i]].append(i);

    std::vector<QMap<QString, double>> samples(size_t(options.samples));
    std::atomic<int> next{0};
    const auto worker = [&] {
        for (int s = next.fetch_add(1); s < options.samples; s = next.fetch_add(1)) {
            if (options.cancelled && options.cancelled())
                return;
            std::mt19937_64 rng(splitmix(options.seed * 0x100000001B3ull + quint64(s)));
            QVector<int> sample;
            sample.reserve(groups.size());
            for (const QVector<int> &m : members) {
                std::uniform_int_distribution<int> pick(0, int(m.size()) - 1);
                for (int k = 0; k < m.size(); ++k)
                    sample.append(m[pick(rng)]);
            }
            try {
                samples[size_t(s)] = refit(sample);
            } catch (const std::exception &) {
                samples[size_t(s)].clear(); // a degenerate resample: counted out
            }
        }
    };
    int threads = options.threads > 0 ? options.threads : QThread::idealThreadCount();
    threads = std::max(1, std::min(threads, options.samples));
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t)
        pool.emplace_back(worker);
    worker();
    for (std::thread &t : pool)
        t.join();

    QMap<QString, QVector<double>> values;
    for (const auto &s : samples) {
        if (s.isEmpty())
            continue;
        ++result.succeeded;
        for (auto it = s.begin(); it != s.end(); ++it)
            values[it.key()].append(it.value());
    }
    for (auto it = values.begin(); it != values.end(); ++it)
        result.intervals.insert(it.key(), percentileInterval(it.value(), options.level));
    if (result.succeeded < result.requested)
        result.warnings.append(QStringLiteral("bootstrap: %1 of %2 refits failed and were left out")
                                   .arg(result.requested - result.succeeded)
                                   .arg(result.requested));
    return result;
}

QString targetKey(const QString &what, double flops)
{
    return QStringLiteral("%1@%2").arg(what).arg(flops, 0, 'g', 4);
}

void addParametricQuantities(const ParametricLaw &law, const QVector<double> &targets, QMap<QString, double> *out,
                             const QString &prefix)
{
    out->insert(prefix + QStringLiteral("E"), law.E);
    out->insert(prefix + QStringLiteral("A"), law.A);
    out->insert(prefix + QStringLiteral("B"), law.B);
    out->insert(prefix + QStringLiteral("alpha"), law.alpha);
    out->insert(prefix + QStringLiteral("beta"), law.beta);
    out->insert(prefix + QStringLiteral("a"), law.exponentA());
    out->insert(prefix + QStringLiteral("b"), law.exponentB());
    for (double c : targets) {
        out->insert(prefix + targetKey(QStringLiteral("N_opt"), c), law.optimalParams(c));
        out->insert(prefix + targetKey(QStringLiteral("D_opt"), c), law.optimalTokens(c));
        out->insert(prefix + targetKey(QStringLiteral("L_opt"), c), law.optimalLoss(c));
    }
}

BootstrapResult bootstrapParametric(const QVector<ParametricObservation> &points, const ParametricFitReport &fit,
                                    const ParametricFitOptions &fitOptions, const BootstrapOptions &options,
                                    const QVector<double> &targets, const QVector<int> &groups)
{
    ParametricFitOptions refitOptions = fitOptions;
    refitOptions.starts = fit.bestEnds.isEmpty() ? QVector<ParametricVector>{fit.vector} : fit.bestEnds;
    refitOptions.threads = 1;
    refitOptions.polish = false;
    refitOptions.startTolerance = 1e-10;
    const Refit refit = [&](const QVector<int> &sample) {
        QVector<ParametricObservation> resampled;
        resampled.reserve(sample.size());
        for (int i : sample)
            resampled.append(points[i]);
        QMap<QString, double> q;
        addParametricQuantities(fitParametric(resampled, refitOptions).law, targets, &q);
        return q;
    };
    return bootstrap(groups.isEmpty() ? QVector<int>(points.size(), 0) : groups, refit, options);
}

} // namespace flopsfit
