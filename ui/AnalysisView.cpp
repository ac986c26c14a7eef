#include "AnalysisView.h"

#include "FigureFactory.h"
#include "plan/SweepPlan.h"
#include "store/StudyFiles.h"
#include "train/SweepRunner.h"
#include "util/Error.h"

#include <QAbstractAxis>
#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QClipboard>
#include <QComboBox>
#include <QDialog>
#include <QEvent>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QTimer>
#include <QFormLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineSeries>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLogValueAxis>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScatterSeries>
#include <QScopeGuard>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace flopsfit::ui {

namespace {

const char *const kFigureNames[] = {"isoflop", "scaling", "tokens_per_param", "parametric"};
const char *const kFigureTitles[] = {"IsoFLOP curves", "Scaling laws", "Tokens per parameter", "Parametric L(N, D)"};
constexpr int kFigureCount = 4;
constexpr double kSliderLo = 15, kSliderHi = 28, kSliderStep = 0.1; // log10 FLOPs

QString sci(double v)
{
    return std::isfinite(v) ? QString::number(v, 'e', 2) : QStringLiteral("–");
}

QString withInterval(double v, const Interval &i, bool loss)
{
    const QString value = loss ? QString::number(v, 'f', 3) : sci(v);
    if (!i.valid())
        return value;
    return loss ? QStringLiteral("%1 [%2, %3]").arg(value, QString::number(i.lo, 'f', 3), QString::number(i.hi, 'f', 3))
                : QStringLiteral("%1 [%2, %3]").arg(value, sci(i.lo), sci(i.hi));
}

// A value in a table cell; its bootstrap interval, when there is one, in the tooltip (the copied
// table carries it too).
QTableWidgetItem *valueItem(double v, const Interval &i, bool loss)
{
    auto *item = new QTableWidgetItem(loss ? QString::number(v, 'f', 3) : sci(v));
    if (i.valid())
        item->setToolTip(withInterval(v, i, loss));
    return item;
}

} // namespace

