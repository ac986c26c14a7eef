// The desktop app under the offscreen platform: the planner's validation and plan, the analysis
// of a simulated study with a run excluded by a click, figure export, data preparation through
// flopsfit-tokenize, and the main window's study folder.
#include "TestHelpers.h"

#include "AnalysisView.h"
#include "DataPreparer.h"
#include "MainWindow.h"
#include "TrainingDashboard.h"
#include "PlannerPanel.h"
#include "RunsTableModel.h"
#include "data/StoryGenerator.h"
#include "data/StudyData.h"
#include "fit/StudyAnalysis.h"
#include "plan/Presets.h"
#include "plan/SweepConfig.h"
#include "plan/SweepPlan.h"
#include "train/SweepRunner.h"
#include "util/Error.h"

#include <QAction>
#include <QApplication>
#include <QChart>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QIcon>
#include <QImage>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace flopsfit;
using namespace flopsfit::ui;

namespace {

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The message the batch CLI gives for the same preset and `key=value` override.
QString cliMessage(const QString &preset, const QString &assignment)
{
    try {
        const QString path = resolvePreset(preset);
        planSweep(SweepSpec::fromConfig(loadSweepConfig(path, {assignment}), path));
    } catch (const InputError &e) {
        return e.message();
    }
    return {};
}

QScatterSeries *seriesNamed(QChart *chart, const QString &name)
{
    for (QAbstractSeries *s : chart->series()) {
        if (s->name() == name)
            return qobject_cast<QScatterSeries *>(s);
    }
    return nullptr;
}

} // namespace

class TestGui : public QObject {
    Q_OBJECT

    QTemporaryDir m_config;
    QTemporaryDir m_study; // a trained simulated study, shared by the analysis and export tests

private Q_SLOTS:
    void initTestCase()
    {
        qputenv("FLOPSFIT_TOKENIZE", FLOPSFIT_TOKENIZE_BIN);
        qputenv("FLOPSFIT_PRESETS", FLOPSFIT_PRESETS);
        // QSettings (recent studies, window layout) go to a throw-away folder.
        qputenv("XDG_CONFIG_HOME", m_config.path().toLocal8Bit());
        QVERIFY(m_config.isValid() && m_study.isValid());
        // The shared study is trained here, so that each test function also runs alone.
        const QString path = resolvePreset(QStringLiteral("demo"));
        const SweepPlan plan = planSweep(SweepSpec::fromConfig(loadSweepConfig(path), path));
        savePlan(plan, StudyPaths(m_study.path()).sweep());
        const SweepSummary summary = SweepRunner(plan, m_study.path()).run(SweepOptions{}, SweepCallbacks{});
        QCOMPARE(summary.done, int(plan.runs.size()));
    }

