#include "FigureFactory.h"

#include <QAreaSeries>
#include <QChart>
#include <QFont>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPalette>
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

void followPalette(QChart *chart, const QPalette &pal)
{
    chart->setBackgroundBrush(pal.base());
    chart->setTitleBrush(pal.text());
    chart->legend()->setLabelColor(pal.text().color());
    QColor grid = pal.text().color();
    grid.setAlpha(40);
    QColor minor = grid;
    minor.setAlpha(14);
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsBrush(pal.text());
        axis->setTitleBrush(pal.text());
        axis->setGridLineColor(grid);
        axis->setMinorGridLineColor(minor);
        axis->setLinePenColor(grid);
    }
    // On a dark background the darkest budget colours would vanish: lighten them.
    if (pal.base().color().lightness() < 128) {
        for (QAbstractSeries *series : chart->series()) {
            auto *xy = qobject_cast<QXYSeries *>(series);
            if (xy && xy->color().lightness() < 90)
                xy->setColor(xy->color().lighter(220));
        }
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
        axis->applyNiceNumbers();
    }
    axis->setLabelFormat(QStringLiteral("%.2f"));
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

// The bootstrap band of one law's N_opt, D_opt or L_opt against C ("isoflop" or "parametric").
QAreaSeries *intervalBand(const StudyAnalysis &analysis, const QString &law, const QString &what, const QColor &color,
                          Range *yr)
{
    auto *upper = new QLineSeries;
    auto *lower = new QLineSeries;
    for (double c : analysis.bandFlops) {
        const Interval iv = analysis.bootstrap.interval(QStringLiteral("band.%1.").arg(law) + targetKey(what, c));
        if (!iv.valid() || !(iv.lo > 0))
            continue;
        upper->append(c, iv.hi);
        lower->append(c, iv.lo);
        yr->add(iv.lo);
        yr->add(iv.hi);
    }
    if (upper->count() < 2) {
        delete upper;
        delete lower;
        return nullptr;
    }
    auto *area = new QAreaSeries(upper, lower);
    area->setName(QStringLiteral("%1 % interval (%2)").arg(100 * analysis.bootstrap.level, 0, 'g', 3).arg(law));
    QColor fill = color;
    fill.setAlpha(45);
    area->setBrush(fill);
    area->setPen(Qt::NoPen);
    return area;
}