AnalysisView::AnalysisView(QWidget *parent) : QWidget(parent)
{
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &AnalysisView::onFitFinished);

    // Toolbar: the approach, the bootstrap, refresh and export.
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Headline approach:")));
    m_approachBox = new QComboBox;
    m_approachBox->addItem(tr("IsoFLOP parabolas (approach 2)"), int(HeadlineApproach::IsoFlop));
    m_approachBox->addItem(tr("Empirical minima"), int(HeadlineApproach::Empirical));
    m_approachBox->addItem(tr("Parametric L(N, D) (approach 3)"), int(HeadlineApproach::Parametric));
    m_approachBox->setToolTip(tr("The fit the prediction reports; every fit is made and compared side by side"));
    bar->addWidget(m_approachBox);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Bootstrap:")));
    m_bootstrapBox = new QSpinBox;
    m_bootstrapBox->setRange(0, 5000);
    m_bootstrapBox->setSingleStep(100);
    m_bootstrapBox->setSpecialValueText(tr("off"));
    m_bootstrapBox->setToolTip(tr("Bootstrap refits for the interval bands and the intervals of the prediction"));
    bar->addWidget(m_bootstrapBox);
    bar->addStretch();
    auto *refreshButton = new QToolButton;
    refreshButton->setIcon(QIcon::fromTheme(QStringLiteral("view-refresh"), style()->standardIcon(QStyle::SP_BrowserReload)));
    refreshButton->setText(tr("Refit"));
    refreshButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addWidget(refreshButton);
    auto *exportButton = new QToolButton;
    exportButton->setIcon(QIcon::fromTheme(QStringLiteral("document-export"), style()->standardIcon(QStyle::SP_DialogSaveButton)));
    exportButton->setText(tr("Export"));
    exportButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    exportButton->setPopupMode(QToolButton::InstantPopup);
    auto *exportMenu = new QMenu(exportButton);
    exportMenu->addAction(tr("This figure…"), this, [this] { showExportDialog(false); });
    exportMenu->addAction(tr("All figures…"), this, [this] { showExportDialog(true); });
    exportMenu->addAction(tr("Curves to CSV…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export curves"), StudyPaths(m_studyDir).figuresDir() + QStringLiteral("/curves.csv"), tr("CSV (*.csv)"));
        if (path.isEmpty())
            return;
        try {
            exportCurvesCsv(path);
            Q_EMIT statusMessage(tr("Curves written to %1").arg(path));
        } catch (const InputError &e) {
            QMessageBox::warning(this, tr("Export curves"), e.message());
        }
    });
    exportButton->setMenu(exportMenu);
    bar->addWidget(exportButton);

    m_message = new QLabel;
    m_message->setWordWrap(true);
    m_message->setObjectName(QStringLiteral("analysisMessage"));

    m_tabs = new QTabWidget;
    for (int f = 0; f < kFigureCount; ++f) {
        auto *page = new QWidget;
        // The scaling panels stack on screen, each as wide as the area, legends at their side.
        QBoxLayout *layout = f == int(Figure::Scaling) ? static_cast<QBoxLayout *>(new QVBoxLayout(page))
                                                       : static_cast<QBoxLayout *>(new QHBoxLayout(page));
        layout->setContentsMargins(0, 0, 0, 0);
        m_figureLayouts.append(layout);
        m_charts.append(QList<QChart *>());
        m_tabs->addTab(page, tr(kFigureTitles[f]));
    }

    auto *split = new QSplitter(Qt::Horizontal);
    split->addWidget(m_tabs);
    split->addWidget(buildSidePanel());
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 0);
    split->setSizes({940, 500});

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_message);
    layout->addWidget(split, 1);

    connect(refreshButton, &QToolButton::clicked, this, &AnalysisView::refresh);
    connect(m_approachBox, QOverload<int>::of(&QComboBox::activated), this, [this](int index) {
        setHeadlineApproach(HeadlineApproach(m_approachBox->itemData(index).toInt()));
    });
    connect(m_bootstrapBox, &QSpinBox::editingFinished, this, [this] { setBootstrapSamples(m_bootstrapBox->value()); });
    m_message->setText(tr("No study is open: File → New Study… (Ctrl+N) plans one from a preset, File → Open Study… (Ctrl+O) "
                          "opens a study folder. Its fits appear here as its runs finish training."));

    // Refit when runs finish: results.jsonl grows by a line per finished run, whoever trains it
    // (this app, `flopsfit --batch train`, or cluster tasks on a shared folder).
    m_files = new QFileSystemWatcher(this);
    m_refitTimer = new QTimer(this);
    m_refitTimer->setSingleShot(true);
    m_refitTimer->setInterval(500);
    connect(m_refitTimer, &QTimer::timeout, this, &AnalysisView::refresh);
    connect(m_files, &QFileSystemWatcher::fileChanged, this, [this](const QString &path) {
        if (!m_files->files().contains(path) && QFileInfo::exists(path))
            m_files->addPath(path); // replaced rather than appended to
        scheduleRefresh();
    });
    connect(m_files, &QFileSystemWatcher::directoryChanged, this, [this] {
        const QString results = StudyPaths(m_studyDir).results();
        if (!m_files->files().contains(results) && QFileInfo::exists(results)) {
            m_files->addPath(results);
            scheduleRefresh();
        }
    });
}

