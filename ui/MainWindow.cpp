#include "MainWindow.h"

#include "AnalysisView.h"
#include "PlannerPanel.h"
#include "TrainingDashboard.h"
#include "plan/Presets.h"
#include "plan/SweepConfig.h"
#include "plan/SweepPlan.h"
#include "store/StudyFiles.h"
#include "util/Error.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

namespace flopsfit::ui {

namespace {

constexpr int kMaxRecent = 8;
const QString kRecentKey = QStringLiteral("recentStudies");

QIcon themeIcon(const QString &name, QStyle::StandardPixmap fallback)
{
    return QIcon::fromTheme(name, QApplication::style()->standardIcon(fallback));
}

} // namespace

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("flops-fit"));
    m_tabs = new QTabWidget;
    m_tabs->setDocumentMode(true);
    m_planner = new PlannerPanel;
    m_train = new TrainingDashboard;
    m_analysis = new AnalysisView;
    m_tabs->addTab(m_planner, themeIcon(QStringLiteral("document-edit"), QStyle::SP_FileDialogDetailedView), tr("Plan"));
    m_tabs->addTab(m_train, themeIcon(QStringLiteral("media-playback-start"), QStyle::SP_MediaPlay), tr("Train"));
    m_tabs->addTab(m_analysis, themeIcon(QStringLiteral("office-chart-line"), QStyle::SP_FileDialogContentsView), tr("Analyze"));
    setCentralWidget(m_tabs);

    m_studyLabel = new QLabel;
    m_runningLabel = new QLabel;
    statusBar()->addWidget(m_runningLabel, 1);
    statusBar()->addPermanentWidget(m_studyLabel);

    createActions();
    connectTrainArea();
    connect(m_planner, &PlannerPanel::statusMessage, this, &MainWindow::setRunning);
    connect(m_analysis, &AnalysisView::statusMessage, this, &MainWindow::setRunning);
    connect(m_planner, &PlannerPanel::planSaved, this, [this] {
        // The Train area shows the runs of the saved plan (a sweep in progress keeps its runs
        // until it stops).
        if (!m_studyDir.isEmpty() && !m_train->isTraining())
            m_train->openStudy(m_studyDir);
        m_analysis->refresh();
    });
    connect(m_planner, &PlannerPanel::studyFolderChosen, this, [this](const QString &dir) {
        if (QFileInfo(dir).absoluteFilePath() != m_studyDir)
            openStudy(dir);
    });

    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1280, 820);
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("window/area"), 0).toInt());
    updateTitle();
    setRunning(tr("Ready"));
}

void MainWindow::connectTrainArea()
{
    // Each finished run (here or in another process, also on a shared folder the analysis' own
    // watcher is not told about) and the end of a sweep refit the analysis, once per burst.
    connect(m_train, &TrainingDashboard::runFinished, m_analysis, &AnalysisView::scheduleRefresh);
    connect(m_train, &TrainingDashboard::sweepFinished, m_analysis, &AnalysisView::scheduleRefresh);
    connect(m_train, &TrainingDashboard::statusMessage, this, &MainWindow::setRunning);
}

