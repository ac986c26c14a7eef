#pragma once
#include "plan/ModelShape.h"

#include <QJsonObject>
#include <QString>
#include <QVector>

namespace flopsfit {

// The typed view of a sweep configuration (plan/SweepConfig.h), validated.
struct SweepSpec {
    QString name;
    QString backend; // "simulated" | "torch"
    double minFlops = 0, maxFlops = 0;
    int budgets = 0;
    double minParams = 0, maxParams = 0;
    int sizesPerBudget = 0;
    double minTokensPerParam = 0, maxTokensPerParam = 0;
    ShapeRule shape;
    FlopsModel flopsModel = FlopsModel::SixNDNonEmbedding;
    int batchSize = 0;
    int gradAccum = 1;
    QString lrRule; // "constant" | "width_scaled"
    double lr = 0;
    int lrBaseWidth = 0;
    QVector<int> seeds;
    double flopsPerSecond = 0; // for the wall-time estimate
    QJsonObject config;        // the full configuration it was read from

    // Validates ranges; throws InputError naming `origin` and the key.
    static SweepSpec fromConfig(const QJsonObject &config, const QString &origin);

    qint64 tokensPerStep() const { return qint64(batchSize) * gradAccum * shape.seq_len; }
    double learningRate(const ModelShape &shape) const;
};

// One training run of the sweep.
struct RunSpec {
    QString id;        // stable: the same plan gives the same ids
    int budgetIndex = 0;
    double budget = 0; // the compute budget C this run belongs to (FLOPs)
    ModelShape shape;
    double params = 0;      // N as counted by the sweep's FLOPs model
    double tokens = 0;      // D actually trained: steps × tokens per step
    double flops = 0;       // flops per token × D (≈ budget, up to the rounding of steps)
    qint64 steps = 0;
    double lr = 0;
    int seed = 0;
    double estimatedSeconds = 0;

    double tokensPerParam() const { return tokens / params; }
    QJsonObject toJson() const;
    static RunSpec fromJson(const QJsonObject &o, const QString &origin);
};

struct SweepPlan {
    SweepSpec spec;
    QVector<double> budgets;
    QVector<RunSpec> runs;

    double totalFlops() const;
    double estimatedSeconds() const;
    const RunSpec *findRun(const QString &id) const;

    QJsonObject toJson() const;
    // Throws InputError naming `origin` when the plan is malformed.
    static SweepPlan fromJson(const QJsonObject &o, const QString &origin);
};

// Budgets log-spaced in [minFlops, maxFlops]; per budget, target sizes log-spaced in
// [minParams, maxParams] ∩ [√(C/(6·maxTPP)), √(C/(6·minTPP))]; each target solved to an exact
// shape whose N sets D = C / flopsPerToken; duplicate shapes within a budget are dropped.
// Throws InputError when a budget ends up with no admissible size.
SweepPlan planSweep(const SweepSpec &spec);

// Loads and saves sweep.json.
SweepPlan loadPlan(const QString &path);
void savePlan(const SweepPlan &plan, const QString &path);

QVector<double> logSpace(double lo, double hi, int count);
QString formatRunId(double budget, double params, int seed);

} // namespace flopsfit