QWidget *AnalysisView::buildSidePanel()
{
    auto *panel = new QWidget;
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);

    auto *predictBox = new QGroupBox(tr("Prediction at a target compute"));
    auto *predictLayout = new QVBoxLayout(predictBox);
    auto *row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("C =")));
    m_targetEdit = new QLineEdit;
    m_targetEdit->setObjectName(QStringLiteral("targetFlops"));
    m_targetEdit->setMaximumWidth(110);
    m_targetEdit->setToolTip(tr("Target compute in FLOPs, e.g. 1e24"));
    row->addWidget(m_targetEdit);
    m_targetSlider = new QSlider(Qt::Horizontal);
    m_targetSlider->setRange(int(kSliderLo / kSliderStep), int(kSliderHi / kSliderStep));
    m_targetSlider->setToolTip(tr("log10 of the target compute"));
    row->addWidget(m_targetSlider, 1);
    predictLayout->addLayout(row);
    m_prediction = new QLabel;
    m_prediction->setObjectName(QStringLiteral("prediction"));
    m_prediction->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_prediction->setWordWrap(true);
    predictLayout->addWidget(m_prediction);
    m_approaches = new QTableWidget(0, 6);
    m_approaches->setHorizontalHeaderLabels({tr("Approach"), tr("a (N ∝ C^a)"), tr("b (D ∝ C^b)"), tr("N_opt"), tr("D_opt"), tr("Loss")});
    m_approaches->verticalHeader()->hide();
    m_approaches->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_approaches->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_approaches->setToolTip(tr("Hover a value for its bootstrap interval"));
    m_approaches->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_approaches->setMaximumHeight(5 * (fontMetrics().height() + 6));
    predictLayout->addWidget(m_approaches);
    layout->addWidget(predictBox);

    auto *tableBox = new QGroupBox(tr("Chinchilla table"));
    auto *tableLayout = new QVBoxLayout(tableBox);
    m_table = new QTableWidget(0, 6);
    m_table->setHorizontalHeaderLabels({tr("C (FLOPs)"), tr("Approach"), tr("N_opt"), tr("D_opt"), tr("D/N"), tr("Loss")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->setToolTip(tr("Hover a value for its bootstrap interval; the copied table carries the intervals"));
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    tableLayout->addWidget(m_table);
    auto *copyRow = new QHBoxLayout;
    copyRow->addWidget(new QLabel(tr("Copy as:")));
    const std::pair<const char *, TableFormat> formats[] = {{"CSV", TableFormat::Csv}, {"Markdown", TableFormat::Markdown}, {"LaTeX", TableFormat::Latex}};
    for (const auto &[name, format] : formats) {
        auto *button = new QPushButton(QIcon::fromTheme(QStringLiteral("edit-copy")), QString::fromLatin1(name));
        const TableFormat f = format;
        connect(button, &QPushButton::clicked, this, [this, f] { copyTable(f); });
        copyRow->addWidget(button);
    }
    copyRow->addStretch();
    tableLayout->addLayout(copyRow);
    layout->addWidget(tableBox, 1);

    auto *excludedBox = new QGroupBox(tr("Runs left out of the fits"));
    auto *excludedLayout = new QVBoxLayout(excludedBox);
    m_excluded = new QListWidget;
    m_excluded->setToolTip(tr("Double-click a run excluded by hand to include it again"));
    excludedLayout->addWidget(m_excluded);
    m_excluded->setMaximumHeight(6 * (fontMetrics().height() + 4));
    layout->addWidget(excludedBox);
    connect(m_excluded, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem *item) {
        const QString id = item->data(Qt::UserRole).toString();
        if (!id.isEmpty())
            setRunExcluded(id, false);
    });

    connect(m_targetSlider, &QSlider::valueChanged, this, [this](int v) {
        const double c = std::pow(10.0, v * kSliderStep);
        m_targetEdit->setText(QString::number(c, 'g', 3));
        m_targetFlops = c;
        updatePrediction(); // point estimates at once; intervals after the refit on release
    });
    connect(m_targetSlider, &QSlider::sliderReleased, this, [this] { setTargetFlops(m_targetFlops); });
    connect(m_targetEdit, &QLineEdit::editingFinished, this, [this] {
        bool ok = false;
        const double c = m_targetEdit->text().toDouble(&ok);
        if (ok && c > 0 && std::isfinite(c))
            setTargetFlops(c);
        else
            m_targetEdit->setText(QString::number(m_targetFlops, 'g', 3));
    });
    return panel;
}

void AnalysisView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        for (const QList<QChart *> &charts : m_charts) {
            for (QChart *chart : charts)
                followPalette(chart, palette());
        }
    }
}

void AnalysisView::setStudyDir(const QString &studyDir)
{
    m_studyDir = studyDir;
    if (!m_files->files().isEmpty())
        m_files->removePaths(m_files->files());
    if (!m_files->directories().isEmpty())
        m_files->removePaths(m_files->directories());
    if (QFileInfo(studyDir).isDir())
        m_files->addPath(studyDir);
    if (QFileInfo::exists(StudyPaths(studyDir).results()))
        m_files->addPath(StudyPaths(studyDir).results());
    m_haveAnalysis = false;
    m_analysis = StudyAnalysis();
    m_results.clear();
    m_targetFlops = 0;
    m_largestBudget = 0;
    try {
        for (const RunSpec &run : loadPlan(StudyPaths(studyDir).sweep()).runs)
            m_largestBudget = std::max(m_largestBudget, run.budget);
    } catch (const InputError &) {
        // No readable plan: the fit says so; the table keeps Chinchilla's decades.
    }
    m_approachSet = false;
    m_bootstrap = -1;
    // Nothing of the previous study stays on screen while the new one is fitted.
    for (int f = 0; f < kFigureCount; ++f) {
        while (QLayoutItem *item = m_figureLayouts[f]->takeAt(0)) {
            delete item->widget();
            delete item;
        }
        m_charts[f].clear();
    }
    m_prediction->clear();
    m_approaches->setRowCount(0);
    m_table->setRowCount(0);
    m_excluded->clear();
    m_message->setText(tr("Fitting %1…").arg(studyDir));
    refresh();
}

