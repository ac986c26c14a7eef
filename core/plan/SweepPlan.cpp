#include "plan/SweepPlan.h"

#include "plan/SweepConfig.h"
#include "store/StudyFiles.h"
#include "util/Error.h"
#include "util/Json.h"

#include <QJsonArray>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace flopsfit {

namespace {

struct Reader {
    const QJsonObject &config;
    const QString &origin;

    QJsonValue value(const QString &key) const
    {
        const QJsonValue v = valueAtPath(config, key);
        if (v.isUndefined())
            throw InputError(QStringLiteral("%1: missing key '%2'").arg(origin, key));
        return v;
    }
    double number(const QString &key, double lo, double hi) const
    {
        const QJsonValue v = value(key);
        const double x = v.toDouble(std::nan(""));
        if (!v.isDouble() || !std::isfinite(x))
            throw InputError(QStringLiteral("%1: '%2' must be a number").arg(origin, key));
        if (x < lo || x > hi)
            throw InputError(QStringLiteral("%1: '%2' = %3 is out of range [%4, %5]")
                                 .arg(origin, key)
                                 .arg(x)
                                 .arg(lo)
                                 .arg(hi));
        return x;
    }
    int integer(const QString &key, int lo, int hi) const
    {
        const double x = number(key, lo, hi);
        if (x != std::floor(x))
            throw InputError(QStringLiteral("%1: '%2' = %3 must be a whole number")
                                 .arg(origin, key)
                                 .arg(x));
        return int(x);
    }
    QString choice(const QString &key, const QStringList &allowed) const
    {
        const QString s = value(key).toString();
        if (!allowed.contains(s))
            throw InputError(QStringLiteral("%1: '%2' = '%3' is not one of %4")
                                 .arg(origin, key, s, allowed.join(QStringLiteral(", "))));
        return s;
    }
};

} // namespace

SweepSpec SweepSpec::fromConfig(const QJsonObject &config, const QString &origin)
{
    const Reader r{config, origin};
    SweepSpec s;
    s.config = config;
    s.name = r.value(QStringLiteral("name")).toString();
    s.backend = r.choice(QStringLiteral("backend"), {QStringLiteral("simulated"), QStringLiteral("torch")});
    s.minFlops = r.number(QStringLiteral("compute.min_flops"), 1e3, 1e30);
    s.maxFlops = r.number(QStringLiteral("compute.max_flops"), 1e3, 1e30);
    if (s.maxFlops < s.minFlops)
        throw InputError(QStringLiteral("%1: 'compute.max_flops' (%2) is below 'compute.min_flops' (%3)")
                             .arg(origin)
                             .arg(s.maxFlops)
                             .arg(s.minFlops));
    s.budgets = r.integer(QStringLiteral("compute.budgets"), 1, 64);
    s.minParams = r.number(QStringLiteral("model.min_params"), 1e3, 1e15);
    s.maxParams = r.number(QStringLiteral("model.max_params"), 1e3, 1e15);
    if (s.maxParams < s.minParams)
        throw InputError(QStringLiteral("%1: 'model.max_params' is below 'model.min_params'").arg(origin));
    s.sizesPerBudget = r.integer(QStringLiteral("model.sizes_per_budget"), 1, 64);
    s.minTokensPerParam = r.number(QStringLiteral("model.min_tokens_per_param"), 1e-3, 1e6);
    s.maxTokensPerParam = r.number(QStringLiteral("model.max_tokens_per_param"), 1e-3, 1e6);
    if (s.maxTokensPerParam < s.minTokensPerParam)
        throw InputError(QStringLiteral("%1: 'model.max_tokens_per_param' is below 'model.min_tokens_per_param'").arg(origin));
    s.shape.aspect_ratio = r.number(QStringLiteral("model.aspect_ratio"), 1, 4096);
    s.shape.round_to = r.integer(QStringLiteral("model.round_to"), 1, 4096);
    s.shape.head_dim = r.integer(QStringLiteral("model.head_dim"), 1, 4096);
    if (s.shape.round_to % s.shape.head_dim != 0)
        throw InputError(QStringLiteral("%1: 'model.round_to' (%2) must be a multiple of 'model.head_dim' (%3) so every width splits into whole heads")
                             .arg(origin)
                             .arg(s.shape.round_to)
                             .arg(s.shape.head_dim));
    s.shape.ffn_mult = r.number(QStringLiteral("model.ffn_mult"), 0.25, 64);
    s.shape.max_layers = r.integer(QStringLiteral("model.max_layers"), 1, 1024);
    s.shape.vocab_size = r.integer(QStringLiteral("data.vocab_size"), 2, 1 << 24);
    s.shape.seq_len = r.integer(QStringLiteral("data.seq_len"), 2, 1 << 20);
    s.flopsModel = parseFlopsModel(r.value(QStringLiteral("flops_model")).toString(), origin);
    s.batchSize = r.integer(QStringLiteral("training.batch_size"), 1, 1 << 20);
    s.gradAccum = r.integer(QStringLiteral("training.grad_accum"), 1, 1 << 16);
    s.lrRule = r.choice(QStringLiteral("training.lr_rule"), {QStringLiteral("constant"), QStringLiteral("width_scaled")});
    s.lr = r.number(QStringLiteral("training.lr"), 0, 1e6);
    s.lrBaseWidth = r.integer(QStringLiteral("training.lr_base_width"), 1, 1 << 20);
    const QJsonValue seeds = r.value(QStringLiteral("training.seeds"));
    for (const QJsonValue &v : seeds.toArray()) {
        if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble()) || v.toDouble() < 0)
            throw InputError(QStringLiteral("%1: 'training.seeds' must list whole numbers ≥ 0").arg(origin));
        s.seeds.append(v.toInt());
    }
    if (s.seeds.isEmpty())
        throw InputError(QStringLiteral("%1: 'training.seeds' must list at least one seed").arg(origin));
    s.flopsPerSecond = r.number(QStringLiteral("hardware.flops_per_second"), 1, 1e21);
    return s;
}

