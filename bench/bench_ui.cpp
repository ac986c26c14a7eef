// bench_ui: the training dashboard under load.
//   bench_ui [--runs-per-budget 10] [--points 20000] [--seconds 10] [--repeats 5]
// 1. Redraw time of the loss plot holding 50 runs × 20,000 points while a simulated sweep trains
//    in the background (2 runs at a time, each writing 20,000 metrics lines): median and max.
//    Target < 16 ms.
// 2. Event-loop stall over the same window: a 5 ms timer records how late it fires; p99 and max.
//    Target < 50 ms.
// 3. Time from process start to the dashboard window shown, with the study open (a child
//    process per repeat): median. Target < 1.5 s.
// bench_ui --open STUDY shows the dashboard on a study folder (for a look while developing);
// with --screenshot PNG it trains the pending runs and saves a picture of the window.
#include "LossPlot.h"
#include "SweepController.h"
#include "TrainingDashboard.h"
#include "plan/SweepConfig.h"
#include "train/SweepRunner.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>

using namespace flopsfit;
using namespace flopsfit::ui;

namespace {

double percentile(QVector<double> v, double p)
{
    if (v.isEmpty())
        return std::nan("");
    std::sort(v.begin(), v.end());
    const int i = std::clamp(int(std::ceil(p * v.size())) - 1, 0, int(v.size()) - 1);
    return v[i];
}

SweepPlan planStudy(const QString &dir, int perBudget, int points)
{
    const QJsonObject config = loadSweepConfig(
        QStringLiteral(FLOPSFIT_PRESETS "/demo.jsonc"),
        {QStringLiteral("compute.budgets=5"), QStringLiteral("model.sizes_per_budget=%1").arg(perBudget),
         QStringLiteral("model.max_tokens_per_param=400"), QStringLiteral("simulated.log_points=%1").arg(points)});
    const SweepPlan plan = planSweep(SweepSpec::fromConfig(config, QStringLiteral("bench")));
    savePlan(plan, StudyPaths(dir).sweep());
    return plan;
}

// Curves as a run that stopped halfway would have left them: `points` lines each.
void writeCurves(const SweepPlan &plan, const QString &dir, int points)
{
    const StudyPaths paths(dir);
    for (const RunSpec &run : plan.runs) {
        QDir().mkpath(paths.runDir(run.id));
        QFile f(paths.metrics(run.id));
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(f.fileName()));
        QByteArray out;
        const double v = std::log(double(run.shape.vocab_size));
        for (int i = 1; i <= points; ++i) {
            const double step = double(run.steps) * i / points;
            const double loss = 2.0 + (v - 2.0) / std::sqrt(1.0 + 0.05 * i) + 0.02 * std::sin(i * 0.7);
            out += QStringLiteral("{\"step\":%1,\"tokens\":%2,\"flops\":%3,\"loss\":%4,\"wall_seconds\":%5}\n")
                       .arg(step, 0, 'g', 10)
                       .arg(run.tokens * i / points, 0, 'g', 10)
                       .arg(run.flops * i / points, 0, 'g', 10)
                       .arg(loss, 0, 'g', 8)
                       .arg(i * 0.01, 0, 'g', 8)
                       .toUtf8();
        }
        f.write(out);
    }
}