void AnalysisView::scheduleRefresh()
{
    m_refitTimer->start();
}

void AnalysisView::refresh()
{
    if (m_studyDir.isEmpty())
        return;
    if (m_watcher.isRunning()) {
        m_again = true;
        return;
    }
    StudyAnalysisOptions options;
    options.targetFlops = m_targetFlops;
    options.approachSet = m_approachSet;
    options.approach = m_approach;
    if (m_approach == HeadlineApproach::Empirical)
        options.method = OptimumMethod::Empirical;
    if (m_bootstrap >= 0) {
        options.bootstrapSet = true;
        options.bootstrap.samples = m_bootstrap;
    }
    options.targets = tableTargets();
    const QString dir = m_studyDir;
    m_watcher.setFuture(QtConcurrent::run([dir, options]() {
        Job job;
        job.studyDir = dir;
        try {
            job.results = readResults(StudyPaths(dir));
            job.analysis = analyzeStudy(dir, options);
            saveAnalysis(job.analysis, dir);
            job.ok = true;
        } catch (const InputError &e) {
            job.error = e.message();
        } catch (const std::exception &e) {
            job.error = QString::fromLocal8Bit(e.what());
        }
        return job;
    }));
    Q_EMIT busyChanged(true);
    Q_EMIT statusMessage(tr("Fitting scaling laws…"));
}

QVector<double> AnalysisView::tableTargets() const
{
    // Five decades, as Chinchilla's table (1e21-1e25), from the decade of the study's largest
    // budget; the target compute is added to them.
    const double first = m_largestBudget > 0 ? std::pow(10.0, std::floor(std::log10(m_largestBudget) + 1e-9)) : 1e21;
    QVector<double> targets;
    for (int k = 0; k < 5; ++k)
        targets.append(first * std::pow(10.0, k));
    if (m_targetFlops > 0 && !targets.contains(m_targetFlops))
        targets.append(m_targetFlops);
    std::sort(targets.begin(), targets.end());
    return targets;
}

void AnalysisView::onFitFinished()
{
    Job job = m_watcher.result();
    if (job.studyDir != m_studyDir) {
        // A fit of the study that was open before: the open one is fitted next.
        m_again = false;
        refresh();
        return;
    }
    if (job.ok) {
        m_analysis = std::move(job.analysis);
        m_results = std::move(job.results);
        m_haveAnalysis = true;
        m_error.clear();
        m_targetFlops = m_analysis.targetFlops;
        m_approach = m_analysis.approach;
        const QSignalBlocker block1(m_approachBox), block2(m_bootstrapBox), block3(m_targetSlider);
        m_approachBox->setCurrentIndex(m_approachBox->findData(int(m_approach)));
        m_bootstrapBox->setValue(m_analysis.bootstrap.requested);
        m_targetSlider->setValue(int(std::lround(std::log10(m_targetFlops) / kSliderStep)));
        m_targetEdit->setText(QString::number(m_targetFlops, 'g', 3));
        QStringList notes = m_analysis.errors + m_analysis.warnings;
        notes.prepend(tr("%1 runs in the fits, %2 left out. Click a run in the IsoFLOP chart to exclude it; click a grey square to include it again.")
                          .arg(m_analysis.used.size())
                          .arg(m_analysis.excluded.size()));
        m_message->setText(notes.join(QLatin1Char('\n')));
        rebuildCharts();
        updatePrediction();
        updateTables();
    } else {
        m_error = job.error;
        m_message->setText(m_error);
    }
    // A study nobody has trained yet: say where to train it in the app.
    const bool untrained = !job.ok && !QFileInfo::exists(StudyPaths(job.studyDir).results());
    if (untrained)
        m_message->setText(tr("No results yet: train the runs in the Train area (Start all); the fits appear here as runs finish."));
    Q_EMIT busyChanged(false);
    if (job.ok) {
        Q_EMIT statusMessage(tr("Fitted %1 runs").arg(m_analysis.used.size()));
        Q_EMIT analysisUpdated();
    } else {
        Q_EMIT statusMessage(untrained ? tr("No results yet: Start all in the Train area trains the runs")
                                       : tr("No fit: %1").arg(m_error));
        Q_EMIT analysisFailed(m_error);
    }
    if (m_again) {
        m_again = false;
        refresh();
    }
}

