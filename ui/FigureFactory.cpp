#include "FigureFactory.h"

#include <QChart>
#include <QFont>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPen>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace flopsfit::ui {

FigureStyle parseFigureStyle(const QString &name)
{
    return name == QLatin1String("notebook") ? FigureStyle::Notebook : FigureStyle::Paper;
}

QColor budgetColor(int index, int count)
{
    // Samples of the viridis colour map.
    static const QColor stops[] = {QColor(68, 1, 84),    QColor(59, 82, 139), QColor(33, 145, 140),
                                   QColor(94, 201, 98),  QColor(253, 231, 37)};
    const double t = count <= 1 ? 0.0 : double(index) / (count - 1) * 0.92;
    const double pos = t * 4;
    const int i = std::min(3, int(pos));
    const double f = pos - i;
    const QColor &a = stops[i], &b = stops[i + 1];
    return QColor::fromRgbF(a.redF() + f * (b.redF() - a.redF()), a.greenF() + f * (b.greenF() - a.greenF()),
                            a.blueF() + f * (b.blueF() - a.blueF()));
}

void applyStyle(QChart *chart, FigureStyle style)
{
    chart->setDropShadowEnabled(false);
    chart->setBackgroundRoundness(0);
    chart->setAnimationOptions(QChart::NoAnimation);
    QFont title = chart->titleFont();
    QFont label;
    if (style == FigureStyle::Paper) {
        chart->setTheme(QChart::ChartThemeLight);
        chart->setMargins(QMargins(4, 4, 4, 4));
        title.setPointSizeF(11);
        label.setPointSizeF(9);
    } else {
        chart->setTheme(QChart::ChartThemeLight);
        title.setPointSizeF(14);
        title.setBold(true);
        label.setPointSizeF(11);
    }
    chart->setTitleFont(title);
    chart->legend()->setFont(label);
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsFont(label);
        axis->setTitleFont(label);
        axis->setMinorGridLineColor(QColor(0, 0, 0, 14));
        axis->setGridLineColor(QColor(0, 0, 0, 40));
    }
}

namespace {

struct Range {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    void add(double v)
    {
        if (std::isfinite(v) && v > 0) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    }
};

QLogValueAxis *logAxis(const QString &title, Range r, double pad = 1.3)
{
    auto *axis = new QLogValueAxis;
    axis->setTitleText(title);
    axis->setBase(10);
    axis->setLabelFormat(QStringLiteral("%.0e"));
    if (std::isfinite(r.lo))
        axis->setRange(r.lo / pad, r.hi * pad);
    axis->setMinorTickCount(-1);
    return axis;
}

QValueAxis *linearAxis(const QString &title, Range r)
{
    auto *axis = new QValueAxis;
    axis->setTitleText(title);
    if (std::isfinite(r.lo)) {
        const double span = std::max(r.hi - r.lo, 1e-3);
        axis->setRange(r.lo - 0.08 * span, r.hi + 0.08 * span);
    }
    axis->setLabelFormat(QStringLiteral("%.2f"));
    axis->applyNiceNumbers();
    return axis;
}

void attach(QChart *chart, QAbstractSeries *series, QAbstractAxis *x, QAbstractAxis *y)
{
    chart->addSeries(series);
    series->attachAxis(x);
    series->attachAxis(y);
}

void hideLegendEntry(QChart *chart, QAbstractSeries *series)
{
    for (QLegendMarker *marker : chart->legend()->markers(series))
        marker->setVisible(false);
}

// A power law drawn as a straight line on log axes across [lo, hi].
QLineSeries *lawLine(const PowerLawFit &law, double lo, double hi, const QString &name)
{
    auto *line = new QLineSeries;
    line->setName(name);
    for (int i = 0; i <= 40; ++i) {
        const double x = std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / 40.0);
        line->append(x, law.predict(x));
    }
    QPen pen(QColor(200, 40, 40));
    pen.setWidthF(2);
    pen.setStyle(Qt::DashLine);
    line->setPen(pen);
    return line;
}

} // namespace

QChart *makeIsoFlopChart(const StudyAnalysis &analysis, FigureStyle style)
{
    auto *chart = new QChart;
    chart->setTitle(QStringLiteral("IsoFLOP curves"));
    Range xr, yr;
    for (const FitPoint &p : analysis.used) {
        xr.add(p.params);
        yr.add(p.loss);
    }
    QLogValueAxis *x = logAxis(QStringLiteral("parameters N"), xr);
    QValueAxis *y = linearAxis(QStringLiteral("final loss"), yr);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);

    const auto &optima = analysis.isoFlop.optima;
    auto *optimumSeries = new QScatterSeries;
    optimumSeries->setName(QStringLiteral("optimum"));
    optimumSeries->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    optimumSeries->setMarkerSize(11);
    optimumSeries->setColor(QColor(220, 30, 30));
    optimumSeries->setBorderColor(Qt::black);
    for (int b = 0; b < optima.size(); ++b) {
        const BudgetOptimum &opt = optima[b];
        const QColor color = budgetColor(b, int(optima.size()));
        QVector<FitPoint> pts;
        for (const FitPoint &p : analysis.used) {
            if (p.budget == opt.budget)
                pts.append(p);
        }
        std::sort(pts.begin(), pts.end(), [](const FitPoint &a, const FitPoint &c) { return a.params < c.params; });
        auto *scatter = new QScatterSeries;
        scatter->setName(QStringLiteral("C = %1").arg(opt.budget, 0, 'e', 1));
        scatter->setColor(color);
        scatter->setBorderColor(color.darker(130));
        scatter->setMarkerSize(7);
        for (const FitPoint &p : pts)
            scatter->append(p.params, p.loss);
        auto *curve = new QLineSeries;
        QPen pen(color);
        pen.setWidthF(1.6);
        curve->setPen(pen);
        if (opt.parabola.size() == 3 && !pts.isEmpty()) {
            const double lo = std::log(pts.first().params), hi = std::log(pts.last().params);
            for (int i = 0; i <= 48; ++i) {
                const double t = lo + (hi - lo) * i / 48.0;
                curve->append(std::exp(t), opt.parabola[0] + opt.parabola[1] * t + opt.parabola[2] * t * t);
            }
        } else {
            for (const FitPoint &p : pts)
                curve->append(p.params, p.loss);
        }
        attach(chart, curve, x, y);
        hideLegendEntry(chart, curve);
        attach(chart, scatter, x, y);
        optimumSeries->append(opt.optParams, opt.optLoss);
    }
    attach(chart, optimumSeries, x, y);
    applyStyle(chart, style);
    chart->legend()->setAlignment(Qt::AlignRight);
    return chart;
}

