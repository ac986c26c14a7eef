#include "fit/Outliers.h"

#include "fit/PowerLaw.h"

#include <QMap>

#include <algorithm>
#include <cmath>

namespace flopsfit {

static double median(QVector<double> v)
{
    if (v.isEmpty())
        return 0;
    std::sort(v.begin(), v.end());
    const int n = int(v.size());
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

QVector<OutlierFlag> flagIsoFlopOutliers(const QVector<FitPoint> &points, const OutlierRule &rule)
{
    QMap<double, QVector<int>> byBudget;
    for (int i = 0; i < points.size(); ++i)
        byBudget[points[i].budget].append(i);
    QVector<OutlierFlag> flags;
    QVector<bool> flagged(points.size(), false);
    // One run at a time: fit, flag the worst run above the limit, refit without it, until none is.
    // (A far outlier drags its parabola up; flagging all at once would also catch its neighbours.)
    for (int pass = 0; pass < points.size(); ++pass) {
        QVector<int> index;
        QVector<double> residuals;
        for (const QVector<int> &all : byBudget) {
            QVector<int> members;
            for (int i : all)
                if (!flagged[i])
                    members.append(i);
            if (members.size() < 4)
                continue;
            QVector<double> x, y;
            for (int i : members) {
                x.append(std::log(points[i].params));
                y.append(std::log(points[i].loss));
            }
            QVector<double> c;
            if (!fitPolynomial(x, y, 2, &c))
                continue;
            for (int j = 0; j < members.size(); ++j) {
                index.append(members[j]);
                residuals.append(y[j] - (c[0] + c[1] * x[j] + c[2] * x[j] * x[j]));
            }
        }
        if (residuals.size() < 4)
            break;
        const double centre = median(residuals);
        QVector<double> deviations;
        for (double r : residuals)
            deviations.append(std::abs(r - centre));
        const double sigma = 1.4826 * median(deviations);
        const double threshold = std::max(rule.k * sigma, rule.minExcess);
        int worst = -1;
        for (int j = 0; j < residuals.size(); ++j)
            if (residuals[j] - centre > threshold && (worst < 0 || residuals[j] > residuals[worst]))
                worst = j;
        if (worst < 0)
            break;
        const FitPoint &p = points[index[worst]];
        flagged[index[worst]] = true;
        flags.append({p.id, residuals[worst], threshold,
                      QStringLiteral("loss %1 is %2 % above its IsoFLOP parabola at C = %3 (limit %4 %: k = %5 × 1.4826 × MAD, at least %6 %)")
                          .arg(p.loss, 0, 'f', 4)
                          .arg(100 * (std::exp(residuals[worst]) - 1), 0, 'f', 2)
                          .arg(p.budget, 0, 'e', 2)
                          .arg(100 * (std::exp(threshold) - 1), 0, 'f', 2)
                          .arg(rule.k)
                          .arg(100 * rule.minExcess, 0, 'g', 3)});
    }
    return flags;
}

} // namespace flopsfit