QList<QChart *> AnalysisView::makeFigure(Figure figure, FigureStyle style) const
{
    switch (figure) {
    case Figure::IsoFlop: return {makeIsoFlopChart(m_analysis, style)};
    case Figure::Scaling: return makeScalingCharts(m_analysis, style);
    case Figure::TokensPerParam: return {makeTokensPerParamChart(m_analysis, style)};
    case Figure::Parametric:
        if (m_analysis.haveParametric)
            return {makeParametricChart(m_analysis, style)};
        return {};
    }
    return {};
}

QList<QChart *> AnalysisView::charts(Figure figure) const
{
    return m_charts.value(int(figure));
}

void AnalysisView::rebuildCharts()
{
    for (int f = 0; f < kFigureCount; ++f) {
        QBoxLayout *layout = m_figureLayouts[f];
        while (QLayoutItem *item = layout->takeAt(0)) {
            delete item->widget(); // a QChartView owns its chart
            delete item;
        }
        m_charts[f] = makeFigure(Figure(f), FigureStyle::Paper);
        for (QChart *chart : m_charts[f]) {
            followPalette(chart, palette());
            if (f == int(Figure::Scaling))
                chart->legend()->setAlignment(Qt::AlignRight);
            auto *view = new QChartView(chart);
            view->setRenderHint(QPainter::Antialiasing);
            view->setMinimumSize(240, 220);
            layout->addWidget(view);
        }
        if (m_charts[f].isEmpty()) {
            auto *label = new QLabel(tr("No parametric fit (approach 3 needs more runs)."));
            label->setAlignment(Qt::AlignCenter);
            layout->addWidget(label);
        }
    }
    m_tabs->setTabEnabled(int(Figure::Parametric), m_analysis.haveParametric);

    // The parametric chart's runs are clickable too: the nearest run in (ln N, ln D) is left out.
    QScatterSeries *parametricRuns = nullptr;
    for (QChart *chart : m_charts[int(Figure::Parametric)]) {
        for (QAbstractSeries *s : chart->series()) {
            if (s->name() == QLatin1String("runs"))
                parametricRuns = qobject_cast<QScatterSeries *>(s);
        }
    }
    if (parametricRuns) {
        connect(parametricRuns, &QScatterSeries::clicked, this, [this](const QPointF &p) {
            QString best;
            double bestDistance = 1e300;
            for (const FitPoint &f : m_analysis.used) {
                const double d = f.tokens > 0 ? f.tokens : f.budget / (6 * f.params);
                const double distance = std::abs(std::log(f.params / p.x())) + std::abs(std::log(d / p.y()));
                if (distance < bestDistance) {
                    bestDistance = distance;
                    best = f.id;
                }
            }
            if (!best.isEmpty())
                setRunExcluded(best, true);
        });
    }

    // The IsoFLOP chart: runs are clickable, and the runs left out are drawn as grey squares.
    const QList<QChart *> iso = m_charts[int(Figure::IsoFlop)];
    if (iso.isEmpty())
        return;
    QChart *chart = iso.first();
    for (QAbstractSeries *s : chart->series()) {
        auto *scatter = qobject_cast<QScatterSeries *>(s);
        if (!scatter || scatter->name() == QLatin1String("optimum"))
            continue;
        connect(scatter, &QScatterSeries::clicked, this, [this](const QPointF &p) { onIsoFlopPointClicked(p, false); });
    }
    auto *excluded = new QScatterSeries;
    excluded->setName(tr("left out"));
    excluded->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    excluded->setMarkerSize(7);
    excluded->setColor(QColor(150, 150, 150, 140));
    excluded->setBorderColor(QColor(110, 110, 110));
    QSet<QString> used;
    for (const FitPoint &p : m_analysis.used)
        used.insert(p.id);
    for (const RunResult &r : m_results) {
        if (!used.contains(r.id) && r.status == RunStatus::Done && std::isfinite(r.loss) && r.params > 0)
            excluded->append(r.params, r.loss);
    }
    if (excluded->count() == 0) {
        delete excluded;
        return;
    }
    const QList<QAbstractAxis *> xs = chart->axes(Qt::Horizontal), ys = chart->axes(Qt::Vertical);
    chart->addSeries(excluded);
    if (!xs.isEmpty() && !ys.isEmpty()) {
        excluded->attachAxis(xs.first());
        excluded->attachAxis(ys.first());
        // Widen the axes so the runs left out stay in view.
        for (const QPointF &p : excluded->points()) {
            if (auto *x = qobject_cast<QLogValueAxis *>(xs.first())) {
                if (p.x() < x->min())
                    x->setMin(p.x() / 1.3);
                if (p.x() > x->max())
                    x->setMax(p.x() * 1.3);
            }
            if (auto *y = qobject_cast<QValueAxis *>(ys.first())) {
                const double pad = 0.05 * (y->max() - y->min());
                if (p.y() < y->min())
                    y->setMin(p.y() - pad);
                if (p.y() > y->max())
                    y->setMax(p.y() + pad);
            }
        }
    }
    connect(excluded, &QScatterSeries::clicked, this, [this](const QPointF &p) { onIsoFlopPointClicked(p, true); });
}

