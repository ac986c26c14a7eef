#include "fit/StudyAnalysis.h"

#include "plan/SweepPlan.h"
#include "train/SweepRunner.h"
#include "util/Error.h"

#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QMap>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace flopsfit {

QString headlineApproachName(HeadlineApproach approach)
{
    switch (approach) {
    case HeadlineApproach::Empirical:
        return QStringLiteral("empirical");
    case HeadlineApproach::Parametric:
        return QStringLiteral("parametric");
    case HeadlineApproach::IsoFlop:
        break;
    }
    return QStringLiteral("isoflop");
}

HeadlineApproach parseHeadlineApproach(const QString &name)
{
    if (name == QLatin1String("isoflop") || name == QLatin1String("parabola"))
        return HeadlineApproach::IsoFlop;
    if (name == QLatin1String("empirical"))
        return HeadlineApproach::Empirical;
    if (name == QLatin1String("parametric"))
        return HeadlineApproach::Parametric;
    throw InputError(QStringLiteral("--approach must be parametric, isoflop or empirical, not '%1'").arg(name));
}

QString fitOverridesPath(const QString &studyDir)
{
    return studyDir + QStringLiteral("/fit_overrides.json");
}

FitOverrides readFitOverrides(const QString &studyDir)
{
    FitOverrides o;
    const QString path = fitOverridesPath(studyDir);
    if (!QFileInfo::exists(path))
        return o;
    const QJsonObject json = readJsonObjectFile(path);
    checkSchemaVersion(json, path);
    for (const QJsonValue &v : json.value(QStringLiteral("include")).toArray())
        o.include.append(v.toString());
    for (const QJsonValue &v : json.value(QStringLiteral("exclude")).toArray())
        o.exclude.append(v.toString());
    return o;
}

FitOverrides updateFitOverrides(const QString &studyDir, const QStringList &include, const QStringList &exclude)
{
    FitOverrides o = readFitOverrides(studyDir);
    for (const QString &id : include) {
        o.exclude.removeAll(id);
        if (!o.include.contains(id))
            o.include.append(id);
    }
    for (const QString &id : exclude) {
        o.include.removeAll(id);
        if (!o.exclude.contains(id))
            o.exclude.append(id);
    }
    writeJsonAtomically(fitOverridesPath(studyDir),
                        {{QStringLiteral("schema_version"), kSchemaVersion},
                         {QStringLiteral("include"), QJsonArray::fromStringList(o.include)},
                         {QStringLiteral("exclude"), QJsonArray::fromStringList(o.exclude)}});
    return o;
}

QJsonObject HoldoutReport::toJson() const
{
    QJsonObject o{{QStringLiteral("done"), done}};
    if (!done) {
        o.insert(QStringLiteral("note"), note);
        return o;
    }
    const auto rel = [](double predicted, double actual) { return actual != 0 ? predicted / actual - 1 : 0.0; };
    o.insert(QStringLiteral("budget"), budget);
    o.insert(QStringLiteral("held_out_runs"), heldOutRuns);
    o.insert(QStringLiteral("actual"), QJsonObject{{QStringLiteral("n_opt"), actualParams}, {QStringLiteral("l_opt"), actualLoss}});
    if (haveIsoFlop)
        o.insert(QStringLiteral("isoflop"),
                 QJsonObject{{QStringLiteral("n_opt"), isoFlopParams},
                             {QStringLiteral("l_opt"), isoFlopLoss},
                             {QStringLiteral("n_opt_rel_error"), rel(isoFlopParams, actualParams)},
                             {QStringLiteral("l_opt_rel_error"), rel(isoFlopLoss, actualLoss)}});
    if (haveParametric)
        o.insert(QStringLiteral("parametric"),
                 QJsonObject{{QStringLiteral("n_opt"), parametricParams},
                             {QStringLiteral("l_opt"), parametricLoss},
                             {QStringLiteral("n_opt_rel_error"), rel(parametricParams, actualParams)},
                             {QStringLiteral("l_opt_rel_error"), rel(parametricLoss, actualLoss)},
                             {QStringLiteral("rmse_log_loss_held_out"), parametricRmseLog}});
    if (!note.isEmpty())
        o.insert(QStringLiteral("note"), note);
    return o;
}

