#include "TrainingDashboard.h"

#include "train/SweepRunner.h"
#include "LossPlot.h"
#include "ProgressBarDelegate.h"
#include "SweepController.h"
#include "util/Error.h"
#include "util/Json.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedLayout>
#include <QSysInfo>
#include <QtConcurrent/QtConcurrentRun>
#include <QTableView>
#include <QThread>
#include <QVBoxLayout>

#include <algorithm>

namespace flopsfit::ui {

namespace {
// Colour by budget (a qualitative palette, small to large compute), lighter for larger models;
// on a dark background every shade is lighter, so that none fades into it.
QColor runColour(int budgetIndex, int sizeIndex, int sizes, bool darkBackground)
{
    static const QColor palette[] = {QColor(0x44, 0x77, 0xaa), QColor(0xee, 0x66, 0x77), QColor(0x22, 0x88, 0x33),
                                     QColor(0xcc, 0xbb, 0x44), QColor(0x66, 0xcc, 0xee), QColor(0xaa, 0x33, 0x77),
                                     QColor(0x99, 0x55, 0x00), QColor(0x33, 0x33, 0x99)};
    const QColor base = palette[budgetIndex % int(std::size(palette))];
    const double t = sizes > 1 ? double(sizeIndex) / (sizes - 1) : 0.5;
    if (darkBackground)
        return base.darker(int(105 - 30 * t)); // the same steps, 30 points lighter
    return base.darker(int(135 - 55 * t));     // 135: darker, 80: lighter
}

// 7.1e11, 2.88e4: short enough for a legend entry ("7.1e+11" with its sign and zeros is not).
QString compactNumber(double v, int digits)
{
    QString text = QString::number(v, 'g', digits);
    text.replace(QStringLiteral("e+0"), QStringLiteral("e")).replace(QStringLiteral("e+"), QStringLiteral("e"));
    return text.replace(QStringLiteral("e-0"), QStringLiteral("e-"));
}

// A finished run's throughput over its whole training: NaN when its result does not say, or
// when the simulated backend made it up (its runs take no time).
double averageTokensPerSecond(const RunResult &result)
{
    if (result.backend == QLatin1String("simulated"))
        return std::nan("");
    return result.tokens > 0 && result.wallSeconds > 0 ? result.tokens / result.wallSeconds : std::nan("");
}

// What a logged result (done, diverged or failed) says of its row; the step is the caller's.
void applyResult(RunRow &r, const RunResult &result)
{
    r.state = result.status == RunStatus::Done       ? RunRow::State::Done
              : result.status == RunStatus::Diverged ? RunRow::State::Diverged
                                                     : RunRow::State::Failed;
    r.detail = result.message;
    if (result.status == RunStatus::Done) {
        r.loss = result.loss;
        r.tokensPerSecond = averageTokensPerSecond(result);
    }
}

bool processAlive(qint64 pid)
{
#ifdef Q_OS_LINUX
    return QFileInfo::exists(QStringLiteral("/proc/%1").arg(pid));
#else
    Q_UNUSED(pid);
    return true;
#endif
}
} // namespace

TrainingDashboard::TrainingDashboard(QWidget *parent) : QWidget(parent)
{
    m_controller = new SweepController(this);
    m_model = new RunsTableModel(this);
    buildUi();

    connect(&m_reads, &QFutureWatcher<MetricsBatch>::finished, this, &TrainingDashboard::metricsRead);
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(100);
    connect(&m_refreshTimer, &QTimer::timeout, this, &TrainingDashboard::refresh);
    m_pollTimer.setInterval(2000);
    connect(&m_pollTimer, &QTimer::timeout, this, [this]() {
        for (const RunRow &r : m_model->runs())
            m_metricsDirty.insert(r.spec.id);
        scheduleRefresh(true);
    });
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, [this](const QString &path) {
        const QString id = QFileInfo(path).fileName();
        if (m_readers.contains(id))
            m_metricsDirty.insert(id);
        scheduleRefresh(true);
    });
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, [this](const QString &path) {
        if (path == StudyPaths(m_studyDir).results()) {
            scheduleRefresh(true);
            return;
        }
        m_metricsDirty.insert(QFileInfo(path).dir().dirName());
        scheduleRefresh(false);
    });

    connect(m_controller, &SweepController::runQueued, this, [this](const QString &id) {
        const int row = m_model->rowOf(id);
        if (row < 0)
            return;
        RunRow r = m_model->run(row);
        r.state = RunRow::State::Queued;
        setRow(row, r);
    });
    connect(m_controller, &SweepController::runStarted, this, [this](const QString &id, int threads) {
        const int row = m_model->rowOf(id);
        if (row < 0)
            return;
        RunRow r = m_model->run(row);
        r.state = RunRow::State::Running;
        r.detail = QStringLiteral("%1 thread(s)").arg(threads);
        setRow(row, r);
        // The attempt rewrites or extends its metrics; read them again from the start.
        m_plot->clearPoints(id);
        m_readers[id].reset();
        if (m_reads.isRunning())
            m_resetPending.insert(id);
        m_metricsDirty.insert(id);
        scheduleRefresh(false);
    });
    connect(m_controller, &SweepController::runProgress, this, &TrainingDashboard::onProgress);
    connect(m_controller, &SweepController::runFinished, this, &TrainingDashboard::onRunFinished);
    connect(m_controller, &SweepController::runDequeued, this, &TrainingDashboard::onRunStopped);
    connect(m_controller, &SweepController::warning, this, &TrainingDashboard::statusMessage);
    connect(m_controller, &SweepController::error, this, [this](const QString &message) {
        m_summary->setText(message);
        Q_EMIT statusMessage(message);
    });
    connect(m_controller, &SweepController::busyChanged, this, [this](bool busy) {
        updateButtons();
        Q_EMIT trainingChanged(busy);
    });
    connect(m_controller, &SweepController::finished, this, [this](bool completed) {
        scheduleRefresh(true);
        if (completed) {
            Q_EMIT statusMessage(QStringLiteral("Sweep finished"));
            Q_EMIT sweepFinished();
        } else {
            Q_EMIT statusMessage(QStringLiteral("Sweep stopped; runs resume when started again"));
        }
    });
}