// Repaint time of a bare plot holding the curves, per drawing setting (no training).
void staticRedraw(int runs, int points)
{
    LossPlot plot;
    plot.resize(1400, 600);
    for (int r = 0; r < runs; ++r) {
        const QString id = QString::number(r);
        plot.addSeries(id, id, QColor::fromHsv((r * 37) % 360, 200, 200));
        QVector<MetricPoint> pts(points);
        for (int i = 0; i < points; ++i) {
            pts[i].step = i + 1;
            pts[i].loss = 2.0 + r * 0.01 + 8.0 / std::sqrt(1.0 + 0.05 * i) + 0.02 * std::sin(i * 0.7);
        }
        plot.appendPoints(id, pts);
    }
    auto measure = [&plot](const char *what) {
        QVector<double> full, cached;
        const QRectF view = plot.viewRect();
        for (int i = 0; i < 30; ++i) {
            // A new view (zoom, pan, a wider range) draws every curve again.
            const double f = 1.0 - 0.001 * (i + 1);
            plot.zoomTo(QRectF(view.x(), view.y(), view.width() * f, view.height() * f));
            QElapsedTimer t;
            t.start();
            plot.grab(); // paints the widget into a pixmap, as a repaint paints into the window
            full << t.nsecsElapsed() / 1e6;
            t.start();
            plot.grab();
            cached << t.nsecsElapsed() / 1e6;
        }
        plot.resetView();
        std::printf("static redraw, %s: every curve drawn: median %.2f ms, max %.2f ms; nothing changed: "
                    "median %.2f ms\n",
                    what, percentile(full, 0.5), percentile(full, 1.0), percentile(cached, 0.5));
    };
    {
        // The reduction alone: 2 curves × every run, one bucket per pixel column.
        QVector<double> x(points), y(points);
        for (int i = 0; i < points; ++i) {
            x[i] = i + 1;
            y[i] = 2.0 + 8.0 / std::sqrt(1.0 + 0.05 * i) + 0.02 * std::sin(i * 0.7);
        }
        // Point by point (any x), and by bisection for sorted x (what the plot uses), in turn.
        QVector<double> ms, msSorted;
        qint64 kept = 0;
        for (int k = 0; k < 9; ++k) {
            QElapsedTimer t;
            t.start();
            for (int r = 0; r < 2 * runs; ++r)
                kept = LossPlot::minMaxDownsample(x.constData(), y.constData(), points, 0, points, 1100, 0.015).size();
            ms << t.nsecsElapsed() / 1e6;
            t.start();
            for (int r = 0; r < 2 * runs; ++r)
                kept = LossPlot::minMaxDownsampleSorted(x.constData(), y.constData(), points, 0, points, 1100, 0.015).size();
            msSorted << t.nsecsElapsed() / 1e6;
        }
        std::printf("min/max reduction of %d curves x %d points to 1100 columns (%lld points kept each), one "
                    "thread: any x median %.2f ms, sorted x median %.2f ms\n",
                    2 * runs, points, (long long)kept, percentile(ms, 0.5), percentile(msSorted, 0.5));
    }
    measure("smoothing 0.6 (raw faded behind)");
    plot.setSmoothing(0);
    measure("smoothing 0 (raw only)");
    plot.setSmoothing(0.6);
    plot.setLogX(true);
    plot.setLogY(true);
    measure("smoothing 0.6, log x and y");
}