namespace {

QVector<ParametricObservation> observations(const QVector<FitPoint> &points)
{
    QVector<ParametricObservation> out;
    out.reserve(points.size());
    for (const FitPoint &p : points)
        out.append({p.params, p.tokens > 0 ? p.tokens : p.budget / (6 * p.params), p.loss, p.weight});
    return out;
}

// Approach 2 on the budgets that can carry it. Appends what it could not use to `errors`.
bool fitIsoFlop(const QVector<FitPoint> &points, const IsoFlopOptions &iso, IsoFlopReport *report, QStringList *errors)
{
    QMap<double, QSet<double>> sizes;
    for (const FitPoint &p : points)
        sizes[p.budget].insert(p.params);
    QVector<FitPoint> usable;
    QSet<double> dropped;
    if (iso.method == OptimumMethod::Parabola) {
        for (auto it = sizes.begin(); it != sizes.end(); ++it) {
            if (it.value().size() < 3) {
                dropped.insert(it.key());
                if (errors)
                    errors->append(QStringLiteral("IsoFLOP: budget C = %1 has %2 model size(s); a parabola needs at least three, so it is left out of approach 2")
                                       .arg(it.key(), 0, 'e', 3)
                                       .arg(it.value().size()));
            }
        }
    }
    for (const FitPoint &p : points)
        if (!dropped.contains(p.budget))
            usable.append(p);
    const int budgets = int(sizes.size() - dropped.size());
    if (budgets < 3) {
        if (errors)
            errors->append(QStringLiteral("IsoFLOP: approach 2 needs at least three budgets with enough sizes, got %1").arg(budgets));
        return false;
    }
    try {
        *report = analyzeIsoFlop(usable, iso);
    } catch (const InputError &e) {
        if (errors)
            errors->append(QStringLiteral("IsoFLOP: %1").arg(e.message()));
        return false;
    }
    return true;
}

void addIsoFlopQuantities(const IsoFlopReport &r, const QVector<double> &targets, QMap<QString, double> *q)
{
    q->insert(QStringLiteral("isoflop.N_opt.exponent"), r.nOpt.a);
    q->insert(QStringLiteral("isoflop.N_opt.coefficient"), r.nOpt.k);
    q->insert(QStringLiteral("isoflop.D_opt.exponent"), r.dOpt.a);
    q->insert(QStringLiteral("isoflop.D_opt.coefficient"), r.dOpt.k);
    q->insert(QStringLiteral("isoflop.L_opt.exponent"), r.lossOpt.a);
    q->insert(QStringLiteral("isoflop.L_opt.coefficient"), r.lossOpt.k);
    for (double c : targets) {
        q->insert(QStringLiteral("isoflop.") + targetKey(QStringLiteral("N_opt"), c), r.nOpt.predict(c));
        q->insert(QStringLiteral("isoflop.") + targetKey(QStringLiteral("D_opt"), c), r.dOpt.predict(c));
        q->insert(QStringLiteral("isoflop.") + targetKey(QStringLiteral("L_opt"), c), r.lossOpt.predict(c));
    }
}

HoldoutReport holdout(const QVector<FitPoint> &points, const IsoFlopOptions &iso, const ParametricFitOptions &parametric,
                      bool parametricPossible)
{
    HoldoutReport h;
    QMap<double, QVector<FitPoint>> byBudget;
    for (const FitPoint &p : points)
        byBudget[p.budget].append(p);
    QVector<double> big;
    for (auto it = byBudget.begin(); it != byBudget.end(); ++it)
        if (it.value().size() >= 3)
            big.append(it.key());
    if (big.size() < 4) {
        h.note = QStringLiteral("needs four or more budgets with three or more runs (three to fit, one to predict), got %1").arg(big.size());
        return h;
    }
    h.budget = big.last();
    const QVector<FitPoint> heldOut = byBudget.value(h.budget);
    h.heldOutRuns = int(heldOut.size());
    QVector<FitPoint> rest;
    for (const FitPoint &p : points)
        if (p.budget < h.budget)
            rest.append(p);
    // The held-out budget's own optimum (its parabola vertex when in range, else its best run).
    const BudgetOptimum own = optimumAt(h.budget, heldOut, iso.method);
    h.actualParams = own.optParams;
    h.actualLoss = own.optLoss;
    if (!own.note.isEmpty())
        h.note = QStringLiteral("held-out budget: %1").arg(own.note);
    IsoFlopOptions restOptions = iso;
    restOptions.targetFlops = h.budget;
    IsoFlopReport restReport;
    if (fitIsoFlop(rest, restOptions, &restReport, nullptr)) {
        h.haveIsoFlop = true;
        h.isoFlopParams = restReport.nOpt.predict(h.budget);
        h.isoFlopLoss = restReport.lossOpt.predict(h.budget);
    }
    if (parametricPossible) {
        try {
            const ParametricFitReport fit = fitParametric(observations(rest), parametric);
            h.haveParametric = true;
            h.parametricParams = fit.law.optimalParams(h.budget);
            h.parametricLoss = fit.law.optimalLoss(h.budget);
            double sse = 0;
            for (const FitPoint &p : heldOut) {
                const double d = p.tokens > 0 ? p.tokens : p.budget / (6 * p.params);
                const double r = std::log(p.loss) - std::log(fit.law.loss(p.params, d));
                sse += r * r;
            }
            h.parametricRmseLog = std::sqrt(sse / heldOut.size());
        } catch (const InputError &e) {
            h.note = e.message();
        }
    }
    h.done = h.haveIsoFlop || h.haveParametric;
    if (!h.done && h.note.isEmpty())
        h.note = QStringLiteral("neither law could be fitted without the largest budget");
    return h;
}

QJsonObject intervalsWithPrefix(const BootstrapResult &boot, const QString &prefix)
{
    QJsonObject o;
    for (auto it = boot.intervals.begin(); it != boot.intervals.end(); ++it)
        if (it.key().startsWith(prefix))
            o.insert(it.key().mid(prefix.size()), it.value().toJson());
    return o;
}

} // namespace