void MainWindow::createActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *newStudy = file->addAction(themeIcon(QStringLiteral("document-new"), QStyle::SP_FileIcon), tr("&New Study…"), this, &MainWindow::newStudyDialog);
    newStudy->setShortcut(QKeySequence::New);
    QAction *open = file->addAction(themeIcon(QStringLiteral("document-open"), QStyle::SP_DirOpenIcon), tr("&Open Study…"), this, &MainWindow::openStudyDialog);
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(themeIcon(QStringLiteral("document-open-recent"), QStyle::SP_DirIcon), tr("Open &Recent"));
    updateRecentMenu();
    file->addSeparator();
    QAction *save = file->addAction(themeIcon(QStringLiteral("document-save"), QStyle::SP_DialogSaveButton), tr("&Save Plan"), m_planner, &PlannerPanel::savePlanInteractively);
    save->setShortcut(QKeySequence::Save);
    QAction *saveAs = file->addAction(themeIcon(QStringLiteral("document-save-as"), QStyle::SP_DialogSaveButton), tr("Save Study &As…"), this, &MainWindow::saveStudyAsDialog);
    saveAs->setShortcut(QKeySequence::SaveAs);
    file->addSeparator();
    QAction *exportAll = file->addAction(themeIcon(QStringLiteral("document-export"), QStyle::SP_DialogSaveButton), tr("&Export All Figures"), this, [this] {
        try {
            const QStringList written = m_analysis->exportAllFigures(ExportOptions{{QStringLiteral("png"), QStringLiteral("svg"), QStringLiteral("pdf")}, FigureStyle::Paper, 300});
            setRunning(tr("%1 files written to %2").arg(written.size()).arg(StudyPaths(m_studyDir).figuresDir()));
        } catch (const InputError &e) {
            QMessageBox::warning(this, tr("Export"), e.message());
        }
    });
    exportAll->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    exportAll->setObjectName(QStringLiteral("exportAllFigures"));
    // There are figures once the open study is fitted.
    auto setCanExport = [exportAll](bool can) {
        exportAll->setEnabled(can);
        exportAll->setToolTip(can ? tr("Write every figure as PNG, SVG and PDF to the study's figures folder")
                                  : tr("The figures come with the fit: train runs in the Train area first"));
    };
    setCanExport(false);
    connect(m_analysis, &AnalysisView::analysisUpdated, exportAll, [setCanExport] { setCanExport(true); });
    connect(m_analysis, &AnalysisView::analysisFailed, exportAll, [setCanExport] { setCanExport(false); });
    file->addSeparator();
    QAction *quit = file->addAction(themeIcon(QStringLiteral("application-exit"), QStyle::SP_DialogCloseButton), tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    const QString names[] = {tr("&Plan"), tr("&Train"), tr("&Analyze")};
    for (int i = 0; i < 3; ++i) {
        QAction *a = view->addAction(names[i], this, [this, i] { showArea(Area(i)); });
        a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
    }
    view->addSeparator();
    QAction *refit = view->addAction(themeIcon(QStringLiteral("view-refresh"), QStyle::SP_BrowserReload), tr("&Refit"), m_analysis, &AnalysisView::refresh);
    refit->setShortcut(QKeySequence::Refresh);

    QToolBar *bar = addToolBar(tr("Study"));
    bar->setObjectName(QStringLiteral("studyToolBar")); // for saveState / restoreState
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(newStudy);
    bar->addAction(open);
    bar->addAction(save);
    bar->addSeparator();
    bar->addAction(exportAll);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *aboutAction = help->addAction(themeIcon(QStringLiteral("help-about"), QStyle::SP_MessageBoxInformation), tr("&About flops-fit"), this, &MainWindow::about);
    aboutAction->setMenuRole(QAction::AboutRole);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt)->setMenuRole(QAction::AboutQtRole);
}

void MainWindow::showArea(Area area)
{
    m_tabs->setCurrentIndex(int(area));
}

QStringList MainWindow::recentStudies()
{
    return QSettings().value(kRecentKey).toStringList();
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = recentStudies();
    for (const QString &dir : recent)
        m_recentMenu->addAction(dir, this, [this, dir] { openStudy(dir); });
    if (recent.isEmpty())
        m_recentMenu->addAction(tr("(none)"))->setEnabled(false);
    else {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear list"), this, [this] {
            QSettings().remove(kRecentKey);
            updateRecentMenu();
        });
    }
}

bool MainWindow::openStudy(const QString &studyDir)
{
    const QFileInfo info(studyDir);
    if (!info.isDir()) {
        QMessageBox::warning(this, tr("Open study"), tr("%1: no such folder").arg(studyDir));
        return false;
    }
    if (!QFileInfo::exists(StudyPaths(studyDir).sweep())) {
        QMessageBox::warning(this, tr("Open study"),
                             tr("%1 holds no study: it has no sweep.json. File → New Study… plans a study into a folder.")
                                 .arg(info.absoluteFilePath()));
        return false;
    }
    m_studyDir = info.absoluteFilePath();
    QStringList recent = recentStudies();
    recent.removeAll(m_studyDir);
    recent.prepend(m_studyDir);
    QSettings().setValue(kRecentKey, recent.mid(0, kMaxRecent));
    updateRecentMenu();

    m_planner->setStudyDir(m_studyDir);
    m_train->openStudy(m_studyDir);
    m_analysis->setStudyDir(m_studyDir);
    updateTitle();
    return true;
}

bool MainWindow::createStudy(const QString &preset, const QString &studyDir, QString *error)
{
    try {
        const StudyPaths paths(studyDir);
        if (QFileInfo::exists(paths.sweep()))
            throw InputError(tr("%1 already holds a study; open it instead").arg(studyDir));
        const QString path = resolvePreset(preset);
        const SweepPlan plan = planSweep(SweepSpec::fromConfig(loadSweepConfig(path), path));
        savePlan(plan, paths.sweep());
    } catch (const InputError &e) {
        if (error)
            *error = e.message();
        return false;
    }
    openStudy(studyDir);
    showArea(PlanArea);
    setRunning(tr("New study in %1").arg(studyDir));
    return true;
}