// The parametric law's frontier N_opt(C), D_opt(C) or L_opt(C) across [lo, hi].
QLineSeries *frontierLine(const ParametricLaw &law, int which, double lo, double hi)
{
    auto *line = new QLineSeries;
    line->setName(QStringLiteral("approach 3 (parametric)"));
    for (int i = 0; i <= 40; ++i) {
        const double c = std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / 40.0);
        const double v = which == 0 ? law.optimalParams(c) : which == 1 ? law.optimalTokens(c) : law.optimalLoss(c);
        if (std::isfinite(v) && v > 0)
            line->append(c, v);
    }
    QPen pen(QColor(40, 90, 200));
    pen.setWidthF(2);
    pen.setStyle(Qt::DotLine);
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

    if (!analysis.haveIsoFlop) {
        chart->setTitle(QStringLiteral("Runs (no IsoFLOP fit: %1)").arg(analysis.errors.value(0, QStringLiteral("approach 2 not made"))).left(110));
        auto *scatter = new QScatterSeries;
        scatter->setName(QStringLiteral("runs"));
        scatter->setMarkerSize(7);
        for (const FitPoint &p : analysis.used)
            scatter->append(p.params, p.loss);
        attach(chart, scatter, x, y);
        applyStyle(chart, style);
        return chart;
    }
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
    const double target = analysis.targetFlops;
    struct Panel {
        QString what, title, yLabel;
        const PowerLawFit *law;
        double (*value)(const BudgetOptimum &);
    };
    const Panel panels[] = {
        {QStringLiteral("N_opt"), QStringLiteral("N_opt ∝ C^%1"), QStringLiteral("optimal size N_opt"), &iso.nOpt,
         [](const BudgetOptimum &o) { return o.optParams; }},
        {QStringLiteral("D_opt"), QStringLiteral("D_opt ∝ C^%1"), QStringLiteral("optimal tokens D_opt"), &iso.dOpt,
         [](const BudgetOptimum &o) { return o.optTokens; }},
        {QStringLiteral("L_opt"), QStringLiteral("L_opt ∝ C^%1"), QStringLiteral("loss at the optimum"), &iso.lossOpt,
         [](const BudgetOptimum &o) { return o.optLoss; }},
    };
    QList<QChart *> charts;
    for (int which = 0; which < 3; ++which) {
        const Panel &panel = panels[which];
        auto *chart = new QChart;
        const double exponent = analysis.haveIsoFlop ? panel.law->a
                                : which == 0          ? analysis.parametric.law.exponentA()
                                : which == 1          ? analysis.parametric.law.exponentB()
                                                      : std::nan("");
        chart->setTitle(std::isfinite(exponent) ? panel.title.arg(exponent, 0, 'f', 3) : QStringLiteral("L_opt(C)"));
        Range xr, yr;
        auto *points = new QScatterSeries;
        points->setName(QStringLiteral("IsoFLOP optima"));
        points->setMarkerSize(9);
        if (analysis.haveIsoFlop) {
            for (int b = 0; b < iso.optima.size(); ++b) {
                const double v = panel.value(iso.optima[b]);
                points->append(iso.optima[b].budget, v);
                xr.add(iso.optima[b].budget);
                yr.add(v);
            }
        } else {
            for (const FitPoint &p : analysis.used)
                xr.add(p.budget);
        }
        points->setColor(QColor(33, 145, 140));
        const double predicted = which == 0 ? analysis.predictParams(target) : which == 1 ? analysis.predictTokens(target) : analysis.predictLoss(target);
        auto *targetSeries = new QScatterSeries;
        targetSeries->setName(QStringLiteral("prediction at %1").arg(target, 0, 'e', 1));
        targetSeries->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
        targetSeries->setMarkerSize(10);
        targetSeries->setColor(QColor(220, 30, 30));
        if (std::isfinite(predicted) && predicted > 0) { // no prediction before enough budgets are fitted
            targetSeries->append(target, predicted);
            xr.add(target);
            yr.add(predicted);
        }
        QAreaSeries *isoBand = analysis.haveIsoFlop ? intervalBand(analysis, QStringLiteral("isoflop"), panel.what, QColor(200, 40, 40), &yr) : nullptr;
        QAreaSeries *parBand = analysis.haveParametric ? intervalBand(analysis, QStringLiteral("parametric"), panel.what, QColor(40, 90, 200), &yr) : nullptr;
        QLineSeries *parLine = nullptr;
        if (analysis.haveParametric && std::isfinite(xr.lo)) {
            parLine = frontierLine(analysis.parametric.law, which, xr.lo, xr.hi);
            for (const QPointF &pt : parLine->points())
                yr.add(pt.y());
        }
        QLogValueAxis *x = logAxis(QStringLiteral("compute C (FLOPs)"), xr);
        // Losses span less than a decade: a log axis would show no labels.
        QAbstractAxis *y = which == 2 ? static_cast<QAbstractAxis *>(linearAxis(panel.yLabel, yr))
                                      : logAxis(panel.yLabel, yr, 1.15);
        chart->addAxis(x, Qt::AlignBottom);
        chart->addAxis(y, Qt::AlignLeft);
        if (isoBand)
            attach(chart, isoBand, x, y);
        if (parBand)
            attach(chart, parBand, x, y);
        if (analysis.haveIsoFlop)
            attach(chart, lawLine(*panel.law, xr.lo, xr.hi, QStringLiteral("approach 2, R² = %1").arg(panel.law->r2, 0, 'f', 4)), x, y);
        if (parLine)
            attach(chart, parLine, x, y);
        if (analysis.haveIsoFlop)
            attach(chart, points, x, y);
        else
            delete points;
        attach(chart, targetSeries, x, y);
        applyStyle(chart, style);
        chart->legend()->setAlignment(Qt::AlignBottom);
        charts.append(chart);
    }
    return charts;
}