    void plannerRejectsBadValues_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("not a number") << "compute.min_flops" << "lots" << "must be a number";
        QTest::newRow("max below min") << "compute.max_flops" << "1e12" << "is below";
        QTest::newRow("no budgets") << "compute.budgets" << "0" << "out of range";
        QTest::newRow("fractional sizes") << "model.sizes_per_budget" << "2.5" << "whole number";
        QTest::newRow("negative seed") << "training.seeds" << "0, -1" << "seeds";
        QTest::newRow("heads do not divide") << "model.round_to" << "96" << "multiple of";
        QTest::newRow("tokens per param bounds") << "model.max_tokens_per_param" << "1" << "is below";
    }

    void plannerRejectsBadValues()
    {
        QFETCH(QString, key);
        QFETCH(QString, text);
        QFETCH(QString, fragment);
        PlannerPanel panel;
        QVERIFY(panel.loadPreset(QStringLiteral("demo")));
        QVERIFY2(panel.isValid(), qPrintable(panel.errorText()));
        QVERIFY(panel.fieldKeys().contains(key));

        panel.setFieldText(key, text);
        panel.validateNow();
        QVERIFY(!panel.isValid());
        QVERIFY2(panel.errorText().contains(fragment), qPrintable(panel.errorText()));
        // The message is the one the batch CLI prints for the same value…
        const QString cliText = text.contains(QLatin1Char(',')) ? QStringLiteral("[%1]").arg(text) : text;
        QCOMPARE(panel.errorText(), cliMessage(QStringLiteral("demo"), key + QLatin1Char('=') + cliText));
        // …shown under the field it is about, and above the preview.
        QCOMPARE(panel.fieldError(key), panel.errorText());
        auto *message = panel.findChild<QLabel *>(QStringLiteral("planMessage"));
        QVERIFY(message && !message->isHidden());
        QString error;
        QVERIFY(!panel.savePlan(&error));
        QVERIFY(!error.isEmpty());

        // Reloading the preset clears the message.
        QVERIFY(panel.loadPreset(QStringLiteral("demo")));
        QVERIFY(panel.isValid());
        QVERIFY(panel.fieldError(key).isEmpty());
    }

    void plannerAcceptsPreset()
    {
        PlannerPanel panel;
        QVERIFY(panel.loadPreset(QStringLiteral("cpu_fast")));
        QVERIFY(panel.loadPreset(QStringLiteral("demo")));
        QVERIFY(panel.isValid());
        const QString path = resolvePreset(QStringLiteral("demo"));
        const SweepPlan expected = planSweep(SweepSpec::fromConfig(loadSweepConfig(path), path));
        QCOMPARE(panel.plan().runs.size(), expected.runs.size());
        QCOMPARE(panel.previewRowCount(), int(expected.runs.size()));
        QCOMPARE(panel.fieldText(QStringLiteral("compute.budgets")), QStringLiteral("5"));
        QCOMPARE(panel.fieldText(QStringLiteral("flops_model")), QStringLiteral("6nd_nonembedding"));
        // Every key of the configuration has a field.
        const QJsonObject schema = defaultSweepConfig();
        for (auto it = schema.begin(); it != schema.end(); ++it) {
            if (it->isObject()) {
                const QJsonObject section = it->toObject();
                for (auto k = section.begin(); k != section.end(); ++k)
                    QVERIFY2(panel.fieldKeys().contains(it.key() + QLatin1Char('.') + k.key()), qPrintable(k.key()));
            }
        }
        // An edit updates the preview.
        panel.setFieldText(QStringLiteral("compute.budgets"), QStringLiteral("3"));
        panel.validateNow();
        QCOMPARE(panel.plan().budgets.size(), 3);
        QCOMPARE(panel.previewRowCount(), int(panel.plan().runs.size()));
    }

    void savingAPlanWritesSweepJson()
    {
        QTemporaryDir dir;
        PlannerPanel panel;
        QString error;
        QVERIFY(!panel.savePlan(&error)); // no study open yet
        panel.setStudyDir(dir.path());
        QVERIFY(panel.loadPreset(QStringLiteral("demo")));
        panel.setFieldText(QStringLiteral("compute.budgets"), QStringLiteral("4"));
        panel.setFieldText(QStringLiteral("training.seeds"), QStringLiteral("0, 1"));
        QSignalSpy saved(&panel, &PlannerPanel::planSaved);
        QVERIFY2(panel.savePlan(&error), qPrintable(error));
        QCOMPARE(saved.count(), 1);
        const SweepPlan plan = loadPlan(StudyPaths(dir.path()).sweep());
        QCOMPARE(plan.budgets.size(), 4);
        QCOMPARE(plan.spec.seeds, (QVector<int>{0, 1}));
        QCOMPARE(plan.toJson(), panel.plan().toJson());

        // Opening the study again fills the form from its sweep.json.
        PlannerPanel reopened;
        reopened.setStudyDir(dir.path());
        QCOMPARE(reopened.fieldText(QStringLiteral("compute.budgets")), QStringLiteral("4"));
        QCOMPARE(reopened.plan().toJson(), plan.toJson());
    }

    void analysisShowsFitsAndAClickExcludesARun()
    {
        const SweepPlan plan = loadPlan(StudyPaths(m_study.path()).sweep());

        AnalysisView view;
        view.resize(1200, 800);
        view.show();
        QSignalSpy updated(&view, &AnalysisView::analysisUpdated);
        view.setStudyDir(m_study.path());
        QVERIFY(view.isBusy());
        QVERIFY(updated.wait(180000));
        QVERIFY2(view.hasAnalysis(), qPrintable(view.errorText()));
        const StudyAnalysis before = view.analysis();
        QVERIFY(before.haveIsoFlop);
        QVERIFY(before.haveParametric);
        QCOMPARE(before.used.size(), plan.runs.size());
        // The simulator's law: N_opt ∝ C^(β/(α+β)) = C^0.452.
        QVERIFY2(std::abs(before.isoFlop.nOpt.a - 0.452) < 0.05, qPrintable(QString::number(before.isoFlop.nOpt.a)));
        QCOMPARE(view.charts(AnalysisView::Figure::IsoFlop).size(), 1);
        QCOMPARE(view.charts(AnalysisView::Figure::Scaling).size(), 3);
        QCOMPARE(view.charts(AnalysisView::Figure::Parametric).size(), 1);
        // The charts follow the palette (dark mode) and keep their series' colours.
        QPalette dark = view.palette();
        dark.setColor(QPalette::Base, QColor(30, 30, 34));
        dark.setColor(QPalette::Text, QColor(230, 230, 230));
        view.setPalette(dark);
        for (AnalysisView::Figure f : {AnalysisView::Figure::IsoFlop, AnalysisView::Figure::Scaling}) {
            for (QChart *chart : view.charts(f)) {
                QCOMPARE(chart->backgroundBrush().color(), QColor(30, 30, 34));
                QCOMPARE(chart->titleBrush().color(), QColor(230, 230, 230));
            }
        }
        auto *prediction = view.findChild<QLabel *>(QStringLiteral("prediction"));
        QVERIFY(prediction && prediction->text().contains(QStringLiteral("N_opt")));
        QVERIFY(view.tableText(TableFormat::Markdown).contains(QLatin1Char('|')));
        QVERIFY(view.tableText(TableFormat::Latex).contains(QStringLiteral("\\\\")));
        // The table's budgets: five decades from the one of the largest budget, and the target.
        const double first = std::pow(10.0, std::floor(std::log10(plan.budgets.last()) + 1e-9));
        QSet<double> budgets;
        for (const QString &line : view.tableText(TableFormat::Csv).split(QLatin1Char('\n')).mid(1))
            if (!line.isEmpty())
                budgets.insert(line.section(QLatin1Char(','), 0, 0).toDouble());
        for (int k = 0; k < 5; ++k)
            QVERIFY2(budgets.contains(first * std::pow(10.0, k)), qPrintable(QString::number(first * std::pow(10.0, k))));
        QVERIFY(*std::min_element(budgets.begin(), budgets.end()) >= std::min(first, before.targetFlops));

        // Click the lowest-loss run of the largest budget: its parabola, and so N_opt's law, moves.
        QChart *iso = view.charts(AnalysisView::Figure::IsoFlop).first();
        const double largest = plan.budgets.last();
        QScatterSeries *series = seriesNamed(iso, QStringLiteral("C = %1").arg(largest, 0, 'e', 1));
        QVERIFY(series);
        QPointF best = series->points().first();
        for (const QPointF &p : series->points()) {
            if (p.y() < best.y())
                best = p;
        }
        QString bestId;
        for (const FitPoint &p : before.used) {
            if (p.budget == largest && std::abs(p.loss - best.y()) < 1e-12)
                bestId = p.id;
        }
        QVERIFY(!bestId.isEmpty());
        Q_EMIT series->clicked(best);
        QVERIFY(updated.wait(180000));
        const StudyAnalysis after = view.analysis();
        QCOMPARE(after.used.size(), before.used.size() - 1);
        QVERIFY(after.forcedOut.contains(bestId));
        QVERIFY(after.isoFlop.nOpt.a != before.isoFlop.nOpt.a);
        QVERIFY(after.isoFlop.optima.last().optParams != before.isoFlop.optima.last().optParams);
        // Persisted the way the CLI keeps it, and read by a fresh analysis.
        QCOMPARE(readFitOverrides(m_study.path()).exclude, QStringList{bestId});
        StudyAnalysisOptions options;
        QVERIFY(analyzeStudy(m_study.path(), options).forcedOut.contains(bestId));

        // The run left out is drawn, and a click on it brings it back.
        QScatterSeries *leftOut = seriesNamed(view.charts(AnalysisView::Figure::IsoFlop).first(), QStringLiteral("left out"));
        QVERIFY(leftOut);
        QCOMPARE(leftOut->count(), 1);
        Q_EMIT leftOut->clicked(leftOut->at(0));
        QVERIFY(updated.wait(180000));
        QCOMPARE(view.analysis().used.size(), before.used.size());
        QVERIFY(readFitOverrides(m_study.path()).exclude.isEmpty());
        QCOMPARE(readFitOverrides(m_study.path()).include, QStringList{bestId});
        QCOMPARE(view.analysis().isoFlop.nOpt.a, before.isoFlop.nOpt.a);

        // A run clicked in the parametric chart (N, D) is left out too.
        QScatterSeries *runs = seriesNamed(view.charts(AnalysisView::Figure::Parametric).first(), QStringLiteral("runs"));
        QVERIFY(runs);
        const QPointF clicked = runs->at(3);
        QString clickedId;
        for (const FitPoint &p : view.analysis().used) {
            if (p.params == clicked.x() && p.tokens == clicked.y())
                clickedId = p.id;
        }
        QVERIFY(!clickedId.isEmpty());
        Q_EMIT runs->clicked(clicked);
        QVERIFY(updated.wait(180000));
        QVERIFY(view.analysis().forcedOut.contains(clickedId));
        QVERIFY(readFitOverrides(m_study.path()).exclude.contains(clickedId));
    }

    void analysisRefitsWhenRunsFinish()
    {
        QTemporaryDir dir;
        const QString path = resolvePreset(QStringLiteral("demo"));
        const SweepPlan plan = planSweep(SweepSpec::fromConfig(loadSweepConfig(path), path));
        savePlan(plan, StudyPaths(dir.path()).sweep());
        SweepOptions firstBudgets;
        for (const RunSpec &r : plan.runs) {
            if (r.budgetIndex < 3)
                firstBudgets.onlyRuns.append(r.id);
        }
        SweepRunner(plan, dir.path()).run(firstBudgets, SweepCallbacks{});

        AnalysisView view;
        QSignalSpy updated(&view, &AnalysisView::analysisUpdated);
        view.setStudyDir(dir.path());
        QVERIFY(updated.wait(180000));
        QCOMPARE(view.analysis().used.size(), firstBudgets.onlyRuns.size());
        QCOMPARE(view.analysis().isoFlop.optima.size(), 3);

        // The rest of the sweep finishes (here, or in another process): the view refits by itself.
        SweepRunner(plan, dir.path()).run(SweepOptions{}, SweepCallbacks{});
        QTRY_COMPARE_WITH_TIMEOUT(view.analysis().used.size(), plan.runs.size(), 180000);
        QCOMPARE(view.analysis().isoFlop.optima.size(), plan.budgets.size());
    }

    void exportWritesValidFiles()
    {
        AnalysisView view;
        QSignalSpy updated(&view, &AnalysisView::analysisUpdated);
        view.setStudyDir(m_study.path());
        QVERIFY(updated.wait(180000));
        QTemporaryDir out;
        ExportOptions options;
        options.dpi = 192;
        options.style = FigureStyle::Notebook;

        const QString png = out.filePath(QStringLiteral("scaling.png"));
        view.exportFigure(AnalysisView::Figure::Scaling, png, options);
        QVERIFY(readAll(png).startsWith(QByteArray("\x89PNG\r\n\x1a\n", 8)));
        const QImage image(png);
        QCOMPARE(image.size(), QSize(3 * 640 * 2, 480 * 2)); // three panels at 2× for 192 dpi

        const QString svg = out.filePath(QStringLiteral("isoflop.svg"));
        view.exportFigure(AnalysisView::Figure::IsoFlop, svg, options);
        QVERIFY(readAll(svg).contains("<svg"));
        QVERIFY(QSvgRenderer(svg).isValid());

        const QString pdf = out.filePath(QStringLiteral("parametric.pdf"));
        view.exportFigure(AnalysisView::Figure::Parametric, pdf, options);
        const QByteArray pdfBytes = readAll(pdf);
        QVERIFY(pdfBytes.startsWith("%PDF-"));
        QVERIFY(pdfBytes.trimmed().endsWith("%%EOF"));

        try {
            view.exportFigure(AnalysisView::Figure::IsoFlop, out.filePath(QStringLiteral("x.bmp")), options);
            QFAIL("no InputError for an unknown format");
        } catch (const InputError &e) {
            QVERIFY(e.message().contains(QStringLiteral("bmp")));
        }

        options.formats = {QStringLiteral("png"), QStringLiteral("svg"), QStringLiteral("pdf")};
        const QStringList written = view.exportAllFigures(options);
        QCOMPARE(written.size(), 4 * 3);
        for (const QString &file : written)
            QVERIFY2(QFileInfo(file).size() > 0 && file.startsWith(StudyPaths(m_study.path()).figuresDir()), qPrintable(file));

        const QString csv = out.filePath(QStringLiteral("curves.csv"));
        view.exportCurvesCsv(csv);
        const QList<QByteArray> lines = readAll(csv).split('\n');
        QCOMPARE(lines.first(), QByteArray("figure,panel,series,x,y"));
        QVERIFY(lines.size() > 100);
        QVERIFY(readAll(csv).contains("isoflop,0,\"optimum\""));
    }

    void dataPickerPreparesACorpusAndCancels()
    {
        QTemporaryDir dir;
        const QString corpus = dir.filePath(QStringLiteral("tiny.txt"));
        {
            QFile f(corpus);
            QVERIFY(f.open(QIODevice::WriteOnly));
            for (int i = 0; i < 60; ++i)
                f.write(QByteArray::fromStdString(StoryGenerator::story(5, i)) + "\n<|endoftext|>\n");
        }
        const QString study = dir.filePath(QStringLiteral("study"));
        PlannerPanel panel;
        panel.setStudyDir(study);
        QVERIFY(panel.loadPreset(QStringLiteral("demo")));
        panel.setFieldText(QStringLiteral("data.source"), QStringLiteral("file"));
        panel.setFieldText(QStringLiteral("data.path"), corpus);
        panel.setFieldText(QStringLiteral("data.vocab_size"), QStringLiteral("400"));
        panel.validateNow();
        QVERIFY2(panel.isValid(), qPrintable(panel.errorText()));

        DataPreparer *preparer = panel.dataPreparer();
        QSignalSpy progress(preparer, &DataPreparer::progress);
        QSignalSpy finished(preparer, &DataPreparer::finished);
        panel.prepareData();
        QVERIFY(preparer->isRunning());
        QVERIFY(finished.wait(120000));
        QCOMPARE(finished.first().at(0).toBool(), true);
        QVERIFY2(finished.first().at(1).toString().isEmpty(), qPrintable(finished.first().at(1).toString()));
        QVERIFY(progress.count() > 0);
        QStringList stages;
        for (const QList<QVariant> &p : progress)
            stages.append(p.at(0).toString());
        QVERIFY(stages.contains(QStringLiteral("encode")));
        QCOMPARE(panel.findChild<QProgressBar *>()->value(), 100);
        const DataMeta meta = readDataMeta(StudyPaths(study).dataDir() + QStringLiteral("/meta.json"));
        QCOMPARE(meta.source, QStringLiteral("file"));
        QCOMPARE(meta.settings, dataSettingsFor(panel.plan().spec));

        // A large built-in corpus, cancelled at its first progress line: the child stops and
        // the data is not recorded as prepared.
        panel.setFieldText(QStringLiteral("data.source"), QStringLiteral("builtin"));
        panel.setFieldText(QStringLiteral("data.builtin_tokens"), QStringLiteral("50000000"));
        panel.validateNow();
        QVERIFY(panel.isValid());
        progress.clear();
        finished.clear();
        panel.prepareData();
        QVERIFY(progress.wait(60000));
        preparer->cancel();
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.first().at(0).toBool(), false);
        QVERIFY(finished.first().at(1).toString().isEmpty());
        QVERIFY(!preparer->isRunning());
        const QString metaPath = StudyPaths(study).dataDir() + QStringLiteral("/meta.json");
        QVERIFY(!QFileInfo::exists(metaPath) || readDataMeta(metaPath).settings != dataSettingsFor(panel.plan().spec));
        QCOMPARE(panel.findChild<QLabel *>(QStringLiteral("dataStatus"))->text(), QStringLiteral("Cancelled"));
    }

    void mainWindowCreatesOpensAndCopiesAStudy()
    {
        QTemporaryDir dir;
        MainWindow window;
        const QString study = dir.filePath(QStringLiteral("new-study"));
        QString error;
        QVERIFY(!window.createStudy(QStringLiteral("no-such-preset"), study, &error));
        QVERIFY(error.contains(QStringLiteral("no-such-preset")));
        QVERIFY2(window.createStudy(QStringLiteral("demo"), study, &error), qPrintable(error));
        QVERIFY(QFileInfo::exists(StudyPaths(study).sweep()));
        QCOMPARE(window.studyDir(), QFileInfo(study).absoluteFilePath());
        QCOMPARE(MainWindow::recentStudies().value(0), QFileInfo(study).absoluteFilePath());
        QVERIFY(window.planner()->isValid());
        QVERIFY(!window.createStudy(QStringLiteral("demo"), study, &error)); // already a study
        // The form shows the study's own plan: no preset is chosen, so there is none to load.
        QPushButton *load = nullptr;
        for (QPushButton *b : window.planner()->findChildren<QPushButton *>())
            load = b->text() == QStringLiteral("Load") ? b : load;
        QVERIFY(load && !load->isEnabled());
        // A plan edited and saved in the Plan area is the one the Train area lists.
        QCOMPARE(window.trainArea()->runsModel()->rowCount(), window.planner()->plan().runs.size());
        window.planner()->setFieldText(QStringLiteral("compute.budgets"), QStringLiteral("2"));
        QVERIFY2(window.planner()->savePlan(&error), qPrintable(error));
        QCOMPARE(window.planner()->plan().budgets.size(), 2);
        QCOMPARE(window.trainArea()->runsModel()->rowCount(), window.planner()->plan().runs.size());

        const QString copy = dir.filePath(QStringLiteral("copy"));
        QVERIFY2(window.saveStudyAs(copy, &error), qPrintable(error));
        QCOMPARE(readAll(StudyPaths(copy).sweep()), readAll(StudyPaths(study).sweep()));
        QCOMPARE(window.studyDir(), QFileInfo(copy).absoluteFilePath());
        QCOMPARE(MainWindow::recentStudies().mid(0, 2), (QStringList{QFileInfo(copy).absoluteFilePath(), QFileInfo(study).absoluteFilePath()}));
        QVERIFY(!window.saveStudyAs(copy, &error)); // not over an existing study
        // A folder with no plan is no study: the window says so and keeps the open one.
        QTemporaryDir notAStudy;
        QString warning;
        QTimer::singleShot(0, [&warning] {
            if (auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())) {
                warning = box->text();
                box->close();
            }
        });
        QVERIFY(!window.openStudy(notAStudy.path()));
        QVERIFY2(warning.contains(QStringLiteral("no sweep.json")), qPrintable(warning));
        QCOMPARE(window.studyDir(), QFileInfo(copy).absoluteFilePath());
        QVERIFY(!MainWindow::recentStudies().contains(QFileInfo(notAStudy.path()).absoluteFilePath()));
        QVERIFY(!QIcon(QStringLiteral(":/icons/flopsfit.svg")).pixmap(64).isNull()); // the app icon resource
        // Switching from a trained study to one with no results before its fit is back: only
        // the open study's outcome is shown.
        QSignalSpy failed(window.analysis(), &AnalysisView::analysisFailed);
        QSignalSpy updated(window.analysis(), &AnalysisView::analysisUpdated);
        QVERIFY(window.openStudy(m_study.path()));
        QVERIFY(window.openStudy(copy));
        QVERIFY(failed.wait(60000));
        QTRY_VERIFY_WITH_TIMEOUT(!window.analysis()->isBusy(), 60000);
        QVERIFY(window.analysis()->errorText().contains(QStringLiteral("no results")));
        QVERIFY(!window.analysis()->hasAnalysis());
        QVERIFY(window.analysis()->charts(AnalysisView::Figure::IsoFlop).isEmpty());
        QCOMPARE(updated.count(), 0);
    }
    void mainWindowTrainsASweepAndTheAnalysisFollows()
    {
        // The newcomer's path: a new study from the demo preset, Start all in the Train area, and
        // the Analyze area fits the runs as they finish.
        QTemporaryDir dir;
        MainWindow window;
        const QString study = dir.filePath(QStringLiteral("demo-study"));
        QString error;
        QSignalSpy untrained(window.analysis(), &AnalysisView::analysisFailed);
        QVERIFY2(window.createStudy(QStringLiteral("demo"), study, &error), qPrintable(error));
        // Before any run has trained, the Analyze area says where to train them.
        QVERIFY(untrained.count() > 0 || untrained.wait(60000));
        bool pointsToTrain = false;
        for (const QLabel *label : window.analysis()->findChildren<QLabel *>())
            pointsToTrain = pointsToTrain || label->text().contains(QStringLiteral("Train area"));
        QVERIFY(pointsToTrain);
        auto *exportAll = window.findChild<QAction *>(QStringLiteral("exportAllFigures"));
        QVERIFY(exportAll && !exportAll->isEnabled()); // no figures before the fit
        TrainingDashboard *train = window.trainArea();
        QSignalSpy finished(train, &TrainingDashboard::sweepFinished);
        QSignalSpy updated(window.analysis(), &AnalysisView::analysisUpdated);
        train->startAll();
        QVERIFY(train->isTraining());
        QVERIFY(finished.wait(180000));
        QVERIFY(!train->isTraining());
        const SweepPlan plan = loadPlan(StudyPaths(study).sweep());
        QCOMPARE(readResults(StudyPaths(study)).size(), plan.runs.size());
        QTRY_COMPARE_WITH_TIMEOUT(window.analysis()->analysis().used.size(), plan.runs.size(), 180000);
        QVERIFY(updated.count() > 0);
        QCOMPARE(window.analysis()->analysis().isoFlop.optima.size(), plan.budgets.size());
        QTRY_VERIFY_WITH_TIMEOUT(exportAll->isEnabled(), 60000);
    }
};

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
