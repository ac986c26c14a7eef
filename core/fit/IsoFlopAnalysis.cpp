#include "fit/IsoFlopAnalysis.h"

#include "util/Error.h"

#include <QJsonArray>
#include <QMap>

#include <algorithm>
#include <cmath>

namespace flopsfit {

QString optimumMethodName(OptimumMethod method)
{
    return method == OptimumMethod::Empirical ? QStringLiteral("empirical")
                                              : QStringLiteral("parabola");
}

BudgetOptimum optimumAt(double budget, QVector<FitPoint> runs, OptimumMethod method)
{
    std::sort(runs.begin(), runs.end(),
              [](const FitPoint &a, const FitPoint &b) { return a.params < b.params; });
    BudgetOptimum opt;
    opt.budget = budget;
    opt.points = int(runs.size());
    const auto best = std::min_element(runs.begin(), runs.end(), [](const FitPoint &a, const FitPoint &b) {
        return a.loss < b.loss;
    });
    opt.bestRunId = best->id;
    opt.bestParams = best->params;
    opt.bestLoss = best->loss;
    opt.optParams = best->params;
    opt.optLoss = best->loss;
    opt.method = optimumMethodName(OptimumMethod::Empirical);

    if (runs.size() >= 3) {
        QVector<double> x, y;
        for (const FitPoint &p : runs) {
            x.append(std::log(p.params));
            y.append(p.loss);
        }
        QVector<double> c;
        if (fitPolynomial(x, y, 2, &c)) {
            opt.parabola = c;
            if (c[2] > 0) {
                const double vertex = -c[1] / (2 * c[2]);
                opt.vertexInRange = vertex >= x.first() && vertex <= x.last();
                if (method == OptimumMethod::Parabola && opt.vertexInRange) {
                    opt.optParams = std::exp(vertex);
                    opt.optLoss = c[0] + c[1] * vertex + c[2] * vertex * vertex;
                    opt.method = optimumMethodName(OptimumMethod::Parabola);
                } else if (!opt.vertexInRange) {
                    opt.note = QStringLiteral("vertex outside the sampled sizes");
                }
            } else {
                opt.note = QStringLiteral("the parabola opens downwards (no interior minimum)");
            }
        } else {
            opt.note = QStringLiteral("parabola fit is singular");
        }
    } else {
        opt.note = QStringLiteral("fewer than three sizes");
    }
    opt.optTokens = budget / (6.0 * opt.optParams);
    return opt;
}

IsoFlopReport analyzeIsoFlop(const QVector<FitPoint> &points, const IsoFlopOptions &options)
{
    IsoFlopReport report;
    report.targetFlops = options.targetFlops;
    QMap<double, QVector<FitPoint>> byBudget;
    for (const FitPoint &p : points) {
        if (!(p.params > 0) || !(p.budget > 0) || !std::isfinite(p.loss) || !(p.loss > 0)) {
            report.warnings.append(QStringLiteral("run %1 left out: non-positive or non-finite values").arg(p.id));
            continue;
        }
        byBudget[p.budget].append(p);
    }
    QVector<double> c, n, d, l;
    for (auto it = byBudget.begin(); it != byBudget.end(); ++it) {
        const BudgetOptimum opt = optimumAt(it.key(), it.value(), options.method);
        if (options.method == OptimumMethod::Parabola && opt.method != optimumMethodName(OptimumMethod::Parabola))
            report.warnings.append(QStringLiteral("budget %1: %2; using the lowest-loss run")
                                       .arg(opt.budget, 0, 'g', 3)
                                       .arg(opt.note));
        report.optima.append(opt);
        c.append(opt.budget);
        n.append(opt.optParams);
        d.append(opt.optTokens);
        l.append(opt.optLoss);
    }
    if (report.optima.size() < 2)
        throw InputError(QStringLiteral("IsoFLOP fit needs finished runs at two or more budgets, got %1")
                             .arg(report.optima.size()));
    report.nOpt = fitPowerLaw(c, n);
    report.dOpt = fitPowerLaw(c, d);
    report.lossOpt = fitPowerLaw(c, l);
    report.predictedParams = report.nOpt.predict(options.targetFlops);
    report.predictedTokens = report.dOpt.predict(options.targetFlops);
    report.predictedLoss = report.lossOpt.predict(options.targetFlops);
    return report;
}

QJsonObject IsoFlopReport::toJson() const
{
    QJsonArray optimaJson;
    for (const BudgetOptimum &o : optima) {
        QJsonArray parabolaJson;
        for (double v : o.parabola)
            parabolaJson.append(v);
        QJsonObject j{{QStringLiteral("budget"), o.budget},
                      {QStringLiteral("points"), o.points},
                      {QStringLiteral("best_run"), o.bestRunId},
                      {QStringLiteral("best_params"), o.bestParams},
                      {QStringLiteral("best_loss"), o.bestLoss},
                      {QStringLiteral("parabola"), parabolaJson},
                      {QStringLiteral("vertex_in_range"), o.vertexInRange},
                      {QStringLiteral("n_opt"), o.optParams},
                      {QStringLiteral("d_opt"), o.optTokens},
                      {QStringLiteral("l_opt"), o.optLoss},
                      {QStringLiteral("method"), o.method}};
        if (!o.note.isEmpty())
            j.insert(QStringLiteral("note"), o.note);
        optimaJson.append(j);
    }
    return {{QStringLiteral("optima"), optimaJson},
            {QStringLiteral("n_opt"), nOpt.toJson()},
            {QStringLiteral("d_opt"), dOpt.toJson()},
            {QStringLiteral("l_opt"), lossOpt.toJson()},
            {QStringLiteral("prediction"),
             QJsonObject{{QStringLiteral("flops"), targetFlops},
                         {QStringLiteral("n_opt"), predictedParams},
                         {QStringLiteral("d_opt"), predictedTokens},
                         {QStringLiteral("l_opt"), predictedLoss}}},
            {QStringLiteral("warnings"), QJsonArray::fromStringList(warnings)}};
}

} // namespace flopsfit
