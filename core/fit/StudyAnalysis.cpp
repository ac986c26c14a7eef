#include "fit/StudyAnalysis.h"

#include "plan/SweepPlan.h"
#include "train/SweepRunner.h"
#include "util/Error.h"

#include <QFileInfo>
#include <QJsonArray>

#include <cmath>

namespace flopsfit {

StudyAnalysis analyzeStudy(const QString &studyDir, const StudyAnalysisOptions &options)
{
    const StudyPaths paths(studyDir);
    StudyAnalysis analysis;
    IsoFlopOptions iso;
    iso.method = options.method;
    iso.targetFlops = options.targetFlops;
    if (iso.targetFlops <= 0) {
        iso.targetFlops = 1e24;
        if (QFileInfo::exists(paths.sweep()))
            iso.targetFlops = loadPlan(paths.sweep())
                                  .spec.config.value(QStringLiteral("fit"))
                                  .toObject()
                                  .value(QStringLiteral("target_flops"))
                                  .toDouble(1e24);
    }
    if (!QFileInfo::exists(paths.results()))
        throw InputError(QStringLiteral("%1: no results yet; run `flopsfit --batch train --study %2` first")
                             .arg(paths.results(), studyDir));
    const QHash<QString, RunResult> results = readResults(paths, &analysis.warnings);
    QStringList ids = results.keys();
    ids.sort();
    for (const QString &id : ids) {
        const RunResult &r = results[id];
        if (r.status != RunStatus::Done) {
            analysis.excluded.append(QStringLiteral("%1: %2").arg(id, runStatusName(r.status)));
            continue;
        }
        if (!std::isfinite(r.loss) || r.loss <= 0 || r.params <= 0 || r.budget <= 0) {
            analysis.excluded.append(QStringLiteral("%1: non-finite or non-positive values").arg(id));
            continue;
        }
        analysis.used.append(FitPoint{id, r.budget, r.params, r.tokens, r.loss});
    }
    analysis.isoFlop = analyzeIsoFlop(analysis.used, iso);
    analysis.warnings += analysis.isoFlop.warnings;
    return analysis;
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
    QJsonObject iso = isoFlop.toJson();
    iso.insert(QStringLiteral("approach"), QStringLiteral("isoflop"));
    return {{QStringLiteral("schema_version"), kSchemaVersion},
            {QStringLiteral("points"), usedJson},
            {QStringLiteral("excluded"), QJsonArray::fromStringList(excluded)},
            {QStringLiteral("warnings"), QJsonArray::fromStringList(warnings)},
            {QStringLiteral("isoflop"), iso}};
}

QJsonObject StudyAnalysis::summaryJson() const
{
    const auto law = [](const PowerLawFit &f) {
        return QJsonObject{{QStringLiteral("coefficient"), f.k},
                           {QStringLiteral("exponent"), f.a},
                           {QStringLiteral("r2"), f.r2}};
    };
    return {{QStringLiteral("runs_used"), int(used.size())},
            {QStringLiteral("runs_excluded"), int(excluded.size())},
            {QStringLiteral("budgets"), int(isoFlop.optima.size())},
            {QStringLiteral("N_opt"), law(isoFlop.nOpt)},
            {QStringLiteral("D_opt"), law(isoFlop.dOpt)},
            {QStringLiteral("L_opt"), law(isoFlop.lossOpt)},
            {QStringLiteral("prediction"),
             QJsonObject{{QStringLiteral("flops"), isoFlop.targetFlops},
                         {QStringLiteral("N_opt"), isoFlop.predictedParams},
                         {QStringLiteral("D_opt"), isoFlop.predictedTokens},
                         {QStringLiteral("L_opt"), isoFlop.predictedLoss}}},
            {QStringLiteral("warnings"), QJsonArray::fromStringList(warnings)}};
}

void saveAnalysis(const StudyAnalysis &analysis, const QString &studyDir)
{
    writeJsonAtomically(StudyPaths(studyDir).analysis(), analysis.toJson());
}

} // namespace flopsfit
