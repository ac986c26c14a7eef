#include "TestHelpers.h"

#include "LossPlot.h"
#include "RunsTableModel.h"
#include "SweepController.h"
#include "TrainingDashboard.h"
#include "plan/SweepConfig.h"
#include "store/StudyFiles.h"
#include "train/SweepRunner.h"
#include "util/Error.h"
#include "util/Json.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTest>

#include <random>

using namespace flopsfit;
using namespace flopsfit::ui;

class TestDashboard : public QObject {
    Q_OBJECT

private:
    // The demo preset, smaller, planned into `dir` as the planner would.
    static SweepPlan planDemo(const QString &dir, const QStringList &extra = {})
    {
        QStringList overrides{QStringLiteral("compute.budgets=3"), QStringLiteral("model.sizes_per_budget=4"),
                              QStringLiteral("simulated.log_points=20")};
        overrides += extra;
        const QJsonObject config = loadSweepConfig(QStringLiteral(FLOPSFIT_PRESETS "/demo.jsonc"), overrides);
        const SweepPlan plan = planSweep(SweepSpec::fromConfig(config, QStringLiteral("demo")));
        savePlan(plan, StudyPaths(dir).sweep());
        return plan;
    }

    // Each id in results.jsonl, how many times.
    static QHash<QString, int> loggedResults(const QString &dir)
    {
        QHash<QString, int> n;
        for (const QJsonObject &o : readJsonLines(StudyPaths(dir).results()).records)
            ++n[o.value(QStringLiteral("id")).toString()];
        return n;
    }

    static QString stateOf(TrainingDashboard &d, const QString &id)
    {
        const int row = d.runsModel()->rowOf(id);
        return d.runsModel()->data(d.runsModel()->index(row, RunsTableModel::Status)).toString();
    }

    static QVector<MetricPoint> curve(int n, double scale = 1.0)
    {
        QVector<MetricPoint> out;
        for (int i = 1; i <= n; ++i) {
            MetricPoint p;
            p.step = i;
            p.tokens = i * 1000.0;
            p.flops = i * 6e9;
            p.wallSeconds = i * 0.1;
            p.loss = scale * (2.0 + 8.0 / std::sqrt(double(i)));
            out.append(p);
        }
        return out;
    }

private Q_SLOTS:
    void simulatedSweepRunsToTheEnd()
    {
        QTemporaryDir dir;
        const SweepPlan plan = planDemo(dir.path());
        TrainingDashboard dashboard;
        dashboard.resize(1200, 800);
        dashboard.show();
        QVERIFY(dashboard.openStudy(dir.path()));
        QCOMPARE(dashboard.runsModel()->rowCount(), plan.runs.size());
        QCOMPARE(stateOf(dashboard, plan.runs[0].id), QStringLiteral("pending"));

        auto *startAll = dashboard.findChild<QPushButton *>(QStringLiteral("startAll"));
        QVERIFY(startAll && startAll->isEnabled());

        QSignalSpy finished(&dashboard, &TrainingDashboard::sweepFinished);
        QSignalSpy runs(&dashboard, &TrainingDashboard::runFinished);
        dashboard.startAll();
        QVERIFY(dashboard.isTraining());
        QVERIFY(!startAll->isEnabled()); // every run is queued or training
        QVERIFY(finished.wait(60000));
        QVERIFY(!dashboard.isTraining());
        QVERIFY(!startAll->isEnabled()); // nothing is left to start
        QCOMPARE(runs.size(), plan.runs.size());
        for (const RunSpec &run : plan.runs) {
            QCOMPARE(stateOf(dashboard, run.id), QStringLiteral("done"));
            const int row = dashboard.runsModel()->rowOf(run.id);
            QCOMPARE(dashboard.runsModel()->data(dashboard.runsModel()->index(row, RunsTableModel::Progress),
                                                 RunsTableModel::ProgressRole).toDouble(), 1.0);
        }
        // Every curve arrives in full.
        QTRY_VERIFY_WITH_TIMEOUT(dashboard.lossPlot()->pointCount(plan.runs.last().id) == 20, 5000);
        for (const RunSpec &run : plan.runs)
            QCOMPARE(dashboard.lossPlot()->pointCount(run.id), 20);
        const QHash<QString, int> logged = loggedResults(dir.path());
        QCOMPARE(logged.size(), plan.runs.size());
        for (int n : logged)
            QCOMPARE(n, 1);
    }

