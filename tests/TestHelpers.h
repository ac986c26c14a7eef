#pragma once
#include <QString>
#include <QTest>

#include <cmath>

namespace flopsfit::test {

// |actual - expected| ≤ tolerance · |expected|, with a message that shows both.
inline bool relativeClose(double actual, double expected, double tolerance)
{
    return std::abs(actual - expected) <= tolerance * std::abs(expected);
}

} // namespace flopsfit::test

#define FF_COMPARE_REL(actual, expected, tolerance)                                                \
    QVERIFY2(flopsfit::test::relativeClose((actual), (expected), (tolerance)),                     \
             qPrintable(QStringLiteral("%1 = %2, expected %3 within %4 relative")                   \
                            .arg(QStringLiteral(#actual))                                           \
                            .arg((actual), 0, 'g', 10)                                              \
                            .arg((expected), 0, 'g', 10)                                            \
                            .arg(tolerance)))
