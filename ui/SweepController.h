#pragma once
#include "plan/SweepPlan.h"
#include "train/SweepRunner.h"
#include "train/TrainBackend.h"

#include <QHash>
#include <QObject>
#include <QStringList>
#include <QThreadPool>

#include <memory>

namespace flopsfit::ui {

// Trains the runs of a study in the background and reports in signals on the GUI thread.
// It schedules runs itself, each through core's SweepRunner restricted to that run, so that
// single runs can be started, paused or cancelled while others train and the concurrency can
// change at any time. A paused or cancelled run writes no result and is pending again; a paused
// run keeps its checkpoint (the backend resumes from it), a cancelled one loses it.
class SweepController : public QObject {
    Q_OBJECT

public:
    explicit SweepController(QObject *parent = nullptr);
    ~SweepController() override; // stops every run (with checkpoints) and waits

    // Only while idle.
    void setStudy(const SweepPlan &plan, const QString &studyDir);
    void setBackend(const QString &backend) { m_backend = backend; } // empty: the plan's

    int concurrency() const { return m_concurrency; }
    bool isBusy() const { return !m_queue.isEmpty() || !m_active.isEmpty(); }
    bool isActive(const QString &runId) const { return m_active.contains(runId); }
    bool isQueued(const QString &runId) const { return m_queue.contains(runId); }
    QStringList activeRuns() const { return m_active.keys(); }

public Q_SLOTS:
    void setConcurrency(int runs);       // most runs at once (≥ 1); running runs are not stopped
    void startAll();                     // queue every pending run
    void startRun(const QString &runId); // queue one run (ahead of the others)
    void queueRun(const QString &runId); // queue one run (behind the others)
    void pauseRun(const QString &runId); // stop with a checkpoint; pending again
    void cancelRun(const QString &runId); // stop and discard its progress; pending again
    void cancelAll();                    // stop every run with a checkpoint, empty the queue
    void stopAndWait();                  // cancelAll() and wait until every run has stopped

Q_SIGNALS:
    void runQueued(const QString &runId);
    void runStarted(const QString &runId, int threads);
    void runProgress(const flopsfit::RunProgress &progress);
    // Every run that stops: done, diverged, failed, or cancelled (paused or cancelled by hand).
    void runFinished(const flopsfit::RunResult &result);
    void runDequeued(const QString &runId);
    void warning(const QString &message);
    void error(const QString &message);
    void busyChanged(bool busy);
    // The queue drained: `completed` is false when cancelAll() stopped it.
    void finished(bool completed);

private:
    struct Job {
        std::shared_ptr<SweepRunner> runner;
        bool discard = false;
    };
    void schedule();
    void launch(const QString &runId);
    void jobEnded(const QString &runId, const RunResult &result, bool ran, const QString &errorMessage);
    void discardProgress(const QString &runId);
    void setBusy(bool busy);
    void checkIdle();

    SweepPlan m_plan;
    QString m_studyDir;
    QString m_backend;
    int m_concurrency = 1;
    QStringList m_queue;
    QHash<QString, Job> m_active;
    bool m_stoppedByUser = false;
    bool m_busy = false;
    QThreadPool m_pool;
};

} // namespace flopsfit::ui

Q_DECLARE_METATYPE(flopsfit::RunProgress)
Q_DECLARE_METATYPE(flopsfit::RunResult)