    void guidesUntilAStudyOpens()
    {
        TrainingDashboard dashboard;
        dashboard.resize(1000, 700);
        dashboard.show();
        auto *empty = dashboard.findChild<QLabel *>(QStringLiteral("emptyState"));
        auto *startAll = dashboard.findChild<QPushButton *>(QStringLiteral("startAll"));
        QVERIFY(empty && startAll);
        QVERIFY(empty->isVisible());
        QVERIFY(empty->text().contains(QStringLiteral("New Study")));
        QVERIFY(!startAll->isVisible());
        QVERIFY(!startAll->isEnabled());

        // A folder with no plan: the guidance stays and says what is wrong.
        QTemporaryDir noPlan;
        QVERIFY(!dashboard.openStudy(noPlan.path()));
        QVERIFY(empty->isVisible());
        QVERIFY2(empty->text().contains(QStringLiteral("sweep.json")), qPrintable(empty->text()));

        QTemporaryDir dir;
        planDemo(dir.path());
        QVERIFY(dashboard.openStudy(dir.path()));
        QVERIFY(!empty->isVisible());
        QVERIFY(startAll->isVisible() && startAll->isEnabled());
    }

    void cancelMidSweepThenStartAgain()
    {
        QTemporaryDir dir;
        const SweepPlan plan = planDemo(dir.path(), {QStringLiteral("simulated.step_delay_ms=5")});
        TrainingDashboard dashboard;
        QVERIFY(dashboard.openStudy(dir.path()));
        dashboard.controller()->setConcurrency(2);
        QSignalSpy runs(&dashboard, &TrainingDashboard::runFinished);
        QSignalSpy training(&dashboard, &TrainingDashboard::trainingChanged);
        QSignalSpy finished(&dashboard, &TrainingDashboard::sweepFinished);
        dashboard.startAll();
        QVERIFY(runs.wait(30000));
        dashboard.stopAll();
        QTRY_VERIFY_WITH_TIMEOUT(!dashboard.isTraining(), 30000);
        QCOMPARE(finished.size(), 0);
        const int doneBefore = loggedResults(dir.path()).size();
        QVERIFY(doneBefore >= 1);
        QVERIFY(doneBefore < plan.runs.size());
        QVERIFY(dashboard.runsModel()->count(RunRow::State::Done) == doneBefore);
        QCOMPARE(dashboard.runsModel()->count(RunRow::State::Running), 0);

        dashboard.startAll();
        QVERIFY(finished.wait(60000));
        const QHash<QString, int> logged = loggedResults(dir.path());
        QCOMPARE(logged.size(), plan.runs.size());
        for (auto it = logged.begin(); it != logged.end(); ++it)
            QVERIFY2(it.value() == 1, qPrintable(it.key()));
        QCOMPARE(dashboard.runsModel()->count(RunRow::State::Done), plan.runs.size());

        // A finished run shows no ETA, and no throughput when simulated (its time is made up).
        const RunsTableModel *m = dashboard.runsModel();
        for (int row = 0; row < m->rowCount(); ++row) {
            QVERIFY(m->data(m->index(row, RunsTableModel::TokensPerSecond)).toString().isEmpty());
            QVERIFY(m->data(m->index(row, RunsTableModel::Eta)).toString().isEmpty());
        }

        // A run another backend trained shows its average tokens/s when the study is opened.
        const StudyPaths paths(dir.path());
        QStringList files{paths.results()};
        for (const RunSpec &run : plan.runs)
            files << paths.runResult(run.id);
        for (const QString &file : files) {
            QFile f(file);
            if (!f.open(QIODevice::ReadOnly))
                continue;
            QByteArray text = f.readAll();
            f.close();
            text.replace("\"simulated\"", "\"torch\""); // the backend, the only such value
            writeFileAtomically(file, text);
        }
        TrainingDashboard reopened;
        QVERIFY(reopened.openStudy(dir.path()));
        const RunsTableModel *r = reopened.runsModel();
        for (int row = 0; row < r->rowCount(); ++row) {
            const QString rate = r->data(r->index(row, RunsTableModel::TokensPerSecond)).toString();
            QVERIFY2(rate.toDouble() > 0, qPrintable(r->run(row).spec.id + QLatin1Char(' ') + rate));
        }
    }

