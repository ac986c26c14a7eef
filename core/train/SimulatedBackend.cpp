#include "train/SimulatedBackend.h"

#include "util/Json.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QThread>

#include <cmath>
#include <random>

namespace flopsfit {

double SimulatedLaw::loss(double params, double tokens) const
{
    return E + A / std::pow(params, alpha) + B / std::pow(tokens, beta);
}

SimulatedLaw SimulatedLaw::fromConfig(const QJsonObject &config)
{
    const QJsonObject s = config.value(QStringLiteral("simulated")).toObject();
    SimulatedLaw law;
    law.E = s.value(QStringLiteral("E")).toDouble(law.E);
    law.A = s.value(QStringLiteral("A")).toDouble(law.A);
    law.B = s.value(QStringLiteral("B")).toDouble(law.B);
    law.alpha = s.value(QStringLiteral("alpha")).toDouble(law.alpha);
    law.beta = s.value(QStringLiteral("beta")).toDouble(law.beta);
    law.noise = s.value(QStringLiteral("noise")).toDouble(law.noise);
    law.logPoints = std::max(1, s.value(QStringLiteral("log_points")).toInt(law.logPoints));
    law.stepDelayMs = std::max(0, s.value(QStringLiteral("step_delay_ms")).toInt(law.stepDelayMs));
    return law;
}

quint64 stableHash(const QString &text)
{
    quint64 h = 1469598103934665603ull;
    for (const char c : text.toUtf8()) {
        h ^= quint64(quint8(c));
        h *= 1099511628211ull;
    }
    return h;
}

RunResult SimulatedBackend::train(const RunSpec &run, const TrainContext &context)
{
    QElapsedTimer timer;
    timer.start();
    RunResult result = RunResult::fromSpec(run, name());
    std::mt19937_64 rng(stableHash(run.id) ^ (quint64(run.seed) * 0x9E3779B97F4A7C15ull));
    std::normal_distribution<double> gauss(0.0, 1.0);
    const double finalNoise = std::exp(m_law.noise * gauss(rng));
    const double initialLoss = std::log(double(run.shape.vocab_size));
    const double tokensPerStep = run.tokens / double(run.steps);

    // A fresh attempt replaces whatever an interrupted one logged.
    const QString metricsPath = context.paths.metrics(run.id);
    QDir().mkpath(context.paths.runDir(run.id));
    QFile::remove(metricsPath);

    const int points = int(std::min<qint64>(m_law.logPoints, run.steps));
    double trainLoss = initialLoss;
    for (int i = 1; i <= points; ++i) {
        if (context.cancelled()) {
            result.status = RunStatus::Cancelled;
            result.wallSeconds = timer.elapsed() / 1000.0;
            return result;
        }
        const qint64 step = std::max<qint64>(1, run.steps * i / points);
        const double tokens = tokensPerStep * double(step);
        const double progress = double(step) / double(run.steps);
        // The law at the tokens seen so far, plus a warm-up transient from ln(V).
        const double settled = m_law.loss(run.params, tokens) * finalNoise;
        const double transient = (initialLoss - settled) * std::exp(-progress / 0.03);
        trainLoss = (settled + std::max(0.0, transient)) * std::exp(0.5 * m_law.noise * gauss(rng));
        const bool last = i == points;
        QJsonObject line{{QStringLiteral("step"), double(step)},
                         {QStringLiteral("tokens"), tokens},
                         {QStringLiteral("flops"), run.flops * progress},
                         {QStringLiteral("loss"), trainLoss},
                         {QStringLiteral("lr"), run.lr},
                         {QStringLiteral("wall_seconds"), timer.elapsed() / 1000.0}};
        if (last)
            line.insert(QStringLiteral("val_loss"), settled);
        appendJsonLine(metricsPath, line);
        if (context.progress) {
            RunProgress p;
            p.runId = run.id;
            p.step = step;
            p.totalSteps = run.steps;
            p.tokens = tokens;
            p.trainLoss = trainLoss;
            if (last)
                p.valLoss = settled;
            p.elapsedSeconds = timer.elapsed() / 1000.0;
            p.tokensPerSecond = p.elapsedSeconds > 0 ? tokens / p.elapsedSeconds : 0;
            context.progress(p);
        }
        if (m_law.stepDelayMs > 0)
            QThread::msleep(ulong(m_law.stepDelayMs));
    }
    result.status = RunStatus::Done;
    result.loss = m_law.loss(run.params, run.tokens) * finalNoise;
    result.trainLoss = trainLoss;
    result.wallSeconds = timer.elapsed() / 1000.0;
    return result;
}

} // namespace flopsfit
