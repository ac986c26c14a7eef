#pragma once
#include "train/TrainBackend.h"

namespace flopsfit {

// The scaling law the simulated backend follows: L(N, D) = E + A/N^α + B/D^β.
struct SimulatedLaw {
    double E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28; // Hoffmann et al. 2022
    double noise = 0.005;  // standard deviation of the multiplicative log-normal noise
    int logPoints = 100;   // metrics lines per run
    int stepDelayMs = 0;   // pause per logged point, so a demo can be watched live

    double loss(double params, double tokens) const;
    // The exponents the compute-optimal frontier follows: N_opt ∝ C^a, D_opt ∝ C^b.
    double exponentA() const { return beta / (alpha + beta); }
    double exponentB() const { return alpha / (alpha + beta); }

    static SimulatedLaw fromConfig(const QJsonObject &config);
};

// Deterministic per (run id, seed): the same run always yields the same curve and final loss.
class SimulatedBackend final : public TrainBackend {
public:
    explicit SimulatedBackend(SimulatedLaw law) : m_law(law) {}
    QString name() const override { return QStringLiteral("simulated"); }
    RunResult train(const RunSpec &run, const TrainContext &context) override;

private:
    SimulatedLaw m_law;
};

// A stable 64-bit hash (FNV-1a) for seeding: qHash is randomised per process.
quint64 stableHash(const QString &text);

} // namespace flopsfit
