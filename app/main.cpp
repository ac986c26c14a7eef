#include "BatchCli.h"
#ifdef FLOPSFIT_HAVE_TORCH
#include "train/TorchBackend.h"
#endif

#ifdef FLOPSFIT_HAVE_GUI
#include "AnalysisView.h"
#include "MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QTimer>
#endif
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTextStream>

#include <memory>

#include <unistd.h>

#ifdef FLOPSFIT_HAVE_GUI
namespace {

// Saves each area of the window to DIR/{plan,train,analyze}.png, one after the other, each once
// it has been shown and laid out; then quits.
void takeScreenshots(flopsfit::ui::MainWindow *window, const QString &dir, int index = 0)
{
    using flopsfit::ui::MainWindow;
    static const std::pair<MainWindow::Area, const char *> areas[] = {
        {MainWindow::PlanArea, "plan"}, {MainWindow::TrainArea, "train"}, {MainWindow::AnalyzeArea, "analyze"}};
    if (index == 3) {
        QCoreApplication::exit(0);
        return;
    }
    QDir().mkpath(dir);
    window->showArea(areas[index].first);
    QTimer::singleShot(500, window, [window, dir, index] {
        const QString path = QDir(dir).filePath(QString::fromLatin1(areas[index].second) + QStringLiteral(".png"));
        if (!window->grab().save(path))
            QTextStream(stderr) << "flopsfit: cannot write " << path << '\n';
        else
            QTextStream(stdout) << path << '\n';
        takeScreenshots(window, dir, index + 1);
    });
}

int runGui(QApplication &app)
{
    QApplication::setApplicationDisplayName(QStringLiteral("flops-fit"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/flopsfit.svg")));
    QApplication::setDesktopFileName(QStringLiteral("flopsfit"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Plan, train and fit compute-optimal scaling laws. "
                                                    "Headless: flopsfit --batch <command> (flopsfit --batch --help)."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Save the Plan, Train and Analyze areas to DIR/{plan,train,analyze}.png and quit."),
                                        QStringLiteral("DIR"));
    parser.addOption(screenshot);
    parser.addPositionalArgument(QStringLiteral("STUDY_DIR"), QStringLiteral("A study folder to open."), QStringLiteral("[STUDY_DIR]"));
    parser.process(app);

    const QString studyDir = parser.positionalArguments().value(0);
    if (!studyDir.isEmpty() && !QFileInfo(studyDir).isDir()) {
        QTextStream(stderr) << "flopsfit: " << studyDir << ": no such study folder\n";
        return 2;
    }
    flopsfit::ui::MainWindow window;
    const QString shots = parser.value(screenshot);
    if (!shots.isEmpty()) {
        window.resize(1440, 900);
        bool started = false;
        auto shoot = [&window, shots, &started] {
            if (!started)
                takeScreenshots(&window, shots);
            started = true;
        };
        QObject::connect(window.analysis(), &flopsfit::ui::AnalysisView::analysisUpdated, &window, shoot);
        QObject::connect(window.analysis(), &flopsfit::ui::AnalysisView::analysisFailed, &window, shoot);
        if (studyDir.isEmpty())
            shoot();
    }
    window.show();
    if (!studyDir.isEmpty() && !window.openStudy(studyDir))
        return 2;
    return app.exec();
}

} // namespace
#endif

int main(int argc, char **argv)
{
    QStringList args;
    for (int i = 1; i < argc; ++i)
        args.append(QString::fromLocal8Bit(argv[i]));
    const qsizetype batchAt = args.indexOf(QStringLiteral("--batch"));
    const bool batch = batchAt >= 0;

    QCoreApplication::setApplicationName(QStringLiteral("flopsfit"));
    QCoreApplication::setOrganizationName(QStringLiteral("flops-fit"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FLOPSFIT_VERSION));

    if (args.contains(QStringLiteral("--version"))) {
        QTextStream out(stdout);
        out << "flopsfit " << FLOPSFIT_VERSION << '\n';
#ifdef FLOPSFIT_HAVE_TORCH
        out << flopsfit::torchRuntimeDescription() << '\n';
#endif
        return 0;
    }

    std::unique_ptr<QCoreApplication> app;
#ifdef FLOPSFIT_HAVE_GUI
    // Batch mode renders figures with no display; only figure export needs the GUI classes.
    const QString command = batch ? args.value(batchAt + 1) : QString();
    const bool needsGui = !batch || command == QLatin1String("export") || command == QLatin1String("all");
    if (batch && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (batch && qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
        // What Qt would fall back to, without its warning on every batch run.
        const QByteArray dir = QDir::tempPath().toLocal8Bit() + "/runtime-" + QByteArray::number(getuid());
        QDir().mkpath(QString::fromLocal8Bit(dir));
        QFile::setPermissions(QString::fromLocal8Bit(dir), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        qputenv("XDG_RUNTIME_DIR", dir);
    }
    if (needsGui)
        app = std::make_unique<QApplication>(argc, argv);
    else
        app = std::make_unique<QCoreApplication>(argc, argv);
#else
    app = std::make_unique<QCoreApplication>(argc, argv);
#endif
#ifdef FLOPSFIT_HAVE_TORCH
    flopsfit::registerTorchBackend();
#endif
    if (batch)
        return flopsfit::runBatch(args.mid(batchAt + 1));

#ifdef FLOPSFIT_HAVE_GUI
    return runGui(*static_cast<QApplication *>(app.get()));
#else
    QTextStream(stderr) << "Usage: flopsfit --batch <command> [options]   (flopsfit --batch --help)\n"
                           "       flopsfit --version\n"
                           "This build has no desktop app (FLOPSFIT_BUILD_GUI=OFF).\n";
    return 2;
#endif
}
