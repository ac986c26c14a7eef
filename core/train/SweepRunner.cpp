#include "train/SweepRunner.h"

#include "util/Error.h"
#include "util/Json.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSysInfo>
#include <QMutex>
#include <QMutexLocker>
#include <QSemaphore>
#include <QThread>
#include <QThreadPool>

#include <algorithm>

namespace flopsfit {

void recordRunResult(const StudyPaths &paths, const RunResult &result)
{
    const QJsonObject json = result.toJson();
    writeJsonAtomically(paths.runResult(result.id), json);
    appendJsonLine(paths.results(), json, Writers::AnyProcess);
}

QHash<QString, RunResult> readResults(const StudyPaths &paths, QStringList *warnings)
{
    const JsonLines lines = readJsonLines(paths.results());
    if (warnings)
        *warnings += lines.warnings;
    QHash<QString, RunResult> out;
    for (int i = 0; i < lines.records.size(); ++i) {
        const RunResult r = RunResult::fromJson(
            lines.records[i], QStringLiteral("%1:%2").arg(paths.results()).arg(i + 1));
        out.insert(r.id, r);
    }
    const QDir runs(paths.runsDir());
    for (const QString &id : runs.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        const QString file = paths.runResult(id);
        if (!QFileInfo::exists(file))
            continue;
        const RunResult r = RunResult::fromJson(readJsonObjectFile(file), file);
        if (r.id != id)
            throw InputError(QStringLiteral("%1: holds the result of run '%2'").arg(file, r.id));
        out.insert(r.id, r);
    }
    return out;
}

// runs/<id>/running.json says where a run is training, for `flopsfit --batch status`.
static void writeRunMarker(const StudyPaths &paths, const QString &id, int threads)
{
    try {
        writeJsonAtomically(paths.runMarker(id),
                            {{QStringLiteral("host"), QSysInfo::machineHostName()},
                             {QStringLiteral("pid"), QCoreApplication::applicationPid()},
                             {QStringLiteral("threads"), threads},
                             {QStringLiteral("started"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)}});
    } catch (const InputError &) {
        // Only informative: a read-only marker never stops a run.
    }
}

int threadsForRun(const RunSpec &run, int cores)
{
    cores = std::max(1, cores);
    const double n = run.shape.nonEmbeddingParams() + run.shape.outputHeadParams();
    int threads = 1;
    if (n > 8e6)
        threads = cores;
    else if (n > 2e6)
        threads = std::min(cores, 2);
    return threads;
}

SweepRunner::SweepRunner(SweepPlan plan, QString studyDir)
    : m_plan(std::move(plan)), m_paths(std::move(studyDir))
{
}

QVector<RunSpec> SweepRunner::pendingRuns(const QStringList &onlyRuns) const
{
    const QHash<QString, RunResult> results = readResults(m_paths);
    QVector<RunSpec> pending;
    for (const RunSpec &run : m_plan.runs) {
        if (!onlyRuns.isEmpty() && !onlyRuns.contains(run.id))
            continue;
        const auto it = results.find(run.id);
        if (it != results.end() &&
            (it->status == RunStatus::Done || it->status == RunStatus::Diverged))
            continue;
        pending.append(run);
    }
    return pending;
}

SweepSummary SweepRunner::run(const SweepOptions &options, const SweepCallbacks &callbacks)
{
    for (const QString &id : options.onlyRuns) {
        if (!m_plan.findRun(id))
            throw InputError(QStringLiteral("%1: no run with id '%2'").arg(m_paths.sweep(), id));
    }
    const QString backendName = options.backend.isEmpty() ? m_plan.spec.backend : options.backend;
    makeBackend(backendName, m_plan.spec); // fail early on an unknown backend

    QElapsedTimer timer;
    timer.start();
    SweepSummary summary;
    const QVector<RunSpec> pending = pendingRuns(options.onlyRuns);
    summary.skipped = int((options.onlyRuns.isEmpty() ? m_plan.runs.size() : options.onlyRuns.size()) -
                          pending.size());
    const int cores = options.cores > 0 ? options.cores : std::max(1, QThread::idealThreadCount());

    QThreadPool pool;
    int maxConcurrent = cores;
    if (options.concurrency > 0)
        maxConcurrent = std::min(maxConcurrent, options.concurrency);
    pool.setMaxThreadCount(maxConcurrent);
    QSemaphore threadBudget(cores);
    QMutex summaryMutex;

    for (const RunSpec &spec : pending) {
        pool.start([&, spec]() {
            if (m_cancel.load())
                return;
            const int threads = options.threadsPerRun > 0 ? std::min(options.threadsPerRun, cores)
                                                          : threadsForRun(spec, cores);
            threadBudget.acquire(threads);
            RunResult result = RunResult::fromSpec(spec, backendName);
            if (m_cancel.load()) {
                threadBudget.release(threads);
                return;
            }
            writeRunMarker(m_paths, spec.id, threads);
            if (callbacks.started)
                callbacks.started(spec, threads);
            try {
                TrainContext context{m_paths, m_plan.spec, threads, &m_cancel, callbacks.progress};
                std::unique_ptr<TrainBackend> backend = makeBackend(backendName, m_plan.spec);
                result = backend->train(spec, context);
            } catch (const std::exception &e) {
                result.status = RunStatus::Failed;
                result.message = QString::fromUtf8(e.what());
            }
            threadBudget.release(threads);
            QFile::remove(m_paths.runMarker(spec.id));
            if (result.status != RunStatus::Cancelled) {
                try {
                    recordRunResult(m_paths, result);
                } catch (const std::exception &e) {
                    result.status = RunStatus::Failed;
                    result.message = QString::fromUtf8(e.what());
                    if (callbacks.warning)
                        callbacks.warning(result.message);
                }
            }
            {
                QMutexLocker lock(&summaryMutex);
                switch (result.status) {
                case RunStatus::Done: ++summary.done; break;
                case RunStatus::Diverged: ++summary.diverged; break;
                case RunStatus::Failed: ++summary.failed; break;
                case RunStatus::Cancelled: ++summary.cancelled; break;
                }
            }
            if (callbacks.finished)
                callbacks.finished(result);
        });
    }
    pool.waitForDone();
    if (m_cancel.load()) {
        QMutexLocker lock(&summaryMutex);
        summary.cancelled = int(pending.size()) - summary.done - summary.diverged - summary.failed;
    }
    summary.wallSeconds = timer.elapsed() / 1000.0;
    return summary;
}

} // namespace flopsfit