    void pauseAndResumeOneRun()
    {
        QTemporaryDir dir;
        const SweepPlan plan = planDemo(dir.path(), {QStringLiteral("simulated.step_delay_ms=20")});
        TrainingDashboard dashboard;
        QVERIFY(dashboard.openStudy(dir.path()));
        const QString id = plan.runs[1].id;
        QSignalSpy progress(dashboard.controller(), &SweepController::runProgress);
        QSignalSpy stopped(dashboard.controller(), &SweepController::runFinished);
        dashboard.startRun(id);
        QCOMPARE(stateOf(dashboard, id), QStringLiteral("queued"));
        QVERIFY(progress.wait(10000));
        QCOMPARE(stateOf(dashboard, id), QStringLiteral("running"));
        dashboard.pauseRun(id);
        QVERIFY(stopped.wait(10000));
        QCOMPARE(stopped.last().at(0).value<RunResult>().status, RunStatus::Cancelled);
        QVERIFY(!dashboard.isTraining());
        // No result; the simulated backend keeps no checkpoint, so the run starts over.
        QVERIFY(!loggedResults(dir.path()).contains(id));
        QCOMPARE(stateOf(dashboard, id), QStringLiteral("stopped"));

        QSignalSpy finished(&dashboard, &TrainingDashboard::runFinished);
        dashboard.startRun(id);
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.last().at(0).toString(), id);
        QCOMPARE(stateOf(dashboard, id), QStringLiteral("done"));
        QCOMPARE(loggedResults(dir.path()).value(id), 1);
        // The other runs were never touched.
        QCOMPARE(stateOf(dashboard, plan.runs[0].id), QStringLiteral("pending"));
    }

    void cancelOneRunDiscardsItsProgress()
    {
        QTemporaryDir dir;
        const SweepPlan plan = planDemo(dir.path(), {QStringLiteral("simulated.step_delay_ms=20")});
        TrainingDashboard dashboard;
        QVERIFY(dashboard.openStudy(dir.path()));
        const QString id = plan.runs[0].id;
        QSignalSpy progress(dashboard.controller(), &SweepController::runProgress);
        QSignalSpy stopped(dashboard.controller(), &SweepController::runFinished);
        dashboard.startRun(id);
        QVERIFY(progress.wait(10000));
        dashboard.cancelRun(id);
        QVERIFY(stopped.wait(10000));
        QVERIFY(!QFile::exists(StudyPaths(dir.path()).metrics(id)));
        QCOMPARE(stateOf(dashboard, id), QStringLiteral("pending"));
        QCOMPARE(dashboard.lossPlot()->pointCount(id), 0);
    }

    void closeMidSweepAndReopen()
    {
        QTemporaryDir dir;
        const SweepPlan plan = planDemo(dir.path(), {QStringLiteral("simulated.step_delay_ms=10")});
        QStringList unfinished;
        {
            TrainingDashboard dashboard;
            QVERIFY(dashboard.openStudy(dir.path()));
            dashboard.controller()->setConcurrency(2);
            QSignalSpy progress(dashboard.controller(), &SweepController::runProgress);
            dashboard.startAll();
            QVERIFY(progress.wait(10000));
            dashboard.requestStopForClose();
            QVERIFY(!dashboard.isTraining());
            for (const RunRow &r : dashboard.runsModel()->runs()) {
                if (!r.finished())
                    unfinished << r.spec.id;
            }
            QVERIFY(!unfinished.isEmpty());
        }
        for (const QString &id : unfinished)
            QVERIFY(!QFile::exists(StudyPaths(dir.path()).runMarker(id)));
        TrainingDashboard reopened;
        QSignalSpy finished(&reopened, &TrainingDashboard::sweepFinished);
        QVERIFY(reopened.openStudy(dir.path()));
        for (const QString &id : unfinished) {
            const QString s = stateOf(reopened, id);
            QVERIFY2(s == QStringLiteral("pending") || s == QStringLiteral("stopped"), qPrintable(s));
        }
        reopened.startAll();
        QVERIFY(finished.wait(60000));
        QCOMPARE(loggedResults(dir.path()).size(), plan.runs.size());
    }

    void followsRunsAnotherProcessTrains()
    {
        QTemporaryDir dir;
        const SweepPlan plan = planDemo(dir.path());
        TrainingDashboard dashboard;
        dashboard.setPollInterval(60000); // the file system watcher alone must see it
        QVERIFY(dashboard.openStudy(dir.path()));
        const StudyPaths paths(dir.path());
        const RunSpec &run = plan.runs[2];

        // A cluster task starts: marker, then metrics lines.
        writeJsonAtomically(paths.runMarker(run.id),
                            {{QStringLiteral("host"), QStringLiteral("node-17")},
                             {QStringLiteral("pid"), 4242},
                             {QStringLiteral("started"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)}});
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(dashboard, run.id), QStringLiteral("running elsewhere"), 10000);
        for (int i = 1; i <= 5; ++i) {
            appendJsonLine(paths.metrics(run.id), {{QStringLiteral("step"), double(i * run.steps / 10)},
                                                   {QStringLiteral("tokens"), i * run.tokens / 10},
                                                   {QStringLiteral("flops"), i * run.flops / 10},
                                                   {QStringLiteral("loss"), 10.0 - i},
                                                   {QStringLiteral("wall_seconds"), i * 1.0}});
        }
        QTRY_COMPARE_WITH_TIMEOUT(dashboard.lossPlot()->pointCount(run.id), 5, 10000);
        const int row = dashboard.runsModel()->rowOf(run.id);
        QTRY_COMPARE_WITH_TIMEOUT(dashboard.runsModel()->run(row).step, run.steps / 2, 10000);
        QCOMPARE(dashboard.runsModel()->run(row).loss, 5.0);
        const double step = double(run.steps / 2);
        FF_COMPARE_REL(dashboard.runsModel()->run(row).etaSeconds, 5.0 * (run.steps - step) / step, 1e-9);

        // It finishes: result.json, a line in results.jsonl, the marker removed.
        QSignalSpy finished(&dashboard, &TrainingDashboard::runFinished);
        RunResult result = RunResult::fromSpec(run, QStringLiteral("simulated"));
        result.status = RunStatus::Done;
        result.loss = 3.25;
        result.steps = run.steps;
        recordRunResult(paths, result);
        QFile::remove(paths.runMarker(run.id));
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.first().at(0).toString(), run.id);
        QCOMPARE(stateOf(dashboard, run.id), QStringLiteral("done"));
        QCOMPARE(dashboard.runsModel()->run(row).loss, 3.25);
        QTest::qWait(300);
        QCOMPARE(finished.size(), 1); // once
        QCOMPARE(dashboard.runsModel()->count(RunRow::State::Pending), plan.runs.size() - 1);
    }

    void startAllLeavesRunsTrainedElsewhere()
    {
        QTemporaryDir dir;
        const SweepPlan plan = planDemo(dir.path());
        const StudyPaths paths(dir.path());
        const RunSpec &run = plan.runs[3];
        writeJsonAtomically(paths.runMarker(run.id), {{QStringLiteral("host"), QStringLiteral("node-3")},
                                                      {QStringLiteral("pid"), 77}});
        TrainingDashboard dashboard;
        QVERIFY(dashboard.openStudy(dir.path()));
        QCOMPARE(stateOf(dashboard, run.id), QStringLiteral("running elsewhere"));
        QSignalSpy finished(&dashboard, &TrainingDashboard::sweepFinished);
        dashboard.startAll();
        QVERIFY(finished.wait(60000));
        QCOMPARE(loggedResults(dir.path()).size(), plan.runs.size() - 1);
        QVERIFY(!loggedResults(dir.path()).contains(run.id));
        QCOMPARE(stateOf(dashboard, run.id), QStringLiteral("running elsewhere"));
    }

    void badStudiesAreReported()
    {
        QTemporaryDir dir;
        TrainingDashboard dashboard;
        QSignalSpy messages(&dashboard, &TrainingDashboard::statusMessage);
        QVERIFY(!dashboard.openStudy(dir.path())); // no sweep.json
        QCOMPARE(messages.size(), 1);
        QVERIFY2(messages.last().at(0).toString().contains(QStringLiteral("sweep.json")),
                 qPrintable(messages.last().at(0).toString()));

        // A results log with a broken line in the middle names the file and the line.
        const SweepPlan plan = planDemo(dir.path());
        QFile results(StudyPaths(dir.path()).results());
        QVERIFY(results.open(QIODevice::WriteOnly));
        results.write("{not json\n{}\n");
        results.close();
        QVERIFY(dashboard.openStudy(dir.path()));
        bool named = false;
        for (const QList<QVariant> &m : messages)
            named = named || m.at(0).toString().contains(QStringLiteral("results.jsonl:1"));
        QVERIFY(named);
        QCOMPARE(dashboard.runsModel()->rowCount(), plan.runs.size());
    }

    void downsamplingKeepsMinAndMaxOfEachBucket()
    {
        std::mt19937 rng(7);
        std::uniform_real_distribution<double> u(0, 1);
        const int n = 20000, columns = 300;
        QVector<double> x(n), y(n);
        for (int i = 0; i < n; ++i) {
            x[i] = i * 0.5;
            y[i] = u(rng);
        }
        y[1234] = std::nan(""); // skipped
        const double x0 = 100, x1 = 9000;
        const QVector<int> keep = LossPlot::minMaxDownsample(x.constData(), y.constData(), n, x0, x1, columns);
        QVERIFY(keep.size() <= 2 * (columns + 2));
        QVERIFY(std::is_sorted(keep.begin(), keep.end()));
        QVERIFY(!keep.contains(1234));
        const QSet<int> kept(keep.begin(), keep.end());
        QHash<long long, int> lo, hi;
        for (int i = 0; i < n; ++i) {
            if (std::isnan(y[i]))
                continue;
            // A bucket per pixel column, and one each for all the points left and right of the range.
            const long long c = std::clamp((long long)std::floor((x[i] - x0) * columns / (x1 - x0)), -1LL,
                                           (long long)columns);
            if (!lo.contains(c) || y[i] < y[lo[c]])
                lo[c] = i;
            if (!hi.contains(c) || y[i] > y[hi[c]])
                hi[c] = i;
        }
        for (auto it = lo.begin(); it != lo.end(); ++it) {
            QVERIFY(kept.contains(it.value()));
            QVERIFY(kept.contains(hi[it.key()]));
        }
        // Flat columns (y within the span) keep one point: a constant series keeps one per column.
        const QVector<double> flat(n, 3.0);
        const QVector<int> few = LossPlot::minMaxDownsample(x.constData(), flat.constData(), n, x0, x1, columns, 0.01);
        QCOMPARE(few.size(), columns + 2);
        // Fewer points than columns: all of them.
        QCOMPARE(LossPlot::minMaxDownsample(x.constData(), y.constData(), 10, 0, 5, 300).size(), 10);

        // The sorted variant picks the same points, dense or sparse, inside the range or not.
        for (const auto &[a, b, cols] : {std::tuple{x0, x1, columns}, std::tuple{0.0, 20.0, 300},
                                         std::tuple{-50.0, 20000.0, 1100}, std::tuple{4000.0, 4001.0, 7}}) {
            QCOMPARE(LossPlot::minMaxDownsampleSorted(x.constData(), y.constData(), n, a, b, cols),
                     LossPlot::minMaxDownsample(x.constData(), y.constData(), n, a, b, cols));
            QCOMPARE(LossPlot::minMaxDownsampleSorted(x.constData(), flat.constData(), n, a, b, cols, 0.01),
                     LossPlot::minMaxDownsample(x.constData(), flat.constData(), n, a, b, cols, 0.01));
        }
    }

    void emaMatchesAHandComputation()
    {
        const QVector<double> v{4.0, 2.0, 3.0, std::nan(""), 1.0};
        const double w = 0.5;
        const QVector<double> s = LossPlot::ema(v, w);
        // s1 = 0.5·4 = 2 → 2/(1-0.5) = 4; s2 = 0.5·2 + 0.5·2 = 2 → 2/0.75;
        // s3 = 0.5·2 + 0.5·3 = 2.5 → 2.5/0.875; NaN skipped; s4 = 0.5·2.5 + 0.5·1 = 1.75 → 1.75/0.9375
        QCOMPARE(s.size(), 5);
        FF_COMPARE_REL(s[0], 4.0, 1e-12);
        FF_COMPARE_REL(s[1], 2.0 / 0.75, 1e-12);
        FF_COMPARE_REL(s[2], 2.5 / 0.875, 1e-12);
        QVERIFY(std::isnan(s[3]));
        FF_COMPARE_REL(s[4], 1.75 / 0.9375, 1e-12);
        QCOMPARE(LossPlot::ema({3.0, 5.0}, 0.0), (QVector<double>{3.0, 5.0}));

        // The plot's incremental EMA equals the batch one, and follows the slider.
        LossPlot plot;
        plot.addSeries(QStringLiteral("r"), QStringLiteral("r"), Qt::red);
        plot.setSmoothing(0.9);
        const QVector<MetricPoint> c = curve(50);
        plot.appendPoints(QStringLiteral("r"), c.mid(0, 20));
        plot.appendPoints(QStringLiteral("r"), c.mid(20));
        QVector<double> losses;
        for (const MetricPoint &p : c)
            losses << p.loss;
        QVector<double> expected = LossPlot::ema(losses, 0.9);
        QVector<double> got = plot.smoothedLoss(QStringLiteral("r"));
        for (int i = 0; i < losses.size(); ++i)
            FF_COMPARE_REL(got[i], expected[i], 1e-12);
        plot.setSmoothing(0.3);
        expected = LossPlot::ema(losses, 0.3);
        got = plot.smoothedLoss(QStringLiteral("r"));
        for (int i = 0; i < losses.size(); ++i)
            FF_COMPARE_REL(got[i], expected[i], 1e-12);
    }

    void logAxesRejectNonPositiveValues()
    {
        LossPlot plot;
        plot.addSeries(QStringLiteral("r"), QStringLiteral("r"), Qt::red);
        QVector<MetricPoint> c = curve(10);
        c[0].wallSeconds = 0;  // x ≤ 0 on a log wall-time axis
        c[3].loss = -1.0;      // y ≤ 0 on a log loss axis
        plot.appendPoints(QStringLiteral("r"), c);
        plot.setXAxis(LossPlot::XAxis::WallTime);
        plot.setLogX(true);
        plot.setLogY(true);
        const QVector<QPointF> pts = plot.axisPoints(QStringLiteral("r"));
        QCOMPARE(pts.size(), 10);
        QVERIFY(std::isnan(pts[0].x()));
        QVERIFY(std::isnan(pts[3].y()));
        QCOMPARE(pts[9].x(), std::log10(c[9].wallSeconds));
        QCOMPARE(pts[9].y(), std::log10(c[9].loss));
        // The range only holds the points a log axis can show.
        const QRectF d = plot.dataRect();
        QCOMPARE(d.left(), std::log10(c[1].wallSeconds));
        QVERIFY(std::isfinite(d.top()) && std::isfinite(d.bottom()));
        QCOMPARE(d.top(), std::log10(c[9].loss));
        // Linear again: every point counts.
        plot.setLogY(false);
        QCOMPARE(plot.dataRect().top(), -1.0);
    }

    void legendClickHidesAndShowsARun()
    {
        LossPlot plot;
        plot.resize(800, 500);
        plot.addSeries(QStringLiteral("a"), QStringLiteral("small"), Qt::red);
        plot.addSeries(QStringLiteral("b"), QStringLiteral("large"), Qt::blue);
        plot.appendPoints(QStringLiteral("a"), curve(100, 1.0));
        plot.appendPoints(QStringLiteral("b"), curve(100, 2.0));
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        const QRectF both = plot.dataRect();
        QSignalSpy toggled(&plot, &LossPlot::seriesVisibilityChanged);
        QTest::mouseClick(&plot, Qt::LeftButton, {}, plot.legendEntryRect(QStringLiteral("b")).center());
        QCOMPARE(toggled.size(), 1);
        QVERIFY(!plot.isSeriesVisible(QStringLiteral("b")));
        QVERIFY(plot.isSeriesVisible(QStringLiteral("a")));
        QVERIFY(plot.dataRect().bottom() < both.bottom()); // the hidden run no longer sets the range

        // Nothing blue is drawn in the plot area any more.
        auto countBlue = [&plot]() {
            const QImage img = plot.grab(plot.plotArea()).toImage();
            int n = 0;
            for (int y = 0; y < img.height(); ++y)
                for (int x = 0; x < img.width(); ++x) {
                    const QColor c = img.pixelColor(x, y);
                    n += c.blue() > 150 && c.red() < 120 && c.green() < 120;
                }
            return n;
        };
        QCOMPARE(countBlue(), 0);
        QTest::mouseClick(&plot, Qt::LeftButton, {}, plot.legendEntryRect(QStringLiteral("b")).center());
        QVERIFY(plot.isSeriesVisible(QStringLiteral("b")));
        QVERIFY(countBlue() > 50);
    }

    // The plot keeps unchanged curves in cached images and draws the changing ones over them: a
    // run that starts, one that restarts from nothing and one that continues must each look as if
    // everything were drawn from scratch.
    void cachedLayersMatchAFreshDrawing()
    {
        auto count = [](LossPlot &plot, QColor target) {
            const QImage img = plot.grab(plot.plotArea()).toImage();
            int n = 0;
            for (int y = 0; y < img.height(); ++y)
                for (int x = 0; x < img.width(); ++x) {
                    const QColor c = img.pixelColor(x, y);
                    n += std::abs(c.red() - target.red()) < 40 && std::abs(c.green() - target.green()) < 40 &&
                         std::abs(c.blue() - target.blue()) < 40;
                }
            return n;
        };
        auto populate = [](LossPlot &plot) {
            plot.resize(900, 500);
            for (int r = 0; r < 20; ++r) {
                const QString id = QString::number(r);
                plot.addSeries(id, id, r == 5 ? QColor(Qt::red) : QColor(128, 128, 128));
                plot.appendPoints(id, curve(300, 1.0 + 0.02 * r));
            }
            plot.addSeries(QStringLiteral("fresh"), QStringLiteral("fresh"), QColor(Qt::green));
            plot.zoomTo(QRectF(0, 0, 320, 14)); // a fixed view: only the curves change
        };
        LossPlot plot;
        populate(plot);
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        QCOMPARE(count(plot, Qt::green), 0);
        QVERIFY(count(plot, Qt::red) > 50);

        plot.appendPoints(QStringLiteral("fresh"), curve(200, 0.9)); // starts training
        QVERIFY(count(plot, Qt::green) > 50);
        plot.clearPoints(QStringLiteral("5")); // restarts: its old curve goes
        QCOMPARE(count(plot, Qt::red), 0);
        plot.appendPoints(QStringLiteral("5"), curve(100, 1.1));
        QVERIFY(count(plot, Qt::red) > 20);
        plot.appendPoints(QStringLiteral("7"), curve(320, 1.14).mid(300)); // goes on

        LossPlot fresh;
        populate(fresh);
        fresh.clearPoints(QStringLiteral("5"));
        fresh.appendPoints(QStringLiteral("5"), curve(100, 1.1));
        fresh.appendPoints(QStringLiteral("7"), curve(320, 1.14).mid(300));
        fresh.appendPoints(QStringLiteral("fresh"), curve(200, 0.9));
        fresh.show();
        QVERIFY(QTest::qWaitForWindowExposed(&fresh));
        const QImage a = plot.grab().toImage(), b = fresh.grab().toImage();
        QCOMPARE(a.size(), b.size());
        int worst = 0;
        for (int y = 0; y < a.height(); ++y)
            for (int x = 0; x < a.width(); ++x) {
                const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
                worst = std::max({worst, std::abs(qRed(p) - qRed(q)), std::abs(qGreen(p) - qGreen(q)),
                                  std::abs(qBlue(p) - qBlue(q))});
            }
        QVERIFY2(worst <= 3, qPrintable(QStringLiteral("pixels differ by up to %1").arg(worst)));
    }

    void zoomAndReset()
    {
        LossPlot plot;
        plot.resize(800, 500);
        plot.addSeries(QStringLiteral("a"), QStringLiteral("a"), Qt::red);
        plot.appendPoints(QStringLiteral("a"), curve(100));
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        const QRectF full = plot.viewRect();
        const QRect area = plot.plotArea();
        QTest::mousePress(&plot, Qt::LeftButton, {}, area.topLeft() + QPoint(20, 20));
        QTest::mouseMove(&plot, area.center());
        QTest::mouseRelease(&plot, Qt::LeftButton, {}, area.center());
        QVERIFY(!plot.followsData());
        QVERIFY(plot.viewRect().width() < full.width());
        plot.resetView();
        QVERIFY(plot.followsData());
        QCOMPARE(plot.viewRect(), full);
    }

    void hoverFindsTheNearestPoint()
    {
        LossPlot plot;
        plot.resize(800, 500);
        plot.setSmoothing(0);
        plot.addSeries(QStringLiteral("a"), QStringLiteral("a"), Qt::red);
        const QVector<MetricPoint> c = curve(100);
        plot.appendPoints(QStringLiteral("a"), c);
        const QRect area = plot.plotArea();
        const QRectF v = plot.viewRect();
        // Where point 50 is drawn.
        const QPoint at(int(area.left() + (c[49].step - v.left()) / v.width() * area.width()),
                        int(area.bottom() - (c[49].loss - v.top()) / v.height() * area.height()));
        const LossPlot::Readout r = plot.nearestPoint(at + QPoint(1, 1));
        QVERIFY(r.valid);
        QCOMPARE(r.id, QStringLiteral("a"));
        QCOMPARE(r.x, c[49].step);
        QCOMPARE(r.loss, c[49].loss);
        QVERIFY(!plot.nearestPoint(QPoint(area.right() - 2, area.top() + 2)).valid);
    }

    void exportsCsvPngAndSvg()
    {
        QTemporaryDir dir;
        LossPlot plot;
        plot.addSeries(QStringLiteral("a"), QStringLiteral("a"), Qt::red);
        plot.appendPoints(QStringLiteral("a"), curve(30));
        const QString csv = dir.filePath(QStringLiteral("curves.csv"));
        plot.exportCsv(csv);
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().split('\n');
        QCOMPARE(lines[0], QByteArray("run,step,tokens,flops,wall_seconds,loss,loss_smoothed"));
        QCOMPARE(lines.size(), 32); // header, 30 rows, trailing newline
        QVERIFY(lines[1].startsWith("a,1,1000,"));

        const QString png = dir.filePath(QStringLiteral("plot.png"));
        plot.exportImage(png, QSize(640, 400));
        QCOMPARE(QImage(png).size(), QSize(640, 400));
        const QString svg = dir.filePath(QStringLiteral("plot.svg"));
        plot.exportImage(svg);
        QFile s(svg);
        QVERIFY(s.open(QIODevice::ReadOnly));
        const QByteArray text = s.readAll();
        QVERIFY(text.contains("<svg"));
        QVERIFY(text.contains("polyline") || text.contains("path"));
        QVERIFY_THROWS_EXCEPTION(InputError, plot.exportImage(dir.filePath(QStringLiteral("plot.bmpx"))));
    }
};

QTEST_MAIN(TestDashboard)
#include "tst_dashboard.moc"
