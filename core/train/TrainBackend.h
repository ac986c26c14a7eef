#pragma once
#include "plan/SweepPlan.h"
#include "store/StudyFiles.h"

#include <QJsonObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

namespace flopsfit {

enum class RunStatus { Done, Diverged, Failed, Cancelled };
QString runStatusName(RunStatus status);
RunStatus parseRunStatus(const QString &name, const QString &origin);

// One line of results.jsonl: everything a fit needs, so results can be analysed without the plan.
struct RunResult {
    QString id;
    RunStatus status = RunStatus::Failed;
    int budgetIndex = 0;
    double budget = 0;
    double params = 0;
    double tokens = 0;   // tokens actually trained
    double flops = 0;    // flops actually spent
    double loss = 0;     // final validation loss: the run's result
    double trainLoss = 0;
    qint64 steps = 0;
    double wallSeconds = 0;
    int seed = 0;
    QString backend;
    QString message;     // why a run diverged or failed

    QJsonObject toJson() const;
    static RunResult fromJson(const QJsonObject &o, const QString &origin);
    static RunResult fromSpec(const RunSpec &spec, const QString &backend);
};

// What a run reports while it trains (called from the worker thread).
struct RunProgress {
    QString runId;
    qint64 step = 0;
    qint64 totalSteps = 0;
    double tokens = 0;
    double trainLoss = 0;
    double valLoss = std::nan("");
    double tokensPerSecond = 0;
    double elapsedSeconds = 0;
};

struct TrainContext {
    StudyPaths paths;
    SweepSpec spec;
    int threads = 1;                          // intra-op threads this run may use
    const std::atomic<bool> *cancel = nullptr; // set by the owner; a run checkpoints and returns
    std::function<void(const RunProgress &)> progress;

    bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed); }
};

// Trains one run and writes runs/<id>/metrics.jsonl; the SweepRunner appends the result.
// A backend never throws for a run that merely diverged: it returns status Diverged.
class TrainBackend {
public:
    virtual ~TrainBackend() = default;
    virtual QString name() const = 0;
    virtual RunResult train(const RunSpec &run, const TrainContext &context) = 0;
};

using BackendFactory = std::function<std::unique_ptr<TrainBackend>(const SweepSpec &)>;

// Backends register by name ("simulated" is built in; the torch library adds "torch").
void registerBackend(const QString &name, BackendFactory factory);
QStringList availableBackends();
// Throws InputError for a name no backend registered under.
std::unique_ptr<TrainBackend> makeBackend(const QString &name, const SweepSpec &spec);

} // namespace flopsfit
