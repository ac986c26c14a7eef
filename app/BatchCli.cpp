#include "BatchCli.h"

#include "data/StudyData.h"
#include "fit/ChinchillaTable.h"
#include "fit/ResultsCsv.h"
#include "fit/StudyAnalysis.h"
#include "plan/Presets.h"
#include "plan/SweepConfig.h"
#include "plan/SweepPlan.h"
#include "train/SlurmJob.h"
#include "train/StudyStatus.h"
#include "train/SweepRunner.h"
#include "util/Error.h"
#include "util/Json.h"

#ifdef FLOPSFIT_HAVE_GUI
#include "FigureExport.h"
#endif

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QProcess>
#include <QStandardPaths>
#include <QDir>
#include <QElapsedTimer>
#include <QHash>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMutex>
#include <QMutexLocker>
#include <QTextStream>

#include <csignal>
#include <cstdio>

namespace flopsfit {

namespace {

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

// Distinguishes --help from a bad command line inside the subcommand parsers.
struct HelpShown {};

const char kCommands[] = "Commands:\n"
                         "  plan      plan a sweep from a preset into a study folder (sweep.json)\n"
                         "  train     train the pending runs of a study (resumes where it stopped)\n"
                         "  analyze   fit scaling laws to a study's results (analysis.json)\n"
                         "  export    render a study's figures to PNG / SVG / PDF\n"
                         "  all       plan, train, analyze and export in a row\n"
                         "  slurm     write (and --submit) a Slurm array job that trains a study's pending runs\n"
                         "  status    show pending / running / done / failed runs of a study\n"
                         "Run `flopsfit --batch <command> --help` for a command's options.\n";

void parseOrThrow(QCommandLineParser &parser, const QStringList &args, const QString &command,
                  const QString &description)
{
    parser.setApplicationDescription(description);
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    parser.addOption(help);
    if (!parser.parse(args))
        throw InputError(QStringLiteral("%1: %2").arg(command, parser.errorText()));
    if (parser.isSet(help)) {
        out() << parser.helpText().replace(QStringLiteral("[options]"),
                                           QStringLiteral("--batch %1 [options]").arg(command));
        out().flush();
        throw HelpShown{};
    }
}

QString requireValue(const QCommandLineParser &parser, const QCommandLineOption &option,
                     const QString &command)
{
    const QString v = parser.value(option);
    if (v.isEmpty())
        throw InputError(QStringLiteral("%1: --%2 is required").arg(command, option.names().constLast()));
    return v;
}

QString formatSeconds(double s)
{
    if (s < 120)
        return QStringLiteral("%1 s").arg(s, 0, 'f', 1);
    if (s < 7200)
        return QStringLiteral("%1 min").arg(s / 60, 0, 'f', 1);
    return QStringLiteral("%1 h").arg(s / 3600, 0, 'f', 1);
}

void printPlan(const SweepPlan &plan)
{
    out() << QStringLiteral("%1 runs over %2 budgets, backend %3, FLOPs model %4\n")
                 .arg(plan.runs.size())
                 .arg(plan.budgets.size())
                 .arg(plan.spec.backend, flopsModelName(plan.spec.flopsModel));
    out() << QStringLiteral("%1 %2 %3 %4 %5 %6\n")
                 .arg(QStringLiteral("C (FLOPs)"), -11)
                 .arg(QStringLiteral("N"), -11)
                 .arg(QStringLiteral("D (tokens)"), -11)
                 .arg(QStringLiteral("d×L×H"), -14)
                 .arg(QStringLiteral("D/N"), -8)
                 .arg(QStringLiteral("est."));
    for (const RunSpec &r : plan.runs) {
        out() << QStringLiteral("%1 %2 %3 %4 %5 %6\n")
                     .arg(r.budget, -11, 'e', 2)
                     .arg(r.params, -11, 'e', 2)
                     .arg(r.tokens, -11, 'e', 2)
                     .arg(QStringLiteral("%1×%2×%3").arg(r.shape.d_model).arg(r.shape.n_layers).arg(r.shape.n_heads), -14)
                     .arg(r.tokensPerParam(), -8, 'f', 1)
                     .arg(formatSeconds(r.estimatedSeconds));
    }
    out() << QStringLiteral("total %1 FLOPs, estimated %2 at %3 FLOP/s\n")
                 .arg(plan.totalFlops(), 0, 'e', 2)
                 .arg(formatSeconds(plan.estimatedSeconds()))
                 .arg(plan.spec.flopsPerSecond, 0, 'e', 1);
    out().flush();
}

// Writes the plan into the study folder. An existing plan is kept when identical; a different
// one is replaced only when no run has finished yet, or with --force.
void writePlan(const SweepPlan &plan, const QString &studyDir, bool force)
{
    const StudyPaths paths(studyDir);
    if (QFileInfo::exists(paths.sweep())) {
        const SweepPlan existing = loadPlan(paths.sweep());
        if (existing.toJson() == plan.toJson())
            return;
        if (QFileInfo::exists(paths.results()) && !force)
            throw InputError(QStringLiteral("%1: the study already has a different plan with results; "
                                            "use another --out folder, or --force to replace the plan")
                                 .arg(paths.sweep()));
    }
    savePlan(plan, paths.sweep());
}

SweepRunner *activeRunner = nullptr;

void onInterrupt(int)
{
    if (activeRunner)
        activeRunner->cancel();
}

int trainStudy(const QString &studyDir, const SweepOptions &options)
{
    const StudyPaths paths(studyDir);
    if (!QFileInfo::exists(paths.sweep()))
        throw InputError(QStringLiteral("%1: no plan; run `flopsfit --batch plan` first").arg(paths.sweep()));
    const SweepPlan plan = loadPlan(paths.sweep());
    SweepRunner runner(plan, studyDir);
    QStringList warnings;
    readResults(paths, &warnings);
    for (const QString &w : warnings)
        err() << "warning: " << w << '\n';
    const int pending = int(runner.pendingRuns(options.onlyRuns).size());
    err() << QStringLiteral("training %1 pending run(s) of %2 in %3\n").arg(pending).arg(plan.runs.size()).arg(studyDir);
    const QString backendName = options.backend.isEmpty() ? plan.spec.backend : options.backend;
    if (backendName == QLatin1String("torch") && pending > 0) {
        // The torch backend trains on <study>/data; tokenize it first (a child process).
        QString lastStage;
        qint64 lastPercent = -1;
        ensureStudyData(paths, plan.spec, [&](const QString &stage, qint64 done, qint64 total) {
            const qint64 percent = total > 0 ? done * 100 / total : 0;
            if (stage == lastStage && percent < lastPercent + 10 && !(percent == 100 && lastPercent != 100))
                return;
            lastStage = stage;
            lastPercent = percent;
            err() << QStringLiteral("data: %1 %2%\n").arg(stage).arg(percent);
            err().flush();
        });
    }
    err().flush();

    QMutex printMutex;
    int finished = 0;
    SweepCallbacks callbacks;
    // Periodic progress: one line every 30 s with every run in flight, never one per step.
    QHash<QString, RunProgress> running;
    QElapsedTimer sinceProgressLine;
    sinceProgressLine.start();
    callbacks.started = [&](const RunSpec &run, int) {
        QMutexLocker lock(&printMutex);
        running.insert(run.id, RunProgress{run.id, 0, run.steps});
    };
    callbacks.progress = [&](const RunProgress &p) {
        QMutexLocker lock(&printMutex);
        running.insert(p.runId, p);
        if (sinceProgressLine.elapsed() < 30000)
            return;
        sinceProgressLine.restart();
        QStringList parts;
        for (const RunProgress &r : std::as_const(running))
            parts << QStringLiteral("%1 %2% loss %3 %4 tok/s")
                         .arg(r.runId)
                         .arg(r.totalSteps > 0 ? 100 * r.step / r.totalSteps : 0)
                         .arg(r.trainLoss, 0, 'f', 3)
                         .arg(r.tokensPerSecond, 0, 'f', 0);
        err() << QStringLiteral("  … %1/%2 finished; %3\n").arg(finished).arg(pending).arg(parts.join(QStringLiteral("; ")));
        err().flush();
    };
    callbacks.finished = [&](const RunResult &r) {
        QMutexLocker lock(&printMutex);
        running.remove(r.id);
        ++finished;
        err() << QStringLiteral("[%1/%2] %3 %4").arg(finished).arg(pending).arg(r.id, runStatusName(r.status));
        if (std::isfinite(r.loss))
            err() << QStringLiteral(" loss=%1").arg(r.loss, 0, 'f', 4);
        if (!r.message.isEmpty())
            err() << " (" << r.message << ')';
        err() << QStringLiteral(" %1\n").arg(formatSeconds(r.wallSeconds));
        err().flush();
    };
    callbacks.warning = [&](const QString &w) {
        QMutexLocker lock(&printMutex);
        err() << "warning: " << w << '\n';
        err().flush();
    };
    // The plan's training.threads / training.concurrency apply unless the command line set them.
    SweepOptions effective = options;
    if (effective.threadsPerRun == 0)
        effective.threadsPerRun = valueAtPath(plan.spec.config, QStringLiteral("training.threads")).toInt();
    if (effective.concurrency == 0)
        effective.concurrency = valueAtPath(plan.spec.config, QStringLiteral("training.concurrency")).toInt();
    activeRunner = &runner;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    const SweepSummary summary = runner.run(effective, callbacks);
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    activeRunner = nullptr;
    err() << QStringLiteral("done %1, diverged %2, failed %3, cancelled %4, already finished %5 (%6)\n")
                 .arg(summary.done)
                 .arg(summary.diverged)
                 .arg(summary.failed)
                 .arg(summary.cancelled)
                 .arg(summary.skipped)
                 .arg(formatSeconds(summary.wallSeconds));
    err().flush();
    if (summary.cancelled > 0)
        return 130;
    return summary.failed > 0 ? 1 : 0;
}

// What `analyze`, `export` and `all` ask of the fit, from their command lines.
struct FitRequest {
    double targetFlops = 0;
    QString method = QStringLiteral("parabola");
    QString approach = QStringLiteral("isoflop");
    QVector<double> targets;
    int bootstrap = 0;
    quint64 seed = 1;
    int threads = 0;
    double outlierK = 3;
    bool holdout = true;
    bool keepOutliers = false;
    QStringList include, exclude;
    QStringList fixed; // NAME=VALUE
    QString resultsCsv, columns;
    QString table;
    bool approachSet = false, bootstrapSet = false, seedSet = false, outlierKSet = false; // else the plan's fit.*
};

StudyAnalysisOptions fitOptions(const FitRequest &r)
{
    StudyAnalysisOptions options;
    options.targetFlops = r.targetFlops;
    if (r.method == QLatin1String("empirical"))
        options.method = OptimumMethod::Empirical;
    else if (r.method != QLatin1String("parabola"))
        throw InputError(QStringLiteral("analyze: --method must be parabola or empirical, not '%1'").arg(r.method));
    options.approach = parseHeadlineApproach(r.approach);
    options.approachSet = r.approachSet;
    options.bootstrapSet = r.bootstrapSet;
    options.seedSet = r.seedSet;
    options.outlierKSet = r.outlierKSet;
    options.targets = r.targets;
    options.bootstrap.samples = r.bootstrap;
    options.bootstrap.seed = r.seed;
    options.bootstrap.threads = r.threads;
    options.parametric.threads = r.threads;
    options.outlierRule.k = r.outlierK;
    options.holdout = r.holdout;
    options.dropOutliers = !r.keepOutliers;
    for (const QString &f : r.fixed) {
        const QString name = f.section(QLatin1Char('='), 0, 0).trimmed();
        bool ok = false;
        const double value = f.section(QLatin1Char('='), 1).toDouble(&ok);
        static const QStringList names{QStringLiteral("A"), QStringLiteral("B"), QStringLiteral("E"), QStringLiteral("alpha"), QStringLiteral("beta")};
        const int index = int(names.indexOf(name)); // the order of ParametricParam
        if (index < 0 || !ok || !std::isfinite(value) || (index <= ParamE && !(value > 0)))
            throw InputError(QStringLiteral("--fix '%1': expected E, A, B (> 0), alpha or beta = a number").arg(f));
        options.parametric.fixed[size_t(index)] = true;
        options.parametric.fixedValues[size_t(index)] = index <= ParamE ? std::log(value) : value;
    }
    return options;
}

// Fits a study (writing analysis.json, with partial results when some fit could not be made) or
// a results CSV made elsewhere.
StudyAnalysis analyze(const QString &studyDir, const FitRequest &request)
{
    StudyAnalysisOptions options = fitOptions(request);
    if (!request.resultsCsv.isEmpty()) {
        if (request.columns.isEmpty())
            throw InputError(QStringLiteral("analyze: --results-csv needs --columns N=<col>,C=<col>,loss=<col> (or D=<col>)"));
        const ResultsCsv csv = readResultsCsv(request.resultsCsv, request.columns);
        FitOverrides overrides;
        overrides.include = request.include;
        overrides.exclude = request.exclude;
        StudyAnalysis analysis = analyzePoints(csv.points, {}, {}, options, overrides);
        analysis.errors = csv.errors + analysis.errors;
        analysis.warnings = csv.warnings + analysis.warnings;
        if (!studyDir.isEmpty())
            saveAnalysis(analysis, studyDir);
        return analysis;
    }
    if (studyDir.isEmpty())
        throw InputError(QStringLiteral("analyze: --study is required (or --results-csv)"));
    if (!request.include.isEmpty() || !request.exclude.isEmpty()) {
        const FitOverrides o = updateFitOverrides(studyDir, request.include, request.exclude);
        err() << QStringLiteral("%1: forced in: %2; forced out: %3\n")
                     .arg(fitOverridesPath(studyDir), o.include.isEmpty() ? QStringLiteral("none") : o.include.join(QLatin1Char(' ')),
                          o.exclude.isEmpty() ? QStringLiteral("none") : o.exclude.join(QLatin1Char(' ')));
    }
    StudyAnalysis analysis = analyzeStudy(studyDir, options);
    saveAnalysis(analysis, studyDir);
    return analysis;
}

// 2 when some fit could not be made (the partial results are written and printed), else 0.
int reportErrors(const StudyAnalysis &a)
{
    if (a.errors.isEmpty())
        return 0;
    for (const QString &e : a.errors)
        err() << "flopsfit: " << e << '\n';
    err().flush();
    return 2;
}

QString withInterval(double v, const Interval &i, int precision, char format = 'f')
{
    QString s = QString::number(v, format, precision);
    if (i.valid())
        s += QStringLiteral(" [%1, %2]").arg(QString::number(i.lo, format, precision), QString::number(i.hi, format, precision));
    return s;
}

void printAnalysis(const StudyAnalysis &a, bool json, const FitRequest &request)
{
    if (!request.table.isEmpty()) {
        QVector<double> targets = request.targets.isEmpty() ? a.targets : request.targets;
        out() << chinchillaTable(a, targets, parseTableFormat(request.table));
        out().flush();
        return;
    }
    if (json) {
        out() << QJsonDocument(a.summaryJson()).toJson(QJsonDocument::Indented);
        out().flush();
        return;
    }
    for (const QString &w : a.warnings)
        err() << "warning: " << w << '\n';
    err().flush();
    out() << QStringLiteral("%1 runs used, %2 excluded (%3 flagged as outliers)\n").arg(a.used.size()).arg(a.excluded.size()).arg(a.outliers.size());
    for (const QString &e : a.excluded)
        out() << "  left out " << e << '\n';
    const auto law = [](const QString &name, const PowerLawFit &f) {
        return QStringLiteral("  %1 = %2 · C^%3   (± %4, R² = %5)\n")
            .arg(name, -5)
            .arg(f.k, 0, 'e', 3)
            .arg(f.a, 0, 'f', 4)
            .arg(f.seA, 0, 'f', 4)
            .arg(f.r2, 0, 'f', 4);
    };
    if (a.haveIsoFlop) {
        const IsoFlopReport &iso = a.isoFlop;
        out() << QStringLiteral("approach 2 (IsoFLOP %1 over %2 budgets):\n")
                     .arg(a.approach == HeadlineApproach::Empirical ? QStringLiteral("empirical minima") : QStringLiteral("parabolas"))
                     .arg(iso.optima.size());
        out() << law(QStringLiteral("N_opt"), iso.nOpt) << law(QStringLiteral("D_opt"), iso.dOpt)
              << law(QStringLiteral("L_opt"), iso.lossOpt);
    }
    if (a.haveParametric) {
        const ParametricLaw &p = a.parametric.law;
        const auto iv = [&](const QString &name) { return a.bootstrap.interval(QStringLiteral("parametric.") + name); };
        out() << QStringLiteral("approach 3 (parametric, %1 starts, %2 at the best):\n").arg(a.parametric.starts).arg(a.parametric.startsAtBest);
        out() << QStringLiteral("  L(N, D) = E + A/N^α + B/D^β: E = %1, A = %2, B = %3, α = %4, β = %5\n")
                     .arg(withInterval(p.E, iv(QStringLiteral("E")), 4), withInterval(p.A, iv(QStringLiteral("A")), 1),
                          withInterval(p.B, iv(QStringLiteral("B")), 1), withInterval(p.alpha, iv(QStringLiteral("alpha")), 4),
                          withInterval(p.beta, iv(QStringLiteral("beta")), 4));
        out() << QStringLiteral("  N_opt ∝ C^%1, D_opt ∝ C^%2; RMSE of ln loss %3\n")
                     .arg(withInterval(p.exponentA(), iv(QStringLiteral("a")), 4), withInterval(p.exponentB(), iv(QStringLiteral("b")), 4))
                     .arg(a.parametric.rmseLog, 0, 'e', 2);
    }
    if (a.envelope.fitted) {
        out() << QStringLiteral("approach 1 (envelope of %1 FLOP levels):\n").arg(a.envelope.points.size());
        out() << law(QStringLiteral("N_opt"), a.envelope.nOpt) << law(QStringLiteral("L_opt"), a.envelope.lossOpt);
    }
    const HoldoutReport &h = a.holdout;
    if (h.done) {
        out() << QStringLiteral("holdout: budget %1 left out; its optimum N = %2, loss = %3\n").arg(h.budget, 0, 'e', 2).arg(h.actualParams, 0, 'e', 3).arg(h.actualLoss, 0, 'f', 4);
        if (h.haveIsoFlop)
            out() << QStringLiteral("  approach 2 predicts N = %1 (%2 %), loss = %3 (%4 %)\n")
                         .arg(h.isoFlopParams, 0, 'e', 3).arg(100 * (h.isoFlopParams / h.actualParams - 1), 0, 'f', 1)
                         .arg(h.isoFlopLoss, 0, 'f', 4).arg(100 * (h.isoFlopLoss / h.actualLoss - 1), 0, 'f', 2);
        if (h.haveParametric)
            out() << QStringLiteral("  approach 3 predicts N = %1 (%2 %), loss = %3 (%4 %); RMSE of ln loss on its runs %5\n")
                         .arg(h.parametricParams, 0, 'e', 3).arg(100 * (h.parametricParams / h.actualParams - 1), 0, 'f', 1)
                         .arg(h.parametricLoss, 0, 'f', 4).arg(100 * (h.parametricLoss / h.actualLoss - 1), 0, 'f', 2)
                         .arg(h.parametricRmseLog, 0, 'e', 2);
    } else {
        out() << "holdout: not done (" << h.note << ")\n";
    }
    const double c = a.targetFlops;
    out() << QStringLiteral("at C = %1 (%2): N_opt = %3, D_opt = %4, loss = %5\n")
                 .arg(c, 0, 'e', 2)
                 .arg(a.predictionApproach())
                 .arg(a.predictParams(c), 0, 'e', 3)
                 .arg(a.predictTokens(c), 0, 'e', 3)
                 .arg(a.predictLoss(c), 0, 'f', 4);
    out().flush();
}

int exportFigures(const QString &studyDir, const StudyAnalysis &analysis, const QString &formats,
                  const QString &style, int dpi)
{
#ifdef FLOPSFIT_HAVE_GUI
    ui::ExportOptions options;
    options.formats = formats.split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const QString &f : options.formats) {
        if (f != QLatin1String("png") && f != QLatin1String("svg") && f != QLatin1String("pdf"))
            throw InputError(QStringLiteral("export: unknown format '%1' (png, svg, pdf)").arg(f));
    }
    if (style != QLatin1String("paper") && style != QLatin1String("notebook"))
        throw InputError(QStringLiteral("export: --style must be paper or notebook, not '%1'").arg(style));
    if (dpi < 36 || dpi > 1200)
        throw InputError(QStringLiteral("export: --dpi %1 is out of range [36, 1200]").arg(dpi));
    options.style = ui::parseFigureStyle(style);
    options.dpi = dpi;
    for (const QString &path : ui::exportStudyFigures(studyDir, analysis, options))
        err() << "wrote " << path << '\n';
    err().flush();
    return 0;
#else
    Q_UNUSED(studyDir);
    Q_UNUSED(analysis);
    Q_UNUSED(formats);
    Q_UNUSED(style);
    Q_UNUSED(dpi);
    throw InputError(QStringLiteral("export: this flopsfit was built without the GUI (FLOPSFIT_BUILD_GUI=OFF)"));
#endif
}

struct Options {
    QCommandLineOption preset{QStringLiteral("preset"), QStringLiteral("Sweep preset: a .jsonc file, or a shipped preset's name (demo, cpu_fast, cpu_full)."), QStringLiteral("FILE")};
    QCommandLineOption outDir{QStringLiteral("out"), QStringLiteral("Study folder to create or update."), QStringLiteral("DIR")};
    QCommandLineOption study{QStringLiteral("study"), QStringLiteral("Study folder."), QStringLiteral("DIR")};
    QCommandLineOption force{QStringLiteral("force"), QStringLiteral("Replace a different plan even if the study has results.")};
    QCommandLineOption backend{QStringLiteral("backend"), QStringLiteral("Training backend (simulated, torch); default: the plan's."), QStringLiteral("NAME")};
    QCommandLineOption run{QStringLiteral("run"), QStringLiteral("Train only this run id (repeatable)."), QStringLiteral("ID")};
    QCommandLineOption cores{QStringLiteral("cores"), QStringLiteral("Thread budget for the sweep (default: all cores)."), QStringLiteral("N"), QStringLiteral("0")};
    QCommandLineOption threads{QStringLiteral("threads"), QStringLiteral("Threads per run (default: by model size)."), QStringLiteral("N"), QStringLiteral("0")};
    QCommandLineOption concurrency{QStringLiteral("concurrency"), QStringLiteral("Most runs at once (default: as the thread budget allows)."), QStringLiteral("N"), QStringLiteral("0")};
    QCommandLineOption json{QStringLiteral("json"), QStringLiteral("Print the summary as JSON on stdout.")};
    QCommandLineOption target{QStringLiteral("target-flops"), QStringLiteral("Compute budget to predict for (default: the plan's fit.target_flops)."), QStringLiteral("C"), QStringLiteral("0")};
    QCommandLineOption method{QStringLiteral("method"), QStringLiteral("Optimum per budget: parabola (default) or empirical."), QStringLiteral("NAME"), QStringLiteral("parabola")};
    QCommandLineOption approach{QStringLiteral("approach"), QStringLiteral("Fit the summary and prediction report: isoflop, empirical or parametric (default: the plan's fit.approach). Every fit that can be made goes to analysis.json."), QStringLiteral("NAME"), QStringLiteral("isoflop")};
    QCommandLineOption bootstrap{QStringLiteral("bootstrap"), QStringLiteral("Bootstrap refits for percentile intervals (0: none; default: the plan's fit.bootstrap)."), QStringLiteral("N"), QStringLiteral("0")};
    QCommandLineOption seed{QStringLiteral("seed"), QStringLiteral("Bootstrap seed (default: the plan's fit.bootstrap_seed)."), QStringLiteral("S"), QStringLiteral("1")};
    QCommandLineOption fitThreads{QStringLiteral("fit-threads"), QStringLiteral("Threads for the fit's starts and bootstrap (default: all cores)."), QStringLiteral("N"), QStringLiteral("0")};
    QCommandLineOption exclude{QStringLiteral("exclude"), QStringLiteral("Force a run out of the fits (repeatable; kept in <study>/fit_overrides.json)."), QStringLiteral("ID")};
    QCommandLineOption include{QStringLiteral("include"), QStringLiteral("Force a run into the fits even if flagged as an outlier (repeatable; kept in fit_overrides.json)."), QStringLiteral("ID")};
    QCommandLineOption outlierK{QStringLiteral("outlier-k"), QStringLiteral("Outlier rule: flag runs more than k·1.4826·MAD above their IsoFLOP parabola."), QStringLiteral("K"), QStringLiteral("3")};
    QCommandLineOption fix{QStringLiteral("fix"), QStringLiteral("Hold a parameter of the parametric law fixed: E=1.69, A=…, B=…, alpha=…, beta=… (repeatable)."), QStringLiteral("NAME=VALUE")};
    QCommandLineOption keepOutliers{QStringLiteral("keep-outliers"), QStringLiteral("Flag outliers but keep them in the fits.")};
    QCommandLineOption noHoldout{QStringLiteral("no-holdout"), QStringLiteral("Skip the check that leaves the largest budget out and predicts it.")};
    QCommandLineOption table{QStringLiteral("table"), QStringLiteral("Print the Chinchilla table (optimal N, D, loss per target budget) instead: text, csv, md or latex."), QStringLiteral("FORMAT")};
    QCommandLineOption targets{QStringLiteral("targets"), QStringLiteral("Target budgets for the table and intervals, comma-separated (e.g. 1e21,1e22,1e23)."), QStringLiteral("LIST")};
    QCommandLineOption resultsCsv{QStringLiteral("results-csv"), QStringLiteral("Fit results made elsewhere: a CSV with a header row."), QStringLiteral("FILE")};
    QCommandLineOption columns{QStringLiteral("columns"), QStringLiteral("Columns of --results-csv: N=<col>,C=<col>,loss=<col> (or D=<col>; optional id=<col>, weight=<col>)."), QStringLiteral("MAP")};
    QCommandLineOption format{QStringLiteral("format"), QStringLiteral("Figure formats, comma-separated: png,svg,pdf."), QStringLiteral("LIST"), QStringLiteral("png,svg")};
    QCommandLineOption style{QStringLiteral("style"), QStringLiteral("Figure style: paper or notebook."), QStringLiteral("NAME"), QStringLiteral("paper")};
    QCommandLineOption dpi{QStringLiteral("dpi"), QStringLiteral("PNG resolution."), QStringLiteral("N"), QStringLiteral("150")};
    QCommandLineOption partition{QStringLiteral("partition"), QStringLiteral("Slurm partition."), QStringLiteral("P")};
    QCommandLineOption time{QStringLiteral("time"), QStringLiteral("Slurm time limit per task (default: from the plan's estimate)."), QStringLiteral("D-HH:MM:SS")};
    QCommandLineOption account{QStringLiteral("account"), QStringLiteral("Slurm account."), QStringLiteral("NAME")};
    QCommandLineOption cpusPerTask{QStringLiteral("cpus-per-task"), QStringLiteral("CPUs per run (default: by model size, at most 8)."), QStringLiteral("N"), QStringLiteral("0")};
    QCommandLineOption gpusPerTask{QStringLiteral("gpus-per-task"), QStringLiteral("GPUs per run."), QStringLiteral("N"), QStringLiteral("0")};
    QCommandLineOption submit{QStringLiteral("submit"), QStringLiteral("Submit the scripts with sbatch and print the job ids.")};
};

int toInt(const QCommandLineParser &p, const QCommandLineOption &o, const QString &command)
{
    bool ok = false;
    const int v = p.value(o).toInt(&ok);
    if (!ok || v < 0)
        throw InputError(QStringLiteral("%1: --%2 expects a whole number ≥ 0, not '%3'").arg(command, o.names().constLast(), p.value(o)));
    return v;
}

double toDouble(const QCommandLineParser &p, const QCommandLineOption &o, const QString &command)
{
    bool ok = false;
    const double v = p.value(o).toDouble(&ok);
    if (!ok || v < 0 || !std::isfinite(v))
        throw InputError(QStringLiteral("%1: --%2 expects a number ≥ 0, not '%3'").arg(command, o.names().constLast(), p.value(o)));
    return v;
}

SweepOptions sweepOptions(const QCommandLineParser &p, const Options &o, const QString &command)
{
    SweepOptions s;
    s.backend = p.value(o.backend);
    s.onlyRuns = p.values(o.run);
    s.cores = toInt(p, o.cores, command);
    s.threadsPerRun = toInt(p, o.threads, command);
    s.concurrency = toInt(p, o.concurrency, command);
    return s;
}

FitRequest fitRequest(const QCommandLineParser &p, const Options &o, const QString &command, bool analyzeCommand = false)
{
    FitRequest r;
    r.targetFlops = toDouble(p, o.target, command);
    r.method = p.value(o.method);
    r.approach = p.value(o.approach);
    r.approachSet = p.isSet(o.approach);
    r.bootstrapSet = p.isSet(o.bootstrap);
    r.seedSet = p.isSet(o.seed);
    r.outlierKSet = p.isSet(o.outlierK);
    r.bootstrap = toInt(p, o.bootstrap, command);
    bool ok = false;
    r.seed = p.value(o.seed).toULongLong(&ok);
    if (!ok)
        throw InputError(QStringLiteral("%1: --seed expects a whole number ≥ 0, not '%2'").arg(command, p.value(o.seed)));
    r.threads = toInt(p, o.fitThreads, command);
    r.outlierK = toDouble(p, o.outlierK, command);
    if (!(r.outlierK > 0))
        throw InputError(QStringLiteral("%1: --outlier-k must be > 0").arg(command));
    r.holdout = !p.isSet(o.noHoldout);
    r.keepOutliers = p.isSet(o.keepOutliers);
    r.fixed = p.values(o.fix);
    r.include = p.values(o.include);
    r.exclude = p.values(o.exclude);
    if (analyzeCommand) {
        r.resultsCsv = p.value(o.resultsCsv);
        r.columns = p.value(o.columns);
        r.table = p.value(o.table);
        if (!r.table.isEmpty())
            parseTableFormat(r.table);
    }
    for (const QString &t : p.value(o.targets).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const double v = t.trimmed().toDouble(&ok);
        if (!ok || !(v > 0) || !std::isfinite(v))
            throw InputError(QStringLiteral("%1: --targets: '%2' is not a positive number of FLOPs").arg(command, t));
        r.targets.append(v);
    }
    return r;
}

SweepPlan planFromPreset(const QString &preset, const QStringList &overrides)
{
    const QString path = resolvePreset(preset);
    return planSweep(SweepSpec::fromConfig(loadSweepConfig(path, overrides), path));
}

// Writes the sbatch scripts for the pending runs; with --submit, submits them and records the
// job ids in <study>/slurm/jobs.json for `status`.
int slurm(const QString &studyDir, const SlurmOptions &options, bool submit)
{
    const StudyPaths paths(studyDir);
    if (!QFileInfo::exists(paths.sweep()))
        throw InputError(QStringLiteral("%1: no plan; run `flopsfit --batch plan` first").arg(paths.sweep()));
    const SweepPlan plan = loadPlan(paths.sweep());
    const QVector<RunSpec> pending = SweepRunner(plan, studyDir).pendingRuns();
    if (pending.isEmpty()) {
        err() << "slurm: no pending runs in " << studyDir << '\n';
        err().flush();
        return 0;
    }
    const QVector<SlurmArray> arrays = writeSlurmJobs(plan, studyDir, pending, options);
    QJsonArray jobs;
    for (const SlurmArray &array : arrays) {
        err() << QStringLiteral("wrote %1 (%2 runs, %3 CPUs each, time %4)\n")
                     .arg(array.script)
                     .arg(array.runIds.size())
                     .arg(array.cpus)
                     .arg(array.time);
        if (!submit)
            continue;
        const QString sbatch = QStandardPaths::findExecutable(QStringLiteral("sbatch"));
        if (sbatch.isEmpty())
            throw InputError(QStringLiteral("slurm: sbatch is not on the PATH; submit %1 by hand").arg(array.script));
        QProcess p;
        p.start(sbatch, {QStringLiteral("--parsable"), array.script});
        if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
            throw InputError(QStringLiteral("slurm: sbatch %1 failed: %2")
                                 .arg(array.script, QString::fromUtf8(p.readAllStandardError()).trimmed()));
        const QString jobId = QString::fromUtf8(p.readAllStandardOutput()).trimmed().section(QLatin1Char(';'), 0, 0);
        out() << jobId << '\n';
        jobs.append(QJsonObject{{QStringLiteral("job_id"), jobId}, {QStringLiteral("script"), array.script},
                                {QStringLiteral("runs"), int(array.runIds.size())}});
    }
    out().flush();
    err().flush();
    if (submit)
        writeJsonAtomically(studyDir + QStringLiteral("/slurm/jobs.json"), {{QStringLiteral("schema_version"), kSchemaVersion}, {QStringLiteral("jobs"), jobs}});
    return 0;
}

// The study's own view, plus what squeue says of the jobs it submitted.
int status(const QString &studyDir, bool json)
{
    const StudyStatus st = readStudyStatus(studyDir);
    QStringList queue;
    const QString jobsFile = studyDir + QStringLiteral("/slurm/jobs.json");
    const QString squeue = QStandardPaths::findExecutable(QStringLiteral("squeue"));
    if (!squeue.isEmpty() && QFileInfo::exists(jobsFile)) {
        QStringList ids;
        for (const QJsonValue &j : readJsonObjectFile(jobsFile).value(QStringLiteral("jobs")).toArray())
            ids.append(j.toObject().value(QStringLiteral("job_id")).toString());
        QProcess p;
        p.start(squeue, {QStringLiteral("--noheader"), QStringLiteral("--array"), QStringLiteral("--jobs=") + ids.join(QLatin1Char(',')),
                         QStringLiteral("--format=%i %T %R")});
        if (p.waitForFinished(30000) && p.exitCode() == 0)
            queue = QString::fromUtf8(p.readAllStandardOutput()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    }
    if (json) {
        QJsonObject o = st.toJson();
        o.insert(QStringLiteral("squeue"), QJsonArray::fromStringList(queue));
        out() << QJsonDocument(o).toJson(QJsonDocument::Indented);
        out().flush();
        return 0;
    }
    out() << QStringLiteral("%1 runs: %2 pending, %3 running, %4 done, %5 diverged, %6 failed\n")
                 .arg(st.runs.size())
                 .arg(st.count(RunState::Pending))
                 .arg(st.count(RunState::Running))
                 .arg(st.count(RunState::Done))
                 .arg(st.count(RunState::Diverged))
                 .arg(st.count(RunState::Failed));
    for (const RunStatusRow &r : st.runs) {
        out() << QStringLiteral("%1 %2").arg(r.id, -32).arg(runStateName(r.state), -9);
        if (r.state == RunState::Done)
            out() << QStringLiteral(" loss=%1").arg(r.loss, 0, 'f', 4);
        if (!r.where.isEmpty())
            out() << " on " << r.where;
        if (!r.message.isEmpty())
            out() << " (" << r.message << ')';
        out() << '\n';
    }
    if (!queue.isEmpty())
        out() << "squeue:\n  " << queue.join(QStringLiteral("\n  ")) << '\n';
    out().flush();
    return 0;
}

int dispatch(const QString &command, const QStringList &args)
{
    Options o;
    QCommandLineParser p;
    const QStringList parserArgs = QStringList{QStringLiteral("flopsfit")} + args;
    if (command == QLatin1String("plan")) {
        p.addOptions({o.preset, o.outDir, o.force});
        p.addPositionalArgument(QStringLiteral("overrides"), QStringLiteral("key=value settings over the preset, e.g. compute.min_flops=1e13"), QStringLiteral("[key=value …]"));
        parseOrThrow(p, parserArgs, command, QStringLiteral("Plan a sweep: budgets × model sizes, exact shapes, tokens, cost."));
        const SweepPlan plan = planFromPreset(requireValue(p, o.preset, command), p.positionalArguments());
        writePlan(plan, requireValue(p, o.outDir, command), p.isSet(o.force));
        printPlan(plan);
        return 0;
    }
    if (command == QLatin1String("train")) {
        p.addOptions({o.study, o.backend, o.run, o.cores, o.threads, o.concurrency});
        parseOrThrow(p, parserArgs, command, QStringLiteral("Train the pending runs of a study; finished runs are skipped, so this resumes."));
        return trainStudy(requireValue(p, o.study, command), sweepOptions(p, o, command));
    }
    const QList<QCommandLineOption> fitOptionList{o.target, o.method, o.approach, o.bootstrap, o.seed, o.fitThreads, o.exclude,
                                                  o.include, o.outlierK, o.keepOutliers, o.noHoldout, o.targets, o.fix};
    if (command == QLatin1String("analyze")) {
        p.addOptions({o.study, o.json, o.table, o.resultsCsv, o.columns});
        p.addOptions(fitOptionList);
        parseOrThrow(p, parserArgs, command, QStringLiteral("Fit scaling laws (approaches 1-3, outliers, holdout, bootstrap) to a study's results and write analysis.json, or fit a results CSV made elsewhere."));
        const FitRequest request = fitRequest(p, o, command, true);
        if (request.resultsCsv.isEmpty())
            requireValue(p, o.study, command);
        const StudyAnalysis a = analyze(p.value(o.study), request);
        printAnalysis(a, p.isSet(o.json), request);
        return reportErrors(a);
    }
    if (command == QLatin1String("export")) {
        p.addOptions({o.study, o.format, o.style, o.dpi});
        p.addOptions(fitOptionList);
        parseOrThrow(p, parserArgs, command, QStringLiteral("Render a study's figures into <study>/figures."));
        const QString study = requireValue(p, o.study, command);
        const StudyAnalysis a = analyze(study, fitRequest(p, o, command));
        const int exported = exportFigures(study, a, p.value(o.format), p.value(o.style), toInt(p, o.dpi, command));
        return std::max(exported, reportErrors(a));
    }
    if (command == QLatin1String("all")) {
        p.addOptions({o.preset, o.outDir, o.force, o.backend, o.run, o.cores, o.threads, o.concurrency, o.json, o.format, o.style, o.dpi});
        p.addOptions(fitOptionList);
        p.addPositionalArgument(QStringLiteral("overrides"), QStringLiteral("key=value settings over the preset"), QStringLiteral("[key=value …]"));
        parseOrThrow(p, parserArgs, command, QStringLiteral("Plan, train, analyze and export in a row. Rerunning resumes."));
        const QString study = requireValue(p, o.outDir, command);
        const FitRequest request = fitRequest(p, o, command);
        QElapsedTimer timer;
        timer.start();
        const SweepPlan plan = planFromPreset(requireValue(p, o.preset, command), p.positionalArguments());
        writePlan(plan, study, p.isSet(o.force));
        printPlan(plan);
        const int trained = trainStudy(study, sweepOptions(p, o, command));
        if (trained == 130)
            return trained;
        const StudyAnalysis a = analyze(study, request);
        printAnalysis(a, p.isSet(o.json), request);
#ifdef FLOPSFIT_HAVE_GUI
        exportFigures(study, a, p.value(o.format), p.value(o.style), toInt(p, o.dpi, command));
#else
        err() << "figures skipped: this flopsfit was built without the GUI (FLOPSFIT_BUILD_GUI=OFF)\n";
#endif
        err() << QStringLiteral("study %1 complete in %2\n").arg(study, formatSeconds(timer.elapsed() / 1000.0));
        err().flush();
        return std::max(trained, reportErrors(a));
    }
    if (command == QLatin1String("slurm")) {
        p.addOptions({o.study, o.partition, o.time, o.account, o.cpusPerTask, o.gpusPerTask, o.submit});
        parseOrThrow(p, parserArgs, command, QStringLiteral("Write a Slurm array job with one task per pending run; each task runs `flopsfit --batch train --study DIR --run ID`."));
        SlurmOptions options;
        options.flopsfit = QCoreApplication::applicationFilePath();
        options.partition = p.value(o.partition);
        options.time = p.value(o.time);
        options.account = p.value(o.account);
        options.cpusPerTask = toInt(p, o.cpusPerTask, command);
        options.gpusPerTask = toInt(p, o.gpusPerTask, command);
        return slurm(requireValue(p, o.study, command), options, p.isSet(o.submit));
    }
    if (command == QLatin1String("status")) {
        p.addOptions({o.study, o.json});
        parseOrThrow(p, parserArgs, command, QStringLiteral("Show the runs of a study: pending, running, done, diverged, failed."));
        return status(requireValue(p, o.study, command), p.isSet(o.json));
    }
    throw InputError(QStringLiteral("unknown command '%1'\n%2").arg(command, QString::fromLatin1(kCommands)));
}

} // namespace

int runBatch(const QStringList &arguments)
{
    // arguments: everything after --batch
    if (arguments.isEmpty() || arguments.first() == QLatin1String("--help") || arguments.first() == QLatin1String("-h")) {
        out() << "Usage: flopsfit --batch <command> [options]\n\n" << kCommands;
        out().flush();
        return arguments.isEmpty() ? 2 : 0;
    }
    try {
        return dispatch(arguments.first(), arguments.mid(1));
    } catch (const HelpShown &) {
        return 0;
    } catch (const InputError &e) {
        err() << "flopsfit: " << e.message() << '\n';
        err().flush();
        return 2;
    } catch (const std::exception &e) {
        err() << "flopsfit: internal error: " << e.what() << '\n';
        err().flush();
        return 1;
    }
}

} // namespace flopsfit