StudyAnalysis analyzePoints(const QVector<FitPoint> &input, const QStringList &excluded,
                            const QVector<TrainingCurve> &curves, const StudyAnalysisOptions &options,
                            const FitOverrides &overrides)
{
    StudyAnalysis analysis;
    analysis.excluded = excluded;
    analysis.approach = options.approach;
    analysis.outlierRule = options.outlierRule;
    const double target = options.targetFlops > 0 ? options.targetFlops : 1e24;
    analysis.targetFlops = target;
    analysis.targets = options.targets.isEmpty() ? QVector<double>{target} : options.targets;
    if (!analysis.targets.contains(target))
        analysis.targets.append(target);

    // Runs forced out, then the outlier rule on the rest; a run forced in stays whatever the rule says.
    QVector<FitPoint> candidates;
    for (const FitPoint &p : input) {
        if (overrides.exclude.contains(p.id)) {
            analysis.excluded.append(QStringLiteral("%1: excluded by the user (fit_overrides.json)").arg(p.id));
            analysis.forcedOut.append(p.id);
            continue;
        }
        candidates.append(p);
    }
    for (const QString &id : overrides.include) {
        const bool present = std::any_of(input.begin(), input.end(), [&](const FitPoint &p) { return p.id == id; });
        if (present)
            analysis.forcedIn.append(id);
        else
            analysis.warnings.append(QStringLiteral("run %1 is forced in but is not a finished run with a finite loss; diverged and failed runs never enter a fit").arg(id));
    }
    QSet<QString> leaveOut;
    if (options.flagOutliers) {
        analysis.outliers = flagIsoFlopOutliers(candidates, options.outlierRule);
        for (const OutlierFlag &f : analysis.outliers) {
            if (!options.dropOutliers) {
                analysis.warnings.append(QStringLiteral("run %1 is flagged as an outlier and kept (outliers are not dropped)").arg(f.id));
                continue;
            }
            if (overrides.include.contains(f.id)) {
                analysis.warnings.append(QStringLiteral("run %1 is flagged as an outlier but forced in by the user").arg(f.id));
                continue;
            }
            leaveOut.insert(f.id);
            analysis.excluded.append(QStringLiteral("%1: outlier: %2").arg(f.id, f.reason));
        }
    }
    for (const FitPoint &p : candidates)
        if (!leaveOut.contains(p.id))
            analysis.used.append(p);

    // Approach 2.
    IsoFlopOptions iso;
    iso.method = options.approach == HeadlineApproach::Empirical ? OptimumMethod::Empirical : options.method;
    iso.targetFlops = target;
    analysis.haveIsoFlop = fitIsoFlop(analysis.used, iso, &analysis.isoFlop, &analysis.errors);
    if (analysis.haveIsoFlop)
        analysis.warnings += analysis.isoFlop.warnings;

    // Approach 3.
    const QVector<ParametricObservation> obs = observations(analysis.used);
    try {
        analysis.parametric = fitParametric(obs, options.parametric);
        analysis.haveParametric = true;
        analysis.warnings += analysis.parametric.warnings;
    } catch (const InputError &e) {
        analysis.errors.append(QStringLiteral("parametric: %1").arg(e.message()));
    }

    // Approach 1.
    if (!curves.isEmpty()) {
        QSet<QString> usedIds;
        for (const FitPoint &p : analysis.used)
            usedIds.insert(p.id);
        QVector<TrainingCurve> kept;
        for (const TrainingCurve &c : curves)
            if (usedIds.contains(c.id))
                kept.append(c);
        try {
            analysis.envelope = fitEnvelope(kept, options.envelopeLevels);
        } catch (const InputError &e) {
            analysis.envelope.warnings.append(e.message());
        }
        analysis.warnings += analysis.envelope.warnings;
    }

    // Problems of a fit the user did not ask to headline are warnings, not errors.
    if (options.approach == HeadlineApproach::Parametric && analysis.haveParametric) {
        for (const QString &e : std::as_const(analysis.errors))
            analysis.warnings.append(e);
        analysis.errors.clear();
    }
    if (!analysis.anyFit())
        throw InputError(QStringLiteral("no scaling law can be fitted:\n  %1").arg(analysis.errors.join(QStringLiteral("\n  "))));

    if (options.holdout)
        analysis.holdout = holdout(analysis.used, iso, options.parametric, analysis.haveParametric);
    else
        analysis.holdout.note = QStringLiteral("switched off");

    // Bootstrap: resample runs within each budget, refit the whole chain.
    if (options.bootstrap.samples > 0) {
        QMap<double, int> budgetIndex;
        for (const FitPoint &p : analysis.used)
            budgetIndex.insert(p.budget, 0);
        int next = 0;
        for (auto it = budgetIndex.begin(); it != budgetIndex.end(); ++it)
            it.value() = next++;
        QVector<int> groups;
        for (const FitPoint &p : analysis.used)
            groups.append(budgetIndex.value(p.budget));
        ParametricFitOptions refitOptions = options.parametric;
        if (analysis.haveParametric) {
            refitOptions.starts = analysis.parametric.bestEnds.isEmpty() ? QVector<ParametricVector>{analysis.parametric.vector}
                                                                         : analysis.parametric.bestEnds;
        }
        refitOptions.threads = 1;
        refitOptions.polish = false;
        refitOptions.startTolerance = 1e-10;
        const bool wantIso = analysis.haveIsoFlop, wantPar = analysis.haveParametric;
        double lo = analysis.used.first().budget, hi = lo;
        for (const FitPoint &p : analysis.used) {
            lo = std::min(lo, p.budget);
            hi = std::max(hi, p.budget);
        }
        hi = std::max(hi, target);
        for (int i = 0; i < 17; ++i)
            analysis.bandFlops.append(std::exp(std::log(lo / 1.5) + (std::log(hi * 1.5) - std::log(lo / 1.5)) * i / 16.0));
        const QVector<double> targets = analysis.targets;
        const QVector<double> band = analysis.bandFlops;
        QHash<QString, TrainingCurve> curveOf;
        if (analysis.envelope.fitted)
            for (const TrainingCurve &c : curves)
                curveOf.insert(c.id, c);
        const int levels = options.envelopeLevels;
        const QVector<FitPoint> used = analysis.used;
        const Refit refit = [&](const QVector<int> &sample) {
            QVector<FitPoint> pts;
            pts.reserve(sample.size());
            for (int i : sample)
                pts.append(used[i]);
            QMap<QString, double> q;
            if (wantIso) {
                IsoFlopReport r;
                if (!fitIsoFlop(pts, iso, &r, nullptr))
                    return QMap<QString, double>();
                addIsoFlopQuantities(r, targets, &q);
                for (double c : band) {
                    q.insert(QStringLiteral("band.isoflop.") + targetKey(QStringLiteral("N_opt"), c), r.nOpt.predict(c));
                    q.insert(QStringLiteral("band.isoflop.") + targetKey(QStringLiteral("D_opt"), c), r.dOpt.predict(c));
                    q.insert(QStringLiteral("band.isoflop.") + targetKey(QStringLiteral("L_opt"), c), r.lossOpt.predict(c));
                }
            }
            if (!curveOf.isEmpty()) {
                QVector<TrainingCurve> sampled;
                for (const FitPoint &p : pts)
                    if (curveOf.contains(p.id))
                        sampled.append(curveOf.value(p.id));
                const EnvelopeReport env = fitEnvelope(sampled, levels);
                if (env.fitted) { // a resample with too few winners leaves approach 1 out of this refit only
                    q.insert(QStringLiteral("envelope.N_opt.exponent"), env.nOpt.a);
                    q.insert(QStringLiteral("envelope.D_opt.exponent"), env.dOpt.a);
                    q.insert(QStringLiteral("envelope.L_opt.exponent"), env.lossOpt.a);
                    for (double c : targets) {
                        q.insert(QStringLiteral("envelope.") + targetKey(QStringLiteral("N_opt"), c), env.nOpt.predict(c));
                        q.insert(QStringLiteral("envelope.") + targetKey(QStringLiteral("D_opt"), c), env.dOpt.predict(c));
                        q.insert(QStringLiteral("envelope.") + targetKey(QStringLiteral("L_opt"), c), env.lossOpt.predict(c));
                    }
                }
            }
            if (wantPar) {
                const ParametricLaw law = fitParametric(observations(pts), refitOptions).law;
                addParametricQuantities(law, targets, &q, QStringLiteral("parametric."));
                for (double c : band) {
                    q.insert(QStringLiteral("band.parametric.") + targetKey(QStringLiteral("N_opt"), c), law.optimalParams(c));
                    q.insert(QStringLiteral("band.parametric.") + targetKey(QStringLiteral("D_opt"), c), law.optimalTokens(c));
                    q.insert(QStringLiteral("band.parametric.") + targetKey(QStringLiteral("L_opt"), c), law.optimalLoss(c));
                }
            }
            return q;
        };
        analysis.bootstrap = bootstrap(groups, refit, options.bootstrap);
        analysis.warnings += analysis.bootstrap.warnings;
    }
    return analysis;
}