void AnalysisView::onIsoFlopPointClicked(const QPointF &point, bool excludedSeries)
{
    // The run nearest the clicked marker, in (ln N, loss).
    QString best;
    double bestDistance = 1e300;
    auto consider = [&](const QString &id, double params, double loss) {
        const double d = std::abs(std::log(params / point.x())) + std::abs(loss - point.y()) * 10;
        if (d < bestDistance) {
            bestDistance = d;
            best = id;
        }
    };
    QSet<QString> used;
    for (const FitPoint &p : m_analysis.used)
        used.insert(p.id);
    if (excludedSeries) {
        for (const RunResult &r : m_results) {
            if (!used.contains(r.id) && r.status == RunStatus::Done && r.params > 0)
                consider(r.id, r.params, r.loss);
        }
    } else {
        for (const FitPoint &p : m_analysis.used)
            consider(p.id, p.params, p.loss);
    }
    if (!best.isEmpty())
        setRunExcluded(best, !excludedSeries);
}

void AnalysisView::setRunExcluded(const QString &runId, bool excluded)
{
    try {
        if (excluded)
            updateFitOverrides(m_studyDir, {}, {runId});
        else
            updateFitOverrides(m_studyDir, {runId}, {});
    } catch (const InputError &e) {
        QMessageBox::warning(this, tr("Exclude a run"), e.message());
        return;
    }
    Q_EMIT statusMessage(excluded ? tr("Excluded %1; refitting…").arg(runId) : tr("Included %1; refitting…").arg(runId));
    refresh();
}

void AnalysisView::setHeadlineApproach(HeadlineApproach approach)
{
    m_approach = approach;
    m_approachSet = true;
    refresh();
}

void AnalysisView::setTargetFlops(double flops)
{
    m_targetFlops = flops;
    updatePrediction();
    refresh();
}

void AnalysisView::setBootstrapSamples(int samples)
{
    if (m_haveAnalysis && samples == m_analysis.bootstrap.requested)
        return;
    m_bootstrap = samples;
    refresh();
}

