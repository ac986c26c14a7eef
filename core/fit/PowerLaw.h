#pragma once
#include <QJsonObject>
#include <QVector>

namespace flopsfit {

// y = k · x^a, fitted by ordinary least squares on (ln x, ln y).
struct PowerLawFit {
    double k = 0;
    double a = 0;
    double r2 = 0;
    double seA = 0;    // standard error of a
    double seLnK = 0;  // standard error of ln k
    int points = 0;

    double predict(double x) const;
    QJsonObject toJson() const;
};

// Throws InputError with fewer than two points or a non-positive or non-finite value.
PowerLawFit fitPowerLaw(const QVector<double> &x, const QVector<double> &y);

// Least-squares polynomial of degree `degree` (coefficients c0 + c1·x + c2·x² …).
// Returns false when the system is singular or there are too few points.
bool fitPolynomial(const QVector<double> &x, const QVector<double> &y, int degree,
                   QVector<double> *coefficients);

} // namespace flopsfit
