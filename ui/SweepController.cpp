#include "SweepController.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QThread>

#include <algorithm>
#include <exception>

namespace flopsfit::ui {

SweepController::SweepController(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<RunProgress>();
    qRegisterMetaType<RunResult>();
    // The controller limits how many runs train; the pool only has to hold them.
    m_pool.setMaxThreadCount(256);
    m_concurrency = std::max(1, QThread::idealThreadCount());
}

SweepController::~SweepController()
{
    blockSignals(true); // the receivers may be half destroyed by now
    stopAndWait();
}

void SweepController::setStudy(const SweepPlan &plan, const QString &studyDir)
{
    Q_ASSERT(!isBusy());
    m_plan = plan;
    m_studyDir = studyDir;
}

void SweepController::setConcurrency(int runs)
{
    m_concurrency = std::max(1, runs);
    schedule();
}

void SweepController::startAll()
{
    if (m_studyDir.isEmpty())
        return;
    QVector<RunSpec> pending;
    try {
        pending = SweepRunner(m_plan, m_studyDir).pendingRuns();
    } catch (const std::exception &e) {
        Q_EMIT error(QString::fromUtf8(e.what()));
        return;
    }
    for (const RunSpec &run : pending)
        queueRun(run.id);
}

void SweepController::startRun(const QString &runId)
{
    if (m_studyDir.isEmpty() || !m_plan.findRun(runId) || m_active.contains(runId))
        return;
    m_stoppedByUser = false;
    m_queue.removeAll(runId);
    m_queue.prepend(runId);
    Q_EMIT runQueued(runId);
    schedule();
}

void SweepController::queueRun(const QString &runId)
{
    if (m_studyDir.isEmpty() || !m_plan.findRun(runId) || m_active.contains(runId) || m_queue.contains(runId))
        return;
    m_stoppedByUser = false;
    m_queue.append(runId);
    Q_EMIT runQueued(runId);
    schedule();
}

void SweepController::pauseRun(const QString &runId)
{
    if (m_queue.removeAll(runId) > 0) {
        Q_EMIT runDequeued(runId);
        checkIdle();
        return;
    }
    const auto it = m_active.find(runId);
    if (it != m_active.end())
        it->runner->cancel();
}

void SweepController::cancelRun(const QString &runId)
{
    const auto it = m_active.find(runId);
    if (it != m_active.end()) {
        it->discard = true;
        it->runner->cancel();
        return;
    }
    pauseRun(runId);
    discardProgress(runId);
}

void SweepController::cancelAll()
{
    m_stoppedByUser = true;
    const QStringList queued = m_queue;
    m_queue.clear();
    for (const QString &id : queued)
        Q_EMIT runDequeued(id);
    for (Job &job : m_active)
        job.runner->cancel();
    checkIdle();
}

void SweepController::stopAndWait()
{
    cancelAll();
    m_pool.waitForDone();
    // Jobs report their end through queued calls; deliver them now that every worker returned.
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

void SweepController::schedule()
{
    while (m_active.size() < m_concurrency && !m_queue.isEmpty())
        launch(m_queue.takeFirst());
    if (isBusy())
        setBusy(true);
}

void SweepController::checkIdle()
{
    if (isBusy() || !m_busy)
        return;
    setBusy(false);
    Q_EMIT finished(!m_stoppedByUser);
}

void SweepController::launch(const QString &runId)
{
    auto runner = std::make_shared<SweepRunner>(m_plan, m_studyDir);
    m_active.insert(runId, Job{runner, false});

    SweepOptions options;
    options.backend = m_backend;
    options.onlyRuns = {runId};
    // Concurrent runs share the machine's cores.
    const int cores = std::max(1, QThread::idealThreadCount());
    options.cores = std::max(1, cores / std::max(1, m_concurrency));

    m_pool.start([this, runner, options, runId]() {
        SweepCallbacks callbacks;
        callbacks.started = [this, runId](const RunSpec &, int threads) {
            QMetaObject::invokeMethod(this, [this, runId, threads]() { Q_EMIT runStarted(runId, threads); },
                                      Qt::QueuedConnection);
        };
        // At most ~20 progress reports a second per run reach the GUI thread, and always the last.
        QElapsedTimer sinceReport;
        callbacks.progress = [this, &sinceReport](const RunProgress &p) {
            if (sinceReport.isValid() && sinceReport.elapsed() < 50 && p.step < p.totalSteps)
                return;
            sinceReport.start();
            QMetaObject::invokeMethod(this, [this, p]() { Q_EMIT runProgress(p); }, Qt::QueuedConnection);
        };
        RunResult last;
        bool ran = false;
        callbacks.finished = [&last, &ran](const RunResult &r) {
            last = r;
            ran = true;
        };
        callbacks.warning = [this](const QString &message) {
            QMetaObject::invokeMethod(this, [this, message]() { Q_EMIT warning(message); }, Qt::QueuedConnection);
        };
        QString errorMessage;
        try {
            runner->run(options, callbacks);
        } catch (const std::exception &e) {
            errorMessage = QString::fromUtf8(e.what());
        } catch (...) {
            errorMessage = QStringLiteral("run %1: training stopped with an unknown error").arg(runId);
        }
        QMetaObject::invokeMethod(
            this, [this, runId, last, ran, errorMessage]() { jobEnded(runId, last, ran, errorMessage); },
            Qt::QueuedConnection);
    });
}

void SweepController::jobEnded(const QString &runId, const RunResult &result, bool ran,
                               const QString &errorMessage)
{
    const Job job = m_active.take(runId);
    if (!errorMessage.isEmpty())
        Q_EMIT error(errorMessage);
    if (job.discard)
        discardProgress(runId);
    if (ran) {
        Q_EMIT runFinished(result);
    } else if (!errorMessage.isEmpty()) {
        RunResult r = RunResult::fromSpec(*m_plan.findRun(runId),
                                          m_backend.isEmpty() ? m_plan.spec.backend : m_backend);
        r.status = RunStatus::Failed;
        r.message = errorMessage;
        Q_EMIT runFinished(r);
    } else {
        Q_EMIT runDequeued(runId); // nothing to train: finished meanwhile (e.g. by a cluster task)
    }
    schedule();
    checkIdle();
}

void SweepController::discardProgress(const QString &runId)
{
    const StudyPaths paths(m_studyDir);
    QFile::remove(paths.checkpoint(runId));
    QFile::remove(paths.metrics(runId));
}

void SweepController::setBusy(bool busy)
{
    if (busy == m_busy)
        return;
    m_busy = busy;
    Q_EMIT busyChanged(busy);
}

} // namespace flopsfit::ui