TrainingDashboard::~TrainingDashboard()
{
    m_controller->blockSignals(true);
    m_controller->stopAndWait();
    m_reads.waitForFinished();
}

void TrainingDashboard::buildUi()
{
    m_startAll = new QPushButton(tr("Start all"), this);
    m_startAll->setObjectName(QStringLiteral("startAll"));
    m_startAll->setToolTip(tr("Train every pending run"));
    m_stopAll = new QPushButton(tr("Stop all"), this);
    m_stopAll->setToolTip(tr("Stop every run with a checkpoint; starting again resumes"));
    m_start = new QPushButton(tr("Start"), this);
    m_start->setToolTip(tr("Train the selected runs (first in the queue)"));
    m_pause = new QPushButton(tr("Pause"), this);
    m_pause->setToolTip(tr("Stop the selected runs with a checkpoint"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setToolTip(tr("Stop the selected runs and discard their progress"));
    m_concurrency = new QSpinBox(this);
    m_concurrency->setRange(1, 256);
    m_concurrency->setValue(m_controller->concurrency());
    m_concurrency->setToolTip(tr("Runs that train at the same time"));
    m_summary = new QLabel(this);

    auto *controls = new QHBoxLayout;
    controls->addWidget(m_startAll);
    controls->addWidget(m_stopAll);
    controls->addSpacing(12);
    controls->addWidget(m_start);
    controls->addWidget(m_pause);
    controls->addWidget(m_cancel);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Concurrent runs:"), this));
    controls->addWidget(m_concurrency);
    controls->addStretch(1);
    controls->addWidget(m_summary);

    m_table = new QTableView(this);
    m_table->setModel(m_model);
    m_table->setItemDelegateForColumn(RunsTableModel::Progress, new ProgressBarDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu menu(this);
        menu.addAction(tr("Start"), m_start, &QPushButton::click);
        menu.addAction(tr("Pause"), m_pause, &QPushButton::click);
        menu.addAction(tr("Cancel"), m_cancel, &QPushButton::click);
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &TrainingDashboard::updateButtons);

    m_plot = new LossPlot(this);
    m_plot->setPlaceholderText(tr("No loss points yet. Start all trains the runs; their curves draw here as they train."));
    m_smoothing = new QSlider(Qt::Horizontal, this);
    m_smoothing->setRange(0, 99);
    m_smoothing->setValue(int(m_plot->smoothing() * 100));
    m_smoothing->setToolTip(tr("EMA smoothing of the loss (the raw curve stays faded behind)"));
    auto *smoothingValue = new QLabel(QString::number(m_plot->smoothing(), 'f', 2), this);
    m_logX = new QCheckBox(tr("Log x"), this);
    m_logY = new QCheckBox(tr("Log y"), this);
    m_xAxis = new QComboBox(this);
    m_xAxis->addItem(tr("Step"), int(LossPlot::XAxis::Step));
    m_xAxis->addItem(tr("Tokens"), int(LossPlot::XAxis::Tokens));
    m_xAxis->addItem(tr("FLOPs"), int(LossPlot::XAxis::Flops));
    m_xAxis->addItem(tr("Wall time"), int(LossPlot::XAxis::WallTime));
    m_xAxis->setToolTip(tr("Plot the loss against optimizer steps, tokens seen, FLOPs spent or wall time"));
    auto *reset = new QPushButton(tr("Reset range"), this);
    reset->setToolTip(tr("Follow the data again (drag to zoom, wheel to zoom, double-click resets)"));
    auto *csv = new QPushButton(tr("Export CSV…"), this);
    csv->setToolTip(tr("Every point of every run's curve, raw and smoothed"));
    auto *image = new QPushButton(tr("Export image…"), this);
    image->setToolTip(tr("The plot as PNG or SVG"));

    connect(m_smoothing, &QSlider::valueChanged, this, [this, smoothingValue](int v) {
        m_plot->setSmoothing(v / 100.0);
        smoothingValue->setText(QString::number(v / 100.0, 'f', 2));
    });
    connect(m_logX, &QCheckBox::toggled, m_plot, &LossPlot::setLogX);
    connect(m_logY, &QCheckBox::toggled, m_plot, &LossPlot::setLogY);
    // Training curves fall steeply over the first steps and then slowly: on a linear step axis
    // most of each curve is squeezed against the left edge.
    m_logX->setChecked(true);
    connect(m_xAxis, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this](int) { m_plot->setXAxis(LossPlot::XAxis(m_xAxis->currentData().toInt())); });
    connect(reset, &QPushButton::clicked, m_plot, &LossPlot::resetView);
    connect(csv, &QPushButton::clicked, this, &TrainingDashboard::exportCurves);
    connect(image, &QPushButton::clicked, this, &TrainingDashboard::exportPlotImage);

    auto *plotControls = new QHBoxLayout;
    plotControls->addWidget(new QLabel(tr("Smoothing:"), this));
    plotControls->addWidget(m_smoothing, 1);
    plotControls->addWidget(smoothingValue);
    plotControls->addSpacing(12);
    plotControls->addWidget(m_logX);
    plotControls->addWidget(m_logY);
    plotControls->addWidget(new QLabel(tr("x axis:"), this));
    plotControls->addWidget(m_xAxis);
    plotControls->addWidget(reset);
    plotControls->addStretch(1);
    plotControls->addWidget(csv);
    plotControls->addWidget(image);

    auto *plotBox = new QWidget(this);
    auto *plotLayout = new QVBoxLayout(plotBox);
    plotLayout->setContentsMargins(0, 0, 0, 0);
    plotLayout->addLayout(plotControls);
    plotLayout->addWidget(m_plot, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(plotBox);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);

    auto *content = new QWidget(this);
    auto *contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    contentLayout->addLayout(controls);
    contentLayout->addWidget(split, 1);

    // What to do while no study is open (or the one opened cannot be read).
    m_emptyState = new QLabel(this);
    m_emptyState->setObjectName(QStringLiteral("emptyState"));
    m_emptyState->setAlignment(Qt::AlignCenter);
    m_emptyState->setWordWrap(true);
    m_emptyState->setTextFormat(Qt::RichText);

    m_pages = new QStackedLayout(this);
    m_pages->addWidget(m_emptyState);
    m_pages->addWidget(content);
    showEmptyState(QString());

    connect(m_startAll, &QPushButton::clicked, this, &TrainingDashboard::startAll);
    connect(m_stopAll, &QPushButton::clicked, this, &TrainingDashboard::stopAll);
    connect(m_start, &QPushButton::clicked, this, [this]() {
        const QStringList ids = selectedRuns();
        for (auto it = ids.rbegin(); it != ids.rend(); ++it) // keep their order at the head of the queue
            startRun(*it);
    });
    connect(m_pause, &QPushButton::clicked, this, [this]() {
        for (const QString &id : selectedRuns())
            pauseRun(id);
    });
    connect(m_cancel, &QPushButton::clicked, this, [this]() {
        for (const QString &id : selectedRuns())
            cancelRun(id);
    });
    connect(m_concurrency, qOverload<int>(&QSpinBox::valueChanged), m_controller, &SweepController::setConcurrency);
    updateButtons();
}

void TrainingDashboard::showEmptyState(const QString &error)
{
    QString text = tr("<h3>No study is open</h3>"
                      "<p><b>File → New Study…</b> (Ctrl+N) plans a sweep from a preset (<i>demo</i> trains in "
                      "seconds on the simulated backend);<br><b>File → Open Study…</b> (Ctrl+O) opens a study folder.</p>"
                      "<p>Its runs then appear here: <b>Start all</b> trains them and their loss curves draw live.</p>");
    if (!error.isEmpty())
        text += QStringLiteral("<p style=\"color:#c0392b\">%1</p>").arg(error.toHtmlEscaped());
    m_emptyState->setText(text);
    m_pages->setCurrentIndex(0);
}

void TrainingDashboard::setPollInterval(int ms)
{
    m_pollTimer.setInterval(ms);
}

bool TrainingDashboard::isTraining() const
{
    return m_controller->isBusy();
}

void TrainingDashboard::requestStopForClose()
{
    m_controller->stopAndWait();
    readStatus();
}

bool TrainingDashboard::openStudy(const QString &studyDir)
{
    if (m_controller->isBusy())
        requestStopForClose();
    SweepPlan plan;
    try {
        plan = loadPlan(StudyPaths(studyDir).sweep());
    } catch (const InputError &e) {
        if (m_studyDir.isEmpty())
            showEmptyState(e.message());
        Q_EMIT statusMessage(e.message());
        return false;
    }
    m_studyDir = QDir(studyDir).absolutePath();
    m_pages->setCurrentIndex(1);
    m_plan = plan;
    m_controller->setStudy(plan, m_studyDir);
    m_model->setRuns(plan.runs);
    m_plot->removeAllSeries();
    m_readers.clear();
    m_metricsDirty.clear();
    m_resetPending.clear();
    ++m_generation;
    const StudyPaths paths(m_studyDir);
    QHash<int, int> sizesPerBudget, sizeIndex;
    for (const RunSpec &run : plan.runs)
        ++sizesPerBudget[run.budgetIndex];
    const bool dark = palette().color(QPalette::Base).lightness() < 128;
    for (const RunSpec &run : plan.runs) {
        const int i = sizeIndex[run.budgetIndex]++;
        const QString label = QStringLiteral("C=%1 N=%2").arg(compactNumber(run.budget, 2), compactNumber(run.params, 3)) +
                              (plan.spec.seeds.size() > 1 ? QStringLiteral(" s%1").arg(run.seed) : QString());
        m_plot->addSeries(run.id, label, runColour(run.budgetIndex, i, sizesPerBudget.value(run.budgetIndex), dark));
        m_readers.insert(run.id, RunMetricsReader(paths.metrics(run.id)));
        m_metricsDirty.insert(run.id);
    }
    const QStringList watched = m_watcher.files() + m_watcher.directories();
    if (!watched.isEmpty())
        m_watcher.removePaths(watched);
    m_watcher.addPath(m_studyDir);
    m_loading = true; // what is finished already is no news
    m_statusDirty = true;
    refresh();
    m_loading = false;
    m_pollTimer.start();
    m_table->resizeColumnsToContents();
    // Room for what the live columns will show.
    const QFontMetrics fm = m_table->fontMetrics();
    const std::pair<int, QString> widest[] = {{RunsTableModel::Status, QStringLiteral("running elsewhere")},
                                              {RunsTableModel::Progress, QStringLiteral("100% progress")},
                                              {RunsTableModel::Step, QStringLiteral("9999999 / 9999999")},
                                              {RunsTableModel::Loss, QStringLiteral("99.9999")},
                                              {RunsTableModel::TokensPerSecond, QStringLiteral("9.99e+99")}};
    for (const auto &[column, text] : widest)
        m_table->setColumnWidth(column, std::max(m_table->columnWidth(column), fm.horizontalAdvance(text) + 16));
    updateButtons();
    Q_EMIT statusMessage(QStringLiteral("%1: %2 runs").arg(m_studyDir).arg(plan.runs.size()));
    return true;
}

void TrainingDashboard::scheduleRefresh(bool status)
{
    m_statusDirty = m_statusDirty || status;
    if (!m_refreshTimer.isActive())
        m_refreshTimer.start();
}

void TrainingDashboard::refresh()
{
    if (m_studyDir.isEmpty())
        return;
    if (m_statusDirty) {
        m_statusDirty = false;
        updateWatches();
        readStatus();
    }
    startMetricsRead();
    updateSummary();
}

void TrainingDashboard::startMetricsRead()
{
    if (m_reads.isRunning() || m_metricsDirty.isEmpty())
        return;
    MetricsBatch batch;
    batch.generation = m_generation;
    for (const QString &id : std::exchange(m_metricsDirty, {})) {
        const auto it = m_readers.constFind(id);
        if (it != m_readers.constEnd())
            batch.readers.insert(id, *it);
    }
    // Slices keep each batch short, so the GUI thread takes in a bounded number of points at once.
    m_reads.setFuture(QtConcurrent::run([batch]() mutable {
        for (auto it = batch.readers.begin(); it != batch.readers.end(); ++it)
            batch.chunks.insert(it.key(), it->readNew(256 * 1024));
        return batch;
    }));
}

void TrainingDashboard::metricsRead()
{
    const MetricsBatch batch = m_reads.result();
    const QSet<QString> resetMeanwhile = std::exchange(m_resetPending, {});
    if (batch.generation == m_generation) {
        for (auto it = batch.chunks.constBegin(); it != batch.chunks.constEnd(); ++it) {
            if (resetMeanwhile.contains(it.key()))
                continue; // read before the run started over: the reader was reset since
            m_readers[it.key()] = batch.readers.value(it.key());
            applyMetrics(it.key(), it.value());
            if (it->more)
                m_metricsDirty.insert(it.key());
        }
    }
    startMetricsRead();
}

void TrainingDashboard::updateWatches()
{
    const StudyPaths paths(m_studyDir);
    QStringList want;
    if (QFileInfo::exists(paths.runsDir()))
        want << paths.runsDir();
    if (QFileInfo::exists(paths.results()))
        want << paths.results();
    for (const RunRow &r : m_model->runs()) {
        const QString dir = paths.runDir(r.spec.id);
        if (!QFileInfo::exists(dir))
            continue;
        want << dir;
        if (!r.finished() && QFileInfo::exists(paths.metrics(r.spec.id)))
            want << paths.metrics(r.spec.id);
    }
    const QStringList have = m_watcher.files() + m_watcher.directories();
    QStringList add;
    for (const QString &p : want) {
        if (!have.contains(p))
            add << p;
    }
    if (!add.isEmpty())
        m_watcher.addPaths(add);
}

RunRow::State TrainingDashboard::stateFromFiles(const QString &runId, QString *detail) const
{
    const StudyPaths paths(m_studyDir);
    const QString marker = paths.runMarker(runId);
    if (QFileInfo::exists(marker)) {
        try {
            const QJsonObject m = readJsonObjectFile(marker);
            const QString host = m.value(QStringLiteral("host")).toString();
            const qint64 pid = m.value(QStringLiteral("pid")).toInteger();
            const bool here = host == QSysInfo::machineHostName();
            // A marker left by a process that is gone (or by this one, for a run it no longer trains).
            const bool stale = here && (pid == QCoreApplication::applicationPid() || !processAlive(pid));
            if (!stale) {
                *detail = QStringLiteral("%1 pid %2").arg(host).arg(pid);
                return RunRow::State::Elsewhere;
            }
        } catch (const InputError &) {
            *detail = QString(); // being written right now
            return RunRow::State::Elsewhere;
        }
    }
    if (QFileInfo::exists(paths.checkpoint(runId))) {
        *detail = QStringLiteral("resumes from its checkpoint");
        return RunRow::State::Paused;
    }
    if (QFileInfo(paths.metrics(runId)).size() > 0) {
        *detail = QStringLiteral("no checkpoint: starts over");
        return RunRow::State::Stopped;
    }
    return RunRow::State::Pending;
}

void TrainingDashboard::readStatus()
{
    QHash<QString, RunResult> results;
    try {
        QStringList warnings;
        results = readResults(StudyPaths(m_studyDir), &warnings);
        for (const QString &w : warnings)
            Q_EMIT statusMessage(w);
    } catch (const InputError &e) {
        Q_EMIT statusMessage(e.message());
        return;
    }
    for (int row = 0; row < m_model->rowCount(); ++row) {
        RunRow r = m_model->run(row);
        const QString &id = r.spec.id;
        if (m_controller->isActive(id) || m_controller->isQueued(id))
            continue; // this app's own runs follow the controller
        const auto it = results.constFind(id);
        if (it != results.constEnd() && it->status != RunStatus::Cancelled) {
            applyResult(r, *it);
            r.step = it->steps;
            if (r.state == RunRow::State::Failed) {
                // A failed run may be retried, here or by a cluster task.
                QString detail;
                if (stateFromFiles(id, &detail) == RunRow::State::Elsewhere) {
                    r.state = RunRow::State::Elsewhere;
                    r.detail = detail;
                }
            }
        } else {
            r.state = stateFromFiles(id, &r.detail);
        }
        setRow(row, r);
    }
}

void TrainingDashboard::applyMetrics(const QString &runId, const RunMetricsReader::Chunk &chunk)
{
    const int row = m_model->rowOf(runId);
    if (row < 0)
        return;
    if (chunk.restarted)
        m_plot->clearPoints(runId);
    for (const QString &w : chunk.warnings)
        Q_EMIT statusMessage(w);
    if (chunk.points.isEmpty())
        return;
    m_plot->appendPoints(runId, chunk.points);
    RunRow r = m_model->run(row);
    if (r.finished() || r.state == RunRow::State::Running)
        return; // a finished run shows its result; a run trained here reports its own progress
    const MetricPoint &last = chunk.points.last();
    if (std::isfinite(last.step))
        r.step = qint64(last.step);
    if (std::isfinite(last.loss))
        r.loss = last.loss;
    if (std::isfinite(last.tokensPerSecond))
        r.tokensPerSecond = last.tokensPerSecond;
    else if (std::isfinite(last.wallSeconds) && last.wallSeconds > 0 && std::isfinite(last.tokens))
        r.tokensPerSecond = last.tokens / last.wallSeconds;
    if (std::isfinite(last.wallSeconds) && r.step > 0)
        r.etaSeconds = last.wallSeconds * double(r.spec.steps - r.step) / double(r.step);
    setRow(row, r);
}

void TrainingDashboard::setRow(int row, RunRow value)
{
    const bool wasFinished = m_model->run(row).finished();
    const bool stateChanged = m_model->run(row).state != value.state;
    const QString id = value.spec.id;
    const bool nowFinished = value.finished();
    m_model->updateRun(row, value);
    if (stateChanged)
        updateButtons();
    if (nowFinished && !wasFinished) {
        m_metricsDirty.insert(id); // read the last lines of its curve
        scheduleRefresh(false);
        if (!m_loading)
            Q_EMIT runFinished(id);
    }
}

void TrainingDashboard::onProgress(const RunProgress &p)
{
    const int row = m_model->rowOf(p.runId);
    if (row < 0)
        return;
    RunRow r = m_model->run(row);
    if (r.state != RunRow::State::Running)
        return;
    r.step = p.step;
    r.loss = p.trainLoss;
    r.tokensPerSecond = p.tokensPerSecond;
    if (p.step > 0)
        r.etaSeconds = p.elapsedSeconds * double(p.totalSteps - p.step) / double(p.step);
    setRow(row, r);
    m_metricsDirty.insert(p.runId);
    scheduleRefresh(false);
}

void TrainingDashboard::onRunFinished(const RunResult &result)
{
    const int row = m_model->rowOf(result.id);
    if (row < 0)
        return;
    if (result.status == RunStatus::Cancelled) {
        onRunStopped(result.id);
        return;
    }
    RunRow r = m_model->run(row);
    applyResult(r, result);
    r.step = result.steps > 0 ? result.steps : r.step;
    setRow(row, r);
    if (r.state == RunRow::State::Failed)
        Q_EMIT statusMessage(QStringLiteral("Run %1 failed: %2").arg(result.id, result.message));
}

void TrainingDashboard::onRunStopped(const QString &runId)
{
    const int row = m_model->rowOf(runId);
    if (row < 0 || m_controller->isActive(runId) || m_controller->isQueued(runId))
        return;
    // The files say what it is now: paused, stopped, pending, or finished meanwhile elsewhere.
    m_statusDirty = true;
    m_metricsDirty.insert(runId);
    refresh();
}

void TrainingDashboard::startAll()
{
    // Every run that is neither finished nor trained by another process, in plan order.
    refresh();
    for (const RunRow &r : m_model->runs()) {
        if (!r.finished() && r.state != RunRow::State::Elsewhere)
            m_controller->queueRun(r.spec.id);
    }
}

void TrainingDashboard::stopAll()
{
    m_controller->cancelAll();
}

void TrainingDashboard::startRun(const QString &runId)
{
    const int row = m_model->rowOf(runId);
    if (row < 0)
        return;
    const RunRow::State s = m_model->run(row).state;
    if (s == RunRow::State::Done || s == RunRow::State::Diverged || s == RunRow::State::Elsewhere)
        return;
    m_controller->startRun(runId);
}

void TrainingDashboard::pauseRun(const QString &runId)
{
    m_controller->pauseRun(runId);
}

void TrainingDashboard::cancelRun(const QString &runId)
{
    const bool active = m_controller->isActive(runId);
    m_controller->cancelRun(runId);
    if (!active) {
        m_plot->clearPoints(runId);
        onRunStopped(runId);
    }
}

QStringList TrainingDashboard::selectedRuns() const
{
    QStringList ids;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    QList<int> numbers;
    for (const QModelIndex &i : rows)
        numbers << i.row();
    std::sort(numbers.begin(), numbers.end());
    for (int r : numbers)
        ids << m_model->run(r).spec.id;
    return ids;
}

void TrainingDashboard::updateSummary()
{
    using S = RunRow::State;
    QStringList parts;
    const std::pair<S, QString> states[] = {{S::Done, tr("done")},         {S::Running, tr("running")},
                                            {S::Elsewhere, tr("elsewhere")}, {S::Queued, tr("queued")},
                                            {S::Paused, tr("paused")},     {S::Stopped, tr("stopped")},
                                            {S::Pending, tr("pending")},   {S::Diverged, tr("diverged")},
                                            {S::Failed, tr("failed")}};
    for (const auto &[state, name] : states) {
        const int n = m_model->count(state);
        if (n > 0)
            parts << QStringLiteral("%1 %2").arg(n).arg(name);
    }
    m_summary->setText(parts.join(QStringLiteral(" · ")));
}

bool TrainingDashboard::canStartAll() const
{
    using S = RunRow::State;
    const QVector<RunRow> &runs = m_model->runs();
    return std::any_of(runs.begin(), runs.end(), [](const RunRow &r) {
        return !r.finished() && r.state != S::Elsewhere && r.state != S::Queued && r.state != S::Running;
    });
}

void TrainingDashboard::updateButtons()
{
    const bool open = !m_studyDir.isEmpty();
    const bool any = open && m_table->selectionModel()->hasSelection();
    m_startAll->setEnabled(open && canStartAll());
    m_startAll->setToolTip(!open ? tr("Open a study first (File → New Study… or Open Study…)")
                           : m_startAll->isEnabled() ? tr("Train every pending run")
                                                     : tr("Every run is finished, training, or queued"));
    m_stopAll->setEnabled(m_controller->isBusy());
    m_start->setEnabled(any);
    m_pause->setEnabled(any);
    m_cancel->setEnabled(any);
}

void TrainingDashboard::exportCurves()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export curves"),
                                                      QDir(m_studyDir).filePath(QStringLiteral("figures/loss_curves.csv")),
                                                      tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    try {
        m_plot->exportCsv(path);
        Q_EMIT statusMessage(tr("Curves written to %1").arg(path));
    } catch (const InputError &e) {
        QMessageBox::warning(this, tr("Export curves"), e.message());
    }
}

void TrainingDashboard::exportPlotImage()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export plot"),
                                                      QDir(m_studyDir).filePath(QStringLiteral("figures/loss_curves.png")),
                                                      tr("PNG image (*.png);;SVG image (*.svg)"));
    if (path.isEmpty())
        return;
    try {
        QDir().mkpath(QFileInfo(path).absolutePath());
        m_plot->exportImage(path);
        Q_EMIT statusMessage(tr("Plot written to %1").arg(path));
    } catch (const InputError &e) {
        QMessageBox::warning(this, tr("Export plot"), e.message());
    }
}

} // namespace flopsfit::ui