int startupChild(const QString &study)
{
    QElapsedTimer sinceMain;
    sinceMain.start();
    TrainingDashboard dashboard;
    dashboard.resize(1400, 900);
    dashboard.openStudy(study);
    dashboard.show();
    // Shown = the first frame painted.
    QTimer::singleShot(0, &dashboard, [&]() {
        dashboard.repaint();
        std::printf("shown %.1f\n", sinceMain.nsecsElapsed() / 1e6);
        std::fflush(stdout);
        QCoreApplication::quit();
    });
    return QApplication::exec();
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("runs-per-budget"), QStringLiteral("Model sizes per budget (5 budgets)."),
                      QStringLiteral("n"), QStringLiteral("10")});
    parser.addOption({QStringLiteral("points"), QStringLiteral("Points per curve."), QStringLiteral("n"),
                      QStringLiteral("20000")});
    parser.addOption({QStringLiteral("seconds"), QStringLiteral("Seconds of live training measured."),
                      QStringLiteral("s"), QStringLiteral("10")});
    parser.addOption({QStringLiteral("repeats"), QStringLiteral("Start-up measurements."), QStringLiteral("n"),
                      QStringLiteral("5")});
    parser.addOption({QStringLiteral("startup-child"), QStringLiteral("(internal)"), QStringLiteral("study")});
    parser.addOption({QStringLiteral("open"), QStringLiteral("Show the dashboard on a study folder."),
                      QStringLiteral("study")});
    parser.addOption({QStringLiteral("screenshot"), QStringLiteral("With --open: train, then save the window."),
                      QStringLiteral("png")});
    parser.addOption({QStringLiteral("shot-after"), QStringLiteral("With --screenshot: take it after this many ms of training."),
                      QStringLiteral("ms")});
    parser.addOption({QStringLiteral("static-only"), QStringLiteral("Only the repaint of a bare plot, per setting.")});
    parser.process(app);
    if (parser.isSet(QStringLiteral("startup-child")))
        return startupChild(parser.value(QStringLiteral("startup-child")));
    if (parser.isSet(QStringLiteral("open"))) {
        TrainingDashboard dashboard;
        dashboard.resize(1400, 900);
        if (!dashboard.openStudy(parser.value(QStringLiteral("open"))))
            return 2;
        dashboard.show();
        const QString shot = parser.value(QStringLiteral("screenshot"));
        if (!shot.isEmpty()) {
            // Train what is pending, then save a picture of the window.
            QObject::connect(&dashboard, &TrainingDashboard::sweepFinished, &app, [&]() {
                QTimer::singleShot(1000, &app, [&]() {
                    dashboard.grab().save(shot);
                    QCoreApplication::quit();
                });
            });
            QTimer::singleShot(500, &dashboard, &TrainingDashboard::startAll);
            if (parser.isSet(QStringLiteral("shot-after"))) {
                QTimer::singleShot(parser.value(QStringLiteral("shot-after")).toInt(), &app, [&]() {
                    dashboard.grab().save(shot);
                    dashboard.requestStopForClose();
                    QCoreApplication::quit();
                });
            }
        }
        return QApplication::exec();
    }

    const int perBudget = parser.value(QStringLiteral("runs-per-budget")).toInt();
    const int points = parser.value(QStringLiteral("points")).toInt();
    const int seconds = parser.value(QStringLiteral("seconds")).toInt();
    const int repeats = parser.value(QStringLiteral("repeats")).toInt();

    staticRedraw(50, parser.value(QStringLiteral("points")).toInt());
    if (parser.isSet(QStringLiteral("static-only")))
        return 0;

    QTemporaryDir dir;
    const SweepPlan plan = planStudy(dir.path(), perBudget, points);
    writeCurves(plan, dir.path(), points);

    // 3. Start-up, before this process loads anything heavier.
    QVector<double> startup, startupInside;
    for (int i = 0; i < repeats; ++i) {
        QProcess child;
        QElapsedTimer t;
        t.start();
        child.start(QCoreApplication::applicationFilePath(),
                    {QStringLiteral("--startup-child"), dir.path()});
        if (!child.waitForFinished(60000) || child.exitCode() != 0)
            qFatal("start-up child failed: %s", child.readAllStandardError().constData());
        const double ms = t.nsecsElapsed() / 1e6;
        const QByteArray out = child.readAllStandardOutput();
        startupInside << out.mid(out.indexOf("shown ") + 6).trimmed().toDouble();
        startup << ms;
    }

    // 1 + 2. The dashboard with every curve loaded, while the sweep trains.
    QElapsedTimer loadTimer;
    loadTimer.start();
    TrainingDashboard dashboard;
    dashboard.resize(1400, 900);
    dashboard.openStudy(dir.path());
    dashboard.show();
    LossPlot *plot = dashboard.lossPlot();
    auto loaded = [&]() {
        qint64 n = 0;
        for (const RunSpec &run : plan.runs)
            n += plot->pointCount(run.id);
        return n;
    };
    {
        // The curves load in the background; wait for all of them.
        QEventLoop wait;
        QTimer poll;
        QObject::connect(&poll, &QTimer::timeout, [&]() {
            if (loaded() >= qint64(plan.runs.size()) * points || loadTimer.elapsed() > 120000)
                wait.quit();
        });
        poll.start(10);
        wait.exec();
    }
    const double loadMs = loadTimer.nsecsElapsed() / 1e6;
    const qint64 totalPoints = loaded();

    dashboard.controller()->setConcurrency(2);
    dashboard.startAll();

    QVector<double> redraw, lateness;
    QElapsedTimer tick;
    QTimer stall;
    stall.setTimerType(Qt::PreciseTimer);
    stall.setInterval(5);
    QObject::connect(&stall, &QTimer::timeout, [&]() {
        const double ms = tick.nsecsElapsed() / 1e6;
        tick.restart();
        lateness << std::max(0.0, ms - 5.0);
    });
    QTimer paint;
    paint.setInterval(50);
    QObject::connect(&paint, &QTimer::timeout, [&]() {
        QElapsedTimer t;
        t.start();
        plot->repaint();
        redraw << t.nsecsElapsed() / 1e6;
    });
    tick.start();
    stall.start();
    paint.start();
    QTimer::singleShot(seconds * 1000, &app, &QCoreApplication::quit);
    QApplication::exec();
    stall.stop();
    paint.stop();
    const int done = dashboard.runsModel()->count(RunRow::State::Done);
    const qint64 pointsAtEnd = loaded();
    dashboard.requestStopForClose();

    std::printf("bench_ui: %d runs x %d points (%lld points loaded in %.0f ms; %lld at the end; "
                "%d runs finished while measuring, 2 at a time)\n",
                int(plan.runs.size()), points, (long long)totalPoints, loadMs, (long long)pointsAtEnd, done);
    std::printf("redraw (repaint of the loss plot, %d frames): median %.2f ms, p95 %.2f ms, max %.2f ms"
                "   [target < 16 ms]\n",
                int(redraw.size()), percentile(redraw, 0.5), percentile(redraw, 0.95), percentile(redraw, 1.0));
    std::printf("event-loop stall (5 ms timer lateness, %d ticks): median %.2f ms, p99 %.2f ms, max %.2f ms"
                "   [target p99 < 50 ms]\n",
                int(lateness.size()), percentile(lateness, 0.5), percentile(lateness, 0.99),
                percentile(lateness, 1.0));
    std::printf("start-up to first frame, dashboard with the study open (%d runs): median %.0f ms "
                "(process start to exit), %.0f ms inside main   [target < 1500 ms]\n",
                repeats, percentile(startup, 0.5), percentile(startupInside, 0.5));
    return 0;
}
