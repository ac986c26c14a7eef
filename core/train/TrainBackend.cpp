#include "train/TrainBackend.h"

#include "train/SimulatedBackend.h"
#include "util/Error.h"

#include <QMap>
#include <QMutex>
#include <QMutexLocker>

#include <cmath>

namespace flopsfit {

QString runStatusName(RunStatus status)
{
    switch (status) {
    case RunStatus::Done: return QStringLiteral("done");
    case RunStatus::Diverged: return QStringLiteral("diverged");
    case RunStatus::Failed: return QStringLiteral("failed");
    case RunStatus::Cancelled: return QStringLiteral("cancelled");
    }
    return {};
}

RunStatus parseRunStatus(const QString &name, const QString &origin)
{
    for (RunStatus s : {RunStatus::Done, RunStatus::Diverged, RunStatus::Failed, RunStatus::Cancelled}) {
        if (runStatusName(s) == name)
            return s;
    }
    throw InputError(QStringLiteral("%1: unknown run status '%2'").arg(origin, name));
}

QJsonObject RunResult::toJson() const
{
    QJsonObject o{{QStringLiteral("schema_version"), kSchemaVersion},
                  {QStringLiteral("id"), id},
                  {QStringLiteral("status"), runStatusName(status)},
                  {QStringLiteral("budget_index"), budgetIndex},
                  {QStringLiteral("budget"), budget},
                  {QStringLiteral("params"), params},
                  {QStringLiteral("tokens"), tokens},
                  {QStringLiteral("flops"), flops},
                  {QStringLiteral("steps"), double(steps)},
                  {QStringLiteral("wall_seconds"), wallSeconds},
                  {QStringLiteral("seed"), seed},
                  {QStringLiteral("backend"), backend}};
    // JSON has no NaN: a diverged run's loss is left out rather than written as garbage.
    if (std::isfinite(loss))
        o.insert(QStringLiteral("loss"), loss);
    if (std::isfinite(trainLoss))
        o.insert(QStringLiteral("train_loss"), trainLoss);
    if (!message.isEmpty())
        o.insert(QStringLiteral("message"), message);
    return o;
}

RunResult RunResult::fromJson(const QJsonObject &o, const QString &origin)
{
    checkSchemaVersion(o, origin);
    RunResult r;
    r.id = o.value(QStringLiteral("id")).toString();
    if (r.id.isEmpty())
        throw InputError(QStringLiteral("%1: a result has no 'id'").arg(origin));
    r.status = parseRunStatus(o.value(QStringLiteral("status")).toString(), origin);
    r.budgetIndex = o.value(QStringLiteral("budget_index")).toInt();
    r.budget = o.value(QStringLiteral("budget")).toDouble();
    r.params = o.value(QStringLiteral("params")).toDouble();
    r.tokens = o.value(QStringLiteral("tokens")).toDouble();
    r.flops = o.value(QStringLiteral("flops")).toDouble();
    r.loss = o.value(QStringLiteral("loss")).toDouble(std::nan(""));
    r.trainLoss = o.value(QStringLiteral("train_loss")).toDouble(std::nan(""));
    r.steps = qint64(o.value(QStringLiteral("steps")).toDouble());
    r.wallSeconds = o.value(QStringLiteral("wall_seconds")).toDouble();
    r.seed = o.value(QStringLiteral("seed")).toInt();
    r.backend = o.value(QStringLiteral("backend")).toString();
    r.message = o.value(QStringLiteral("message")).toString();
    return r;
}

RunResult RunResult::fromSpec(const RunSpec &spec, const QString &backend)
{
    RunResult r;
    r.id = spec.id;
    r.budgetIndex = spec.budgetIndex;
    r.budget = spec.budget;
    r.params = spec.params;
    r.tokens = spec.tokens;
    r.flops = spec.flops;
    r.steps = spec.steps;
    r.seed = spec.seed;
    r.backend = backend;
    r.loss = std::nan("");
    r.trainLoss = std::nan("");
    return r;
}

namespace {
QMutex registryMutex;
QMap<QString, BackendFactory> &registry()
{
    static QMap<QString, BackendFactory> map{
        {QStringLiteral("simulated"),
         [](const SweepSpec &spec) -> std::unique_ptr<TrainBackend> {
             return std::make_unique<SimulatedBackend>(SimulatedLaw::fromConfig(spec.config));
         }}};
    return map;
}
} // namespace

void registerBackend(const QString &name, BackendFactory factory)
{
    QMutexLocker lock(&registryMutex);
    registry().insert(name, std::move(factory));
}

QStringList availableBackends()
{
    QMutexLocker lock(&registryMutex);
    return registry().keys();
}

std::unique_ptr<TrainBackend> makeBackend(const QString &name, const SweepSpec &spec)
{
    BackendFactory factory;
    {
        QMutexLocker lock(&registryMutex);
        factory = registry().value(name);
    }
    if (!factory)
        throw InputError(QStringLiteral("backend '%1' is not available in this build (available: %2)")
                             .arg(name, availableBackends().join(QStringLiteral(", "))));
    return factory(spec);
}

} // namespace flopsfit