StudyAnalysis analyzeStudy(const QString &studyDir, const StudyAnalysisOptions &input)
{
    const StudyPaths paths(studyDir);
    StudyAnalysisOptions options = input;
    const QJsonObject fit = QFileInfo::exists(paths.sweep())
                                ? loadPlan(paths.sweep()).spec.config.value(QStringLiteral("fit")).toObject()
                                : QJsonObject();
    if (options.targetFlops <= 0)
        options.targetFlops = fit.value(QStringLiteral("target_flops")).toDouble(1e24);
    if (!options.approachSet && fit.contains(QStringLiteral("approach")))
        options.approach = parseHeadlineApproach(fit.value(QStringLiteral("approach")).toString());
    if (!options.bootstrapSet)
        options.bootstrap.samples = std::max(0, fit.value(QStringLiteral("bootstrap")).toInt(0));
    if (!options.seedSet)
        options.bootstrap.seed = quint64(std::max(0.0, fit.value(QStringLiteral("bootstrap_seed")).toDouble(1)));
    if (!options.outlierKSet && fit.value(QStringLiteral("outlier_k")).toDouble(0) > 0)
        options.outlierRule.k = fit.value(QStringLiteral("outlier_k")).toDouble();
    if (!QFileInfo::exists(paths.results()))
        throw InputError(QStringLiteral("%1: no results yet; run `flopsfit --batch train --study %2` first")
                             .arg(paths.results(), studyDir));
    QStringList warnings;
    const QHash<QString, RunResult> results = readResults(paths, &warnings);
    const FitOverrides overrides = readFitOverrides(studyDir);
    QStringList ids = results.keys();
    ids.sort();
    QVector<FitPoint> points;
    QStringList excluded;
    QVector<TrainingCurve> curves;
    for (const QString &id : ids) {
        const RunResult &r = results[id];
        if (options.excludeRuns.contains(id)) {
            excluded.append(QStringLiteral("%1: excluded").arg(id));
            continue;
        }
        if (r.status != RunStatus::Done) {
            excluded.append(QStringLiteral("%1: %2%3").arg(id, runStatusName(r.status),
                                                           r.message.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(r.message)));
            continue;
        }
        if (!std::isfinite(r.loss) || r.loss <= 0 || r.params <= 0 || r.budget <= 0) {
            excluded.append(QStringLiteral("%1: non-finite or non-positive values").arg(id));
            continue;
        }
        points.append(FitPoint{id, r.budget, r.params, r.tokens, r.loss});
        if (QFileInfo::exists(paths.metrics(id))) {
            try {
                curves.append(readTrainingCurve(paths.metrics(id), id, r.params));
            } catch (const InputError &e) {
                warnings.append(QStringLiteral("approach 1 leaves out %1: %2").arg(id, e.message()));
            }
        }
    }
    StudyAnalysis analysis = analyzePoints(points, excluded, curves, options, overrides);
    analysis.warnings = warnings + analysis.warnings;
    return analysis;
}

