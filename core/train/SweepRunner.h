#pragma once
#include "plan/SweepPlan.h"
#include "train/TrainBackend.h"

#include <QHash>
#include <QSet>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>

namespace flopsfit {

struct SweepOptions {
    QString backend;          // empty: the plan's backend
    int cores = 0;            // thread budget; 0: the machine's cores
    int threadsPerRun = 0;    // 0: chosen per run by size (threadsForRun)
    int concurrency = 0;      // most runs at once; 0: as many as the thread budget allows
    QStringList onlyRuns;     // train just these ids (a cluster task trains one)
};

struct SweepCallbacks {
    std::function<void(const RunSpec &, int threads)> started;
    std::function<void(const RunProgress &)> progress;
    std::function<void(const RunResult &)> finished;
    std::function<void(const QString &)> warning;
};

struct SweepSummary {
    int done = 0, diverged = 0, failed = 0, cancelled = 0, skipped = 0;
    double wallSeconds = 0;
};

// Records a finished run twice: runs/<id>/result.json, replaced atomically, and a line appended to
// results.jsonl. Appends from many cluster nodes to one file on a shared file system (NFS) can
// be lost or interleaved; the per-run file cannot, so it is the record of truth and the log is
// the history.
void recordRunResult(const StudyPaths &paths, const RunResult &result);

// The latest result of each run, by id: results.jsonl (later lines win), then every
// runs/<id>/result.json over it. A run appears once however many times it was logged.
QHash<QString, RunResult> readResults(const StudyPaths &paths, QStringList *warnings = nullptr);

// Intra-op threads for one run: small models train side by side on one thread each, larger
// ones get more of the budget (all of it above ~8M parameters), so that concurrent runs ×
// threads never exceed `cores`.
int threadsForRun(const RunSpec &run, int cores);

// Trains the pending runs of a plan (those with no done or diverged result) in a QThreadPool.
// Runs hold threads from a budget of `cores` while they train. Each finished run is appended to
// results.jsonl at once; a cancelled run writes no result and is pending again next time.
// Callbacks are called from worker threads.
class SweepRunner {
public:
    SweepRunner(SweepPlan plan, QString studyDir);

    QVector<RunSpec> pendingRuns(const QStringList &onlyRuns = {}) const;
    SweepSummary run(const SweepOptions &options, const SweepCallbacks &callbacks);
    void cancel() { m_cancel.store(true); }
    bool isCancelled() const { return m_cancel.load(); }

private:
    SweepPlan m_plan;
    StudyPaths m_paths;
    std::atomic<bool> m_cancel{false};
};

} // namespace flopsfit
