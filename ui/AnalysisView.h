#pragma once
#include "FigureExport.h"
#include "fit/ChinchillaTable.h"
#include "fit/StudyAnalysis.h"
#include "train/TrainBackend.h"

#include <QFutureWatcher>
#include <QHash>
#include <QList>
#include <QString>
#include <QWidget>

class QChart;
class QComboBox;
class QFileSystemWatcher;
class QTimer;
class QBoxLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QSlider;
class QSpinBox;
class QTabWidget;
class QTableWidget;
class QToolButton;

namespace flopsfit::ui {

// The analysis of a study: runs core's StudyAnalysis in the background and shows its figures
// (drawn by FigureFactory, the same charts `flopsfit --batch export` renders), the approaches side
// by side at a target compute, the Chinchilla table, and the runs left out. Clicking a run in the
// IsoFLOP chart excludes it (or includes it again) through <study>/fit_overrides.json, as
// `flopsfit --batch analyze --exclude/--include` does, and refits.
class AnalysisView : public QWidget {
    Q_OBJECT
public:
    enum class Figure { IsoFlop, Scaling, TokensPerParam, Parametric };

    explicit AnalysisView(QWidget *parent = nullptr);

    void setStudyDir(const QString &studyDir);
    QString studyDir() const { return m_studyDir; }

    bool isBusy() const { return m_watcher.isRunning(); }
    bool hasAnalysis() const { return m_haveAnalysis; }
    const StudyAnalysis &analysis() const { return m_analysis; }
    QString errorText() const { return m_error; }

    // The charts on screen for a figure (owned by their views; empty before the first fit).
    QList<QChart *> charts(Figure figure) const;
    // Forces a run out of the fits (or back in) in fit_overrides.json, then refits.
    void setRunExcluded(const QString &runId, bool excluded);
    void setHeadlineApproach(HeadlineApproach approach);
    void setTargetFlops(double flops);
    double targetFlops() const { return m_targetFlops; }
    void setBootstrapSamples(int samples);

    // Export through FigureExport: one figure to a file (the format follows its suffix), every
    // figure into <study>/figures, or every curve's points to CSV. Throw InputError.
    void exportFigure(Figure figure, const QString &path, const ExportOptions &options) const;
    QStringList exportAllFigures(const ExportOptions &options) const;
    void exportCurvesCsv(const QString &path) const;
    // The Chinchilla table at the view's targets, and copying it to the clipboard.
    QString tableText(TableFormat format) const;
    void copyTable(TableFormat format);

public Q_SLOTS:
    // Refits in the background (a request while a fit runs refits once more after it).
    void refresh();
    // Refits once, shortly: every report of a finished run (the folder watcher here, the Train
    // area's signals) within 500 ms makes a single refit.
    void scheduleRefresh();

Q_SIGNALS:
    void analysisUpdated();
    void analysisFailed(const QString &message);
    void busyChanged(bool busy);
    void statusMessage(const QString &message);

protected:
    void changeEvent(QEvent *event) override;

private:
    struct Job {
        QString studyDir;
        bool ok = false;
        QString error;
        StudyAnalysis analysis;
        QHash<QString, RunResult> results;
    };

    QWidget *buildSidePanel();
    void onFitFinished();
    void rebuildCharts();
    void updatePrediction();
    void updateTables();
    void onIsoFlopPointClicked(const QPointF &point, bool excludedSeries);
    void showExportDialog(bool all);
    QVector<double> tableTargets() const;
    QList<QChart *> makeFigure(Figure figure, FigureStyle style) const;

    QString m_studyDir;
    QFutureWatcher<Job> m_watcher;
    bool m_again = false;
    bool m_haveAnalysis = false;
    StudyAnalysis m_analysis;
    QHash<QString, RunResult> m_results;
    QString m_error;
    double m_targetFlops = 0; // 0: the plan's fit.target_flops
    double m_largestBudget = 0; // of the plan: the Chinchilla table starts at its decade
    bool m_approachSet = false;
    HeadlineApproach m_approach = HeadlineApproach::IsoFlop;
    int m_bootstrap = -1;     // -1: the plan's fit.bootstrap

    QFileSystemWatcher *m_files = nullptr;
    QTimer *m_refitTimer = nullptr;
    QTabWidget *m_tabs = nullptr;
    QList<QBoxLayout *> m_figureLayouts;
    QList<QList<QChart *>> m_charts;
    QLabel *m_message = nullptr;
    QComboBox *m_approachBox = nullptr;
    QSpinBox *m_bootstrapBox = nullptr;
    QLineEdit *m_targetEdit = nullptr;
    QSlider *m_targetSlider = nullptr;
    QLabel *m_prediction = nullptr;
    QTableWidget *m_approaches = nullptr;
    QTableWidget *m_table = nullptr;
    QListWidget *m_excluded = nullptr;
};

} // namespace flopsfit::ui