void AnalysisView::updatePrediction()
{
    if (!m_haveAnalysis) {
        m_prediction->clear();
        return;
    }
    const double c = m_targetFlops;
    const QVector<TableRow> rows = chinchillaRows(m_analysis, {c});
    const QString headline = m_analysis.predictionApproach();
    Interval ni, di, li;
    for (const TableRow &r : rows) {
        if (r.approach == headline)
            ni = r.paramsInterval, di = r.tokensInterval, li = r.lossInterval;
    }
    const double n = m_analysis.predictParams(c), d = m_analysis.predictTokens(c), l = m_analysis.predictLoss(c);
    m_prediction->setText(tr("<b>%1</b> at C = %2 FLOPs:<br>N_opt = %3<br>D_opt = %4 (D/N = %5)<br>loss = %6%7")
                              .arg(headline, sci(c), withInterval(n, ni, false), withInterval(d, di, false))
                              .arg(d / n, 0, 'f', 1)
                              .arg(withInterval(l, li, true))
                              .arg(m_analysis.bootstrap.requested > 0 ? tr("<br><small>[%1 % bootstrap intervals, %2 samples]</small>")
                                                                          .arg(100 * m_analysis.bootstrap.level, 0, 'g', 3)
                                                                          .arg(m_analysis.bootstrap.requested)
                                                                    : tr("<br><small>Set a bootstrap to see intervals.</small>")));
    // Every approach that was fitted, side by side at this budget.
    m_approaches->setRowCount(int(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
        const TableRow &r = rows[i];
        double a = std::nan(""), b = std::nan("");
        if (r.approach == QLatin1String("parametric")) {
            a = m_analysis.parametric.law.exponentA();
            b = m_analysis.parametric.law.exponentB();
        } else if (r.approach == QLatin1String("envelope")) {
            a = m_analysis.envelope.nOpt.a;
            b = m_analysis.envelope.dOpt.a;
        } else {
            a = m_analysis.isoFlop.nOpt.a;
            b = m_analysis.isoFlop.dOpt.a;
        }
        const QList<QTableWidgetItem *> cells{new QTableWidgetItem(r.approach), new QTableWidgetItem(QString::number(a, 'f', 3)),
                                              new QTableWidgetItem(QString::number(b, 'f', 3)), valueItem(r.params, r.paramsInterval, false),
                                              valueItem(r.tokens, r.tokensInterval, false), valueItem(r.loss, r.lossInterval, true)};
        for (int col = 0; col < cells.size(); ++col) {
            QTableWidgetItem *item = cells[col];
            if (r.approach == headline) {
                QFont font = item->font();
                font.setBold(true);
                item->setFont(font);
            }
            m_approaches->setItem(i, col, item);
        }
    }
}

void AnalysisView::updateTables()
{
    const QVector<TableRow> rows = chinchillaRows(m_analysis, tableTargets());
    m_table->setRowCount(int(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
        const TableRow &r = rows[i];
        const QList<QTableWidgetItem *> cells{new QTableWidgetItem(sci(r.flops)), new QTableWidgetItem(r.approach),
                                              valueItem(r.params, r.paramsInterval, false), valueItem(r.tokens, r.tokensInterval, false),
                                              new QTableWidgetItem(QString::number(r.tokens / r.params, 'f', 1)),
                                              valueItem(r.loss, r.lossInterval, true)};
        for (int col = 0; col < cells.size(); ++col)
            m_table->setItem(i, col, cells[col]);
    }
    m_excluded->clear();
    for (const QString &entry : m_analysis.excluded) {
        auto *item = new QListWidgetItem(entry, m_excluded);
        const QString id = entry.section(QLatin1Char(':'), 0, 0);
        if (m_analysis.forcedOut.contains(id))
            item->setData(Qt::UserRole, id);
        else
            item->setFlags(item->flags() & ~Qt::ItemIsEnabled);
    }
}

QString AnalysisView::tableText(TableFormat format) const
{
    if (!m_haveAnalysis)
        return {};
    return chinchillaTable(m_analysis, tableTargets(), format);
}

void AnalysisView::copyTable(TableFormat format)
{
    const QString text = tableText(format);
    if (text.isEmpty())
        return;
    QGuiApplication::clipboard()->setText(text);
    Q_EMIT statusMessage(tr("Chinchilla table copied"));
}

void AnalysisView::exportFigure(Figure figure, const QString &path, const ExportOptions &options) const
{
    if (!m_haveAnalysis)
        throw InputError(QStringLiteral("%1: nothing to export: the study has no fit yet").arg(path));
    QList<QChart *> charts = makeFigure(figure, options.style);
    const auto cleanup = qScopeGuard([&charts] { qDeleteAll(charts); });
    if (charts.isEmpty())
        throw InputError(QStringLiteral("%1: the study has no parametric fit to draw").arg(path));
    renderCharts(charts, path, options);
}

QStringList AnalysisView::exportAllFigures(const ExportOptions &options) const
{
    if (!m_haveAnalysis)
        throw InputError(QStringLiteral("%1: nothing to export: the study has no fit yet").arg(m_studyDir));
    return exportStudyFigures(m_studyDir, m_analysis, options);
}

void AnalysisView::exportCurvesCsv(const QString &path) const
{
    if (!m_haveAnalysis)
        throw InputError(QStringLiteral("%1: nothing to export: the study has no fit yet").arg(path));
    QByteArray csv("figure,panel,series,x,y\n");
    auto quote = [](QString s) { return QLatin1Char('"') + s.replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"'); };
    auto addSeries = [&](const QString &figure, int panel, const QString &name, const QList<QPointF> &points) {
        for (const QPointF &p : points)
            csv += QStringLiteral("%1,%2,%3,%4,%5\n").arg(figure).arg(panel).arg(quote(name)).arg(p.x(), 0, 'g', 10).arg(p.y(), 0, 'g', 10).toUtf8();
    };
    for (int f = 0; f < kFigureCount; ++f) {
        QList<QChart *> charts = makeFigure(Figure(f), FigureStyle::Paper);
        const auto cleanup = qScopeGuard([&charts] { qDeleteAll(charts); });
        for (int panel = 0; panel < charts.size(); ++panel) {
            const QString title = charts[panel]->title();
            for (QAbstractSeries *s : charts[panel]->series()) {
                const QString name = s->name().isEmpty() ? title : s->name();
                if (auto *xy = qobject_cast<QXYSeries *>(s)) {
                    addSeries(QString::fromLatin1(kFigureNames[f]), panel, name, xy->points());
                } else if (auto *area = qobject_cast<QAreaSeries *>(s)) {
                    addSeries(QString::fromLatin1(kFigureNames[f]), panel, name + QStringLiteral(" (upper)"), area->upperSeries()->points());
                    if (area->lowerSeries())
                        addSeries(QString::fromLatin1(kFigureNames[f]), panel, name + QStringLiteral(" (lower)"), area->lowerSeries()->points());
                }
            }
        }
    }
    writeFileAtomically(path, csv);
}

void AnalysisView::showExportDialog(bool all)
{
    if (!m_haveAnalysis) {
        QMessageBox::information(this, tr("Export"), tr("There is no fit to export yet."));
        return;
    }
    QDialog dialog(this);
    dialog.setWindowTitle(all ? tr("Export all figures") : tr("Export figure"));
    auto *form = new QFormLayout(&dialog);
    auto *style = new QComboBox;
    style->addItem(tr("Paper"), QStringLiteral("paper"));
    style->addItem(tr("Notebook"), QStringLiteral("notebook"));
    form->addRow(tr("Style:"), style);
    auto *dpi = new QSpinBox;
    dpi->setRange(48, 1200);
    dpi->setValue(300);
    dpi->setSuffix(tr(" dpi"));
    form->addRow(tr("PNG resolution:"), dpi);
    auto *formats = new QComboBox;
    formats->addItems({QStringLiteral("png,svg,pdf"), QStringLiteral("png"), QStringLiteral("svg"), QStringLiteral("pdf")});
    if (all)
        form->addRow(tr("Formats:"), formats);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted)
        return;
    ExportOptions options;
    options.style = parseFigureStyle(style->currentData().toString());
    options.dpi = dpi->value();
    options.formats = formats->currentText().split(QLatin1Char(','));
    try {
        if (all) {
            const QStringList written = exportAllFigures(options);
            Q_EMIT statusMessage(tr("%1 files written to %2").arg(written.size()).arg(StudyPaths(m_studyDir).figuresDir()));
            return;
        }
        const int f = m_tabs->currentIndex();
        const QString suggested = StudyPaths(m_studyDir).figuresDir() + QLatin1Char('/') + QString::fromLatin1(kFigureNames[f]) + QStringLiteral(".png");
        const QString path = QFileDialog::getSaveFileName(this, tr("Export figure"), suggested, tr("PNG (*.png);;SVG (*.svg);;PDF (*.pdf)"));
        if (path.isEmpty())
            return;
        exportFigure(Figure(f), path, options);
        Q_EMIT statusMessage(tr("Figure written to %1").arg(path));
    } catch (const InputError &e) {
        QMessageBox::warning(this, tr("Export"), e.message());
    }
}

} // namespace flopsfit::ui