QList<QChart *> makeScalingCharts(const StudyAnalysis &analysis, FigureStyle style)
{
    const IsoFlopReport &iso = analysis.isoFlop;
    struct Panel {
        QString title, yLabel;
        const PowerLawFit *law;
        double (*value)(const BudgetOptimum &);
        double predicted;
    };
    const Panel panels[] = {
        {QStringLiteral("N_opt ∝ C^%1").arg(iso.nOpt.a, 0, 'f', 3), QStringLiteral("optimal parameters N_opt"),
         &iso.nOpt, [](const BudgetOptimum &o) { return o.optParams; }, iso.predictedParams},
        {QStringLiteral("D_opt ∝ C^%1").arg(iso.dOpt.a, 0, 'f', 3), QStringLiteral("optimal tokens D_opt"),
         &iso.dOpt, [](const BudgetOptimum &o) { return o.optTokens; }, iso.predictedTokens},
        {QStringLiteral("L_opt ∝ C^%1").arg(iso.lossOpt.a, 0, 'f', 3), QStringLiteral("loss at the optimum"),
         &iso.lossOpt, [](const BudgetOptimum &o) { return o.optLoss; }, iso.predictedLoss},
    };
    QList<QChart *> charts;
    for (const Panel &panel : panels) {
        auto *chart = new QChart;
        chart->setTitle(panel.title);
        Range xr, yr;
        auto *points = new QScatterSeries;
        points->setName(QStringLiteral("IsoFLOP optima"));
        points->setMarkerSize(9);
        for (int b = 0; b < iso.optima.size(); ++b) {
            const double v = panel.value(iso.optima[b]);
            points->append(iso.optima[b].budget, v);
            xr.add(iso.optima[b].budget);
            yr.add(v);
        }
        points->setColor(QColor(33, 145, 140));
        auto *target = new QScatterSeries;
        target->setName(QStringLiteral("prediction at %1").arg(iso.targetFlops, 0, 'e', 1));
        target->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
        target->setMarkerSize(10);
        target->setColor(QColor(220, 30, 30));
        target->append(iso.targetFlops, panel.predicted);
        xr.add(iso.targetFlops);
        yr.add(panel.predicted);
        QLogValueAxis *x = logAxis(QStringLiteral("compute C (FLOPs)"), xr);
        // Losses span less than a decade: a log axis would show no labels.
        QAbstractAxis *y = panel.law == &iso.lossOpt
                               ? static_cast<QAbstractAxis *>(linearAxis(panel.yLabel, yr))
                               : logAxis(panel.yLabel, yr, 1.15);
        chart->addAxis(x, Qt::AlignBottom);
        chart->addAxis(y, Qt::AlignLeft);
        attach(chart, lawLine(*panel.law, xr.lo, xr.hi,
                              QStringLiteral("fit, R² = %1").arg(panel.law->r2, 0, 'f', 4)), x, y);
        attach(chart, points, x, y);
        attach(chart, target, x, y);
        applyStyle(chart, style);
        chart->legend()->setAlignment(Qt::AlignBottom);
        charts.append(chart);
    }
    return charts;
}

QChart *makeTokensPerParamChart(const StudyAnalysis &analysis, FigureStyle style)
{
    const IsoFlopReport &iso = analysis.isoFlop;
    auto *chart = new QChart;
    chart->setTitle(QStringLiteral("Tokens per parameter at the optimum"));
    Range xr, yr;
    auto *points = new QScatterSeries;
    points->setName(QStringLiteral("D_opt / N_opt"));
    points->setMarkerSize(9);
    points->setColor(QColor(59, 82, 139));
    for (const BudgetOptimum &o : iso.optima) {
        points->append(o.budget, o.optTokens / o.optParams);
        xr.add(o.budget);
        yr.add(o.optTokens / o.optParams);
    }
    PowerLawFit ratio;
    ratio.k = iso.dOpt.k / iso.nOpt.k;
    ratio.a = iso.dOpt.a - iso.nOpt.a;
    xr.add(iso.targetFlops);
    yr.add(ratio.predict(iso.targetFlops));
    QLogValueAxis *x = logAxis(QStringLiteral("compute C (FLOPs)"), xr);
    QLogValueAxis *y = logAxis(QStringLiteral("tokens per parameter"), yr);
    y->setLabelFormat(QStringLiteral("%.3g"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    attach(chart, lawLine(ratio, xr.lo, xr.hi, QStringLiteral("D_opt/N_opt ∝ C^%1").arg(ratio.a, 0, 'f', 3)), x, y);
    attach(chart, points, x, y);
    applyStyle(chart, style);
    chart->legend()->setAlignment(Qt::AlignBottom);
    return chart;
}

} // namespace flopsfit::ui
