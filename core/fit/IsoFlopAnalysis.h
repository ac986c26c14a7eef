#pragma once
#include "fit/PowerLaw.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

namespace flopsfit {

// One finished run as the fits see it.
struct FitPoint {
    QString id;
    double budget = 0; // the compute budget C it was planned for
    double params = 0; // N
    double tokens = 0; // D
    double loss = 0;
    double weight = 1; // the run's weight in the parametric fit (approach 3)
};

enum class OptimumMethod {
    Empirical, // the run with the lowest loss at each budget
    Parabola,  // the vertex of a parabola of loss in ln N (Chinchilla approach 2)
};
QString optimumMethodName(OptimumMethod method);

// The optimum at one compute budget.
struct BudgetOptimum {
    double budget = 0;
    int points = 0;
    QString bestRunId;               // the empirical minimum
    double bestParams = 0, bestLoss = 0;
    QVector<double> parabola;        // c0 + c1·lnN + c2·lnN², when fitted
    bool vertexInRange = false;      // the parabola's vertex lies within the sampled sizes
    double optParams = 0, optTokens = 0, optLoss = 0; // the optimum this budget contributes
    QString method;                  // "parabola" or "empirical" (the one actually used)
    QString note;                    // why the parabola was not used, if it was not
};

struct IsoFlopOptions {
    OptimumMethod method = OptimumMethod::Parabola;
    double targetFlops = 1e24;
};

struct IsoFlopReport {
    QVector<BudgetOptimum> optima;
    PowerLawFit nOpt, dOpt, lossOpt; // N_opt, D_opt, L_opt against C
    double targetFlops = 0;
    double predictedParams = 0, predictedTokens = 0, predictedLoss = 0;
    QStringList warnings;

    QJsonObject toJson() const;
};

// The optimum of one budget's runs (the parabola vertex when in range, else the best run).
BudgetOptimum optimumAt(double budget, QVector<FitPoint> runs, OptimumMethod method);

// Groups points by budget, finds each budget's optimum, and fits the three power laws.
// D_opt = C / (6·N_opt). Throws InputError when fewer than two budgets have an optimum.
IsoFlopReport analyzeIsoFlop(const QVector<FitPoint> &points, const IsoFlopOptions &options);

} // namespace flopsfit