// Contours of L(N, D) = L*: D = (B / (L* − E − A/N^α))^(1/β) where the bracket is positive.
QChart *makeParametricChart(const StudyAnalysis &analysis, FigureStyle style)
{
    auto *chart = new QChart;
    const ParametricLaw &law = analysis.parametric.law;
    chart->setTitle(QStringLiteral("L(N, D) = %1 + %2/N^%3 + %4/D^%5")
                        .arg(law.E, 0, 'f', 3)
                        .arg(law.A, 0, 'g', 4)
                        .arg(law.alpha, 0, 'f', 3)
                        .arg(law.B, 0, 'g', 4)
                        .arg(law.beta, 0, 'f', 3));
    Range nr, dr, lr;
    auto *runs = new QScatterSeries;
    runs->setName(QStringLiteral("runs"));
    runs->setMarkerSize(6);
    runs->setColor(QColor(90, 90, 90));
    for (const FitPoint &p : analysis.used) {
        const double d = p.tokens > 0 ? p.tokens : p.budget / (6 * p.params);
        runs->append(p.params, d);
        nr.add(p.params);
        dr.add(d);
        lr.add(p.loss);
    }
    const double nLo = nr.lo / 3, nHi = nr.hi * 3, dLo = dr.lo / 3, dHi = dr.hi * 3;
    QLogValueAxis *x = logAxis(QStringLiteral("parameters N"), nr, 3);
    QLogValueAxis *y = logAxis(QStringLiteral("tokens D"), dr, 3);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    const int levels = 8;
    for (int k = 0; k < levels; ++k) {
        const double level = lr.lo + (lr.hi - lr.lo) * (k + 0.5) / levels;
        auto *contour = new QLineSeries;
        contour->setName(QStringLiteral("L = %1").arg(level, 0, 'f', 2));
        for (int i = 0; i <= 120; ++i) {
            const double n = std::exp(std::log(nLo) + (std::log(nHi) - std::log(nLo)) * i / 120.0);
            const double rest = level - law.E - law.A / std::pow(n, law.alpha);
            if (!(rest > 0))
                continue;
            const double d = std::pow(law.B / rest, 1.0 / law.beta);
            if (d >= dLo && d <= dHi)
                contour->append(n, d);
        }
        QPen pen(budgetColor(k, levels));
        pen.setWidthF(1.4);
        contour->setPen(pen);
        if (contour->count() < 2) {
            delete contour;
            continue;
        }
        attach(chart, contour, x, y);
    }
    // The compute-optimal frontier: (N_opt(C), D_opt(C)).
    auto *frontier = new QLineSeries;
    frontier->setName(QStringLiteral("compute-optimal frontier"));
    for (int i = 0; i <= 80; ++i) {
        const double c = std::exp(std::log(6 * nLo * dLo) + (std::log(6 * nHi * dHi) - std::log(6 * nLo * dLo)) * i / 80.0);
        const double n = law.optimalParams(c), d = law.optimalTokens(c);
        if (n >= nLo && n <= nHi && d >= dLo && d <= dHi)
            frontier->append(n, d);
    }
    QPen pen(QColor(220, 30, 30));
    pen.setWidthF(2.4);
    pen.setStyle(Qt::DashLine);
    frontier->setPen(pen);
    attach(chart, frontier, x, y);
    attach(chart, runs, x, y);
    applyStyle(chart, style);
    chart->legend()->setAlignment(Qt::AlignRight);
    return chart;
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
    if (analysis.haveIsoFlop) {
        ratio.k = iso.dOpt.k / iso.nOpt.k;
        ratio.a = iso.dOpt.a - iso.nOpt.a;
    } else {
        // Parametric: D_opt/N_opt = C / (6·N_opt²), a power law of exponent 1 − 2a.
        const ParametricLaw &p = analysis.parametric.law;
        ratio.a = 1 - 2 * p.exponentA();
        ratio.k = p.optimalTokens(1.0) / p.optimalParams(1.0);
        for (const FitPoint &pt : analysis.used)
            xr.add(pt.budget);
    }
    xr.add(analysis.targetFlops);
    yr.add(ratio.predict(analysis.targetFlops));
    if (!analysis.haveIsoFlop) {
        yr.add(ratio.predict(xr.lo));
        yr.add(ratio.predict(xr.hi));
    }
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
