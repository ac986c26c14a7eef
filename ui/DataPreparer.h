#pragma once
#include "plan/SweepPlan.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <atomic>

namespace flopsfit::ui {

// Prepares a study's tokenized corpus (<study>/data) in the background: core's ensureStudyData
// runs flopsfit-tokenize as a child process (it cannot share a process with torch) and its
// machine-readable progress lines arrive here as signals on the GUI thread.
class DataPreparer : public QObject {
    Q_OBJECT
public:
    explicit DataPreparer(QObject *parent = nullptr);
    ~DataPreparer() override; // cancels a running preparation and waits for the child to stop

    bool isRunning() const;
    // Starts preparing the data that `spec`'s data section asks for; does nothing while running.
    void start(const QString &studyDir, const SweepSpec &spec);
    // Stops the child process; finished(false, {}) follows.
    void cancel();

    // A stage's progress folded into one percentage over the whole preparation.
    static int overallPercent(const QString &stage, qint64 done, qint64 total);

Q_SIGNALS:
    void progress(const QString &stage, int percent);
    // completed: the data is ready. Not completed with an empty error: cancelled.
    void finished(bool completed, const QString &error);

private:
    struct Outcome {
        bool completed = false;
        QString error;
    };
    QFutureWatcher<Outcome> m_watcher;
    std::atomic<bool> m_cancel{false};
};

} // namespace flopsfit::ui
