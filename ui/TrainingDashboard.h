#pragma once
#include "plan/SweepPlan.h"
#include "train/RunMetrics.h"
#include "RunsTableModel.h"

#include <QFileSystemWatcher>
#include <QFutureWatcher>
#include <QHash>
#include <QSet>
#include <QTimer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QStackedLayout;
class QTableView;

namespace flopsfit {
struct RunProgress;
struct RunResult;
} // namespace flopsfit

namespace flopsfit::ui {

class LossPlot;
class SweepController;

// The Train area: the runs of the opened study in a table with their progress, start / pause /
// cancel per run and for all, a concurrency control, and the live loss curves. Training runs in
// the background (SweepController). The dashboard also follows runs that other processes train
// (cluster tasks writing into the study folder): it watches the folder, with a slow poll as
// fallback for file systems whose changes are not notified (NFS), and shows them as they go.
class TrainingDashboard : public QWidget {
    Q_OBJECT

public:
    explicit TrainingDashboard(QWidget *parent = nullptr);
    ~TrainingDashboard() override;

    bool isTraining() const;
    // Stops every run this app trains, each with a checkpoint, and waits for them: reopening the
    // study shows them paused, and starting them again resumes.
    void requestStopForClose();

    QString studyDir() const { return m_studyDir; }
    RunsTableModel *runsModel() const { return m_model; }
    LossPlot *lossPlot() const { return m_plot; }
    SweepController *controller() const { return m_controller; }
    void setPollInterval(int ms);

public Q_SLOTS:
    bool openStudy(const QString &studyDir); // false (and a statusMessage) when it cannot be read
    void refresh();                          // reread the study folder now
    void startAll();                         // every pending run not trained elsewhere
    void stopAll();                          // every run stops with a checkpoint
    void startRun(const QString &runId);
    void pauseRun(const QString &runId);
    void cancelRun(const QString &runId);

Q_SIGNALS:
    void runFinished(const QString &runId);     // done, diverged or failed; here or elsewhere
    void sweepFinished();                       // every run this app was asked to train has ended
    void trainingChanged(bool training);
    void statusMessage(const QString &message);

private:
    void buildUi();
    void scheduleRefresh(bool status);
    void readStatus();
    void startMetricsRead();
    void metricsRead();
    void applyMetrics(const QString &runId, const RunMetricsReader::Chunk &chunk);
    void updateWatches();
    void setRow(int row, RunRow value);
    RunRow::State stateFromFiles(const QString &runId, QString *detail) const;
    void onProgress(const RunProgress &p);
    void onRunFinished(const RunResult &r);
    void onRunStopped(const QString &runId);
    void updateSummary();
    void updateButtons();
    bool canStartAll() const; // some run is neither finished, training, queued nor trained elsewhere
    void showEmptyState(const QString &error);
    QStringList selectedRuns() const;
    void exportCurves();
    void exportPlotImage();

    SweepController *m_controller = nullptr;
    RunsTableModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    LossPlot *m_plot = nullptr;
    QPushButton *m_startAll = nullptr, *m_stopAll = nullptr, *m_start = nullptr, *m_pause = nullptr,
                *m_cancel = nullptr;
    QSpinBox *m_concurrency = nullptr;
    QSlider *m_smoothing = nullptr;
    QCheckBox *m_logX = nullptr, *m_logY = nullptr;
    QComboBox *m_xAxis = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_emptyState = nullptr;
    QStackedLayout *m_pages = nullptr;

    QString m_studyDir;
    SweepPlan m_plan;
    // Metrics files are read in a worker, a slice at a time, one batch in flight.
    struct MetricsBatch {
        quint64 generation = 0;
        QHash<QString, RunMetricsReader> readers;
        QHash<QString, RunMetricsReader::Chunk> chunks;
    };
    QHash<QString, RunMetricsReader> m_readers;
    QFutureWatcher<MetricsBatch> m_reads;
    quint64 m_generation = 0;  // the opened study; a batch for an earlier one is dropped
    QSet<QString> m_resetPending; // runs that started over while their batch was in flight
    QFileSystemWatcher m_watcher;
    QTimer m_refreshTimer; // coalesces watcher events and progress into one reread
    QTimer m_pollTimer;    // fallback where the file system does not notify
    bool m_statusDirty = false;
    QSet<QString> m_metricsDirty;
    bool m_loading = false;
};

} // namespace flopsfit::ui
