#include "fit/ChinchillaTable.h"

#include "util/Error.h"

#include <QStringList>

#include <cmath>

namespace flopsfit {

TableFormat parseTableFormat(const QString &name)
{
    if (name == QLatin1String("text"))
        return TableFormat::Text;
    if (name == QLatin1String("csv"))
        return TableFormat::Csv;
    if (name == QLatin1String("md") || name == QLatin1String("markdown"))
        return TableFormat::Markdown;
    if (name == QLatin1String("latex"))
        return TableFormat::Latex;
    throw InputError(QStringLiteral("--table must be text, csv, md or latex, not '%1'").arg(name));
}

QVector<TableRow> chinchillaRows(const StudyAnalysis &a, const QVector<double> &targets)
{
    QVector<TableRow> rows;
    const auto iv = [&](const QString &prefix, const QString &what, double c) {
        return a.bootstrap.interval(prefix + targetKey(what, c));
    };
    for (double c : targets) {
        if (a.haveIsoFlop) {
            TableRow r{c, a.approach == HeadlineApproach::Empirical ? QStringLiteral("empirical") : QStringLiteral("isoflop"),
                       a.isoFlop.nOpt.predict(c), a.isoFlop.dOpt.predict(c), a.isoFlop.lossOpt.predict(c)};
            r.paramsInterval = iv(QStringLiteral("isoflop."), QStringLiteral("N_opt"), c);
            r.tokensInterval = iv(QStringLiteral("isoflop."), QStringLiteral("D_opt"), c);
            r.lossInterval = iv(QStringLiteral("isoflop."), QStringLiteral("L_opt"), c);
            rows.append(r);
        }
        if (a.haveParametric) {
            const ParametricLaw &law = a.parametric.law;
            TableRow r{c, QStringLiteral("parametric"), law.optimalParams(c), law.optimalTokens(c), law.optimalLoss(c)};
            r.paramsInterval = iv(QStringLiteral("parametric."), QStringLiteral("N_opt"), c);
            r.tokensInterval = iv(QStringLiteral("parametric."), QStringLiteral("D_opt"), c);
            r.lossInterval = iv(QStringLiteral("parametric."), QStringLiteral("L_opt"), c);
            rows.append(r);
        }
        if (a.envelope.fitted) {
            TableRow r{c, QStringLiteral("envelope"), a.envelope.nOpt.predict(c), a.envelope.dOpt.predict(c), a.envelope.lossOpt.predict(c)};
            r.paramsInterval = iv(QStringLiteral("envelope."), QStringLiteral("N_opt"), c);
            r.tokensInterval = iv(QStringLiteral("envelope."), QStringLiteral("D_opt"), c);
            r.lossInterval = iv(QStringLiteral("envelope."), QStringLiteral("L_opt"), c);
            rows.append(r);
        }
    }
    return rows;
}

namespace {

QString sci(double v)
{
    return QString::number(v, 'e', 2);
}

QString withInterval(double v, const Interval &i, bool loss, const QString &sep)
{
    const QString value = loss ? QString::number(v, 'f', 3) : sci(v);
    if (!i.valid())
        return value;
    return loss ? QStringLiteral("%1 %2%3, %4]").arg(value, sep, QString::number(i.lo, 'f', 3), QString::number(i.hi, 'f', 3))
                : QStringLiteral("%1 %2%3, %4]").arg(value, sep, sci(i.lo), sci(i.hi));
}

QString latexSci(double v)
{
    const int e = int(std::floor(std::log10(v)));
    return QStringLiteral("$%1 \\times 10^{%2}$").arg(v / std::pow(10.0, e), 0, 'f', 2).arg(e);
}

} // namespace

QString chinchillaTable(const StudyAnalysis &a, const QVector<double> &targets, TableFormat format)
{
    const QVector<TableRow> rows = chinchillaRows(a, targets);
    QString out;
    bool anyInterval = false;
    for (const TableRow &r : rows)
        anyInterval = anyInterval || r.paramsInterval.valid();
    const QString level = QStringLiteral("%1 %").arg(100 * a.bootstrap.level, 0, 'g', 3);
    switch (format) {
    case TableFormat::Csv:
        out += QStringLiteral("flops,approach,n_opt,n_opt_lo,n_opt_hi,d_opt,d_opt_lo,d_opt_hi,tokens_per_param,loss,loss_lo,loss_hi\n");
        for (const TableRow &r : rows) {
            const auto num = [](double v) { return std::isfinite(v) ? QString::number(v, 'g', 6) : QString(); };
            out += QStringList{num(r.flops), r.approach, num(r.params), num(r.paramsInterval.lo), num(r.paramsInterval.hi),
                               num(r.tokens), num(r.tokensInterval.lo), num(r.tokensInterval.hi), num(r.tokens / r.params),
                               num(r.loss), num(r.lossInterval.lo), num(r.lossInterval.hi)}
                       .join(QLatin1Char(',')) +
                   QLatin1Char('\n');
        }
        break;
    case TableFormat::Markdown:
        out += QStringLiteral("| Compute C (FLOPs) | Approach | N_opt | D_opt | D/N | Loss |\n|---:|:---|---:|---:|---:|---:|\n");
        for (const TableRow &r : rows)
            out += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 |\n")
                       .arg(sci(r.flops), r.approach, withInterval(r.params, r.paramsInterval, false, QStringLiteral("[")),
                            withInterval(r.tokens, r.tokensInterval, false, QStringLiteral("[")),
                            QString::number(r.tokens / r.params, 'f', 1), withInterval(r.loss, r.lossInterval, true, QStringLiteral("[")));
        if (anyInterval)
            out += QStringLiteral("\nBrackets: %1 bootstrap percentile intervals (%2 refits).\n").arg(level).arg(a.bootstrap.succeeded);
        break;
    case TableFormat::Latex: {
        out += QStringLiteral("\\begin{tabular}{rlrrrr}\n\\toprule\nCompute (FLOPs) & Approach & $N_{\\mathrm{opt}}$ & $D_{\\mathrm{opt}}$ & $D/N$ & Loss \\\\\n\\midrule\n");
        for (const TableRow &r : rows) {
            const auto cell = [](double v, const Interval &i, bool loss) {
                QString s = loss ? QString::number(v, 'f', 3) : latexSci(v);
                if (i.valid())
                    s += loss ? QStringLiteral(" [%1, %2]").arg(i.lo, 0, 'f', 3).arg(i.hi, 0, 'f', 3)
                              : QStringLiteral(" [%1, %2]").arg(latexSci(i.lo), latexSci(i.hi));
                return s;
            };
            out += QStringLiteral("%1 & %2 & %3 & %4 & %5 & %6 \\\\\n")
                       .arg(latexSci(r.flops), r.approach, cell(r.params, r.paramsInterval, false),
                            cell(r.tokens, r.tokensInterval, false), QString::number(r.tokens / r.params, 'f', 1),
                            cell(r.loss, r.lossInterval, true));
        }
        out += QStringLiteral("\\bottomrule\n\\end{tabular}\n");
        if (anyInterval)
            out += QStringLiteral("%% brackets: %1 bootstrap percentile intervals (%2 refits)\n").arg(level).arg(a.bootstrap.succeeded);
        break;
    }
    case TableFormat::Text: {
        out += QStringLiteral("%1 %2 %3 %4 %5 %6\n")
                   .arg(QStringLiteral("C (FLOPs)"), -10)
                   .arg(QStringLiteral("approach"), -11)
                   .arg(QStringLiteral("N_opt"), -30)
                   .arg(QStringLiteral("D_opt"), -30)
                   .arg(QStringLiteral("D/N"), -8)
                   .arg(QStringLiteral("loss"));
        for (const TableRow &r : rows)
            out += QStringLiteral("%1 %2 %3 %4 %5 %6\n")
                       .arg(sci(r.flops), -10)
                       .arg(r.approach, -11)
                       .arg(withInterval(r.params, r.paramsInterval, false, QStringLiteral("[")), -30)
                       .arg(withInterval(r.tokens, r.tokensInterval, false, QStringLiteral("[")), -30)
                       .arg(QString::number(r.tokens / r.params, 'f', 1), -8)
                       .arg(withInterval(r.loss, r.lossInterval, true, QStringLiteral("[")));
        if (anyInterval)
            out += QStringLiteral("brackets: %1 bootstrap percentile intervals (%2 refits)\n").arg(level).arg(a.bootstrap.succeeded);
        break;
    }
    }
    return out;
}

} // namespace flopsfit