bool MainWindow::saveStudyAs(const QString &target, QString *error)
{
    auto fail = [&](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    if (m_studyDir.isEmpty())
        return fail(tr("No study is open."));
    const QDir source(m_studyDir);
    const QString destination = QFileInfo(target).absoluteFilePath();
    if (QFileInfo::exists(destination) && !QDir(destination).isEmpty())
        return fail(tr("%1 already exists and is not empty").arg(destination));
    if (destination.startsWith(source.absolutePath() + QLatin1Char('/')))
        return fail(tr("%1 is inside the study it would copy").arg(destination));
    QDirIterator it(source.absolutePath(), QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString from = it.next();
        if (from.endsWith(QLatin1String(".lock")))
            continue; // a lock belongs to the process holding it
        const QString to = destination + QLatin1Char('/') + source.relativeFilePath(from);
        QDir().mkpath(QFileInfo(to).absolutePath());
        if (!QFile::copy(from, to))
            return fail(tr("cannot copy %1 to %2").arg(from, to));
    }
    QDir().mkpath(destination);
    openStudy(destination);
    return true;
}

void MainWindow::newStudyDialog()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("New study"));
    auto *form = new QFormLayout(&dialog);
    auto *preset = new QComboBox;
    preset->addItems(shippedPresetNames());
    preset->setCurrentText(QStringLiteral("demo"));
    form->addRow(tr("Preset:"), preset);
    auto *folderRow = new QHBoxLayout;
    auto *folder = new QLineEdit(QDir::home().filePath(QStringLiteral("flopsfit-study")));
    auto *browse = new QPushButton(tr("Browse…"));
    folderRow->addWidget(folder, 1);
    folderRow->addWidget(browse);
    form->addRow(tr("Study folder:"), folderRow);
    connect(browse, &QPushButton::clicked, &dialog, [&] {
        const QString dir = QFileDialog::getExistingDirectory(&dialog, tr("Study folder"), folder->text());
        if (!dir.isEmpty())
            folder->setText(dir);
    });
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    while (dialog.exec() == QDialog::Accepted) {
        QString error;
        if (createStudy(preset->currentText(), folder->text(), &error))
            return;
        QMessageBox::warning(this, tr("New study"), error);
    }
}

void MainWindow::openStudyDialog()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a study folder"), m_studyDir);
    if (!dir.isEmpty())
        openStudy(dir);
}

void MainWindow::saveStudyAsDialog()
{
    const QString dir = QFileDialog::getSaveFileName(this, tr("Save the study as"), m_studyDir + QStringLiteral("-copy"));
    if (dir.isEmpty())
        return;
    QString error;
    if (!saveStudyAs(dir, &error))
        QMessageBox::warning(this, tr("Save study as"), error);
}

void MainWindow::updateTitle()
{
    if (m_studyDir.isEmpty()) {
        setWindowTitle(QStringLiteral("flops-fit"));
        m_studyLabel->setText(tr("No study open"));
        return;
    }
    setWindowTitle(QStringLiteral("%1 — flops-fit").arg(QFileInfo(m_studyDir).fileName()));
    m_studyLabel->setText(m_studyDir);
}

void MainWindow::setRunning(const QString &what)
{
    m_runningLabel->setText(what);
}

void MainWindow::about()
{
    QMessageBox::about(this, tr("About flops-fit"),
                       tr("<h3>flops-fit %1</h3>"
                          "<p>Plan an IsoFLOP sweep, train it, fit compute-optimal scaling laws "
                          "(Hoffmann et al. 2022) and export the figures.</p>"
                          "<p>Qt %2</p>")
                           .arg(QStringLiteral(FLOPSFIT_VERSION), QString::fromLatin1(qVersion())));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_train->isTraining()) {
        const auto answer = QMessageBox::question(
            this, tr("Quit while training"),
            tr("Runs are still training. Stop them now? Each saves a checkpoint and resumes "
               "where it stopped when you start it again."),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        setRunning(tr("Stopping the runs…"));
        m_train->requestStopForClose();
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/area"), m_tabs->currentIndex());
    event->accept();
}

} // namespace flopsfit::ui
