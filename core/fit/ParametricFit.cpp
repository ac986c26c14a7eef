#include "fit/ParametricFit.h"

#include "util/Error.h"

#include <ceres/ceres.h>
#include <Eigen/Dense>

#include <QHash>
#include <QJsonArray>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <thread>

namespace flopsfit {

double ParametricLaw::loss(double params, double tokens) const
{
    return E + A / std::pow(params, alpha) + B / std::pow(tokens, beta);
}

double ParametricLaw::optimalParams(double flops) const
{
    const double g = std::pow(alpha * A / (beta * B), 1.0 / (alpha + beta));
    return g * std::pow(flops / 6.0, exponentA());
}

double ParametricLaw::optimalTokens(double flops) const
{
    return flops / (6.0 * optimalParams(flops));
}

double ParametricLaw::optimalLoss(double flops) const
{
    return loss(optimalParams(flops), optimalTokens(flops));
}

QJsonObject ParametricLaw::toJson() const
{
    return {{QStringLiteral("E"), E},         {QStringLiteral("A"), A},
            {QStringLiteral("B"), B},         {QStringLiteral("alpha"), alpha},
            {QStringLiteral("beta"), beta},   {QStringLiteral("a"), exponentA()},
            {QStringLiteral("b"), exponentB()}};
}

ParametricLaw lawFromVector(const ParametricVector &v)
{
    ParametricLaw law;
    law.A = std::exp(v[ParamA]);
    law.B = std::exp(v[ParamB]);
    law.E = std::exp(v[ParamE]);
    law.alpha = v[ParamAlpha];
    law.beta = v[ParamBeta];
    return law;
}

ParametricVector vectorFromLaw(const ParametricLaw &law)
{
    return {{std::log(law.A), std::log(law.B), std::log(law.E), law.alpha, law.beta}};
}

namespace {

// ln(e^u + e^v + e^w) and the softmax weights, without overflow.
inline double logSumExp3(double u, double v, double w, double *pu, double *pv, double *pw)
{
    const double m = std::max(u, std::max(v, w));
    const double eu = std::exp(u - m), ev = std::exp(v - m), ew = std::exp(w - m);
    const double s = eu + ev + ew;
    *pu = eu / s;
    *pv = ev / s;
    *pw = ew / s;
    return m + std::log(s);
}

struct Data {
    std::vector<double> lnN, lnD, lnL, w;
    Eigen::ArrayXd aN, aD, aL, aW; // the same, as arrays for the vectorised passes
    Eigen::ArrayXf fN, fD, fL, fW; // and in single precision, for screening the starts
    int size() const { return int(lnN.size()); }
    void finish()
    {
        const auto n = Eigen::Index(lnN.size());
        aN = Eigen::Map<const Eigen::ArrayXd>(lnN.data(), n);
        aD = Eigen::Map<const Eigen::ArrayXd>(lnD.data(), n);
        aL = Eigen::Map<const Eigen::ArrayXd>(lnL.data(), n);
        aW = Eigen::Map<const Eigen::ArrayXd>(w.data(), n);
        fN = aN.cast<float>();
        fD = aD.cast<float>();
        fL = aL.cast<float>();
        fW = aW.cast<float>();
    }
};

inline double huber(double r, double delta)
{
    const double a = std::abs(r);
    return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
}

// Residuals and softmax weights for all points at once (Eigen vectorises exp and log). The
// constant term e^e is one scalar exp; the shifted form guards against overflow when needed.
// T = float screens the starts (twice the SIMD lanes); T = double does everything else.
template <typename T>
struct WorkspaceT {
    using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
    Arr u, v, eu, ev, s, r, ar;
    T ew = 0;
    bool shifted = false;
    Arr m; // the shift, when `shifted`
    static const Arr &N(const Data &d);
    static const Arr &D(const Data &d);
    static const Arr &L(const Data &d);
    static const Arr &W(const Data &d);
    void evaluate(const Data &d, const ParametricVector &p)
    {
        const T pa = T(p[ParamA]), pb = T(p[ParamB]), pe = T(p[ParamE]);
        u = pa - T(p[ParamAlpha]) * N(d);
        v = pb - T(p[ParamBeta]) * D(d);
        const T top = std::max(std::max(u.maxCoeff(), v.maxCoeff()), pe);
        const T limit = std::is_same<T, float>::value ? T(80) : T(600);
        shifted = !(top < limit) || top < -limit;
        if (!shifted) {
            eu = u.exp();
            ev = v.exp();
            ew = std::exp(pe);
            s = eu + ev + ew;
            r = L(d) - s.log();
        } else {
            m = u.max(v).max(pe);
            eu = (u - m).exp();
            ev = (v - m).exp();
            s = eu + ev + (pe - m).exp();
            r = L(d) - m - s.log();
        }
        ar = r.abs();
    }
    double objective(const Data &d, double delta) const
    {
        if (!std::isfinite(delta))
            return 0.5 * double((W(d) * r.square()).sum());
        const T dl = T(delta);
        return double((W(d) * (ar <= dl).select(T(0.5) * r.square(), dl * (ar - T(0.5) * dl))).sum());
    }
    // ∂r/∂(a, b, e, α, β) = (−p_u, −p_v, −p_w, p_u ln N, p_v ln D), p the softmax weights.
    template <typename JMat>
    void jacobian(const Data &d, const ParametricVector &p, JMat &J) const
    {
        const Arr inv = T(1) / s;
        J.col(ParamA) = -(eu * inv).matrix();
        J.col(ParamB) = -(ev * inv).matrix();
        if (!shifted)
            J.col(ParamE) = -(ew * inv).matrix();
        else
            J.col(ParamE) = -((T(p[ParamE]) - m).exp() * inv).matrix();
        J.col(ParamAlpha) = -(J.col(ParamA).array() * N(d)).matrix();
        J.col(ParamBeta) = -(J.col(ParamB).array() * D(d)).matrix();
    }
};
template <> const Eigen::ArrayXd &WorkspaceT<double>::N(const Data &d) { return d.aN; }
template <> const Eigen::ArrayXd &WorkspaceT<double>::D(const Data &d) { return d.aD; }
template <> const Eigen::ArrayXd &WorkspaceT<double>::L(const Data &d) { return d.aL; }
template <> const Eigen::ArrayXd &WorkspaceT<double>::W(const Data &d) { return d.aW; }
template <> const Eigen::ArrayXf &WorkspaceT<float>::N(const Data &d) { return d.fN; }
template <> const Eigen::ArrayXf &WorkspaceT<float>::D(const Data &d) { return d.fD; }
template <> const Eigen::ArrayXf &WorkspaceT<float>::L(const Data &d) { return d.fL; }
template <> const Eigen::ArrayXf &WorkspaceT<float>::W(const Data &d) { return d.fW; }
using Workspace = WorkspaceT<double>;

// A compact Levenberg–Marquardt for one start: analytic Jacobian, Huber handled by iteratively
// reweighted Gauss–Newton steps (weight min(1, δ/|r|)), free parameters only, delta = ∞ for the
// plain squared loss. It minimises the same objective as the Ceres polish; it exists for speed
// (bench_fit --ceres measures the grid solved by Ceres from every start for comparison).
struct StartResult {
    ParametricVector v{};
    double objective = std::numeric_limits<double>::infinity();
    bool converged = false;
    int iterations = 0, evaluations = 0;
};

template <typename T>
StartResult solveStart(const Data &d, ParametricVector v, const ParametricFitOptions &o, double delta, double tolerance)
{
    using Mat5 = Eigen::Matrix<double, 5, 5>;
    using Vec5 = Eigen::Matrix<double, 5, 1>;
    for (int k = 0; k < ParamCount; ++k)
        if (o.fixed[k])
            v[k] = o.fixedValues[k];
    StartResult result;
    double lambda = 1e-1;
    double f = 0;
    Mat5 H;
    Vec5 g;
    using Arr = typename WorkspaceT<T>::Arr;
    WorkspaceT<T> ws, trialWs;
    Eigen::Matrix<T, Eigen::Dynamic, 5> J(d.size(), 5);
    Arr wt;
    // H = JᵀWJ and g = JᵀWr from the evaluated workspace `ws` at p (no further exp or log).
    const auto linearise = [&](const ParametricVector &p) {
        const double obj = ws.objective(d, delta);
        if (std::isfinite(delta))
            wt = WorkspaceT<T>::W(d) * (ws.ar <= T(delta)).select(Arr::Ones(d.size()), T(delta) / ws.ar);
        else
            wt = WorkspaceT<T>::W(d);
        ws.jacobian(d, p, J);
        const Eigen::Matrix<T, Eigen::Dynamic, 5> WJ = J.array().colwise() * wt;
        H = (J.transpose() * WJ).template cast<double>();
        g = (WJ.transpose() * ws.r.matrix()).template cast<double>();
        for (int k = 0; k < ParamCount; ++k) {
            if (o.fixed[k]) {
                H.row(k).setZero();
                H.col(k).setZero();
                H(k, k) = 1;
                g(k) = 0;
            }
        }
        return obj;
    };
    ws.evaluate(d, v);
    f = linearise(v);
    if (!std::isfinite(f))
        return result;
    for (int it = 0; it < o.maxIterations; ++it) {
        result.iterations = it + 1;
        bool accepted = false;
        for (int tries = 0; tries < 12 && !accepted; ++tries) {
            Mat5 M = H;
            for (int k = 0; k < ParamCount; ++k)
                M(k, k) += lambda * std::max(H(k, k), 1e-12);
            const Vec5 step = M.ldlt().solve(-g);
            ParametricVector trial = v;
            for (int k = 0; k < ParamCount; ++k)
                trial[k] += step(k);
            trialWs.evaluate(d, trial);
            const double ft = trialWs.objective(d, delta);
            ++result.evaluations;
            if (std::isfinite(ft) && ft <= f) {
                const double decrease = f - ft;
                v = trial;
                accepted = true;
                lambda = std::max(lambda * 0.1, 1e-9);
                const double stepNorm = step.norm();
                if (decrease <= tolerance * f || stepNorm < 1e-10) {
                    result.v = v;
                    result.objective = ft;
                    result.converged = true;
                    return result;
                }
                std::swap(ws, trialWs);
                f = linearise(v);
            } else {
                lambda *= 8;
            }
        }
        if (!accepted) { // no downhill step at any damping: a minimum to working precision
            result.converged = true;
            break;
        }
    }
    result.v = v;
    result.objective = f;
    return result;
}

// One point's residual for Ceres, analytic Jacobian.
class LogLossResidual final : public ceres::SizedCostFunction<1, 5> {
public:
    LogLossResidual(double lnN, double lnD, double lnL) : m_lnN(lnN), m_lnD(lnD), m_lnL(lnL) {}
    bool Evaluate(double const *const *parameters, double *residuals, double **jacobians) const override
    {
        const double *p = parameters[0];
        double pu, pv, pw;
        const double lse = logSumExp3(p[ParamA] - p[ParamAlpha] * m_lnN, p[ParamB] - p[ParamBeta] * m_lnD,
                                      p[ParamE], &pu, &pv, &pw);
        residuals[0] = m_lnL - lse;
        if (jacobians && jacobians[0]) {
            double *j = jacobians[0];
            j[ParamA] = -pu;
            j[ParamB] = -pv;
            j[ParamE] = -pw;
            j[ParamAlpha] = pu * m_lnN;
            j[ParamBeta] = pv * m_lnD;
        }
        return std::isfinite(residuals[0]);
    }

private:
    double m_lnN, m_lnD, m_lnL;
};

// The tight final solve with Ceres (trust region, Huber loss per point).
double ceresSolve(const Data &d, ParametricVector &v, const ParametricFitOptions &o, bool *converged, double tolerance = 1e-14)
{
    ceres::Problem::Options po;
    po.loss_function_ownership = ceres::TAKE_OWNERSHIP;
    ceres::Problem problem(po);
    for (int i = 0; i < d.size(); ++i) {
        ceres::LossFunction *loss = new ceres::HuberLoss(o.huberDelta);
        if (d.w[i] != 1.0)
            loss = new ceres::ScaledLoss(loss, d.w[i], ceres::TAKE_OWNERSHIP);
        problem.AddResidualBlock(new LogLossResidual(d.lnN[i], d.lnD[i], d.lnL[i]), loss, v.data());
    }
    std::vector<int> constant;
    for (int k = 0; k < ParamCount; ++k)
        if (o.fixed[k])
            constant.push_back(k);
    if (int(constant.size()) == ParamCount)
        problem.SetParameterBlockConstant(v.data());
    else if (!constant.empty())
        problem.SetManifold(v.data(), new ceres::SubsetManifold(ParamCount, constant));
    ceres::Solver::Options so;
    so.linear_solver_type = ceres::DENSE_QR;
    so.max_num_iterations = 500;
    so.function_tolerance = tolerance;
    so.gradient_tolerance = tolerance;
    so.parameter_tolerance = 1e-12;
    so.num_threads = 1;
    so.logging_type = ceres::SILENT;
    ceres::Solver::Summary summary;
    ceres::Solve(so, &problem, &summary);
    if (converged)
        *converged = summary.termination_type == ceres::CONVERGENCE;
    // Ceres's cost is Σ ½ρ(r²) with ρ the Huber of Ceres: that is Σ Huber_δ(r) as defined here.
    return summary.final_cost;
}

// Keeps the best start, polishes it with Ceres, and adds diagnostics and standard errors.
ParametricFitReport finishReport(const Data &d, const ParametricFitOptions &options, const std::vector<StartResult> &results)
{
    ParametricFitReport report;
    report.fixed = options.fixed;
    report.huberDelta = options.huberDelta;
    report.points = d.size();
    report.starts = int(results.size());
    std::vector<int> order;
    for (int i = 0; i < int(results.size()); ++i) {
        if (std::isfinite(results[size_t(i)].objective))
            order.push_back(i);
        if (results[size_t(i)].converged)
            ++report.converged;
    }
    if (order.empty())
        throw InputError(QStringLiteral("parametric fit: no start reached a finite objective"));
    std::sort(order.begin(), order.end(), [&](int x, int y) { return results[size_t(x)].objective < results[size_t(y)].objective; });
    const double bestObjective = results[size_t(order.front())].objective;
    for (int i : order) {
        const StartResult &r = results[size_t(i)];
        if (r.objective <= bestObjective * (1 + 1e-6) + 1e-15)
            ++report.startsAtBest;
        bool distinct = true;
        for (const ParametricVector &e : report.bestEnds) {
            double dist = 0;
            for (int k = 0; k < ParamCount; ++k)
                dist = std::max(dist, std::abs(e[k] - r.v[k]));
            distinct = distinct && dist > 1e-3;
        }
        if (distinct)
            report.bestEnds.append(r.v);
        if (report.bestEnds.size() >= 4)
            break;
    }

    ParametricVector v = results[size_t(order.front())].v;
    report.objective = bestObjective;
    if (options.polish) {
        ParametricVector polished = v;
        bool converged = false;
        const double cost = ceresSolve(d, polished, options, &converged);
        if (std::isfinite(cost) && cost <= bestObjective * (1 + 1e-9)) {
            v = polished;
            report.objective = cost;
        }
        if (!converged)
            report.warnings.append(QStringLiteral("parametric fit: the final Ceres solve stopped before converging"));
    }
    report.vector = v;
    report.law = lawFromVector(v);

    // Diagnostics on log loss, and classical standard errors s²·(JᵀJ)⁻¹ over the free parameters.
    double sse = 0, mean = 0, sst = 0;
    for (double l : d.lnL)
        mean += l;
    mean /= d.size();
    Eigen::MatrixXd J(d.size(), ParamCount);
    for (int i = 0; i < d.size(); ++i) {
        double pu, pv, pw;
        const double lse = logSumExp3(v[ParamA] - v[ParamAlpha] * d.lnN[i], v[ParamB] - v[ParamBeta] * d.lnD[i], v[ParamE], &pu, &pv, &pw);
        const double r = d.lnL[i] - lse;
        sse += r * r;
        sst += (d.lnL[i] - mean) * (d.lnL[i] - mean);
        J.row(i) << -pu, -pv, -pw, pu * d.lnN[i], pv * d.lnD[i];
    }
    report.rmseLog = std::sqrt(sse / d.size());
    report.r2 = sst > 0 ? 1 - sse / sst : 1;
    std::vector<int> freeIdx;
    for (int k = 0; k < ParamCount; ++k)
        if (!options.fixed[k])
            freeIdx.push_back(k);
    if (!freeIdx.empty() && d.size() > int(freeIdx.size())) {
        Eigen::MatrixXd Jf(d.size(), Eigen::Index(freeIdx.size()));
        for (size_t c = 0; c < freeIdx.size(); ++c)
            Jf.col(Eigen::Index(c)) = J.col(freeIdx[c]);
        const Eigen::MatrixXd JtJ = Jf.transpose() * Jf;
        Eigen::FullPivLU<Eigen::MatrixXd> lu(JtJ);
        if (lu.isInvertible()) {
            const Eigen::MatrixXd cov = lu.inverse() * (sse / (d.size() - int(freeIdx.size())));
            report.stdErrors.fill(0);
            for (size_t c = 0; c < freeIdx.size(); ++c)
                report.stdErrors[size_t(freeIdx[c])] = std::sqrt(std::max(0.0, cov(Eigen::Index(c), Eigen::Index(c))));
            report.haveStdErrors = true;
        }
    }
    if (!(report.law.alpha > 0) || !(report.law.beta > 0))
        report.warnings.append(QStringLiteral("parametric fit: a non-positive exponent (α %1, β %2); the optimal allocation is undefined")
                                   .arg(report.law.alpha)
                                   .arg(report.law.beta));
    return report;
}

} // namespace

double parametricResidual(const ParametricVector &v, double lnN, double lnD, double lnL)
{
    double pu, pv, pw;
    return lnL - logSumExp3(v[ParamA] - v[ParamAlpha] * lnN, v[ParamB] - v[ParamBeta] * lnD, v[ParamE], &pu, &pv, &pw);
}

ParametricFitReport fitParametric(const QVector<ParametricObservation> &points, const ParametricFitOptions &options)
{
    Data d;
    for (int i = 0; i < points.size(); ++i) {
        const ParametricObservation &p = points[i];
        if (!(p.params > 0) || !(p.tokens > 0) || !(p.loss > 0) || !std::isfinite(p.params) ||
            !std::isfinite(p.tokens) || !std::isfinite(p.loss) || !(p.weight >= 0) || !std::isfinite(p.weight))
            throw InputError(QStringLiteral("parametric fit: point %1 (N %2, D %3, loss %4, weight %5) is not positive and finite")
                                 .arg(i + 1)
                                 .arg(p.params)
                                 .arg(p.tokens)
                                 .arg(p.loss)
                                 .arg(p.weight));
        d.lnN.push_back(std::log(p.params));
        d.lnD.push_back(std::log(p.tokens));
        d.lnL.push_back(std::log(p.loss));
        d.w.push_back(p.weight);
    }
    d.finish();
    int free = 0;
    for (bool f : options.fixed)
        free += f ? 0 : 1;
    if (d.size() < free + 1)
        throw InputError(QStringLiteral("parametric fit: needs more than %1 runs for %1 free parameters, got %2")
                             .arg(free)
                             .arg(d.size()));

    QVector<ParametricVector> starts = options.starts;
    if (starts.isEmpty()) {
        for (double alpha : options.gridAlpha)
            for (double beta : options.gridBeta)
                for (double e : options.gridE)
                    for (double a : options.gridA)
                        for (double b : options.gridB)
                            starts.append(ParametricVector{{a, b, e, alpha, beta}});
    }
    if (starts.isEmpty())
        throw InputError(QStringLiteral("parametric fit: the start grid is empty"));

    int threads = options.threads > 0 ? options.threads : QThread::idealThreadCount();
    threads = std::max(1, std::min(threads, int(starts.size())));
    const auto parallelFor = [&](int count, const std::function<void(int)> &body) {
        std::atomic<int> next{0};
        const auto worker = [&] {
            for (int i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
                if (options.cancelled && options.cancelled())
                    return;
                body(i);
            }
        };
        std::vector<std::thread> pool;
        for (int t = 1; t < std::min(threads, count); ++t)
            pool.emplace_back(worker);
        worker();
        for (std::thread &t : pool)
            t.join();
    };

    if (options.ceresStarts) {
        std::vector<StartResult> all(size_t(starts.size()));
        parallelFor(int(starts.size()), [&](int i) {
            ParametricVector v = starts[i];
            for (int k = 0; k < ParamCount; ++k)
                if (options.fixed[k])
                    v[k] = options.fixedValues[k];
            bool converged = false;
            const double cost = ceresSolve(d, v, options, &converged, 1e-8);
            all[size_t(i)] = {v, std::isfinite(cost) ? cost : std::numeric_limits<double>::infinity(), converged};
        });
        return finishReport(d, options, all);
    }
    // Stage 1: from every start, Gauss–Newton on the plain squared log residual (quadratic
    // convergence, where the Huber objective with δ = 1e-3 behaves like L1 and crawls).
    std::vector<StartResult> landed(size_t(starts.size()));
    parallelFor(int(starts.size()), [&](int i) {
        landed[size_t(i)] = solveStart<float>(d, starts[i], options, std::numeric_limits<double>::infinity(), 1e-5);
    });
    // Stage 2: the Huber objective from where each start landed; starts that landed on the same
    // point (to 1e-4 in every parameter) are solved once.
    std::vector<int> repOf(landed.size(), -1);
    std::vector<int> reps;
    {
        std::vector<int> byObjective(landed.size());
        for (size_t i = 0; i < landed.size(); ++i)
            byObjective[i] = int(i);
        std::sort(byObjective.begin(), byObjective.end(), [&](int x, int y) { return landed[size_t(x)].objective < landed[size_t(y)].objective; });
        for (int i : byObjective) {
            if (!std::isfinite(landed[size_t(i)].objective))
                continue;
            for (auto it = reps.rbegin(); it != reps.rend() && it - reps.rbegin() < 64; ++it) {
                double dist = 0;
                for (int k = 0; k < ParamCount; ++k)
                    dist = std::max(dist, std::abs(landed[size_t(*it)].v[k] - landed[size_t(i)].v[k]));
                if (dist < 1e-4) {
                    repOf[size_t(i)] = *it;
                    break;
                }
            }
            if (repOf[size_t(i)] < 0) {
                repOf[size_t(i)] = i;
                reps.push_back(i);
            }
        }
    }
    // Landings are ranked by their squared-loss objective; the best `refineStarts` distinct ones
    // go on to the Huber objective, the others keep their landing point, scored on the Huber
    // objective too, so every start competes on the same objective.
    const int refine = options.refineStarts > 0 ? std::min<int>(int(reps.size()), options.refineStarts) : int(reps.size());
    std::vector<StartResult> solved(reps.size());
    parallelFor(int(reps.size()), [&](int r) {
        const ParametricVector &from = landed[size_t(reps[size_t(r)])].v;
        if (r < refine) {
            solved[size_t(r)] = solveStart<double>(d, from, options, options.huberDelta, options.startTolerance);
        } else {
            Workspace ws;
            ws.evaluate(d, from);
            solved[size_t(r)].v = from;
            solved[size_t(r)].objective = ws.objective(d, options.huberDelta);
            solved[size_t(r)].converged = landed[size_t(reps[size_t(r)])].converged;
        }
    });
    std::vector<StartResult> results(size_t(starts.size()));
    {
        QHash<int, int> repIndex;
        for (size_t r = 0; r < reps.size(); ++r)
            repIndex.insert(reps[r], int(r));
        for (size_t i = 0; i < results.size(); ++i)
            if (repOf[i] >= 0)
                results[i] = solved[size_t(repIndex.value(repOf[i]))];
    }

    return finishReport(d, options, results);
}

QJsonObject ParametricFitReport::toJson() const
{
    QJsonObject o = law.toJson();
    if (haveStdErrors) {
        // Delta method: se(A) = A·se(ln A).
        o.insert(QStringLiteral("std_errors"),
                 QJsonObject{{QStringLiteral("E"), law.E * stdErrors[ParamE]},
                             {QStringLiteral("A"), law.A * stdErrors[ParamA]},
                             {QStringLiteral("B"), law.B * stdErrors[ParamB]},
                             {QStringLiteral("alpha"), stdErrors[ParamAlpha]},
                             {QStringLiteral("beta"), stdErrors[ParamBeta]}});
    }
    QJsonArray fixedJson;
    const char *names[] = {"A", "B", "E", "alpha", "beta"};
    for (int k = 0; k < ParamCount; ++k)
        if (fixed[size_t(k)])
            fixedJson.append(QLatin1String(names[k]));
    o.insert(QStringLiteral("fixed"), fixedJson);
    o.insert(QStringLiteral("huber_delta"), huberDelta);
    o.insert(QStringLiteral("objective"), objective);
    o.insert(QStringLiteral("rmse_log_loss"), rmseLog);
    o.insert(QStringLiteral("r2_log_loss"), r2);
    o.insert(QStringLiteral("points"), points);
    o.insert(QStringLiteral("starts"), starts);
    o.insert(QStringLiteral("starts_converged"), converged);
    o.insert(QStringLiteral("starts_at_best"), startsAtBest);
    o.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(warnings));
    return o;
}

} // namespace flopsfit
