#include "BatchCli.h"
#ifdef FLOPSFIT_HAVE_TORCH
#include "train/TorchBackend.h"
#endif

#ifdef FLOPSFIT_HAVE_GUI
#include <QApplication>
#endif
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTextStream>

#include <memory>

#include <unistd.h>

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
        QTextStream(stdout) << "flopsfit " << FLOPSFIT_VERSION << '\n';
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

    QTextStream(stderr) << "Usage: flopsfit --batch <command> [options]   (flopsfit --batch --help)\n"
                           "       flopsfit --version\n";
    return 2;
}