double StudyAnalysis::predictParams(double flops) const
{
    if (predictionApproach() == QLatin1String("parametric"))
        return parametric.law.optimalParams(flops);
    return isoFlop.nOpt.predict(flops);
}

double StudyAnalysis::predictTokens(double flops) const
{
    if (predictionApproach() == QLatin1String("parametric"))
        return parametric.law.optimalTokens(flops);
    return isoFlop.dOpt.predict(flops);
}

double StudyAnalysis::predictLoss(double flops) const
{
    if (predictionApproach() == QLatin1String("parametric"))
        return parametric.law.optimalLoss(flops);
    return isoFlop.lossOpt.predict(flops);
}

QString StudyAnalysis::predictionApproach() const
{
    if ((approach == HeadlineApproach::Parametric && haveParametric) || !haveIsoFlop)
        return QStringLiteral("parametric");
    return headlineApproachName(approach);
}

QJsonObject StudyAnalysis::toJson() const
{
    QJsonArray usedJson;
    for (const FitPoint &p : used)
        usedJson.append(QJsonObject{{QStringLiteral("id"), p.id},
                                    {QStringLiteral("budget"), p.budget},
                                    {QStringLiteral("params"), p.params},
                                    {QStringLiteral("tokens"), p.tokens},
                                    {QStringLiteral("loss"), p.loss}});
    QJsonArray outliersJson;
    for (const OutlierFlag &f : outliers)
        outliersJson.append(QJsonObject{{QStringLiteral("id"), f.id},
                                        {QStringLiteral("residual_log_loss"), f.residual},
                                        {QStringLiteral("threshold_log_loss"), f.threshold},
                                        {QStringLiteral("reason"), f.reason},
                                        {QStringLiteral("forced_in"), forcedIn.contains(f.id)}});
    QJsonArray targetsJson;
    for (double c : targets)
        targetsJson.append(c);
    QJsonObject o{{QStringLiteral("schema_version"), kSchemaVersion},
                  {QStringLiteral("headline_approach"), predictionApproach()},
                  {QStringLiteral("points"), usedJson},
                  {QStringLiteral("excluded"), QJsonArray::fromStringList(excluded)},
                  {QStringLiteral("outliers"),
                   QJsonObject{{QStringLiteral("rule"), QStringLiteral("ln(loss) above the budget's IsoFLOP parabola (budgets with ≥ 4 sizes) by more than k·1.4826·MAD of all parabola residuals and by at least min_excess")},
                               {QStringLiteral("k"), outlierRule.k},
                               {QStringLiteral("min_excess"), outlierRule.minExcess},
                               {QStringLiteral("flagged"), outliersJson}}},
                  {QStringLiteral("forced_in"), QJsonArray::fromStringList(forcedIn)},
                  {QStringLiteral("forced_out"), QJsonArray::fromStringList(forcedOut)},
                  {QStringLiteral("targets"), targetsJson},
                  {QStringLiteral("warnings"), QJsonArray::fromStringList(warnings)},
                  {QStringLiteral("errors"), QJsonArray::fromStringList(errors)},
                  {QStringLiteral("holdout"), holdout.toJson()}};
    if (haveIsoFlop) {
        QJsonObject iso = isoFlop.toJson();
        iso.insert(QStringLiteral("approach"), QStringLiteral("isoflop"));
        if (bootstrap.succeeded > 0)
            iso.insert(QStringLiteral("intervals"), intervalsWithPrefix(bootstrap, QStringLiteral("isoflop.")));
        o.insert(QStringLiteral("isoflop"), iso);
    }
    if (haveParametric) {
        QJsonObject par = parametric.toJson();
        par.insert(QStringLiteral("approach"), QStringLiteral("parametric"));
        par.insert(QStringLiteral("loss_function"), QStringLiteral("Huber(δ) on ln L − LSE(a − α ln N, b − β ln D, e)"));
        QJsonArray predictions;
        for (double c : targets)
            predictions.append(QJsonObject{{QStringLiteral("flops"), c},
                                           {QStringLiteral("n_opt"), parametric.law.optimalParams(c)},
                                           {QStringLiteral("d_opt"), parametric.law.optimalTokens(c)},
                                           {QStringLiteral("l_opt"), parametric.law.optimalLoss(c)}});
        par.insert(QStringLiteral("predictions"), predictions);
        if (bootstrap.succeeded > 0)
            par.insert(QStringLiteral("intervals"), intervalsWithPrefix(bootstrap, QStringLiteral("parametric.")));
        o.insert(QStringLiteral("parametric"), par);
    }
    if (!envelope.points.isEmpty() || !envelope.warnings.isEmpty()) {
        QJsonObject env = envelope.toJson();
        if (bootstrap.succeeded > 0 && envelope.fitted)
            env.insert(QStringLiteral("intervals"), intervalsWithPrefix(bootstrap, QStringLiteral("envelope.")));
        o.insert(QStringLiteral("envelope"), env);
    }
    if (!bandFlops.isEmpty()) {
        QJsonObject bands;
        for (const QString &law : {QStringLiteral("isoflop"), QStringLiteral("parametric")}) {
            for (const QString &what : {QStringLiteral("N_opt"), QStringLiteral("D_opt"), QStringLiteral("L_opt")}) {
                QJsonArray rows;
                for (double c : bandFlops) {
                    const Interval iv = bootstrap.interval(QStringLiteral("band.%1.").arg(law) + targetKey(what, c));
                    if (iv.valid())
                        rows.append(QJsonArray{c, iv.lo, iv.hi});
                }
                if (!rows.isEmpty())
                    bands.insert(law + QLatin1Char('.') + what, rows);
            }
        }
        o.insert(QStringLiteral("interval_bands"), bands); // [C, lo, hi] rows, for figures
    }
    if (bootstrap.requested > 0) {
        QJsonObject b = bootstrap.toJson();
        b.remove(QStringLiteral("intervals")); // kept with each fit
        o.insert(QStringLiteral("bootstrap"), b);
    }
    return o;
}

