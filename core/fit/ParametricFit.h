#pragma once
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <array>
#include <functional>

namespace flopsfit {

// L(N, D) = E + A/N^α + B/D^β (Chinchilla approach 3).
struct ParametricLaw {
    double E = 0, A = 0, B = 0, alpha = 0, beta = 0;

    double loss(double params, double tokens) const;
    // The compute-optimal frontier under C = 6·N·D: N_opt = G·(C/6)^a, D_opt = (C/6)^b / G with
    // a = β/(α+β), b = α/(α+β), G = (αA / (βB))^(1/(α+β)).
    double exponentA() const { return beta / (alpha + beta); }
    double exponentB() const { return alpha / (alpha + beta); }
    double optimalParams(double flops) const;
    double optimalTokens(double flops) const;
    double optimalLoss(double flops) const;

    QJsonObject toJson() const;
};

// The fitted parameters in log space: a = ln A, b = ln B, e = ln E, then α, β.
enum ParametricParam { ParamA = 0, ParamB, ParamE, ParamAlpha, ParamBeta, ParamCount };
using ParametricVector = std::array<double, ParamCount>;
ParametricLaw lawFromVector(const ParametricVector &v);
ParametricVector vectorFromLaw(const ParametricLaw &law);

struct ParametricObservation {
    double params = 0; // N
    double tokens = 0; // D
    double loss = 0;
    double weight = 1; // multiplies the point's Huber loss
};

struct ParametricFitOptions {
    double huberDelta = 1e-3;
    // The Hoffmann et al. start grid: α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1},
    // a, b ∈ {0, 5, …, 25}: 4500 starts.
    QVector<double> gridAlpha{0, 0.5, 1, 1.5, 2}, gridBeta{0, 0.5, 1, 1.5, 2};
    QVector<double> gridE{-1, -0.5, 0, 0.5, 1}, gridA{0, 5, 10, 15, 20, 25}, gridB{0, 5, 10, 15, 20, 25};
    // Explicit starts replace the grid when not empty (a bootstrap refit starts from the fit it
    // perturbs).
    QVector<ParametricVector> starts;
    // A parameter held at a fixed value (log space for A, B, E; e.g. fixed E = 1.69 is ln 1.69).
    std::array<bool, ParamCount> fixed{{false, false, false, false, false}};
    ParametricVector fixedValues{{0, 0, 0, 0, 0}};
    int threads = 0;             // 0: all cores
    int maxIterations = 200;     // per start
    double startTolerance = 1e-7; // relative change of the objective that ends a start
    // Each start first lands by Gauss–Newton on the plain squared log residual; the best
    // `refineStarts` distinct landings (by that objective) are then solved on the Huber objective.
    // 0 refines every distinct landing.
    int refineStarts = 64;
    bool polish = true;          // refine the best start with a tight Ceres solve
    bool ceresStarts = false;    // solve every start with Ceres instead (slower; for comparison)
    std::function<bool()> cancelled; // polled between starts
};

struct ParametricFitReport {
    ParametricLaw law;
    ParametricVector vector{};
    std::array<bool, ParamCount> fixed{{false, false, false, false, false}}; // held at their given values
    ParametricVector stdErrors{};  // from the Ceres covariance at the optimum (log space for A, B, E)
    bool haveStdErrors = false;
    double huberDelta = 0;
    double objective = 0;          // Σ wᵢ·Huber_δ(rᵢ)
    double rmseLog = 0;            // √mean(rᵢ²) of the log-loss residuals
    double r2 = 0;                 // on log loss
    int points = 0;
    int starts = 0;
    int converged = 0;             // starts that ended on a tolerance, not on the iteration cap
    int startsAtBest = 0;          // starts whose objective is within 1e-6 (relative) of the best
    QVector<ParametricVector> bestEnds; // the few best distinct optima (warm starts for refits)
    QStringList warnings;

    QJsonObject toJson() const;
};

// The residual of one point: ln L − LSE(a − α ln N, b − β ln D, e).
double parametricResidual(const ParametricVector &v, double lnN, double lnD, double lnL);

// Fits the law from every start (in parallel), keeps the lowest objective, and polishes it.
// Throws InputError with fewer than ParamCount free-parameter points or non-positive values.
ParametricFitReport fitParametric(const QVector<ParametricObservation> &points,
                                  const ParametricFitOptions &options = {});

} // namespace flopsfit
