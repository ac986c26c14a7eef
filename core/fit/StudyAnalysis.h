#pragma once
#include "fit/Bootstrap.h"
#include "fit/Envelope.h"
#include "fit/IsoFlopAnalysis.h"
#include "fit/Outliers.h"
#include "fit/ParametricFit.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace flopsfit {

// Which fit the summary (N_opt, D_opt, L_opt, prediction) reports; every fit that can be made
// is made and written to analysis.json regardless.
enum class HeadlineApproach { IsoFlop, Empirical, Parametric };
QString headlineApproachName(HeadlineApproach approach);
// "isoflop" (or "parabola"), "empirical", "parametric"; throws InputError otherwise.
HeadlineApproach parseHeadlineApproach(const QString &name);

// In analyzeStudy, settings left at "unset" come from the plan's fit section (fit.target_flops,
// fit.approach, fit.bootstrap, fit.bootstrap_seed, fit.outlier_k).
struct StudyAnalysisOptions {
    double targetFlops = 0;    // 0: the plan's fit.target_flops (1e24 without a plan)
    bool approachSet = false, bootstrapSet = false, seedSet = false, outlierKSet = false; // false: take the plan's
    OptimumMethod method = OptimumMethod::Parabola;
    HeadlineApproach approach = HeadlineApproach::IsoFlop;
    QVector<double> targets;   // budgets for the table and the intervals; empty: targetFlops
    BootstrapOptions bootstrap; // samples = 0: no intervals
    bool flagOutliers = true;
    bool dropOutliers = true;  // false: flag and report them, but keep them in the fits
    OutlierRule outlierRule;
    bool holdout = true;       // leave the largest budget out and predict it
    ParametricFitOptions parametric;
    int envelopeLevels = 30;
    QStringList excludeRuns;   // run ids left out by hand for this analysis only (listed in `excluded` as "id: excluded")
};

// Runs a user forced into or out of the fits, kept in <study>/fit_overrides.json.
struct FitOverrides {
    QStringList include, exclude;
};
QString fitOverridesPath(const QString &studyDir);
FitOverrides readFitOverrides(const QString &studyDir);
// Adds ids to the include or exclude list (an id moves from one list to the other) and writes
// the file atomically.
FitOverrides updateFitOverrides(const QString &studyDir, const QStringList &include, const QStringList &exclude);

// The honest check of extrapolation: the largest budget with at least three runs left out (with
// every larger budget, which has too few runs to say anything), both laws fitted on the rest.
struct HoldoutReport {
    bool done = false;
    QString note;                 // why it was not done
    double budget = 0;
    int heldOutRuns = 0;
    double actualParams = 0, actualLoss = 0;       // the held-out budget's own optimum
    bool haveIsoFlop = false, haveParametric = false;
    double isoFlopParams = 0, isoFlopLoss = 0;     // predicted by approach 2 fitted on the rest
    double parametricParams = 0, parametricLoss = 0; // predicted by approach 3 fitted on the rest
    double parametricRmseLog = 0;                  // approach 3's ln-loss error on the held-out runs
    QJsonObject toJson() const;
};

struct StudyAnalysis {
    QVector<FitPoint> used;
    QStringList excluded;          // "id: reason"
    QVector<OutlierFlag> outliers; // flagged by the rule (left out unless forced in)
    QStringList forcedIn, forcedOut;
    HeadlineApproach approach = HeadlineApproach::IsoFlop;
    OutlierRule outlierRule;
    double targetFlops = 1e24;     // the headline prediction's budget
    QVector<double> targets;       // every budget predicted (table, intervals)
    // Budgets at which the bootstrap also records N_opt, D_opt, L_opt of each law ("band.…"
    // quantities), so figures can draw interval bands: log-spaced over the data and the target.
    QVector<double> bandFlops;
    bool haveIsoFlop = false;
    IsoFlopReport isoFlop;
    bool haveParametric = false;
    ParametricFitReport parametric;
    EnvelopeReport envelope;
    BootstrapResult bootstrap;
    HoldoutReport holdout;
    QStringList warnings;
    QStringList errors;            // bad input that kept a fit from being made; batch mode exits 2

    bool anyFit() const { return haveIsoFlop || haveParametric; }
    // The headline predictions at C (from the headline approach, or whichever fit exists).
    double predictParams(double flops) const;
    double predictTokens(double flops) const;
    double predictLoss(double flops) const;
    QString predictionApproach() const;

    QJsonObject toJson() const;
    // The compact summary `flopsfit --batch analyze --json` prints.
    QJsonObject summaryJson() const;
};

// Fits every approach to already-read points: approach 2 (IsoFLOP), approach 3 (parametric),
// approach 1 when `curves` are given, outliers, holdout and bootstrap. `excluded` lists runs the
// caller already left out ("id: reason"). Throws InputError only when no fit at all can be made;
// partial results carry `errors`.
StudyAnalysis analyzePoints(const QVector<FitPoint> &points, const QStringList &excluded,
                            const QVector<TrainingCurve> &curves, const StudyAnalysisOptions &options,
                            const FitOverrides &overrides = {});

// Reads results.jsonl (torn last line ignored and reported), keeps finished runs with a finite
// loss (diverged and failed runs never enter), applies fit_overrides.json, reads the training
// curves for approach 1, and fits. Throws InputError on a corrupt results file or when no fit can
// be made.
StudyAnalysis analyzeStudy(const QString &studyDir, const StudyAnalysisOptions &options);

// Writes analysis.json atomically.
void saveAnalysis(const StudyAnalysis &analysis, const QString &studyDir);

} // namespace flopsfit