double SweepSpec::learningRate(const ModelShape &shape) const
{
    if (lrRule == QLatin1String("width_scaled"))
        return lr * double(lrBaseWidth) / shape.d_model;
    return lr;
}

QVector<double> logSpace(double lo, double hi, int count)
{
    QVector<double> out;
    if (count <= 1 || lo == hi) {
        out.append(count <= 1 ? std::sqrt(lo * hi) : lo);
        return out;
    }
    const double a = std::log(lo), b = std::log(hi);
    for (int i = 0; i < count; ++i)
        out.append(std::exp(a + (b - a) * i / (count - 1)));
    return out;
}

QString formatRunId(double budget, double params, int seed)
{
    QString c = QString::asprintf("%.2e", budget).remove(QLatin1Char('+'));
    return QStringLiteral("c%1-n%2-s%3").arg(c).arg(qint64(std::llround(params))).arg(seed);
}

SweepPlan planSweep(const SweepSpec &spec)
{
    SweepPlan plan;
    plan.spec = spec;
    plan.budgets = logSpace(spec.minFlops, spec.maxFlops, spec.budgets);
    for (int b = 0; b < plan.budgets.size(); ++b) {
        const double c = plan.budgets[b];
        // D/N = C/(6N²) bounds N from both sides; 6 is the standard count's factor.
        const double lo = std::max(spec.minParams, std::sqrt(c / (6.0 * spec.maxTokensPerParam)));
        const double hi = std::min(spec.maxParams, std::sqrt(c / (6.0 * spec.minTokensPerParam)));
        if (lo > hi)
            throw InputError(QStringLiteral("budget %1 FLOPs admits no model size: params in [%2, %3] "
                                            "and tokens per parameter in [%4, %5] do not overlap")
                                 .arg(c, 0, 'g', 3)
                                 .arg(spec.minParams, 0, 'g', 3)
                                 .arg(spec.maxParams, 0, 'g', 3)
                                 .arg(spec.minTokensPerParam)
                                 .arg(spec.maxTokensPerParam));
        QVector<ModelShape> seen;
        for (double target : logSpace(lo, hi, spec.sizesPerBudget)) {
            const ModelShape shape = solveModelShape(target, spec.shape, spec.flopsModel);
            if (seen.contains(shape))
                continue;
            seen.append(shape);
            const double n = shape.params(spec.flopsModel);
            const double perToken = shape.flopsPerToken(spec.flopsModel);
            const qint64 steps = std::max<qint64>(1, std::llround(c / perToken / spec.tokensPerStep()));
            for (int seed : spec.seeds) {
                RunSpec run;
                run.id = formatRunId(c, n, seed);
                run.budgetIndex = b;
                run.budget = c;
                run.shape = shape;
                run.params = n;
                run.steps = steps;
                run.tokens = double(steps) * spec.tokensPerStep();
                run.flops = perToken * run.tokens;
                run.lr = spec.learningRate(shape);
                run.seed = seed;
                run.estimatedSeconds = run.flops / spec.flopsPerSecond;
                plan.runs.append(run);
            }
        }
    }
    return plan;
}

double SweepPlan::totalFlops() const
{
    double total = 0;
    for (const RunSpec &r : runs)
        total += r.flops;
    return total;
}

double SweepPlan::estimatedSeconds() const
{
    double total = 0;
    for (const RunSpec &r : runs)
        total += r.estimatedSeconds;
    return total;
}

const RunSpec *SweepPlan::findRun(const QString &id) const
{
    for (const RunSpec &r : runs) {
        if (r.id == id)
            return &r;
    }
    return nullptr;
}

