#include "fit/PowerLaw.h"

#include "util/Error.h"

#include <Eigen/Dense>

#include <cmath>

namespace flopsfit {

double PowerLawFit::predict(double x) const
{
    return k * std::pow(x, a);
}

QJsonObject PowerLawFit::toJson() const
{
    return {{QStringLiteral("coefficient"), k},  {QStringLiteral("exponent"), a},
            {QStringLiteral("r2"), r2},          {QStringLiteral("exponent_se"), seA},
            {QStringLiteral("ln_coefficient_se"), seLnK}, {QStringLiteral("points"), points}};
}

bool fitPolynomial(const QVector<double> &x, const QVector<double> &y, int degree,
                   QVector<double> *coefficients)
{
    const int n = int(x.size());
    if (n != y.size() || n < degree + 1)
        return false;
    // Centre and scale x so the normal matrix stays well conditioned.
    double mean = 0;
    for (double v : x)
        mean += v;
    mean /= n;
    double scale = 0;
    for (double v : x)
        scale = std::max(scale, std::abs(v - mean));
    if (scale == 0)
        return false;
    Eigen::MatrixXd design(n, degree + 1);
    Eigen::VectorXd rhs(n);
    for (int i = 0; i < n; ++i) {
        const double t = (x[i] - mean) / scale;
        double p = 1;
        for (int j = 0; j <= degree; ++j) {
            design(i, j) = p;
            p *= t;
        }
        rhs(i) = y[i];
    }
    const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(design);
    if (qr.rank() < degree + 1)
        return false;
    const Eigen::VectorXd c = qr.solve(rhs);
    // Expand the polynomial in t = (x - mean)/scale back into powers of x.
    QVector<double> out(degree + 1, 0.0);
    for (int j = 0; j <= degree; ++j) {
        // c_j · ((x - mean)/scale)^j = c_j / scale^j · Σ_m binom(j, m) x^m (-mean)^(j-m)
        double binom = 1;
        for (int m = 0; m <= j; ++m) {
            if (m > 0)
                binom = binom * (j - m + 1) / m;
            out[m] += c(j) / std::pow(scale, j) * binom * std::pow(-mean, j - m);
        }
    }
    *coefficients = out;
    return true;
}

PowerLawFit fitPowerLaw(const QVector<double> &x, const QVector<double> &y)
{
    const int n = int(x.size());
    if (n != y.size())
        throw InputError(QStringLiteral("power-law fit: %1 x values but %2 y values").arg(n).arg(y.size()));
    if (n < 2)
        throw InputError(QStringLiteral("power-law fit: needs at least two points, got %1").arg(n));
    QVector<double> lx(n), ly(n);
    for (int i = 0; i < n; ++i) {
        if (!(x[i] > 0) || !(y[i] > 0) || !std::isfinite(x[i]) || !std::isfinite(y[i]))
            throw InputError(QStringLiteral("power-law fit: point %1 (%2, %3) is not positive and finite")
                                 .arg(i + 1)
                                 .arg(x[i])
                                 .arg(y[i]));
        lx[i] = std::log(x[i]);
        ly[i] = std::log(y[i]);
    }
    double mx = 0, my = 0;
    for (int i = 0; i < n; ++i) {
        mx += lx[i];
        my += ly[i];
    }
    mx /= n;
    my /= n;
    double sxx = 0, sxy = 0, syy = 0;
    for (int i = 0; i < n; ++i) {
        sxx += (lx[i] - mx) * (lx[i] - mx);
        sxy += (lx[i] - mx) * (ly[i] - my);
        syy += (ly[i] - my) * (ly[i] - my);
    }
    if (sxx == 0)
        throw InputError(QStringLiteral("power-law fit: all x values are equal"));
    PowerLawFit fit;
    fit.points = n;
    fit.a = sxy / sxx;
    const double lnK = my - fit.a * mx;
    fit.k = std::exp(lnK);
    double sse = 0;
    for (int i = 0; i < n; ++i) {
        const double r = ly[i] - (lnK + fit.a * lx[i]);
        sse += r * r;
    }
    fit.r2 = syy > 0 ? 1.0 - sse / syy : 1.0;
    if (n > 2) {
        const double s2 = sse / (n - 2);
        fit.seA = std::sqrt(s2 / sxx);
        fit.seLnK = std::sqrt(s2 * (1.0 / n + mx * mx / sxx));
    }
    return fit;
}

} // namespace flopsfit
