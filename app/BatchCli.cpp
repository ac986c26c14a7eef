#include "BatchCli.h"

#include "data/StudyData.h"

#include "fit/StudyAnalysis.h"
#include "plan/SweepConfig.h"
#include "plan/SweepPlan.h"
#include "train/SlurmJob.h"
#include "train/StudyStatus.h"
#include "train/SweepRunner.h"
#include "util/Error.h"

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
    callbacks.finished = [&](const RunResult &r) {
        QMutexLocker lock(&printMutex);
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
    activeRunner = &runner;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    const SweepSummary summary = runner.run(options, callbacks);
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

StudyAnalysis analyze(const QString &studyDir, double targetFlops, const QString &method)
{
    StudyAnalysisOptions options;
    options.targetFlops = targetFlops;
    if (method == QLatin1String("empirical"))
        options.method = OptimumMethod::Empirical;
    else if (method != QLatin1String("parabola"))
        throw InputError(QStringLiteral("analyze: --method must be parabola or empirical, not '%1'").arg(method));
    StudyAnalysis analysis = analyzeStudy(studyDir, options);
    saveAnalysis(analysis, studyDir);
    return analysis;
}

void printAnalysis(const StudyAnalysis &a, bool json)
{
    if (json) {
        out() << QJsonDocument(a.summaryJson()).toJson(QJsonDocument::Indented);
        out().flush();
        return;
    }
    for (const QString &w : a.warnings)
        err() << "warning: " << w << '\n';
    err().flush();
    const IsoFlopReport &iso = a.isoFlop;
    out() << QStringLiteral("%1 runs used, %2 excluded, %3 budgets\n").arg(a.used.size()).arg(a.excluded.size()).arg(iso.optima.size());
    const auto law = [](const QString &name, const PowerLawFit &f) {
        return QStringLiteral("%1 = %2 · C^%3   (± %4, R² = %5)\n")
            .arg(name, -5)
            .arg(f.k, 0, 'e', 3)
            .arg(f.a, 0, 'f', 4)
            .arg(f.seA, 0, 'f', 4)
            .arg(f.r2, 0, 'f', 4);
    };
    out() << law(QStringLiteral("N_opt"), iso.nOpt) << law(QStringLiteral("D_opt"), iso.dOpt)
          << law(QStringLiteral("L_opt"), iso.lossOpt);
    out() << QStringLiteral("at C = %1: N_opt = %2, D_opt = %3, loss = %4\n")
                 .arg(iso.targetFlops, 0, 'e', 2)
                 .arg(iso.predictedParams, 0, 'e', 3)
                 .arg(iso.predictedTokens, 0, 'e', 3)
                 .arg(iso.predictedLoss, 0, 'f', 4);
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

// A preset is a file path, or the name of a shipped preset ("demo", "cpu_fast"), looked up in
// $FLOPSFIT_PRESETS, the installed share/flopsfit/presets, and the source tree's presets/ (for a
// build that is run from its build folder).
QString resolvePreset(const QString &preset)
{
    if (QFileInfo::exists(preset) || preset.contains(QLatin1Char('/')) || preset.endsWith(QLatin1String(".jsonc")))
        return preset;
    const QString appDir = QCoreApplication::applicationDirPath();
    QStringList dirs;
    if (!qEnvironmentVariableIsEmpty("FLOPSFIT_PRESETS"))
        dirs.append(qEnvironmentVariable("FLOPSFIT_PRESETS"));
    dirs += {QDir::cleanPath(appDir + QStringLiteral("/../share/flopsfit/presets")),
             QStringLiteral(FLOPSFIT_SOURCE_PRESETS)};
    for (const QString &dir : dirs) {
        const QString path = QDir(dir).filePath(preset + QStringLiteral(".jsonc"));
        if (QFileInfo::exists(path))
            return path;
    }
    throw InputError(QStringLiteral("preset '%1': no such file, and no shipped preset of that name in %2")
                         .arg(preset, dirs.join(QStringLiteral(", "))));
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
    if (command == QLatin1String("analyze")) {
        p.addOptions({o.study, o.json, o.target, o.method});
        parseOrThrow(p, parserArgs, command, QStringLiteral("Fit scaling laws to a study's results and write analysis.json."));
        printAnalysis(analyze(requireValue(p, o.study, command), toDouble(p, o.target, command), p.value(o.method)), p.isSet(o.json));
        return 0;
    }
    if (command == QLatin1String("export")) {
        p.addOptions({o.study, o.format, o.style, o.dpi, o.target, o.method});
        parseOrThrow(p, parserArgs, command, QStringLiteral("Render a study's figures into <study>/figures."));
        const QString study = requireValue(p, o.study, command);
        const StudyAnalysis a = analyze(study, toDouble(p, o.target, command), p.value(o.method));
        return exportFigures(study, a, p.value(o.format), p.value(o.style), toInt(p, o.dpi, command));
    }
    if (command == QLatin1String("all")) {
        p.addOptions({o.preset, o.outDir, o.force, o.backend, o.run, o.cores, o.threads, o.concurrency, o.json, o.target, o.method, o.format, o.style, o.dpi});
        p.addPositionalArgument(QStringLiteral("overrides"), QStringLiteral("key=value settings over the preset"), QStringLiteral("[key=value …]"));
        parseOrThrow(p, parserArgs, command, QStringLiteral("Plan, train, analyze and export in a row. Rerunning resumes."));
        const QString study = requireValue(p, o.outDir, command);
        QElapsedTimer timer;
        timer.start();
        const SweepPlan plan = planFromPreset(requireValue(p, o.preset, command), p.positionalArguments());
        writePlan(plan, study, p.isSet(o.force));
        printPlan(plan);
        const int trained = trainStudy(study, sweepOptions(p, o, command));
        if (trained == 130)
            return trained;
        const StudyAnalysis a = analyze(study, toDouble(p, o.target, command), p.value(o.method));
        printAnalysis(a, p.isSet(o.json));
#ifdef FLOPSFIT_HAVE_GUI
        exportFigures(study, a, p.value(o.format), p.value(o.style), toInt(p, o.dpi, command));
#else
        err() << "figures skipped: this flopsfit was built without the GUI (FLOPSFIT_BUILD_GUI=OFF)\n";
#endif
        err() << QStringLiteral("study %1 complete in %2\n").arg(study, formatSeconds(timer.elapsed() / 1000.0));
        err().flush();
        return trained;
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