QJsonObject StudyAnalysis::summaryJson() const
{
    const auto law = [](const PowerLawFit &f) {
        return QJsonObject{{QStringLiteral("coefficient"), f.k},
                           {QStringLiteral("exponent"), f.a},
                           {QStringLiteral("r2"), f.r2},
                           {QStringLiteral("exponent_se"), f.seA}};
    };
    const double target = targetFlops;
    QJsonObject o{{QStringLiteral("runs_used"), int(used.size())},
                  {QStringLiteral("runs_excluded"), int(excluded.size())},
                  {QStringLiteral("outliers"), int(outliers.size())},
                  {QStringLiteral("approach"), predictionApproach()},
                  {QStringLiteral("warnings"), QJsonArray::fromStringList(warnings)},
                  {QStringLiteral("errors"), QJsonArray::fromStringList(errors)}};
    if (haveIsoFlop && predictionApproach() != QLatin1String("parametric")) {
        o.insert(QStringLiteral("budgets"), int(isoFlop.optima.size()));
        o.insert(QStringLiteral("N_opt"), law(isoFlop.nOpt));
        o.insert(QStringLiteral("D_opt"), law(isoFlop.dOpt));
        o.insert(QStringLiteral("L_opt"), law(isoFlop.lossOpt));
    } else if (haveParametric) {
        // N_opt = G·(C/6)^a as coefficient·C^exponent; L_opt(C) is not a power law, so its
        // "coefficient/exponent" are the power law through the law's optimum over the data's range.
        const ParametricLaw &p = parametric.law;
        const double coefN = p.optimalParams(6.0); // G
        o.insert(QStringLiteral("N_opt"), QJsonObject{{QStringLiteral("coefficient"), coefN * std::pow(6.0, -p.exponentA())},
                                                      {QStringLiteral("exponent"), p.exponentA()}});
        o.insert(QStringLiteral("D_opt"), QJsonObject{{QStringLiteral("coefficient"), p.optimalTokens(1.0)},
                                                      {QStringLiteral("exponent"), p.exponentB()}});
        o.insert(QStringLiteral("L_opt"), QJsonObject{{QStringLiteral("E"), p.E}, {QStringLiteral("formula"), QStringLiteral("E + A/N_opt^alpha + B/D_opt^beta")}});
    }
    if (haveParametric) {
        QJsonObject par = parametric.law.toJson();
        par.insert(QStringLiteral("rmse_log_loss"), parametric.rmseLog);
        if (bootstrap.succeeded > 0)
            par.insert(QStringLiteral("intervals"), intervalsWithPrefix(bootstrap, QStringLiteral("parametric.")));
        o.insert(QStringLiteral("parametric"), par);
    }
    if (haveIsoFlop && bootstrap.succeeded > 0)
        o.insert(QStringLiteral("isoflop_intervals"), intervalsWithPrefix(bootstrap, QStringLiteral("isoflop.")));
    if (envelope.fitted)
        o.insert(QStringLiteral("envelope"), QJsonObject{{QStringLiteral("N_opt"), law(envelope.nOpt)},
                                                         {QStringLiteral("D_opt"), law(envelope.dOpt)},
                                                         {QStringLiteral("L_opt"), law(envelope.lossOpt)}});
    o.insert(QStringLiteral("holdout"), holdout.toJson());
    o.insert(QStringLiteral("prediction"), QJsonObject{{QStringLiteral("flops"), target},
                                                       {QStringLiteral("approach"), predictionApproach()},
                                                       {QStringLiteral("N_opt"), predictParams(target)},
                                                       {QStringLiteral("D_opt"), predictTokens(target)},
                                                       {QStringLiteral("L_opt"), predictLoss(target)}});
    return o;
}

void saveAnalysis(const StudyAnalysis &analysis, const QString &studyDir)
{
    writeJsonAtomically(StudyPaths(studyDir).analysis(), analysis.toJson());
}

} // namespace flopsfit