QJsonObject RunSpec::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("budget_index"), budgetIndex},
            {QStringLiteral("budget"), budget},
            {QStringLiteral("params"), params},
            {QStringLiteral("params_non_embedding"), shape.nonEmbeddingParams()},
            {QStringLiteral("params_total"), shape.totalParams()},
            {QStringLiteral("tokens"), tokens},
            {QStringLiteral("flops"), flops},
            {QStringLiteral("tokens_per_param"), tokensPerParam()},
            {QStringLiteral("steps"), double(steps)},
            {QStringLiteral("lr"), lr},
            {QStringLiteral("seed"), seed},
            {QStringLiteral("estimated_seconds"), estimatedSeconds},
            {QStringLiteral("shape"), shape.toJson()}};
}

RunSpec RunSpec::fromJson(const QJsonObject &o, const QString &origin)
{
    RunSpec r;
    r.id = o.value(QStringLiteral("id")).toString();
    if (r.id.isEmpty() || r.id.contains(QLatin1Char('/')) || r.id.startsWith(QLatin1Char('.')))
        throw InputError(QStringLiteral("%1: a run has a missing or unsafe id '%2'").arg(origin, r.id));
    r.budgetIndex = o.value(QStringLiteral("budget_index")).toInt();
    r.budget = o.value(QStringLiteral("budget")).toDouble();
    r.params = o.value(QStringLiteral("params")).toDouble();
    r.tokens = o.value(QStringLiteral("tokens")).toDouble();
    r.flops = o.value(QStringLiteral("flops")).toDouble();
    r.steps = qint64(o.value(QStringLiteral("steps")).toDouble());
    r.lr = o.value(QStringLiteral("lr")).toDouble();
    r.seed = o.value(QStringLiteral("seed")).toInt();
    r.estimatedSeconds = o.value(QStringLiteral("estimated_seconds")).toDouble();
    r.shape = ModelShape::fromJson(o.value(QStringLiteral("shape")).toObject());
    const bool valid = r.budget > 0 && r.params > 0 && r.tokens > 0 && r.steps > 0 &&
                       r.shape.d_model > 0 && r.shape.n_layers > 0 && r.shape.n_heads > 0 &&
                       r.shape.vocab_size > 1 && r.shape.seq_len > 1 && std::isfinite(r.lr);
    if (!valid)
        throw InputError(QStringLiteral("%1: run '%2' has missing or non-positive fields "
                                        "(budget, params, tokens, steps, shape)")
                             .arg(origin, r.id));
    return r;
}

QJsonObject SweepPlan::toJson() const
{
    QJsonArray runArray;
    for (const RunSpec &r : runs)
        runArray.append(r.toJson());
    QJsonArray budgetArray;
    for (double b : budgets)
        budgetArray.append(b);
    return {{QStringLiteral("schema_version"), kSchemaVersion},
            {QStringLiteral("flops_model"), flopsModelName(spec.flopsModel)},
            {QStringLiteral("budgets"), budgetArray},
            {QStringLiteral("total_flops"), totalFlops()},
            {QStringLiteral("estimated_seconds"), estimatedSeconds()},
            {QStringLiteral("config"), spec.config},
            {QStringLiteral("runs"), runArray}};
}

SweepPlan SweepPlan::fromJson(const QJsonObject &o, const QString &origin)
{
    checkSchemaVersion(o, origin);
    if (!o.value(QStringLiteral("config")).isObject() || !o.value(QStringLiteral("runs")).isArray())
        throw InputError(QStringLiteral("%1: not a flops-fit plan (needs 'config' and 'runs')").arg(origin));
    QJsonObject config = defaultSweepConfig();
    mergeConfig(config, o.value(QStringLiteral("config")).toObject(), origin + QStringLiteral(" (config)"));
    SweepPlan plan;
    plan.spec = SweepSpec::fromConfig(config, origin);
    for (const QJsonValue &b : o.value(QStringLiteral("budgets")).toArray())
        plan.budgets.append(b.toDouble());
    QSet<QString> ids;
    for (const QJsonValue &v : o.value(QStringLiteral("runs")).toArray()) {
        RunSpec run = RunSpec::fromJson(v.toObject(), origin);
        if (ids.contains(run.id))
            throw InputError(QStringLiteral("%1: run id '%2' appears twice").arg(origin, run.id));
        ids.insert(run.id);
        plan.runs.append(run);
    }
    if (plan.runs.isEmpty())
        throw InputError(QStringLiteral("%1: the plan has no runs").arg(origin));
    return plan;
}

SweepPlan loadPlan(const QString &path)
{
    return SweepPlan::fromJson(readJsonObjectFile(path), path);
}

void savePlan(const SweepPlan &plan, const QString &path)
{
    writeJsonAtomically(path, plan.toJson());
}

} // namespace flopsfit
